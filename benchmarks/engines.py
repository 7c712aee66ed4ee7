"""Benchmark: ``srg-rules run`` on Spark (a local session) and inside PostgreSQL, beside DuckDB.

Input: nothing; it writes an SRG-like delivery of ``--rows`` rows (the CSV of
:func:`run_files.write_inputs`) into a temporary folder, deleted afterwards, and, with
``--dsn``, loads it into a table of that database (dropped afterwards).

Contenders, each a fresh process (start-up included), ``--rounds`` rounds, median reported:

- ``srg-rules run rulebooks/srg.rules IN -o OUT --engine duckdb`` (the reference for ratios);
- ``... --engine spark`` on a local session (``local[*]``): the same CSV file out, byte for
  byte (checked);
- with ``--dsn``: ``srg-rules run ... --engine postgres --dsn DSN --table T --replace``, the
  rows never leaving the server (the load is not timed), its counts checked equal to DuckDB's.

Output: wall seconds, CPU seconds of the process (a Spark run's JVM is a child: included), and
the ratio to DuckDB.

    python benchmarks/engines.py [--rows 200000] [--rounds 1] [--dsn "host=... dbname=..."]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_files  # noqa: E402
import workload  # noqa: E402


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "srg_rules", "run", str(workload.SRG_PATH), *args]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--dsn", help="a PostgreSQL database to load the rows into")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source, _ = run_files.write_inputs(folder, args.rows, parquet=False)
        table = "srg_bench_records"
        if args.dsn:
            import psycopg

            with psycopg.connect(args.dsn) as connection:
                connection.execute(f"DROP TABLE IF EXISTS {table}")
                connection.execute(f"CREATE TABLE {table} ("
                                   + ", ".join(f'"{c}" TEXT' for c in run_files.COLUMNS) + ")")
                with connection.cursor().copy(
                        f"COPY {table} FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
                ) as copy, open(source, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
        contenders = {
            "duckdb": _command(str(source), "-o", str(folder / "duckdb.csv"), "--engine", "duckdb",
                               "--summary-json", str(folder / "duckdb.json")),
            "spark (local[*])": _command(str(source), "-o", str(folder / "spark.csv"),
                                         "--engine", "spark",
                                         "--summary-json", str(folder / "spark.json")),
        }
        if args.dsn:
            contenders["postgres (in the server)"] = _command(
                "--engine", "postgres", "--dsn", args.dsn, "--table", table, "--replace",
                "--summary-json", str(folder / "postgres.json"))
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, command in contenders.items():
                seconds, _, cpu = run_files.run(command)
                times[name].append((seconds, cpu))
        same = (folder / "spark.csv").read_bytes() == (folder / "duckdb.csv").read_bytes()
        counts = {name: json.loads((folder / f"{name.split()[0]}.json").read_text())
                  for name in contenders}
        reference = statistics.median(t for t, _ in times["duckdb"])
        print(f"{args.rows:,} rows, {args.rounds} round(s), median wall / CPU seconds:")
        for name, measured in times.items():
            wall = statistics.median(t for t, _ in measured)
            cpu = statistics.median(c for _, c in measured)
            print(f"  {name:26} {wall:8.2f} s  CPU {cpu:8.2f} s  ratio {wall / reference:5.2f}")
        print(f"spark CSV output byte-identical to duckdb's: {same}")
        for name, summary in counts.items():
            summary.pop("engine", None)
        first = counts["duckdb"]
        print("counts equal to duckdb's:", {name: summary == first for name, summary in counts.items()})
        if args.dsn:
            import psycopg

            with psycopg.connect(args.dsn) as connection:
                connection.execute(f"DROP TABLE IF EXISTS {table}, {table}_srg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
