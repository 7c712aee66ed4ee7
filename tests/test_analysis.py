"""The static analysis: known answers, witnesses that hold, and agreement with brute force.

- Golden rulebooks in tests/golden/analysis/ say in ``# finding: CODE RULE...`` lines exactly
  which findings they have (rules: the subject first; for an overlap both rules); the analyser
  must report those and nothing else.
- Every witness is a complete valid record, and the reference interpreter decides it as its
  finding says.
- On small random programs, every finding and every "no finding" agrees with brute force over
  a grid of records that is exact for those programs (see :func:`_grid`), and the rules
  reported dead or redundant can all be removed without changing a decision.
- On random programs over every field type (floats, neighbouring floats, dates, texts, blank
  constants), no random record contradicts a finding or the absence of one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sys
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
import attrs

from srg_rules import Severity, Status, analysis, ir, registration
from srg_rules.analysis import domains
from srg_rules.backends.interpreter import Interpreter, evaluate
from srg_rules.explain import AMBIGUOUS_TYPE
from srg_rules.schema import VALUE_TYPES, Field, OutputSpec, Schema

ROOT = Path(__file__).parent.parent
GOLDEN = ROOT / "tests" / "golden" / "analysis"
sys.path.insert(0, str(ROOT / "benchmarks"))


def _findings(program: ir.Program) -> tuple[analysis.Finding, ...]:
    return analysis.analyse(program, strict=True) + analysis.check_expectations(program, strict=True)


def _book(text: str) -> srg_rules.Rulebook:
    return srg_rules.parse(text)


def _rejected_by_rule(decision) -> bool:
    return decision.status is Status.REJECTED and "ambiguous_type" not in decision.reasons


def _codes(findings) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.code, f.rules) for f in findings]


# --- witnesses ------------------------------------------------------------------------------


def assert_witnesses_hold(program: ir.Program, findings) -> None:
    """Every witness is valid and complete, and re-evaluates to its finding."""
    interpreter = Interpreter(program)
    fields = program.schema.fields
    for finding in findings:
        assert finding.severity is analysis.CODES[finding.code]
        if finding.code in ("unsatisfiable_rule", "approximated_condition"):
            assert finding.witness is None  # no record shows "none exists" or "undecided"
            continue
        if finding.code == "never_included" and finding.witness is None:
            continue  # no valid record exists at all
        record = finding.witness
        assert record is not None and list(record) == list(fields)
        for name, value in record.items():
            field = fields[name]
            if value is None:
                assert field.optional, name
            else:
                assert domains.is_valid(field, value), (name, value)
                assert field.read(value) == (value, None)
        decision = interpreter.decide_values(record)
        assert finding.decision == decision
        # What reading the record as raw input gives is the same decision.
        assert interpreter.decide(record) == decision
        rule = program.rule(finding.rules[0]) if finding.rules else None
        if finding.code in ("redundant_rule", "dead_rule"):
            assert evaluate(rule.condition, record)
        if finding.code == "redundant_rule":
            assert any(evaluate(program.rule(r).condition, record) for r in finding.rules[1:])
        if finding.code == "dead_rule":
            without = ir.Program(program.schema, tuple(r for r in program.rules if r is not rule))
            other = Interpreter(without).decide_values(record)
            assert (other.status, other.type) == (decision.status, decision.type)
        if finding.code == "classification_overlap":
            assert decision.status is Status.REJECTED and AMBIGUOUS_TYPE in decision.reasons
            assert set(finding.rules) <= set(decision.reasons)
        if finding.code == "classification_gap":
            assert decision.status is Status.INCLUDED and decision.type is None
        if finding.code == "always_included":
            assert decision.status is Status.INCLUDED
        if finding.code == "never_included":
            assert decision.status is not Status.INCLUDED


# --- golden rulebooks -----------------------------------------------------------------------

_FINDING_LINE = re.compile(r"^# finding: (\w+)((?: [\w-]+)*)\s*$", re.MULTILINE)


def _subject(finding: analysis.Finding) -> tuple[str, ...]:
    """How a golden file names a finding: its rule, both rules of an overlap, or for an
    expectation the line it is on."""
    if finding.code == "expectation_violated":
        return (f"line-{finding.span.line}",)
    return finding.rules[:2] if finding.code == "classification_overlap" else finding.rules[:1]


def _golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.rules"))


def test_every_code_has_a_golden_rulebook() -> None:
    seen = {code for path in _golden_files()
            for code, _ in _FINDING_LINE.findall(path.read_text(encoding="utf-8"))}
    assert seen == set(analysis.CODES)


@pytest.mark.parametrize("path", _golden_files(), ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    book = srg_rules.load(path)
    wanted = sorted((code, tuple(rules.split()))
                    for code, rules in _FINDING_LINE.findall(path.read_text(encoding="utf-8")))
    findings = _findings(book.program)
    got = sorted((f.code, _subject(f)) for f in findings)
    assert got == wanted
    assert_witnesses_hold(book.program, findings)
    for diagnostic, finding in zip(analysis.to_diagnostics(findings), findings):
        assert diagnostic.code == finding.code
        assert diagnostic.span.source.path == str(path)
        diagnostic.render()


def test_shipped_srg_rulebook() -> None:
    book = srg_rules.load(ROOT / "rulebooks" / "srg.rules")
    findings = analysis.analyse(book.program, strict=True)
    assert not [f for f in findings if f.severity is Severity.ERROR]
    assert_witnesses_hold(book.program, findings)
    violated = analysis.check_expectations(book.program, strict=True)
    assert_witnesses_hold(book.program, violated)


# --- the cases that need care ---------------------------------------------------------------


def test_unsatisfiable_conditions() -> None:
    book = _book("""
field category: code {taal, ips}
field hours: number
field end: date optional
field name: text
include a when category = taal and category = ips
include b when hours > 10 and hours < 5
include c when hours is missing
include d when end < end
include g when hours > 0.1 and hours < 0.10000000000000002
include h when hours > 1 and hours < 2
include i when not (end is missing or end is present)
""")
    findings = analysis.analyse(book.program, strict=True)
    unsatisfiable = [f.rules[0] for f in findings if f.code == "unsatisfiable_rule"]
    # 0.1 and 0.10000000000000002 are neighbouring floats: no valid number lies between them.
    assert unsatisfiable == ["a", "b", "c", "d", "g", "i"]
    assert_witnesses_hold(book.program, findings)


def test_a_number_between_two_close_constants_is_found() -> None:
    book = _book("""
field hours: number
include when hours > 0.1 and hours < 0.10000000000000003
expect excluded when hours > 0.1 and hours < 0.10000000000000003
""")
    assert analysis.analyse(book.program, strict=True) == ()
    [violated] = analysis.check_expectations(book.program, strict=True)
    assert 0.1 < violated.witness["hours"] < 0.10000000000000003


def test_identical_rules_are_reported_once() -> None:
    book = _book("""
field category: code {taal, ips, intake}
include first when category in {taal, ips, intake}
include second when category in {ips, intake, taal}
exclude third when category = intake
exclude fourth when category = intake
""")
    findings = analysis.analyse(book.program, strict=True)
    assert _codes(findings) == [
        ("redundant_rule", ("second", "first")),
        ("redundant_rule", ("fourth", "third")),
    ]
    assert_witnesses_hold(book.program, findings)


def test_a_rule_covered_by_two_rules_together() -> None:
    book = _book("""
field hours: number
include low when hours < 10
include high when hours >= 5
include middle when hours > 3 and hours < 20
""")
    findings = analysis.analyse(book.program, strict=True)
    redundant = [f for f in findings if f.code == "redundant_rule"]
    assert [(f.rules[0], sorted(f.rules[1:])) for f in redundant] == [("middle", ["high", "low"])]


def test_classify_redundancy_needs_the_same_type() -> None:
    book = _book("""
field category: code {taal, ips}
output type: code {40, 42}
include when category = taal or category = ips
classify wide as 42 when category = taal
classify narrow as 40 when category = taal
""")
    codes = _codes(analysis.analyse(book.program, strict=True))
    assert ("classification_overlap", ("wide", "narrow")) in codes
    assert not any(code == "redundant_rule" for code, _ in codes)


def test_field_to_field_comparisons_and_missing_values() -> None:
    book = _book("""
field a: number optional
field b: number optional
include when a < b and b < a
""")
    assert _codes(analysis.analyse(book.program, strict=True))[0] == (
        "unsatisfiable_rule", ("line-4",))
    book = _book("""
field start: date
field end: date optional
reject when end < start
include when not (end >= start)
expect rejected when not (end >= start)
""")
    # A missing end makes both comparisons false, so "not (end >= start)" admits records
    # that the reject rule leaves alone: the include is not dead, and the expectation fails.
    assert analysis.analyse(book.program, strict=True) == ()
    [violated] = analysis.check_expectations(book.program, strict=True)
    assert violated.witness["end"] is None and violated.decision.status is Status.INCLUDED


def test_text_fields_compared_with_each_other() -> None:
    # Three texts that differ from each other and from a constant: the points hold enough
    # fresh texts for that.
    book = _book("""
field a: text
field b: text
field c: text
include when a != b and b != c and a != c and a != "other"
""")
    assert analysis.analyse(book.program, strict=True) == ()
    book = _book("""
field a: text
field b: text
include when a = b and a = "x" and b != "x"
""")
    assert _codes(analysis.analyse(book.program, strict=True))[0] == (
        "unsatisfiable_rule", ("line-4",))


def test_code_fields_with_different_lists_compared() -> None:
    book = _book("""
field a: code {x, y}
field b: code {y, z}
include same when a = b
include other when a = b and a = x
""")
    findings = analysis.analyse(book.program, strict=True)
    assert ("unsatisfiable_rule", ("other",)) in _codes(findings)
    assert_witnesses_hold(book.program, findings)


def test_dead_rules_by_verb() -> None:
    book = _book("""
field category: code {taal, ips, mantelzorg}
field traceable: boolean
output type: code {40, 42}
reject untraceable when not traceable
include taal when category = taal
include ips when category = ips and traceable
exclude ips_out when category = ips
exclude mantelzorg when category = mantelzorg
classify taal_type as 42 when category = taal
classify mantelzorg_type as 40 when category = mantelzorg
""")
    findings = analysis.analyse(book.program, strict=True)
    assert _codes(findings) == [
        ("dead_rule", ("ips", "ips_out")),
        ("dead_rule", ("mantelzorg",)),
        ("dead_rule", ("mantelzorg_type",)),
    ]
    assert_witnesses_hold(book.program, findings)


def test_a_reject_and_the_types_it_hides_are_not_both_dead() -> None:
    # Each alone changes no decision: without the reject, taal records are ambiguous; without
    # the classify rules, the reject still rejects them. Only the classify rules are
    # reported, so that removing every reported rule still changes nothing.
    book = _book("""
field category: code {taal, ips, mantelzorg}
output type: code {40, 42}
include when category in {taal, ips}
classify a as 40 when category = taal
classify b as 42 when category = taal
classify c as 42 when category = ips
reject both when category = taal
""")
    findings = analysis.analyse(book.program, strict=True)
    assert _codes(findings) == [("dead_rule", ("a",)), ("dead_rule", ("b",))]
    assert_witnesses_hold(book.program, findings)


def test_expectations() -> None:
    book = _book("""
field category: code {taal, ips, mantelzorg}
field hours: number optional
output type: code {40, 42}
reject when hours < 0
include when category != mantelzorg
classify as 42 when category = taal
classify as 40 when category = taal and hours > 10
expect excluded when category = mantelzorg and hours >= 0
expect rejected when hours < 0
expect rejected when category = taal and hours > 10
expect type 42 when category = taal and hours <= 10
expect type 42 when category = taal and hours is missing
expect included when category = ips
""")
    findings = analysis.check_expectations(book.program, strict=True)
    # hours <= 10 and category = ips both allow a negative number of hours, which is rejected,
    # but an included/excluded/type expectation speaks only of records no reject rule matches.
    assert findings == ()
    book = _book("""
field category: code {taal, ips}
field hours: number optional
output type: code {40, 42}
include when category = taal
classify as 42 when category = taal
classify as 40 when hours > 10
expect type 42 when category = taal
expect rejected when hours < 0
expect excluded when category = ips
""")
    findings = analysis.check_expectations(book.program, strict=True)
    # taal with more than 10 hours matches both classify rules (ambiguous_type: rejected, which
    # an expectation does see); nothing rejects a negative number of hours.
    assert [f.span.line for f in findings] == [8, 9]
    assert findings[0].witness["hours"] > 10 and findings[1].witness["hours"] < 0
    assert_witnesses_hold(book.program, findings)


def test_to_diagnostics_points_at_both_rules() -> None:
    book = _book("""
field category: code {taal, ips, mantelzorg}
output type: code {40, 42}
include when category in {taal, ips}
classify first as 40 when category = taal
classify second as 42 when category in {taal, ips}
""")
    findings = analysis.analyse(book.program, strict=True)
    [diagnostic] = analysis.to_diagnostics(findings)
    assert diagnostic.code == "classification_overlap"
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.span.line == 5
    assert [span.line for _, span in diagnostic.related] == [6]
    assert "category=taal" in diagnostic.help
    assert "ambiguous_type" in diagnostic.render()


def test_findings_without_sources_still_become_diagnostics() -> None:
    schema = Schema({"x": Field("x", VALUE_TYPES["boolean"])})
    program = ir.Program(schema, (ir.CompiledRule("r", "include", ir.IsPresent("x")),))
    [finding] = analysis.analyse(program, strict=True)
    assert finding.code == "always_included"
    [diagnostic] = analysis.to_diagnostics([finding])
    assert diagnostic.line == 1


def test_a_field_with_no_valid_value() -> None:
    schema = Schema({
        "x": Field("x", VALUE_TYPES["code"], optional=True, codes={" a": None, "": None}),
        "y": Field("y", VALUE_TYPES["boolean"]),
    })
    program = ir.Program(schema, (
        ir.CompiledRule("r", "include", ir.compare("eq", "x", " a")),
        ir.CompiledRule("s", "include", ir.compare("ne", "x", " a")),
        ir.CompiledRule("t", "include", ir.Not(ir.IsPresent("x"))),
    ))
    findings = analysis.analyse(program, strict=True)
    assert _codes(findings) == [
        ("unsatisfiable_rule", ("r",)), ("unsatisfiable_rule", ("s",)), ("always_included", ()),
    ]


def test_generated_rulebook_in_strict_mode() -> None:
    from analysis_bench import generate

    book = _book(generate(rules=80, fields=12, seed=7))
    findings = _findings(book.program)
    assert findings
    assert_witnesses_hold(book.program, findings)


# --- brute force ----------------------------------------------------------------------------

_CONSTANTS = (0, 1, 2)
_CODES = ("a", "b", "c")
_SCHEMA = Schema(
    {
        "hours": Field("hours", VALUE_TYPES["number"], optional=True),
        "age": Field("age", VALUE_TYPES["number"]),
        "category": Field("category", VALUE_TYPES["code"], codes=dict.fromkeys(_CODES)),
        "flag": Field("flag", VALUE_TYPES["boolean"], optional=True),
    },
    OutputSpec("type", {"1": None, "2": None}),
)


def _grid() -> list[dict]:
    """Every combination of: numbers at quarter steps from one below the least constant to one
    above the greatest, missing, each code and each boolean.

    Exact for programs whose number constants are integers in ``_CONSTANTS``: each open
    interval between constants (and beyond them) holds at least two grid numbers, as many as
    two number fields can need, so every record has a grid record on which every comparison
    of the program is the same.
    """
    numbers = [_canonical(Fraction(k, 4)) for k in range(4 * (min(_CONSTANTS) - 1),
                                                           4 * (max(_CONSTANTS) + 1) + 1)]
    return [
        {"hours": hours, "age": age, "category": category, "flag": flag}
        for hours in [None, *numbers] for age in numbers
        for category in _CODES for flag in (None, False, True)
    ]


def _canonical(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


GRID = _grid()

_number = st.sampled_from(_CONSTANTS)
_atoms = st.one_of(
    st.builds(ir.compare, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
              st.sampled_from(["hours", "age"]), _number),
    st.builds(ir.compare, st.sampled_from(["in_set", "not_in_set"]),
              st.sampled_from(["hours", "age"]), st.frozensets(_number, min_size=1, max_size=2)),
    st.builds(ir.compare, st.sampled_from(["eq", "ne"]), st.just("category"),
              st.sampled_from(_CODES)),
    st.builds(ir.compare, st.sampled_from(["in_set", "not_in_set"]), st.just("category"),
              st.frozensets(st.sampled_from(_CODES), min_size=1, max_size=2)),
    st.builds(ir.compare, st.sampled_from(["eq", "ne"]), st.just("flag"), st.booleans()),
    st.builds(ir.IsPresent, st.sampled_from(["hours", "flag", "age"])),
    st.builds(ir.compare_fields, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
              st.just("hours"), st.just("age")),
)
_conditions = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.builds(ir.Not, inner),
        st.builds(ir.AllOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(ir.AnyOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(ir.Defined, st.just("d"), inner),
    ),
    max_leaves=4,
)


@st.composite
def programs(draw) -> ir.Program:
    verbs = draw(st.lists(st.sampled_from(["reject", "include", "include", "exclude",
                                           "classify", "classify"]), min_size=1, max_size=6))
    rules = tuple(
        ir.CompiledRule(f"r{i}", verb, draw(_conditions),
                        code=draw(st.sampled_from(["1", "2"])) if verb == "classify" else None)
        for i, verb in enumerate(verbs)
    )
    expectations = tuple(
        ir.Expectation((ir.Outcome(outcome, draw(st.sampled_from(["1", "2"]))
                                   if outcome == "type" else None),), draw(_conditions))
        for outcome in draw(st.lists(
            st.sampled_from(["included", "excluded", "rejected", "type"]), max_size=2))
    )
    output = _SCHEMA.output if "classify" in verbs or draw(st.booleans()) else None
    return ir.Program(Schema(_SCHEMA.fields, output), rules, expectations)


def brute_force(program: ir.Program, records: list[dict] | None = None) -> set[tuple]:
    """The findings by their definitions (analysis module docstring), over the grid (or the
    given records); expectations only for programs without trajectories."""
    records = GRID if records is None else records
    rules = program.rules
    n = len(rules)
    match = [frozenset(k for k, record in enumerate(records) if evaluate(rule.condition, record))
             for rule in rules]
    verbs = {v: {i for i in range(n) if rules[i].verb == v}
             for v in ("reject", "exclude", "include", "classify")}
    R, E, I, C = (verbs[v] for v in ("reject", "exclude", "include", "classify"))

    def union(indices) -> frozenset[int]:
        return frozenset().union(*(match[i] for i in indices))

    everything = frozenset(range(len(records)))
    admitted = (everything - union(R) - union(E)) & union(I)
    def types_of(k: int, rules_: Iterable[int]) -> set:
        return {rules[c].code for c in rules_ if k in match[c]}

    ambiguous = {k for k in admitted if len(types_of(k, C)) >= 2}
    included = admitted - ambiguous
    excluded = everything - union(R) - admitted
    found: set[tuple] = set()
    satisfiable = [i for i in range(n) if match[i]]
    found |= {("unsatisfiable_rule", rules[i].id) for i in range(n) if not match[i]}
    # Redundant and dead rules: sequential definitions, as in the analysis module docstring.
    redundant: set[int] = set()
    for key in {(rules[i].verb, rules[i].code) for i in satisfiable}:
        members = [i for i in satisfiable if (rules[i].verb, rules[i].code) == key]
        for x in reversed(members):
            others = [y for y in members if y != x and y not in redundant]
            if others and match[x] <= union(others):
                redundant.add(x)
                found.add(("redundant_rule", rules[x].id))
    live = {i for i in satisfiable if i not in redundant}
    dead: set[int] = set()
    for x in sorted(live & C, reverse=True):
        if not match[x] & admitted:
            dead.add(x)
    types = (live & C) - dead
    ambiguous_anyway = {k for k in union(I) - union(E) if len(types_of(k, types)) >= 2}
    for verb in ("reject", "include", "exclude"):
        for x in sorted((i for i in live if rules[i].verb == verb), reverse=True):
            left = live - dead
            if verb == "reject":
                escapes = match[x] - union(R & left - {x}) - ambiguous_anyway
            elif verb == "include":
                escapes = match[x] - union(R & left) - union(E & left) - union(I & left - {x})
            else:
                escapes = (match[x] - union(R & left) - union(E & left - {x})) & union(I)
            if not escapes:
                dead.add(x)
    found |= {("dead_rule", rules[x].id) for x in dead}
    for x, y in itertools.combinations(sorted(C), 2):
        if rules[x].code != rules[y].code and match[x] & match[y] & admitted:
            found.add(("classification_overlap", rules[x].id, rules[y].id))
    if program.schema.output is not None and admitted - union(C):
        found.add(("classification_gap",))
    if not included:
        found.add(("never_included",))
    elif not excluded:
        found.add(("always_included",))
    interpreter = Interpreter(program)
    for j, expectation in enumerate(() if program.trajectories else program.expectations):
        for record in records:
            if not evaluate(expectation.condition, record):
                continue
            decision = interpreter.decide_values(record)
            [outcome] = expectation.outcomes
            if outcome.kind != "rejected" and _rejected_by_rule(decision):
                continue  # outside the expectation's scope (docs/language.md, "Expectations")
            holds = {
                "included": decision.status is Status.INCLUDED,
                "excluded": decision.status is Status.EXCLUDED,
                "rejected": decision.status is Status.REJECTED,
                "type": decision.status is Status.INCLUDED and decision.type == outcome.code,
            }[outcome.kind]
            if not holds:
                found.add(("expectation_violated", j))
                break
    return found


def _analysed(program: ir.Program) -> set[tuple]:
    findings = analysis.analyse(program, strict=True)
    violated = analysis.check_expectations(program, strict=True)
    assert_witnesses_hold(program, findings + violated)
    result: set[tuple] = set()
    for finding in findings:
        if finding.code == "classification_overlap":
            result.add((finding.code, *finding.rules))
        elif finding.rules:
            result.add((finding.code, finding.rules[0]))
        else:
            result.add((finding.code,))
    for finding in violated:
        [index] = [j for j, e in enumerate(program.expectations) if e is finding.expectation]
        result.add((finding.code, index))
    return result


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_analysis_agrees_with_brute_force(program: ir.Program) -> None:
    found = _analysed(program)
    assert found == brute_force(program)
    # The rules reported dead or redundant can go all together and no decision changes
    # (a redundant classify rule gives the type of the rules that cover it).
    gone = {f[1] for f in found if f[0] in ("dead_rule", "redundant_rule")}
    kept = ir.Program(program.schema, tuple(r for r in program.rules if r.id not in gone))
    before, after = Interpreter(program), Interpreter(kept)
    for record in GRID:
        one, other = before.decide_values(record), after.decide_values(record)
        assert (one.status, one.type) == (other.status, other.type)


# --- random search over richer records ------------------------------------------------------

_RICH = Schema(
    {
        "hours": Field("hours", VALUE_TYPES["number"], optional=True),
        "start": Field("start", VALUE_TYPES["date"]),
        "end": Field("end", VALUE_TYPES["date"], optional=True),
        "name": Field("name", VALUE_TYPES["text"], optional=True),
        "alias": Field("alias", VALUE_TYPES["text"]),
        "category": Field("category", VALUE_TYPES["code"], codes=dict.fromkeys(_CODES)),
    },
    OutputSpec("type", {"1": None, "2": None}),
)
_HOURS = (-1, 0.5, 0.1, 0.10000000000000002, 2, 2.25)
_DATES = (dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 3, 1))
_TEXTS = ("jan", "piet", "", " jan")

_rich_atoms = st.one_of(
    st.builds(ir.compare, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
              st.just("hours"), st.sampled_from(_HOURS)),
    st.builds(ir.compare, st.sampled_from(["in_set", "not_in_set"]), st.just("hours"),
              st.frozensets(st.sampled_from(_HOURS), min_size=1, max_size=2)),
    st.builds(ir.compare, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
              st.sampled_from(["start", "end"]), st.sampled_from(_DATES)),
    st.builds(ir.compare_fields, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
              st.sampled_from(["start", "end"]), st.sampled_from(["start", "end"])),
    st.builds(ir.compare, st.sampled_from(["eq", "ne"]), st.sampled_from(["name", "alias"]),
              st.sampled_from(_TEXTS)),
    st.builds(ir.compare, st.sampled_from(["in_set", "not_in_set"]),
              st.sampled_from(["name", "alias"]),
              st.frozensets(st.sampled_from(_TEXTS), min_size=1, max_size=2)),
    st.builds(ir.compare_fields, st.sampled_from(["eq", "ne"]), st.just("name"), st.just("alias")),
    st.builds(ir.compare, st.sampled_from(["eq", "ne"]), st.just("category"),
              st.sampled_from(_CODES)),
    st.builds(ir.IsPresent, st.sampled_from(["hours", "end", "name"])),
)
_rich_conditions = st.recursive(
    _rich_atoms,
    lambda inner: st.one_of(
        st.builds(ir.Not, inner),
        st.builds(ir.AllOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(ir.AnyOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=4,
)


@st.composite
def rich_programs(draw) -> ir.Program:
    verbs = draw(st.lists(st.sampled_from(["reject", "include", "include", "exclude",
                                           "classify", "classify"]), min_size=1, max_size=6))
    rules = tuple(
        ir.CompiledRule(f"r{i}", verb, draw(_rich_conditions),
                        code=draw(st.sampled_from(["1", "2"])) if verb == "classify" else None)
        for i, verb in enumerate(verbs)
    )
    expectations = tuple(
        ir.Expectation((ir.Outcome(outcome, draw(st.sampled_from(["1", "2"]))
                                   if outcome == "type" else None),), draw(_rich_conditions))
        for outcome in draw(st.lists(
            st.sampled_from(["included", "excluded", "rejected", "type"]), max_size=2))
    )
    return ir.Program(_RICH, rules, expectations)


def _near(values, others):
    """Values at, next to and away from the constants."""
    return st.one_of(st.sampled_from(values), others)


_rich_records = st.fixed_dictionaries({
    "hours": st.one_of(st.none(), _near(
        [*_HOURS, -2, 0, 1, 3, 0.3, 2.5, 0.10000000000000001, 0.10000000000000003],
        st.one_of(st.integers(-5, 5), st.floats(-3, 3)))),
    "start": _near(_DATES, st.dates(dt.date(2023, 12, 25), dt.date(2024, 3, 5))),
    "end": st.one_of(st.none(), _near(_DATES, st.dates(dt.date(2023, 12, 25), dt.date(2024, 3, 5)))),
    "name": st.one_of(st.none(), st.sampled_from(["jan", "piet", "klaas"])),
    "alias": st.sampled_from(["jan", "piet", "klaas", "x"]),
    "category": st.sampled_from(_CODES),
})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_programs(), st.lists(_rich_records, min_size=20, max_size=20))
def test_no_record_contradicts_the_analysis(program: ir.Program, records: list[dict]) -> None:
    findings = analysis.analyse(program, strict=True)
    violated = analysis.check_expectations(program, strict=True)
    assert_witnesses_hold(program, findings + violated)
    codes = {f.code for f in findings}
    by_code = {(f.code, f.rules[0]) for f in findings if f.rules}
    overlaps = {frozenset(f.rules) for f in findings if f.code == "classification_overlap"}
    interpreter = Interpreter(program)
    for record in records:
        decision = interpreter.decide_values(record)
        matched = {r.id for r in program.rules if evaluate(r.condition, record)}
        for rule in program.rules:
            if ("unsatisfiable_rule", rule.id) in by_code:
                assert rule.id not in matched
            if ("dead_rule", rule.id) in by_code and rule.id in matched:
                kept = tuple(r for r in program.rules if r is not rule)
                other = Interpreter(ir.Program(program.schema, kept)).decide_values(record)
                assert (other.status, other.type) == (decision.status, decision.type)
        for finding in findings:
            if finding.code == "redundant_rule" and finding.rules[0] in matched:
                assert matched & set(finding.rules[1:])
        if AMBIGUOUS_TYPE in decision.reasons:
            code = {r.id: r.code for r in program.rules}
            types = {r for r in decision.reasons if r != AMBIGUOUS_TYPE}
            assert all(frozenset(pair) in overlaps for pair in itertools.combinations(types, 2)
                       if code[pair[0]] != code[pair[1]])
        if decision.status is Status.INCLUDED and decision.type is None:
            assert "classification_gap" in codes
        assert not ("never_included" in codes and decision.status is Status.INCLUDED)
        assert not ("always_included" in codes and decision.status is Status.EXCLUDED)
        for expectation in program.expectations:
            if any(f.expectation is expectation for f in violated):
                continue
            [outcome] = expectation.outcomes
            if evaluate(expectation.condition, record) and not (
                outcome.kind != "rejected" and _rejected_by_rule(decision)
            ):
                wanted = outcome.kind
                if wanted == "type":
                    assert decision.status is Status.INCLUDED and decision.type == outcome.code
                else:
                    assert decision.status == wanted


# --- the registration level: trajectories ----------------------------------------------------

# Source records may lack the fields a trajectory sets (they are overwritten), so the sources
# include a missing category, which no provision record ever has.
SOURCES = GRID + [{**record, "category": None} for record in GRID if record["category"] == "a"]

_components = st.lists(
    st.one_of(
        st.tuples(st.just("category"), st.sampled_from(_CODES)).map(lambda a: (a,)),
        st.tuples(st.just("flag"), st.booleans()).map(lambda a: (a,)),
        st.tuples(st.tuples(st.just("category"), st.sampled_from(_CODES)),
                  st.tuples(st.just("flag"), st.booleans())).map(tuple),
    ),
    min_size=1, max_size=2,
)


@st.composite
def programs_with_trajectories(draw) -> ir.Program:
    program = draw(programs())
    trajectories = tuple(
        ir.Trajectory(f"t{i}", draw(_conditions), tuple(
            ir.Component(f"c{k}", assignments) for k, assignments in enumerate(draw(_components))))
        for i in range(draw(st.integers(1, 2)))
    )
    outcomes = st.one_of(
        st.sampled_from(["included", "excluded", "rejected"]).map(lambda s: (ir.Outcome(s),)),
        st.lists(st.sampled_from(["1", "2"]), min_size=1, max_size=2)
        .map(lambda codes: tuple(ir.Outcome("type", c) for c in codes)),
    )
    expectations = tuple(ir.Expectation(draw(outcomes), draw(_conditions))
                         for _ in range(draw(st.integers(0, 2))))
    return attrs.evolve(program, trajectories=trajectories, expectations=expectations)


def _split_sources(program: ir.Program) -> list[tuple[dict, list]]:
    """Each source record with its provisions (provision, decision). A provision with a
    problem (a field its trajectory does not set is missing) is not a valid record: the
    analysis speaks of the others."""
    interpreter = Interpreter(program)
    result = []
    for record in SOURCES:
        made = list(registration.provisions(program, [(1, record)]))
        result.append((record, [(p, interpreter.decide_values(p.values, p.problems)) for p in made]))
    return result


def _violated_by_sources(program: ir.Program) -> set[tuple]:
    """docs/language.md, "The registration level", Expectations, by brute force."""
    found = set()
    sources = _split_sources(program)
    provisions = [(p, d) for _, made in sources for p, d in made if not p.problems]
    for j, expectation in enumerate(program.expectations):
        types = expectation.types
        if len(types) <= 1:
            # About provisions: every one meeting the condition has every outcome.
            for provision, decision in provisions:
                if not evaluate(expectation.condition, provision.values):
                    continue
                for outcome in expectation.outcomes:
                    if outcome.kind != "rejected" and _rejected_by_rule(decision):
                        continue
                    holds = (decision.status is Status.INCLUDED and decision.type == outcome.code
                             if outcome.kind == "type" else decision.status.value == outcome.kind)
                    if not holds:
                        found.add(("expectation_violated", j))
            continue
        # About source records: a trajectory splits each into len(types) provisions, in order.
        for record, made in sources:
            if not evaluate(expectation.condition, record):
                continue
            if registration.AMBIGUOUS_TRAJECTORY in made[0][0].problems:
                continue  # rejected before the rules: no provision to judge
            trajectory = next((t for t in program.trajectories if evaluate(t.condition, record)),
                              None)
            for index, (provision, decision) in enumerate(made):
                if provision.problems or _rejected_by_rule(decision):
                    continue
                if trajectory is None or len(types) != len(trajectory.components) or not (
                        decision.status is Status.INCLUDED and decision.type == types[index]):
                    found.add(("expectation_violated", j))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs_with_trajectories())
def test_analysis_with_trajectories_agrees_with_brute_force(program: ir.Program) -> None:
    """The rules see exactly the provisions the sources yield; expectations speak of sources."""
    provisions = {}
    for _record, made in _split_sources(program):
        for provision, _ in made:
            if not provision.problems:
                provisions[tuple(sorted(provision.values.items(), key=lambda kv: kv[0]))] = dict(
                    provision.values)
    expected = brute_force(program, list(provisions.values())) | _violated_by_sources(program)
    assert _analysed(program) == expected
