"""The one printer: conditions, values, records and decisions as a rulebook writes them.

Place in the pipeline: beside the IR, below every renderer. Input: IR conditions and operands
(:mod:`srg_rules.ir`), typed values, :class:`Decision` s; and the leaves of AST conditions
(:mod:`srg_rules.ast`: comparisons, presence tests, references) with their names and values as
written. Output: text that ``explain``, ``diff``, the analysis findings and ``test`` print, and
the leaves, names and values of the formatter's layout (:mod:`srg_rules.format` lays out
statements, ``and``/``or`` and comments; every word of a condition comes from here).

Invariant: a condition printed here parses back, in a rulebook with the same fields, to the
same condition (tests/test_printer.py holds this over generated conditions): a text constant
is always quoted (a bare word may name a field), a code is bare only when it is a plain word
of a code field, a number is written out in full (the language has no exponents), and an
``and``/``or`` inside another condition is in parentheses (the AST keeps that grouping, and
readers need not know that ``and`` binds tighter). An AST leaf is written back as its author
wrote it, up to spacing; one with no text form (a name that is not a word, a text with a line
break) raises ``ValueError`` rather than print what would not parse.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from . import ast, ir
from .decision import Decision, Status
from .keywords import DUTCH, ENGLISH, UNITS
from .operators import OPERATORS
from .schema import Scalar, Schema

__all__ = [
    "assigned",
    "CONDITION_KEYWORDS",
    "comparison_head",
    "condition",
    "decision",
    "grouped",
    "leaf",
    "name",
    "number",
    "operand",
    "outcome",
    "quoted",
    "record",
    "value",
    "written",
]

PLAIN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
"""A code that may be written bare: a word or a run of digits."""

_SPACE = re.compile(r"\s+")


def quoted(text: str, *, strict: bool = False) -> str:
    """A text as a quoted rulebook string; ``strict``: refuse a text the language cannot hold
    (one with a line break) instead of writing it anyway, as a record's value is.

    >>> print(quoted('say "hi"'))
    "say \\"hi\\""
    """
    if strict and "\n" in text:
        raise ValueError(f"quoted text cannot hold a line break: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pattern(text: str) -> str:
    r"""A pattern of ``matches`` as a quoted rulebook string, a backslash doubled only where
    the quoted text would read it otherwise (before a quote, a backslash or the end), so that
    ``\d{4}`` is written ``"\d{4}"``.

    >>> print(pattern(r"\d{4}"), pattern('a"b'), pattern("a" + "\\"))
    "\d{4}" "a\"b" "a\\"
    """
    if "\n" in text:
        raise ValueError(f"quoted text cannot hold a line break: {text!r}")
    out: list[str] = []
    for i, char in enumerate(text):
        if char == '"':
            out.append('\\"')
        elif char == "\\" and (i + 1 == len(text) or text[i + 1] in '"\\'):
            out.append("\\\\")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


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


def operand(node: ir.Operand, schema: Schema | None = None) -> str:
    """An operand as a rulebook writes it (``reporting_date + 1 months``).

    >>> operand(ir.DateShift(ir.FieldValue("d"), -2, "weeks"))
    'd - 2 weeks'
    """
    return _Printer(schema, None).text(node)


SetOrder = Callable[[str, frozenset[Scalar]], list[Scalar]]


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
    return _Printer(schema, set_order).text(node)


class _Printer(ir.Visitor):
    def __init__(self, schema: Schema | None, set_order: SetOrder | None):
        self.schema = schema
        self.set_order = set_order

    def text(self, node: ir.Operand | ir.Condition) -> str:
        printed: str = self(node)  # the visitor's dispatch is untyped; each method returns text
        return printed

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

    def field_value(self, node: ir.FieldValue) -> str:
        return node.name

    def constant(self, node: ir.Constant) -> str:
        return self._constant(node, None)

    def date_shift(self, node: ir.DateShift) -> str:
        sign = "+" if node.amount >= 0 else "-"
        return f"{self._operand(node.base)} {sign} {abs(node.amount)} {node.unit}"

    def length(self, node: ir.Length) -> str:
        return f"length({self._operand(node.operand)})"

    def age(self, node: ir.Age) -> str:
        return f"age({self._operand(node.birth)}, {self._operand(node.on)})"

    def _operand(self, node: ir.Operand) -> str:
        if isinstance(node, ir.Constant):
            return value(node.value)
        return self.text(node)

    def compare(self, node: ir.Compare) -> str:
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

    def is_present(self, node: ir.IsPresent) -> str:
        return f"{node.field} is present"

    def matches(self, node: ir.Matches) -> str:
        return f"{self._operand(node.operand)} matches {pattern(node.pattern)}"

    def negation(self, node: ir.Not) -> str:
        if isinstance(node.item, ir.IsPresent):
            return f"{node.item.field} is missing"
        return f"not {self._part(node.item)}"

    def defined(self, node: ir.Defined) -> str:
        return node.name

    def all_of(self, node: ir.AllOf) -> str:
        return " and ".join(self._part(item) for item in node.items)

    def any_of(self, node: ir.AnyOf) -> str:
        return " or ".join(self._part(item) for item in node.items)

    def _part(self, item: ir.Condition) -> str:
        """A condition inside a ``not``, ``and`` or ``or``, in parentheses if :func:`grouped`."""
        text = self(item)
        return f"({text})" if grouped(item) else text


# --- the AST: leaves of a condition as its rulebook writes them ----------------------------

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")

# The English unit the AST holds -> its Dutch word (``week`` is both).
_DUTCH_UNITS = {english: dutch for dutch, english in UNITS.items()}

CONDITION_KEYWORDS = frozenset({"not"})
"""Words the lexer always reads as keywords where a condition starts: no field or define of
that name can be written there."""


def name(written_name: ast.Name, reserved: frozenset[str] = frozenset()) -> str:
    """A name as written; ``reserved``: the keywords the lexer reads in its place.

    >>> name(ast.Name("hours"))
    'hours'
    """
    if not _WORD.match(written_name.text) or written_name.text in reserved:
        raise ValueError(f"{written_name.text!r} cannot be written as a name here")
    return written_name.text


def written(literal: ast.Value) -> str:
    """An AST value as written: a word bare, a text always quoted (a bare word may name a
    field, a quoted one never), a number as its author wrote it, a date.

    >>> written(ast.Text("taal")), written(ast.Number(1e-05)), written(ast.Word("taal"))
    ('"taal"', '0.00001', 'taal')
    """
    if isinstance(literal, ast.Word):
        if not _WORD.match(literal.text):
            raise ValueError(f"{literal.text!r} is not a word; use ast.Text for quoted text")
        return literal.text
    if isinstance(literal, ast.Text):
        return quoted(literal.value, strict=True)
    if isinstance(literal, ast.Number):
        return literal.written if literal.written is not None else number(literal.value)
    if isinstance(literal, ast.Date):
        if not _DATE.match(literal.text):
            raise ValueError(f"{literal.text!r} is not a date (YYYY-MM-DD)")
        return literal.text
    raise ValueError(f"not a value: {literal!r}")


def comparison_head(comparison: ast.Comparison, language: str = ENGLISH) -> str:
    """What precedes the value of a comparison: ``hours >= `` (the formatter lays out a
    ``{...}`` list after it itself, comments and all); ``not in`` is ``niet in`` in Dutch."""
    if comparison.op not in OPERATORS:
        raise ValueError(f"not a comparison operator: {comparison.op!r}")
    spec = OPERATORS[comparison.op]
    symbol = "niet in" if language == DUTCH and spec.symbol == "not in" else spec.symbol
    head = f"{_side(comparison.field, language)} {symbol} "
    if spec.takes_set != isinstance(comparison.value, ast.ValueSet):
        raise ValueError(f"operator {comparison.op!r} does not take {comparison.value!r}")
    return head


def leaf(condition: ast.Comparison | ast.Presence | ast.Reference | ast.PatternMatch,
         language: str = ENGLISH) -> str:
    """A comparison, presence test or reference on one line, with the keywords of
    ``language`` (``en`` or ``nl``; names and values are the same in both).

    >>> leaf(ast.Comparison("in_set", ast.Name("c"), ast.ValueSet((ast.Word("a"), ast.Number(1)))))
    'c in {a, 1}'
    >>> leaf(ast.Presence(ast.Name("end"), False)), leaf(ast.Reference(ast.Name("young")))
    ('end is missing', 'young')
    >>> leaf(ast.Presence(ast.Name("end"), False), "nl")
    'end ontbreekt'
    """
    dutch = language == DUTCH
    reserved = CONDITION_KEYWORDS | ({"niet"} if dutch else set())
    if isinstance(condition, ast.Reference):
        return name(condition.name, reserved)
    if isinstance(condition, ast.Presence):
        if dutch:
            return f"{name(condition.field, reserved)} {'is aanwezig' if condition.present else 'ontbreekt'}"
        state = "present" if condition.present else "missing"
        return f"{name(condition.field, reserved)} is {state}"
    if isinstance(condition, ast.PatternMatch):
        if condition.negated:
            verb = "voldoet niet aan" if dutch else "does not match"
        else:
            verb = "voldoet aan" if dutch else "matches"
        return f"{name(condition.field, reserved)} {verb} {pattern(condition.pattern.value)}"
    if isinstance(condition, ast.Comparison):
        head = comparison_head(condition, language)
        if isinstance(condition.value, ast.ValueSet):
            if not condition.value.items:
                raise ValueError("a {...} list needs at least one value")
            return head + "{" + ", ".join(written(v) for v in condition.value.items) + "}"
        return head + _side(condition.value, language)
    raise ValueError(f"not a condition: {condition!r}")


def _side(operand: ast.Name | ast.Value | ast.DateShift | ast.Measure | ast.Call,
          language: str = ENGLISH) -> str:
    """One side of a comparison: a field's name, a value, or a date moved by some units."""
    if isinstance(operand, ast.Name):
        return name(operand, CONDITION_KEYWORDS)
    if isinstance(operand, ast.Call):
        return f"{operand.function.text}({', '.join(_side(a, language) for a in operand.arguments)})"
    if isinstance(operand, ast.Measure):
        return f"{operand.function.text}({name(operand.field, CONDITION_KEYWORDS)})"
    if isinstance(operand, ast.DateShift):
        sign = "+" if operand.later else "-"
        unit = _DUTCH_UNITS.get(operand.unit, operand.unit) if language == DUTCH else operand.unit
        return f"{written(operand.base)} {sign} {written(operand.amount)} {unit}"
    return written(operand)


def assigned(value: ast.Value | ast.DateShift | ast.TextJoin) -> str:
    """The value of a trajectory's assignment as written: a value, a moved date or a join.

    >>> assigned(ast.TextJoin((ast.Word("provision_id"), ast.Text("-2"))))
    'provision_id ~ "-2"'
    """
    if isinstance(value, ast.TextJoin):
        if len(value.parts) < 2:
            raise ValueError("a text join has at least two parts")
        return " ~ ".join(written(part) for part in value.parts)
    return _side(value)


def grouped(child: ast.Condition | ir.Condition) -> bool:
    """Whether ``child``, inside a ``not``, ``and`` or ``or``, is written in parentheses: when
    it is an ``and`` or an ``or`` itself. Flattening a nested junction of the same kind would
    change the tree; an ``and`` inside an ``or`` is grouped although precedence does not need
    it, so that policy staff need not know that ``and`` binds tighter to read a rule right."""
    return isinstance(child, (ast.AllOf, ast.AnyOf, ir.AllOf, ir.AnyOf))
