"""Comparisons holding a measure (``length(f)``, ``age(b, d)``), rewritten exactly as
comparisons of the fields themselves where that is possible.

Place in the pipeline: used by the encoder (:mod:`srg_rules.analysis.encoding`) and its survey
of the constants each field is compared with, before either gives up on a comparison and
over-approximates it. Input: an IR comparison and the declared fields. Output: the same
condition over plain fields and constants, or None when no exact rewrite is known (the encoder
then over-approximates the comparison and the findings say so).

Exact rewrites:

- ``length(c) OP n`` of a code field ``c``: the codes whose length meets ``OP n`` (a finite
  list), so ``c in {...}``; ``length(c) OP x`` with a number field ``x``: per length of a code,
  ``c in {codes of that length} and x OP' length``. Missing stays missing: false.
- ``age(b, DATE) OP n`` and ``age(DATE, d) OP n``: an age is monotone in each of its dates
  (later birth, lower age; later day, higher age), so the days of the field that meet the
  comparison are one run of the calendar (two for ``!=``), found by bisection with
  :func:`srg_rules.dates.age` itself.

Two more kinds are exact without a rewrite, over points the domains choose for them
(:mod:`srg_rules.analysis.domains`), and this module says which comparisons they are:

- ``length(t) OP n`` of a free text field (:func:`text_length`): the domains give the field
  fresh texts of every length that ``OP n`` tells apart, so the encoder tests each point's
  length.
- ``x OP m + K months`` of a ``month`` field ``m`` and a date or month field ``x``
  (:func:`month_step`): a month moved by whole months is a first day again, so the comparison
  depends only on how many months ``x`` lies from ``m`` (up to ``K + 1``) and on whether ``x``
  is a first day; the domains keep every month start near the constants, and the encoder
  tests each point of ``m``.

An age of two fields, the length of a text compared with a field, and a date field moved by
months stay over-approximated.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .. import dates, ir
from ..operators import OPERATORS
from ..schema import Field

__all__ = ["MonthStep", "exactly", "month_step", "text_length"]

_ORDERED = ("eq", "ne", "lt", "le", "gt", "ge")


def _mirror(op: str) -> str:
    """``op`` with its sides swapped (every operator of :data:`_ORDERED` has a mirror)."""
    mirror = OPERATORS[op].mirror
    assert mirror is not None
    return mirror

# The longest text length a comparison may name and stay exact: beyond it the domains would
# need texts that long as points (the comparison is over-approximated instead).
LONGEST_EXACT_LENGTH = 10_000


@attrs.frozen
class MonthStep:
    """``other OP month + months``: a field compared with a month field moved by whole
    months (years count as twelve)."""

    op: str
    other: str
    month: str
    months: int


def month_step(node: ir.Compare, fields: Mapping[str, Field]) -> MonthStep | None:
    """``node`` as a :class:`MonthStep`, or None when it is not one.

    >>> from srg_rules import parse
    >>> book = parse("field m: month\\nfield d: date\\ninclude when d < m + 1 years")
    >>> month_step(book.program.rules[0].condition, book.program.schema.fields)
    MonthStep(op='lt', other='d', month='m', months=12)
    """
    if node.op not in _ORDERED:
        return None
    op, left, right = node.op, node.left, node.right
    if isinstance(left, ir.DateShift) and not isinstance(right, ir.DateShift):
        op, left, right = _mirror(op), right, left
    if not (isinstance(right, ir.DateShift) and isinstance(right.base, ir.FieldValue)
            and isinstance(left, ir.FieldValue) and right.unit in ("months", "years")):
        return None
    month, other = fields.get(right.base.name), fields.get(left.name)
    if month is None or other is None or month.type.name != "month" \
            or other.type.base != "date":
        return None
    months = right.amount * (12 if right.unit == "years" else 1)
    return MonthStep(op, left.name, right.base.name, months)


def text_length(node: ir.Compare, fields: Mapping[str, Field]) -> tuple[str, str, Any] | None:
    """``length(t) OP n`` of a text field without codes and a number ``n`` (at most
    :data:`LONGEST_EXACT_LENGTH`), as ``(t, OP, n)``; None for any other comparison.

    >>> from srg_rules import parse
    >>> book = parse("field t: text\\ninclude when 15 < length(t)")
    >>> text_length(book.program.rules[0].condition, book.program.schema.fields)
    ('t', 'gt', 15)
    """
    if node.op not in _ORDERED:
        return None
    op, left, right = node.op, node.left, node.right
    if isinstance(right, ir.Length) and not isinstance(left, ir.Length):
        op, left, right = _mirror(op), right, left
    if not (isinstance(left, ir.Length) and isinstance(left.operand, ir.FieldValue)
            and isinstance(right, ir.Constant)):
        return None
    field = fields.get(left.operand.name)
    bound = right.value
    if field is None or field.codes is not None or field.type.base != "text" \
            or isinstance(bound, bool) or not isinstance(bound, (int, float)) \
            or not abs(bound) <= LONGEST_EXACT_LENGTH:
        return None
    return left.operand.name, op, bound


def exactly(node: ir.Compare, fields: Mapping[str, Field]) -> ir.Condition | None:
    """``node`` over plain fields and constants, or None when it holds no measure this module
    rewrites.

    >>> from srg_rules import parse, printer
    >>> book = parse("field c: code {a, bb, ccc}\\ninclude when length(c) >= 2")
    >>> program = book.program
    >>> print(printer.condition(exactly(program.rules[0].condition, program.schema.fields), program.schema))
    c in {bb, ccc}
    >>> book = parse("field b: date\\ninclude when age(b, 2024-02-28) >= 18")
    >>> program = book.program
    >>> print(printer.condition(exactly(program.rules[0].condition, program.schema.fields), program.schema))
    b < 2006-03-01
    """
    if node.op not in _ORDERED:
        return None
    if isinstance(node.right, (ir.Length, ir.Age)) and not isinstance(node.left, (ir.Length, ir.Age)):
        node = ir.Compare(_mirror(node.op), node.right, node.left, span=node.span)
    if isinstance(node.left, ir.Length):
        return _code_length(node, fields)
    if isinstance(node.left, ir.Age) and isinstance(node.right, ir.Constant):
        return _age(node)
    return None


# --- lengths of codes --------------------------------------------------------------------------


def _code_length(node: ir.Compare, fields: Mapping[str, Field]) -> ir.Condition | None:
    assert isinstance(node.left, ir.Length)  # exactly() sends only these
    measured = node.left.operand
    if not isinstance(measured, ir.FieldValue):
        return None
    field = fields.get(measured.name)
    if field is None or field.codes is None:
        return None  # a text field: its lengths are not a finite list
    test = OPERATORS[node.op].evaluate
    if isinstance(node.right, ir.Constant):
        if node.right.value is None:
            return ir.AnyOf(())
        codes = frozenset(code for code in field.codes if test(len(code), node.right.value))
        return ir.Compare("in_set", measured, ir.Constant(codes))
    if not isinstance(node.right, ir.FieldValue):
        return None
    by_length: dict[int, set[str]] = {}
    for code in field.codes:
        by_length.setdefault(len(code), set()).add(code)
    mirror = _mirror(node.op)
    return ir.AnyOf(tuple(
        ir.AllOf((ir.Compare("in_set", measured, ir.Constant(frozenset(codes))),
                  ir.Compare(mirror, node.right, ir.Constant(length))))
        for length, codes in sorted(by_length.items())))


# --- ages with one date fixed --------------------------------------------------------------------

_FIRST, _LAST = _dt.date.min.toordinal(), _dt.date.max.toordinal()


def _age(node: ir.Compare) -> ir.Condition | None:
    # exactly() sends only an age compared with a constant
    assert isinstance(node.left, ir.Age) and isinstance(node.right, ir.Constant)
    age, bound = node.left, node.right.value
    if bound is None or any(isinstance(side, ir.Constant) and side.value is None
                            for side in (age.birth, age.on)):
        return ir.AnyOf(())  # a missing operand: the comparison is false
    if isinstance(age.birth, ir.FieldValue) and isinstance(age.on, ir.Constant):
        name, on = age.birth.name, age.on.value

        def years(ordinal: int) -> int:
            return dates.age(_dt.date.fromordinal(ordinal), on)

        rising = False
    elif isinstance(age.birth, ir.Constant) and isinstance(age.on, ir.FieldValue):
        name, born = age.on.name, age.birth.value

        def years(ordinal: int) -> int:
            return dates.age(born, _dt.date.fromordinal(ordinal))

        rising = True
    else:
        return None  # two fields (or a field moved by date arithmetic): not a run of days
    # The first day whose age is at least / above the bound (rising), or below / at most it
    # (falling): the runs of days meeting each comparison start and end at these two.
    parts: dict[str, list[ir.Condition]]
    if rising:
        reaches = _first(lambda d: years(d) >= bound)
        passes = _first(lambda d: years(d) > bound)
        parts = {"lt": [_below(name, reaches)], "le": [_below(name, passes)],
                 "gt": [_from(name, passes)], "ge": [_from(name, reaches)],
                 "eq": [_from(name, reaches), _below(name, passes)],
                 "ne": [ir.AnyOf((_below(name, reaches), _from(name, passes)))]}
    else:
        under = _first(lambda d: years(d) < bound)
        at_most = _first(lambda d: years(d) <= bound)
        parts = {"lt": [_from(name, under)], "le": [_from(name, at_most)],
                 "gt": [_below(name, at_most)], "ge": [_below(name, under)],
                 "eq": [_from(name, at_most), _below(name, under)],
                 "ne": [ir.AnyOf((_below(name, at_most), _from(name, under)))]}
    # Each part is a comparison of the field, so false when it is missing, as the age is.
    chosen = parts[node.op]
    return chosen[0] if len(chosen) == 1 else ir.AllOf(tuple(chosen))


def _below(name: str, ordinal: int) -> ir.Condition:
    """``name < day``; true of every date when ``day`` lies past the calendar."""
    return ir.compare("lt", name, _dt.date.fromordinal(ordinal)) if ordinal <= _LAST \
        else ir.compare("le", name, _dt.date.max)


def _from(name: str, ordinal: int) -> ir.Condition:
    """``name >= day``; false of every date when ``day`` lies past the calendar."""
    return ir.compare("ge", name, _dt.date.fromordinal(ordinal)) if ordinal <= _LAST \
        else ir.AnyOf(())


def first_holding(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The least ``d`` in ``[low, high)`` for which ``holds`` (monotone: false, then true),
    or ``high`` when there is none; a bisection, so ``holds`` is asked about log2 of the
    range's length times."""
    return low + bisect.bisect_left(range(low, high), True, key=holds)


def _first(holds: Callable[[int], bool]) -> int:
    """The least day (an ordinal) of the calendar for which ``holds`` (monotone: false, then
    true), or the day past the calendar's last when there is none."""
    return first_holding(_FIRST, _LAST + 1, holds)
