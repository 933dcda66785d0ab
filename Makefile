# One Makefile: set-up, demo, tests, benchmark. Every target sets up what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test`: the suite waits on servers and subprocesses as much as it
# computes, so two workers on two cores finish it in about two thirds of the time.
TEST_WORKERS ?= 2
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test lint format unit bench bench-smoke browser clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## demo: generate demo exports, run the nightly pipeline on them, print where the results are
demo: $(STAMP)
	$(BIN)/aud-outcomes demo

## test: linters, then the whole test suite
test: $(STAMP) lint
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models macros tests analyses --processes 2

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd dbt_project && ../$(BIN)/sqlfluff fix models macros tests analyses --processes 2

unit: $(STAMP)
	$(BIN)/pytest -m "not slow and not browser and not server"

## bench: program-scale benchmark; writes bench/results.md
bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --smoke

## browser: Debian's Chromium for the page tests (needs root and apt)
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
