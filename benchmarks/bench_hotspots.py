"""Time Gi* hotspots (svduty.analysis.hotspots) on the Avon and Somerset LSOAs and on a
national-scale H3 grid, and print the times, peak memory and the machine.

- LSOA: the 1,005 Avon and Somerset 2011 LSOAs (queen contiguity from the bundled boundaries),
  counts of every bundled police.uk crime (45 months).
- H3: every bundled Avon and Somerset police.uk point with coordinates, replicated COPIES times
  with each copy moved to its own place on a 4 x 2 grid over England (1.6 degrees of longitude,
  1.3 of latitude apart: a force-sized patch each) and jittered (normal, sd about 50 m) so no
  two copies coincide: several forces' worth, several million points. Stages are timed apart:
  points -> cell counts, study area + neighbour graph, Gi* with FDR.

Each case runs in its own process, so its peak memory (max RSS) is its own. Run with
`.venv/bin/python benchmarks/bench_hotspots.py [--quick] [NAME ...]`; it takes about ten
minutes (--quick: one copy, 999 permutations; NAME: run only the cases whose name contains
it). Not part of the tests.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

FILES = (
    Path(__file__).resolve().parent.parent / "src/svduty/data/police_uk/street/avon-and-somerset"
)

LOAD = """
import duckdb
points = duckdb.sql('''
    SELECT TRY_CAST("Longitude" AS DOUBLE) AS longitude, TRY_CAST("Latitude" AS DOUBLE) AS latitude,
           "LSOA code" AS lsoa_code
    FROM read_csv('{files}/*.csv.gz', all_varchar = true)''').df()
"""

LSOA = (
    LOAD
    + """
from svduty.analysis import hotspots as hs
from svduty.reference import build
boundary = build("ref_boundary").to_pandas()
geojson = hs.feature_collection(boundary[boundary["level"] == "lsoa11"])
counts = points["lsoa_code"].value_counts(dropna=False).reset_index()
t = time.perf_counter()
result = hs.lsoa_hotspots(counts, geojson, permutations={permutations})
stages["lsoa_hotspots (graph + Gi* + FDR)"] = time.perf_counter() - t
size = {{"points": len(points), "areas": len(result),
        "hot": int((result["classification"] == "hot").sum()),
        "cold": int((result["classification"] == "cold").sum()),
        "fdr_floor_count": result.attrs["fdr_floor_count"]}}
"""
)

H3 = (
    LOAD
    + """
import numpy as np, pandas as pd
from svduty.analysis import hexgrid, hotspots as hs
base = points.dropna(subset=["longitude", "latitude"])[["longitude", "latitude"]]
rng = np.random.default_rng(1)
copies = []
for k in range({copies}):
    dlon, dlat = (k % 4) * 1.6 - 1.0, (k // 4) * 1.3
    copies.append(pd.DataFrame({{
        "longitude": base["longitude"].to_numpy() + dlon + rng.normal(0, 0.0007, len(base)),
        "latitude": base["latitude"].to_numpy() + dlat + rng.normal(0, 0.00045, len(base)),
    }}))
points = pd.concat(copies, ignore_index=True)
del copies, base
t = time.perf_counter()
occupied, dropped = hexgrid.cell_counts(points, {resolution})
stages["points -> cell counts"] = time.perf_counter() - t
t = time.perf_counter()
cells = hexgrid.study_area(occupied.index, {resolution}, ring=1)
graph = hexgrid.neighbour_graph(cells)
stages["study area + neighbour graph"] = time.perf_counter() - t
t = time.perf_counter()
result = hs.gi_star(occupied.reindex(cells, fill_value=0).to_numpy(), graph,
                    permutations={permutations})
stages["Gi* + FDR"] = time.perf_counter() - t
size = {{"points": len(points), "occupied cells": len(occupied), "cells": len(cells),
        "hot": int((result["classification"] == "hot").sum()),
        "cold": int((result["classification"] == "cold").sum()),
        "fdr_floor_count": result.attrs["fdr_floor_count"]}}
"""
)

RUNNER = """
import json, resource, time
stages = {{}}
{body}
print(json.dumps({{"stages": stages, "size": size,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def cases(quick: bool) -> dict[str, str]:
    lsoa = {
        f"LSOA, {r:,} permutations": LSOA.format(files=FILES, permutations=r)
        for r in ((999,) if quick else (999, 9999))
    }
    runs = ((1, 8, 999),) if quick else ((8, 8, 999), (8, 8, 9999), (8, 7, 9999))
    h3 = {
        f"H3 res {res}, {copies} cop{'y' if copies == 1 else 'ies'}, {r:,} permutations": H3.format(
            files=FILES, copies=copies, resolution=res, permutations=r
        )
        for copies, res, r in runs
    }
    return lsoa | h3


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


def main() -> None:
    print(machine())
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    for name, body in cases("--quick" in sys.argv).items():
        if only and not any(o in name for o in only):
            continue
        out = subprocess.run(
            [sys.executable, "-c", RUNNER.format(body=body)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        run = json.loads(out.strip().splitlines()[-1])
        size = ", ".join(f"{k} {v:,}" for k, v in run["size"].items())
        stages = "; ".join(f"{k} {v:.2f} s" for k, v in run["stages"].items())
        print(f"{name}\n    {size}\n    {stages}; peak {run['peak_mb']:,.0f} MB", flush=True)


if __name__ == "__main__":
    main()
