"""Hypothesis strategies for the records a rulebook reads: valid, biased to its boundaries, and
on request only those meeting a condition.

Place in the pipeline: a reader of :mod:`srg_rules.ir`, beside the backends. Input: a
:class:`~srg_rules.Rulebook` (its schema, the constants its rules and expectations compare
with, the pairs of fields they compare) and optionally a condition in its terms. Output: a
Hypothesis ``SearchStrategy`` of records, for property-based tests of rulebooks ("version 2
changes no decision except for taal provisions") and of the engine itself.

This module reads IR conditions (one :class:`ir.Visitor` method per node kind, for the normal
form and for the boundaries: the one place of the strategies a new construct touches; an
unknown kind raises :class:`ir.UnhandledNode`) and draws records;
:mod:`srg_rules.strategies.planning` solves the domains of each alternative.

Invariants:

- A record is a dict holding every declared field, in declaration order, as a typed value
  (str for codes and text, int or float for numbers, ``datetime.date``, bool) or None for a
  missing optional field. Reading it changes nothing: ``schema.read(record) == (record, [])``.
  With ``raw=True`` the same record comes as the strings a CSV file carries, and reading those
  gives the typed record back (for an integer beyond 2**53, which is drawn only when a
  condition demands it, the schema's reading rounds it to a float).
- With ``where``, :func:`srg_rules.backends.interpreter.evaluate` holds on every record.
- The boundaries are preferred, never the only values: any value of a field's domain can be
  drawn, within practical limits (integers within 2**53 and floats within 2**20 of a bound or
  of zero, texts of up to 24 characters) that a condition demanding more overrides.

How ``where`` is met, constructively rather than by filtering:

1. Negations are pushed down to the leaves (negation normal form) under the language's
   semantics: a comparison with a missing value is false, so ``not (hours > 10)`` becomes
   ``hours is missing or hours <= 10`` (the first alternative only for an optional field), and
   ``not (a < b)`` becomes ``a is missing or b is missing or a >= b``.
2. The result is expanded into alternatives, each a conjunction of leaves (disjunctive normal
   form); multiplying out an ``and`` stops at :data:`MAX_ALTERNATIVES`.
3. Each alternative becomes one domain per field: present, missing or either; the allowed code
   or boolean values; an interval for numbers and dates (each bound strict or not) with
   excluded points; allowed and excluded texts. Comparisons between two fields propagate bounds
   and equalities from one field to the other. An alternative in which some field has no
   possible value is dropped; when every alternative is, :func:`records` raises ValueError.
4. A record is drawn field by field from its alternative's domains. A comparison between two
   fields (``end_date < start_date``) is met by drawing the smaller side first and narrowing
   the other side's domain to the values that fit the drawn one.

Date arithmetic: a date shift never moves a later day before an earlier one, so the days of a
field whose shift meets a comparison with a constant (``start + 1 months >= 2024-03-31``) are
an interval, less a few days for ``!=`` (:func:`planning.preimage`, exact, including that a
shift leaving the calendar is missing): such a comparison, or its negation, becomes ordinary
comparisons of the field with constants (so an impossible one raises ValueError). A field with
date arithmetic compared with itself (``d + 1 weeks > d + 6 days``) is decided from the steps
when they are of one kind. Between two fields (``start > reporting + 1 months``) the
comparison is checked on the drawn record by the reference interpreter (``.filter``), and the
field drawn second (the one with more days) is first narrowed to the days that meet it, so the
filter seldom rejects.

What falls back to filtering (sound, but a narrow condition of this shape can fail Hypothesis's
health checks):

- when expanding an ``and`` would make more than :data:`MAX_ALTERNATIVES` alternatives, the
  items that do not fit stay whole and are checked with ``.filter`` on the drawn records;
- a comparison with date arithmetic between two fields (see above); a condition in which
  only such comparisons conflict (``a > b + 1 months and b > a``) is not detected, and never
  yields a record;
- when comparisons between fields leave a field no value although each pair of fields is
  consistent (three code fields pairwise different with two codes between them, or a chain of
  ``<`` through excluded values), the draw is rejected with :func:`hypothesis.assume`; an
  alternative that is in fact empty this way is not detected, and never yields a record.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from typing import Any, cast

import attrs
from hypothesis import assume
from hypothesis import strategies as st

from .. import dates, ir, patterns
from ..operators import OPERATORS, mirrored
from ..rulebook import Rulebook
from ..months import month_starts_near
from ..schema import Field, format_typed
from .ages import age_boundaries, age_steps
from .planning import (
    MAX_ALTERNATIVES,
    And,
    Conjunct,
    Domain,
    Is,
    Link,
    Node,
    Or,
    Plan,
    Presence,
    Shifted,
    Side,
    as_float,
    canonical,
    drawn_value,
    expand,
    holds,
    MAX_DAY,
    MIN_DAY,
    Measured,
    key_of,
    month_starts_from,
    narrowed,
    near_preimages,
    neighbours,
    plan_of,
    preimage,
    sort_key,
)

__all__ = ["MAX_ALTERNATIVES", "records"]

# Integers of at most this size survive the trip through CSV text: the schema reads a number
# through float(), which is exact up to 2**53. Larger numbers are drawn only when a condition
# demands them.
_EXACT = 2**53 - 1
# Unbounded float draws stay this close to the nearest bound (or to zero): beyond 2**52 every
# float is an integer, and the interesting non-integers are near the constants anyway.
_FLOAT_SPAN = 2.0**20
_ERA = (_dt.date(1950, 1, 1).toordinal(), _dt.date(2100, 12, 31).toordinal())


def records(book: Rulebook, where: str | None = None, *, raw: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Valid records for a rulebook, biased to the boundaries its constants create.

    Each value is drawn from the boundaries half of the time and from the whole domain the
    other half: for a number every constant ``c`` it is compared with gives ``c - 1``, ``c``,
    ``c + 1`` and the non-integers ``c - 0.5`` and ``c + 0.5`` (and, for a non-integer ``c``,
    the floats just beside it); a date gives the day before, the day itself and the day after;
    code and boolean fields take every value; text fields take the texts they are compared
    with or any other text; an optional field is missing about one time in four. A field
    compared with another field (``end_date < start_date``) is, a third of the time, drawn equal
    to it or one step to either side. Date arithmetic moves these boundaries: a field compared
    with a shifted field (``start > reporting + 1 months``) is drawn at, or a day beside, the
    other's shifted value, a shifted field compared with a constant at the days whose shift
    lands beside it, and a field moved by months or years (or compared with one) leans to
    month ends, the 28th to 31st and leap days, where the step clamps. Other dates lean to the
    years 1950 to 2100. A ``month`` field draws first days only: the month holding a date it
    is compared with and the months on either side, December and January, the February and
    March of leap years, or any month. Records shrink toward missing values and toward the boundaries.

    Args:
        book: a :class:`srg_rules.Rulebook`.
        where: a condition in the rulebook's terms (its fields and defines), e.g.
            ``"category = taal and funding = reintegratie"``. Only records meeting it are
            generated, constructively (see the module documentation), so narrow conditions
            work too.
        raw: give each record as the strings a CSV file carries instead of typed values:
            dates as ``YYYY-MM-DD``, booleans as ``true``/``false``, numbers as text and a
            missing value as ``""``.

    Returns:
        A strategy of dicts from every declared field name to its value.

    Raises:
        srg_rules.RulebookError: ``where`` does not parse, or names what the rulebook lacks.
        ValueError: no valid record meets ``where`` (or, rarely, the rulebook has no valid
            record at all: a required code field none of whose codes a record can carry); the
            message says why.

    >>> import srg_rules
    >>> from hypothesis import given
    >>> book = srg_rules.parse('''
    ... field category: code {taal, mantelzorg}
    ... field hours: number optional
    ... include when category = taal and hours > 10
    ... ''')
    >>> @given(records(book, where="category = taal and hours > 10"))
    ... def test_included(record):
    ...     assert book.decide(record).status == "included"
    >>> test_included()
    >>> records(book, where="hours > 10 and hours < 5")
    Traceback (most recent call last):
    ValueError: the condition can never hold: hours > 10 and hours < 5 (no value of 'hours' meets hours > 10 and hours < 5)
    """
    program: ir.Program = book.program
    fields = program.schema.fields
    condition = book.condition(where) if where is not None else None
    roots = [rule.condition for rule in program.rules]
    roots += [expectation.condition for expectation in program.expectations]
    if condition is not None:
        roots.append(condition)
    edges = _boundaries(fields, roots)

    if condition is None:
        alternatives = [Conjunct((), ())]
    else:
        alternatives = expand(_nnf(condition, fields))
    plans: list[Plan] = []
    reasons: list[str] = []
    for alternative in alternatives:
        plan = plan_of(alternative, fields)
        if isinstance(plan, str):
            if plan not in reasons:
                reasons.append(plan)
        else:
            plans.append(plan)
    if not plans:
        why = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
        if where is None:
            # Only a required code field whose codes no record can carry gets here.
            raise ValueError(f"the rulebook has no valid record ({why})")
        raise ValueError(f"the condition can never hold: {where} ({why or 'it is false'})")

    strategy = st.one_of([_drawn(plan, fields, edges) for plan in plans])
    if raw:
        return strategy.map(lambda record: {name: format_typed(value) for name, value in record.items()})
    return strategy


# --- from IR conditions to the planner's leaves -----------------------------------------------


@attrs.frozen
class _FieldOperand:
    name: str


@attrs.frozen
class _ConstantOperand:
    value: Any


@attrs.frozen
class _MeasuredOperand:
    """The length of a text field (``length(provision_id)``)."""

    name: str


@attrs.frozen
class _AgedOperand:
    """An age of two date operands (``age(birth_date, start_date)``): each a field's name or
    a constant date; a field moved by date arithmetic (``reporting_date - 1 months``) keeps
    its move in ``shifts`` (name → amount and unit)."""

    birth: str | _dt.date | None
    on: str | _dt.date | None
    shifts: tuple[tuple[str, int, str], ...] = ()


@attrs.frozen
class _ShiftedOperand:
    """A date field moved by date arithmetic (``reporting_date + 1 months``)."""

    name: str
    amount: int
    unit: str


class _Operands(ir.Visitor):
    """The operands a strategy can plan for: a field's value, a constant and a date field
    moved by date arithmetic. A new operand kind is one more method here (and a leaf the
    planner understands)."""

    KINDS: tuple[type[ir.Operand], ...] | None = (ir.FieldValue, ir.Constant, ir.DateShift,
                                                  ir.Length, ir.Age)  # None: every kind

    def field_value(self, node: ir.FieldValue, *_: Any) -> _FieldOperand:
        return _FieldOperand(node.name)

    def constant(self, node: ir.Constant, *_: Any) -> _ConstantOperand:
        return _ConstantOperand(node.value)

    def date_shift(self, node: ir.DateShift, *args: Any) -> _ShiftedOperand | _ConstantOperand:
        base = self(node.base, *args)
        if isinstance(base, _FieldOperand):
            return _ShiftedOperand(base.name, node.amount, node.unit)
        if isinstance(base, _ConstantOperand):  # the IR folds these; a shift of one is one
            moved = None if base.value is None else dates.shift(base.value, node.amount, node.unit)
            return _ConstantOperand(moved)
        raise ir.UnhandledNode(f"no strategy for date arithmetic on {node.base!r}")

    def length(self, node: ir.Length, *args: Any) -> _MeasuredOperand | _ConstantOperand:
        operand = self(node.operand, *args)
        if isinstance(operand, _FieldOperand):
            return _MeasuredOperand(operand.name)
        if isinstance(operand, _ConstantOperand):  # the IR folds these
            return _ConstantOperand(None if operand.value is None else len(operand.value))
        raise ir.UnhandledNode(f"no strategy for the length of {node.operand!r}")

    def age(self, node: ir.Age, *args: Any) -> _AgedOperand:
        sides = []
        shifts = []
        for operand in (self(node.birth, *args), self(node.on, *args)):
            if isinstance(operand, _FieldOperand):
                sides.append(operand.name)
            elif isinstance(operand, _ShiftedOperand):
                sides.append(operand.name)
                shifts.append((operand.name, operand.amount, operand.unit))
            elif isinstance(operand, _ConstantOperand):  # two constants are folded
                sides.append(operand.value)
            else:
                raise ir.UnhandledNode(f"no strategy for an age of {node!r}")
        return _AgedOperand(sides[0], sides[1], tuple(shifts))

    def comparison(self, node: ir.Compare, *args: Any) -> tuple[str, Any, Any]:
        """``("link", left, right)`` for two fields, ``("is", field, value)`` for a field and
        a constant, ``("shifted", left, right)`` (two :class:`Side` s) when date arithmetic
        moves a field on either side; any other pair of operands is a construct the
        strategies were not taught."""
        left, right = self(node.left, *args), self(node.right, *args)
        measures = (_MeasuredOperand, _AgedOperand)
        if isinstance(left, measures) or isinstance(right, measures):
            # ``("measured", measured, other)``: decided by the interpreter on the drawn record.
            return ("measured", left, right) if isinstance(left, measures) \
                else ("measured", right, left)
        if isinstance(left, _ShiftedOperand) or isinstance(right, _ShiftedOperand):
            left_side, right_side = _side(left), _side(right)
            if left_side is not None and right_side is not None \
                    and (left_side.field or right_side.field):
                return "shifted", left_side, right_side
        if isinstance(left, _FieldOperand) and isinstance(right, _FieldOperand):
            return "link", left.name, right.name
        if isinstance(left, _FieldOperand) and isinstance(right, _ConstantOperand):
            return "is", left.name, right.value
        raise ir.UnhandledNode(f"no strategy for the operands of {node!r}")


def _side(operand: Any) -> Side | None:
    if isinstance(operand, _ShiftedOperand):
        return Side(operand.name, operand.amount, operand.unit)
    if isinstance(operand, _FieldOperand):
        return Side(operand.name)
    if isinstance(operand, _ConstantOperand) and isinstance(operand.value, _dt.date):
        return Side(None, value=operand.value)
    return None


def _constant_day(side: Side) -> _dt.date:
    """The day of a side without a field (_side makes it only from a constant date)."""
    assert side.value is not None
    return side.value


def _family(side: Side) -> str:
    return "days" if side.unit in ("days", "weeks") else "months"


def _written(op: str, left: Side, right: Side) -> str:
    """A comparison with date arithmetic as a rulebook writes it (for error messages)."""

    def text(side: Side) -> str:
        if side.field is None:
            return _constant_day(side).isoformat()
        if not side.amount:
            return side.field
        return f"{side.field} {'+' if side.amount > 0 else '-'} {abs(side.amount)} {side.unit}"

    return f"{text(left)} {OPERATORS[op].symbol} {text(right)}"


def _read(side: Side, record: Mapping[str, Any]) -> int | None:
    """The day (ordinal) a side of a shifted comparison has in a (partly drawn) record of keys."""
    if side.field is None:
        return _constant_day(side).toordinal()
    day = record.get(side.field)
    if day is None:
        return None
    moved = dates.shift(_dt.date.fromordinal(day), side.amount, side.unit)
    return None if moved is None else moved.toordinal()


class _NegationNormalForm(_Operands):
    """A condition with every negation pushed into the leaves, meaning the same (see the
    module documentation): ``visitor(condition, negated)``."""

    KINDS = None  # every kind

    def __init__(self, fields: Mapping[str, Field]):
        self.fields = fields

    def defined(self, node: ir.Defined, negated: bool) -> Node:
        body: Node = self(node.body, negated)  # the visitor's dispatch is untyped
        return body

    def negation(self, node: ir.Not, negated: bool) -> Node:
        item: Node = self(node.item, not negated)  # the visitor's dispatch is untyped
        return item

    def all_of(self, node: ir.AllOf, negated: bool) -> Node:
        items = tuple(self(item, negated) for item in node.items)
        return Or(items) if negated else And(items)

    def any_of(self, node: ir.AnyOf, negated: bool) -> Node:
        items = tuple(self(item, negated) for item in node.items)
        return And(items) if negated else Or(items)

    def is_present(self, node: ir.IsPresent, negated: bool) -> Node:
        return Presence(node.field, not negated)

    def matches(self, node: ir.Matches, negated: bool) -> Node:
        # Decided by the interpreter on the drawn record (a filter); the boundaries hold
        # texts that just match and just do not, so the filter seldom rejects.
        return Measured(negated, node)

    def compare(self, node: ir.Compare, negated: bool) -> Node:
        shape, left, right = self.comparison(node, negated)
        if shape == "measured":
            return Measured(negated, node)
        if shape == "shifted":
            return self._shifted(node, left, right, negated)
        if shape == "link":
            if not negated:
                return Link(node.op, left, right)
            return Or((*self._missing(left), *self._missing(right),
                       Link(OPERATORS[node.op].negation, left, right)))
        if not negated:
            return Is(node.op, left, right)
        # A comparison is false on a missing value, so its negation holds there.
        return Or((*self._missing(left), Is(OPERATORS[node.op].negation, left, right)))

    def _missing(self, name: str) -> tuple[Presence, ...]:
        # A required field is never missing in a valid record: leave out the alternative.
        return (Presence(name, False),) if self.fields[name].optional else ()

    def _shifted(self, node: ir.Compare, left: Side, right: Side, negated: bool) -> Node:
        """A comparison with date arithmetic. Against a constant it is an interval of the
        field's days (:func:`preimage`), planned like any comparison with a constant; between
        fields it is a :class:`Shifted` leaf, checked on the drawn record."""
        if left.field is None:  # the IR puts constants on the right; mirror if not
            left, right, node = right, left, attrs.evolve(
                node, op=mirrored(node.op), left=node.right, right=node.left)
        names = tuple(dict.fromkeys(s.field for s in (left, right) if s.field is not None))
        present = tuple(Presence(name, True) for name in names)
        missing = tuple(m for name in names for m in self._missing(name))
        if right.field is None:
            written = _written(node.op, left, right)
            days = self._days(node.op, left, _constant_day(right).toordinal(), written)
            if not negated:
                return And((*present, days))
            # The other days of the calendar: those whose shift leaves it included.
            return Or((*missing, And((*present, self._complement(left, days, f"not ({written})")))))
        if left.field == right.field and (_family(left) == _family(right)
                                          or not left.amount or not right.amount):
            return self._same_field(node.op, left, right, negated, missing, present)
        leaf = Shifted(node.op, left, right, negated, node)
        return Or((*missing, And((*present, leaf)))) if negated else And((*present, leaf))

    def _same_field(self, op: str, left: Side, right: Side, negated: bool,
                    missing: tuple[Node, ...], present: tuple[Node, ...]) -> Node:
        """``a + s1 OP a + s2`` with steps of one kind (days and weeks, or months and years):
        the order of the two sides is that of the steps, wherever both stay in the calendar
        (a step of months always reaches another month)."""
        steps = [side.amount * (7 if side.unit == "weeks" else 12 if side.unit == "years" else 1)
                 for side in (left, right)]
        written = _written(op, left, right)
        relation = OPERATORS[op].evaluate(steps[0], steps[1])
        lo = max(preimage("ge", s.amount, s.unit, MIN_DAY)[0] for s in (left, right))
        hi = min(preimage("ge", s.amount, s.unit, MIN_DAY)[1] for s in (left, right))
        name, day = left.field, _dt.date.fromordinal
        assert name is not None  # both sides move the one field
        inside = (Is("ge", name, day(lo), written), Is("le", name, day(hi), written))
        if not negated:
            return And((*present, *inside)) if relation else Is("in_set", name, frozenset(), written)
        if not relation:
            return Or((*missing, And(present)))
        shown = f"not ({written})"
        outside = [Is("lt", name, day(lo), shown)] if lo > MIN_DAY else []
        outside += [Is("gt", name, day(hi), shown)] if hi < MAX_DAY else []
        return Or((*missing, And((*present, Or(tuple(outside))))))

    @staticmethod
    def _days(op: str, side: Side, target: int, shown: str) -> Node:
        """The days of ``side.field`` whose shift meets ``OP target``, as leaves."""
        lo, hi, excluded = preimage(op, side.amount, side.unit, target)
        name, day = side.field, _dt.date.fromordinal
        assert name is not None  # the side that moves a field (the other is the constant)
        if lo > hi:  # no day: a comparison the planner sees cannot hold, with its reason
            return And((Is("ge", name, day(lo), shown), Is("le", name, day(hi), shown))) \
                if lo <= MAX_DAY and hi >= MIN_DAY else Is("in_set", name, frozenset(), shown)
        leaves = [Is("ge", name, day(lo), shown), Is("le", name, day(hi), shown)]
        leaves += [Is("ne", name, day(d), shown) for d in sorted(excluded)]
        return And(tuple(leaves))

    @staticmethod
    def _complement(side: Side, days: Node, shown: str) -> Node:
        """The days not in ``days`` (an interval with excluded days, as ``_days`` makes it)."""
        assert isinstance(days, (And, Is))
        # _days makes an And of Is leaves (or one Is)
        items = cast(tuple[Is, ...], days.items) if isinstance(days, And) else (days,)
        bounds = {leaf.op: leaf.value for leaf in items if leaf.op in ("ge", "le")}
        if not bounds:  # no day met it: every day does not
            return And(())
        lo, hi = bounds["ge"].toordinal(), bounds["le"].toordinal()
        if lo > hi:
            return And(())
        name, day, parts = side.field, _dt.date.fromordinal, []
        assert name is not None  # the side that moves a field (the other is the constant)
        if lo > MIN_DAY:
            parts.append(Is("lt", name, day(lo), shown))
        if hi < MAX_DAY:
            parts.append(Is("gt", name, day(hi), shown))
        parts += [Is("eq", name, leaf.value, shown) for leaf in items if leaf.op == "ne"]
        return Or(tuple(parts))


def _nnf(condition: ir.Condition, fields: Mapping[str, Field]) -> Node:
    """The condition with every negation pushed into the leaves, meaning the same."""
    normal: Node = _NegationNormalForm(fields)(condition, False)  # the dispatch is untyped
    return normal


# --- boundaries ------------------------------------------------------------------------------


class _Boundaries(_Operands):
    """Collects, for each field, the keys at the edges its comparisons create, the fields it
    is compared with, the comparisons with date arithmetic it takes part in, and whether it is
    moved by months or years (where month ends and leap days matter)."""

    KINDS = None  # every kind

    def __init__(self, fields: Mapping[str, Field]):
        self.fields = fields
        self.constants: dict[str, set[Any]] = {name: set() for name in fields}
        self.related: dict[str, set[str]] = {name: set() for name in fields}
        self.shifted: dict[str, set[tuple[Side, Side]]] = {name: set() for name in fields}
        self.by_months: set[str] = set()

    def all_of(self, node: ir.AllOf) -> None:
        for item in node.items:
            self(item)

    def any_of(self, node: ir.AnyOf) -> None:
        for item in node.items:
            self(item)

    def negation(self, node: ir.Not) -> None:
        self(node.item)

    def defined(self, node: ir.Defined) -> None:
        self(node.body)

    def is_present(self, node: ir.IsPresent) -> None:
        pass

    def matches(self, node: ir.Matches) -> None:
        """Texts that just match the pattern and just do not (a free text field only: a
        code field's codes are its boundaries already, and a digits or bsn value must be
        one of its own)."""
        operand = self(node.operand)
        if not isinstance(operand, _FieldOperand) or self.fields[operand.name].type.name != "text":
            return
        self.constants[operand.name].update(
            text for text in patterns.parse(node.pattern).near() if text and text == text.strip())

    def compare(self, node: ir.Compare) -> None:
        shape, left, right = self.comparison(node)
        if shape == "measured":
            self._measured(left, right)
        elif shape == "shifted":
            self._shifted(left, right)
        elif shape == "is":
            kind = self.fields[left].type.base
            values = right if isinstance(right, frozenset) else (right,)
            for value in values:
                self.constants[left].update(neighbours(kind, key_of(kind, value)))
                if self.fields[left].type.name == "month" and isinstance(value, _dt.date):
                    # The month holding the date and the months on either side.
                    self.constants[left].update(d.toordinal() for d in month_starts_near(value))
        elif left != right:
            self.related[left].add(right)
            self.related[right].add(left)

    def _measured(self, measured: _MeasuredOperand | _AgedOperand, other: Any) -> None:
        """Texts at the compared length and beside it (a free text field only: a code, digits
        or bsn value must be one of its own); dates where an age reaches the compared number
        (:mod:`.ages`), leap days and month ends among them."""
        if isinstance(measured, _AgedOperand):
            if isinstance(other, _ConstantOperand):
                moves = {name: (amount, unit) for name, amount, unit in measured.shifts}
                for name, days in age_boundaries(measured.birth, measured.on, other.value).items():
                    if name in moves:  # the field's days whose moved date lands there
                        amount, unit = moves[name]
                        days = {d for day in days for d in near_preimages(amount, unit, day)}
                    self.constants[name].update(days)
                birth, on = measured.birth, measured.on
                if isinstance(birth, str) and isinstance(on, str) and birth != on \
                        and birth not in moves:
                    # age(b, d) >= n exactly when b + n years <= d: drawn as date arithmetic
                    # (d moved by its own shift, when it has one: b + n years <= d - 1 months).
                    for years in age_steps(other.value):
                        moved_on = Side(on, *moves.get(on, (0, "days")))
                        self._shifted(Side(birth, years, "years"), moved_on)
            self.by_months.update(side for side in (measured.birth, measured.on)
                                  if isinstance(side, str))
            return
        field = self.fields[measured.name]
        if field.type.name != "text" or not isinstance(other, _ConstantOperand) \
                or isinstance(other.value, (frozenset, bool)) or other.value is None:
            return
        bound = math.floor(other.value) if other.value < 10_000 else None
        if bound is not None:
            # Both sides of the bound, and some beyond it: a `where=` that asks for a long text
            # is met by these, not only by the rare long one a random text is.
            self.constants[measured.name].update(
                "x" * n for n in (bound - 1, bound, bound + 1, bound + 2, bound + 5) if n > 0)

    def _shifted(self, left: Side, right: Side) -> None:
        by_months = any(side.unit in ("months", "years") and side.amount for side in (left, right))
        for own, other in ((left, right), (right, left)):
            if own.field is None:
                continue
            if by_months:  # both sides: clamping decides where they meet
                self.by_months.add(own.field)
            if other.field is None:
                # The days whose shift lands on the constant or beside it.
                target = _constant_day(other).toordinal()
                self.constants[own.field].update(near_preimages(own.amount, own.unit, target))
            elif other.field != own.field:
                # Drawn after the other field: near the days whose shift meets its shift.
                self.shifted[own.field].add((own, other))


@attrs.frozen
class _Edges:
    """What draws a record to the boundaries its rulebook and condition create."""

    constants: dict[str, tuple[Any, ...]]  # per field, the keys beside its constants
    related: dict[str, tuple[str, ...]]  # per field, the fields it is compared with
    # Per field, (own side, other side) of each comparison with date arithmetic on a side.
    shifted: dict[str, tuple[tuple[Side, Side], ...]]
    by_months: frozenset[str]  # the date fields moved by months or years


def _boundaries(fields: Mapping[str, Field], roots: Iterable[ir.Condition]) -> _Edges:
    """For each field, the keys at the edges its comparisons create; the fields it is
    compared with; its comparisons with date arithmetic; the fields moved by months."""
    found = _Boundaries(fields)
    for root in roots:
        found(root)
    boundaries = {name: tuple(sorted(keys, key=sort_key)) for name, keys in found.constants.items()}
    return _Edges(boundaries, {name: tuple(sorted(others)) for name, others in found.related.items()},
                  {name: tuple(sorted(pairs, key=repr)) for name, pairs in found.shifted.items()},
                  frozenset(found.by_months))


# --- drawing ---------------------------------------------------------------------------------


def _drawn(plan: Plan, fields: Mapping[str, Field], edges: _Edges) -> st.SearchStrategy[dict[str, Any]]:
    # Building a strategy costs more than drawing from it: keep one per domain.
    cache: dict[tuple[Domain, tuple[Any, ...]], st.SearchStrategy[Any]] = {}
    strategy = _record(plan, tuple(fields), edges, cache)
    if plan.residual:
        residual = plan.residual
        strategy = strategy.filter(lambda record: all(holds(node, record) for node in residual))
    return strategy


@st.composite
def _record(draw: st.DrawFn, plan: Plan, names: tuple[str, ...], edges: _Edges,
            cache: dict[tuple[Domain, tuple[Any, ...]], st.SearchStrategy[Any]]) -> dict[str, Any]:
    boundaries, related = edges.constants, edges.related
    keys: dict[str, Any] = {}
    for name in plan.order:
        domain = plan.domains[name]
        if domain.present is False or (domain.present is None and draw(st.integers(0, 3)) == 0):
            keys[name] = None
            continue
        for link in plan.links:
            # A comparison with a field already drawn is a comparison with its value.
            if link.left == name and link.right in keys and link.right != name:
                domain = domain.meets(link.op, keys[link.right])
            elif link.right == name and link.left in keys and link.left != name:
                domain = domain.meets(mirrored(link.op), keys[link.left])
        if plan.shifted:
            domain = _narrowed_by_shifts(domain, name, plan.shifted, keys)
        # Only a combination of comparisons the propagation cannot see through gets here.
        assume(domain.has_value())
        # The values beside those of the fields it is compared with, a third of the time.
        beside = sorted({near for other in related[name] if keys.get(other) is not None
                         for near in _beside(domain, keys[other]) if domain.admits(near)},
                        key=sort_key)
        if edges.shifted[name]:
            beside = sorted({*beside, *_beside_shifts(domain, edges.shifted[name], keys)})
        if beside and draw(st.integers(0, 2)) == 0:
            keys[name] = draw(st.sampled_from(beside))
            continue
        by_months = name in edges.by_months
        if domain is plan.domains[name]:
            strategy = cache.get((domain, boundaries[name]))
            if strategy is None:
                strategy = cache[(domain, boundaries[name])] = _values(
                    domain, boundaries[name], by_months)
        else:  # narrowed by a drawn value: seldom the same twice
            strategy = _values(domain, boundaries[name], by_months)
        keys[name] = draw(strategy)
    return {name: None if keys[name] is None else drawn_value(plan.domains[name], keys[name])
            for name in names}


def _beside(domain: Domain, key: Any) -> list[Any]:
    """The keys beside another field's drawn value: for a month field, the first days of
    that value's month and of the months on either side."""
    if domain.months:
        return [d.toordinal() for d in month_starts_near(_dt.date.fromordinal(key))]
    return neighbours(domain.kind, key)


def _narrowed_by_shifts(domain: Domain, name: str, shifted: tuple[Shifted, ...],
                        keys: Mapping[str, Any]) -> Domain:
    """``domain`` with each comparison with date arithmetic applied whose other side is drawn:
    exactly the days that meet it (:func:`preimage`). A negated one is left to the filter,
    as is one whose narrowing leaves no day (a shift leaving the calendar is missing, so
    only the filter sees the days that meet it then)."""
    for leaf in shifted:
        if leaf.negated or leaf.left.field == leaf.right.field:
            continue
        for own, other, op in ((leaf.left, leaf.right, leaf.op),
                               (leaf.right, leaf.left, mirrored(leaf.op))):
            if own.field != name or other.field not in keys:
                continue
            target = _read(other, keys)
            if target is None:
                continue  # the comparison is false: the filter rejects the record
            narrower = narrowed(domain, op, own.amount, own.unit, target)
            if narrower.has_value():
                domain = narrower
    return domain


def _beside_shifts(domain: Domain, pairs: tuple[tuple[Side, Side], ...],
                   keys: Mapping[str, Any]) -> set[Any]:
    """The days at, before and after where this field's shift meets a drawn field's shift
    (``a`` beside ``b + 1 months``)."""
    near: set[Any] = set()
    for own, other in pairs:
        target = _read(other, keys) if other.field in keys else None
        if target is not None:
            near.update(d for d in near_preimages(own.amount, own.unit, target)
                        if domain.admits(d))
    return near


def _values(domain: Domain, near: Iterable[Any], by_months: bool = False) -> st.SearchStrategy[Any]:
    """The keys of a present value: boundaries half the time, any admitted value otherwise.
    A date moved by months or years also leans to month ends and leap days."""
    finite = domain.finite()
    if finite is not None:
        return st.sampled_from(finite)
    edges = sorted({key for key in near if domain.admits(key)}, key=sort_key)
    anything = _anything(domain)
    if by_months and domain.kind == "date" and not domain.months:
        anything = st.one_of(_month_ends(domain), anything)
    return st.one_of(st.sampled_from(edges), anything) if edges else anything


def _month_ends(domain: Domain) -> st.SearchStrategy[int]:
    """Days where a step of months clamps: the 28th to 31st of a month and the 1st after, and
    half the time Feb 28 and 29 of a leap year and Mar 1, in years of the domain, leaning to
    this era."""
    first, last = _dt.date.fromordinal(domain.lo).year, _dt.date.fromordinal(domain.hi).year
    lo, hi = max(first, 1950), min(last, 2100)
    if lo > hi:
        lo, hi = first, last

    def day(year: int, month: int, day_of_month: int) -> int:
        if day_of_month == 1:  # the day after the month's end
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
            if year > 9999:
                return MAX_DAY
        clamped = min(day_of_month, calendar.monthrange(year, month)[1]) if day_of_month > 1 else 1
        return _dt.date(year, month, clamped).toordinal()

    def leap(year: int, day_of_month: int) -> int:
        year = max(first, year - year % 4)  # a leap year, but for 1900, 2100 ...
        return day(year, 2, day_of_month)

    month_ends = st.builds(day, st.integers(lo, hi), st.integers(1, 12),
                           st.sampled_from([28, 29, 30, 31, 1]))
    leap_days = st.builds(leap, st.integers(lo, hi), st.sampled_from([28, 29, 1]))
    return st.one_of(month_ends, leap_days).filter(domain.admits)


def _anything(domain: Domain) -> st.SearchStrategy[Any]:
    """Any key the domain admits (it holds more than can be listed)."""
    if domain.text_type == "bsn":
        return _bsns().filter(domain.admits)
    if domain.length is not None:
        return st.text("0123456789", min_size=domain.length, max_size=domain.length).filter(
            domain.admits)
    if domain.kind == "text":
        return st.text(max_size=24).map(str.strip).filter(domain.admits)
    if domain.months:
        return _months(domain)
    if domain.kind == "date":
        return _days(domain)
    return _numbers(domain)


def _months(domain: Domain) -> st.SearchStrategy[int]:
    """First days of months (a month field's values): half the time December, January or
    the February and March of a leap year (where a year turns, and where a step of days
    meets the 29th), in years of this era; otherwise any month of the domain."""
    first = month_starts_from(domain.lo, 1, domain.hi)
    if not first:
        return st.nothing()
    lo_year, hi_year = _dt.date.fromordinal(first[0]).year, _dt.date.fromordinal(domain.hi).year
    era = (max(lo_year, 1950), min(hi_year, 2100))
    if era[0] > era[1]:
        era = (lo_year, hi_year)

    def start(year: int, month: int) -> int:
        return _dt.date(year, month, 1).toordinal()

    def leap(year: int, month: int) -> int:
        return start(max(lo_year, year - year % 4), month)

    turns = st.builds(start, st.integers(*era), st.sampled_from([12, 1]))
    leaps = st.builds(leap, st.integers(*era), st.sampled_from([2, 3]))
    anywhere = st.builds(start, st.integers(lo_year, hi_year), st.integers(1, 12))
    return st.one_of(turns, leaps, anywhere).filter(domain.admits)


def _bsns() -> st.SearchStrategy[str]:
    """Nine digits passing the 11-test: eight drawn, the ninth the one that makes the weighted
    sum a multiple of 11 (none does when it would be 10; the sum must not be 0)."""

    def complete(eight: str) -> str | None:
        total = sum(weight * int(d) for weight, d in zip((9, 8, 7, 6, 5, 4, 3, 2), eight))
        last = total % 11
        return None if last == 10 or total == 0 else eight + str(last)

    # the filter leaves out the None of an eight that no ninth digit completes
    return cast(st.SearchStrategy[str], st.text("0123456789", min_size=8, max_size=8)
                .map(complete).filter(lambda bsn: bsn is not None))


def _days(domain: Domain) -> st.SearchStrategy[int]:
    # Half the time a date of this era, where the constants of real rulebooks lie (also those
    # of another version, which this rulebook's boundaries do not show).
    spans = [(domain.lo, domain.hi)]
    lo, hi = max(domain.lo, _ERA[0]), min(domain.hi, _ERA[1])
    if lo <= hi:
        spans.insert(0, (lo, hi))
    return st.one_of([st.dates(_dt.date.fromordinal(a), _dt.date.fromordinal(b))
                      for a, b in spans]).map(_dt.date.toordinal).filter(domain.admits)


def _numbers(domain: Domain) -> st.SearchStrategy[int | float]:
    """Integers where the interval has room for them, and floats that are not integers."""
    parts: list[st.SearchStrategy[int | float]] = []
    lo, hi = domain.integers()
    if lo is None or hi is None or lo <= hi:
        if lo is None:
            lo = -_EXACT if hi is None else min(-_EXACT, hi - 2**20)
        if hi is None:
            hi = max(_EXACT, lo + 2**20)
        if hi - lo < 64:
            listed = [n for n in range(lo, hi + 1) if n not in domain.excluded]
            if listed:
                parts.append(st.sampled_from(listed))
        else:
            parts.append(st.integers(lo, hi))
    if domain.has_floats():
        parts.append(_floats(domain))
    return st.one_of(parts).filter(domain.admits)


def _floats(domain: Domain) -> st.SearchStrategy[int | float]:
    # Only called when the interval holds non-integer floats, so an infinite bound (an integer
    # constant too large for a float) is on the side away from them: leave it open.
    lo = as_float(domain.lo) if domain.lo is not None else None
    hi = as_float(domain.hi) if domain.hi is not None else None
    lo = lo if lo is None or math.isfinite(lo) else None
    hi = hi if hi is None or math.isfinite(hi) else None
    if lo is None:
        lo = min(-_FLOAT_SPAN, (hi if hi is not None else 0.0) - _FLOAT_SPAN)
    if hi is None:
        hi = max(_FLOAT_SPAN, lo + _FLOAT_SPAN)
    # A bound that is not exactly a float is rounded; the filter in _numbers has the last word.
    exclude_min = domain.lo is not None and domain.lo_strict and lo == domain.lo
    exclude_max = domain.hi is not None and domain.hi_strict and hi == domain.hi
    return st.floats(lo, hi, exclude_min=exclude_min, exclude_max=exclude_max,
                     allow_nan=False, allow_infinity=False).map(canonical)


