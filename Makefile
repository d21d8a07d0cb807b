# caldicott: every target bootstraps its own environment (uv, then a locked .venv).
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen
export CALDICOTT_HOME ?= $(CURDIR)/.caldicott
export CALDICOTT_SQL_ON_FHIR_SUITE ?= $(abspath $(CURDIR)/../shared/conformance/sql-on-fhir)
DEMO_PATIENTS ?= 10000

.PHONY: help bootstrap native demo test check lint format typecheck bench docs clean \
        test-unit test-integration test-security test-spec test-conformance test-generative

help:
	@echo "make demo   - build the environment, synthesise a population and show what was made"
	@echo "make test   - run every test (PostgreSQL tests skip when it is absent, unless CI=true)"
	@echo "make check  - ruff lint and format check, mypy, then the tests"
	@echo "make bench  - run the benchmarks; figures go to benchmarks/results/*.json"
	@echo "make docs   - regenerate the generated docs (docs/cli.md)"
	@echo "make native - compile the validator with mypyc (make test and make demo do it too)"

.venv/.bootstrapped: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --compile-bytecode
	@touch $@

# The compiled validator (mypyc, into .native/): rebuilt only when its source changed; a
# machine without a C compiler runs the Python source (CI=true makes that an error).
bootstrap: .venv/.bootstrapped
	@$(RUN) python scripts/build_native.py

native: .venv/.bootstrapped
	@$(RUN) python scripts/build_native.py --require

demo: bootstrap
	@bash scripts/demo.sh

test: bootstrap
	$(RUN) pytest -q

test-unit test-integration test-security test-spec test-conformance test-generative: bootstrap
	$(RUN) pytest -q tests/$(subst test-,,$@)

lint: bootstrap
	$(RUN) ruff check src tests benchmarks scripts
	$(RUN) ruff format --check src tests benchmarks scripts

format: bootstrap
	$(RUN) ruff check --fix src tests benchmarks scripts
	$(RUN) ruff format src tests benchmarks scripts

typecheck: bootstrap
	$(RUN) mypy

check: lint typecheck test

bench: bootstrap
	$(UV) sync --frozen --compile-bytecode --group bench
	$(UV) run --frozen --group bench python -m benchmarks.run $(BENCH)
	@touch .venv/.bootstrapped

docs: bootstrap
	$(RUN) python -m caldicott.cli.reference > docs/cli.md

clean:
	rm -rf .venv .native .caldicott benchmarks/results .pytest_cache .mypy_cache .ruff_cache
