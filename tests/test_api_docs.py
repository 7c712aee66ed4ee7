"""The API reference (docs/api/) builds from the docstrings, offline, with no warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="sphinx is in the 'test' extra: pip install '.[test]'")

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api"


def test_api_reference_builds_without_warnings_and_lists_the_public_api(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    for name in ("srg_rules.load", "srg_rules.parse", "srg_rules.diagnose", "decide_many",
                 "decide_table", "srg_rules.semantic_diff", "srg_rules.strategies.records",
                 "RulebookError", "Status"):
        assert name in page, name
    # The docstrings' own words reach the page (autodoc read them, not only the names).
    assert "Every kind of change between two versions" in page
    # to_sql for embedders, with the column types of typed input.
    assert "srg_rules.backends.sql.to_sql" in page and "column_types" in page
