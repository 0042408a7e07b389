# Two commands for a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench train clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: the service on SQLite with the example strategies deployed, a synthetic demo
# portfolio, one simulated day of decisions; then it keeps serving (docs at :8000/docs) until Ctrl-C.
run: $(STAMP)
	$(BIN)/python -m runtime.demo_service

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Train the score models: the shipped default on the synthetic portfolio, or `make train DATA=FILE`
# on a provider's own history (CSV or Parquet; `parley train --help` lists the columns).
train: $(STAMP)
	$(BIN)/parley train $(if $(DATA),--data $(DATA))

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
