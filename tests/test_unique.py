"""Checks across the records of one delivery (``unique KEY, ...``) and the summary per group
(``srg-rules run --by``): the same output and the same counts from both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
import srg_rules.run as run_module
from srg_rules.cli import main
from srg_rules.decision import Status
from srg_rules.filerun import run_file
from srg_rules.format import format_text
from srg_rules.run import run_records
from srg_rules.unique import KeyCounts

RULES = """\
field provision_id: text
field person_id: digits(4) optional
field municipality_code: code {0363, 0599}
field reporting_month: text
field start: date optional
field hours: number
output type: code {A, B}
unique provision_id, person_id
reject negative when hours < 0
include when hours > 0
classify as A when hours >= 10
classify as B when hours < 10
"""

HEADER = "provision_id,person_id,municipality_code,reporting_month,start,hours"


@pytest.fixture
def book() -> srg_rules.Rulebook:
    return srg_rules.parse(RULES)


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _both(book, source: Path, folder: Path, by=()) -> tuple[str, dict, dict]:
    """The python run's output text and summary, and the DuckDB run's summary (its output
    must be byte-identical)."""
    python = run_records(book.decide, book.fields, source, folder / "python.csv",
                         unique=book.program.unique, by=by)
    duck = run_file(book.program, source, folder / "duckdb.csv", progress=None, by=by)
    assert duck.pop("engine") == "duckdb"
    text = (folder / "python.csv").read_bytes()
    assert (folder / "duckdb.csv").read_bytes() == text
    return text.decode(), python.as_dict(), duck


def _decided(text: str) -> list[tuple[str, str, str]]:
    return [tuple(line.split(",")[-3:]) for line in text.splitlines()[1:]]


def test_a_duplicated_row_rejects_both_with_the_reason(tmp_path, book) -> None:
    source = _write(tmp_path / "in.csv", "p1,0001,0363,2024-01,,12", "p2,0002,0363,2024-01,,3",
                    "p1,0001,0363,2024-01,,12")
    text, python, duck = _both(book, source, tmp_path)
    assert _decided(text) == [("rejected", "", "duplicate:provision_id"),
                              ("included", "B", "line-10|line-12"),
                              ("rejected", "", "duplicate:provision_id")]
    assert python == duck
    assert python["reasons"]["duplicate:provision_id"] == 2


def test_rejected_records_count_and_keep_their_reasons_first(tmp_path, book) -> None:
    source = _write(tmp_path / "in.csv", "p1,0001,0363,2024-01,,-1", "p1,0001,0363,2024-01,,5")
    text, python, duck = _both(book, source, tmp_path)
    assert _decided(text) == [("rejected", "", "negative|duplicate:provision_id"),
                              ("rejected", "", "duplicate:provision_id")]
    assert python == duck


def test_a_missing_or_unreadable_key_field_takes_no_part(tmp_path, book) -> None:
    source = _write(
        tmp_path / "in.csv",
        "p3,,0599,2024-02,,5", "p3,,0599,2024-02,,5",          # person_id missing (optional)
        "p4,12,0363,2024-01,,5", "p4,12,0363,2024-01,,5",      # person_id not 4 digits
        "p5,0005,0363,2024-01,,1,extra", "p5,0005,0363,2024-01,,1",  # one row malformed
        "p6, 0006 ,0363,2024-01,,1", "p6,0006,0363,2024-01,,1",  # the same value as read
    )
    text, python, duck = _both(book, source, tmp_path)
    assert [d[0] for d in _decided(text)] == [
        "included", "included", "rejected", "rejected", "rejected", "included",
        "rejected", "rejected"]
    assert _decided(text)[2][2] == "invalid_digits:person_id"
    assert _decided(text)[4][2] == "malformed_row"
    assert _decided(text)[6][2] == "duplicate:provision_id"
    assert python == duck


def test_several_statements_each_give_their_reason_in_order(tmp_path) -> None:
    book = srg_rules.parse(RULES + "unique start, municipality_code\n")
    source = _write(tmp_path / "in.csv", "p1,0001,0363,2024-01,2024-01-05,5",
                    "p1,0001,0363,2024-01,20240105,5", "p2,0002,0363,2024-01,,5")
    text, python, duck = _both(book, source, tmp_path)
    assert [d[2] for d in _decided(text)] == [
        "duplicate:provision_id|duplicate:start", "duplicate:provision_id|duplicate:start",
        "line-10|line-12"]
    assert python == duck


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["p1", "p2", " p1", ""]),
                               st.sampled_from(["0001", "0002", "", "12"]),
                               st.sampled_from(["0363", "0599", "x"]),
                               st.sampled_from(["5", "-1", "0", "12"]),
                               st.booleans()), max_size=12))
def test_both_engines_write_the_same_file_and_counts(tmp_path, book, rows) -> None:
    lines = [f"{p},{q},{m},2024-01,,{h}" + (",extra" if bad else "") for p, q, m, h, bad in rows]
    source = _write(tmp_path / "in.csv", *lines)
    _, python, duck = _both(book, source, tmp_path, by=("municipality_code",))
    assert python == duck
    # The reference: decide_many over the readable rows gives the same duplicates.
    readable = [dict(zip(HEADER.split(","), line.split(","))) for line in lines
                if not line.endswith(",extra")]
    expected = sum("duplicate:provision_id" in d.reasons for d in book.decide_many(readable))
    assert python["reasons"].get("duplicate:provision_id", 0) == expected


def test_a_number_key_is_checked_row_by_row(tmp_path) -> None:
    book = srg_rules.parse("field n: number\nunique n\ninclude when n > 0\n")
    (tmp_path / "in.csv").write_text("n\n1\n1.0\n2\n", encoding="utf-8")
    summary = run_file(book.program, tmp_path / "in.csv", tmp_path / "out.csv", progress=None)
    assert summary["engine"] == "python"
    assert summary["reasons"] == {"duplicate:n": 2, "line-3": 1}


def test_decide_many_applies_unique_and_decide_does_not(book) -> None:
    record = {"provision_id": "p1", "person_id": "0001", "municipality_code": "0363",
              "reporting_month": "2024-01", "hours": "12"}
    assert book.decide(record).status is Status.INCLUDED
    decisions = list(book.decide_many([record, dict(record)]))
    assert [d.reasons for d in decisions] == [("duplicate:provision_id",)] * 2
    assert all(d.type is None for d in decisions)
    assert list(book.decide_many([record])) == [book.decide(record)]


def test_the_run_stores_keys_not_records(tmp_path, book, monkeypatch) -> None:
    made: list[KeyCounts] = []

    class Spy(KeyCounts):
        def __init__(self, statements):
            super().__init__(statements)
            made.append(self)

    monkeypatch.setattr(run_module, "KeyCounts", Spy)
    rows = [f"p{i % 7},000{i % 3},0363,2024-01,,5" for i in range(3000)]
    source = _write(tmp_path / "in.csv", *rows)
    summary = run_records(book.decide, book.fields, source, tmp_path / "out.csv",
                          unique=book.program.unique)
    assert summary.records == 3000
    # 7 provision ids, 3 person ids: at most 21 keys, whatever the number of rows.
    assert made[0].distinct == len({(i % 7, i % 3) for i in range(3000)}) <= 21


def test_the_key_of_a_provision_after_registration(tmp_path) -> None:
    # Without "kind" in the key, the two provisions of one coach_cursus row share it.
    rules = """\
field provision_id: text
field kind: code {{coaching, training, coach_cursus}}
field hours: number
trajectory coach_cursus when kind = coach_cursus
    yields coaching with kind = coaching
    yields training with kind = training
unique provision_id{extra}
include when hours > 0
"""
    (tmp_path / "in.csv").write_text(
        "provision_id,kind,hours\nA,training,4\nB,coach_cursus,1\nC,training,1\n",
        encoding="utf-8")
    book = srg_rules.parse(rules.format(extra=""))
    summary = run_module.run_source(book, tmp_path / "in.csv", tmp_path / "out.csv")
    out = (tmp_path / "out.csv").read_text().splitlines()
    assert [line.split(",")[-4:] for line in out[1:]] == [
        ["1", "included", "", "line-8"], ["2", "rejected", "", "duplicate:provision_id"],
        ["2", "rejected", "", "duplicate:provision_id"], ["3", "included", "", "line-8"]]
    assert summary.reasons["duplicate:provision_id"] == 2
    assert [d.status.value for _, d in book.decide_source(
        [{"provision_id": "B", "kind": "coach_cursus", "hours": "1"}])] == ["rejected"] * 2
    keyed = srg_rules.parse(rules.format(extra=", kind"))
    run_module.run_source(keyed, tmp_path / "in.csv", tmp_path / "out.csv")
    assert "duplicate" not in (tmp_path / "out.csv").read_text()


def test_explain_names_the_other_rows(tmp_path, capsys) -> None:
    (tmp_path / "u.rules").write_text(RULES, encoding="utf-8")
    _write(tmp_path / "in.csv", "p1,0001,0363,2024-01,,12", "p2,0002,0363,2024-01,,3",
           "p1,0001,0363,2024-01,,-1")
    assert main(["explain", str(tmp_path / "u.rules"), str(tmp_path / "in.csv"), "--row", "3"]) == 0
    out = capsys.readouterr().out
    assert "Decision: rejected (a check across the records of the file)" in out
    assert "duplicate:provision_id: records 1, 3 of the file" in out
    assert "The record on its own, before that check:\nDecision: rejected" in out
    assert main(["explain", str(tmp_path / "u.rules"), str(tmp_path / "in.csv"), "--row", "2"]) == 0
    assert "check across" not in capsys.readouterr().out


def test_the_statement_formats_and_reads_back() -> None:
    text = "field a: text\nfield b: text\n\nunique a,b\n\ninclude when a is present\n"
    formatted = format_text(text)
    assert "unique a, b\n" in formatted
    assert format_text(formatted) == formatted
    assert srg_rules.parse(formatted).program.unique[0].key == ("a", "b")


# --- the summary per group -------------------------------------------------------------------


GROUPED = ("p1,0001,0363,2024-01,,12", "p2,0002,0363,2024-01,,3", "p3,0003,0599,2024-01,,-1",
           "p4,0004, 0363 ,2024-02,,0", "p5,0005,,2024-02,,5", "p1,0001,0599,2024-02,,12")


def test_by_counts_per_group_in_both_engines(tmp_path, book) -> None:
    source = _write(tmp_path / "in.csv", *GROUPED)
    _, python, duck = _both(book, source, tmp_path, by=("municipality_code", "reporting_month"))
    assert python == duck
    by = python["by"]
    assert by["fields"] == ["municipality_code", "reporting_month"]
    groups = {tuple(g["values"].values()): g for g in by["groups"]}
    assert list(groups) == [("", "2024-02"), ("0363", "2024-01"), ("0363", "2024-02"),
                            ("0599", "2024-01"), ("0599", "2024-02")]
    assert groups[("0363", "2024-01")]["statuses"] == {"included": 1, "excluded": 0,
                                                       "rejected": 1}
    assert groups[("0363", "2024-01")]["types"] == {"B": 1}
    assert groups[("", "2024-02")]["reasons"] == {"missing_value:municipality_code": 1}
    assert sum(g["records"] for g in by["groups"]) == python["records"] == 6


def test_run_by_on_the_command_line(tmp_path, capsys) -> None:
    (tmp_path / "u.rules").write_text(RULES, encoding="utf-8")
    _write(tmp_path / "in.csv", *GROUPED)
    texts = []
    for engine in ("python", "duckdb"):
        assert main(["run", str(tmp_path / "u.rules"), str(tmp_path / "in.csv"), "-o",
                     str(tmp_path / f"{engine}.csv"), "--engine", engine,
                     "--by", "municipality_code,reporting_month",
                     "--summary-json", str(tmp_path / f"{engine}.json")]) == 0
        texts.append(capsys.readouterr().out.split("\n", 3)[3])
    assert texts[0] == texts[1]
    assert "by municipality_code, reporting_month:\n" in texts[0]
    assert "  0363               2024-01                  2          1          0          1" \
        in texts[0]
    assert "      reasons: duplicate:provision_id 1, line-10 1, line-12 1" in texts[0]
    python, duck = (json.loads((tmp_path / f"{e}.json").read_text()) for e in ("python", "duckdb"))
    assert python == duck and python["by"]["groups"][0]["values"] == {
        "municipality_code": "", "reporting_month": "2024-02"}
    assert srg_rules.summary.Summary.from_dict(python).as_dict() == python


def test_by_an_unknown_field_is_a_usage_error(tmp_path, capsys) -> None:
    (tmp_path / "u.rules").write_text(RULES, encoding="utf-8")
    _write(tmp_path / "in.csv", *GROUPED)
    assert main(["run", str(tmp_path / "u.rules"), str(tmp_path / "in.csv"),
                 "--by", "municipality,reporting_month"]) == 2
    error = capsys.readouterr().err
    assert "--by municipality,reporting_month: no field named 'municipality'" in error
    assert "did you mean 'municipality_code'?" in error


def test_a_duplicate_keeps_its_warnings_in_both_engines(tmp_path) -> None:
    book = srg_rules.parse(RULES + 'warn weinig_uren when hours < 3 because "weinig uren"\n')
    source = _write(tmp_path / "in.csv", "p1,0001,0363,2024-01,,2", "p1,0001,0363,2024-01,,2",
                    "p2,0002,0363,2024-01,,20")
    python = run_records(book.decide, book.fields, source, tmp_path / "python.csv",
                         unique=book.program.unique, warnings=True)
    duck = run_file(book.program, source, tmp_path / "duckdb.csv", progress=None)
    text = (tmp_path / "python.csv").read_text(encoding="utf-8")
    assert (tmp_path / "duckdb.csv").read_text(encoding="utf-8") == text
    rows = [line.split(",")[-4:] for line in text.splitlines()[1:]]
    assert rows == [["rejected", "", "duplicate:provision_id", "weinig_uren"]] * 2 + [
        ["included", "A", "line-10|line-11", ""]]
    assert python.as_dict()["warnings"] == duck["warnings"] == {"weinig_uren": 2}
    assert [d.warnings for d in book.decide_many([{**dict(zip(HEADER.split(","), r.split(",")))}
                                                  for r in ("p1,0001,0363,2024-01,,2",) * 2])] \
        == [("weinig_uren",)] * 2
