"""Synthetic health feeds: ISTV emergency department returns (`ed-assaults`) and hospital
admissions for assault (`hospital-admissions`).

ED volumes follow the synthetic police-recorded violence with injury around each department
(its catchment: the force area's LSOAs nearer to it than to any other department), times a
ratio of published national figures: violence-related ED attendances in 2019 (Cardiff NVSN) over
police-recorded violence with injury (ONS Table P1). Most ED assault attendances never reach the
police (RCEM: about 80%), so the two are related in volume, not record by record: nothing
links an ED row to a police record.

Admissions are counts by local authority of residence, financial year, age band and sex, from
the national HES rates for 2019-20 scaled by each authority's police-recorded violence relative
to England and Wales, with HES small-number suppression (1 to 7 become `*`).
"""

from __future__ import annotations

import calendar
import functools
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from svduty.sources import aggregates as aggregate_feeds
from svduty.sources import ed_assaults
from svduty.synth import areas, calibration, force
from svduty.synth import police_rates as R
from svduty.synth.output import PREFIX, Written, stream, write_rows

ED_FEED = ed_assaults.FEED
ADMISSIONS_FEED = aggregate_feeds.HOSPITAL_ADMISSIONS
GENERIC_SITE_PREFIX = "SYNED"  # not an ODS code: no ODS code starts SYN


@dataclass(frozen=True)
class Site:
    code: str  # ODS site code [U: from memory; RH5 and RA4 are trust codes]
    name: str
    lon: float  # approximate location [U]
    lat: float
    geocodes: bool  # the department geocodes the location description to an LSOA
    places: tuple[str, ...]  # public places nearby, for free-text location descriptions


SITES: tuple[Site, ...] = (
    Site(
        "RA701",
        "Bristol Royal Infirmary",
        -2.5966,
        51.4585,
        True,
        ("Broadmead", "Harbourside", "Stokes Croft", "Old Market", "Bedminster", "Clifton"),
    ),
    Site(
        "RVJ01",
        "Southmead Hospital",
        -2.5916,
        51.4958,
        True,
        ("Filton", "Kingswood", "Horfield", "Fishponds", "Yate", "Cribbs Causeway"),
    ),
    Site(
        "RA301",
        "Weston General Hospital",
        -2.9718,
        51.3247,
        False,
        ("Weston seafront", "Weston High Street", "Clevedon", "Portishead", "Nailsea", "Worle"),
    ),
    Site(
        "RD130",
        "Royal United Hospital Bath",
        -2.3906,
        51.3917,
        False,
        ("Bath city centre", "Southgate, Bath", "Keynsham", "Midsomer Norton", "Radstock", "Frome"),
    ),
    Site(
        "RH5",
        "Musgrove Park Hospital, Taunton",
        -3.1216,
        51.0114,
        False,
        ("Taunton town centre", "Bridgwater", "Minehead", "Wellington", "Burnham-on-Sea"),
    ),
    Site(
        "RA4",
        "Yeovil District Hospital",
        -2.6346,
        50.9448,
        False,
        ("Yeovil town centre", "Chard", "Crewkerne", "Wincanton", "Glastonbury", "Wells"),
    ),
)


def sites() -> tuple[Site, ...]:
    """The run's emergency departments: Avon and Somerset's six (SITES); for any other force
    area, no site list is bundled, so one unnamed department per local authority ("Emergency
    department A", code SYNEDA, ...), placed at the mean of the authority's LSOA centroids,
    never a real hospital's name or code [U]."""
    area = force.active()
    return SITES if area.real_sites else _generic_sites(area.las, area.la_names)


@functools.cache
def _generic_sites(las: tuple[str, ...], names: tuple[str, ...]) -> tuple[Site, ...]:
    points: dict[str, list[tuple[float, float]]] = {la: [] for la in las}
    for la, lon, lat in areas.lsoas().values():
        if la in points and lon is not None and lat is not None:
            points[la].append((lon, lat))
    out = []
    for i, (la, name) in enumerate(zip(las, names, strict=True)):
        letter = _letters(i)
        lon = sum(p[0] for p in points[la]) / len(points[la]) if points[la] else 0.0
        lat = sum(p[1] for p in points[la]) / len(points[la]) if points[la] else 0.0
        town = name.split(",")[0]
        places = (f"{town} town centre", town, f"{town} high street", f"{town} station")
        out.append(
            Site(
                f"{GENERIC_SITE_PREFIX}{letter}",
                f"Emergency department {letter}",
                lon,
                lat,
                True,
                places,
            )
        )
    return tuple(out)


def _letters(i: int) -> str:
    """A, B, ..., Z, AA, AB, ...: a department's letter."""
    return chr(65 + i) if i < 26 else _letters(i // 26 - 1) + chr(65 + i % 26)


# The ISTV items [U]: method and place mixes, ages (NVSN bands) and times.
METHODS = {
    "body": 0.68,
    "knife_sharp": 0.07,
    "blunt": 0.07,
    "glass": 0.05,
    "firearm": 0.003,
    "other": 0.05,
    "not_known": 0.077,
}
GLASS_IN_LICENSED = 0.15
PLACES = {
    "public_place": 0.40,
    "home": 0.25,
    "licensed_premises": 0.15,
    "work": 0.05,
    "education": 0.03,
    "other": 0.05,
    "not_known": 0.07,
}
OTHER_METHODS = (
    "Thrown object",
    "Vehicle used as a weapon",
    "Dog set on patient",
    "Hot liquid",
    "Corrosive substance",
    "Brick",
    "Chair",
)
DESCRIPTIONS = {
    "licensed_premises": (
        "Outside nightclub, {p}",
        "Inside pub, {p}",
        "Bar in {p}",
        "Beer garden, {p}",
        "Queue outside club, {p}",
    ),
    "public_place": (
        "Street, {p}",
        "Park, {p}",
        "Bus stop, {p}",
        "Outside takeaway, {p}",
        "Car park, {p}",
        "Near shops, {p}",
    ),
    "home": ("Own home", "Friend's house", "Partner's home", "Relative's house", "Home"),
    "work": ("At work (shop), {p}", "At work (care home)", "At work (security)", "Workplace"),
    "education": ("School", "College, {p}", "School playground"),
    "other": ("Hostel", "Hospital grounds", "In a taxi", "On a bus", "Festival site", "Prison"),
    "not_known": ("Patient unable to say", "Not stated"),
}
DESCRIPTION_BLANK = 0.10
GEOCODED_SHARE = 0.75
AGE_BANDS_ED = {"0-10": 0.03, "11-17": 0.12, "18-30": 0.40, "31-50": 0.32, "51+": 0.13}
AGE_BLANK = 0.02
SEX_NOT_KNOWN = 0.02
# Hours from the assault to arrival: 0-1, 1-3, 3-8, 8-24, 24-72, 72-144 [U].
ARRIVAL_LAG_HOURS = ((0, 1, 0.35), (1, 3, 0.30), (3, 8, 0.15), (8, 24, 0.12), (24, 72, 0.06))
ARRIVAL_LAG_HOURS += ((72, 144, 0.02),)
ASSAULT_DATE_ONLY = 0.04


def ed_ratio() -> float:
    """Violence-related ED attendances per police-recorded violence with injury offence."""
    ew_vwi = calibration.offence_groups("K04000001")["Violence with injury"]
    return calibration.figure("ed_attendances_violence_ew_2019") / ew_vwi


def catchments() -> dict[str, str]:
    """The force area's LSOAs (2011 and 2021 codes) -> the nearest department's site code."""
    out = {}
    cos = math.cos(math.radians(51.2))
    here, departments = set(areas.las()), sites()
    for code, (la, lon, lat) in sorted(areas.lsoas().items()):
        if la not in here or lon is None or lat is None:
            continue
        best = min(departments, key=lambda s: ((s.lon - lon) * cos) ** 2 + (s.lat - lat) ** 2)
        out[code] = best.code
    return out


def generate_ed(seed: int, out: Path, vwi: pa.Table, months: list[str]) -> list[Written]:
    """One ISTV return per department and month: see the module docstring."""
    rng = stream(seed, "ed-assaults")
    ratio = ed_ratio()
    catchment = catchments()
    rows = vwi.to_pylist()
    located: dict[tuple[str, str], int] = {}
    unlocated: dict[str, int] = {}
    departments = sites()
    lsoa_weight: dict[str, dict[str, float]] = {s.code: {} for s in departments}
    for r in rows:
        if r["lsoa_code"] is None:
            unlocated[r["month"]] = unlocated.get(r["month"], 0) + r["count"]
        elif r["lsoa_code"] in catchment:
            site = catchment[r["lsoa_code"]]
            located[(r["month"], site)] = located.get((r["month"], site), 0) + r["count"]
            w = lsoa_weight[site]
            w[r["lsoa_code"]] = w.get(r["lsoa_code"], 0) + r["count"]
    written = []
    for month in months:
        in_area = sum(located.get((month, s.code), 0) for s in departments)
        scale = (in_area + unlocated.get(month, 0)) / in_area if in_area else 1.0
        for site in departments:
            expected = ratio * located.get((month, site.code), 0) * scale
            n = int(rng.poisson(expected))
            if n == 0:  # nothing to send (the feed refuses a file with a header and no rows)
                continue
            records = _ed_records(rng, site, month, n, lsoa_weight[site.code])
            path = out / ED_FEED.source / f"{PREFIX}{ED_FEED.source}-{site.code}-{month}.csv"
            written.append(write_rows(ED_FEED, path, records))
    return written


def _probabilities(mapping: dict[str, float]) -> tuple[list[str], np.ndarray]:
    p = np.array(list(mapping.values()), dtype=float)
    return list(mapping), p / p.sum()


def _ed_records(rng, site: Site, month: str, n: int, lsoa_weight: dict[str, float]) -> list[dict]:
    y, m = int(month[:4]), int(month[5:7])
    first = date(y, m, 1)
    last = date(y, m, calendar.monthrange(y, m)[1])
    first_day = int(np.datetime64(first, "D").astype(np.int64))
    end_min = (first_day + (last - first).days + 1) * 1440  # exclusive
    places, place_p = _probabilities(PLACES)
    methods, method_p = _probabilities(METHODS)
    bands, band_p = _probabilities(AGE_BANDS_ED)
    lag_p = np.array([p for _, _, p in ARRIVAL_LAG_HOURS])
    lag_lo = np.array([lo for lo, _, _ in ARRIVAL_LAG_HOURS]) * 60
    lag_hi = np.array([hi for _, hi, _ in ARRIVAL_LAG_HOURS]) * 60
    weekday = {p: np.array(R.WEEKDAYS[p]) / max(R.WEEKDAYS[p]) for p in ("home", "night")}
    hours = {p: np.array(R.HOURS[p]) / sum(R.HOURS[p]) for p in ("home", "night")}
    # Candidate assaults (a day, weekday pattern, hour, minute), kept when the arrival falls
    # in the month; drawn in batches until there are n.
    kept: list[np.ndarray] = []
    total = 0
    while total < n:
        size = 2 * (n - total) + 16
        place = rng.choice(len(places), size, p=place_p)
        home = place == places.index("home")
        day = first_day - 6 + rng.integers(0, (end_min // 1440) - first_day + 6, size)
        w = np.where(home, weekday["home"][(day + 3) % 7], weekday["night"][(day + 3) % 7])
        hour = np.where(
            home, rng.choice(24, size, p=hours["home"]), rng.choice(24, size, p=hours["night"])
        )
        assault = day * 1440 + hour * 60 + rng.integers(0, 60, size)
        lag = rng.choice(lag_p.size, size, p=lag_p)
        arrival = assault + lag_lo[lag] + (rng.random(size) * (lag_hi - lag_lo)[lag]).astype(int)
        ok = (rng.random(size) < w) & (arrival >= first_day * 1440) & (arrival < end_min)
        batch = np.stack([place, assault, arrival])[:, ok]
        kept.append(batch[:, : n - total])
        total += kept[-1].shape[1]
    place, assault, arrival = np.concatenate(kept, axis=1) if kept else np.zeros((3, 0), int)
    licensed = place == places.index("licensed_premises")
    glass_p = method_p.copy()
    glass_p[methods.index("glass")] = GLASS_IN_LICENSED
    method = np.where(
        licensed,
        rng.choice(len(methods), n, p=glass_p / glass_p.sum()),
        rng.choice(len(methods), n, p=method_p),
    )
    describe = rng.random(n) >= DESCRIPTION_BLANK
    template = rng.random(n)
    where = rng.integers(0, len(site.places), n)
    lsoas = sorted(lsoa_weight)
    geocode = (
        site.geocodes & (rng.random(n) < GEOCODED_SHARE) & (place != places.index("not_known"))
    )
    lsoa_p = np.array([lsoa_weight[c] for c in lsoas], dtype=float)
    lsoa = rng.choice(len(lsoas), n, p=lsoa_p / lsoa_p.sum()) if lsoas else np.zeros(n, int)
    band = rng.choice(len(bands), n, p=band_p)
    band_blank = rng.random(n) < AGE_BLANK
    u = rng.random(n)
    male = calibration.figure("ed_male_share")
    date_only = rng.random(n) < ASSAULT_DATE_ONLY
    other = rng.integers(0, len(OTHER_METHODS), n)
    out = []
    for i in np.argsort(arrival, kind="stable"):
        kind = places[place[i]]
        texts = DESCRIPTIONS[kind]
        assault_text = _minutes(assault[i])
        out.append(
            {
                "site_code": site.code,
                "period_start": first.isoformat(),
                "period_end": last.isoformat(),
                "arrival_at": _minutes(arrival[i]),
                "assault_at": assault_text[:10] if date_only[i] else assault_text,
                "assault_method": methods[method[i]],
                "assault_method_other": OTHER_METHODS[other[i]]
                if methods[method[i]] == "other"
                else None,
                "location_type": kind,
                "location_description": texts[int(template[i] * len(texts))].format(
                    p=site.places[where[i]]
                )
                if describe[i]
                else None,
                "lsoa_code": lsoas[lsoa[i]] if geocode[i] and lsoas else None,
                "age_band": None if band_blank[i] else bands[band[i]],
                "sex": "Not known"
                if u[i] < SEX_NOT_KNOWN
                else ("Male" if u[i] < SEX_NOT_KNOWN + male else "Female"),
            }
        )
    return out


def _minutes(m: int) -> str:
    d = _EPOCH + timedelta(minutes=int(m))
    return f"{d:%Y-%m-%d %H:%M}"


_EPOCH = datetime(1970, 1, 1)


# ---- hospital admissions ----------------------------------------------------------------------

ADMISSION_AGE = {  # share of admissions by Census band [U]
    "admissions_assault_all": (0.05, 0.26, 0.27, 0.25, 0.13, 0.04),
    "admissions_assault_sharp_object": (0.04, 0.33, 0.28, 0.23, 0.10, 0.02),
}


def generate_admissions(seed: int, out: Path, years: list[int]) -> list[Written]:
    """Admissions for assault by local authority of residence, per financial year (`years`
    are the years the financial years end in)."""
    rng = stream(seed, "hospital-admissions")
    england = areas.total("E")
    rate_all = calibration.figure("hes_assault_admissions_england_2019_20") / england
    rate_x99 = calibration.figure("hes_sharp_object_admissions_england_2019_20") / england
    male_all = calibration.figure("hes_assault_male_share")
    male_x99 = calibration.figure("hes_sharp_object_male_share")
    bands = list(areas.BANDS.values())
    factor = calibration.SERIES["hes_year_factor"]
    suppress = int(calibration.figure("hes_suppress_max"))
    written = []
    for year in years:
        rows = []
        for la in areas.las():
            base = areas.total(la) * areas.violence_index()[la] * factor.at(year)
            pa_all = np.outer(ADMISSION_AGE["admissions_assault_all"], [male_all, 1 - male_all])
            pa_x99 = np.outer(
                ADMISSION_AGE["admissions_assault_sharp_object"], [male_x99, 1 - male_x99]
            )
            e_all = base * rate_all * pa_all
            e_x99 = base * rate_x99 * pa_x99
            all_cells = rng.poisson(e_all)
            x99_cells = rng.binomial(all_cells, np.minimum(0.95, e_x99 / e_all))
            for measure, cells in (
                ("admissions_assault_sharp_object", x99_cells),
                ("admissions_assault_all", all_cells),
            ):
                rows += _admission_rows(la, year, measure, cells, bands, suppress)
        path = (
            out
            / ADMISSIONS_FEED.source
            / f"{PREFIX}{ADMISSIONS_FEED.source}-{year - 1}-{year % 100:02d}.csv"
        )
        written.append(write_rows(ADMISSIONS_FEED, path, rows))
    return written


def _admission_rows(la, year, measure, cells, bands, suppress) -> list[dict]:
    pop = areas.population()[la]
    start, end = f"{year - 1}-04-01", f"{year}-03-31"
    rows = []

    def row(band, sex, count, denominator=None):
        shown = "*" if 1 <= count <= suppress else str(int(count))
        rows.append(
            {
                "period_start": start,
                "period_end": end,
                "area_code": la,
                "age_band_as_sent": band,
                "sex_as_sent": sex,
                "measure": measure,
                "count": shown,
                "denominator": None if denominator is None else str(int(denominator)),
            }
        )

    row("All ages", "Persons", cells.sum(), areas.total(la))
    row("All ages", "Male", cells[:, 0].sum())
    row("All ages", "Female", cells[:, 1].sum())
    for i, band in enumerate(bands):
        row(band, "Persons", cells[i].sum(), pop[band])
        row(band, "Male", cells[i, 0])
        row(band, "Female", cells[i, 1])
    return rows
