"""Police recorded crime: the force's own record-level extract (feed 1, docs/feeds/police-crime.md).

Unlike police.uk it carries the Home Office offence code, when the offence happened, ages, and
the flags the local definition needs (knife, firearm, domestic abuse, alcohol, drugs,
exploitation). Crime references and any victim or suspect references are identifiers: they are
replaced by keyed tokens as the file is read, so the same crime or person links across loads.
"""

from __future__ import annotations

from svduty.sources import offence_codes
from svduty.sources.feed import Check, Column, Derived, Feed
from svduty.sources.police_uk import UK_LATITUDE, UK_LONGITUDE

SOURCE = "police-crime"

LOCATION_TYPES: dict[str, str] = {
    "street": "Street, road or footpath",
    "open_space": "Park or open space",
    "transport": "Public transport, station or stop",
    "licensed_premises": "Pub, bar, club or other licensed premises",
    "retail": "Shop, shopping centre or other retail",
    "education": "School, college or university",
    "dwelling": "Dwelling (inside a home or its grounds)",
    "workplace": "Workplace other than the above",
    "healthcare": "Hospital or other healthcare setting",
    "custody": "Prison, custody or secure setting",
    "other": "Other",
    "not_known": "Not known",
}
PUBLIC_SPACE = ("street", "open_space", "transport", "licensed_premises", "retail", "education")


def _codes_with_names(codes: dict[str, str]) -> dict[str, str]:
    """Accept a location type by its code or its label."""
    accepted = {k: k for k in codes}
    accepted |= {label: code for code, label in codes.items()}
    return accepted


def _flag(header: str, name: str, meaning: str) -> Column:
    return Column(header, name, "flag", meaning)


def _case_map(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(
        f"WHEN '{k}' THEN '{v.replace(chr(39), chr(39) * 2)}'" for k, v in mapping.items()
    )
    return f"CASE {column} {whens} END"


FEED = Feed(
    source=SOURCE,
    table="police_crime",
    title="Police recorded crime (force extract)",
    description=(
        "One row per crime recorded by the force, as extracted from its records management "
        "system. Record level; crime, victim and suspect references are pseudonymised at the door."
    ),
    columns=(
        Column(
            "Crime reference",
            "crime_ref",
            "identifier",
            "The force's crime reference.",
            required=True,
            example="AS/23/012345",
        ),
        Column(
            "Offence code",
            "offence_code_recorded",
            "code",
            "Home Office offence code as recorded (legacy 5A, 5B, 5C, 8F, 8G accepted).",
            required=True,
            codes={c: c for c in offence_codes.ALL_CODES},
            example="8N",
        ),
        Column(
            "Recorded date",
            "recorded_date",
            "date",
            "Date the crime was recorded (crimes are counted by this date under HOCR).",
            required=True,
            example="2023-01-14",
        ),
        Column(
            "Offence from",
            "offence_from",
            "datetime",
            "When the offence happened, or the start of the window it happened in. A date "
            "without a time is read as the start of that day (offence_time_known says which).",
            required=True,
            example="2023-01-13 23:40",
        ),
        Column(
            "Offence to",
            "offence_to",
            "datetime",
            "End of the window the offence happened in, when the time is not exact.",
        ),
        Column(
            "LSOA code", "lsoa_code", "lsoa", "LSOA of the offence location.", example="E01014399"
        ),
        Column(
            "Longitude",
            "longitude",
            "decimal",
            "Offence location, WGS84 decimal degrees.",
            low=UK_LONGITUDE[0],
            high=UK_LONGITUDE[1],
        ),
        Column(
            "Latitude",
            "latitude",
            "decimal",
            "Offence location, WGS84 decimal degrees.",
            low=UK_LATITUDE[0],
            high=UK_LATITUDE[1],
        ),
        Column(
            "Location type",
            "location_type",
            "code",
            "Kind of place: " + "; ".join(f"`{k}` {v}" for k, v in LOCATION_TYPES.items()) + ".",
            codes=_codes_with_names(LOCATION_TYPES),
            example="street",
        ),
        Column("Victim age", "victim_age", "age", "Victim's age in years at the offence."),
        Column("Victim sex", "victim_sex", "sex", "Victim's sex."),
        Column(
            "Victim reference",
            "victim_ref",
            "identifier",
            "The force's person reference for the victim, when shared.",
        ),
        Column("Suspect age", "suspect_age", "age", "Age of the (first) suspect, when known."),
        Column(
            "Suspect reference",
            "suspect_ref",
            "identifier",
            "The force's person reference for the suspect, when shared.",
        ),
        _flag(
            "Knife or sharp instrument",
            "knife_flag",
            "A knife or sharp instrument was used "
            "or threatened (the Home Office knife and sharp instrument flag).",
        ),
        _flag("Firearm", "firearm_flag", "A firearm was used or threatened."),
        _flag("Domestic abuse", "domestic_abuse_flag", "Flagged as domestic abuse (DA Act 2021)."),
        _flag("Alcohol related", "alcohol_flag", "Flagged as alcohol related."),
        _flag("Drug related", "drugs_flag", "Flagged as drug related."),
        _flag(
            "Exploitation or county lines",
            "exploitation_flag",
            "Flagged as criminal exploitation, county lines or modern slavery.",
        ),
    ),
    period=("recorded_date", "recorded_date"),
    covers="'force extract'",
    unique_key=("crime_ref",),
    overlap_by_period=False,
    checks=(
        Check(
            "Offence to",
            "offence_window",
            "offence_to < offence_from",
            "'Offence to (' || shown_offence_to || ') is before Offence from ('"
            " || shown_offence_from || '); swap them, or leave Offence to blank when the time "
            "is exact'",
        ),
        Check(
            "Offence from",
            "offence_after_recording",
            "offence_from::DATE > recorded_date",
            "'Offence from (' || shown_offence_from || ') is after the Recorded date ('"
            " || shown_recorded_date || '); a crime cannot be recorded before it happened'",
        ),
        Check(
            "Longitude",
            "coordinates_half",
            "(longitude IS NULL) <> (latitude IS NULL)",
            "'only one of Longitude and Latitude is given; give both, or neither'",
        ),
    ),
    derived=(
        Derived(
            "offence_code",
            "TEXT",
            "Today's offence code: legacy codes mapped forward (5A->5D, 5B/5C->5E, 8F/8G->8N) "
            "so series are continuous.",
            _case_map(
                "offence_code_recorded", {k: v for k, (v, _) in offence_codes.LEGACY.items()}
            ).replace(" END", " ELSE offence_code_recorded END"),
        ),
        Derived(
            "offence_group",
            "TEXT",
            "ONS offence group of the (current) offence code, e.g. `violence with injury`.",
            _case_map(
                "offence_code_recorded",
                {c: o.group for c, o in offence_codes.OFFENCES.items()}
                | {
                    k: offence_codes.OFFENCES[v].group for k, (v, _) in offence_codes.LEGACY.items()
                },
            ),
        ),
        Derived(
            "police_uk_crime_type",
            "TEXT",
            "The police.uk crime type the offence is published under (for reconciliation).",
            _case_map(
                "offence_code_recorded",
                {c: o.police_uk_type for c, o in offence_codes.OFFENCES.items()}
                | {
                    k: offence_codes.OFFENCES[v].police_uk_type
                    for k, (v, _) in offence_codes.LEGACY.items()
                },
            ),
        ),
        Derived(
            "offence_time_known",
            "BOOLEAN",
            "True when Offence from gave a time of day (not just a date).",
            "raw_offence_from LIKE '%:%'",
        ),
        Derived(
            "month",
            "DATE",
            "First day of the month of the Recorded date.",
            "date_trunc('month', recorded_date)::DATE",
        ),
    ),
)
