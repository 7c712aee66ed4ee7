"""Hypothesis strategies for the records a rulebook reads: valid, biased to its boundaries, and
on request only those meeting a condition.

Place in the pipeline: a reader of :mod:`srg_rules.ir`, beside the backends. Input: a
:class:`~srg_rules.Rulebook` (its schema, the constants its rules and expectations compare
with, the pairs of fields they compare) and optionally a condition in its terms. Output: a
Hypothesis ``SearchStrategy`` of records, for property-based tests of rulebooks ("version 2
changes no decision except for taal provisions") and of the engine itself.

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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union

import attrs
from hypothesis import assume
from hypothesis import strategies as st

from . import ir
from .operators import OPERATORS
from .rulebook import Rulebook
from .schema import Field, format_typed, passes_eleven_test

__all__ = ["MAX_ALTERNATIVES", "records"]

MAX_ALTERNATIVES = 256
"""The most alternatives (conjunctions) multiplying out one ``and`` of a ``where`` condition
may make; the items that would go beyond are checked by filtering (see the module
documentation)."""

# Integers of at most this size survive the trip through CSV text: the schema reads a number
# through float(), which is exact up to 2**53. Larger numbers are drawn only when a condition
# demands them.
_EXACT = 2**53 - 1
# Unbounded float draws stay this close to the nearest bound (or to zero): beyond 2**52 every
# float is an integer, and the interesting non-integers are near the constants anyway.
_FLOAT_SPAN = 2.0**20
# A date interval this short is enumerated, so that exclusions never make a draw fail.
_ENUMERATE_DAYS = 512
# So are the values of digits(n) when there are this few (n up to 3).
_ENUMERATE_DIGITS = 1000
_MIN_DAY = _dt.date.min.toordinal()
_MAX_DAY = _dt.date.max.toordinal()
_ERA = (_dt.date(1950, 1, 1).toordinal(), _dt.date(2100, 12, 31).toordinal())

# The relation a comparison allows between its two sides, by operator id: "<", "=", ">" for
# ordered values, "=" and "!" (different) for the others.
_ORDERED_RELATIONS = {
    "eq": frozenset("="), "ne": frozenset("<>"), "lt": frozenset("<"), "le": frozenset("<="),
    "gt": frozenset(">"), "ge": frozenset(">="),
}
_UNORDERED_RELATIONS = {"eq": frozenset("="), "ne": frozenset("!")}
# ``a OP b`` is ``b MIRROR[OP] a``.


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
        alternatives = [_Conjunct((), ())]
    else:
        alternatives = _expand(_nnf(condition, fields))
    plans: list[_Plan] = []
    reasons: list[str] = []
    for alternative in alternatives:
        plan = _plan(alternative, fields)
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


# --- negation normal form ------------------------------------------------------------------


@attrs.frozen
class _Is:
    """``field OP value`` with the field present (a positive comparison leaf)."""

    op: str
    field: str
    value: Any


@attrs.frozen
class _Link:
    """``left OP right`` with both fields present."""

    op: str
    left: str
    right: str


@attrs.frozen
class _Presence:
    field: str
    present: bool


@attrs.frozen
class _And:
    items: tuple[_Node, ...]


@attrs.frozen
class _Or:
    items: tuple[_Node, ...]


_Node = Union[_Is, _Link, _Presence, _And, _Or]
_Leaf = Union[_Is, _Link, _Presence]


def _nnf(condition: ir.Condition, fields: Mapping[str, Field], negated: bool = False) -> _Node:
    """The condition with every negation pushed into the leaves, meaning the same."""
    if isinstance(condition, ir.Defined):
        return _nnf(condition.body, fields, negated)
    if isinstance(condition, ir.Not):
        return _nnf(condition.item, fields, not negated)
    if isinstance(condition, (ir.AllOf, ir.AnyOf)):
        items = tuple(_nnf(item, fields, negated) for item in condition.items)
        return _And(items) if isinstance(condition, ir.AllOf) != negated else _Or(items)
    if isinstance(condition, ir.IsPresent):
        return _Presence(condition.field, not negated)
    if isinstance(condition, ir.Compare):
        pair = ir.field_pair(condition)
        if pair is not None:
            left, right = pair
            if not negated:
                return _Link(condition.op, left, right)
            return _Or((*_missing(fields, left), *_missing(fields, right),
                        _Link(OPERATORS[condition.op].negation, left, right)))
        constant = ir.field_constant(condition)
        if constant is None:
            raise ir.UnhandledNode(f"no strategy for the operands of {condition!r}")
        name, value = constant
        if not negated:
            return _Is(condition.op, name, value)
        # A comparison is false on a missing value, so its negation holds there.
        return _Or((*_missing(fields, name), _Is(OPERATORS[condition.op].negation, name, value)))
    raise TypeError(f"not a condition: {condition!r}")


def _missing(fields: Mapping[str, Field], name: str) -> tuple[_Presence, ...]:
    # A required field is never missing in a valid record: leave out the alternative.
    return (_Presence(name, False),) if fields[name].optional else ()


def _holds(node: _Node, record: Mapping[str, Any]) -> bool:
    """The truth of a normal-form condition; agrees with the interpreter's ``evaluate``."""
    if isinstance(node, _And):
        return all(_holds(item, record) for item in node.items)
    if isinstance(node, _Or):
        return any(_holds(item, record) for item in node.items)
    if isinstance(node, _Presence):
        return (record[node.field] is not None) == node.present
    if isinstance(node, _Is):
        value = record[node.field]
        return value is not None and OPERATORS[node.op].evaluate(value, node.value)
    left, right = record[node.left], record[node.right]
    return left is not None and right is not None and OPERATORS[node.op].evaluate(left, right)


# --- disjunctive normal form -----------------------------------------------------------------


@attrs.frozen
class _Conjunct:
    """One alternative: leaves that must all hold, and whole conditions left to a filter."""

    leaves: tuple[_Leaf, ...]
    residual: tuple[_Node, ...]

    def __and__(self, other: _Conjunct) -> _Conjunct:
        return _Conjunct(self.leaves + other.leaves, self.residual + other.residual)


def _expand(node: _Node) -> list[_Conjunct]:
    """The alternatives of a normal-form condition.

    Only multiplying out an ``and`` can explode, so only that is capped: an item whose
    alternatives would take the product past MAX_ALTERNATIVES is kept whole, for filtering. An
    ``or`` lists its items' alternatives, as many as the condition has words at most times the
    cap.
    """
    if isinstance(node, _Or):
        return [c for item in node.items for c in _expand(item)]
    if isinstance(node, _And):
        # Multiply out the small expansions first, so that what is left to filtering is the
        # few items with many alternatives.
        expansions = sorted(((_expand(item), item) for item in node.items), key=lambda e: len(e[0]))
        alternatives = [_Conjunct((), ())]
        for expansion, item in expansions:
            if len(alternatives) * len(expansion) <= MAX_ALTERNATIVES:
                alternatives = [a & b for a in alternatives for b in expansion]
            else:
                alternatives = [a & _Conjunct((), (item,)) for a in alternatives]
        return alternatives
    return [_Conjunct((node,), ())]


# --- domains ---------------------------------------------------------------------------------


def _canonical(number: int | float) -> int | float:
    """A number as the schema reads it: an integral float becomes an int."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _key(kind: str, value: Any) -> Any:
    """A value as domains hold it: dates as day ordinals (so they step by 1), numbers canonical."""
    if isinstance(value, frozenset):
        return frozenset(_key(kind, v) for v in value)
    if kind == "date":
        return value.toordinal()
    if kind == "number":
        return _canonical(value)
    return value


def _value(kind: str, key: Any) -> Any:
    return _dt.date.fromordinal(key) if kind == "date" else key


def _as_float(number: int | float) -> float:
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _symbol(op: str) -> str:
    return OPERATORS[op].symbol


def _show(kind: str, key: Any) -> str:
    if isinstance(key, frozenset):
        return "{" + ", ".join(sorted(_show(kind, k) for k in key)) + "}"
    value = _value(kind, key)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if kind == "text":
        return f'"{value}"'
    return str(value)


@attrs.frozen
class _Domain:
    """The values one field may take in one alternative. Values are keys (see ``_key``)."""

    name: str
    kind: str  # the type's base: code, text, number, date, boolean
    optional: bool
    codes: tuple[str, ...] | None
    present: bool | None  # None: present or missing
    allowed: frozenset | None = None  # None: any value of the type
    excluded: frozenset = frozenset()
    lo: Any = None
    lo_strict: bool = False
    hi: Any = None
    hi_strict: bool = False
    conflict: str | None = None  # why no value fits, when presence alone decides it
    why: tuple[str, ...] = ()  # the comparisons applied, for the error message
    # A text type that takes only some texts (bsn, digits(n)): its name and length.
    text_type: str | None = None
    length: int | None = None

    @classmethod
    def of(cls, field: Field) -> _Domain:
        kind = field.type.base
        codes = None
        allowed: frozenset[Any] | None = None
        if field.codes is not None:
            # A code the schema strips or reads as missing can never be a value.
            codes = tuple(c for c in field.codes if c == c.strip() and c)
            allowed = frozenset(codes)
        elif kind == "boolean":
            allowed = frozenset({False, True})
        domain = cls(field.name, kind, field.optional, codes, None if field.optional else True,
                     allowed)
        if kind == "text" and field.codes is None and field.type.name != "text":
            domain = attrs.evolve(domain, text_type=field.type.name, length=field.type.length)
        if kind == "date":
            domain = attrs.evolve(domain, lo=_MIN_DAY, hi=_MAX_DAY)
        return domain

    # -- narrowing --

    def with_presence(self, present: bool) -> _Domain:
        if self.present is not None and self.present != present:
            if not self.optional:
                return attrs.evolve(self, conflict=f"'{self.name}' is required, so never missing")
            return attrs.evolve(
                self, conflict=f"'{self.name}' cannot be both missing and present")
        return attrs.evolve(self, present=present)

    def meets(self, op: str, key: Any, why: str | None = None) -> _Domain:
        """This domain with ``field OP key`` applied (which also makes the field present)."""
        domain = self.with_presence(True)
        if why is not None:
            domain = attrs.evolve(domain, why=(*domain.why, why))
        if op == "eq":
            return domain.restrict(frozenset({key}))
        if op == "in_set":
            return domain.restrict(key)
        if op == "ne":
            return attrs.evolve(domain, excluded=domain.excluded | {key})
        if op == "not_in_set":
            return attrs.evolve(domain, excluded=domain.excluded | key)
        if op in ("gt", "ge"):
            return domain.above(key, op == "gt")
        if op in ("lt", "le"):
            return domain.below(key, op == "lt")
        raise ValueError(f"unknown operator {op!r}")

    def restrict(self, values: frozenset) -> _Domain:
        allowed = values if self.allowed is None else self.allowed & values
        return attrs.evolve(self, allowed=allowed)

    def above(self, key: Any, strict: bool) -> _Domain:
        if self.kind == "date" and strict:  # whole days: > d is >= d + 1
            key, strict = key + 1, False
        if self.lo is None or key > self.lo or (key == self.lo and strict and not self.lo_strict):
            return attrs.evolve(self, lo=key, lo_strict=strict)
        return self

    def below(self, key: Any, strict: bool) -> _Domain:
        if self.kind == "date" and strict:
            key, strict = key - 1, False
        if self.hi is None or key < self.hi or (key == self.hi and strict and not self.hi_strict):
            return attrs.evolve(self, hi=key, hi_strict=strict)
        return self

    def meet(self, other: _Domain) -> _Domain:
        """This domain restricted to the values of ``other`` (for ``this = other``)."""
        domain = self.with_presence(True)
        if other.allowed is not None:
            domain = domain.restrict(other.allowed)
        domain = attrs.evolve(domain, excluded=domain.excluded | other.excluded)
        if other.lo is not None:
            domain = domain.above(other.lo, other.lo_strict)
        if other.hi is not None:
            domain = domain.below(other.hi, other.hi_strict)
        return domain

    # -- reading --

    def valid(self, key: Any) -> bool:
        """Is ``key`` a value of the field's type that reading leaves unchanged?"""
        if self.kind == "boolean":
            return isinstance(key, bool)
        if self.kind == "code":
            return key in (self.codes or ())
        if self.kind == "text":
            if not (isinstance(key, str) and bool(key) and key == key.strip()):
                return False
            if self.length is not None and not (len(key) == self.length and key.isascii()
                                                and key.isdigit()):
                return False
            return self.text_type != "bsn" or passes_eleven_test(key)
        if self.kind == "date":
            return isinstance(key, int) and _MIN_DAY <= key <= _MAX_DAY
        if isinstance(key, bool):
            return False
        if isinstance(key, int):
            return True
        return isinstance(key, float) and math.isfinite(key) and not key.is_integer()

    def within(self, key: Any) -> bool:
        if self.lo is not None and (key < self.lo or (self.lo_strict and key == self.lo)):
            return False
        if self.hi is not None and (key > self.hi or (self.hi_strict and key == self.hi)):
            return False
        return True

    def admits(self, key: Any) -> bool:
        return (self.valid(key) and (self.allowed is None or key in self.allowed)
                and key not in self.excluded and self.within(key))

    def finite(self) -> list[Any] | None:
        """Every value this domain admits, when there are few enough to list; else None."""
        if self.allowed is not None:
            if self.codes is not None:
                ordered: Iterable[Any] = self.codes
            else:
                ordered = sorted(self.allowed, key=_sort_key)
            return [key for key in ordered if self.admits(key)]
        if self.length is not None and 10**self.length <= _ENUMERATE_DIGITS:
            return [key for n in range(10**self.length)
                    if self.admits(key := f"{n:0{self.length}d}")]
        if self.kind == "date" and self.hi - self.lo < _ENUMERATE_DAYS:
            return [day for day in range(self.lo, self.hi + 1) if day not in self.excluded]
        if (self.kind == "number" and self.lo is not None and self.lo == self.hi
                and not self.lo_strict and not self.hi_strict):
            return [self.lo] if self.admits(self.lo) else []
        return None

    def integers(self) -> tuple[int | None, int | None]:
        """The least and greatest integer in the interval (None: unbounded).

        Bounds are keys: an int, or a float that is not an integer (see ``_canonical``).
        """
        lo = hi = None
        if isinstance(self.lo, float):
            lo = math.floor(self.lo) + 1
        elif self.lo is not None:
            lo = self.lo + 1 if self.lo_strict else self.lo
        if isinstance(self.hi, float):
            hi = math.floor(self.hi)
        elif self.hi is not None:
            hi = self.hi - 1 if self.hi_strict else self.hi
        return lo, hi

    def has_floats(self) -> bool:
        """Does the interval hold a float that is not an integer? (Numbers only.)"""
        lo = -math.inf if self.lo is None else _as_float(self.lo)
        hi = math.inf if self.hi is None else _as_float(self.hi)
        if lo >= hi or math.nextafter(lo, math.inf) >= hi:
            return False  # empty, or two neighbouring floats: nothing strictly between
        # Every float of magnitude 2**52 or more is an integer.
        return lo < 2.0**52 and hi > -(2.0**52)

    def has_value(self) -> bool:
        """Can the field be present in this domain?"""
        finite = self.finite()
        if finite is not None:
            return bool(finite)
        if self.kind == "text":
            return True  # infinitely many texts, finitely many excluded
        lo, hi = self.integers()
        if lo is None or hi is None:
            return True
        if lo <= hi and hi - lo + 1 > sum(1 for k in self.excluded if lo <= k <= hi):
            return True
        return self.kind == "number" and self.has_floats()

    def problem(self) -> str | None:
        """Why no value (not even missing) fits this domain, or None when one does."""
        if self.conflict is not None:
            return self.conflict
        if self.present is not True or self.has_value():
            return None
        if self.why:
            return f"no value of '{self.name}' meets " + " and ".join(self.why)
        if self.codes is not None and not self.codes:
            return (f"'{self.name}' is required, and none of its codes can be read from a "
                    "record: a code is read without surrounding spaces, and a blank one as missing")
        return f"no value of '{self.name}' meets its comparisons with other fields"

    def lower(self) -> tuple[Any, bool] | None:
        """The least value admitted (or its strict bound), counting a list of allowed values."""
        finite = self.finite() if self.allowed is not None else None
        if finite:
            return min(finite), False
        return None if self.lo is None else (self.lo, self.lo_strict)

    def upper(self) -> tuple[Any, bool] | None:
        finite = self.finite() if self.allowed is not None else None
        if finite:
            return max(finite), False
        return None if self.hi is None else (self.hi, self.hi_strict)


def _sort_key(key: Any) -> tuple[int, Any]:
    # Sorts booleans, numbers and texts of one field; False before True.
    return (0, key) if not isinstance(key, str) else (1, key)


# --- plans: an alternative made ready to draw --------------------------------------------------


@attrs.frozen
class _Plan:
    domains: dict[str, _Domain]
    links: tuple[_Link, ...]
    order: tuple[str, ...]  # draw order: the smaller side of an ordered comparison first
    residual: tuple[_Node, ...]


def _plan(conjunct: _Conjunct, fields: Mapping[str, Field]) -> _Plan | str:
    """The domains of one alternative, or a sentence saying why it can never hold."""
    domains = {name: _Domain.of(field) for name, field in fields.items()}
    links: list[_Link] = []
    for leaf in conjunct.leaves:
        if isinstance(leaf, _Presence):
            domains[leaf.field] = domains[leaf.field].with_presence(leaf.present)
        elif isinstance(leaf, _Is):
            kind = domains[leaf.field].kind
            why = f"{leaf.field} {_symbol(leaf.op)} {_show(kind, _key(kind, leaf.value))}"
            domains[leaf.field] = domains[leaf.field].meets(leaf.op, _key(kind, leaf.value), why)
        else:
            links.append(leaf)
            for name in (leaf.left, leaf.right):
                domains[name] = domains[name].with_presence(True)
    for domain in domains.values():
        if (problem := domain.problem()) is not None:
            return problem
    if links:
        reason = _pairs_consistent(links, domains) or _no_strict_cycle(links, domains)
        if reason:
            return reason
        reason = _propagate(links, domains)
        if reason:
            return reason
    return _Plan(domains, tuple(links), _draw_order(list(fields), links, domains),
                 conjunct.residual)


def _ordered(domains: Mapping[str, _Domain], link: _Link) -> bool:
    return domains[link.left].kind in ("number", "date")


def _pairs_consistent(links: Sequence[_Link], domains: Mapping[str, _Domain]) -> str | None:
    """Every pair of fields has some relation all its comparisons allow (a < b and a >= b
    have none)."""
    relations: dict[tuple[str, str], frozenset[str]] = {}
    for link in links:
        table = _ORDERED_RELATIONS if _ordered(domains, link) else _UNORDERED_RELATIONS
        if link.left == link.right:
            if "=" not in table[link.op]:
                return f"'{link.left}' {_symbol(link.op)} '{link.right}' is never true"
            continue
        op, pair = link.op, (link.left, link.right)
        if link.left > link.right:
            op, pair = OPERATORS[op].mirror, (link.right, link.left)
        allowed = relations.get(pair, table["eq"] | table["ne"]) & table[op]
        if not allowed:
            return f"the comparisons of '{pair[0]}' with '{pair[1]}' contradict each other"
        relations[pair] = allowed
    return None


def _edges(links: Sequence[_Link], domains: Mapping[str, _Domain]) -> list[tuple[str, str, bool]]:
    """(smaller, larger, strict) for every ordered comparison; ``a = b`` is both ways."""
    edges = []
    for link in links:
        if not _ordered(domains, link) or link.op == "ne":
            continue
        if link.op in ("lt", "le"):
            edges.append((link.left, link.right, link.op == "lt"))
        elif link.op in ("gt", "ge"):
            edges.append((link.right, link.left, link.op == "gt"))
        else:
            edges += [(link.left, link.right, False), (link.right, link.left, False)]
    return edges


def _no_strict_cycle(links: Sequence[_Link], domains: Mapping[str, _Domain]) -> str | None:
    """a < b <= c <= a can never hold: no cycle of ordered comparisons has a strict one."""
    edges = _edges(links, domains)
    successors: dict[str, set[str]] = {}
    for small, large, _ in edges:
        successors.setdefault(small, set()).add(large)
    for small, large, strict in edges:
        if not strict:
            continue
        seen, stack = {large}, [large]
        while stack:
            node = stack.pop()
            if node == small:
                return f"'{small}' < '{large}' and the other comparisons between fields cannot all hold"
            for successor in successors.get(node, ()):
                if successor not in seen:
                    seen.add(successor)
                    stack.append(successor)
    return None


def _propagate(links: Sequence[_Link], domains: dict[str, _Domain]) -> str | None:
    """Narrow the domains of compared fields by each other until nothing changes.

    Bounds flow along ordered comparisons (``a < b`` gives ``a`` b's upper bound and ``b``
    a's lower bound), ``a = b`` gives each the other's values, and ``a != b`` removes a
    field's only possible value from the other. After this, drawing the smaller side of each
    comparison first leaves the larger side a value in all but contrived cases.
    """
    edges = _edges(links, domains)
    # No strict cycle means every chain of strict steps is finite, so this settles; the cap
    # is a guard, not a limit reached in practice.
    for _ in range(4 * len(links) + 8):
        before = dict(domains)
        for small, large, strict in edges:
            low, high = domains[small], domains[large]
            lower, upper = low.lower(), high.upper()
            if lower is not None:
                domains[large] = high.above(lower[0], strict or lower[1])
            if upper is not None:
                domains[small] = low.below(upper[0], strict or upper[1])
        for link in links:
            left, right = domains[link.left], domains[link.right]
            if link.op == "eq" and not _ordered(domains, link):
                domains[link.left], domains[link.right] = left.meet(right), right.meet(left)
            elif link.op == "eq":
                # Ordered bounds flow along the two edges above; share the listed values and
                # the exclusions here.
                domains[link.left] = attrs.evolve(
                    left.restrict(right.allowed) if right.allowed is not None else left,
                    excluded=left.excluded | right.excluded)
                domains[link.right] = attrs.evolve(
                    right.restrict(left.allowed) if left.allowed is not None else right,
                    excluded=right.excluded | left.excluded)
            elif link.op == "ne":
                for one, other in ((link.left, link.right), (link.right, link.left)):
                    only = domains[one].finite()
                    if only is not None and len(only) == 1:
                        domains[other] = attrs.evolve(
                            domains[other], excluded=domains[other].excluded | {only[0]})
        for domain in domains.values():
            if (problem := domain.problem()) is not None:
                return problem
        if domains == before:
            break
    return None


def _draw_order(names: list[str], links: Sequence[_Link], domains: Mapping[str, _Domain]) -> tuple[str, ...]:
    """Declaration order, except that the smaller side of an ordered comparison comes first."""
    before: dict[str, set[str]] = {name: set() for name in names}
    for small, large, strict in _edges(links, domains):
        if small != large:
            before[large].add(small)
    order: list[str] = []
    pending = list(names)
    while pending:
        ready = next((n for n in pending if before[n] <= set(order)), pending[0])  # a cycle of
        order.append(ready)  # non-strict comparisons (all equal): any field can go first
        pending.remove(ready)
    return tuple(order)


# --- boundaries ------------------------------------------------------------------------------


def _boundaries(fields: Mapping[str, Field], roots: Iterable[ir.Condition]) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[str, ...]]]:
    """For each field, the keys at the edges its comparisons create; and the fields it is
    compared with."""
    constants: dict[str, set[Any]] = {name: set() for name in fields}
    related: dict[str, set[str]] = {name: set() for name in fields}
    for root in roots:
        for node in ir.walk(root):
            if not isinstance(node, ir.Compare):
                continue
            constant, pair = ir.field_constant(node), ir.field_pair(node)
            if constant is not None:
                name, constant_value = constant
                kind = fields[name].type.base
                values = constant_value if isinstance(constant_value, frozenset) else (constant_value,)
                for value in values:
                    constants[name].update(_near(kind, _key(kind, value)))
            elif pair is not None:
                if pair[0] != pair[1]:
                    related[pair[0]].add(pair[1])
                    related[pair[1]].add(pair[0])
            else:
                raise ir.UnhandledNode(f"no boundaries for the operands of {node!r}")
    boundaries = {name: tuple(sorted(keys, key=_sort_key)) for name, keys in constants.items()}
    return boundaries, {name: tuple(sorted(others)) for name, others in related.items()}


def _near(kind: str, key: Any) -> list[Any]:
    """The key and its neighbours: the values on either side of a boundary at ``key``."""
    if kind == "date":
        return [day for day in (key - 1, key, key + 1) if _MIN_DAY <= day <= _MAX_DAY]
    if kind == "number" and not isinstance(key, bool):
        near = [key - 1, key, key + 1]
        if abs(_as_float(key)) < 2.0**52:  # beyond, no float lies between two integers
            near += [_canonical(key - 0.5), _canonical(key + 0.5)]
        if isinstance(key, float):
            near += [math.nextafter(key, -math.inf), math.nextafter(key, math.inf)]
        return near
    return [key]


# --- drawing ---------------------------------------------------------------------------------


def _drawn(plan: _Plan, fields: Mapping[str, Field], boundaries: Mapping[str, tuple[Any, ...]],
           related: Mapping[str, tuple[str, ...]]) -> st.SearchStrategy[dict[str, Any]]:
    # Building a strategy costs more than drawing from it: keep one per domain.
    cache: dict[tuple[_Domain, tuple[Any, ...]], st.SearchStrategy[Any]] = {}
    strategy = _record(plan, tuple(fields), boundaries, related, cache)
    if plan.residual:
        residual = plan.residual
        strategy = strategy.filter(lambda record: all(_holds(node, record) for node in residual))
    return strategy


@st.composite
def _record(draw: st.DrawFn, plan: _Plan, names: tuple[str, ...],
            boundaries: Mapping[str, tuple[Any, ...]], related: Mapping[str, tuple[str, ...]],
            cache: dict[tuple[_Domain, tuple[Any, ...]], st.SearchStrategy[Any]]) -> dict[str, Any]:
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
                         for near in _near(domain.kind, keys[other]) if domain.admits(near)},
                        key=_sort_key)
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
    return {name: None if keys[name] is None else _value(plan.domains[name].kind, keys[name])
            for name in names}


def _values(domain: _Domain, near: Iterable[Any]) -> st.SearchStrategy[Any]:
    """The keys of a present value: boundaries half the time, any admitted value otherwise."""
    finite = domain.finite()
    if finite is not None:
        return st.sampled_from(finite)
    edges = sorted({key for key in near if domain.admits(key)}, key=_sort_key)
    anything = _anything(domain)
    return st.one_of(st.sampled_from(edges), anything) if edges else anything


def _anything(domain: _Domain) -> st.SearchStrategy[Any]:
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


def _days(domain: _Domain) -> st.SearchStrategy[int]:
    # Half the time a date of this era, where the constants of real rulebooks lie (also those
    # of another version, which this rulebook's boundaries do not show).
    spans = [(domain.lo, domain.hi)]
    lo, hi = max(domain.lo, _ERA[0]), min(domain.hi, _ERA[1])
    if lo <= hi:
        spans.insert(0, (lo, hi))
    return st.one_of([st.dates(_dt.date.fromordinal(a), _dt.date.fromordinal(b))
                      for a, b in spans]).map(_dt.date.toordinal).filter(domain.admits)


def _numbers(domain: _Domain) -> st.SearchStrategy[int | float]:
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


def _floats(domain: _Domain) -> st.SearchStrategy[int | float]:
    # Only called when the interval holds non-integer floats, so an infinite bound (an integer
    # constant too large for a float) is on the side away from them: leave it open.
    lo = _as_float(domain.lo) if domain.lo is not None else None
    hi = _as_float(domain.hi) if domain.hi is not None else None
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
                     allow_nan=False, allow_infinity=False).map(_canonical)


