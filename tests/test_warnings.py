"""Warn rules: ``warn NAME when ...`` lists a warning beside a decision it does not change.

End to end: the decision's ``warnings`` on every backend, the ``warnings`` column of a run
(the Python and the DuckDB engine writing the same file), the summary, ``expect warning`` in
the analysis and in ``srg-rules test``, a warn rule that can never fire, the formatter, the
SQL of each dialect, the strategies and the diff. Explanations are pinned in
tests/golden/explain/warnings*.expected, diagnostics in tests/golden/bad/warnings*.expected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import srg_rules
from srg_rules import cli
from srg_rules.analysis import check_expectations
from srg_rules.versions import diff_data
from srg_rules.backends import python as python_backend
from srg_rules.backends import sql as sql_backend
from srg_rules.backends.interpreter import Interpreter
from srg_rules.backends.sql.running import compile_program as sql_program
from srg_rules.decision import Decision, Status
from srg_rules.format import format_text
from srg_rules.strategies import records

RULEBOOK = """\
field n: number
field k: code {a, b}
field note: text optional
define big: n > 10
warn huge when big and n > 100 because "a very large number"
include when big
warn kb when k = b
reject bad when k = a and n > 1000
"""

RECORDS = [
    {"n": "5", "k": "b"},                 # excluded, warned kb
    {"n": "500", "k": "a"},               # included, warned huge
    {"n": "500", "k": "b"},               # included, both
    {"n": "2000", "k": "a"},              # rejected by a rule, warned huge
    {"n": "x", "k": "b"},                 # rejected for a field problem: n counts as missing
    {"n": "200"},                         # a required field missing: the others are read
    {"n": "1", "k": "a"},                 # no warnings
]

WANTED = [
    Decision(Status.EXCLUDED, None, ("no_include_matched",), ("kb",)),
    Decision(Status.INCLUDED, None, ("line-6",), ("huge",)),
    Decision(Status.INCLUDED, None, ("line-6",), ("huge", "kb")),
    Decision(Status.REJECTED, None, ("bad",), ("huge",)),
    Decision(Status.REJECTED, None, ("invalid_number:n",), ("kb",)),
    Decision(Status.REJECTED, None, ("missing_value:k",), ("huge",)),
    Decision(Status.EXCLUDED, None, ("no_include_matched",)),
]


@pytest.fixture(scope="module")
def book() -> srg_rules.Rulebook:
    return srg_rules.parse(RULEBOOK)


@pytest.mark.parametrize("compile_program", [Interpreter, python_backend.compile_program,
                                             sql_program], ids=["interpreter", "python", "sql"])
def test_every_backend_gives_the_warnings_whatever_the_status(book, compile_program) -> None:
    decide = compile_program(book.program).decide
    assert [decide(record) for record in RECORDS] == WANTED
    assert [decide(record) for record in RECORDS] == WANTED  # memos change nothing


def test_warnings_change_no_decision(book) -> None:
    unwarned = srg_rules.parse("\n".join(
        line for line in RULEBOOK.splitlines() if not line.startswith("warn")))
    for record in RECORDS:
        with_warnings, without = book.decide(record), unwarned.decide(record)
        # Rule ids are line numbers for unnamed rules; compare what does not depend on them.
        assert (with_warnings.status, with_warnings.type) == (without.status, without.type)
        assert without.warnings == ()


def test_decision_repr_shows_warnings_only_when_there_are_some() -> None:
    assert "warnings" not in repr(Decision(Status.INCLUDED))
    assert repr(Decision(Status.INCLUDED, warnings=("w",))).endswith("warnings=('w',))")


def test_warn_rule_with_a_validity_period_warns_only_in_it() -> None:
    book = srg_rules.parse("""\
field start: date
rules in force on start
include when start is present
warn oud when start is present valid until 2014-12-31
""")
    assert book.decide({"start": "2014-12-31"}).warnings == ("oud",)
    assert book.decide({"start": "2015-01-01"}).warnings == ()


# --- a run: the column, both engines, the summary -----------------------------------------


def _run(tmp_path: Path, engine: str, name: str, source: Path, rules: Path) -> tuple[bytes, dict]:
    out, summary = tmp_path / f"{name}.csv", tmp_path / f"{name}.json"
    code = cli.main(["run", str(rules), str(source), "-o", str(out), "--engine", engine,
                     "--summary-json", str(summary)])
    assert code == 0
    return out.read_bytes(), json.loads(summary.read_text())


def test_run_writes_a_warnings_column_identically_on_both_engines(tmp_path, capsys) -> None:
    rules = tmp_path / "w.rules"
    rules.write_text(RULEBOOK)
    source = tmp_path / "in.csv"
    # An input column named warnings is replaced; a malformed row has no warnings.
    source.write_text("n;k;note;warnings\n5;b;x;old\n500;a;;\n500;b;;\n2000;a;;\nx;b;;\n"
                      "200;;;\n1;2;3\n", encoding="utf-8")
    python, python_summary = _run(tmp_path, "python", "py", source, rules)
    duckdb, duckdb_summary = _run(tmp_path, "duckdb", "dk", source, rules)
    assert python == duckdb
    assert python.decode().split("\r\n") == [
        "n;k;note;status;type;reasons;warnings",
        "5;b;x;excluded;;no_include_matched;kb",
        "500;a;;included;;line-6;huge",
        "500;b;;included;;line-6;huge|kb",
        "2000;a;;rejected;;bad;huge",
        "x;b;;rejected;;invalid_number:n;kb",
        "200;;;rejected;;missing_value:k;huge",
        "1;2;3;rejected;;malformed_row;",
        "",
    ]
    assert python_summary["warnings"] == duckdb_summary["warnings"] == {"huge": 4, "kb": 3}
    assert duckdb_summary["records"] == 7
    out = capsys.readouterr().out
    assert "warnings (the decision stands):\n  huge         4\n  kb           3" in out


def test_a_rulebook_without_warn_rules_writes_no_warnings_column(tmp_path) -> None:
    rules = tmp_path / "plain.rules"
    rules.write_text("field n: number\ninclude big when n > 10\n")
    source = tmp_path / "in.csv"
    source.write_text("n,warnings\n12,x\n")
    python, summary = _run(tmp_path, "python", "py", source, rules)
    duckdb, _ = _run(tmp_path, "duckdb", "dk", source, rules)
    assert python == duckdb == b"n,warnings,status,type,reasons\r\n12,x,included,,big\r\n"
    assert "warnings" not in summary


def test_json_lines_output_has_a_warnings_list(tmp_path, book) -> None:
    rules = tmp_path / "w.rules"
    rules.write_text(RULEBOOK)
    source = tmp_path / "in.jsonl"
    source.write_text('{"n": "500", "k": "b"}\n{"n": "1", "k": "a"}\n[1]\n')
    out = tmp_path / "out.jsonl"
    assert cli.main(["run", str(rules), str(source), "-o", str(out)]) == 0
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["warnings"] for row in written] == [["huge", "kb"], [], []]


def test_summary_counts_warnings_and_reads_them_back(book) -> None:
    from srg_rules.summary import Summary

    summary = Summary()
    for record in RECORDS:
        summary.add(book.decide(record))
    assert summary.as_dict()["warnings"] == {"huge": 4, "kb": 3}
    assert Summary.from_dict(summary.as_dict()).warnings == summary.warnings
    assert "warnings (the decision stands):" in summary.render()


# --- the SQL of each dialect ---------------------------------------------------------------


@pytest.mark.parametrize("dialect", sql_backend.DIALECTS)
def test_sql_has_a_warnings_column_in_every_dialect(book, dialect) -> None:
    text = sql_backend.to_sql(book.program, dialect=dialect, columns=["n", "k", "note"])
    assert text.rstrip().split(" FROM ")[0].count("warnings") == 1
    assert "'huge'" in text and "'kb'" in text
    plain = srg_rules.parse("field n: number\ninclude when n > 1")
    assert "warnings" not in sql_backend.to_sql(plain.program, dialect=dialect, columns=["n"])


def test_sql_warnings_as_a_list_in_duckdb(book) -> None:
    import duckdb

    query = sql_backend.to_sql(book.program, "records", "duckdb", columns=["n", "k", "note"],
                               reasons="list")
    connection = duckdb.connect()
    connection.execute("CREATE TABLE records (n VARCHAR, k VARCHAR, note VARCHAR)")
    connection.executemany("INSERT INTO records VALUES (?, ?, ?)",
                           [(r.get("n"), r.get("k"), None) for r in RECORDS])
    rows = connection.execute(f"SELECT warnings FROM ({query})").fetchall()
    assert [tuple(row[0]) for row in rows] == [d.warnings for d in WANTED]


# --- expectations and the analysis ---------------------------------------------------------


def test_expect_warning_holds_over_every_valid_record_whatever_its_status() -> None:
    book = srg_rules.parse(RULEBOOK + "expect warning huge when n > 200\n"
                           "expect warning kb and excluded when k = b and n < 5\n")
    assert check_expectations(book.program) == ()


def test_expect_warning_that_fails_has_a_counterexample(tmp_path, capsys) -> None:
    rules = tmp_path / "e.rules"
    rules.write_text(RULEBOOK + "expect warning kb when n > 50\n")
    assert cli.main(["test", str(rules)]) == 1
    out = capsys.readouterr().out
    assert "FAIL expectation warning kb when n > 50" in out
    assert "without warning kb" in out
    assert "counterexample: n=" in out and "k=a" in out
    [finding] = check_expectations(srg_rules.parse(RULEBOOK + "expect warning kb when n > 50\n")
                                   .program)
    assert finding.witness is not None and "kb" not in finding.decision.warnings
    assert finding.rules == ("kb",)


def test_a_warn_rule_that_can_never_fire_is_reported() -> None:
    diagnostics = srg_rules.diagnose(RULEBOOK + "warn nooit when n > 5 and n < 3\n")
    [never] = [d for d in diagnostics if d.code == "unsatisfiable_rule"]
    assert "warn rule 'nooit' can never match" in never.message
    # Warn rules covering each other are not redundant: each gives its own warning.
    twice = srg_rules.diagnose(RULEBOOK + "warn ook_huge when n > 100\n")
    assert not [d for d in twice if d.code in ("redundant_rule", "dead_rule")
                and "warn rule" in d.message]


def test_warn_rules_do_not_disturb_the_other_findings() -> None:
    plain = "field n: number\ninclude a when n > 10\ninclude b when n > 20\n"
    codes = [d.code for d in srg_rules.diagnose(plain)]
    warned = [d.code for d in srg_rules.diagnose(plain + "warn w when n > 30\n")]
    assert codes == warned == ["redundant_rule"]


# --- formatter, strategies, diff -----------------------------------------------------------


def test_formatter_round_trip() -> None:
    text = ('field n: number\ninclude when n > 1\nwarn   w when n>3 valid until 2030-01-01 '
            'because "x"\nwarn when n = 2\nexpect warning w   and included when n > 4\n')
    formatted = format_text(text)
    assert formatted == ('field n: number\n\ninclude when n > 1\nwarn w when n > 3 valid until '
                         '2030-01-01 because "x"\nwarn when n = 2\n\n'
                         'expect warning w and included when n > 4\n')
    assert format_text(formatted) == formatted


def test_a_where_condition_cannot_name_a_warn_rule(book) -> None:
    # A condition speaks of fields and defines; a warn rule is neither.
    with pytest.raises(srg_rules.RulebookError):
        records(book, where="huge")


def test_strategies_draw_records_for_a_rulebook_with_warn_rules(book) -> None:
    seen = []

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(record=records(book, where="n > 100 and k = b"))
    def draw(record):
        seen.append(book.decide(record).warnings)

    draw()
    assert seen and all(warnings == ("huge", "kb") for warnings in seen)


def test_data_diff_counts_records_whose_warnings_change(tmp_path) -> None:
    old = srg_rules.parse(RULEBOOK)
    new = srg_rules.parse(RULEBOOK.replace("n > 100 because", "n > 300 because"))
    source = tmp_path / "in.csv"
    source.write_text("n;k\n500;a\n200;a\n1;b\n")
    diff = diff_data(old, new, source)
    assert diff.changed == 0 and diff.warnings_changed == 1
    assert "1 record gets other warnings." in diff.render()


def test_semantic_diff_of_versions_differing_in_a_warn_rule_finds_no_change() -> None:
    from srg_rules.analysis.diff import semantic_diff

    old = srg_rules.parse(RULEBOOK).program
    new = srg_rules.parse(RULEBOOK.replace("n > 100 because", "n > 300 because")).program
    assert semantic_diff(old, new).same
