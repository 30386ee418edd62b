# Trend Sales — the two commands of a fresh machine are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8050
export TRENDSALES_ENV ?= demo

.PHONY: run test lint bench venv dev-deps system-deps clean translations

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

## Debian packages the tests drive for real: Chromium (browser tests) and PostgreSQL (multi-host database).
APT_INSTALL = env DEBIAN_FRONTEND=noninteractive apt-get install -y -q
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	  $$SUDO $(APT_INSTALL) $$missing >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -q >/dev/null && $$SUDO $(APT_INSTALL) $$missing >/dev/null; } || \
	    echo "Could not install:$$missing (the tests that need them will fail)"; \
	fi

## Whole test suite, browser and multi-process tests included: two pytest-xdist workers, each test file
## on one worker (module fixtures such as a served instance are built once); TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 2
test: dev-deps system-deps
	$(BIN)/python -m pytest -q $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: dev-deps
	$(BIN)/pip install --quiet --no-deps -r bench/requirements.txt
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_training.py
	$(BIN)/python bench/bench_real_series.py
	$(BIN)/python bench/bench_interval_coverage.py
	$(BIN)/python bench/bench_hot_swap.py

## Refresh the catalogues after changing text: extract, merge into each .po, compile the .mo files
## (the .mo files are committed, so a fresh clone serves every language without a build step).
PYBABEL := $(BIN)/pybabel
translations: venv
	$(PYBABEL) extract -F babel.cfg -k N_ -k _l -k translate:2 -k translate_plural:2,3 --no-location --sort-output -o translations/messages.pot --ignore-dirs='.* _* tests bench translations' .
	$(PYBABEL) update --no-fuzzy-matching -w 120 -i translations/messages.pot -d translations
	$(PYBABEL) compile --statistics -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
