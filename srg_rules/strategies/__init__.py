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

What falls back to filtering (sound, but a narrow condition of this shape can fail Hypothesis's
health checks):

- when expanding an ``and`` would make more than :data:`MAX_ALTERNATIVES` alternatives, the
  items that do not fit stay whole and are checked with ``.filter`` on the drawn records;
- when comparisons between fields leave a field no value although each pair of fields is
  consistent (three code fields pairwise different with two codes between them, or a chain of
  ``<`` through excluded values), the draw is rejected with :func:`hypothesis.assume`; an
  alternative that is in fact empty this way is not detected, and never yields a record.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from hypothesis import assume
from hypothesis import strategies as st

from .. import ir
from ..operators import OPERATORS
from ..rulebook import Rulebook
from ..schema import Field, format_typed
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
    as_float,
    canonical,
    expand,
    holds,
    key_of,
    neighbours,
    plan_of,
    sort_key,
    value_of,
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
    to it or one step to either side. Other dates lean to the years 1950 to 2100. Records
    shrink toward missing values and toward the boundaries.

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
    boundaries, related = _boundaries(fields, roots)

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

    strategy = st.one_of([_drawn(plan, fields, boundaries, related) for plan in plans])
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


class _Operands(ir.Visitor):
    """The operands a strategy can plan for: a field's value and a constant. A new operand kind
    is one more method here (and a leaf the planner understands)."""

    KINDS = (ir.FieldValue, ir.Constant)

    def field_value(self, node: ir.FieldValue, *_: Any) -> _FieldOperand:
        return _FieldOperand(node.name)

    def constant(self, node: ir.Constant, *_: Any) -> _ConstantOperand:
        return _ConstantOperand(node.value)

    def comparison(self, node: ir.Compare, *args: Any) -> tuple[str, Any, Any]:
        """``("link", left, right)`` for two fields, ``("is", field, value)`` for a field and
        a constant; any other pair of operands is a construct the strategies were not taught."""
        left, right = self(node.left, *args), self(node.right, *args)
        if isinstance(left, _FieldOperand) and isinstance(right, _FieldOperand):
            return "link", left.name, right.name
        if isinstance(left, _FieldOperand) and isinstance(right, _ConstantOperand):
            return "is", left.name, right.value
        raise ir.UnhandledNode(f"no strategy for the operands of {node!r}")


class _NegationNormalForm(_Operands):
    """A condition with every negation pushed into the leaves, meaning the same (see the
    module documentation): ``visitor(condition, negated)``."""

    KINDS = None  # every kind

    def __init__(self, fields: Mapping[str, Field]):
        self.fields = fields

    def defined(self, node: ir.Defined, negated: bool) -> Node:
        return self(node.body, negated)

    def negation(self, node: ir.Not, negated: bool) -> Node:
        return self(node.item, not negated)

    def all_of(self, node: ir.AllOf, negated: bool) -> Node:
        items = tuple(self(item, negated) for item in node.items)
        return Or(items) if negated else And(items)

    def any_of(self, node: ir.AnyOf, negated: bool) -> Node:
        items = tuple(self(item, negated) for item in node.items)
        return And(items) if negated else Or(items)

    def is_present(self, node: ir.IsPresent, negated: bool) -> Node:
        return Presence(node.field, not negated)

    def compare(self, node: ir.Compare, negated: bool) -> Node:
        shape, left, right = self.comparison(node, negated)
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


def _nnf(condition: ir.Condition, fields: Mapping[str, Field]) -> Node:
    """The condition with every negation pushed into the leaves, meaning the same."""
    return _NegationNormalForm(fields)(condition, False)


# --- boundaries ------------------------------------------------------------------------------


class _Boundaries(_Operands):
    """Collects, for each field, the keys at the edges its comparisons create, and the fields
    it is compared with."""

    KINDS = None  # every kind

    def __init__(self, fields: Mapping[str, Field]):
        self.fields = fields
        self.constants: dict[str, set[Any]] = {name: set() for name in fields}
        self.related: dict[str, set[str]] = {name: set() for name in fields}

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

    def compare(self, node: ir.Compare) -> None:
        shape, left, right = self.comparison(node)
        if shape == "is":
            kind = self.fields[left].type.base
            values = right if isinstance(right, frozenset) else (right,)
            for value in values:
                self.constants[left].update(neighbours(kind, key_of(kind, value)))
        elif left != right:
            self.related[left].add(right)
            self.related[right].add(left)


def _boundaries(fields: Mapping[str, Field], roots: Iterable[ir.Condition]) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[str, ...]]]:
    """For each field, the keys at the edges its comparisons create; and the fields it is
    compared with."""
    found = _Boundaries(fields)
    for root in roots:
        found(root)
    boundaries = {name: tuple(sorted(keys, key=sort_key)) for name, keys in found.constants.items()}
    return boundaries, {name: tuple(sorted(others)) for name, others in found.related.items()}


# --- drawing ---------------------------------------------------------------------------------


def _drawn(plan: Plan, fields: Mapping[str, Field], boundaries: Mapping[str, tuple[Any, ...]],
           related: Mapping[str, tuple[str, ...]]) -> st.SearchStrategy[dict[str, Any]]:
    # Building a strategy costs more than drawing from it: keep one per domain.
    cache: dict[tuple[Domain, tuple[Any, ...]], st.SearchStrategy[Any]] = {}
    strategy = _record(plan, tuple(fields), boundaries, related, cache)
    if plan.residual:
        residual = plan.residual
        strategy = strategy.filter(lambda record: all(holds(node, record) for node in residual))
    return strategy


@st.composite
def _record(draw: st.DrawFn, plan: Plan, names: tuple[str, ...],
            boundaries: Mapping[str, tuple[Any, ...]], related: Mapping[str, tuple[str, ...]],
            cache: dict[tuple[Domain, tuple[Any, ...]], st.SearchStrategy[Any]]) -> dict[str, Any]:
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
                domain = domain.meets(OPERATORS[link.op].mirror, keys[link.left])
        # Only a combination of comparisons the propagation cannot see through gets here.
        assume(domain.has_value())
        # The values beside those of the fields it is compared with, a third of the time.
        beside = sorted({near for other in related[name] if keys.get(other) is not None
                         for near in neighbours(domain.kind, keys[other]) if domain.admits(near)},
                        key=sort_key)
        if beside and draw(st.integers(0, 2)) == 0:
            keys[name] = draw(st.sampled_from(beside))
            continue
        if domain is plan.domains[name]:
            strategy = cache.get((domain, boundaries[name]))
            if strategy is None:
                strategy = cache[(domain, boundaries[name])] = _values(domain, boundaries[name])
        else:  # narrowed by a drawn value: seldom the same twice
            strategy = _values(domain, boundaries[name])
        keys[name] = draw(strategy)
    return {name: None if keys[name] is None else value_of(plan.domains[name].kind, keys[name])
            for name in names}


def _values(domain: Domain, near: Iterable[Any]) -> st.SearchStrategy[Any]:
    """The keys of a present value: boundaries half the time, any admitted value otherwise."""
    finite = domain.finite()
    if finite is not None:
        return st.sampled_from(finite)
    edges = sorted({key for key in near if domain.admits(key)}, key=sort_key)
    anything = _anything(domain)
    return st.one_of(st.sampled_from(edges), anything) if edges else anything


def _anything(domain: Domain) -> st.SearchStrategy[Any]:
    """Any key the domain admits (it holds more than can be listed)."""
    if domain.text_type == "bsn":
        return _bsns().filter(domain.admits)
    if domain.length is not None:
        return st.text("0123456789", min_size=domain.length, max_size=domain.length).filter(
            domain.admits)
    if domain.kind == "text":
        return st.text(max_size=24).map(str.strip).filter(domain.admits)
    if domain.kind == "date":
        return _days(domain)
    return _numbers(domain)


def _bsns() -> st.SearchStrategy[str]:
    """Nine digits passing the 11-test: eight drawn, the ninth the one that makes the weighted
    sum a multiple of 11 (none does when it would be 10; the sum must not be 0)."""

    def complete(eight: str) -> str | None:
        total = sum(weight * int(d) for weight, d in zip((9, 8, 7, 6, 5, 4, 3, 2), eight))
        last = total % 11
        return None if last == 10 or total == 0 else eight + str(last)

    return st.text("0123456789", min_size=8, max_size=8).map(complete).filter(
        lambda bsn: bsn is not None)


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


