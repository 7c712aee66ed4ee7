"""A developer's script that imports srg_rules passes ``mypy --strict`` (PEP 561: py.typed).

The script is type-checked as a user's would be: srg_rules is found as an *installed* package
(a virtual environment whose site-packages points at this tree), not as source beside the
script, so mypy reads its types only because ``srg_rules/py.typed`` says they are there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import srg_rules

pytest.importorskip("mypy", reason="mypy is in the 'test' extra: pip install '.[test]'")

TREE = Path(srg_rules.__file__).resolve().parent.parent
EXAMPLES = TREE / "examples"

# README "From Python", made runnable: the calls a developer copies first.
README_SCRIPT = '''\
import srg_rules

book = srg_rules.load("rulebooks/srg.rules")
record = {"category": "taal", "funding": "reintegratie"}
decision = book.decide(record)
if decision.status == "included":
    print("type", decision.type)
code: str | None = decision.type
reasons: tuple[str, ...] = decision.reasons
print(book.explain(record))
for d in book.decide_many([record, record]):
    print(d.status.value)
try:
    srg_rules.parse("field a: text\\ninclude when b = 1")
except srg_rules.RulebookError as error:
    for diagnostic in error.diagnostics:
        print(diagnostic.code, diagnostic.line, diagnostic.column, diagnostic.message)
findings: tuple[srg_rules.Diagnostic, ...] = srg_rules.diagnose("field a: text")
'''


@pytest.fixture(scope="module")
def user_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python whose site-packages holds srg_rules (this tree) the way pip installs it."""
    env = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(env)], check=True)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True).stdout.strip()
    assert site != sysconfig.get_path("purelib")
    # A .pth entry comes before the system site-packages (where an older srg_rules may be).
    (Path(site) / "srg_rules_under_test.pth").write_text(f"{TREE}\n", encoding="utf-8")
    return python


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the module: srg_rules itself is analysed once."""
    return tmp_path_factory.mktemp("mypy_cache")


def _mypy(python: Path, cache: Path, cwd: Path, *scripts: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(python),
         "--cache-dir", str(cache), "--no-error-summary",
         *(str(s) for s in scripts)],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, "MYPYPATH": ""},
    )


def test_readme_and_embed_example_pass_mypy_strict(user_python: Path, cache: Path, tmp_path: Path) -> None:
    readme = tmp_path / "readme_example.py"
    readme.write_text(README_SCRIPT, encoding="utf-8")
    embed = tmp_path / "embed.py"
    embed.write_text((EXAMPLES / "embed.py").read_text(encoding="utf-8"), encoding="utf-8")
    result = _mypy(user_python, cache, tmp_path, readme, embed)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_sees_the_types_so_a_wrong_use_is_caught(user_python: Path, cache: Path, tmp_path: Path) -> None:
    script = tmp_path / "wrong.py"
    script.write_text(textwrap.dedent('''\
        import srg_rules

        book = srg_rules.parse("field a: text\\ninclude when a is present")
        code: int = book.decide({"a": "x"}).type
    '''), encoding="utf-8")
    result = _mypy(user_python, cache, tmp_path, script)
    assert result.returncode == 1
    assert "wrong.py:4: error: Incompatible types in assignment" in result.stdout, result.stdout
    assert "py.typed" not in result.stdout and "import-untyped" not in result.stdout
