"""Synthetic aggregate feeds: youth justice, probation, fire and rescue, education.

Each count is a national rate (calibration: published where we found it, else marked [U]) times
the authority's Census 2021 population in the right ages, times how violent (or, for fires,
how much criminal damage and arson) the authority is relative to England and Wales in the ONS
tables, dampened by a square root where the link to police-recorded crime is looser; then a
Poisson draw. One file per feed and year, covering the force area's local authorities.
"""

from __future__ import annotations

import calendar
from pathlib import Path

from svduty.sources import aggregates as feeds
from svduty.synth import areas, calibration
from svduty.synth.output import PREFIX, Written, stream, write_rows

YOUTH_DAMPING = 0.5  # youth and education counts follow violence by its square root [U]
PROBATION_AGE = {"18-24": 0.14, "25-34": 0.33, "35-49": 0.37, "50+": 0.16}  # [U]


def _row(start, end, area, measure, count, band=None, sex=None, denominator=None) -> dict:
    return {
        "period_start": start,
        "period_end": end,
        "area_code": area,
        "age_band_as_sent": band,
        "sex_as_sent": sex,
        "measure": measure,
        "count": str(int(count)),
        "denominator": None if denominator is None else str(round(denominator)),
    }


def _split_sex(rng, expected: float, male_share: float) -> tuple[int, int]:
    return int(rng.poisson(expected * male_share)), int(rng.poisson(expected * (1 - male_share)))


def _file(feed, out: Path, label: str, rows: list[dict]) -> Written:
    return write_rows(feed, out / feed.source / f"{PREFIX}{feed.source}-{label}.csv", rows)


def _fy(year: int) -> str:
    return f"{year - 1}-{year % 100:02d}"


def youth_justice(seed: int, out: Path, years: list[int]) -> list[Written]:
    """First time entrants, and children cautioned or sentenced for violence, aged 10-17."""
    rng = stream(seed, "youth-justice")
    fte = calibration.SERIES["first_time_entrants_ew"]
    cs = calibration.SERIES["children_cautioned_or_sentenced_ew"]
    children_ew = areas.derived("EW")["10-17"]
    violence = calibration.figure("youth_violence_share")
    cautions = calibration.figure("youth_caution_share")
    male = calibration.figure("youth_male_share")
    written = []
    for year in years:
        start, end = f"{year - 1}-04-01", f"{year}-03-31"
        rates = {
            "first_time_entrants": fte.at(year) / children_ew,
            "children_cautioned_violence": cs.at(year) * violence * cautions / children_ew,
            "children_sentenced_violence": cs.at(year) * violence * (1 - cautions) / children_ew,
        }
        rows = []
        for la in areas.las():
            children = areas.derived(la)["10-17"]
            local = areas.violence_index()[la] ** YOUTH_DAMPING
            for measure, rate in rates.items():
                boys, girls = _split_sex(rng, rate * children * local, male)
                rows.append(
                    _row(start, end, la, measure, boys + girls, "10-17", "Persons", children)
                )
                rows.append(_row(start, end, la, measure, boys, "10-17", "Male"))
                rows.append(_row(start, end, la, measure, girls, "10-17", "Female"))
        written.append(_file(feeds.YOUTH_JUSTICE, out, _fy(year), rows))
    return written


def probation(seed: int, out: Path, years: list[int]) -> list[Written]:
    """People on probation whose index offence was violence, on 31 March of each year."""
    rng = stream(seed, "probation")
    adults_ew = areas.derived("EW")["18+"]
    rate = (
        calibration.figure("probation_caseload_ew")
        * calibration.figure("probation_violence_share")
        / adults_ew
    )
    male = calibration.figure("probation_male_share")
    written = []
    for year in years:
        on = f"{year}-03-31"
        rows = []
        for la in areas.las():
            expected = rate * areas.derived(la)["18+"] * areas.violence_index()[la]
            measure = "people_on_probation_violence"
            bands = []
            for band, share in PROBATION_AGE.items():
                men, women = _split_sex(rng, expected * share, male)
                bands.append(_row(on, on, la, measure, men, band, "Male"))
                bands.append(_row(on, on, la, measure, women, band, "Female"))
            total = sum(int(r["count"]) for r in bands)
            rows += [_row(on, on, la, measure, total, "18+", "Persons"), *bands]
        written.append(_file(feeds.PROBATION, out, on, rows))
    return written


def fire(seed: int, out: Path, years: list[int]) -> list[Written]:
    """Deliberate primary and secondary fires and attacks on crews, per financial year."""
    rng = stream(seed, "fire")
    england = areas.total("E")
    deliberate = calibration.figure("deliberate_fires_england_ye_mar_2022")
    primary = calibration.figure("deliberate_primary_fires_england_ye_mar_2022")
    secondary_factor = calibration.SERIES["deliberate_secondary_fire_year_factor"]
    written = []
    for year in years:
        start, end = f"{year - 1}-04-01", f"{year}-03-31"
        rates = {
            "deliberate_primary_fires": primary / england,
            "deliberate_secondary_fires": (deliberate - primary)
            / england
            * secondary_factor.at(year),
            "attacks_on_crews": calibration.figure("attacks_on_firefighters_england") / england,
        }
        rows = []
        for la in areas.las():
            for measure, rate in rates.items():
                expected = rate * areas.total(la) * areas.damage_index()[la]
                rows.append(_row(start, end, la, measure, rng.poisson(expected)))
        written.append(_file(feeds.FIRE, out, _fy(year), rows))
    return written


def education(seed: int, out: Path, years: list[int]) -> list[Written]:
    """Per academic year ending in August of `year`: suspensions and permanent exclusions (of
    that academic year), children in need at 31 March, NEET 16-17 (December to February)."""
    rng = stream(seed, "education")
    suspension = calibration.SERIES["suspension_rate"]
    exclusion = calibration.SERIES["permanent_exclusion_rate"]
    cin = calibration.SERIES["children_in_need_rate"]
    ratio = calibration.figure("suspension_male_ratio")
    male = ratio / (1 + ratio)  # boys and girls in about equal numbers
    pupils_per = calibration.figure("pupils_per_resident_0_15")
    neet = calibration.figure("neet_16_17_share")
    written = []
    for year in years:
        ay = (f"{year - 1}-09-01", f"{year}-08-31")
        feb = calendar.monthrange(year, 2)[1]
        winter = (f"{year - 1}-12-01", f"{year}-02-{feb:02d}")
        census = (f"{year}-03-31", f"{year}-03-31")
        rows = []
        for la in areas.las():
            pop = areas.population()[la]
            local = areas.violence_index()[la] ** YOUTH_DAMPING
            pupils = pop["0-15"] * pupils_per + pop["16-24"] * 0.10
            for measure, rate in (
                ("suspensions", suspension.at(year)),
                ("permanent_exclusions", exclusion.at(year)),
            ):
                boys, girls = _split_sex(rng, rate / 100 * pupils * local, male)
                rows.append(_row(*ay, la, measure, boys + girls, None, "Persons", pupils))
                rows.append(_row(*ay, la, measure, boys, None, "Male"))
                rows.append(_row(*ay, la, measure, girls, None, "Female"))
            children = areas.derived(la)["0-17"]
            count = rng.poisson(cin.at(year) / 10_000 * children * local)
            rows.append(_row(*census, la, "children_in_need", count, "0-17", "Persons", children))
            known = areas.derived(la)["16-17"]
            count = rng.poisson(neet * known * local)
            rows.append(_row(*winter, la, "neet_16_17", count, "16-17", "Persons", known))
        written.append(_file(feeds.EDUCATION, out, _fy(year), rows))
    return written


def years_of(months: list[str]) -> list[int]:
    """The years (ending March) the police months fall in."""
    return sorted({int(m[:4]) + (int(m[5:7]) >= 4) for m in months})
