"""Checks across the records of one run: ``unique KEY, ...``.

Place in the pipeline: beside the backends, after them. A backend decides one record at a
time and cannot see the others; this module counts the keys of the records of a run and turns
the decision of a record whose key occurs more than once into a rejection. The row-by-row run
(:mod:`srg_rules.run`), :meth:`srg_rules.rulebook.Rulebook.decide_many` and ``decide_source``
use it; a DuckDB run computes the same with one window count per statement
(:mod:`srg_rules.backends.sql.unique`).

The meaning (docs/language.md, "Unique keys"):

- a record's key is the typed values of the key fields, as the schema reads them; a record
  with a key field missing or unreadable (a field problem) takes no part, and neither does a
  row that cannot be read as a record (``malformed_row``);
- every other record is an occurrence of its key, whatever its own decision: records
  rejected for other reasons count;
- a record whose key occurs more than once is rejected, without a type. Its reasons are
  ``duplicate:FIRST`` (the first key field) of each statement it breaks, in statement order,
  after its rejection reasons when it was rejected already; the rule ids that would have
  included or excluded it are not kept (they were not reasons to reject).

Memory: :class:`KeyCounts` keeps one entry per distinct key, never a record; a run counts in
a first pass over its input and decides in a second.
"""

from __future__ import annotations

import attrs

import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from . import ir
from .decision import Decision, Status
from .schema import Field

__all__ = ["KeyCounts", "read_keys", "sharing", "with_duplicates"]


class KeyCounts:
    """How often each key of a program's ``unique`` statements occurs.

    Feed it every record of a run with :meth:`count` (typed values, or raw values through
    :meth:`count_raw`), then ask :meth:`reasons` or :meth:`apply` for each. Only keys are
    stored: one dictionary entry per distinct key and statement.

    >>> from srg_rules import parse
    >>> book = parse("field id: text\\nfield n: number\\nunique id\\ninclude when n > 1")
    >>> counts = KeyCounts(book.program.unique)
    >>> for record in ({"id": "a"}, {"id": "a"}, {"id": "b"}, {"id": ""}):
    ...     counts.count_raw(record, book.fields)
    >>> counts.reasons({"id": "a"}), counts.reasons({"id": "b"}), counts.reasons({"id": None})
    (('duplicate:id',), (), ())
    """

    def __init__(self, statements: Sequence[ir.Unique]):
        self.statements = tuple(statements)
        # Counters, so that many keys are counted at once in C (count_many).
        self._counts: list[Counter[tuple[Any, ...]]] = [Counter() for _ in self.statements]
        # Where each statement's key lies among the values of ``fields``; None: it is all of
        # them, in order (the common case of one statement), so the values are the key.
        every = self.fields
        self._positions: list[tuple[int, ...] | None] = [
            None if tuple(s.key) == every else tuple(every.index(name) for name in s.key)
            for s in self.statements]
        self._whole: tuple[Counter[tuple[Any, ...]], tuple[str, ...]] | None = (
            (self._counts[0], (self.statements[0].reason,))
            if len(self.statements) == 1 and self._positions[0] is None else None)

    def __bool__(self) -> bool:
        return bool(self.statements)

    @property
    def distinct(self) -> int:
        """How many keys are stored (per statement, added up): what the memory grows with."""
        return sum(len(counts) for counts in self._counts)

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field some key reads."""
        return tuple(dict.fromkeys(name for s in self.statements for name in s.key))

    def count(self, values: Mapping[str, Any]) -> None:
        """Count one record, given its typed values (None: missing or unreadable)."""
        for statement, counts in zip(self.statements, self._counts):
            key = _key(statement, values)
            if key is not None:
                counts[key] = counts.get(key, 0) + 1

    def count_keys(self, values: Sequence[Any]) -> None:
        """Count one record given the typed values of :attr:`fields`, in that order (a row
        read by position, :func:`srg_rules.backends.python.compile_rows`)."""
        for positions, counts in zip(self._positions, self._counts):
            key = tuple(values) if positions is None else tuple(values[i] for i in positions)
            if None not in key:
                counts[key] = counts.get(key, 0) + 1

    def count_many(self, rows: list[Sequence[Any]]) -> None:
        """:meth:`count_keys` of each of ``rows``; when one statement's key is the values,
        in C (the keys with a None left out by ``compress``, the others counted by
        ``Counter.update``)."""
        if self._whole is None:
            for values in rows:
                self.count_keys(values)
            return
        complete = map(operator.not_, map(operator.contains, rows, itertools.repeat(None)))
        self._whole[0].update(itertools.compress(map(tuple, rows), complete))

    def duplicates_of(self, rows: list[Sequence[Any]]) -> Iterator[tuple[int, tuple[str, ...]]]:
        """The position in ``rows`` and the :meth:`key_reasons` of each of ``rows`` that has
        some; when one statement's key is the values, found in C."""
        if self._whole is None:
            for index, values in enumerate(rows):
                reasons = self.key_reasons(values)
                if reasons:
                    yield index, reasons
            return
        counts, reasons = self._whole
        # A key with a None was never counted: its count is 0.
        found = map(counts.get, map(tuple, rows), itertools.repeat(0))
        for index in itertools.compress(itertools.count(), map((1).__lt__, found)):
            yield index, reasons

    def key_reasons(self, values: Sequence[Any]) -> tuple[str, ...]:
        """:meth:`reasons` of a record given as for :meth:`count_keys`."""
        if self._whole is not None:
            # One statement, its key the values: a key with a None was never counted.
            counts, reasons = self._whole
            return reasons if counts.get(tuple(values), 0) > 1 else ()
        found: list[str] = []
        for statement, positions, counts in zip(self.statements, self._positions, self._counts):
            key = tuple(values) if positions is None else tuple(values[i] for i in positions)
            if None not in key and counts.get(key, 0) > 1 and statement.reason not in found:
                found.append(statement.reason)
        return tuple(found)

    def count_raw(self, record: Mapping[str, Any], fields: Mapping[str, Field]) -> None:
        """Count one record given its raw values; only the key fields are read."""
        self.count(read_keys(record, fields, self.fields))

    def reasons(self, values: Mapping[str, Any]) -> tuple[str, ...]:
        """The ``duplicate:FIELD`` reasons of a counted record (typed values)."""
        found: list[str] = []
        for statement, counts in zip(self.statements, self._counts):
            key = _key(statement, values)
            if key is not None and counts.get(key, 0) > 1 and statement.reason not in found:
                found.append(statement.reason)
        return tuple(found)

    def apply(self, decision: Decision, values: Mapping[str, Any]) -> Decision:
        """The record's decision once its duplicates are known."""
        return with_duplicates(decision, self.reasons(values))

    def occurrences(self, statement: ir.Unique, values: Mapping[str, Any]) -> int:
        """How often the record's key of ``statement`` occurred (0: it takes no part)."""
        key = _key(statement, values)
        return 0 if key is None else self._counts[self.statements.index(statement)].get(key, 0)


def read_keys(record: Mapping[str, Any], fields: Mapping[str, Field],
              names: Iterable[str]) -> dict[str, Any]:
    """The typed values of ``names`` in a raw record (None: missing or unreadable)."""
    get = record.get
    return {name: fields[name].read(get(name))[0] for name in names}


def _key(statement: ir.Unique, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    key = tuple(values.get(name) for name in statement.key)
    return None if any(value is None for value in key) else key


def with_duplicates(decision: Decision, reasons: Sequence[str]) -> Decision:
    """``decision`` rejected for ``reasons`` (``duplicate:...``), or as it is without any.

    >>> with_duplicates(Decision(Status.INCLUDED, "A", ("big",)), ("duplicate:id",))
    Decision(status=<Status.REJECTED: 'rejected'>, type=None, reasons=('duplicate:id',))
    >>> with_duplicates(Decision(Status.REJECTED, None, ("r1",)), ("duplicate:id",)).reasons
    ('r1', 'duplicate:id')
    """
    if not reasons:
        return decision
    kept = decision.reasons if decision.status is Status.REJECTED else ()
    # A duplicate keeps its warnings: they are computed for every record read.
    return attrs.evolve(decision, status=Status.REJECTED, type=None, reasons=(*kept, *reasons))


def sharing(statements: Sequence[ir.Unique], values: Mapping[str, Any],
            records: Iterable[tuple[Sequence[int], Mapping[str, Any]]]
            ) -> list[tuple[ir.Unique, list[int]]]:
    """For ``explain``: each statement whose key the record (typed ``values``) shares with
    another record of ``records`` (row numbers and typed values, the record itself among
    them), with the numbers of every row of that key, in order.

    >>> from srg_rules import parse
    >>> book = parse("field id: text\\nunique id\\ninclude when id is present")
    >>> rows = [((1,), {"id": "a"}), ((2,), {"id": "b"}), ((3,), {"id": "a"})]
    >>> [(s.reason, numbers) for s, numbers in sharing(book.program.unique, {"id": "a"}, rows)]
    [('duplicate:id', [1, 3])]
    """
    wanted = [(statement, _key(statement, values)) for statement in statements]
    found: list[list[int]] = [[] for _ in wanted]
    for numbers, other in records:
        for (statement, key), rows in zip(wanted, found):
            if key is not None and _key(statement, other) == key:
                rows.extend(numbers)
    return [(statement, rows) for (statement, _), rows in zip(wanted, found) if len(rows) > 1]
