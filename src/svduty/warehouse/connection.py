"""One warehouse, opened from one URL, read through Ibis and written in transactions."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from svduty.warehouse import schema, snapshots

if TYPE_CHECKING:
    import ibis

# How large DuckDB's write-ahead log may grow during a bulk load before DuckDB checkpoints on
# its own (its default is 16 MiB). See Warehouse.bulk_load.
BULK_LOAD_CHECKPOINT_THRESHOLD = "256MiB"

# How long a writer waits for another writer of the same DuckDB file (a load, `svduty init`,
# `svduty demo`: the longest, the demo, takes a few minutes) before giving up with WarehouseBusy.
WRITE_WAIT_SECONDS = 600.0
# How often a waiting writer tries DuckDB's lock again.
WRITE_RETRY_SECONDS = 0.5

log = logging.getLogger(__name__)


class WarehouseMissing(FileNotFoundError):
    """A reader asked for a DuckDB warehouse that has not been made yet."""

    def __init__(self, path: str):
        super().__init__(
            f"there is no warehouse at {path} yet: run `svduty init` to create it (or "
            "`svduty demo` for the demonstration data), or set SVDUTY_HOME or "
            "SVDUTY_WAREHOUSE_URL to the warehouse you meant"
        )
        self.path = path


class WarehouseBusy(RuntimeError):
    """Another process is writing the DuckDB warehouse: a writer that waited its time for it,
    or a reader of a warehouse that has never been published (docs/concurrency.md)."""


def locked(exc: BaseException) -> bool:
    """Whether opening failed because another process holds DuckDB's file."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _log_wait(message: str) -> None:
    log.warning("%s", message)


class Warehouse:
    """An Ibis connection plus the one write path (bulk insert inside a transaction)."""

    def __init__(
        self,
        url: str,
        *,
        read_only: bool = False,
        wait: float = WRITE_WAIT_SECONDS,
        on_wait: Callable[[str], None] = _log_wait,
    ):
        """Open the warehouse at ``url`` (see `connect`)."""
        self.url = url
        self._ibis: ibis.BaseBackend | None = None
        # The published snapshot a DuckDB reader reads (None: PostgreSQL, or a DuckDB file
        # never published), and the DuckDB file a writer publishes when it closes.
        self.snapshot: int | None = None
        self._tables: frozenset[str] | None = None  # a snapshot's tables, once listed
        self._publishes: Path | None = None
        self.read_only = read_only
        if url.startswith("duckdb://"):
            path = url.removeprefix("duckdb://") or ":memory:"
            self.kind = "duckdb"
            if path == ":memory:":
                self._raw = duckdb.connect(path)
            elif read_only:
                self._raw, self.snapshot = _open_for_reading(_file(path))
            else:
                self._publishes = _file(path)
                self._publishes.parent.mkdir(parents=True, exist_ok=True)
                self._raw = _open_for_writing(self._publishes, wait, on_wait)
            # Ibis is imported (about a quarter of a second) only when something reads through
            # it; writing needs only the DuckDB connection. The two settings are the ones Ibis
            # makes on every DuckDB connection it opens, so both paths see the same session.
            self._raw.execute("SET TimeZone = 'UTC'")
            self._raw.execute("SET python_enable_replacements = false")
            # DuckDB draws a progress bar on standard output for a statement that runs over two
            # seconds (a checkpoint of a large load), which would corrupt a command's --json.
            self._raw.execute("SET enable_progress_bar = false")
        elif url.startswith(("postgres://", "postgresql://")):
            import ibis

            self.kind = "postgres"
            _without_geometry()
            self._ibis = ibis.connect(url.replace("postgresql://", "postgres://", 1))
            self._raw = self._ibis.con
            if read_only:
                self._raw.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        else:
            raise ValueError(
                f"warehouse URL {url!r} is neither duckdb:///path nor postgres://...; "
                "set SVDUTY_WAREHOUSE_URL"
            )
        if not read_only:
            self.ensure_schema()

    @property
    def ibis(self) -> ibis.BaseBackend:
        """The Ibis backend over the warehouse's own connection (made on first use)."""
        if self._ibis is None:
            import ibis

            _without_geometry()
            self._ibis = ibis.duckdb.from_connection(self._raw)
        return self._ibis

    def snapshot_url(self) -> str | None:
        """A URL another process can open (read only) to read exactly what this reader reads:
        the published snapshot it has open. None for anything else (a writer, a file never
        published, in memory, PostgreSQL, whose later sessions would see later commits).
        A later publish may prune the snapshot (snapshots.KEEP): opening the URL then fails."""
        if self.kind != "duckdb" or not self.read_only or self.snapshot is None:
            return None
        path = self.url.removeprefix("duckdb://")
        file = snapshots.folder(_file(path)) / f"{self.snapshot}{snapshots.SUFFIX}"
        return f"duckdb://{file}"

    def ensure_schema(self) -> None:
        with self.transaction() as tx:
            for name in schema.TABLES:
                tx.execute(schema.ddl(name))

    def table(self, name: str) -> ibis.Table:
        return self.ibis.table(name)

    def has_table(self, name: str) -> bool:
        if self.snapshot is None:
            return name in self.ibis.list_tables()
        # a published snapshot never changes: list its tables once (a dashboard view asks
        # a dozen times, each a catalogue query)
        if self._tables is None:
            self._tables = frozenset(self.ibis.list_tables())
        return name in self._tables

    def replace_table(self, name: str, data: pa.Table) -> None:
        """Replace a whole table in one transaction (reference data is reloaded whole)."""
        columns = ", ".join(f"{f.name} {_sql_type(f.type)}" for f in data.schema)
        with self.transaction() as tx:
            tx.execute(f"DROP TABLE IF EXISTS {name}")
            tx.execute(f"CREATE TABLE {name} ({columns})")
            tx.insert(name, data)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        raw = self._raw
        if self.kind == "duckdb":
            raw.begin()
            try:
                yield Transaction(self, raw)
            except BaseException:
                raw.rollback()
                raise
            raw.commit()
        else:
            with raw.transaction(), raw.cursor() as cur:
                yield Transaction(self, cur)

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Many transactions in a row, each still atomic and durable on its own.

        DuckDB checkpoints (rewrites the changed row groups into the database file) whenever
        its write-ahead log passes 16 MiB, and each checkpoint rewrites the table's unfinished
        row group again, so a month-by-month load pays for the same rows several times. Here the
        log may grow to BULK_LOAD_CHECKPOINT_THRESHOLD and there is one checkpoint at the end
        (with DuckDB's threads back). Every commit still reaches the log on disk before it
        returns; a crash loses nothing committed, and reopening replays the log. The settings
        are put back however the block ends. PostgreSQL needs nothing of this.
        """
        if self.kind != "duckdb":
            yield
            return
        raw = self._raw
        settings = {
            name: raw.execute("SELECT current_setting(?)", (name,)).fetchone()[0]
            for name in ("checkpoint_threshold", "threads")
        }
        raw.execute(f"SET checkpoint_threshold = '{BULK_LOAD_CHECKPOINT_THRESHOLD}'")
        # The loader reads and validates files on the other cores while a commit runs; DuckDB's
        # own threads would only contend with them (and its inserts are small).
        raw.execute("SET threads = 1")
        try:
            yield
        finally:
            for name, value in settings.items():
                raw.execute(f"SET {name} = '{value}'")
        raw.execute("CHECKPOINT")

    def publish(self) -> None:
        """Make what this writer has committed readable: a DuckDB file is checkpointed and
        published as a new read snapshot (snapshots.publish); PostgreSQL readers see every
        commit already. `close` publishes; a long write session may publish on the way."""
        if self._publishes is not None:
            self._raw.execute("CHECKPOINT")
            self.snapshot = snapshots.publish(self._publishes)

    def close(self) -> None:
        """Publish (a DuckDB writer) and close. Whatever was committed is published, even when
        the session ends in an error: each transaction is whole, so readers see whole loads."""
        try:
            self.publish()
        finally:
            self._publishes = None
            if self._ibis is not None:
                self._ibis.disconnect()
            else:
                self._raw.close()


def _without_geometry() -> None:
    """Tell Ibis that results have no geometry columns. Ibis turns every result into pandas
    through a step that, whenever geopandas is installed (svduty's maps need it), imports it
    to look for geometry columns: about a quarter of a second for the first query of every
    command (`svduty measures` draws no map). A warehouse has none: boundaries are GeoJSON
    text (warehouse.schema), so the step could never find one. The flag is read per result."""
    from ibis.formats import pandas as ibis_pandas

    ibis_pandas.geospatial_supported = False


def _file(path: str) -> Path:
    """The DuckDB file of a URL's path (duckdb:////abs leaves two leading slashes: one is meant)."""
    return Path("/" + path.lstrip("/") if path.startswith("/") else path).absolute()


def _open_for_reading(file: Path) -> tuple[duckdb.DuckDBPyConnection, int | None]:
    """The newest published snapshot of ``file``, read only, and its number: never the file a
    writer holds, so a reader neither waits for a load nor makes one wait."""
    if not file.exists():  # never made, or deleted to start again (its snapshots are not read)
        raise WarehouseMissing(str(file))
    opened = snapshots.open_newest(file)
    if opened is not None:
        number, raw = opened
        return raw, number
    # Never published: made before warehouses were published, or its first write session (a
    # first `svduty init`) is still running. Read the file itself while no one writes it.
    try:
        return duckdb.connect(str(file), read_only=True), None
    except duckdb.IOException as exc:
        if not locked(exc):
            raise
        raise WarehouseBusy(
            f"the warehouse at {file} is being written for the first time (or the first time "
            "since this version of svduty) and has not been published for reading yet; it can "
            "be read as soon as that load or `svduty init` finishes"
        ) from exc


def _open_for_writing(
    file: Path, wait: float, on_wait: Callable[[str], None]
) -> duckdb.DuckDBPyConnection:
    """``file`` opened read-write, once no other process writes it: waits up to ``wait``
    seconds for another writer (saying so once through ``on_wait``), then gives up."""
    deadline = time.monotonic() + wait
    said = False
    while True:
        try:
            return duckdb.connect(str(file))
        except duckdb.IOException as exc:
            if not locked(exc):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseBusy(
                    f"another process is writing the warehouse at {file} (a load, `svduty "
                    f"init` or `svduty demo`) and was still writing after {wait:g} s; run "
                    f"this again when it has finished. DuckDB said: {exc}"
                ) from exc
            if not said:
                on_wait(
                    f"Another process is writing the warehouse at {file} (a load, `svduty "
                    f"init` or `svduty demo`); waiting up to {wait:g} s for it to finish."
                )
                said = True
            time.sleep(min(WRITE_RETRY_SECONDS, left))


class Transaction:
    """SQL and bulk inserts inside one open transaction. SQL uses `?` placeholders."""

    def __init__(self, warehouse: Warehouse, cursor):
        self._wh = warehouse
        self._cur = cursor

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self._wh.kind == "postgres":
            sql = sql.replace("?", "%s")
            self._cur.execute(sql, params)
            return self._cur.fetchall() if self._cur.description else []
        result = self._cur.execute(sql, params)
        return result.fetchall() if result.description else []

    def next_load_id(self) -> int:
        """The id for a new `loads` row, taken under a lock so two loaders never share one."""
        if self._wh.kind == "postgres":  # DuckDB already has a single writer per file
            self.execute("LOCK TABLE loads IN EXCLUSIVE MODE")
        return int(self.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads")[0][0])

    def insert(self, name: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        cols = ", ".join(data.column_names)
        if self._wh.kind == "duckdb":
            self._cur.register("_svduty_incoming", data)
            try:
                self._cur.execute(
                    f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _svduty_incoming"
                )
            finally:
                self._cur.unregister("_svduty_incoming")
            return
        # PostgreSQL: COPY is the bulk path. Arrow quotes every string and leaves nulls bare,
        # which is exactly how COPY's CSV format tells empty strings from NULL.
        buf = io.BytesIO()
        pacsv.write_csv(data, buf, pacsv.WriteOptions(include_header=False))
        with self._cur.copy(f"COPY {name} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buf.getvalue())


def connect(
    url: str,
    *,
    read_only: bool = False,
    wait: float = WRITE_WAIT_SECONDS,
    on_wait: Callable[[str], None] = _log_wait,
) -> Warehouse:
    """Open the warehouse at ``url`` (duckdb:///path, duckdb:// in memory, postgresql://...).

    A reader (``read_only``) creates nothing and never waits: on DuckDB it opens the newest
    published snapshot (snapshots.py), on PostgreSQL a read-only session. It raises
    WarehouseMissing when there is no warehouse yet.

    A writer creates the warehouse and its tables if need be. On DuckDB it waits for another
    writer of the file up to ``wait`` seconds (telling ``on_wait`` once), then raises
    WarehouseBusy; closing it publishes what it committed for readers.
    """
    return Warehouse(url, read_only=read_only, wait=wait, on_wait=on_wait)


_SQL_TYPES = {
    pa.string(): "TEXT",
    pa.large_string(): "TEXT",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.int16(): "SMALLINT",
    pa.int8(): "SMALLINT",
    pa.float64(): "DOUBLE PRECISION",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def _sql_type(arrow_type: pa.DataType) -> str:
    try:
        return _SQL_TYPES[arrow_type]
    except KeyError:
        raise TypeError(f"no warehouse column type for Arrow type {arrow_type}") from None
