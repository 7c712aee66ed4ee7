"""The surface language as frozen attrs classes: what a rulebook *says*, before it is checked.

Input: built by :mod:`srg_rules.lower` from the Lark tree. Output: read by
:mod:`srg_rules.check` (which reports what is wrong), :mod:`srg_rules.ir` (which turns a checked
rulebook into predicate trees) and :mod:`srg_rules.format` (which prints it back).

Invariants: every node has a ``span``; spans take no part in equality, so a tree built by hand
without positions equals the parsed one. Names that refer to something (fields, defines) are
:class:`Name` nodes so that a diagnostic can point at the exact word. Operators are held by
their id from :mod:`srg_rules.operators` (``eq``, ``lt``, ``in_set`` ...), not by symbol.
"""

from __future__ import annotations

from typing import Union

import attrs

from .source import Span

__all__ = [
    "AllOf",
    "AnyOf",
    "Classification",
    "CodeEntry",
    "Comparison",
    "Condition",
    "Date",
    "Definition",
    "Expectation",
    "FieldDeclaration",
    "Header",
    "Name",
    "Not",
    "Number",
    "OutputDeclaration",
    "Presence",
    "Reference",
    "Rule",
    "Rulebook",
    "Statement",
    "Text",
    "TypeSpec",
    "Value",
    "ValueSet",
    "Word",
    "code_text",
]


def _span() -> Span | None:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Name:
    text: str
    span: Span | None = _span()


# --- values ------------------------------------------------------------------------------


@attrs.frozen
class Word:
    """A bare word on the right of a comparison: a code value, true/false, or a field name."""

    text: str
    span: Span | None = _span()


@attrs.frozen
class Text:
    """A quoted string; ``value`` has its escapes resolved."""

    value: str
    span: Span | None = _span()


@attrs.frozen
class Number:
    """A number; ``written`` keeps how it was written (``01``, ``3.50``), which is what a code
    value is, and is not part of equality."""

    value: int | float
    span: Span | None = _span()
    written: str | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Date:
    """An ISO date literal, kept as written; the checker reports impossible dates."""

    text: str
    span: Span | None = _span()


Value = Union[Word, Text, Number, Date]


def code_text(value: Value) -> str:
    """The code a value spells: ``taal``, ``"Training/Cursus"`` or ``01`` as written."""
    if isinstance(value, Word):
        return value.text
    if isinstance(value, Text):
        return value.value
    if isinstance(value, Number):
        return value.written if value.written is not None else str(value.value)
    return value.text


@attrs.frozen
class ValueSet:
    items: tuple[Value, ...]
    span: Span | None = _span()


# --- conditions --------------------------------------------------------------------------


@attrs.frozen
class Comparison:
    """``field OP value``: ``op`` is an operator id (``eq``, ``ne``, ``lt`` ... ``in_set``)."""

    op: str
    field: Name
    value: Value | ValueSet
    span: Span | None = _span()


@attrs.frozen
class Presence:
    """``field is present`` (``present=True``) or ``field is missing``."""

    field: Name
    present: bool
    span: Span | None = _span()


@attrs.frozen
class Reference:
    """A bare name in a condition: a boolean field or a define."""

    name: Name
    span: Span | None = _span()


@attrs.frozen
class Not:
    item: Condition
    span: Span | None = _span()


@attrs.frozen
class AllOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


@attrs.frozen
class AnyOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


Condition = Union[Comparison, Presence, Reference, Not, AllOf, AnyOf]


# --- statements --------------------------------------------------------------------------


@attrs.frozen
class Header:
    title: str
    version: str | None = None
    span: Span | None = _span()


@attrs.frozen
class CodeEntry:
    value: Value
    label: str | None = None
    span: Span | None = _span()


@attrs.frozen
class TypeSpec:
    """A type as written: its name (``code``, ``text`` ...) and, for ``code``, its values."""

    name: Name
    codes: tuple[CodeEntry, ...] | None = None
    span: Span | None = _span()


@attrs.frozen
class FieldDeclaration:
    name: Name
    type: TypeSpec
    optional: bool = False
    span: Span | None = _span()


@attrs.frozen
class OutputDeclaration:
    name: Name
    type: TypeSpec
    span: Span | None = _span()


@attrs.frozen
class Definition:
    name: Name
    condition: Condition
    span: Span | None = _span()


@attrs.frozen
class Rule:
    """``reject|include|exclude [name] when condition [because "..."]``."""

    verb: str
    name: Name | None
    condition: Condition
    because: str | None = None
    span: Span | None = _span()


@attrs.frozen
class Classification:
    """``classify [name] as CODE when condition [because "..."]``."""

    name: Name | None
    code: Value
    condition: Condition
    because: str | None = None
    span: Span | None = _span()


@attrs.frozen
class Expectation:
    """``expect included|excluded|rejected when ...`` or ``expect type CODE when ...``."""

    outcome: str
    condition: Condition
    code: Value | None = None
    span: Span | None = _span()


Statement = Union[
    Header, FieldDeclaration, OutputDeclaration, Definition, Rule, Classification, Expectation
]


@attrs.frozen
class Rulebook:
    """A whole rulebook, its statements in source order."""

    statements: tuple[Statement, ...]
    span: Span | None = _span()

    def of_kind(self, kind: type) -> tuple:
        return tuple(s for s in self.statements if isinstance(s, kind))
