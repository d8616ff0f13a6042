"""The order test files are handed to pytest-xdist's workers: longest first, demo files last.

`make test` and `make test-fast` run one test file per worker at a time (`--dist loadfile`), each
worker taking the next file in the order collected when it runs short. pytest-xdist's own order
(`--loadscope-reorder`, its default) is by number of tests, most first: a file of six tests that
takes a minute (tests/test_backup.py) came near the end, and the other worker sat idle while it
ran. Ordered by how long each file took (file_seconds.json, CPU seconds of the worker and of
the processes its tests start), the last files to start are short and the workers finish
together. Files that need the demo warehouse go after every other file, so the workers run
those while the demo builds beside them (tests/demo_build.py) rather than wait for it.

A file not in file_seconds.json (new, or one test-fast leaves out) goes first of its group, as
if it were long: a new long file then cannot end a run alone, and a short one costs nothing
there. To refresh the figures, run the tests with SVDUTY_TEST_FILE_SECONDS naming a JSON file
to write (the figures of the files that ran replace those recorded), e.g.

    SVDUTY_TEST_FILE_SECONDS=tests/file_seconds.json make test-fast
"""

from __future__ import annotations

import json
import os
import resource
from collections import defaultdict
from pathlib import Path

import pytest

RECORDED = Path(__file__).resolve().parent / "file_seconds.json"
RECORD_TO = "SVDUTY_TEST_FILE_SECONDS"


def configure(config: pytest.Config) -> None:
    """Hand files out in the collected order (the order sort_items makes), and record each
    file's seconds when SVDUTY_TEST_FILE_SECONDS asks for it."""
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist is installed
        config.option.loadscopereorder = False
    target = os.environ.get(RECORD_TO)
    if target:
        config.pluginmanager.register(_Recorder(Path(target)), "svduty-file-seconds")


def sort_items(items: list[pytest.Item]) -> None:
    """Order ``items`` by file: files without the demo warehouse first, then those with it,
    each group longest first; the tests of a file keep their order. Only in pytest-xdist's
    workers (every worker sorts the same collection the same way, as xdist requires): a run
    without xdist keeps the order of the files on disk."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    seconds = _recorded()
    needs_demo: dict[str, bool] = defaultdict(bool)
    for item in items:
        needs_demo[_file(item)] |= "demo_config" in getattr(item, "fixturenames", ())

    def key(item: pytest.Item) -> tuple[bool, float]:
        name = _file(item)
        return needs_demo[name], -seconds.get(name, float("inf"))

    items.sort(key=key)  # stable: a file's tests stay in their order


def _file(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def _recorded() -> dict[str, float]:
    try:
        return json.loads(RECORDED.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _cpu_seconds() -> float:
    """User and system CPU of this process and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Recorder:
    """Each test's CPU seconds, measured where it runs (an xdist worker or the only process),
    carried to the process that writes them in the test's report (user_properties)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.seconds: dict[str, float] = defaultdict(float)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        before = _cpu_seconds()
        item.user_properties.append(("cpu_before", before))
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        if call.when == "teardown":
            before = dict(item.user_properties)["cpu_before"]
            outcome.get_result().user_properties.append(("cpu", _cpu_seconds() - before))

    def pytest_runtest_logreport(self, report):
        if report.when == "teardown":
            self.seconds[report.nodeid.split("::", 1)[0]] += dict(report.user_properties)["cpu"]

    def pytest_sessionfinish(self, session):
        if os.environ.get("PYTEST_XDIST_WORKER") or not self.seconds:
            return  # the controller writes, from every worker's reports
        recorded = {}
        if self.target.exists():
            recorded = json.loads(self.target.read_text(encoding="utf-8"))
        recorded.update({name: round(s, 1) for name, s in self.seconds.items()})
        ordered = dict(sorted(recorded.items(), key=lambda kv: (-kv[1], kv[0])))
        self.target.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
