# Two commands do all set-up: `make run` and `make test`. Everything lives in .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# The address `make run` listens on: this machine only. `HOST=0.0.0.0 make run` shares it on the network (no login).
HOST ?= 127.0.0.1

.PHONY: run install dev test test-fast models bench clean map-bundle

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	$(BIN)/pip install --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

# The map's own plotly.js (web/plotly-map: the core with scattergl and scatter3d, 2.0 MB against 4.8 MB), built with
# plotly.js's own esbuild settings from the npm registry into static/ (not committed). Without npm, or when the
# registry cannot be reached, the map uses the installed plotly package's full plotly.min.js: it works, its first
# view in a new browser is about 0.6 s slower.
PLOTLY_JS := $(shell sed -n 's/.*"plotly.js": "\([^"]*\)".*/\1/p' web/plotly-map/package.json)
MAP_BUNDLE := static/plotly-map-$(PLOTLY_JS)/plotly.min.js
NPM_CI := npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --fetch-retries=1 --fetch-timeout=30000

$(MAP_BUNDLE): web/plotly-map/package.json web/plotly-map/package-lock.json web/plotly-map/entry.js web/plotly-map/build.js
	@if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then \
		(cd web/plotly-map && $(NPM_CI) && node build.js ../../static) || \
		echo "Could not build the map's plotly.js (web/plotly-map); the map uses the full plotly.min.js."; \
	else \
		echo "npm not found: the map uses the full plotly.min.js (install Node.js and npm for a faster first view)."; \
	fi

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed
map-bundle: $(MAP_BUNDLE)

run: install map-bundle
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: dev map-bundle
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

test-fast: dev map-bundle
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
	rm -rf $(VENV) .pytest_cache tests/e2e/artifacts web/plotly-map/node_modules static
