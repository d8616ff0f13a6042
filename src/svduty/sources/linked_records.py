"""Record-level feeds that carry linkage encodings: youth justice, probation, education and
children's social care (docs/feeds/<feed>-records.md, docs/people.md).

One row is one event a service recorded about a person (a disposal, an order, an exclusion, a
child protection plan), with the person as a linkage encoding made by `svduty encode` on the
partner's own machine (privacy.linkage): never a name, a date of birth or a postcode. A file
holding one of those is refused whole, and the message says to run `svduty encode` first. The
four feeds share one declaration and one table, `linked_record`; `feed` says whose row it is.
They differ only in their events.
"""

from __future__ import annotations

from svduty.sources import ethnicity
from svduty.sources.aggregates import AREA_TYPE_SQL, AREAS_LISTED
from svduty.sources.feed import Column, Derived, Feed

TABLE = "linked_record"

TABLE_DESCRIPTION = (
    "Events services recorded about people (youth justice, probation, education, children's "
    "social care), one row per event, the person as a linkage encoding (a Bloom filter of "
    "name, date of birth, sex and postcode district made under the partners' linkage key by "
    "`svduty encode`). No name, date of birth or postcode is held. `feed` says which feed the "
    "row came from. `svduty link` links the encodings across feeds (docs/people.md)."
)

# Each feed's events: code -> meaning.
EVENTS: dict[str, dict[str, str]] = {
    "youth-justice-records": {
        "first_time_entrant": "first caution or conviction (a first time entrant)",
        "out_of_court_disposal": "youth caution, youth conditional caution or community resolution",
        "court_disposal": "a court sentence in the community (referral or youth "
        "rehabilitation order)",
        "custody": "a custodial sentence",
        "prevention": "a prevention or diversion programme",
        "other": "another youth justice event",
    },
    "probation-records": {
        "community_order": "a community order",
        "suspended_sentence": "a suspended sentence order",
        "licence": "release from custody on licence",
        "pre_sentence_report": "a pre-sentence report",
        "other": "another probation event",
    },
    "education-records": {
        "suspension": "a suspension (fixed-period exclusion)",
        "permanent_exclusion": "a permanent exclusion",
        "alternative_provision": "a placement in alternative provision",
        "persistent_absence": "persistent absence (10% or more of sessions missed in a term)",
        "other": "another education event",
    },
    "childrens-social-care-records": {
        "referral": "a referral to children's social care",
        "child_in_need": "a child in need plan",
        "child_protection_plan": "a child protection plan",
        "looked_after": "started to be looked after",
        "exploitation_concern": "a concern of criminal or sexual exploitation",
        "other": "another children's social care event",
    },
}

TITLES = {
    "youth-justice-records": "Youth justice records (linkage encodings)",
    "probation-records": "Probation records (linkage encodings)",
    "education-records": "Education records (linkage encodings)",
    "childrens-social-care-records": "Children's social care records (linkage encodings)",
}

SENDERS = {
    "youth-justice-records": "the youth justice service (youth offending team)",
    "probation-records": "the Probation Service region",
    "education-records": "the local authority's education service",
    "childrens-social-care-records": "the local authority's children's social care",
}


def _covers_sql(source: str) -> str:
    """The feed and its areas (listed, or counted with a fingerprint): two services of one kind
    (two youth justice services) sending the same period both load."""
    areas = "string_agg(DISTINCT area_code, ', ' ORDER BY area_code)"
    return (
        f"'{source} in ' || CASE WHEN count(DISTINCT area_code) = 0 THEN 'no stated area' "
        f"WHEN count(DISTINCT area_code) <= {AREAS_LISTED} THEN {areas} "
        "ELSE count(DISTINCT area_code) || ' areas, ' || min(area_code) || ' to ' || "
        f"max(area_code) || ' #' || left(md5({areas}), 8) END"
    )


def linked_feed(source: str) -> Feed:
    events = EVENTS[source]
    columns = (
        Column(
            "Linkage encoding",
            "linkage_encoding",
            "encoding",
            "The person, as `svduty encode` encoded their name, date of birth, sex and postcode "
            "district under the partners' linkage key. Never shown.",
            required=True,
        ),
        Column(
            "Event",
            "event",
            "code",
            "What the service recorded: one of the feed's event codes (its Notes list them).",
            required=True,
            codes={k: k for k in events} | {k.replace("_", " "): k for k in events},
            example=next(iter(events)),
        ),
        Column(
            "Event date",
            "event_date",
            "date",
            "When it happened (the disposal, the start of the order or plan, the exclusion).",
            required=True,
            example="2024-02-19",
        ),
        Column("Age", "age", "age", "Age in years at the event.", example="15"),
        Column("Age band", "age_band", "age_band", "Age band at the event, when no age is sent."),
        Column("Sex", "sex", "sex", "The person's sex as the service records it.", example="M"),
        Column(
            "Ethnicity",
            "ethnicity",
            "code",
            "Ethnic group, 2021 Census categories (ONS), or `Not stated`; optional. The full "
            "name, the name after the colon, or the short code is accepted "
            "(svduty.sources.ethnicity).",
            codes=ethnicity.codes(),
            example="White: Irish",
        ),
        Column(
            "Area code",
            "area_code",
            "area",
            "Where the person lived at the event: an LSOA code, or the local authority's.",
            example="E01014399",
        ),
    )
    return Feed(
        source=source,
        table=TABLE,
        title=TITLES[source],
        description=(
            f"One row per event {SENDERS[source]} recorded about a person, the person as a "
            "linkage encoding (`svduty encode`), never by name, date of birth or postcode. "
            "Record level; linked across services by `svduty link`."
        ),
        columns=columns,
        period=("event_date", "event_date"),
        covers=_covers_sql(source),
        # The same person, event and date twice is one event counted twice.
        unique_key=("feed", "linkage_encoding", "event", "event_date"),
        overlap_by_period=False,
        derived=(
            Derived(
                "feed",
                "TEXT NOT NULL",
                "The feed the row came from (`youth-justice-records`, `probation-records`, "
                "`education-records` or `childrens-social-care-records`).",
                f"'{source}'",
            ),
            Derived("area_type", "TEXT", "Kind of area, from the code's prefix.", AREA_TYPE_SQL),
        ),
        health=source == "childrens-social-care-records",
        notes=(
            *(f"Event `{k}`: {v}." for k, v in events.items()),
            "Make the file with `svduty encode "
            + source
            + " FILE --linkage-key KEYFILE --out OUT` on your own machine: FILE is this feed's "
            "columns with `Given name`, `Family name`, `Date of birth` and `Postcode` in place "
            "of `Linkage encoding` (docs/people.md, Linking people across services).",
            "A linkage encoding is pseudonymised personal data under UK GDPR, not anonymous: "
            "the data sharing agreement must cover sending it.",
            *(
                (
                    "Children's social care: the file carries no identifier (a name, a date of "
                    "birth or a postcode refuses it), only encodings. s16 of the 2022 Act is "
                    "not a gateway for social care personal information, so the agreement must "
                    "name the gateway it relies on; svduty's portal treats the feed as health "
                    "and social care (aggregate or anonymised agreements only) until the "
                    "partnership decides otherwise.",
                )
                if source == "childrens-social-care-records"
                else ()
            ),
        ),
        table_description=TABLE_DESCRIPTION,
    )


FEEDS: tuple[Feed, ...] = tuple(linked_feed(source) for source in EVENTS)
