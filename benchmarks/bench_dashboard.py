"""What a view of the dashboards' measures page costs the web worker (docs/concurrency.md, points
7 and 8; the soak in docs/reliability.md measures the same under twenty people).

On a demo warehouse (`--home DIR`, a data directory `svduty demo` made), for the force area and
one local authority, calendar years, this times ``dashboard.panels`` (everything the page
computes; the page itself adds its template) in four states:

- cold: nothing in memory and nothing shared (a portal whose worker has not warmed anything);
- warmed: nothing in this process's memory, the shared results as the worker's warm-up leaves
  them (the state of a web worker after each load, when the worker has finished its warm-up);
- a range of years not asked for before, after the whole series was drawn;
- cached: asked for again;
- the overview's tiles (``dashboard.tiles``) as the worker left them on disk, and again.

CPU (this process's user+sys) and wall time per view, best and median of ``--runs``. Run with
`.venv/bin/python benchmarks/bench_dashboard.py --home DIR [--runs N]`. Not part of the tests.

With ``--serve``, the dashboards as people meet them instead (issue 18's targets): `svduty
serve` (gunicorn's two web workers and the background worker, as soak.py starts it) on a copy
of the demo data directory, warmed as the worker leaves it after a load; then, over HTTP:

- the first view after sign-in: each of ``--people`` people signs in and opens the dashboard
  (the overview, the portal's Dashboard link), then the measures page (target: 1 s);
- filter changes: each person changes a filter ``--changes`` times (area and kind of period of
  the overview; area, kind of period and range of years of the measures page; the URLs the page
  fetches when a filter changes), first one person alone, then five at once (target: 300 ms at
  the 95th percentile).

Wall time of each request (nearest-rank percentiles), with the machine's load average:
`.venv/bin/python benchmarks/bench_dashboard.py --home DIR --serve [--changes 40]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

TARGETS = {"first view": 1.0, "filter change": 0.3}  # seconds, at the 95th percentile


def _timed(fn) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def _line(name: str, samples: list[tuple[float, float]]) -> str:
    cpu = sorted(s[0] for s in samples)
    wall = sorted(s[1] for s in samples)
    mid = len(samples) // 2
    return f"| {name} | {cpu[0]:.3f} | {cpu[mid]:.3f} | {wall[0]:.3f} | {wall[mid]:.3f} |"


def prepare() -> None:
    """In a child with the portal's settings: migrate, seed the demo people and warm the
    dashboards as the background worker does after a load; print the people's passwords."""
    from svduty.portal import serve

    made = serve.prepare()
    from svduty.portal.dashboard import warming

    warming.warm()
    print(json.dumps({username: password for username, _, _, password in made or []}))


def _changes(rng: random.Random, areas: list[str], years: list[int], n: int) -> list[str]:
    """``n`` filter changes as the pages send them: the overview's area or kind of period, the
    measures page's area, kind of period or range of years."""
    out = []
    for _ in range(n):
        query = {"area": rng.choice(areas),
                 "period_type": rng.choice(["calendar_year", "financial_year"])}  # fmt: skip
        if rng.random() < 0.5:
            out.append("/dashboard/overview/?" + urllib.parse.urlencode(query))
            continue
        if years and rng.random() < 0.5:
            first = rng.choice(years)
            query |= {"start": first, "end": rng.choice([y for y in years if y >= first])}
        out.append("/dashboard/?" + urllib.parse.urlencode(query))
    return out


def serving(args) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import soak  # the soak's server, people and percentiles

    work = Path(tempfile.mkdtemp(prefix="svduty-bench-dashboard-"))
    home, logs = work / "home", work / "logs"
    logs.mkdir(parents=True)
    shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("cache", "uploads", "*.wal"))
    env = soak._env(home) | {"DJANGO_SETTINGS_MODULE": "svduty.portal.settings"}
    done = subprocess.run([sys.executable, __file__, "--home", str(args.home), "--prepare"],
                          env=env, check=True, capture_output=True, text=True)  # fmt: skip
    passwords = json.loads(done.stdout.strip().splitlines()[-1])
    accounts = [(name, passwords[name]) for name in ("viewer", "analyst", "board")]
    record = soak.Record()
    load_before = os.getloadavg()
    try:
        with soak.portal(home, soak.free_port(), logs) as base:
            # the first view after sign-in, of people who had not signed in before
            for i in range(args.people):
                person = soak.Person(base, record)
                person.sign_in(*accounts[i % len(accounts)])
                person.request("first view", "/dashboard/overview/")
                person.request("first view (measures page)", "/dashboard/")
            person = soak.Person(base, record)
            person.sign_in(*accounts[0])
            _, _, body = person.request("warm-up", "/dashboard/")
            options = soak._Options(body).options
            areas, years = options["area"], sorted(int(y) for y in options["start"] if y)

            def changing(kind: str, seed: int, account) -> None:
                someone = soak.Person(base, record)
                someone.sign_in(*account)
                for url in _changes(random.Random(seed), areas, years, args.changes):
                    page = "overview" if "overview" in url else "measures page"
                    someone.request(f"{kind}: {page}", url)

            changing("filter change, 1 person", 1, accounts[0])
            five = [
                threading.Thread(target=changing,
                                 args=("filter change, 5 people", 10 + i, accounts[i % 3]))
                for i in range(5)
            ]  # fmt: skip
            for t in five:
                t.start()
            for t in five:
                t.join()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load before {load_before}, "
          f"after {os.getloadavg()}")  # fmt: skip
    print("| requests | n | p50 s | p95 s | max s | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    kinds = sorted({s.kind for s in record.samples if s.kind not in ("sign-in", "warm-up")})
    for kind in kinds:
        samples = [s for s in record.samples if s.kind == kind]
        times = [s.seconds for s in samples]
        errors = sum(1 for s in samples if s.status != 200)
        print(f"| {kind} | {len(times)} | {soak.percentile(times, 50):.3f} | "
              f"{soak.percentile(times, 95):.3f} | {max(times):.3f} | {errors} |")  # fmt: skip
    for kind in ("filter change, 1 person", "filter change, 5 people"):
        times = [s.seconds for s in record.samples if s.kind.startswith(kind)]
        print(f"| {kind}, every page | {len(times)} | {soak.percentile(times, 50):.3f} | "
              f"{soak.percentile(times, 95):.3f} | {max(times):.3f} | |")  # fmt: skip
    print(f"targets (p95): {TARGETS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a demo data directory")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help="over HTTP, as people meet them")
    parser.add_argument("--people", type=int, default=5, help="--serve: first views")
    parser.add_argument("--changes", type=int, default=40, help="--serve: per person")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        return prepare()
    if args.serve:
        return serving(args)
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
    states: dict[str, list] = {"cold": [], "warmed": [], "new range": [], "cached": [],
                               "overview, warmed": [], "overview, cached": []}  # fmt: skip
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
            caching.TILES.clear()  # the overview's tiles as the worker left them on disk
            tiles = lambda wh=wh, version=version: dashboard.tiles(  # noqa: E731
                wh, version, Choice(authority, "calendar_year")
            )
            states["overview, warmed"].append(_timed(tiles))
            states["overview, cached"].append(_timed(tiles))
    dashboard.forget()
    shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print("| view | CPU best s | CPU median s | wall best s | wall median s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, samples in states.items():
        print(_line(name, samples))


if __name__ == "__main__":
    main()
