"""`svduty backup OUT` and `svduty restore IN`: the data directory in one checked archive.

The archive (tar, gzip) holds `manifest.json` (format, version, what was backed up and the
SHA-256 and size of every other member), the warehouse's snapshot under `warehouse/`, the
portal database's under `portal/` and every other file of the data directory under `home/`.
The pseudonymisation key is never in it (`keys/` is left out whole): whoever holds the key and
the warehouse together can link tokens to identifiers, so the key's backup goes elsewhere
(`--key-to`). docs/backup.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer
from rich.console import Console

from svduty import __version__
from svduty.privacy.pseudonymise import KeyProblem, load_key_file
from svduty.settings import Config

# The snapshot modules import DuckDB: each function that uses them imports them, so `svduty`
# starts without DuckDB (svduty.cli's docstring).

FORMAT = "svduty-backup"
VERSION = 1
MANIFEST = "manifest.json"
KEYS_DIR = "keys"  # the data directory's secrets: never archived

console = Console()
err = Console(stderr=True)


# ---- backup -----------------------------------------------------------------------------------


def backup(
    config: Config,
    out: Path,
    *,
    key_to: Path | None = None,
    wait_seconds: float = 600,
    environ=os.environ,
) -> dict:
    """Write the archive to `out` (atomically: a failed backup leaves no archive)."""
    from svduty.portal import backup_copy as portal_snapshot
    from svduty.warehouse import backup_copy as warehouse_snapshot
    from svduty.warehouse.backup_copy import SnapshotProblem

    out = out.expanduser().absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        raise SnapshotProblem(f"{out} exists; choose a new name for the backup")
    if key_to is not None:
        key_to = _check_key_target(config, out, key_to.expanduser().absolute())
    portal_url = portal_snapshot.database_url(config, environ)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".svduty-backup-") as tmp:
        stage = Path(tmp)
        for part in ("warehouse", "portal", "home"):
            (stage / part).mkdir()
        warehouse_snapshot.save(
            config.warehouse_url, stage / "warehouse", wait_seconds=wait_seconds
        )
        portal_snapshot.save(portal_url, stage / "portal")
        skip = _database_files(config, portal_url) | {out}
        for path in _home_files(config.home, skip):
            target = stage / "home" / path.relative_to(config.home)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        files = {
            p.relative_to(stage).as_posix(): _digest(p)
            for p in sorted(stage.rglob("*"))
            if p.is_file()
        }
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "svduty_version": __version__,
            "warehouse": warehouse_snapshot.kind(config.warehouse_url),
            "portal": "sqlite" if portal_url.startswith("sqlite") else "postgres",
            "key_included": False,
            "key_fingerprints_in_use": _fingerprints(config.warehouse_url, stage / "warehouse"),
            "files": files,
        }
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            tar.add(stage / MANIFEST, MANIFEST)
            for name in files:
                tar.add(stage / name, name)
        os.replace(partial, out)
    if key_to is not None:
        _copy_private(config.key_file, key_to)
    return {
        "archive": str(out),
        "bytes": out.stat().st_size,
        "files": len(files),
        "warehouse": manifest["warehouse"],
        "portal": manifest["portal"],
        "key_fingerprints_in_use": manifest["key_fingerprints_in_use"],
        "key_written_to": str(key_to) if key_to else None,
    }


def _check_key_target(config: Config, out: Path, key_to: Path) -> Path:
    from svduty.warehouse.backup_copy import SnapshotProblem

    if key_to == out or key_to.parent == out.parent or key_to.is_relative_to(config.home):
        raise SnapshotProblem(
            f"--key-to {key_to} is beside the backup or in the data directory (the next backup "
            "would take it); the key's copy must go somewhere else (another disk or the "
            "partnership's secrets store): docs/backup.md"
        )
    if key_to.exists():
        raise SnapshotProblem(f"{key_to} exists; the key's copy never overwrites a file")
    if not config.key_file.exists():
        raise SnapshotProblem(f"there is no key at {config.key_file} to copy")
    return key_to


def _copy_private(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as copy:
        copy.write(source.read_bytes())


def _database_files(config: Config, portal_url: str) -> set[Path]:
    """The live database files (and a DuckDB warehouse's published read snapshots), which the
    backup copies consistently instead, or leaves out."""
    from svduty.portal import backup_copy as portal_snapshot
    from svduty.warehouse import backup_copy as warehouse_snapshot
    from svduty.warehouse import snapshots

    live = set()
    if warehouse_snapshot.kind(config.warehouse_url) == "duckdb":
        path = warehouse_snapshot.duckdb_path(config.warehouse_url)
        live |= {path, path.with_name(path.name + ".wal"), snapshots.folder(path)}
    path = portal_snapshot.sqlite_path(portal_url)
    if path is not None:
        live |= {path.with_name(path.name + s) for s in ("", "-wal", "-shm", "-journal")}
    return live


def _home_files(home: Path, skip: set[Path]) -> list[Path]:
    if not home.exists():
        return []

    def ours(part: str) -> bool:  # a backup or restore in progress (this one, or another)
        return part.startswith((".svduty-backup-", ".svduty-restore-")) or part.endswith(".partial")

    return [
        p
        for p in sorted(home.rglob("*"))
        if p.is_file()
        and p.relative_to(home).parts[0] != KEYS_DIR
        and p.absolute() not in skip
        and not any(parent in skip for parent in p.absolute().parents)  # published snapshots
        and not any(ours(part) for part in p.relative_to(home).parts)
    ]


def _digest(path: Path) -> dict:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return {"sha256": sha.hexdigest(), "bytes": path.stat().st_size}


def _fingerprints(url: str, staged: Path) -> list[str]:
    """The key fingerprints of the current loads: which key this backup needs to be useful."""
    from svduty.warehouse import backup_copy as warehouse_snapshot

    sql = (
        "SELECT DISTINCT key_fingerprint FROM loads WHERE superseded_by_load_id IS NULL "
        "AND status <> 'refused' AND key_fingerprint IS NOT NULL ORDER BY 1"
    )
    if warehouse_snapshot.kind(url) == "postgres":
        import psycopg

        with psycopg.connect(url) as con:
            try:
                return [r[0] for r in con.execute(sql).fetchall()]
            except psycopg.errors.UndefinedTable:
                return []
    copy = staged / warehouse_snapshot.DUCKDB_FILE
    if not copy.exists():
        return []
    import duckdb

    with duckdb.connect(str(copy), read_only=True) as con:
        return [r[0] for r in con.execute(sql).fetchall()]


# ---- restore ----------------------------------------------------------------------------------


def restore(
    config: Config,
    archive: Path,
    *,
    overwrite: bool = False,
    key_from: Path | None = None,
    environ=os.environ,
) -> dict:
    """Check the archive whole, then put the data directory back from it."""
    from svduty.portal import backup_copy as portal_snapshot
    from svduty.warehouse import backup_copy as warehouse_snapshot
    from svduty.warehouse.backup_copy import SnapshotProblem

    if _has_data(config.home) and not overwrite:
        raise SnapshotProblem(
            f"the data directory {config.home} is not empty; restore into a new one (set "
            "SVDUTY_HOME), or pass --overwrite to replace what the backup holds"
        )
    config.home.mkdir(parents=True, exist_ok=True)
    portal_url = portal_snapshot.database_url(config, environ)
    with tempfile.TemporaryDirectory(dir=config.home, prefix=".svduty-restore-") as tmp:
        stage = Path(tmp)
        manifest = unpack(archive, stage)
        # every target is checked before anything is written, so a refusal changes nothing
        warehouse_snapshot.check_target(
            config.warehouse_url, stage / "warehouse", overwrite=overwrite
        )
        portal_snapshot.check_target(portal_url, stage / "portal", overwrite=overwrite)
        if key_from is not None:
            _check_key_source(config, key_from)
        warehouse_snapshot.restore(config.warehouse_url, stage / "warehouse", overwrite=overwrite)
        portal_snapshot.restore(portal_url, stage / "portal", overwrite=overwrite)
        home = stage / "home"
        for path in sorted(home.rglob("*")):
            if path.is_file():
                target = config.home / path.relative_to(home)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    if key_from is not None:
        _restore_key(config, key_from)
    return {
        "archive": str(archive),
        "home": str(config.home),
        "created_at": manifest["created_at"],
        "files": len(manifest["files"]),
        "key": _key_check(config, manifest["key_fingerprints_in_use"]),
    }


def _has_data(home: Path) -> bool:
    """Anything in the data directory but its keys (which are restored first, from elsewhere)."""
    return home.exists() and any(p.name != KEYS_DIR for p in home.iterdir())


def unpack(archive: Path, stage: Path) -> dict:
    """Extract the archive into `stage` after checking its format, names and every checksum."""
    from svduty.warehouse.backup_copy import SnapshotProblem

    where = f"{archive}"
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 (closed by the `with` below)
    except (OSError, tarfile.TarError) as exc:
        raise SnapshotProblem(f"{where} is not an svduty backup (a .tar.gz): {exc}") from None
    with tar:
        try:
            manifest = json.load(tar.extractfile(MANIFEST))
        except (KeyError, ValueError, TypeError, OSError, tarfile.TarError):
            raise SnapshotProblem(
                f"{where} has no readable {MANIFEST}: not an svduty backup"
            ) from None
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise SnapshotProblem(
                f"{where}: {MANIFEST} says format {manifest.get('format')!r} version "
                f"{manifest.get('version')!r}; this svduty reads {FORMAT!r} version {VERSION}"
            )
        expected = manifest.get("files") or {}
        seen = set()
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in expected or not member.isfile() or not _safe(member.name):
                raise SnapshotProblem(
                    f"{where}: member {member.name!r} is not in {MANIFEST}; the archive has been "
                    "changed since it was written"
                )
            target = stage / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as data, target.open("wb") as out:
                shutil.copyfileobj(data, out, 1 << 20)
            if _digest(target) != expected[member.name]:
                raise SnapshotProblem(
                    f"{where}: {member.name} does not match its SHA-256 in {MANIFEST} (damaged "
                    "or changed); use another backup"
                )
            seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise SnapshotProblem(f"{where} is incomplete: {', '.join(missing)} missing")
    return manifest


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and path.parts[0] in ("warehouse", "portal", "home")
    )


def _check_key_source(config: Config, source: Path) -> None:
    from svduty.warehouse.backup_copy import SnapshotProblem

    try:
        load_key_file(source)
    except KeyProblem as problem:
        raise SnapshotProblem(f"--key-from: {problem}") from None
    if config.key_file.exists() and config.key_file.read_bytes() != source.read_bytes():
        raise SnapshotProblem(
            f"a different key is already at {config.key_file}; move it away first (docs/keys.md)"
        )


def _restore_key(config: Config, source: Path) -> None:
    if not config.key_file.exists():
        _copy_private(source, config.key_file)


def _key_check(config: Config, needed: list[str]) -> dict:
    """Whether the key at SVDUTY_KEY_FILE is the one the restored loads were made under."""
    try:
        fingerprint = load_key_file(config.key_file).fingerprint
    except KeyProblem:
        fingerprint = None
    missing = [f for f in needed if f != fingerprint]
    return {"key_file": str(config.key_file), "fingerprint": fingerprint, "missing": missing}


# ---- commands ---------------------------------------------------------------------------------


def backup_command(
    out: Annotated[Path, typer.Argument(help="The archive to write (a new .tar.gz file).")],
    key_to: Annotated[
        Path | None,
        typer.Option(help="Also copy the pseudonymisation key here (not beside the archive)."),
    ] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a load in progress.")] = 600,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Back up the warehouse, the portal database and the data directory (never the key)."""
    # a SnapshotProblem is an InputError: the command line reports it as a message and exit 1
    result = backup(Config.from_env(), out, key_to=key_to, wait_seconds=wait)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    console.print(f"Backup written: {result['archive']} ({result['bytes']:,} bytes)")
    if result["key_written_to"]:
        console.print(f"Key copied to {result['key_written_to']}: keep it apart from the backup")
    else:
        console.print("The key is not in the backup: back it up separately (docs/backup.md)")


def restore_command(
    archive: Annotated[Path, typer.Argument(help="The archive `svduty backup` wrote.")],
    overwrite: Annotated[
        bool, typer.Option(help="Replace a data directory that is not empty.")
    ] = False,
    key_from: Annotated[
        Path | None, typer.Option(help="Put this key file back at SVDUTY_KEY_FILE too.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Restore a backup into the data directory, after checking every file's SHA-256."""
    result = restore(Config.from_env(), archive, overwrite=overwrite, key_from=key_from)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    console.print(f"Restored {result['files']} files from {archive} into {result['home']}")
    if result["key"]["missing"]:
        err.print(
            f"[yellow]warning[/yellow] the restored loads were made under key(s) "
            f"{', '.join(result['key']['missing'])}, which is not at {result['key']['key_file']}: "
            "put the key back from its own backup (docs/backup.md), or new loads will not link"
        )
