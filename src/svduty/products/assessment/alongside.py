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

The second process is started as early as the command can (:func:`prestart`, before this process
imports the section builders or opens the warehouse) and imports what it will need (:data:`WARM`)
while the first makes its Context; :func:`start` then hands it its Job. Started only once the
first process had its Context, the second spent its first two seconds or so importing while
the first was already building sections, which on a quiet two-core machine left one core idle.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
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
from typing import TYPE_CHECKING

# Only what a Job and a claim need at the top: the command imports this module to start the
# second process before it imports the section builders (pandas, Ibis, Altair), not after.
if TYPE_CHECKING:
    from svduty.products.assessment.common import Built

__all__ = ["FIRST", "WARM", "Job", "Running", "claim", "discard", "prestart", "start"]

#: What the second process starts with: "where" is about a third of the build (Gi* hotspots for
#: each year, three maps, the heaviest charts to draw), and its maps are best drawn early.
FIRST = ("where",)

#: What the second process imports while it waits for its Job: the section builders (which the
#: Job's functions import when it is read) and what "where", which it starts with, imports when
#: it runs (esda and libpysal for Gi*, scipy.stats and statsmodels for the hot places): about
#: 2.5 CPU-seconds that it would otherwise spend after the first process has sent it work.
WARM = (
    "svduty.products.assessment.build",
    "esda.crand",
    "esda.getisord",
    "libpysal.graph",
    "scipy.stats",
    "statsmodels.stats.multitest",
)

# The second process started by prestart() and not yet given a Job.
_spare: subprocess.Popen | None = None

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


def _spawn() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )


def prestart() -> None:
    """Start the second process now, to import what it needs (WARM) while this one makes its
    Context; the next :func:`start` gives it its Job. Call :func:`discard` when done, in case
    none was started (a warehouse that cannot be shared, an error before the build)."""
    global _spare
    if _spare is None:
        _spare = _spawn()


def discard() -> None:
    """End the process :func:`prestart` started if no Job was given to it."""
    global _spare
    process, _spare = _spare, None
    if process is not None:
        process.kill()  # it has done nothing but import
        process.stdin.close()
        process.stdout.close()
        process.wait()


def start(job: Job) -> Running:
    """Start the second process on ``job`` (its ``claims`` folder is removed when it ends): the
    one :func:`prestart` started, if it is still there, else a new one."""
    global _spare
    process, _spare = _spare, None
    if process is None or process.poll() is not None:
        if process is not None:  # ended before its Job (killed, say): a new one
            process.stdin.close()
            process.stdout.close()
            process.wait()
        process = _spawn()
    # A Job is a few kilobytes: the pipe takes it whole, while the process may still be importing.
    try:
        with process.stdin:
            pickle.dump(job, process.stdin)
    except BrokenPipeError:  # it ended meanwhile: result() reports the failure
        pass
    return Running(process, job.claims)


def drawn(built: Built) -> Built:
    """``built`` with its charts drawn and let go (Figure.drawn_apart): the drawing is done
    here, in parallel, and a map's chart would be megabytes to hand back."""
    from svduty.products.assessment.model import FigurePart

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
        # one DuckDB thread in each of the two processes: two of each on two cores only
        # contend (measured: 17.0 CPU-s and 9.6 s wall for Somerset, from 18.6 and 10.5)
        wh.ibis.raw_sql("SET threads = 1")
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
        for name in WARM:
            with contextlib.suppress(ImportError):  # a section that needs it will say so
                importlib.import_module(name)
        try:
            job = pickle.load(sys.stdin.buffer)
        except EOFError:  # no Job: the first process did not need this one (discard)
            answer.close()
            return
        payload = ("built", build(job))
    except BaseException:
        payload = ("failed", traceback.format_exc())
    with answer:
        pickle.dump(payload, answer)
