"""SYNTHETIC people known to several services, with the truth kept aside (docs/synthetic.md).

Each synthetic person has a name, a date of birth, a sex and a postcode district; each service
that knows them recorded those details its own way, with the variation real records have: a
typo (a letter substituted, dropped or two swapped), a nickname for the formal name, the day
and month of birth swapped, a move to another postcode district, a postcode or a sex not
recorded. Siblings (same family name and district, different given name and date of birth)
make the linkage's mistakes possible, so measuring them means something.

The records are what a partner holds *before* `svduty encode`: they carry identifiers, all
invented, and every row says Synthetic = Y. The truth (which record is which person) is
returned apart and is never part of a feed file, so nothing loaded can know it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from svduty.privacy.linkage import NICKNAMES, age_on

FEEDS = (
    "youth-justice-records",
    "probation-records",
    "education-records",
    "childrens-social-care-records",
)
# The share of synthetic people each service knows (the cohort is young people at risk, so
# most are known to at least one; probation only to those aged 18 or over at the event).
KNOWN_BY = {
    "youth-justice-records": 0.45,
    "probation-records": 0.25,
    "education-records": 0.55,
    "childrens-social-care-records": 0.5,
}
EVENTS = {
    "youth-justice-records": ("first_time_entrant", "out_of_court_disposal", "court_disposal"),
    "probation-records": ("community_order", "licence", "pre_sentence_report"),
    "education-records": ("suspension", "permanent_exclusion", "persistent_absence"),
    "childrens-social-care-records": ("referral", "child_in_need", "child_protection_plan"),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MALE = _words(
    "oliver george harry noah jack leo arthur muhammad oscar charlie jacob thomas henry william "
    "alfie joshua freddie archie james ethan isaac alexander joseph samuel daniel logan edward "
    "max dylan benjamin tyler mason lucas riley adam zachary michael robert christopher "
    "nathan kai reuben callum liam connor kieran jordan aaron ryan jamal tyrone kwame ibrahim"
)
FEMALE = _words(
    "olivia amelia isla ava mia ivy lily isabella rosie sophia grace freya florence willow "
    "poppy evie elsie ella emily charlotte jessica katherine elizabeth rebecca abigail "
    "eleanor madison chloe lucy holly megan leah jade kayla aaliyah amira zara hannah "
    "niamh shannon courtney keira tia demi paige sienna ruby maisie phoebe erin"
)
SURNAMES = _words(
    "smith jones taylor brown williams wilson johnson davies patel robinson wright thompson "
    "evans walker white roberts green hall thomas clarke jackson wood harris edwards turner "
    "martin cooper hill ward hughes moore clark king harrison lewis baker lee allen morris "
    "khan scott watson davis parker james bennett young phillips richardson mitchell bailey "
    "carter cook singh shaw bell collins morgan kelly begum miller cox hussain marshall "
    "simpson price anderson adams wilkinson ali ahmed foster ellis murphy chapman mason gray "
    "richards webb griffiths hunt palmer campbell holmes mills barnes knight lloyd butler "
    "russell barker fisher stevens jenkins murray dixon harvey okafor mensah nowak kowalski"
)
DISTRICTS = (
    [f"BS{n}" for n in range(1, 17)]
    + [f"TA{n}" for n in range(1, 12)]
    + [f"BA{n}" for n in range(1, 6)]
)
# The local authority of each district's area (Bristol, Somerset, Bath and North East Somerset).
AREA_OF = {"BS": "E06000023", "TA": "E06000066", "BA": "E06000022"}
# Each district's sectors are invented; a full postcode is made of a district, a sector digit
# and two letters, as real ones are (and so the feed's postcode scan would catch one).
_UNITS = "ABDEFGHJLNPQRSTUWXYZ"
_FORMAL_TO_NICK: dict[str, list[str]] = {}
for _nick, _formal in NICKNAMES.items():
    _FORMAL_TO_NICK.setdefault(_formal, []).append(_nick)


@dataclass(frozen=True)
class Variation:
    """How often a service records a detail differently (each record, independently)."""

    typo: float = 0.08
    nickname: float = 0.15  # of given names that have one
    swapped_day_month: float = 0.04  # of dates whose day is 12 or less
    moved_district: float = 0.12
    no_postcode: float = 0.05
    no_sex: float = 0.03


@dataclass(frozen=True)
class SyntheticPeople:
    records: dict[str, list[dict[str, str]]]  # feed -> rows with identifiers (pre-encoding)
    truth: dict[str, list[int]]  # feed -> person id of each row: kept aside, never loaded

    def person_feeds(self) -> dict[int, set[str]]:
        out: dict[int, set[str]] = {}
        for feed, ids in self.truth.items():
            for i in ids:
                out.setdefault(i, set()).add(feed)
        return out


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("substitute", "drop", "swap"))
    if kind == "substitute":
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _postcode(rng: random.Random, district: str) -> str:
    return f"{district} {rng.randrange(1, 10)}{rng.choice(_UNITS)}{rng.choice(_UNITS)}"


def generate(
    people: int = 1000, seed: int = 15, variation: Variation | None = None
) -> SyntheticPeople:
    """`people` SYNTHETIC people and the records the four services hold about them."""
    v = variation or Variation()
    rng = random.Random(seed)
    persons = []
    while len(persons) < people:
        sex = rng.choice("MF")
        family = rng.choice(SURNAMES)
        district = rng.choice(DISTRICTS)
        # About one household in six has two young people known to services (siblings).
        for _ in range(2 if rng.random() < 1 / 6 else 1):
            sex = rng.choice("MF")
            persons.append(
                {
                    "given": rng.choice(MALE if sex == "M" else FEMALE),
                    "family": family,
                    "sex": sex,
                    "dob": date(2000, 1, 1) + timedelta(days=rng.randrange(0, 12 * 365)),
                    "district": district,
                }
            )
    persons = persons[:people]
    records: dict[str, list[dict[str, str]]] = {f: [] for f in FEEDS}
    truth: dict[str, list[int]] = {f: [] for f in FEEDS}
    for pid, p in enumerate(persons):
        for feed in FEEDS:
            if rng.random() >= KNOWN_BY[feed]:
                continue
            first_event = date(2022, 1, 1) + timedelta(days=rng.randrange(0, 3 * 365))
            age = first_event.year - p["dob"].year
            if feed == "probation-records" and age < 18:
                continue
            if feed != "probation-records" and age > 18:
                continue
            given, family = p["given"], p["family"]
            if rng.random() < v.nickname and given in _FORMAL_TO_NICK:
                given = rng.choice(_FORMAL_TO_NICK[given])
            if rng.random() < v.typo:
                if rng.random() < 0.5:
                    given = _typo(rng, given)
                else:
                    family = _typo(rng, family)
            dob = p["dob"]
            if dob.day <= 12 and dob.day != dob.month and rng.random() < v.swapped_day_month:
                dob = date(dob.year, dob.day, dob.month)
            district = p["district"]
            if rng.random() < v.moved_district:
                district = rng.choice([d for d in DISTRICTS if d != district])
            postcode = "" if rng.random() < v.no_postcode else _postcode(rng, district)
            sex = "" if rng.random() < v.no_sex else p["sex"]
            # One to three events, the details recorded once by the service for all of them.
            for n in range(rng.choice((1, 1, 2, 3))):
                when = first_event + timedelta(days=90 * n)
                records[feed].append(
                    {
                        "Given name": given.title(),
                        "Family name": family.title(),
                        "Date of birth": dob.isoformat(),
                        "Sex": sex,
                        "Postcode": postcode,
                        "Event": EVENTS[feed][min(n, 2)],
                        "Event date": when.isoformat(),
                        "Age": str(age_on(p["dob"].isoformat(), when)),
                        "Area code": AREA_OF[district[:2]],
                        "Synthetic": "Y",
                    }
                )
                truth[feed].append(pid)
    return SyntheticPeople(records, truth)
