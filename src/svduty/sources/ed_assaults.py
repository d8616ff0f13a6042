"""Emergency department assaults: the ISTV minimum data set (feed 2, docs/feeds/ed-assaults.md).

Information Sharing to Tackle Violence (ISTV, the Cardiff Model) asks every type 1 emergency
department to send its community safety partnership, at least monthly, one row per attendance
for assault: when and where it happened and how (docs/sources.md, "ISTV and the Cardiff
Model"). The columns follow the NHS
Data Dictionary "ISTV Minimum Data Set": the header items REPORTING PERIOD START DATE,
REPORTING PERIOD END DATE and SITE CODE (OF TREATMENT) (XML an3 to an12, hence the 3 to 12
letters and digits checked here), and the ASSAULT group items ARRIVAL DATE AND TIME AT A&E
DEPARTMENT, ASSAULT DATE AND TIME, ASSAULT METHOD, ASSAULT METHOD OTHER DESCRIPTION, ASSAULT
LOCATION TYPE and ASSAULT LOCATION DESCRIPTION. In a CSV the header items repeat on every row.
LSOA code, Age band and Sex are not in the minimum data set; they are optional columns for
departments that geocode the location (as the NHS `istv` R package does) or share banded
demographics.

This is health data: s16 of the 2022 Act does not cover health personal information, so the
file must arrive anonymised. Identifier columns refuse the file, and so does an NHS number or
a full postcode in the free text (the location description is a 255-character free-text field
in ECDS that often carries them).

Where the code lists come from:

- ASSAULT METHOD: the national ISTV codes could not be retrieved (docs/sources.md, [U]). The
  canonical codes here are **ours**, built from the 2014 ISTV standard (ISB1594: "primary means
  of assault (weapon or body part)"), the RCEM 2017 guideline (receptionists record the weapon)
  and the Home Office success measure, which needs knife or sharp object on its own
  (`knife_sharp`, the ED counterpart of ICD-10 X99). Common spellings are accepted
  (METHOD_SPELLINGS).
- ASSAULT LOCATION TYPE: the national ISTV codes could not be retrieved either. The canonical
  codes are **ours**; `licensed_premises` is kept apart from `public_place` because pubs and
  clubs are what Cardiff Model partnerships act on. The CDS element A&E INCIDENT LOCATION TYPE
  codes 10 Home, 40 Work, 50 Educational, 60 Public place, 91 Other (NHS Data Dictionary,
  archive of September 2020, [V]) are accepted as spellings of ours.
- Age band and Sex use the framework's kinds (svduty.sources.feed.KINDS).
"""

from __future__ import annotations

from svduty.sources.feed import Check, Column, Derived, Feed

SOURCE = "ed-assaults"

# How long before the reporting period an assault may have happened. An ISTV return covers the
# attendances of its period; people mostly attend within hours of an assault, and sometimes a
# few days later. An assault more than a week before the period is far more often a keying
# slip (the wrong year or month, day and month swapped) than a late attendance, so the row is
# quarantined for the department to confirm rather than counted in the wrong month.
ASSAULT_LEAD_DAYS = 7

METHODS: dict[str, str] = {
    "body": "Body part (hit, kicked, punched, head-butted, bitten)",
    "knife_sharp": "Knife or other sharp object",
    "blunt": "Blunt object (bat, club, stick, tool)",
    "glass": "Glass or bottle",
    "firearm": "Firearm",
    "other": "Other (say what in Assault method other description)",
    "not_known": "Not known",
}
METHOD_SPELLINGS: dict[str, str] = {
    "body part": "body",
    "body parts": "body",
    "hit, kicked, punched": "body",
    "hit, kicked or punched": "body",
    "hit/kicked/punched": "body",
    "hit kicked punched": "body",
    "hit": "body",
    "kicked": "body",
    "punched": "body",
    "fist": "body",
    "fists": "body",
    "fists/feet": "body",
    "knife": "knife_sharp",
    "knife or sharp object": "knife_sharp",
    "knife/sharp object": "knife_sharp",
    "knife or sharp instrument": "knife_sharp",
    "knife/sharp": "knife_sharp",
    "sharp object": "knife_sharp",
    "sharp instrument": "knife_sharp",
    "blade": "knife_sharp",
    "bladed article": "knife_sharp",
    "blunt object": "blunt",
    "blunt instrument": "blunt",
    "bottle": "glass",
    "glass/bottle": "glass",
    "bottle or glass": "glass",
    "bottle/glass": "glass",
    "gun": "firearm",
    "firearms": "firearm",
    "other weapon": "other",
    "unknown": "not_known",
    "not recorded": "not_known",
    "not stated": "not_known",
}

LOCATION_TYPES: dict[str, str] = {
    "home": "Home (a private dwelling or its grounds)",
    "work": "Workplace",
    "education": "School, college, university or other educational establishment",
    "public_place": "Public place: street, park, transport and other public places",
    "licensed_premises": "Pub, bar, nightclub or other licensed premises",
    "other": "Other",
    "not_known": "Not known",
}
# The CDS A&E INCIDENT LOCATION TYPE codes (docs/sources.md, "ISTV and the Cardiff Model") and
# common words for ours.
LOCATION_SPELLINGS: dict[str, str] = {
    "10": "home",
    "40": "work",
    "50": "education",
    "60": "public_place",
    "91": "other",
    "at home": "home",
    "dwelling": "home",
    "private dwelling": "home",
    "workplace": "work",
    "place of work": "work",
    "educational": "education",
    "educational establishment": "education",
    "school": "education",
    "public place": "public_place",
    "street": "public_place",
    "licensed premises": "licensed_premises",
    "pub": "licensed_premises",
    "pub/club": "licensed_premises",
    "pub or club": "licensed_premises",
    "bar": "licensed_premises",
    "club": "licensed_premises",
    "nightclub": "licensed_premises",
    "unknown": "not_known",
    "not recorded": "not_known",
}


def _accepted(codes: dict[str, str], spellings: dict[str, str]) -> dict[str, str]:
    """Every accepted spelling -> canonical code: the codes themselves, their labels, others."""
    accepted = {code: code for code in codes}
    accepted |= {label.lower(): code for code, label in codes.items()}
    accepted |= spellings
    return accepted


def _described(codes: dict[str, str]) -> str:
    return "; ".join(f"`{k}` {v}" for k, v in codes.items())


def _spellings(spellings: dict[str, str]) -> str:
    return ", ".join(f'"{k}" ({v})' for k, v in spellings.items())


# The upper and lower bound of a canonical age band ("18-24", "65+"); null for "All ages".
_BAND_LOW = (
    "CASE WHEN regexp_full_match(age_band, '\\d+-\\d+') THEN TRY_CAST(split_part(age_band, '-', 1)"
    " AS INTEGER) WHEN regexp_full_match(age_band, '\\d+\\+') THEN TRY_CAST(rtrim(age_band, '+')"
    " AS INTEGER) END"
)
_BAND_HIGH = (
    "CASE WHEN regexp_full_match(age_band, '\\d+-\\d+') THEN TRY_CAST(split_part(age_band, '-', 2)"
    " AS INTEGER) END"
)

FEED = Feed(
    source=SOURCE,
    table="ed_assault",
    title="Emergency department assaults (ISTV)",
    description=(
        "One row per attendance at an emergency department for an injury from assault, as "
        "shared under Information Sharing to Tackle Violence (ISTV minimum data set, the "
        "Cardiff Model). Anonymised at source: no patient identifiers are taken, and a file "
        "carrying any is refused whole."
    ),
    columns=(
        Column(
            "Site code",
            "site_code",
            "text",
            "ODS code of the emergency department's site (SITE CODE (OF TREATMENT)): 3 to 12 "
            "capital letters and digits.",
            required=True,
            example="RA701",
        ),
        Column(
            "Reporting period start",
            "period_start",
            "date",
            "First day of the period the return covers (REPORTING PERIOD START DATE).",
            required=True,
            example="2024-03-01",
        ),
        Column(
            "Reporting period end",
            "period_end",
            "date",
            "Last day of the period the return covers (REPORTING PERIOD END DATE); ISTV "
            "returns are at least monthly.",
            required=True,
            example="2024-03-31",
        ),
        Column(
            "Arrival date and time",
            "arrival_at",
            "datetime",
            "When the patient arrived at the department (ARRIVAL DATE AND TIME AT A&E "
            "DEPARTMENT), local time. Its date must fall in the reporting period.",
            example="2024-03-02 01:25",
        ),
        Column(
            "Assault date and time",
            "assault_at",
            "datetime",
            "When the assault happened, as the patient reported it (ASSAULT DATE AND TIME), "
            "local time. A date without a time is read as the start of that day (assault_hour "
            "is then null).",
            required=True,
            example="2024-03-02 00:40",
        ),
        Column(
            "Assault method",
            "assault_method",
            "code",
            "How the injury was inflicted (ASSAULT METHOD): "
            + _described(METHODS)
            + ". The codes are svduty's own (the national list was not available); the "
            "accepted spellings are listed under Notes.",
            required=True,
            codes=_accepted(METHODS, METHOD_SPELLINGS),
            example="Knife or sharp object",
        ),
        Column(
            "Assault method other description",
            "assault_method_other",
            "text",
            "The method in words when it is `other` (ASSAULT METHOD OTHER DESCRIPTION).",
            example="Dog set on victim",
        ),
        Column(
            "Assault location type",
            "location_type",
            "code",
            "Kind of place the assault happened (ASSAULT LOCATION TYPE): "
            + _described(LOCATION_TYPES)
            + ". The CDS A&E incident location type codes 10, 40, 50, 60 and 91 are accepted.",
            required=True,
            codes=_accepted(LOCATION_TYPES, LOCATION_SPELLINGS),
            example="60",
        ),
        Column(
            "Assault location description",
            "location_description",
            "text",
            "Where the assault happened, in words: a venue, street or area (ASSAULT LOCATION "
            "DESCRIPTION). Never a home address, a full postcode or an NHS number: a file "
            "with a full postcode or an NHS number here is refused whole.",
            example="Outside nightclub, Harbourside",
        ),
        Column(
            "LSOA code",
            "lsoa_code",
            "lsoa",
            "LSOA of the assault location, only where the department geocodes the "
            "description (e.g. with the NHS `istv` package); blank otherwise.",
            example="E01014540",
        ),
        Column(
            "Age band",
            "age_band",
            "age_band",
            "Patient's age band at attendance (never a date of birth).",
            example="18-24",
        ),
        Column("Sex", "sex", "sex", "Patient's sex.", example="Male"),
    ),
    period=("period_start", "period_end"),
    covers="string_agg(DISTINCT site_code, ',' ORDER BY site_code)",
    unique_key=("site_code",),
    file_key=(),  # every row is an attendance of its own (no attendance identifier to compare)
    checks=(
        Check(
            "Site code",
            "site_code_form",
            "NOT regexp_full_match(site_code, '[A-Z0-9]{3,12}')",
            "'Site code is not an ODS site code: 3 to 12 capital letters and digits, e.g. RA701'",
        ),
        Check(
            "Reporting period end",
            "period_order",
            "period_end < period_start",
            "'Reporting period end (' || shown_period_end || ') is before Reporting period start ('"
            " || shown_period_start || '); swap them'",
        ),
        Check(
            "Assault date and time",
            "assault_after_arrival",
            "assault_at > arrival_at",
            "'Assault date and time (' || shown_assault_at || ') is after Arrival date and time ('"
            " || shown_arrival_at || '); the assault must come before the attendance: check both, "
            "and that day and month are not swapped'",
        ),
        Check(
            "Arrival date and time",
            "arrival_outside_period",
            "arrival_at::DATE NOT BETWEEN period_start AND period_end",
            "'Arrival date and time (' || shown_arrival_at || ') is outside the reporting period ('"
            " || shown_period_start || ' to ' || shown_period_end || '); a return holds the "
            "attendances of its own period: send this one with the period it arrived in'",
        ),
        Check(
            "Assault date and time",
            "assault_outside_period",
            f"assault_at < period_start - INTERVAL {ASSAULT_LEAD_DAYS} DAY "
            "OR assault_at >= period_end + INTERVAL 1 DAY",
            "'Assault date and time (' || shown_assault_at || ') is not within the reporting "
            "period (' || shown_period_start || ' to ' || shown_period_end || ') or the "
            f"{ASSAULT_LEAD_DAYS} days before it; check the year, the month, and that day and "
            "month are not swapped'",
        ),
    ),
    derived=(
        Derived(
            "month",
            "DATE",
            "First day of the month of the assault (Assault date and time).",
            "date_trunc('month', assault_at)::DATE",
        ),
        Derived(
            "assault_hour",
            "INTEGER",
            "Hour of the day of the assault, 0 to 23; null when only a date was given.",
            "CASE WHEN raw_assault_at LIKE '%:%' THEN CAST(hour(assault_at) AS INTEGER) END",
        ),
        Derived(
            "assault_weekday",
            "INTEGER",
            "ISO day of the week of the assault: 1 Monday to 7 Sunday.",
            "CAST(isodow(assault_at) AS INTEGER)",
        ),
        Derived(
            "knife_or_sharp",
            "BOOLEAN",
            "True when the method is `knife_sharp` (a knife or other sharp object): the ED "
            "counterpart of the success measure on assault with a sharp object.",
            "assault_method = 'knife_sharp'",
        ),
        Derived(
            "under_25",
            "BOOLEAN",
            "True when the age band lies wholly under 25 (e.g. 18-24), false when it lies "
            "wholly at 25 or over (e.g. 25-34, 65+), null when it straddles 25 (e.g. 20-29) "
            "or the band is blank or All ages.",
            f"CASE WHEN ({_BAND_HIGH}) < 25 THEN true WHEN ({_BAND_LOW}) >= 25 THEN false END",
        ),
    ),
    health=True,
    notes=(
        "One file per site and reporting period is the expected shape. A later file for the "
        "same site and period replaces the earlier; one that overlaps it in part is refused.",
        "Checks on time: the assault must not be after the arrival; the arrival must fall in "
        "the reporting period; the assault must fall in the reporting period or the "
        f"{ASSAULT_LEAD_DAYS} days before it (people sometimes attend days after an assault; "
        "an earlier date is far more often a keying slip, so the row is quarantined to be "
        "confirmed).",
        "Assault method spellings accepted besides the codes and their labels (any case): "
        + _spellings(METHOD_SPELLINGS)
        + ".",
        "Assault location type spellings accepted besides the codes and their labels (any "
        "case): " + _spellings(LOCATION_SPELLINGS) + ".",
        "Site code must be in capitals, as ODS publishes it: a lower-case code is quarantined "
        "rather than changed, so a site is always counted under one code.",
    ),
)
