# Open Power ML. Two commands do everything on a fresh machine:
#   make demo   build the warehouse from the embedded sample data
#   make test   run the whole test suite
# Both create the virtual environment (.venv) and install the project when needed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: demo test install generate build summary sql download entsoe docs lint bench clean \
	hourly daily lifecycle report ercot-real bench-ercot backtest backtest-entsoe \
	bench-training notebook lint-sql

demo: $(STAMP)
	$(BIN)/python -m python_ml generate opsd --if-absent
	$(BIN)/python -m python_ml generate ercot --if-absent
	$(BIN)/dbt build
	$(BIN)/python -m python_ml summary

# Test files run on TEST_WORKERS processes (pytest-xdist), each file whole on one of them,
# so that a file's module-scoped warehouse is built once.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

generate: $(STAMP)
	$(BIN)/python -m python_ml generate opsd
	$(BIN)/python -m python_ml generate ercot

build: $(STAMP)
	$(BIN)/dbt build

summary: $(STAMP)
	$(BIN)/python -m python_ml summary

sql: $(STAMP)
	$(BIN)/python -m python_ml sql

docs: $(STAMP)
	$(BIN)/python -m python_ml docs

# Scheduled paths (selectors.yml), one run at a time per warehouse; see docs/operations.md.
hourly: $(STAMP)
	$(BIN)/python -m python_ml run hourly

daily: $(STAMP)
	$(BIN)/python -m python_ml run daily

# Model lifecycle demo on a copy of the demo warehouse (warehouse/lifecycle/), then its report.
lifecycle: $(STAMP)
	@test -f warehouse/open_power.duckdb || $(MAKE) demo
	$(BIN)/python -m python_ml lifecycle
	$(BIN)/python -m python_ml report --warehouse warehouse/lifecycle/open_power.duckdb

report: $(STAMP)
	$(BIN)/python -m python_ml report

download: $(STAMP)
	$(BIN)/python -m python_ml download opsd

# Real data: ENTSO-E day-ahead extracts (see docs/real-data.md) landed in the raw layout and
# built into a separate warehouse with the default vars, as a user who drops files in would
# (the ERCOT layers are left out: the extracts hold no ERCOT reports).
ENTSOE_SOURCE ?= ../shared/data/real/entsoe_deepforkit
ENTSOE_ZONES ?= DE FR NL ES
ENTSOE_DIR ?= warehouse/entsoe
ENTSOE_VARS ?= {raw_dir: $(ENTSOE_DIR)/raw}
entsoe: $(STAMP)
	$(BIN)/python -m python_ml.data.entsoe --source $(ENTSOE_SOURCE) --zones $(ENTSOE_ZONES) --raw-dir $(ENTSOE_DIR)/raw
	OPEN_POWER_DUCKDB=$(ENTSOE_DIR)/open_power.duckdb $(BIN)/dbt build --exclude tag:ercot --vars '$(ENTSOE_VARS)'
	$(BIN)/python -m python_ml summary --warehouse $(ENTSOE_DIR)/open_power.duckdb

# Walk-forward backtest: the daily path's retraining replayed over history (resumable).
# On the demo warehouse by default; backtest-entsoe replays 2022-01 .. 2023-06 on make entsoe's.
BACKTEST_TASK ?= spike_risk
BACKTEST_ARGS ?= --start 2019-07-01 --end 2019-12-31 --every 28d
backtest: $(STAMP)
	@test -f warehouse/open_power.duckdb || $(MAKE) demo
	$(BIN)/python -m python_ml backtest --task $(BACKTEST_TASK) $(BACKTEST_ARGS)

backtest-entsoe: $(STAMP)
	@test -f $(ENTSOE_DIR)/open_power.duckdb || $(MAKE) entsoe
	$(BIN)/python -m python_ml backtest --warehouse $(ENTSOE_DIR)/open_power.duckdb \
		--task $(BACKTEST_TASK) --start 2022-01-01 --end 2023-06-30 --every 28d

# Real data: the 2024-26 ERCOT hub and load-zone extract (see docs/ercot.md) landed in the
# native report layouts and built into a separate warehouse (rebuilt in full: the adapter
# rewrites its yearly files in place). It has no load, wind, solar or SCED reports.
ERCOT_SOURCE ?= ../shared/data/real/ercot_hub_lz_hourly_2024_2026
ERCOT_DIR ?= warehouse/ercot_real
ercot-real: $(STAMP)
	$(BIN)/python -m python_ml.data.ercot_real --source $(ERCOT_SOURCE) --raw-dir $(ERCOT_DIR)/raw
	OPEN_POWER_DUCKDB=$(ERCOT_DIR)/open_power.duckdb $(BIN)/dbt build --full-refresh \
		--select +int_ercot__settlement_point_hours \
		--vars '{raw_dir: $(ERCOT_DIR)/raw, ercot_optional_sources: [sced_lmp, load, wind, solar]}'

bench-ercot: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/bench_ercot.py $(BENCH_ERCOT_ARGS)

# Families trained one after the other against one process per family (bench/bench_training.py)
bench-training: $(STAMP)
	@test -f warehouse/open_power.duckdb || $(MAKE) demo
	$(BIN)/python bench/bench_training.py $(BENCH_TRAINING_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/bench_features.py $(BENCH_ARGS)

# Python (ruff: lint rules and formatting) and SQL (sqlfluff with dbt's templater: what is
# linted is what dbt compiles). The same hooks run on commit after `$(BIN)/pre-commit install`.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pre-commit validate-config .pre-commit-config.yaml
	$(MAKE) --no-print-directory lint-sql

# dbt compiles the staging models with their raw-file checks on, so the sample is generated
# when no raw files exist, and compilation uses a scratch DuckDB file, not the warehouse. A
# model dbt cannot compile would be skipped by sqlfluff without a violation: that fails too.
SQL_FILES ?= models
lint-sql: $(STAMP)
	@$(BIN)/python -m python_ml generate opsd --if-absent >/dev/null
	@$(BIN)/python -m python_ml generate ercot --if-absent >/dev/null
	@mkdir -p target
	@OPEN_POWER_DUCKDB=target/lint.duckdb $(BIN)/sqlfluff lint $(SQL_FILES) > target/sqlfluff.log 2>&1; \
		status=$$?; grep -v 'resource_tracker\|warnings.warn' target/sqlfluff.log; \
		if grep -q 'fatal exception during compilation' target/sqlfluff.log; then \
			echo 'sqlfluff skipped a model dbt could not compile (see above)'; exit 1; fi; \
		exit $$status

# The walk-through notebook executed on the demo warehouse, rendered to warehouse/notebook/.
notebook: $(STAMP)
	@test -f warehouse/open_power.duckdb || $(MAKE) demo
	$(BIN)/python -m python_ml notebook

clean:
	rm -rf target logs warehouse/open_power.duckdb warehouse/open_power.duckdb.wal warehouse/.snapshots \
		warehouse/logs warehouse/lifecycle warehouse/report warehouse/ercot_real warehouse/notebook
