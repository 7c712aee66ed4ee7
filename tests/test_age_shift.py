"""An age of a moved date (docs/language.md, "Ages"): ``age(b, d - 1 months)`` through every
stage, the arguments moved by date arithmetic before the age is taken."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings

import srg_rules
from srg_rules import dates, ir
from srg_rules import format as fmt
from srg_rules.backends import BACKENDS, sql
from srg_rules.backends.interpreter import Interpreter
from srg_rules.strategies import records

BOOK = """\
field birth_date: date optional
field reporting_date: date optional
reject te_jong when age(birth_date, reporting_date - 1 months) < 18
include oud when age(birth_date + 1 years, 2024-03-31 - 1 months) >= 30
    or age(birth_date, reporting_date + 2 weeks) >= 40
"""

_BIRTHS = ["2006-03-31", "2006-02-28", "2006-02-27", "2004-02-29", "1980-01-15",
           "1993-02-28", "1993-03-01", ""]
_ON = ["2024-03-31", "2024-03-30", "2024-02-29", "2024-04-01", "2020-01-01", ""]
ROWS = [{"birth_date": b, "reporting_date": d} for b in _BIRTHS for d in _ON]


def _expected(row: dict) -> tuple[str, tuple[str, ...]]:
    """The decision from the definition: dates moved by dates.shift, then dates.age."""
    born = dt.date.fromisoformat(row["birth_date"]) if row["birth_date"] else None
    on = dt.date.fromisoformat(row["reporting_date"]) if row["reporting_date"] else None
    if born and on and dates.age(born, dates.shift(on, -1, "months")) < 18:
        return "rejected", ("te_jong",)
    old = born is not None and dates.age(dates.shift(born, 1, "years"), dt.date(2024, 2, 29)) >= 30
    older = born is not None and on is not None and \
        dates.age(born, dates.shift(on, 2, "weeks")) >= 40
    return ("included", ("oud",)) if old or older else ("excluded", ("no_include_matched",))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_backend_moves_the_date_then_takes_the_age(backend: str) -> None:
    book = srg_rules.parse(BOOK, backend=backend)
    decided = [(d.status.value, d.reasons) for d in (book.decide(row) for row in ROWS)]
    assert decided == [_expected(row) for row in ROWS]
    # Born 2006-03-31, on 2024-03-31 - 1 months = 2024-02-29: still 17.
    assert decided[0] == ("rejected", ("te_jong",))
    assert {status for status, _ in decided} == {"rejected", "included", "excluded"}


def test_every_dialect_writes_it() -> None:
    program = srg_rules.parse(BOOK).program
    for dialect in sql.DIALECTS:
        assert "reporting_date" in sql.to_sql(program, dialect=dialect), dialect


def test_a_moved_literal_is_folded_and_decided_exactly() -> None:
    book = srg_rules.parse("field b: date\ninclude when age(b, 2024-03-31 - 1 months) >= 18")
    age = book.program.rules[0].condition.left
    assert isinstance(age.on, ir.Constant) and age.on.value == dt.date(2024, 2, 29)
    assert book.decide({"b": "2006-02-28"}).status == "included"
    assert book.decide({"b": "2006-03-01"}).status == "excluded"
    assert not [d for d in srg_rules.diagnose(
        "field b: date\ninclude when age(b, 2024-03-31 - 1 months) >= 18")
        if d.code == "approximated_condition"]


def test_an_age_of_a_moved_field_is_approximated_and_says_so() -> None:
    [found] = [d for d in srg_rules.diagnose(
        "field b: date\nfield d: date\ninclude when age(b, d - 1 months) >= 18")
        if d.code == "approximated_condition"]
    assert "age(b, d - 1 months) >= 18" in found.message


@pytest.mark.parametrize("text, code, column", [
    ("field b: date\nfield h: number\ninclude when age(b, h + 1 months) > 3", "type_mismatch", 21),
    ("field b: date\nfield d: date\ninclude when age(b, d + 1.5 months) > 3", "invalid_amount", 25),
    ("field b: date\nfield d: date\ninclude when age(b, x + 1 months) > 3", "unknown_field", 21),
    ("field b: date\ninclude when age(b, 9999-12-31 + 1 months) > 3", "invalid_date", 21),
])
def test_mistakes_in_a_moved_argument_are_diagnostics_at_the_spot(text: str, code: str,
                                                                  column: int) -> None:
    [error] = [d for d in srg_rules.diagnose(text) if d.is_error]
    assert (error.code, error.span.column) == (code, column)


def test_the_formatter_round_trips_in_both_keyword_sets() -> None:
    once = fmt.format_text(BOOK)
    assert "age(birth_date, reporting_date - 1 months) < 18" in once
    assert fmt.format_text(once) == once
    dutch = fmt.format_text(BOOK, keywords="nl")
    assert "age(birth_date, reporting_date - 1 maanden) < 18" in dutch
    assert "age(birth_date, reporting_date + 2 weken) >= 40" in dutch
    assert fmt.format_text(dutch) == dutch
    assert srg_rules.parse(dutch).program == srg_rules.parse(BOOK).program


def test_explain_shows_the_age_of_the_moved_date() -> None:
    text = srg_rules.parse(BOOK).explain(
        {"birth_date": "2006-03-31", "reporting_date": "2024-03-31"}).render()
    assert "age(birth_date, reporting_date - 1 months) is 17" in text


def test_the_strategies_draw_where_the_age_of_the_moved_date_turns() -> None:
    book = srg_rules.parse(BOOK)
    oracle = Interpreter(book.program)
    seen: list[dict] = []

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(records(book))
    def draw(record: dict) -> None:
        seen.append(record)

    draw()
    ages = {dates.age(r["birth_date"], dates.shift(r["reporting_date"], -1, "months"))
            for r in seen if isinstance(r["birth_date"], dt.date)
            and isinstance(r["reporting_date"], dt.date)}
    assert {17, 18} <= ages
    assert {oracle.decide(r).status.value for r in seen} == {"rejected", "included", "excluded"}

    @settings(max_examples=30, deadline=None)
    @given(records(book, where="age(birth_date, reporting_date - 1 months) < 18"))
    def meets(record: dict) -> None:
        assert "te_jong" in oracle.decide(record).reasons

    meets()
