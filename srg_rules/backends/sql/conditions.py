"""Conditions in SQL: every IR condition and operand node becomes a two-valued SQL expression.

Place in the pipeline: after :mod:`srg_rules.backends.sql.reading`, inside the query
(:mod:`srg_rules.backends.sql.query`). Input: an IR condition, and the :class:`Reader` of each
field. Output: a sqlglot boolean expression that is never NULL.

This is the one place of the SQL backend that a new condition or operand construct touches:
:class:`Conditions` is an :class:`ir.Visitor` with one method per node kind, and a kind it has
no method for raises :class:`ir.UnhandledNode`. An operand method returns an :class:`Operand`
(a typed SQL value) or a :class:`Fixed` (a constant), so a new kind of operand (a date moved by
some months, the length of a text) is one more method returning an :class:`Operand`.

Invariants: every comparison is ``COALESCE(left OP right, FALSE)`` over typed values that are
NULL when missing or invalid, so a comparison with a missing value is false and ``NOT`` is
plain negation; numbers compare exactly as Python compares them
(:mod:`srg_rules.backends.sql.numbers`); a define is computed once, as a named plan value.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Protocol

import attrs
from sqlglot import exp

from ... import ir
from .builders import (
    COMPARISONS,
    Plan,
    and_,
    comparison,
    false_if_null,
    in_,
    is_not_null,
    not_,
    or_,
    string,
)
from .numbers import number_vs_constants, number_vs_number
from .reading import Reader

__all__ = ["Conditions", "Fixed", "Operand", "SUPPORTED_OPERATORS", "UnsupportedOperator"]

# The operators this backend writes; any other registered operator is unsupported here.
SUPPORTED_OPERATORS = frozenset({*COMPARISONS, "in_set", "not_in_set"})


class UnsupportedOperator(NotImplementedError):
    """The program uses an operator this backend has no SQL for. ``operator`` is its id."""

    code = "unsupported_operator"

    def __init__(self, operator: str):
        super().__init__(f"the SQL backend has no implementation of operator {operator!r}")
        self.operator = operator


class Operand(Protocol):
    """A typed value in SQL, as a comparison reads it (a field's :class:`Reader` is one).

    ``value`` is NULL when the value is missing or invalid; ``kind`` is its type's base
    (code, text, number, date, boolean). A number also has ``integer`` (whether it is an
    integer text), ``negative`` and ``digits`` (its exact sign and digits), which settle
    what its DOUBLE cannot.
    """

    @property
    def value(self) -> exp.Expression: ...

    @property
    def kind(self) -> str: ...


@attrs.frozen
class Fixed:
    """A constant operand: its Python value, written in SQL against the other side's type."""

    value: Any


class Conditions(ir.Visitor):
    """Writes conditions as SQL over the readers' values, binding each define once."""

    def __init__(self, plan: Plan, readers: Mapping[str, Reader]):
        self.plan = plan
        self.readers = readers
        self.defines: dict[str, exp.Expression] = {}

    def condition(self, node: ir.Condition) -> exp.Expression:
        """The SQL of a condition (or of any node this visitor handles)."""
        return self(node)

    # --- conditions ------------------------------------------------------------------------

    def all_of(self, node: ir.AllOf) -> exp.Expression:
        return and_([self(item) for item in node.items])

    def any_of(self, node: ir.AnyOf) -> exp.Expression:
        return or_([self(item) for item in node.items])

    def negation(self, node: ir.Not) -> exp.Expression:
        return not_(self(node.item))

    def defined(self, node: ir.Defined) -> exp.Expression:
        if node.name not in self.defines:
            self.defines[node.name] = self.plan.bind("define", self(node.body))
        return self.defines[node.name]

    def is_present(self, node: ir.IsPresent) -> exp.Expression:
        return is_not_null(self.readers[node.field].value)

    def compare(self, node: ir.Compare) -> exp.Expression:
        left, right = self(node.left), self(node.right)
        if isinstance(left, Fixed):
            raise ir.UnhandledNode(f"no SQL for a comparison with a constant on the left: {node!r}")
        if isinstance(right, Fixed):
            return self._with_constant(node.op, left, right.value)
        if node.op not in COMPARISONS:
            raise UnsupportedOperator(node.op)
        return self._between(node.op, left, right)

    # --- operands --------------------------------------------------------------------------

    def field_value(self, node: ir.FieldValue) -> Operand:
        return self.readers[node.name]

    def constant(self, node: ir.Constant) -> Fixed:
        return Fixed(node.value)

    # --- comparisons -----------------------------------------------------------------------

    def _with_constant(self, op: str, operand: Operand, constant: Any) -> exp.Expression:
        value = operand.value
        kind = operand.kind
        if op not in SUPPORTED_OPERATORS:
            raise UnsupportedOperator(op)
        if kind == "boolean":
            # v = TRUE / v = FALSE, and != as the other one (a missing value is neither).
            wanted = bool(constant) if op == "eq" else not constant
            return false_if_null(value.copy() if wanted else not_(value))
        if kind == "number":
            return false_if_null(number_vs_constants(operand, op, constant))
        if op in ("in_set", "not_in_set"):
            items = [self._constant(kind, v) for v in sorted(constant)]
            test = in_(value, items)
            return false_if_null(test if op == "in_set" else not_(test))
        return false_if_null(comparison(op, value, self._constant(kind, constant)))

    @staticmethod
    def _constant(kind: str, constant: Any) -> exp.Expression:
        if kind == "date":
            assert isinstance(constant, _dt.date)
            return string(f"{constant.year:04d}{constant.month:02d}{constant.day:02d}")
        return string(str(constant))

    @staticmethod
    def _between(op: str, left: Operand, right: Operand) -> exp.Expression:
        if left.kind == "number":
            return false_if_null(number_vs_number(left, right, op))
        return false_if_null(comparison(op, left.value, right.value))
