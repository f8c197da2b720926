# asynchronicity — make targets read like a menu: `make help`.
PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
SCENARIO ?= scenarios/quick.toml
PORT     ?= 8080
ARGS     ?=

.DEFAULT_GOAL := help
.PHONY: help install serve compare primer test test-fast lint bench docs clean

# The menu is the `## ` comments, with $(PORT) and $(SCENARIO) shown as they are set now.
help: ## show this menu
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' -v port='$(PORT)' \
		-v scenario='$(SCENARIO)' '{ gsub(/\$$\(PORT\)/, port, $$2); \
		gsub(/\$$\(SCENARIO\)/, scenario, $$2); printf "  make %-10s %s\n", $$1, $$2 }'

install: $(STAMP) ## create .venv and install the project (editable, with dev tools)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

serve: install ## run the fake usajobs API on 127.0.0.1:$(PORT)
	$(PY) -m server --port $(PORT) $(ARGS)

compare: install ## run every client of $(SCENARIO) and print the table (SCENARIO=…, ARGS=…)
	$(PY) -m clients compare $(SCENARIO) $(ARGS)

primer: install ## the talk's primers: three ways to walk N numbers, and the event-loop demo
	$(PY) -m clients primer generators --size $(or $(SIZE),1000000)
	$(PY) -m clients primer loop

test: install ## run the test suite
	$(PY) -m pytest $(ARGS)

test-fast: install ## the test suite without the tests that start processes (marked slow)
	$(PY) -m pytest -m "not slow" $(ARGS)

lint: install ## ruff (lint + format check) and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: install ## benchmarks: server overhead, fidelity, client cost (writes bench/results.json)
	$(PY) -m bench $(ARGS)

docs: install ## build the documentation site into build/site (offline, --strict)
	$(VENV)/bin/mkdocs build --strict --site-dir build/site

clean: ## remove the venv, caches and results
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis results build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
