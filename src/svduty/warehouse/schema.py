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
            (
                "row_json",
                "TEXT",
                "The row as read, as a JSON object; in a partner feed's row, a value its column's "
                "kind does not make safe to show (free text, a value that failed its check) is "
                "`(withheld)`.",
            ),
        ],
    ),
    "retention_deletions": (
        "One row per load whose rows `svduty retention` deleted because they were older than "
        "the retention period of the feed's data sharing agreement (docs/retention.md): the "
        "audit of each deletion, kept when the rows are gone.",
        [
            ("deletion_id", "BIGINT PRIMARY KEY", "Sequential id."),
            ("deleted_at", "TIMESTAMP NOT NULL", "When the deletion committed (UTC)."),
            ("deleted_by", "TEXT NOT NULL", "Who or what ran it (SVDUTY_LOADED_BY)."),
            ("source", "TEXT NOT NULL", "The feed."),
            ("table_name", "TEXT NOT NULL", "The canonical table the rows were deleted from."),
            ("load_id", "BIGINT NOT NULL", "The load the deleted rows came in with."),
            ("rows_deleted", "BIGINT NOT NULL", "Canonical rows of that load deleted."),
            (
                "quarantined_deleted",
                "BIGINT NOT NULL",
                "Quarantined rows of that load deleted (only when the whole load was past).",
            ),
            ("cutoff", "DATE NOT NULL", "Rows dated (or received) before this day were deleted."),
            ("keep", "TEXT NOT NULL", "The retention period as written, e.g. `7 years`."),
            (
                "measured_from",
                "TEXT NOT NULL",
                "`received` (the load's `loaded_at`) or `period` (the row's own date).",
            ),
            ("agreement", "TEXT NOT NULL", "The data sharing agreement the period comes from."),
        ],
    ),
    "police_uk_street": (
        "data.police.uk street-level crimes and anti-social behaviour (one row per row of the "
        "published files; docs/sources.md, section data.police.uk).",
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
    "published_statistic": (
        "Official statistics as ONS publishes them, one row per number cell of the ONS police "
        "force area data tables (`ons-prc`, docs/feeds/ons-prc.md): recorded crime by police "
        "force area and community safety partnership, knife and sharp instrument offences "
        "since the year ending March 2011, firearms, fraud. Rates and percentages are ONS's, "
        "not recomputed. The same figure can appear in two tables (P1 and C2 give the same "
        "force totals): filter on `sheet`.",
        [
            ("load_id", "BIGINT NOT NULL", "The load the row came in with (see `loads`)."),
            ("sheet", "TEXT NOT NULL", "The table it was read from, e.g. `Table P6`."),
            ("table_title", "TEXT NOT NULL", "The table's title as published, notes removed."),
            (
                "cell",
                "TEXT NOT NULL",
                "The workbook cell the value came from, e.g. `Table P5!C55`.",
            ),
            (
                "area_code",
                "TEXT",
                "ONS code: K04000001 England and Wales, E92000001/W92000004 the countries, E12 "
                "regions, E23/W15 police force areas, E22/W14 community safety partnerships; "
                "null for rows ONS gives no code (British Transport Police, unassigned, airport, "
                "England and Wales excluding Greater Manchester, fraud with unknown area).",
            ),
            ("area_name", "TEXT NOT NULL", "The area's name as published, notes removed."),
            (
                "area_type",
                "TEXT NOT NULL",
                "`england_and_wales`, `country`, `region`, `police_force_area`, "
                "`community_safety_partnership`, `unassigned` (a force's offences not placed in "
                "a partnership), `not_in_a_csp` (e.g. Manchester Airport), "
                "`british_transport_police`, `england_and_wales_excluding_gmp`, "
                "`country_excluding_gmp` or `unknown_force_area`.",
            ),
            (
                "force_area_code",
                "TEXT",
                "The police force area the row belongs to: the area itself for a force, the "
                "force of a partnership, unassigned or airport row; null above force level.",
            ),
            (
                "measure",
                "TEXT NOT NULL",
                "What the number is, in stable snake_case that names its unit too, e.g. "
                "`knife_selected_offences`, `knife_selected_offences_rate_per_100k`, "
                "`selected_offences_pct_involving_knife`, `robbery_rate_per_1000`, "
                "`total_recorded_crime_pct_change`, `population` (the full list is in "
                "docs/feeds/ons-prc.md).",
            ),
            (
                "offence",
                "TEXT",
                "For Table P5, the selected offence (`Attempted murder`, `Threats to kill`, "
                "`Assault with injury and assault with intent to cause serious harm`, "
                "`Robbery`, `Rape and sexual assault`, `Homicide`); null for a total.",
            ),
            ("column_heading", "TEXT NOT NULL", "The column's heading as published."),
            (
                "period_label",
                "TEXT NOT NULL",
                "The period as published: `Apr 2010 to Mar 2011`, `year ending December 2024`, "
                "or `mid-2023` for a population estimate.",
            ),
            ("period_start", "DATE NOT NULL", "First day of the period (12 months)."),
            (
                "period_end",
                "DATE NOT NULL",
                "Last day of the period; for a mid-year population, both are 30 June.",
            ),
            (
                "base_period_start",
                "DATE",
                "For a percentage change, the first day of the period compared with.",
            ),
            ("base_period_end", "DATE", "For a percentage change, its last day."),
            (
                "value",
                "DOUBLE PRECISION",
                "The number as published (full precision); null when ONS gives a marker.",
            ),
            (
                "value_status",
                "TEXT NOT NULL",
                "`published`, or why there is no value: `unavailable [x]`, `not calculable "
                "[z]`, `suppressed [u]` (base under 50), `suppressed [u1]` (population too "
                "small), `confidential [c]`.",
            ),
            (
                "unit",
                "TEXT NOT NULL",
                "`count`, `rate_per_1000` (population), `rate_per_1000_households`, "
                "`rate_per_100000`, `percent` (share of the offences that involved a knife) "
                "or `percent_change`.",
            ),
            (
                "note_refs",
                "TEXT",
                "Numbers of the ONS notes attached to the row's area name or the column "
                "heading, e.g. `4` or `7, 8` (see the workbook's Notes sheets).",
            ),
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
