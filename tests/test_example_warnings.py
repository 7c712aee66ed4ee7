"""Example tables check warnings: the ``expected_warnings`` column (CSV) and ``warnings`` (YAML).

An empty cell of the column expects no warning; a table without the column checks none; a
row a trajectory splits lists each provision's warnings joined by ``+``, as for reasons.
"""

from __future__ import annotations

from pathlib import Path

import srg_rules
from srg_rules import cli
from srg_rules.testing import load_examples, run_examples

RULEBOOK = """\
field hours: number
include a when hours > 0
warn veel when hours > 100 because "veel uren"
warn heel_veel when hours > 1000
"""


def _results(tmp_path: Path, table: str, name: str = "t.examples.csv") -> list[tuple[str, bool, str]]:
    path = tmp_path / name
    path.write_text(table, encoding="utf-8")
    book = srg_rules.parse(RULEBOOK)
    return [(r.name, r.passed, r.message) for r in run_examples(book, load_examples(path))]


def test_expected_warnings_pass_when_they_match_in_rulebook_order(tmp_path: Path) -> None:
    table = ("case;hours;expected_status;expected_warnings\n"
             "few;3;included;\nmany;200;included;veel\nvery;2000;included;veel|heel_veel\n")
    assert _results(tmp_path, table) == [("few", True, ""), ("many", True, ""), ("very", True, "")]


def test_a_wrong_expectation_fails_naming_what_differs(tmp_path: Path) -> None:
    table = ("case;hours;expected_status;expected_warnings\n"
             "unwarned;200;included;\nmissed;3;included;veel\nhalf;2000;included;veel\n")
    assert _results(tmp_path, table) == [
        ("unwarned", False, "warnings are veel, expected none"),
        ("missed", False, "warnings are none, expected veel"),
        ("half", False, "warnings are veel|heel_veel, expected veel"),
    ]


def test_an_unknown_warning_id_is_named_with_the_rules_there_are(tmp_path: Path) -> None:
    [(_, passed, message)] = _results(
        tmp_path, "hours,expected_status,expected_warnings\n200,included,vele\n")
    assert not passed
    assert message.startswith("expected warning 'vele' is not a warn rule of the rulebook "
                              "(its warn rules: veel, heel_veel)")


def test_without_the_column_warnings_are_not_checked(tmp_path: Path) -> None:
    assert _results(tmp_path, "hours,expected_status\n2000,included\n") == [("row 1", True, "")]


def test_yaml_tables_take_a_warnings_list(tmp_path: Path) -> None:
    table = ("- {case: a, record: {hours: 200}, expected: {status: included, warnings: [veel]}}\n"
             "- {case: b, record: {hours: 200}, expected: {status: included, warnings: []}}\n"
             "- {case: c, record: {hours: 3}, expected: {status: included, warnings: }}\n"
             "- {case: d, record: {hours: 200}, expected: {status: included}}\n")
    assert _results(tmp_path, table, "t.examples.yaml") == [
        ("a", True, ""), ("b", False, "warnings are veel, expected none"),
        ("c", True, ""), ("d", True, "")]


def test_the_cli_reports_the_failing_row_with_its_location(tmp_path: Path, capsys) -> None:
    rules = tmp_path / "w.rules"
    rules.write_text(RULEBOOK, encoding="utf-8")
    (tmp_path / "w.examples.csv").write_text(
        "case;hours;expected_status;expected_warnings\nok;200;included;veel\n"
        "te veel;2000;included;veel\n", encoding="utf-8")
    assert cli.main(["test", str(rules)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'w.examples.csv'}:3: FAIL example te veel" in out
    assert "warnings are veel|heel_veel, expected veel" in out
    assert "warned by rule heel_veel" in out  # the explanation follows the failure
    assert "1 passed, 1 failed" in out


def test_a_split_row_lists_each_provisions_warnings(tmp_path: Path) -> None:
    book = srg_rules.parse("""\
field id: text
field kind: code {a, b}
field hours: number
trajectory ab when kind = a
    yields eerste with id = id
    yields tweede with id = id ~ "-2", hours = 1
include overal when hours > 0
warn veel when hours > 100
""")
    path = tmp_path / "s.examples.csv"
    path.write_text("id;kind;hours;expected_status;expected_type;expected_warnings\n"
                    "x;a;200;included;none+none;veel+\ny;a;3;included;none+none;\n"
                    "z;a;200;included;none+none;veel+veel\n",
                    encoding="utf-8")
    results = run_examples(book, load_examples(path))
    assert [(r.passed, r.message) for r in results] == [
        (True, ""), (True, ""), (False, "warnings are veel+, expected veel+veel")]


def test_a_rulebook_without_warn_rules_says_so(tmp_path: Path) -> None:
    path = tmp_path / "n.examples.csv"
    path.write_text("hours,expected_status,expected_warnings\n3,included,veel\n4,included,\n",
                    encoding="utf-8")
    book = srg_rules.parse("field hours: number\ninclude a when hours > 0\n")
    first, second = run_examples(book, load_examples(path))
    assert first.message.startswith("expected warning 'veel' is not a warn rule of the rulebook "
                                    "(it has no warn rules)")
    assert second.passed
