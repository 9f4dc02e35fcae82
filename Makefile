# `make run` and `make test` do all the set-up: virtual environment, install, embedded database.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-fast lint schema bench fuzz mutation clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/customer-credit serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not integration and not e2e"

# Style and bugs (ruff), the layering and no import cycles (import-linter, contracts in
# pyproject.toml), types (mypy: strict on domain/ and csv/).
lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

# Fuzz a real server (embedded store, fresh data dir, its first admin key) with schemathesis for
# FUZZ_TIME seconds; fails on any 5xx or masked INTERNAL_SERVER_ERROR. `make test` runs a short one in process.
FUZZ_TIME ?= 120
fuzz: install
	$(BIN)/python -m tests.security.fuzz_server --max-time $(FUZZ_TIME)

schema: install
	$(BIN)/customer-credit export-schema --output schema.graphql

# Ratios against baselines measured in the same run; writes benchmarks/RESULTS.md. Options
# (environment or `make bench VAR=...`): BENCH_QUICK=1, BENCH_ROWS_IMPORT, BENCH_ROWS_MEMORY
# (0 skips the memory step), BENCH_READ_SECONDS, MONGODB_URI. See benchmarks/README.md.
bench: install
	$(BIN)/python benchmarks/bench.py

# Mutation testing of the pure layers (domain/, csv values, rows and columns) against tests/unit only;
# settings in pyproject.toml ([tool.mutmut]), results and the surviving mutants in MUTATION.md. Always a
# fresh run (mutmut would keep a survivor's verdict after new tests). Not part of `make test`: ~40 minutes.
MUTATION_WORKERS ?= 2
$(VENV)/.mutation-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,lint,mutation]'
	touch $@

mutation: $(VENV)/.mutation-installed
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_WORKERS)
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache mutants
