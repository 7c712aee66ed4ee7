"""Text measures (docs/language.md, "Text measures"): ``length(FIELD)`` through every stage."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import format as fmt
from srg_rules import ir, printer
from srg_rules.analysis import analyse
from srg_rules.backends import BACKENDS, sql
from srg_rules.backends.interpreter import Interpreter
from srg_rules.strategies import records

BOOK = """
field provision_id: text
field category: code {a, bb, ccc}
field municipality: digits(4) optional
field person: bsn optional
field hours: number optional
reject te_lang when length(provision_id) > 15
reject kort when length(provision_id) <= 3 or hours < length(provision_id)
include code when length(category) = 2 or length(municipality) != 4
include persoon when length(person) = 9
"""


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("record, status, reasons", [
    ({"provision_id": "A" * 16, "category": "a"}, "rejected", ("te_lang",)),
    ({"provision_id": "A" * 15, "category": "bb"}, "included", ("code",)),
    ({"provision_id": "  ABCD  ", "category": "a"}, "excluded", ("no_include_matched",)),
    ({"provision_id": "ABC", "category": "a"}, "rejected", ("kort",)),
    ({"provision_id": "ABCDE", "category": "a", "hours": "4"}, "rejected", ("kort",)),
    ({"provision_id": "ABCDE", "category": "a", "hours": "5"}, "excluded", ("no_include_matched",)),
    ({"provision_id": "ABCDE", "category": "ccc", "municipality": "0363"}, "excluded",
     ("no_include_matched",)),
    ({"provision_id": "ABCDE", "category": "a", "person": "111222333"}, "included", ("persoon",)),
    ({"provision_id": "ÄÖÜéèà", "category": "bb"}, "included", ("code",)),
])
def test_every_backend_decides_lengths(backend: str, record: dict, status: str,
                                       reasons: tuple[str, ...]) -> None:
    book = srg_rules.parse(BOOK, backend=backend)
    decision = book.decide({"hours": "", "municipality": "", "person": "", **record})
    assert (decision.status, decision.reasons) == (status, reasons)


@pytest.mark.parametrize("text, code", [
    ("field d: date\ninclude when length(d) > 3", "type_mismatch"),
    ("field h: number\ninclude when length(h) > 3", "type_mismatch"),
    ("field t: text\ninclude when length(t) = abc", "type_mismatch"),
    ("field t: text\nfield d: date\ninclude when d > length(t)", "type_mismatch"),
    ("field t: text\ninclude when lenght(t) > 3", "unknown_function"),
    ("field t: text\ninclude when length(x) > 3", "unknown_field"),
])
def test_mistakes_are_diagnostics(text: str, code: str) -> None:
    with pytest.raises(srg_rules.RulebookError) as caught:
        srg_rules.parse(text)
    assert [d.code for d in caught.value.diagnostics] == [code]


def test_a_length_of_a_field_is_an_ir_operand_and_prints_as_written() -> None:
    book = srg_rules.parse("field t: text\ninclude when length(t) <= 15")
    condition = book.program.rules[0].condition
    assert isinstance(condition, ir.Compare) and isinstance(condition.left, ir.Length)
    assert printer.condition(condition) == "length(t) <= 15"


def test_the_formatter_round_trips() -> None:
    text = "field t: text\nfield h: number\ninclude when length(t) <= 15 and h > length(t)\n"
    once = fmt.format_text(text)
    assert "length(t) <= 15" in once and "h > length(t)" in once
    assert fmt.format_text(once) == once


def test_every_dialect_writes_the_length() -> None:
    book = srg_rules.parse(BOOK)
    for dialect in sql.DIALECTS:
        query = sql.to_sql(book.program, dialect=dialect)
        assert "LENGTH(" in query.upper(), dialect


def test_the_analysis_is_exact_over_lengths_but_a_length_against_a_field() -> None:
    # A text's length against a number is exact (the domains hold texts of every length
    # the comparisons tell apart), as are the fixed lengths of digits and a bsn; only
    # ``hours < length(provision_id)`` is approximated, and said so.
    book = srg_rules.parse(BOOK)
    findings = analyse(book.program, strict=True)
    approximated = [f for f in findings if f.code == "approximated_condition"]
    assert {f.rules for f in approximated} == {("kort",)}
    assert not [f for f in findings if f.code == "unsatisfiable_rule"]
    interpreter = Interpreter(book.program)
    for finding in findings:
        if finding.witness is not None:
            assert interpreter.decide_values(finding.witness) == finding.decision


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_the_strategies_draw_records_the_backends_agree_on(data: st.DataObject) -> None:
    book = srg_rules.parse(BOOK)
    record = data.draw(records(book))
    decisions = {name: srg_rules.parse(BOOK, backend=name).decide(record) for name in ("interpreter", "python")}
    assert decisions["interpreter"] == decisions["python"]


def test_where_draws_records_meeting_a_length() -> None:
    book = srg_rules.parse(BOOK)
    interpreter = Interpreter(book.program)

    @settings(max_examples=30, deadline=None)
    @given(records(book, where="length(provision_id) > 15"))
    def check(record: dict) -> None:
        assert "te_lang" in interpreter.decide(record).reasons

    check()


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["<", "<=", "=", "!=", ">", ">="]),
                          st.sampled_from([1, 2, 2.5, 3, 15, 16])), min_size=1, max_size=3),
       st.lists(st.sampled_from(["ab", "abc", "x" * 15, "x" * 16]), max_size=2))
def test_the_analysis_is_exact_over_text_lengths(bounds, texts) -> None:
    """Every rule the analysis calls dead never fires on texts of every length up to 20
    (beside the constants), and every other one does."""
    leaves = [f"length(t) {op} {bound}" for op, bound in bounds]
    leaves += [f't != "{text}"' for text in texts]
    text = "field t: text\n" + "".join(f"include r{i} when {leaf}\n" for i, leaf in enumerate(leaves))
    text += "include alles when " + " and ".join(leaves) + "\n"
    book = srg_rules.parse(text)
    findings = analyse(book.program, strict=True)
    assert not [f for f in findings if f.code == "approximated_condition"]
    dead = {f.rules[0] for f in findings if f.code == "unsatisfiable_rule"}
    interpreter = Interpreter(book.program)
    fired = set()
    for value in [*texts, *("x" * n for n in range(1, 21)), *("y" * n for n in range(1, 21))]:
        fired.update(interpreter.decide({"t": value}).reasons)
    names = [f"r{i}" for i in range(len(leaves))] + ["alles"]
    assert {n for n in names if n not in fired} == dead
    for finding in findings:
        if finding.witness is not None:
            assert interpreter.decide_values(finding.witness) == finding.decision
