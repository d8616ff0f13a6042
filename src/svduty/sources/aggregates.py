"""The aggregate partner feeds (feeds 3 to 7): counts by period, area, age band, sex and measure.

Hospital admissions, youth justice, probation, fire and education send figures, not records.
They share one file layout and one canonical table, `partner_aggregate`; each feed has its own
measures, and the `feed` column says which feed a row came from. `aggregate_feed` builds the
declaration, so the five cannot drift apart in their columns (`feeds.canonical_tables` insists
that feeds sharing a table agree on its columns).

What a file covers is its feed, its measures and its areas: two youth offending teams sending
the same quarter for their own areas load side by side, and a corrected file for the same
areas, measures and period replaces the earlier one (warehouse.loads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from svduty.sources.feed import Check, Column, Derived, Feed

TABLE = "partner_aggregate"

TABLE_DESCRIPTION = (
    "Aggregate counts from the partners who send figures rather than records (feeds 3 to 7: "
    "hospital admissions for assault, youth justice, probation, fire and rescue, education and "
    "children's services). One row per period, area, age band, sex and measure; `feed` says "
    "which feed the row came from and `measure` what it counts. A count the sender suppressed "
    "is null with `suppressed` true. Each feed's file is described in docs/feeds/."
)

# The kind of area an ONS code names, from its first three characters. W14 is the Welsh
# community safety partnership prefix in the ONS lookup svduty carries (LAD19 -> CSP19);
# S12 and N09 are Scottish and Northern Irish councils, known to the reference's history.
AREA_TYPES: dict[str, tuple[str, ...]] = {
    "lsoa": ("E01", "W01"),
    "ward": ("E05", "W05"),
    "local_authority": ("E06", "E07", "E08", "E09", "W06", "S12", "N09"),
    "csp": ("E22", "W22", "W14"),
    "police_force_area": ("E23", "W15"),
    "region": ("E12",),
    "country": ("E92", "W92", "K04"),
}

# A file's areas are listed in its `covers` up to this many; beyond, they are summarised.
AREAS_LISTED = 10


@dataclass(frozen=True)
class Measure:
    """One thing a feed counts: its code, what it means, and other spellings accepted for it."""

    code: str
    meaning: str
    spellings: tuple[str, ...] = ()

    def accepted(self) -> tuple[str, ...]:
        """The code, its spellings, and the code with spaces or hyphens for underscores."""
        return (
            self.code,
            self.code.replace("_", " "),
            self.code.replace("_", "-"),
            *self.spellings,
        )


def _codes(measures: Sequence[Measure]) -> dict[str, str]:
    accepted: dict[str, str] = {}
    for m in measures:
        for spelling in m.accepted():
            key = spelling.lower()
            if accepted.get(key, m.code) != m.code:
                raise ValueError(f"{spelling!r} would mean both {accepted[key]} and {m.code}")
            accepted[key] = m.code
    return accepted


def _in(prefixes: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{p}'" for p in prefixes) + ")"


AREA_TYPE_SQL = (
    "CASE "
    + " ".join(f"WHEN left(area_code, 3) IN {_in(p)} THEN '{t}'" for t, p in AREA_TYPES.items())
    + " END"
)


def _covers_sql(source: str) -> str:
    """The feed, its measures and its areas (listed, or counted with a fingerprint of the list).

    The fingerprint keeps two files of many areas apart: "57 areas" alone would make one
    team's file replace another's.
    """
    areas = "string_agg(DISTINCT area_code, ', ' ORDER BY area_code)"
    return (
        f"'{source}: ' || string_agg(DISTINCT measure, ', ' ORDER BY measure) || ' in ' || "
        f"CASE WHEN count(DISTINCT area_code) <= {AREAS_LISTED} THEN {areas} "
        "ELSE count(DISTINCT area_code) || ' areas, ' || min(area_code) || ' to ' || "
        f"max(area_code) || ' #' || left(md5({areas}), 8) END"
    )


def aggregate_feed(
    source: str,
    *,
    title: str,
    description: str,
    measures: Sequence[Measure],
    notes: Sequence[str] = (),
    health: bool = False,
    examples: dict[str, str] | None = None,
) -> Feed:
    """The declaration of one aggregate feed; only its measures, words and examples differ."""
    ex = {
        "period_start": "2023-04-01",
        "period_end": "2024-03-31",
        "area_code": "E06000023",
        "age_band": "",
        "sex": "",
        "count": "",
        "denominator": "",
    } | (examples or {})
    columns = (
        Column(
            "Period start",
            "period_start",
            "date",
            "First day the count covers.",
            required=True,
            example=ex["period_start"],
        ),
        Column(
            "Period end",
            "period_end",
            "date",
            "Last day the count covers; the same day as Period start for a count on a date "
            "(a caseload, a snapshot).",
            required=True,
            example=ex["period_end"],
        ),
        Column(
            "Area code",
            "area_code",
            "area",
            "ONS code of the area the count is for (LSOA, ward, local authority, community "
            "safety partnership, police force area, region or country); former district codes "
            "are accepted for periods before a reorganisation.",
            required=True,
            example=ex["area_code"],
        ),
        Column(
            "Age band",
            "age_band_as_sent",
            "age_band",
            "Age band the count is for, as sent; blank means all ages (`age_band` holds the "
            "value used).",
            example=ex["age_band"],
        ),
        Column(
            "Sex",
            "sex_as_sent",
            "sex",
            "Sex the count is for, as sent; blank means persons (`sex` holds the value used).",
            example=ex["sex"],
        ),
        Column(
            "Measure",
            "measure",
            "code",
            "What is counted: one of the feed's measure codes (see Notes for what each means "
            "and the other spellings accepted).",
            required=True,
            codes=_codes(measures),
            example=measures[0].code,
        ),
        Column(
            "Count",
            "count",
            "count",
            "The number counted; * (or c) where the sender suppressed a small number, which "
            "loads as a null count with `suppressed` true.",
            required=True,
            example=ex["count"],
        ),
        Column(
            "Denominator",
            "denominator",
            "int",
            "What the count is out of, where the measure has one (e.g. pupils on roll for "
            "suspensions, children aged 10-17 for first time entrants); blank otherwise. It "
            "may not be less than Count.",
            example=ex["denominator"],
        ),
    )
    checks = (
        Check(
            "Period end",
            "period_order",
            "period_end < period_start",
            "'Period end (' || shown_period_end || ') is before Period start (' || "
            "shown_period_start || '); check the two dates (are they swapped?)'",
        ),
        Check(
            "Denominator",
            "negative",
            "denominator < 0",
            "'Denominator is negative (' || shown_denominator || '); it is a number of people, "
            "0 or more, or blank when the measure has none'",
        ),
        Check(
            "Count",
            "count_above_denominator",
            "count > denominator",
            "'Count (' || shown_count || ') is more than its Denominator (' || shown_denominator "
            "|| '); the count is out of the denominator, so one of them is wrong (or the "
            "Denominator belongs to another row)'",
        ),
    )
    derived = (
        Derived(
            "age_band",
            "TEXT NOT NULL",
            "Age band the count is for: the one sent, or `All ages` when none was.",
            "coalesce(age_band_as_sent, 'All ages')",
        ),
        Derived(
            "sex",
            "TEXT NOT NULL",
            "Sex the count is for: the one sent, or `Persons` when none was.",
            "coalesce(sex_as_sent, 'Persons')",
        ),
        Derived(
            "feed",
            "TEXT NOT NULL",
            "The feed the row came from (`hospital-admissions`, `youth-justice`, `probation`, "
            "`fire` or `education`), so that queries over the table can tell feeds apart.",
            f"'{source}'",
        ),
        Derived(
            "area_type",
            "TEXT",
            "Kind of area, from the code's prefix: "
            + "; ".join(f"`{t}` ({', '.join(p)})" for t, p in AREA_TYPES.items())
            + ".",
            AREA_TYPE_SQL,
        ),
    )
    measure_notes = tuple(
        f"Measure `{m.code}`: {m.meaning} Also accepted: "
        + ", ".join(f"`{s}`" for s in dict.fromkeys(m.accepted()[1:]))
        + "."
        for m in measures
    )
    return Feed(
        source=source,
        table=TABLE,
        title=title,
        description=description,
        columns=columns,
        period=("period_start", "period_end"),
        covers=_covers_sql(source),
        unique_key=("feed", "measure", "area_code", "age_band", "sex"),
        checks=checks,
        derived=derived,
        health=health,
        notes=(
            *measure_notes,
            *notes,
            "What a file covers, in words: its feed, its measures and its areas (listed when "
            f"there are up to {AREAS_LISTED}, otherwise counted, with the first and last code "
            "and a fingerprint of the list), over its period. Two teams sending the same period "
            "for different areas both load; a corrected file with the same measures, areas and "
            "period replaces the earlier one.",
        ),
        table_description=TABLE_DESCRIPTION,
    )


HOSPITAL_ADMISSIONS = aggregate_feed(
    "hospital-admissions",
    title="Hospital admissions for assault (HES, aggregate)",
    description=(
        "Counts of hospital admissions for assault of residents of each area, by period, age "
        "band and sex, as Hospital Episode Statistics (HES) Admitted Patient Care gives them "
        "(feed 3). Health data: aggregate only."
    ),
    health=True,
    measures=(
        Measure(
            "admissions_assault_sharp_object",
            "admissions for assault by a sharp object, ICD-10 external cause X99 (the violence "
            "reduction units' primary hospital measure).",
            ("X99", "X99 assault by sharp object", "assault by sharp object"),
        ),
        Measure(
            "admissions_assault_all",
            "admissions for any assault, ICD-10 X85-Y09.",
            ("X85-Y09", "X85 - Y09", "X85\u2013Y09", "X85 to Y09", "all assault"),
        ),
    ),
    examples={"age_band": "0-24", "count": "*"},
    notes=(
        "Mirrors the HES Admitted Patient Care counts of admissions for assault that NHS "
        "England (formerly NHS Digital) supplies to the Home Office for the violence reduction "
        "unit measures (the Home Office holds HES APC under DARS-NIC-612092-Q0Y6F; "
        'docs/sources.md, "The success measures").',
        "X99 is counted as HES counts it, on the first external cause code, which leaves out "
        "accidental (W25/W26), self-inflicted (X78) and undetermined (Y28) sharp-object "
        "injuries. X85-Y09 is the range of the Public Health Outcomes Framework indicator "
        "'Hospital admissions for violence (including sexual violence)', which takes the code "
        "in any diagnosis position and counts first finished emergency admission episodes; "
        "which positions and admission methods an extract used is for the sender to state "
        "[U].",
        "HES disclosure control replaces sub-national counts of 1 to 7 with * (docs/sources.md, "
        '"Disclosure control"). '
        "Send * as it comes: it loads as a null count with `suppressed` true, never as 0.",
        "A rate needs a population: send the resident population of the area, age band and "
        "sex as Denominator when the extract has one, or leave it blank.",
    ),
)

YOUTH_JUSTICE = aggregate_feed(
    "youth-justice",
    title="Youth justice (youth offending team aggregates)",
    description=(
        "Counts from a youth offending team (youth justice service) for the areas it serves: "
        "first time entrants to the youth justice system, and children cautioned or sentenced "
        "for violence, by period, age band and sex (feed 4)."
    ),
    measures=(
        Measure(
            "first_time_entrants",
            "children aged 10 to 17 who received their first caution or conviction for a "
            "recordable offence in the period (first time entrants, FTE).",
            ("FTE", "first-time entrants", "first time entrants to the youth justice system"),
        ),
        Measure(
            "children_cautioned_violence",
            "youth cautions and youth conditional cautions given to children aged 10 to 17 for "
            "violence against the person.",
            ("children cautioned for violence", "cautions violence"),
        ),
        Measure(
            "children_sentenced_violence",
            "sentences given to children aged 10 to 17 for violence against the person.",
            ("children sentenced for violence", "sentences violence"),
        ),
    ),
    examples={"age_band": "10-17", "count": "84", "denominator": "41250"},
    notes=(
        "Mirrors the Youth Justice Board and Ministry of Justice Youth Justice Statistics. The "
        "first time entrants measure counts children aged 10 to 17 receiving their first "
        "caution or conviction for a recordable offence (a reprimand or final warning before "
        "youth cautions replaced them [U: April 2013]), from the Police National Computer, "
        "usually with a rate per 100,000 children aged 10-17 (send that "
        "population as Denominator). Cautions and sentences for violence by local area come "
        "from the team's own case management system [U: which published table they match].",
        "Each team sends its own areas. Files from two teams for the same period both load, "
        "because a file covers its feed, measures and areas; but two files that both include "
        "the same area and measure for the same period would count it twice, so send each "
        "area from one team only.",
    ),
)

PROBATION = aggregate_feed(
    "probation",
    title="Probation caseload (aggregate)",
    description=(
        "Counts from the Probation Service of people on probation whose offence was violence, "
        "by area, date, age band and sex (feed 5). Aggregate only."
    ),
    measures=(
        Measure(
            "people_on_probation_violence",
            "people under Probation Service supervision on the date (community order, "
            "suspended sentence order, licence or post-sentence supervision) whose index "
            "offence was violence against the person, each person counted once.",
            (
                "people on probation for violence",
                "probation caseload violence",
                "on probation violence",
            ),
        ),
    ),
    examples={
        "period_start": "2024-03-31",
        "period_end": "2024-03-31",
        "age_band": "18-24",
        "sex": "Male",
        "count": "212",
    },
    notes=(
        "Mirrors the probation caseload of the Ministry of Justice's Offender Management "
        "Statistics Quarterly, which counts each person under supervision on a date once "
        "however many orders they are under. A caseload is a count on a date: give that date "
        "as both Period start and Period end. Which offence grouping counts as violence "
        "locally (violence against the person only, or also robbery and sexual offences) is "
        "for the sender to state [U].",
        "Aggregate only: pseudonymised record-level probation data (one row per person, with "
        "a person reference tokenised at the door as in police-crime) is not taken yet.",
        "Probation delivery units broadly follow local authorities [U]; send local authority "
        "codes (or a police force area code for the whole area).",
    ),
)

FIRE = aggregate_feed(
    "fire",
    title="Fire and rescue: deliberate fires and attacks on crews",
    description=(
        "Counts from a fire and rescue service of deliberate fires and of attacks on its "
        "crews, by area and period (feed 6), from its Incident Recording System returns."
    ),
    measures=(
        Measure(
            "deliberate_primary_fires",
            "deliberate primary fires: fires in buildings, vehicles, outdoor structures, "
            "caravans, machinery or agricultural property, or any fire with casualties or "
            "rescues or attended by five or more appliances, started deliberately.",
            ("deliberate primary", "primary deliberate fires"),
        ),
        Measure(
            "deliberate_secondary_fires",
            "deliberate secondary fires: mostly outdoor fires (grassland, scrub, refuse, "
            "derelict buildings) that are not primary fires, started deliberately.",
            ("deliberate secondary", "secondary deliberate fires"),
        ),
        Measure(
            "attacks_on_crews",
            "attacks on firefighters at incidents (physical or verbal, or with objects thrown "
            "at crews or appliances [U: the categories the Home Office table uses]).",
            ("attacks on firefighters", "attacks on fire crews"),
        ),
    ),
    examples={"period_start": "2022-04-01", "period_end": "2023-03-31", "count": "312"},
    notes=(
        "Mirrors the Home Office fire statistics data tables, compiled from the Incident "
        "Recording System: deliberate fires by type (FIRE0402 [U: table number]) and attacks "
        "on firefighters (FIRE0508 [U: table number]). The primary and secondary fire "
        "definitions are those of the fire statistics releases.",
        "The published tables are by fire and rescue authority (Avon; Devon and Somerset), "
        "whose codes svduty's reference does not hold: send counts by local authority, ward or "
        "LSOA, or by police force area for the whole area. Periods before April 2023 may use "
        "the former Somerset districts (Mendip E07000187, Sedgemoor E07000188, South Somerset "
        "E07000189, Somerset West and Taunton E07000246).",
    ),
)

EDUCATION = aggregate_feed(
    "education",
    title="Education and children's services (local authority aggregates)",
    description=(
        "Counts from a local authority's education and children's services: suspensions and "
        "permanent exclusions, children in need, and 16 and 17 year olds not in education, "
        "employment or training, by area, period, age band and sex (feed 7)."
    ),
    measures=(
        Measure(
            "suspensions",
            "suspensions (formerly fixed period exclusions) from state-funded schools; send "
            "pupils on roll (headcount) as Denominator for a rate per 100 pupils.",
            ("fixed period exclusions", "fixed-period exclusions", "suspension"),
        ),
        Measure(
            "permanent_exclusions",
            "permanent exclusions from state-funded schools (upheld); send pupils on roll as "
            "Denominator.",
            ("permanent exclusion",),
        ),
        Measure(
            "children_in_need",
            "children in need (Children Act 1989 s17) on the date, or in the period, as the "
            "children in need census counts them.",
            ("CIN", "child in need"),
        ),
        Measure(
            "neet_16_17",
            "young people aged 16 and 17 not in education, employment or training (NEET); "
            "send the 16 and 17 year olds known to the authority as Denominator.",
            ("NEET", "NEET 16-17", "16-17 NEET", "NEET age 16 to 17"),
        ),
    ),
    examples={
        "period_start": "2022-09-01",
        "period_end": "2023-08-31",
        "count": "4210",
        "denominator": "61540",
    },
    notes=(
        "Suspensions and permanent exclusions mirror the Department for Education's "
        "'Suspensions and permanent exclusions in England' (school census, termly and by "
        "academic year; the rate is count / pupils x 100).",
        "Children in need mirrors the Department for Education's 'Children in need' "
        "statistics from the children in need census (children in need at 31 March, and "
        "episodes in the year ending 31 March) [U: which of the two a local authority sends].",
        "NEET mirrors the Department for Education's 'Participation in education, training "
        "and NEET age 16 to 17 by local authority' (National Client Caseload Information "
        "System; the annual figure is the average of December, January and February; the "
        "denominator is 16 and 17 year olds known to the authority). Its headline adds "
        "'activity not known' to NEET; `neet_16_17` is NEET alone [U: confirm with the sender].",
        "The Department for Education marks suppressed figures `c`, which loads as suppressed. "
        "Leave out rows marked `z` (not applicable) or `x` (not available) rather than sending "
        "them: they are not counts and would be quarantined.",
    ),
)

FEEDS: tuple[Feed, ...] = (HOSPITAL_ADMISSIONS, YOUTH_JUSTICE, PROBATION, FIRE, EDUCATION)
