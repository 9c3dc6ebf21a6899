# One command to run the app with demo data, one to run the tests (see README.md).
# `make run` installs only what the app needs (requirements.txt); `make test`, `make lint`,
# `make bench`, `make bench-scale` and `make messages` add the test, lint and benchmark tools
# (requirements-dev.txt). `make bench-scale` (issue 17: a million observations, 50 users on gunicorn)
# needs a PostgreSQL server it may create databases on: BENCH_DATABASE_URL, else TEST_DATABASE_URL.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test lint format bench bench-scale messages clean

$(RUNTIME): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(RUNTIME)

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV)

run: $(RUNTIME)  ## development server on 127.0.0.1:8050 (PORT overrides) with demo data
	$(PY) app.py

test: $(DEV)  ## the whole suite; PostgreSQL tests run when TEST_DATABASE_URL is set
	$(PY) -m pytest

lint: $(DEV)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(DEV)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(DEV)
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/structure.py
	$(PY) benchmarks/hostile.py
	$(PY) benchmarks/audit.py
	$(PY) benchmarks/pages.py
	$(PY) benchmarks/reports.py
	$(PY) benchmarks/browser.py

bench-scale: $(DEV)  ## at demo scale and at 1,000,000 observations on PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL), then the load test
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/load.py
	$(PY) benchmarks/load.py --scale million

messages: $(DEV)  ## extract interface strings and merge them into the Arabic catalogue
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o /tmp/tracker-messages.pot web dashboards etl kpis reports services
	$(VENV)/bin/pybabel update -i /tmp/tracker-messages.pot -d web/translations -l ar --no-fuzzy-matching

clean:
	rm -rf instance .pytest_cache .ruff_cache
