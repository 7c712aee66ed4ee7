"""``srg-rules run --engine python`` starts without the heavy libraries (issue 16, point 1: the
start-up was a sixth of a 200,000-row run). A fresh interpreter runs the command on a small
file and lists what it loaded: neither DuckDB's file run (with sqlglot) nor Lark (the direct
parser takes the shipped rulebooks), nor z3, Hypothesis or a table library. The same check
sees them when a command does need them, so it cannot pass by seeing nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
HEAVY = ("z3", "duckdb", "sqlglot", "hypothesis", "lark", "pandas", "polars", "pyarrow",
         "yaml")


def _run_and_list(arguments: list[str]) -> tuple[int, list[str]]:
    """The exit code of ``srg-rules ARGUMENTS`` run in a fresh process, and the heavy
    modules in its ``sys.modules`` afterwards."""
    script = ("import json, sys\nfrom srg_rules.cli import main\n"
              f"code = main({arguments!r})\n"
              f"print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True, cwd=ROOT)
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return code, loaded


def test_run_with_the_python_engine_loads_no_heavy_library(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    code, loaded = _run_and_list(["run", "rulebooks/srg.rules", "examples/provisions.csv",
                                  "-o", str(output), "--engine", "python"])
    assert code == 0
    assert output.read_text(encoding="utf-8").count("\n") == 313  # header and 312 records
    assert loaded == []


def test_the_same_check_sees_lark_and_sqlglot_where_they_are_used(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules"
    broken.write_text("field n: number\nincldue when n > 1\n", encoding="utf-8")
    code, loaded = _run_and_list(["check", str(broken)])
    assert code == 1 and "lark" in loaded  # a text the direct parser declines goes to Lark
    code, loaded = _run_and_list(["sql", "rulebooks/srg.rules"])
    assert code == 0 and "sqlglot" in loaded
