"""People known to more than one service: linkage of the encodings in `linked_record`.

Each service's records carry the person as a Bloom-filter encoding (privacy.linkage). The same
young person recorded by two services with a typo, a nickname, a swapped day and month or a
new postcode district gives encodings that are similar but not equal; two people rarely give
similar ones. The rules (docs/people.md):

- **Within a service**, records with the same encoding are one person (the service recorded
  the same details). Near-identical encodings inside one service are not merged: a service
  that spells a person two ways counts them twice, as it would itself.
- **Between services**, encodings are compared by their Sørensen-Dice coefficient
  (anonlink, the accelerated popcount); pairs at or above the threshold are candidates, and
  anonlink's probabilistic greedy solver takes them best first, joining two groups when at
  least half the pairs between them are candidates and the result has at most one record
  per service (one-to-one between services).
- **Pathway**: for a person known to two or more services, the service whose first event came
  first; people whose first events at two services fell on the same day are "same day".

Counts only: no encoding leaves this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from svduty.warehouse import Warehouse

# The Dice threshold, chosen on the synthetic benchmark (benchmarks/bench_linkage.py,
# docs/benchmarks.md): precision and recall both about 0.99 there from 2,000 to 20,000 people.
THRESHOLD = 0.82
# Two groups merge when at least this share of the pairs between them are candidates: a person
# known to three services whose social care record (day and month swapped) is not alike enough
# to their education record (a nickname, a move) is still one person through youth justice.
# 1.0 (anonlink's plain greedy solver) would leave them two.
MERGE_THRESHOLD = 0.5
TABLE = "linked_record"
SAME_DAY = "same day"


def link(datasets: Sequence[Sequence[str]], threshold: float = THRESHOLD) -> list[list[tuple]]:
    """Groups of (dataset, record) that are one person, by Dice similarity >= `threshold`,
    solved greedily with at most one record of each dataset in a group. Records in no
    group are people known to one dataset only."""
    import anonlink
    from clkhash.serialization import deserialize_bitarray

    if not 0 < threshold <= 1:
        raise ValueError(f"a Dice threshold is between 0 and 1, not {threshold}")
    bits = [[deserialize_bitarray(e) for e in d] for d in datasets]
    if sum(1 for d in bits if d) < 2:
        return []
    candidates = anonlink.candidate_generation.find_candidate_pairs(
        bits, anonlink.similarities.dice_coefficient_accelerated, threshold
    )
    groups = anonlink.solving.probabilistic_greedy_solve(
        candidates, merge_threshold=MERGE_THRESHOLD, deduplicated=True
    )
    return [sorted(g) for g in groups]


@dataclass
class CrossService:
    threshold: float
    synthetic: bool
    feeds: list[str]
    people: dict[str, int]  # people known to each service
    total_people: int
    known_to_two_or_more: int
    combinations: list[dict]  # UpSet: exactly these services, count
    pairs: list[dict]  # each two services: people known to both (and maybe others)
    pathways: list[dict]  # first service -> count, among people known to 2+
    caveats: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "synthetic": self.synthetic,
            "feeds": self.feeds,
            "people": self.people,
            "total_people": self.total_people,
            "known_to_two_or_more": self.known_to_two_or_more,
            "combinations": self.combinations,
            "pairs": self.pairs,
            "pathways": self.pathways,
            "caveats": self.caveats,
        }


def people_in(frame: pd.DataFrame, threshold: float = THRESHOLD) -> list[dict[str, date]]:
    """Each linked person as {feed: first event date}, from rows (feed, linkage_encoding,
    event_date)."""
    first = frame.groupby(["feed", "linkage_encoding"], sort=True)["event_date"].min().reset_index()
    feeds = sorted(first["feed"].unique())
    per_feed = [first[first["feed"] == f].reset_index(drop=True) for f in feeds]
    groups = link([p["linkage_encoding"].tolist() for p in per_feed], threshold)
    people, grouped = [], set()
    for g in groups:
        people.append({feeds[d]: per_feed[d]["event_date"].iloc[r] for d, r in g})
        grouped.update(g)
    for d, p in enumerate(per_feed):
        dates = p["event_date"].tolist()
        people += [{feeds[d]: dates[r]} for r in range(len(p)) if (d, r) not in grouped]
    return people


def summarise(people: list[dict[str, date]], threshold: float, synthetic: bool) -> CrossService:
    """The counts of `people_in`'s people (independent of how they were linked)."""
    feeds = sorted({f for p in people for f in p})
    combos = Counter(tuple(sorted(p)) for p in people)
    multi = [p for p in people if len(p) >= 2]
    firsts: Counter[str] = Counter()
    for p in multi:
        earliest = min(p.values())
        at = [f for f, d in p.items() if d == earliest]
        firsts[at[0] if len(at) == 1 else SAME_DAY] += 1
    return CrossService(
        threshold=threshold,
        synthetic=synthetic,
        feeds=feeds,
        people={f: sum(1 for p in people if f in p) for f in feeds},
        total_people=len(people),
        known_to_two_or_more=len(multi),
        combinations=[
            {"services": list(c), "people": n}
            for c, n in sorted(combos.items(), key=lambda x: (-x[1], x[0]))
        ],
        pairs=[
            {"services": [a, b], "people": sum(1 for p in people if a in p and b in p)}
            for i, a in enumerate(feeds)
            for b in feeds[i + 1 :]
        ],
        pathways=[
            {"first": f, "people": n}
            for f, n in sorted(firsts.items(), key=lambda x: (-x[1], x[0]))
        ],
        caveats=[
            f"People are linked across services when their encodings' Dice similarity is at "
            f"least {threshold}, one person per service (docs/people.md); linkage quality on "
            "synthetic people is in docs/benchmarks.md.",
            "Within one service, records are one person only when their encodings are equal.",
            "Analyst's counts: small numbers are not suppressed here; anything published goes "
            "through the disclosure gate.",
        ],
    )


def cross_service(wh: Warehouse, threshold: float = THRESHOLD) -> CrossService | None:
    """The cross-service figures of the loaded linked records; None when there are none."""
    if not wh.has_table(TABLE):
        return None
    t = wh.table(TABLE)
    frame = t.select("feed", "linkage_encoding", "event_date", "synthetic").execute()
    if frame.empty:
        return None
    synthetic = bool(frame["synthetic"].fillna(False).any())
    return summarise(people_in(frame, threshold), threshold, synthetic)
