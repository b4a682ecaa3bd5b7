# Every target creates and reuses the local .venv on its own.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ENGINES_STAMP := $(VENV)/.installed-engines

DBT := $(BIN)/dbt --no-use-colors
DBT_DIRS := --project-dir dbt_project --profiles-dir dbt_project
WAREHOUSE ?= $(or $(UPSELL_WAREHOUSE),data/warehouse.duckdb)

DAGSTER_HOME ?= $(abspath data/dagster)
PORT ?= 3000

.PHONY: install run test bench lint docs dev clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The tests run the pipeline on every engine and from a bucket too: their extras on top of
# the default install.
$(ENGINES_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,postgres,spark,s3]'
	@touch $(ENGINES_STAMP)

install: $(STAMP)

# A fresh checkout has no landing zone: the sample is generated into the default folder, and
# only there (`upsell run` itself never writes into a landing zone).
run: $(STAMP)
	@if [ -z "$$UPSELL_LANDING_DIR" ] && [ ! -e data/landing ]; then \
		$(BIN)/upsell generate --out data/landing --truth-out data/truth; fi
	$(BIN)/upsell run

# Needs PostgreSQL's server binaries (Debian: apt-get install postgresql); the tests start
# their own throwaway server on 127.0.0.1.
test: $(ENGINES_STAMP)
	$(BIN)/ruff check .
	$(DBT) parse $(DBT_DIRS) --quiet
	DAGSTER_HOME=$$(mktemp -d) $(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=20

# Every stage timed at each scale against the direct-SQL limit -> docs/BENCHMARKS.md (+ JSON).
# 1,500 accounts is the fixed cost of a run (next to no data). Generated data is cached under
# data/bench/. The 1M column, added to the others (one dbt model at a time, as measured in
# docs/BENCHMARKS.md):
#   make bench BENCH_ACCOUNTS=1000000 BENCH_REPEATS=1 BENCH_FLAGS="--merge --dbt-threads 1"
BENCH_ACCOUNTS ?= 1500 10000 100000
BENCH_REPEATS ?= 3
BENCH_FLAGS ?=
# Then the engines side by side at 10,000 accounts (--engines-accounts N; 0 skips them): DuckDB
# and PostgreSQL (a throwaway local server, as the tests start), each stage's ratio to DuckDB.
bench: $(ENGINES_STAMP)
	$(BIN)/python -m benchmarks.bench_pipeline --accounts $(BENCH_ACCOUNTS) \
		--repeats $(BENCH_REPEATS) $(BENCH_FLAGS)

# The Dagster UI on localhost, with every asset, check, schedule and sensor.
dev: $(STAMP)
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/upsell ui --port $(PORT)

# The dbt docs site (every model and column described) as one static page for analysts.
docs: $(STAMP)
	UPSELL_WAREHOUSE=$(abspath $(WAREHOUSE)) $(DBT) docs generate $(DBT_DIRS) --static \
		--target-path $(abspath data/dbt-docs) $(if $(wildcard $(WAREHOUSE)),,--empty-catalog)
	@echo "dbt docs: open data/dbt-docs/static_index.html in a browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
