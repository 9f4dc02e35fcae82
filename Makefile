# `make run` and `make test` do all the set-up: virtual environment, install, embedded database.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-fast schema bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/customer-credit serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not integration"

schema: install
	$(BIN)/customer-credit export-schema --output schema.graphql

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
