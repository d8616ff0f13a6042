"""A consistent copy of the portal's own database for a backup, and putting one back.

SQLite (the embedded default): SQLite's online backup copies the database page by page as one
read transaction, so pages the portal writes meanwhile are either all in the copy or not at
all. PostgreSQL (production): `pg_dump`, as for the warehouse.

Django's settings are not imported here: they make the portal's secret key in the data
directory on import, and a restore must find that directory as the backup left it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlparse

from svduty.settings import Config
from svduty.warehouse.backup_copy import SnapshotProblem, pg_dump, pg_has_tables, pg_restore

SQLITE_FILE = "portal.sqlite3"
PG_DUMP_FILE = "portal.pgdump"


def database_url(config: Config, environ=os.environ) -> str:
    """Where the portal's database is, as svduty.portal.settings decides it."""
    url = environ.get("SVDUTY_PORTAL_DATABASE_URL")
    return url or f"sqlite://{config.home / SQLITE_FILE}"  # home is absolute: sqlite:///path


def sqlite_path(url: str) -> Path | None:
    """The SQLite file a sqlite:///path URL names; None for PostgreSQL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return Path(unquote(parsed.path))
    if parsed.scheme in ("postgres", "postgresql"):
        return None
    raise SnapshotProblem(f"SVDUTY_PORTAL_DATABASE_URL {url!r} is neither sqlite:/// nor postgres")


def save(url: str, out: Path) -> list[Path]:
    """Write the portal database's snapshot into folder `out`; the files written."""
    path = sqlite_path(url)
    if path is None:
        pg_dump(url, out / PG_DUMP_FILE)
        return [out / PG_DUMP_FILE]
    if not path.exists():
        return []  # the portal has never run
    target = out / SQLITE_FILE
    # read through a URI in read-only mode: a backup never creates or changes the database
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return [target]


def check_target(url: str, folder: Path, *, overwrite: bool) -> None:
    """Raise unless the snapshot in `folder` can go to `url` (same kind; empty, or overwrite)."""
    path = sqlite_path(url)
    if path is None:
        if not (folder / PG_DUMP_FILE).exists():
            raise SnapshotProblem(
                "the backup's portal database is SQLite but SVDUTY_PORTAL_DATABASE_URL is "
                "PostgreSQL; unset it to restore the embedded portal (svduty does not convert)"
            )
        if not overwrite and pg_has_tables(url):
            raise SnapshotProblem(
                "the portal's PostgreSQL database already has tables; restore into an empty "
                "database, or pass --overwrite to replace them"
            )
        return
    if (folder / PG_DUMP_FILE).exists():
        raise SnapshotProblem(
            "the backup's portal database is PostgreSQL: set SVDUTY_PORTAL_DATABASE_URL to an "
            "empty PostgreSQL database and restore again"
        )
    if path.exists() and not overwrite:
        raise SnapshotProblem(f"{path} exists; pass --overwrite to replace it")


def restore(url: str, folder: Path, *, overwrite: bool) -> None:
    check_target(url, folder, overwrite=overwrite)
    path = sqlite_path(url)
    if path is None:
        pg_restore(url, folder / PG_DUMP_FILE)
        return
    for stale in ("-wal", "-shm", "-journal"):  # would be applied to the restored file
        path.with_name(path.name + stale).unlink(missing_ok=True)
    source = folder / SQLITE_FILE
    if source.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
    else:
        path.unlink(missing_ok=True)
