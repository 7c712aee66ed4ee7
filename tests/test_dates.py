"""Date arithmetic (docs/language.md, "Date arithmetic"): the rule, its edges, and every stage."""

from __future__ import annotations

import calendar
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import srg_rules
from srg_rules import dates
from srg_rules.backends import BACKENDS

DAYS = st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31))


@pytest.mark.parametrize("day, amount, unit, expected", [
    ("2024-01-31", 1, "months", "2024-02-29"),
    ("2023-01-31", 1, "months", "2023-02-28"),
    ("2024-02-29", 1, "months", "2024-03-29"),   # a month end does not stick
    ("2024-02-29", 1, "years", "2025-02-28"),
    ("2024-02-29", -4, "years", "2020-02-29"),
    ("2024-03-31", -1, "months", "2024-02-29"),
    ("2024-12-31", 2, "months", "2025-02-28"),
    ("2024-01-01", -1, "days", "2023-12-31"),
    ("2024-02-22", 1, "weeks", "2024-02-29"),
    ("2024-01-15", 0, "months", "2024-01-15"),
])
def test_the_examples_of_the_rule(day: str, amount: int, unit: str, expected: str) -> None:
    moved = dates.shift(datetime.date.fromisoformat(day), amount, unit)
    assert moved == datetime.date.fromisoformat(expected)


@given(DAYS, st.integers(-200, 200))
def test_a_month_step_keeps_the_day_clamped_to_the_month(day: datetime.date, months: int) -> None:
    moved = dates.shift(day, months, "months")
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        assert moved is None
        return
    assert (moved.year, moved.month) == (year, month + 1)
    assert moved.day == min(day.day, calendar.monthrange(year, month + 1)[1])
    assert dates.shift(day, months // 12, "years") == dates.shift(day, months // 12 * 12, "months")


@given(DAYS, st.integers(-5000, 5000))
def test_a_day_step_is_ordinal_arithmetic(day: datetime.date, days: int) -> None:
    moved = dates.shift(day, days, "days")
    ordinal = day.toordinal() + days
    assert moved == (datetime.date.fromordinal(ordinal)
                     if 1 <= ordinal <= datetime.date.max.toordinal() else None)
    assert dates.shift(day, days, "weeks") == dates.shift(day, 7 * days, "days")


@given(DAYS, DAYS, st.integers(0, 30), st.sampled_from(["days", "weeks", "months", "years"]))
def test_a_later_date_never_moves_before_an_earlier(a: datetime.date, b: datetime.date,
                                                     amount: int, unit: str) -> None:
    """Monotone (not strictly: clamping maps several days of a month to its last day)."""
    low, high = sorted((a, b))
    moved_low, moved_high = dates.shift(low, amount, unit), dates.shift(high, amount, unit)
    if moved_low is not None and moved_high is not None:
        assert moved_low <= moved_high


BOOK = """
field start_date: date
field reporting_date: date
field end_date: date optional
reject niet_gestart when start_date > reporting_date + 1 months
include lopend when end_date is missing or end_date >= reporting_date - 2 weeks
include vast when 2024-01-31 + 1 month <= start_date
"""


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("record, status, reasons", [
    ({"start_date": "2024-03-01", "reporting_date": "2024-01-31"}, "rejected", ("niet_gestart",)),
    ({"start_date": "2024-02-29", "reporting_date": "2024-01-31"}, "included", ("lopend", "vast")),
    ({"start_date": "2024-02-28", "reporting_date": "2024-01-31", "end_date": "2024-01-16"},
     "excluded", ("no_include_matched",)),
    ({"start_date": "2024-02-28", "reporting_date": "2024-01-31", "end_date": "2024-01-17"},
     "included", ("lopend",)),
])
def test_every_backend_decides_with_the_rule(backend: str, record: dict, status: str,
                                              reasons: tuple[str, ...]) -> None:
    book = srg_rules.parse(BOOK, backend=backend)
    decision = book.decide({"end_date": "", **record})
    assert (decision.status, decision.reasons) == (status, reasons)


@pytest.mark.parametrize("text, code", [
    ("field h: number\nfield d: date\ninclude when h > d + 1 months", "type_mismatch"),
    ("field h: number\nfield d: date\ninclude when h + 1 months > d", "type_mismatch"),
    ("field d: date\ninclude when d > d + 1.5 days", "invalid_amount"),
    ("field d: date\ninclude when d > 9999-12-31 + 1 days", "invalid_date"),
    ("field d: date\ninclude when d > x + 1 days", "unknown_field"),
])
def test_mistakes_are_diagnostics(text: str, code: str) -> None:
    with pytest.raises(srg_rules.RulebookError) as caught:
        srg_rules.parse(text)
    assert [d.code for d in caught.value.diagnostics] == [code]


# --- the analysis: exact over a moved date and a constant, honest about two fields ---------------

from srg_rules import ir  # noqa: E402
from srg_rules.analysis import analyse  # noqa: E402
from srg_rules.analysis.encoding import unshifted  # noqa: E402
from srg_rules.backends.interpreter import Interpreter, evaluate  # noqa: E402

EDGES = st.one_of(
    DAYS,
    st.builds(lambda y, m, d: datetime.date(y, m, min(d, calendar.monthrange(y, m)[1])),
              st.sampled_from([1, 2, 1999, 2000, 2023, 2024, 9998, 9999]),
              st.integers(1, 12), st.integers(26, 31)),
)


@given(EDGES, EDGES, st.integers(-30, 30), st.sampled_from(["days", "weeks", "months", "years"]),
       st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]))
def test_a_moved_date_against_a_constant_is_rewritten_exactly(
        day: datetime.date, constant: datetime.date, amount: int, unit: str, op: str) -> None:
    node = ir.Compare(op, ir.DateShift(ir.FieldValue("d"), amount, unit), ir.Constant(constant))
    rewritten = unshifted(node)
    assert "DateShift" not in repr(rewritten)
    for value in (day, None):
        assert evaluate(rewritten, {"d": value}) == evaluate(node, {"d": value})


def test_the_analysis_is_exact_at_a_month_end() -> None:
    book = srg_rules.parse("""
field start_date: date
include never when start_date + 1 months < 2024-02-29 and start_date > 2024-01-28
include clamped when start_date + 1 months = 2024-02-29 and start_date > 2024-01-30
""")
    findings = {f.code: f for f in analyse(book.program, strict=True)}
    assert findings["unsatisfiable_rule"].rules == ("never",)
    assert "clamped" not in findings["unsatisfiable_rule"].rules


def test_two_fields_with_a_moved_date_are_approximated_and_said_so() -> None:
    book = srg_rules.parse(BOOK)
    findings = analyse(book.program, strict=True)
    approximated = [f for f in findings if f.code == "approximated_condition"]
    assert [f.rules for f in approximated] == [("niet_gestart",), ("lopend",)]
    # Every example record shown is one the interpreter decides as the finding says.
    interpreter = Interpreter(book.program)
    for finding in findings:
        if finding.witness is not None:
            assert interpreter.decide_values(finding.witness) == finding.decision
