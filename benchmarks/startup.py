"""Benchmark: start-up costs — ``import srg_rules`` and loading (parse + check + IR) rulebooks.

Input: nothing; it writes generated rulebooks of 10, 50 and 200 rules over the SRG fields
(:func:`workload.generated`) to a temporary folder. Output: for each, the median over
``--runs`` fresh processes of:

- ``import srg_rules`` (the process's first import of it);
- ``srg_rules.load(path)`` right after, i.e. the first load in a process (it builds the
  parser once), for ``rulebooks/srg.rules`` and the generated rulebooks;
- a second load of the same file in the same process (the parser already built);
- compiling the loaded rulebook to the Python backend, and to the SQL text.

The runs interleave the rulebooks (process 1: srg, 10, 50, 200; process 2: ...). Targets
(issue 4): import under 150 ms, load + check of rulebooks/srg.rules under 50 ms.

Then whole processes, CPU time (user + system, from ``wait4``), median of ``--runs`` rounds,
interleaved: ``python -c pass``, ``python -c "import srg_rules"`` and ``srg-rules run
rulebooks/srg.rules examples/provisions.csv -o OUT --engine python`` (312 records: its time
is the start-up of a run), each also as the difference with ``pass``. Targets (issue 16):
``import srg_rules`` under 60 ms over ``pass`` (point 7); the run's start-up small beside the
rows of a 200,000-row file (point 1, measured by ``run_files.py --python``).

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
import srg_rules
imported = time.perf_counter()
book = srg_rules.load({path!r})
loaded = time.perf_counter()
srg_rules.load({path!r})
again = time.perf_counter()
from srg_rules.backends import python as python_backend
python_backend.compile_program(book.program)
compiled = time.perf_counter()
from srg_rules.backends import sql
sql.to_sql(book.program, "records", "duckdb")
sqled = time.perf_counter()
print(json.dumps({{"import": imported - start, "load": loaded - imported, "load again": again - loaded,
                  "compile python": compiled - again, "to SQL (incl. import of sqlglot)": sqled - compiled}}))
"""


def process_cpu(command: list[str]) -> float:
    """CPU seconds (user + system) of one process, from wait4; byte-compiled modules as an
    installed package has them, whatever the caller's PYTHONDONTWRITEBYTECODE."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=ROOT, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return usage.ru_utime + usage.ru_stime


def whole_processes(runs: int, folder: Path) -> None:
    """The CPU time of whole processes: nothing, ``import srg_rules``, a small run."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import srg_rules": [sys.executable, "-c", "import srg_rules"],
        "srg-rules run --engine python, 312 records": [
            sys.executable, "-m", "srg_rules", "run", "rulebooks/srg.rules",
            "examples/provisions.csv", "-o", str(folder / "out.csv"), "--engine", "python"],
    }
    found: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            found[name].append(process_cpu(command))
    nothing = statistics.median(found["python -c pass"])
    print(f"\nwhole processes, CPU (user + system), median of {runs} interleaved rounds; "
          f"milliseconds (load average {os.getloadavg()[0]:.1f})")
    print(f"{'process':<48}{'CPU':>10}{'over pass':>12}")
    for name, values in found.items():
        cpu = statistics.median(values)
        print(f"{name:<48}{cpu * 1000:>10.1f}{(cpu - nothing) * 1000:>12.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    import workload

    with tempfile.TemporaryDirectory() as folder:
        books = {"rulebooks/srg.rules": ROOT / "rulebooks" / "srg.rules"}
        for count in (10, 50, 200):
            path = Path(folder) / f"generated{count}.rules"
            path.write_text(workload.generated(count, seed=1).rulebook(), encoding="utf-8")
            books[f"generated, {count} rules"] = path
        found: dict[str, dict[str, list[float]]] = {name: {} for name in books}
        for _ in range(args.runs):
            for name, path in books.items():
                output = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
                                        capture_output=True, text=True, check=True).stdout
                for key, seconds in json.loads(output).items():
                    found[name].setdefault(key, []).append(seconds)
    keys = list(next(iter(found.values())))
    print(f"median of {args.runs} fresh processes per rulebook, interleaved; milliseconds")
    print(f"{'rulebook':<24}" + "".join(f"{k:>34}" for k in keys))
    for name, values in found.items():
        print(f"{name:<24}" + "".join(f"{statistics.median(values[k]) * 1000:>34.1f}" for k in keys))
    with tempfile.TemporaryDirectory() as folder:
        whole_processes(args.runs, Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
