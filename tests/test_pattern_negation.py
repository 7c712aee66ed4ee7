"""A negated pattern match written as a sentence: ``f does not match "..."`` (Dutch
``f voldoet niet aan "..."``), the same condition as ``not f matches "..."`` through every
stage, and written back by the formatter as it was written (docs/language.md, "Pattern
matches")."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

import srg_rules
from srg_rules import ast
from srg_rules import format as fmt
from srg_rules.backends import BACKENDS, sql
from srg_rules.backends.interpreter import Interpreter
from srg_rules.strategies import records

SENTENCE = """\
field postcode: text optional
field gemeente: code {"0363", "0599", "1363"} optional
reject fout when postcode is present and postcode does not match "\\d{4} ?[A-Z]{2}"
include buiten when gemeente does not match "03.*"
"""
PREFIX = SENTENCE.replace('postcode does not match', 'not postcode matches').replace(
    'gemeente does not match', 'not gemeente matches')
DUTCH = """\
veld postcode: text optioneel
veld gemeente: code {"0363", "0599", "1363"} optioneel
weiger fout als postcode is aanwezig en postcode voldoet niet aan "\\d{4} ?[A-Z]{2}"
neem buiten op als gemeente voldoet niet aan "03.*"
"""

ROWS = [{"postcode": p, "gemeente": g}
        for p in ("1234AB", "1234 AB", "1234ab", "12345AB", "", "x")
        for g in ("0363", "0599", "1363", "")]


def test_it_is_the_negation_of_the_match_in_the_ir_in_both_languages() -> None:
    sentence = srg_rules.parse(SENTENCE).program
    assert sentence == srg_rules.parse(PREFIX).program == srg_rules.parse(DUTCH).program


def test_the_ast_keeps_how_it_was_written() -> None:
    rule = srg_rules.parse(SENTENCE).syntax.of_kind(ast.Rule)[1]
    assert isinstance(rule.condition, ast.PatternMatch) and rule.condition.negated
    [plain] = srg_rules.parse('field t: text\ninclude when t matches "a"').syntax.of_kind(ast.Rule)
    assert not plain.condition.negated


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_backend_decides_it_as_the_oracle(backend: str) -> None:
    """A missing value matches nothing, so its negation holds: `buiten` includes a record
    without a municipality; `fout` needs the postcode present."""
    oracle = Interpreter(srg_rules.parse(PREFIX).program)
    book = srg_rules.parse(SENTENCE, backend=backend)
    decided = [book.decide(row) for row in ROWS]
    assert decided == [oracle.decide(row) for row in ROWS]
    by_row = {(r["postcode"], r["gemeente"]): d for r, d in zip(ROWS, decided)}
    assert by_row[("1234AB", "0599")].reasons == ("buiten",)
    assert by_row[("1234AB", "")].reasons == ("buiten",)
    assert by_row[("1234 AB", "0363")].reasons == ("no_include_matched",)
    assert by_row[("1234ab", "0599")].reasons == ("fout",)
    assert by_row[("", "1363")].reasons == ("buiten",)


def test_every_dialect_writes_a_negated_search() -> None:
    program = srg_rules.parse(SENTENCE).program
    for dialect in sql.DIALECTS:
        assert "NOT" in sql.to_sql(program, dialect=dialect).upper(), dialect


def test_the_formatter_writes_it_as_written_in_each_keyword_set() -> None:
    once = fmt.format_text(SENTENCE)
    assert 'postcode does not match "\\d{4} ?[A-Z]{2}"' in once
    assert fmt.format_text(once) == once
    dutch = fmt.format_text(SENTENCE, keywords="nl")
    assert 'gemeente voldoet niet aan "03.*"' in dutch
    assert fmt.format_text(dutch) == dutch
    assert fmt.format_text(dutch, keywords="en") == once
    assert 'not postcode matches' in fmt.format_text(PREFIX)  # the prefix form stays


def test_a_keyword_of_the_other_language_is_named() -> None:
    mixed = DUTCH.replace("voldoet niet aan", "does not match", 1)
    [error] = [d for d in srg_rules.diagnose(mixed) if d.is_error]
    assert error.code == "mixed_languages" and "voldoet niet aan" in error.help


def test_the_analysis_decides_it_exactly_on_a_code_field() -> None:
    found = srg_rules.diagnose(
        'field g: code {"0363", "0599"}\ninclude a when g does not match "0.*"\n')
    [never] = [d for d in found if d.code == "unsatisfiable_rule"]
    assert never.span.line == 2


def test_explain_shows_it_as_one_leaf_with_the_value() -> None:
    text = srg_rules.parse(SENTENCE).explain({"postcode": "1234ab", "gemeente": "0363"}).render()
    assert 'yes  postcode is present and postcode does not match "\\d{4} ?[A-Z]{2}"' in text
    assert 'yes  postcode does not match "\\d{4} ?[A-Z]{2}"   <- postcode is 1234ab' in text
    assert text.count("does not match") == 2 + text.count("gemeente does not match")


def test_where_draws_records_meeting_it() -> None:
    book = srg_rules.parse(SENTENCE)
    oracle = Interpreter(book.program)

    @settings(max_examples=30, deadline=None)
    @given(records(book, where='postcode is present and postcode does not match "\\d{4} ?[A-Z]{2}"'))
    def check(record: dict) -> None:
        assert oracle.decide(record).reasons == ("fout",)

    check()
