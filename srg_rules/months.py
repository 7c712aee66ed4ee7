"""Months: the ``month`` field type's values, how they are written, and month starts.

Place in the pipeline: a library of semantics below the schema, as :mod:`srg_rules.dates` is
for date arithmetic. Input: the raw value of a ``month`` field (``2026-01`` or ``202601``, the
SRG layout's Statistiekjaar and Statistiekmaand [REF 5.1 #1-2]). Output: a :class:`Month`, the
first day of that month; and, for the analysis and the strategies, the month starts near a day.

A month *is* a date: :class:`Month` is a ``datetime.date`` (always a first day) that equals,
orders and hashes as that date, so every comparison and every date shift treats it as one
(a shift gives a plain date: ``2026-01 + 5 days`` is 2026-01-06). It differs only in how it is
written: ``str`` and ``isoformat`` give ``YYYY-MM``, so that explanations, witnesses and
records written back show a month as a record holds it, and reading that text gives it back.

Invariants: :func:`read_month` accepts exactly :data:`MONTH_PATTERN` with a year 0001-9999
and a month 01-12 (the SQL backend reads the same texts with the same pattern); every
:class:`Month` is a first day.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import SupportsIndex, overload

__all__ = ["MONTH_PATTERN", "Month", "is_month_start", "month_starts_near", "read_month"]

MONTH_PATTERN = "^([0-9]{4})-?([0-9]{2})$"
"""The texts a month is read from: ``YYYY-MM`` or ``YYYYMM`` (written with classes, not
backslashes, so that SQL dialects take the same pattern)."""

_MONTH = re.compile(MONTH_PATTERN)


class Month(_dt.date):
    """The first day of a month, written ``YYYY-MM``.

    >>> Month.of(_dt.date(2026, 1, 1)), str(Month(2026, 1, 1)), Month(2026, 1, 1) == _dt.date(2026, 1, 1)
    (Month(2026, 1, 1), '2026-01', True)
    """

    __slots__ = ()

    def __new__(cls, year: int, month: int, day: int = 1) -> Month:
        if day != 1:
            raise ValueError(f"a month starts on its first day, not on day {day}")
        return super().__new__(cls, year, month, 1)

    @classmethod
    def of(cls, day: _dt.date) -> Month:
        """The month starting on ``day`` (which must be a first day)."""
        return cls(day.year, day.month, day.day)

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    __str__ = isoformat

    def __repr__(self) -> str:
        return f"Month({self.year}, {self.month}, 1)"

    def __reduce__(self) -> tuple[type[Month], tuple[int, int]]:
        return (Month, (self.year, self.month))

    # Arithmetic and replace() on a date subclass make the subclass; a day moved off the
    # first is no month, so they give plain dates. (typeshed says that a date subclass gets
    # itself back, hence the override ignores below: a plain date is the point.)
    def _plain(self) -> _dt.date:
        return _dt.date(self.year, self.month, 1)

    def __add__(self, other: _dt.timedelta) -> _dt.date:  # type: ignore[override]
        return self._plain() + other

    __radd__ = __add__  # type: ignore[assignment]  # a plain date too (see above)

    @overload  # type: ignore[override]
    def __sub__(self, other: _dt.timedelta) -> _dt.date: ...

    @overload
    def __sub__(self, other: _dt.date) -> _dt.timedelta: ...

    def __sub__(self, other: _dt.timedelta | _dt.date) -> _dt.date | _dt.timedelta:
        # a timedelta gives a date, a date gives a timedelta
        return self._plain() - other

    def replace(self, *args: SupportsIndex,  # type: ignore[override]
                **kwargs: SupportsIndex) -> _dt.date:
        return self._plain().replace(*args, **kwargs)


def read_month(text: str) -> Month:
    """The month a text names; ValueError (saying what was expected) for any other text.

    >>> read_month("2026-01"), read_month("202612")
    (Month(2026, 1, 1), Month(2026, 12, 1))
    >>> read_month("2026-13")
    Traceback (most recent call last):
    ValueError: '2026-13' is not a real month (the month is 01 to 12)
    """
    match = _MONTH.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a month (expected YYYY-MM)")
    year, month = (int(part) for part in match.groups())
    if year == 0 or not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a real month (the month is 01 to 12)"
                         if year else f"{text!r} is not a real month (the year is 0001 to 9999)")
    return Month(year, month)


def is_month_start(day: _dt.date) -> bool:
    """Whether ``day`` is the first day of its month (a value a month field can hold)."""
    return day.day == 1


def month_starts_near(day: _dt.date, around: int = 1) -> list[_dt.date]:
    """The start of ``day``'s month and of the ``around`` months on either side, in the
    calendar (0001-01 to 9999-12), ascending.

    >>> [str(d) for d in month_starts_near(_dt.date(2025, 12, 15))]
    ['2025-11-01', '2025-12-01', '2026-01-01']
    """
    index = day.year * 12 + day.month - 1
    starts = []
    for n in range(index - around, index + around + 1):
        year, month = divmod(n, 12)
        if 1 <= year <= 9999:
            starts.append(_dt.date(year, month + 1, 1))
    return starts
