"""The warehouse's tables read on Apache Spark (PySpark): the analysis, run where the data lives.

Loads stay on DuckDB or PostgreSQL (see docs/spark.md): a SparkWarehouse is read-only. It
offers the part of `Warehouse` the analysis reads through (`.ibis`, `.table`, `.has_table`,
`.kind`, `.close`), so the same Ibis expressions run on it unchanged.

Two ways to get one:

- `SparkWarehouse.from_warehouse(wh)` copies canonical and reference tables from a DuckDB or
  PostgreSQL warehouse into a Spark session (Arrow -> Spark DataFrame -> cached temporary view).
  This is how the tests show that the analysis gives the same answers on Spark.
- `connect("spark://local")` or `connect("spark://local/DATABASE")` reads tables that already
  exist in a Spark catalog (a Spark or Databricks estate that holds the canonical tables under
  the same names and columns); `SparkWarehouse(session, database=...)` does the same with a
  session the caller already has (a Databricks notebook's `spark`).

`spark://local` starts, or reuses, one local session (`local[2]`) per process: Java 17 or later
must be installed. Each SparkWarehouse works in a session of its own over that shared Spark
context (`SparkSession.newSession()`), so its temporary views and settings are its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from svduty import reference
from svduty.warehouse import schema

if TYPE_CHECKING:
    import ibis
    from pyspark.sql import SparkSession

    from svduty.warehouse.connection import Warehouse

MIN_JAVA = 17  # Spark 4.0 runs on Java 17 and 21
# Settings of the local session: two cores, few shuffle partitions (the tables are small next
# to what Spark is built for, and every shuffle partition is a task), UTC like the other
# engines, no web UI, and Arrow between the JVM and Python.
LOCAL_CONF = {
    "spark.master": "local[2]",
    "spark.app.name": "svduty",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
# The local session's log: errors only (Spark's start-up chatter is WARN and INFO; the JVM
# still prints a few lines of its own on start). CodeGenerator is silenced: when a generated
# method passes the JVM's 64 KB limit (a local definition with long offence lists compiles to
# large IN lists) Spark logs the whole Java source as an ERROR and then, by design
# (spark.sql.codegen.fallback), evaluates the same plan without generated code.
_LOG4J2 = """\
rootLogger.level = error
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator
logger.codegen.level = off
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


class SparkUnavailable(RuntimeError):
    """Spark cannot start here; the message says what to install."""


class ReadOnlyWarehouse(RuntimeError):
    """A write was asked of a SparkWarehouse; loads go to DuckDB or PostgreSQL."""


_lock = threading.Lock()
_local: SparkSession | None = None
_local_dir: Path | None = None


def local_session() -> SparkSession:
    """The process's local Spark session (`local[2]`), started on first use (about 20 s)."""
    global _local, _local_dir
    with _lock:
        if _local is not None and _local.sparkContext._jsc is not None:
            return _local
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise SparkUnavailable(
                "PySpark is not installed: pip install 'svduty[spark]' (it pins the PySpark "
                "version Ibis supports)"
            ) from None
        check_java()
        _local_dir = Path(tempfile.mkdtemp(prefix="svduty-spark-"))
        log_conf = _local_dir / "log4j2.properties"
        log_conf.write_text(_LOG4J2, encoding="utf-8")
        java_opts = f"-Dlog4j2.configurationFile=file:{log_conf}"
        builder = SparkSession.builder
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
        builder = (
            builder.config("spark.sql.warehouse.dir", str(_local_dir / "warehouse"))
            .config("spark.local.dir", str(_local_dir / "scratch"))
            .config("spark.driver.extraJavaOptions", java_opts)
        )
        try:
            session = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start: say so plainly
            shutil.rmtree(_local_dir, ignore_errors=True)
            _local_dir = None
            raise SparkUnavailable(f"the local Spark session did not start: {exc}") from exc
        session.sparkContext.setLogLevel("ERROR")
        _local = session
        return session


def stop_local_session() -> None:
    """Stop the process's local Spark session, if one was started, and remove its files."""
    global _local, _local_dir
    with _lock:
        if _local is not None:
            _local.stop()
            _local = None
        if _local_dir is not None:
            shutil.rmtree(_local_dir, ignore_errors=True)
            _local_dir = None


def check_java() -> str:
    """The `java -version` line, or SparkUnavailable saying what to install."""
    java = shutil.which("java")
    if os.environ.get("JAVA_HOME"):  # what Spark's launcher uses when it is set
        java = str(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    if not java or not Path(java).exists():
        raise SparkUnavailable(
            f"Spark needs Java {MIN_JAVA} or later and there is no `java` here: install a JDK "
            f"or JRE (Debian/Ubuntu: apt-get install openjdk-{MIN_JAVA}-jre-headless) or set "
            "JAVA_HOME"
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    text = (out.stderr or out.stdout).strip()
    found = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not found:
        raise SparkUnavailable(f"cannot tell the Java version from `{java} -version`: {text}")
    major = int(found[1]) if found[1] != "1" else int(found[2] or 0)  # "1.8" is Java 8
    if major < MIN_JAVA:
        raise SparkUnavailable(
            f"Spark 4 needs Java {MIN_JAVA} or later; {java} is Java {major}: install "
            f"openjdk-{MIN_JAVA} or point JAVA_HOME at it"
        )
    return text.splitlines()[0]


class SparkWarehouse:
    """Warehouse tables read through Ibis on a Spark session. Read-only."""

    kind = "spark"

    def __init__(
        self, session: SparkSession, *, database: str | None = None, url: str = "spark://"
    ):
        import ibis

        self.url = url
        self.database = database  # where the tables are; None: the session's current database
        # A session of our own over the same Spark context, so that our temporary views and
        # settings do not touch the caller's. A Spark Connect session (Databricks serverless)
        # has no newSession: then the caller's own session is used.
        new_session = getattr(session, "newSession", None)
        self._session = new_session() if new_session else session
        self._ibis = ibis.pyspark.connect(self._session)
        self._views: list[str] = []
        self._cached: list = []

    @classmethod
    def from_warehouse(
        cls,
        source: Warehouse,
        tables: Iterable[str] | None = None,
        *,
        session: SparkSession | None = None,
    ) -> SparkWarehouse:
        """A copy of `source`'s tables (default: every canonical and reference table it has).

        Each table goes DuckDB/PostgreSQL -> Arrow -> Spark DataFrame, cached, as a temporary
        view under its own name. Columns keep their types and NOT NULL (a DATE stays a date, a
        TIMESTAMP, stored without a time zone, becomes Spark's TIMESTAMP_NTZ). `tables` names
        tables that must be there; by default whichever of the known ones `source` has.
        """
        present = set(source.ibis.list_tables())
        wanted = list(tables) if tables is not None else [*schema.TABLES, *reference.TABLES]
        missing = [t for t in wanted if t not in present]
        if tables is not None and missing:
            # (not source.url: a PostgreSQL URL may carry a password)
            raise ValueError(f"the {source.kind} warehouse has no table(s) {', '.join(missing)}")
        session = session or local_session()
        wh = cls(session, url=f"spark:// (a copy of the {source.kind} warehouse's tables)")
        for name in wanted:
            if name in present:
                wh._copy(name, source.table(name).to_pyarrow())
        return wh

    def _copy(self, name: str, data) -> None:
        from pyspark.sql.pandas.types import from_arrow_schema

        # The schema spelt out keeps NOT NULL columns NOT NULL, and reads a TIMESTAMP (no time
        # zone in DuckDB or PostgreSQL) as Spark's TIMESTAMP_NTZ, not as a local time.
        spark_schema = from_arrow_schema(data.schema, prefer_timestamp_ntz=True)
        frame = self._session.createDataFrame(data, schema=spark_schema).cache()
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        self._cached.append(frame)

    @property
    def session(self) -> SparkSession:
        return self._session

    @property
    def ibis(self) -> ibis.BaseBackend:
        return self._ibis

    def table(self, name: str) -> ibis.Table:
        return self._ibis.table(name, database=self.database)

    def has_table(self, name: str) -> bool:
        qualified = f"{self.database}.{name}" if self.database else name
        return bool(self._session.catalog.tableExists(qualified))

    def replace_table(self, name: str, data) -> None:
        raise ReadOnlyWarehouse(_READ_ONLY)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise ReadOnlyWarehouse(_READ_ONLY)
        yield  # pragma: no cover

    def close(self) -> None:
        """Drop this warehouse's views and cached data; the shared Spark context stays up."""
        for frame in self._cached:
            frame.unpersist()
        for name in self._views:
            self._session.catalog.dropTempView(name)
        self._cached, self._views = [], []


_READ_ONLY = (
    "a Spark warehouse is read-only in svduty: loads (one transaction per file, quarantine, "
    "provenance) go to DuckDB or PostgreSQL; see docs/spark.md"
)


def connect(url: str) -> SparkWarehouse:
    """`spark://local` (the default database) or `spark://local/DATABASE`: existing tables."""
    parsed = urlparse(url)
    if parsed.scheme != "spark" or parsed.netloc != "local":
        raise ValueError(
            f"Spark warehouse URL {url!r} is not spark://local or spark://local/DATABASE "
            "(a remote Spark or Databricks session: build SparkWarehouse(session) with it)"
        )
    database = parsed.path.strip("/") or None
    return SparkWarehouse(local_session(), database=database, url=url)
