"""What checking established: the hand-over from :mod:`srg_rules.check` to :mod:`srg_rules.ir`.

Input: filled in by the checker's passes. Output: read by :func:`srg_rules.ir.from_ast`, which
lowers a rulebook only when :attr:`Checked.ok` and takes every operand as the checker resolved
it (it never resolves a name again).
"""

from __future__ import annotations

from typing import Any

import attrs

from . import ast
from .diagnostics import Diagnostic
from .schema import Schema

__all__ = ["Checked", "FieldRef", "Literal"]


@attrs.frozen
class Literal:
    """A value on the right of a comparison or in an assignment, typed as its field."""

    value: Any


@attrs.frozen
class FieldRef:
    """A bare word on the right of a comparison that names another field."""

    name: str


@attrs.frozen
class Checked:
    """What checking established. ``schema`` is None only when there were errors.

    ``operands`` holds the meaning of every value the checker resolved (each item of a
    comparison's value or value set, each assignment's value), keyed by the ``id()`` of its
    :mod:`ast` node in ``rulebook``; ``rulebook`` keeps those nodes, and so the keys, alive.
    """

    rulebook: ast.Rulebook
    schema: Schema | None
    definitions: dict[str, ast.Definition]
    rule_ids: dict[int, str]  # statement index -> rule id, for rules and classifications
    diagnostics: tuple[Diagnostic, ...]
    operands: dict[int, Literal | FieldRef] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)
