# The two commands README.md opens with: `make demo` and `make test`.
# Both create ./.venv and install the project into it on first use.
# Another interpreter or Django: make test VENV=.venv-dj6 PYTHON=python3.13 EXTRA_PIP='Django>=6,<6.2'

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENV := DJANGO_DEBUG=1

.PHONY: install demo test lint clean

$(VENV)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# -qq: errors only (a pip config's unreachable index locations warn per package).
	$(PY) -m pip install --quiet --quiet --upgrade pip
	$(PY) -m pip install --quiet --quiet -e '.[console,postgres,dev,anymail,celery,metrics]' $(if $(EXTRA_PIP),"$(EXTRA_PIP)")
	touch $@

install: $(VENV)/.installed

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py loaddata fixtures/demo.json fixtures/demo_consent.json
	$(DEMO_ENV) $(PY) manage.py loaddata fixtures/demo_templates.json
	$(DEMO_ENV) $(PY) manage.py shell < fixtures/refresh_demo_dates.py
	@echo ""
	@echo "  notify_admin console: http://$(HOST):$(PORT)/admin/"
	@echo "  demo login:           admin / notify-admin-demo   (demo data only)"
	@echo ""
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 tests.sqlite3 build dist *.egg-info
