"""The ways the activities of one provision combine a field, declared once as data.

Input: nothing; this is a table. Output: :data:`COMBINATIONS`, read by :mod:`srg_rules.check`
(which way applies to which field type) and by :mod:`srg_rules.registration` (how to combine
the typed values of a provision's activities into the provision's value).

A way receives the typed values of one field, one per activity in the order the rows came,
with None for a missing value. It returns the provision's value (None for missing) or raises
:class:`Conflict` when the values cannot be combined: the provision is then rejected, naming
the rows, and no value is ever picked silently.

Adding a way: add one :class:`Combination` here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
from .i18n import gettext as _

__all__ = ["COMBINATIONS", "Combination", "Conflict", "DEFAULT_WAY", "picked"]


class Conflict(ValueError):
    """The values of one field differ where the way demands they agree."""


@attrs.frozen
class Combination:
    """One way to combine a field.

    Attributes:
        name: how it is written after ``by`` (``earliest``).
        types: the base value types it applies to (see :data:`srg_rules.schema.VALUE_TYPES`).
        combine: the function from the activities' values to the provision's value.
        words: what it does, in plain words, for explanations and docs.
    """

    name: str
    types: frozenset[str]
    combine: Callable[[Sequence[Any]], Any]
    words: str


def _present(values: Sequence[Any]) -> list[Any]:
    return [value for value in values if value is not None]


def _same(values: Sequence[Any]) -> Any:
    first = values[0]
    for value in values[1:]:
        if value != first:
            raise Conflict(_("the activities have different values"))
    return first


def _earliest(values: Sequence[Any]) -> Any:
    present = _present(values)
    return min(present) if present else None


def _latest(values: Sequence[Any]) -> Any:
    present = _present(values)
    return max(present) if present else None


def _latest_or_missing(values: Sequence[Any]) -> Any:
    # An activity without an end date is still running, and so is its provision.
    if any(value is None for value in values):
        return None
    return max(values)


def _sum(values: Sequence[Any]) -> Any:
    present = _present(values)
    return sum(present) if present else None


def _any(values: Sequence[Any]) -> Any:
    present = _present(values)
    return any(present) if present else None


def _all(values: Sequence[Any]) -> Any:
    present = _present(values)
    return all(present) if present else None


_ORDERED = frozenset({"number", "date"})
_EVERY = frozenset({"code", "text", "number", "date", "boolean"})

COMBINATIONS: dict[str, Combination] = {
    way.name: way
    for way in (
        Combination("same", _EVERY, _same,
                    "must be the same in every activity (a missing value differs from a present one)"),
        Combination("earliest", _ORDERED, _earliest, "the earliest (smallest) present value"),
        Combination("latest", _ORDERED, _latest, "the latest (largest) present value"),
        Combination("latest_or_missing", _ORDERED, _latest_or_missing,
                    "missing if any activity's value is missing (still running), else the latest"),
        Combination("sum", frozenset({"number"}), _sum, "the sum of the present values"),
        Combination("any", frozenset({"boolean"}), _any, "true if any activity's value is true"),
        Combination("all", frozenset({"boolean"}), _all, "true if every present value is true"),
    )
}

DEFAULT_WAY = "same"
"""The way of every field an ``activities`` statement does not name."""


def picked(dates: Sequence[Any], latest: bool) -> list[int]:
    """The positions of the activities that ``FIELD by latest DATE_FIELD`` (``latest``) or
    ``by earliest DATE_FIELD`` takes the value of, given each activity's date.

    Those at the latest (earliest) present date; an activity without the date takes no part,
    unless no activity has one: then no date tells them apart, and every activity is picked.
    The picked activities must agree (``same``), so a tie that disagrees is a conflict.

    >>> import datetime as dt
    >>> picked([dt.date(2025, 9, 15), None, dt.date(2025, 12, 15)], latest=True)
    [2]
    >>> picked([None, None], latest=False)
    [0, 1]
    """
    present = [day for day in dates if day is not None]
    if not present:
        return list(range(len(dates)))
    extreme = max(present) if latest else min(present)
    return [i for i, day in enumerate(dates) if day == extreme]
