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
a first pass over its input and decides in a second. :class:`DuplicateRows`, for a run that
reads its file twice in the same order, keeps the same entries (each key's first row) and
the positions of the duplicated rows, so that its second pass reads no key.
"""

from __future__ import annotations

import attrs

import bisect
import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import ir
from .decision import Decision, Status
from .schema import Field

__all__ = ["DuplicateRows", "KeyCounts", "read_keys", "sharing", "with_duplicates"]


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
        self._counts: list[Counter[tuple[Any, ...]]] = [Counter() for _ in self.statements]

    def __bool__(self) -> bool:
        return bool(self.statements)

    @property
    def distinct(self) -> int:
        """How many keys are stored (per statement, added up): what the memory grows with."""
        return sum(len(counts) for counts in self._counts)

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field some key reads."""
        return _key_fields(self.statements)

    def count(self, values: Mapping[str, Any]) -> None:
        """Count one record, given its typed values (None: missing or unreadable)."""
        for statement, counts in zip(self.statements, self._counts):
            key = _key(statement, values)
            if key is not None:
                counts[key] = counts.get(key, 0) + 1

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


class DuplicateRows:
    """The rows of a run whose key of some ``unique`` statement occurs more than once, by
    their position in the run (0 for the first row read), for a run that reads its input
    twice in the same order (the batched CSV run, :mod:`srg_rules.run`). The first pass
    gives each row's key values (those of :attr:`fields`, in order) to :meth:`add_many` or
    :meth:`add`; the second asks :meth:`between` for a batch's duplicated rows and
    :meth:`reasons_at` for a row, and reads no key again. Stored per statement: the first
    position of each key (where a count would store its count) and the positions of the rows
    found duplicated.

    >>> from srg_rules import parse
    >>> book = parse("field id: text\\nfield n: number\\nunique id\\ninclude when n > 1")
    >>> rows = DuplicateRows(book.program.unique)
    >>> rows.add_many([("a",), ("b",), (None,), ("a",)], first=0)
    >>> rows.between(0, 4), rows.reasons_at(3), rows.reasons_at(1)
    ([0, 3], ('duplicate:id',), ())
    """

    def __init__(self, statements: Sequence[ir.Unique]):
        self.statements = tuple(statements)
        self.fields = _key_fields(self.statements)
        # Where each statement's key lies among the values of ``fields``; None: it is all of
        # them, in order (the common case of one statement), so the values are the key.
        self._positions: list[tuple[int, ...] | None] = [
            None if tuple(s.key) == self.fields else tuple(self.fields.index(n) for n in s.key)
            for s in self.statements]
        self._first: list[dict[tuple[Any, ...], int]] = [{} for _ in self.statements]
        self._found: list[set[int]] = [set() for _ in self.statements]
        self._sorted: list[int] | None = None

    def __bool__(self) -> bool:
        return bool(self.statements)

    def add_many(self, rows: Sequence[Sequence[Any]], first: int) -> None:
        """The key values of ``rows``, read at positions ``first``, ``first + 1``...; a key
        with a None (missing or unreadable) takes no part. In C but for the repeats."""
        self._sorted = None
        for positions, first_of, found in zip(self._positions, self._first, self._found):
            keys = list(map(tuple, rows)) if positions is None else [
                tuple(values[i] for i in positions) for values in rows]
            complete = list(map(operator.not_, map(operator.contains, keys,
                                                   itertools.repeat(None))))
            where = list(itertools.compress(itertools.count(first), complete))
            earliest = list(map(first_of.setdefault, itertools.compress(keys, complete), where))
            for own, earlier in itertools.compress(zip(where, earliest),
                                                   map(operator.ne, where, earliest)):
                found.add(own)
                found.add(earlier)

    def add(self, values: Sequence[Any], position: int) -> None:
        """:meth:`add_many` of one row."""
        self.add_many([values], position)

    def between(self, start: int, end: int) -> list[int]:
        """The duplicated rows at positions ``start`` to ``end - 1``, in order."""
        if self._sorted is None:
            self._sorted = sorted(set().union(*self._found))
        return self._sorted[bisect.bisect_left(self._sorted, start):
                            bisect.bisect_left(self._sorted, end)]

    def reasons_at(self, position: int) -> tuple[str, ...]:
        """The ``duplicate:FIELD`` reasons of the row at ``position``, in statement order."""
        return tuple(dict.fromkeys(statement.reason for statement, found
                                   in zip(self.statements, self._found) if position in found))


def _key_fields(statements: Sequence[ir.Unique]) -> tuple[str, ...]:
    """Every field some statement's key reads, in order of first use."""
    return tuple(dict.fromkeys(name for statement in statements for name in statement.key))


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
