# The commands a newcomer runs. `make demo` serves the site on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST_PORT ?= 127.0.0.1:8000
# The demo is the embedded default: SQLite file, tasks in-process, no Redis.
DEMO_ENV := DATABASE_URL= REDIS_URL= DEBUG=1

.PHONY: demo demo-data install install-dev test lint format superuser clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo-data: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py load_curated
	$(DEMO_ENV) $(PY) manage.py import_traces --example

demo: demo-data
	@echo "Serving on http://$(HOST_PORT)/  (admin: make superuser, then /admin/)"
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST_PORT)

superuser: install
	$(DEMO_ENV) $(PY) manage.py createsuperuser

test: install-dev
	bash bin/run-tests

lint: install-dev
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .test-services
