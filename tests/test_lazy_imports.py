"""``import srg_rules`` loads the heavy libraries only when they are used (issue 16, point 7):
z3 for the analysis, DuckDB and sqlglot for the SQL backend and file runs, Hypothesis for the
strategies. A fresh interpreter, so that nothing else imported them first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
HEAVY = ("z3", "duckdb", "sqlglot", "hypothesis", "pyarrow", "polars")


def _loaded(code: str) -> list[str]:
    script = (f"import sys\n{code}\nimport json\n"
              f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_srg_rules_loads_none_of_the_heavy_libraries():
    assert _loaded("import srg_rules") == []


def test_loading_and_deciding_with_the_compiled_backend_loads_none_of_them():
    code = ("import srg_rules\n"
            "book = srg_rules.load('rulebooks/srg.rules', backend='python')\n"
            "book.decide({})\nlist(book.decide_many([{}]))")
    assert _loaded(code) == []


def test_the_sql_backend_loads_sqlglot_when_used():
    code = ("import srg_rules\nfrom srg_rules.backends.sql import to_sql\n"
            "to_sql(srg_rules.parse('field n: number\\ninclude when n > 1').program)")
    assert "sqlglot" in _loaded(code)
