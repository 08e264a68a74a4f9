# metareview: two commands on a fresh machine.
#   make demo   set up, then run the flagship analysis (LD-IL-2) through the embedded SQLite store
#   make test   set up, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO_OUT ?= demo-out

.PHONY: setup test demo bench fixtures clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,test]"
	touch $(STAMP)

setup: $(STAMP)

# System packages the tests need (headless Chromium for the web app's browser tests).
system-deps:
	@bash scripts/system-deps.sh

test: setup system-deps
	$(PY) -m pytest

demo: setup
	$(VENV)/bin/metareview demo --out $(DEMO_OUT)

bench: setup
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) bench/run_all.py

# Regenerate the metafor reference fixtures (needs R: apt-get install r-base-core
# r-cran-metafor r-cran-metadat r-cran-lme4 r-cran-jsonlite). CI never runs this.
fixtures:
	bash scripts/make-fixtures.sh

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
