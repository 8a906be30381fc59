# onetrip: `make run` serves the demo province; `make test` runs the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/onetrip
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres system-deps lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null || { echo "error: Python 3.11 or newer is needed (set PYTHON=...)" >&2; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Serve the demo province on http://127.0.0.1:8000 (embedded SQLite under var/).
run: $(STAMP)
	$(BIN)/onetrip run

## Everything: system packages for the browser, lint, then the suite on SQLite and on PostgreSQL.
test: $(STAMP) system-deps lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -q

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check onetrip bench tests conftest.py
	$(BIN)/ruff format --check onetrip bench tests conftest.py

## Debian's chromium and a CJK font for the browser tests, wrk for the benchmark.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ] || ! command -v wrk >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei wrk >/dev/null; \
	fi

bench: $(STAMP) system-deps
	$(BIN)/onetrip bench core

clean:
	rm -rf var $(VENV)
