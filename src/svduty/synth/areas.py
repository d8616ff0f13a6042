"""Areas and populations the generators share: LSOAs, the run's local authorities (those of its
force area, svduty.synth.force), Census 2021 residents by age band, and how violent each
authority is relative to England and Wales."""

from __future__ import annotations

import functools

import numpy as np
import pyarrow.compute as pc

from svduty import reference
from svduty.synth import calibration, force

# Census 2021 bands (ref_population) under the short labels the aggregate files use.
BANDS: dict[str, str] = {
    "Aged 15 years and under": "0-15",
    "Aged 16 to 24 years": "16-24",
    "Aged 25 to 34 years": "25-34",
    "Aged 35 to 49 years": "35-49",
    "Aged 50 to 64 years": "50-64",
    "Aged 65 years and over": "65+",
}


@functools.cache
def lsoas() -> dict[str, tuple[str | None, float | None, float | None]]:
    """LSOA code (2011 or 2021) -> (current local authority, centroid lon, centroid lat)."""
    t = reference.build("ref_lsoa").select(["lsoa_code", "la_code", "centroid_lon", "centroid_lat"])
    return {
        code: (la, lon, lat)
        for code, la, lon, lat in zip(*(t.column(i).to_pylist() for i in range(4)), strict=True)
    }


def las() -> tuple[str, ...]:
    """The run's local authorities (current codes)."""
    return force.active().las


def population() -> dict[str, dict[str, int]]:
    """Area -> band -> Census 2021 usual residents, for the run's authorities, 'E' (England)
    and 'EW' (England and Wales)."""
    return _population(las())


@functools.cache
def _population(codes_of: tuple[str, ...]) -> dict[str, dict[str, int]]:
    pop = reference.build("ref_population")
    codes = pop.column("lsoa21_code").to_pylist()
    bands = pop.column("age_band").to_pylist()
    residents = pop.column("residents").to_pylist()
    where = lsoas()
    out: dict[str, dict[str, int]] = {
        a: dict.fromkeys(BANDS.values(), 0) for a in (*codes_of, "E", "EW")
    }
    for code, band, n in zip(codes, bands, residents, strict=True):
        short = BANDS[band]
        out["EW"][short] += n
        if code.startswith("E"):
            out["E"][short] += n
        la = where.get(code, (None,))[0]
        if la in out:
            out[la][short] += n
    return out


def total(area: str) -> int:
    return sum(population()[area].values())


def derived(area: str) -> dict[str, float]:
    """Age groups the Census bands do not give, estimated from them (single years spread
    evenly within a band): 10-17, 16-17, 0-17, 18 and over."""
    p = population()[area]
    y16_17 = p["16-24"] * 2 / 9
    return {
        "10-17": p["0-15"] * 6 / 16 + y16_17,
        "16-17": y16_17,
        "0-17": p["0-15"] + y16_17,
        "18+": total(area) - p["0-15"] - y16_17,
    }


def _index(group: str) -> dict[str, float]:
    """Per resident, each authority relative to England and Wales; an authority Table C2 does
    not list on its own takes its force area's rate (Table P1)."""
    ew = calibration.offence_groups("K04000001")[group] / total("EW")
    groups = calibration.csp_groups()
    area = calibration.offence_groups()[group] / sum(total(la) for la in las()) / ew
    return {la: groups[la][group] / total(la) / ew if la in groups else area for la in las()}


def violence_index() -> dict[str, float]:
    """Police-recorded violence with injury per resident, each authority relative to England
    and Wales (ONS Tables C2 and P1, year ending December 2024; Census 2021 residents)."""
    return _indices(las())[0]


@functools.cache
def _indices(key: tuple[str, ...]) -> tuple[dict[str, float], dict[str, float]]:
    return _index("Violence with injury"), _index("Criminal damage and arson")


def damage_index() -> dict[str, float]:
    """The same for criminal damage and arson (used for deliberate fires)."""
    return _indices(las())[1]


def la_of(lsoa_codes: np.ndarray) -> np.ndarray:
    """Current local authority of each LSOA code (None for blanks and unknown codes)."""
    where = lsoas()
    return np.array([where.get(c, (None,))[0] if c else None for c in lsoa_codes], dtype=object)


def is_in(values, allowed) -> np.ndarray:
    return pc.is_in(values, value_set=allowed).to_numpy(zero_copy_only=False)
