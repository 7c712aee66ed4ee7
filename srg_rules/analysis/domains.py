"""Finite domains: the few values of each field that stand for all of its valid values.

Input: an :class:`ir.Program` (its schema and the constants and field-to-field comparisons in
every rule and expectation). Output: :func:`from_program` gives each field a :class:`Domain`,
a short tuple of valid typed values (``points``) and the indices of the points the field may
take. :mod:`srg_rules.analysis.encoding` encodes a field as an index into its points, so the solver
only ever sees integers.

What "valid" means here is what :meth:`Schema.read` can produce without a problem: a listed code
that reads back as itself (not blank, no surrounding spaces), a non-blank text without
surrounding spaces (for ``bsn`` and ``digits(n)``: one that type reads as itself, so n ASCII
digits, passing the 11-test for a BSN), any int or finite float, a date from 0001-01-01 to
9999-12-31 (for a ``month``, a first day), a boolean.

Invariants (the reason the analysis is exact):

1. Every point is a valid value of every field that may take it; a constant that no valid
   value equals (``name = ""``) is not a point, so a comparison with it is never true.
2. Fields compared with each other (``end_date < start_date``) form a *component* and share one
   tuple of points; a field compared with no other field is a component of its own.
3. Abstraction: for every valid record there is a record over the points on which every
   comparison of the program has the same truth. Ordered types (number, date): the points hold
   every constant, and between two neighbouring constants (and below the least, above the
   greatest) ``min(k, n)`` valid values, where ``k`` is the size of the component and ``n`` the
   number of valid values there. A record's values in such an interval are at most ``k`` and
   at most ``n`` distinct values, so an order-preserving map onto the points that fixes the
   constants exists, and it keeps every ``<``, ``=``, ``in`` and field-to-field comparison.
   A component holding a ``month`` field (first days only) takes first days between the
   constants instead, and days between those for its date fields (see ``_month_points``).
   Codes and booleans: every valid value is a point. Texts: a value equal to a constant stays;
   the others (at most ``k`` distinct) map one-to-one onto ``k`` fresh texts that equal no
   constant, which keeps every ``=``, ``!=``, ``in`` and field-to-field comparison (with
   ``k`` fresh values for each type of text in the component, each valid for its type, so
   that a value maps to one its fields can hold). Missing
   stays missing. Conversely every point is a valid value, so nothing the points allow is
   impossible.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import attrs

from .. import ir
from ..months import is_month_start
from ..schema import Field, Scalar, ValueType, passes_eleven_test
from .encoding import comparisons

__all__ = ["Domain", "from_program", "is_valid"]

_FLOAT_MAX = Fraction(sys.float_info.max)
_DATE_MIN = _dt.date.min.toordinal()
_DATE_MAX = _dt.date.max.toordinal()
_DATE_ANCHOR = _dt.date(2000, 1, 1).toordinal()  # where dates start when no constant says


@attrs.frozen
class Domain:
    """The values that stand for all valid values of one field.

    Attributes:
        field: the declared field.
        points: the values of the field's component, ascending for numbers and dates.
        allowed: the indices into ``points`` this field may take, ascending (a code field only
            takes its own codes when it is compared with another code field).
    """

    field: Field
    points: tuple[Any, ...]
    allowed: tuple[int, ...]
    _index: dict[Any, int] = attrs.field(eq=False, repr=False)
    moves: tuple[int, ...] = ()
    """For a month field, the whole months it is moved by where compared with a field
    (``d < m + 1 months``: 1), ascending."""

    def index(self, value: Any) -> int | None:
        """The index of a constant among the points, or None when no valid value equals it.

        >>> from srg_rules import parse
        >>> domains = from_program(parse("field hours: number\\ninclude when hours > 10").program)
        >>> hours = domains["hours"]
        >>> hours.points, hours.index(10)
        ((9, 10, 11), 1)
        """
        try:
            return self._index.get(value)
        except TypeError:  # an unhashable value cannot be a point
            return None

    def ranges(self) -> Iterator[tuple[int, int]]:
        """The allowed indices as inclusive runs ``(first, last)``."""
        run: list[int] = []
        for i in self.allowed:
            if run and i != run[-1] + 1:
                yield run[0], run[-1]
                run = []
            run.append(i)
        if run:
            yield run[0], run[-1]


def is_valid(field: Field, value: Any) -> bool:
    """Whether ``value`` is a typed value that reading a record can give ``field``.

    >>> from srg_rules import parse
    >>> person = parse("field p: bsn\\ninclude when p is present").program.schema.fields["p"]
    >>> is_valid(person, "999990019"), is_valid(person, "999990018"), is_valid(person, "other")
    (True, False, False)
    """
    kind = field.type.base
    if kind in ("code", "text"):
        if not isinstance(value, str) or not value or value != value.strip():
            return False
        if field.codes is not None:
            return value in field.codes
        # bsn and digits(n) are texts that their own reading must accept as they are.
        return field.type.name == "text" or field.read(value) == (value, None)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return isinstance(value, int) or math.isfinite(value)
    if kind == "date":
        return (isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
                and (field.type.name != "month" or is_month_start(value)))
    return isinstance(value, bool)


def from_program(program: ir.Program, extra: Iterable[ir.Condition] = ()) -> dict[str, Domain]:
    """A :class:`Domain` for every field of the program's schema, in schema order.

    ``extra``: further conditions whose constants the domains must tell apart (an analysis's
    assumptions).
    """
    fields = program.schema.fields
    compared = comparisons(program, extra)
    members_of: dict[str, list[Field]] = {}
    for name, field in fields.items():
        members_of.setdefault(compared.components[name], []).append(field)
    domains: dict[str, Domain] = {}
    for members in members_of.values():
        constants = [c for f in members for c in compared.constants[f.name]]
        step = max(compared.steps.get(f.name, 0) for f in members)
        if step and len(_months_near(constants, len(members), step)) > _MOST_MONTHS:
            step = 0  # too many months to keep: the encoder over-approximates the moves
        domains.update(_component(
            members, constants, step=step,
            lengths=[n for f in members for n in compared.lengths.get(f.name, ())]))
        for name in (f.name for f in members):
            moves = sorted({months for _, month, months in compared.stepped if month == name})
            if step and moves:
                domains[name] = attrs.evolve(domains[name], moves=tuple(moves))
    return {name: domains[name] for name in fields}


def _component(members: list[Field], constants: list[Any], step: int = 0,
               lengths: Sequence[Any] = ()) -> dict[str, Domain]:
    kind = members[0].type.base  # fields are compared only with fields of the same base
    size = len(members)
    points: list[Scalar]
    if kind == "number":
        points = list(_number_points([c for c in constants if is_valid(members[0], c)], size))
    elif kind == "date" and step:
        points = list(_stepped_month_points(constants, size, step,
                                            days=any(f.type.name != "month" for f in members)))
    elif kind == "date" and any(f.type.name == "month" for f in members):
        points = list(_month_points(constants, size,
                                    days=any(f.type.name != "month" for f in members)))
    elif kind == "date":
        points = list(_date_points(constants, size))
    elif kind == "boolean":
        points = [False, True]
    elif kind == "code":
        points = _unique(code for f in members for code in (f.codes or ()))
        points = [p for p in points if any(is_valid(f, p) for f in members)]
    else:
        points = _unique(c for c in constants if any(is_valid(f, c) for f in members))
        # Fresh values for each type of text the component holds: a value held by fields of
        # several types is valid for the narrowest of them (a bsn is digits(9) is text, and
        # no other two of them share a value), which has as many fresh points as fields.
        taken = set(constants)
        for value_type in _unique(f.type for f in members):
            fresh = _fresh_texts(taken, size, value_type)
            if value_type.name == "text" and lengths:
                # ... and of every length its length comparisons tell apart.
                fresh += [text for length in _lengths_apart(lengths)
                          for text in _texts_of_length(length, taken | set(fresh), size)]
            points += fresh
            taken.update(fresh)
    index = {value: i for i, value in enumerate(points)}
    return {
        f.name: Domain(
            f, tuple(points), tuple(i for i, p in enumerate(points) if is_valid(f, p)), index
        )
        for f in members
    }


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _fresh_texts(taken: set[Any], count: int, value_type: ValueType) -> list[str]:
    """``count`` valid texts of the type equal to no constant (fewer when the type has fewer
    values left): other, other2, ... for a text; for ``digits(n)`` 0...0, 0...1, ...; for a
    BSN the test numbers from 999990000 up that pass the 11-test."""
    if value_type.name == "bsn":
        candidates: Iterable[str] = (f"{n:09d}" for n in range(999_990_000, 10**9)
                                     if passes_eleven_test(f"{n:09d}"))
    elif value_type.length is not None:
        candidates = (f"{n:0{value_type.length}d}" for n in range(10**value_type.length))
    else:
        candidates = ("other" if n == 1 else f"other{n}" for n in itertools.count(1))
    return list(itertools.islice((c for c in candidates if c not in taken), count))


def _lengths_apart(bounds: Iterable[Any]) -> list[int]:
    """Lengths (at least 1: a text is never blank) among which every class of lengths that
    comparisons with ``bounds`` tell apart has one: each bound's neighbours.

    >>> _lengths_apart([15, 2.5])
    [1, 2, 3, 4, 14, 15, 16, 17]
    """
    lengths = {1}
    for bound in bounds:
        low = math.floor(bound)
        lengths.update(n for n in (low - 1, low, low + 1, low + 2) if n >= 1)
    return sorted(lengths)


def _texts_of_length(length: int, taken: set[Any], count: int) -> list[str]:
    """``count`` texts of ``length`` characters equal to no taken value: x...x0, x...x1 ..."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwyz"
    found: list[str] = []
    for digits in itertools.count(1):
        if digits > length:
            break
        for suffix in itertools.product(alphabet, repeat=digits):
            text = "x" * (length - digits) + "".join(suffix)
            if text not in taken:
                found.append(text)
                if len(found) == count:
                    return found
    return found


# --- ordered types -------------------------------------------------------------------------


def _number_points(constants: list[int | float], size: int) -> list[int | float]:
    exact = sorted({Fraction(c) for c in constants})
    points = [_canonical_number(c) for c in exact]
    bounds = [None, *exact, None]
    for lo, hi in zip(bounds, bounds[1:]):
        points.extend(_numbers_between(lo, hi, size))
    return sorted(points, key=Fraction)


def _canonical_number(value: Fraction) -> int | float:
    """The typed value reading gives: an int when integral, else the float (exact here)."""
    return int(value) if value.denominator == 1 else float(value)


def _numbers_between(lo: Fraction | None, hi: Fraction | None, count: int) -> list[int | float]:
    """Up to ``count`` valid numbers strictly between ``lo`` and ``hi`` (None: unbounded),
    the simplest first: integers, then decimals with few digits, then neighbouring floats."""
    if lo is None and hi is None:
        return list(range(count))
    if lo is None:
        assert hi is not None  # both unbounded is answered above
        top = math.ceil(hi) - 1
        return [top - k for k in range(count)]
    if hi is None:
        bottom = math.floor(lo) + 1
        return [bottom + k for k in range(count)]
    found: dict[Fraction, int | float] = {}
    n = math.floor(lo) + 1
    while len(found) < count and n < hi:  # every int is valid
        found[Fraction(n)] = n
        n += 1
    for digits in range(1, 18):
        if len(found) >= count or abs(lo) >= _FLOAT_MAX:  # no floats out there but ints
            break
        scale = 10**digits
        n = math.floor(lo * scale) + 1
        # A few tries per length: where floats are sparser than the decimals (beyond 2**53)
        # they all round outside, and the walk below is the way.
        for _ in range(4 * count):
            if len(found) >= count or Fraction(n, scale) >= hi:
                break
            value = float(Fraction(n, scale))
            if lo < Fraction(value) < hi:
                found.setdefault(Fraction(value), _canonical_number(Fraction(value)))
            n += 1
    if len(found) < count:
        # No short decimal fits (the constants are neighbouring floats or nearly so): walk
        # the floats up from lo. Ints beyond the float range have no float between them.
        value = float(lo) if abs(lo) < _FLOAT_MAX else math.inf
        while math.isfinite(value) and Fraction(value) <= lo:
            value = math.nextafter(value, math.inf)
        while len(found) < count and math.isfinite(value) and Fraction(value) < hi:
            found.setdefault(Fraction(value), _canonical_number(Fraction(value)))
            value = math.nextafter(value, math.inf)
    return list(found.values())


def _date_points(constants: list[_dt.date], size: int) -> list[_dt.date]:
    exact = sorted({c.toordinal() for c in constants})
    ordinals = list(exact)
    if not exact:
        ordinals = [_DATE_ANCHOR + k for k in range(size)]
    else:
        bounds = [_DATE_MIN - 1, *exact, _DATE_MAX + 1]
        for lo, hi in zip(bounds, bounds[1:]):
            if lo == _DATE_MIN - 1:  # below the least constant: count down from it
                ordinals.extend(range(hi - 1, max(lo, hi - 1 - size), -1))
            else:
                ordinals.extend(range(lo + 1, min(hi, lo + 1 + size)))
    return [_dt.date.fromordinal(o) for o in sorted(ordinals)]


def _month_points(constants: list[_dt.date], size: int, days: bool) -> list[_dt.date]:
    """The points of a component holding a ``month`` field (whose values are first days),
    and, when ``days``, date fields too.

    Between two neighbouring constants: the ``size`` month starts nearest the lower one (the
    upper one below the least constant), which carry any ``size`` values of the interval in
    order, month or not. When the interval has fewer month starts than that, every one of
    them is a point, and (for the date fields) so are ``size`` days in each gap between
    them: a record's month values stay where they are and its other values map into the
    gaps, in order.
    """
    exact = sorted({c.toordinal() for c in constants})
    if not exact:
        return [_dt.date(2000 + k // 12, k % 12 + 1, 1) for k in range(size)]
    ordinals = set(exact)
    bounds = [_DATE_MIN - 1, *exact, _DATE_MAX + 1]
    for lo, hi in zip(bounds, bounds[1:]):
        starts = _month_starts_between(lo, hi, size, downwards=lo == _DATE_MIN - 1)
        ordinals.update(starts)
        if days and len(starts) < size:
            cuts = [lo, *sorted(starts), hi]
            for low, high in zip(cuts, cuts[1:]):
                if low == _DATE_MIN - 1:
                    ordinals.update(range(high - 1, max(low, high - 1 - size), -1))
                else:
                    ordinals.update(range(low + 1, min(high, low + 1 + size)))
    return [_dt.date.fromordinal(o) for o in sorted(ordinals)]


def _stepped_month_points(constants: list[_dt.date], size: int, step: int,
                          days: bool) -> list[_dt.date]:
    """The points of a component holding a month field compared with fields across a move of
    up to ``step`` whole months (``d < m + 1 months``).

    Such a comparison depends only on how many months apart the two values lie (up to
    ``step + 1``: further apart is all the same) and on whether the other is a first day. So:
    every month start within ``(size + 1) * (step + 1) + 1`` months of a constant (room for
    the ``size`` values of a record, each within ``step + 1`` months of the next or further,
    beside each constant), and, for date fields, ``size`` days after each month start and
    each constant (the values inside one month, in order). A record's values map onto these
    keeping their order, their distances in months up to ``step + 1``, and first days.
    """
    exact = sorted({c.toordinal() for c in constants})
    ordinals = set(exact)
    ordinals.update(_dt.date(n // 12, n % 12 + 1, 1).toordinal()
                    for n in _months_near(constants, size, step))
    if days:
        cuts = sorted(ordinals)
        for low, high in zip(cuts, [*cuts[1:], _DATE_MAX + 1]):
            ordinals.update(range(low + 1, min(high, low + 1 + size)))
    return [_dt.date.fromordinal(o) for o in sorted(ordinals)]


# The most month starts a component with moved months keeps (two centuries); beyond, its
# moves are over-approximated rather than the analysis slowed to a crawl.
_MOST_MONTHS = 2400


def _months_near(constants: list[_dt.date], size: int, step: int) -> set[int]:
    """The months (``year * 12 + month - 1``) within ``(size + 1) * (step + 1) + 1`` of a
    constant (of 2000-01 when there is none), in the calendar."""
    reach = (size + 1) * (step + 1) + 1
    months: set[int] = set()
    for day in set(constants) or {_dt.date(2000, 1, 1)}:
        number = day.year * 12 + day.month - 1
        months.update(range(max(number - reach, 12), min(number + reach + 1, 10000 * 12)))
    return months


def _month_starts_between(lo: int, hi: int, count: int, downwards: bool) -> list[int]:
    """Up to ``count`` first days strictly between the day ordinals ``lo`` and ``hi`` (each
    may lie one beyond the calendar), nearest ``lo``, or nearest ``hi`` when ``downwards``."""
    found: list[int] = []
    if downwards:
        if hi - 1 < _DATE_MIN:
            return found
        day = _dt.date.fromordinal(hi - 1)
        year, month = day.year, day.month
        while len(found) < count and year >= 1:
            start = _dt.date(year, month, 1).toordinal()
            if start <= lo:
                break
            found.append(start)
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return found
    if lo + 1 > _DATE_MAX:
        return found
    day = _dt.date.fromordinal(lo + 1)
    year, month = day.year, day.month
    if day.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while len(found) < count and year <= 9999:
        start = _dt.date(year, month, 1).toordinal()
        if start >= hi:
            break
        found.append(start)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found
