"""Date arithmetic: the one definition of moving a date by days, weeks, months or years.

Place in the pipeline: a library of semantics below every evaluator, as
:mod:`srg_rules.operators` is for comparisons. Input: a ``datetime.date``, a whole number and a
unit. Output: a ``datetime.date``, or None when the result falls outside the calendar the
language knows (0001-01-01 to 9999-12-31), which every evaluator treats as a missing value.

The rule (docs/language.md, "Date arithmetic"): days and weeks move by that many days; months
and years move the month (a year is 12 months) and keep the day of the month, clamped to the
last day of the month reached: 2024-01-31 + 1 months = 2024-02-29, and a month end does not
stick: 2024-02-29 + 1 months = 2024-03-29.

Age (docs/language.md, "Age"): the whole years from a birth date to another date, the largest
``n`` whose ``n``-th birthday (the birth date moved by ``n`` years, as above, so a birthday on
29 February falls on 28 February in a common year) lies on or before that date; negative when
the date lies before the birth date.
"""

from __future__ import annotations

import calendar
import datetime as _dt

__all__ = ["UNITS", "age", "leap_year", "shift", "unit_of"]

UNITS: dict[str, str] = {
    "day": "days", "days": "days", "week": "weeks", "weeks": "weeks",
    "month": "months", "months": "months", "year": "years", "years": "years",
}
"""The words a rulebook may write for a unit, to the unit's canonical (plural) name."""


def unit_of(word: str) -> str | None:
    """The canonical unit a word names (``month`` -> ``months``), or None."""
    return UNITS.get(word)


def shift(day: _dt.date, amount: int, unit: str) -> _dt.date | None:
    """``day`` moved by ``amount`` (negative: back) ``unit`` s; None outside the calendar.

    >>> shift(_dt.date(2024, 1, 31), 1, "months"), shift(_dt.date(2024, 2, 29), 1, "months")
    (datetime.date(2024, 2, 29), datetime.date(2024, 3, 29))
    >>> shift(_dt.date(2024, 2, 29), -1, "years"), shift(_dt.date(2024, 3, 1), -1, "days")
    (datetime.date(2023, 2, 28), datetime.date(2024, 2, 29))
    >>> shift(_dt.date(9999, 12, 31), 1, "days") is None
    True
    """
    if unit in ("days", "weeks"):
        days = amount * 7 if unit == "weeks" else amount
        ordinal = day.toordinal() + days
        if not 1 <= ordinal <= _dt.date.max.toordinal():
            return None
        return _dt.date.fromordinal(ordinal)
    if unit not in ("months", "years"):
        raise ValueError(f"not a unit of time: {unit!r}")
    months = amount * 12 if unit == "years" else amount
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, month + 1)[1]
    return _dt.date(year, month + 1, min(day.day, last))


def leap_year(year: int) -> bool:
    """Whether ``year`` has a 29 February (the Gregorian rule every backend writes out)."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def age(birth: _dt.date, on: _dt.date) -> int:
    """The age in whole years on ``on`` of someone born on ``birth``: the largest ``n`` with
    ``shift(birth, n, "years") <= on``. A 29 February birthday is on 28 February in a common
    year. Before ``birth`` the age is negative by the same rule: -1 from the birthday a year
    before the birth date up to the day before the birth date.

    >>> age(_dt.date(2006, 5, 1), _dt.date(2024, 4, 30)), age(_dt.date(2006, 5, 1), _dt.date(2024, 5, 1))
    (17, 18)
    >>> age(_dt.date(2004, 2, 29), _dt.date(2022, 2, 27)), age(_dt.date(2004, 2, 29), _dt.date(2022, 2, 28))
    (17, 18)
    >>> age(_dt.date(2004, 2, 29), _dt.date(2024, 2, 28)), age(_dt.date(2004, 2, 29), _dt.date(2024, 2, 29))
    (19, 20)
    >>> age(_dt.date(2000, 6, 1), _dt.date(2000, 5, 31)), age(_dt.date(2000, 6, 1), _dt.date(1999, 6, 1))
    (-1, -1)
    """
    years = on.year - birth.year
    # The birthday in on's year: a 29 February one on the 28th in a common year.
    day = 28 if (birth.month, birth.day) == (2, 29) and not leap_year(on.year) else birth.day
    return years - 1 if (on.month, on.day) < (birth.month, day) else years
