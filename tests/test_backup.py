"""`svduty backup` and `svduty restore`: every table back, the key apart, damage refused."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
import time
from contextlib import closing
from pathlib import Path

import duckdb
import psycopg
import pytest

from conftest import AS_STREET, PG_URL, held_by_another_process
from svduty.cli import ingest, ingest_feed_files, init
from svduty.cli.backup import backup, restore
from svduty.settings import Config
from svduty.warehouse import connect
from svduty.warehouse.backup_copy import SnapshotProblem
from test_key_rotation import EXTRACTS, HEADER

JAN = AS_STREET / "2018-01-avon-and-somerset-street.csv.gz"
FEB = AS_STREET / "2018-02-avon-and-somerset-street.csv.gz"
NO_PORTAL_DB: dict = {}  # environ for backup/restore: the embedded SQLite portal database


def _config(home: Path, **env) -> Config:
    return Config.from_env({"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "t", **env})


def _subprocess_env(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVDUTY_")}
    return env | {
        "SVDUTY_HOME": str(home),
        "SVDUTY_PORTAL_SECRET_KEY": "tests-only-" + "x" * 50,
        "DJANGO_SETTINGS_MODULE": "svduty.portal.settings",
        **extra,
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A data directory as a partnership has it: reference tables, a police.uk month, partner
    extracts (with a quarantined row), and the portal's database with its demo partnership."""
    home = tmp_path_factory.mktemp("backup") / "home"
    config = _config(home)
    init(config)
    ingest(config, [JAN])
    extracts = home / "received"
    extracts.mkdir()
    for name, rows in EXTRACTS.items():
        (extracts / name).write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    ingest_feed_files(config, "police-crime", [extracts])
    # the portal's own SQLite database under home (not the session's test database): a process
    # of its own, one for both commands (Django and the portal imported once, not twice)
    subprocess.run(
        [sys.executable, "-c", PORTAL_SETUP],
        env=_subprocess_env(home),
        check=True,
        capture_output=True,
    )
    return home


PORTAL_SETUP = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', verbosity=0); call_command('seed_demo')"
)


def warehouse_tables(url: str) -> dict[str, str]:
    """Every table of the warehouse, its rows sorted, as CSV text."""
    with closing(connect(url, read_only=True)) as wh:
        return {
            name: wh.table(name).order_by(wh.table(name).columns).execute().to_csv(index=False)
            for name in sorted(wh.ibis.list_tables())
        }


FINGERPRINT = 'SELECT count(*), sum(hash(r)) FROM {}."{}" r'  # a table's rows, as a multiset


def duckdb_differences(a: str, b: str) -> list[str]:
    """What differs between two DuckDB warehouses (URLs or paths), table by table: a table in
    one only, other columns, or other rows. Rows are compared as multisets by their count and
    the sum of their rows' 64-bit hashes, inside DuckDB: a changed, missing or extra row
    changes the sum but by a 2**-64 chance. Converting every table to text and comparing that
    (warehouse_tables) took about 3 s of CPU a warehouse; this takes a tenth of a second."""
    paths = [str(x).removeprefix("duckdb://") for x in (a, b)]
    with closing(duckdb.connect()) as con:
        con.execute("SET threads = 1")  # small scans: more threads only cost CPU
        for alias, path in zip("ab", paths, strict=True):
            con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
        tables = {}
        for alias in "ab":
            names = con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?",
                (alias,),
            ).fetchall()
            tables[alias] = {
                name: (
                    con.execute(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_catalog = ? AND table_name = ? ORDER BY ordinal_position",
                        (alias, name),
                    ).fetchall(),
                    con.execute(FINGERPRINT.format(alias, name)).fetchone(),
                )
                for (name,) in names
            }
        found = [f"{t}: in one only" for t in sorted(tables["a"].keys() ^ tables["b"].keys())]
        for name in sorted(tables["a"].keys() & tables["b"].keys()):
            (cols_a, rows_a), (cols_b, rows_b) = tables["a"][name], tables["b"][name]
            if cols_a != cols_b:
                found.append(f"{name}: columns {cols_a} != {cols_b}")
            elif rows_a != rows_b:
                found.append(f"{name}: {rows_a[0]} rows != {rows_b[0]}, or other rows")
        return found


def row_count(url: str, table: str) -> int:
    with closing(connect(url, read_only=True)) as wh:
        return int(wh.table(table).count().execute())


def portal_tables(path: Path) -> dict[str, list]:
    with closing(sqlite3.connect(path)) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(map(repr, con.execute(f'SELECT * FROM "{n}"'))) for n in sorted(names)}


def home_files(home: Path) -> dict[str, bytes]:
    return {
        p.relative_to(home).as_posix(): p.read_bytes()
        for p in home.rglob("*")
        if p.is_file() and p.suffix not in (".duckdb", ".sqlite3") and "keys" not in p.parts
    }


def test_restore_onto_a_fresh_directory_gives_back_every_table(home, tmp_path):
    config = _config(home)
    archive = tmp_path / "backup.tar.gz"
    made = backup(config, archive, environ=NO_PORTAL_DB)
    fresh = _config(tmp_path / "restored")
    done = restore(fresh, archive, environ=NO_PORTAL_DB)

    for table in ("loads", "police_crime", "police_uk_street", "quarantine"):
        assert row_count(config.warehouse_url, table) > 0, table
    assert duckdb_differences(fresh.warehouse_url, config.warehouse_url) == []
    portal = portal_tables(home / "portal.sqlite3")
    assert portal["portal_organisation"] and portal["django_migrations"]
    assert portal_tables(fresh.home / "portal.sqlite3") == portal
    assert home_files(fresh.home) == home_files(home)
    # the key is not in the backup, and the restore says which key the loads need
    key = config.key_file.read_text().strip()
    with tarfile.open(archive) as tar:
        assert not [n for n in tar.getnames() if "keys/" in n]
    assert key.encode() not in gzip.decompress(archive.read_bytes())
    assert made["key_fingerprints_in_use"] == done["key"]["missing"] != []
    assert not fresh.key_file.exists()


def test_the_key_goes_only_where_it_is_told_and_comes_back(home, tmp_path):
    config = _config(home)
    with pytest.raises(SnapshotProblem, match="beside the backup"):
        backup(config, tmp_path / "b.tar.gz", key_to=tmp_path / "k", environ=NO_PORTAL_DB)
    assert not (tmp_path / "b.tar.gz").exists()
    safe = tmp_path / "elsewhere" / "partnership.key"
    backup(config, tmp_path / "b.tar.gz", key_to=safe, environ=NO_PORTAL_DB)
    assert safe.read_bytes() == config.key_file.read_bytes()
    assert stat.S_IMODE(safe.stat().st_mode) == 0o600
    fresh = _config(tmp_path / "restored")
    done = restore(fresh, tmp_path / "b.tar.gz", key_from=safe, environ=NO_PORTAL_DB)
    assert done["key"]["missing"] == []
    assert fresh.key_file.read_bytes() == config.key_file.read_bytes()


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of the archive with `change(name, bytes)` applied to each member's bytes."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def test_restore_refuses_a_full_directory_and_a_damaged_or_unknown_archive(home, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup(_config(home), archive, environ=NO_PORTAL_DB)
    with pytest.raises(SnapshotProblem, match=r"not empty.*--overwrite"):
        restore(_config(home), archive, environ=NO_PORTAL_DB)

    def flip(name, data):
        if name != "home/partnership.yaml":
            return data
        return data.replace(b"Avon", b"Avan", 1)

    def future(name, data):
        if name != "manifest.json":
            return data
        return json.dumps(json.loads(data) | {"version": 99}).encode()

    cases = {
        "does not match its SHA-256": _rewrite(archive, tmp_path / "flipped.tar.gz", flip),
        "version 99": _rewrite(archive, tmp_path / "future.tar.gz", future),
        "not an svduty backup": tmp_path / "plain.txt",
    }
    (tmp_path / "plain.txt").write_text("not an archive")
    for i, (message, bad) in enumerate(cases.items()):
        target = _config(tmp_path / f"target{i}")
        with pytest.raises(SnapshotProblem, match=message):
            restore(target, bad, environ=NO_PORTAL_DB)
        assert not target.key_file.exists()
        assert not Path(target.warehouse_url.removeprefix("duckdb://")).exists()
        assert list(target.home.iterdir()) == []  # nothing half-restored


def test_a_backup_waits_for_a_load_in_progress_and_readers_do_not_block_it(tmp_path):
    home = tmp_path / "home"
    config = _config(home)
    init(config)
    ingest(config, [JAN])
    path = Path(config.warehouse_url.removeprefix("duckdb://"))
    before = tmp_path / "before.duckdb"  # the warehouse as it is, to compare the restore with
    shutil.copyfile(path, before)
    with held_by_another_process(path, read_only=True):  # a portal page reading
        backup(config, tmp_path / "reading.tar.gz", environ=NO_PORTAL_DB)

    marker = tmp_path / "paused"  # a load that has written its rows and not committed
    loader = subprocess.Popen(
        [sys.executable, "-m", "svduty", "ingest", "police-uk", str(FEB), "--json"],
        env=_subprocess_env(home, SVDUTY_FAULT_PAUSE_BEFORE_COMMIT=str(marker)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert loader.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    with pytest.raises(SnapshotProblem, match="a load has held the warehouse"):
        backup(config, tmp_path / "short.tar.gz", wait_seconds=0.5, environ=NO_PORTAL_DB)
    assert not (tmp_path / "short.tar.gz").exists()
    done: dict = {}
    waiting = threading.Thread(
        target=lambda: done.update(backup(config, tmp_path / "b.tar.gz", environ=NO_PORTAL_DB))
    )
    waiting.start()
    time.sleep(1)
    assert waiting.is_alive() and not done  # still waiting for the load
    loader.send_signal(signal.SIGKILL)  # the load dies uncommitted: it must not be in the backup
    loader.wait()
    waiting.join(60)
    assert done
    fresh = _config(tmp_path / "restored")
    restore(fresh, tmp_path / "b.tar.gz", environ=NO_PORTAL_DB)
    assert duckdb_differences(fresh.warehouse_url, before) == []


def test_a_postgresql_warehouse_round_trips_through_pg_dump(pg_url, tmp_path):
    config = _config(tmp_path / "home", SVDUTY_WAREHOUSE_URL=pg_url)
    ingest(config, [JAN])
    archive = tmp_path / "pg.tar.gz"
    backup(config, archive, environ=NO_PORTAL_DB)
    target = f"svduty_restore_{os.getpid()}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {target}")
    try:
        url = PG_URL.rsplit("/", 1)[0] + "/" + target
        fresh = _config(tmp_path / "restored", SVDUTY_WAREHOUSE_URL=url)
        restore(fresh, archive, environ=NO_PORTAL_DB)
        assert warehouse_tables(url) == warehouse_tables(pg_url)
        with pytest.raises(SnapshotProblem, match="already has tables"):
            restore(_config(tmp_path / "again", SVDUTY_WAREHOUSE_URL=url), archive, environ={})
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {target} WITH (FORCE)")


def test_a_restore_that_would_overwrite_the_portal_database_writes_nothing(home, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup(_config(home), archive, environ=NO_PORTAL_DB)
    portal_db = tmp_path / "elsewhere" / "portal.sqlite3"
    portal_db.parent.mkdir()
    portal_db.write_bytes(b"a portal database in use")
    fresh = _config(tmp_path / "restored")
    portal_env = {"SVDUTY_PORTAL_DATABASE_URL": f"sqlite://{portal_db}"}
    with pytest.raises(SnapshotProblem, match="exists; pass --overwrite"):
        restore(fresh, archive, environ=portal_env)
    assert list(fresh.home.iterdir()) == []  # the warehouse was not put back either
    assert portal_db.read_bytes() == b"a portal database in use"


def test_the_commands_exit_1_with_the_reason(tmp_path):
    from typer.testing import CliRunner

    from svduty.cli import app

    (tmp_path / "plain.txt").write_text("not an archive")
    env = {"SVDUTY_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(app, ["restore", str(tmp_path / "plain.txt")], env=env)
    assert result.exit_code == 1 and "not an svduty backup" in result.output
    result = CliRunner().invoke(app, ["backup", str(tmp_path / "plain.txt")], env=env)
    assert result.exit_code == 1 and "choose a new name" in result.output
