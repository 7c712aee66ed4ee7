"""Diagnostics as policy staff see them: codes, positions and the exact rendered text.

Rendered text is pinned only in golden files (tests/golden/bad/*.rules with a *.expected
beside each); set SRG_UPDATE_GOLDEN=1 to rewrite them after an intended wording change, and
review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import srg_rules
from srg_rules import RulebookError

GOLDEN = Path(__file__).parent / "golden" / "bad"
BAD_RULEBOOKS = sorted(GOLDEN.glob("*.rules"))


def _render(path: Path) -> str:
    relative = path.relative_to(Path(__file__).parent.parent).as_posix()
    diagnostics = srg_rules.diagnose(path.read_text(encoding="utf-8"), relative)
    return "\n\n".join(d.render() for d in diagnostics) + "\n"


@pytest.mark.parametrize("path", BAD_RULEBOOKS, ids=lambda p: p.stem)
def test_rendered_diagnostics_match_golden_file(path: Path) -> None:
    expected_path = path.with_suffix(".expected")
    actual = _render(path)
    if os.environ.get("SRG_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", BAD_RULEBOOKS, ids=lambda p: p.stem)
def test_bad_rulebook_raises_with_every_error(path: Path) -> None:
    with pytest.raises(RulebookError) as caught:
        srg_rules.load(path)
    errors = caught.value.errors
    assert errors, "a golden bad rulebook must have at least one error"
    # an error may also be in a file the rulebook reads from a folder of its own name (a code
    # list: tests/golden/bad/code_lists/*.csv for code_lists.rules)
    beside = str(path.with_suffix("")) + os.sep
    assert all((d.path == str(path) or d.path.startswith(beside)) and d.line >= 1
               and d.column >= 1 for d in errors)


def _codes(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in srg_rules.diagnose(text)]


FIELDS = """\
field category: code {coaching, training, taal}
field hours: number optional
field start_date: date
field traceable: boolean
"""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("include when catgory = taal", [("unknown_field", 5, 14)]),
        ("include when category = taall", [("unknown_code", 5, 25)]),
        ("include when hours = taal", [("type_mismatch", 5, 22)]),
        ("include when start_date > 5", [("type_mismatch", 5, 27)]),
        ("include when category < taal", [("type_mismatch", 5, 14)]),
        ("include when tracable", [("unknown_name", 5, 14)]),
        ("include when category == taal", [("parse_unexpected_token", 5, 24)]),
        ("include category = taal", [("parse_unexpected_token", 5, 18)]),
        ("include when hours > 10 and", [("parse_unexpected_end", 5, 25)]),
        ('include when category = " taal"', [("unknown_code", 5, 25)]),
    ],
)
def test_each_mistake_is_reported_at_its_position(rule: str, expected: list) -> None:
    assert _codes(FIELDS + rule + "\n") == expected


def test_all_errors_are_reported_together_not_just_the_first() -> None:
    text = FIELDS + "include when catgory = taal\nexclude when hours = taal\nexclude when category = tal\n"
    assert [code for code, _, _ in _codes(text)] == ["unknown_field", "type_mismatch", "unknown_code"]


def test_suggestion_names_the_closest_field() -> None:
    [diagnostic] = srg_rules.diagnose(FIELDS + "include when catgory = taal\n")
    assert diagnostic.help == "did you mean 'category'?"


def test_a_clean_rulebook_has_no_diagnostics() -> None:
    assert srg_rules.diagnose(FIELDS + "include when category = taal and traceable\n") == ()


def test_rulebook_error_message_contains_rendered_diagnostics() -> None:
    with pytest.raises(RulebookError) as caught:
        srg_rules.parse(FIELDS + "include when catgory = taal\n", source="x.rules")
    assert "x.rules:5:14: error[unknown_field]" in str(caught.value)


def test_non_utf8_rulebook_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "latin1.rules"
    path.write_bytes("field naam: code {caf\xe9}\n".encode("latin-1"))
    with pytest.raises(RulebookError) as caught:
        srg_rules.load(path)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("encoding", 1, 22)


def test_values_no_record_can_carry_are_errors() -> None:
    # A record's values are read without surrounding spaces and a blank value is missing, so
    # these could never match: say so when the rulebook is loaded, not never.
    text = 'field kind: code {a, " b", ""}\nfield name: text\ninclude when name = " x" or name = ""\n'
    assert _codes(text) == [
        ("unreadable_code", 1, 22), ("unreadable_code", 1, 28),
        ("unreadable_text", 3, 21), ("unreadable_text", 3, 36),
    ]
