"""`svduty serve` end to end, as a person runs it: it starts on a fresh data directory, serves the
sign-in page and its stylesheet through gunicorn, prints each demo person's password once (the
very passwords the database's argon2 hashes accept), prints none the second time, and leaves no
worker or server process behind when stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password

pytestmark = [
    pytest.mark.sqlite,  # the portal it starts runs on SQLite: it runs in the SQLite pass only
    pytest.mark.slow,  # two starts of the portal: about 20 s
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
    # `svduty serve` runs on its own SQLite database whatever the session's is: once is enough
    pytest.mark.skipif(
        os.environ.get("SVDUTY_TEST_PORTAL_DATABASE") == "postgres",
        reason="runs in the SQLite pass of the portal tests",
    ),
]

SVDUTY = Path(sys.executable).with_name("svduty")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path) -> dict[str, str]:
    # nothing of the test session's own portal (its database URL, its key) reaches the server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    env.update(SVDUTY_HOME=str(home), PYTHONUNBUFFERED="1", COLUMNS="200")
    return env


def _children(pid: int) -> dict[int, str]:
    """Processes whose parent is ``pid``: their command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = cmdline.decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


class Portal:
    """One run of `svduty serve`: started, waited for, stopped; its output kept."""

    def __init__(self, home: Path, name: str):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out = home.parent / f"{name}.out"
        self.err = home.parent / f"{name}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [str(SVDUTY), "serve", "--port", str(self.port)],
                env=_env(home),
                stdout=out,
                stderr=err,
            )

    def wait_until_up(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"svduty serve exited ({self.process.returncode}):\n{self.output()}")
            try:
                status, _, html = _get(self.base + "/sign-in/")
                if status == 200:
                    return html
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"svduty serve did not answer in {timeout} s:\n{self.output()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def output(self) -> str:
        return self.out.read_text() + "\n--- stderr ---\n" + self.err.read_text()


@pytest.fixture
def home(tmp_path):
    return tmp_path / "data"


def test_serve_starts_the_portal_with_its_worker_and_prints_passwords_once(home):
    assert SVDUTY.exists(), f"the svduty command is not installed at {SVDUTY}"
    first = Portal(home, "first")
    try:
        html = first.wait_until_up()
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
        status, content_type, css = _get(first.base + stylesheet)
        assert status == 200 and content_type.startswith("text/css") and ".button" in css
        children = _children(first.process.pid)
        workers = [pid for pid, cmd in children.items() if "svduty.portal worker" in cmd]
        servers = [pid for pid, cmd in children.items() if "gunicorn" in cmd]
        assert len(workers) == 1 and len(servers) == 1, children
        assert all(_alive(pid) for pid in workers + servers)
    finally:
        code = first.stop()
    assert code == 0, first.output()
    assert not any(_alive(pid) for pid in workers + servers), "a child outlived svduty serve"

    # every person in the portal's database is in the table, with a password its hash accepts
    output = first.out.read_text()
    with sqlite3.connect(home / "portal.sqlite3") as db:
        hashes = dict(db.execute("SELECT username, password FROM auth_user"))
    assert len(hashes) >= 4
    passwords = {}
    for line in output.splitlines():
        words = line.split()
        if words and words[0] in hashes:
            passwords[words[0]] = words[-1]
    assert set(passwords) == set(hashes)
    for username, password in passwords.items():
        assert check_password(password, hashes[username]), username
        assert output.count(password) == 1, f"{username}'s password printed more than once"

    second = Portal(home, "second")
    try:
        second.wait_until_up()
    finally:
        assert second.stop() == 0, second.output()
    again = second.output()
    assert "already exist" in again
    assert not any(p in again for p in passwords.values())
