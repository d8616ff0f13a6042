"""Shared fixtures: a fresh DuckDB warehouse per test, a fresh PostgreSQL schema, and the demo
warehouse with its partnership, built once per run (once for all pytest-xdist workers, see
demo_build.py) for the products tests to read."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

import demo_build
import file_order
from browser import browser_fixture, page_fixture  # noqa: F401  (registers browser and page)
from svduty import partnership
from svduty.warehouse import connect


def pytest_configure(config):
    """Configure Django for the portal's tests before pytest-django sets it up (it runs last).

    The portal's data directory is a temporary folder, so nothing is written into the
    repository; SVDUTY_TEST_PORTAL_DATABASE=postgres runs the portal tests on the PostgreSQL
    server CI starts (pytest-django creates and drops its own test_ database there).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svduty.portal.settings")
    os.environ.setdefault("SVDUTY_HOME", tempfile.mkdtemp(prefix="svduty-tests-"))
    os.environ.setdefault("SVDUTY_PORTAL_SECRET_KEY", "tests-only-" + "x" * 50)
    if os.environ.get("SVDUTY_TEST_PORTAL_DATABASE") == "postgres":
        os.environ.setdefault("SVDUTY_PORTAL_DATABASE_URL", PG_URL)
    from django.conf import settings

    settings.DATABASES  # noqa: B018  (loads the settings, so pytest-django sets Django up)
    file_order.configure(config)


def pytest_collection_modifyitems(config, items):
    """Mark every test that needs the demo warehouse `demo`, and every test that needs the
    PostgreSQL server `postgres`, whichever fixture brings it in, so `make test-fast` can leave
    them out (-m "not demo and not postgres") without a list to keep up to date. (A pg_url test
    without its decorator once ran pg_dump and a PostgreSQL restore in every `make test-fast`.)"""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "demo_config" in names:
            item.add_marker(pytest.mark.demo)
        if "pg_url" in names and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)
    file_order.sort_items(items)  # longest files first (tests/file_order.py)


STREET = Path(__file__).resolve().parent.parent / "src/svduty/data/police_uk/street"
AS_STREET = STREET / "avon-and-somerset"
PG_URL = os.environ.get("SVDUTY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture
def warehouse(duckdb_url):
    wh = connect(duckdb_url)
    yield wh
    wh.close()


@pytest.fixture
def pg_url():
    """A PostgreSQL database of its own for one test, dropped afterwards."""
    name = f"svduty_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True)
    except psycopg.OperationalError as exc:  # CI starts the server: a failure here is real
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable: {exc}")
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def shared_data(*parts: str) -> Path:
    """A folder of ../shared/data beside the checkout (or beside a parent, for a worktree); the
    module (or the test) is skipped when it is not there."""
    for parent in Path(__file__).resolve().parents[1:]:
        candidate = parent.joinpath("shared", "data", *parts)
        if candidate.is_dir():
            return candidate
    pytest.skip(f"../shared/data/{'/'.join(parts)} is not here", allow_module_level=True)


def street_text(month: str = "2018-01") -> str:
    """The decompressed text of a real bundled street file."""
    path = AS_STREET / f"{month}-avon-and-somerset-street.csv.gz"
    return gzip.decompress(path.read_bytes()).decode("utf-8")


def write_variant(tmp_path: Path, name: str, text: str, *, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@contextlib.contextmanager
def held_by_another_process(path: Path | str, *, read_only: bool):
    """A DuckDB file opened by another process for as long as the block runs: read only (as a
    reader of a never-published warehouse holds it), or read-write as a load does."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only={read_only}); "
         "print('held', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def warehouse_text(wh) -> str:
    """Every text value in every warehouse table, joined: for scanning for raw identifiers."""
    chunks = []
    for name in wh.ibis.list_tables():
        table = wh.table(name)
        text_cols = [c for c, t in table.schema().items() if t.is_string()]
        if text_cols:
            frame = table.select(text_cols).execute()
            chunks += [str(v) for col in text_cols for v in frame[col].tolist()]
    return "\n".join(chunks)


@pytest.fixture(scope="session", autouse=True)
def _reference_tables_built_once():
    """Each reference table built from the bundled files once per test process, not once per
    use: building them all costs about 2 s of CPU, and a dozen modules load them into
    warehouses of their own (and every police.uk ingest reads the forces' table). The tables
    are pyarrow tables, which nothing can change in place; tests/test_reference.py checks what
    the build makes against the raw files."""
    from svduty import reference

    built: dict[str, object] = {}
    build = reference.build

    def once(name: str):
        if name not in built:
            built[name] = build(name)
        return built[name]

    patch = pytest.MonkeyPatch()
    patch.setattr(reference, "build", once)
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def _static_files_listed_once():
    """WhiteNoise lists and stats every static file the finders know (about 140) each time its
    middleware is made, and Django's test client makes the middleware anew for every test that
    uses ``client``: about 50 ms a test, a sixth of the permission matrix's time. Here the list
    is made once per static configuration and shared; its entries are not changed after they
    are made. What a request for a static file gets is WhiteNoise's own answer either way."""
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    listed: dict[tuple, dict] = {}
    add_files_from_finders = WhiteNoiseMiddleware.add_files_from_finders

    def once(self):
        key = (
            self.static_prefix, self.max_age, self.allow_all_origins, self.charset,
            self.index_file, self.add_headers_function,
            repr(getattr(settings, "WHITENOISE_IMMUTABLE_FILE_TEST", None)),
            repr(getattr(settings, "WHITENOISE_MIMETYPES", None)),
            tuple(map(str, settings.STATICFILES_DIRS)), tuple(settings.STATICFILES_FINDERS),
            tuple(settings.INSTALLED_APPS),
        )  # fmt: skip
        if key not in listed:
            add_files_from_finders(self)
            listed[key] = dict(self.files)
        self.files.update(listed[key])

    patch = pytest.MonkeyPatch()
    patch.setattr(WhiteNoiseMiddleware, "add_files_from_finders", once)
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def _demo_built_early(request, tmp_path_factory):
    """Start building the demo warehouse as the session starts if any test collected needs it,
    so it builds while the tests that do not need it run (tests/demo_build.py)."""
    if any("demo_config" in item.fixturenames for item in request.session.items):
        demo_build.start(demo_build.shared_root(tmp_path_factory))
    yield
    demo_build.reap()


@pytest.fixture(scope="session")
def demo_config(tmp_path_factory):
    """The whole demo warehouse, built once per test run (once for all xdist workers): every
    bundled police.uk month (real), the ONS police force area tables (real) and the seven
    synthetic partner feeds.

    Products tests read it; none may write to it (build your own warehouse for that).
    """
    from svduty.settings import Config

    home = demo_build.wait(demo_build.shared_root(tmp_path_factory))
    return Config.from_env({"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "pytest"})


@pytest.fixture(scope="session")
def demo_result(demo_config) -> dict:
    """What `svduty demo` returned when it built demo_config, as `svduty demo --json` prints it
    (every file's load, the feeds' coverage, the measures and the products made)."""
    return json.loads((demo_config.home.parent / "result.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_wh(demo_config):
    """The demo warehouse, opened once per session and shared by every module that reads it.

    Read only, as every test opener of the demo warehouse is: DuckDB refuses, within one
    process, a connection to a file in one mode while another in the other mode is open, and
    the portal's pages and product builds open it read only.
    """
    wh = connect(demo_config.warehouse_url, read_only=True)
    yield wh
    wh.close()


@pytest.fixture(scope="session")
def demo_partnership(demo_config):
    """The demo's partnership configuration, shared like demo_wh: a frozen dataclass whose
    dictionaries no test may change."""
    return partnership.load(demo_config.partnership_path)
