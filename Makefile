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

# Shipped checkpoints, made deterministically (one thread, fixed seeds) by the project's own CLI, then evaluated
# (`evaluate --save` writes metrics.json and the figures into each model card). mnist is trained on the first
# 9,000 of MNIST's 10,000 test images and measured on the last 1,000 (binarised); skipped when MNIST_DIR is absent.
MNIST_DIR ?= ../shared/data/mnist
MNIST_SPLIT := build/mnist-split
TRAIN := $(BIN)/python -m latent_core train --threads 1 --seed 0
EVALUATE := $(BIN)/python -m latent_core evaluate --save --seed 0

models: install
	rm -rf models/digits models/shapes
	$(TRAIN) --dataset digits --out models/digits --name digits --latent-dim 5 --batch-size 64
	$(EVALUATE) --model models/digits --dataset digits -k 1000
	$(TRAIN) --dataset shapes --out models/shapes --name shapes --latent-dim 10 --blocks mlp --hidden 400 --epochs 400 --batch-size 128  # fully connected, as the beta-VAE paper for dSprites: 34,000 steps
	$(EVALUATE) --model models/shapes --dataset shapes -k 20
	rm -rf models/gan-digits models/gan-shapes  # GANs: explicit epochs, a GAN needs more steps than the default run
	$(TRAIN) --kind gan --dataset digits --out models/gan-digits --name gan-digits --latent-dim 16 --epochs 100 --batch-size 64
	$(EVALUATE) --model models/gan-digits --dataset digits -k 1
	$(TRAIN) --kind gan --dataset shapes --out models/gan-shapes --name gan-shapes --latent-dim 16 --epochs 16 --batch-size 64
	$(EVALUATE) --model models/gan-shapes --dataset shapes -k 1
	@if [ -d "$(MNIST_DIR)" ]; then \
		set -e; rm -rf models/mnist; \
		$(BIN)/python models/split_mnist.py "$(MNIST_DIR)" $(MNIST_SPLIT); \
		$(TRAIN) --dataset $(MNIST_SPLIT)/mnist-train.npz --out models/mnist --name mnist --latent-dim 32 --epochs 8 --batch-size 64; \
		$(EVALUATE) --model models/mnist --dataset $(MNIST_SPLIT)/mnist-held-out.npz -k 100 --binarize; \
	else \
		echo "Skipping the mnist model: no MNIST data in $(MNIST_DIR) (make models MNIST_DIR=<folder of the IDX files>)."; \
	fi

bench: dev
	$(BIN)/python benchmarks/train_bench.py
	$(BIN)/python benchmarks/projection_bench.py
	$(BIN)/python benchmarks/ui_bench.py

clean:
	rm -rf $(VENV) .pytest_cache tests/e2e/artifacts
