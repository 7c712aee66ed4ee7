"""Conditions in SQL: every IR condition and operand node becomes a two-valued SQL expression.

Place in the pipeline: after :mod:`srg_rules.backends.sql.reading`, inside the query
(:mod:`srg_rules.backends.sql.query`). Input: an IR condition, and the :class:`Reader` of each
field. Output: a sqlglot boolean expression that is never NULL.

This is the one place of the SQL backend that a new condition or operand construct touches:
:class:`Conditions` is an :class:`ir.Visitor` with one method per node kind, and a kind it has
no method for raises :class:`ir.UnhandledNode`. An operand method returns an :class:`Operand`
(a typed SQL value: a field's :class:`Reader`, or a :class:`Computed` value) or a
:class:`Fixed` (a constant), so a new kind of operand (a date moved by some months, the length
of a text) is one more method returning an :class:`Operand`.

A date moved (:meth:`Conditions.date_shift`) is a date like a field's: its ``YYYYMMDD`` text,
NULL when missing, computed by the dialect's own date arithmetic (``+ INTERVAL`` in DuckDB and
PostgreSQL, ``DATE_ADD``/``ADD_MONTHS`` in Spark), which all move months as
:func:`srg_rules.dates.shift` does (clamped to the month's end, a month end not sticking;
tests/test_sql.py and tests/test_spark.py check it on each engine).

Invariants: every comparison is ``COALESCE(left OP right, FALSE)`` over typed values that are
NULL when missing or invalid, so a comparison with a missing value is false and ``NOT`` is
plain negation; numbers compare exactly as Python compares them
(:mod:`srg_rules.backends.sql.numbers`); a define is computed once, as a named plan value; a
date is moved only when the result lies in 0001-01-01..9999-12-31, decided on its text before
any date is made, so no engine meets a date it cannot hold.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Protocol, cast

import attrs
from sqlglot import exp

from ... import dates, ir, patterns
from .builders import (
    COMPARISONS,
    Plan,
    and_,
    case,
    comparison,
    false_if_null,
    in_,
    is_not_null,
    not_,
    or_,
    regexp,
    string,
)
from ..lookup import CodePeriods, code_periods
from .numbers import NumberOperand, number_vs_constants, number_vs_number
from .reading import Reader, text_of_date

__all__ = ["Computed", "Conditions", "Fixed", "Measured", "Operand", "SUPPORTED_OPERATORS", "UnsupportedOperator"]

# The operators this backend writes; any other registered operator is unsupported here.
SUPPORTED_OPERATORS = frozenset({*COMPARISONS, "in_set", "not_in_set"})


class UnsupportedOperator(NotImplementedError):
    """The program uses an operator this backend has no SQL for. ``operator`` is its id."""

    code = "unsupported_operator"

    def __init__(self, operator: str):
        super().__init__(f"the SQL backend has no implementation of operator {operator!r}")
        self.operator = operator


class Operand(Protocol):
    """A typed value in SQL, as a comparison reads it (a field's :class:`Reader` is one).

    ``value`` is NULL when the value is missing or invalid; ``kind`` is its type's base
    (code, text, number, date, boolean). A number also has ``integer`` (whether it is an
    integer text), ``negative`` and ``digits`` (its exact sign and digits), which settle
    what its DOUBLE cannot.
    """

    @property
    def value(self) -> exp.Expression: ...

    @property
    def kind(self) -> str: ...


@attrs.frozen
class Fixed:
    """A constant operand: its Python value, written in SQL against the other side's type."""

    value: Any


@attrs.frozen
class Computed:
    """An operand computed in the query (a date moved): its typed ``value`` and ``kind``."""

    value: exp.Expression
    kind: str


@attrs.frozen
class Measured:
    """A number computed in the query (a text's length): read as a number field's reader is
    read (see :class:`numbers.NumberOperand`), a whole number that is never negative."""

    value: exp.Expression
    digits: exp.Expression
    kind: str = "number"
    integer: exp.Expression = attrs.field(factory=exp.true)
    negative: exp.Expression = attrs.field(factory=exp.false)


class Conditions(ir.Visitor):
    """Writes conditions as SQL over the readers' values, binding each define once."""

    def __init__(self, plan: Plan, readers: Mapping[str, Reader], dialect: str | None = None):
        self.plan = plan
        self.readers = readers
        self.dialect = dialect  # the query's dialect when known (DuckDB formats its own way)
        self.defines: dict[str, exp.Expression] = {}
        # One plan value per distinct date shift, however often the rulebook writes it.
        self.shifts: dict[ir.DateShift, Operand] = {}
        self.lengths: dict[ir.Length, Operand] = {}
        self.ages: dict[ir.Age, Operand] = {}

    def condition(self, node: ir.Condition) -> exp.Expression:
        """The SQL of a condition (or of any node this visitor handles)."""
        sql: exp.Expression = self(node)  # the visitor's dispatch is untyped
        return sql

    # --- conditions ------------------------------------------------------------------------

    def all_of(self, node: ir.AllOf) -> exp.Expression:
        return and_([self(item) for item in node.items])

    def any_of(self, node: ir.AnyOf) -> exp.Expression:
        lookup = code_periods(node)
        if lookup is not None:
            searched = self._code_periods(lookup)
            if searched is not None:
                return searched
        return or_([self(item) for item in node.items])

    def _code_periods(self, lookup: CodePeriods) -> exp.Expression | None:
        """A code's periods found by a binary search over the field's sorted codes (see
        :mod:`srg_rules.backends.lookup`): nested ``CASE WHEN v < 'c' ...`` down to a run of
        neighbouring codes that share their periods, where the day is compared with them.
        About log2(codes) text comparisons a row instead of one test per period.

        Only for a code field whose codes are all ASCII digit strings of one length (CBS
        municipality codes), which every engine and collation orders alike; the value of a
        code field is one of its codes or NULL (reading.py). None otherwise: the condition
        is then written as it stands."""
        reader = self.readers[lookup.field]
        codes = sorted(reader.field.codes or ()) if reader.kind == "code" else []
        if not codes or not all(c.__class__ is str and c.isascii() and c.isdigit()
                                and len(c) == len(codes[0]) for c in codes):
            return None
        if self.dialect == "duckdb":
            indexed = self._indexed_periods(lookup, codes)
            if indexed is not None:
                return indexed
        runs: list[tuple[str, tuple[ir.Period, ...] | None]] = []
        for code in codes:
            own = lookup.periods.get(code)
            if not runs or runs[-1][1] != own:
                runs.append((code, own))
        value = reader.value

        def search(low: int, high: int) -> exp.Expression:
            if high - low == 1:
                code, own = runs[low]
                return exp.false() if own is None else self(lookup.item(code))
            middle = (low + high) // 2
            # Built as a node, not by case(), which copies its parts at every level.
            return exp.Case(ifs=[exp.If(this=comparison("lt", value.copy(),
                                                         string(runs[middle][0])),
                                        true=search(low, middle))],
                            default=search(middle, high))

        return and_([is_not_null(value.copy()), search(0, len(runs))])

    def _indexed_periods(self, lookup: CodePeriods, codes: list[str]) -> exp.Expression | None:
        """:meth:`_code_periods` as two lookups by position, for DuckDB: the code's number
        picks its period's number out of one text (fixed width), and that picks the period's
        ends out of two more. In DuckDB the search's nested ``CASE`` splits every batch of
        rows hundreds of ways (the SRG rulebook's 788 CBS codes: 0.135 s per 200,000 rows;
        this: 0.02 s). Only for codes of at most 4 digits (a text of at most 10,000 entries)
        with at most one period each; None otherwise.

        A code without a period gets period 0, whose ends (``00000000``, ``99999999``) no
        real date's ``YYYYMMDD`` lies outside of; so does an open end."""
        if len(codes[0]) > 4 or any(len(p) > 1 for p in lookup.periods.values()):
            return None
        distinct = sorted({p[0] for p in lookup.periods.values()},
                          key=lambda p: (p.start or _FIRST_DAY, p.end or _LAST_DAY))
        number = {period: index for index, period in enumerate(distinct, start=1)}
        width = len(str(len(distinct)))
        slots = ["0" * width] * 10 ** len(codes[0])
        for code, periods in lookup.periods.items():
            slots[int(code)] = str(number[periods[0]]).zfill(width)
        starts = "00000000" + "".join(_date_text(p.start) if p.start else "00000000"
                                      for p in distinct)
        ends = "99999999" + "".join(_date_text(p.end) if p.end else "99999999"
                                    for p in distinct)

        def at(text: str, position: exp.Expression, length: int) -> exp.Expression:
            return exp.Substring(this=string(text), start=position,
                                 length=exp.Literal.number(length))

        value = self.readers[lookup.field].value
        index = self.plan.bind("pn", exp.cast(at("".join(slots), exp.Add(
            this=exp.Mul(this=exp.cast(value.copy(), "INT"), expression=exp.Literal.number(width)),
            expression=exp.Literal.number(1)), width), "INT"))
        position = exp.Add(this=exp.Mul(this=index, expression=exp.Literal.number(8)),
                           expression=exp.Literal.number(1))
        day = self.readers[lookup.day].value
        return false_if_null(or_([comparison("lt", day, at(starts, position, 8)),
                                  comparison("gt", day.copy(), at(ends, position.copy(), 8))]))

    def negation(self, node: ir.Not) -> exp.Expression:
        return not_(self(node.item))

    def defined(self, node: ir.Defined) -> exp.Expression:
        if node.name not in self.defines:
            self.defines[node.name] = self.plan.bind("define", self(node.body))
        return self.defines[node.name]

    def matches(self, node: ir.Matches) -> exp.Expression:
        # One anchored search, the same text in every dialect: DuckDB REGEXP_MATCHES (RE2),
        # PostgreSQL ~ (an ARE), Spark RLIKE (Java); see patterns.Pattern.sql for why the
        # anchors are exact on a value as read.
        pattern = patterns.parse(node.pattern)
        operand = self(node.operand)
        if isinstance(operand, Fixed):
            found = operand.value is not None and pattern.matches(operand.value)
            return exp.true() if found else exp.false()
        return false_if_null(regexp(operand.value.copy(), pattern.sql))

    def is_present(self, node: ir.IsPresent) -> exp.Expression:
        return is_not_null(self.readers[node.field].value)

    def compare(self, node: ir.Compare) -> exp.Expression:
        left, right = self(node.left), self(node.right)
        if isinstance(left, Fixed):
            raise ir.UnhandledNode(f"no SQL for a comparison with a constant on the left: {node!r}")
        if isinstance(right, Fixed):
            return self._with_constant(node.op, left, right.value)
        if node.op not in COMPARISONS:
            raise UnsupportedOperator(node.op)
        return self._between(node.op, left, right)

    # --- operands --------------------------------------------------------------------------

    def field_value(self, node: ir.FieldValue) -> Operand:
        return self.readers[node.name]

    def constant(self, node: ir.Constant) -> Fixed:
        return Fixed(node.value)

    def date_shift(self, node: ir.DateShift) -> Operand | Fixed:
        base: Operand | Fixed = self(node.base)  # the visitor's dispatch is untyped
        if isinstance(base, Fixed):
            # ir.fold leaves only a missing constant unfolded; moved, it stays missing (NULL).
            day = None if base.value is None else dates.shift(base.value, node.amount, node.unit)
            return Computed(exp.Null(), "date") if day is None else Fixed(day)
        if node.amount == 0:
            return base
        if node not in self.shifts:
            # A field read from a DATE column moves that DATE, not one rebuilt from its text.
            native = base.day if isinstance(base, Reader) else None
            moved = _shifted(base.value, node.amount, node.unit, native)
            self.shifts[node] = Computed(
                exp.Null() if moved is None
                else self.plan.bind("ds", _date_text_of(self.plan.bind("dm", moved), self.dialect)), "date")
        return self.shifts[node]

    def length(self, node: ir.Length) -> Operand | Fixed:
        operand = self(node.operand)
        if isinstance(operand, Fixed):
            # ir.fold leaves only a missing constant unfolded: its length is missing (NULL).
            return Computed(exp.Null(), "number") if operand.value is None \
                else Fixed(len(operand.value))
        if node not in self.lengths:
            # A code or text value's length in characters (LENGTH counts characters in DuckDB,
            # PostgreSQL and Spark); as a DOUBLE, exact (a length is far below 2**53).
            count = self.plan.bind("ln", exp.Length(this=operand.value.copy()))
            self.lengths[node] = Measured(
                exp.cast(count, "DOUBLE"), exp.cast(count.copy(), "TEXT"))
        return self.lengths[node]

    def age(self, node: ir.Age) -> Operand | Fixed:
        birth, on = self(node.birth), self(node.on)
        if isinstance(birth, Fixed) and isinstance(on, Fixed):
            # ir.fold leaves two constants unfolded only when one is missing (NULL).
            return Computed(exp.Null(), "number")
        if node not in self.ages:
            years = self.plan.bind("ag", _age(*(
                string(_date_text(side.value)) if isinstance(side, Fixed) and side.value is not None
                else exp.Null() if isinstance(side, Fixed) else side.value
                for side in (birth, on))))
            # A whole number of years, exact as a DOUBLE; negative before the birth date.
            self.ages[node] = Measured(
                exp.cast(years, "DOUBLE"), exp.cast(exp.Abs(this=years.copy()), "TEXT"),
                negative=comparison("lt", years.copy(), exp.Literal.number(0)))
        return self.ages[node]

    # --- comparisons -----------------------------------------------------------------------

    def _with_constant(self, op: str, operand: Operand, constant: Any) -> exp.Expression:
        value = operand.value
        kind = operand.kind
        if op not in SUPPORTED_OPERATORS:
            raise UnsupportedOperator(op)
        if kind == "boolean":
            # v = TRUE / v = FALSE, and != as the other one (a missing value is neither).
            wanted = bool(constant) if op == "eq" else not constant
            return false_if_null(value.copy() if wanted else not_(value))
        if kind == "number":
            return false_if_null(number_vs_constants(_number(operand), op, constant))
        if op in ("in_set", "not_in_set"):
            items = [self._constant(kind, v) for v in sorted(constant)]
            test = in_(value, items)
            return false_if_null(test if op == "in_set" else not_(test))
        return false_if_null(comparison(op, value, self._constant(kind, constant)))

    @staticmethod
    def _constant(kind: str, constant: Any) -> exp.Expression:
        if kind == "date":
            assert isinstance(constant, _dt.date)
            return string(_date_text(constant))
        return string(str(constant))

    def _between(self, op: str, left: Operand, right: Operand) -> exp.Expression:
        if left.kind == "number":
            return false_if_null(number_vs_number(_number(left), _number(right), op,
                                                  self.dialect))
        return false_if_null(comparison(op, left.value, right.value))


def _number(operand: Operand) -> NumberOperand:
    # A number operand is a number field's Reader or a Measured, both of which carry the exact
    # parts (integer, negative, digits). The one other, a Computed NULL (the length or age of a
    # missing constant, which ir.fold leaves), has only its value: enough against a constant
    # that is exactly a DOUBLE below 2**53, the parts are read only beyond.
    return cast(NumberOperand, operand)


# --- dates moved -------------------------------------------------------------------------------

_FIRST_DAY, _LAST_DAY = _dt.date(1, 1, 1), _dt.date(9999, 12, 31)


def _date_text(day: _dt.date) -> str:
    """A date as the SQL backend holds it (reading.py): ``YYYYMMDD``, the year zero-padded."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _shifted(text: exp.Expression, amount: int, unit: str,
             day: exp.Expression | None = None) -> exp.Expression | None:
    """The date ``text`` (a real date's text, or NULL) moved by ``amount`` ``unit`` s, as the
    dialect's date (or timestamp; :func:`_date_text_of` makes it text), NULL when the result
    leaves the calendar; None when every result does (no SQL needed).

    Whether the result stays in the calendar is a comparison of ``text`` with the first or
    last date that can move that far, worked out here by :func:`dates.shift` itself, so the
    engine only moves dates whose result it can hold (PostgreSQL raises below 4713 BC, Spark
    in ANSI mode outside its range). A year is 12 months and a week 7 days. ``day``: the
    same date as the dialect's DATE, when the query has it (a typed column); else it is made
    from the text.
    """
    if unit == "years":
        amount, unit = amount * 12, "months"
    elif unit == "weeks":
        amount, unit = amount * 7, "days"
    # The days from which the shift lands on the calendar's edge (or beyond it).
    edge = dates.shift(_LAST_DAY if amount > 0 else _FIRST_DAY, -amount, unit)
    if edge is None:
        return None
    fits = comparison("le" if amount > 0 else "ge", text.copy(), string(_date_text(edge)))

    def part(start: int, length: int) -> exp.Expression:
        return exp.cast(exp.Substring(this=text.copy(), start=exp.Literal.number(start),
                                      length=exp.Literal.number(length)), "INT")

    # MAKE_DATE by name: sqlglot writes its DateFromParts as DATE_FROM_PARTS for PostgreSQL,
    # which has no such function. DuckDB, PostgreSQL and Spark all have MAKE_DATE.
    if day is None:
        day = exp.Anonymous(this="MAKE_DATE", expressions=[part(1, 4), part(5, 2), part(7, 2)])
    else:
        day = day.copy()
    # DuckDB and PostgreSQL: + INTERVAL (a timestamp); Spark: DATE_ADD / ADD_MONTHS (a date).
    moved = exp.DateAdd(this=day, expression=exp.Literal.number(amount),
                        unit=exp.var("DAY" if unit == "days" else "MONTH"))
    return case([(fits, moved)])


def _date_text_of(moved: exp.Expression, dialect: str | None) -> exp.Expression:
    """The ``YYYYMMDD`` text of ``moved``, a date (or timestamp) of :func:`_shifted` or NULL.

    ``moved`` is a named value of its own (its own stage), not an expression repeated here:
    written out three times, once each for the year, month and day, DuckDB computed the
    date three times (the SRG rulebook's ``reporting_month + 1 months``: about 0.1 s more
    per 200,000 rows). See :func:`reading.text_of_date` for how it is formatted."""
    return text_of_date(moved, dialect)


# --- ages --------------------------------------------------------------------------------------


def _age(birth: exp.Expression, on: exp.Expression) -> exp.Expression:
    """The age in whole years (:func:`srg_rules.dates.age`) on the date ``on`` of someone born
    on ``birth``, both ``YYYYMMDD`` texts (or NULL: the age is NULL).

    Written out of the texts' parts, the same in every dialect: the difference of the years,
    less one when ``on``'s ``MMDD`` lies before the birthday's, a 29 February birthday counting
    as ``0228`` in a common year (the Gregorian rule, with ``%``, which DuckDB, PostgreSQL and
    Spark share for non-negative integers).
    """

    def part(text: exp.Expression, start: int, length: int) -> exp.Expression:
        return exp.Substring(this=text.copy(), start=exp.Literal.number(start),
                             length=exp.Literal.number(length))

    def year(text: exp.Expression) -> exp.Expression:
        return exp.cast(part(text, 1, 4), "INT")

    def divides(by: int) -> exp.Expression:
        remainder = exp.Mod(this=year(on), expression=exp.Literal.number(by))
        return comparison("eq", exp.paren(remainder), exp.Literal.number(0))

    leap = and_([divides(4), or_([not_(divides(100)), divides(400)])])
    born = part(birth, 5, 4)
    birthday = case([(and_([comparison("eq", born, string("0229")), not_(leap)]), string("0228"))],
                    born.copy())
    before = case([(comparison("lt", part(on, 5, 4), birthday), exp.Literal.number(1))],
                  exp.Literal.number(0))
    return exp.Sub(this=exp.Sub(this=year(on), expression=year(birth)), expression=before)
