"""One warehouse, opened from one URL, read through Ibis and written in transactions."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from svduty.warehouse import schema

if TYPE_CHECKING:
    import ibis

# How large DuckDB's write-ahead log may grow during a bulk load before DuckDB checkpoints on
# its own (its default is 16 MiB). See Warehouse.bulk_load.
BULK_LOAD_CHECKPOINT_THRESHOLD = "256MiB"


class WarehouseMissing(FileNotFoundError):
    """A reader asked for a DuckDB warehouse that has not been made yet."""

    def __init__(self, path: str):
        super().__init__(
            f"there is no warehouse at {path} yet: run `svduty init` to create it (or "
            "`svduty demo` for the demonstration data), or set SVDUTY_HOME or "
            "SVDUTY_WAREHOUSE_URL to the warehouse you meant"
        )
        self.path = path


def locked(exc: BaseException) -> bool:
    """Whether opening failed because another process holds DuckDB's file (a load, or readers
    while a writer asks): worth waiting and trying again, unlike any other failure."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


class Warehouse:
    """An Ibis connection plus the one write path (bulk insert inside a transaction)."""

    def __init__(self, url: str, *, read_only: bool = False):
        """Open the warehouse at ``url``. ``read_only`` is for readers that run beside a
        writer (the portal's pages): DuckDB then lets several processes read one file at once
        (while none holds it read-write), PostgreSQL sessions refuse writes, and no table is
        created."""
        self.url = url
        self._ibis: ibis.BaseBackend | None = None
        if url.startswith("duckdb://"):
            path = url.removeprefix("duckdb://") or ":memory:"
            if path != ":memory:":
                if not read_only:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                elif not Path(path).exists():
                    # duckdb:///{absolute path} leaves two leading slashes; show one
                    raise WarehouseMissing("/" + path.lstrip("/") if path.startswith("/") else path)
                path = str(Path(path).absolute())
            self.kind = "duckdb"
            # Ibis is imported (about a quarter of a second) only when something reads through
            # it; writing needs only the DuckDB connection. The two settings are the ones Ibis
            # makes on every DuckDB connection it opens, so both paths see the same session.
            self._raw = duckdb.connect(path, read_only=read_only)
            self._raw.execute("SET TimeZone = 'UTC'")
            self._raw.execute("SET python_enable_replacements = false")
        elif url.startswith(("postgres://", "postgresql://")):
            import ibis

            self.kind = "postgres"
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

            self._ibis = ibis.duckdb.from_connection(self._raw)
        return self._ibis

    def ensure_schema(self) -> None:
        with self.transaction() as tx:
            for name in schema.TABLES:
                tx.execute(schema.ddl(name))

    def table(self, name: str) -> ibis.Table:
        return self.ibis.table(name)

    def has_table(self, name: str) -> bool:
        return name in self.ibis.list_tables()

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

    def close(self) -> None:
        if self._ibis is not None:
            self._ibis.disconnect()
        else:
            self._raw.close()


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


def connect(url: str, *, read_only: bool = False) -> Warehouse:
    return Warehouse(url, read_only=read_only)


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
