# Trend Sales — the two commands of a fresh machine are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8050
export TRENDSALES_ENV ?= demo

.PHONY: run test lint bench venv dev-deps browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

venv: $(VENV)/.runtime-installed

dev-deps: $(VENV)/.dev-installed

## Serve the dashboard on the embedded demo data (first run: database, demo data, first models, admin).
run: venv
	$(FLASK) init --demo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:server

## Debian's Chromium for the browser tests (installed when missing and we may install packages).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
	  else \
	    sudo -n apt-get install -y -q chromium >/dev/null 2>&1 || echo "chromium is missing: install Debian's chromium package"; \
	  fi; }

## Whole test suite, browser and multi-process tests included.
test: dev-deps browser
	$(BIN)/python -m pytest -q

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: dev-deps
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_training.py
	$(BIN)/python bench/bench_real_series.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
