"""Community and young people's voice: survey and consultation responses
(docs/feeds/community-voice.md).

One row per response: when and how it was collected, the respondent's age band and area, their
answers to the closed questions, what they said in their own words, and whether they agreed to
be quoted. The response reference is an identifier (a survey tool can link it to the person), so
it is replaced by a keyed token at the door. The free text is screened row by row
(sources.screen): a response whose words hold a name, phone number, email address, full postcode
or NHS number is held back, quarantined with the kind found and never the words, for a person to
redact and send again; the rest of the file loads.
"""

from __future__ import annotations

from svduty.sources.feed import Check, Column, Feed

SOURCE = "community-voice"

METHODS = {
    "survey": "survey",
    "online survey": "survey",
    "paper survey": "survey",
    "consultation": "consultation_event",
    "consultation event": "consultation_event",
    "consultation_event": "consultation_event",
    "event": "consultation_event",
    "focus group": "focus_group",
    "focus_group": "focus_group",
    "interview": "interview",
    "youth forum": "youth_forum",
    "youth_forum": "youth_forum",
    "youth council": "youth_forum",
}

SAFETY = {
    "very safe": "very_safe",
    "very_safe": "very_safe",
    "fairly safe": "fairly_safe",
    "fairly_safe": "fairly_safe",
    "a bit unsafe": "a_bit_unsafe",
    "a_bit_unsafe": "a_bit_unsafe",
    "fairly unsafe": "a_bit_unsafe",
    "very unsafe": "very_unsafe",
    "very_unsafe": "very_unsafe",
    "don't know": "dont_know",
    "dont know": "dont_know",
    "dont_know": "dont_know",
    "prefer not to say": "prefer_not_to_say",
    "prefer_not_to_say": "prefer_not_to_say",
}

FEED = Feed(
    source=SOURCE,
    table="community_voice",
    title="Community and young people's voice (survey and consultation responses)",
    description=(
        "One row per response to a survey or consultation run by the partnership or a partner: "
        "the respondent's age band and area, answers to the closed questions, the free text and "
        "consent to quote. No names or contact details: a response whose free text holds one is "
        "held back for a person to redact."
    ),
    columns=(
        Column(
            "Response reference",
            "response_ref",
            "identifier",
            "The survey tool's reference for the response; the analyst's corrections of theme "
            "coding name a response by it (or by the token `svduty voice code` shows).",
            required=True,
            example="YS24-0193",
        ),
        Column(
            "Collected date",
            "collected_on",
            "date",
            "The day the response was given.",
            required=True,
            example="2024-06-14",
        ),
        Column(
            "Method",
            "method",
            "code",
            "How the response was collected.",
            codes=METHODS,
            example="survey",
        ),
        Column(
            "Age band",
            "age_band",
            "age_band",
            "The respondent's age band as the survey asked it (e.g. 11-15, 16-17, 18-24, 25-64, "
            "65+); blank when not given.",
            example="16-17",
        ),
        Column(
            "Area code",
            "area_code",
            "area",
            "ONS code of the area the respondent lives in or spoke about (local authority or "
            "ward; an LSOA is accepted but is never shown below the disclosure threshold); "
            "blank when not given.",
            example="E06000023",
        ),
        Column(
            "Feel safe",
            "feel_safe",
            "code",
            "Closed question: how safe the respondent feels in their area after dark.",
            codes=SAFETY,
            example="a bit unsafe",
        ),
        Column(
            "Seen violence",
            "seen_violence",
            "flag",
            "Closed question: whether the respondent has seen violence in their area in the "
            "last 12 months.",
            example="Y",
        ),
        Column(
            "Response text",
            "response_text",
            "text",
            "What the respondent said in their own words (the open question). Screened for "
            "names, phone numbers, emails, postcodes and NHS numbers; never shown in a message.",
            example="There is nothing for us to do after school and the park is not safe.",
        ),
        Column(
            "Consent to quote",
            "consent_to_quote",
            "flag",
            "Y when the respondent agreed that their words may be quoted (without their name) "
            "in the partnership's documents; blank or N means never quoted.",
            example="Y",
        ),
    ),
    checks=(
        Check(
            "Response text",
            "no_answer",
            "response_text IS NULL AND feel_safe IS NULL AND seen_violence IS NULL",
            "'the response answers no question (Feel safe, Seen violence and Response text are "
            "all blank); leave it out of the file'",
        ),
    ),
    period=("collected_on", "collected_on"),
    # A file covers its responses: a corrected file of the same responses replaces the earlier
    # one, a new survey loads beside it, and a file repeating another load's response is refused
    # (unique_key) rather than counting it twice.
    covers=(
        "'community-voice: ' || count(DISTINCT response_ref) || ' responses #' || "
        "left(md5(string_agg(DISTINCT response_ref, ',' ORDER BY response_ref)), 8)"
    ),
    unique_key=("response_ref",),
    overlap_by_period=False,
    screened=True,
    notes=(
        "Free text is screened response by response (svduty.sources.screen): an NHS number "
        "(ten digits passing the modulus 11 check), an email address, a UK phone number, a "
        "full postcode, or what may be a name (a title before a capitalised word, 'my name is' "
        "and similar, an @handle, or a common first name) holds the response back. It is "
        "quarantined with the kinds found (reason code `identifier_in_text`), never the words; "
        "redact it in the source and send the response again in a file of its own.",
        "The name screen is a heuristic: it holds back some responses that name no one (a "
        "street called after a person) and cannot promise to catch every name. Quotes are "
        "shown only where Consent to quote is Y, and a person should read them before a "
        "product is approved.",
        "Any value in another column that looks like a postcode or NHS number still refuses "
        "the whole file, as in every feed.",
    ),
)
