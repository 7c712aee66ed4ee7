"""The pytest plugin is polite: opt-in, never a foreign ``.rules`` file, the analysis inside the
test items, names that JUnit XML keeps whole. Each test runs pytest in a fresh project."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

FIRESTORE = """\
rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read, write: if request.auth != null;
    }
  }
}
"""

HEADED = """\
# Our policy.
rulebook "Beleid" version "1"
field category: code {taal, coaching}
include when category = taal
expect included when category = taal
expect excluded when category = coaching
expect included when category = coaching
"""

PLAIN = """\
field hours: number
include long when hours > 10
expect included when hours > 10
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-q", *args)


def test_a_project_with_a_firestore_rules_file_runs_its_tests_unaffected(
        pytester: pytest.Pytester) -> None:
    pytester.makefile(".rules", firestore=FIRESTORE)
    pytester.makepyprojecttoml('[project]\nname = "webapp"\n')
    pytester.makepyfile(test_app="def test_app():\n    assert 1 + 1 == 2\n")
    result = _run(pytester)
    result.assert_outcomes(passed=1)
    assert "firestore" not in result.stdout.str()


def test_a_file_with_a_rulebook_header_is_collected_anywhere(pytester: pytest.Pytester) -> None:
    pytester.mkdir("policy")
    (pytester.path / "policy" / "beleid.rules").write_text(HEADED, encoding="utf-8")
    (pytester.path / "policy" / "other.rules").write_text(PLAIN, encoding="utf-8")  # no header
    result = _run(pytester, "-rA")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "expect 3: included when category = coaching" in out
    assert "other.rules" not in out


def test_paths_named_in_pyproject_or_the_ini_option_are_collected(pytester: pytest.Pytester) -> None:
    for folder in ("policy", "more", "elsewhere"):
        pytester.mkdir(folder)
        (pytester.path / folder / "plain.rules").write_text(PLAIN, encoding="utf-8")
    pytester.makepyprojecttoml(textwrap.dedent("""\
        [tool.srg-rules]
        test-paths = ["policy"]

        [tool.pytest.ini_options]
        srg_rules_paths = ["more"]
    """))
    result = _run(pytester, "--collect-only")
    out = result.stdout.str()
    assert "policy/plain.rules::expect 1: included when hours > 10" in out
    assert "more/plain.rules::expect 1: included when hours > 10" in out
    assert "elsewhere" not in out


def test_the_analysis_runs_in_the_items_not_at_collection(pytester: pytest.Pytester) -> None:
    pytester.makefile(".rules", beleid=HEADED)
    pytester.makeconftest(textwrap.dedent("""\
        import sys

        def pytest_collection_finish(session):
            print("solver loaded at collection:", "z3" in sys.modules)
    """))
    collected = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-s")
    assert collected.ret == 0  # the violated expectation is not a collection error
    collected.stdout.fnmatch_lines(["*solver loaded at collection: False*"])
    ran = _run(pytester, "-s")
    ran.assert_outcomes(passed=2, failed=1)
    ran.stdout.fnmatch_lines(["*FAIL expectation included when category = coaching*",
                              "*counterexample*"])


def test_junit_names_are_whole(pytester: pytest.Pytester) -> None:
    pytester.makefile(".rules", beleid=HEADED)
    (pytester.path / "beleid.examples.csv").write_text(
        "case,category,expected_status\ntaal [a],taal,included\ncoaching::b,coaching,excluded\n",
        encoding="utf-8")
    _run(pytester, "--junitxml=report.xml")
    cases = ET.parse(pytester.path / "report.xml").getroot().iter("testcase")
    names = {case.get("name"): case.get("classname") for case in cases}
    assert set(names) == {
        "expect 1: included when category = taal", "expect 2: excluded when category = coaching",
        "expect 3: included when category = coaching", "beleid.examples.csv: taal (a)",
        "beleid.examples.csv: coaching:b"}
    assert set(names.values()) == {"beleid.rules"}


def test_a_rulebook_that_does_not_load_fails_one_item(pytester: pytest.Pytester) -> None:
    pytester.makefile(".rules", broken='rulebook "Kapot"\nfield a: text\ninclude when b = 1\n')
    result = _run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown_field*"])
