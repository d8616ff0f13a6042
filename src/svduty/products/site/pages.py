"""The site's pages and downloads, written from the gate's tables.

``Pages`` makes every gated table the site shows (through :meth:`Gate.table`, the only way to
make one), draws their figures, and writes the pages and downloads, recording which tables each
file holds for the manifest.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from svduty.analysis.measures.catalogue import Catalogue
from svduty.errors import InputError
from svduty.partnership import Partnership
from svduty.products import area as areas_mod
from svduty.products import duty_record, html, maps
from svduty.products.area import Area
from svduty.products.site import downloads, figures, review, summary
from svduty.products.site.gate import Gate, GatedTable, RowSpec, count_key
from svduty.products.site.msoa import POPULATION_SOURCE, MsoaCounts
from svduty.products.site.series import ENGLAND_AND_WALES, Series
from svduty.products.site.sources import describe, sources_of
from svduty.products.strategy import file as strategies
from svduty.products.strategy import page as strategy_page
from svduty.reference.population import denominator
from svduty.warehouse import Warehouse

__all__ = ["Pages", "SiteError"]

_PERIOD_WORDS = {
    "financial_year": ("financial year (April to March)", "Financial year"),
    "calendar_year": ("calendar year", "Calendar year"),
}
_AREA_PAGES = (
    ("Overview", "index.html"),
    ("Measures", "measures.html"),
    ("Maps", "map.html"),
    ("Strategy", "strategy.html"),
    ("Needs assessment summary", "assessment.html"),
    ("Annual review", "review.html"),
)


class SiteError(InputError):
    """The site cannot be built as asked; the message says what to change."""


@dataclass(frozen=True)
class _Contact:
    body: str
    email: str | None
    url: str | None


def _unit(series: Series) -> str | None:
    denominator = series.measure.denominator
    if denominator == "none":
        return None
    per = f"per {series.measure.multiplier:,}"
    return (
        f"{per} residents aged under 25"
        if denominator == "population_under_25"
        else (f"{per} residents")
    )


def _period_change(periods) -> list[str]:
    """A note where a series changes from financial to calendar years (or back), so a reader
    sees the period type change rather than reading one series across it."""
    out = []
    for before, after in itertools.pairwise(periods):
        if ("/" in before) != ("/" in after):
            kinds = ("financial years", "calendar years")
            was, now = kinds if "/" in before else kinds[::-1]
            out.append(
                f"The periods change from {was} ({before}) to {now} ({after}) as the publisher "
                "changed them: the two are not the same twelve months."
            )
    return out


def _digits(series: Series) -> int:
    return 2 if series.measure.multiplier <= 1000 else 1


class Pages:
    """Writes the site into ``out``; ``build`` returns (files -> table ids, tables by id)."""

    def __init__(
        self,
        out: Path,
        *,
        wh: Warehouse,
        partnership: Partnership,
        areas: list[Area],
        gate: Gate,
        series: dict[str, Series],
        mapped: list[MsoaCounts],
        period_type: str,
        strategy_paths: Mapping[str, Path] | None,
        assessments: Mapping[str, object],
        catalogue: Catalogue,
    ):
        self.out = Path(out)
        self.wh = wh
        self.partnership = partnership
        self.areas = areas
        self.gate = gate
        self.series = series
        self.mapped = mapped
        self.period_type = period_type
        self.strategy_paths = strategy_paths
        self.assessments = assessments
        self.catalogue = catalogue
        self.force = areas_mod.areas(partnership)[0]
        self.pfa = partnership.police_force_area
        # one name per area: the partnership file's, not the measures' ONS spelling
        # ("Bristol", not "Bristol, City of")
        self.names = {a.code: a.name for a in areas_mod.areas(partnership)}
        self.files: dict[str, list[str]] = {}
        self.tables: dict[str, GatedTable] = {}
        self.nav = [("Home", "index.html")]
        self.nav += [(a.name, f"{a.id}/index.html") for a in areas]
        self.nav += [
            ("About the data", "about-the-data.html"),
            ("Accessibility", "accessibility.html"),
        ]

    # ---- the whole site -------------------------------------------------------------------

    def build(self) -> tuple[dict[str, tuple[str, ...]], dict[str, GatedTable]]:
        self._home()
        self._about()
        self._accessibility()
        for a in self.areas:
            self._area(a)
        if self.mapped:
            html.copy_map_assets(self.out)
        return {k: tuple(dict.fromkeys(v)) for k, v in self.files.items()}, dict(self.tables)

    def _record(self, name: str, tables) -> None:
        ids = self.files.setdefault(name, [])
        for t in tables:
            if t.id in self.tables and self.tables[t.id] is not t:
                raise ValueError(f"two gated tables share the id {t.id!r}")
            self.tables[t.id] = t
            ids.append(t.id)

    def _write(self, name: str, template: str, *, title: str, tables=(), **context) -> None:
        synthetic = context.pop("synthetic", any(t.synthetic for t in tables))
        html.write_page(
            self.out,
            name,
            template,
            title=title,
            body_name=self.partnership.name,
            nav=self.nav,
            synthetic=synthetic,
            **context,
        )
        self._record(name, tables)

    def _contact(self, a: Area | None = None) -> _Contact:
        if a is None:
            c = self.partnership.public_contact
            return _Contact(self.partnership.name, c.get("email"), c.get("url"))
        return _Contact(a.body, a.contact_email, a.contact_url)

    def _home(self) -> None:
        areas = [
            {"name": a.name, "body": a.body, "level": a.level, "href": f"{a.id}/index.html"}
            for a in self.areas
        ]
        self._write(
            "index.html",
            "site/home.html",
            title="Serious violence",
            partnership=self.partnership,
            areas=areas,
            definition=self.partnership.local_definition,
            contact=self._contact(),
            synthetic=False,
        )

    def _about(self) -> None:
        self._write(
            "about-the-data.html",
            "site/about.html",
            title="About the data",
            sources=sources_of(self.series),
            shorthand=html.SHORTHAND,
            msoa_population=POPULATION_SOURCE,
            area_population=denominator("la").source,
            synthetic=any(s.synthetic for s in self.series.values()),
        )

    def _accessibility(self) -> None:
        self._write(
            "accessibility.html",
            "site/accessibility.html",
            title="Accessibility statement",
            partnership=self.partnership,
            area_names=", ".join(a.name for a in self.areas),
            contact=self._contact(),
            synthetic=False,
        )

    # ---- one area -------------------------------------------------------------------------

    def _area(self, a: Area) -> None:
        sections = [sec for s in self.series.values() if (sec := self._section(s, a))]
        maps_ = [m for mc in self.mapped if (m := self._map(mc, a))]
        links = {"name": a.name, "pages": _AREA_PAGES}
        contact = self._contact(a)
        files = self._downloads(a, sections, maps_)
        measure_tables = [t for sec in sections for t in sec["tables"]]
        headlines = self._headlines(a, sections)
        common = {
            "area": a,
            "links": links,
            "contact": contact,
            # the one denominator of the area's rates (svduty.reference.population)
            "area_population": denominator("la").source,
        }
        self._write(
            f"{a.id}/index.html",
            "site/area.html",
            title=f"Serious violence in {a.name}",
            tables=[h["table"] for h in headlines],
            parent_name=self.force.name,
            definition=self.partnership.local_definition,
            headlines=headlines,
            downloads=files,
            **common,
        )
        self._write(
            f"{a.id}/measures.html",
            "site/measures.html",
            title=f"Measures: {a.name}",
            tables=measure_tables,
            sections=sections,
            downloads=files,
            period_words=_PERIOD_WORDS[self.period_type][0],
            **common,
        )
        self._write(
            f"{a.id}/map.html",
            "site/map.html",
            title=f"Maps: {a.name}",
            tables=[m["table"] for m in maps_],
            maps=maps_,
            msoa_population=POPULATION_SOURCE,
            **common,
        )
        plan = self._strategy(a, common, sections)
        self._review(a, plan, common)
        public = summary.summarise(
            self.assessments.get(a.id), [(h["table"], h["area"]) for h in headlines]
        )
        self._write(
            f"{a.id}/assessment.html",
            "site/assessment.html",
            title=f"Needs assessment summary: {a.name}",
            tables=[h["table"] for h in headlines],
            summary=public,
            has_assessment=a.id in self.assessments,
            synthetic=public.synthetic,
            **common,
        )

    def _areas_for(self, s: Series, a: Area) -> tuple[list[str], str | None, str | None]:
        """The area codes the area's table shows, the comparator code, and a note if the
        measure is not available for the area itself."""
        if a.is_force_area:
            if ENGLAND_AND_WALES in s.areas:
                return [self.pfa, ENGLAND_AND_WALES], ENGLAND_AND_WALES, None
            return [self.pfa], None, None
        if a.code in s.areas:
            return [a.code, self.pfa], self.pfa, None
        note = (
            f"Not available for {a.name}: this source gives figures for the whole "
            f"{self.force.name} area only. The {self.force.name} figures are shown."
        )
        return [self.pfa], None, note

    def _name(self, s: Series, code: str) -> str:
        if code in self.names:
            return self.names[code]
        if code == ENGLAND_AND_WALES:  # ONS tables spell it in capitals
            return "England and Wales"
        for r in s.rows:
            if r["area_code"] == code and r.get("area_name"):
                return r["area_name"]
        return "England and Wales" if code == ENGLAND_AND_WALES else code

    def _section(self, s: Series, a: Area) -> dict | None:
        m = s.measure
        codes, comparator, unavailable = self._areas_for(s, a)
        specs = []
        for code in codes:
            for period in s.periods:
                r = s.row(code, period)
                if r is None:
                    continue
                versus = None
                if comparator and code != comparator and (c := s.row(comparator, period)):
                    versus = (count_key(m.id, comparator, period), c["denominator"])
                labels = {"area_code": code, "area": self._name(s, code), "period": period}
                specs.append(
                    RowSpec(
                        labels,
                        count_key(m.id, code, period),
                        r["denominator"],
                        versus,
                        # ONS's own rate of an official statistic, as the caveat promises
                        r.get("published_rate") if m.source == "published" else None,
                    )
                )
        if not specs:
            return None
        source = describe(m, s.synthetic)
        table = self.gate.table(
            id=f"{a.id}/{m.id}",
            title=f"{m.title}: {', '.join(dict.fromkeys(self._name(s, c) for c in codes))}",
            measure=m,
            label_columns=(("area", "Area"), ("period", "Period")),
            rows=specs,
            synthetic=s.synthetic,
            rate_unit=_unit(s),
            rate_digits=_digits(s),
            comparator=self._name(s, comparator) if comparator else None,
        )
        x_title = "Year" if m.source == "published" else _PERIOD_WORDS[self.period_type][1]
        figure = figures.trend_figure(
            table, id=f"fig-{m.id}", area_field="area", x_title=x_title, source=source
        )
        section = {
            "anchor": m.id,
            "title": m.title,
            "synthetic": s.synthetic,
            "home_office": m.home_office,
            "description": " ".join(m.description.split()),
            "unavailable": unavailable,
            "figure": figure,
            "table": table,
            "breakdown": None,
            "breakdown_period": None,
            "caveats": [" ".join(c.split()) for c in s.caveats] + _period_change(s.periods),
            "tables": [table],
        }
        if a.is_force_area:
            self._breakdown(s, a, section, source)
        return section

    def _breakdown(self, s: Series, a: Area, section: dict, source: str) -> None:
        """The force area page: the latest year by local authority."""
        las = [c for c in s.areas if c not in (self.pfa, ENGLAND_AND_WALES)]
        latest = s.latest(self.pfa)
        if not las or latest is None:
            return
        m, period = s.measure, latest["period"]
        specs = []
        for code in [*las, self.pfa]:
            r = s.row(code, period)
            if r is None:
                continue
            versus = (count_key(m.id, self.pfa, period), latest["denominator"])
            labels = {"area_code": code, "area": self._name(s, code), "period": period}
            specs.append(
                RowSpec(
                    labels,
                    count_key(m.id, code, period),
                    r["denominator"],
                    versus if code != self.pfa else None,
                )
            )
        table = self.gate.table(
            id=f"{a.id}/{m.id}/by-local-authority",
            title=f"{m.title}: by local authority, {period}",
            measure=m,
            label_columns=(("area", "Area"), ("period", "Period")),
            rows=specs,
            synthetic=s.synthetic,
            rate_unit=_unit(s),
            rate_digits=_digits(s),
            comparator=self.force.name,
        )
        section["breakdown"] = {
            "table": table,
            "figure": figures.breakdown_figure(
                table, id=f"fig-{m.id}-by-local-authority", highlight=self.force.name, source=source
            ),
        }
        section["breakdown_period"] = period
        section["tables"].append(table)

    def _headlines(self, a: Area, sections: list[dict]) -> list[dict]:
        out = []
        for sec in sections:
            t = sec["table"]
            if not t.measure.home_office:
                continue
            code = a.code if any(r.key[2] == a.code for r in t.rows) else self.pfa
            mine = [r for r in t.rows if r.key[2] == code]
            if not mine:
                continue
            row = mine[-1]
            out.append(
                {
                    "title": t.measure.title,
                    "anchor": sec["anchor"],
                    "synthetic": t.synthetic,
                    "area": row.labels["area"],
                    "period": row.labels["period"],
                    "row": row,
                    "unit": t.rate_unit,
                    "digits": t.rate_digits,
                    "table": t,
                }
            )
        return out

    def _map(self, mc: MsoaCounts, a: Area) -> dict | None:
        m = mc.measure
        msoas = mc.geography.in_las(a.la_codes)
        if msoas.empty:
            return None
        la_names = {la.code: la.name for la in self.partnership.local_authorities}
        specs = [
            RowSpec(
                {
                    "msoa_code": code,
                    "msoa_name": name,
                    "la": la_names.get(la, la),
                    "period": mc.period,
                },
                count_key(m.id, code, mc.period),
                population if population > 0 else None,
            )
            for code, name, la, population in msoas[
                ["msoa_code", "msoa_name", "la_code", "population"]
            ].itertuples(index=False)
        ]
        table = self.gate.table(
            id=f"{a.id}/{m.id}/by-msoa",
            title=f"{m.title}: by MSOA, {a.name}, {mc.period}",
            measure=m,
            label_columns=(
                ("msoa_code", "MSOA code"),
                ("msoa_name", "MSOA"),
                ("la", "Local authority"),
            ),
            rows=specs,
            synthetic=mc.synthetic,
            rate_unit=f"per {m.multiplier:,} residents",
            rate_digits=_digits(self.series[m.id]),
        )
        bounds = maps.boundaries(self.wh, a, "msoa11")
        figure = figures.map_figure(
            table, bounds, id=f"map-{m.id}", source=describe(m, mc.synthetic)
        )
        return {
            "measure": m,
            "measure_title": m.title,
            "period": mc.period,
            "synthetic": mc.synthetic,
            "table": table,
            "figure": figure,
            "boundaries": bounds,
            "geojson": f"data/msoa-{m.id}.geojson",
            "csv": f"data/msoa-{m.id}.csv",
            # the interactive map draws the GeoJSON above, coloured as the static map
            "key": figures.map_classes(table, bounds),
        }

    # ---- strategy and downloads -----------------------------------------------------------

    def _strategy(self, a: Area, common: dict, sections: list[dict]) -> strategies.Strategy | None:
        chosen = strategies.examples() if self.strategy_paths is None else self.strategy_paths
        path = chosen.get(a.id)
        plan = strategies.load(path, measures=self.catalogue) if path is not None else None
        if plan is not None and plan.area != a.id:
            raise SiteError(
                f"{path}: this strategy is for the area {plan.area!r}, not {a.id!r}; give each "
                "area its own strategy file in strategy_paths"
            )
        # the public site has no assessment figure to link to: findings are shown unlinked
        page = (
            strategy_page.view(
                plan,
                partnership=self.partnership,
                area=a,
                measures=self.catalogue,  # the measures the strategy was checked against
                assessment_href=None,
                # the consultations the approved draft cited, saved beside it by the portal
                consultations=duty_record.load_consultations(
                    path.parent / duty_record.CONSULTATIONS_FILE
                ),
            )
            if plan is not None
            else None
        )
        self._write(
            f"{a.id}/strategy.html",
            "site/strategy.html",
            title=f"Strategy: {a.name}",
            strategy_page=page,
            example=plan.example_note if plan is not None and plan.example else None,
            synthetic=False,
            **common,
        )
        return plan

    def _review(self, a: Area, plan: strategies.Strategy | None, common: dict) -> None:
        """The annual review's public page: progress against the strategy, gated figures only."""
        shown = (
            review.progress(
                self.gate,
                plan,
                self.series,
                a,
                pfa_code=self.pfa,
                unit=_unit,
                digits=_digits,
                period_words=_PERIOD_WORDS[self.period_type][0],
                names=self.names,
            )
            if plan is not None
            else None
        )
        tables = shown.tables if shown is not None else []
        self._write(
            f"{a.id}/review.html",
            "site/review.html",
            title=f"Annual review: {a.name}",
            tables=tables,
            progress=shown,
            example=plan.example_note if plan is not None and plan.example else None,
            period_words=_PERIOD_WORDS[self.period_type][0],
            **common,
        )

    def _downloads(self, a: Area, sections: list[dict], maps_: list[dict]) -> list[tuple]:
        data = f"{a.id}/data"
        tables = [t for sec in sections for t in sec["tables"]]
        downloads.write_csv(self.out / data / "measures.csv", tables)
        self._record(f"{data}/measures.csv", tables)
        sheets = [("Measures", tables)]
        sheets += [(f"MSOA {m['measure'].id}", [m["table"]]) for m in maps_]
        sources = [f"{n.name}: {n.what}" for n in sources_of(self.series)]
        downloads.write_xlsx(
            self.out / data / "measures.xlsx",
            sheets,
            title=f"Serious violence measures: {a.name} ({self.partnership.name})",
            sources=[*sources, POPULATION_SOURCE],
        )
        self._record(f"{data}/measures.xlsx", [t for _, ts in sheets for t in ts])
        files = [
            ("Measures (CSV)", "data/measures.csv", "every measure, area and year on these pages"),
            ("Measures (Excel)", "data/measures.xlsx", "the same, with notes and the MSOA tables"),
        ]
        for m in maps_:
            downloads.write_csv(self.out / a.id / m["csv"], [m["table"]])
            downloads.write_geojson(self.out / a.id / m["geojson"], m["table"], m["boundaries"])
            self._record(f"{a.id}/{m['csv']}", [m["table"]])
            self._record(f"{a.id}/{m['geojson']}", [m["table"]])
            what = f"{m['measure_title']} by MSOA, {m['period']}"
            files.append((f"{m['measure'].title} by MSOA (CSV)", m["csv"], what))
            files.append((f"{m['measure'].title} by MSOA (GeoJSON)", m["geojson"], what))
        return files
