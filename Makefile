# Two commands do all set-up: `make run` and `make test`. Everything lives in .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# The address `make run` listens on: this machine only. `HOST=0.0.0.0 make run` shares it on the network (no login).
HOST ?= 127.0.0.1

.PHONY: run install dev test test-fast models bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	$(BIN)/pip install --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

run: install
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

test-fast: dev
	$(BIN)/python -m pytest -m "not e2e and not slow"

# Shipped checkpoints, made deterministically by the project's own training code.
models: install
	$(BIN)/python -m latent_core train --dataset digits --out models/digits --name digits --latent-dim 8 --epochs 150 --batch-size 64 --seed 0
	$(BIN)/python -m latent_core train --dataset shapes --out models/shapes --name shapes --latent-dim 10 --hidden 128 --epochs 60 --batch-size 64 --seed 0

bench: dev
	$(BIN)/python benchmarks/train_bench.py
	$(BIN)/python benchmarks/projection_bench.py
	$(BIN)/python benchmarks/ui_bench.py

clean:
	rm -rf $(VENV) .pytest_cache tests/e2e/artifacts
