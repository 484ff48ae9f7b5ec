# The two commands of the quickstart:  make run  and  make test.
# Both create the virtual environment and install what they need on first use.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint audit worker bench clean translations

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

$(VENV)/.app-installed: $(BIN)/activate requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.app-installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## make run: migrate (and seed an empty embedded database), then serve http://127.0.0.1:5000
run: $(VENV)/.app-installed
	PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/flask --app wsgi bootstrap
	PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

## make test: the whole suite. TEST_DATABASE_URL / TEST_REDIS_URL select PostgreSQL and Redis;
## without them the tests run on the embedded default (SQLite, no Redis).
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make lint: ruff (pyflakes, import order, bugbear, pyupgrade) and the layer contracts (import-linter)
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## make audit: every installed distribution against PyPI: known advisories, yanked releases, and releases
## behind the latest without a written reason in .ci/audit-exceptions.txt (AUDIT_OFFLINE_OK=1: no network)
audit: $(VENV)/.dev-installed
	$(BIN)/python .ci/audit_dependencies.py

## make translations: extract every marked text (code and templates) and update the catalogues; then
## translate what is new in marketplace/translations/es/LC_MESSAGES/messages.po (the tests refuse
## untranslated or fuzzy entries). The app compiles the catalogues when it starts.
I18N = marketplace/translations
translations: $(VENV)/.app-installed
	$(BIN)/pybabel extract -F $(I18N)/babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k NP_:1c,2 -k NN_:1,2 \
	  --add-location=file --sort-output --no-wrap -o $(I18N)/messages.pot .
	$(BIN)/pybabel update -i $(I18N)/messages.pot -d $(I18N) --no-wrap --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance .pytest_cache
