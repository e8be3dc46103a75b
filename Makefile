# Trial monitor — the two commands: `make run` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM := /usr/bin/chromium
PO := $(wildcard monitor/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
# An encrypted installation (instance/monitor.vault.json) is served by ONE process: its key lives in that
# process's memory only and is never handed to another (docs/security.md). Threads serve it in parallel.
# A new installation (no database before this `make run`) is served by one too, so that its first-run page
# can offer encryption; a plain one gets two workers from its next start on.
ONE_PROCESS := $(or $(wildcard instance/monitor.vault.json),$(if $(wildcard instance/monitor.sqlite),,new))
WORKERS ?= $(if $(ONE_PROCESS),1,2)
THREADS ?= $(if $(ONE_PROCESS),8,4)

.PHONY: run test demo bench knee stress install translations db chromium lint messages clean

run: install translations db  ## set up and serve at http://127.0.0.1:5000
	@echo "Trial monitor at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) --access-logfile - "monitor:create_app()"

test: install translations chromium  ## set up, lint, type-check and run every test (browser tests included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

demo: install translations db  ## load a fictional demo mission (prints the demo accounts' passwords once)
	$(BIN)/flask --app monitor seed-demo

# The growth curve's sizes (× the full mission; 10× = 40,000 sittings, generated once, about an hour);
# BENCH_SIZE=small skips it, BENCH_GROWTH=1,3 measures fewer sizes.
GROWTH_SIZES := 1,3,10
BENCH_GROWTH ?= $(if $(filter small,$(BENCH_SIZE)),,$(GROWTH_SIZES))

bench: install translations  ## benchmarks on a generated mission → docs/benchmarks.md (BENCH_SIZE=small for a quick run)
	$(BIN)/python bench/run.py
	$(if $(filter small,$(BENCH_SIZE)),,$(BIN)/python bench/knee.py --doc docs/benchmarks.md)
	$(if $(BENCH_GROWTH),$(BIN)/python bench/growth.py --sizes $(BENCH_GROWTH) --doc docs/benchmarks.md --json bench/.data/growth.json)

knee: install translations  ## concurrent observers autosaving: the knee → its section of docs/benchmarks.md (a quiet machine)
	$(BIN)/python bench/knee.py --doc docs/benchmarks.md

stress: install translations  ## kill -9 cycles, load, hostile input, bandit, pip-audit → docs/reliability.md
	$(BIN)/python bench/stress.py

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

translations: install $(MO)

%.mo: %.po
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

db: install
	$(BIN)/flask --app monitor init-db

# Browser tests drive Debian's Chromium (browsers cannot be downloaded here).
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "Chromium is missing: run 'sudo apt-get install chromium chromium-driver' (browser tests need it)"; exit 1; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/ruff format --check .

# For developers: collect new strings into the catalogs, then translate them in the .po files.
messages: install
	$(BIN)/pybabel extract -F monitor/babel.cfg -k _l -o monitor/translations/messages.pot --no-location --sort-output --no-wrap .
	$(BIN)/pybabel update -i monitor/translations/messages.pot -d monitor/translations --ignore-obsolete --no-fuzzy-matching --no-wrap

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(MO)
