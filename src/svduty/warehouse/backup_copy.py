"""A consistent copy of the warehouse for a backup, and putting one back (docs/backup.md).

DuckDB: the file is copied while this process holds it open read only. DuckDB lets readers
share a file but gives a writer it alone, so while the copy runs no load can change it, and a
load in progress makes the backup wait until it has committed or rolled back. The write-ahead
log, if there is one, is copied too: it holds committed transactions not yet checkpointed.

PostgreSQL: `pg_dump` (custom format) reads one snapshot, so a load in progress is excluded
whole; `pg_restore` puts it back in one transaction.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import duckdb

from svduty.errors import InputError
from svduty.warehouse import snapshots
from svduty.warehouse.connection import connect, locked

DUCKDB_FILE = "warehouse.duckdb"
PG_DUMP_FILE = "warehouse.pgdump"


class SnapshotProblem(InputError):
    """A backup or restore cannot go on; the message says why and what to do (an input
    problem: the command line reports it as a message and exit code 1)."""


def kind(url: str) -> str:
    if url.startswith("duckdb://"):
        return "duckdb"
    if url.startswith(("postgres://", "postgresql://")):
        return "postgres"
    raise SnapshotProblem(f"warehouse URL {url!r} is neither duckdb:///path nor postgres://...")


def duckdb_path(url: str) -> Path:
    path = url.removeprefix("duckdb://")
    if path.startswith("//"):  # duckdb:////abs/path: POSIX would keep the leading "//"
        path = "/" + path.lstrip("/")
    return Path(path).absolute()


def save(url: str, out: Path, *, wait_seconds: float = 600) -> list[Path]:
    """Write the warehouse's snapshot into folder `out`; the files written."""
    if kind(url) == "postgres":
        dump = out / PG_DUMP_FILE
        pg_dump(url, dump)
        return [dump]
    path = duckdb_path(url)
    if not path.exists():
        return []  # `svduty init` has not run: nothing to keep
    with _read_lock(path, wait_seconds):
        copies = []
        for source in (path, path.with_name(path.name + ".wal")):
            if source.exists():
                target = out / source.name.replace(path.name, DUCKDB_FILE, 1)
                shutil.copyfile(source, target)
                copies.append(target)
    return copies


def _read_lock(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the file read only, waiting while a load holds it (DuckDB's lock is per process)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            if not locked(exc):
                raise
            if time.monotonic() > deadline:
                raise SnapshotProblem(
                    f"a load has held the warehouse {path} for over {wait_seconds:.0f} s; "
                    "run the backup again when it has finished"
                ) from None
            time.sleep(0.2)


def check_target(url: str, folder: Path, *, overwrite: bool) -> None:
    """Raise unless the snapshot in `folder` can go to `url` (same kind; empty, or overwrite)."""
    if kind(url) == "postgres":
        if not (folder / PG_DUMP_FILE).exists():
            raise SnapshotProblem(
                "the backup holds a DuckDB warehouse but SVDUTY_WAREHOUSE_URL is PostgreSQL; "
                "restore it to a duckdb:/// URL (svduty does not convert between the two)"
            )
        if not overwrite and pg_has_tables(url):
            raise SnapshotProblem(
                f"the PostgreSQL warehouse {_safe(url)} already has tables; restore into an "
                "empty database, or pass --overwrite to replace them"
            )
        return
    if (folder / PG_DUMP_FILE).exists():
        raise SnapshotProblem(
            "the backup holds a PostgreSQL warehouse but SVDUTY_WAREHOUSE_URL is DuckDB; set "
            "SVDUTY_WAREHOUSE_URL to an empty PostgreSQL database and restore again"
        )
    target = duckdb_path(url)
    if target.exists() and not overwrite:
        raise SnapshotProblem(f"{target} exists; pass --overwrite to replace it")


def restore(url: str, folder: Path, *, overwrite: bool) -> None:
    """Put the snapshot in `folder` back as the warehouse at `url`."""
    check_target(url, folder, overwrite=overwrite)
    if kind(url) == "postgres":
        pg_restore(url, folder / PG_DUMP_FILE)
        return
    source = folder / DUCKDB_FILE
    target = duckdb_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    wal = target.with_name(target.name + ".wal")
    wal.unlink(missing_ok=True)  # a stale log would be replayed over the restored file
    # readers read published snapshots of the file (snapshots.py): those of the replaced file
    # must go, and the restored file is published afresh by opening it as a writer and closing
    shutil.rmtree(snapshots.folder(target), ignore_errors=True)
    if not source.exists():
        target.unlink(missing_ok=True)
        return
    shutil.copyfile(source, target)
    if (folder / (DUCKDB_FILE + ".wal")).exists():
        shutil.copyfile(folder / (DUCKDB_FILE + ".wal"), wal)
    connect(url).close()


# ---- PostgreSQL, for the warehouse and the portal's database ---------------------------------


def pg_dump(url: str, out: Path) -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(out)], url)


def pg_restore(url: str, dump: Path) -> None:
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(dump),
        ],
        url,
    )


def pg_has_tables(url: str) -> bool:
    import psycopg

    with psycopg.connect(url) as con:
        row = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return bool(row and row[0])


def _run(command: list[str], url: str) -> None:
    if shutil.which(command[0]) is None:
        raise SnapshotProblem(
            f"{command[0]} is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) of the server's major version or newer"
        )
    done = subprocess.run([*command, "--dbname", url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SnapshotProblem(f"{command[0]} failed for {_safe(url)}: {done.stderr.strip()}")


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)
