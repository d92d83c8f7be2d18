# Two commands matter on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATABASE_URL ?= sqlite:///./var/twinning.db
HOST ?= 127.0.0.1
PORT ?= 8000
LOG_FORMAT ?= text

.PHONY: setup run test lint bench messages screenshots clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Migrate an SQLite database, load the demo regions and serve the API on http://$(HOST):$(PORT)
run: $(STAMP)
	mkdir -p var
	TWINNING_DATABASE_URL=$(DATABASE_URL) $(BIN)/alembic upgrade head
	TWINNING_DATABASE_URL=$(DATABASE_URL) TWINNING_DEMO_URL=http://$(HOST):$(PORT) \
		$(BIN)/python -m app.demo --print-keys
	TWINNING_DATABASE_URL=$(DATABASE_URL) TWINNING_LOG_FORMAT=$(LOG_FORMAT) \
		$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-access-log

## Lint, type-check and run the whole test suite (SQLite and a throwaway PostgreSQL)
test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Regenerate the pages' screenshots in var/screenshots/ (the browser tests write them)
screenshots: $(STAMP)
	rm -rf var/screenshots
	$(BIN)/pytest -q -m browser tests/web/browser

bench: $(STAMP)
	$(BIN)/python -m bench

## Extract the library's and the pages' translatable strings and merge them into every
## language's .po files
## (translate the new entries, then commit the .po files: they are compiled when loaded)
LOCALE_DIR := assessment/locale
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --add-location=file --sort-output \
		-c Translators: --project=twinning -o $(LOCALE_DIR)/assessment.pot .
	$(BIN)/pybabel update -i $(LOCALE_DIR)/assessment.pot -d $(LOCALE_DIR) -D assessment \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel extract -F app/web/locale/babel.cfg -k N_ --no-location --sort-output \
		--project=twinning -o app/web/locale/web.pot .
	$(BIN)/pybabel update -i app/web/locale/web.pot -d app/web/locale -D web \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
