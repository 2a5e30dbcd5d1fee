# PartnerPlan — everyday commands. `make run` to try it, `make test` to check it.
# The first Python 3.11 or 3.12 that really runs (durable-rules does not import on 3.13).
PYTHON ?= $(shell for p in python3.11 python3.12 python3; do \
  $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 13))' 2>/dev/null \
  && command -v $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: install run test test-fast test-postgres test-browser simulate load soak bench chaos lint format system-deps

$(BIN)/activate: pyproject.toml
	@test -n "$(PYTHON)" || { echo "PartnerPlan needs Python 3.11 or 3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

# The web server and the job worker together (Procfile), until Ctrl-C stops both.
# No debugger unless asked for, on your own machine: FLASK_DEBUG=1 make run
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port $(PORT)

# System packages the browser and PostgreSQL tests need (Debian, as root).
system-deps:
	@bash scripts/system-deps.sh

# The whole suite on SQLite (browser tests included), then again on a
# throwaway PostgreSQL server (scripts/run-tests.sh says what each run does).
test: install
	@bash scripts/system-deps.sh || echo "system packages could not be installed: browser/PostgreSQL tests will say what is missing"
	PYTHON=$(BIN)/python PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/run-tests.sh

# Only the PostgreSQL run (a throwaway server on loopback).
test-postgres: install
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

test-browser: install
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not postgres" $(PYTEST_ARGS)

# A team's year, simulated day by day on SQLite (tests/test_year.py), with the
# day-by-day summary: `make simulate DAYS=365`. `make test` runs 120 days quietly.
DAYS ?= 365
simulate: install
	SIMULATION_DAYS=$(DAYS) SIMULATION_SUMMARY=- $(BIN)/python -m pytest tests/test_year.py -q -s -p no:cacheprovider $(PYTEST_ARGS)

# Benchmarks on a synthetic brokerage (not part of `make test`): BENCH_ARGS="--partners 2000"
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Load test: gunicorn (2 workers) on loopback, simulated agents for a bounded time.
load: install
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# Faults survived, at full size (docs/RELIABILITY.md): every test marked `chaos`
# (tests/test_chaos_*.py), on SQLite, then again on a throwaway PostgreSQL
# server (SQLite-only ones skip there). Loopback only, bounded, stops by itself.
chaos: install
	CHAOS_SIZE=full $(BIN)/python -m pytest -m "chaos and not postgres" -s -p no:cacheprovider $(PYTEST_ARGS)
	CHAOS_SIZE=full bash scripts/with-postgres.sh $(BIN)/python -m pytest -m chaos -s -p no:cacheprovider $(PYTEST_ARGS)

# Soak (not in CI): a steady load through gunicorn for SOAK_MINUTES (30), sampled
# every minute; fails when worker memory or p95 grows, or on any error.
# `SOAK_MINUTES=3 make soak` for a short one. docs/RELIABILITY.md says what passes.
SOAK_MINUTES ?= 30
soak: install
	SOAK_MINUTES=$(SOAK_MINUTES) $(BIN)/python -m bench.soak $(SOAK_ARGS)

lint: install
	$(BIN)/ruff check webapp rules tests
	$(BIN)/ruff format --check webapp rules tests

format: install
	$(BIN)/ruff format webapp rules tests
	$(BIN)/ruff check --fix webapp rules tests
