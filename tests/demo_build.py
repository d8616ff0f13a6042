"""The demo warehouse built once per test run, however many pytest-xdist workers need it.

Building it (`svduty demo`: every bundled police.uk month, the ONS tables, the synthetic feeds and
the products) takes about two minutes, so it is built once, by a child process started as soon
as a session sees a test that needs it: the child builds while the workers run other tests, and
a worker that reaches a demo test waits for it. Every test opens the demo warehouse read only,
and DuckDB lets any number of processes read one file, so the workers share the one build.

The pattern is the one pytest-xdist's documentation gives for session fixtures shared between
workers: a folder all workers of one run share (the parent of each worker's own basetemp; a run
without xdist uses its own basetemp; SVDUTY_TEST_DEMO_DIR names one to share between runs, which
whoever sets it must clear when the code changes), a file lock, build once, the others wait and
reuse. Here the child holds the lock for as long as it builds, so waiting is a blocking `flock`,
not polling.

    started   the build was started (by whichever process took the lock first)
    done      the build finished; `home` is the demo data directory, `result.json` what
              `svduty demo` returned (as its --json prints it)
    failed    the build raised; the file holds the traceback, `build.log` the child's output
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Run by the child: the demo exactly as the session fixture used to build it in-process.
_BUILD = """
import json, sys, traceback
from pathlib import Path
root = Path(sys.argv[1])
try:
    from svduty.cli import demo
    from svduty.settings import Config
    result = demo(Config.from_env({"SVDUTY_HOME": sys.argv[2], "SVDUTY_LOADED_BY": "pytest"}))
    (root / "result.json").write_text(json.dumps(result, default=str), encoding="utf-8")
except BaseException:
    (root / "failed").write_text(traceback.format_exc(), encoding="utf-8")
    raise
(root / "done").write_text("built\\n", encoding="utf-8")
"""


# The building child, in the process that started it: waited for before that process ends.
# the build children this process started, by their run folder: each is waited for by its own
# folder's wait(), and none is dropped while it runs (a test of this module starts a quick build
# of its own while the session's real one may still be building)
_children: dict[Path, subprocess.Popen] = {}


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of this run's demo build, shared by every xdist worker of the run."""
    chosen = os.environ.get("SVDUTY_TEST_DEMO_DIR")
    if chosen:  # `make test` shares one build between its two runs, and clears it first
        root = Path(chosen)
    else:
        base = tmp_path_factory.getbasetemp()
        # a worker's basetemp is <run>/popen-gwN: the run's folder is its parent. Without xdist
        # the parent is shared by every pytest run of this user, so the run's own is used
        root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "svduty-demo"
    root.mkdir(parents=True, exist_ok=True)
    return root


def start(root: Path, build: str = _BUILD) -> None:
    """Start the build in a child process unless it was started already (by any worker).

    ``build`` is the child's Python source, run with the arguments root and home (tests of this
    module pass a quicker one)."""
    with open(root / "lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another process is starting it, or the child is building
        if (root / "started").exists():
            return
        with open(root / "build.log", "w") as log:
            # the child inherits the locked file and so holds the lock until it exits
            _children[root] = subprocess.Popen(
                [sys.executable, "-c", build, str(root), str(root / "home")],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                pass_fds=(lock.fileno(),),
                start_new_session=True,  # a Ctrl-C of the session does not leave it half-killed
            )
        (root / "started").write_text("started\n", encoding="utf-8")


def wait(root: Path, build: str = _BUILD) -> Path:
    """The built demo data directory, once the build has finished; fails the test if it failed."""
    start(root, build)
    with open(root / "lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # returns once the building child has exited
    reap(root)
    if (root / "done").exists():
        return root / "home"
    log = (root / "build.log").read_text(encoding="utf-8", errors="replace")
    failed = root / "failed"
    reason = failed.read_text(encoding="utf-8") if failed.exists() else "the build process died"
    pytest.fail(f"building the demo warehouse in {root} failed:\n{reason}\n{log[-4000:]}")


def reap(root: Path | None = None) -> None:
    """Wait for the child this process started for ``root`` (every child, by default), if any
    (it may still be building for another worker): no process of the run outlives it."""
    for folder in [root] if root is not None else list(_children):
        child = _children.pop(folder, None)
        if child is not None:
            child.wait()
