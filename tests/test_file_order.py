"""tests/file_order.py: the order pytest-xdist's workers are handed the test files in."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import file_order

TESTS = Path(__file__).resolve().parent


def _items(*specs: tuple[str, str, tuple[str, ...]]) -> list[SimpleNamespace]:
    """Stand-ins for collected items: (file, test name, fixtures)."""
    return [SimpleNamespace(nodeid=f"{f}::{t}", fixturenames=fx) for f, t, fx in specs]


def test_files_go_longest_first_unknown_first_demo_last_and_a_files_tests_keep_their_order(
    tmp_path, monkeypatch
):
    recorded = tmp_path / "file_seconds.json"
    recorded.write_text(json.dumps({"short.py": 1.0, "long.py": 30.0, "demo.py": 50.0}))
    monkeypatch.setattr(file_order, "RECORDED", recorded)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    items = _items(
        ("short.py", "a", ()),
        ("demo.py", "b", ()),  # one test of this file needs the demo: the whole file waits
        ("long.py", "c", ()),
        ("short.py", "d", ()),
        ("demo.py", "e", ("demo_config",)),
        ("new.py", "f", ()),
        ("long.py", "g", ()),
    )
    file_order.sort_items(items)
    assert [i.nodeid for i in items] == [
        "new.py::f",
        "long.py::c",
        "long.py::g",
        "short.py::a",
        "short.py::d",
        "demo.py::b",
        "demo.py::e",
    ]


def test_without_xdist_the_order_on_disk_is_kept(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    items = _items(("a.py", "t", ()), ("tests/portal/test_permissions.py", "t", ()))
    file_order.sort_items(items)
    assert [i.nodeid for i in items] == ["a.py::t", "tests/portal/test_permissions.py::t"]


def test_xdist_is_told_to_keep_the_collected_order(monkeypatch):
    monkeypatch.delenv(file_order.RECORD_TO, raising=False)
    config = SimpleNamespace(
        option=SimpleNamespace(loadscopereorder=True), pluginmanager=SimpleNamespace()
    )
    file_order.configure(config)
    assert config.option.loadscopereorder is False


def test_every_recorded_file_is_a_test_file_of_the_suite():
    recorded = json.loads(file_order.RECORDED.read_text(encoding="utf-8"))
    missing = [name for name in recorded if not (TESTS.parent / name).is_file()]
    assert not missing, (
        f"{file_order.RECORDED.name} names test files that are not there: {missing}; "
        "remove them from it (or record the figures again, see tests/file_order.py)"
    )
    assert all(isinstance(s, int | float) and s >= 0 for s in recorded.values())
