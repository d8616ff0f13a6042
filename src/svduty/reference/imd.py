"""English Indices of Deprivation 2019: ranks and deciles by LSOA11 (IoD2019 File 2)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from svduty.reference import ReferenceDataError, arrow_schema, read_csv, to_int

IMD_FILE = "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"

_RANK = " Rank (where 1 is most deprived)"
_DECILE = " Decile (where 1 is most deprived 10% of LSOAs)"

#: Our column prefix -> the domain as named in the file's headers.
DOMAIN_HEADERS = {
    "imd": "Index of Multiple Deprivation (IMD)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
}

#: File header -> our column name (explicit, so a renamed header fails loudly).
COLUMNS: dict[str, str] = {
    "LSOA code (2011)": "lsoa11_code",
    "LSOA name (2011)": "lsoa11_name",
    "Local Authority District code (2019)": "lad19_code",
    "Local Authority District name (2019)": "lad19_name",
}
for _key, _header in DOMAIN_HEADERS.items():
    COLUMNS[_header + _RANK] = f"{_key}_rank"
    COLUMNS[_header + _DECILE] = f"{_key}_decile"
del _key, _header


def imd2019() -> pa.Table:
    """``ref_imd2019``: one row per English LSOA11, overall IMD and the 7 domains."""
    raw = read_csv(IMD_FILE, COLUMNS)
    schema = arrow_schema("ref_imd2019")
    columns = []
    for field in schema:
        column = raw.column(field.name)
        if column.null_count:
            raise ReferenceDataError(f"{IMD_FILE}: empty values in {field.name}")
        columns.append(to_int(column) if pa.types.is_integer(field.type) else column)
    table = pa.table(columns, schema=schema)
    if len(pc.unique(table.column("lsoa11_code"))) != table.num_rows:
        raise ReferenceDataError(f"{IMD_FILE}: an LSOA appears twice")
    for field in schema:
        if field.name.endswith("_decile"):
            bounds = pc.min_max(table.column(field.name)).as_py()
            if bounds["min"] < 1 or bounds["max"] > 10:
                raise ReferenceDataError(f"{IMD_FILE}: {field.name} outside 1..10: {bounds}")
    return table.sort_by("lsoa11_code")
