SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint typecheck test-sqlite test-postgres test-faults wheel-smoke bench-ingest bench-read-models screenshots clean

$(VENV)/.run-installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.run-installed

## make run: the service on SQLite (./data, given explicitly) with the demo data set, at http://127.0.0.1:8080
run: $(VENV)/.run-installed
	AWOOOP_DATA_DIR=$(CURDIR)/data $(BIN)/awooop serve --demo

## make test: lint, types, import contracts, then the whole suite on SQLite and on PostgreSQL
test: $(VENV)/.dev-installed lint typecheck test-sqlite test-postgres

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

test-sqlite: $(VENV)/.dev-installed
	AWOOOP_TEST_DB=sqlite $(PY) -m pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

test-postgres: $(VENV)/.dev-installed
	AWOOOP_TEST_DB=postgresql $(PY) -m pytest --cov --cov-append --cov-report=term:skip-covered $(PYTEST_ARGS)

## make wheel-smoke: build the wheel, install it into a fresh venv, drive the installed `awooop`
wheel-smoke: $(VENV)/.dev-installed
	.ci/wheel-smoke

## make test-faults: kill -9 under load, the database stopped mid-load (a private PostgreSQL
## cluster), two API processes on one database; on SQLite and on PostgreSQL (tests/faults)
test-faults: $(VENV)/.dev-installed
	AWOOOP_TEST_DB=sqlite $(PY) -m pytest -m faults tests/faults $(PYTEST_ARGS)
	AWOOOP_TEST_DB=postgresql $(PY) -m pytest -m faults tests/faults $(PYTEST_ARGS)

bench-ingest: $(VENV)/.dev-installed
	$(PY) bench/ingest.py --db postgresql

bench-read-models: $(VENV)/.dev-installed
	$(PY) bench/read_models.py --db postgresql

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .coverage

## make screenshots: refresh docs/screenshots/ from the browser tests
screenshots: $(VENV)/.dev-installed
	AWOOOP_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/browser -q
