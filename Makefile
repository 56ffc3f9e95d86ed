# Kuaimai: `make run` serves the shop, `make test` runs the suite. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The first Python 3.11+ on PATH builds the virtualenv.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: help run test e2e lint format venv migrate seed web worker beat bench bench-seckill clean messages

help:
	@echo "make run    - set up and serve the shop at http://$(HOST):$(PORT)"
	@echo "make test   - run the whole suite on the real PostgreSQL and Redis"
	@echo "make e2e    - the browser journeys on the full stack (gunicorn, daphne, Celery, nginx)"
	@echo "make lint   - ruff check + ruff format --check"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make bench-seckill - a flash sale under load (gunicorn, wrk, the consumer)"

# Reinstall only when requirements.txt or pyproject.toml change.
$(VENV)/.installed: requirements.txt pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is required (python3 --version)."; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -qq --disable-pip-version-check --upgrade "pip>=25.1"
	@$(PY) -m pip install -qq --disable-pip-version-check -r requirements.txt --group dev
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	@DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

seed: migrate
	@DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

run: seed
	@DEBUG=$${DEBUG:-true} $(PY) manage.py banner --host $(HOST) --port $(PORT)
	@if [ -n "$$REDIS_URL" ]; then \
		rm -rf var/prometheus && mkdir -p var/prometheus; \
		PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) PORT=$(PORT) DEBUG=$${DEBUG:-true} \
			PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/var/prometheus" \
			exec $(VENV)/bin/honcho -f config/deploy/Procfile.dev start; \
	else \
		DEBUG=$${DEBUG:-true} exec $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

# Then the broker tests again on RabbitMQ, in a vhost of their own (config/testing.py), and
# the carts, flash-sale and rate-limit tests with the app state on a Redis Cluster of three
# masters that config.testing_servers starts on free ports and stops after.
RABBITMQ_TEST_URL ?= amqp://guest:guest@127.0.0.1:5672/kuaimai-test
# The main pass runs on this many processes (pytest-xdist), each with Redis databases of its
# own (config/testing.py): two share the default Redis; more need a REDIS_URL of a Redis with
# room (worker n adds 4n to its database).
TEST_WORKERS ?= 2
CLUSTER_TESTS ?= carts seckill config/tests/test_ratelimit.py
test: venv
	@$(PY) -m config.checkservices
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	@echo "== the broker tests on RabbitMQ"
	@CELERY_BROKER_URL=$(RABBITMQ_TEST_URL) $(PY) -m pytest -m broker $(PYTEST_ARGS)
	@echo "== carts, flash sales and rate limits on a Redis Cluster"
	@$(PY) -m config.testing_servers cluster -- $(PY) -m pytest $(CLUSTER_TESTS) $(PYTEST_ARGS)

# The browser journeys on the full stack the session starts (config/e2e.py): logs in
# var/e2e/logs/, screenshots in var/screenshots/, failures' pages in var/e2e/failures/.
e2e: venv
	@$(PY) -m config.checkservices
	@$(PY) -m pytest -m e2e config/tests/e2e $(PYTEST_ARGS)

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: venv
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

# Refresh the .po from the code (needs GNU gettext), then compile the .mo (Babel, no gettext).
# Both files are committed, so running the shop never needs gettext.
messages: venv
	@DEBUG=true $(PY) manage.py makemessages -l zh_Hans --no-obsolete -i ".venv/*" -i "bench/*" -i "var/*"
	@$(PY) -m config.messages compile
	@DEBUG=true DJANGO_SETTINGS_MODULE=config.settings $(PY) -m config.messages check

bench: venv
	@for script in bench/*_bench.py; do echo "== $$script"; $(PY) $$script || exit 1; done

bench-seckill: venv
	@$(PY) bench/seckill_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
