"""Benchmark: ``srg-rules run`` end to end on big files, against a hand-written DuckDB COPY.

Input: nothing; it writes an SRG-like delivery of ``--rows`` rows (semicolon CSV with the
columns of ``examples/make_provisions.py``, records from :mod:`workload`) and the same rows as
Parquet (every column VARCHAR) into a temporary folder, deleted afterwards.

Contenders, each a fresh process, interleaved over ``--rounds`` rounds (median reported):

- ``srg-rules run rulebooks/srg.rules IN -o OUT`` (the rulebook as it is, with the delivery
  checks of ``srg-delivery.rules`` it uses) on the CSV (DuckDB path, chosen by size) and on
  the Parquet file; with ``--python``, also ``--engine python`` on the CSV;
- a hand-written ``COPY (SELECT ...) TO`` doing the same work: read the file as text, check
  and convert every field, decide the SRG rules with reasons (the query of
  ``workload.duckdb_query``), and write every input column plus status, type and reasons in
  the input's format. It prints no summary, does no pre-scan and no fallback: it is the
  least a hand-written job does;
- with ``--python``, Python's ``csv`` module reading the CSV and writing it back with three
  constant columns (the baseline of ``--engine python``: issue 16 asks for at most 3x it).

Output: wall seconds and CPU seconds (user + system over all threads), each with its ratio to
the hand-written COPY on the same format, and the peak RSS of each process (``ru_maxrss`` from
``wait4``, so DuckDB's own memory is included; this process stays small, since a child's
``ru_maxrss`` starts at its parent's size at fork).

``--setting NAME=VALUE`` (repeatable) runs our DuckDB path once more with extra DuckDB
settings (``memory_limit=1GB``, ``threads=1``...), in-process through ``run_file`` with the
settings added to its connection, to see what they change.

    python benchmarks/run_files.py [--rows 1000000] [--rounds 3] [--python] [--setting ...]
    python benchmarks/run_files.py --rows 10000000 --rounds 1 --python --no-parquet   # memory
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import workload  # noqa: E402

# The columns of workload.records: make_provisions' and those the workload fills in where it
# has none (purpose, legal_basis, birth_date).
COLUMNS = list(workload.records(1)[0])


# One row in this many repeats the key (provision_id, municipality_code, reporting_month) of
# the row before it: the rulebook's `unique` statement rejects both (a delivery's planted
# duplicates; every other row's key is its own, as in a real delivery).
DUPLICATE_EVERY = 1000


def with_own_key(row: dict[str, str], number: int, previous: dict[str, str] | None) -> list[str]:
    """The row's values in COLUMNS order, its provision_id's digits replaced by the row's
    number (same length and shape, so `registratienummer_te_lang` decides as before), or the
    previous row's key for a planted duplicate."""
    values = dict(row)
    if previous is not None and number % DUPLICATE_EVERY == 0:
        for name in ("provision_id", "municipality_code", "reporting_month"):
            values[name] = previous[name]
    else:
        own = values["provision_id"]
        count = sum(c.isdigit() for c in own)
        digits = iter(f"{number:0{count}d}"[-count:]) if count else iter(())
        values["provision_id"] = "".join(next(digits) if c.isdigit() else c for c in own)
    return [values[c] for c in COLUMNS]


def write_inputs(folder: Path, rows: int, parquet: bool) -> tuple[Path, Path | None]:
    pool = workload.records(min(rows, 100_000), seed=1)
    source = folder / "in.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        previous: dict[str, str] | None = None
        for number in range(rows):
            values = with_own_key(pool[number % len(pool)], number, previous)
            writer.writerow(values)
            previous = dict(zip(COLUMNS, values))
    target = None
    if parquet:
        import duckdb

        target = folder / "in.parquet"
        duckdb.execute("SET enable_progress_bar = false")
        duckdb.execute(f"COPY (SELECT * FROM read_csv('{source}', delim=';', header=true, "
                       f"all_varchar=true)) TO '{target}' (FORMAT parquet)")
    return source, target


def handwritten_copy(source: Path, target: Path) -> str:
    """The Python program of the hand-written job."""
    fmt = "parquet" if source.suffix == ".parquet" else "csv"
    read = (f"read_parquet('{source}')" if fmt == "parquet" else
            f"read_csv('{source}', delim=';', header=true, all_varchar=true)")
    query = unique_checked(workload.duckdb_query(workload.SRG, COLUMNS, read, values=KEY))
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, DELIMITER ';', HEADER true"
    return ("import duckdb\nduckdb.execute(\"SET enable_progress_bar = false\")\n"
            f"duckdb.execute({workload.gemeenten_sql()!r})\n"
            f"duckdb.execute({f'COPY ({query}) TO {chr(39)}{target}{chr(39)} ({options})'!r})\n")


KEY = ("provision_id", "municipality_code", "reporting_month")


def unique_checked(query: str) -> str:
    """The hand-written query with the rulebook's ``unique`` statement: a window count over the
    key's typed values; a duplicate is rejected, its reasons its rejection reasons (when
    rejected already) and ``duplicate:provision_id``. As a developer writes it, without an
    ORDER BY: DuckDB does not promise the input's order through a window."""
    values = [f"v_{name}" for name in KEY]
    present = " AND ".join(f"{v} IS NOT NULL" for v in values)
    return f"""
SELECT {', '.join(f'"{c}"' for c in COLUMNS)},
  CASE WHEN dup THEN 'rejected' ELSE status END AS status,
  CASE WHEN dup THEN NULL ELSE type END AS type,
  CASE WHEN dup THEN concat_ws('|', CASE WHEN status = 'rejected' THEN reasons END,
                               'duplicate:provision_id') ELSE reasons END AS reasons,
  warnings
FROM (SELECT *, {present} AND count(*) OVER (PARTITION BY {', '.join(values)}) > 1 AS dup
      FROM ({query}))"""


def csv_copy(source: Path, target: Path) -> str:
    """The Python program of the ``csv`` baseline: Python's own ``csv`` module reading the
    file and writing every row back with three more columns (constant status, type and
    reasons), as a row-by-row job does at the least; the target of ``--engine python``."""
    return f"""
import csv
with open({str(source)!r}, encoding='utf-8', newline='') as i, \\
        open({str(target)!r}, 'w', encoding='utf-8', newline='') as o:
    reader = csv.reader(i, delimiter=';')
    writer = csv.writer(o, delimiter=';', lineterminator='\\r\\n')
    writer.writerow([*next(reader), 'status', 'type', 'reasons'])
    for row in reader:
        writer.writerow([*row, 'included', '40', 'voorziening'])
"""


def with_settings(settings: list[str], rulebook: Path, source: Path, target: Path) -> str:
    """A Python program running ``run_file`` with extra settings on its DuckDB connection."""
    return f"""
import srg_rules
from srg_rules import filerun
settings = {settings!r}
original = filerun._Connection.__init__
def patched(self, *args, **kwargs):
    original(self, *args, **kwargs)
    for setting in settings:
        name, value = setting.split('=', 1)
        self._db.execute(f"SET {{name}} = '{{value}}'")
filerun._Connection.__init__ = patched
book = srg_rules.load({str(rulebook)!r})
print(filerun.run_file(book.program, {str(source)!r}, {str(target)!r})["engine"])
"""


def run(command: list[str], folder: Path = ROOT) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (bytes) and CPU seconds (user + system, all threads) of one
    process, from wait4."""
    start = time.perf_counter()
    # Byte-compiled modules, as an installed package has them, also where the caller's
    # environment sets PYTHONDONTWRITEBYTECODE (measured: no difference in start-up here).
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=folder, env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{command} failed ({process.returncode}):\n{err.read().decode()}")
        return seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--python", action="store_true", help="also time --engine python")
    parser.add_argument("--no-parquet", action="store_true")
    parser.add_argument("--no-handwritten", action="store_true")
    parser.add_argument("--no-check", action="store_true",
                        help="do not compare the hand-written job's decisions with ours")
    parser.add_argument("--setting", action="append", default=[],
                        help="NAME=VALUE: also run our DuckDB path with this DuckDB setting")
    parser.add_argument("--folder", help="where to write the files (default: a temporary folder)")
    parser.add_argument("--other-tree", help="also time `srg-rules run` of another checkout "
                        "(a folder holding its srg_rules package: before and after a change, "
                        "interleaved in one run)")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="srg-bench-", dir=args.folder))
    try:
        started = time.perf_counter()
        # In a child, so that this process stays small: a child's ru_maxrss starts at its
        # parent's size at fork.
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
                        f"import run_files, pathlib; run_files.write_inputs(pathlib.Path({str(folder)!r}), "
                        f"{args.rows}, {not args.no_parquet})"], check=True)
        source = folder / "in.csv"
        parquet = folder / "in.parquet" if not args.no_parquet else None
        rulebook = workload.SRG_PATH  # as it is, beside the srg-delivery.rules it uses
        print(f"{args.rows:,} rows: CSV {source.stat().st_size / 1e6:,.0f} MB"
              + (f", Parquet {parquet.stat().st_size / 1e6:,.0f} MB" if parquet else "")
              + f" (written in {time.perf_counter() - started:.0f} s)", flush=True)
        cli = [sys.executable, "-m", "srg_rules", "run", str(rulebook)]
        contenders: dict[str, list[str]] = {}
        # Run in the other checkout's folder, so that `python -m srg_rules` imports its package.
        others: dict[str, list[str]] = {}
        inputs = [("CSV", source)] + ([("Parquet", parquet)] if parquet else [])
        for label, path in inputs:
            out = folder / f"out{path.suffix}"
            if not args.no_handwritten:
                contenders[f"hand-written DuckDB COPY, {label}"] = [
                    sys.executable, "-c", handwritten_copy(path, folder / f"hand{path.suffix}")]
            contenders[f"srg-rules run, {label}"] = cli + [str(path), "-o", str(out)]
            if args.other_tree:
                others[f"srg-rules run of --other-tree, {label}"] = cli + [
                    str(path), "-o", str(folder / f"other{path.suffix}")]
        if args.setting:
            contenders[f"srg-rules run_file with {', '.join(args.setting)}, CSV"] = [
                sys.executable, "-c", with_settings(args.setting, rulebook, source, folder / "set.csv")]
        if args.python:
            contenders["Python csv read+write, CSV"] = [
                sys.executable, "-c", csv_copy(source, folder / "csvcopy.csv")]
            contenders["srg-rules run --engine python, CSV"] = cli + [
                str(source), "-o", str(folder / "py.csv"), "--engine", "python"]
        places = {**{name: ROOT for name in contenders},
                  **{name: Path(args.other_tree) for name in others}}
        contenders.update(others)
        times: dict[str, list[float]] = {name: [] for name in contenders}
        peaks: dict[str, list[int]] = {name: [] for name in contenders}
        cpus: dict[str, list[float]] = {name: [] for name in contenders}
        for number in range(args.rounds):
            for name, command in contenders.items():
                seconds, peak, cpu = run(command, places[name])
                times[name].append(seconds)
                peaks[name].append(peak)
                cpus[name].append(cpu)
                print(f"  round {number + 1}: {name}: {seconds:.2f} s, CPU {cpu:.2f} s, "
                      f"{peak / 2**20:,.0f} MB",
                      file=sys.stderr, flush=True)
        if not args.no_handwritten and not args.no_check:
            _same_decisions(folder, inputs)
        print(f"median of {args.rounds} interleaved rounds, each a fresh process")
        print(f"{'contender':<58}{'seconds':>9}{'ratio':>8}{'CPU s':>8}{'ratio':>8}"
              f"{'peak RSS MB':>13}")
        for name, runs in times.items():
            label = name.rsplit(", ", 1)[1]
            base = f"hand-written DuckDB COPY, {label}"
            ratio = f"{statistics.median(runs) / statistics.median(times[base]):.2f}" \
                if base in times else "-"
            cpu = statistics.median(cpus[name])
            cpu_ratio = f"{cpu / statistics.median(cpus[base]):.2f}" if base in cpus else "-"
            print(f"{name:<58}{statistics.median(runs):>9.2f}{ratio:>8}{cpu:>8.2f}{cpu_ratio:>8}"
                  f"{max(peaks[name]) / 2**20:>13,.0f}")
        baseline = "Python csv read+write, CSV"
        if baseline in times:
            ours = "srg-rules run --engine python, CSV"
            print(f"{ours} / {baseline}: wall "
                  f"{statistics.median(times[ours]) / statistics.median(times[baseline]):.2f}, CPU "
                  f"{statistics.median(cpus[ours]) / statistics.median(cpus[baseline]):.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _same_decisions(folder: Path, inputs) -> None:
    """The hand-written job decided every row as srg-rules run did."""
    import duckdb

    for label, path in inputs:
        if path.suffix == ".parquet":
            ours, hand = (f"read_parquet('{folder / name}')" for name in ("out.parquet", "hand.parquet"))
        else:
            ours, hand = (f"read_csv('{folder / name}', delim=';', header=true, all_varchar=true)"
                          for name in ("out.csv", "hand.csv"))
        differ = duckdb.execute(
            f"SELECT count(*) FROM (SELECT provision_id, status, coalesce(type, '') AS type, reasons FROM {ours} "
            f"EXCEPT ALL SELECT provision_id, status, coalesce(type, '') AS type, reasons FROM {hand})").fetchone()[0]
        if differ:
            raise SystemExit(f"{label}: the hand-written job decided {differ} rows otherwise")


if __name__ == "__main__":
    raise SystemExit(main())
