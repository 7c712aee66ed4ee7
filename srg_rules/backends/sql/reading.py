"""Reading a field in SQL: its raw text stripped, checked and typed as the schema reads it.

Place in the pipeline: the first stage of the query (:mod:`srg_rules.backends.sql.query`).
Input: a :class:`srg_rules.schema.Field` and the SQL expression of its raw text. Output: a
:class:`Reader`: named plan values for the field's text, its typed value and whether it has a
problem, and the problem's reason.

Invariants: the typed value is NULL exactly when :meth:`Field.read` finds the value missing or
invalid, and otherwise orders and compares as the Python value does (a date as its
``YYYYMMDD`` text, a number as a DOUBLE with the exact digits of an integer text beside it);
nothing is cast that might fail to parse.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import cast

from sqlglot import exp

from ...months import MONTH_PATTERN
from ...schema import FALSE_WORDS, TRUE_WORDS, Field
from .builders import (
    Plan,
    add_all,
    and_,
    case,
    comparison,
    double,
    false_if_null,
    in_,
    is_not_null,
    is_null,
    matching,
    not_,
    or_,
    string,
    strip,
)

__all__ = ["Reader", "field_readings", "fitting_columns", "text_of_date", "typed_as_text", "typed_reading"]

# schema._to_date reads this as "no date" (the CBS layouts' unknown end date).
_NO_DATE = "00000000"

# Written with classes, not backslashes, so that the pattern is the same string in every
# dialect's literal syntax. The comma alternative is schema._to_number's lone decimal comma:
# a text with one comma and no point reads as if the comma were a point; any other comma
# cannot match.
_NUMBER_PATTERN = "^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?$"
_DATE_PATTERN = "^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})$"


_NAIVE_TIMESTAMPS = frozenset({exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMP_S,
                               exp.DataType.Type.TIMESTAMP_MS, exp.DataType.Type.TIMESTAMP_NS,
                               exp.DataType.Type.DATETIME, exp.DataType.Type.TIMESTAMPNTZ})


# sqlglot counts BIT among the integers; DuckDB's BIT is a bit string ('0101'), whose CAST to
# DOUBLE is its bits taken as a DOUBLE's (2.5e-323), not a number.
_INTEGER_TYPES = frozenset(exp.DataType.INTEGER_TYPES - {exp.DataType.Type.BIT})


def _data_type(column_type: str, dialect: str | None) -> exp.DataType | None:
    try:
        return exp.DataType.build(column_type, dialect=dialect or "duckdb")
    except Exception:  # noqa: BLE001  sqlglot's parse errors have no one base; unknown: text
        return None


def _is_text_type(column_type: str, dialect: str | None) -> bool:
    kind = _data_type(column_type, dialect)
    return kind is not None and kind.is_type(*exp.DataType.TEXT_TYPES)


def typed_reading(field: Field, column_type: str | None, dialect: str | None = None) -> str | None:
    """How a column of SQL type ``column_type`` is read for ``field`` when its type fits the
    field: ``date`` (a DATE for a date or month field), ``timestamp`` (a TIMESTAMP without
    time zone, read as its day), ``boolean``, ``integer`` (any integer type, or a DECIMAL
    without a fraction), ``decimal`` (a DECIMAL with a fraction) or ``double`` (DOUBLE); None
    when it is read as text (a text column, no type given, or a type that does not fit: a
    FLOAT, whose shortest text is not its value; a TIMESTAMP WITH TIME ZONE, whose day depends
    on the session's zone; an integer for a code). docs/engines.md, "Typed input"."""
    if column_type is None:
        return None
    kind = _data_type(column_type, dialect)
    if kind is None:
        return None
    base = field.type.base
    if base == "date":
        if kind.is_type(exp.DataType.Type.DATE):
            return "date"
        return "timestamp" if kind.this in _NAIVE_TIMESTAMPS else None
    if base == "boolean":
        return "boolean" if kind.is_type(exp.DataType.Type.BOOLEAN) else None
    if base != "number":
        return None
    if kind.is_type(*_INTEGER_TYPES):
        return "integer"
    if kind.is_type(exp.DataType.Type.DOUBLE):
        return "double"
    if kind.is_type(exp.DataType.Type.DECIMAL):
        # DECIMAL(p, s); without a scale a fraction is assumed (DuckDB's DECIMAL is (18,3)).
        parameters = kind.expressions
        return "integer" if len(parameters) > 1 and parameters[1].name == "0" else "decimal"
    return None


def fitting_columns(fields: Mapping[str, Field], column_types: Mapping[str, str],
                    names: Mapping[str, str], dialect: str) -> dict[str, str]:
    """The ``column_types`` argument of :class:`~srg_rules.backends.sql.Query` for an input
    whose columns have types: for each field in ``names`` whose column's type (by field name
    in ``column_types``) fits it (:func:`typed_reading`), the query's name for the field's
    column (``names[field]``) and that type. A field left out is read as its text."""
    return {names[name]: column_types[name] for name in names
            if typed_reading(fields[name], column_types.get(name), dialect) is not None}


def field_readings(fields: Mapping[str, Field], columns: Mapping[str, exp.Expression],
                   column_types: Mapping[str, str], names: Mapping[str, str], dialect: str,
                   default_type: str = "VARCHAR", invalid_marker: str | None = None
                   ) -> tuple[dict[str, str], list[exp.Expr]]:
    """How the query reads an input whose columns have types, as every engine reads one (a
    DuckDB file, ``decide_table``, Spark, PostgreSQL): for each field in ``columns`` (the
    field's name and its column in the input), its column as it is when its type
    (``column_types``, by field name; ``default_type`` when not given) fits the field
    (:func:`fitting_columns`), otherwise as :func:`typed_as_text` reads it
    (``invalid_marker`` as there), named ``names[field]``.

    Returns :func:`fitting_columns`' mapping (the ``column_types`` argument of
    :class:`~srg_rules.backends.sql.Query`) and the readings, one aliased expression per
    field, for the select the query decides."""
    typed = fitting_columns(fields, column_types, {name: names[name] for name in columns},
                            dialect)
    readings = [exp.alias_(column if names[name] in typed else typed_as_text(
                    column, column_types.get(name, default_type), fields[name], dialect,
                    invalid_marker=invalid_marker), names[name], quoted=True)
                for name, column in columns.items()]
    return typed, readings


def typed_as_text(column: exp.Expression, column_type: str, field: Field, dialect: str,
                  invalid_marker: str | None = None) -> exp.Expression:
    """The text a typed ``column`` of SQL type ``column_type`` (in ``dialect``'s names:
    DuckDB's ``DESCRIBE``, Spark's ``dtypes``, PostgreSQL's ``format_type``) is read as for
    ``field``, where the query does not read it as it is (:func:`fitting_columns` leaves it
    out); a text column as it is, NULL as NULL.

    Two readings of the same types, on purpose, since their inputs promise different things:

    - ``invalid_marker`` None (a typed file, ``srg-rules run`` on DuckDB and Spark): the text
      a CSV export of the column holds, so that a file decides as its export does, with what
      the export cannot say read as the Python engine reads the value: a float NaN is
      missing, a timestamp for a date field is its day, a date on a month's first day for a
      month field is its ``YYYY-MM`` (another day stays a date: ``invalid_month``), an
      integer for a ``digits(n)`` or ``bsn`` field is zero-filled to n digits (it lost a
      code's leading zeros; docs/language.md). A date for a text field is its text, an
      integer ``20240131`` for a date field the date its export reads as.
    - ``invalid_marker`` given (``Rulebook.decide_table`` over Arrow, pandas or polars, in
      DuckDB only): the text that reads as :meth:`srg_rules.schema.Field.read` reads the
      column's Python value, as ``Rulebook.decide`` is given it; a value of a type the field
      never accepts (a boolean for a code, a date for a number, an integer for a date) is
      ``invalid_marker``, a text no record holds that the query reads as invalid. A float is
      its DOUBLE's shortest text (a REAL's 0.1 is 0.10000000149011612, as Python widens it)
      and, for a code or text, an integral one without ``.0`` (``str(int(x))``); a timestamp
      for a text field its ``isoformat()``.
    """
    kind = _data_type(column_type, dialect)
    if kind is None:
        return exp.cast(column, "VARCHAR")
    if kind.is_type(*exp.DataType.TEXT_TYPES):
        return column
    if invalid_marker is not None:
        if dialect != "duckdb":
            raise ValueError(f"Python values are read as text in DuckDB only, not {dialect}")
        return _python_value_as_text(column, kind, field, string(invalid_marker))
    field_type = field.type
    if kind.is_type(*_FLOAT_TYPES):
        return case([(_is_nan(column, dialect), exp.Null())], exp.cast(column.copy(), "VARCHAR"))
    if kind.is_type(*_INTEGER_TYPES) and field_type.length is not None:
        return _zero_filled(exp.cast(column, "VARCHAR"), field_type.length)
    if kind.is_type(*_DAY_TYPES) and field_type.base == "date":
        return _day_as_text(column, kind, field)
    return exp.cast(column, "VARCHAR")


# The types whose values are a day (a timestamp: at a time of it).
_DAY_TYPES = (exp.DataType.Type.DATE, exp.DataType.Type.DATE32, *_NAIVE_TIMESTAMPS,
              exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ)
_FLOAT_TYPES = (exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE)


def _python_value_as_text(value: exp.Expression, kind: exp.DataType, field: Field,
                          invalid: exp.Expression) -> exp.Expression:
    """:func:`typed_as_text` for Python values (``invalid_marker`` given), in DuckDB's SQL.

    What ``Field.read`` does with each Python value (srg_rules/schema.py): a bool is read
    only by a boolean field; an int by a number, a boolean field (0 or 1), a code or text
    (its digits), a digits(n) or bsn zero-filled, never a date; a float by a number, a code
    or text (``str(int(x))`` when integral), never a date or boolean; a date or datetime by a
    date, a month (its first day) or a text field (``isoformat()``) only."""
    field_type = field.type
    base = field_type.base
    if kind.is_type(exp.DataType.Type.BOOLEAN):
        return exp.cast(value, "VARCHAR") if base == "boolean" else _unless_null(value, invalid)
    if kind.is_type(*_INTEGER_TYPES):
        if base == "date":
            return _unless_null(value, invalid)
        text = exp.cast(value, "VARCHAR")
        return _zero_filled(text, field_type.length) if field_type.length is not None else text
    if kind.is_type(*_FLOAT_TYPES):
        # A REAL widened to the DOUBLE Python holds (plain(numpy.float32(0.1)) is
        # 0.10000000149011612), whose shortest text is then Python's repr.
        number = exp.cast(value, "DOUBLE")
        shown: exp.Expression
        if base in ("date", "boolean"):
            shown = invalid
        elif base == "number":
            shown = exp.cast(number.copy(), "VARCHAR")
        else:  # a code or text: an integral float without its ".0", as str(int(x))
            # BIGNUM (DuckDB 1.4's integer of any size) holds every integral DOUBLE exactly,
            # up to its 309 digits as Python writes them (a BIGINT only below 2**63: 1e20
            # would be DuckDB's 1e+20; a HUGEINT below 2**127).
            integral = and_([
                exp.Anonymous(this="ISFINITE", expressions=[number.copy()]),
                comparison("eq", number.copy(),
                           exp.Anonymous(this="TRUNC", expressions=[number.copy()]))])
            shown = case([(integral, exp.cast(exp.cast(number.copy(), "BIGNUM"), "VARCHAR"))],
                         exp.cast(number.copy(), "VARCHAR"))
        return case([(is_null(number.copy()), exp.Null()),
                     (_is_nan(number.copy(), "duckdb"), exp.Null())], shown)
    if kind.is_type(*_DAY_TYPES):
        if base == "date":
            return _day_as_text(value, kind, field)
        if field_type.name != "text":
            return _unless_null(value, invalid)
        if kind.is_type(exp.DataType.Type.DATE, exp.DataType.Type.DATE32):
            return exp.cast(value, "VARCHAR")
        # datetime.isoformat(): a T before the time.
        isoformat = exp.Replace(this=exp.cast(value, "VARCHAR"), expression=string(" "),
                                replacement=string("T"))
        if not kind.is_type(*_NAIVE_TIMESTAMPS):
            # With a time zone: DuckDB's text in the session's zone. decide_table never
            # comes here: it reads such a column for a text field value by value, in the
            # column's own zone (tables._in_own_zone), as decide does.
            return isoformat
        # The fraction of a second as six digits, when not 0: DuckDB's text drops their
        # trailing zeros (10:00:00.1). A TIMESTAMP_NS with a nanosecond not 0 has nine
        # digits in pandas' Timestamp.isoformat(), which DuckDB drops the trailing zeros of
        # too (10:00:00.12345678 for .123456780). (Not by STRFTIME: DuckDB 2.0.1 cannot
        # widen a TIMESTAMP_S or _MS of the first centuries to the TIMESTAMP it formats.)
        length = exp.Length(this=isoformat.copy())
        return case([
            (exp.Between(this=length, low=exp.Literal.number(20), high=exp.Literal.number(25)),
             exp.func("RPAD", isoformat.copy(), exp.Literal.number(26), string("0"))),
            (exp.Between(this=length.copy(), low=exp.Literal.number(27),
                         high=exp.Literal.number(28)),
             exp.func("RPAD", isoformat.copy(), exp.Literal.number(29), string("0"))),
        ], isoformat)
    return exp.cast(value, "VARCHAR")


def _unless_null(value: exp.Expression, text: exp.Expression) -> exp.Expression:
    return case([(is_null(value), exp.Null())], text)


def _is_nan(value: exp.Expression, dialect: str | None) -> exp.Expression:
    """``value`` (a float) is NaN. DuckDB folds ``ISNAN`` (and comparisons) over a Parquet
    column by the column's statistics, which leave NaN out (a column of zeros and one NaN:
    ``ISNAN`` false on every row, DuckDB 2.0.1); ``ISFINITE`` and ``ISINF`` it evaluates, and
    NaN is neither. PostgreSQL and Spark order NaN above +infinity."""
    if dialect == "duckdb":
        return and_([not_(exp.Anonymous(this="ISFINITE", expressions=[value])),
                     not_(exp.Anonymous(this="ISINF", expressions=[value.copy()]))])
    return comparison("gt", value, double(math.inf))


def _zero_filled(text: exp.Expression, length: int) -> exp.Expression:
    """An integer's text zero-filled to ``length`` characters, as ``str.zfill`` (but for a
    sign, which no digits(n) value holds either way)."""
    return case([(comparison("lt", exp.Length(this=text), exp.Literal.number(length)),
                  exp.func("LPAD", text.copy(), exp.Literal.number(length), string("0")))],
                text.copy())


def _day_of(value: exp.Expression, kind: exp.DataType) -> exp.Expression:
    """The day of a date or timestamp ``value`` of type ``kind``, as a DATE. DuckDB's CAST of
    a TIMESTAMP_NS to DATE first drops the nanoseconds towards 1970, which moves a time in
    the last microsecond before a midnight before 1970 to the next day (1969-12-31
    23:59:59.999999999 is 1970-01-01); Python's day is the one before. The cast is then
    at most one day late, when that day's midnight comes after the timestamp."""
    if kind.is_type(exp.DataType.Type.DATE, exp.DataType.Type.DATE32):
        return value
    day = exp.cast(value, "DATE")
    if not kind.is_type(exp.DataType.Type.TIMESTAMP_NS):
        return day
    late = comparison("gt", exp.cast(day.copy(), exp.DataType.build(exp.DataType.Type.TIMESTAMP_NS)),
                      value.copy())
    return exp.Sub(this=day.copy(), expression=case(
        [(late, exp.Literal.number(1))], exp.Literal.number(0)))


def _day_as_text(value: exp.Expression, kind: exp.DataType, field: Field) -> exp.Expression:
    """A date's (or a timestamp's day's) text for a date or month field: ``YYYY-MM-DD``; for
    a month field, a month's first day as ``YYYY-MM`` (schema._to_month reads a date only on
    a first day). A day outside 0001..9999 keeps its whole text, which reads as invalid."""
    day = _day_of(value, kind)
    text = exp.cast(day, "VARCHAR")
    if field.type.name != "month":
        return text
    first = and_([exp.Between(this=day.copy(), low=exp.cast(string("0001-01-01"), "DATE"),
                              high=exp.cast(string("9999-12-31"), "DATE")),
                  comparison("eq", exp.Day(this=day.copy()), exp.Literal.number(1))])
    return case([(first, exp.Substring(this=text.copy(), start=exp.Literal.number(1),
                                       length=exp.Literal.number(7)))], text.copy())


def text_of_date(day: exp.Expression, dialect: str | None) -> exp.Expression:
    """A date's (or timestamp's) ``YYYYMMDD`` text, the year zero-padded, as the query holds
    dates; the date lies in 0001-01-01..9999-12-31 (or is NULL). DuckDB's ``STRFTIME`` pads
    the year (half the time of the arithmetic, on 1,000,000 dates: 0.04 s against 0.07 s);
    elsewhere by arithmetic, not by a dialect's format string, so that a year below 1000
    keeps its leading zeros everywhere; CAST to INT as PostgreSQL's EXTRACT is NUMERIC."""
    if dialect == "duckdb":
        return exp.Anonymous(this="STRFTIME", expressions=[day, string("%Y%m%d")])
    number = add_all([exp.Mul(this=exp.Year(this=day), expression=exp.Literal.number(10000)),
                      exp.Mul(this=exp.Month(this=day.copy()), expression=exp.Literal.number(100)),
                      exp.Day(this=day.copy())])
    # exp.func is typed as returning a Func; for LPAD it builds an exp.Pad, an Expression.
    return cast(exp.Expression, exp.func("LPAD", exp.cast(exp.cast(number, "INT"), "TEXT"),
                                         exp.Literal.number(8), string("0")))


class Reader:
    """One field, read: its stripped text ``text`` (NULL when missing), its typed ``value``
    (NULL when missing or invalid), whether it has a problem (``bad``, a boolean) and the
    problem's reason (``reason``, an expression to use only where ``bad`` holds)."""

    text: exp.Expression
    # The value as the dialect's DATE, for a date or month field read from a DATE or
    # TIMESTAMP column (a date moved moves it); None otherwise.
    day: exp.Expression | None = None
    # A number's exact parts (see numbers.NumberOperand); set for number fields only.
    integer: exp.Expression
    negative: exp.Expression
    digits: exp.Expression

    def __init__(self, plan: Plan, field: Field, raw: exp.Expression, invalid_marker: str | None,
                 dialect: str | None = None, column_type: str | None = None):
        self.field = field
        # The dialect the query is written for, when known: DuckDB checks a date with its own
        # function; None (or any other dialect) gets the portable check.
        self.dialect = dialect
        # What a comparison needs to know of its operand (see conditions.Operand).
        self.kind = kind = field.type.base
        typed = typed_reading(field, column_type, dialect)
        if typed is not None:
            self._read_typed(plan, typed, raw, column_type)
            return
        if column_type is not None and not _is_text_type(column_type, dialect):
            raw = exp.cast(raw, "VARCHAR")  # a type the field does not fit: read as its text
        stripped = strip(raw)
        missing = [string("")] + ([string(_NO_DATE)] if field.type.name == "date" else [])
        text = plan.bind("t", case([(in_(stripped, missing), exp.Null())], stripped))
        value = self._value(plan, kind, text)
        if invalid_marker is not None:
            # A Python value that is not of the field's type and has no text form (a bool for
            # a text field): compile_program writes a marker no record can hold.
            value = case([(comparison("eq", text, string(invalid_marker)), exp.Null())],
                          value)
        self.text = text
        self.value = plan.bind("v", value)
        self._problems(plan, is_null(text))

    def _problems(self, plan: Plan, missing: exp.Expression) -> None:
        field = self.field
        # The reason is only worked out for rejected records; deciding needs the flag alone.
        self.bad = plan.bind("bad", is_null(self.value) if not field.optional
                             else and_([not_(missing), is_null(self.value)]))
        self.reason = case([
            (missing.copy(), string(f"missing_value:{field.name}")),
            (is_null(self.value), string(f"{field.type.problem_code}:{field.name}")),
        ])

    def _read_typed(self, plan: Plan, typed: str, raw: exp.Expression,
                    column_type: str | None) -> None:
        """A column whose type fits the field, read as it is (see :func:`typed_reading`):
        only what the type does not guarantee is checked. ``text`` is then the column."""
        self.text = raw
        missing = is_null(raw)
        if typed in ("date", "timestamp"):
            # typed_reading found the column's type, so it is known here.
            kind = _data_type(column_type or "DATE", self.dialect)
            day = _day_of(raw.copy(), kind) if typed == "timestamp" and kind is not None \
                else raw.copy()
            # A DATE may lie outside what datetime.date holds (DuckDB: years to 5881580 and
            # before Christ); its text then reads as no date either.
            real: list[exp.Expression] = [exp.Between(this=day, low=exp.cast(string("0001-01-01"), "DATE"),
                                high=exp.cast(string("9999-12-31"), "DATE"))]
            if self.field.type.name == "month":  # a month is read from its first day only
                real.append(comparison("eq", exp.Day(this=day.copy()), exp.Literal.number(1)))
            self.day = day.copy()
            value: exp.Expression = case([(and_(real), text_of_date(day.copy(), self.dialect))])
        elif typed == "boolean":
            value = raw.copy()
        elif typed == "integer":
            # Every integer is a number, however large; its exact digits beside its DOUBLE.
            shown = exp.cast(raw.copy(), "VARCHAR")
            self.integer = plan.bind("i", is_not_null(raw.copy()))
            self.negative = plan.bind("neg", false_if_null(
                comparison("lt", raw.copy(), exp.Literal.number(0))))
            self.digits = plan.bind("m", case([
                (comparison("lt", raw.copy(), exp.Literal.number(0)),
                 exp.Substring(this=shown, start=exp.Literal.number(2)))], shown.copy()))
            value = exp.cast(raw.copy(), "DOUBLE")
        else:  # a double or a decimal with a fraction: a float, never an integer text
            self.integer = exp.false()
            self.negative = exp.false()
            self.digits = exp.Null()
            number = exp.cast(raw.copy(), "DOUBLE") if typed == "decimal" else raw.copy()
            finite = comparison("lt", exp.Abs(this=number), double(math.inf))
            if typed == "double" and self.dialect == "duckdb":
                # DuckDB's own tests: over Parquet it folds comparisons by the column's
                # statistics, which leave NaN out (a column of 0.0 and NaN: NaN > inf
                # false); ISFINITE it evaluates (see _is_nan).
                finite = exp.Anonymous(this="ISFINITE", expressions=[raw.copy()])
            if typed == "double":
                # NaN is no value (schema.is_missing); an infinity is not a number.
                missing = or_([missing, _is_nan(raw.copy(), self.dialect)])
            value = case([(finite, number.copy())])
        self.value = plan.bind("v", value)
        self._problems(plan, missing)

    def _value(self, plan: Plan, kind: str, text: exp.Expression) -> exp.Expression:
        if kind == "text" and self.field.type.length is not None:
            return self._digits(plan, text, self.field.type.length)
        if kind == "text":
            return text
        if kind == "code":
            codes = sorted(self.field.codes or ())
            if not codes:
                return exp.Null()
            return case([(in_(text, [string(c) for c in codes]), text)])
        if kind == "boolean":
            lowered = exp.Lower(this=text)
            return case([
                (in_(lowered, [string(w) for w in sorted(TRUE_WORDS)]), exp.true()),
                (in_(lowered.copy(), [string(w) for w in sorted(FALSE_WORDS)]), exp.false()),
            ])
        if kind == "number":
            return self._number(plan, text)
        if kind == "date" and self.field.type.name == "month":
            return _month(plan, text)
        if kind == "date":
            digits = plan.bind("d", matching(text, _DATE_PATTERN))
            compact = plan.bind("c", exp.Replace(this=digits, expression=string("-"),
                                                 replacement=string("")))
            real = _duckdb_real_date(compact) if self.dialect == "duckdb" else _real_date(compact)
            return case([(real, compact)])
        raise NotImplementedError(f"no SQL reading for field type {kind!r}")

    def _digits(self, plan: Plan, text: exp.Expression, length: int) -> exp.Expression:
        """``digits(n)``: exactly n ASCII digits; a ``bsn`` must also pass the 11-test."""
        digits = matching(text, f"^[0-9]{{{length}}}$")
        if self.field.type.name != "bsn":
            return digits
        bound = plan.bind("d", digits)
        total = plan.bind("s", _eleven_test_sum(bound))
        # A multiple of 11 and not 0. The sum lies in -9..396, and ``%`` truncates towards
        # zero in every dialect, which tells multiples of 11 apart as Python's ``%`` does.
        return case([(and_([
            comparison("eq", exp.Mod(this=total, expression=exp.Literal.number(11)),
                     exp.Literal.number(0)),
            comparison("ne", total.copy(), exp.Literal.number(0))]), bound.copy())])

    def _number(self, plan: Plan, text: exp.Expression) -> exp.Expression:
        """A number's DOUBLE, and for an integer text its exact digits as well.

        schema._to_number keeps an integer text as an exact integer of any size, and makes
        any other number a float, which must be finite. The DOUBLE orders every value
        (rounding keeps order); the digits (``integer``, ``negative``, ``digits``) settle
        what the DOUBLE cannot, between integers that round to the same DOUBLE.
        """
        digits = plan.bind("n", matching(text, _NUMBER_PATTERN))
        number = plan.bind("f", exp.cast(
            exp.Replace(this=digits, expression=string(","), replacement=string(".")),
            "DOUBLE"))
        # A number text with no point, comma or exponent is an integer text.
        self.integer = plan.bind("i", false_if_null(and_([
            exp.Not(this=exp.Like(this=digits.copy(), expression=string(f"%{mark}%")))
            for mark in ".,eE"])))
        unsigned = exp.Trim(this=exp.Trim(this=digits.copy(), expression=string("+-"),
                                          position="LEADING"),
                            expression=string("0"), position="LEADING")
        self.digits = plan.bind("m", case([
            (not_(self.integer), exp.Null()),
            (comparison("eq", unsigned, string("")), string("0")),
        ], unsigned.copy()))
        self.negative = plan.bind("neg", and_([
            self.integer, exp.Like(this=digits.copy(), expression=string("-%")),
            comparison("ne", self.digits, string("0"))]))
        # A float that overflows is not a number (schema: "too large a number"); an integer
        # is, however large, and its DOUBLE is then infinite, which still orders it right.
        return case([(or_([self.integer, comparison("lt", exp.Abs(this=number), double(math.inf))]),
                       number.copy())])


# schema.passes_eleven_test: the weights of a BSN's nine digits.
_ELEVEN_TEST_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def _eleven_test_sum(digits: exp.Expression) -> exp.Expression:
    """The weighted sum of the BSN 11-test over ``digits``: nine ASCII digits, or NULL (so
    the casts never see anything but a digit)."""
    return add_all([exp.Mul(this=exp.Literal.number(weight), expression=exp.cast(
        exp.Substring(this=digits.copy(), start=exp.Literal.number(position),
                      length=exp.Literal.number(1)), "INT"))
        for position, weight in enumerate(_ELEVEN_TEST_WEIGHTS, start=1)])


def _month(plan: Plan, text: exp.Expression) -> exp.Expression:
    """A ``month`` field (schema._to_month): ``YYYY-MM`` or ``YYYYMM`` with a year 0001-9999
    and a month 01-12, held as the ``YYYYMMDD`` text of its first day, as a date is."""
    digits = plan.bind("d", matching(text, MONTH_PATTERN))
    compact = plan.bind("c", exp.Replace(this=digits, expression=string("-"),
                                         replacement=string("")))
    year = exp.Substring(this=compact, start=exp.Literal.number(1), length=exp.Literal.number(4))
    month = exp.Substring(this=compact.copy(), start=exp.Literal.number(5),
                          length=exp.Literal.number(2))
    real = and_([comparison("ne", year, string("0000")),
                 exp.Between(this=month, low=string("01"), high=string("12"))])
    return case([(real, exp.DPipe(this=compact.copy(), expression=string("01")))])


def _real_date(compact: exp.Expression) -> exp.Expression:
    """``compact`` (8 ASCII digits) is a date Python's ``datetime.date`` accepts: year
    0001-9999, month 01-12, a day the month has (29 February in leap years). String
    comparisons of fixed-width digit strings, so nothing is cast that might not parse."""

    def part(start: int, length: int) -> exp.Expression:
        return exp.Substring(this=compact, start=exp.Literal.number(start),
                             length=exp.Literal.number(length))

    def between(item: exp.Expression, low: str, high: str) -> exp.Expression:
        return exp.Between(this=item, low=string(low), high=string(high))

    def strings(values: Iterable[str]) -> list[exp.Expression]:
        return [string(v) for v in values]

    year, century, year_in_century = part(1, 4), part(1, 2), part(3, 2)
    month, day = part(5, 2), part(7, 2)
    fours = [f"{n:02d}" for n in range(0, 100, 4)]
    leap = or_([
        and_([in_(year_in_century, strings(fours[1:]))]),
        and_([comparison("eq", year_in_century.copy(), string("00")),
              in_(century, strings(fours))]),
    ])
    return and_([
        comparison("ne", year, string("0000")),
        or_([
            and_([in_(month, strings(("01", "03", "05", "07", "08", "10", "12"))),
                  between(day, "01", "31")]),
            and_([in_(month.copy(), strings(("04", "06", "09", "11"))),
                  between(day.copy(), "01", "30")]),
            and_([comparison("eq", month.copy(), string("02")),
                  or_([between(day.copy(), "01", "28"),
                       and_([comparison("eq", day.copy(), string("29")), leap])])]),
        ]),
    ])



def _duckdb_real_date(compact: exp.Expression) -> exp.Expression:
    """:func:`_real_date` in DuckDB's own function, about twice as fast on the SRG rulebook's
    three dates (docs/benchmarks.md). DuckDB's ``%Y`` reads the year 0000 as well, which
    ``datetime.date`` refuses; otherwise it accepts exactly the real dates (checked against
    ``datetime.date`` on every month and day 00-99 of leap, common and century years:
    tests/test_sql.py)."""
    year = exp.Substring(this=compact, start=exp.Literal.number(1), length=exp.Literal.number(4))
    parsed = exp.Anonymous(this="TRY_STRPTIME", expressions=[compact.copy(), string("%Y%m%d")])
    return and_([comparison("ne", year, string("0000")), is_not_null(parsed)])
