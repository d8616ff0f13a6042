"""What one assessment is about: its area, its period, the local definition, and the warehouse
narrowed to them.

The analysis functions read whole tables of a force area. An assessment of one local authority
over a few years hands them a :class:`ScopedWarehouse` instead: the same warehouse, read only,
in which the record-level tables (police records, police.uk, emergency department returns) hold
only the rows of the area's LSOAs and of the period's months, and the LSOA lookup and boundaries
hold only the area's. Every statistic is still the analysis layer's own; only its input is
narrowed, as a partnership analyst would narrow an extract.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import ibis
import pandas as pd

from svduty.analysis.evidence.quality import covered_months, definition_version, synthetic_share
from svduty.analysis.evidence.where import MeasureCounts, measure_counts
from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.analysis.measures.compute import ROW_COLUMNS, Geography, measure_rows
from svduty.analysis.measures.counts import EVENT_DATE, Counts, record_counts_of
from svduty.definition import Definition
from svduty.definition import load as load_definition
from svduty.errors import InputError
from svduty.partnership import Partnership
from svduty.products.area import Area
from svduty.products.assessment.period import Period, PeriodError, default_period
from svduty.warehouse import Warehouse, temporary
from svduty.warehouse.narrowed import Narrowed

__all__ = ["RECORD_TABLES", "Context", "ScopedWarehouse", "area_lsoas"]

RECORD_TABLES = ("police_crime", "police_uk_street", "ed_assault")
# Reference tables that describe places: narrowed to the area's local authorities.
_PLACE_TABLES = ("ref_lsoa", "ref_boundary")
ENGLAND_AND_WALES = "K04000001"


class ScopedWarehouse(Narrowed):
    """A read-only view of ``wh``: record-level tables narrowed to ``months`` (first days of
    months) and, when given, to the LSOAs ``lsoas``; ``ref_lsoa`` and ``ref_boundary`` narrowed
    to the local authorities ``la_codes`` when given. Everything else reads ``wh`` unchanged.

    ``copy``: on DuckDB, each narrowed record-level table is copied once, when first read, into
    a temporary table of the connection, and read from there. An assessment sends about a
    hundred queries through its view; without the copy each one filters the whole table again
    by the months and the area's few hundred LSOAs (literal lists Ibis compiles every time).
    The copy holds the same rows and columns. Temporary tables live as long as the connection
    (:meth:`close` drops them sooner); PostgreSQL readers are read-only sessions, which cannot
    create tables, so there the view filters as before."""

    def __init__(
        self,
        wh: Warehouse,
        *,
        months: tuple[date, ...] | None = None,
        lsoas: tuple[str, ...] | None = None,
        la_codes: tuple[str, ...] | None = None,
        copy: bool = False,
    ):
        def records(t):
            if months is not None:
                t = t.filter(t.month.isin(list(months)))
            if lsoas is not None:
                t = t.filter(t.lsoa_code.isin(list(lsoas)))
            return t

        def places(t):
            return t.filter(t.la_code.isin(list(la_codes)))

        narrow = dict.fromkeys(RECORD_TABLES, records)
        if la_codes is not None:
            narrow |= dict.fromkeys(_PLACE_TABLES, places)
        super().__init__(wh, narrow)
        self.months, self.lsoas, self.la_codes = months, lsoas, la_codes
        self._copy = copy and getattr(wh, "kind", None) == "duckdb"
        self._copies: dict[str, ibis.Table] = {}

    def table(self, name: str) -> ibis.Table:
        if not self._copy or name not in RECORD_TABLES:
            return super().table(name)
        if name not in self._copies:
            self._copies[name] = temporary.make(
                self.ibis, super().table(name), f"_svduty_scope_{name}"
            )
        return self._copies[name]

    def close(self) -> None:
        """Drop the copies (the view can still be read: it copies again when asked)."""
        copies, self._copies = self._copies, {}
        for copy in copies.values():
            temporary.drop(self.ibis, copy)


def area_lsoas(wh: Warehouse, area: Area) -> tuple[str, ...]:
    """Every LSOA code (2011 and 2021) of the area's local authorities, from ``ref_lsoa``."""
    ref = wh.table("ref_lsoa")
    found = ref.filter(ref.la_code.isin(list(area.la_codes))).select("lsoa_code").execute()
    if found.empty:
        raise InputError(
            f"ref_lsoa has no LSOAs for {area.name} ({', '.join(area.la_codes)}): load the "
            "reference data (svduty init) before building an assessment"
        )
    return tuple(sorted(found["lsoa_code"]))


@dataclass
class Context:
    """Everything the sections share: the warehouse and its views, the area, the period, the
    local definition, the measures and the settings of the hotspot analyses."""

    wh: Warehouse
    partnership: Partnership
    area: Area
    period: Period
    definition: Definition
    permutations: int
    seed: int
    measures: measures_catalogue.Catalogue = field(default_factory=measures_catalogue.load)

    @classmethod
    def make(
        cls,
        wh: Warehouse,
        partnership: Partnership,
        area: Area,
        period: Period | None,
        *,
        permutations: int,
        seed: int,
        measures: measures_catalogue.Catalogue | None = None,
    ) -> Context:
        definition = load_definition(partnership.local_definition["id"])
        months = headline_months(wh, area)
        if period is None:
            period = default_period(months)
        elif not any(period.contains(m) for m in months):
            raise PeriodError(
                f"the warehouse holds no police data for {period.describe()}: the data cover "
                f"{months[0]} to {months[-1]}; choose a period inside them"
            )
        return cls(
            wh,
            partnership,
            area,
            period,
            definition,
            permutations,
            seed,
            measures or measures_catalogue.load(partnership=partnership),
        )

    # ---- views ------------------------------------------------------------------------------

    @cached_property
    def lsoas(self) -> tuple[str, ...]:
        return area_lsoas(self.wh, self.area)

    @cached_property
    def view(self) -> ScopedWarehouse:
        """The area and the period (the whole force area keeps rows with no location)."""
        if self.area.is_force_area:
            return ScopedWarehouse(self.wh, months=self.period.month_starts, copy=True)
        return ScopedWarehouse(
            self.wh,
            months=self.period.month_starts,
            lsoas=self.lsoas,
            la_codes=self.area.la_codes,
            copy=True,
        )

    @cached_property
    def force_view(self) -> ScopedWarehouse:
        """The whole force area over the period: for comparisons across its authorities (read
        by a query or two: not copied, which would cost more than it saves)."""
        if self.area.is_force_area:
            return self.view
        return ScopedWarehouse(self.wh, months=self.period.month_starts)

    def close(self) -> None:
        """Drop the views' copies of the records (see :class:`ScopedWarehouse`)."""
        for name in ("view", "force_view"):
            if name in self.__dict__:
                self.__dict__[name].close()

    @cached_property
    def synthetic_tables(self) -> frozenset[str]:
        """The warehouse tables with synthetic rows in the area and period."""
        frame = synthetic_share(self.view).frame
        return frozenset(frame.loc[frame["synthetic_rows"] > 0, "table"])

    @cached_property
    def geography(self) -> Geography:
        return Geography.load(self.wh, self.area.pfa_code, self.area.police_uk_force)

    # ---- names ------------------------------------------------------------------------------

    @property
    def definition_version(self) -> str:
        return definition_version(self.definition)

    @property
    def not_applied(self) -> str:
        """What a figure's provenance says when its source cannot apply the local definition."""
        return f"not applied to this source (the local definition is {self.definition_version})"

    @property
    def force_name(self) -> str:
        return self.geography.pfa_name

    @property
    def comparator(self) -> tuple[str, str] | None:
        """(code, name) of the area the local figures are compared with: the force area for a
        local authority; none of the partnership's own for the force area."""
        if self.area.is_force_area:
            return None
        return self.area.pfa_code, self.force_name

    # ---- the measures (whole history, so baselines and trends can be read) --------------------

    def rows(self, measure: measures_catalogue.Measure | str) -> pd.DataFrame:
        """Every result row of a measure (catalogue id or a Measure), all areas and years."""
        m = self.measures.get(measure) if isinstance(measure, str) else measure
        cache = self.__dict__.setdefault("_rows", {})
        if m.id not in cache:
            if m.source in EVENT_DATE:
                self.count_together([m])
            got = measure_rows(
                self.wh,
                m,
                self.geography,
                self.measures.baseline_year,
                ("calendar_year", "financial_year"),
                coverage=self._coverage,
                counts=self._counted.get(m.id),
            )
            # no rows (a source the partnership has not loaded): an empty table, its columns kept
            cache[m.id] = pd.DataFrame(got, columns=list(ROW_COLUMNS))
        return cache[m.id]

    def count_together(self, measures: list[measures_catalogue.Measure]) -> None:
        """Count the record-level ``measures`` not counted yet, with every measure of the
        catalogue of the same sources not counted yet, in one query per source
        (record_counts_of): the sections ask for the measures one at a time, and each query
        alone reads the source again and decides the local definition's rule again."""
        counted = self._counted
        wanted = {m.id: m for m in measures if m.source in EVENT_DATE and m.id not in counted}
        sources = {m.source for m in wanted.values()}
        for m in self.measures.measures:
            if m.source in sources and m.id not in counted:
                wanted.setdefault(m.id, m)
        for source in sorted(sources):
            group = [m for m in wanted.values() if m.source == source]
            got = record_counts_of(
                self.wh,
                group,
                police_uk_force=self.geography.police_uk_force,
                coverage=self._coverage,
            )
            counted |= {m.id: c for m, c in zip(group, got, strict=True)}

    @cached_property
    def _counted(self) -> dict[str, Counts]:
        return {}

    @cached_property
    def _coverage(self) -> dict[str, frozenset[str]]:
        """The months each record-level source covers: read once for all the measures."""
        return {}

    def measurable(self, measure: measures_catalogue.Measure | str) -> bool:
        """Whether the measure can be measured in this area: False when its source is record
        level and not one of its rows in the period can be placed in the area (emergency
        department attendances with no LSOA of a local authority). The measures count such an
        area zero; that zero is missing, not zero, and is neither shown nor compared."""
        m = self.measures.get(measure) if isinstance(measure, str) else measure
        if self.area.is_force_area or m.source not in RECORD_TABLES:
            return True
        cache = self.__dict__.setdefault("_placed", {})
        if m.source not in cache:
            table = self.view.table(m.source)
            if m.source == "police_uk_street":
                table = table.filter(table.force == self.area.police_uk_force)
            cache[m.source] = int(table.count().execute()) > 0
        return cache[m.source]

    def annual(self, measure, area_code: str | None = None) -> pd.DataFrame:
        """A measure's rows for one area (default: this one) in the period's kind of year (the
        other kind when the measure has none of it), up to the end of the period, oldest
        first. None of this area's when the measure cannot be measured here
        (:meth:`measurable`)."""
        frame = self.rows(measure)
        if frame.empty:
            return frame
        code = area_code or self.area.code
        if code == self.area.code and not self.measurable(measure):
            return frame.iloc[0:0]
        mine = frame[
            (frame["area_code"] == code) & (frame["period_start"] <= f"{self.period.last}-31")
        ]
        preferred = self.period.period_type
        other = "financial_year" if preferred == "calendar_year" else "calendar_year"
        for ptype in (preferred, other):
            part = mine[mine["period_type"] == ptype]
            if len(part):
                return part.sort_values("period_start").reset_index(drop=True)
        return mine.iloc[0:0]

    def counts(self, measure_id: str) -> MeasureCounts:
        """A record-level measure's monthly counts by LSOA for the area and period (one query,
        shared by the where and why sections). Months missing are those inside the period."""
        cache = self.__dict__.setdefault("_counts", {})
        if measure_id not in cache:
            measure = self.measures.get(measure_id)  # of the catalogue in use, not the shipped one
            got = measure_counts(self.view, measure, self.area.pfa_code, years=self.period.years)
            inside = tuple(m for m in got.months_missing if self.period.contains(m))
            cache[measure_id] = dataclasses.replace(got, months_missing=inside)
        return cache[measure_id]

    def force_counts(self, measure_id: str) -> MeasureCounts:
        """As :meth:`counts`, for the whole force area (comparisons across its authorities)."""
        if self.area.is_force_area:
            return self.counts(measure_id)
        cache = self.__dict__.setdefault("_force_counts", {})
        if measure_id not in cache:
            got = measure_counts(
                self.force_view,
                self.measures.get(measure_id),
                self.area.pfa_code,
                years=self.period.years,
            )
            inside = tuple(m for m in got.months_missing if self.period.contains(m))
            cache[measure_id] = dataclasses.replace(got, months_missing=inside)
        return cache[measure_id]

    def latest(self, measure, area_code: str | None = None) -> dict | None:
        """The latest complete annual row of a measure that lies inside the period (else the
        latest complete one that ends before the period does), or None."""
        rows = self.annual(measure, area_code)
        if rows.empty:
            return None
        complete = rows[rows["complete"].astype(bool)]
        ended = complete[complete["period_end"] <= _month_end(self.period.last)]
        inside = ended[ended["period_start"] >= f"{self.period.first}-01"]
        pick = inside if len(inside) else ended
        return None if pick.empty else pick.iloc[-1].to_dict()


def _month_end(month: str) -> str:
    return (pd.Period(month, freq="M").end_time.date()).isoformat()


def headline_months(wh: Warehouse, area: Area) -> list[str]:
    """The months the headline source (police.uk, else the force's records) holds for the area's
    force: the default period is read from them."""
    for name in ("police_uk_street", "police_crime"):
        t = wh.table(name)
        if name == "police_uk_street":
            t = t.filter(t.force == area.police_uk_force)
        months = covered_months(t)
        if months:
            return months
    raise InputError(
        "the warehouse holds no police.uk or police records: ingest them before building an "
        "assessment (svduty ingest police-uk)"
    )
