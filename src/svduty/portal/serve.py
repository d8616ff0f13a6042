"""`svduty serve`: the portal on one machine, with its background worker.

:func:`prepare` brings the portal's database up to date and creates the demo organisations and
people the first time; :func:`run` starts the worker (``python -m svduty.portal worker``, which
checks and loads uploads) and the web server (gunicorn), starts the worker again if it dies, and
stops both when it is stopped (Ctrl-C or SIGTERM), giving the worker time to finish a load.
Production runs the same two processes as services instead (docs/deploy.md).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

__all__ = [
    "PortUnavailable",
    "check_port",
    "prepare",
    "run",
    "server_command",
    "worker_command",
]

SETTINGS_MODULE = "svduty.portal.settings"
READY_TIMEOUT = 60.0  # seconds for the server to accept connections
STOP_TIMEOUT = 30.0  # seconds the web server gets to finish its requests before a kill
# Threads per web worker: enough that a quick request (a public page, a progress poll) finds a
# thread free while dashboard views hold others. The soak (docs/reliability.md, run F against E)
# measured 8 against 4, with the interpreter's switch interval cut to 1 ms (wsgi.py): public
# pages p95 0.07 s against 1.7 s; dashboards p95 5.0 s against 4.0 s.
THREADS = 8
# Seconds the worker gets to finish the check or load it is running (as TimeoutStopSec=600 in
# docs/deploy.md). A worker killed anyway resumes that upload when it next starts.
WORKER_STOP_TIMEOUT = 600.0
# A worker that dies this many times within RESTART_WINDOW seconds is not started again: it
# is failing at start (a broken database, say), not being killed now and then.
RESTARTS_ALLOWED = 5
RESTART_WINDOW = 300.0


class PortUnavailable(RuntimeError):
    """The address and port to serve on cannot be used."""


def configure() -> None:
    """Point Django at the portal's settings (whatever the environment said) and set it up."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    import django

    django.setup()


def prepare(*, demo: bool = True) -> list[tuple[str, str, str, str]] | None:
    """Migrate the portal's database and, the first time, create the demo organisations and
    people. Returns the people created now as (username, role, organisation, password): their
    passwords exist nowhere else. ``[]`` when they already existed; ``None`` under production
    settings or with ``demo=False``, where no demo people are made."""
    configure()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)
    try:
        if not demo or settings.PRODUCTION:
            return None
        from svduty.portal import seed

        return list(seed.seed())
    finally:
        connections.close_all()  # the children open their own


def server_command(host: str, port: int) -> list[str]:
    """gunicorn with two workers of THREADS threads each; Django's own server where gunicorn
    cannot run (Windows)."""
    if os.name == "posix" and importlib.util.find_spec("gunicorn") is not None:
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        # Threads in each worker, so a request for a page or file that takes milliseconds (the
        # public site, the upload form, a progress poll) is not queued behind dashboard views
        # that take seconds (the soak in docs/reliability.md measured the queue); a dashboard
        # over the whole warehouse can take longer than gunicorn's 30 s default; no control
        # socket, which gunicorn would otherwise put in the home directory, shared by every
        # gunicorn the person runs
        return [sys.executable, "-m", "gunicorn", "svduty.portal.wsgi", "--bind", bind,
                "--workers", "2", "--worker-class", "gthread", "--threads", str(THREADS),
                "--timeout", "120", "--no-control-socket"]  # fmt: skip
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [sys.executable, "-m", "svduty.portal", "runserver", address, "--noreload"]


def worker_command() -> list[str]:
    """The background worker that runs queued tasks (uploads' check and load)."""
    return [sys.executable, "-m", "svduty.portal", "worker", "--no-reload"]


def check_port(host: str, port: int) -> None:
    """Raise :class:`PortUnavailable` unless ``host``:``port`` can be bound now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            s.bind((host, port))
        except OSError as exc:
            raise PortUnavailable(
                f"cannot serve on {host}:{port} ({exc.strerror}): another program may be using "
                "it; choose another with --port"
            ) from exc


def run(host: str, port: int, *, say: Callable[[str], None] = print) -> int:
    """Serve the portal until stopped; returns the exit code (0 when stopped by a signal).

    The children get their own process group, so a Ctrl-C reaches only this process, which
    then asks each child once to stop: the worker finishes the task it is running first. A
    worker that dies (killed, out of memory) is started again, and resumes what it was doing.
    """
    check_port(host, port)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
    children: dict[str, subprocess.Popen] = {}
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM = Ctrl-C
    restarts: list[float] = []
    try:
        children["worker"] = _start(worker_command(), env)
        say(f"Background worker started (process {children['worker'].pid}).")
        children["server"] = server = _start(server_command(host, port), env)
        _wait_until_listening(host, port, server)
        say(f"The portal is at http://{_url_host(host)}:{port}/ (press Ctrl-C to stop it).")
        while True:
            if server.poll() is not None:
                say(f"The web server stopped (exit code {server.returncode}); stopping the portal.")
                return 1
            worker = children["worker"]
            if worker.poll() is not None:
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < RESTART_WINDOW] + [now]
                if len(restarts) > RESTARTS_ALLOWED:
                    say(f"The background worker stopped (exit code {worker.returncode}) "
                        f"{len(restarts)} times in {RESTART_WINDOW:.0f} s; stopping the portal: "
                        "its log says why.")  # fmt: skip
                    return 1
                children["worker"] = _start(worker_command(), env)
                say(f"The background worker stopped (exit code {worker.returncode}); started "
                    f"it again (process {children['worker'].pid}).")  # fmt: skip
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("Stopping the portal...")
        return 0
    finally:
        timeouts = {"worker": WORKER_STOP_TIMEOUT, "server": STOP_TIMEOUT}
        _stop([(child, timeouts[name]) for name, child in children.items()], say)
        signal.signal(signal.SIGTERM, previous)


def _start(command: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
    if os.name != "posix":
        return subprocess.Popen(command, env=env)
    return subprocess.Popen(command, env=env, process_group=0)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "localhost"
    return f"[{host}]" if ":" in host else host


def _wait_until_listening(host: str, port: int, server: subprocess.Popen) -> None:
    target = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the web server exited (code {server.returncode}) while starting")
        try:
            with socket.create_connection((target, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the web server did not answer on {host}:{port} in {READY_TIMEOUT:.0f} s")


def _stop(children: Sequence[tuple[subprocess.Popen, float]], say: Callable[[str], None]) -> None:
    """SIGTERM each child, wait for each to finish within its timeout (the worker's allows a
    load to finish), and kill any that will not (or all of them on a second Ctrl-C)."""
    for child, _ in children:
        if child.poll() is None:
            child.terminate()
    started = time.monotonic()
    try:
        for child, timeout in children:
            if child.poll() is None and timeout > 1:
                say(f"Waiting up to {timeout:.0f} s for process {child.pid} to finish its work.")
            try:
                child.wait(timeout=max(0.1, started + timeout - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"Process {child.pid} did not stop in time; ending it.")
    except KeyboardInterrupt:
        say("Stopping now.")
    finally:
        for child, _ in children:
            if child.poll() is None:
                child.kill()
                child.wait()
