# Two commands matter: `make run` and `make test`. Both set up .venv when needed: `make setup`
# and `make run` install the default set (no extras), `make test` and the other developer
# targets every extra (dev, ray, drift) and Hydra's Ray launcher, so everything is tested.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_ALL := $(VENV)/.installed-all
EXTRAS := dev,ray,drift
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1

.PHONY: setup run test lint format bench dashboards wheel clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(STAMP_ALL): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	$(BIN)/python -m pip install --quiet --no-deps 'hydra-ray-launcher==1.2.2'
	touch $(STAMP) $(STAMP_ALL)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/harness run experiment=quick

# Two passes: everything that may run beside other tests, then the timing-sensitive game day
# (marker `serial`) alone, so its second-scale alert windows are not starved of CPU.
test: $(STAMP_ALL)
	$(BIN)/python -m pytest -n 2 --timeout=900 -m "not serial"
	$(BIN)/python -m pytest --timeout=900 -m serial

lint: $(STAMP_ALL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP_ALL)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Each part runs in its own process and writes bench-results/parts/PART.json (a failed part
# does not stop the others); the merge writes one table with every target, met or not.
# Rerun one part alone with e.g. `harness bench --part overhead`, then `harness bench --merge`.
BENCH_OUT ?= bench-results
BENCH_DISTRIBUTED_ROWS ?= 2M
bench: $(STAMP_ALL)
	-$(BIN)/harness bench --part samplers --out $(BENCH_OUT)
	-$(BIN)/harness bench --part overhead --out $(BENCH_OUT)
	-$(BIN)/harness bench --part sweep-overhead --repeats 1 --out $(BENCH_OUT)
	-$(BIN)/harness bench --part distributed --distributed-rows $(BENCH_DISTRIBUTED_ROWS) --out $(BENCH_OUT)
	$(BIN)/harness bench --merge --out $(BENCH_OUT)

dashboards: $(STAMP)
	$(BIN)/harness dashboards

# A wheel that carries conf/ and experiments/ (as harness/_conf): `pip install dist/*.whl`.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps -w dist .
	rm -rf build

clean:
	rm -rf outputs multirun mlruns mlflow.db mlflow.db-wal mlflow.db-shm mlflow.db.lock .pytest_cache .ruff_cache build dist
