"""Population: Census 2021 by LSOA21 and age band; earlier LSOA11 estimates (2015, 2018); and
the one denominator every rate at each level uses (:func:`denominator`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from svduty.reference import ReferenceDataError, arrow_schema, read_csv, to_float, to_int

CENSUS_FILE = "population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz"
SAPE_FILE = "population/ONS_SAPE21DT11_mid2018_LSOA11_population_density_EW.csv.gz"
IMD_DENOMINATORS_FILE = "imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz"


@dataclass(frozen=True)
class Denominator:
    """The population every rate at one level is divided by, and how pages name it.

    ``table``/``column``: the warehouse reference table and column it is read from (summed from
    LSOAs where the level is larger); ``under_25_column``: the same for residents aged 0 to 24,
    or None where no such figure is bundled (under-25 measures then get counts only).
    ``label``: a short name for column headings ("Census 2021"); ``source``: the line every page
    showing such a rate carries under its table or chart.
    """

    level: str
    label: str
    source: str
    table: str
    column: str
    under_25_column: str | None

    def describe(self, under_25: bool = False) -> str:
        """The source line, for residents of all ages or (``under_25``) aged 0 to 24."""
        if not under_25:
            return self.source
        if self.under_25_column is None:
            raise ValueError(f"no under-25 population is bundled for level {self.level!r}")
        return self.source.replace("usual residents", "usual residents aged 0 to 24", 1)


_CENSUS = "Census 2021 usual residents (ONS, census day 21 March 2021)"
_CENSUS_AREAS = _CENSUS + ", summed from 2021 LSOAs to local authorities and force areas"
_MID_2018 = "ONS mid-2018 population estimates for 2011 LSOAs (SAPE21DT11)"

# One denominator per level, chosen here and nowhere else (docs/sources.md, "Populations").
# Areas that are unions of 2021 LSOAs (current local authorities, force areas, May 2024 wards)
# use Census 2021.
# Areas built on 2011 LSOAs (the LSOAs of the police.uk files before 2023 and of IMD 2019, 2011
# MSOAs, December 2019 wards) use the mid-2018 estimates: ONS publishes no Census 2021 counts on
# 2011 LSOAs, and the bundled 2011 -> 2021 lookup gives a split 2011 LSOA only one of its 2021
# parts, so Census 2021 cannot be carried back to them without inventing a split.
DENOMINATORS: dict[str, Denominator] = {
    "lsoa": Denominator(
        "lsoa", "mid-2018", _MID_2018, "ref_population_lsoa11", "population_mid2018", None
    ),
    "msoa": Denominator(
        "msoa", "mid-2018", _MID_2018 + ", summed to 2011 MSOAs",
        "ref_population_lsoa11", "population_mid2018", None,
    ),
    "ward": Denominator(
        "ward", "mid-2018", _MID_2018 + ", summed to December 2019 wards",
        "ref_population_lsoa11", "population_mid2018", None,
    ),
    "ward24": Denominator(
        "ward24", "Census 2021",
        _CENSUS + ", summed from 2021 LSOAs to May 2024 wards (ONS best-fit lookup)",
        "ref_population", "residents", "residents",
    ),
    "imd_decile": Denominator(
        "imd_decile", "mid-2018", _MID_2018 + ", summed to IMD 2019 deciles",
        "ref_population_lsoa11", "population_mid2018", None,
    ),
    "wimd_decile": Denominator(
        "wimd_decile", "mid-2018", _MID_2018 + ", summed to WIMD 2019 deciles",
        "ref_population_lsoa11", "population_mid2018", None,
    ),
    # deprivation deciles of 2021 LSOAs (IMD 2025, WIMD 2019 carried to 2021 LSOAs)
    "decile_2021": Denominator(
        "decile_2021", "Census 2021", _CENSUS + ", summed from 2021 LSOAs to deprivation deciles",
        "ref_population", "residents", None,
    ),
    "urban_rural": Denominator(
        "urban_rural", "Census 2021",
        _CENSUS + ", summed from 2021 LSOAs to urban and rural neighbourhoods",
        "ref_population", "residents", None,
    ),
    "la": Denominator(
        "la", "Census 2021", _CENSUS_AREAS,
        "ref_local_authority", "population_2021", "population_2021_under_25",
    ),
    "pfa": Denominator(
        "pfa", "Census 2021", _CENSUS_AREAS,
        "ref_local_authority", "population_2021", "population_2021_under_25",
    ),
}  # fmt: skip


def denominator(level: str) -> Denominator:
    """The denominator of every rate at ``level`` (lsoa, msoa, ward, ward24, imd_decile,
    wimd_decile, decile_2021, urban_rural, la, pfa)."""
    try:
        return DENOMINATORS[level]
    except KeyError:
        raise ValueError(
            f"no denominator for level {level!r}: expected one of {', '.join(DENOMINATORS)}"
        ) from None


#: Census 2021 age band as published -> (order, youngest age, oldest age or None).
AGE_BANDS: dict[str, tuple[int, int, int | None]] = {
    "Aged 15 years and under": (1, 0, 15),
    "Aged 16 to 24 years": (2, 16, 24),
    "Aged 25 to 34 years": (3, 25, 34),
    "Aged 35 to 49 years": (4, 35, 49),
    "Aged 50 to 64 years": (5, 50, 64),
    "Aged 65 years and over": (6, 65, None),
}
#: The bands that make up "under 25" (aged 24 and under).
UNDER_25_BANDS = frozenset(b for b, (_, _, hi) in AGE_BANDS.items() if hi is not None and hi < 25)


@functools.cache
def census_raw() -> pa.Table:
    """The Census 2021 file as read: lsoa21_code, lsoa21_name, age_band, residents (int64)."""
    table = read_csv(
        CENSUS_FILE,
        {
            "lsoa21_code": "lsoa21_code",
            "lsoa21_name": "lsoa21_name",
            "age_group": "age_band",
            "usual_residents": "residents",
        },
    )
    table = table.set_column(3, "residents", to_int(table.column("residents")))
    for column in table.column_names:
        if table.column(column).null_count:
            raise ReferenceDataError(f"{CENSUS_FILE}: empty values in {column}")
    if pc.any(pc.less(table.column("residents"), 0)).as_py():
        raise ReferenceDataError(f"{CENSUS_FILE}: negative residents")
    return table


def lsoa21_names() -> dict[str, str]:
    """Every 2021 LSOA (England and Wales) -> its name, from the Census 2021 file."""
    pairs = census_raw().group_by(["lsoa21_code", "lsoa21_name"]).aggregate([])
    codes = pairs.column("lsoa21_code").to_pylist()
    names = dict(zip(codes, pairs.column("lsoa21_name").to_pylist(), strict=True))
    if len(names) != len(codes):
        raise ReferenceDataError(f"{CENSUS_FILE}: an LSOA21 code has two names")
    return names


def residents_by_lsoa21() -> dict[str, tuple[int, int]]:
    """Every 2021 LSOA -> (usual residents, usual residents aged under 25), Census 2021."""
    raw = census_raw()
    young = pc.if_else(
        pc.is_in(raw.column("age_band"), pa.array(sorted(UNDER_25_BANDS))),
        raw.column("residents"),
        0,
    )
    sums = (
        pa.table(
            {"code": raw.column("lsoa21_code"), "all": raw.column("residents"), "young": young}
        )
        .group_by("code")
        .aggregate([("all", "sum"), ("young", "sum")])
    )
    return dict(
        zip(
            sums.column("code").to_pylist(),
            zip(
                sums.column("all_sum").to_pylist(),
                sums.column("young_sum").to_pylist(),
                strict=True,
            ),
            strict=True,
        )
    )


def population() -> pa.Table:
    """``ref_population``: Census 2021 usual residents by LSOA21 and age band (6 bands)."""
    raw = census_raw()
    bands = list(AGE_BANDS)
    index = pc.index_in(raw.column("age_band"), value_set=pa.array(bands))
    if index.null_count:
        unknown = pc.unique(pc.filter(raw.column("age_band"), pc.is_null(index))).to_pylist()
        raise ReferenceDataError(f"{CENSUS_FILE}: unknown age band(s) {unknown}")
    pairs = raw.group_by(["lsoa21_code", "age_band"]).aggregate([("residents", "count")])
    if pairs.num_rows != raw.num_rows:
        raise ReferenceDataError(f"{CENSUS_FILE}: an LSOA has the same age band twice")
    if raw.num_rows != len(bands) * len(pc.unique(raw.column("lsoa21_code"))):
        raise ReferenceDataError(f"{CENSUS_FILE}: not every LSOA has all {len(bands)} bands")

    def by_band(values: list) -> pa.Array:
        return pa.array(values).take(index)

    table = pa.table(
        {
            "lsoa21_code": raw.column("lsoa21_code"),
            "age_band": raw.column("age_band"),
            "age_band_order": by_band([AGE_BANDS[b][0] for b in bands]),
            "age_min": by_band([AGE_BANDS[b][1] for b in bands]),
            "age_max": by_band([AGE_BANDS[b][2] for b in bands]),
            "under_25": by_band([b in UNDER_25_BANDS for b in bands]),
            "residents": raw.column("residents"),
            "source": pa.array(["Census 2021"] * raw.num_rows, pa.string()),
        },
        schema=arrow_schema("ref_population"),
    )
    return table.sort_by([("lsoa21_code", "ascending"), ("age_band_order", "ascending")])


def population_lsoa11() -> pa.Table:
    """``ref_population_lsoa11``: mid-2018 totals and area (E&W), mid-2015 broad ages (England)."""
    sape = read_csv(
        SAPE_FILE,
        {
            "LSOA11CD": "lsoa11_code",
            "mid_2018_population": "population_mid2018",
            "area_sq_km": "area_sq_km",
        },
    )
    sape = pa.table(
        {
            "lsoa11_code": sape.column("lsoa11_code"),
            "population_mid2018": to_int(sape.column("population_mid2018")),
            "area_sq_km": to_float(sape.column("area_sq_km")),
        }
    )
    denominators = read_csv(
        IMD_DENOMINATORS_FILE,
        {
            "LSOA code (2011)": "lsoa11_code",
            "Total population: mid 2015 (excluding prisoners)": "population_mid2015",
            "Dependent Children aged 0-15: mid 2015 (excluding prisoners)": (
                "population_mid2015_0_15"
            ),
            "Population aged 16-59: mid 2015 (excluding prisoners)": "population_mid2015_16_59",
            "Older population aged 60 and over: mid 2015 (excluding prisoners)": (
                "population_mid2015_60_plus"
            ),
            "Working age population 18-59/64: for use with Employment Deprivation Domain "
            "(excluding prisoners)": "population_mid2015_working_age",
        },
    )
    denominators = pa.table(
        [denominators.column(0)] + [to_int(c) for c in denominators.columns[1:]],
        names=denominators.column_names,
    )
    for name, table in ((SAPE_FILE, sape), (IMD_DENOMINATORS_FILE, denominators)):
        codes = table.column("lsoa11_code")
        if codes.null_count or len(pc.unique(codes)) != table.num_rows:
            raise ReferenceDataError(f"{name}: LSOA codes are missing or repeated")
    unknown = pc.filter(
        denominators.column("lsoa11_code"),
        pc.invert(pc.is_in(denominators.column("lsoa11_code"), sape.column("lsoa11_code"))),
    )
    if len(unknown):
        raise ReferenceDataError(
            f"{IMD_DENOMINATORS_FILE}: {len(unknown)} LSOA11 codes not in {SAPE_FILE}, "
            f"e.g. {unknown[:5].to_pylist()}"
        )
    joined = sape.join(denominators, "lsoa11_code", join_type="left outer")
    schema = arrow_schema("ref_population_lsoa11")
    return joined.select(schema.names).cast(schema).sort_by("lsoa11_code")
