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

from typing import Any, Union

import attrs

from .source import Span

__all__ = [
    "Activities",
    "AllOf",
    "AnyOf",
    "Assignment",
    "Classification",
    "CodeEntry",
    "Combination",
    "Component",
    "Call",
    "Comparison",
    "Condition",
    "Date",
    "DecisionDate",
    "Identifier",
    "Definition",
    "Expectation",
    "FieldDeclaration",
    "Header",
    "Name",
    "Not",
    "Number",
    "Outcome",
    "OutputDeclaration",
    "PatternMatch",
    "Presence",
    "Reference",
    "Rule",
    "Rulebook",
    "Statement",
    "Text",
    "TextJoin",
    "Trajectory",
    "TypeSpec",
    "Unique",
    "Use",
    "Validity",
    "Value",
    "ValueSet",
    "Word",
    "code_text",
]


def _span() -> Span | None:
    span: Span | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)
    return span


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
class DateShift:
    """``BASE + N UNIT`` or ``BASE - N UNIT``: a date field (a :class:`Word`) or a date
    literal moved by ``amount`` (negative: back) days, weeks, months or years. ``unit`` is as
    written (``month`` or ``months``); ``amount`` keeps how it was written, for the checker."""

    base: Word | Date
    amount: Number
    later: bool
    unit: str
    span: Span | None = _span()


@attrs.frozen
class Measure:
    """``FUNCTION(FIELD)``: a number measured of a field, such as ``length(provision_id)`` (its
    length in characters). ``function`` is as written; the checker knows the functions."""

    function: Name
    field: Name
    span: Span | None = _span()


@attrs.frozen
class TextJoin:
    """``PART ~ PART ~ ...``: a text made of fields (:class:`Word`) and quoted texts, in a
    trajectory's assignment (``provision_id = provision_id ~ "-2"``)."""

    parts: tuple[Word | Text, ...]
    span: Span | None = _span()


@attrs.frozen
class Call:
    """``FUNCTION(ARGUMENT, ARGUMENT, ...)``: a number computed of two or more arguments (a
    field, as a :class:`Word`, or a value), such as ``age(birth_date, start_date)``.
    ``function`` is as written; the checker knows the functions and their arguments."""

    function: Name
    arguments: tuple[Value | DateShift, ...]
    span: Span | None = _span()


@attrs.frozen
class ValueSet:
    items: tuple[Value, ...]
    span: Span | None = _span()


# --- conditions --------------------------------------------------------------------------


@attrs.frozen
class Comparison:
    """``field OP value``: ``op`` is an operator id (``eq``, ``ne``, ``lt`` ... ``in_set``)."""

    op: str
    field: Name | DateShift | Measure | Call | Number
    value: Value | ValueSet | DateShift | Measure | Call
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


@attrs.frozen
class PatternMatch:
    """``field matches "REGEX"``: the whole of the field's text matches the pattern (the
    quoted text, escapes resolved; :mod:`srg_rules.patterns` says which patterns are in the
    subset, and the checker reports the others). ``negated``: written ``field does not match
    "REGEX"`` (``voldoet niet aan``), the same as ``not field matches "REGEX"``, kept apart
    only so that the formatter writes it as it was written."""

    field: Name
    pattern: Text
    negated: bool = False
    span: Span | None = _span()


Condition = Union[Comparison, Presence, Reference, Not, AllOf, AnyOf, PatternMatch]


# --- statements --------------------------------------------------------------------------


@attrs.frozen
class Validity:
    """``valid from D [until D]`` or ``valid until D``: dates as written, both ends inclusive."""

    start: Date | None
    end: Date | None
    span: Span | None = _span()


@attrs.frozen
class Header:
    title: str
    version: str | None = None
    validity: Validity | None = None
    span: Span | None = _span()


@attrs.frozen
class Use:
    """``use "path"``: the fields and rules of another rulebook become part of this one."""

    path: str
    span: Span | None = _span()


@attrs.frozen
class Identifier:
    """``identifier FIELD``: the field whose value names a record (``explain --id``)."""

    field: Name
    span: Span | None = _span()


@attrs.frozen
class DecisionDate:
    """``rules in force on FIELD``: the date field that picks the rules in force."""

    field: Name
    span: Span | None = _span()


@attrs.frozen
class CodeEntry:
    value: Value
    label: str | None = None
    validity: Validity | None = None
    span: Span | None = _span()


@attrs.frozen
class TypeSpec:
    """A type as written: its name (``code``, ``text``, ``digits`` ...), for ``code`` its
    values, and for a type that takes one (``digits(4)``) its argument.

    ``code from "gemeenten.csv"`` holds the file's path as ``code_file`` (with the span of the
    quoted path); linking reads the file and puts its values in ``codes``, each entry's spans
    pointing into the file, so the checker and everything after it see an ordinary code list.
    """

    name: Name
    codes: tuple[CodeEntry, ...] | None = None
    argument: Number | None = None
    span: Span | None = _span()
    code_file: Text | None = None


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
    """``reject|include|exclude|warn [name] when condition [valid ...] [because "..."]``.

    A ``warn`` rule decides nothing: a record it matches keeps its decision and gets the
    rule's id among its warnings."""

    verb: str
    name: Name | None
    condition: Condition
    because: str | None = None
    validity: Validity | None = None
    span: Span | None = _span()


@attrs.frozen
class Classification:
    """``classify [name] as CODE when condition [valid ...] [because "..."]``."""

    name: Name | None
    code: Value
    condition: Condition
    because: str | None = None
    validity: Validity | None = None
    span: Span | None = _span()


@attrs.frozen
class Assignment:
    """``field = value`` in a trajectory component; the value may also be a date moved by some
    units or a text join, computed from the source record."""

    field: Name
    value: Value | DateShift | TextJoin
    span: Span | None = _span()


@attrs.frozen
class Component:
    """``yields NAME with field = value, ...``: one provision a trajectory stands for."""

    name: Name
    assignments: tuple[Assignment, ...]
    span: Span | None = _span()


@attrs.frozen
class Trajectory:
    """``trajectory NAME when condition yields ... yields ...``."""

    name: Name
    condition: Condition
    components: tuple[Component, ...]
    span: Span | None = _span()


@attrs.frozen
class Combination:
    """``field by way`` in an activities statement (``start_date by earliest``); ``by`` is the
    date field of ``end_reason by latest end_date`` (None without one)."""

    field: Name
    way: Name
    by: Name | None = None
    span: Span | None = _span()


@attrs.frozen
class Activities:
    """``activities share KEY, ... [combine field by way, ...]``."""

    key: tuple[Name, ...]
    combinations: tuple[Combination, ...] = ()
    span: Span | None = _span()


@attrs.frozen
class Unique:
    """``unique KEY, ...``: a record whose key values occur in more than one record of a run
    is rejected (a check across records, not a condition on one)."""

    key: tuple[Name, ...]
    span: Span | None = _span()


@attrs.frozen
class Outcome:
    """One expected outcome: a status (``included`` ...), ``type`` with its ``code``, or
    ``warning`` with the ``rule`` (a warn rule's name) that must warn."""

    kind: str
    code: Value | None = None
    rule: Name | None = attrs.field(default=None, kw_only=True)
    span: Span | None = _span()


@attrs.frozen
class Expectation:
    """``expect OUTCOME [and OUTCOME ...] when ...``; an outcome is included, excluded,
    rejected, ``type CODE`` or ``warning NAME``."""

    outcomes: tuple[Outcome, ...]
    condition: Condition
    span: Span | None = _span()


Statement = Union[
    Header, Use, FieldDeclaration, OutputDeclaration, DecisionDate, Definition, Rule,
    Classification, Trajectory, Activities, Unique, Expectation, Identifier,
]


@attrs.frozen
class Rulebook:
    """A whole rulebook, its statements in source order."""

    statements: tuple[Statement, ...]
    span: Span | None = _span()

    def of_kind(self, kind: type) -> tuple[Any, ...]:
        return tuple(s for s in self.statements if isinstance(s, kind))
