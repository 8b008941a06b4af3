# The README's two commands: `make demo` (sandbox Alma -> tap-alma -> DuckDB -> dbt, then show the result)
# and `make test` (the whole suite). Everything they need is installed here, from PyPI only.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
MELTANO := $(BIN)/meltano
# uv makes the venv installs take seconds; Meltano builds the plugin venvs with it too.
UV_VERSION := 0.13.9
# A district small enough to load in about a minute, big enough to show real reports.
DEMO_SANDBOX := --schools 3 --students 100 --years 2 --days 60

export MELTANO_PROJECT_ROOT := $(CURDIR)

.PHONY: help install install-all demo test bench clean

help:
	@echo "make demo   - sandbox Alma -> tap-alma -> DuckDB -> dbt, then show tables and reports"
	@echo "make test   - the whole test suite (sandbox, tap, pipeline, warehouse, dbt)"
	@echo "make bench  - extraction benchmarks (bench/), numbers into bench/results.json"
	@echo "make clean  - remove venvs, plugin installs and local warehouses"

# The dev venv: Meltano, the sandbox and the tap (editable), test tools. Rebuilt when a pyproject changes.
$(VENV)/.installed: pyproject.toml sandbox/pyproject.toml tap-alma/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv pip install -q --python $(BIN)/python --group dev --group bench -e ./sandbox -e ./tap-alma
	touch $@

# Plugins for the embedded default (DuckDB) only: what `make demo` needs.
$(CURDIR)/.meltano/.installed-duckdb: meltano.yml $(VENV)/.installed
	cd $(CURDIR) && $(MELTANO) install tap-alma target-duckdb dbt-duckdb
	mkdir -p .meltano && touch $@

# Every plugin in meltano.yml (BigQuery, dbt-bigquery, orchestrators): what `make test` needs.
$(CURDIR)/.meltano/.installed-all: meltano.yml $(VENV)/.installed
	cd $(CURDIR) && $(MELTANO) install
	mkdir -p .meltano && touch $@ .meltano/.installed-duckdb

install: $(CURDIR)/.meltano/.installed-duckdb
install-all: $(CURDIR)/.meltano/.installed-all
	scripts/install-bigquery-emulator.sh

# --full-refresh: the demo's warehouse starts empty, so no state from an earlier demo may skip closed years.
demo: install
	rm -f output/alma.duckdb && mkdir -p output
	$(BIN)/alma-sandbox --port 0 $(DEMO_SANDBOX) -- $(MELTANO) run --full-refresh sync-alma-to-duckdb
	$(BIN)/python scripts/show_warehouse.py output/alma.duckdb

test: install-all
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-* .meltano output transform/target transform/logs

# --- orchestrate/: run meltano.yml's schedules on one server (orchestrate/README.md) -----------------------
# CRON_ENVIRONMENT picks the Meltano environment the rendered lines run in (prod unless told otherwise).
# The targets need only the dev venv (meltano lists the schedules); the job's plugins come from
# `make install-all` or `.venv/bin/meltano install`.
CRON_ENVIRONMENT ?= prod
CRON := $(PYTHON) orchestrate/cron/crontab.py --environment $(CRON_ENVIRONMENT)

.PHONY: cron-render cron-install cron-list cron-remove systemd-units dagster-dev

cron-render: $(VENV)/.installed
	$(CRON) render
cron-install: $(VENV)/.installed
	$(CRON) install
cron-list: $(VENV)/.installed
	$(CRON) list
cron-remove:
	$(CRON) remove
# The .service and .timer go to output/systemd/ (git-ignored): review them, then copy to /etc/systemd/system/.
systemd-units: $(VENV)/.installed
	$(CRON) systemd --output-dir $(CURDIR)/output/systemd
dagster-dev: $(VENV)/.installed
	$(MELTANO) install dagster
	$(MELTANO) --environment=$(CRON_ENVIRONMENT) invoke dagster:dev
