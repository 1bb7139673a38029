"""Layers point one way: no import cycles in leaguectl, and ``ops/`` never imports the pass runner.

The graph is read from the source with ``ast``, so it counts every import a module
makes: top-level ones, those under ``if TYPE_CHECKING:`` and those deferred into a
function body. A cycle through a lazy or type-only import still ties two modules
together (one cannot be understood, moved or tested without the other), which is
what this test guards against.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import leaguectl

PACKAGE_DIR = Path(leaguectl.__file__).parent
PACKAGE = "leaguectl"


def module_name(path: Path) -> str:
    """``leaguectl/ops/hooks.py`` → ``leaguectl.ops.hooks``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an import statement anywhere in ``tree`` refers to, relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                drop = node.level - 1 if is_package else node.level
                anchor = anchor[: len(anchor) - drop]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            yield base
            # ``from package import submodule`` imports the submodule too.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Module → the leaguectl modules it imports (names that are not modules are dropped)."""
    modules = all_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = imported_names(tree, name, path.name == "__init__.py")
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, …, a]``, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in sorted(graph):
        if state.get(root):
            continue
        path = [root]
        stack = [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_find_cycle_reports_a_cycle_and_accepts_a_tree() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_relative_and_type_checking_imports_are_counted() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import x\ndef f():\n    import c.d\n"
    names = set(imported_names(ast.parse(source), "pkg.a", is_package=False))
    assert {"pkg.b", "pkg.b.x", "c.d"} <= names


def test_the_graph_sees_the_known_edges() -> None:
    graph = import_graph()
    assert "leaguectl.ops.hooks" in graph["leaguectl.passrun"]
    assert "leaguectl.ops.alerts" in graph["leaguectl.ops.hooks"]


def test_ops_never_imports_the_pass_runner() -> None:
    graph = import_graph()
    offenders = sorted(
        name for name, targets in graph.items() if name.startswith("leaguectl.ops") and "leaguectl.passrun" in targets
    )
    assert offenders == []


def test_leaguectl_has_no_import_cycles() -> None:
    assert find_cycle(import_graph()) is None
