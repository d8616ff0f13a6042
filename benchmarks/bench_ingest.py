"""Ingest every bundled police.uk month and print the times and peak memory of six cases.

1. svduty: read, validate, provenance, one transaction per file, into a fresh DuckDB warehouse,
   closing it at the end (so work DuckDB would otherwise do later, at exit, is counted).
2. svduty's reading and validation alone, as the ingest does them (two threads, batches of
   three files), storing nothing: the difference from case 1 is what the warehouse costs.
3. The floor: a bare DuckDB `count(*)` over the same gzipped files.
4. A bare DuckDB write of the same files into a table in a file, in one transaction, with a
   checkpoint (what storing them costs, without validation or per-file commits).
5. A plain pandas read-and-concat of the same files (`read_csv` with its defaults).
6. The same with `dtype=str`, which keeps every value as text as svduty's reading does.

Every run is a process of its own (so its peak memory, max RSS, is its own) with a warehouse or
database file of its own in a new temporary directory. The cases take turns (run 1 of every
case, then run 2, ...) so a change in the load of a shared machine does not favour one case.
Times include importing the libraries the case needs (svduty's own import, which pulls in
pyarrow, DuckDB and pandas, is part of what a user waits for); the import time is also shown
on its own. The input files are read from the page cache in every case.

    .venv/bin/python benchmarks/bench_ingest.py [--runs N] [--compare-src PATH]

--compare-src PATH adds a case that runs svduty from another source tree (PATH is the `src`
directory of another checkout), to measure a change against the code before it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

FILES = (
    Path(__file__).resolve().parent.parent / "src/svduty/data/police_uk/street/avon-and-somerset"
)

SVDUTY = (
    """
from pathlib import Path
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk
""",
    """
wh = connect("duckdb:///{tmp}/bench.duckdb")
rows = sum(r.rows_loaded for r in ingest_police_uk(wh, [Path("{files}")], loaded_by="bench"))
wh.close()
""",
)

# Reading and validating exactly as ingest_police_uk does, minus the warehouse.
SVDUTY_READ_VALIDATE = (
    """
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from svduty.sources import police_uk
from svduty.warehouse import ingest
""",
    """
forces = ingest.police_forces()
files = ingest.expand_paths([Path("{files}")])
batches = [files[i : i + ingest.BATCH] for i in range(0, len(files), ingest.BATCH)]
def check(batch):
    validator = police_uk.Validator(forces)
    try:
        return [v.loaded.num_rows for v in validator.validate(
            [police_uk.read_street_file(f, forces) for f in batch])]
    finally:
        validator.close()
with ThreadPoolExecutor(max_workers=ingest.WORKERS) as pool:
    rows = sum(sum(b) for b in pool.map(check, batches))
""",
)

# name -> (imports, work); both are timed, the imports also on their own
CASES = {
    "svduty ingest": SVDUTY,
    "svduty read + validate only": SVDUTY_READ_VALIDATE,
    "duckdb count(*) (floor)": (
        "import duckdb",
        """
rows = duckdb.sql("SELECT count(*) FROM read_csv('{files}/*.csv.gz', all_varchar=true)").fetchone()[0]
""",
    ),
    "duckdb CTAS into a file": (
        "import duckdb",
        """
con = duckdb.connect("{tmp}/bench.duckdb")
con.execute("CREATE TABLE t AS SELECT * FROM read_csv('{files}/*.csv.gz', all_varchar=true)")
con.execute("CHECKPOINT")
rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
con.close()
""",
    ),
    "pandas read + concat": (
        "import glob, pandas as pd",
        """
rows = len(pd.concat([pd.read_csv(f) for f in sorted(glob.glob('{files}/*.csv.gz'))]))
""",
    ),
    "pandas read + concat, dtype=str": (
        "import glob, pandas as pd",
        """
rows = len(pd.concat([pd.read_csv(f, dtype=str) for f in sorted(glob.glob('{files}/*.csv.gz'))]))
""",
    ),
}

RUNNER = """
import json, resource, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{work}
t2 = time.perf_counter()
print(json.dumps({{"seconds": t2 - t0, "import_seconds": t1 - t0, "rows": int(rows),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_once(imports: str, work: str, env: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:  # a cold warehouse every run
        code = RUNNER.format(imports=imports, work=work.format(tmp=tmp, files=FILES))
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (the best is shown)")
    parser.add_argument("--compare-src", type=Path, help="another checkout's src directory")
    args = parser.parse_args()

    cases = {name: (imports, work, dict(os.environ)) for name, (imports, work) in CASES.items()}
    if args.compare_src:
        env = dict(os.environ, PYTHONPATH=str(args.compare_src.resolve()))
        cases[f"svduty ingest ({args.compare_src})"] = (*SVDUTY, env)

    print(
        f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, duckdb {duckdb.__version__}"
    )
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    runs: dict[str, list[dict]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (imports, work, env) in cases.items():
            runs[name].append(run_once(imports, work, env))
    print(f"load average after:  {', '.join(f'{x:.1f}' for x in os.getloadavg())}")

    print(f"best of {args.runs} runs each (median and slowest after it); peak memory of the best")
    best = {}
    for name, rs in runs.items():
        b = best[name] = min(rs, key=lambda r: r["seconds"])
        times = [r["seconds"] for r in rs]
        print(
            f"{name:32s} {b['seconds']:6.2f} s (median {statistics.median(times):5.2f}, "
            f"slowest {max(times):5.2f}; imports {b['import_seconds']:4.2f} s)  "
            f"{b['rows']:>8,} rows  peak {b['peak_mb']:5.0f} MB"
        )
    svd, read_validate, floor, ctas, pandas, pandas_str = (best[k]["seconds"] for k in CASES)
    print(
        f"svduty / floor = {svd / floor:.2f}x (target <= 2x); "
        f"svduty read + validate only / floor = {read_validate / floor:.2f}x; "
        f"svduty / bare DuckDB write = {svd / ctas:.2f}x; "
        f"pandas / svduty = {pandas / svd:.2f}x, with dtype=str {pandas_str / svd:.2f}x "
        "(target >= 3x)"
    )


if __name__ == "__main__":
    main()
