"""The SQL backend: a program becomes one SQL query, built as a sqlglot expression tree.

Input: an :class:`ir.Program`. Output: the query as a :class:`sqlglot.exp.Select`
(:func:`to_expression`), as text in a dialect (:func:`to_sql`: ``duckdb``, ``postgres``,
``spark``), or ready to decide records through an in-process DuckDB (:func:`compile_program`).

The query reads a relation of raw records, every declared field a text column as CSV carries
it (other columns may be there too), and adds ``status``, ``type`` and ``reasons`` with the
semantics of docs/language.md ("Semantics of a decision"), exactly as the reference
interpreter decides:

- **Reading.** Each field's text is stripped of the characters Python's ``str.strip()``
  strips (all Unicode white space, not only spaces); empty means missing, and so does
  ``00000000`` for a date. A code must be in its list. A number matches
  ``[+-]?(D+([.,]D*)?|[.,]D+)([eE][+-]?D+)?`` (a lone decimal comma is a point; ``1,000``
  does not match); an integer text is exact however long (its digits are kept beside its
  DOUBLE, and settle comparisons the DOUBLE cannot), any other number is a DOUBLE and must
  be finite. A date is ``YYYY-MM-DD`` or ``YYYYMMDD`` and a real calendar date (checked with
  string arithmetic, so no engine's lenient date parser is involved) and is kept as its
  ``YYYYMMDD`` text, which orders as the dates do. A boolean is one of the words of
  :mod:`srg_rules.schema`, in any case. Digits are ASCII digits, as the schema reads them.
  A ``digits(n)`` value is exactly n of them (leading zeros kept, compared as text); a
  ``bsn`` is nine that pass the 11-test (weights 9 down to 2, then -1).
- **Conditions** are two-valued: every comparison is ``COALESCE(value OP constant, FALSE)``
  over the typed value, which is NULL when the field is missing *or invalid*, so a
  comparison with a missing value is false and ``NOT`` is plain negation.
- **Decision.** Problems (in field order) and matching reject rules reject; then any
  exclude excludes; then no include gives ``no_include_matched``; then more than one
  classify rejects with ``ambiguous_type``; reasons are joined with ``|`` (or a list, with
  ``reasons="list"``), in rulebook order.

Every intermediate value (a field's text, value and problem, a define, a rule's match) is
named and computed once, in stages: each stage is a derived table over the previous one
(``SELECT *, <new values> FROM (...)``). With the input's ``columns`` known, the output is
its columns (less any named status, type or reasons, which the decision replaces, as
``srg-rules run`` does) and the three new ones. Without them, it is ``* EXCEPT (<the
query's own columns>)`` and the three new ones, or, for a dialect without EXCEPT
(PostgreSQL), ``src.*`` with the stages computed per row in a ``CROSS JOIN LATERAL``.

Known limits, each tested or documented where it bites: PostgreSQL raises an error for a
number text beyond DOUBLE PRECISION (about 1.8e308, or so small it rounds to 0) where the
interpreter reads a float as invalid or an integer as exact; a field-to-field comparison
between an integer text and a float text whose DOUBLEs are equal and beyond 2**63 treats
them as equal; DuckDB and Spark do not tell column names apart by case.

Invariants: a name (field, column, table) reaches the SQL only as a quoted sqlglot
Identifier and a value (code, rule id, literal) only as a sqlglot Literal; nothing from a
rulebook or a record is ever pasted into SQL text, so none can change the query. The
``because`` texts are not part of the query at all. The query has no side effects and does
not depend on row order.
"""

from __future__ import annotations

import datetime as _dt
import math
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from .. import ir
from ..decision import AMBIGUOUS_TYPE, NO_INCLUDE_MATCHED, UNCLASSIFIED, Decision, Status
from ..records import MALFORMED_ROW, OUTPUT_COLUMNS, REASON_SEPARATOR
from ..schema import FALSE_WORDS, TRUE_WORDS, Field

__all__ = [
    "DIALECTS",
    "Query",
    "STAR_EXCEPT_DIALECTS",
    "SUPPORTED_OPERATORS",
    "SqlProgram",
    "UnsupportedOperator",
    "compile_program",
    "internal_prefix",
    "to_expression",
    "to_sql",
]

DIALECTS = ("duckdb", "postgres", "spark")  # the dialects the tests run or check

# What Python's str.strip() removes: every character for which str.isspace() is true.
# tests/test_sql.py checks this against a scan of all of Unicode.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# schema._to_date reads this as "no date" (the CBS layouts' unknown end date).
_NO_DATE = "00000000"

# Written with classes, not backslashes, so that the pattern is the same string in every
# dialect's literal syntax. The comma alternative is schema._to_number's lone decimal comma:
# a text with one comma and no point reads as if the comma were a point; any other comma
# cannot match.
_NUMBER_PATTERN = "^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?$"
_DATE_PATTERN = "^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})$"

_MAX_EXACT_INT = 2**53  # every integer up to this size is exactly a DOUBLE


class UnsupportedOperator(NotImplementedError):
    """The program uses an operator this backend has no SQL for. ``operator`` is its id."""

    code = "unsupported_operator"

    def __init__(self, operator: str):
        super().__init__(f"the SQL backend has no implementation of operator {operator!r}")
        self.operator = operator


# --- literals and small builders -----------------------------------------------------------

_COMPARISONS = {"eq": exp.EQ, "ne": exp.NEQ, "lt": exp.LT, "le": exp.LTE, "gt": exp.GT,
                "ge": exp.GTE}


def _string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _column(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=_ident(name), table=_ident(table) if table is not None else None)


# Nodes that print as one term in every dialect. Everything else is parenthesized where it
# is an operand: sqlglot prints the tree it is given (``AND`` is a function node too), and a
# regular expression match is an infix operator in PostgreSQL (``~``).
_ATOMS = (exp.Column, exp.Literal, exp.Boolean, exp.Paren, exp.Null, exp.Case, exp.Coalesce,
          exp.Cast)


def _paren(expression: exp.Expression) -> exp.Expression:
    if isinstance(expression, _ATOMS):
        return expression
    return exp.Paren(this=expression)


def _compare(op: str, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """``left OP right`` for an operator id (eq, ne, lt, le, gt, ge), operands parenthesized."""
    return _COMPARISONS[op](this=_paren(left), expression=_paren(right))


def _and(items: Sequence[exp.Expression]) -> exp.Expression:
    if not items:
        return exp.true()
    result = _paren(items[0])
    for item in items[1:]:
        result = exp.And(this=result, expression=_paren(item))
    return result


def _or(items: Sequence[exp.Expression]) -> exp.Expression:
    if not items:
        return exp.false()
    result = _paren(items[0])
    for item in items[1:]:
        result = exp.Or(this=result, expression=_paren(item))
    return result


def _not(item: exp.Expression) -> exp.Expression:
    return exp.Not(this=_paren(item))


def _is_null(item: exp.Expression) -> exp.Expression:
    return exp.Is(this=item, expression=exp.Null())


def _is_not_null(item: exp.Expression) -> exp.Expression:
    return _not(_is_null(item))


def _case(whens: Sequence[tuple[exp.Expression, exp.Expression]],
          default: exp.Expression | None = None) -> exp.Expression:
    case = exp.Case()
    for condition, value in whens:
        case = case.when(condition, value)
    if default is not None:
        case = case.else_(default)
    return case


def _in(item: exp.Expression, values: Sequence[exp.Expression]) -> exp.Expression:
    return exp.In(this=item, expressions=list(values))


def _false_if_null(condition: exp.Expression) -> exp.Expression:
    """Two-valued: a comparison with a NULL (missing or invalid) value is false."""
    return exp.Coalesce(this=condition, expressions=[exp.false()])


def _regexp(item: exp.Expression, pattern: str) -> exp.Expression:
    return exp.RegexpLike(this=item, expression=_string(pattern))


def _double(value: float) -> exp.Expression:
    """A DOUBLE constant, exactly ``value`` in every dialect."""
    if math.isinf(value):
        return exp.cast(_string("Infinity" if value > 0 else "-Infinity"), "DOUBLE")
    text = repr(value)
    if "e" in text or "n" in text:
        return exp.cast(_string(text), "DOUBLE")
    return exp.Literal.number(text)


# A white space character at either end; the characters themselves, as none of them is
# special in a character class.
_EDGE_SPACE = f"^[{WHITESPACE}]|[{WHITESPACE}]$"


def _strip(raw: exp.Expression) -> exp.Expression:
    """``raw`` without the white space ``str.strip()`` removes. TRIM with a set of characters
    is slow in DuckDB, so it runs only for a text that has some at either end."""
    trimmed = exp.Trim(this=raw, expression=_string(WHITESPACE), position="BOTH")
    return _case([(_regexp(raw.copy(), _EDGE_SPACE), trimmed)], raw.copy())


def _matching(text: exp.Expression, pattern: str) -> exp.Expression:
    """``text`` when it matches ``pattern``, else NULL."""
    return _case([(_regexp(text, pattern), text.copy())])


# --- the plan: named values in stages ------------------------------------------------------


class _Plan:
    """Named intermediate values. Each lives in the stage after the values it uses, so the
    query computes each once."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.expressions: dict[str, exp.Expression] = {}
        self.levels: dict[str, int] = {}
        self._count = 0

    def bind(self, hint: str, expression: exp.Expression) -> exp.Column:
        name = f"{self.prefix}{self._count}_{hint}"
        self._count += 1
        level = 1 + max(
            (self.levels[c.name] for c in expression.find_all(exp.Column)
             if c.table == "" and c.name in self.levels),
            default=0,
        )
        self.expressions[name] = expression
        self.levels[name] = level
        return _column(name)

    def stages(self) -> list[list[str]]:
        depth = max(self.levels.values(), default=0)
        return [[n for n, level in self.levels.items() if level == k] for k in range(1, depth + 1)]


# --- reading fields ------------------------------------------------------------------------


class _Reader:
    """One field, read: its stripped text ``text`` (NULL when missing), its typed ``value``
    (NULL when missing or invalid), whether it has a problem (``bad``, a boolean) and the
    problem's reason (``reason``, an expression to use only where ``bad`` holds)."""

    def __init__(self, plan: _Plan, field: Field, raw: exp.Expression, invalid_marker: str | None):
        self.field = field
        kind = field.type.base
        stripped = _strip(raw)
        missing = [_string("")] + ([_string(_NO_DATE)] if kind == "date" else [])
        text = plan.bind("t", _case([(_in(stripped, missing), exp.Null())], stripped))
        value = self._value(plan, kind, text)
        if invalid_marker is not None:
            # A Python value that is not of the field's type and has no text form (a bool for
            # a text field): compile_program writes a marker no record can hold.
            value = _case([(_compare("eq", text, _string(invalid_marker)), exp.Null())],
                          value)
        self.text = text
        self.value = plan.bind("v", value)
        # The reason is only worked out for rejected records; deciding needs the flag alone.
        self.bad = plan.bind("bad", _is_null(self.value) if not field.optional
                             else _and([_is_not_null(text), _is_null(self.value)]))
        self.reason = _case([
            (_is_null(text), _string(f"missing_value:{field.name}")),
            (_is_null(self.value), _string(f"{field.type.problem_code}:{field.name}")),
        ])

    def _value(self, plan: _Plan, kind: str, text: exp.Expression) -> exp.Expression:
        if kind == "text" and self.field.type.length is not None:
            return self._digits(plan, text, self.field.type.length)
        if kind == "text":
            return text
        if kind == "code":
            codes = sorted(self.field.codes or ())
            if not codes:
                return exp.Null()
            return _case([(_in(text, [_string(c) for c in codes]), text)])
        if kind == "boolean":
            lowered = exp.Lower(this=text)
            return _case([
                (_in(lowered, [_string(w) for w in sorted(TRUE_WORDS)]), exp.true()),
                (_in(lowered.copy(), [_string(w) for w in sorted(FALSE_WORDS)]), exp.false()),
            ])
        if kind == "number":
            return self._number(plan, text)
        if kind == "date":
            digits = plan.bind("d", _matching(text, _DATE_PATTERN))
            compact = plan.bind("c", exp.Replace(this=digits, expression=_string("-"),
                                                 replacement=_string("")))
            return _case([(_real_date(compact), compact)])
        raise NotImplementedError(f"no SQL reading for field type {kind!r}")

    def _digits(self, plan: _Plan, text: exp.Expression, length: int) -> exp.Expression:
        """``digits(n)``: exactly n ASCII digits; a ``bsn`` must also pass the 11-test."""
        digits = _matching(text, f"^[0-9]{{{length}}}$")
        if self.field.type.name != "bsn":
            return digits
        bound = plan.bind("d", digits)
        total = plan.bind("s", _eleven_test_sum(bound))
        # A multiple of 11 and not 0. The sum lies in -9..396, and ``%`` truncates towards
        # zero in every dialect, which tells multiples of 11 apart as Python's ``%`` does.
        return _case([(_and([
            _compare("eq", exp.Mod(this=total, expression=exp.Literal.number(11)),
                     exp.Literal.number(0)),
            _compare("ne", total.copy(), exp.Literal.number(0))]), bound.copy())])

    def _number(self, plan: _Plan, text: exp.Expression) -> exp.Expression:
        """A number's DOUBLE, and for an integer text its exact digits as well.

        schema._to_number keeps an integer text as an exact integer of any size, and makes
        any other number a float, which must be finite. The DOUBLE orders every value
        (rounding keeps order); the digits (``integer``, ``negative``, ``digits``) settle
        what the DOUBLE cannot, between integers that round to the same DOUBLE.
        """
        digits = plan.bind("n", _matching(text, _NUMBER_PATTERN))
        number = plan.bind("f", exp.cast(
            exp.Replace(this=digits, expression=_string(","), replacement=_string(".")),
            "DOUBLE"))
        # A number text with no point, comma or exponent is an integer text.
        self.integer = plan.bind("i", _false_if_null(_and([
            exp.Not(this=exp.Like(this=digits.copy(), expression=_string(f"%{mark}%")))
            for mark in ".,eE"])))
        unsigned = exp.Trim(this=exp.Trim(this=digits.copy(), expression=_string("+-"),
                                          position="LEADING"),
                            expression=_string("0"), position="LEADING")
        self.digits = plan.bind("m", _case([
            (_not(self.integer), exp.Null()),
            (_compare("eq", unsigned, _string("")), _string("0")),
        ], unsigned.copy()))
        self.negative = plan.bind("neg", _and([
            self.integer, exp.Like(this=digits.copy(), expression=_string("-%")),
            _compare("ne", self.digits, _string("0"))]))
        # A float that overflows is not a number (schema: "too large a number"); an integer
        # is, however large, and its DOUBLE is then infinite, which still orders it right.
        return _case([(_or([self.integer, _compare("lt", exp.Abs(this=number), _double(math.inf))]),
                       number.copy())])


_INTEGER_PATTERN = "^[+-]?[0-9]+$"

# schema.passes_eleven_test: the weights of a BSN's nine digits.
_ELEVEN_TEST_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def _eleven_test_sum(digits: exp.Expression) -> exp.Expression:
    """The weighted sum of the BSN 11-test over ``digits``: nine ASCII digits, or NULL (so
    the casts never see anything but a digit)."""
    return _sum([exp.Mul(this=exp.Literal.number(weight), expression=exp.cast(
        exp.Substring(this=digits.copy(), start=exp.Literal.number(position),
                      length=exp.Literal.number(1)), "INT"))
        for position, weight in enumerate(_ELEVEN_TEST_WEIGHTS, start=1)])


def _real_date(compact: exp.Expression) -> exp.Expression:
    """``compact`` (8 ASCII digits) is a date Python's ``datetime.date`` accepts: year
    0001-9999, month 01-12, a day the month has (29 February in leap years). String
    comparisons of fixed-width digit strings, so nothing is cast that might not parse."""

    def part(start: int, length: int) -> exp.Expression:
        return exp.Substring(this=compact, start=exp.Literal.number(start),
                             length=exp.Literal.number(length))

    def between(item: exp.Expression, low: str, high: str) -> exp.Expression:
        return exp.Between(this=item, low=_string(low), high=_string(high))

    def strings(values: Iterable[str]) -> list[exp.Expression]:
        return [_string(v) for v in values]

    year, century, year_in_century = part(1, 4), part(1, 2), part(3, 2)
    month, day = part(5, 2), part(7, 2)
    fours = [f"{n:02d}" for n in range(0, 100, 4)]
    leap = _or([
        _and([_in(year_in_century, strings(fours[1:]))]),
        _and([_compare("eq", year_in_century.copy(), _string("00")),
              _in(century, strings(fours))]),
    ])
    return _and([
        _compare("ne", year, _string("0000")),
        _or([
            _and([_in(month, strings(("01", "03", "05", "07", "08", "10", "12"))),
                  between(day, "01", "31")]),
            _and([_in(month.copy(), strings(("04", "06", "09", "11"))),
                  between(day.copy(), "01", "30")]),
            _and([_compare("eq", month.copy(), _string("02")),
                  _or([between(day.copy(), "01", "28"),
                       _and([_compare("eq", day.copy(), _string("29")), leap])])]),
        ]),
    ])


# --- conditions ----------------------------------------------------------------------------

# The operators this backend writes; any other registered operator is unsupported here.
SUPPORTED_OPERATORS = frozenset({*_COMPARISONS, "in_set", "not_in_set"})


def _next_down(value: float) -> float:
    return math.nextafter(value, -math.inf)


def _next_up(value: float) -> float:
    return math.nextafter(value, math.inf)


class _Conditions:
    def __init__(self, plan: _Plan, readers: Mapping[str, _Reader]):
        self.plan = plan
        self.readers = readers
        self.defines: dict[str, exp.Expression] = {}

    def condition(self, node: ir.Condition) -> exp.Expression:
        if isinstance(node, ir.AllOf):
            return _and([self.condition(item) for item in node.items])
        if isinstance(node, ir.AnyOf):
            return _or([self.condition(item) for item in node.items])
        if isinstance(node, ir.Not):
            return _not(self.condition(node.item))
        if isinstance(node, ir.Defined):
            if node.name not in self.defines:
                self.defines[node.name] = self.plan.bind("define", self.condition(node.body))
            return self.defines[node.name]
        if isinstance(node, ir.IsPresent):
            return _is_not_null(self.readers[node.field].value)
        if isinstance(node, ir.Compare) and ir.field_pair(node) is not None:
            if node.op not in _COMPARISONS:
                raise UnsupportedOperator(node.op)
            return self._compare_fields(node.op, *ir.field_pair(node))
        if isinstance(node, ir.Compare) and ir.field_constant(node) is not None:
            return self._comparison(node.op, *ir.field_constant(node))
        raise TypeError(f"not a condition: {node!r}")

    def _comparison(self, op: str, field: str, constant: Any) -> exp.Expression:
        reader = self.readers[field]
        value = reader.value
        kind = reader.field.type.base
        if op not in SUPPORTED_OPERATORS:
            raise UnsupportedOperator(op)
        if kind == "boolean":
            # v = TRUE / v = FALSE, and != as the other one (a missing value is neither).
            wanted = bool(constant) if op == "eq" else not constant
            return _false_if_null(value.copy() if wanted else _not(value))
        if kind == "number":
            return _false_if_null(_number_vs_constants(reader, op, constant))
        if op in ("in_set", "not_in_set"):
            items = [self._constant(kind, v) for v in sorted(constant)]
            test = _in(value, items)
            return _false_if_null(test if op == "in_set" else _not(test))
        return _false_if_null(_compare(op, value, self._constant(kind, constant)))

    @staticmethod
    def _constant(kind: str, constant: Any) -> exp.Expression:
        if kind == "date":
            assert isinstance(constant, _dt.date)
            return _string(f"{constant.year:04d}{constant.month:02d}{constant.day:02d}")
        return _string(str(constant))

    def _compare_fields(self, op: str, left_name: str, right_name: str) -> exp.Expression:
        left, right = self.readers[left_name], self.readers[right_name]
        if left.field.type.base == "number":
            return _false_if_null(_number_vs_number(left, right, op))
        return _false_if_null(_compare(op, left.value, right.value))


# --- numbers, exactly ----------------------------------------------------------------------
#
# Python compares an int and a float exactly, and keeps an integer text as an exact int of
# any size. A DOUBLE decides every comparison but one: rounding never reverses an order, so
# when two values' DOUBLEs differ, so do the values, in the same direction. When they are
# equal and one side is an integer text, the integer's digits decide. Below 2**53 every
# integer is its DOUBLE, so no digits are needed there.

def _outcome_of_order(op: str, order: int) -> bool:
    """``a OP b`` when ``a`` is below (-1), equal to (0) or above (1) ``b``."""
    return {"eq": order == 0, "ne": order != 0, "lt": order < 0, "le": order <= 0,
            "gt": order > 0, "ge": order >= 0}[op]


class _Integer:
    """An exact integer in SQL: its sign and its digits without leading zeros."""

    def __init__(self, negative: exp.Expression | bool, digits: exp.Expression | str):
        self.negative = negative
        self.digits = digits

    def _neg(self) -> exp.Expression:
        return exp.true() if self.negative is True else exp.false() if self.negative is False \
            else self.negative.copy()

    def _digits(self) -> exp.Expression:
        return _string(self.digits) if isinstance(self.digits, str) else self.digits.copy()

    def _length(self) -> exp.Expression:
        if isinstance(self.digits, str):
            return exp.Literal.number(len(self.digits))
        return exp.Length(this=self.digits.copy())

    @staticmethod
    def _magnitude_below(a: _Integer, b: _Integer) -> exp.Expression:
        return _or([_compare("lt", a._length(), b._length()),
                    _and([_compare("eq", a._length(), b._length()),
                          _compare("lt", a._digits(), b._digits())])])

    def below(self, other: _Integer) -> exp.Expression:
        if other.negative is False:
            return _or([self._neg(), _Integer._magnitude_below(self, other)])
        if other.negative is True:
            return _and([self._neg(), _Integer._magnitude_below(other, self)])
        return _or([
            _and([self._neg(), _not(other._neg())]),
            _and([_compare("eq", self._neg(), other._neg()),
                  _or([_and([_not(self._neg()), _Integer._magnitude_below(self, other)]),
                       _and([self._neg(), _Integer._magnitude_below(other, self)])])]),
        ])

    def equal(self, other: _Integer) -> exp.Expression:
        return _and([_compare("eq", self._neg(), other._neg()),
                     _compare("eq", self._digits(), other._digits())])

    def compare(self, op: str, other: _Integer) -> exp.Expression:
        if op == "eq":
            return self.equal(other)
        if op == "ne":
            return _not(self.equal(other))
        if op == "lt":
            return self.below(other)
        if op == "gt":
            return other.below(self)
        if op == "le":
            return _not(other.below(self))
        return _not(self.below(other))  # ge

    @classmethod
    def of(cls, value: int) -> _Integer:
        return cls(value < 0, str(abs(value)))

    @classmethod
    def of_reader(cls, reader: _Reader) -> _Integer:
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


def _number_vs_constant(reader: _Reader, op: str, constant: int | float) -> exp.Expression:
    value = reader.value
    if isinstance(constant, float) and math.isinf(constant):
        # Every present value (a finite float, or an int however large) is below +inf.
        order = -1 if constant > 0 else 1
        return _is_not_null(value) if _outcome_of_order(op, order) else exp.false()
    if _exactly_double(constant) and abs(constant) < _MAX_EXACT_INT:
        return _compare(op, value, _double(float(constant)))
    exact = _Integer.of_reader(reader).compare(op, _Integer.of(int(constant)))
    if _exactly_double(constant):
        approximate = _compare(op, value.copy(), _double(float(constant)))
    else:
        # No DOUBLE equals it: a float compares with the DOUBLEs around it.
        below, above = _doubles_around(int(constant))
        approximate = {
            "eq": exp.false(), "ne": _is_not_null(value.copy()),
            "lt": _compare("le", value.copy(), _double(below)),
            "le": _compare("le", value.copy(), _double(below)),
            "gt": _compare("ge", value.copy(), _double(above)),
            "ge": _compare("ge", value.copy(), _double(above)),
        }[op]
    return _case([(reader.integer, exact)], approximate)


def _number_vs_constants(reader: _Reader, op: str, constant: Any) -> exp.Expression:
    if op not in ("in_set", "not_in_set"):
        return _number_vs_constant(reader, op, constant)
    small = sorted(float(c) for c in constant
                   if _exactly_double(c) and abs(c) < _MAX_EXACT_INT)
    large = sorted((c for c in constant if not (_exactly_double(c) and abs(c) < _MAX_EXACT_INT)),
                   key=float)
    tests = ([_in(reader.value, [_double(c) for c in small])] if small else []) + [
        _number_vs_constant(reader, "eq", c) for c in large]
    found = _or(tests)
    return found if op == "in_set" else _and([_is_not_null(reader.value), _not(found)])


def _number_vs_number(left: _Reader, right: _Reader, op: str) -> exp.Expression:
    a, b = left.value, right.value
    both_integers = _and([left.integer, right.integer])
    exact = _Integer.of_reader(left).compare(op, _Integer.of_reader(right))
    by_double = _compare(op, a.copy(), b.copy())
    # Equal DOUBLEs, one an integer text, the other a float (an integer-valued DOUBLE of
    # 2**53 or more): the float's own digits decide, which CAST AS BIGINT gives exactly
    # below 2**63. Beyond that (19 digits and more) they count as equal.
    float_side = _case([(left.integer, b.copy())], a.copy())
    float_digits = exp.cast(exp.cast(exp.Abs(this=float_side), "BIGINT"), "VARCHAR")
    float_integer = _Integer(_compare("lt", float_side.copy(), exp.Literal.number(0)),
                             float_digits)
    left_exact = _case([
        (left.integer, _Integer.of_reader(left).compare(op, float_integer)),
    ], float_integer.compare(op, _Integer.of_reader(right)))
    return _case([
        (_or([_is_null(a.copy()), _is_null(b.copy())]), exp.false()),
        (both_integers, exact),
        (_or([_compare("ne", a.copy(), b.copy()),
              _not(_or([left.integer, right.integer]))]), by_double),
        (_compare("lt", exp.Abs(this=a.copy()), _double(float(_MAX_EXACT_INT))),
         exp.true() if _outcome_of_order(op, 0) else exp.false()),
        (_compare("lt", exp.Abs(this=a.copy()), _double(float(2**63))), left_exact),
    ], exp.true() if _outcome_of_order(op, 0) else exp.false())


# --- the query -----------------------------------------------------------------------------


def internal_prefix(taken: Iterable[str]) -> str:
    """A prefix for the query's own names that no input column starts with. DuckDB compares
    names without regard to case, so neither does this."""
    lowered = [name.lower() for name in taken]
    prefix = "_srg_"
    while any(name.startswith(prefix) for name in lowered):
        prefix = "_" + prefix
    return prefix


class Query:
    """A program's plan and its three output expressions, ready to be put over a source.

    :func:`to_expression` is the usual way in; :mod:`srg_rules.filerun` uses this directly
    to name its own columns. ``columns`` are the source's column names (None: unknown, see
    :func:`to_expression`); ``field_columns`` maps a field to the column it reads when that
    is not the field's own name; ``invalid_markers`` maps a field to a text that reads as a
    value of the wrong type; ``malformed`` names a boolean column of unreadable rows.
    """

    def __init__(self, program: ir.Program, columns: Sequence[str] | None,
                 reasons: str, malformed: str | None,
                 invalid_markers: Mapping[str, str] | None = None,
                 field_columns: Mapping[str, str] | None = None, lateral: bool = False):
        if reasons not in ("text", "list"):
            raise ValueError(f"reasons must be 'text' or 'list', not {reasons!r}")
        schema = program.schema
        self.program = program
        self.columns = None if columns is None else list(columns)
        self.lateral = lateral and columns is None
        taken = [*(columns or ()), *schema.fields, *(field_columns or {}).values()]
        self.prefix = internal_prefix(taken)
        self.plan = _Plan(self.prefix)
        known = None if columns is None else set(columns)
        self.readers: dict[str, _Reader] = {}
        for name, field in schema.fields.items():
            column = (field_columns or {}).get(name, name)
            if known is not None and column not in known:
                raw: exp.Expression = exp.cast(exp.Null(), "VARCHAR")  # an absent column is missing
            else:
                raw = _column(column, "src" if self.lateral else None)
            self.readers[name] = _Reader(self.plan, field, raw,
                                         (invalid_markers or {}).get(name))
        conditions = _Conditions(self.plan, self.readers)
        matched: dict[str, list[tuple[ir.CompiledRule, exp.Column]]] = {
            verb: [] for verb in ("reject", "include", "exclude", "classify")}
        for rule in program.rules:
            column = self.plan.bind(rule.verb, conditions.condition(rule.condition))
            matched[rule.verb].append((rule, column))
        bind = self.plan.bind
        rejected = bind("rejected", _or([reader.bad for reader in self.readers.values()]
                                        + [m for _, m in matched["reject"]]))
        problems = [_case([(reader.bad, reader.reason)]) for reader in self.readers.values()]
        excluded = bind("excluded", _or([m for _, m in matched["exclude"]]))
        included = bind("included", _or([m for _, m in matched["include"]]))
        classify = matched["classify"]
        types: exp.Expression = exp.Literal.number(0)
        if classify:
            types = bind("types", _sum([_case([(m, exp.Literal.number(1))], exp.Literal.number(0))
                                        for _, m in classify]))
        # More than one classify rule matching is only possible with more than one.
        ambiguous = _compare("gt", types, exp.Literal.number(1)) \
            if len(classify) > 1 else None
        malformed_row = _column(malformed) if malformed is not None else None

        status = _case([
            (rejected, _string(Status.REJECTED.value)),
            (_or([excluded, _not(included)]), _string(Status.EXCLUDED.value)),
            *([(ambiguous, _string(Status.REJECTED.value))] if ambiguous is not None else []),
        ], _string(Status.INCLUDED.value))
        decided_type: exp.Expression = exp.cast(exp.Null(), "VARCHAR")
        if classify:
            typed = [_not(rejected), _not(excluded), included]
            if ambiguous is not None:
                typed.append(_not(ambiguous))
            decided_type = _case([(_and(typed),
                                   _case([(m, _string(rule.code)) for rule, m in classify]))])

        def ids(pairs):
            return [_case([(m, _string(rule.id))]) for rule, m in pairs]

        which_type: list[exp.Expression] = []
        if classify:
            which_type = [_case([(m, _string(rule.id)) for rule, m in classify],
                                _string(UNCLASSIFIED) if schema.output is not None else None)]
        elif schema.output is not None:
            which_type = [_string(UNCLASSIFIED)]
        join = self._join_list if reasons == "list" else self._join_text
        branches = [
            (rejected, [*problems, *ids(matched["reject"])]),
            (excluded, ids(matched["exclude"])),
            (_not(included), [_string(NO_INCLUDE_MATCHED)]),
        ]
        if ambiguous is not None:
            branches.append((ambiguous, [_string(AMBIGUOUS_TYPE), *ids(classify)]))
        # A branch with no reasons is one that cannot be taken (no exclude rules: nothing is
        # excluded by a rule); leaving it out keeps CONCAT_WS from having nothing to join.
        reason_list = _case([(when, join(items)) for when, items in branches if items],
                            join([*ids(matched["include"]), *which_type]))
        if malformed_row is not None:
            status = _case([(malformed_row, _string(Status.REJECTED.value))], status)
            decided_type = _case([(malformed_row, exp.cast(exp.Null(), "VARCHAR"))], decided_type)
            reason_list = _case([(malformed_row.copy(), join([_string(MALFORMED_ROW)]))],
                                reason_list)
        self.outputs = {"status": status, "type": decided_type, "reasons": reason_list}

    @staticmethod
    def _join_text(items: list[exp.Expression]) -> exp.Expression:
        if not items:  # a branch that cannot be taken (no include rule: nothing is included)
            return exp.Null()
        if len(items) == 1 and isinstance(items[0], exp.Literal):
            return items[0]
        # CONCAT_WS skips NULLs in DuckDB, PostgreSQL and Spark; ``coalesce`` tells sqlglot so.
        return exp.ConcatWs(expressions=[_string(REASON_SEPARATOR), *items], coalesce=True)

    @staticmethod
    def _join_list(items: list[exp.Expression]) -> exp.Expression:
        if not items:
            return exp.Null()
        return exp.ArrayCompact(this=exp.Array(expressions=items))

    def _stages(self, relation: exp.Expression | None) -> exp.Expression:
        """The named values, stage by stage, each stage a derived table over the previous."""
        for index, names in enumerate(self.plan.stages(), start=1):
            values = [exp.alias_(self.plan.expressions[n], n, quoted=True) for n in names]
            stage = exp.select(exp.Star(), *values).from_(relation) if relation is not None \
                else exp.select(*values)
            relation = stage.subquery(_ident(f"{self.prefix}stage{index}"))
        assert relation is not None
        return relation

    def select(self, source: exp.Expression, passthrough: Sequence[exp.Expression] | None = None
               ) -> exp.Select:
        """The query over ``source`` (a table or a subquery)."""
        outputs = [exp.alias_(e, name, quoted=True) for name, e in self.outputs.items()]
        if self.lateral:
            # Without EXCEPT, the values cannot ride along with columns that are not known:
            # they are computed in a LATERAL subquery per row instead.
            decided = exp.select(*outputs).from_(self._stages(None))
            lateral = exp.Lateral(this=decided.subquery(),
                                  alias=exp.TableAlias(this=_ident(f"{self.prefix}decision")))
            query = exp.select(
                exp.Column(this=exp.Star(), table=_ident("src")),
                *(_column(name, f"{self.prefix}decision") for name in self.outputs),
            ).from_(_aliased(source, "src"))
            query.set("joins", [exp.Join(this=lateral, kind="CROSS")])
            return query
        relation = self._stages(_aliased(source, f"{self.prefix}input"))
        if self.columns is None:
            # The input's own columns, whatever they are, less the query's.
            star = exp.Star(except_=[_column(name) for name in self.plan.expressions])
            return exp.select(star, *outputs).from_(relation)
        if passthrough is None:
            passthrough = [_column(c) for c in self.columns if c not in OUTPUT_COLUMNS]
        return exp.select(*passthrough, *outputs).from_(relation)


def _aliased(source: exp.Expression, alias: str) -> exp.Expression:
    if isinstance(source, exp.Select):
        return source.subquery(_ident(alias))
    return exp.alias_(source, _ident(alias), table=True)


def _sum(items: list[exp.Expression]) -> exp.Expression:
    result = items[0]
    for item in items[1:]:
        result = exp.Add(this=result, expression=item)
    return result


def _source(table: str | exp.Expression) -> exp.Expression:
    if isinstance(table, exp.Expression):
        return table
    # A name, possibly qualified (catalog.schema.table); each part quoted.
    parts = [_ident(part) for part in table.split(".")]
    if not all(part.name for part in parts) or len(parts) > 3:
        raise ValueError(f"not a table name: {table!r}")
    return exp.Table(this=parts[-1], db=parts[-2] if len(parts) > 1 else None,
                     catalog=parts[-3] if len(parts) > 2 else None)


def to_expression(program: ir.Program, table: str | exp.Expression = "records", *,
                  columns: Sequence[str] | None = None, reasons: str = "text",
                  malformed: str | None = None, lateral: bool = False) -> exp.Select:
    """The program as one query that adds ``status``, ``type`` and ``reasons`` to ``table``.

    Args:
        program: a checked program.
        table: the records: a table name (``records``, ``db.records``; each part is quoted)
            or a sqlglot expression (a subquery, a table function).
        columns: the relation's column names, when known. The query then returns these
            columns (less status, type and reasons, which it replaces) and the three new
            ones. A declared field that is not among them is missing in every record.
            Without it, the query returns ``* EXCEPT (<its own columns>)`` and the three new
            ones (DuckDB writes EXCEPT as EXCLUDE; Spark has it from 4.0).
        reasons: ``"text"``: the reasons joined with ``|``, as a run writes them; ``"list"``:
            an array of texts.
        malformed: the name of a boolean column marking rows that could not be read; those
            are rejected with the reason ``malformed_row``.
        lateral: without ``columns``, compute the decision in a ``CROSS JOIN LATERAL``
            subquery per row instead of using EXCEPT (for PostgreSQL, which has no EXCEPT;
            DuckDB plans it very slowly).

    >>> import srg_rules
    >>> book = srg_rules.parse("field hours: number\\ninclude big when hours > 10")
    >>> query = to_expression(book.program, columns=["hours"])
    >>> [e.alias_or_name for e in query.expressions]
    ['hours', 'status', 'type', 'reasons']
    """
    query = Query(program, columns, reasons, malformed, lateral=lateral)
    return query.select(_source(table))


# Dialects whose SELECT * can leave columns out (EXCEPT, or DuckDB's EXCLUDE).
STAR_EXCEPT_DIALECTS = frozenset({"duckdb", "spark", "databricks", "bigquery", "snowflake"})


def to_sql(program: ir.Program, table: str | exp.Expression = "records",
           dialect: str = "duckdb", *, columns: Sequence[str] | None = None,
           reasons: str = "text", pretty: bool = False) -> str:
    """The program as SQL text for ``dialect`` (``duckdb``, ``postgres``, ``spark``, or any
    other dialect sqlglot writes; only the first three are tested).

    See :func:`to_expression` for the arguments. Without ``columns``, a dialect that has no
    ``SELECT * EXCEPT`` (PostgreSQL) gets the ``CROSS JOIN LATERAL`` form. The text is
    generated with ``unsupported_level=RAISE``: a construct the dialect cannot express is an
    error, never silently different SQL.

    >>> import srg_rules
    >>> book = srg_rules.parse("field ok: boolean\\ninclude when ok")
    >>> to_sql(book.program, dialect="spark", columns=["ok"])[:32]
    'SELECT `ok`, CASE WHEN `_srg_4_r'
    >>> to_sql(book.program, table="db.records", dialect="postgres").split(" CROSS JOIN ")[0]
    'SELECT "src".*, "_srg_decision"."status", "_srg_decision"."type", "_srg_decision"."reasons" FROM "db"."records" AS "src"'
    """
    lateral = columns is None and dialect not in STAR_EXCEPT_DIALECTS
    expression = to_expression(program, table, columns=columns, reasons=reasons, lateral=lateral)
    if dialect == "postgres":
        # PostgreSQL has no ARRAY_COMPACT; ARRAY_REMOVE(a, NULL) removes the NULLs in order.
        expression = expression.transform(
            lambda node: exp.ArrayRemove(this=node.this, expression=exp.Null())
            if isinstance(node, exp.ArrayCompact) else node)
    return expression.sql(dialect=dialect, pretty=pretty,
                          unsupported_level=sqlglot.ErrorLevel.RAISE)


# --- deciding records through DuckDB ------------------------------------------------------


class SqlProgram:
    """A program ready to decide records through an in-process DuckDB.

    Records go to DuckDB as text, as a CSV file would carry them. A Python value (an int, a
    date, a bool from an embedding program) is first read by the field's own reader
    (:meth:`srg_rules.schema.Field.read`) and written as the text that reads back to the
    same value (an int as its digits, a float as its ``repr``, a date as YYYY-MM-DD); a value
    that is not of the field's type becomes a marker the query reads as invalid.

    ``decide`` runs one query per record (slow; use ``decide_many`` for batches, or
    :func:`srg_rules.filerun.run_file` for files). Safe to use from several threads.
    """

    batch_size = 5000
    memo_size = 1 << 14

    def __init__(self, program: ir.Program):
        self.program = program
        self._fields = list(program.schema.fields.values())
        self._marker = f"\ufdd0srg-invalid-{uuid.uuid4().hex}"
        names = [f.name for f in self._fields]
        # The records' columns get names of their own: DuckDB does not tell "M" from "m",
        # which are two fields in a rulebook.
        prefix = internal_prefix(names)
        self._row = prefix + "row"
        inputs = [f"{prefix}field{i}" for i in range(len(names))]
        query = Query(program, [self._row, *inputs], "text", None,
                       invalid_markers={name: self._marker for name in names},
                       field_columns=dict(zip(names, inputs)))
        rows = exp.column("r")  # the unnested list of one record's texts
        # sqlglot counts subscripts from 0 and writes them in DuckDB's 1-based form.
        source = exp.select(
            exp.alias_(exp.cast(exp.Bracket(this=rows, expressions=[exp.Literal.number(0)]),
                                "INTEGER"), self._row, quoted=True),
            *(exp.alias_(exp.Bracket(this=rows.copy(), expressions=[exp.Literal.number(i + 1)]),
                         name, quoted=True) for i, name in enumerate(inputs)),
        ).from_(exp.select(exp.alias_(exp.Unnest(expressions=[
            exp.cast(exp.Placeholder(), exp.DataType.build("VARCHAR[][]", dialect="duckdb"))]),
            "r")).subquery(_ident(f"{self._row}s")))
        decided = query.select(source, passthrough=[_column(self._row)])
        ordered = exp.select(*(_column(c) for c in OUTPUT_COLUMNS)).from_(
            decided.subquery("decided")).order_by(_column(self._row))
        self.sql = ordered.sql(dialect="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE)
        self._connection = None
        self._lock = threading.Lock()
        self._memo: dict[tuple[str | None, ...], Decision] = {}

    def decide(self, record: Mapping[str, Any]) -> Decision:
        return next(self.decide_many([record]))

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]:
        batch: list[Mapping[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.batch_size:
                yield from self._decide_batch(batch)
                batch = []
        if batch:
            yield from self._decide_batch(batch)

    def _decide_batch(self, records: list[Mapping[str, Any]]) -> list[Decision]:
        # A decision depends only on the fields' texts: each distinct one goes to DuckDB
        # once, and the last ones decided are remembered (a query costs milliseconds).
        keys = [tuple(self._text(f, record.get(f.name)) for f in self._fields)
                for record in records]
        with self._lock:
            memo = self._memo
            decided = {key: memo[key] for key in set(keys) if key in memo}
            missing = [key for key in dict.fromkeys(keys) if key not in decided]
            if missing:
                rows = [[str(index), *key] for index, key in enumerate(missing)]
                for key, result in zip(missing, self._query(rows)):
                    decided[key] = _decision(*result)
                    if len(memo) >= self.memo_size:
                        del memo[next(iter(memo))]
                    memo[key] = decided[key]
        return [decided[key] for key in keys]

    def _query(self, rows: list[list[str | None]]) -> list[tuple]:
        import duckdb  # only when records are decided: importing DuckDB takes a while

        if self._connection is None:
            self._connection = duckdb.connect(":memory:")
        return self._connection.execute(self.sql, [rows]).fetchall()

    def _text(self, field: Field, raw: Any) -> str | None:
        """The text that the query reads as ``field.read(raw)`` reads ``raw``."""
        if raw is None or isinstance(raw, str):
            return raw
        value, problem = field.read(raw)
        if problem is not None:
            return None if problem.code == "missing_value" else self._marker
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, _dt.date):
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        return value

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _decision(status: str, type_: str | None, reasons: str) -> Decision:
    return Decision(Status(status), type_, tuple(reasons.split(REASON_SEPARATOR)) if reasons else ())


def compile_program(program: ir.Program) -> SqlProgram:
    """The ``sql`` backend: decide records through DuckDB with the query of :func:`to_sql`."""
    return SqlProgram(program)
