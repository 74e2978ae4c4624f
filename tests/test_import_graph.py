"""The import graph: data flows one way (ingest → rag → service → eval → ui) and no two modules import each other.

Drawn from the source with ``ast`` (every import, at module level or inside a function, since a lazy import is
still a dependency). A package's ``__init__`` that registers its own submodules (``ui.cli`` loading its verbs) is
not counted as depending on them. Regression for issue 23: ``eval/bench_load.py`` imported the service from
``ui/``, and ``rag.embeddings`` ↔ ``rag.index``, ``ui.api`` ↔ ``ui.gradio_app``, ``eval.benchmarks`` ↔
``eval.bench_retrieval_updates`` imported each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"ingest": 0, "rag": 1, "service": 2, "eval": 3, "ui": 4}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from ui.cli import ask" names the submodule ui.cli.ask when there is one
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                    for a in node.names
                ]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                is_own_submodule = path.name == "__init__.py" and target.startswith(name + ".")
                if target and target != name and not is_own_submodule:
                    edges[name].add(target)
    return edges


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def test_no_import_goes_up_a_layer() -> None:
    upward = sorted(f"{a} → {b}" for a, targets in _graph().items() for b in targets if _layer(b) > _layer(a))
    assert upward == []


def test_no_import_cycles() -> None:
    edges = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_graph_sees_lazy_imports() -> None:
    # ui/cli/serve.py imports the app factory inside a function: the edge must still be drawn
    assert "ui.api" in _graph()["ui.cli.serve"] or "ui.routes.deps" in _graph()["ui.cli.serve"]
