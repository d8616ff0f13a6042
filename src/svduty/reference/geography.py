"""ONS geography: LSOA (2011 and 2021) -> ward -> district -> current local authority -> CSP -> PFA.

Three vintages meet here and are bridged explicitly:

- LSOA11 -> WD19 -> LAD19 (December 2019) and LAD19 -> CSP19 -> PFA19;
- LSOA21 -> LAD22 (December 2022), from the best-fit LSOA11 -> LSOA21 lookup and, for the
  LSOA21s that lookup does not name, from the LSOA21 name ("<LAD22 name> <3 digits><letter>");
- any district code ever -> the CURRENT local authority (``la_all_codes``: LADCD -> LADCD_ACTIVE),
  which carries the 2023 unitaries (Somerset, North Yorkshire, Cumberland, Westmorland and
  Furness) and the 2020/21 ones (Buckinghamshire, North and West Northamptonshire).

The police force area of a current authority is that of its constituent December 2019 districts;
they must all agree.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyarrow as pa

from svduty.reference import ReferenceDataError, arrow_schema, read_csv, to_float
from svduty.reference.population import lsoa21_names, residents_by_lsoa21

LAD_CSP_PFA_FILE = "geography/LAD19_to_CSP19_to_PFA19_lookup_EW.csv.gz"
LA_ALL_CODES_FILE = "geography/la_all_codes.csv.gz"
LSOA11_WARD_FILE = "geography/LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz"
LSOA11_LSOA21_FILE = "geography/LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz"
RUC11_FILE = "geography/LSOA11_Rural_Urban_Classification_2011_EW.csv.gz"
CENTROIDS11_FILE = "geography/LSOA11_population_weighted_centroids_EW.csv.gz"
CENTROIDS21_FILE = "geography/LSOA21_population_weighted_centroids_EW.csv.gz"
WARD24_FILE = "geography/lookup_lsoa21_ward24_ltla24.csv.gz"

_LSOA21_NAME = re.compile(r"^(?P<district>.+) \d{3}[A-Z]$")


# ---------------------------------------------------------------------------- raw files (cached)


@functools.cache
def lad19_csp_pfa_raw() -> pa.Table:
    """LAD19 -> CSP19 -> PFA19 as read (342 rows: two districts span several CSPs)."""
    return read_csv(
        LAD_CSP_PFA_FILE,
        {
            "LAD19CD": "lad19_code",
            "LAD19NM": "lad19_name",
            "CSP19CD": "csp_code",
            "CSP19NM": "csp_name",
            "PFA19CD": "pfa_code",
            "PFA19NM": "pfa_name",
        },
    )


@functools.cache
def la_all_codes_raw() -> pa.Table:
    """Every district code ever -> current authority, with region and country."""
    return read_csv(
        LA_ALL_CODES_FILE,
        {
            "LADCD": "lad_code",
            "LADNM": "lad_name",
            "LADCD_ACTIVE": "la_code",
            "LADNM_ACTIVE": "la_name",
            "RGNCD": "region_code",
            "RGNNM": "region_name",
            "CTRYCD": "country_code",
            "CTRYNM": "country_name",
            "Current": "current",
        },
    )


@functools.cache
def lsoa11_ward_raw() -> pa.Table:
    """LSOA11 -> WD19 -> LAD19 as read (one row per LSOA11)."""
    return read_csv(
        LSOA11_WARD_FILE,
        {
            "LSOA11CD": "lsoa11_code",
            "LSOA11NM": "lsoa11_name",
            "WD19CD": "ward19_code",
            "WD19NM": "ward19_name",
            "LAD19CD": "lad19_code",
            "LAD19NM": "lad19_name",
        },
    )


@functools.cache
def lsoa11_lsoa21_raw() -> pa.Table:
    """The best-fit LSOA11 -> LSOA21 -> LAD22 lookup as read (one row per LSOA11)."""
    return read_csv(
        LSOA11_LSOA21_FILE,
        {
            "LSOA11CD": "lsoa11_code",
            "LSOA21CD": "lsoa21_code",
            "LSOA11NM": "lsoa11_name",
            "LSOA21NM": "lsoa21_name",
            "LAD22CD": "lad22_code",
            "LAD22NM": "lad22_name",
        },
    )


@functools.cache
def lsoa21_ward24_raw() -> pa.Table:
    """LSOA21 -> ward (May 2024) -> local authority (May 2024) as read (one row per LSOA21)."""
    return read_csv(
        WARD24_FILE,
        {
            "lsoa21_code": "lsoa21_code",
            "lsoa21_name": "lsoa21_name",
            "ward24_code": "ward24_code",
            "ward24_name": "ward24_name",
            "ltla24_code": "la_code",
            "ltla24_name": "la_name",
        },
    )


# ------------------------------------------------------------------------------ place names


@dataclass(frozen=True)
class PlaceName:
    """How a reader is told where an LSOA is: its May 2024 ward and current local authority.

    ``ons_name`` is the LSOA's official ONS name ("South Somerset 015B"), kept for looking the
    area up in ONS and police.uk files; it carries the district of 2011/2021, which for Somerset
    was abolished in April 2023, so it is never the name a reader is shown first. ONS has not
    renamed the 2021 LSOAs after the current authorities (the May 2024 lookup still reads
    "Sedgemoor 010B"), and svduty does not invent numbers of its own.
    """

    lsoa_code: str
    ons_name: str | None
    lsoa21_code: str | None
    ward_code: str | None
    ward_name: str | None
    la_code: str | None
    la_name: str | None

    @property
    def label(self) -> str:
        """ "Yeovil Central, Somerset": the ward and the current authority, or the code alone."""
        if self.ward_name and self.la_name:
            return f"{self.ward_name}, {self.la_name}"
        return self.ons_name or self.lsoa_code


def place_names(codes) -> dict[str, PlaceName]:
    """The one place where svduty names LSOAs for readers: code (2011 or 2021) -> PlaceName.

    A 2021 LSOA takes its ward from the ONS LSOA (2021) -> ward (May 2024) -> local authority
    (May 2024) best-fit lookup. A 2011 LSOA goes first through the ONS best-fit LSOA (2011) ->
    LSOA (2021) lookup (an LSOA split in 2021 goes to the part ONS chose as best fit, so a 2011
    LSOA on a ward boundary takes the ward of that part). A code neither lookup knows keeps
    its code as its label.
    """
    wards = _ward24()
    to21, names11 = _lsoa11_to_21()
    out: dict[str, PlaceName] = {}
    for code in codes:
        if code is None or code in out:
            continue
        lsoa21 = code if code in wards else to21.get(code)
        ward = wards.get(lsoa21) if lsoa21 else None
        ons = names11.get(code) or (ward["lsoa21_name"] if code == lsoa21 and ward else None)
        out[code] = PlaceName(
            lsoa_code=code,
            ons_name=ons,
            lsoa21_code=lsoa21,
            ward_code=ward["ward24_code"] if ward else None,
            ward_name=ward["ward24_name"] if ward else None,
            la_code=ward["la_code"] if ward else None,
            la_name=ward["la_name"] if ward else None,
        )
    return out


@functools.cache
def _ward24() -> dict[str, dict]:
    rows = lsoa21_ward24_raw().to_pylist()
    out = {r["lsoa21_code"]: r for r in rows}
    if len(out) != len(rows):
        raise ReferenceDataError(f"{WARD24_FILE}: an LSOA21 appears twice")
    return out


@functools.cache
def _lsoa11_to_21() -> tuple[dict[str, str], dict[str, str]]:
    rows = lsoa11_lsoa21_raw().to_pylist()
    return (
        {r["lsoa11_code"]: r["lsoa21_code"] for r in rows},
        {r["lsoa11_code"]: r["lsoa11_name"] for r in rows},
    )


# ------------------------------------------------------------------------------ derived maps


@dataclass(frozen=True)
class Authority:
    """A current local authority and the force area / CSP derived from its 2019 districts."""

    code: str
    name: str
    pfa_code: str
    pfa_name: str
    csp_code: str | None
    csp_name: str | None
    region_code: str | None
    region_name: str | None
    country_code: str | None
    country_name: str | None


def current_la() -> dict[str, tuple[str, str]]:
    """Any district code ever -> (current la_code, la_name). Raises on a broken chain."""
    rows = la_all_codes_raw().to_pylist()
    active = {r["lad_code"]: (r["la_code"], r["la_name"]) for r in rows}
    if len(active) != len(rows):
        raise ReferenceDataError(f"{LA_ALL_CODES_FILE}: a LADCD appears twice")
    for lad, (la, _) in active.items():
        if la not in active or active[la][0] != la:
            raise ReferenceDataError(f"{LA_ALL_CODES_FILE}: {lad} -> {la}, not a current LA")
    return active


def _unique(values: set) -> tuple[str | None, str | None]:
    """The single (code, name) in ``values``, or (None, None) when there are several."""
    return next(iter(values)) if len(values) == 1 else (None, None)


def lad19_csp() -> dict[str, tuple[str | None, str | None]]:
    """LAD19 -> its CSP19 (code, name), or (None, None) when it spans several CSPs."""
    csps: dict[str, set[tuple[str, str]]] = {}
    for r in lad19_csp_pfa_raw().to_pylist():
        csps.setdefault(r["lad19_code"], set()).add((r["csp_code"], r["csp_name"]))
    return {lad: _unique(pairs) for lad, pairs in csps.items()}


def authorities() -> dict[str, Authority]:
    """Current local authorities of England and Wales, keyed by la_code.

    The PFA comes from the authority's December 2019 districts (LAD19 -> current via
    ``la_all_codes``); all of them must share one PFA. The CSP is set only when they share one.
    """
    active = current_la()
    pfas: dict[str, set[tuple[str, str]]] = {}
    csps: dict[str, set[tuple[str, str]]] = {}
    for r in lad19_csp_pfa_raw().to_pylist():
        if r["lad19_code"] not in active:
            raise ReferenceDataError(f"{r['lad19_code']} of {LAD_CSP_PFA_FILE} not in la_all_codes")
        la = active[r["lad19_code"]][0]
        pfas.setdefault(la, set()).add((r["pfa_code"], r["pfa_name"]))
        csps.setdefault(la, set()).add((r["csp_code"], r["csp_name"]))
    out: dict[str, Authority] = {}
    for r in la_all_codes_raw().to_pylist():
        code = r["lad_code"]
        if r["la_code"] != code or code[0] not in "EW":
            continue
        if code not in pfas:
            raise ReferenceDataError(f"current authority {code} {r['lad_name']} has no PFA")
        if len(pfas[code]) != 1:
            raise ReferenceDataError(
                f"current authority {code} {r['lad_name']} spans several PFAs: {pfas[code]}"
            )
        pfa_code, pfa_name = next(iter(pfas[code]))
        csp_code, csp_name = _unique(csps[code])
        region_code, region_name = r["region_code"], r["region_name"]
        if region_code is None and code.startswith("W"):
            region_code, region_name = r["country_code"], r["country_name"]
        out[code] = Authority(
            code=code,
            name=r["lad_name"],
            pfa_code=pfa_code,
            pfa_name=pfa_name,
            csp_code=csp_code,
            csp_name=csp_name,
            region_code=region_code,
            region_name=region_name,
            country_code=r["country_code"],
            country_name=r["country_name"],
        )
    return out


def lsoa21_districts() -> dict[str, tuple[str, str, str]]:
    """Every 2021 LSOA -> (lsoa21_name, lad22_code, lad22_name). See :func:`_lsoa21_districts`."""
    return dict(_lsoa21_districts())


@functools.cache
def _lsoa21_districts() -> dict[str, tuple[str, str, str]]:
    """Every 2021 LSOA -> (lsoa21_name, lad22_code, lad22_name) (cached: do not mutate).

    The full list of LSOA21s is the Census 2021 file; the district comes from the LSOA11 ->
    LSOA21 -> LAD22 lookup where it names the LSOA21, else from the LSOA21 name's prefix
    matched to the LAD22 names of that lookup. Raises if any LSOA21 cannot be placed, or if the
    lookup and the name disagree.
    """
    lookup = lsoa11_lsoa21_raw().to_pylist()
    lad22_by_name: dict[str, str] = {}
    by_lsoa21: dict[str, str] = {}
    for r in lookup:
        if lad22_by_name.setdefault(r["lad22_name"], r["lad22_code"]) != r["lad22_code"]:
            raise ReferenceDataError(f"{LSOA11_LSOA21_FILE}: LAD22 name {r['lad22_name']} twice")
        if by_lsoa21.setdefault(r["lsoa21_code"], r["lad22_code"]) != r["lad22_code"]:
            raise ReferenceDataError(f"{LSOA11_LSOA21_FILE}: {r['lsoa21_code']} in two LAD22s")
    lad22_names = {code: name for name, code in lad22_by_name.items()}
    out: dict[str, tuple[str, str, str]] = {}
    unplaced: list[str] = []
    for code, name in lsoa21_names().items():
        match = _LSOA21_NAME.match(name)
        by_name = lad22_by_name.get(match["district"]) if match else None
        lad22 = by_lsoa21.get(code, by_name)
        if lad22 is None:
            unplaced.append(f"{code} {name}")
            continue
        if by_name is not None and by_name != lad22:
            raise ReferenceDataError(f"LSOA21 {code} {name!r} is in {lad22} per the lookup")
        out[code] = (name, lad22, lad22_names[lad22])
    if unplaced:
        raise ReferenceDataError(
            f"{len(unplaced)} LSOA21(s) cannot be placed in a LAD22, e.g. {unplaced[:5]}"
        )
    return out


# ---------------------------------------------------------------------------------- builders


def la_history() -> pa.Table:
    """``ref_la_history``: every district code ever -> the current local authority."""
    rows = [
        {
            "lad_code": r["lad_code"],
            "lad_name": r["lad_name"],
            "la_code": r["la_code"],
            "la_name": r["la_name"],
            "is_current": r["lad_code"] == r["la_code"],
        }
        for r in sorted(la_all_codes_raw().to_pylist(), key=lambda r: r["lad_code"])
    ]
    return pa.Table.from_pylist(rows, schema=arrow_schema("ref_la_history"))


def local_authority() -> pa.Table:
    """``ref_local_authority``: one row per current authority of England and Wales."""
    active = current_la()
    las = authorities()
    districts = lsoa21_districts()
    la_of_lsoa21 = {code: active[lad22][0] for code, (_, lad22, _) in districts.items()}
    total: dict[str, int] = dict.fromkeys(las, 0)
    young: dict[str, int] = dict.fromkeys(las, 0)
    count: dict[str, int] = dict.fromkeys(las, 0)
    for code, (residents, under_25) in residents_by_lsoa21().items():
        la = la_of_lsoa21[code]
        count[la] += 1
        total[la] += residents
        young[la] += under_25
    if empty := [la for la, n in count.items() if n == 0]:
        raise ReferenceDataError(f"current authorities with no 2021 LSOA: {empty}")
    rows = [
        {
            "la_code": a.code,
            "la_name": a.name,
            "pfa_code": a.pfa_code,
            "pfa_name": a.pfa_name,
            "csp_code": a.csp_code,
            "csp_name": a.csp_name,
            "region_code": a.region_code,
            "region_name": a.region_name,
            "population_2021": total[a.code],
            "population_2021_under_25": young[a.code],
            "country_code": a.country_code,
            "country_name": a.country_name,
            "lsoa21_count": count[a.code],
        }
        for a in sorted(las.values(), key=lambda a: a.code)
    ]
    return pa.Table.from_pylist(rows, schema=arrow_schema("ref_local_authority"))


def lsoa11_lsoa21() -> pa.Table:
    """``ref_lsoa11_lsoa21``: the ONS best-fit LSOA11 -> LSOA21 -> LAD22 lookup as is."""
    schema = arrow_schema("ref_lsoa11_lsoa21")
    return lsoa11_lsoa21_raw().select(schema.names).cast(schema).sort_by("lsoa11_code")


def _centroids() -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """(LSOA11 -> (lon, lat) WGS84, LSOA21 -> (x, y) British National Grid metres)."""
    out = []
    for file, columns in (
        (CENTROIDS11_FILE, {"lsoa11cd": "code", "X": "x", "Y": "y"}),
        (CENTROIDS21_FILE, {"LSOA21CD": "code", "x": "x", "y": "y"}),
    ):
        t = read_csv(file, columns)
        out.append(
            dict(
                zip(
                    t.column("code").to_pylist(),
                    zip(
                        to_float(t.column("x")).to_pylist(),
                        to_float(t.column("y")).to_pylist(),
                        strict=True,
                    ),
                    strict=True,
                )
            )
        )
    return out[0], out[1]


def lsoa() -> pa.Table:
    """``ref_lsoa``: one row per LSOA code of either vintage, with ward, district, current
    authority, CSP, PFA, rural-urban class and centroid. See ``docs/reference.md``."""
    active = current_la()
    las = authorities()
    csp19 = lad19_csp()
    wards = {r["lsoa11_code"]: r for r in lsoa11_ward_raw().to_pylist()}
    districts = lsoa21_districts()
    ruc = {
        r["code"]: (r["ruc11_code"], r["ruc11_name"])
        for r in read_csv(
            RUC11_FILE, {"LSOA11CD": "code", "RUC11CD": "ruc11_code", "RUC11": "ruc11_name"}
        ).to_pylist()
    }
    centroid11, centroid21 = _centroids()
    for name, keys in (("rural-urban", ruc), ("LSOA11 centroid", centroid11)):
        if missing := sorted(set(wards) - set(keys)):
            raise ReferenceDataError(f"{len(missing)} LSOA11s have no {name}: {missing[:5]}")
    if missing := sorted(set(districts) - set(centroid21)):
        raise ReferenceDataError(f"{len(missing)} LSOA21s have no centroid: {missing[:5]}")

    rows = []
    for code in sorted(set(wards) | set(districts)):
        ward = wards.get(code)
        lsoa21_name, lad22_code, lad22_name = districts.get(code, (None, None, None))
        if ward is not None:
            lad_code, lad_name = ward["lad19_code"], ward["lad19_name"]
            csp_code, csp_name = csp19[lad_code]
        else:
            lad_code, lad_name = lad22_code, lad22_name
        if lad_code not in active:
            raise ReferenceDataError(f"LSOA {code}: district {lad_code} not in la_all_codes")
        la_code = active[lad_code][0]
        if lad22_code is not None and active[lad22_code][0] != la_code:
            raise ReferenceDataError(f"LSOA {code}: LAD19 and LAD22 lead to different LAs")
        if la_code not in las:
            raise ReferenceDataError(f"LSOA {code}: {la_code} is not a current E&W authority")
        authority = las[la_code]
        if ward is None:
            # 2021-only code: the CSP of its LAD22 if that district existed in 2019 with one
            # CSP, else the CSP shared by the whole current authority, else unknown.
            csp_code, csp_name = csp19.get(lad_code, (authority.csp_code, authority.csp_name))
        lon, lat = centroid11.get(code, (None, None)) if ward is not None else (None, None)
        bng_x, bng_y = centroid21.get(code, (None, None)) if lad22_code else (None, None)
        ruc_code, ruc_name = ruc.get(code, (None, None)) if ward is not None else (None, None)
        rows.append(
            {
                "lsoa_code": code,
                "lsoa_name": ward["lsoa11_name"] if ward is not None else lsoa21_name,
                "in_2011": ward is not None,
                "in_2021": lad22_code is not None,
                "ward19_code": ward["ward19_code"] if ward is not None else None,
                "ward19_name": ward["ward19_name"] if ward is not None else None,
                "lad_code": lad_code,
                "lad_name": lad_name,
                "la_code": la_code,
                "la_name": authority.name,
                "csp_code": csp_code,
                "csp_name": csp_name,
                "pfa_code": authority.pfa_code,
                "pfa_name": authority.pfa_name,
                "ruc11_code": ruc_code,
                "ruc11_name": ruc_name,
                "centroid_lon": lon,
                "centroid_lat": lat,
                "lsoa21_name": lsoa21_name,
                "lad22_code": lad22_code,
                "lad22_name": lad22_name,
                "centroid21_bng_x": bng_x,
                "centroid21_bng_y": bng_y,
            }
        )
    return pa.Table.from_pylist(rows, schema=arrow_schema("ref_lsoa"))
