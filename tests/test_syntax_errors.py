"""Syntax errors and recovery as policy staff meet them (issue 13, "errors that are never wrong").

- Every statement's errors show in one run: syntax errors, and what checking finds in the
  statements that do parse; ``srg_rules.parse`` raises with all of them.
- Help lists what can really follow, in full, or names the likely mistake.
- Findings about the whole rulebook name its file.
- Golden files: tests/golden/bad/ (errors, pinned by tests/test_diagnostics.py) and
  tests/golden/findings/ (warnings, pinned here); SRG_UPDATE_GOLDEN=1 rewrites them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import srg_rules
from srg_rules import RulebookError

ROOT = Path(__file__).parent.parent
FINDINGS = sorted((ROOT / "tests" / "golden" / "findings").glob("*.rules"))


@pytest.mark.parametrize("path", FINDINGS, ids=lambda p: p.stem)
def test_rendered_findings_match_golden_file(path: Path) -> None:
    relative = path.relative_to(ROOT).as_posix()
    diagnostics = srg_rules.diagnose(path.read_text(encoding="utf-8"), relative)
    actual = "\n\n".join(d.render() for d in diagnostics) + "\n"
    expected_path = path.with_suffix(".expected")
    if os.environ.get("SRG_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")


ISSUE = ("field c: code {a, b}\nexlcude when c = b\ninclude when c == a\n"
         "clasify as 4 when c = a\ninclude when c = zz\n")


def test_every_statement_s_error_shows_in_one_run() -> None:
    with pytest.raises(RulebookError) as caught:
        srg_rules.parse(ISSUE, source="k.rules")
    found = [(d.code, d.line, d.column, d.help) for d in caught.value.diagnostics]
    assert found == [
        ("parse_unexpected_token", 2, 1, "did you mean 'exclude'?"),
        ("parse_unexpected_token", 3, 17, "compare with a single '=' (or '!=', '<=', '>=')"),
        ("parse_unexpected_token", 4, 1, "did you mean 'classify'?"),
        ("unknown_code", 5, 18, "the values of 'c' are: a, b"),
    ]


def test_no_finding_that_a_left_out_statement_may_explain() -> None:
    # `field_x` declares nothing, so `x` is unknown only because of that line: not reported.
    text = "field c: code {a}\nfield_x: boolean\ninclude when x\ninclude when y\n"
    found = [(d.code, d.line) for d in srg_rules.diagnose(text)]
    assert found == [("parse_unexpected_token", 2), ("unknown_name", 4)]


@pytest.mark.parametrize("text", [
    "field c: code {a}\ninclude when c = a whenever\n",
    "field c: code {a}\ninclude when\n",
    "field c: code {a}\ninclude when c\n",
    "field c: code {a}\ninclude when c = a\nexpect included and when c = a\n",
    "field c: code {a}\nfield",
    "field c: code {a} banana\n",
])
def test_help_lists_what_can_follow_in_full(text: str) -> None:
    [first, *_] = srg_rules.diagnose(text, analyse=False)
    assert first.help and "..." not in first.help, first.render()


def test_the_list_of_what_can_follow_is_the_parser_s_own() -> None:
    [error] = srg_rules.diagnose("field c: code {a}\ninclude when c = a whenever\n", analyse=False)
    # After a comparison: a period, a reason, another condition, or a new statement.
    for word in ("'valid'", "'because'", "'and'", "'or'", "a new statement"):
        assert word in error.help
    [error] = srg_rules.diagnose("field c: code {a}\nexpect included and when c = a\n",
                                 analyse=False)
    assert error.help == "expected 'included', 'excluded', 'rejected', 'type' or 'warning'"


def test_a_finding_about_the_whole_rulebook_names_the_file() -> None:
    [finding] = [d for d in srg_rules.diagnose("field c: code {a, b}\nexclude when c = a\n",
                                               "x.rules") if d.code == "never_included"]
    assert finding.path == "x.rules" and (finding.line, finding.column) == (1, 1)
    assert "field c: code {a, b}" in finding.render()


def test_cli_check_shows_every_error_of_the_issue(tmp_path: Path, capsys) -> None:
    from srg_rules.cli import main

    path = tmp_path / "k.rules"
    path.write_text(ISSUE, encoding="utf-8")
    assert main(["check", str(path)]) != 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert text.count("error[") == 4 and "Traceback" not in text
