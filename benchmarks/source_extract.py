"""A source extract of N rows at the registration level: DuckDB in bounded memory vs Python.

    python benchmarks/source_extract.py [ROWS] [MEMORY_LIMIT] [--python]

Writes a source extract for examples/source/gemeente.rules (semicolon CSV: one provision in
three is a course of two to four activity rows, one in ten a coach-cursus trajectory, a few
rows with a problem) to a temporary folder, runs ``srg-rules run --engine duckdb`` on it in a
child process with DuckDB's ``memory_limit`` (default 500MB), and prints the wall time, the
child's peak resident memory and the rows a second. With ``--python`` it runs
``--engine python`` on the same file as well, and checks that both wrote the same bytes.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = ROOT / "examples" / "source" / "gemeente.rules"
HEADER = ("reporting_month;provision_id;person_id;municipality_code;traject;category;purpose;"
          "initiative;involved;judgement;funding;traceable;start_date;end_date;end_reason")
# Valid BSNs (the 11-test) to draw from.
PEOPLE = ["999991103", "999991115", "999991127", "999991139", "999991140", "999991152"]
CATEGORIES = ["training", "coaching", "ips", "taal", "intake", "mantelzorg"]


def write_extract(path: Path, rows: int, seed: int = 16) -> None:
    draw = random.Random(seed)
    written = 0
    provision = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        while written < rows:
            provision += 1
            ident = f"VB-{provision:09d}"
            person = draw.choice(PEOPLE)
            funding = "wmo" if draw.random() < 0.1 else "reintegratie"
            kind = draw.random()
            if kind < 0.1:
                out.write(f"2026-01;{ident};{person};0344;coach_cursus;;reintegratie;gemeente;;;"
                          f"{funding};ja;2025-09-01;;\n")
                written += 1
                continue
            days = draw.randint(2, 4) if kind < 0.4 else 1
            category = draw.choice(CATEGORIES)
            for day in range(days):
                if written >= rows:
                    break
                end = f"2025-{9 + day:02d}-15" if draw.random() < 0.7 else ""
                reason = draw.choice(["1", "2", ""]) if end else ""
                bad_funding = "wmo" if draw.random() < 0.01 else funding
                out.write(f"2026-01;{ident};{person};0344;;{category};reintegratie;gemeente;;;"
                          f"{bad_funding};ja;2025-{9 + day:02d}-01;{end};{reason}\n")
                written += 1


def run(engine: str, source: Path, target: Path, memory_limit: str) -> tuple[float, float, float]:
    """Wall seconds, the child's CPU seconds (user + system) and its peak resident memory in
    MB."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = usage.ru_maxrss
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    command = [sys.executable, "-m", "srg_rules", "run", "--engine", engine, str(RULEBOOK),
               str(source), "-o", str(target)]
    if engine == "duckdb":
        command += ["--memory-limit", memory_limit]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss of children is the largest of any child so far: run DuckDB first.
    return wall, usage.ru_utime + usage.ru_stime - cpu_before, max(usage.ru_maxrss, before) / 1024


def main() -> None:
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(arguments[0]) if arguments else 1_000_000
    limit = arguments[1] if len(arguments) > 1 else "500MB"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "extract.csv"
        write_extract(source, rows)
        size = source.stat().st_size / 1e6
        print(f"{rows} source rows, {size:.0f} MB, memory_limit {limit}")
        wall, cpu, peak = run("duckdb", source, Path(folder) / "duckdb.csv", limit)
        print(f"duckdb: {wall:.1f} s, CPU {cpu:.1f} s, {rows / wall:,.0f} rows/s, "
              f"peak RSS {peak:.0f} MB")
        if "--python" in sys.argv:
            wall_python, cpu_python, peak_python = run("python", source,
                                                       Path(folder) / "python.csv", limit)
            print(f"python: {wall_python:.1f} s, CPU {cpu_python:.1f} s, "
                  f"{rows / wall_python:,.0f} rows/s, peak RSS {peak_python:.0f} MB (at least "
                  f"DuckDB's); duckdb/python wall {wall / wall_python:.2f}, "
                  f"CPU {cpu / cpu_python:.2f}")
            same = (Path(folder) / "duckdb.csv").read_bytes() == (Path(folder) / "python.csv").read_bytes()
            print(f"same bytes: {same}")


if __name__ == "__main__":
    main()
