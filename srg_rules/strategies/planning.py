"""Planning a record: the normal form of a ``where`` condition, and the domains of values
each field may take in one alternative of it.

Place in the pipeline: below :mod:`srg_rules.strategies`, which turns IR conditions into the
leaves here and draws records from the plans made here. Input: a condition in negation normal
form over :class:`Is`, :class:`Link`, :class:`Shifted` and :class:`Presence` leaves, and
the schema's fields. Output: its alternatives (:func:`expand`), and for each a :class:`Plan`
(one :class:`Domain` per field, the comparisons between fields, a draw order) or a sentence
saying why it can never hold (:func:`plan_of`).

Invariants: values are held as keys (:func:`key_of`: dates as day ordinals, numbers as the
schema reads them); a domain only narrows; propagation between compared fields settles (no
strict cycle remains), so a plan's domains are consistent pair by pair. A comparison
involving date arithmetic between fields (:class:`Shifted`) is checked by the reference
interpreter on the drawn record; :func:`preimage` (exact, because a date shift never moves a
later day before an earlier one) narrows the field drawn second to the days that meet it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Union

import attrs

from .. import dates
from ..backends.interpreter import evaluate
from ..operators import OPERATORS, mirrored
from ..months import Month
from ..schema import Field, passes_eleven_test

__all__ = [
    "drawn_value",
    "month_starts_from",
    "And",
    "Conjunct",
    "Domain",
    "Is",
    "Leaf",
    "Link",
    "MAX_ALTERNATIVES",
    "MAX_DAY",
    "MIN_DAY",
    "Measured",
    "Node",
    "Or",
    "Plan",
    "Presence",
    "Shifted",
    "Side",
    "as_float",
    "canonical",
    "expand",
    "holds",
    "key_of",
    "neighbours",
    "narrowed",
    "near_preimages",
    "plan_of",
    "preimage",
    "sort_key",
    "value_of",
]

MAX_ALTERNATIVES = 256
"""The most alternatives (conjunctions) multiplying out one ``and`` of a ``where`` condition
may make; the items that would go beyond are checked by filtering (see the module
documentation)."""

# A date interval this short is enumerated, so that exclusions never make a draw fail.
_ENUMERATE_DAYS = 512
# So are the values of digits(n) when there are this few (n up to 3).
_ENUMERATE_DIGITS = 1000
MIN_DAY = _dt.date.min.toordinal()
MAX_DAY = _dt.date.max.toordinal()

# The relation a comparison allows between its two sides, by operator id: "<", "=", ">" for
# ordered values, "=" and "!" (different) for the others.
_ORDERED_RELATIONS = {
    "eq": frozenset("="), "ne": frozenset("<>"), "lt": frozenset("<"), "le": frozenset("<="),
    "gt": frozenset(">"), "ge": frozenset(">="),
}
_UNORDERED_RELATIONS = {"eq": frozenset("="), "ne": frozenset("!")}


# --- negation normal form: the leaves ------------------------------------------------------


@attrs.frozen
class Is:
    """``field OP value`` with the field present (a positive comparison leaf). ``shown``: the
    comparison the rulebook wrote, when this leaf was derived from it (date arithmetic), for
    the reason a condition can never hold."""

    op: str
    field: str
    value: Any
    shown: str | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Link:
    """``left OP right`` with both fields present."""

    op: str
    left: str
    right: str


@attrs.frozen
class Presence:
    field: str
    present: bool


@attrs.frozen
class Side:
    """One side of a comparison with date arithmetic: a date field moved by ``amount`` (may
    be 0) ``unit`` s, or (``field`` None) the constant ``value``."""

    field: str | None
    amount: int = 0
    unit: str = "days"
    value: _dt.date | None = None


@attrs.frozen
class Shifted:
    """A comparison between fields with date arithmetic on a side (``a > b + 1 months``), or
    with ``negated`` its negation; ``condition`` is the IR comparison itself, which the
    reference interpreter decides. Fields it reads are made present by :class:`Presence`
    leaves beside it, so it only speaks of present fields."""

    op: str
    left: Side
    right: Side
    negated: bool
    condition: Any = attrs.field(eq=False, repr=False)  # an ir.Compare


@attrs.frozen
class Measured:
    """A comparison holding a measure of a field (``length(f) > 3``) or a pattern match
    (``f matches "..."``), or with ``negated`` its negation: the reference interpreter decides
    it on the drawn record (a filter)."""

    negated: bool
    condition: Any = attrs.field(eq=False, repr=False)  # an ir.Compare


@attrs.frozen
class And:
    items: tuple[Node, ...]


@attrs.frozen
class Or:
    items: tuple[Node, ...]


Node = Union[Is, Link, Shifted, Measured, Presence, And, Or]
Leaf = Union[Is, Link, Shifted, Measured, Presence]


def holds(node: Node, record: Mapping[str, Any]) -> bool:
    """The truth of a normal-form condition; agrees with the interpreter's ``evaluate``."""
    if isinstance(node, And):
        return all(holds(item, record) for item in node.items)
    if isinstance(node, Or):
        return any(holds(item, record) for item in node.items)
    if isinstance(node, Presence):
        return (record[node.field] is not None) == node.present
    if isinstance(node, Is):
        value = record[node.field]
        return value is not None and OPERATORS[node.op].evaluate(value, node.value)
    if isinstance(node, Measured):
        return evaluate(node.condition, record) != node.negated
    if isinstance(node, Shifted):
        # The oracle decides: a shift leaving the calendar is missing, so the comparison false.
        return evaluate(node.condition, record) != node.negated
    left, right = record[node.left], record[node.right]
    return left is not None and right is not None and OPERATORS[node.op].evaluate(left, right)


# --- disjunctive normal form -----------------------------------------------------------------


@attrs.frozen
class Conjunct:
    """One alternative: leaves that must all hold, and whole conditions left to a filter."""

    leaves: tuple[Leaf, ...]
    residual: tuple[Node, ...]

    def __and__(self, other: Conjunct) -> Conjunct:
        return Conjunct(self.leaves + other.leaves, self.residual + other.residual)


def expand(node: Node) -> list[Conjunct]:
    """The alternatives of a normal-form condition.

    Only multiplying out an ``and`` can explode, so only that is capped: an item whose
    alternatives would take the product past MAX_ALTERNATIVES is kept whole, for filtering. An
    ``or`` lists its items' alternatives, as many as the condition has words at most times the
    cap.
    """
    if isinstance(node, Or):
        return [c for item in node.items for c in expand(item)]
    if isinstance(node, And):
        # Multiply out the small expansions first, so that what is left to filtering is the
        # few items with many alternatives.
        expansions = sorted(((expand(item), item) for item in node.items), key=lambda e: len(e[0]))
        alternatives = [Conjunct((), ())]
        for expansion, item in expansions:
            if len(alternatives) * len(expansion) <= MAX_ALTERNATIVES:
                alternatives = [a & b for a in alternatives for b in expansion]
            else:
                alternatives = [a & Conjunct((), (item,)) for a in alternatives]
        return alternatives
    return [Conjunct((node,), ())]


# --- domains ---------------------------------------------------------------------------------


def canonical(number: int | float) -> int | float:
    """A number as the schema reads it: an integral float becomes an int."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def key_of(kind: str, value: Any) -> Any:
    """A value as domains hold it: dates as day ordinals (so they step by 1), numbers canonical."""
    if isinstance(value, frozenset):
        return frozenset(key_of(kind, v) for v in value)
    if kind == "date":
        return value.toordinal()
    if kind == "number":
        return canonical(value)
    return value


def value_of(kind: str, key: Any) -> Any:
    return _dt.date.fromordinal(key) if kind == "date" else key


def month_starts_from(lo: int, count: int, hi: int = MAX_DAY) -> list[int]:
    """The first ``count`` first days (as day ordinals) from ``lo`` on, up to ``hi``."""
    day = _dt.date.fromordinal(lo)
    index = day.year * 12 + day.month - 1 + (day.day != 1)
    starts: list[int] = []
    while len(starts) < count:
        year, month = divmod(index, 12)
        if year > 9999:
            break
        start = _dt.date(year, month + 1, 1).toordinal()
        if start > hi:
            break
        starts.append(start)
        index += 1
    return starts


def drawn_value(domain: Domain, key: Any) -> Any:
    """The typed value of a drawn key: a month field's first day is a :class:`Month`."""
    value = value_of(domain.kind, key)
    return Month.of(value) if domain.months else value


def as_float(number: int | float) -> float:
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _symbol(op: str) -> str:
    return OPERATORS[op].symbol


def _show(kind: str, key: Any) -> str:
    if isinstance(key, frozenset):
        return "{" + ", ".join(sorted(_show(kind, k) for k in key)) + "}"
    value = value_of(kind, key)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if kind == "text":
        return f'"{value}"'
    return str(value)


@attrs.frozen
class Domain:
    """The values one field may take in one alternative. Values are keys (see ``key_of``)."""

    name: str
    kind: str  # the type's base: code, text, number, date, boolean
    optional: bool
    codes: tuple[str, ...] | None
    present: bool | None  # None: present or missing
    # Keys of the domain's kind (see key_of): ordinals, numbers, texts or booleans, hence Any.
    allowed: frozenset[Any] | None = None  # None: any value of the type
    excluded: frozenset[Any] = frozenset()
    lo: Any = None
    lo_strict: bool = False
    hi: Any = None
    hi_strict: bool = False
    conflict: str | None = None  # why no value fits, when presence alone decides it
    why: tuple[str, ...] = ()  # the comparisons applied, for the error message
    # A text type that takes only some texts (bsn, digits(n)): its name and length.
    text_type: str | None = None
    length: int | None = None
    months: bool = False  # a month field: its days are first days only

    @classmethod
    def of(cls, field: Field) -> Domain:
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
            domain = attrs.evolve(domain, lo=MIN_DAY, hi=MAX_DAY,
                                  months=field.type.name == "month")
        return domain

    # -- narrowing --

    def with_presence(self, present: bool) -> Domain:
        if self.present is not None and self.present != present:
            if not self.optional:
                return attrs.evolve(self, conflict=f"'{self.name}' is required, so never missing")
            return attrs.evolve(
                self, conflict=f"'{self.name}' cannot be both missing and present")
        return attrs.evolve(self, present=present)

    def meets(self, op: str, key: Any, why: str | None = None) -> Domain:
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

    def restrict(self, values: frozenset[Any]) -> Domain:
        allowed = values if self.allowed is None else self.allowed & values
        return attrs.evolve(self, allowed=allowed)

    def above(self, key: Any, strict: bool) -> Domain:
        if self.kind == "date" and strict:  # whole days: > d is >= d + 1
            key, strict = key + 1, False
        if self.lo is None or key > self.lo or (key == self.lo and strict and not self.lo_strict):
            return attrs.evolve(self, lo=key, lo_strict=strict)
        return self

    def below(self, key: Any, strict: bool) -> Domain:
        if self.kind == "date" and strict:
            key, strict = key - 1, False
        if self.hi is None or key < self.hi or (key == self.hi and strict and not self.hi_strict):
            return attrs.evolve(self, hi=key, hi_strict=strict)
        return self

    def meet(self, other: Domain) -> Domain:
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
            return (isinstance(key, int) and MIN_DAY <= key <= MAX_DAY
                    and (not self.months or _dt.date.fromordinal(key).day == 1))
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
                ordered = sorted(self.allowed, key=sort_key)
            return [key for key in ordered if self.admits(key)]
        if self.length is not None and 10**self.length <= _ENUMERATE_DIGITS:
            return [key for n in range(10**self.length)
                    if self.admits(key := f"{n:0{self.length}d}")]
        if self.kind == "date" and self.hi - self.lo < _ENUMERATE_DAYS:
            return [day for day in range(self.lo, self.hi + 1) if day not in self.excluded
                    and (not self.months or self.valid(day))]
        if (self.kind == "number" and self.lo is not None and self.lo == self.hi
                and not self.lo_strict and not self.hi_strict):
            return [self.lo] if self.admits(self.lo) else []
        return None

    def integers(self) -> tuple[int | None, int | None]:
        """The least and greatest integer in the interval (None: unbounded).

        Bounds are keys: an int, or a float that is not an integer (see ``canonical``).
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
        lo = -math.inf if self.lo is None else as_float(self.lo)
        hi = math.inf if self.hi is None else as_float(self.hi)
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
        if self.months:
            # The first days from lo on: one of the first len(excluded) + 1 that lie
            # within hi is not excluded, if any is.
            return any(self.admits(day) for day in month_starts_from(
                self.lo, len(self.excluded) + 1, self.hi))
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


def sort_key(key: Any) -> tuple[int, Any]:
    # Sorts booleans, numbers and texts of one field; False before True.
    return (0, key) if not isinstance(key, str) else (1, key)


# --- plans: an alternative made ready to draw --------------------------------------------------


@attrs.frozen
class Plan:
    domains: dict[str, Domain]
    links: tuple[Link, ...]
    order: tuple[str, ...]  # draw order: the smaller side of an ordered comparison first
    residual: tuple[Node, ...]
    # Comparisons with date arithmetic between fields: in ``residual`` too, and used to narrow
    # the field drawn second.
    shifted: tuple[Shifted, ...] = ()


def plan_of(conjunct: Conjunct, fields: Mapping[str, Field]) -> Plan | str:
    """The domains of one alternative, or a sentence saying why it can never hold."""
    domains = {name: Domain.of(field) for name, field in fields.items()}
    links: list[Link] = []
    shifted: list[Shifted] = []
    measured: list[Measured] = []
    for leaf in conjunct.leaves:
        if isinstance(leaf, Measured):
            measured.append(leaf)
        elif isinstance(leaf, Shifted):
            shifted.append(leaf)
        elif isinstance(leaf, Presence):
            domains[leaf.field] = domains[leaf.field].with_presence(leaf.present)
        elif isinstance(leaf, Is):
            kind = domains[leaf.field].kind
            why: str | None = leaf.shown or \
                f"{leaf.field} {_symbol(leaf.op)} {_show(kind, key_of(kind, leaf.value))}"
            if why in domains[leaf.field].why:  # one written comparison, several leaves
                why = None
            domains[leaf.field] = domains[leaf.field].meets(leaf.op, key_of(kind, leaf.value), why)
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
    order = _shifted_order(list(_draw_order(list(fields), links, domains)), shifted, domains)
    return Plan(domains, tuple(links), tuple(order), conjunct.residual + tuple(measured) + tuple(shifted),
                tuple(shifted))


def _shifted_order(order: list[str], shifted: Sequence[Shifted],
                   domains: Mapping[str, Domain]) -> list[str]:
    """The draw order with, of two fields compared with date arithmetic, the one with fewer
    days first: the other is then narrowed to the days that meet it (the reverse would
    draw the wide one freely and seldom leave the narrow one a day)."""
    for leaf in shifted:
        one, other = leaf.left.field, leaf.right.field
        if leaf.negated or one is None or other is None or one == other:
            continue
        first, second = sorted((one, other), key=order.index)
        if domains[second].hi - domains[second].lo < domains[first].hi - domains[first].lo:
            order.remove(second)
            order.insert(order.index(first), second)
    return order


def _ordered(domains: Mapping[str, Domain], link: Link) -> bool:
    return domains[link.left].kind in ("number", "date")


def _pairs_consistent(links: Sequence[Link], domains: Mapping[str, Domain]) -> str | None:
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
            op, pair = mirrored(op), (link.right, link.left)
        allowed = relations.get(pair, table["eq"] | table["ne"]) & table[op]
        if not allowed:
            return f"the comparisons of '{pair[0]}' with '{pair[1]}' contradict each other"
        relations[pair] = allowed
    return None


def _edges(links: Sequence[Link], domains: Mapping[str, Domain]) -> list[tuple[str, str, bool]]:
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


def _no_strict_cycle(links: Sequence[Link], domains: Mapping[str, Domain]) -> str | None:
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


def _propagate(links: Sequence[Link], domains: dict[str, Domain]) -> str | None:
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


def _draw_order(names: list[str], links: Sequence[Link], domains: Mapping[str, Domain]) -> tuple[str, ...]:
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


def neighbours(kind: str, key: Any) -> list[Any]:
    """The key and its neighbours: the values on either side of a boundary at ``key``."""
    if kind == "date":
        return [day for day in (key - 1, key, key + 1) if MIN_DAY <= day <= MAX_DAY]
    if kind == "number" and not isinstance(key, bool):
        near = [key - 1, key, key + 1]
        if abs(as_float(key)) < 2.0**52:  # beyond, no float lies between two integers
            near += [canonical(key - 0.5), canonical(key + 0.5)]
        if isinstance(key, float):
            near += [math.nextafter(key, -math.inf), math.nextafter(key, math.inf)]
        return near
    return [key]


# --- date arithmetic: the days whose shift meets a comparison --------------------------------


def _moved(day: int, amount: int, unit: str) -> int | None:
    moved = dates.shift(_dt.date.fromordinal(day), amount, unit)
    return None if moved is None else moved.toordinal()


def _first(test: Callable[[int], bool], lo: int, hi: int) -> int:
    """The least day in ``lo..hi`` passing a test that, once passed, stays passed (hi + 1 if
    none does)."""
    while lo <= hi:
        middle = (lo + hi) // 2
        if test(middle):
            hi = middle - 1
        else:
            lo = middle + 1
    return lo


@functools.lru_cache(maxsize=4096)
def preimage(op: str, amount: int, unit: str, target: int) -> tuple[int, int, frozenset[int]]:
    """The days ``d`` (ordinals) whose shift by ``amount unit`` s is in the calendar and meets
    ``shift(d) OP target``: every day from ``lo`` to ``hi`` but those in ``excluded`` (an empty
    set when lo > hi). Exact, because a shift never moves a later day before an earlier one
    (months clamp: Jan 29, 30 and 31 of 2023 all move by a month to Feb 28)."""
    # Days whose shift leaves the calendar lie at one end: the last days for a move forward.
    lo = _first(lambda d: _moved(d, amount, unit) is not None, MIN_DAY, MAX_DAY) \
        if amount < 0 else MIN_DAY
    hi = _first(lambda d: _moved(d, amount, unit) is None, MIN_DAY, MAX_DAY) - 1 \
        if amount > 0 else MAX_DAY

    def moved(day: int) -> int:
        shifted = _moved(day, amount, unit)
        assert shifted is not None  # lo..hi are the days whose shift stays in the calendar
        return shifted

    reaching = _first(lambda d: moved(d) >= target, lo, hi)
    passing = _first(lambda d: moved(d) > target, lo, hi)
    if op == "eq":
        return reaching, passing - 1, frozenset()
    if op == "ne":
        return lo, hi, frozenset(range(reaching, passing))
    if op == "gt":
        return passing, hi, frozenset()
    if op == "ge":
        return reaching, hi, frozenset()
    if op == "lt":
        return lo, reaching - 1, frozenset()
    if op == "le":
        return lo, passing - 1, frozenset()
    raise ValueError(f"no date arithmetic with operator {op!r}")


def narrowed(domain: Domain, op: str, amount: int, unit: str, target: int) -> Domain:
    """``domain`` with ``field + amount unit OP target`` applied (the field present)."""
    lo, hi, excluded = preimage(op, amount, unit, target)
    domain = domain.above(lo, False).below(hi, False)
    return attrs.evolve(domain.with_presence(True), excluded=domain.excluded | excluded)


def near_preimages(amount: int, unit: str, target: int) -> list[int]:
    """The days whose shift lands on ``target`` or a day beside it, and the last day before
    and first day after those: where ``field + amount unit`` crosses a boundary at target."""
    below, above = preimage("lt", amount, unit, target), preimage("gt", amount, unit, target)
    landing = preimage("eq", amount, unit, target)
    near = {below[1], above[0], *range(landing[0], landing[1] + 1)}
    # The day before and after a landing day (a step of months moves several days onto one).
    near.update(d for day in list(near) for d in (day - 1, day + 1))
    return sorted(d for d in near if MIN_DAY <= d <= MAX_DAY)
