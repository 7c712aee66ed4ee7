"""The schema: which fields a record has, their value types, and turning raw values into them.

Input: built by :mod:`srg_rules.check` from a rulebook's ``field`` and ``output`` statements.
Output: used by every evaluator to read records, and by the analysis to know each field's
domain.

Value types are data: each :class:`ValueType` in :data:`VALUE_TYPES` says how a raw value (a
string from CSV, or a Python value from an embedding program) becomes a typed value, and
whether the type is ordered (``<`` and friends apply). Adding a type is one entry there.

Missing values: ``None``, an empty or blank string, a float NaN and an absent key all mean
*missing*. A date written ``00000000`` is missing too (the CBS layouts write an unknown end
date that way). So do pandas' ``NA`` and ``NaT`` and numpy's ``NaT``: a value from a DataFrame
is read as its Python value (:func:`plain`: ``np.int64(363)`` as ``363``, ``np.bool_`` as a
bool, ``np.datetime64`` as a date or datetime; ``pd.Timestamp`` is a datetime already).
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .diagnostics import did_you_mean
from .months import Month, read_month
from .i18n import N_
from .i18n import gettext as _

__all__ = [
    "FALSE_WORDS",
    "Field",
    "FieldProblem",
    "OutputSpec",
    "TRUE_WORDS",
    "Schema",
    "VALUE_TYPES",
    "ValueType",
    "format_typed",
    "is_missing",
    "plain",
    "passes_eleven_test",
]

Scalar = str | int | float | bool | _dt.date


class InvalidValue(ValueError):
    """A raw value that is not of the field's type; the message says what was expected."""


# The types of raw values that are read as they are; any other goes through plain() first.
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), _dt.date, _dt.datetime})


def plain(raw: Any) -> Any:
    """A numpy or pandas scalar as the Python value it stands for (missing ones as None), a
    ``decimal.Decimal`` as its fixed-point text (a NaN as None); any other value unchanged.
    numpy and pandas are not imported: they are known by name.

    A Decimal (what psycopg gives for a NUMERIC, pyarrow for a decimal column) is read as a
    CSV export of it reads: a number field its value, a text or code field its digits
    ``2.50``, as ``Rulebook.decide_table`` reads a DECIMAL column.

    >>> import decimal
    >>> plain("363"), plain(None), plain(decimal.Decimal("2.50")), plain(decimal.Decimal("1E+3"))
    ('363', None, '2.50', '1000')
    """
    kind = type(raw)
    if kind in _PLAIN_TYPES:
        return raw
    module = kind.__module__
    if module == "decimal" and kind.__name__ == "Decimal":
        return None if raw.is_nan() else format(raw, "f")
    if module == "numpy":
        if kind.__name__ == "datetime64":
            if raw != raw:  # NaT
                return None
            value = raw.astype("datetime64[us]").item()  # a datetime (None for NaT)
            # A date with no time of day is a date, as numpy's own day unit gives it.
            if isinstance(value, _dt.datetime) and value.time() == _dt.time() and value.tzinfo is None:
                return value.date() if raw.dtype.name == "datetime64[D]" else value
            return value
        if hasattr(raw, "item"):
            return raw.item()
        return raw
    if module.startswith("pandas") and kind.__name__ in ("NAType", "NaTType"):
        return None
    return raw


def is_missing(raw: Any) -> bool:
    """True for the raw values that mean "no value": None, blank strings and NaN (and, from
    numpy or pandas, ``NA`` and ``NaT``)."""
    if type(raw) not in _PLAIN_TYPES:
        raw = plain(raw)
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, float):
        return math.isnan(raw)
    return False


def _to_text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _to_code(raw)
    raise InvalidValue(_("expected text, got {kind}").format(kind=type(raw).__name__))


def _to_code(raw: Any) -> str:
    if isinstance(raw, bool):
        raise InvalidValue(_("expected a code value, got a boolean"))
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (int, float)):
        return str(raw)
    if isinstance(raw, str):
        return raw.strip()
    raise InvalidValue(_("expected a code value, got {kind}").format(
                           kind=type(raw).__name__))


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _to_number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise InvalidValue(_("expected a number, got a boolean"))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if math.isinf(raw):
            raise InvalidValue(_("expected a finite number"))
        return int(raw) if raw.is_integer() else raw
    if isinstance(raw, str):
        text = raw.strip()
        # A Dutch export writes 12,5 for 12.5; accept a lone decimal comma, never a
        # thousands separator (1,000 would be ambiguous).
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        if _NUMBER.fullmatch(text):
            if _INTEGER.fullmatch(text):
                try:
                    return int(text)
                except ValueError:  # Python's limit on the digits of an int read from text
                    raise InvalidValue(_("a number of {count} digits is too long").format(
                                           count=len(text))) from None
            value = float(text)
            if math.isinf(value):
                raise InvalidValue(_("{text!r} is too large a number").format(text=text))
            return int(value) if value.is_integer() and abs(value) < 2**53 else value
        raise InvalidValue(_("{value!r} is not a number").format(value=raw.strip()))
    raise InvalidValue(_("expected a number, got {kind}").format(kind=type(raw).__name__))


_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def _to_date(raw: Any) -> _dt.date | None:
    if isinstance(raw, _dt.datetime):
        return raw.date()
    if isinstance(raw, _dt.date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if text == "00000000":
            return None
        match = _DATE_ISO.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
        if match:
            try:
                return _dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                raise InvalidValue(_("{text!r} is not a real date").format(text=text)) from None
        raise InvalidValue(_("{text!r} is not a date (expected YYYY-MM-DD)").format(text=text))
    raise InvalidValue(_("expected a date, got {kind}").format(kind=type(raw).__name__))


def _to_month(raw: Any) -> Month:
    """A ``month`` value: ``YYYY-MM`` or ``YYYYMM`` text, or a date on a month's first day."""
    if isinstance(raw, _dt.datetime):
        raw = raw.date()
    if isinstance(raw, _dt.date):
        if raw.day != 1:
            raise InvalidValue(_("{isoformat} is not the first day of a month").format(
                                   isoformat=raw.isoformat()))
        return Month.of(raw)
    if isinstance(raw, str):
        try:
            return read_month(raw.strip())
        except ValueError as error:
            raise InvalidValue(str(error)) from None
    raise InvalidValue(_("expected a month, got {kind}").format(kind=type(raw).__name__))


# The words a boolean is read from (any case); every backend reads booleans from these.
TRUE_WORDS = frozenset({"true", "yes", "ja", "j", "y", "1", "waar"})
FALSE_WORDS = frozenset({"false", "no", "nee", "n", "0", "onwaar"})


def _to_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise InvalidValue(_("{value!r} is not a boolean (expected true or false)").format(
                               value=raw.strip()))
    raise InvalidValue(_("expected true or false, got {kind}").format(
                           kind=type(raw).__name__))


_DIGITS = re.compile(r"[0-9]+")


def _to_digits(length: int) -> Callable[[Any], str]:
    def convert(raw: Any) -> str:
        if type(raw) is str:  # the common case first: a CSV cell
            text = raw.strip()
        elif isinstance(raw, int) and not isinstance(raw, bool):
            text = str(raw).zfill(length)  # a typed column's number lost its leading zeros
        else:
            text = _to_text(raw)
        if len(text) != length or not _DIGITS.fullmatch(text):
            raise InvalidValue(_("{text!r} is not {length} digits").format(
                                   text=text, length=length))
        return text

    return convert


_ELEVEN_TEST_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
# The weighted sum of nine '0' characters (code 48): subtracted once instead of per digit.
_ELEVEN_TEST_ZEROS = 48 * sum(_ELEVEN_TEST_WEIGHTS)


def passes_eleven_test(digits: str) -> bool:
    """The BSN 11-test: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11 (and not 0).

    ``digits`` is nine ASCII digits.

    >>> passes_eleven_test("999990019"), passes_eleven_test("999990018")
    (True, False)
    """
    total: int = sum(map(operator.mul, _ELEVEN_TEST_WEIGHTS, digits.encode("ascii"))) - _ELEVEN_TEST_ZEROS
    return total % 11 == 0 and total != 0


_to_nine_digits = _to_digits(9)


def _to_bsn(raw: Any) -> str:
    text = _to_nine_digits(raw)
    if not passes_eleven_test(text):
        raise InvalidValue(_("{text!r} is not a valid BSN (it fails the 11-test)").format(
                               text=text))
    return text


def format_typed(value: Any) -> str:
    """A typed value written as a record file holds it, so that reading it gives it back.

    >>> format_typed(None), format_typed(True), format_typed(_dt.date(2025, 1, 31)), format_typed(0.1)
    ('', 'true', '2025-01-31', '0.1')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)  # for a float, str() is its shortest exact form, as repr()


@attrs.frozen
class ValueType:
    """A field type: its name in rulebooks, how raw values convert, and what it supports.

    ``convert`` returns the typed value (or None for a value that means missing) and raises
    :class:`InvalidValue` for a value that is not of the type. ``base`` is the type whose
    values it holds and whose operators apply (a ``bsn`` is a text that passes the 11-test).
    A type written with an argument (``digits(4)``) is made by ``with_argument``.
    """

    name: str
    noun: str  # "a date", used in messages
    convert: Callable[[Any], Any]
    ordered: bool
    problem_code: str  # the reason code of a record whose value does not convert
    base: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))
    argument: str | None = None  # what the argument means ("the number of digits"), if any
    with_argument: Callable[[int], ValueType] | None = attrs.field(default=None, eq=False, repr=False)
    length: int | None = None  # for digits(n): n


def _digits_type(length: int) -> ValueType:
    return ValueType(
        f"digits({length})", f"{length} digits", _to_digits(length), ordered=False,
        problem_code="invalid_digits", base="text", length=length,
    )


VALUE_TYPES: dict[str, ValueType] = {
    t.name: t
    for t in (
        ValueType("code", N_("a code"), _to_code, ordered=False, problem_code="unknown_code"),
        ValueType("text", N_("a text"), _to_text, ordered=False, problem_code="invalid_text"),
        ValueType("number", N_("a number"), _to_number, ordered=True, problem_code="invalid_number"),
        ValueType("date", N_("a date"), _to_date, ordered=True, problem_code="invalid_date"),
        # A month, read as its first day: the SRG reporting period [REF 5.1 #1-2].
        ValueType("month", N_("a month"), _to_month, ordered=True, problem_code="invalid_month",
                  base="date"),
        ValueType("boolean", N_("a boolean"), _to_boolean, ordered=False, problem_code="invalid_boolean"),
        # A Dutch citizen service number: nine digits passing the 11-test [REF 5.1 #8].
        ValueType("bsn", N_("a BSN"), _to_bsn, ordered=False, problem_code="invalid_bsn",
                  base="text", length=9),
        # A fixed number of digits, leading zeros kept: a CBS municipality code is digits(4).
        ValueType("digits", "digits", _to_digits(1), ordered=False, problem_code="invalid_digits",
                  base="text", argument="the number of digits", with_argument=_digits_type),
    )
}


@attrs.frozen
class FieldProblem:
    """Why one field of a record is not acceptable. ``reason`` is the stable form
    ``<code>:<field>`` that appears in a decision's reasons."""

    field: str
    code: str
    detail: str
    value: Any = None
    # The code list a misspelt code is compared with; the "did you mean" is worked out only
    # when the message is read, since a run rejecting many records never reads most of them.
    choices: Mapping[str, Any] | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def reason(self) -> str:
        return f"{self.code}:{self.field}"

    @property
    def message(self) -> str:
        if self.choices is None:
            return self.detail
        hint = did_you_mean(str(self.value).strip(), self.choices)
        return f"{self.detail} ({hint})" if hint else self.detail


@attrs.frozen
class Field:
    """A declared field. ``codes`` maps each code value to its label (or None) for code fields."""

    name: str
    type: ValueType
    optional: bool = False
    codes: Mapping[str, str | None] | None = None

    def read(self, raw: Any) -> tuple[Scalar | None, FieldProblem | None]:
        """Convert a raw value; returns (value or None when missing, problem or None)."""
        if type(raw) not in _PLAIN_TYPES:
            raw = plain(raw)
        if is_missing(raw):
            value = None
        else:
            try:
                value = self.type.convert(raw)
            except InvalidValue as error:
                return None, FieldProblem(self.name, self.type.problem_code, str(error), raw)
            if self.codes is not None and value not in self.codes:
                return None, FieldProblem(
                    self.name, "unknown_code",
                    _("{value!r} is not in the code list of '{name}'").format(
                        value=value, name=self.name), raw, self.codes,
                )
        if value is None and not self.optional:
            return None, FieldProblem(self.name, "missing_value", _("a value is required"), raw)
        return value, None


@attrs.frozen
class OutputSpec:
    """The classification output: its name (``type``) and its code list with labels."""

    name: str
    codes: Mapping[str, str | None]


@attrs.frozen
class Schema:
    fields: Mapping[str, Field]
    output: OutputSpec | None = None

    def read(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
        """Typed values for every declared field (None when missing or invalid) and problems.

        Keys of the record that are not declared fields are ignored here; the caller keeps
        them (the CLI writes every input column back out).
        """
        values: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        get = record.get
        for name, field in self.fields.items():
            value, problem = field.read(get(name))
            values[name] = value
            if problem is not None:
                problems.append(problem)
        return values, problems
