# Two commands do everything on a fresh machine with Python 3.11+:
#   make report   set up .venv and render the committee report on the bundled sample
#   make test     set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: venv report test test-fast lint format sample template bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

report: $(STAMP)
	$(BIN)/isms demo --out reports

test: $(STAMP)
	$(BIN)/ruff check isms_analysis tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# The quick loop while working: ruff and the suite without the browser, LibreOffice and slow tests.
test-fast: $(STAMP)
	$(BIN)/ruff check isms_analysis tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -m "not browser and not libreoffice and not slow" -p no:cacheprovider -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check isms_analysis tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format isms_analysis tests benchmarks
	$(BIN)/ruff check --fix isms_analysis tests benchmarks

sample: $(STAMP)
	$(BIN)/isms sample data/sample

template: $(STAMP)
	$(BIN)/isms template data/templates/risikovurdering-skabelon.xlsx --force
	$(BIN)/isms template data/templates/risk-assessment-template-en.xlsx --lang en --force

docs: $(STAMP)
	$(BIN)/python docs/build_api.py docs/api

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports/*/ docs/api .pytest_cache .ruff_cache
