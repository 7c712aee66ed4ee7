"""``unique`` statements in SQL: one window count per statement over the decided rows.

Place in the pipeline: around the query of :mod:`srg_rules.backends.sql.query`, for a whole
file decided inside DuckDB (:mod:`srg_rules.filerun`). Input: a :class:`Query`, the relation
of raw rows and the columns to pass through. Output: the same ``SELECT`` shape (the passed
columns, ``status``, ``type``, ``reasons``), with :mod:`srg_rules.unique`'s meaning applied:

- a row takes part in a statement when every key field's typed value (the reader's, NULL
  when missing or unreadable) is there and the row is not malformed;
- ``count(*) OVER (PARTITION BY takes_part, key...)`` over 1 marks a duplicate;
- a duplicate is ``rejected`` without a type, its reasons its rejection reasons (when it was
  rejected already) followed by ``duplicate:FIELD`` of each statement it breaks.

A window does not keep the rows' order, so each row is numbered as it is read
(``row_number() OVER ()``, which DuckDB assigns in reading order) and the result is ordered
by that number. That numbering and sort cost a DuckDB file run most of its second thread,
so :mod:`srg_rules.filerun` first asks :func:`duplicate_keys` (a GROUP BY over the key
fields' values only) and then decides with :func:`select_with_duplicates`, which looks each
row's key up among those found: no window, no sort.

Equality of keys is the typed values' equality in Python for texts, codes, digits, dates
(their ``YYYYMMDD`` text) and booleans. A number's value here is a DOUBLE, which tells apart
fewer large integers than Python does: :func:`supported` says no for a key with a number
field, and the caller decides such a file row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from ...decision import Status
from ...records import REASON_SEPARATOR
from .builders import (and_, case, column, comparison, false_if_null, ident, is_not_null, not_,
                       or_, string)
from .inorder import member
from .query import Query

# Every tree given to sqlglot's builders here (exp.alias_, select, from_) is made for that one
# place, so none is copied (copy=False): the aliases alone had deep-copied the two searches of
# the duplicate keys, 0.13 of the 0.2 s that building a file run's query took with 999 keys.

__all__ = ["duplicate_keys", "select_with_duplicates", "select_with_unique", "supported"]


def supported(query: Query) -> bool:
    """Whether the program's ``unique`` keys compare in SQL as in Python (no number field)."""
    fields = query.program.schema.fields
    return all(fields[name].type.base != "number"
               for statement in query.program.unique for name in statement.key)


def select_with_unique(query: Query, rows: exp.Select, passthrough: Sequence[exp.Expr],
                       malformed: str | None, order: str | None = None) -> exp.Select:
    """``query.select(rows, passthrough)``, with the program's ``unique`` statements applied
    (the plain query when it has none). ``malformed`` names the column of ``rows`` that marks
    unreadable rows, which take no part. ``order`` names a column of ``rows`` that orders
    them (for an engine whose ``row_number()`` needs an order: Spark)."""
    statements = query.program.unique
    if not statements:
        return query.select(rows, passthrough=passthrough)
    prefix = query.prefix
    by, order = order, f"{prefix}row"
    ordered = [exp.Order(expressions=[exp.Ordered(this=column(by))])] if by else []
    numbered = rows.copy().select(exp.alias_(
        exp.Window(this=exp.RowNumber(), **({"order": ordered[0]} if ordered else {})),
        order, quoted=True, copy=False))
    keys: list[list[str]] = []
    key_values: list[exp.Expr] = []
    for index, statement in enumerate(statements):
        names = [f"{prefix}u{index}_{position}" for position in range(len(statement.key))]
        keys.append(names)
        key_values += [exp.alias_(query.readers[field].value.copy(), name, quoted=True,
                                  copy=False)
                       for field, name in zip(statement.key, names)]
    flagged = [exp.alias_(column(malformed), f"{prefix}umalformed", quoted=True, copy=False)] \
        if malformed is not None else []
    decided = query.select(numbered, passthrough=[*passthrough, column(order), *key_values,
                                                  *flagged])
    duplicates: list[exp.Expr] = []
    for index, names in enumerate(keys):
        takes_part = and_([*(is_not_null(column(name)) for name in names),
                           *([not_(column(f"{prefix}umalformed"))] if malformed else [])])
        count = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[
            takes_part.copy(), *(column(name) for name in names)])
        duplicate = and_([takes_part, comparison("gt", count, exp.Literal.number(1))])
        duplicates.append(exp.alias_(duplicate, f"{prefix}dup{index}", quoted=True, copy=False))
    # copy=False here and below: the trees are new and large (copying them doubled the
    # time to build a query of the SRG rulebook).
    counted = exp.select(exp.Star(), *duplicates).from_(
        decided.subquery(ident(f"{prefix}decided"), copy=False), copy=False)
    return _marked(query, counted, passthrough).order_by(column(order), copy=False)


def _marked(query: Query, counted: exp.Select, passthrough: Sequence[exp.Expr]) -> exp.Select:
    """The decided rows of ``counted`` (with a boolean ``dupN`` column per statement), a
    duplicate rejected: status, type and reasons as :mod:`srg_rules.unique` gives them."""
    prefix = query.prefix
    statements = query.program.unique
    flags = [column(f"{prefix}dup{index}") for index in range(len(statements))]
    any_duplicate = or_(flags)
    reasons = [case([(flag.copy(), string(statement.reason))])
               for flag, statement in zip(flags, statements)]
    rejected = comparison("eq", column("status"), string(Status.REJECTED.value))
    # The reason of a statement the row does not break is NULL, which CONCAT_WS skips in
    # DuckDB, PostgreSQL and Spark; without ``coalesce`` sqlglot writes it as SQL's ``||``,
    # where a NULL makes the whole NULL (a row breaking one of two statements had no reasons).
    added = exp.ConcatWs(expressions=[string(REASON_SEPARATOR), *reasons], coalesce=True)
    kept = exp.ConcatWs(expressions=[string(REASON_SEPARATOR), column("reasons"),
                                     *(r.copy() for r in reasons)], coalesce=True)
    outputs = [
        exp.alias_(case([(any_duplicate, string(Status.REJECTED.value))], column("status")),
                   "status", quoted=True, copy=False),
        exp.alias_(case([(any_duplicate.copy(), exp.Null())], column("type")), "type",
                   quoted=True, copy=False),
        exp.alias_(case([(any_duplicate.copy(), case([(rejected, kept)], added))],
                        column("reasons")), "reasons", quoted=True, copy=False),
    ]
    if query.program.by_verb("warn"):
        # A duplicate keeps its warnings, as in Python (unique.with_duplicates).
        outputs.append(exp.alias_(column("warnings"), "warnings", quoted=True, copy=False))
    passed = [column(item.alias_or_name) for item in passthrough]
    return exp.select(*passed, *outputs).from_(
        counted.subquery(ident(f"{prefix}counted"), copy=False), copy=False)


# --- the duplicates found first, the rows then decided in one pass, in order ------------------


def _key_text(values: Sequence[exp.Expression]) -> exp.Expression:
    """One text for a key's values, NULL when one is: the values as text (a boolean's
    ``true``/``false``), each but the last after its length and a colon, so that two keys
    have the same text only when every value is the same."""
    parts: list[exp.Expression] = []
    for position, value in enumerate(values):
        text = exp.cast(value.copy(), "VARCHAR")
        if position < len(values) - 1:
            parts += [exp.cast(exp.Length(this=text.copy()), "VARCHAR"), string(":")]
        parts.append(text)
    result = parts[0]
    for part in parts[1:]:
        result = exp.DPipe(this=result, expression=part, safe=False)
    return result


def duplicate_keys(query: Query, rows: exp.Select, malformed: str | None) -> exp.Select:
    """A query of the keys that occur more than once: ``(statement, first, key)`` rows,
    ``statement`` the index of a ``unique`` statement, ``first`` its first key field's value
    and ``key`` the whole key as one text, as :func:`select_with_duplicates` is given them
    back. A row whose key has a missing value, or a malformed row, takes no part. It
    computes the key fields' values only, not the decision, and groups by them as they are
    (the texts are made for the few keys found). For DuckDB."""
    prefix = query.prefix
    statements = query.program.unique
    source = _values_only(query, rows, [query.readers[field].value for statement in statements
                                        for field in statement.key])
    found_keys: exp.Query | None = None
    for index, statement in enumerate(statements):
        names = [f"{prefix}g{position}" for position in range(len(statement.key))]
        values = [query.readers[field].value for field in statement.key]
        # No WHERE: DuckDB would push a test of a value down into a filter, where it expands
        # the binary search of a code list (inorder) into a test of every code (measured: 4.7
        # s instead of 0.1 s a million rows). Rows with a missing value or malformed are left
        # out by counting, per key value, only the rows that take part: a value is the same
        # on every row of its group, so each count is the group's size or 0.
        counts = [comparison("gt", exp.Count(this=case(
            [(not_(column(malformed)), value.copy())]) if malformed else value.copy()),
            exp.Literal.number(1)) for value in values]
        grouped = exp.select(*(exp.alias_(value.copy(), name, quoted=True, copy=False)
                               for value, name in zip(values, names))).from_(
            source.copy()).group_by(*(value.copy() for value in values)).having(and_(counts))
        found = exp.select(
            exp.alias_(exp.Literal.number(index), "statement", quoted=True, copy=False),
            exp.alias_(exp.cast(column(names[0]), "VARCHAR"), "first", quoted=True,
                       copy=False),
            exp.alias_(_key_text([column(name) for name in names]), "key", quoted=True,
                       copy=False),
        ).from_(grouped.subquery(ident(f"{prefix}grouped{index}")))
        found_keys = found if found_keys is None else exp.union(found_keys, found, distinct=False)
    assert found_keys is not None, "a program without unique statements has no duplicate keys"
    return exp.select(exp.Star()).from_(found_keys.subquery(ident(f"{prefix}counts")))


def _values_only(query: Query, rows: exp.Select, wanted: Sequence[exp.Expression]) -> exp.Expr:
    """``rows`` with the named values of ``query``'s plan that ``wanted`` uses, and those
    they use, stage by stage as the query computes them; nothing else of the query."""
    plan = query.plan
    needed: set[str] = set()
    waiting = [c.name for item in wanted for c in item.find_all(exp.Column)]
    while waiting:
        name = waiting.pop()
        if name in plan.expressions and name not in needed:
            needed.add(name)
            waiting += [c.name for c in plan.expressions[name].find_all(exp.Column)]
    relation: exp.Expr = rows.subquery(ident(f"{query.prefix}input"))
    for index, names in enumerate(plan.stages(), start=1):
        values = [exp.alias_(plan.expressions[n].copy(), n, quoted=True, copy=False)
                  for n in names if n in needed]
        if values:
            relation = exp.select(exp.Star(), *values).from_(relation).subquery(
                ident(f"{query.prefix}keystage{index}"))
    return relation


def select_with_duplicates(query: Query, rows: exp.Select, passthrough: Sequence[exp.Expr],
                           malformed: str | None,
                           duplicates: Sequence[Sequence[tuple[str, str]]]) -> exp.Select:
    """:func:`select_with_unique` for keys known beforehand (:func:`duplicate_keys`;
    ``duplicates[i]`` the ``(first, key)`` texts of statement ``i``'s keys that occur more
    than once): a row is a duplicate when its first key value is one of the firsts and then
    its key text one of the keys, each found by a binary search over the sorted texts
    (:func:`srg_rules.backends.sql.inorder.member`; the key text is made only for a row that
    passed the first). No window, no join and no sort, so DuckDB decides the rows on every
    thread and writes them in the order read. DuckDB only: it orders texts by their bytes, as
    the search needs."""
    prefix = query.prefix
    statements = query.program.unique
    firsts = [exp.alias_(exp.cast(query.readers[statement.key[0]].value.copy(), "VARCHAR"),
                         f"{prefix}k{index}", quoted=True, copy=False)
              for index, statement in enumerate(statements)]
    values = [exp.alias_(query.readers[field].value.copy(), f"{prefix}u{index}_{position}",
                         quoted=True, copy=False)
              for index, statement in enumerate(statements)
              for position, field in enumerate(statement.key)]
    flagged = [exp.alias_(column(malformed), f"{prefix}umalformed", quoted=True, copy=False)] \
        if malformed is not None else []
    decided = query.select(rows, passthrough=[*passthrough, *firsts, *values, *flagged])
    # A row's key text is made once, in a projection of its own, and only when its first
    # value is among the firsts: written into every comparison of the search, DuckDB made it
    # again for each (measured: 1.5 s of CPU a million rows for 999 keys, 0.1 s as a column).
    keyed: list[exp.Expr] = []
    marks: list[exp.Expr] = []
    for index, (statement, found) in enumerate(zip(statements, duplicates)):
        if found:
            key = _key_text([column(f"{prefix}u{index}_{position}")
                             for position in range(len(statement.key))])
            first = member(column(f"{prefix}k{index}"), [string(f) for f, _ in found])
            keyed.append(exp.alias_(case([(first, key)]), f"{prefix}key{index}", quoted=True,
                                    copy=False))
            mark = false_if_null(member(column(f"{prefix}key{index}"),
                                        [string(k) for _, k in found]))
        else:
            mark = exp.false()
        if malformed is not None:
            mark = and_([not_(column(f"{prefix}umalformed")), mark])
        marks.append(exp.alias_(mark, f"{prefix}dup{index}", quoted=True, copy=False))
    if keyed:
        decided = exp.select(exp.Star(), *keyed).from_(
            decided.subquery(ident(f"{prefix}keyed"), copy=False), copy=False)
    counted = exp.select(exp.Star(), *marks).from_(
        decided.subquery(ident(f"{prefix}decided"), copy=False), copy=False)
    return _marked(query, counted, passthrough)
