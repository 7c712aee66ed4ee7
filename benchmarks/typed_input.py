"""Benchmark: the SRG rulebook over typed Parquet, our SQL backend against a hand-written typed
DuckDB query (issue 16, point 2).

Input: nothing; it makes the benchmark's SRG-like records (:mod:`workload`), reads each with
the rulebook's fields (``Field.read``) and writes them as typed Parquet: the dates and the
reporting month as DATE (a month as its first day), the booleans as BOOLEAN, every other field
as VARCHAR (a value the field cannot read, such as ``2024-02-30`` for a date, is null in the
typed file: a typed column cannot hold it). The pool (``--records``) is repeated to
``--rows`` rows.

Contenders, each a ``CREATE TEMP TABLE AS`` of a query over the same Parquet file (or, with
``--in-memory``, over a table loaded from it beforehand):

- hand-written typed DuckDB: :func:`workload.duckdb_query` with ``typed=True``, using the DATE
  and BOOLEAN columns as they are (and the code list as a table joined on the code, loaded
  before timing, as in ``compare.py``);
- our SQL backend: ``to_sql(program, ..., "duckdb", column_types=...)`` with the file's column
  types, ordered (its promise: the rows in reading order) and ``ordered=False`` (no ORDER BY,
  as the hand-written query);
- our SQL backend reading every column as text (no ``column_types``; the typed columns cast to
  VARCHAR first, a month as its ``YYYY-MM``): what it did before typed input was read typed.

Before timing, every contender's (status, type, reasons, warnings) over the pool's typed file is
checked against the reference interpreter's decision of each typed record (its Python values),
row by row; a difference stops the run.

Timing: DuckDB on one thread (``--threads``), contenders interleaved round by round, CPU time
of the process (``time.process_time``; DuckDB runs in it) and wall time; the figure is the
median over ``--rounds``, and the ratio is to the hand-written query's median in the same run.

    python benchmarks/typed_input.py [--records N] [--rows N] [--rounds R] [--threads T] [--in-memory]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import workload  # noqa: E402
from srg_rules.backends import sql as sql_backend  # noqa: E402
from srg_rules.backends.interpreter import Interpreter  # noqa: E402

_ARROW = {"date": pa.date32(), "month": pa.date32(), "boolean": pa.bool_()}
_SQL = {"date": "DATE", "month": "DATE", "boolean": "BOOLEAN"}


def typed_records(book, pool: list[dict[str, str]]) -> list[dict]:
    """Each record's fields as the typed file holds them: the value the field reads (a month
    as its first day), null where the field cannot read the text; other fields as text."""
    fields = book.program.schema.fields
    out = []
    for record in pool:
        row = {}
        for name, kind, _optional in workload.SRG_FIELDS:
            text = record.get(name, "")
            if kind in _ARROW:
                value, problem = fields[name].read(text)
                row[name] = None if problem is not None or value is None else (
                    dt.date(value.year, value.month, value.day) if kind != "boolean" else value)
            else:
                row[name] = text
        out.append(row)
    return out


def write_parquet(rows: list[dict], path: Path, copies: int = 1) -> None:
    names = [name for name, _, _ in workload.SRG_FIELDS]
    kinds = {name: _ARROW.get(kind, pa.string()) for name, kind, _ in workload.SRG_FIELDS}
    table = pa.table({"rid": pa.array(range(len(rows)), pa.int64()),
                      **{n: pa.array([r[n] for r in rows], kinds[n]) for n in names}})
    if copies > 1:
        table = pa.concat_tables([table] * copies)
    pq.write_table(table, path)


def contenders(book, columns: list[str]) -> dict[str, str]:
    """name -> query text over ``{table}``."""
    types = {name: _SQL[kind] for name, kind, _ in workload.SRG_FIELDS if kind in _SQL}
    as_text = {name: f"CAST({name} AS VARCHAR)" if kind != "month"
               else f"strftime({name}, '%Y-%m')" for name, kind, _ in workload.SRG_FIELDS
               if kind in _SQL}
    texts = ", ".join(f"{e} AS {n}" for n, e in as_text.items())
    text_source = f"(SELECT * REPLACE ({texts}) FROM {{table}})"
    return {
        "hand-written typed DuckDB": workload.duckdb_query(workload.SRG, columns, "{table}",
                                                           typed=True),
        "SQL backend, typed": sql_backend.to_sql(book.program, "{table}", "duckdb",
                                                 column_types=types),
        "SQL backend, typed, unordered": sql_backend.to_sql(
            book.program, "{table}", "duckdb", column_types=types, ordered=False),
        "SQL backend, as text (before)": sql_backend.to_sql(
            book.program, "{table}", "duckdb").replace('"{table}"', text_source),
    }


def _over(query: str, source: str) -> str:
    return query.replace('"{table}"', source).replace("{table}", source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--in-memory", action="store_true",
                        help="time over a table loaded from the Parquet file, not the file")
    args = parser.parse_args(argv)

    book = workload.srg_book()
    pool = workload.records(args.records, seed=1)
    typed = typed_records(book, pool)
    reference = Interpreter(book.program)
    want = []
    for record in typed:
        decision = reference.decide(record)
        want.append((str(decision.status), decision.type, "|".join(decision.reasons) or None,
                     "|".join(decision.warnings) or None))
    columns = ["rid", *(name for name, _, _ in workload.SRG_FIELDS)]
    queries = contenders(book, columns)
    with tempfile.TemporaryDirectory() as folder:
        small, big = Path(folder) / "pool.parquet", Path(folder) / "records.parquet"
        write_parquet(typed, small)
        write_parquet(typed, big, copies=-(-args.rows // len(typed)))
        db = duckdb.connect(":memory:")
        db.execute(f"SET threads = {args.threads}")
        db.execute(workload.gemeenten_sql())
        pool_source = f"read_parquet('{small}')"
        for name, query in queries.items():
            got = db.execute(f"SELECT status, type, reasons, warnings FROM "
                             f"({_over(query, pool_source)}) ORDER BY rid").fetchall()
            if got != want:
                wrong = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
                raise SystemExit(f"{name} disagrees with the interpreter on row {wrong}: "
                                 f"{got[wrong]} != {want[wrong]}\n{typed[wrong]}")
        source = f"read_parquet('{big}')"
        if args.in_memory:
            db.execute(f"CREATE TABLE records AS SELECT * FROM {source}")
            source = "records"
        rows = db.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
        cpu: dict[str, list[float]] = {name: [] for name in queries}
        wall: dict[str, list[float]] = {name: [] for name in queries}
        for _ in range(args.rounds):
            for name, query in queries.items():
                text = "CREATE OR REPLACE TEMP TABLE decided AS " + _over(query, source)
                c0, w0 = time.process_time(), time.perf_counter()
                db.execute(text)
                cpu[name].append(time.process_time() - c0)
                wall[name].append(time.perf_counter() - w0)
    base_cpu = statistics.median(cpu["hand-written typed DuckDB"])
    base_wall = statistics.median(wall["hand-written typed DuckDB"])
    print(f"{rows:,} rows, {args.rounds} rounds, DuckDB threads {args.threads}, "
          f"{'in memory' if args.in_memory else 'over Parquet'}; load {os.getloadavg()[0]:.1f}")
    print(f"{'contender':34} {'CPU s':>7} {'ratio':>6} {'wall s':>7} {'ratio':>6}")
    for name in queries:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        print(f"{name:34} {c:7.3f} {c / base_cpu:6.2f} {w:7.3f} {w / base_wall:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
