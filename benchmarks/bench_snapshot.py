"""What publishing a read snapshot of a DuckDB warehouse costs (docs/concurrency.md): the file's
size, the time a write session spends publishing when it closes, and a reader's open.

The warehouse is the demo's (`svduty demo`, built once into a temporary data directory in a child
process), or a copy of the one in `--home`. Each publish is a first publish (the snapshots folder
is emptied before it), so it copies the whole file; a session that changed nothing publishes
nothing and is timed too. "reader" is `connect(url, read_only=True)`, one count, close.

Run with `.venv/bin/python benchmarks/bench_snapshot.py [--home DIR] [--runs N]`. Not part of the
tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from svduty.warehouse import connect, snapshots


def _demo(home: Path) -> None:
    env = dict(os.environ, SVDUTY_HOME=str(home), SVDUTY_LOADED_BY="bench")
    subprocess.run(
        [sys.executable, "-c", "from svduty.cli import main; main()", "demo"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _best(times: list[float]) -> str:
    return f"best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a data directory whose warehouse to copy")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        if args.home:
            home.mkdir()
            shutil.copyfile(args.home / "warehouse.duckdb", home / "warehouse.duckdb")
        else:
            began = time.perf_counter()
            _demo(home)
            print(f"demo built in {time.perf_counter() - began:.0f} s")
        path = home / "warehouse.duckdb"
        url = f"duckdb:///{path}"
        first, unchanged, reader = [], [], []
        for _ in range(args.runs):
            shutil.rmtree(snapshots.folder(path), ignore_errors=True)
            wh = connect(url)
            began = time.perf_counter()
            wh.publish()
            first.append(time.perf_counter() - began)
            began = time.perf_counter()
            wh.close()  # nothing changed since: no copy
            unchanged.append(time.perf_counter() - began)
            began = time.perf_counter()
            ro = connect(url, read_only=True)
            ro._raw.execute("SELECT count(*) FROM loads").fetchone()
            ro.close()
            reader.append(time.perf_counter() - began)
        size = path.stat().st_size
        print(f"warehouse file: {size / 2**20:.1f} MiB")
        print(f"publish (checkpoint, copy, fsync, rename): {_best(first)}")
        print(f"publish when nothing changed: {_best(unchanged)}")
        print(f"reader open + one count + close: {_best(reader)}")
        print(f"disk: the warehouse and {snapshots.KEEP} snapshots, {3 * size / 2**20:.0f} MiB")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
