"""What a view of the dashboards' measures page costs the web worker (docs/concurrency.md, points
7 and 8; the soak in docs/reliability.md measures the same under twenty people).

On a demo warehouse (`--home DIR`, a data directory `svduty demo` made), for the force area and
one local authority, calendar years, this times ``dashboard.panels`` (everything the page
computes; the page itself adds its template) in four states:

- cold: nothing in memory and nothing shared (a portal whose worker has not warmed anything);
- warmed: nothing in this process's memory, the shared results as the worker's warm-up leaves
  them (the state of a web worker after each load, when the worker has finished its warm-up);
- a range of years not asked for before, after the whole series was drawn;
- cached: asked for again.

CPU (this process's user+sys) and wall time per view, best and median of ``--runs``. Run with
`.venv/bin/python benchmarks/bench_dashboard.py --home DIR [--runs N]`. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path


def _timed(fn) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def _line(name: str, samples: list[tuple[float, float]]) -> str:
    cpu = sorted(s[0] for s in samples)
    wall = sorted(s[1] for s in samples)
    mid = len(samples) // 2
    return f"| {name} | {cpu[0]:.3f} | {cpu[mid]:.3f} | {wall[0]:.3f} | {wall[mid]:.3f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a demo data directory")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # a copy, so the shared results this writes are not left in the person's data directory
    work = Path(tempfile.mkdtemp(prefix="svduty-bench-dashboard-"))
    home = work / "home"
    shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("cache", "uploads"))
    os.environ["SVDUTY_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "svduty.portal.settings"
    import django

    django.setup()
    from svduty.portal import dashboard
    from svduty.portal.dashboard import Choice, caching, warming

    force, authority = dashboard.areas()[0], dashboard.areas()[1]
    states: dict[str, list] = {"cold": [], "warmed": [], "new range": [], "cached": []}
    for run in range(args.runs):
        with dashboard.reading() as wh:
            version = dashboard.data_version(wh)

            def view(area, first=None, last=None, wh=wh, version=version):
                return lambda: dashboard.panels(
                    wh, version, Choice(area, "calendar_year", None, first, last)
                )

            dashboard.forget()
            states["cold"].append(_timed(view(force)))
            dashboard.forget()
            warming.warm()
            caching.DATA.clear()
            caching.PANELS.clear()
            states["warmed"].append(_timed(view(authority)))
            states["new range"].append(_timed(view(authority, 2018, 2019 + run % 2)))
            states["cached"].append(_timed(view(authority)))
    dashboard.forget()
    shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print("| view | CPU best s | CPU median s | wall best s | wall median s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, samples in states.items():
        print(_line(name, samples))


if __name__ == "__main__":
    main()
