"""The registration level: activities become one provision, trajectories several; every
source row is accounted for; the analysis and `srg-rules test` reason about provisions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import analysis
from srg_rules.cli import main
from srg_rules.explain import Status
from srg_rules.registration import AMBIGUOUS_TRAJECTORY

SOURCE_RULES = """\
field provision_id: text
field person_id: text optional
field kind: code {coaching, training, ips, coach_cursus, taal_coaching}
field category: code {coaching, training, ips}
field funding: code {reintegratie, wmo}
field start_date: date
field end_date: date optional
field hours: number optional
field paid: boolean optional
output type: code {40, 42}

activities share provision_id, person_id
    combine start_date by earliest, end_date by latest_or_missing, hours by sum, paid by any

trajectory coach_cursus when kind = coach_cursus
    yields coaching with category = coaching
    yields training with category = training

trajectory taal_coaching when kind = taal_coaching
    yields coaching with category = coaching

include started when start_date is present
exclude wmo when funding = wmo
classify coaching as 40 when category = coaching
classify training as 42 when category = training
"""


@pytest.fixture(scope="module")
def book() -> srg_rules.Rulebook:
    return srg_rules.parse(SOURCE_RULES, "source.rules")


def _row(provision_id="T1", person_id="P1", kind="training", category="training",
         funding="reintegratie", start_date="2025-09-01", end_date="2025-09-01", hours="",
         paid=""):
    return {"provision_id": provision_id, "person_id": person_id, "kind": kind,
            "category": category, "funding": funding, "start_date": start_date,
            "end_date": end_date, "hours": hours, "paid": paid}


# --- activities ----------------------------------------------------------------------------


def test_four_training_days_are_one_provision(book):
    """[NB] "afzonderlijke trainingsdagen binnen een cursus ... hoeven niet apart te worden
    geregistreerd": four days, one provision, from the first day to the last."""
    days = [_row(start_date=f"2025-{m:02}-01", end_date=f"2025-{m:02}-01", hours="6")
            for m in (9, 10, 11, 12)]
    [(provision, decision)] = book.decide_source(days)
    assert provision.rows == (1, 2, 3, 4)
    assert provision.values["start_date"] == dt.date(2025, 9, 1)
    assert provision.values["end_date"] == dt.date(2025, 12, 1)
    assert provision.values["hours"] == 24
    assert (decision.status, decision.type) == (Status.INCLUDED, "42")


def test_a_running_activity_keeps_its_provision_running(book):
    days = [_row(end_date="2025-09-01"), _row(start_date="2025-10-01", end_date="")]
    [(provision, _)] = book.decide_source(days)
    assert provision.values["end_date"] is None


def test_ways_ignore_missing_values_except_latest_or_missing(book):
    days = [_row(hours="", paid=""), _row(hours="3", paid="nee"), _row(hours="", paid="ja")]
    [(provision, _)] = book.decide_source(days)
    assert provision.values["hours"] == 3
    assert provision.values["paid"] is True


def test_activities_that_disagree_reject_their_provision_naming_the_rows(book):
    days = [_row(funding="reintegratie"), _row(provision_id="X"), _row(funding="wmo")]
    made = list(book.decide_source(days))
    conflicted = next(p for p, _ in made if p.rows == (1, 3))
    decision = dict((p.rows, d) for p, d in made)[(1, 3)]
    assert decision.status is Status.REJECTED
    assert decision.reasons == ("conflict:funding",)
    assert conflicted.messages == (
        "the activities of one provision differ in funding: row 1 reintegratie, row 3 wmo",)


def test_a_missing_value_differs_from_a_present_one_where_values_must_be_the_same(book):
    [(_, decision)] = book.decide_source([_row(category="training"), _row(category="")])
    # The second row also lacks a required value, which rejects the provision on its own.
    assert decision.reasons == ("missing_value:category", "conflict:category")


def test_an_unreadable_activity_rejects_the_whole_provision(book):
    days = [_row(), _row(start_date="2025-13-01"), _row()]
    [(provision, decision)] = book.decide_source(days)
    assert provision.rows == (1, 2, 3)
    assert decision.status is Status.REJECTED
    assert decision.reasons == ("invalid_date:start_date",)
    assert provision.messages[0].startswith("row 2: start_date: ")


def test_missing_key_values_group_like_any_value(book):
    made = list(book.decide_source([_row(person_id=""), _row(person_id=""), _row()]))
    assert [p.rows for p, _ in made] == [(1, 2), (3,)]


def test_an_unreadable_key_groups_with_nothing():
    book = srg_rules.parse("field id: number\nfield x: code {a}\nactivities share id\n"
                           "include when x = a")
    made = list(book.decide_source([{"id": "y", "x": "a"}, {"id": "y", "x": "a"}]))
    assert [p.rows for p, _ in made] == [(1,), (2,)]
    assert all(d.reasons == ("invalid_number:id",) for _, d in made)


# --- trajectories --------------------------------------------------------------------------


def test_a_coach_cursus_is_two_provisions_of_types_40_and_42(book):
    """[NB] "De gemeente dient in dit voorbeeld twee voorzieningen te registreren: Coaching
    naar werk of participatie (type 40) en Training/Cursus/Opleiding (type 42)"."""
    row = _row(provision_id="C1", kind="coach_cursus", category="", end_date="")
    made = list(book.decide_source([row]))
    assert [(p.component, p.rows, d.status, d.type) for p, d in made] == [
        ("coaching", (1,), Status.INCLUDED, "40"), ("training", (1,), Status.INCLUDED, "42")]
    # Each inherits every other field of the trajectory.
    assert {p.values["provision_id"] for p, _ in made} == {"C1"}
    assert made[1][0].text["category"] == "training"


def test_a_problem_in_another_field_stays_with_each_provision(book):
    row = _row(kind="coach_cursus", category="", hours="many")
    assert [d.reasons for _, d in book.decide_source([row])] == [("invalid_number:hours",)] * 2


def test_a_record_two_trajectories_match_is_rejected():
    book = srg_rules.parse("""
field kind: code {a, b}
field x: number
trajectory one when kind = a yields p with x = 1
trajectory two when x > 0 yields q with x = 2
include when x > 0
""")
    [(provision, decision)] = book.decide_source([{"kind": "a", "x": "5"}])
    assert decision.reasons == (AMBIGUOUS_TRAJECTORY,)
    assert provision.messages == ("the record is a trajectory of two kinds: 'one' and 'two'",)


# --- accounting ----------------------------------------------------------------------------

_rows = st.lists(
    st.builds(
        _row,
        provision_id=st.sampled_from(["A", "B", "C"]),
        person_id=st.sampled_from(["P1", "P2", ""]),
        kind=st.sampled_from(["training", "coach_cursus", "taal_coaching", "ips", "x"]),
        category=st.sampled_from(["training", "coaching", ""]),
        funding=st.sampled_from(["reintegratie", "wmo"]),
        start_date=st.sampled_from(["2025-01-01", "2025-02-01", "", "2025-02-30"]),
        end_date=st.sampled_from(["2025-03-01", ""]),
        hours=st.sampled_from(["", "1", "2.5", "x"]),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows)
def test_every_source_row_is_accounted_for_exactly_once(book, rows):
    """Every row is in exactly one group of activities; only a trajectory repeats a group,
    once per provision it yields, and then every copy names the same rows."""
    made = list(book.decide_source(rows))
    groups: dict[tuple[int, ...], list] = {}
    for provision, decision in made:
        assert decision.status in set(Status)
        groups.setdefault(provision.rows, []).append(provision)
    seen = sorted(row for rows_of in groups for row in rows_of)
    assert seen == list(range(1, len(rows) + 1))
    for copies in groups.values():
        if len(copies) > 1:
            assert all(p.component is not None for p in copies)
            assert len({p.component for p in copies}) == len(copies)


# --- the analysis --------------------------------------------------------------------------


def test_the_analysis_sees_provisions_not_source_records(book):
    """No rule classifies kind coach_cursus, but such a record never reaches the rules as
    itself: the only gap is ips (and records without a category)."""
    findings = analysis.analyse(book.program, strict=True)
    gaps = [f for f in findings if f.code == "classification_gap"]
    assert gaps and all(f.witness["category"] != "training" for f in gaps)
    for finding in findings:
        if finding.witness is not None and finding.witness["kind"] in ("coach_cursus",):
            assert finding.witness["category"] in ("coaching", "training")


def _expectations(extra: str) -> list:
    book = srg_rules.parse(SOURCE_RULES + extra)
    return analysis.check_expectations(book.program, strict=True)


def test_a_trajectory_expectation_lists_the_types_in_yields_order():
    assert _expectations(
        "expect type 40 and type 42 when kind = coach_cursus and funding = reintegratie\n") == ()
    findings = _expectations(
        "expect type 42 and type 40 when kind = coach_cursus and funding = reintegratie\n")
    assert {f.message.split("but ")[1] for f in findings} == {
        "the provision 'coaching' that a record meeting that yields is included, type 40",
        "the provision 'training' that a record meeting that yields is included, type 42",
    }
    # The counterexample is a provision, and the source record the expectation speaks of.
    assert all(f.source["kind"] == "coach_cursus" for f in findings)
    assert {f.witness["category"] for f in findings} == {"coaching", "training"}


def test_a_wrong_number_of_types_is_a_violation():
    findings = _expectations("expect type 40 when kind = coach_cursus and funding = reintegratie\n")
    assert findings and all(f.code == "expectation_violated" for f in findings)


def test_expectations_without_a_list_of_types_speak_of_provisions():
    """Provisions inherit the trajectory's fields, so the condition can name the source kind;
    a field the trajectory sets has the provision's value (the source's is overwritten)."""
    assert _expectations("expect excluded when kind = coach_cursus and funding = wmo\n") == ()
    [finding] = _expectations("expect included when kind = taal_coaching\n")
    assert finding.witness["funding"] == "wmo" and finding.witness["category"] == "coaching"
    # No provision of a coach-cursus has the category ips, whatever its source row said.
    assert _expectations("expect excluded when kind = coach_cursus and category = ips\n") == ()


def test_a_list_of_types_needs_a_trajectory():
    [finding] = _expectations(
        "expect type 40 and type 42 when kind = training and funding = reintegratie\n")
    assert "is not split by a trajectory: it is one provision" in finding.message
    findings = _expectations(
        "expect type 40 and type 42 when kind = taal_coaching and funding = reintegratie\n")
    assert findings and all("split into provisions other than 2" in f.message for f in findings)


def test_an_unsplit_record_keeps_the_plain_meaning():
    assert _expectations(
        "expect type 42 when kind = training and category = training and funding = reintegratie\n"
    ) == ()
    [finding] = _expectations("expect type 42 when kind = training and funding = reintegratie\n")
    assert finding.witness["kind"] == "training" and finding.witness["category"] != "training"


# --- srg-rules test, run and explain ---------------------------------------------------------


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the command in-process in a folder; the result has returncode, stdout, stderr."""

    def run(*args: str, cwd: Path) -> SimpleNamespace:
        monkeypatch.chdir(cwd)
        code = main(list(args))
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)

    return run


EXAMPLES = """\
case;provision_id;person_id;kind;category;funding;start_date;end_date;hours;expected_status;expected_type;expected_reasons
coach-cursus;C1;P1;coach_cursus;;reintegratie;2025-09-01;;;included;40+42;started|coaching+started|training
dag 1;T1;P2;training;training;reintegratie;2025-09-01;2025-09-01;6;included;42;
dag 2;T1;P2;training;training;reintegratie;2025-10-01;2025-10-01;6;included;42;
"""


def test_example_rows_are_source_records_taken_together(tmp_path, cli):
    (tmp_path / "source.rules").write_text(SOURCE_RULES, encoding="utf-8")
    (tmp_path / "source.examples.csv").write_text(EXAMPLES, encoding="utf-8")
    result = cli("test", "source.rules", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("3 passed, 0 failed")
    wrong = EXAMPLES.replace("included;40+42;", "included;42+40;")
    (tmp_path / "source.examples.csv").write_text(wrong, encoding="utf-8")
    result = cli("test", "source.rules", cwd=tmp_path)
    assert result.returncode == 1
    assert "type is 40+42, expected 42+40" in result.stdout
    assert "provision 'training' made of example row(s) 1:" in result.stdout


def test_run_writes_one_row_per_provision_with_its_source_rows(tmp_path, cli):
    (tmp_path / "source.rules").write_text(SOURCE_RULES, encoding="utf-8")
    rows = [
        "provision_id,person_id,kind,category,funding,start_date,end_date,hours",
        "T1,P2,training,training,reintegratie,2025-09-01,2025-09-01,6",
        "C1,P1,coach_cursus,,reintegratie,2025-09-01,,",
        "T1,P2,training,training,reintegratie,2025-10-01,2025-10-01,6",
        "B1,P3,training,training,wmo,2025-10-01,,",
        "B1,P3,training,training,reintegratie,2025-10-01,,",
        "too,many,values,in,this,row,for,the,header",
    ]
    (tmp_path / "in.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = cli("run", "source.rules", "in.csv", "-o", "out.csv",
                  "--summary-json", "summary.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("provision_id,person_id,kind,category,funding,start_date,end_date,"
                        "hours,paid,component,source_rows,status,type,reasons")
    assert lines[1] == ("T1,P2,training,training,reintegratie,2025-09-01,2025-10-01,12,,,1|3,"
                        "included,42,started|training")
    assert lines[2].startswith("C1,P1,coach_cursus,coaching,") and ",coaching,2,included,40," in lines[2]
    assert lines[3].startswith("C1,P1,coach_cursus,training,") and ",training,2,included,42," in lines[3]
    assert ",4|5,rejected,,conflict:funding" in lines[4]
    assert lines[5].endswith(",6,rejected,,malformed_row")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["source_rows"] == 6 and summary["records"] == 5
    assert "source rows read: 6\nprovisions made of them: 5" in result.stdout


def test_explain_a_row_explains_the_provisions_it_went_into(tmp_path, cli):
    (tmp_path / "source.rules").write_text(SOURCE_RULES, encoding="utf-8")
    (tmp_path / "in.csv").write_text(
        "provision_id,person_id,kind,category,funding,start_date\n"
        "B1,P3,training,training,wmo,2025-10-01\n"
        "C1,P1,coach_cursus,,reintegratie,2025-09-01\n"
        "B1,P3,training,training,reintegratie,2025-10-01\n", encoding="utf-8")
    result = cli("explain", "source.rules", "in.csv", "--row", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "One provision made of the activities in records 1, 3." in result.stdout
    assert "differ in funding: row 1 wmo, row 3 reintegratie" in result.stdout
    result = cli("explain", "source.rules", "in.csv", "--row", "2", cwd=tmp_path)
    assert "record 2 is a trajectory of 2 provisions." in result.stdout
    assert "--- provision 2: training ---" in result.stdout


def test_duckdb_decides_a_source_extract_and_refuses_parquet(tmp_path, cli):
    """The registration level runs in DuckDB (tests/test_sql_registration.py compares it
    with Python); a Parquet source extract is refused with a reason."""
    (tmp_path / "source.rules").write_text(SOURCE_RULES, encoding="utf-8")
    (tmp_path / "in.csv").write_text("provision_id,kind,category,funding,start_date\n"
                                     "A,coach_cursus,,wmo,2025-09-01\n", encoding="utf-8")
    for engine in ("duckdb", "python"):
        result = cli("run", "source.rules", "in.csv", "-o", f"{engine}.csv", "--engine", engine,
                     cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "python.csv").read_bytes()
    result = cli("run", "source.rules", "in.parquet", "-o", "out.parquet", "--engine", "duckdb",
                 cwd=tmp_path)
    assert result.returncode == 2
    assert "runs on the python engine" in result.stderr
    assert "Traceback" not in result.stderr


def test_sql_is_refused_rather_than_silently_wrong(tmp_path, cli):
    (tmp_path / "source.rules").write_text(SOURCE_RULES, encoding="utf-8")
    result = cli("sql", "source.rules", cwd=tmp_path)
    assert result.returncode == 2
    assert "does not implement 'activities' and 'trajectory'" in result.stderr


def test_diff_compares_provisions_when_both_versions_make_them_alike(tmp_path, cli):
    (tmp_path / "old.rules").write_text(SOURCE_RULES, encoding="utf-8")
    (tmp_path / "new.rules").write_text(
        SOURCE_RULES.replace("exclude wmo when funding = wmo", "exclude wmo when funding = wmo "
                             "and category = training"), encoding="utf-8")
    (tmp_path / "in.csv").write_text(
        "provision_id,person_id,kind,category,funding,start_date\n"
        "C1,P1,coach_cursus,,wmo,2025-09-01\n"
        "T1,P2,training,training,wmo,2025-10-01\n"
        "T1,P2,training,training,wmo,2025-11-01\n", encoding="utf-8")
    result = cli("diff", "old.rules", "new.rules", "in.csv", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    # Of the three provisions (two from the coach-cursus in row 1), only its coaching changes.
    assert "1 of 3 records changes decision" in result.stdout
    assert "excluded -> included type 40: 1 record (record 1)" in result.stdout


def test_diff_refuses_versions_that_make_provisions_differently(tmp_path, cli):
    (tmp_path / "old.rules").write_text(SOURCE_RULES, encoding="utf-8")
    (tmp_path / "new.rules").write_text(
        SOURCE_RULES.replace("combine start_date by earliest", "combine start_date by latest"),
        encoding="utf-8")
    result = cli("diff", "old.rules", "new.rules", cwd=tmp_path)
    assert result.returncode == 2
    assert "make provisions from source records differently" in result.stderr


def test_json_lines_in_json_lines_out_with_nulls_for_missing(tmp_path, cli):
    (tmp_path / "source.rules").write_text(SOURCE_RULES, encoding="utf-8")
    (tmp_path / "in.jsonl").write_text(
        '{"provision_id": "C1", "kind": "coach_cursus", "funding": "reintegratie", '
        '"start_date": "2025-09-01"}\n[1]\n', encoding="utf-8")
    result = cli("run", "source.rules", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(p["component"], p["category"], p["type"]) for p in lines[:2]] == [
        ("coaching", "coaching", "40"), ("training", "training", "42")]
    assert lines[0]["person_id"] is None and lines[0]["source_rows"] == "1"
    assert lines[2]["reasons"] == ["malformed_row"] and lines[2]["source_rows"] == "2"


# --- computed values and picking an activity by a date (issue 12) ---------------------------

EXPRESSION_RULES = """\
field provision_id: text
field person_id: text optional
field kind: code {coaching, training, coach_cursus}
field category: code {coaching, training}
field start_date: date
field end_date: date optional
field end_reason: code {1, 2, 9} optional
field left: text optional
field right: text optional
output type: code {40, 42}

activities share provision_id, person_id
    combine start_date by earliest, end_date by latest_or_missing,
        end_reason by latest end_date

trajectory coach_cursus when kind = coach_cursus
    yields coaching with category = coaching, left = right, right = left
    yields training with category = training, provision_id = provision_id ~ "-2",
        end_date = start_date + 3 months, left = left ~ "/" ~ right

include started when start_date is present
classify coaching as 40 when category = coaching
classify training as 42 when category = training
"""


@pytest.fixture(scope="module")
def computing() -> srg_rules.Rulebook:
    return srg_rules.parse(EXPRESSION_RULES, "computing.rules")


def _source(**values):
    row = {"provision_id": "VB-1", "person_id": "P1", "kind": "coach_cursus", "category": "",
           "start_date": "2025-01-31", "end_date": "", "end_reason": "", "left": "L",
           "right": "R"}
    row.update(values)
    return row


def test_each_provision_of_a_trajectory_gets_its_own_registration_number(computing):
    made = list(computing.decide_source([_source()]))
    assert [p.values["provision_id"] for p, _ in made] == ["VB-1", "VB-1-2"]
    assert [p.text["provision_id"] for p, _ in made] == ["VB-1", "VB-1-2"]
    assert [d.type for _, d in made] == ["40", "42"]
    # Date arithmetic clamps to the month's end; the first provision keeps the source's.
    assert [p.values["end_date"] for p, _ in made] == [None, dt.date(2025, 4, 30)]
    assert all(p.rows == (1,) for p, _ in made)


def test_every_computed_value_reads_the_source_record_so_two_fields_swap(computing):
    coaching, training = (p for p, _ in computing.decide_source([_source()]))
    assert (coaching.values["left"], coaching.values["right"]) == ("R", "L")
    # Not "R/L": the join reads the source's left, not the value another assignment gives.
    assert training.values["left"] == "L/R"


def test_a_missing_operand_makes_a_missing_value(computing):
    coaching, training = (p for p, _ in computing.decide_source([_source(right="")]))
    assert training.values["left"] is None  # optional: missing, no problem
    assert training.problems == ()
    assert coaching.values["left"] is None and coaching.values["right"] == "L"


def test_a_missing_value_of_a_required_field_is_the_usual_field_problem():
    book = srg_rules.parse(EXPRESSION_RULES.replace(
        'provision_id = provision_id ~ "-2"', 'provision_id = provision_id ~ "-" ~ right'))
    [(_, ok), (provision, decision)] = book.decide_source([_source(right="")])
    assert ok.status is Status.INCLUDED
    assert decision.status is Status.REJECTED
    assert decision.reasons == ("missing_value:provision_id",)
    assert provision.messages == (
        "row 1: provision_id: a value is required (computed by yields training)",)


def test_a_join_that_is_not_a_code_is_an_unknown_code_of_the_field():
    book = srg_rules.parse("""\
field kind: code {a, b}
field sub: code {a_1, a_2}
trajectory t when kind = a
    yields one with sub = kind ~ "_1"
    yields two with sub = kind ~ "_3"
include when kind is present
""")
    [(one, first), (_, second)] = book.decide_source([{"kind": "a", "sub": ""}])
    assert one.values["sub"] == "a_1" and first.status is Status.INCLUDED
    assert second.reasons == ("unknown_code:sub",)


def _days(*days):
    return [_source(kind="training", category="training", start_date=start, end_date=end,
                    end_reason=reason) for start, end, reason in days]


def test_the_reason_of_the_last_activity_is_the_provisions(computing):
    """Four training days, only the last carrying end_reason 1: one provision with reason 1,
    not conflict:end_reason."""
    days = _days(("2025-09-01", "2025-09-01", ""), ("2025-10-01", "2025-10-01", ""),
                 ("2025-11-01", "2025-11-01", ""), ("2025-12-01", "2025-12-01", "1"))
    [(provision, decision)] = computing.decide_source(days)
    assert provision.values["end_reason"] == "1"
    assert provision.text["end_reason"] == "1"
    assert decision.status is Status.INCLUDED and provision.rows == (1, 2, 3, 4)


def test_by_earliest_takes_the_first_activitys_value():
    book = srg_rules.parse(EXPRESSION_RULES.replace("by latest end_date", "by earliest end_date"))
    days = _days(("2025-09-01", "2025-09-01", "2"), ("2025-12-01", "2025-12-01", "1"))
    [(provision, _)] = book.decide_source(days)
    assert provision.values["end_reason"] == "2"


def test_a_tie_at_the_latest_date_that_disagrees_is_a_conflict(computing):
    days = _days(("2025-09-01", "2025-12-01", "1"), ("2025-10-01", "2025-12-01", "2"))
    [(provision, decision)] = computing.decide_source(days)
    assert decision.reasons == ("conflict:end_reason",)
    assert provision.messages == (
        "the activities of one provision with the latest end_date (2025-12-01) differ in "
        "end_reason: row 1 1, row 2 2",)


def test_a_tie_with_a_missing_value_against_a_present_one_is_a_conflict(computing):
    days = _days(("2025-09-01", "2025-12-01", ""), ("2025-10-01", "2025-12-01", "1"))
    [(_, decision)] = computing.decide_source(days)
    assert decision.reasons == ("conflict:end_reason",)


def test_activities_without_the_date_take_no_part_unless_none_has_it():
    book = srg_rules.parse(EXPRESSION_RULES.replace(
        "end_date by latest_or_missing", "end_date by latest"))
    # The running activity (no end date) has no reason; the ended one has reason 2.
    days = _days(("2025-09-01", "2025-09-30", "2"), ("2025-10-01", "", ""))
    [(provision, _)] = book.decide_source(days)
    assert provision.values["end_reason"] == "2"
    # No activity has an end date: nothing tells them apart, so they must agree.
    agree = _days(("2025-09-01", "", "9"), ("2025-10-01", "", "9"))
    [(provision, _)] = book.decide_source(agree)
    assert provision.values["end_reason"] == "9"
    differ = _days(("2025-09-01", "", "9"), ("2025-10-01", "", ""))
    [(provision, decision)] = book.decide_source(differ)
    assert decision.reasons == ("conflict:end_reason",)
    assert "(none has a end_date, so all)" in provision.messages[0]


def test_computed_values_round_trip_through_the_formatter():
    from srg_rules.format import format_text
    text = format_text(EXPRESSION_RULES)
    assert 'provision_id = provision_id ~ "-2"' in text
    assert "end_reason by latest end_date" in text
    assert "end_date = start_date + 3 months" in text
    assert format_text(text) == text
    assert srg_rules.parse(text).program == srg_rules.parse(EXPRESSION_RULES).program


def test_the_analysis_sees_the_provisions_a_trajectory_computes(computing):
    # The coaching provision's left is the source's right: exact, so no approximation is
    # reported for rules that do not read a joined or moved value.
    findings = analysis.analyse(computing.program, strict=True)
    assert not [f for f in findings if f.code == "approximated_condition"]


def test_a_rule_reading_a_joined_value_is_reported_as_approximated():
    book = srg_rules.parse(EXPRESSION_RULES + 'reject lang when provision_id = "VB-1-2"\n')
    findings = analysis.analyse(book.program, strict=True)
    [approximated] = [f for f in findings if f.code == "approximated_condition"]
    assert "provision 'training' of trajectory 'coach_cursus'" in approximated.message
    assert approximated.rules == ("lang",)
