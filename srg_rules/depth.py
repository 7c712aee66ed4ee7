"""Nesting depth: a bound on how deeply conditions nest, checked before any stage recurses.

Place in the pipeline: right after parsing (:func:`too_deep_tree`, on the Lark tree, from
:mod:`srg_rules.grammar`) and right after linking (:func:`too_deep_defines`, on the AST, from
:mod:`srg_rules.rulebook`). Input: a parse tree or a linked AST. Output: ``too_deeply_nested``
diagnostics, each at the position where the bound is crossed.

Every later stage (lowering, the checker, the IR, each backend, the analysis, the formatter,
sqlglot's SQL writer) walks a condition recursively. Rather than make each of them iterative,
the depth of a condition is bounded here, by walks that are themselves iterative, so that a
condition nested 10,000 deep is one diagnostic and never a ``RecursionError``:

- the syntactic depth: ``not``, ``and``/``or`` groups and parentheses that change the grouping,
  one level each;
- the depth a condition has once the defines it uses are put in its place, each define one
  level more: a chain of defines each using the next is as deep as it is long.

:data:`MAX_DEPTH` is far above anything a person writes (the shipped rulebooks nest at most a
handful of levels, tests/test_reliability.py measures it) and well below what every stage
handles (each has been run at the bound).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import TYPE_CHECKING

from . import ast
from .diagnostics import Diagnostic
from .i18n import N_
from .i18n import gettext as _
from .source import SourceFile, Span

if TYPE_CHECKING:  # Lark is loaded only when a text goes the Lark way (direct_parse.py)
    from lark import Token, Tree

__all__ = ["MAX_DEPTH", "TOO_DEEP", "condition_depth", "too_deep_defines", "too_deep_tree"]

MAX_DEPTH = 48
"""The deepest a condition may nest, counting the defines it uses as written out."""

TOO_DEEP = "too_deeply_nested"

# The grammar's rules that nest one condition in another (parentheses are not a node of
# their own: they only change which of these holds which).
_NESTING_RULES = frozenset({"negation", "any_of", "all_of"})

_HELP = N_("split the condition into defines that each say one thing, and combine them with "
           "'and' and 'or' rather than nesting them")


def too_deep_tree(tree: Tree[Token], source: SourceFile) -> list[Diagnostic]:
    """A diagnostic for each statement of a parse tree whose condition nests deeper than
    :data:`MAX_DEPTH` (at the first place it does), or none."""
    from lark import Tree  # loaded already: the tree is Lark's

    diagnostics: list[Diagnostic] = []
    reported_until = -1
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in _NESTING_RULES:
            depth += 1
            if depth > MAX_DEPTH:
                start = getattr(node.meta, "start_pos", 0) if not node.meta.empty else 0
                if start > reported_until:
                    end = getattr(node.meta, "end_pos", start + 1) if not node.meta.empty else start + 1
                    reported_until = end
                    diagnostics.append(_diagnostic(Span(source, start, start + 1), depth))
                continue
        for child in reversed(node.children):
            if isinstance(child, Tree):
                stack.append((child, depth))
    return diagnostics


def condition_depth(condition: ast.Condition, defines: dict[str, int] | None = None) -> int:
    """How deeply a condition nests, a reference to a define counting as that define's depth
    plus one (``defines``, by name; a name not in it counts as a leaf)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(condition, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.Not):
            stack.append((node.item, depth + 1))
        elif isinstance(node, (ast.AllOf, ast.AnyOf)):
            stack.extend((item, depth + 1) for item in node.items)
        elif isinstance(node, ast.Reference) and defines is not None and node.name.text in defines:
            # Each stage follows a define as one more level of its walk.
            deepest = max(deepest, depth + 1 + defines[node.name.text])
        else:
            deepest = max(deepest, depth)
    return deepest


def too_deep_defines(rulebook: ast.Rulebook) -> list[Diagnostic]:
    """A diagnostic for each define or statement whose condition, with the defines it uses put
    in their place, nests deeper than :data:`MAX_DEPTH` while none of the defines it uses
    does (so a long chain is one diagnostic, where it crosses the bound)."""
    definitions = {s.name.text: s for s in rulebook.statements if isinstance(s, ast.Definition)}
    depths: dict[str, int] = {}
    too_deep: set[str] = set()
    diagnostics: list[Diagnostic] = []
    statement: ast.Statement  # a define in the first loop, any statement in the second
    for name in _dependencies_first(definitions):
        statement = definitions[name]
        depths[name] = depth = condition_depth(statement.condition, depths)
        if depth > MAX_DEPTH:
            too_deep.add(name)
            if not _uses(statement.condition, too_deep - {name}):
                diagnostics.append(_diagnostic(statement.name.span or statement.span, depth))
    for statement in rulebook.statements:
        condition = getattr(statement, "condition", None)
        if isinstance(statement, ast.Definition) or condition is None:
            continue
        depth = condition_depth(condition, depths)
        if depth > MAX_DEPTH and not _uses(condition, too_deep):
            diagnostics.append(_diagnostic(condition.span or statement.span, depth))
    return diagnostics


def _dependencies_first(definitions: dict[str, ast.Definition]) -> list[str]:
    """The defines' names, each after the defines it uses (iteratively; a cycle, which the
    checker reports as ``recursive_define``, is cut where it closes)."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1: being visited, 2: done
    for root in definitions:
        if root in state:
            continue
        stack: list[tuple[str, Iterable[str] | None]] = [(root, None)]
        while stack:
            name, pending = stack[-1]
            if pending is None:
                state[name] = 1
                pending = iter(_references(definitions[name].condition, definitions))
                stack[-1] = (name, pending)
            for used in pending:
                if used not in state:
                    stack.append((used, None))
                    break
            else:
                stack.pop()
                state[name] = 2
                order.append(name)
    return order


def _references(condition: ast.Condition, names: Container[str]) -> list[str]:
    """The references in ``condition`` to any of ``names`` (defines), by an iterative walk."""
    found: list[str] = []
    stack: list[object] = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Not):
            stack.append(node.item)
        elif isinstance(node, (ast.AllOf, ast.AnyOf)):
            stack.extend(node.items)
        elif isinstance(node, ast.Reference) and node.name.text in names:
            found.append(node.name.text)
    return found


def _uses(condition: ast.Condition, names: set[str]) -> bool:
    return bool(names) and bool(_references(condition, names))


def _diagnostic(span: Span | None, depth: int) -> Diagnostic:
    assert span is not None  # asked of parsed rulebooks only, whose nodes all have spans
    return Diagnostic(
        TOO_DEEP,
        _("this condition nests {depth} levels deep, counting the defines it uses; at most "
          "{most} are allowed").format(depth=depth, most=MAX_DEPTH),
        span,
        help=_(_HELP),
    )
