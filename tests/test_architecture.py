"""The shape of the package, as docs/architecture.md states it, checked on the source.

- no module imports a private name (``_x``) of another srg_rules module, re-exports included;
- no module reads a private attribute of an object other than ``self`` or ``cls``;
- no import cycle among the package's modules (imports under ``TYPE_CHECKING`` aside);
- no module over 900 lines: a module that grows past that mixes stages;
- the IR does not import the checker; the decision lives outside the rendering modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "srg_rules"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
MAX_LINES = 900


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _runtime_imports(tree: ast.Module):
    """Import statements outside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                skipped.add(id(inner))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
            yield node


def _graph() -> dict[str, set[str]]:
    names = {_name(p) for p in MODULES}
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        module = _name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in _runtime_imports(tree):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in names)
                continue
            source = _resolve(module, path.name == "__init__.py", node)
            for alias in node.names:
                if f"{source}.{alias.name}" in names:
                    targets.add(f"{source}.{alias.name}")
                elif source in names:
                    targets.add(source)
        graph[module] = targets - {module}
    return graph


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_private_names_cross_modules(path: Path) -> None:
    module = _name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(module, path.name == "__init__.py", node)
            if source.startswith("srg_rules"):
                found += [f"imports {source}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append(f"line {node.lineno}: reads {ast.unparse(node)}")
    assert not found, f"{module} reaches into private names: {found}"


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_is_over_the_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{_name(path)} has {lines} lines: split it along its stages"


def test_stages_depend_one_way() -> None:
    graph = _graph()
    assert "srg_rules.check" not in graph["srg_rules.ir"], "the IR must not import the checker"
    for module, targets in graph.items():
        assert "srg_rules.explain" not in targets or module in _RENDERERS, (
            f"{module} depends on rendering (srg_rules.explain)")


# The modules that render explanations (and so may import srg_rules.explain).
_RENDERERS = {
    "srg_rules", "srg_rules.backends.interpreter", "srg_rules.rulebook", "srg_rules.cli",
    "srg_rules.explaining",
    "srg_rules.testing",
}
