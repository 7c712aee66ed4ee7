"""Benchmark: ``Rulebook.decide_table``'s query with DuckDB's ``in_clause`` optimizer off, on,
and on after the ``IN`` lists are written as searches (issue 16).

Input: nothing; it makes an SRG-like delivery of ``--rows`` rows (the records of
:mod:`workload`, every value text) as a pyarrow Table, for ``rulebooks/srg.rules`` (its code
lists are short: the municipality codes are a lookup, backends/lookup.py), or rows of
tests/test_filerun_order.py's shape (``--order-rules N``: a field of
N codes, an ``in`` of all but 5 of them; the test has 60).

What is timed: the query ``decide_table`` hands to DuckDB (caught as it is run, with the Arrow
table registered for it), run again on a fresh in-memory connection per round, each variant
in turn (interleaved), to an Arrow table as ``decide_table`` fetches it:

- ``off``: ``SET disabled_optimizers = 'in_clause'`` (each ``IN`` list a linear test);
- ``on``: the optimizer on: an ``IN`` list of five or more constants becomes a join;
- ``searched``: the optimizer on, the lists written by
  :func:`srg_rules.backends.sql.inorder.without_in_lists` (binary searches, equalities).

Every variant's result is checked equal, row for row, to the ``off`` one (the query ends in
``ORDER BY`` row number). Output: the median CPU seconds of the process (user+sys of all of
DuckDB's threads, ``time.process_time``) and wall seconds per variant, and the ratios to
``off``, with the load average before and after.

    python benchmarks/decide_table_in_clause.py [--rows 200000] [--rounds 5] [--batches 1]
        [--order-rules N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import sqlglot  # noqa: E402

import srg_rules  # noqa: E402
import workload  # noqa: E402
from srg_rules.backends.sql.inorder import without_in_lists  # noqa: E402



def _order_codes(count: int) -> list[str]:
    return [f"c{i:04d}" for i in range(count)]


def _order_rules(count: int) -> str:
    """tests/test_filerun_order.py's rulebook, with ``count`` codes (60 there)."""
    codes = _order_codes(count)
    return f"""\
field id: text
field code: code {{{", ".join(codes)}}}
field kind: code {{{", ".join(f"k{i}" for i in range(10))}}}
field hours: number optional
unique id
reject odd_kind when kind in {{k7, k8}}
include listed when code in {{{", ".join(codes[:count - 5])}}}
include long when hours > 30
"""


def _caught_query(book: srg_rules.Rulebook, table: pa.Table) -> tuple[str, str, pa.Table]:
    """The name, query text and registered input of ``book.decide_table(table)``."""
    caught: dict[str, Any] = {}
    real_connect = duckdb.connect

    class Watched:
        def __init__(self, connection: Any) -> None:
            self._connection = connection

        def register(self, name: str, registered: pa.Table) -> Any:
            caught["name"], caught["input"] = name, registered
            return self._connection.register(name, registered)

        def sql(self, text: str) -> Any:
            caught["text"] = text
            return self._connection.sql(text)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._connection, name)

    duckdb.connect = lambda *args, **kwargs: Watched(real_connect(*args, **kwargs))
    try:
        book.decide_table(table)
    finally:
        duckdb.connect = real_connect
    return caught["name"], caught["text"], caught["input"]


def _searched(text: str) -> str:
    statement = sqlglot.parse_one(text, dialect="duckdb")
    without_in_lists(statement)
    return str(statement.sql("duckdb"))


def _run(name: str, registered: pa.Table, text: str, off: bool) -> tuple[float, float, pa.Table]:
    connection = duckdb.connect(":memory:")
    try:
        if off:
            connection.execute("SET disabled_optimizers = 'in_clause'")
        connection.register(name, registered)
        cpu, wall = time.process_time(), time.perf_counter()
        result = connection.sql(text).to_arrow_table()
        return time.process_time() - cpu, time.perf_counter() - wall, result
    finally:
        connection.close()


def _order_rows(count: int, codes: list[str]) -> list[dict[str, str]]:
    rng = random.Random(7)
    return [{"id": f"r{i if i % 25_000 else i - 1}", "code": rng.choice([*codes, "x"]),
             "kind": f"k{rng.randrange(10)}", "hours": str(rng.randrange(60))}
            for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=1,
                        help="the table in this many Arrow batches (DuckDB scans batches on "
                             "both threads; a table from pyarrow.Table.from_pylist is one)")
    parser.add_argument("--order-rules", type=int, metavar="CODES", default=0,
                        help="the rulebook of tests/test_filerun_order.py (60 codes there) "
                             "with CODES codes, instead of srg.rules")
    args = parser.parse_args()
    if args.order_rules:
        book = srg_rules.parse(_order_rules(args.order_rules))
        rows = _order_rows(args.rows, _order_codes(args.order_rules))
    else:
        book = srg_rules.load(ROOT / "rulebooks" / "srg.rules")
        pool = workload.records(min(args.rows, 100_000), seed=1)
        rows = [pool[i % len(pool)] for i in range(args.rows)]
    table = pa.Table.from_pylist(rows)
    table = pa.Table.from_batches(table.to_batches(max_chunksize=-(-len(rows) // args.batches)))
    name, text, registered = _caught_query(book, table)
    texts = {"off": text, "on": text, "searched": _searched(text)}
    lists = {k: v.count(" IN (") for k, v in texts.items()}
    print(f"load average before: {os.getloadavg()}")
    cpu: dict[str, list[float]] = {k: [] for k in texts}
    wall: dict[str, list[float]] = {k: [] for k in texts}
    reference = None
    for _ in range(args.rounds):
        for variant, query in texts.items():
            spent, elapsed, result = _run(name, registered, query, off=variant == "off")
            cpu[variant].append(spent)
            wall[variant].append(elapsed)
            if reference is None:
                reference = result
            assert result.equals(reference), f"{variant} decided differently"
    print(f"load average after: {os.getloadavg()}")
    rules = f"test_filerun_order's rules, {args.order_rules} codes" if args.order_rules \
        else "srg.rules"
    print(f"{args.rows} rows in {args.batches} batch(es), {rules}, "
          f"median of {args.rounds} interleaved rounds; results equal row for row")
    print(f"{'variant':<10} {'IN lists':>8} {'cpu s':>7} {'ratio':>6} {'wall s':>7} {'ratio':>6}")
    base_cpu, base_wall = statistics.median(cpu["off"]), statistics.median(wall["off"])
    for variant in texts:
        c, w = statistics.median(cpu[variant]), statistics.median(wall[variant])
        print(f"{variant:<10} {lists[variant]:>8} {c:7.2f} {c / base_cpu:6.2f} {w:7.2f} "
              f"{w / base_wall:6.2f}")


if __name__ == "__main__":
    main()
