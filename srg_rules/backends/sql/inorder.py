"""DuckDB queries that stream the rows in order on every thread: no ``IN`` list of constants.

Place in the pipeline: after :mod:`srg_rules.backends.sql.query` built a query, before DuckDB
runs it over a whole file (:mod:`srg_rules.filerun`, :mod:`srg_rules.tables`). Input: a sqlglot
statement for DuckDB. Output: the same statement with every ``x IN (c1, c2, ...)`` of constants
written as an expression DuckDB evaluates row by row.

Why: DuckDB's ``in_clause`` optimizer turns an ``IN`` list of five or more constants into a
join with the list (measured on DuckDB 2.0.1), and that join gives up the order in which the
rows were read (on 1,000,000 Parquet rows 86 to 98% came out elsewhere). Switching the
optimizer off keeps the order but leaves DuckDB testing each value against every constant: a
code list of 788 municipality codes cost a second of CPU on a million rows. Written as below,
the list is neither a join nor a linear search:

- a list of more than :data:`SEARCHED` texts becomes a binary search over the sorted texts,
  ``CASE WHEN x < 'm' THEN <search below> ELSE <search above> END``, down to a few equalities:
  about log2(n) comparisons a row. DuckDB compares texts by their UTF-8 bytes (no collation
  is set on the connections this serves), which orders them as Python orders their code
  points, so Python's ``sorted`` gives the search its order;
- any other list becomes ``x = c1 OR x = c2 ...``, which is what DuckDB itself makes of a
  short one.

Both have the three-valued meaning of ``IN``: NULL when ``x`` is NULL and no constant equals
it, TRUE when one does.

Invariants: only ``IN`` lists are touched (an ``IN (SELECT ...)`` is left, and
:func:`keeps_order` says so); the statement is changed in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from .builders import comparison, or_, string

__all__ = ["SEARCHED", "keeps_order", "member", "without_in_lists"]

SEARCHED = 8
"""A list of more texts than this is searched; a shorter one is a chain of equalities."""


def without_in_lists(statement: exp.Expression) -> bool:
    """Write every ``IN`` list of constants in ``statement`` without ``IN``, in place (a
    query of many thousand nodes is not copied for it); whether the statement now keeps the
    order (:func:`keeps_order`), found in the same walk."""
    found = list(statement.find_all(exp.In))
    for node in found:
        if _is_list(node):
            node.replace(member(node.this, node.expressions))
    return all(_is_list(node) for node in found)


def keeps_order(statement: exp.Expression) -> bool:
    """Whether ``statement`` has no ``IN`` that DuckDB's ``in_clause`` optimizer may turn
    into a join (after :func:`without_in_lists`, only an ``IN (SELECT ...)`` would be one)."""
    return not any(True for _ in statement.find_all(exp.In))


def member(item: exp.Expression, values: Sequence[exp.Expression]) -> exp.Expression:
    """``item IN (values)``, written as a binary search or a chain of equalities."""
    texts = [value.this for value in values if isinstance(value, exp.Literal) and value.is_string]
    if len(texts) == len(values) and len(set(texts)) > SEARCHED:
        return _search(item, sorted(set(texts)))
    return _any_equal(item, list(values))


def _is_list(node: exp.In) -> bool:
    return bool(node.expressions) and not any(
        node.args.get(key) for key in ("query", "unnest", "field"))


def _search(item: exp.Expression, texts: list[str]) -> exp.Expression:
    def search(low: int, high: int) -> exp.Expression:
        if high - low <= 4:
            return _any_equal(item, [string(text) for text in texts[low:high]], fresh=True)
        middle = (low + high) // 2
        # Built as nodes: Case.when copies the whole CASE at every step.
        return exp.Case(ifs=[exp.If(this=comparison("lt", item.copy(), string(texts[middle])),
                                    true=search(low, middle))],
                        default=search(middle, high))

    return exp.Paren(this=search(0, len(texts)))


def _any_equal(item: exp.Expression, values: list[exp.Expression],
               fresh: bool = False) -> exp.Expression:
    """``item = v1 OR item = v2 ...``; ``fresh``: the values are new nodes made for this
    (not copied again: a search of 999 keys copied 7,000 of them, half its build time)."""
    return exp.Paren(this=or_([comparison("eq", item.copy(), value if fresh else value.copy())
                               for value in values]))
