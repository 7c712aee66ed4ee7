"""Explanations: the plain-words account of one decision, pinned in golden files.

Each tests/golden/explain/NAME.json is a record; it is explained with NAME.rules beside it
when there is one, else with rulebooks/srg.rules, and the text must equal NAME.expected.
Set SRG_UPDATE_GOLDEN=1 to rewrite the expected files after an intended change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import srg_rules

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden" / "explain"
CASES = sorted(GOLDEN.glob("*.json"))


def _rulebook_for(case: Path) -> srg_rules.Rulebook:
    own = case.with_suffix(".rules")
    path = own if own.exists() else ROOT / "rulebooks" / "srg.rules"
    return srg_rules.parse(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_explanation_matches_golden_file(case: Path) -> None:
    record = json.loads(case.read_text(encoding="utf-8"))
    text = _rulebook_for(case).explain(record).render()
    expected = case.with_suffix(".expected")
    if os.environ.get("SRG_UPDATE_GOLDEN"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_explanation_agrees_with_the_decision(case: Path) -> None:
    record = json.loads(case.read_text(encoding="utf-8"))
    book = _rulebook_for(case)
    explanation = book.explain(record)
    assert explanation.decision == book.decide(record)
    for reason in explanation.decision.reasons:
        if reason in book.rule_ids:
            assert any(trace.rule.id == reason and trace.matched for trace in explanation.rules)


def test_failed_condition_names_the_failing_part_and_its_value() -> None:
    book = srg_rules.load(ROOT / "rulebooks" / "srg.rules")
    record = json.loads((GOLDEN / "taal_inburgering.json").read_text(encoding="utf-8"))
    text = book.explain(record).render()
    assert ("yes  funding niet in {reintegratie, toegevoegd, verantwoord}   <- funding is inburgering"
            in text)
    assert "excluded by rule buiten_reintegratiebudget: niet gefinancierd" in text
