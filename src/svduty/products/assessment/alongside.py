"""An assessment's sections shared between two processes.

An assessment's sections are independent: each reads the warehouse through the same
:class:`~svduty.products.assessment.scope.Context` and returns a
:class:`~svduty.products.assessment.common.Built`; the Context only caches what they read. Most
of the time goes in Python (Ibis compiling queries, pandas, Gi*'s permutations, vl-convert
drawing the charts), which one process runs on one core at a time. So `svduty sna` starts a
second Python process, which opens the same published snapshot of the warehouse read only
(DuckDB lets any number of processes read one file) and makes its own Context over the same area
and period. The first process builds the sections in reading order; the second starts with
:data:`FIRST` (the heaviest) and then takes them from the end. Each section is claimed before it
is built, by creating a file named after it in a folder both share (``O_EXCL``: exactly one
process succeeds), so each is built once, by whichever process is free, however loaded the
machine. The second draws its sections' charts and hands them back when the first has finished
its own. The sections are the same functions on the same data, so the document is the same,
byte for byte, whichever process built what (tests/test_sna.py).

It is used only when the warehouse is a published DuckDB snapshot (``Warehouse.snapshot_url``);
anything else builds every section in the first process. When the second process fails, for
any reason, the first builds the sections it took, so an error in a section is raised where it
always was.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from svduty.products.assessment.common import Built
from svduty.products.assessment.model import FigurePart

__all__ = ["FIRST", "Job", "Running", "claim", "start"]

#: What the second process starts with: "where" is about a third of the build (Gi* hotspots for
#: each year, three maps, the heaviest charts to draw), and its maps are best drawn early.
FIRST = ("where",)

# The second process starts with the first one's import path (a test's or a checkout's svduty),
# then reads its Job from standard input.
_BOOT = (
    "import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
    "from svduty.products.assessment.alongside import main; main()"
)


@dataclass(frozen=True)
class Job:
    """What the second process needs to make the same Context and build ``sections``: (name,
    the function that builds it) pairs in reading order, each built as ``missing(ctx, name)``
    or, when that is None, ``make(ctx)`` (functions are pickled by name), once claimed in the
    folder ``claims``."""

    url: str
    partnership: object
    area: object
    period: object
    permutations: int
    seed: int
    measures: object
    sections: tuple[tuple[str, Callable], ...]
    missing: Callable
    claims: Path
    drawings: Path | None = None  # where drawn charts are kept (products.drawings), if anywhere


def claim(claims: Path, name: str) -> bool:
    """Whether this process may build the section ``name``: True for exactly one process."""
    try:
        os.close(os.open(claims / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


class Running:
    """The second process, building sections."""

    def __init__(self, process: subprocess.Popen, claims: Path):
        self.process = process
        self.claims = claims
        self.failure: str | None = None

    def claim(self, name: str) -> bool:
        """Whether the first process may build ``name`` (the second has not taken it)."""
        return claim(self.claims, name)

    def result(self) -> dict[str, tuple[Built, float]] | None:
        """The Built of each section the process built, and the seconds it took, once it has
        finished; None when it failed (``failure`` says why; the caller builds the sections it
        took)."""
        try:
            payload = self.process.stdout.read()
        finally:
            self.process.stdout.close()
            self.process.wait()
            shutil.rmtree(self.claims, ignore_errors=True)
        if self.process.returncode != 0 or not payload:
            self.failure = f"the second process ended with status {self.process.returncode}"
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
        shutil.rmtree(self.claims, ignore_errors=True)


def start(job: Job) -> Running:
    """Start the second process on ``job`` (its ``claims`` folder is removed when it ends)."""
    process = subprocess.Popen(
        [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    with process.stdin:
        pickle.dump(job, process.stdin)
    return Running(process, job.claims)


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
            first = [s for s in job.sections if s[0] in FIRST]
            for name, make in first + [s for s in reversed(job.sections) if s not in first]:
                if not claim(job.claims, name):
                    continue
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
