"""Screening free text for what would identify a person: names, phone numbers, email addresses,
full postcodes and NHS numbers (with the NHS number's modulus 11 check digit).

Every feed refuses a file whose values hold a full postcode or an NHS number (sources.feed).
Survey and consultation answers (the community-voice feed) are free text written by the public,
where a name or a phone number is expected now and then; there the response that holds one is
held back (quarantined with the kind of identifier found, never the value) for a person to
redact, and the rest of the file loads. `find` says what a text holds; it never returns the
value it found, so nothing downstream (a reason, a log line, a page) can repeat it.

Names cannot be recognised with certainty by a pattern. The screen errs towards holding back:
a title before a capitalised word (Mr Smith), a phrase that introduces a name ("my name is",
"called", "named"), a capitalised first name from a list of common ones, or an @handle. A held
back response costs a person a minute's reading; a name published costs far more.
"""

from __future__ import annotations

import re

# A full UK postcode: outward code (area, district) and inward code (sector, unit). An outward
# code alone (BS1) names thousands of addresses and is not screened.
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)
# Ten digits, as 3-3-4 with optional spaces or hyphens; the check digit decides (nhs_number_valid).
NHS_CANDIDATE = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
# A UK phone number: 0 or +44 then 9 or 10 more digits, spaces, hyphens or brackets between.
PHONE = re.compile(r"(?<![\d+])(?:\+\s?44\s?(?:\(0\)\s?)?|\(?0)(?:[\s\-()]*\d){9,10}(?!\d)")
HANDLE = re.compile(r"(?<![\w.])@[A-Za-z0-9_]{2,}")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|PC|DC|Sgt)\.?\s+[A-Z][a-z'-]+")
# After "my name is" any word is taken as a name; after "called", "named" or "my friend" only a
# capitalised one ("we called the police" is common, "we called Tuesday" holds a name back).
_NAMING = re.compile(r"\b(?:my name is|my name's|i am called|i'm called)\s+\w", re.IGNORECASE)
_INTRO = re.compile(  # the phrase in any case, the name capitalised
    r"\b(?i:called|named|known as|"
    r"my (?:son|daughter|brother|sister|friend|mum|dad|partner|neighbour)(?: is)?)\s+"
    r"([A-Z][a-z'-]+)"
)
_CAPITALISED = re.compile(r"\b[A-Z][a-z'-]+\b")

# Common given names in England and Wales (hand-compiled, not a published table): a capitalised
# word that is one of these is taken as a name. Words that are also ordinary words or places in
# the area (May, Bath, Rose, Grant) are left out to limit false alarms.
_NAMES = """
    Aaliyah Aaron Abdul Abigail Adam Aisha Alex Alexander Alfie Ali Alice Amber Amelia Amir Amy
    Andrew Anna Archie Arthur Ava Ben Benjamin Bethany Callum Charlie Charlotte Chloe Chris
    Christopher Connor Daniel David Dylan Eleanor Elijah Elizabeth Ella Ellie Emily Emma Ethan
    Evie Finley Freddie Freya George Georgia Grace Hannah Harley Harrison Harry Harvey Henry
    Holly Isaac Isabella Isabelle Isla Ivy Jack Jacob Jake James Jamie Jasmine Jayden Jessica
    Joe John Joseph Joshua Kai Katie Kayden Kieran Kyle Lacey Laura Leah Leo Lewis Liam Lily Logan
    Louie Louis Lucas Lucy Luke Maisie Mason Matthew Max Megan Mia Michael Millie Mohammed
    Mohammad Muhammad Molly Noah Oliver Olivia Oscar Paul Phoebe Poppy Rebecca Reece Riley Robert
    Rosie Ruby Ryan Sam Samuel Sarah Scarlett Sebastian Sienna Sophie Sophia Stephen Taylor
    Theo Thomas Tommy Tyler William Zac Zachary Zara
    """
COMMON_NAMES = frozenset(_NAMES.split())

# The kinds, in the order they are looked for; the code is the quarantine's reason code suffix.
KINDS: dict[str, str] = {
    "nhs_number": "an NHS number",
    "email": "an email address",
    "phone": "a phone number",
    "postcode": "a full postcode",
    "name": "what may be a person's name",
}


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary, NHS NUMBER)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def has_nhs_number(text: str, candidate: re.Pattern = NHS_CANDIDATE) -> bool:
    return any(nhs_number_valid("".join(m.groups())) for m in candidate.finditer(text))


def has_name(text: str) -> bool:
    if any(p.search(text) for p in (_TITLE, _NAMING, _INTRO, HANDLE)):
        return True
    return any(w in COMMON_NAMES for w in _CAPITALISED.findall(text))


def find(text: str | None) -> list[str]:
    """The kinds of identifier (keys of KINDS) `text` looks like it holds, in KINDS order."""
    if not text:
        return []
    found = []
    if has_nhs_number(text):
        found.append("nhs_number")
    if EMAIL.search(text):
        found.append("email")
    if any(
        not nhs_number_valid(re.sub(r"\D", "", m.group())) for m in PHONE.finditer(text)
    ):  # ten digits that pass the NHS check are reported as an NHS number, not twice
        found.append("phone")
    if POSTCODE.search(text):
        found.append("postcode")
    if has_name(text):
        found.append("name")
    return found


def described(kinds: list[str]) -> str:
    """The kinds found, in words: 'a phone number and an email address'."""
    words = [KINDS[k] for k in kinds]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
