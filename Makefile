# CountyWorks — common tasks. `make demo` and `make test` are the README quick start.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
RUN := $(UV) run --frozen
PYTEST_ARGS ?=

.PHONY: install demo serve test test-fast test-pg lint bench browser-deps clean

install: .venv/.installed

.venv/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

demo: install  ## migrate the SQLite database under ./data, load the Jianghai demo, serve on :8000
	$(RUN) countyworks demo

serve: install
	$(RUN) countyworks serve

test: install  ## the whole suite (browser tests need /usr/bin/chromium: `make browser-deps`)
	$(RUN) pytest $(PYTEST_ARGS)

test-fast: install
	$(RUN) pytest -m "not browser" $(PYTEST_ARGS)

test-pg: install  ## the suite on the local PostgreSQL
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/countyworks} $(RUN) pytest $(PYTEST_ARGS)

lint: install
	$(RUN) ruff check countyworks bench
	$(RUN) bandit -q -c pyproject.toml -r countyworks --severity-level medium --confidence-level medium

browser-deps:  ## Debian's chromium for the Playwright tests (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)
	@command -v soffice >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming poppler-utils)

bench: install
	$(RUN) python bench/import_enterprises.py

clean:
	rm -rf .venv data
