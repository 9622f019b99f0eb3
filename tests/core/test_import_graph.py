"""The engine's modules import each other without a circle, and the engine never imports streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import latent_core

PACKAGE = Path(latent_core.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """latent_core modules imported at the top level of a file (not inside functions: those run later, on use)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c.startswith("latent_core") and c in MODULES}
    return found - {name}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def test_no_circle_between_engine_modules():
    done, active, path = set(), set(), []

    def visit(node: str) -> None:
        active.add(node)
        path.append(node)
        for child in GRAPH[node]:
            if child in active:
                raise AssertionError("import circle: " + " -> ".join(path[path.index(child) :] + [child]))
            if child not in done and child not in active:
                visit(child)
        path.pop()
        active.discard(node)
        done.add(node)

    for name in sorted(GRAPH):
        if name not in done:
            visit(name)


def test_the_engine_never_imports_streamlit():
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] == "streamlit" for n in names), f"{name} imports streamlit"
