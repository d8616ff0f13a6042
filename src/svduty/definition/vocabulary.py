"""The vocabularies a definition's rules may use, each taken from the source that records it."""

from __future__ import annotations

from svduty.sources import ed_assaults, offence_codes, police_crime

OFFENCE_GROUPS: frozenset[str] = frozenset(o.group for o in offence_codes.OFFENCES.values())
POLICE_LOCATION_TYPES: tuple[str, ...] = tuple(police_crime.LOCATION_TYPES)
ISTV_LOCATION_TYPES: tuple[str, ...] = tuple(ed_assaults.LOCATION_TYPES)
ASSAULT_METHODS: tuple[str, ...] = tuple(ed_assaults.METHODS)
# `place` is the one criterion written once for every source that records a kind of place.
PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "public_space": {
        "police_crime": police_crime.PUBLIC_SPACE,
        # ISTV lumps streets, parks, transport and shops into public_place; education is public
        # space in the police list too, so both lists mean the same places.
        "ed_assault": ("public_place", "licensed_premises", "education"),
    },
}
# ICD-10 external-cause groups, as the hospital admissions feed counts them (docs/sources.md,
# "The success measures").
ICD10_GROUPS: dict[str, str] = {
    "X99": "Assault by sharp object (the VRU hospital success measure)",
    "X85-Y09": "Assault, all methods (PHOF hospital admissions for violence)",
}
SEXES: tuple[str, ...] = ("Male", "Female", "Other", "Not known")
FLAGS: dict[str, str] = {
    "knife": "knife_flag",
    "firearm": "firearm_flag",
    "domestic_abuse": "domestic_abuse_flag",
    "alcohol": "alcohol_flag",
    "drugs": "drugs_flag",
    "exploitation": "exploitation_flag",
}

# Criteria that say *what happened*, each in one source's vocabulary. A source uses its own and
# ignores the others: they are one criterion written several ways, not several criteria.
WHAT_KEYS: tuple[str, ...] = (
    "offence_codes",
    "offence_groups",
    "crime_types",
    "assault_methods",
    "icd10",
)
CRITERIA_KEYS: tuple[str, ...] = (
    *WHAT_KEYS,
    "victim_age",
    "suspect_age",
    "victim_sex",
    "place",
    "location_types",
    "istv_location_types",
    "flags",
)
AGE_MIN, AGE_MAX = 0, 120
