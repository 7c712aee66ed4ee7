"""Boundaries of ages (``age(b, d) OP n``): the dates worth drawing records at.

Place in the pipeline: used by the boundaries of :mod:`srg_rules.strategies` for a comparison
holding an age. Input: each date operand of the age (a field's name, or a constant date) and
the number it is compared with. Output: per date field, the day ordinals (the keys the
strategies draw dates by) where the age crosses that number: the birthday at that age, the
day before and the day after, and for a birthday on 29 February the 28 February and 1 March
of common years (:func:`srg_rules.dates.age`).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from .. import dates
from .planning import MAX_DAY, MIN_DAY, near_preimages

__all__ = ["age_boundaries", "age_steps"]

# Birth dates to pair a free on-date with when both dates are fields: a leap day (whose
# birthday moves in common years), the days around it, and an ordinary day.
_ANCHORS = (_dt.date(2004, 2, 29), _dt.date(2004, 2, 28), _dt.date(2005, 3, 1),
            _dt.date(2006, 7, 15))


def age_steps(bound: Any) -> list[int]:
    """The whole ages where a comparison with ``bound`` turns, and the ones beside them; none
    for a bound no age reaches (an age lies within 0001..9999 years either way)."""
    if isinstance(bound, bool) or not isinstance(bound, (int, float)) \
            or not math.isfinite(bound) or abs(bound) > 10_000:
        return []
    return sorted({math.floor(bound) + step for step in (-1, 0, 1)} | {math.ceil(bound)})


def age_boundaries(birth: str | _dt.date | None, on: str | _dt.date | None,
                   bound: Any) -> dict[str, set[int]]:
    """Per date field of ``age(birth, on)`` (a name; a date is a constant), the day ordinals
    where the age reaches ``bound`` or the whole years beside it. None for a missing constant:
    no boundaries."""
    found: dict[str, set[int]] = {}
    if birth is None or on is None:
        return found
    ages = age_steps(bound)
    births = (birth,) if isinstance(birth, _dt.date) else _ANCHORS
    for years in ages:
        for born in births:
            birthday = dates.shift(born, years, "years")
            if isinstance(birth, str):
                # The birth dates whose birthday at that age falls on or beside the on-date.
                targets = (on,) if isinstance(on, _dt.date) else ()
                for target in targets:
                    found.setdefault(birth, set()).update(
                        near_preimages(years, "years", target.toordinal()))
                if not isinstance(on, _dt.date):
                    found.setdefault(birth, set()).add(born.toordinal())
            if isinstance(on, str) and birthday is not None:
                day = birthday.toordinal()
                found.setdefault(on, set()).update(
                    d for d in (day - 1, day, day + 1) if MIN_DAY <= d <= MAX_DAY)
                if (birthday.month, birthday.day) == (2, 28) and (born.month, born.day) == (2, 29):
                    found[on].add(day + 1)  # the 1 March after a common year's birthday
    return found
