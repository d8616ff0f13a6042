# One command surface for people and CI.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-test demo test test-fast lint bench soak fuzz crash clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The installs run again only when pyproject.toml (the pinned dependencies) changes: the install
# is editable, so a change to the source needs none, and pip's own check of an installed
# environment costs about 7 s of every `make test-fast`.
install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@ $(VENV)/.installed

demo: install
	$(BIN)/svduty demo

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

# The tests on both cores (pytest-xdist): one test file per worker at a time (--dist loadfile),
# so a module's fixtures (built products, a Spark session) are made once, not once per worker;
# the demo warehouse is built once for both workers, beside the tests that do not need it
# (tests/demo_build.py). Files are handed out longest first (tests/file_order.py). Small
# statsmodels fits run several times slower when BLAS spreads them over threads, hence
# OMP_NUM_THREADS=1. Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: without it
# each worker compiles and assertion-rewrites every test module and every svduty module it
# imports, and so does every process a test starts (about 5 s of CPU a worker, 0.6 s a
# portal process); the __pycache__ folders are ignored by git.
WORKERS ?= 2
PYTEST := PYTHONDONTWRITEBYTECODE= OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile
# What test-fast leaves out: the whole police.uk archive (slow), chromium (browser), the JVM
# (spark), the PostgreSQL server (postgres) and the demo warehouse (demo, two minutes to build).
FAST := not slow and not browser and not spark and not postgres and not demo

# Where both runs of `make test` share one demo warehouse build; cleared before the first.
TEST_DEMO := $(CURDIR)/.test-demo

test: install-test lint
	rm -rf $(TEST_DEMO)
	# Every test, with the portal's on PostgreSQL, production's database (pytest-django makes
	# and drops its own test_ databases on the test server, one per worker): every portal test
	# reads or writes through the ORM (sessions, audit events, the task queue that django-tasks
	# claims with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL).
	SVDUTY_TEST_DEMO_DIR=$(TEST_DEMO) SVDUTY_TEST_PORTAL_DATABASE=postgres $(PYTEST)
	# Then the portal tests marked `sqlite` on SQLite, the database of `make demo` and of a
	# portal run without SVDUTY_PORTAL_DATABASE_URL: the whole journey in a browser, the upload
	# lifecycle and the task queue, sessions, the audit log, and `svduty serve` and its
	# crashes (which start portals of their own on SQLite, so run here only). Running every
	# portal test twice cost about a quarter of the suite's time for no difference found.
	SVDUTY_TEST_DEMO_DIR=$(TEST_DEMO) $(PYTEST) -m sqlite tests/portal

# unit and spec tests: under three minutes (README: Testing)
test-fast: install-test
	$(PYTEST) -m "$(FAST)"

# regenerate the docs written from code (warehouse tables, feed specifications)
docs: install
	$(BIN)/python -m svduty.docs

# ingest (about a minute), the evidence base for Avon and Somerset (about two minutes), Gi*
# over a national-scale H3 grid (about ten minutes) and the command line on the demo warehouse
# (`--help`, `measures`, `sna --area somerset`: about five minutes with the demo build);
# figures and machine in docs/benchmarks.md
bench: install-test
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_evidence.py
	$(BIN)/python benchmarks/bench_hotspots.py
	$(BIN)/python benchmarks/bench_upload_check.py
	$(BIN)/python benchmarks/bench_products.py
	$(BIN)/python benchmarks/bench_ons.py

# twenty people on `svduty serve` for ten minutes (about fifteen with the demo build); figures
# and machine in docs/reliability.md
soak: install-test
	$(BIN)/python benchmarks/soak.py

# every feed's reader fed generated files: 1,250 for each of the seven partner feeds and for
# police.uk street files (10,000 CSV files) and 125 damaged ONS workbooks; zero crashes is the
# pass mark. Outcomes in benchmarks/results/fuzz.json; figures and run time in docs/reliability.md
fuzz: install-test
	mkdir -p benchmarks/results && rm -f benchmarks/results/fuzz.json benchmarks/results/fuzz.log
	SVDUTY_FUZZ_EXAMPLES=1250 SVDUTY_FUZZ_REPORT=benchmarks/results/fuzz.json \
		SVDUTY_FUZZ_LOG=benchmarks/results/fuzz.log $(BIN)/python -m pytest tests/test_fuzz_feeds.py -q
	cat benchmarks/results/fuzz.json

# 52 SIGKILLs at random moments of ingest (CLI and portal worker, DuckDB and PostgreSQL), each
# checked against the warehouse before and after the load (figures in docs/reliability.md)
crash: install-test
	$(BIN)/python benchmarks/crash_consistency.py --kills 52

clean:
	rm -rf $(VENV) svduty-data .pytest_cache .ruff_cache .test-demo
