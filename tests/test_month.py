"""The ``month`` field type (docs/language.md, "Fields"): ``YYYY-MM`` read as its first day,
through every stage: reading on every backend (SQL too), comparisons and date arithmetic,
explanations, the analysis (exact over first days), the strategies and the whole-file run."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules.analysis import analyse
from srg_rules.backends import BACKENDS
from srg_rules.backends.interpreter import Interpreter
from srg_rules.cli import main
from srg_rules.months import Month, month_starts_near
from srg_rules.strategies import records

BOOK = """
field reporting_month: month
field start_date: date
field end_date: date optional
exclude niet_gestart when start_date >= reporting_month + 1 months
    because "de voorziening is in de verslagmaand nog niet gestart"
reject lang_lopend when end_date is missing and start_date < reporting_month - 10 years
include when reporting_month >= 2025-01-01
"""

_READINGS = [
    # (raw reporting_month, the decision's reasons)
    ("2026-01", ("line-8",)),
    ("202601", ("line-8",)),
    (" 2026-01\t", ("line-8",)),
    (dt.date(2026, 1, 1), ("line-8",)),
    (dt.datetime(2026, 1, 1, 0, 0), ("line-8",)),
    (Month(2026, 1, 1), ("line-8",)),
    ("2024-12", ("niet_gestart",)),
    ("2026-13", ("invalid_month:reporting_month",)),
    ("2026-00", ("invalid_month:reporting_month",)),
    ("2026-1", ("invalid_month:reporting_month",)),
    ("2026-01-15", ("invalid_month:reporting_month",)),
    ("2026-01-01", ("invalid_month:reporting_month",)),
    ("20260101", ("invalid_month:reporting_month",)),
    ("00000000", ("invalid_month:reporting_month",)),
    ("000000", ("invalid_month:reporting_month",)),
    ("0000-01", ("invalid_month:reporting_month",)),
    ("2026/01", ("invalid_month:reporting_month",)),
    ("２０２６-01", ("invalid_month:reporting_month",)),
    (dt.date(2026, 1, 15), ("invalid_month:reporting_month",)),
    (202601, ("invalid_month:reporting_month",)),
    ("", ("missing_value:reporting_month",)),
    (None, ("missing_value:reporting_month",)),
]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("raw, reasons", _READINGS)
def test_every_backend_reads_a_month(backend: str, raw, reasons: tuple[str, ...]) -> None:
    book = srg_rules.parse(BOOK, backend=backend)
    decision = book.decide({"reporting_month": raw, "start_date": "2026-01-31"})
    assert decision.reasons == reasons


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("month, start, end, reasons", [
    # + 1 months is the first day of the next month.
    ("2026-01", "2026-02-01", "", ("niet_gestart",)),
    ("2026-01", "2026-01-31", "", ("line-8",)),
    ("2025-12", "2026-01-01", "", ("niet_gestart",)),
    ("2024-02", "2024-03-01", "", ("niet_gestart",)),
    # - 10 years is the first day of the same month ten years before.
    ("2026-01", "2015-12-31", "", ("lang_lopend",)),
    ("2026-01", "2016-01-01", "", ("line-8",)),
    ("2026-01", "2015-12-31", "2016-06-30", ("line-8",)),
])
def test_a_month_compares_and_moves_as_its_first_day(backend: str, month: str, start: str,
                                                      end: str, reasons: tuple[str, ...]) -> None:
    book = srg_rules.parse(BOOK, backend=backend)
    record = {"reporting_month": month, "start_date": start, "end_date": end}
    assert book.decide(record).reasons == reasons


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_month_compares_with_a_date_field_and_moves_by_days(backend: str) -> None:
    book = srg_rules.parse("""
field m: month
field d: date
include a when m = d
include b when m + 5 days = d
""", backend=backend)
    assert book.decide({"m": "2026-03", "d": "2026-03-01"}).reasons == ("a",)
    assert book.decide({"m": "2026-03", "d": "2026-03-06"}).reasons == ("b",)
    assert book.decide({"m": "2026-03", "d": "2026-03-02"}).reasons == ("no_include_matched",)


def test_a_month_is_a_date_that_writes_itself_as_a_month() -> None:
    month = Month(2026, 1, 1)
    assert month == dt.date(2026, 1, 1) and hash(month) == hash(dt.date(2026, 1, 1))
    assert str(month) == month.isoformat() == "2026-01" and f"{month}" == "2026-01"
    moved = month + dt.timedelta(days=5)
    assert type(moved) is dt.date and moved == dt.date(2026, 1, 6)
    assert month.replace(day=3) == dt.date(2026, 1, 3)
    with pytest.raises(ValueError):
        Month(2026, 1, 2)
    assert [str(d) for d in month_starts_near(dt.date(9999, 12, 31))] == ["9999-11-01", "9999-12-01"]


def test_the_decision_date_may_be_a_month() -> None:
    book = srg_rules.parse("""
field reporting_month: month
rules in force on reporting_month
include oud when reporting_month is present valid until 2024-12-31
include nieuw when reporting_month is present valid from 2025-01-01
""")
    assert book.decide({"reporting_month": "2024-12"}).reasons == ("oud",)
    assert book.decide({"reporting_month": "2025-01"}).reasons == ("nieuw",)


@pytest.mark.parametrize("text, code", [
    ("field m: month(3)\ninclude when m is present", "type_argument"),
    ("field m: month\ninclude when m > 5", "type_mismatch"),
    ('field m: month\ninclude when m = "2026-01"', "type_mismatch"),
    ("field m: month\nfield n: number\ninclude when m = n", "type_mismatch"),
    ("field m: month\ninclude when m = 2026-01", "parse_unexpected_token"),
])
def test_mistakes_are_diagnostics(text: str, code: str) -> None:
    with pytest.raises(srg_rules.RulebookError) as caught:
        srg_rules.parse(text)
    assert [d.code for d in caught.value.diagnostics] == [code]


def test_explain_shows_a_month_as_written() -> None:
    book = srg_rules.parse(BOOK)
    text = str(book.explain({"reporting_month": "202601", "start_date": "2026-02-01"}))
    assert "reporting_month is 2026-01," in text
    assert "reporting_month + 1 months is 2026-02-01" in text


# --- the analysis --------------------------------------------------------------------------


def test_no_first_day_between_two_dates_is_unsatisfiable() -> None:
    book = srg_rules.parse("""
field m: month
include leeg when m > 2020-02-10 and m < 2020-03-01
include vol when m > 2020-02-10 and m <= 2020-03-01
include midden when m = 2020-02-15
""")
    findings = analyse(book.program, strict=True)
    unsatisfiable = {f.rules for f in findings if f.code == "unsatisfiable_rule"}
    assert unsatisfiable == {("leeg",), ("midden",)}


def test_witnesses_hold_months_that_read_back() -> None:
    book = srg_rules.parse("""
field reporting_month: month
field start_date: date
output type: code {1, 2}
include when start_date is present
classify as 1 when reporting_month > 2020-02-10 and reporting_month < 2020-03-15
classify as 2 when start_date < reporting_month and reporting_month >= 2020-03-01
""")
    findings = analyse(book.program, strict=True)
    overlap = [f for f in findings if f.code == "classification_overlap"]
    assert overlap and overlap[0].witness["reporting_month"] == dt.date(2020, 3, 1)
    interpreter = Interpreter(book.program)
    for finding in findings:
        if finding.witness is not None:
            month = finding.witness["reporting_month"]
            assert isinstance(month, Month)
            written = {k: (str(v) if v is not None else "") for k, v in finding.witness.items()}
            assert interpreter.decide(written) == finding.decision
    assert "reporting_month=2020-03," in srg_rules.analysis.describe_record(overlap[0].witness)


def test_a_date_against_a_moved_month_is_exact() -> None:
    book = srg_rules.parse(BOOK)
    findings = analyse(book.program, strict=True)
    assert not [f for f in findings if f.code in ("approximated_condition", "unsatisfiable_rule")]


def test_a_move_too_far_for_the_points_is_approximated_and_never_wrong() -> None:
    # Moves of a century beside constants two centuries apart: too many months to keep.
    book = srg_rules.parse("""
field m: month
field d: date
include far when d < m + 100 years and m < 1900-01-01
include near when d >= m + 100 years and m > 2100-01-01 and d < 2100-01-01
""")
    findings = analyse(book.program, strict=True)
    assert {f.rules for f in findings if f.code == "approximated_condition"} == {
        ("far",), ("near",)}
    assert not [f for f in findings if f.code == "unsatisfiable_rule"]
    assert not [f for f in findings if f.code == "never_included"]


_MONTH_CONSTANTS = [dt.date(2024, 1, 1), dt.date(2024, 1, 31), dt.date(2024, 2, 1),
                    dt.date(2024, 2, 15), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
                    dt.date(2024, 3, 2)]

def _days_around(points: set[dt.date]) -> list[dt.date]:
    """Every class of days a conjunction of comparisons with ``points`` can tell apart: each
    point, the day on either side, and a day before and after them all."""
    days = {p + dt.timedelta(days=k) for p in points for k in (-1, 0, 1)}
    return sorted(days | {min(points) - dt.timedelta(days=400), max(points) + dt.timedelta(days=400)})


_MOVES = ["m + 1 months", "m - 1 months", "m + 2 months", "n + 1 months"]


@st.composite
def _month_rules(draw) -> tuple[str, list[str]]:
    """A rulebook over a month m, a date d and a month n: rules r0.. each a conjunction of
    comparisons among them, with a month moved by whole months, and with dates near month
    boundaries (all exact in the analysis)."""
    leaves = []
    for _ in range(draw(st.integers(1, 3))):
        left = draw(st.sampled_from(["m", "n", "d", "m + 1 months", "n - 1 months"]))
        op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
        if left in ("m", "n", "d") and draw(st.booleans()):
            right = draw(st.sampled_from(["m", "n", "d", *_MOVES]))
        else:
            right = draw(st.sampled_from(_MONTH_CONSTANTS)).isoformat()
        leaves.append(f"{left} {op} {right}")
    return " and ".join(leaves), leaves


def _holds(leaves: list[str], values: dict) -> bool:
    book = srg_rules.parse("field m: month\nfield n: month\nfield d: date\ninclude r when "
                           + " and ".join(leaves))
    return book.decide(values).status == "included"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_month_rules(), min_size=1, max_size=3))
@example([("m + 1 months < 2024-01-01 and m > d", [])])  # a day before every month drawn
@example([("d = m + 1 months and n > m + 2 months and n < d", [])])
@example([("d >= m + 1 months and d < n + 1 months and n < m + 1 months", [])])
def test_the_analysis_is_exact_over_first_days(rules) -> None:
    text = "field m: month\nfield n: month\nfield d: date\n" + "".join(
        f"include r{i} when {condition}\n" for i, (condition, _) in enumerate(rules))
    book = srg_rules.parse(text)
    findings = analyse(book.program, strict=True)
    unsatisfiable = {f.rules[0] for f in findings if f.code == "unsatisfiable_rule"}
    months = sorted({s for day in _MONTH_CONSTANTS for s in month_starts_near(day, 5)})
    days = _days_around({*months, *_MONTH_CONSTANTS})
    interpreter = Interpreter(book.program)
    met = set()
    for m in months:
        for n in months:
            for d in days:
                decision = interpreter.decide({"m": Month.of(m), "n": Month.of(n), "d": d})
                met.update(decision.reasons)
    for i in range(len(rules)):
        assert (f"r{i}" in unsatisfiable) == (f"r{i}" not in met), (text, unsatisfiable)
    assert not [f for f in findings if f.code == "approximated_condition"]
    for finding in findings:  # never a wrong witness
        if finding.witness is not None and finding.decision is not None:
            assert interpreter.decide(finding.witness) == finding.decision, (text, finding)


# --- the strategies --------------------------------------------------------------------------


def test_the_strategies_draw_months() -> None:
    book = srg_rules.parse(BOOK)
    seen: list = []

    @settings(max_examples=150, deadline=None)
    @given(records(book, raw=True))
    def check(record: dict) -> None:
        assert len(record["reporting_month"]) == 7
        seen.append(record["reporting_month"])
        assert not any(r.startswith("invalid_") for r in book.decide(record).reasons)

    check()
    assert any(m.endswith(("-12", "-01")) for m in seen)


def test_where_draws_months_meeting_a_moved_comparison() -> None:
    book = srg_rules.parse(BOOK)
    interpreter = Interpreter(book.program)

    @settings(max_examples=60, deadline=None)
    @given(records(book, where="start_date >= reporting_month + 1 months "
                                "and reporting_month <= 2025-03-15"))
    def check(record: dict) -> None:
        assert isinstance(record["reporting_month"], Month)
        assert record["reporting_month"] <= dt.date(2025, 3, 1)
        assert interpreter.decide(record).reasons in (("niet_gestart",), ("lang_lopend",))

    check()


def test_where_a_month_cannot_meet_reports_why() -> None:
    book = srg_rules.parse(BOOK)
    with pytest.raises(ValueError):
        records(book, where="reporting_month > 2025-02-01 and reporting_month < 2025-03-01")


# --- whole files --------------------------------------------------------------------------


_CSV = ("reporting_month,start_date,end_date\n2026-01,2026-01-31,\n202601,2026-02-01,\n"
        "2026-13,2026-01-01,\n2026-1,2026-01-01,\n2026-01-15,2026-01-01,\n00000000,2026-01-01,\n"
        " 2026-01 ,2010-01-01,\n0000-05,2010-01-01,\n,2010-01-01,\n")


def test_the_duckdb_engine_writes_what_the_python_engine_writes(tmp_path: Path) -> None:
    rules = tmp_path / "month.rules"
    rules.write_text(BOOK, encoding="utf-8")
    source = tmp_path / "in.csv"
    source.write_text(_CSV, encoding="utf-8")
    for engine in ("python", "duckdb"):
        assert main(["run", str(rules), str(source), "--engine", engine,
                     "-o", str(tmp_path / f"{engine}.csv")]) == 0
    python, duckdb = ((tmp_path / f"{e}.csv").read_bytes() for e in ("python", "duckdb"))
    assert python == duckdb
    assert b"2026-13,2026-01-01,,rejected,,invalid_month:reporting_month" in python


def test_a_parquet_date_column_reads_as_a_month_on_first_days_only(tmp_path: Path) -> None:
    import duckdb

    from srg_rules.filerun import run_file

    book = srg_rules.parse(BOOK)
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (reporting_month DATE, start_date VARCHAR, "
                       "end_date VARCHAR, stamp TIMESTAMP)")
    months = [dt.date(2026, 1, 1), dt.date(2026, 1, 15), dt.date(5, 3, 1), None]
    for month in months:
        connection.execute("INSERT INTO t VALUES (?, '2026-01-31', NULL, NULL)", [month])
    source = tmp_path / "in.parquet"
    connection.execute(f"COPY t TO '{source}' (FORMAT parquet)")
    summary = run_file(book.program, source, tmp_path / "out.parquet")
    assert summary["engine"] == "duckdb"
    out = connection.execute(
        f"SELECT reasons FROM read_parquet('{tmp_path / 'out.parquet'}')").fetchall()
    want = [book.decide({"reporting_month": m, "start_date": "2026-01-31"}).reasons
            for m in months]
    assert [tuple(r[0].split("|")) for r in out] == want
    assert want[1] == ("invalid_month:reporting_month",)


@pytest.mark.skipif(not (os.environ.get("SRG_TEST_PGHOST") and shutil.which("psql")),
                    reason="set SRG_TEST_PGHOST to a PostgreSQL host or socket folder to run")
def test_postgres_reads_a_month_as_the_interpreter() -> None:
    from srg_rules.backends import sql

    book = srg_rules.parse(BOOK)
    texts = [raw for raw, _ in _READINGS if raw is None or isinstance(raw, str)]
    values = ", ".join(f"({i}, {'NULL' if t is None else _quoted(t)})" for i, t in enumerate(texts))
    query = sql.to_sql(book.program, dialect="postgres",
                       columns=["row_number", "reporting_month", "start_date", "end_date"])
    script = ("BEGIN;\nCREATE TEMPORARY TABLE records (row_number TEXT, reporting_month TEXT, "
              "start_date TEXT, end_date TEXT);\n"
              "INSERT INTO records SELECT CAST(i AS TEXT), m, '2026-01-31', NULL FROM (VALUES "
              + values + ") AS v(i, m);\n"
              f'COPY (SELECT "reasons" FROM ({query}) AS q ORDER BY CAST("row_number" AS INT)) '
              "TO STDOUT;\nROLLBACK;\n")
    result = subprocess.run(["psql", "-h", os.environ["SRG_TEST_PGHOST"], "-U",
                             os.environ.get("SRG_TEST_PGUSER", "postgres"), "-X", "-q",
                             "-v", "ON_ERROR_STOP=1"], input=script, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    want = [book.decide({"reporting_month": t, "start_date": "2026-01-31"}).reasons for t in texts]
    assert [tuple(line.split("|")) for line in result.stdout.splitlines()] == want


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
