"""The one printer: conditions, values, records and decisions as a rulebook writes them.

Place in the pipeline: beside the IR, below every renderer. Input: IR conditions and operands
(:mod:`srg_rules.ir`), typed values, :class:`Decision` s. Output: text that ``explain``,
``diff``, the analysis findings and ``test`` print. The formatter (:mod:`srg_rules.format`)
prints the AST with the same value writers (:func:`number`, :func:`quoted`).

Invariant: a condition printed here parses back, in a rulebook with the same fields, to the
same condition (tests/test_printer.py holds this over generated conditions): a text constant
is always quoted (a bare word may name a field), a code is bare only when it is a plain word
of a code field, a number is written out in full (the language has no exponents).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from . import ir
from .decision import Decision, Status
from .operators import OPERATORS
from .schema import Schema

__all__ = [
    "condition",
    "decision",
    "number",
    "outcome",
    "quoted",
    "record",
    "value",
]

PLAIN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
"""A code that may be written bare: a word or a run of digits."""

_SPACE = re.compile(r"\s+")


def quoted(text: str) -> str:
    """A text as a quoted rulebook string.

    >>> print(quoted('say "hi"'))
    "say \\"hi\\""
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number(value: int | float) -> str:
    """A number as the grammar reads it: no exponent, a float with a decimal point.

    >>> number(1e-05), number(3), number(10.0)
    ('0.00001', '3', '10.0')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} has no text form")
    text = repr(value)
    if "e" in text:
        text = format(decimal.Decimal(text), "f")
    return text if "." in text else text + ".0"


def value(typed: Any, *, bare_code: bool = False) -> str:
    """A typed value as a rulebook writes a constant; ``bare_code``: it is a code of a code
    field, written bare when it is a plain word."""
    if isinstance(typed, bool):
        return "true" if typed else "false"
    if isinstance(typed, (int, float)):
        return number(typed)
    if isinstance(typed, _dt.date):
        return typed.isoformat()
    if isinstance(typed, str):
        return typed if bare_code and PLAIN_WORD.fullmatch(typed) else quoted(typed)
    raise ValueError(f"not a value: {typed!r}")


def shown(typed: Any) -> str:
    """A typed value as an explanation shows it beside a field (unquoted)."""
    if isinstance(typed, bool):
        return "true" if typed else "false"
    if isinstance(typed, _dt.date):
        return typed.isoformat()
    if isinstance(typed, frozenset):
        return "{" + ", ".join(sorted(shown(v) for v in typed)) + "}"
    return str(typed)


def record(values: Mapping[str, Any]) -> str:
    """A record in one line, values written as a rulebook writes them.

    >>> record({"category": "taal", "hours": 12, "name": "Jan de Vries", "end": None,
    ...         "start": _dt.date(2024, 1, 31)})
    'category=taal, hours=12, name="Jan de Vries", end=(missing), start=2024-01-31'
    """
    if not values:
        return "(no fields)"
    parts = []
    for name, typed in values.items():
        if typed is None:
            text = "(missing)"
        elif isinstance(typed, str) and not PLAIN_WORD.fullmatch(typed):
            text = quoted(typed)
        else:
            text = shown(typed)
        parts.append(f"{name}={text}")
    return ", ".join(parts)


def outcome(status: Status, type_code: str | None = None) -> str:
    """A status and type in words: ``included type 42``, ``included without a type``."""
    if status is Status.INCLUDED:
        return f"included type {type_code}" if type_code is not None else "included without a type"
    return str(status)


def decision(decided: Decision) -> str:
    """A decision in one line: ``included, type 40: rule, rule``."""
    words = str(decided.status)
    if decided.type is not None:
        words += f", type {decided.type}"
    if decided.reasons:
        words += ": " + ", ".join(decided.reasons)
    return words


SetOrder = Callable[[str, frozenset], list]


def condition(node: ir.Condition, schema: Schema | None = None, *,
              from_source: bool = True, set_order: SetOrder | None = None) -> str:
    """A condition as the rulebook wrote it (``from_source``, when it has a span), or as it
    would be written.

    Printed anew, a code is bare when it is a plain word and ``schema`` says the field holds
    codes; the members of a set come in ``set_order(field, values)`` (default: sorted as
    printed).

    >>> condition(ir.compare("eq", "name", "w"))
    'name = "w"'
    >>> condition(ir.compare("lt", "x", 1e-05))
    'x < 0.00001'
    """
    if from_source and node.span is not None:
        # Keep one line per node whatever the source looked like.
        return _SPACE.sub(" ", node.span.text.strip())
    return _Printer(schema, set_order)(node, True)


class _Printer(ir.Visitor):
    def __init__(self, schema: Schema | None, set_order: SetOrder | None):
        self.schema = schema
        self.set_order = set_order

    def _bare(self, field: str | None) -> bool:
        if field is None or self.schema is None:
            return False
        known = self.schema.fields.get(field)
        return known is not None and known.codes is not None

    def _constant(self, node: ir.Constant, field: str | None) -> str:
        bare = self._bare(field)
        if isinstance(node.value, frozenset):
            if self.set_order is not None and field is not None:
                members = self.set_order(field, node.value)
                return "{" + ", ".join(value(v, bare_code=bare) for v in members) + "}"
            return "{" + ", ".join(sorted(value(v, bare_code=bare) for v in node.value)) + "}"
        return value(node.value, bare_code=bare)

    def field_value(self, node: ir.FieldValue, top: bool = False) -> str:
        return node.name

    def constant(self, node: ir.Constant, top: bool = False) -> str:
        return self._constant(node, None)

    def compare(self, node: ir.Compare, top: bool = False) -> str:
        pair = ir.field_constant(node)
        if pair is not None and node.op == "eq" and pair[1] is True:
            return pair[0]  # a bare boolean field
        left = self(node.left)
        if isinstance(node.right, ir.Constant):
            field = node.left.name if isinstance(node.left, ir.FieldValue) else None
            right = self._constant(node.right, field)
        else:
            right = self(node.right)
        return f"{left} {OPERATORS[node.op].symbol} {right}"

    def is_present(self, node: ir.IsPresent, top: bool = False) -> str:
        return f"{node.field} is present"

    def negation(self, node: ir.Not, top: bool = False) -> str:
        if isinstance(node.item, ir.IsPresent):
            return f"{node.item.field} is missing"
        return f"not {self(node.item)}"

    def defined(self, node: ir.Defined, top: bool = False) -> str:
        return node.name

    def all_of(self, node: ir.AllOf, top: bool = False) -> str:
        return self._joined(" and ", node.items, top)

    def any_of(self, node: ir.AnyOf, top: bool = False) -> str:
        return self._joined(" or ", node.items, top)

    def _joined(self, joiner: str, items: tuple[ir.Condition, ...], top: bool) -> str:
        text = joiner.join(self(item) for item in items)
        return text if top else f"({text})"
