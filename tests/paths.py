"""Where the tests find the repository: its root, the app script, the README and the shared MNIST test set."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"
README = REPO / "README.md"
MNIST_DIR = REPO.parent / "shared" / "data" / "mnist"
