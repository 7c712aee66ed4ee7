"""``to_sql`` keeps the input's order and refuses ``columns=[]`` (issue 16, point 6).

A query from ``to_sql`` run as it is on DuckDB (with DuckDB's default settings, which turn a long
``IN`` list into a join) returns the rows in the order it reads them: each row is numbered as
read and the query ends with ``ORDER BY`` that number, which is not an output column.
"""

from __future__ import annotations

import pytest

duckdb = pytest.importorskip("duckdb")

import srg_rules  # noqa: E402
from srg_rules.backends.sql import to_sql  # noqa: E402

BOOK = """\
field id: text
field kind: code {a, b, c, d, e, f, g, h, i, j}
field hours: number optional
include when kind in {a, b, c, d, e, f, g} and hours is missing or hours > 3
"""


@pytest.fixture(scope="module")
def table():
    # 600,000 rows made by DuckDB itself (several row groups, read by both threads): with
    # ordered=False, DuckDB returned nearly every row elsewhere than it read it.
    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    connection.execute("SET enable_progress_bar = false")
    connection.execute(
        "CREATE TABLE records AS SELECT CAST(range AS VARCHAR) AS id, "
        "substr('abcdefghijz', CAST(range * 7 % 11 AS INT) + 1, 1) AS kind, "
        "CASE WHEN range % 5 <> 0 THEN CAST(range % 9 AS VARCHAR) END AS hours, "
        "'x' AS extra FROM range(600000)")
    rows = connection.execute("SELECT * FROM records ORDER BY CAST(id AS INT)").fetchall()
    return connection, rows


@pytest.mark.parametrize("columns", [["id", "kind", "hours", "extra"], None])
def test_rows_come_out_in_the_order_they_are_read(table, columns):
    connection, rows = table
    book = srg_rules.parse(BOOK)
    got = connection.execute(to_sql(book.program, columns=columns)).fetchall()
    names = [d[0] for d in connection.description]
    assert names == ["id", "kind", "hours", "extra", "status", "type", "reasons"]
    assert [row[0] for row in got] == [row[0] for row in rows]
    want = [book.decide(dict(zip(names, row))) for row in rows[:2000]]
    assert [(r[4], r[6]) for r in got[:2000]] == [
        (d.status.value, "|".join(d.reasons)) for d in want]


def test_ordered_false_leaves_the_numbering_out():
    program = srg_rules.parse(BOOK).program
    assert "ORDER BY" in to_sql(program, columns=["id", "kind", "hours"])
    text = to_sql(program, columns=["id", "kind", "hours"], ordered=False)
    assert "ORDER BY" not in text and "ROW_NUMBER" not in text


def test_no_columns_is_an_error_not_a_rulebook_that_rejects_everything():
    program = srg_rules.parse(BOOK).program
    with pytest.raises(ValueError, match=r"columns=\[\]"):
        to_sql(program, columns=[])
