# Two commands matter: `make run` and `make test`. Both set up .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1

.PHONY: setup run test lint format bench dashboards clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	$(BIN)/python -m pip install --quiet --no-deps 'hydra-ray-launcher==1.2.2'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/harness run experiment=quick

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --timeout=900

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/harness bench

dashboards: $(STAMP)
	$(BIN)/harness dashboards

clean:
	rm -rf outputs multirun mlruns mlflow.db .pytest_cache .ruff_cache
