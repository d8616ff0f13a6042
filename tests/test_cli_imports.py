"""`svduty` starts without the heavy libraries: each command imports what it needs when it runs.

Importing them all made `svduty --help` take seconds, and every subprocess test paid it too
(issue 12). Each check runs in a fresh interpreter, since this one has imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parent.parent / "src")
HEAVY = ("scipy", "pandas", "ibis", "duckdb", "statsmodels", "pyarrow", "altair", "geopandas")


def _imported_after(code: str, *args: str) -> set[str]:
    """The heavy top-level packages in sys.modules after ``code`` ran in a new interpreter."""
    script = (
        "import json, sys\n"
        f"{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_none_of_the_heavy_libraries():
    assert _imported_after("import svduty.cli") == set()


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["measures", "--help"],
        ["sna", "--help"],
        ["strategy", "--help"],
        ["definition", "--help"],
        ["backup", "--help"],
        ["consultation", "--help"],
        ["compliance", "--help"],
        ["synth", "--help"],
        ["--version"],
    ],
)
def test_help_imports_none_of_the_heavy_libraries(args):
    run = "from svduty.cli import app\ntry:\n    app(sys.argv[1:])\nexcept SystemExit:\n    pass"
    assert _imported_after(run, *args) == set()


def test_the_feed_commands_are_there_when_ingest_is_asked_for_them():
    """The partner feeds' commands are added on first use of `ingest`, not at start-up."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    shown = subprocess.run(
        [sys.executable, "-m", "svduty", "ingest", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    for command in ("police-uk", "ons-prc", "police-crime", "ed-assaults", "education"):
        assert command in shown
    usage = subprocess.run(
        [sys.executable, "-m", "svduty", "ingest", "police-crime", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    assert "Police recorded crime (force extract)" in usage


# What the portal may leave until a page or a build needs it: every `python -m svduty.portal`
# command (migrate, check, create_member, the task worker) loads the URLconf and with it every
# view, and importing these took about 3 s of CPU a process (statsmodels, esda and libpysal
# through the products' analysis, scipy.stats through the statistics).
PORTAL_DEFERRED = ("statsmodels", "esda", "libpysal", "sklearn", "scipy.stats")


def test_the_portals_start_up_leaves_the_statistics_libraries_until_they_are_used(tmp_path):
    script = (
        "import json, sys, django\n"
        "django.setup()\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"  # every view module, as a manage command's checks do
        f"deferred = {PORTAL_DEFERRED!r}\n"
        "print(json.dumps(sorted(d for d in deferred if d in sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    env.update(
        PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
        DJANGO_SETTINGS_MODULE="svduty.portal.settings",
        SVDUTY_HOME=str(tmp_path),
        SVDUTY_PORTAL_SECRET_KEY="tests-only-" + "x" * 50,
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_reading_the_warehouse_does_not_import_geopandas():
    """Ibis imports geopandas for every result when it is installed, to look for geometry
    columns a warehouse never has (connection._without_geometry): a quarter of a second for
    `svduty measures`, which draws no map."""
    code = (
        "from svduty.warehouse import connect\n"
        "wh = connect('duckdb://')\n"
        "wh._raw.execute('CREATE TABLE t AS SELECT 1 AS a')\n"
        "assert len(wh.table('t').execute()) == 1\n"
    )
    assert "geopandas" not in _imported_after(code)
