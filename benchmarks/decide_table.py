"""Benchmark: ``Rulebook.decide_table`` on in-memory tables, against the DuckDB file path.

Input: nothing; it makes an SRG-like delivery of ``--rows`` rows (the records of
:mod:`workload`, every value text) and writes it as a Parquet file of text columns into a
temporary folder, deleted afterwards.

Contenders, in this one process, interleaved over ``--rounds`` rounds (median reported), with
``rulebooks/srg.rules`` loaded once:

- the file path: :func:`srg_rules.filerun.run_file` from the Parquet file to a Parquet file
  (what ``srg-rules run --engine duckdb`` does, less start-up and loading), the reference;
- ``decide_table`` on a pyarrow Table, a pandas DataFrame and a polars DataFrame of the same
  rows, already in memory (reading the file into them is not timed).

Output: wall seconds per contender and its ratio to the file path.

    python benchmarks/decide_table.py [--rows 200000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import srg_rules  # noqa: E402
import workload  # noqa: E402
from srg_rules.filerun import run_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    book = srg_rules.load(ROOT / "rulebooks" / "srg.rules")
    pool = workload.records(min(args.rows, 100_000), seed=1)
    rows = [pool[i % len(pool)] for i in range(args.rows)]
    table = pa.Table.from_pylist(rows)
    frames = {"pyarrow Table": table, "pandas DataFrame": table.to_pandas(),
              "polars DataFrame": pl.from_arrow(table)}
    times: dict[str, list[float]] = {"file path (Parquet to Parquet)": [], **{k: [] for k in frames}}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.parquet"
        pq.write_table(table, source)
        reference = None
        for _ in range(args.rounds):
            start = time.perf_counter()
            run_file(book.program, source, Path(folder) / "out.parquet", progress=None)
            times["file path (Parquet to Parquet)"].append(time.perf_counter() - start)
            if reference is None:
                reference = pq.read_table(Path(folder) / "out.parquet").column("reasons").to_pylist()
            for name, frame in frames.items():
                start = time.perf_counter()
                decided = book.decide_table(frame)
                times[name].append(time.perf_counter() - start)
                reasons = (decided.column("reasons").to_pylist() if isinstance(decided, pa.Table)
                           else list(decided["reasons"]))
                assert reasons == reference, f"{name} decided differently from the file path"
    base = statistics.median(times["file path (Parquet to Parquet)"])
    print(f"{args.rows} rows, median of {args.rounds} rounds; decisions equal on every row")
    print(f"{'path':<34} {'s':>7} {'ratio':>6}")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"{name:<34} {median:7.2f} {median / base:6.2f}")
    _ = pd  # imported for table.to_pandas


if __name__ == "__main__":
    main()
