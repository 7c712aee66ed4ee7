"""Properties of the language and the run, over generated input.

- Any text given to the parser yields a rulebook or a RulebookError, never another exception.
- Any record (valid, invalid, partial, odd types) gets exactly one status, never an exception.
- A run accounts for every input row exactly once, whatever the rows look like.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import RulebookError, Status
from srg_rules.cli import main
from srg_rules.strategies import records

from strategies import grammar_texts

ROOT = Path(__file__).parent.parent
SRG = srg_rules.load(ROOT / "rulebooks" / "srg.rules")

_WORDS = [
    "field", "output", "define", "include", "exclude", "reject", "classify", "as", "when",
    "because", "expect", "type", "code", "text", "number", "date", "boolean", "optional",
    "and", "or", "not", "in", "is", "missing", "present", "{", "}", "(", ")", ",", ":", "=",
    "!=", "<", "<=", ">", ">=", "category", "taal", "hours", "10", "-3.5", "2024-01-31",
    "2024-02-30", '"x"', '"unterminated', "#", "\n", "rulebook", "version", "&&", "'",
]


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join),
))
def test_any_text_parses_or_raises_rulebook_error(text: str) -> None:
    try:
        book = srg_rules.parse(text)
    except RulebookError as error:
        assert error.errors
        for diagnostic in error.diagnostics:
            assert diagnostic.line >= 1 and diagnostic.column >= 1
            diagnostic.render()
    else:
        assert isinstance(book, srg_rules.Rulebook)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grammar_texts())
def test_grammar_generated_text_parses_or_raises_rulebook_error(text: str) -> None:
    try:
        srg_rules.parse(text)
    except RulebookError as error:
        assert error.errors
        assert not any(d.code.startswith("parse_") for d in error.diagnostics), error


_ANY_VALUE = st.one_of(
    st.none(), st.text(max_size=12), st.integers(), st.floats(allow_nan=True),
    st.booleans(), st.dates(), st.datetimes(), st.sampled_from(["ja", "nee", "00000000", "20250101", "12,5"]),
    st.lists(st.integers(), max_size=2),
)


def _values_for(field) -> st.SearchStrategy:
    if field.codes is not None:
        typed = st.sampled_from(sorted(field.codes))
    else:
        typed = {
            "text": st.text(min_size=1, max_size=10),
            "number": st.integers(-5, 50) | st.floats(-5, 50),
            "date": st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
            "boolean": st.booleans(),
        }[field.type.base]
    return typed | _ANY_VALUE if field.optional else typed | _ANY_VALUE


@given(st.fixed_dictionaries(
    {},
    optional={name: _values_for(field) for name, field in SRG.fields.items()}
    | {"extra": _ANY_VALUE},
))
def test_every_record_gets_exactly_one_status(record: dict) -> None:
    decision = SRG.decide(record)
    assert decision.status in set(Status)
    assert decision.reasons, "every decision says why"
    assert (decision.type is not None) <= (decision.status is Status.INCLUDED)
    if decision.type is not None:
        assert decision.type in SRG.output.codes


@given(records(SRG))
def test_every_valid_record_gets_exactly_one_status_and_a_type_only_when_included(record) -> None:
    decision = SRG.decide(record)
    assert decision.status in set(Status)
    # A field problem is a reason with a colon that no rule has: the code list's implied rule
    # not_in_force:municipality_code (a valid code, out of force in the reporting month) is a
    # rule, like any reject rule.
    assert not any(":" in reason and reason not in SRG.rule_ids for reason in decision.reasons), \
        "a valid record has no field problem"
    assert (decision.type is not None) <= (decision.status is Status.INCLUDED)
    assert decision == SRG.decide({k: v for k, v in record.items() if v is not None})


@given(records(SRG, raw=True))
def test_a_record_read_from_csv_text_is_decided_as_its_typed_form(record) -> None:
    decision = SRG.decide(record)
    assert not any(":" in reason and reason not in SRG.rule_ids for reason in decision.reasons)


_CELL = st.one_of(
    st.sampled_from(["taal", "coaching", "ja", "nee", "2025-01-01", "", "reintegratie", "gemeente", "0363"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_CELL, min_size=0, max_size=14), max_size=25))
def test_run_accounts_for_every_row(tmp_path_factory, rows: list[list[str]]) -> None:
    folder = tmp_path_factory.mktemp("run")
    header = list(SRG.fields)
    buffer = io.StringIO()
    # CRLF as RFC 4180 has it: the csv module then quotes a cell holding a bare CR.
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    records = 0
    for row in rows:
        writer.writerow(row)
        records += 1 if row else 0  # an empty list writes a blank line, which is no record
    source = folder / "in.csv"
    source.write_bytes(buffer.getvalue().encode("utf-8"))
    out = folder / "out.csv"
    # The csv module writes every quote closed, so no run stops for an unclosed quote (a value
    # ending in a line break, in a row of the wrong width, is a malformed row, no such quote).
    assert main(["run", str(ROOT / "rulebooks" / "srg.rules"), str(source), "-o", str(out),
                 "--summary-json", str(folder / "s.json")]) == 0
    with open(out, encoding="utf-8", newline="") as handle:
        decided = list(csv.DictReader(handle, delimiter=";"))
    assert len(decided) == records
    assert all(row["status"] in {"included", "excluded", "rejected"} for row in decided)
