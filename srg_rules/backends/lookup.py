"""Code lookups: a long ``any`` of "this code group and a date outside these periods" seen as
one lookup from code to periods, for the compiled and the SQL backends.

Place in the pipeline: read by :mod:`srg_rules.backends.python` and
:mod:`srg_rules.backends.sql.conditions` while they write a condition. Input: an IR
condition. Output: a :class:`CodePeriods`, or None when the condition does not have the shape.

Why: ``rules in force on DAY`` over a ``code from "gemeenten.csv"`` field implies the reject
``not_in_force:FIELD`` (:func:`srg_rules.ir.lowering._out_of_force`), whose condition is an
``AnyOf`` of one ``AllOf(FIELD in {codes of one period}, DAY outside that period)`` per
period: 152 terms for the CBS municipality codes. Written as it stands, every record tests
every term (a code in force fails them all). The IR stays as it is (the interpreter, the
analysis, explain and the printer read it unchanged); the backends recognise the shape and
write one lookup instead: a dict in generated Python, a search over the sorted codes in SQL.

The shape, exactly (anything else is None, and the backend writes the condition as it
stands): an ``AnyOf`` (or one ``AllOf``) whose every item is an ``AllOf`` of a code test
``FIELD = "c"`` or ``FIELD in {"c", ...}`` (texts) followed by one or more period tests of
:func:`srg_rules.ir.outside`'s form (``DAY < start``, ``DAY > end`` or ``any`` of the two,
dates), on the same FIELD and DAY throughout, no code in two items. Its meaning is then: FIELD's
value is one of the codes, and DAY (present) lies outside every period listed for that code.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

import attrs

from .. import ir

__all__ = ["CodePeriods", "MIN_TERMS", "code_periods"]

# Below this many terms the condition is written as it stands (short conditions stay the
# source and SQL text they always were).
MIN_TERMS = 8


@attrs.frozen
class CodePeriods:
    """``field`` holds one of the keys of ``periods`` and ``day`` lies outside every period
    listed for it (``day`` missing: false). Each period is ``ir.Period`` (start, end; None an
    open end)."""

    field: str
    day: str
    periods: Mapping[str, tuple[ir.Period, ...]]

    def item(self, code: str) -> ir.Condition:
        """The condition on ``day`` alone for one code (``day`` outside each of its periods)."""
        parts = tuple(ir.outside(self.day, period) for period in self.periods[code])
        return parts[0] if len(parts) == 1 else ir.AllOf(parts)


def code_periods(node: ir.Condition, min_terms: int = MIN_TERMS) -> CodePeriods | None:
    """The lookup ``node`` amounts to, or None when it does not have the shape (see above)."""
    if isinstance(node, ir.AnyOf):
        items = node.items
    elif isinstance(node, ir.AllOf):
        items = (node,)
    else:
        return None
    if len(items) < min_terms and sum(
            len(_codes(i.items[0]) or ()) for i in items
            if isinstance(i, ir.AllOf) and i.items) < min_terms:
        return None
    field = day = None
    periods: dict[str, tuple[ir.Period, ...]] = {}
    for item in items:
        if not isinstance(item, ir.AllOf) or len(item.items) < 2:
            return None
        head = item.items[0]
        codes = _codes(head)
        if codes is None:
            return None
        # _codes found codes only in a comparison of a field with a constant
        assert isinstance(head, ir.Compare) and isinstance(head.left, ir.FieldValue)
        name = head.left.name
        own = []
        for test in item.items[1:]:
            found = _period(test)
            if found is None:
                return None
            on, period = found
            if day is None:
                day = on
            if on != day:
                return None
            own.append(period)
        if field is None:
            field = name
        if name != field or name == day:
            return None
        for code in codes:
            if code in periods:
                return None
            periods[code] = tuple(own)
    assert field is not None and day is not None
    return CodePeriods(field, day, periods)


def _codes(node: ir.Condition) -> frozenset[str] | None:
    """The codes of ``FIELD = "c"`` or ``FIELD in {...}`` (all texts), else None."""
    if not (isinstance(node, ir.Compare) and isinstance(node.left, ir.FieldValue)
            and isinstance(node.right, ir.Constant)):
        return None
    value = node.right.value
    if node.op == "eq" and value.__class__ is str:
        return frozenset((value,))
    if node.op == "in_set" and value.__class__ is frozenset and value \
            and all(v.__class__ is str for v in value):
        return value
    return None


def _period(node: ir.Condition) -> tuple[str, ir.Period] | None:
    """``DAY < start``, ``DAY > end`` or the ``any`` of both: (DAY, the period), else None."""
    tests = node.items if isinstance(node, ir.AnyOf) else (node,)
    if not 1 <= len(tests) <= 2:
        return None
    day = None
    start = end = None
    for test in tests:
        if not (isinstance(test, ir.Compare) and isinstance(test.left, ir.FieldValue)
                and isinstance(test.right, ir.Constant)
                and isinstance(test.right.value, _dt.date)
                and not isinstance(test.right.value, _dt.datetime)):
            return None
        if day is not None and test.left.name != day:
            return None
        day = test.left.name
        if test.op == "lt" and start is None:
            start = test.right.value
        elif test.op == "gt" and end is None:
            end = test.right.value
        else:
            return None
    assert day is not None
    return day, ir.Period(start, end)
