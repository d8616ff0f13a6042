"""The published figures the synthetic extracts are calibrated to, each with where it comes from.

Three kinds of figure, marked in `Figure.status` and in docs/synthetic.md:

- `bundled`: read here from the ONS police force area tables bundled in
  `svduty/data/ons_prc/policeforceareatablesyedecember2024.xlsx` (Avon and Somerset rows), so
  the value in the file is the value used;
- `published`: a national figure from a named publication, typed in here (`source` says which);
- `assumed`: our assumption, marked [U] in the docs: plausible, not checked against a source.

Nothing here is random: the generators in this package turn these figures into rows.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

import openpyxl

from svduty import reference
from svduty.synth import force

ONS_TABLES = ("ons_prc", "policeforceareatablesyedecember2024.xlsx")
ONS_SOURCE = (
    "ONS, Crime in England and Wales: Police Force Area data tables, year ending December 2024 "
    "(bundled: data/ons_prc/policeforceareatablesyedecember2024.xlsx)"
)
PFA = "E23000036"  # Avon and Somerset (the figures of the table in docs/synthetic.md)
LAS: tuple[str, ...] = ("E06000022", "E06000023", "E06000024", "E06000025", "E06000066")
EW = "K04000001"  # England and Wales: where a small force's own figure is missing or zero


def _pfa() -> str:
    """The run's force area (svduty.synth.force.active); Avon and Somerset outside a run."""
    return force.active().pfa


def _number(value: object) -> float | None:
    """A table cell as a number; None for ONS's markers ("[x]", "[z]", "..")."""
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class Figure:
    key: str
    value: float
    what: str
    source: str
    status: str  # "bundled", "published" or "assumed"


# ---- the ONS police force area tables -------------------------------------------------------


def _clean(text: object) -> str:
    return " ".join(str(text).split()) if text is not None else ""


@functools.cache
def _sheets() -> dict[str, list[tuple]]:
    """The rows of the sheets used (P1, P5, P6, P8, C2), by stripped sheet name."""
    path = reference.data_path(*ONS_TABLES)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        wanted = {"Table P1", "Table P5", "Table P6", "Table P8", "Table C2"}
        return {
            ws.title.strip(): [tuple(r) for r in ws.iter_rows(values_only=True)]
            for ws in book.worksheets
            if ws.title.strip() in wanted
        }
    finally:
        book.close()


def _header_and_row(sheet: str, code: str, code_col: int = 0) -> tuple[list[str], tuple]:
    rows = _sheets()[sheet]
    header_at = next(i for i, r in enumerate(rows) if r and _clean(r[0]).startswith("Area Code"))
    header = [_clean(c) for c in rows[header_at]]
    for r in rows[header_at + 1 :]:
        if r and _clean(r[code_col]) == code:
            return header, r
    raise LookupError(f"{sheet}: no row for {code}")


_SPAN = re.compile(r"^(\w{3}) (\d{4}) to (\w{3}) (\d{4})$")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}


def _span(label: str) -> tuple[date, date] | None:
    """'Apr 2018 to Mar 2019' -> (2018-04-01, 2019-03-01) (first day of the first/last month)."""
    m = _SPAN.match(label.replace("[note 9]", "").strip())
    if not m:
        return None
    return (
        date(int(m[2]), _MONTHS[m[1]], 1),
        date(int(m[4]), _MONTHS[m[3]], 1),
    )


@dataclass(frozen=True)
class YearFigure:
    label: str  # as in the table, e.g. "Apr 2018 to Mar 2019"
    start: date
    end: date  # first day of its last month
    count: float
    percent: float | None = None


def knife_by_year() -> tuple[YearFigure, ...]:
    """Table P6: the run's force area's knife and sharp instrument offences (selected offences),
    number and % of the selected offences, for each year the table gives both (a year a force
    did not supply, "[x]", is left out: for_month then takes the nearest year)."""
    return _knife_by_year(_pfa())


@functools.cache
def _knife_by_year(pfa: str) -> tuple[YearFigure, ...]:
    header, row = _header_and_row("Table P6", pfa)
    out = []
    for i, label in enumerate(header):
        span = _span(label)
        if span and i + 1 < len(header) and header[i + 1].startswith("% involving"):
            count, percent = _number(row[i]), _number(row[i + 1])
            if count is not None and percent is not None:
                out.append(YearFigure(label, *span, count, percent))
    return tuple(out)


def firearms_by_year() -> tuple[YearFigure, ...]:
    """Table P8: the run's force area's firearm offences (excluding air weapons) per year."""
    return _firearms_by_year(_pfa())


@functools.cache
def _firearms_by_year(pfa: str) -> tuple[YearFigure, ...]:
    rows = _sheets()["Table P8"]
    header_at = next(i for i, r in enumerate(rows) if r and _clean(r[0]) == "Area code")
    header = [_clean(c) for c in rows[header_at]]
    row = next(r for r in rows[header_at + 1 :] if r and _clean(r[0]) == pfa)
    return tuple(
        YearFigure(label, *span, float(row[i]))
        for i, label in enumerate(header)
        if (span := _span(label)) and isinstance(row[i], int | float)
    )


def for_month(series: tuple[YearFigure, ...], month: str) -> YearFigure:
    """The year of `series` containing `month` (YYYY-MM); failing that, the nearest year.

    The police.uk months 2018-01..2021-09 fall in the years ending March 2018 to 2022; 2023-01
    falls in "Jan 2023 to Dec 2023" (the tables have no year ending March 2023).
    """
    d = date(int(month[:4]), int(month[5:7]), 1)
    for y in series:
        if y.start <= d <= y.end:
            return y
    return min(series, key=lambda y: min(abs((y.start - d).days), abs((y.end - d).days)))


# Column of Table P5 -> our knife category (the selected offences).
KNIFE_CATEGORIES: dict[str, str] = {
    "attempted_murder": "Attempted murder % involving a knife",
    "threats_to_kill": "Threats to kill offences % involving a knife",
    "assault_injury": "Assault with injury and assault with intent to cause serious harm % "
    "involving a knife",
    "robbery": "Robbery offences % involving a knife",
    "rape_sexual_assault": "Rape and sexual assault offences % involving a knife",
    "homicide": "Homicide offences % involving a knife",
}


def knife_by_offence() -> dict[str, tuple[float, float]]:
    """Table P5 (year ending December 2024), the run's force area: category -> (knife
    offences, % of the category's offences involving a knife). The % gives the category's
    volume too (count / % x 100), which calibrates the offence mix. Where the force's % is
    missing or zero (a small force: City of London's homicides), England and Wales's % is
    used, scaled to the force's size (`_ew_scale`), so that every category has a volume."""
    return _knife_by_offence(_pfa())


@functools.cache
def _knife_by_offence(pfa: str) -> dict[str, tuple[float, float]]:
    header, row = _header_and_row("Table P5", pfa)
    _, ew = _header_and_row("Table P5", EW)
    out = {}
    for key, pct_label in KNIFE_CATEGORIES.items():
        i = header.index(pct_label)
        count, pct = _number(row[i - 1]), _number(row[i])
        if count is None or not pct:
            pct = float(ew[i])
            count = float(ew[i - 1]) * _ew_scale(pfa)
        out[key] = (count, pct)
    return out


def _ew_scale(pfa: str) -> float:
    """The force's violence with injury as a share of England and Wales's (Table P1)."""
    group = "Violence with injury"
    return _offence_groups(pfa)[group] / _offence_groups(EW)[group]


def selected_offence_volume(category: str) -> float:
    """Offences in a knife category, the run's force area, year ending Dec 2024 (P5:
    count / %)."""
    count, pct = knife_by_offence()[category]
    return count / pct * 100


P1_GROUPS = (
    "Homicide",
    "Death or serious injury - unlawful driving",
    "Violence with injury",
    "Violence without injury",
    "Stalking and harassment",
    "Sexual offences",
    "Robbery",
    "Residential burglary",
    "Non-residential burglary",
    "Criminal damage and arson",
    "Drug offences",
    "Possession of weapons offences",
    "Public order offences",
)


def offence_groups(area: str | None = None) -> dict[str, float]:
    """Table P1 (year ending December 2024): recorded crime by offence group for a force area
    (E23..., W15...; the run's by default) or England and Wales (K04000001)."""
    return _offence_groups(area or _pfa())


@functools.cache
def _offence_groups(area: str) -> dict[str, float]:
    header, row = _header_and_row("Table P1", area)
    return {h: float(row[i]) for i, h in enumerate(header) if h in P1_GROUPS or "Total" in h}


C2_GROUPS = ("Violence with injury", "Criminal damage and arson", "Total recorded crime")


def csp_groups() -> dict[str, dict[str, float]]:
    """Table C2 (year ending December 2024): headline offences by local authority, for the run's
    force area's authorities under their current codes: la_code -> group -> number. An
    authority C2 does not list on its own is left out (areas takes the force's rate for it)."""
    return _csp_groups(force.active().las)


@functools.cache
def _csp_groups(las: tuple[str, ...]) -> dict[str, dict[str, float]]:
    from svduty.reference.geography import current_la

    current = {code: now for code, (now, _) in current_la().items()}
    rows = _sheets()["Table C2"]
    header_at = next(i for i, r in enumerate(rows) if r and "Police Force" in _clean(r[0]))
    header = [_clean(c) for c in rows[header_at]]
    la_col = header.index("Local Authority code")
    out: dict[str, dict[str, float]] = {}
    for r in rows[header_at + 1 :]:
        code = _clean(r[la_col]) if r and len(r) > la_col else ""
        code = current.get(code, code)
        if code in las:
            groups = {
                g: _number(r[i]) for i, h in enumerate(header) for g in C2_GROUPS if h.startswith(g)
            }
            if all(v is not None for v in groups.values()):
                out[code] = groups
    return out


# ---- published national figures -------------------------------------------------------------

FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        Figure(
            "ed_attendances_violence_ew_2019",
            175_764,
            "people attending EDs, MIUs and walk-in centres in England and Wales for treatment "
            "after violence in 2019",
            "Sivarajasingam V et al., Violence in England and Wales in 2019: an accident and "
            "emergency perspective, Cardiff University Violence Research Group (NVSN), 2020",
            "published",
        ),
        Figure(
            "ed_male_share",
            0.71,
            "share of ED assault attendances that are male",
            "HSCIC, Provisional monthly topic of interest: assaults, May 2014 to April 2015 "
            "(71.3% of A&E attendances for assault were male)",
            "published",
        ),
        Figure(
            "hes_assault_admissions_england_2019_20",
            28_905,
            "admissions to hospital in England after assault (ICD-10 X85-Y09), 2019-20",
            "NHS Digital HES figures as analysed by PA Media's RADAR unit (reported 22 Sep 2020)",
            "published",
        ),
        Figure(
            "hes_sharp_object_admissions_england_2019_20",
            4_674,
            "admissions to hospital in England after assault by a sharp object (X99), 2019-20",
            "NHS Digital HES figures as analysed by PA Media's RADAR unit (reported 22 Sep "
            "2020); the House of Commons Library knife crime briefing gives 4,757 finished "
            "consultant episodes for the same year",
            "published",
        ),
        Figure(
            "hes_sharp_object_male_share",
            0.92,
            "share of sharp-object assault admissions that are male",
            "House of Commons Library, Knife crime in England and Wales (HES 2019/20: around "
            "92% men)",
            "published",
        ),
        Figure(
            "hes_assault_male_share",
            0.78,
            "share of all assault admissions that are male",
            "assumed from the HES assault topic reports ('much higher for males') [U]",
            "assumed",
        ),
        Figure(
            "hes_suppress_max",
            7,
            "HES sub-national counts of 1 to 7 are replaced by *",
            'HES disclosure control (docs/sources.md, "Disclosure control")',
            "published",
        ),
        Figure(
            "youth_violence_share",
            0.30,
            "share of children's cautions and sentences that are for violence against the person",
            "assumed [U]",
            "assumed",
        ),
        Figure(
            "youth_caution_share",
            0.25,
            "share of children's cautions-or-sentences that are cautions",
            "assumed [U]",
            "assumed",
        ),
        Figure(
            "youth_male_share",
            0.82,
            "share of first time entrants and of children cautioned or sentenced who are boys",
            "assumed [U]",
            "assumed",
        ),
        Figure(
            "probation_caseload_ew",
            240_000,
            "people under Probation Service supervision (court orders and licence), England "
            "and Wales, on a date",
            "assumed from the order of magnitude of MoJ Offender Management Statistics "
            "Quarterly [U]",
            "assumed",
        ),
        Figure(
            "probation_violence_share",
            0.30,
            "share of the probation caseload whose index offence is violence against the person",
            "assumed [U]",
            "assumed",
        ),
        Figure(
            "probation_male_share",
            0.90,
            "share of the probation caseload who are men",
            "assumed [U]",
            "assumed",
        ),
        Figure(
            "deliberate_fires_england_ye_mar_2022",
            69_776,
            "deliberate fires attended by fire and rescue services in England, year ending "
            "March 2022 (45.7% of 152,608 fires)",
            "Home Office, Fire and rescue incident statistics: England, year ending March 2022, "
            "as reported in the press (dailysunpost.com, 2022); read in the report, not the "
            "tables",
            "published",
        ),
        Figure(
            "deliberate_primary_fires_england_ye_mar_2022",
            15_600,
            "deliberate primary fires in England, year ending March 2022: dwellings 2,685, "
            "other buildings 3,100 and road vehicles 7,775 (same report) plus about 2,000 "
            "outdoor primary fires [U]",
            "derived from the same report; the outdoor part is assumed [U]",
            "assumed",
        ),
        Figure(
            "attacks_on_firefighters_england",
            950,
            "attacks on firefighters at incidents in England in a year",
            "assumed from the order of magnitude of the Home Office fire statistics (FIRE0508 [U])",
            "assumed",
        ),
        Figure(
            "suspension_male_ratio",
            1.5,
            "suspension rate of boys relative to girls",
            "DfE 2022/23 as summarised by nasen ('1.5 times higher')",
            "published",
        ),
        Figure(
            "neet_16_17_share",
            0.028,
            "share of 16 and 17 year olds known to the local authority who are NEET",
            "assumed from the order of magnitude of DfE 'Participation in education, "
            "training and NEET age 16 to 17 by local authority' [U]",
            "assumed",
        ),
        Figure(
            "pupils_per_resident_0_15",
            0.75,
            "pupils on roll in state-funded schools per resident aged 0-15 (ages 4-15 are 12 "
            "of the 16 years), plus 0.10 per resident aged 16-24 (sixth forms)",
            "assumed [U]",
            "assumed",
        ),
        Figure(
            "domestic_abuse_share_vap",
            0.33,
            "share of violence against the person flagged domestic abuse (the generator's "
            "rates, police_rates.DA_KIND, give 33% overall)",
            "the brief's 'roughly a third'; ONS Domestic abuse in England and Wales overview "
            "gives a share of this size [U]",
            "assumed",
        ),
    )
}


@dataclass(frozen=True)
class Series:
    """A figure by year (the year a period ends in: year ending March, academic year ending
    August, or 31 March of that year). Years in `assumed` are our estimates [U]; the others
    are published in `source`."""

    key: str
    what: str
    values: dict[int, float]
    source: str
    assumed: tuple[int, ...] = ()

    def at(self, year: int) -> float:
        """The value for `year`, or for the nearest year there is one."""
        if year in self.values:
            return self.values[year]
        return self.values[min(self.values, key=lambda y: (abs(y - year), y))]


SERIES: dict[str, Series] = {
    s.key: s
    for s in (
        Series(
            "hes_year_factor",
            "assault admissions in the year relative to 2019-20 (the year of the HES figures)",
            {2018: 1.05, 2019: 1.08, 2020: 1.0, 2021: 0.84, 2022: 0.93, 2023: 0.97},
            "2018-19: sharp-object admissions fell nearly 8% in 2019-20 (House of Commons "
            "Library, Knife crime in England and Wales); other years assumed (2020-21 lower "
            "in the pandemic)",
            assumed=(2018, 2020, 2021, 2022, 2023),
        ),
        Series(
            "first_time_entrants_ew",
            "first time entrants to the youth justice system, England and Wales, year ending March",
            {2018: 14_500, 2019: 11_900, 2020: 10_600, 2021: 8_900, 2022: 8_000, 2023: 8_300},
            "YJB/MoJ Youth Justice Statistics 2018/19 (11,900, an 18% fall on the year "
            "before, which gives 2018) and 2021/22 (8,000, a 10% fall, which gives 2021); "
            "2020 between (11,100 in the year ending December 2019); 2023 'a slight rise'",
            assumed=(2018, 2020, 2021, 2023),
        ),
        Series(
            "children_cautioned_or_sentenced_ew",
            "children cautioned or sentenced, England and Wales, year ending March",
            {2018: 26_800, 2019: 21_700, 2020: 19_000, 2021: 15_900, 2022: 13_800, 2023: 13_743},
            "YJB/MoJ Youth Justice Statistics 2018/19 (21,700, a 19% fall, which gives 2018), "
            "2021/22 (13,800, a 13% fall, which gives 2021) and 2022/23 (13,743); 2020 "
            "assumed",
            assumed=(2018, 2020, 2021),
        ),
        Series(
            "suspension_rate",
            "suspensions per 100 pupils, state-funded schools, England, academic year ending "
            "August",
            {2018: 4.76, 2019: 5.36, 2020: 3.76, 2021: 4.25, 2022: 6.91, 2023: 9.33},
            "DfE, Suspensions and permanent exclusions in England (2022/23 release: 786,961 "
            "suspensions, rate 9.33; 2021/22: 578,300, rate 6.91); earlier years from memory "
            "of the same series",
            assumed=(2018, 2019, 2020, 2021),
        ),
        Series(
            "permanent_exclusion_rate",
            "permanent exclusions per 100 pupils, England, academic year ending August",
            {2018: 0.10, 2019: 0.10, 2020: 0.06, 2021: 0.05, 2022: 0.08, 2023: 0.11},
            "DfE, Suspensions and permanent exclusions in England (2022/23: 9,376, 0.11; "
            "2021/22: 6,500, 0.08); earlier years from memory of the same series",
            assumed=(2018, 2019, 2020, 2021),
        ),
        Series(
            "children_in_need_rate",
            "children in need at 31 March per 10,000 children aged 0-17, England",
            {2018: 341.0, 2019: 334.2, 2020: 323.7, 2021: 321.2, 2022: 334.3, 2023: 342.7},
            "DfE, Characteristics of children in need, 2021 and 2022 releases "
            "(explore-education-statistics); 2023 from memory",
            assumed=(2023,),
        ),
        Series(
            "deliberate_secondary_fire_year_factor",
            "deliberate secondary fires in the year relative to 2021-22",
            {2018: 1.0, 2019: 1.3, 2020: 1.0, 2021: 1.05, 2022: 1.0, 2023: 1.35},
            "assumed: more outdoor fires in the hot, dry summers of 2018 and 2022 (the Home "
            "Office notes the 2018 summer in its 2019-20 fire statistics)",
            assumed=(2018, 2019, 2020, 2021, 2022, 2023),
        ),
    )
}


def figure(key: str) -> float:
    return FIGURES[key].value


def bundled_figures() -> list[Figure]:
    """The figures read from the bundled ONS tables, as Figures (for the README and docs)."""
    out = []
    for y in knife_by_year():
        out.append(
            Figure(
                f"knife_share {y.label}",
                y.percent or 0.0,
                "% of selected offences involving a knife or sharp instrument, Avon and "
                "Somerset (Table P6)",
                ONS_SOURCE,
                "bundled",
            )
        )
    for key, (count, pct) in knife_by_offence().items():
        out.append(
            Figure(
                f"knife_share_by_offence {key}",
                pct,
                f"% of {key.replace('_', ' ')} offences involving a knife, Avon and Somerset, "
                f"year ending Dec 2024 ({count:.0f} offences) (Table P5)",
                ONS_SOURCE,
                "bundled",
            )
        )
    for y in firearms_by_year():
        out.append(
            Figure(
                f"firearm_offences {y.label}",
                y.count,
                "firearm offences (excluding air weapons), Avon and Somerset (Table P8)",
                ONS_SOURCE,
                "bundled",
            )
        )
    for group, n in offence_groups().items():
        out.append(
            Figure(
                f"offence_group {group}",
                n,
                "recorded offences, Avon and Somerset, year ending Dec 2024 (Table P1)",
                ONS_SOURCE,
                "bundled",
            )
        )
    return out
