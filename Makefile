# Concierge — `make run` serves everything on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 (pyenv's on these machines) and uv installed into it.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || { command -v pyenv >/dev/null && echo "$$(pyenv prefix 3.12 2>/dev/null)/bin/python3.12"; } || echo python3.12)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
UV := $(PYTHON) -m uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
# The browser tests drive Debian's Chromium (never `playwright install`).
CHROMIUM_PATH ?= /usr/bin/chromium
export CHROMIUM_PATH
# "yes" when make may install system packages (override with IS_ROOT= to try the other path).
IS_ROOT ?= $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: help install chromium migrate demo run serve worker test test-py test-browser lint format openapi check clean

help:
	@echo "make run      install, migrate, load demo data, serve storefront + console + API with the worker on http://$(HOST):$(PORT)"
	@echo "             (and simulated in-store devices; the MQTT feed too when PRESENCE_MQTT_URL is set)"
	@echo "make test     the whole suite (unit, integration, API contract, browser) on SQLite, or on DATABASE_URL"
	@echo "make lint     ruff check + format check, mypy, the import contracts, makemigrations --check, uv lock --check"

$(VENV)/.installed: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --locked
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py collectstatic --no-input -v0
	@echo
	@echo "Concierge is starting on http://$(HOST):$(PORT)  (storefront /, console /service/, admin /admin/, API /api/docs)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py worker --no-startup-delay & \
	  if [ -n "$$PRESENCE_MQTT_URL" ]; then $(PY) manage.py presence_mqtt & fi; \
	  (sleep 8; $(PY) manage.py simulate_devices --url http://$(HOST):$(PORT) --customers 8 >var/simulate_devices.log 2>&1) & \
	  $(VENV)/bin/granian --interface asgi --host $(HOST) --port $(PORT) --workers 1 concierge.asgi:application

# Chromium for the browser tests: installed through apt-get when missing and we are root (as on CI
# and a fresh container); otherwise one line saying what to run, before any test starts.
chromium:
	@if [ ! -x "$(CHROMIUM_PATH)" ]; then \
	  if [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Chromium is not at $(CHROMIUM_PATH): installing it with apt-get (Debian's chromium package)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null || exit 1; \
	  else \
	    echo "Chromium is missing at $(CHROMIUM_PATH): run 'sudo apt-get install chromium' (or set CHROMIUM_PATH to a Chromium binary), then 'make test' again." >&2; \
	    exit 1; \
	  fi; \
	fi

test: install chromium test-py test-browser

test-py: install
	$(VENV)/bin/pytest concierge -n $(PYTEST_WORKERS) -q

test-browser: install chromium
	@# After an apt-get install, Chromium is at /usr/bin/chromium whatever CHROMIUM_PATH said.
	CHROMIUM_PATH="$$([ -x "$(CHROMIUM_PATH)" ] && echo "$(CHROMIUM_PATH)" || echo /usr/bin/chromium)" $(VENV)/bin/pytest e2e -n $(PYTEST_WORKERS) -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	$(UV) lock --check

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: install
	DJANGO_SETTINGS_MODULE=concierge.settings_test $(PY) -c "import django, json; django.setup(); from concierge.api.main import api; open('docs/openapi.json', 'w').write(json.dumps(api.get_openapi_schema(path_prefix='/api/v1/'), sort_keys=True, indent=2) + '\n')"

clean:
	rm -rf $(VENV) var
