"""The analysis of many rules (issue 17, point 7) gives the findings of the plain analysis.

`srg-rules check` of 2,000 rules became fast through three changes (docs/benchmarks.md,
"Scale of rulebooks"), each checked here against the way it was done before:

- which rules a solver's record matches, found through an index of the codes rules require
  (:class:`srg_rules.analysis.matching.RuleIndex`), and its decision made from those rules,
  not by running the interpreter over every rule; and z3 asked without its per-assumption
  casts. These change no answer and no example record: the findings are equal, field for
  field, to those of the old path (every rule evaluated, the interpreter deciding, z3's own
  ``check``) on generated rulebooks.
- from :data:`srg_rules.analysis.findings.ALONE_FROM` rules on, whether a rule can match is
  asked of a solver without the other rules: the same answers with other example records. With
  the threshold at 0, the small random programs of ``test_analysis.py`` still agree with brute
  force, and on generated rulebooks the same findings (code and rules) come out as on the old
  path, every example record holding.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import analysis, ir
from srg_rules.analysis import findings as findings_module
from srg_rules.analysis import matching
from srg_rules.analysis.matching import RuleIndex
from srg_rules.backends.interpreter import Interpreter, evaluate

from test_analysis import GRID, assert_witnesses_hold, brute_force, programs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from analysis_bench import generate  # noqa: E402
from check_scale import rules as scale_rules  # noqa: E402


def _findings(program: ir.Program) -> tuple[analysis.Finding, ...]:
    return (analysis.analyse(program, strict=True)
            + analysis.check_expectations(program, strict=True))


def _old_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The analysis as it was: every rule evaluated for every record, the interpreter
    deciding, z3's own check, every question asked of the solver of all rules."""
    monkeypatch.setattr(RuleIndex, "candidates",
                        lambda self, record: list(range(self.count)))
    monkeypatch.setattr(findings_module._Analysis, "_decision",
                        lambda self, sample: Interpreter(self.program).decide_values(
                            sample.record))
    monkeypatch.setattr(matching, "check",
                        lambda solver, assumptions: solver.check(*assumptions))
    monkeypatch.setattr(findings_module, "ALONE_FROM", sys.maxsize)


def _summary(found) -> set[tuple]:
    """A finding as code and rules: the subject rule, or both rules of an overlap (a cover's
    rules after the subject may be another set that also covers it)."""
    result = set()
    for finding in found:
        if finding.code == "classification_overlap":
            result.add((finding.code, *finding.rules))
        elif finding.code == "expectation_violated":
            result.add((finding.code, finding.span.start if finding.span else None))
        else:
            result.add((finding.code, finding.rules[:1]))
    return result


_GENERATED = st.one_of(
    st.builds(lambda n, seed: generate(rules=n, fields=8, seed=seed),
              st.integers(5, 120), st.integers(0, 10_000)),
    st.builds(scale_rules, st.integers(1, 160)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(_GENERATED)
def test_the_index_and_the_decisions_change_no_finding(text: str) -> None:
    program = srg_rules.parse(text).program
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(findings_module, "ALONE_FROM", sys.maxsize)
        fast = _findings(program)
    with pytest.MonkeyPatch.context() as patch:
        _old_path(patch)
        old = _findings(program)
    assert fast == old


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(_GENERATED)
def test_asking_each_rule_alone_finds_the_same_findings(text: str) -> None:
    program = srg_rules.parse(text).program
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(findings_module, "ALONE_FROM", 0)
        fast = _findings(program)
    with pytest.MonkeyPatch.context() as patch:
        _old_path(patch)
        old = _findings(program)
    assert _summary(fast) == _summary(old)
    assert_witnesses_hold(program, fast)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_asking_each_rule_alone_agrees_with_brute_force(program: ir.Program) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(findings_module, "ALONE_FROM", 0)
        found = _findings(program)
    assert_witnesses_hold(program, found)
    result: set[tuple] = set()
    for finding in found:
        if finding.code == "classification_overlap":
            result.add((finding.code, *finding.rules))
        elif finding.code == "expectation_violated":
            [index] = [j for j, e in enumerate(program.expectations)
                       if e is finding.expectation]
            result.add((finding.code, index))
        elif finding.rules:
            result.add((finding.code, finding.rules[0]))
        else:
            result.add((finding.code,))
    assert result == brute_force(program)


@settings(max_examples=60, deadline=None)
@given(programs())
def test_the_index_leaves_out_only_rules_that_do_not_match(program: ir.Program) -> None:
    index = RuleIndex(program.rules)
    for record in GRID[::7]:
        candidates = set(index.candidates(record))
        for i, rule in enumerate(program.rules):
            if evaluate(rule.condition, record):
                assert i in candidates


def test_the_benchmark_rulebook_past_the_threshold() -> None:
    """300 rules of ``benchmarks/check_scale.py`` (each rule asked alone): the 100 excludes that
    no include shares hours with are dead, and an included record gets no type, as on the old
    path."""
    program = srg_rules.parse(scale_rules(300)).program
    assert len(program.rules) >= findings_module.ALONE_FROM
    fast = _findings(program)
    with pytest.MonkeyPatch.context() as patch:
        _old_path(patch)
        old = _findings(program)
    assert _summary(fast) == _summary(old)
    assert sorted(f.code for f in fast) == ["classification_gap"] + ["dead_rule"] * 100
    assert_witnesses_hold(program, fast)
