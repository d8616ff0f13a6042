"""Ingest every bundled police.uk month three ways and print the times and peak memory.

1. svduty: read, validate, provenance, one transaction per file, into a fresh DuckDB warehouse.
2. The floor: a bare DuckDB `count(*)` over the same gzipped files.
3. A bare DuckDB write of the same files into a table in a file (what storing costs).
4. A plain pandas read-and-concat of the same files.
Each runs in its own process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

FILES = (
    Path(__file__).resolve().parent.parent / "src/svduty/data/police_uk/street/avon-and-somerset"
)

CASES = {
    "svduty ingest": """
from pathlib import Path
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk
wh = connect("duckdb:///{tmp}/bench.duckdb")
rows = sum(r.rows_loaded for r in ingest_police_uk(wh, [Path("{files}")], loaded_by="bench"))
""",
    "duckdb count(*) (floor)": """
import duckdb
rows = duckdb.sql("SELECT count(*) FROM read_csv('{files}/*.csv.gz', all_varchar=true)").fetchone()[0]
""",
    "duckdb CTAS into a file": """
import duckdb
con = duckdb.connect("{tmp}/bench.duckdb")
con.execute("CREATE TABLE t AS SELECT * FROM read_csv('{files}/*.csv.gz', all_varchar=true)")
con.execute("CHECKPOINT")
rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
""",
    "pandas read + concat": """
import glob, pandas as pd
rows = len(pd.concat([pd.read_csv(f, dtype=str) for f in sorted(glob.glob('{files}/*.csv.gz'))]))
""",
}

RUNNER = """
import json, resource, time
t = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": int(rows),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def main() -> None:
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}"
    )
    results = {}
    for name, body in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            code = RUNNER.format(body=body.format(tmp=tmp, files=FILES))
            best = None
            for _ in range(3):
                out = subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True
                ).stdout
                run = json.loads(out.strip().splitlines()[-1])
                Path(tmp, "bench.duckdb").unlink(missing_ok=True)
                best = run if best is None or run["seconds"] < best["seconds"] else best
        results[name] = best
        print(
            f"{name:28s} {best['seconds']:6.2f} s  {best['rows']:>8,} rows  "
            f"peak {best['peak_mb']:6.0f} MB"
        )
    svd, floor, ctas, pandas = (results[k]["seconds"] for k in CASES)
    print(
        f"svduty / floor = {svd / floor:.2f}x (target <= 2x); "
        f"svduty / bare DuckDB write = {svd / ctas:.2f}x; "
        f"pandas / svduty = {pandas / svd:.2f}x (target >= 3x)"
    )


if __name__ == "__main__":
    main()
