# One command surface for people and CI.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-test demo test lint bench clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,bench]"

demo: install
	$(BIN)/svduty demo

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

test: install-test lint
	# small statsmodels fits run several times slower when BLAS spreads them over threads
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest
	# the run above includes the portal's tests on SQLite; production runs PostgreSQL, so they run
	# again there (pytest-django makes and drops its own test_ database on the test server)
	SVDUTY_TEST_PORTAL_DATABASE=postgres OMP_NUM_THREADS=1 $(BIN)/python -m pytest tests/portal

# regenerate the docs written from code (warehouse tables, feed specifications)
docs: install
	$(BIN)/python -m svduty.docs

# ingest (about a minute), the evidence base for Avon and Somerset (about two minutes) and Gi*
# over a national-scale H3 grid (about ten minutes); figures and machine in docs/benchmarks.md
bench: install-test
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_evidence.py
	$(BIN)/python benchmarks/bench_hotspots.py
	$(BIN)/python benchmarks/bench_upload_check.py

clean:
	rm -rf $(VENV) svduty-data .pytest_cache .ruff_cache
