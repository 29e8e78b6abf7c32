# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
DEMO_PASSWORD ?= demo-password-2026

.PHONY: install install-test run db seed test lint bandit audit bench translations translations-todo clean

$(BIN)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pybabel compile --use-fuzzy -d translations >/dev/null
	touch $@

$(BIN)/.installed-test: requirements-test.txt $(BIN)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(BIN)/.installed
	$(BIN)/pybabel compile -d translations >/dev/null

install-test: $(BIN)/.installed-test

db: install
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask seed-demo --password "$(DEMO_PASSWORD)"

## Set up, migrate, load demo data (first run), serve on http://127.0.0.1:$(PORT)
run: seed
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Install the test requirements and run the whole suite (unit, routes, browser)
test: install-test
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory bandit
	$(BIN)/python -m pytest

## Static security check of the application code: fails on medium or high severity
## (tests and benchmarks are left out: they send hostile input on purpose).
bandit: install-test
	$(BIN)/bandit -q -r dih4society config.py wsgi.py --severity-level medium

## Known vulnerabilities in what .venv holds: the pinned requirements and their dependencies
## (asks the PyPI vulnerability service, which CI may not reach: not part of `make test`)
audit: install-test
	$(BIN)/pip-audit --progress-spinner off

lint: install-test
	$(BIN)/ruff check .

bench: install-test
	$(BIN)/python -m benchmarks targets

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations
	-$(BIN)/python tools/i18n.py status

## What is left to translate, as a JSON template to fill (see translations/ro/GLOSSARY.md)
translations-todo: translations
	$(BIN)/python tools/i18n.py todo

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
