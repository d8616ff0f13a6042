"""Linkage quality and cost on SYNTHETIC people (docs/people.md, docs/benchmarks.md).

For each size, `svduty.synth.linkage.generate` makes people known to the four services, each
service recording their details its own way (typos, nicknames, day and month swapped, a moved
postcode district, a postcode or a sex not recorded; siblings in one household), with the
truth kept aside. Every record is encoded under a random linkage key exactly as `svduty
encode` does (privacy.linkage), each service's records are reduced to distinct encodings as
`svduty link` does, and the encodings are linked (analysis.evidence.linkage.link) at each
threshold. Precision and recall are over pairs of records of different services: a pair is
right when the truth says both are the same person.

CPU is this process's user+sys (time.process_time); the machine has other work on it, so wall
time is not reported. Run with `.venv/bin/python benchmarks/bench_linkage.py [--people 2000
10000 20000] [--thresholds 0.78 0.8 0.82 0.84 0.86]`. Not part of the tests.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import time


def _pairs_of(groups) -> set:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 10000, 20000])
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.78, 0.8, 0.82, 0.84, 0.86]
    )
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    from svduty.analysis.evidence.linkage import THRESHOLD, link
    from svduty.privacy.linkage import LinkageKey
    from svduty.synth.linkage import generate

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; default threshold {THRESHOLD}")  # fmt: skip
    print("| people | records | distinct encodings | encode CPU s | threshold | link CPU s "
          "| true pairs | found pairs | precision | recall |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.people:
        synthetic = generate(people=n, seed=args.seed)
        key = LinkageKey(os.urandom(32))
        records = sum(len(r) for r in synthetic.records.values())
        cpu = time.process_time()
        datasets, ids = [], []
        for feed, rows in synthetic.records.items():
            encodings = key.encode(
                [
                    (r["Given name"], r["Family name"], r["Date of birth"], r["Sex"], r["Postcode"])
                    for r in rows
                ]
            )
            first = dict(zip(encodings, synthetic.truth[feed], strict=True))
            datasets.append(list(first))
            ids.append(list(first.values()))
        encode_cpu = time.process_time() - cpu
        by_person: dict[int, list] = {}
        for d, people in enumerate(ids):
            for r, pid in enumerate(people):
                by_person.setdefault(pid, []).append((d, r))
        truth = _pairs_of(by_person.values())
        for threshold in args.thresholds:
            cpu = time.process_time()
            groups = link(datasets, threshold)
            link_cpu = time.process_time() - cpu
            found = _pairs_of(groups)
            right = len(found & truth)
            precision = right / len(found) if found else float("nan")
            print(
                f"| {n:,} | {records:,} | {sum(map(len, datasets)):,} | {encode_cpu:.2f} | "
                f"{threshold} | {link_cpu:.2f} | {len(truth):,} | {len(found):,} | "
                f"{precision:.4f} | {right / len(truth):.4f} |"
            )


if __name__ == "__main__":
    main()
