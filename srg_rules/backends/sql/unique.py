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
by that number.

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
from .builders import and_, case, column, comparison, ident, is_not_null, not_, or_, string
from .query import Query

__all__ = ["select_with_unique", "supported"]


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
        order, quoted=True))
    keys: list[list[str]] = []
    key_values: list[exp.Expr] = []
    for index, statement in enumerate(statements):
        names = [f"{prefix}u{index}_{position}" for position in range(len(statement.key))]
        keys.append(names)
        key_values += [exp.alias_(query.readers[field].value.copy(), name, quoted=True)
                       for field, name in zip(statement.key, names)]
    flagged = [exp.alias_(column(malformed), f"{prefix}umalformed", quoted=True)] \
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
        duplicates.append(exp.alias_(duplicate, f"{prefix}dup{index}", quoted=True))
    counted = exp.select(exp.Star(), *duplicates).from_(
        decided.subquery(ident(f"{prefix}decided")))
    flags = [column(f"{prefix}dup{index}") for index in range(len(statements))]
    any_duplicate = or_(flags)
    reasons = [case([(flag.copy(), string(statement.reason))])
               for flag, statement in zip(flags, statements)]
    rejected = comparison("eq", column("status"), string(Status.REJECTED.value))
    added = exp.ConcatWs(expressions=[string(REASON_SEPARATOR), *reasons])
    kept = exp.ConcatWs(expressions=[string(REASON_SEPARATOR), column("reasons"),
                                     *(r.copy() for r in reasons)])
    outputs = [
        exp.alias_(case([(any_duplicate, string(Status.REJECTED.value))], column("status")),
                   "status", quoted=True),
        exp.alias_(case([(any_duplicate.copy(), exp.Null())], column("type")), "type",
                   quoted=True),
        exp.alias_(case([(any_duplicate.copy(), case([(rejected, kept)], added))],
                        column("reasons")), "reasons", quoted=True),
    ]
    if query.program.by_verb("warn"):
        # A duplicate keeps its warnings, as in Python (unique.with_duplicates).
        outputs.append(exp.alias_(column("warnings"), "warnings", quoted=True))
    passed = [column(item.alias_or_name) for item in passthrough]
    return exp.select(*passed, *outputs).from_(
        counted.subquery(ident(f"{prefix}counted"))).order_by(column(order))
