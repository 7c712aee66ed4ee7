"""The short explanation and its near-misses (srg_rules.analysis.nearmiss).

Golden files: each tests/golden/explain/NAME.json explained in the short form (the default of
``srg-rules explain``), in English and in Dutch, is pinned in tests/golden/explain_short/
NAME.en.expected and NAME.nl.expected (SRG_UPDATE_GOLDEN=1 rewrites them).

Properties: every near-miss shown, applied to the record, gives another status or type by the
reference interpreter; and where the encoding is exact, no change of fewer fields does.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings

import srg_rules
from srg_rules import i18n, ir
from srg_rules.analysis import domains as finite_domains
from srg_rules.analysis.nearmiss import near_misses
from srg_rules.backends.interpreter import Interpreter
from srg_rules.cli import main
from srg_rules.decision import Status
from srg_rules.strategies import records

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
CASES = sorted((GOLDEN / "explain").glob("*.json"))
SRG = ROOT / "rulebooks" / "srg.rules"


def _book(case: Path) -> srg_rules.Rulebook:
    own = case.with_suffix(".rules")
    path = own if own.exists() else SRG
    return srg_rules.parse(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


def _short(book: srg_rules.Rulebook, record: dict) -> str:
    explanation = book.explain(record)
    return explanation.short(book.near_misses(explanation))


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_short_explanation_matches_golden_file(case: Path, lang: str) -> None:
    record = json.loads(case.read_text(encoding="utf-8"))
    i18n.set_language(lang)
    try:
        text = _short(_book(case), record)
    finally:
        i18n.set_language(None)
    expected = GOLDEN / "explain_short" / f"{case.stem}.{lang}.expected"
    if os.environ.get("SRG_UPDATE_GOLDEN"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


def _outcome(decision):
    return decision.status, decision.type


def _check_near_misses(book: srg_rules.Rulebook, values: dict, *, minimal: bool) -> None:
    program = book.program
    interpreter = Interpreter(program)
    values = {name: values.get(name) for name in program.schema.fields}
    before = interpreter.decide_values(values)
    found = near_misses(program, values)
    assert len(found.items) <= 3
    sizes = [len(m.changes) for m in found.items]
    for miss in found.items:
        changed = dict(values)
        for change in miss.changes:
            assert change.now == values[change.field] and change.value != change.now
            changed[change.field] = change.value
        after = interpreter.decide_values(changed)
        assert after == miss.decision
        assert _outcome(after) != _outcome(before)
        assert miss.named and set(miss.named) <= set(miss.brought_in) | set(miss.taken_out)
    rejections = [m.decision.status is Status.REJECTED for m in found.items]
    if before.status is not Status.REJECTED and not all(rejections):
        assert not any(rejections)  # a rejection only when nothing else is within reach
        assert sizes == sorted(sizes)
    if minimal and found.exact and found.items:
        _no_smaller_change(program, interpreter, values, before, found.items[0])


def _no_smaller_change(program, interpreter, values, before, first) -> None:
    """No change of fewer fields than the first near-miss gives another outcome, a rejection
    aside when the first is none (over the finite domains, which stand for every valid
    value)."""
    extra = tuple(ir.Compare("eq", ir.FieldValue(n), ir.Constant(v))
                  for n, v in values.items() if v is not None
                  and program.schema.fields[n].type.base not in ("boolean", "code"))
    domains = finite_domains.from_program(program, extra)
    rejected = first.decision.status is Status.REJECTED
    options = {}
    for name, domain in domains.items():
        points = [domain.points[i] for i in domain.allowed]
        if domain.field.optional:
            points.append(None)
        options[name] = [p for p in points if p != values[name]]
    for size in range(1, len(first.changes)):
        for names in itertools.combinations([n for n in values if n != program.decision_date],
                                            size):
            for choice in itertools.product(*(options[n] for n in names)):
                changed = dict(values)
                changed.update(zip(names, choice))
                after = interpreter.decide_values(changed)
                if _outcome(after) != _outcome(before):
                    # Only a rejection, which comes after every other outcome, may be closer.
                    assert (before.status is not Status.REJECTED and not rejected
                            and after.status is Status.REJECTED), (names, choice, after)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_near_miss_changes_the_outcome(case: Path) -> None:
    book = _book(case)
    explanation = book.explain(json.loads(case.read_text(encoding="utf-8")))
    if explanation.problems:
        assert book.near_misses(explanation) == ()
        return
    _check_near_misses(book, explanation.values, minimal=case.with_suffix(".rules").exists())


SMALL = srg_rules.parse("""\
rulebook "klein"
output type: code {40 "Coaching", 42 "Training"}
field category: code {coaching, training, taal, mantelzorg}
field hours: number optional
field start_date: date
field end_date: date optional
field traceable: boolean
reject einde_voor_begin when end_date is present and end_date < start_date
include gestart when start_date >= 2024-01-01
exclude mantelzorg when category = mantelzorg
exclude lang when hours > 400 and not traceable
classify coaching as 40 when category = coaching
classify training as 42 when category in {training, taal} and hours >= 10
""")


@settings(max_examples=40, deadline=None)
@given(records(SMALL))
def test_near_misses_of_any_record_change_its_outcome_and_none_is_smaller(record) -> None:
    values, problems = SMALL.program.schema.read(record)
    if problems:
        return
    _check_near_misses(SMALL, values, minimal=True)


def test_near_misses_of_the_example_provisions_change_their_outcome() -> None:
    book = srg_rules.load(SRG)
    rows = (ROOT / "examples" / "provisions.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(";")
    for line in rows[1:13]:
        explanation = book.explain(dict(zip(header, line.split(";"))))
        if not explanation.problems:
            _check_near_misses(book, explanation.values, minimal=False)


def test_explain_by_id_full_and_json(capsys) -> None:
    provisions = str(ROOT / "examples" / "provisions.csv")
    assert main(["explain", str(SRG), provisions, "--row", "2"]) == 0
    short = capsys.readouterr().out
    assert "What would change the decision:" in short and "not matched:" not in short
    assert main(["explain", str(SRG), provisions, "--row", "2", "--full"]) == 0
    full = capsys.readouterr().out
    assert "Reject rules (any match rejects the record):" in full
    identifier = full.split("provision_id is ")[1].split(",")[0]
    assert main(["explain", str(SRG), provisions, "--id", identifier, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["source"]["record"] == 2
    assert set(document) >= {"decision", "reasons", "values", "problems", "warnings",
                             "near_misses"}
    for miss in document["near_misses"]:
        assert miss["decision"]["status"] in ("included", "excluded", "rejected")
        assert all(set(c) == {"field", "value", "now"} for c in miss["changes"])
    assert main(["explain", str(SRG), provisions, "--id", "nope"]) == 2
    assert "no record has provision_id = nope" in capsys.readouterr().err


def test_explain_by_id_needs_an_identifier(tmp_path: Path, capsys) -> None:
    book = tmp_path / "k.rules"
    book.write_text("field c: code {a, b}\ninclude when c = a\n", encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("c\na\n", encoding="utf-8")
    assert main(["explain", str(book), str(data), "--id", "a"]) == 2
    assert "declares no identifier" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["taal_inburgering", "mantelzorg"])
def test_explain_full_prints_the_trace_of_the_golden_files(name: str, capsys,
                                                            monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    record = (GOLDEN / "explain" / f"{name}.json").read_text(encoding="utf-8")
    assert main(["explain", "rulebooks/srg.rules", "--record", record, "--full"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "explain" / f"{name}.expected").read_text(
        encoding="utf-8")


def test_ties_come_in_a_fixed_order_whatever_the_solver_s_model_order() -> None:
    """Equally close near-misses: by the first rule they name (rulebook order), then the fields
    (schema order), then the values, each value the lowest that gives another outcome; the
    same whatever models the solver finds first (its random seed changes that order)."""
    import z3

    book = srg_rules.parse("field c: code {a, b, c, d}\nfield n: number\nfield m: number\n"
                           "exclude late when m > 10\nexclude big when n > 5\n"
                           "exclude other when c in {c, d}\ninclude when c in {a, b}\n")
    values = {"c": "a", "n": 1, "m": 2}
    seen = set()
    try:
        for seed in range(4):
            z3.set_param("smt.random_seed", seed)
            z3.set_param("sat.random_seed", seed)
            found = near_misses(book.program, values, limit=3).items
            seen.add(tuple((m.named, m.changes) for m in found))
    finally:
        z3.set_param("smt.random_seed", 0)
        z3.set_param("sat.random_seed", 0)
    assert len(seen) == 1
    (only,) = seen
    assert [named for named, _changes in only] == [("late",), ("big",), ("line-7",)]
    assert [changes[0].field for _named, changes in only] == ["m", "n", "c"]
    assert only[2][1][0].value == "c"  # the first code of the list that excludes
