"""Ages (docs/language.md, "Ages"): ``age(BIRTH, ON)`` through every stage, and the exact
encoding of ``length(...)`` over a code field."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import dates, ir, printer
from srg_rules import format as fmt
from srg_rules.analysis import analyse
from srg_rules.analysis.measured import exactly
from srg_rules.backends import BACKENDS, sql
from srg_rules.backends.interpreter import Interpreter, evaluate
from srg_rules.strategies import records

BOOK = """
field birth_date: date optional
field start_date: date optional
field hours: number optional
reject te_jong when age(birth_date, start_date) < 18
reject toekomst when age(birth_date, 2024-02-29) < 0
include volwassen when 27 >= age(birth_date, start_date) or hours = age(birth_date, start_date)
"""

_DAYS = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))


# --- the definition ------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(_DAYS, _DAYS)
def test_age_is_the_last_birthday_reached(birth: dt.date, on: dt.date) -> None:
    """The largest n whose n-th birthday (the birth date moved by n years, clamped as date
    arithmetic clamps) lies on or before the date."""
    years = dates.age(birth, on)
    reached, next_one = dates.shift(birth, years, "years"), dates.shift(birth, years + 1, "years")
    assert reached is None or reached <= on
    assert next_one is None or next_one > on


@pytest.mark.parametrize("birth, on, years", [
    ("2006-05-01", "2024-04-30", 17), ("2006-05-01", "2024-05-01", 18),
    ("2004-02-29", "2022-02-27", 17), ("2004-02-29", "2022-02-28", 18),
    ("2004-02-29", "2024-02-28", 19), ("2004-02-29", "2024-02-29", 20),
    ("2000-02-28", "2023-02-28", 23), ("2000-03-01", "2024-02-29", 23),
    ("2000-06-01", "2000-05-31", -1), ("2000-06-01", "1999-06-01", -1),
    ("2000-06-01", "1999-05-31", -2), ("0001-01-01", "9999-12-31", 9998),
])
def test_ages_at_the_edges(birth: str, on: str, years: int) -> None:
    assert dates.age(dt.date.fromisoformat(birth), dt.date.fromisoformat(on)) == years


# --- every backend -------------------------------------------------------------------------


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("record, status, reasons", [
    ({"birth_date": "2006-05-01", "start_date": "2024-04-30"}, "rejected", ("te_jong",)),
    ({"birth_date": "2006-05-01", "start_date": "2024-05-01"}, "included", ("volwassen",)),
    ({"birth_date": "2004-02-29", "start_date": "2022-02-27"}, "rejected", ("te_jong",)),
    ({"birth_date": "2004-02-29", "start_date": "2022-02-28"}, "included", ("volwassen",)),
    ({"birth_date": "1996-02-29", "start_date": "2024-02-28"}, "included", ("volwassen",)),
    ({"birth_date": "1996-02-29", "start_date": "2024-02-29"}, "excluded", ("no_include_matched",)),
    ({"birth_date": "1996-02-29", "start_date": "2024-02-29", "hours": "28"}, "included",
     ("volwassen",)),
    ({"birth_date": "2024-03-01", "start_date": "2050-01-01"}, "rejected", ("toekomst",)),
    ({"birth_date": "", "start_date": "2024-01-01"}, "excluded", ("no_include_matched",)),
    ({"birth_date": "2000-01-01", "start_date": ""}, "excluded", ("no_include_matched",)),
])
def test_every_backend_decides_ages(backend: str, record: dict, status: str,
                                    reasons: tuple[str, ...]) -> None:
    book = srg_rules.parse(BOOK, backend=backend)
    decision = book.decide({"hours": "", **record})
    assert (decision.status, decision.reasons) == (status, reasons)


AGE_EDGES = """
field b: date optional
field d: date optional
field n: number optional
include adult when age(b, d) >= 18
include exact when age(b, d) = n
include young when 12 > age(b, 2024-02-29)
include ahead when age(b, d) < -1
include old when age(1900-02-28, d) > 100
"""


def age_edges_book(backend: str = "interpreter") -> tuple[srg_rules.Rulebook, list[dict]]:
    """A rulebook comparing ages at the edges (leap days, the days around a birthday, the
    calendar's ends, negative ages) and records at those edges, for every SQL engine."""
    book = srg_rules.parse(AGE_EDGES, backend=backend)
    births = ["0001-01-01", "1896-02-29", "1900-02-28", "1900-03-01", "2000-02-29",
              "2004-02-29", "2006-05-01", "2012-02-29", "9999-12-31", None]
    ons = ["0001-01-01", "1999-05-31", "2022-02-27", "2022-02-28", "2022-03-01",
           "2024-02-28", "2024-02-29", "2024-04-30", "2024-05-01", "2100-02-28",
           "2100-03-01", "9999-12-31", None]
    rows = []
    for birth in births:
        for on in ons:
            years = dates.age(dt.date.fromisoformat(birth), dt.date.fromisoformat(on)) \
                if birth and on else 0
            rows.append({"b": birth, "d": on, "n": str(years)})
    return book, rows


def test_duckdb_decides_ages_at_the_edges_as_the_interpreter() -> None:
    book, rows = age_edges_book("sql")
    oracle = Interpreter(book.program)
    decided = [book.decide(row) for row in rows]
    assert decided == [oracle.decide(row) for row in rows]
    assert {d.status for d in decided} == {"included", "excluded"}


def test_every_dialect_writes_the_age() -> None:
    book = srg_rules.parse(BOOK)
    for dialect in sql.DIALECTS:
        query = sql.to_sql(book.program, dialect=dialect)
        assert "0229" in query and "0228" in query, dialect


# --- the checker, printer and formatter ----------------------------------------------------


@pytest.mark.parametrize("text, code", [
    ("field b: date\nfield h: number\ninclude when age(b, h) > 3", "type_mismatch"),
    ("field b: date\ninclude when age(b, 5) > 3", "type_mismatch"),
    ('field b: date\ninclude when age(b, "2024-01-01") > 3', "type_mismatch"),
    ("field b: date\ninclude when age(b, 2023-02-29) > 3", "invalid_date"),
    ("field b: date\ninclude when age(b) > 3", "wrong_arity"),
    ("field b: date\ninclude when age(b, b, b) > 3", "wrong_arity"),
    ("field t: text\ninclude when length(t, t) > 3", "wrong_arity"),
    ("field b: date\ninclude when agee(b, b) > 3", "unknown_function"),
    ("field b: date\ninclude when age(b, x) > 3", "unknown_field"),
    ("field b: date\ninclude when age(b, b) = b", "type_mismatch"),
    ("field b: date\ninclude when b < age(b, b)", "type_mismatch"),
    ("field h: number\ninclude when 3 < h", "type_mismatch"),
])
def test_mistakes_are_diagnostics(text: str, code: str) -> None:
    with pytest.raises(srg_rules.RulebookError) as caught:
        srg_rules.parse(text)
    assert [d.code for d in caught.value.diagnostics] == [code]


def test_an_age_is_an_ir_operand_and_a_number_first_is_mirrored() -> None:
    book = srg_rules.parse("field b: date\nfield d: date\ninclude when 27 >= age(b, d)\n"
                           "include when age(b, 2024-01-01) < length(x)\nfield x: text")
    first, second = (rule.condition for rule in book.program.rules)
    assert isinstance(first.left, ir.Age) and first.op == "le" and first.right.value == 27
    assert printer.condition(first.left) == "age(b, d)"
    assert printer.condition(ir.Compare("lt", second.left, ir.Constant(3))) \
        == "age(b, 2024-01-01) < 3"


def test_an_age_of_two_dates_is_folded() -> None:
    book = srg_rules.parse("include when age(2004-02-29, 2022-02-28) = 18")
    assert book.decide({}).status == "included"


def test_the_formatter_round_trips() -> None:
    text = ("field b: date\nfield d: date optional\nfield h: number\n"
            "include when age(b, d) < 18 and 27 >= age(b, 2024-02-29) or h = age(2000-01-01, d)\n")
    once = fmt.format_text(text)
    assert "age(b, d) < 18" in once and "27 >= age(b, 2024-02-29)" in once
    assert "h = age(2000-01-01, d)" in once
    assert fmt.format_text(once) == once


def test_explain_shows_the_age() -> None:
    book = srg_rules.parse(BOOK)
    shown = book.explain({"birth_date": "2006-05-01", "start_date": "2024-04-30", "hours": ""})
    assert "age(birth_date, start_date) is 17" in str(shown)


# --- the analysis --------------------------------------------------------------------------


_OPS = ("eq", "ne", "lt", "le", "gt", "ge")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_OPS), st.sampled_from((-1, 0, 1, 17, 18, 18.5, 65, 9998)),
       _DAYS, st.booleans(), st.lists(_DAYS, min_size=1, max_size=20))
def test_an_age_with_one_date_fixed_is_rewritten_exactly(op, bound, fixed, birth_fixed, days):
    """The rewrite over the field decides every day as the age itself does."""
    field = ir.FieldValue("x")
    age = ir.Age(ir.Constant(fixed), field) if birth_fixed else ir.Age(field, ir.Constant(fixed))
    node = ir.Compare(op, age, ir.Constant(bound))
    rewritten = exactly(node, {})
    assert rewritten is not None
    near = [fixed + dt.timedelta(days=k) for k in (-1, 0, 1) if dt.date.min + dt.timedelta(1)
            <= fixed + dt.timedelta(days=k) < dt.date.max]
    for day in [*days, *near, *(dates.shift(fixed, s, "years") for s in (-18, 18, -1, 1))]:
        if day is None:
            continue
        assert evaluate(rewritten, {"x": day}) == evaluate(node, {"x": day}), day
    assert evaluate(rewritten, {"x": None}) is False


def test_the_analysis_decides_an_age_with_a_fixed_date_exactly() -> None:
    book = srg_rules.parse("""
field b: date
include kind when age(b, 2024-01-01) < 18
reject dood when age(b, 2024-01-01) < 10 and age(b, 2024-01-01) >= 10
exclude niets when age(b, 2024-01-01) < 5
""")
    findings = analyse(book.program, strict=True)
    codes = {f.code for f in findings}
    assert "approximated_condition" not in codes
    assert any(f.code == "unsatisfiable_rule" and f.rules == ("dood",) for f in findings), findings
    interpreter = Interpreter(book.program)
    for finding in findings:
        if finding.witness is not None:
            assert interpreter.decide_values(finding.witness) == finding.decision


def test_the_analysis_approximates_an_age_of_two_fields_and_says_so() -> None:
    book = srg_rules.parse(BOOK)
    findings = analyse(book.program, strict=True)
    approximated = {f.rules for f in findings if f.code == "approximated_condition"}
    assert approximated == {("te_jong",), ("volwassen",)}
    interpreter = Interpreter(book.program)
    for finding in findings:
        if finding.witness is not None:
            assert interpreter.decide_values(finding.witness) == finding.decision


def test_the_length_of_a_code_is_encoded_exactly() -> None:
    book = srg_rules.parse("""
field c: code {a, bb, ccc}
field h: number optional
field t: text
include lang when length(c) > 3
include kort when length(c) <= 2 and h < length(c)
include tekst when length(t) > 3
""")
    findings = analyse(book.program, strict=True)
    approximated = {f.rules for f in findings if f.code == "approximated_condition"}
    assert approximated == set()
    unsatisfiable = {f.rules for f in findings if f.code == "unsatisfiable_rule"}
    assert unsatisfiable == {("lang",)}, findings
    interpreter = Interpreter(book.program)
    for finding in findings:
        if finding.witness is not None:
            assert interpreter.decide_values(finding.witness) == finding.decision


# --- the strategies ------------------------------------------------------------------------


def test_the_strategies_draw_birthdays_and_leap_days() -> None:
    book = srg_rules.parse("field b: date\nfield d: date\ninclude when age(b, d) >= 18\n"
                           "reject when age(b, 2024-02-29) < 12")
    seen: list[dict] = []

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(records(book))
    def draw(record: dict) -> None:
        seen.append(record)

    draw()
    ages = {dates.age(r["b"], r["d"]) for r in seen
            if isinstance(r["b"], dt.date) and isinstance(r["d"], dt.date)}
    assert {17, 18} <= ages
    births = {r["b"] for r in seen if isinstance(r["b"], dt.date)}
    # Born on the day the age at 2024-02-29 turns 12, or beside it.
    assert births & {dt.date(2012, 2, 28), dt.date(2012, 2, 29), dt.date(2012, 3, 1)}
    assert any((b.month, b.day) == (2, 29) for b in births)


def test_where_draws_records_meeting_an_age() -> None:
    book = srg_rules.parse(BOOK)
    interpreter = Interpreter(book.program)

    @settings(max_examples=30, deadline=None)
    @given(records(book, where="age(birth_date, start_date) < 18"))
    def check(record: dict) -> None:
        assert "te_jong" in interpreter.decide(record).reasons

    check()


# --- diff ----------------------------------------------------------------------------------


def test_diff_of_an_age_with_a_fixed_date_is_exact() -> None:
    from srg_rules.analysis.diff import semantic_diff

    old = srg_rules.parse("field b: date\ninclude when age(b, 2024-01-01) >= 18").program
    new = srg_rules.parse("field b: date\ninclude when age(b, 2024-01-01) >= 21").program
    groups = semantic_diff(old, new).groups
    assert [[r.text for r in g.regions] for g in groups] == [["b >= 2003-01-02 and b < 2006-01-02"]]


def test_diff_of_an_age_of_two_fields_says_it_cannot_decide() -> None:
    from srg_rules.analysis.diff import NotExact, semantic_diff

    old = srg_rules.parse("field b: date\nfield d: date\ninclude when age(b, d) >= 18").program
    new = srg_rules.parse("field b: date\nfield d: date\ninclude when age(b, d) >= 21").program
    with pytest.raises(NotExact, match="over-approximates 'age"):
        semantic_diff(old, new)
