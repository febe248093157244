"""No import circles anywhere in the project: every module's imports (top-level, lazy and
TYPE_CHECKING ones alike: each is a dependency of design) form a graph without cycles, so each
layer can be read, tested and changed from the bottom up.

An import names a module (`import a.b`, `from a import b` when b is a submodule) or a package
whose `__init__` re-exports the name (`from a import Name`): the edge goes to that module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Where packages are imported from (the folder on sys.path) and which of its packages count.
PACKAGE_ROOTS: tuple[tuple[Path, str], ...] = (
    (ROOT / "shared", "*"),
    *((p.parent, "*") for p in sorted((ROOT / "services").glob("*/pyproject.toml"))),
    (ROOT, "tests"),
    (ROOT, "bench"),
)
SKIPPED_PARTS = frozenset({"versions", "__pycache__"})  # alembic revisions import nothing of ours


def project_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for root, pattern in PACKAGE_ROOTS:
        for package in sorted(p.parent for p in root.glob(f"{pattern}/__init__.py")):
            for path in sorted(package.rglob("*.py")):
                relative = path.relative_to(root).with_suffix("")
                if SKIPPED_PARTS & set(relative.parts):
                    continue
                parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
                modules[".".join(parts)] = path
    return modules


def imports_of(module: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    yield submodule
                elif base in known:
                    yield base


def import_graph() -> dict[str, set[str]]:
    known = project_modules()
    return {
        module: {target for target in imports_of(module, path, known) if target != module}
        for module, path in known.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _circles_text(found: list[list[str]]) -> str:
    return "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_project_has_no_import_circle() -> None:
    found = cycles(import_graph())
    assert not found, _circles_text(found)


def inside(package: str, graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The imports among one package's modules only."""

    def within(module: str) -> bool:
        return module == package or module.startswith(f"{package}.")

    return {
        module: {target for target in targets if within(target)}
        for module, targets in graph.items()
        if within(module)
    }


# The packages that once held circles, named so that a circle coming back says where it is.
@pytest.mark.parametrize("package", ["pmo_portfolio.domain", "pmo_reporting.gateway"])
def test_a_package_that_held_circles_has_none(package: str) -> None:
    graph = inside(package, import_graph())
    assert len(graph) > 10, f"{package}: the checker no longer sees its modules"
    found = cycles(graph)
    assert not found, _circles_text(found)


def test_the_checker_sees_every_service_and_the_kernel() -> None:
    tops = {module.split(".")[0] for module in project_modules()}
    assert {
        "pmo_kernel", "pmo_demand", "pmo_portfolio", "pmo_capacity", "pmo_reporting", "tests",
        "bench",
    } <= tops  # fmt: skip


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_checker_finds_circles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected
