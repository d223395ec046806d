# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
STAMP := $(VENV)/.installed
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
# The newest other supported Python installed here (3.13, else 3.12), for a second SQLite pass;
# pyenv's shims answer for versions that are not active, so each is asked to run, and pyenv's
# own versions are looked at too. Empty: that pass is skipped.
NEWER_PYTHON ?= $(shell for v in 3.13 3.12; do \
  python$$v -c '' 2>/dev/null && { echo python$$v; exit; }; \
  p=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v*/bin/python$$v 2>/dev/null | tail -n 1); \
  [ -n "$$p" ] && { echo $$p; exit; }; done)
NEWER_VENV := .venv-newer

.PHONY: chromium run test install lock translations translations-update translations-check lint typecheck pytest pytest-sqlite pytest-newer sqlite-passes newer-venv migrate demo clean

## Exactly the locked versions (with their hashes), then the project itself.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Pins every dependency of pyproject.toml in requirements.lock, for every supported Python;
## pins already there are kept unless `make lock UPGRADE=--upgrade`.
lock: $(STAMP)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command "make lock" --quiet $(UPGRADE) -o requirements.lock

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
	$(BIN)/ruff check housing tests bench migrations wsgi.py setup.py
	$(BIN)/ruff format --check housing tests bench wsgi.py setup.py

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

$(NEWER_VENV)/.installed: pyproject.toml requirements.lock
	$(NEWER_PYTHON) -m venv $(NEWER_VENV)
	$(NEWER_VENV)/bin/pip install --quiet --upgrade pip
	$(NEWER_VENV)/bin/pip install --quiet -r requirements.lock
	$(NEWER_VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

## The SQLite pass again on the newer Python, when one is installed.
ifeq ($(strip $(NEWER_PYTHON)),)
pytest-newer:
	@echo "No python3.13 or python3.12 installed: the pass on a newer Python is skipped."
newer-venv:
else
pytest-newer: translations $(NEWER_VENV)/.installed
	$(NEWER_VENV)/bin/pytest --database=sqlite -q -m "not postgresql_only" tests
newer-venv: $(NEWER_VENV)/.installed
endif

## The newer Python's environment is installed (mostly waiting on downloads) while the checks
## run. The PostgreSQL pass runs beside the two SQLite passes (this Python with coverage, then
## the newer Python): it mostly waits on servers, browsers and workers, they mostly compute.
## Each side's output is shown when it ends.
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck translations-check chromium newer-venv
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest sqlite-passes

sqlite-passes:
	$(MAKE) --no-print-directory pytest-sqlite
	$(MAKE) --no-print-directory pytest-newer

clean:
	rm -rf $(VENV) $(NEWER_VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
