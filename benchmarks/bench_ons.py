"""Read and load the bundled ONS police force area tables (the workbook `svduty init` and the
demo load): the time and CPU of reading the workbook alone, and of a whole load into a fresh
DuckDB warehouse, best and median of ``--runs``. The tests check what the load holds; how long
it takes is measured here (docs/benchmarks.md), not by a timed test.

    .venv/bin/python benchmarks/bench_ons.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from svduty.sources import ons_prc
from svduty.warehouse import connect
from svduty.warehouse.published_ingest import ingest_ons_prc

WORKBOOK = (
    Path(__file__).resolve().parent.parent
    / "src/svduty/data/ons_prc/policeforceareatablesyedecember2024.xlsx"
)


def _timed(fn) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def _load() -> None:
    with tempfile.TemporaryDirectory() as folder:
        wh = connect(f"duckdb:///{Path(folder) / 'w.duckdb'}")
        try:
            ingest_ons_prc(wh, [WORKBOOK], loaded_by="bench")
        finally:
            wh.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print("| case | CPU best s | CPU median s | wall best s | wall median s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, fn in (("read the workbook", lambda: ons_prc.read_workbook(WORKBOOK)),
                     ("load it into a new warehouse", _load)):  # fmt: skip
        runs = [_timed(fn) for _ in range(args.runs)]
        cpu, wall, mid = sorted(r[0] for r in runs), sorted(r[1] for r in runs), args.runs // 2
        print(f"| {name} | {cpu[0]:.2f} | {cpu[mid]:.2f} | {wall[0]:.2f} | {wall[mid]:.2f} |")


if __name__ == "__main__":
    main()
