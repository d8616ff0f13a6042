"""Deprivation for any partnership in England and Wales: IMD 2025 (England, 2021 LSOAs) and
WIMD 2019 (Wales, 2011 LSOAs, carried to 2021 LSOAs); ``ref_deprivation``.

England and Wales rank their neighbourhoods separately and differently: an English decile and a
Welsh decile are not the same thing, so every row names its index and nothing here ranks the two
together. WIMD 2019 is published on 2011 LSOAs only; a 2021 LSOA takes the rank of the 2011 LSOA
the ONS best-fit lookup maps to it, the population-weighted mean rank where several 2011 LSOAs
merged into it, and the rank of the nearest 2011 LSOA (population-weighted centroids) where it
is a part of a split 2011 LSOA that the best-fit lookup gives to another part. The ``mapping``
column says which, row by row. The English IMD 2019 on 2011 LSOAs stays in ``ref_imd2019``.

The national table (:func:`national`) is never stored whole: the warehouse keeps the rows of a
partnership's own authorities (svduty.warehouse.reference_load.load_area_tables).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import pyarrow as pa

from svduty.reference import ReferenceDataError, arrow_schema, read_csv, to_float, to_int

IMD2025_FILE = "imd2025/imd2025_england_lsoa21.csv.gz"
WIMD2019_FILE = "wimd2019/wimd2019_wales_lsoa11.csv.gz"

ENGLAND = "E92000001"
WALES = "W92000004"


@dataclass(frozen=True)
class Index:
    """One national index of deprivation, as pages name it."""

    name: str  # "IMD 2025"
    short: str  # "IMD": the column heading says "IMD decile (of England)"
    country: str  # "England"
    country_code: str
    lsoa_vintage: int  # the LSOAs it is published on
    areas: int  # how many LSOAs it ranks
    source: str  # the source line under a figure
    note: str  # what its deciles are

    @property
    def deciles(self) -> str:
        """ "England's IMD 2025 deciles"."""
        return f"{self.country}'s {self.name} deciles"


INDICES: dict[str, Index] = {
    "IMD 2019": Index(
        "IMD 2019", "IMD", "England", ENGLAND, 2011, 32_844,
        "English Indices of Deprivation 2019 (MHCLG), IMD decile of each 2011 LSOA",
        "IMD 2019 ranks 2011 LSOAs of England on data mostly from 2015-16; deciles are "
        "national (decile 1: the most deprived 10% of LSOAs in England).",
    ),
    "IMD 2025": Index(
        "IMD 2025", "IMD", "England", ENGLAND, 2021, 33_755,
        "English Indices of Deprivation 2025 (MHCLG), IMD decile of each 2021 LSOA",
        "IMD 2025 ranks the 33,755 2021 LSOAs of England; deciles are national (decile 1: the "
        "most deprived 10% of LSOAs in England).",
    ),
    "WIMD 2019": Index(
        "WIMD 2019", "WIMD", "Wales", WALES, 2011, 1_909,
        "Welsh Index of Multiple Deprivation 2019 (Welsh Government), WIMD decile of each "
        "2011 LSOA",
        "WIMD 2019 ranks the 1,909 2011 LSOAs of Wales; deciles are Wales's (decile 1: the most "
        "deprived 10% of LSOAs in Wales), not comparable with England's index.",
    ),
}  # fmt: skip


def index_for(country_code: str, lsoa_vintage: int) -> Index:
    """The index svduty uses for LSOAs of ``country_code`` on LSOAs of ``lsoa_vintage``:
    England IMD 2019 on 2011 LSOAs, IMD 2025 on 2021 LSOAs; Wales WIMD 2019 on either."""
    if country_code == WALES:
        return INDICES["WIMD 2019"]
    if country_code == ENGLAND:
        return INDICES["IMD 2019" if lsoa_vintage == 2011 else "IMD 2025"]
    raise ValueError(f"no index of deprivation for country {country_code!r} (England and Wales)")


def _ranks(file: str, code_column: str, expected: int) -> pa.Table:
    """code, rank, decile, score of the overall index; validated (ranks 1..n, deciles 1..10)."""
    raw = read_csv(
        file,
        {code_column: "code", "IMD_rank": "rank", "IMD_decile": "decile", "IMD_score": "score"},
    )
    for column in raw.column_names:
        if raw.column(column).null_count:
            raise ReferenceDataError(f"{file}: empty values in {column}")
    table = pa.table(
        {
            "code": raw.column("code"),
            "rank": to_int(raw.column("rank")),
            "decile": to_int(raw.column("decile")),
            "score": to_float(raw.column("score")),
        }
    )
    codes = table.column("code").to_pylist()
    if len(set(codes)) != len(codes):
        raise ReferenceDataError(f"{file}: an LSOA appears twice")
    if len(codes) != expected:
        raise ReferenceDataError(f"{file}: {len(codes)} LSOAs, expected {expected}")
    if sorted(table.column("rank").to_pylist()) != list(range(1, expected + 1)):
        raise ReferenceDataError(f"{file}: ranks are not 1..{expected}, each once")
    if not set(table.column("decile").to_pylist()) <= set(range(1, 11)):
        raise ReferenceDataError(f"{file}: a decile outside 1..10")
    return table


@functools.cache
def imd2025() -> pa.Table:
    """IMD 2025: every English 2021 LSOA's rank, decile and score (1 = most deprived)."""
    return _ranks(IMD2025_FILE, "lsoa21_code", INDICES["IMD 2025"].areas)


@functools.cache
def wimd2019() -> pa.Table:
    """WIMD 2019: every Welsh 2011 LSOA's rank, decile and score (1 = most deprived)."""
    return _ranks(WIMD2019_FILE, "lsoa11_code", INDICES["WIMD 2019"].areas)


def decile_of_rank(rank: float, cuts: list[int]) -> int:
    """The decile of ``rank`` given the highest rank of each decile as published."""
    for decile, top in enumerate(cuts, start=1):
        if rank <= top:
            return decile
    return 10


def _wimd_on_lsoa21() -> list[dict]:
    """WIMD 2019 for every Welsh 2021 LSOA, with how each got its rank (module docstring)."""
    from pyproj import Transformer

    from svduty.reference.geography import _centroids, lsoa11_lsoa21_raw, lsoa21_districts
    from svduty.reference.population import population_lsoa11

    wimd = {r["code"]: r for r in wimd2019().to_pylist()}
    cuts = [
        max(r["rank"] for r in wimd.values() if r["decile"] == d) for d in range(1, 11)
    ]  # the published rank at the top of each decile
    pop = population_lsoa11()
    people = dict(
        zip(
            pop.column("lsoa11_code").to_pylist(),
            pop.column("population_mid2018").to_pylist(),
            strict=True,
        )
    )
    parents: dict[str, list[str]] = {}
    for r in lsoa11_lsoa21_raw().to_pylist():
        if r["lsoa11_code"] in wimd:
            parents.setdefault(r["lsoa21_code"], []).append(r["lsoa11_code"])
    centroid11, centroid21 = _centroids()
    to_lonlat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    welsh11 = [(code, centroid11[code]) for code in sorted(wimd)]
    rows = []
    for code in sorted(c for c in lsoa21_districts() if c.startswith("W")):
        found = sorted(parents.get(code, []))
        if len(found) == 1:
            r = wimd[found[0]]
            rank, decile, score = r["rank"], r["decile"], r["score"]
            how = "as published" if found[0] == code else f"from 2011 LSOA {found[0]}"
        elif found:
            weights = [people[c] for c in found]
            total = sum(weights)
            rank = round(
                sum(wimd[c]["rank"] * w for c, w in zip(found, weights, strict=True)) / total
            )
            score = sum(wimd[c]["score"] * w for c, w in zip(found, weights, strict=True)) / total
            decile = decile_of_rank(rank, cuts)
            how = "population-weighted mean rank of merged 2011 LSOAs " + ", ".join(found)
        else:
            lon, lat = to_lonlat.transform(*centroid21[code])
            scale = math.cos(math.radians(lat))
            near = min(
                welsh11, key=lambda p: ((p[1][0] - lon) * scale) ** 2 + (p[1][1] - lat) ** 2
            )[0]
            r = wimd[near]
            rank, decile, score = r["rank"], r["decile"], r["score"]
            how = f"part of a split 2011 LSOA: nearest 2011 LSOA {near}"
        rows.append({"code": code, "rank": rank, "decile": decile, "score": score, "mapping": how})
    return rows


@functools.cache
def national() -> pa.Table:
    """Every ``ref_deprivation`` row of England and Wales (cached; see :func:`for_authorities`)."""
    from svduty.reference.geography import current_la, lsoa11_ward_raw, lsoa21_districts

    active = current_la()
    la21 = {code: active[lad22][0] for code, (_, lad22, _) in lsoa21_districts().items()}
    la11 = {r["lsoa11_code"]: active[r["lad19_code"]][0] for r in lsoa11_ward_raw().to_pylist()}
    rows = []

    def add(code: str, vintage: int, la: dict[str, str], index: Index, r: dict, how: str):
        if code not in la:
            raise ReferenceDataError(f"{index.name}: LSOA {code} is in no local authority")
        rows.append(
            {
                "lsoa_code": code,
                "lsoa_vintage": vintage,
                "la_code": la[code],
                "country_code": index.country_code,
                "deprivation_index": index.name,
                "rank": r["rank"],
                "decile": r["decile"],
                "score": r["score"],
                "ranked_areas": index.areas,
                "mapping": how,
            }
        )

    for r in imd2025().to_pylist():
        add(r["code"], 2021, la21, INDICES["IMD 2025"], r, "as published")
    for r in wimd2019().to_pylist():
        add(r["code"], 2011, la11, INDICES["WIMD 2019"], r, "as published")
    for r in _wimd_on_lsoa21():
        add(r["code"], 2021, la21, INDICES["WIMD 2019"], r, r["mapping"])
    table = pa.Table.from_pylist(rows, schema=arrow_schema("ref_deprivation"))
    return table.sort_by([("lsoa_vintage", "ascending"), ("lsoa_code", "ascending")])


def empty() -> pa.Table:
    """``ref_deprivation`` as the reference load creates it: rows come per partnership."""
    return arrow_schema("ref_deprivation").empty_table()


def for_authorities(la_codes) -> pa.Table:
    """The ``ref_deprivation`` rows of the LSOAs of these current local authorities."""
    import pyarrow.compute as pc

    table = national()
    return table.filter(pc.is_in(table.column("la_code"), pa.array(sorted(set(la_codes)))))
