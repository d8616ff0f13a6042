"""Time the command line on the demo warehouse: `svduty --help`, `svduty measures` (every measure)
and `svduty sna --area somerset`, as a person runs them (a new process each time), wall and CPU.

Each command runs --runs times (default 5) after one untimed run that warms the disk cache; the
median, best and worst are printed and written, with the machine and its load average before and
after, to benchmarks/results/products.json. CPU is the child's user + system time (DuckDB's
threads included), so a loaded machine shows as wall time well above CPU time: read the load
average with the figures. The targets (issue 12) are wall times on a quiet machine.

The demo warehouse is SVDUTY_HOME (default: a fresh `svduty demo` build in a temporary folder,
about two minutes). It is only read: `measures` reads it, and `sna` writes its document to a
temporary folder (--out), not under SVDUTY_HOME. `sna` keeps the charts it draws in
SVDUTY_HOME/cache/charts (products.drawings), so after the untimed first run "sna-somerset"
draws none: a person re-running the assessment on unchanged data. "sna-somerset-cold" is the
first build on new data: it runs on a home of links to SVDUTY_HOME's files but its own chart
cache, emptied before every run, so every chart is drawn.

Run with `.venv/bin/python benchmarks/bench_products.py [--runs N] [--only NAME] [--src PATH]`
(--src: time another checkout's `src`, e.g. the code before a change; the results then go to
products-<name of the checkout>.json). Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "products.json"
# the targets of issue 12, wall seconds
TARGETS = {"help": 1.0, "measures": 3.0, "sna-somerset": 10.0, "sna-somerset-cold": 10.0}
# run on a home with an empty chart cache (cold_home), every chart drawn
COLD = ("sna-somerset-cold",)


def commands(out: Path) -> dict[str, list[str]]:
    return {
        "help": ["--help"],
        "measure-help": ["measures", "--help"],
        "measures": ["measures", "--json"],
        "sna-somerset": ["sna", "--area", "somerset", "--out", str(out), "--json"],
        "sna-somerset-cold": ["sna", "--area", "somerset", "--out", str(out), "--json"],
    }


def cold_home(home: Path, tmp: Path) -> Path:
    """A home whose files are links to ``home``'s (the warehouse and its snapshots, the
    partnership, keys, strategies) but whose chart cache is its own (emptied by the caller)."""
    cold = tmp / "cold-home"
    cold.mkdir()
    for entry in home.iterdir():
        if entry.name != "cache":
            (cold / entry.name).symlink_to(entry.resolve())
    return cold


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    memory = None
    try:
        with open("/proc/meminfo") as f:
            memory = round(int(f.readline().split()[1]) / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
    }


def run(args: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one `python -m svduty ARGS` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "svduty", *args], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"svduty {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def summary(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 3),
        "best": round(min(values), 3),
        "worst": round(max(values), 3),
        "runs": [round(v, 3) for v in values],
    }


def demo_home(tmp: Path) -> Path:
    home = tmp / "home"
    print("building the demo warehouse (svduty demo, about two minutes) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "svduty", "demo", "--json"],
        env=dict(os.environ, SVDUTY_HOME=str(home), PYTHONPATH=str(ROOT / "src")),
        check=True,
        capture_output=True,
    )
    return home


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", action="append", help="Only this command (repeatable).")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="svduty's src folder.")
    args = parser.parse_args()
    src = args.src.resolve()
    results_file = (
        RESULTS if src == ROOT / "src" else RESULTS.with_name(f"products-{src.parent.name}.json")
    )
    print(f"svduty from {src}")
    about = machine()
    print(
        f"machine: {about['cpu']}, nproc {about['nproc']}, {about['memory_gib']} GiB, "
        f"{about['platform']}, python {about['python']}"
    )
    load_before = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(os.environ["SVDUTY_HOME"]) if "SVDUTY_HOME" in os.environ else None
        home = home or demo_home(Path(tmp))
        # this checkout's svduty, whatever the venv has installed
        env = dict(os.environ, SVDUTY_HOME=str(home), PYTHONPATH=str(src))
        cold = cold_home(home, Path(tmp))
        results = {}
        for name, cmd in commands(Path(tmp) / "sna").items():
            if args.only and name not in args.only:
                continue
            cmd_env = dict(env, SVDUTY_HOME=str(cold)) if name in COLD else env

            def once(cmd=cmd, cmd_env=cmd_env, name=name) -> tuple[float, float]:
                if name in COLD:  # nothing drawn before: every chart drawn in this run
                    shutil.rmtree(cold / "cache", ignore_errors=True)
                return run(cmd, cmd_env)

            once()  # warm the disk cache and Python's bytecode cache
            walls, cpus = [], []
            for _ in range(args.runs):
                wall, cpu = once()
                walls.append(wall)
                cpus.append(cpu)
            results[name] = {"command": ["svduty", *cmd[:3]], "wall_s": summary(walls),
                             "cpu_s": summary(cpus), "target_wall_s": TARGETS.get(name)}  # fmt: skip
            target = TARGETS.get(name)
            verdict = (
                ""
                if target is None
                else f"  target {target:g} s: {'met' if statistics.median(walls) <= target else 'NOT met'}"
            )
            print(
                f"{name:14s} wall median {statistics.median(walls):6.2f} s (best {min(walls):.2f}, "
                f"worst {max(walls):.2f}); CPU median {statistics.median(cpus):6.2f} s{verdict}",
                flush=True,
            )
    load_after = os.getloadavg()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}")
    results_file.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "src": str(src),
        "machine": about,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "runs": args.runs,
        "results": results,
    }
    results_file.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written: {results_file.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
