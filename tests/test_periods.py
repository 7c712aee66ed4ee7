"""Rules that change over time: validity periods, the rules in force on a day, the analysis per
period and the diff between two periods.

- Semantics, on the reference interpreter: a dated rule, code value, output code and rulebook
  are in force on both end days and not on the days beside them; values and rulebooks out of
  force reject with ``not_in_force:FIELD`` / ``not_in_force``, and the explanation says why in
  plain words. Every backend agrees (also generated, in tests/test_backends.py, whose
  rulebooks carry periods now and then).
- ``Program.at(day)`` is the program on that day: a Hypothesis property over generated dated
  rulebooks and records.
- The analysis per period: a gap in one period only is reported with that period; a finding
  that holds whenever its rules are in force is reported once; a rule out of force is not dead.
- ``srg-rules check`` and ``srg-rules diff --old-date --new-date`` end to end, and the example
  rulebook rulebooks/srg-history.rules.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import ir
from srg_rules.backends import BACKENDS
from srg_rules.backends.interpreter import Interpreter
from srg_rules.cli import main
from srg_rules.analysis.diff import semantic_diff
from srg_rules.analysis.periods import analyse_periods, describe, periods

try:  # tests/ as a package, or as a directory on sys.path (pytest's default)
    from tests import strategies
except ImportError:  # pragma: no cover
    import strategies

ROOT = Path(__file__).parent.parent
HISTORY = ROOT / "rulebooks" / "srg-history.rules"

BOOK = '''\
rulebook "T" version "1" valid from 2013-01-01
field category: code {a, b}
field funding: code {x, y valid until 2014-12-31, z valid from 2015-01-01}
field start_date: date
rules in force on start_date
output type: code {1 "een" valid until 2014-12-31, 2 "twee" valid from 2015-01-01}
include when category = a
include newer when category = b valid from 2019-01-01 until 2020-12-31 because "nieuw"
classify as 1 when category = a
classify as 2 when category in {a, b}
'''


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _decide(text: str, **record):
    return srg_rules.parse(text).decide(record)


# --- semantics -------------------------------------------------------------------------------


@pytest.mark.parametrize("day, status", [
    ("2018-12-31", "excluded"), ("2019-01-01", "included"), ("2020-12-31", "included"),
    ("2021-01-01", "excluded"),
])
def test_a_rule_is_in_force_on_both_end_days_only(day, status):
    decision = _decide(BOOK, category="b", funding="x", start_date=day)
    assert decision.status == status
    if status == "included":
        assert decision.reasons == ("newer", "line-10")


@pytest.mark.parametrize("funding, day, rejected", [
    ("y", "2014-12-31", False), ("y", "2015-01-01", True),
    ("z", "2014-12-31", True), ("z", "2015-01-01", False), ("x", "2030-01-01", False),
])
def test_a_code_value_out_of_force_rejects(funding, day, rejected):
    decision = _decide(BOOK, category="a", funding=funding, start_date=day)
    assert (decision.reasons == ("not_in_force:funding",)) is rejected
    assert (decision.status == "rejected") is rejected


def test_the_rulebook_out_of_force_rejects_every_record():
    assert _decide(BOOK, category="a", funding="x", start_date="2012-12-31").reasons == (
        "not_in_force",)
    assert _decide(BOOK, category="a", funding="x", start_date="2013-01-01").status == "included"


@pytest.mark.parametrize("day, code, rule", [
    ("2014-12-31", "1", "line-9"), ("2015-01-01", "2", "line-10"),
])
def test_an_output_code_gives_its_type_only_while_in_force(day, code, rule):
    decision = _decide(BOOK, category="a", funding="x", start_date=day)
    assert (decision.type, decision.reasons) == (code, ("line-7", rule))


def test_a_record_without_its_decision_date_is_rejected_for_that_only():
    decision = _decide(BOOK, category="a", funding="y")
    assert decision.reasons == ("missing_value:start_date",)


def test_implied_rules_explain_in_plain_words():
    book = srg_rules.parse(BOOK)
    text = book.explain({"category": "b", "funding": "y", "start_date": "2021-01-01"}).render()
    assert ("rejected by rule not_in_force:funding: the value of funding is not in force on the "
            "record's start_date (y until 2014-12-31; z from 2015-01-01 on)") in text
    assert "matched:     not_in_force:funding, line 3" in text
    assert "yes  start_date > 2014-12-31   <- start_date is 2021-01-01" in text
    text = book.explain({"category": "a", "funding": "x", "start_date": "2012-01-01"}).render()
    assert ("rejected by rule not_in_force: the rulebook is in force from 2013-01-01 on, and the "
            "record's start_date lies outside that") in text
    assert "yes  start_date < 2013-01-01   <- start_date is 2012-01-01" in text


def test_a_dated_rule_explains_with_its_clause():
    book = srg_rules.parse(BOOK)
    text = book.explain({"category": "b", "funding": "x", "start_date": "2021-01-01"}).render()
    assert "no   category = b valid from 2019-01-01 until 2020-12-31" in text
    assert "no   valid from 2019-01-01 until 2020-12-31" in text
    assert "no   start_date <= 2020-12-31   <- start_date is 2021-01-01" in text


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "interpreter"])
def test_every_backend_decides_periods_as_the_interpreter(backend):
    book = srg_rules.parse(BOOK)
    compiled = BACKENDS[backend](book.program)
    days = ["2012-12-31", "2013-01-01", "2014-12-31", "2015-01-01", "2018-12-31", "2019-01-01",
            "2020-12-31", "2021-01-01", "", "20150101"]
    for day in days:
        for category in ("a", "b"):
            for funding in ("x", "y", "z"):
                record = {"category": category, "funding": funding, "start_date": day}
                assert compiled.decide(record) == book.decide(record), record


# --- Program.at ---------------------------------------------------------------------------------


def test_at_keeps_the_rules_in_force_without_their_periods():
    program = srg_rules.parse(BOOK).program
    on = program.at(_date("2019-06-01"))
    assert [r.id for r in on.rules] == ["not_in_force:funding", "line-7", "newer", "line-10"]
    assert on.rule("newer").condition == ir.compare("eq", "category", "b")
    assert on.rule("not_in_force:funding").condition == ir.compare(
        "in_set", "funding", frozenset({"y"}))
    assert not on.dated and program.dated
    before = program.at(_date("2012-01-01"))
    assert before.rules[0].id == "not_in_force"
    assert program.at(_date("2013-06-01")) == program.at(_date("2014-12-31"))


@st.composite
def _dated_cases(draw):
    schema = draw(strategies.schemas())
    text = draw(strategies.programs(schema))
    assume("rules in force on" in text)
    program = srg_rules.parse(text).program
    field = schema.fields[[f.name for f in schema.fields].index(program.decision_date)]
    days = [d + dt.timedelta(days=k) for d in field.values for k in (-1, 0, 1)
            if dt.date.min + dt.timedelta(days=1) <= d <= dt.date.max - dt.timedelta(days=1)]
    if field.type == "month":  # a month's decision date is a first day
        days = [d for d in days if d.day == 1]
    assume(days)
    records = draw(st.lists(strategies.raw_records(schema), min_size=1, max_size=6))
    return program, draw(st.sampled_from(days)), records


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(case=_dated_cases())
def test_deciding_at_a_day_is_deciding_with_that_decision_date(case):
    program, day, records = case
    on = Interpreter(program.at(day))
    full = Interpreter(program)
    for record in records:
        assert on.decide({**record, program.decision_date: day}) == full.decide(
            {**record, program.decision_date: day})
        # As a CSV holds it (a month's first day as YYYY-MM).
        written = program.schema.fields[program.decision_date].read(day)[0]
        dated = {**record, program.decision_date: written.isoformat()}
        assert on.decide(dated) == full.decide(dated)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(case=_dated_cases())
def test_findings_per_period_are_shown_by_the_full_program(case):
    program, _, _ = case
    full = Interpreter(program)
    for found in analyse_periods(program, strict=True):
        witness = found.finding.witness
        if witness is None:
            continue
        day = witness[program.decision_date]
        assert found.period is None or found.period.contains(day)
        assert full.decide_values(witness) == found.finding.decision


# --- periods and the analysis per period ------------------------------------------------------


def test_periods_split_where_the_rules_in_force_change():
    found = [describe(p) for p in periods(srg_rules.parse(BOOK).program)]
    assert found == ["before 2013-01-01", "from 2013-01-01 until 2014-12-31",
                     "from 2015-01-01 until 2018-12-31", "from 2019-01-01 until 2020-12-31",
                     "from 2021-01-01 on"]


def test_periods_with_the_same_rules_merge():
    program = srg_rules.parse('''
field start: date
rules in force on start
include one when start is present valid from 2015-01-01 until 2016-12-31
include two when start is present valid from 2015-01-01 until 2016-12-31
''').program
    assert [describe(p) for p in periods(program)] == [
        "before 2015-01-01", "from 2015-01-01 until 2016-12-31", "from 2017-01-01 on"]


GAP = '''\
field category: code {a, b, c}
field start: date
rules in force on start
output type: code {1, 2}
include when category in {a, b}
classify as 1 when category = a
classify as 2 when category = b valid until 2018-12-31
'''


def test_a_gap_in_one_period_is_reported_with_that_period():
    [found] = analyse_periods(srg_rules.parse(GAP).program)
    assert found.finding.code == "classification_gap"
    assert found.period == ir.Period(_date("2019-01-01"))
    assert found.finding.witness["category"] == "b"
    assert found.finding.witness["start"] >= _date("2019-01-01")
    assert found.labelled().message.startswith("from 2019-01-01 on: ")
    assert [(d.code, d.message.split(":")[0]) for d in srg_rules.diagnose(GAP)] == [
        ("classification_gap", "from 2019-01-01 on")]


def test_a_finding_of_every_period_is_reported_once_and_rules_out_of_force_are_not_dead():
    program = srg_rules.parse('''
field category: code {a, b, c}
field start: date
rules in force on start
include when category = a
include late when category = b valid from 2019-01-01
exclude never when category = a and category = b
''').program
    found = analyse_periods(program)
    assert [(f.finding.code, f.finding.rules, f.period) for f in found] == [
        ("unsatisfiable_rule", ("never",), None)]


def test_a_rule_dead_throughout_its_period_is_just_dead():
    program = srg_rules.parse('''
field category: code {a, b}
field start: date
rules in force on start
include when category = a
include again when category = a valid from 2015-01-01 until 2018-12-31
include other when category = b valid from 2017-01-01
''').program
    found = [(f.finding.code, f.finding.rules, f.period) for f in analyse_periods(program)]
    assert ("redundant_rule", ("again", "line-5"), None) in found


def test_neighbouring_periods_with_a_finding_join():
    program = srg_rules.parse('''
field category: code {a, b, c}
field start: date
rules in force on start
output type: code {1, 2}
include when category in {a, b}
include cs when category = c valid from 2015-01-01
classify as 1 when category in {a, c}
classify as 2 when category = b valid from 2019-01-01
''').program
    gaps = [f for f in analyse_periods(program) if f.finding.code == "classification_gap"]
    assert [describe(f.period) for f in gaps] == ["before 2019-01-01"]


def test_an_expectation_violated_in_one_period_names_it():
    text = '''
field category: code {a, b, c}
field start: date
rules in force on start
include when category = a
include late when category = b valid from 2019-01-01
expect included when category = b
'''
    [diagnostic] = srg_rules.diagnose(text)
    assert diagnostic.code == "expectation_violated"
    assert diagnostic.message.startswith("before 2019-01-01: expected included when category = b")


def test_the_rulebook_out_of_force_is_not_analysed():
    program = srg_rules.parse('''
rulebook "T" valid from 2015-01-01 until 2018-12-31
field category: code {a, b}
field start: date
rules in force on start
include when category = a
''').program
    assert analyse_periods(program) == ()


# --- diff between periods ------------------------------------------------------------------------


def test_diff_between_two_days_of_one_rulebook():
    program = srg_rules.parse(BOOK).program
    diff = semantic_diff(program.at(_date("2018-06-01")), program.at(_date("2019-06-01")))
    assert [(str(g.old), str(g.new), [r.text for r in g.regions]) for g in diff.groups] == [
        ("excluded", "included type 2", ["category = b and funding != y"])]
    same = semantic_diff(program.at(_date("2015-01-01")), program.at(_date("2018-12-31")))
    assert same.same


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.rules"
    path.write_text(BOOK, encoding="utf-8")
    return path


def test_cli_check_prints_the_period_of_a_finding(tmp_path, capsys):
    path = tmp_path / "gap.rules"
    path.write_text(GAP, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "gap.rules:6:1: warning[classification_gap]: from 2019-01-01 on: an included" in out
    assert "category=b, start=" in out


def test_cli_diff_between_two_dates(book, capsys):
    assert main(["diff", str(book), "--old-date", "2018-06-01", "--new-date", "2019-06-01"]) == 1
    out = capsys.readouterr().out
    assert "the rules in force on 2018-06-01" in out and "the rules in force on 2019-06-01" in out
    assert "1. excluded -> included type 2" in out
    assert "   - category = b and funding != y" in out
    assert main(["diff", str(book), "--old-date", "2015-01-01", "--new-date", "2018-12-31"]) == 0
    assert "No record changes" in capsys.readouterr().out


def test_cli_diff_between_two_dates_over_data(book, tmp_path, capsys):
    data = tmp_path / "records.csv"
    data.write_text("category,funding,start_date\nb,x,2018-06-01\na,x,2018-06-01\n",
                    encoding="utf-8")
    code = main(["diff", str(book), str(data), "--old-date", "2018-06-01",
                 "--new-date", "2019-06-01"])
    out = capsys.readouterr().out
    assert code == 1
    assert "In " in out and "1 of 2 records changes decision" in out


def test_cli_diff_with_one_rulebook_needs_both_dates(book, capsys):
    assert main(["diff", str(book), "--old-date", "2018-06-01"]) == 2
    assert "--old-date and --new-date" in capsys.readouterr().err


def test_cli_diff_rejects_a_date_that_is_not_one(book, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["diff", str(book), "--old-date", "2018-13-01", "--new-date", "2019-01-01"])
    assert stop.value.code == 2
    assert "is not a date" in capsys.readouterr().err


# --- the example rulebook ------------------------------------------------------------------------


def test_history_rulebook_checks_with_only_the_known_gap(capsys):
    assert main(["check", str(HISTORY)]) == 0
    out = capsys.readouterr().out
    assert out.count("warning[") == 1
    assert "warning[classification_gap]: from 2019-01-01 on:" in out
    assert "0 errors, 1 warning" in out


def test_history_rulebook_examples_pass(capsys):
    assert main(["test", str(HISTORY)]) == 0
    assert " 0 failed" in capsys.readouterr().out


def test_history_rulebook_diff_2014_to_2015(capsys):
    assert main(["diff", str(HISTORY), "--old-date", "2014-12-31", "--new-date",
                 "2015-01-01"]) == 1
    out = capsys.readouterr().out
    # The delivery changed from half-yearly to monthly on that day, so no record keeps its
    # reporting unit in force: every change goes through not_in_force:reporting_unit.
    assert "1. included type 1 -> rejected" in out
    assert "new version: rejected (not_in_force:reporting_unit)" in out
    assert "old version: rejected (not_in_force:reporting_unit, not_in_force:instrument)" in out


def test_two_findings_of_one_code_about_one_rule_are_each_reported_once() -> None:
    # examples/source/gemeente.rules: the reject rule registratienummer_te_lang reads the
    # number a trajectory computes, which is approximated (its length is exact). Across the
    # many periods of the municipality code list, the finding holds everywhere: one warning,
    # without a period, not one per period.
    path = Path(__file__).parent.parent / "examples" / "source" / "gemeente.rules"
    found = [d for d in srg_rules.diagnose(path.read_text(encoding="utf-8"), str(path))
             if d.code == "approximated_condition" and "registratienummer_te_lang" in d.message]
    assert len(found) == 1
    assert not any(d.message.startswith(("before ", "from ")) for d in found)
