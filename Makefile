# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
STAMP := $(VENV)/.installed
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: chromium run test install translations translations-update translations-check lint typecheck pytest pytest-sqlite migrate demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -f -i $< -o $@

translations: $(MO_FILES)

## Extract strings to messages.pot and merge them into every locale's catalog.
translations-update: $(STAMP)
	$(BIN)/pybabel -q extract --no-location --sort-output -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching -i translations/messages.pot -d translations

translations-check: translations
	$(BIN)/flask translations check

migrate: translations
	$(BIN)/flask db upgrade -d migrations

demo: migrate
	$(BIN)/flask demo load

run: demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check housing tests bench migrations wsgi.py
	$(BIN)/ruff format --check housing tests bench wsgi.py

typecheck: $(STAMP)
	$(BIN)/mypy

## Browser tests drive Debian's Chromium; Playwright cannot download its own browsers here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-core >/dev/null; }

pytest: translations chromium
	$(BIN)/pytest --database=postgresql

## Coverage is measured on the SQLite pass: the same tests but the PostgreSQL-only ones
## (browsers and real workers, which run in other processes), at a third of the cost.
pytest-sqlite: translations
	$(BIN)/pytest --database=sqlite -q -m "not postgresql_only" --cov --cov-report=term:skip-covered tests

## The two passes run side by side: the PostgreSQL pass mostly waits on servers, browsers and
## workers, the SQLite pass mostly computes. Each pass's output is shown when it ends.
test: lint typecheck translations-check chromium
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest pytest-sqlite

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
