# One command to run the app with demo data, one to run the tests (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## development server on 127.0.0.1:8050 with demo data
	$(PY) app.py

test: $(STAMP)  ## the whole suite; PostgreSQL tests run when TEST_DATABASE_URL is set
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/hostile.py
	$(PY) benchmarks/audit.py
	$(PY) benchmarks/pages.py
	$(PY) benchmarks/browser.py

messages: $(STAMP)  ## extract interface strings and merge them into the Arabic catalogue
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o /tmp/tracker-messages.pot web dashboards etl
	$(VENV)/bin/pybabel update -i /tmp/tracker-messages.pot -d web/translations -l ar --no-fuzzy-matching

clean:
	rm -rf instance .pytest_cache .ruff_cache
