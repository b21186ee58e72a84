# PeerLearn: `make run` serves the demo on :8000, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
STAMP := $(VENV)/.installed
THEME := site/peerlearn_theme/static_src
CSS := site/peerlearn_theme/static/css/dist/styles.css
# Browser libraries from npm the pages load (copied by the theme's build:vendor; no CDN).
VENDOR := site/peerlearn_theme/static/vendor/chart.umd.min.js
PACKAGES := core bookings payouts rtc analytics
# Development-only distributions (tests and `make run`); no runtime package depends on them.
DEV_PACKAGES := razorpay-sandbox peerlearn-testing
EDITABLES := $(foreach p,$(PACKAGES),-e packages/peerlearn-$(p)) $(foreach p,$(DEV_PACKAGES),-e packages/$(p)) -e .
export DEBUG ?= 1

.PHONY: run test install css migrate seed lint format lock test-deps services clean

$(STAMP): requirements-dev.txt pyproject.toml $(wildcard packages/*/pyproject.toml)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	# Our own packages: built by poetry-core (pinned in the lock), no dependency resolution.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation $(EDITABLES)
	touch $@

install: $(STAMP)

$(THEME)/node_modules/.package-lock.json: $(THEME)/package.json $(THEME)/package-lock.json
	cd $(THEME) && npm ci --no-audit --no-fund --loglevel=error

$(CSS): $(THEME)/node_modules/.package-lock.json $(shell find packages/*/src site \( -name '*.html' -o -name '*.js' \) -not -path '*/node_modules/*' -not -path '*/static/vendor/*' 2>/dev/null) $(THEME)/src/styles.css
	$(PY) manage.py tailwind build

$(VENDOR): $(THEME)/node_modules/.package-lock.json $(THEME)/copy-vendor.mjs
	cd $(THEME) && npm run --silent build:vendor

css: $(STAMP) $(CSS) $(VENDOR)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput -v0

seed: migrate
	$(PY) manage.py seed_demo

run: css migrate
	PORT=$(PORT) bash scripts/run-demo.sh

# Debian's chromium and redis-server when missing (as root), and Redis/PostgreSQL started.
test-deps:
	bash scripts/test-deps.sh

test: css test-deps
	bash scripts/run-tests.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-lock after editing requirements*.in (uv is in the dev lock); hashes, no index URLs. The
# hosts' locks (requirements/hosts/) are what scripts/check-hosts.sh installs per Django series.
UV ?= $(BIN)/uv
lock:
	$(UV) pip compile requirements.in --generate-hashes --python-version 3.11 -q -o requirements.txt
	$(UV) pip compile requirements-dev.in --generate-hashes --python-version 3.11 -q -o requirements-dev.txt
	cd requirements/hosts && for s in 4.2 5.2; do \
	  $(abspath $(UV)) pip compile django-$$s.in --generate-hashes --python-version 3.11 -q -o django-$$s.txt; done
	cd requirements/hosts && $(abspath $(UV)) pip compile django-6.1.in --generate-hashes --python-version 3.12 -q -o django-6.1.txt

clean:
	rm -rf $(VENV) var artifacts $(THEME)/node_modules site/peerlearn_theme/static/css/dist site/peerlearn_theme/static/vendor
