"""`svduty serve`: the portal on one machine, with its background worker.

:func:`prepare` brings the portal's database up to date and creates the demo organisations and
people the first time; :func:`run` starts the worker (django-tasks' ``db_worker``, which ingests
uploads) and the web server (gunicorn), and stops both when it is stopped (Ctrl-C or SIGTERM).
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
STOP_TIMEOUT = 30.0  # seconds a child gets to finish what it is doing (an ingest) before a kill


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
    """gunicorn with two workers; Django's own server where gunicorn cannot run (Windows)."""
    if os.name == "posix" and importlib.util.find_spec("gunicorn") is not None:
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        # a dashboard over the whole warehouse can take longer than gunicorn's 30 s default;
        # no control socket, which gunicorn would otherwise put in the home directory, shared
        # by every gunicorn the person runs
        return [sys.executable, "-m", "gunicorn", "svduty.portal.wsgi", "--bind", bind,
                "--workers", "2", "--timeout", "120", "--no-control-socket"]  # fmt: skip
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [sys.executable, "-m", "svduty.portal", "runserver", address, "--noreload"]


def worker_command() -> list[str]:
    """The background worker that runs queued tasks (uploads' ingest)."""
    return [sys.executable, "-m", "svduty.portal", "db_worker", "--no-reload"]


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
    then asks each child once to stop: the worker finishes the task it is running first.
    """
    check_port(host, port)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
    children: list[tuple[str, subprocess.Popen]] = []
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM = Ctrl-C
    try:
        worker = _start(worker_command(), env)
        children.append(("background worker", worker))
        say(f"Background worker started (process {worker.pid}).")
        server = _start(server_command(host, port), env)
        children.append(("web server", server))
        _wait_until_listening(host, port, server)
        say(f"The portal is at http://{_url_host(host)}:{port}/ (press Ctrl-C to stop it).")
        while True:
            for name, child in children:
                if child.poll() is not None:
                    say(f"The {name} stopped (exit code {child.returncode}); stopping the portal.")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("Stopping the portal...")
        return 0
    finally:
        _stop([child for _, child in children], say)
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


def _stop(children: Sequence[subprocess.Popen], say: Callable[[str], None]) -> None:
    """SIGTERM each child, wait for them to finish, and kill any that will not (or on a second
    Ctrl-C)."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    try:
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        say("A child process did not stop in time; ending it.")
    except KeyboardInterrupt:
        say("Stopping now.")
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
