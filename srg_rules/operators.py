"""The comparison operators, declared once as data.

Input: nothing; this is a table. Output: :data:`OPERATORS`, read by :mod:`srg_rules.check`
(which operand types an operator accepts), by every backend (how to evaluate it) and by the
printers (its symbol and wording).

Adding an operator: add one :class:`OperatorSpec` here, and an alternative to the grammar only
when its syntax is new. Backends look operators up by id; a backend without an implementation
for one says so when it compiles.

Semantics shared by every operator: a comparison with a missing value on either side is
false. That rule lives in the evaluators, not here: ``evaluate`` only ever sees two present,
typed values (or a value and a frozenset, for the set operators).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["OPERATORS", "OperatorSpec", "mirrored"]


@attrs.frozen
class OperatorSpec:
    """One comparison operator.

    Attributes:
        id: short stable identifier used in the AST, the IR and by backends (``lt``).
        symbol: how it is written in a rulebook (``<``).
        takes_set: the right-hand side is a set of values (``in {a, b}``).
        types: names of the value types (see :data:`srg_rules.schema.VALUE_TYPES`) it applies to.
        evaluate: the scalar function on two present values.
        negation: the id of the operator that is its negation on present values.
        words: how an explanation reads it ("is less than").
        mirror: the id of the operator with its sides swapped (``a < b`` is ``b > a``); None
            for the set operators, whose right-hand side is not a value.
    """

    id: str
    symbol: str
    takes_set: bool
    types: frozenset[str]
    evaluate: Callable[[Any, Any], bool]
    negation: str
    words: str
    mirror: str | None = None


_ALL = frozenset({"code", "text", "number", "date", "boolean"})
_ORDERED = frozenset({"number", "date"})
_SETS = frozenset({"code", "text", "number"})


def _contains(value: Any, values: frozenset[Any]) -> bool:
    return value in values


def _not_contains(value: Any, values: frozenset[Any]) -> bool:
    return value not in values


OPERATORS: dict[str, OperatorSpec] = {
    spec.id: spec
    for spec in (
        OperatorSpec("eq", "=", False, _ALL, operator.eq, "ne", "is", mirror="eq"),
        OperatorSpec("ne", "!=", False, _ALL, operator.ne, "eq", "is not", mirror="ne"),
        OperatorSpec("lt", "<", False, _ORDERED, operator.lt, "ge", "is before / less than",
                     mirror="gt"),
        OperatorSpec("le", "<=", False, _ORDERED, operator.le, "gt", "is at most", mirror="ge"),
        OperatorSpec("gt", ">", False, _ORDERED, operator.gt, "le", "is after / more than",
                     mirror="lt"),
        OperatorSpec("ge", ">=", False, _ORDERED, operator.ge, "lt", "is at least", mirror="le"),
        OperatorSpec("in_set", "in", True, _SETS, _contains, "not_in_set", "is one of"),
        OperatorSpec("not_in_set", "not in", True, _SETS, _not_contains, "in_set", "is none of"),
    )
}


def mirrored(op: str) -> str:
    """The id of the operator ``op`` with its sides swapped (``lt``: ``gt``), for an operator
    between two values; a ValueError for a set operator."""
    mirror = OPERATORS[op].mirror
    if mirror is None:
        raise ValueError(f"{op!r} compares a value with a set: its sides do not swap")
    return mirror
