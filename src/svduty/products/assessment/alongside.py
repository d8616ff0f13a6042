"""Some sections of an assessment built in a second process, alongside the first.

An assessment's sections are independent: each reads the warehouse through the same
:class:`~svduty.products.assessment.scope.Context` and returns a
:class:`~svduty.products.assessment.common.Built`; the Context only caches what they read. Most
of the time goes in Python (Ibis compiling queries, pandas, Gi*'s permutations, vl-convert
drawing the charts), which one process runs on one core at a time. So `svduty sna` hands the
sections named in :data:`SECTIONS` to a second Python process, which opens the same published
snapshot of the warehouse read only (DuckDB lets any number of processes read one file), makes
its own Context over the same area and period, builds them, draws their charts and hands them
back, while the first process builds the others. The sections are the same functions on the
same data, so the document is the same (byte for byte: tests/test_sna.py).

It is used only when the warehouse is a published DuckDB snapshot (``Warehouse.snapshot_url``);
anything else, or a second process that fails for any reason, builds every section in the first
process as before, so an error in a section is raised where it always was.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from svduty.products.assessment.common import Built
from svduty.products.assessment.model import FigurePart

__all__ = ["SECTIONS", "Job", "Running", "start"]

#: The sections the second process builds. Chosen by measuring (docs/benchmarks.md, third pass)
#: so that the two processes take about as long: "where" alone is about a third of the build
#: (Gi* hotspots for each year, three maps, the heaviest charts to draw).
SECTIONS = ("definition", "where", "why")

# The second process starts with the first one's import path (a test's or a checkout's svduty),
# then reads its Job from standard input.
_BOOT = (
    "import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
    "from svduty.products.assessment.alongside import main; main()"
)


@dataclass(frozen=True)
class Job:
    """What the second process needs to make the same Context and build ``sections``: (name,
    the function that builds it) pairs, each built as ``missing(ctx, name)`` or, when that is
    None, ``make(ctx)`` (functions are pickled by name)."""

    url: str
    partnership: object
    area: object
    period: object
    permutations: int
    seed: int
    measures: object
    sections: tuple[tuple[str, Callable], ...]
    missing: Callable
    drawings: Path | None = None  # where drawn charts are kept (products.drawings), if anywhere


class Running:
    """The second process, building its sections."""

    def __init__(self, process: subprocess.Popen, sections: tuple[str, ...]):
        self.process = process
        self.sections = sections
        self.failure: str | None = None

    def result(self) -> dict[str, tuple[Built, float]] | None:
        """Each section's Built and seconds taken, once the process has finished; None when
        it failed (the caller then builds the sections itself)."""
        try:
            payload = self.process.stdout.read()
        finally:
            self.process.stdout.close()
            self.process.wait()
        if self.process.returncode != 0 or not payload:
            return None
        status, value = pickle.loads(payload)
        if status != "built":
            self.failure = value
            return None
        return value

    def stop(self) -> None:
        """End the process (the first one failed and will not read what it builds)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.stdout.close()
        self.process.wait()


def start(job: Job) -> Running:
    """Start the second process on ``job``."""
    process = subprocess.Popen(
        [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    with process.stdin:
        pickle.dump(job, process.stdin)
    return Running(process, tuple(name for name, _ in job.sections))


def drawn(built: Built) -> Built:
    """``built`` with its charts drawn and let go (Figure.drawn_apart): the drawing is done
    here, in parallel, and a map's chart would be megabytes to hand back."""
    parts = tuple(
        dataclasses.replace(p, figure=p.figure.drawn_apart()) if isinstance(p, FigurePart) else p
        for p in built.section.parts
    )
    return dataclasses.replace(built, section=dataclasses.replace(built.section, parts=parts))


def build(job: Job) -> dict[str, tuple[Built, float]]:
    """Build the job's sections over a Context of their own (in the second process)."""
    from contextlib import closing

    from svduty.products import drawings
    from svduty.products.assessment.scope import Context
    from svduty.warehouse import connect

    drawings.keep_in(job.drawings)
    out = {}
    with closing(connect(job.url, read_only=True)) as wh:
        ctx = Context.make(
            wh,
            job.partnership,
            job.area,
            job.period,
            permutations=job.permutations,
            seed=job.seed,
            measures=job.measures,
        )
        try:
            for name, make in job.sections:
                started = time.perf_counter()
                made = job.missing(ctx, name) or make(ctx)
                out[name] = (drawn(made), time.perf_counter() - started)
        finally:
            ctx.close()
    return out


def main() -> None:
    """The second process: read a Job from standard input, write ("built", sections) or
    ("failed", traceback) as a pickle to standard output."""
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to standard error, not into the answer
    try:
        payload = ("built", build(pickle.load(sys.stdin.buffer)))
    except BaseException:
        payload = ("failed", traceback.format_exc())
    with answer:
        pickle.dump(payload, answer)
