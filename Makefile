# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= fundsite.settings.dev
# Gateways call back and receipts link to this address, so it follows PORT.
export SITE_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install lint check demo worker bench e2e-deps lighthouse-deps messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Install, migrate, load the fund's demo content and serve on 127.0.0.1:$(PORT).
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@# Search indexing and other background work queued by the loader, done before serving.
	$(PY) manage.py db_worker --batch --queue-name '*' -v0
	$(PY) manage.py collectstatic --no-input -v0
	@# The task worker (indexing, receipts, payment retries) and the ledger sequencer (queued gifts into
	@# the chain) run beside the web server.
	$(PY) manage.py db_worker --queue-name '*' --no-reload -v0 & worker=$$!; \
	$(PY) manage.py ledger_sequencer -v0 & sequencer=$$!; \
	trap 'kill $$worker $$sequencer 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py db_worker --batch --queue-name '*' -v0

## The whole test suite (SQLite by default; set DATABASE_URL=postgres://… for PostgreSQL).
test: install e2e-deps lighthouse-deps
	DJANGO_SETTINGS_MODULE=fundsite.settings.test $(PY) -m pytest $(PYTEST_ARGS)

## Debian's Chromium and a CJK font for the browser test (Playwright's own browser download cannot work here).
e2e-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -q && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-zenhei; \
	fi

## Lighthouse 12.2.3 (the last that runs on Node 20), pinned by tools/lighthouse/package-lock.json, for the
## mobile audit in tests/e2e/test_lighthouse.py. Without Node/npm the audit is skipped (CI sets LIGHTHOUSE_REQUIRED=1).
LIGHTHOUSE := tools/lighthouse/node_modules/.bin/lighthouse
lighthouse-deps:
	@if [ ! -x $(LIGHTHOUSE) ]; then \
		if command -v npm >/dev/null; then cd tools/lighthouse && npm ci --no-audit --no-fund --loglevel=error; \
		else echo "npm not found: the Lighthouse audit will be skipped"; fi; \
	fi

## Recompile the admin's own Chinese catalogue after editing fundsite/locale/zh_Hans/LC_MESSAGES/*.po (gettext's
## msgfmt; the .mo files are committed and tests/test_admin_locale.py checks they are current).
LOCALE_DIR := fundsite/locale/zh_Hans/LC_MESSAGES
messages:
	for domain in django djangojs; do msgfmt --check-format -o $(LOCALE_DIR)/$$domain.mo $(LOCALE_DIR)/$$domain.po; done

lint: install
	$(VENV)/bin/ruff check .
	@# Apps depend one way (pyproject.toml [tool.importlinter]).
	$(VENV)/bin/lint-imports

check: install
	DJANGO_SETTINGS_MODULE=fundsite.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=fundsite.settings.test $(PY) manage.py makemigrations --check --dry-run

worker: install
	$(PY) manage.py db_worker

bench: install
	DJANGO_SETTINGS_MODULE=fundsite.settings.test $(PY) -m pytest benchmarks -o addopts="-p no:cacheprovider" -o python_files="bench_*.py test_*.py" --benchmark-only

clean:
	rm -rf $(VENV) staticfiles .test-media
