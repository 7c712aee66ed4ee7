"""``Rulebook.decide_table`` keeps every row's decision beside the row, over tables large
enough for DuckDB to read with both threads and code lists long enough for its ``in_clause``
optimizer to make them joins.

decide_table leaves that optimizer on (a join is faster than testing a long list row by row:
docs/benchmarks.md, "decide_table with DuckDB's in_clause optimizer on"); a join gives up the
order the rows were read in, and the query's ``ORDER BY`` row number restores it. This test
decides 300,000 rows in 32 Arrow batches (typed and text columns, a 60-code field and a
55-value ``in``; with ``unique``, planted duplicate ids) and wants each row's decision to be
that of ``Rulebook.decide`` for the row (``decide_many`` for the duplicates' pairs). Without
the ``ORDER BY``, two thirds of the rows of the rulebook without ``unique`` were decided as
other rows (DuckDB 2.0.1, two threads; none with the optimizer off).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import srg_rules

pa = pytest.importorskip("pyarrow", reason="pyarrow is in the 'tables' extra")
pytest.importorskip("duckdb")

from order_rules import CODES, DUPLICATE_EVERY, KINDS, ROWS, RULES  # noqa: E402


def _rows() -> list[dict[str, Any]]:
    rng = random.Random(16)
    return [{"id": f"r{n - 1 if n and n % DUPLICATE_EVERY == 0 else n}",
             "code": rng.choice([*CODES, "zz", "", " c03"]), "kind": rng.choice(KINDS),
             "hours": rng.choice([None, 12, 31, 45])} for n in range(ROWS)]


def _decision(decision: Any) -> tuple[str, str, str]:
    return str(decision.status), decision.type or "", "|".join(decision.reasons)


@pytest.mark.parametrize("unique", [False, True])
def test_three_hundred_thousand_rows_keep_their_decisions(unique: bool) -> None:
    book = srg_rules.parse(RULES if unique else RULES.replace("unique id\n", ""))
    rows = _rows()
    whole = pa.table({"id": pa.array([r["id"] for r in rows], pa.string()),
                      "code": pa.array([r["code"] for r in rows], pa.string()),
                      "kind": pa.array([r["kind"] for r in rows], pa.string()),
                      "hours": pa.array([r["hours"] for r in rows], pa.int64())})
    # In batches, as a table read from Parquet or made from a DataFrame is: DuckDB's two
    # threads then scan it in parallel.
    table = pa.Table.from_batches(whole.to_batches(max_chunksize=ROWS // 32))
    decided = book.decide_table(table)
    assert decided.column("id").to_pylist() == table.column("id").to_pylist()
    got = list(zip(decided.column("status").to_pylist(),
                   (t or "" for t in decided.column("type").to_pylist()),
                   (r or "" for r in decided.column("reasons").to_pylist())))
    # Every row as decide decides it alone (the decisions of equal values cached), but the
    # planted duplicates, decided as a pair.
    known: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    want = []
    for row in rows:
        key = (row["code"], row["kind"], row["hours"])
        if key not in known:
            known[key] = _decision(book.decide(row))
        want.append(known[key])
    for n in range(DUPLICATE_EVERY, ROWS, DUPLICATE_EVERY) if unique else ():
        want[n - 1], want[n] = map(_decision, book.decide_many([rows[n - 1], rows[n]]))
        assert "duplicate:id" in want[n][2]
    moved = [n for n, (g, w) in enumerate(zip(got, want)) if g != w]
    assert not moved, f"{len(moved)} rows decided otherwise, first {moved[:5]}"
