"""Time the "where" and "why" evidence (svduty.analysis.evidence.where and .inequality) for Avon
and Somerset over every bundled police.uk month, and print the times, peak memory and the machine.

The warehouse is built once, in a child process (reference tables + all 45 street files into a
temporary DuckDB file), so that the peak memory printed for the evidence is this process's own.
Then each part is timed on its own, in order: the measure's monthly counts by LSOA; rates per
LSOA, ward and local authority (reusing those counts); rates by IMD decile with the rate ratio
and SII; LSOA Gi* for each year (queen contiguity, FDR); H3 Gi* for each year; persistence;
repeat locations. "peak MB" is the process's max RSS after the part (it only grows).

Run with `.venv/bin/python benchmarks/bench_evidence.py [--permutations N] [--measure ID]`
(defaults: 9,999 permutations, police-uk-violence). Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = (
    Path(__file__).resolve().parent.parent / "src/svduty/data/police_uk/street/avon-and-somerset"
)
PFA = "E23000036"

BUILD = """
import sys
from pathlib import Path
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference
wh = connect(sys.argv[1])
load_reference(wh, loaded_by="bench")
results = ingest_police_uk(wh, [Path(sys.argv[2])], loaded_by="bench")
print()
print(len(results), sum(r.rows_loaded for r in results))
wh.close()
"""


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        memory = f", {kb / 1024**2:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs{memory}, python {platform.python_version()}"
    )


def peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--permutations", type=int, default=9999)
    parser.add_argument("--measure", default="police-uk-violence")
    args = parser.parse_args()
    print(machine())
    import duckdb
    import esda

    print(f"duckdb {duckdb.__version__}, esda {esda.__version__}")

    with tempfile.TemporaryDirectory() as tmp:
        url = f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", BUILD, url, str(FILES)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-2:]  # the last line (DuckDB may draw a progress bar before it)
        print(
            f"warehouse: reference + {out[0]} files, {int(out[1]):,} rows, "
            f"{time.perf_counter() - t:.1f} s, child peak {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"
        )

        t = time.perf_counter()
        from svduty.analysis.evidence import inequality, where
        from svduty.warehouse import connect

        wh = connect(url)
        print(f"imports + connect: {time.perf_counter() - t:.2f} s")
        rows = []

        def timed(name, fn):
            start = time.perf_counter()
            result = fn()
            rows.append((name, time.perf_counter() - start, peak_mb()))
            return result

        m, perms = args.measure, args.permutations
        counts = timed("counts by month and LSOA", lambda: where.measure_counts(wh, m, PFA))
        for level in where.LEVELS:
            timed(
                f"rates per {level}",
                lambda level=level: where.area_rates(wh, m, PFA, level, counts=counts),
            )
        dep = timed(
            "rates by IMD decile + rate ratio + SII",
            lambda: inequality.deprivation(wh, m, PFA, counts=counts),
        )
        lsoa_hs = timed(
            f"LSOA Gi* per year ({len(counts.years)} years, {perms:,} permutations)",
            lambda: where.lsoa_hotspots_by_year(wh, m, PFA, counts=counts, permutations=perms),
        )
        h3_hs = timed(
            f"H3 Gi* per year (resolution 7, {perms:,} permutations)",
            lambda: where.h3_hotspots_by_year(wh, m, PFA, permutations=perms),
        )
        timed("persistence (LSOA)", lambda: where.hotspot_persistence(lsoa_hs))
        timed("repeat locations (top 20)", lambda: where.repeat_locations(wh, m, PFA))
        wh.close()

        print(
            f"\n{m}: {counts.total:,} events over {len(counts.months_covered)} months "
            f"({', '.join(str(y) for y in counts.years)})"
        )
        print(f"{'part':<60} {'seconds':>8} {'peak MB':>8}")
        for name, seconds, peak in rows:
            print(f"{name:<60} {seconds:>8.2f} {peak:>8.0f}")
        print(f"{'total':<60} {sum(r[1] for r in rows):>8.2f}")
        g = dep.gradient
        print(
            f"\nrate ratio decile 1 / 10: {g.rate_ratio:.2f} ({g.rate_ratio_lower:.2f} to "
            f"{g.rate_ratio_upper:.2f}); SII {g.sii:.1f} ({g.sii_lower:.1f} to {g.sii_upper:.1f}) "
            f"per {counts.measure.multiplier:,} per year; RII {g.rii:.2f}"
        )
        print("LSOA hotspots per year:")
        print(lsoa_hs.summary().to_string(index=False))
        print("H3 hotspots per year:")
        print(h3_hs.summary().to_string(index=False))


if __name__ == "__main__":
    main()
