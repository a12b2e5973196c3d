# Boundary: every command a person or CI runs is written here once.
#   make run    install everything, build the demo round on SQLite, serve http://127.0.0.1:5000
#   make test   install what the tests need, then lint, type-check and run the whole suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs again on PostgreSQL when this server answers (see README).
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Each pass runs on every core (pytest-xdist), a test file wholly on one worker, the slowest
# files handed out first; each worker has a PostgreSQL database of its own (tests/workers.py).
# PYTEST_WORKERS=0: one process. At most six workers: tests/workers.py has six Redis databases.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses 6 --dist loadfile --no-loadscope-reorder

.PHONY: run test install install-test assets lint typecheck pytest pytest-postgres demo clean

# Links printed by the app follow the address it is served on: with HOST=0.0.0.0, this
# machine's own address on its network (surveys/serving.py), which other devices can open.
run: export BOUNDARY_PUBLIC_URL ?= $(shell $(PYTHON) surveys/serving.py $(HOST) $(PORT))
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) demo-admin
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test lint typecheck pytest pytest-postgres

install: $(BIN)/.installed assets

install-test: $(BIN)/.installed-test assets

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Boundary needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable .
	touch $@

$(BIN)/.installed-test: pyproject.toml $(BIN)/.installed
	$(BIN)/pip install --quiet --editable '.[test]'
	touch $@

# Front-end assets come from npm at set-up time and are never committed.
assets: static/dist/boundary.css

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Boundary needs Node.js and npm to install its front-end assets (the GOV.UK Design System)."; \
	  echo "Install Node.js 18 or newer from https://nodejs.org/ (npm comes with it), then run this again."; \
	  exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/boundary.css: node_modules/.package-lock.json static/src/boundary.scss
	npm run --silent build

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the import rules of docs/architecture.md

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

pytest: $(BIN)/.installed-test assets
	@$(BIN)/python -m tests.needs
	$(PYTEST)

pytest-postgres: $(BIN)/.installed-test assets
	@if $(BIN)/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_POSTGRES_URL)" 2>/dev/null; then \
	  echo "PostgreSQL answers at $(TEST_POSTGRES_URL): running the suite on it too"; \
	  TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(PYTEST); \
	else \
	  echo "No PostgreSQL at $(TEST_POSTGRES_URL): the suite ran on SQLite only"; \
	fi

demo: install
	$(FLASK) db upgrade
	$(FLASK) demo --reset

clean:
	rm -rf $(VENV) node_modules static/dist
