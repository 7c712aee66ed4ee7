"""Numbers in SQL, compared exactly as Python compares them.

Place in the pipeline: used by :mod:`srg_rules.backends.sql.conditions` for comparisons of
numbers. Input: number operands (a DOUBLE ``value``, and for an integer text its ``integer``
flag, ``negative`` sign and ``digits``) and Python constants. Output: SQL boolean expressions
(NULL only where an operand is; the caller makes them two-valued).

Python compares an int and a float exactly, and keeps an integer text as an exact int of
any size. A DOUBLE decides every comparison but one: rounding never reverses an order, so
when two values' DOUBLEs differ, so do the values, in the same direction. When they are
equal and one side is an integer text, the integer's digits decide. Below 2**53 every
integer is its DOUBLE, so no digits are needed there.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from sqlglot import exp

from .builders import and_, case, comparison, double, in_, is_not_null, is_null, not_, or_, string

__all__ = ["Integer", "NumberOperand", "number_vs_constants", "number_vs_number"]

_MAX_EXACT_INT = 2**53  # every integer up to this size is exactly a DOUBLE


class NumberOperand(Protocol):
    """What a number comparison reads of an operand (a number field's Reader is one)."""

    value: exp.Expression  # the DOUBLE, NULL when missing or invalid
    integer: exp.Expression  # whether the text is an integer text
    negative: exp.Expression  # the integer's sign
    digits: exp.Expression  # the integer's digits without leading zeros


def _next_down(value: float) -> float:
    return math.nextafter(value, -math.inf)


def _next_up(value: float) -> float:
    return math.nextafter(value, math.inf)


def _outcome_of_order(op: str, order: int) -> bool:
    """``a OP b`` when ``a`` is below (-1), equal to (0) or above (1) ``b``."""
    return {"eq": order == 0, "ne": order != 0, "lt": order < 0, "le": order <= 0,
            "gt": order > 0, "ge": order >= 0}[op]


class Integer:
    """An exact integer in SQL: its sign and its digits without leading zeros."""

    def __init__(self, negative: exp.Expression | bool, digits: exp.Expression | str):
        self.negative = negative
        self.digits = digits

    def is_negative(self) -> exp.Expression:
        return exp.true() if self.negative is True else exp.false() if self.negative is False \
            else self.negative.copy()

    def digit_text(self) -> exp.Expression:
        return string(self.digits) if isinstance(self.digits, str) else self.digits.copy()

    def length(self) -> exp.Expression:
        if isinstance(self.digits, str):
            return exp.Literal.number(len(self.digits))
        return exp.Length(this=self.digits.copy())

    @staticmethod
    def magnitude_below(a: Integer, b: Integer) -> exp.Expression:
        return or_([comparison("lt", a.length(), b.length()),
                    and_([comparison("eq", a.length(), b.length()),
                          comparison("lt", a.digit_text(), b.digit_text())])])

    def below(self, other: Integer) -> exp.Expression:
        if other.negative is False:
            return or_([self.is_negative(), Integer.magnitude_below(self, other)])
        if other.negative is True:
            return and_([self.is_negative(), Integer.magnitude_below(other, self)])
        return or_([
            and_([self.is_negative(), not_(other.is_negative())]),
            and_([comparison("eq", self.is_negative(), other.is_negative()),
                  or_([and_([not_(self.is_negative()), Integer.magnitude_below(self, other)]),
                       and_([self.is_negative(), Integer.magnitude_below(other, self)])])]),
        ])

    def equal(self, other: Integer) -> exp.Expression:
        return and_([comparison("eq", self.is_negative(), other.is_negative()),
                     comparison("eq", self.digit_text(), other.digit_text())])

    def compare(self, op: str, other: Integer) -> exp.Expression:
        if op == "eq":
            return self.equal(other)
        if op == "ne":
            return not_(self.equal(other))
        if op == "lt":
            return self.below(other)
        if op == "gt":
            return other.below(self)
        if op == "le":
            return not_(other.below(self))
        return not_(self.below(other))  # ge

    @classmethod
    def of(cls, value: int) -> Integer:
        return cls(value < 0, str(abs(value)))

    @classmethod
    def of_operand(cls, reader: NumberOperand) -> Integer:
        return cls(reader.negative, reader.digits)


def _exactly_double(value: int | float) -> bool:
    if isinstance(value, float):
        return True
    try:
        return int(float(value)) == value
    except OverflowError:
        return False


def _doubles_around(value: int) -> tuple[float, float]:
    """The greatest DOUBLE below and the least above an integer no DOUBLE equals."""
    try:
        nearest = float(value)
    except OverflowError:
        largest = _next_down(math.inf)
        return (largest, math.inf) if value > 0 else (-math.inf, -largest)
    if int(nearest) < value:
        return nearest, _next_up(nearest)
    return _next_down(nearest), nearest


def _number_vs_constant(reader: NumberOperand, op: str, constant: int | float) -> exp.Expression:
    value = reader.value
    if isinstance(constant, float) and math.isinf(constant):
        # Every present value (a finite float, or an int however large) is below +inf.
        order = -1 if constant > 0 else 1
        return is_not_null(value) if _outcome_of_order(op, order) else exp.false()
    if _exactly_double(constant) and abs(constant) < _MAX_EXACT_INT:
        return comparison(op, value, double(float(constant)))
    exact = Integer.of_operand(reader).compare(op, Integer.of(int(constant)))
    if _exactly_double(constant):
        approximate = comparison(op, value.copy(), double(float(constant)))
    else:
        # No DOUBLE equals it: a float compares with the DOUBLEs around it.
        below, above = _doubles_around(int(constant))
        approximate = {
            "eq": exp.false(), "ne": is_not_null(value.copy()),
            "lt": comparison("le", value.copy(), double(below)),
            "le": comparison("le", value.copy(), double(below)),
            "gt": comparison("ge", value.copy(), double(above)),
            "ge": comparison("ge", value.copy(), double(above)),
        }[op]
    return case([(reader.integer, exact)], approximate)


def number_vs_constants(reader: NumberOperand, op: str, constant: Any) -> exp.Expression:
    if op not in ("in_set", "not_in_set"):
        return _number_vs_constant(reader, op, constant)
    small = sorted(float(c) for c in constant
                   if _exactly_double(c) and abs(c) < _MAX_EXACT_INT)
    large = sorted((c for c in constant if not (_exactly_double(c) and abs(c) < _MAX_EXACT_INT)),
                   key=float)
    tests = ([in_(reader.value, [double(c) for c in small])] if small else []) + [
        _number_vs_constant(reader, "eq", c) for c in large]
    found = or_(tests)
    return found if op == "in_set" else and_([is_not_null(reader.value), not_(found)])


def number_vs_number(left: NumberOperand, right: NumberOperand, op: str,
                     dialect: str | None = None) -> exp.Expression:
    a, b = left.value, right.value
    both_integers = and_([left.integer, right.integer])
    exact = Integer.of_operand(left).compare(op, Integer.of_operand(right))
    by_double = comparison(op, a.copy(), b.copy())
    # Equal DOUBLEs, one an integer text, the other a float (an integer-valued DOUBLE of
    # 2**53 or more, finite: a valid number is): the float's own digits decide. DuckDB's
    # BIGNUM (1.4) holds them exactly at any size; elsewhere CAST AS BIGINT does below 2**63,
    # and beyond (19 digits and more) they count as equal (docs/engines.md).
    whole = "BIGNUM" if dialect == "duckdb" else "BIGINT"
    float_side = case([(left.integer, b.copy())], a.copy())
    float_digits = exp.cast(exp.cast(exp.Abs(this=float_side), whole), "VARCHAR")
    float_integer = Integer(comparison("lt", float_side.copy(), exp.Literal.number(0)),
                             float_digits)
    left_exact = case([
        (left.integer, Integer.of_operand(left).compare(op, float_integer)),
    ], float_integer.compare(op, Integer.of_operand(right)))
    tie = exp.true() if _outcome_of_order(op, 0) else exp.false()
    cases = [
        (or_([is_null(a.copy()), is_null(b.copy())]), exp.false()),
        (both_integers, exact),
        (or_([comparison("ne", a.copy(), b.copy()),
              not_(or_([left.integer, right.integer]))]), by_double),
        (comparison("lt", exp.Abs(this=a.copy()), double(float(_MAX_EXACT_INT))), tie.copy()),
    ]
    if whole == "BIGNUM":
        return case(cases, left_exact)
    return case([*cases, (comparison("lt", exp.Abs(this=a.copy()), double(float(2**63))),
                          left_exact)], tie)

