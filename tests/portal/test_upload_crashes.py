# ruff: noqa: F811  (the fixtures imported from test_uploads are parameters here)
"""Uploads survive crashes, with real processes killed for real (SIGKILL): the background
worker killed in the middle of a load (its warehouse transaction open) or of a check, and a web
process killed while it writes a received file. Each upload still reaches an end, with an
audit event, and its file as received is deleted.

The portal here is a data directory of its own (its SQLite database, warehouse and key), as
`svduty serve` runs it; the test reads the portal's database directly to watch.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from portal.test_serve import SVDUTY, _alive, _children, _free_port, _get
from portal.test_uploads import ROWS, built, corrupted_file  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.sqlite,  # the portal it starts runs on SQLite: it runs in the SQLite pass only
    pytest.mark.slow,  # worker processes and the portal started, killed and stopped: minutes
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
    pytest.mark.skipif(
        os.environ.get("SVDUTY_TEST_PORTAL_DATABASE") == "postgres",
        reason="a portal of its own on SQLite; runs in the SQLite pass of the portal tests",
    ),
]

HELPER = Path(__file__).with_name("crash_helper.py")
FINAL = {"loaded", "invalid", "refused", "failed", "cancelled"}


class Portal:
    """A data directory with a portal database, and the processes run on it."""

    def __init__(self, home: Path):
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
        self.env.update(
            SVDUTY_HOME=str(home),
            DJANGO_SETTINGS_MODULE="svduty.portal.settings",
            PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
        )
        self.processes: list[subprocess.Popen] = []

    def helper(self, *args: str, **env: str) -> str:
        done = subprocess.run(
            [sys.executable, str(HELPER), *args],
            env=self.env | env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def start(self, command: list[str], **env: str) -> subprocess.Popen:
        with (self.home.parent / f"process-{len(self.processes)}.log").open("w") as log:
            process = subprocess.Popen(
                command, env=self.env | env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def worker(self, **env: str) -> subprocess.Popen:
        return self.start(
            [sys.executable, "-m", "svduty.portal", "worker", "--no-reload",
             "--no-startup-delay", "--interval", "0.2"],
            **env,
        )  # fmt: skip

    def upload(self, pk: int) -> dict:
        with sqlite3.connect(self.home / "portal.sqlite3") as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM portal_upload WHERE id = ?", (pk,)).fetchone()
            events = db.execute(
                "SELECT detail FROM portal_auditevent WHERE action IN ('upload', 'ingest') "
                "ORDER BY id"
            ).fetchall()
        steps = [json.loads(e[0]) for e in events]
        return dict(row) | {
            "steps": [d.get("step", "ingest") for d in steps if d.get("upload") == pk]
        }

    def wait(self, pk: int, until, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.upload(pk)
            if until(state):
                return state
            time.sleep(0.2)
        pytest.fail(f"upload {pk} stayed {self.upload(pk)}:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.home.parent.glob("process-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def wait_for_file(path: Path, portal: Portal, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.1)
    pytest.fail(f"{path.name} never appeared:\n{portal.logs()}")


def sigkill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


@pytest.fixture
def portal(built, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(built[0], home)
    portal = Portal(home)
    portal.helper("setup")
    (tmp_path / "extract.csv").write_bytes(corrupted_file(*built[1:]))
    yield portal
    portal.stop_all()


def loads(home: Path) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT load_id, rows_read FROM loads WHERE source = 'police-crime'"
        ).fetchall()


def test_a_worker_killed_mid_load_is_resumed_by_the_next_and_loads_once(portal, tmp_path):
    pk = int(portal.helper("store", str(tmp_path / "extract.csv")))
    flag = tmp_path / "in-the-load"
    first = portal.worker(SVDUTY_FAULT_PAUSE_BEFORE_COMMIT=str(flag))
    portal.wait(pk, lambda u: u["status"] == "received")
    portal.helper("confirm", str(pk))
    wait_for_file(flag, portal)  # everything written, nothing committed
    sigkill(first)
    assert portal.upload(pk)["status"] == "loading"  # what a killed worker leaves
    portal.worker()
    done = portal.wait(pk, lambda u: u["status"] in FINAL)
    assert done["status"] == "loaded", done["message"]
    assert done["interrupted"] == 1 and done["rows_read"] == ROWS
    assert done["steps"] == ["checked", "load resumed", "ingest"]
    assert not Path(done["stored_path"]).exists()
    assert len(loads(portal.home)) == 1  # the killed transaction left nothing


def test_a_worker_killed_mid_check_twice_fails_the_upload_with_a_reason(portal, tmp_path):
    pk = int(portal.helper("store", str(tmp_path / "extract.csv")))
    for attempt in (1, 2):
        flag = tmp_path / f"in-the-check-{attempt}"
        worker = portal.worker(SVDUTY_FAULT_PAUSE_IN_UPLOAD=str(flag))
        assert wait_for_file(flag, portal) == "check"
        sigkill(worker)
        assert portal.upload(pk)["status"] == "checking"
    portal.worker()
    done = portal.wait(pk, lambda u: u["status"] in FINAL)
    assert done["status"] == "failed" and "2 times" in done["message"]
    assert done["steps"] == ["check resumed", "check given up"]
    assert not Path(done["stored_path"]).exists()


def test_a_web_process_killed_while_storing_leaves_an_upload_the_sweep_fails(portal, tmp_path):
    flag = tmp_path / "in-the-store"
    web = subprocess.Popen(
        [sys.executable, str(HELPER), "store", str(tmp_path / "extract.csv")],
        env=portal.env | {"SVDUTY_FAULT_PAUSE_IN_UPLOAD": str(flag)},
    )
    portal.processes.append(web)
    assert wait_for_file(flag, portal) == "store"
    sigkill(web)
    with sqlite3.connect(portal.home / "portal.sqlite3") as db:
        ((pk,),) = db.execute("SELECT id FROM portal_upload").fetchall()
    left = portal.upload(pk)
    assert left["status"] == "checking" and left["sha256"] == ""
    assert Path(left["stored_path"]).exists()  # part of the file, with raw references
    portal.helper("sweep", "20")  # the worker's sweep, once the grace has passed
    done = portal.upload(pk)
    assert done["status"] == "failed" and "did not arrive whole" in done["message"]
    assert done["steps"] == ["store interrupted"]
    assert not Path(done["stored_path"]).parent.exists()


def serve(portal: Portal, **env: str) -> tuple[subprocess.Popen, str]:
    """`svduty serve` on the portal's data directory, once it answers: (process, base URL)."""
    port = _free_port()
    process = portal.start([str(SVDUTY), "serve", "--port", str(port), "--no-demo"], **env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, portal.logs()
        try:
            if _get(base + "/sign-in/")[0] == 200:
                return process, base
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"svduty serve did not answer:\n{portal.logs()}")


def workers_of(process: subprocess.Popen) -> list[int]:
    return [pid for pid, cmd in _children(process.pid).items() if "svduty.portal worker" in cmd]


def test_serve_starts_its_worker_again_when_it_dies_and_the_upload_goes_on(portal, tmp_path):
    server, base = serve(portal)
    (first,) = workers_of(server)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not [p for p in workers_of(server) if p != first]:
        time.sleep(0.2)
    (second,) = workers_of(server)
    assert second != first and _alive(second) and server.poll() is None
    assert _get(base + "/sign-in/")[0] == 200
    pk = int(portal.helper("store", str(tmp_path / "extract.csv")))
    assert portal.wait(pk, lambda u: u["status"] != "checking")["status"] == "received"
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    assert "started it again" in portal.logs()


def test_a_stop_in_the_middle_of_a_load_lets_the_load_finish(portal, tmp_path):
    """The load pauses 60 s before its commit (longer than the 30 s the web server gets):
    SIGTERM to `svduty serve` then waits for the worker, which finishes the load."""
    flag = tmp_path / "in-the-load"
    server, _ = serve(portal, SVDUTY_FAULT_PAUSE_BEFORE_COMMIT=str(flag))
    pk = int(portal.helper("store", str(tmp_path / "extract.csv")))
    portal.wait(pk, lambda u: u["status"] == "received")
    portal.helper("confirm", str(pk))
    wait_for_file(flag, portal)
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=150) == 0, portal.logs()
    done = portal.upload(pk)
    assert done["status"] == "loaded" and done["interrupted"] == 0, done["message"]
    assert not Path(done["stored_path"]).exists() and len(loads(portal.home)) == 1
