"""The public site's one choke point: every count passes :mod:`svduty.privacy.disclosure` here.

``Gate`` collects the cells the site will publish and the additive relations a reader could use
between them, protects them all in ONE call to :func:`~svduty.privacy.disclosure.protect`, and
is then the only maker of :class:`GatedTable`, the only kind of table the page and download
writers accept. A gated table's counts and rates are looked up in the Release (rates from the
rounded count, confidence limits from the rounded count too), so nothing unprotected can reach a
writer.

Keys are tuples of strings: ``("count", measure, area_code, period)`` for a published count;
unpublished cells that a reader could still work out from published ones get their own keys so
the gate protects them too:

- ``("not-placed", measure, force_code, period)``: force area rows with no location or one
  outside the force area (force area = its local authorities + these);
- ``("rest", part, whole, area, period)``: the whole measure minus a measure that is part of it
  (all ages minus under 25: a difference is a table too);
- ``("no-msoa", measure, la_code, period)``: a local authority's rows whose LSOA has no 2011
  MSOA (local authority = its MSOAs + these);
- ``("source-suppressed", ...total key)``: what a partner suppressed before sending, as far as a
  relation pins it down (see ``relate``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.stats import compare_to_benchmark, poisson_count_limits
from svduty.privacy.disclosure import (
    Cell,
    DisclosureError,
    Key,
    Release,
    Source,
    Status,
    Total,
    protect,
)

__all__ = [
    "CONFIDENTIAL",
    "HEALTH_FEEDS",
    "Gate",
    "GatedRow",
    "GatedTable",
    "RowSpec",
    "count_key",
    "source_kind",
]

CONFIDENTIAL = "[c]"  # GSS shorthand for a withheld figure (html.SHORTHAND)
# Partner aggregate feeds that carry health data: their small counts are suppressed like
# record-level ones (NHS England's rules for HES and ECDS)
HEALTH_FEEDS = frozenset({"hospital-admissions"})
_RECORD_SOURCES = {
    "police_crime": Source.RECORD_LEVEL,
    "police_uk_street": Source.RECORD_LEVEL,
    "ed_assault": Source.HEALTH,
    "published": Source.OFFICIAL_STATISTIC,
}
_MADE_BY_GATE = object()


def source_kind(measure: Measure) -> Source:
    """How the gate must protect the counts of ``measure``; an unknown source raises.

    police.uk street-level data is public already, but it is treated as record-level: rounding
    it costs little and keeps one rule for everything that is not an official statistic.
    """
    if measure.source in _RECORD_SOURCES:
        return _RECORD_SOURCES[measure.source]
    if measure.source == "partner_aggregate":
        feeds = measure.filters.get("feed")
        feeds = set(feeds) if isinstance(feeds, list) else {feeds}
        return Source.HEALTH if feeds & HEALTH_FEEDS else Source.PARTNER_AGGREGATE
    raise DisclosureError(
        f"measure {measure.id!r} counts from {measure.source!r}, a source the public site does "
        "not know how to protect. Add it to svduty.products.site.gate.source_kind with the "
        f"Source it is ({', '.join(s.name for s in Source)}) before publishing it"
    )


def count_key(measure_id: str, area_code: str, period: str) -> Key:
    return ("count", measure_id, area_code, period)


@dataclass(frozen=True)
class RowSpec:
    """What a gated table's row shows: its labels, the cell's key, the rate's denominator and,
    optionally, the (key, denominator) of the cell its rate is compared with."""

    labels: Mapping[str, str]
    key: Key
    denominator: float | None = None
    versus: tuple[Key, float | None] | None = None
    # the publisher's own rate of an official statistic, shown beside svduty's (Census 2021)
    # rate; the gate refuses it for any other source
    published_rate: float | None = None


@dataclass(frozen=True)
class GatedRow:
    """One row of a gated table: labels, and the count as released with its rate and limits."""

    labels: Mapping[str, str]  # text columns, e.g. area_code, area, period
    key: Key
    count: int | str  # the released count, or "[c]"
    denominator: float | None
    rate: float | None
    lower_95: float | None
    upper_95: float | None
    compared: str | None  # against the comparator area's released rate, when asked
    published_rate: float | None = None  # an official statistic's rate as published


@dataclass(frozen=True, eq=False)
class GatedTable:
    """A table of released counts: the only kind of table the site's writers accept.

    Made by :meth:`Gate.table` and by nothing else (the constructor checks).
    """

    id: str
    title: str
    label_columns: tuple[tuple[str, str], ...]  # (field, heading) of each text column
    rows: tuple[GatedRow, ...]
    measure: Measure
    source: Source
    synthetic: bool
    rate_unit: str | None  # "per 100,000 residents", None when the measure has no rate
    rate_digits: int
    comparator: str | None  # the area the rates are compared with, by name
    notes: tuple[str, ...] = ()
    _made_by: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self._made_by is not _MADE_BY_GATE:
            raise TypeError(
                "a GatedTable is made by Gate.table() from a Release, never by hand: every "
                "count on the public site passes the disclosure gate"
            )

    @property
    def official(self) -> bool:
        return self.source == Source.OFFICIAL_STATISTIC

    def frame(self) -> pd.DataFrame:
        """The table for writers: label columns, count ("[c]" or int), rate and 95% limits."""
        records = []
        for r in self.rows:
            rec = {f: r.labels.get(f) for f, _ in self.label_columns}
            rec["count"] = r.count
            if self.rate_unit:
                rec |= {"rate": r.rate, "lower_95": r.lower_95, "upper_95": r.upper_95}
            if self.comparator:
                rec["compared"] = r.compared or ""
            if self.has_published_rate:
                rec["published_rate"] = r.published_rate
            records.append(rec)
        return pd.DataFrame.from_records(records, columns=list(self.columns()))

    def columns(self) -> dict[str, str]:
        """Field -> reader-facing heading, in order."""
        out = dict(self.label_columns)
        out["count"] = "Number"
        if self.rate_unit:
            out |= {
                "rate": f"Rate {self.rate_unit}",
                "lower_95": "Lower 95% limit",
                "upper_95": "Upper 95% limit",
            }
        if self.comparator:
            out["compared"] = f"Compared with {self.comparator}"
        if self.has_published_rate:
            out["published_rate"] = f"Rate as published {self.rate_unit}"
        return out

    @property
    def has_published_rate(self) -> bool:
        return any(r.published_rate is not None for r in self.rows)


class Gate:
    """Collects cells and relations, protects them once, then makes gated tables."""

    def __init__(self) -> None:
        self._cells: dict[Key, Cell] = {}
        self._unknown: set[Key] = set()  # suppressed by the partner before it reached us
        self._totals: list[Total] = []
        self._must_hide: dict[Key, Key] = {}  # remainder -> the one source-suppressed cell
        self.release: Release | None = None

    # ---- before protecting ----------------------------------------------------------------

    def add(self, key: Key, count: int | None, source: Source) -> None:
        """A count to protect; ``None`` is a count the partner sent suppressed."""
        if self.release is not None:
            raise DisclosureError(f"{key}: the gate has already released; add cells before it")
        if key in self._cells or key in self._unknown:
            raise DisclosureError(f"{key} is added twice: each cell needs its own key")
        if count is None:
            self._unknown.add(key)
        else:
            self._cells[key] = Cell(key, int(count), source)

    def has(self, key: Key) -> bool:
        return key in self._cells or key in self._unknown

    def count(self, key: Key) -> int | None:
        """The true count of a cell before release (None when suppressed at source)."""
        return self._cells[key].count if key in self._cells else None

    def relate(self, total: Key, parts: Sequence[Key], source: Source) -> None:
        """Declare ``total == sum(parts)``.

        A relation that holds a cell the partner suppressed before sending is declared over
        what can be known: with the total known, the suppressed parts together are a remainder
        cell (total minus the known parts) that the gate protects like any other; when just one
        part was suppressed the remainder IS that part, and the site refuses to build unless
        the gate suppresses it too. With the total and a part suppressed nothing can be worked
        out from the relation; a suppressed total whose parts are all known would be given away
        by them, and raises.
        """
        named = (total, *parts)
        missing = [k for k in named if k in self._unknown]
        if not missing:
            self._totals.append(Total(total, tuple(parts)))
            return
        if total in self._unknown:
            if len(missing) == 1:
                raise DisclosureError(
                    f"{total} arrived suppressed but its parts {list(parts)} did not: publishing "
                    "them would give it away. Ask the partner to suppress a part as well, or "
                    "leave the measure out of the site"
                )
            return
        known = [p for p in parts if p not in self._unknown]
        remainder = ("source-suppressed", *total)
        value = self._cells[total].count - sum(self._cells[p].count for p in known)
        if value < 0:
            raise DisclosureError(
                f"the known parts of {total} add up to more than it: the partner's table is not "
                "additive, so the gate cannot protect it; correct it or leave the measure out"
            )
        if remainder not in self._cells:
            self._cells[remainder] = Cell(remainder, value, source)
        self._totals.append(Total(total, (*known, remainder)))
        if len(missing) == 1:
            self._must_hide[remainder] = missing[0]

    def protect(self) -> Release:
        """Protect every cell at once (one call, so no two tables can be played off)."""
        if self.release is not None:
            return self.release
        release = protect(self._cells.values(), self._totals)
        for remainder, cell in self._must_hide.items():
            if not release.suppressed(remainder):
                raise DisclosureError(
                    f"{cell} arrived suppressed from the partner, but the published cells "
                    f"around it would give it away ({remainder} is not suppressed by the gate). "
                    "Ask the partner to suppress another cell of that table, or leave the "
                    "measure out of the site"
                )
        self.release = release
        return release

    # ---- after protecting -----------------------------------------------------------------

    def released(self, key: Key) -> int | str:
        """The value a page may show for ``key``: the released count or "[c]"."""
        if self.release is None:
            raise DisclosureError("call Gate.protect() before reading released values")
        if key in self._unknown:
            return CONFIDENTIAL
        value = self.release.value(key)  # an unknown key raises: it was never protected
        return CONFIDENTIAL if value is None else value

    def suppressed_at_source(self) -> frozenset[Key]:
        return frozenset(self._unknown)

    def status(self, key: Key) -> str:
        """Internal: how a cell was released ("suppressed at source" for partner suppression)."""
        if key in self._unknown:
            return "suppressed at source"
        return str(self.release.released(key).status) if self.release else "not released"

    def table(
        self,
        *,
        id: str,
        title: str,
        measure: Measure,
        label_columns: Iterable[tuple[str, str]],
        rows: Iterable[RowSpec],
        synthetic: bool,
        rate_unit: str | None,
        rate_digits: int = 1,
        comparator: str | None = None,
        notes: Iterable[str] = (),
    ) -> GatedTable:
        """A table of released counts, one row per :class:`RowSpec`.

        Rates are the released count per ``measure.multiplier`` of the denominator, with 95%
        limits (exact Poisson below 10, Byar's from 10) from the released count. A row with
        ``versus`` is compared (95% interval) with that cell's released rate; ``comparator``
        names the area compared with.
        """
        if self.release is None:
            raise DisclosureError("call Gate.protect() before making tables")
        source = source_kind(measure)
        out = []
        for spec in rows:
            count = self.released(spec.key)
            rate, lower, upper = (None, None, None)
            if rate_unit:
                rate, lower, upper = self._rate(
                    spec.key, spec.denominator, measure.multiplier, rate_digits
                )
            if spec.published_rate is not None and source != Source.OFFICIAL_STATISTIC:
                raise DisclosureError(
                    f"{spec.key}: a published rate is shown only for official statistics, "
                    f"not for {source.name} figures, whose rates come from released counts"
                )
            compared = None
            if spec.versus is not None and rate_unit:
                bench = self._rate(*spec.versus, measure.multiplier, rate_digits)[0]
                # Higher / Similar / Lower: plain words for the public (polarity is implied)
                compared = compare_to_benchmark(lower, upper, bench).comparison
            out.append(
                GatedRow(
                    dict(spec.labels), spec.key, count, spec.denominator, rate, lower, upper,
                    compared, _published(spec.published_rate, rate_digits),
                )
            )  # fmt: skip
        return GatedTable(
            id=id,
            title=title,
            label_columns=tuple(label_columns),
            rows=tuple(out),
            measure=measure,
            source=source,
            synthetic=synthetic,
            rate_unit=rate_unit,
            rate_digits=rate_digits,
            comparator=comparator if rate_unit else None,
            notes=tuple(notes),
            _made_by=_MADE_BY_GATE,
        )

    def _rate(self, key: Key, denominator: float | None, multiplier: float, digits: int):
        if key in self._unknown or denominator is None or not _positive(denominator):
            return None, None, None
        rate = self.release.rate(key, float(denominator), float(multiplier), digits)
        if rate is None:
            return None, None, None
        # as crude_rate (PHEindicatormethods phe_rate), from the released count
        lower, upper = _count_limits(self.release.value(key))
        scale = float(multiplier) / float(denominator)
        return rate, round(lower * scale, digits), round(upper * scale, digits)

    def statuses(self) -> dict[Key, Status | str]:
        """Internal: every cell's status (for the manifest kept outside the site)."""
        if self.release is None:
            return {}
        out: dict[Key, Status | str] = {k: r.status for k, r in self.release.cells.items()}
        out |= dict.fromkeys(self._unknown, "suppressed at source")
        return out


@functools.cache
def _count_limits(count: int) -> tuple[float, float]:
    """95% limits of a count: exact Poisson below 10 events, Byar's from 10."""
    lower, upper, _ = poisson_count_limits(count, 0.95)
    return lower, upper


def _published(value, digits: int) -> float | None:
    return round(float(value), digits) if _positive(value) else None


def _positive(x) -> bool:
    try:
        return math.isfinite(float(x)) and float(x) > 0
    except (TypeError, ValueError):
        return False
