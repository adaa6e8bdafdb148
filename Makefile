# Garrison: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := garrison.settings

.PHONY: run install test lint typecheck migrations-check pytest browser messages benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# XStatic-Bootstrap ships only an sdist whose setup.py still imports pkg_resources.
	$(BIN)/pip install --quiet "setuptools<81" wheel
	$(BIN)/pip install --quiet --no-build-isolation xstatic-bootstrap
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/garrison migrate --no-input
	$(BIN)/garrison logaudit rules sync
	$(BIN)/garrison collectstatic --no-input --verbosity 0
	$(BIN)/garrison seed-demo --if-empty
	$(BIN)/garrison serve --with-worker

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

migrations-check: $(STAMP)
	$(BIN)/garrison makemigrations --check --dry-run

# The whole suite, browser tests included when /usr/bin/chromium exists (skipped with the
# reason shown otherwise). pytest exits 5 when no test ran, and make fails on any non-zero exit.
# Everything but the browser runs on every core (pytest-xdist, one test database per
# worker); the browser tests share one live server, so they run after, in one process.
# SKIP_BROWSER=1 leaves them out (CI runs them once, on SQLite, not again on PostgreSQL).
PYTEST_WORKERS ?= auto
SKIP_BROWSER ?=
pytest: $(STAMP)
	$(BIN)/python tests/check_assertions.py tests
	$(BIN)/pytest --ds=tests.settings --create-db -n $(PYTEST_WORKERS) --ignore=tests/browser $(PYTEST_ARGS)
	@if [ "$(SKIP_BROWSER)" = "1" ]; then echo "browser tests skipped (SKIP_BROWSER=1)"; \
	else $(BIN)/pytest --ds=tests.settings --create-db tests/browser $(PYTEST_ARGS); fi

test: lint typecheck migrations-check pytest

# Only the browser tests; a missing browser is an error here, and so is running none (exit 5).
browser: $(STAMP)
	GARRISON_REQUIRE_BROWSER=1 $(BIN)/pytest --ds=tests.settings --create-db -m browser tests/browser $(PYTEST_ARGS); \
	status=$$?; [ $$status -ne 5 ] || echo "make browser: no browser test ran" >&2; exit $$status

messages: $(STAMP)
	cd src/garrison && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --ignore "*/migrations/*" && ../../$(BIN)/django-admin compilemessages

benchmark: $(STAMP)
	$(BIN)/python benchmarks/people_list.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
