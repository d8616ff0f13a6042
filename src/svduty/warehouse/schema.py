"""The canonical warehouse tables, with the meaning of every column.

The DDL is plain SQL that DuckDB and PostgreSQL both accept; docs/warehouse.md is generated
from TABLES and checked by the tests.
"""

from __future__ import annotations

from svduty.sources.feeds import canonical_tables

TABLES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "loads": (
        "One row per file offered to the warehouse: what it was, who loaded it, what happened.",
        [
            ("load_id", "BIGINT PRIMARY KEY", "Sequential id of the load."),
            ("source", "TEXT NOT NULL", "The feed, e.g. `police-uk-street`."),
            (
                "scope",
                "TEXT",
                "What the file covers, e.g. `avon-and-somerset/2018-01`; a "
                "newer load of the same source and scope replaces the older.",
            ),
            (
                "covers",
                "TEXT",
                "Whose data the file holds within its source: the force for police files, "
                "the site for emergency department files, the areas for aggregate feeds.",
            ),
            ("period_start", "DATE", "First day the file's loaded rows cover."),
            ("period_end", "DATE", "Last day the file's loaded rows cover."),
            ("file_name", "TEXT NOT NULL", "The file's name (not its directory)."),
            ("content_sha256", "TEXT", "SHA-256 of the file's decompressed content."),
            ("loaded_by", "TEXT NOT NULL", "Who or what loaded it (SVDUTY_LOADED_BY)."),
            ("loaded_at", "TIMESTAMP NOT NULL", "When the load committed (UTC)."),
            ("rows_read", "BIGINT NOT NULL", "Data rows in the file (header excluded)."),
            ("rows_loaded", "BIGINT NOT NULL", "Rows written to the feed's canonical table."),
            (
                "rows_quarantined",
                "BIGINT NOT NULL",
                "Rows written to `quarantine`; always rows_read = rows_loaded + rows_quarantined.",
            ),
            (
                "status",
                "TEXT NOT NULL",
                "`loaded`, `replaced` (it replaced an earlier load of "
                "the same scope) or `refused` (the file could not be read; nothing loaded).",
            ),
            ("replaces_load_id", "BIGINT", "The earlier load of the same scope this one replaced."),
            (
                "superseded_by_load_id",
                "BIGINT",
                "Set when a later load replaced this one; its rows were removed then.",
            ),
            ("message", "TEXT", "For a refused file, why, and what would fix it."),
            (
                "synthetic",
                "BOOLEAN NOT NULL DEFAULT FALSE",
                "True when the file is synthetic (made by `svduty synth`); everything derived "
                "from it must say so.",
            ),
            (
                "key_fingerprint",
                "TEXT",
                "Fingerprint of the pseudonymisation key the file's identifiers were "
                "replaced under (never the key); null for feeds without identifiers.",
            ),
        ],
    ),
    "quarantine": (
        "Rows that failed validation, with the field and a reason a person can act on.",
        [
            ("load_id", "BIGINT NOT NULL", "The load the row came in with."),
            ("source", "TEXT NOT NULL", "The feed."),
            ("file_name", "TEXT NOT NULL", "The file's name."),
            ("line", "BIGINT NOT NULL", "Line in the file; the header is line 1."),
            ("field", "TEXT NOT NULL", "The column that failed (the first, if several did)."),
            ("reason_code", "TEXT NOT NULL", "Stable short code of the failure, for counting."),
            ("reason", "TEXT NOT NULL", "What is wrong and what would fix it."),
            ("row_json", "TEXT", "The row as read, as a JSON object."),
        ],
    ),
    "police_uk_street": (
        "data.police.uk street-level crimes and anti-social behaviour (one row per row of the "
        "published files; DOMAIN.md §5).",
        [
            ("load_id", "BIGINT NOT NULL", "The load the row came in with (see `loads`)."),
            ("force", "TEXT NOT NULL", "police.uk slug of the force whose file it is."),
            ("line", "BIGINT NOT NULL", "Line in the source file."),
            (
                "crime_id",
                "TEXT",
                "police.uk's 64-character crime id; null for anti-social behaviour.",
            ),
            ("month", "DATE NOT NULL", "First day of the month the crime was recorded in."),
            ("reported_by", "TEXT NOT NULL", "The force that provided the data."),
            ("falls_within", "TEXT NOT NULL", "The force whose area the crime falls in."),
            (
                "longitude",
                "DOUBLE PRECISION",
                "Anonymised snap point (WGS84); null when the "
                "crime has no location. Aggregate to LSOA or larger: points are moved.",
            ),
            ("latitude", "DOUBLE PRECISION", "As longitude."),
            ("location", "TEXT", "'On or near ...' or 'No Location'."),
            (
                "lsoa_code",
                "TEXT",
                "LSOA of the snap point (2011 codes in older files); null "
                "when there is no location. May lie outside the force's area.",
            ),
            ("lsoa_name", "TEXT", "The LSOA's name."),
            ("crime_type", "TEXT NOT NULL", "One of the 14 police.uk crime types."),
            ("last_outcome", "TEXT", "Last outcome category as of the file's publication."),
            ("context", "TEXT", "Free-text context, usually blank."),
        ],
    ),
}


TABLES.update(canonical_tables())


def ddl(name: str) -> str:
    _, columns = TABLES[name]
    cols = ", ".join(f"{c} {t}" for c, t, _ in columns)
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


def column_names(name: str) -> list[str]:
    return [c for c, _, _ in TABLES[name][1]]


def markdown() -> str:
    out = [
        "# Warehouse tables",
        "",
        "Generated from `svduty.warehouse.schema.TABLES`; "
        "the reference tables are described in reference.md.",
        "",
    ]
    for name, (meaning, columns) in TABLES.items():
        out += [f"## `{name}`", "", meaning, "", "| column | type | meaning |", "|---|---|---|"]
        out += [f"| {c} | {t} | {m} |" for c, t, m in columns]
        out.append("")
    return "\n".join(out)
