"""The version diff: golden reports, exactness against brute force, and data counts.

- Golden cases in tests/golden/diff/: NAME.new.rules is a new version of NAME.old.rules (or,
  without one, of srg.base.rules there: a frozen copy of an earlier rulebooks/srg.rules and its
  delivery checks, which the analysis decides exactly, unlike the shipped rulebooks' length
  and moved-month conditions); with NAME.csv the data is diffed too; the report of
  ``run_diff`` must equal NAME.expected. Set SRG_UPDATE_GOLDEN=1 to rewrite the expected files
  after an intended change.
- On small random pairs of programs (fields and code lists may differ too), brute force over a
  grid that is exact for them finds a changed record exactly when the diff reports its kind of
  change, every changed record lies in exactly one region of its group, and no unchanged
  record lies in any region.
- ``diff_data`` counts on a small file, and schemas that cannot be compared are refused.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import Status, ir
from srg_rules.analysis import domains
from srg_rules.backends.interpreter import Interpreter
from srg_rules.analysis.diff import IncompatibleSchemas, Outcome, semantic_diff
from srg_rules.versions import diff_data, run_diff
from srg_rules.schema import VALUE_TYPES, Field, OutputSpec, Schema

ROOT = Path(__file__).parent.parent
GOLDEN = ROOT / "tests" / "golden" / "diff"
# The base of the golden diffs. Not rulebooks/srg.rules: that holds conditions the analysis
# approximates (length(provision_id), start_date < reporting_month + 1 months), so it cannot be
# diffed exactly (tests/test_cli.py checks the message that says so).
SRG = "tests/golden/diff/srg.base.rules"


# --- golden reports -----------------------------------------------------------------------------


def _cases() -> list[str]:
    return sorted(path.name.removesuffix(".new.rules") for path in GOLDEN.glob("*.new.rules"))


def _paths(case: str) -> tuple[str, str, str | None]:
    old = GOLDEN / f"{case}.old.rules"
    data = GOLDEN / f"{case}.csv"
    relative = lambda path: str(path.relative_to(ROOT))  # noqa: E731
    return (relative(old) if old.exists() else SRG, relative(GOLDEN / f"{case}.new.rules"),
            relative(data) if data.exists() else None)


@pytest.mark.parametrize("case", _cases())
def test_golden(case: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # the report names the files as given
    old, new, data = _paths(case)
    text, code = run_diff(old, new, data)
    expected = GOLDEN / f"{case}.expected"
    if os.environ.get("SRG_UPDATE_GOLDEN"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")
    assert code == (0 if case == "identical" else 1)


@pytest.mark.parametrize("case", _cases())
def test_golden_regions_read_back_and_hold(case: str) -> None:
    """Every region's text is a condition of the new rulebook that parses to the region, and
    its witness is decided as its group says by both versions."""
    old_path, new_path, _ = _paths(case)
    old, new = srg_rules.load(ROOT / old_path), srg_rules.load(ROOT / new_path)
    result = semantic_diff(old.program, new.program)
    assert result.same == (case == "identical")
    for group in result.groups:
        assert group.regions and group.more == 0
        for region in group.regions:
            assert new.condition(region.text) == region.condition
            assert region.contains(region.witness)
            assert (Outcome.of(old.decide(region.witness)), Outcome.of(new.decide(region.witness))
                    ) == (group.old, group.new)
            assert (region.old, region.new) == (old.decide(region.witness),
                                                new.decide(region.witness))


def test_taal_from_inburgering_in_words() -> None:
    old = srg_rules.load(ROOT / SRG)
    new = srg_rules.load(GOLDEN / "taal_inburgering.new.rules")
    [group] = semantic_diff(old.program, new.program).groups
    assert (group.old, group.new) == (Outcome(Status.EXCLUDED), Outcome(Status.INCLUDED, "42"))
    assert {region.witness["initiative"] for region in group.regions} == {
        "gemeente", "derden", "burger"}
    assert all("category = taal" in r.text and "funding = inburgering" in r.text
               for r in group.regions)


def test_a_capped_group_says_how_many_regions_are_left() -> None:
    old = srg_rules.load(ROOT / SRG).program
    new = srg_rules.load(GOLDEN / "code_added.new.rules").program
    full = semantic_diff(old, new)
    capped = semantic_diff(old, new, limit=1)
    for whole, group in zip(full.groups, capped.groups, strict=True):
        assert len(group.regions) == 1 and group.more_is_exact
        assert group.more == len(whole.regions) - 1
    rendered = capped.render()
    for whole in full.groups:
        if len(whole.regions) > 2:
            assert f"and {len(whole.regions) - 1} more regions, not listed" in rendered
    counted = semantic_diff(old, new, limit=1, count_limit=2)
    excluded = [g for g in counted.groups if g.new == Outcome(Status.EXCLUDED)][0]
    assert excluded.more == 1 and not excluded.more_is_exact
    assert "one of these at least 2 conditions" in counted.render()
    assert "and at least 1 more region, not listed" in counted.render()


def test_identical_versions_are_proven_the_same() -> None:
    program = srg_rules.load(ROOT / SRG).program
    result = semantic_diff(program, program)
    assert result.same and result.groups == ()
    assert "decide every valid record the same" in result.render()


# --- schemas ----------------------------------------------------------------------------------


def test_a_changed_field_type_is_refused() -> None:
    old = srg_rules.parse("field hours: number\ninclude when hours > 1").program
    new = srg_rules.parse('field hours: text\ninclude when hours = "x"').program
    with pytest.raises(IncompatibleSchemas, match="field 'hours' changed type from number to text"):
        semantic_diff(old, new)


def test_a_new_required_field_is_refused() -> None:
    old = srg_rules.parse("field a: boolean\ninclude when a").program
    new = srg_rules.parse("field a: boolean\nfield b: boolean\ninclude when a and b").program
    with pytest.raises(ValueError, match="field 'b' is new and required"):
        semantic_diff(old, new)


def test_removed_codes_and_required_fields_change_decisions() -> None:
    old = srg_rules.parse("""
        field c: code {x, y, z}
        field n: number optional
        include when c != z
    """).program
    new = srg_rules.parse("""
        field c: code {x, y}
        field n: number
        include when c in {x, y}
    """).program
    result = semantic_diff(old, new)
    assert result.notes == (
        "field c no longer has code z, which the new version rejects (unknown_code:c)",
        "field n is required only in the new version, which rejects records without it "
        "(missing_value:n)",
    )
    kinds = {(str(g.old), str(g.new)): [r.text for r in g.regions] for g in result.groups}
    assert kinds == {
        ("included without a type", "rejected"): ["c != z and n is missing"],
        ("excluded", "rejected"): ["c = z"],
    }
    first = result.groups[0]
    assert first.regions[0].new.reasons == ("missing_value:n",)
    assert result.groups[1].regions[0].new.reasons[0] == "unknown_code:c"


def test_an_optional_field_removed_or_added() -> None:
    old = srg_rules.parse("field a: boolean\nfield b: number optional\n"
                          "include when a and not (b > 3)").program
    new = srg_rules.parse("field a: boolean\nfield c: date optional\n"
                          "include when a and c is missing").program
    result = semantic_diff(old, new)
    assert [str(g.old) + " -> " + str(g.new) for g in result.groups] == [
        "included without a type -> excluded", "excluded -> included without a type"]
    texts = {(str(g.old), r.text) for g in result.groups for r in g.regions}
    assert texts == {("included without a type", "a and (b is missing or b <= 3) and c is present"),
                     ("excluded", "a and b > 3 and c is missing")}


# --- exactness against brute force -------------------------------------------------------------

_CONSTANTS = (0, 1, 2)
_OLD_CODES = ("a", "b", "c")


def _grid_numbers() -> list[int | float]:
    """The constants, and two numbers in each interval between and beyond them: two number
    fields compared with each other need two values in an interval to take every order."""
    cuts = [min(_CONSTANTS) - 1, *_CONSTANTS, max(_CONSTANTS) + 1]
    values = set(_CONSTANTS)
    for low, high in zip(cuts, cuts[1:]):
        values |= {low + Fraction(high - low, 4), low + Fraction(3 * (high - low), 4)}
    return [int(v) if v.denominator == 1 else float(v) for v in sorted(map(Fraction, values))]


_NUMBERS = _grid_numbers()
GRID = [
    {"hours": hours, "age": age, "category": category, "flag": flag}
    for hours in [None, *_NUMBERS] for age in [None, *_NUMBERS]
    for category in ("a", "b", "c", "d") for flag in (None, False, True)
]
"""Exact for the programs below: a record over valid values has a grid record on which every
comparison of both programs (and so every decision) is the same (the argument of
srg_rules.analysis.domains, with the grid's two numbers per interval), and every code and missing value
is in it."""


def _schema(codes: tuple[str, ...], age_optional: bool, flag: bool) -> Schema:
    fields = {
        "hours": Field("hours", VALUE_TYPES["number"], optional=True),
        "age": Field("age", VALUE_TYPES["number"], optional=age_optional),
        "category": Field("category", VALUE_TYPES["code"], codes=dict.fromkeys(codes)),
    }
    if flag:
        fields["flag"] = Field("flag", VALUE_TYPES["boolean"], optional=True)
    return Schema(fields, OutputSpec("type", {"1": None, "2": None}))


def _conditions(codes: tuple[str, ...], flag: bool):
    number = st.sampled_from(_CONSTANTS)
    atoms = [
        st.builds(ir.compare, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
                  st.sampled_from(["hours", "age"]), number),
        st.builds(ir.compare, st.sampled_from(["in_set", "not_in_set"]),
                  st.sampled_from(["hours", "age"]), st.frozensets(number, min_size=1, max_size=2)),
        st.builds(ir.compare, st.sampled_from(["eq", "ne"]), st.just("category"),
                  st.sampled_from(codes)),
        st.builds(ir.compare, st.sampled_from(["in_set", "not_in_set"]), st.just("category"),
                  st.frozensets(st.sampled_from(codes), min_size=1, max_size=2)),
        st.builds(ir.IsPresent, st.sampled_from(["hours", "age", *(["flag"] if flag else [])])),
        st.builds(ir.compare_fields, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
                  st.just("hours"), st.just("age")),
    ]
    if flag:
        atoms.append(st.builds(ir.compare, st.just("eq"), st.just("flag"), st.booleans()))
    return st.recursive(
        st.one_of(atoms),
        lambda inner: st.one_of(
            st.builds(ir.Not, inner),
            st.builds(ir.AllOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
            st.builds(ir.AnyOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        ),
        max_leaves=4,
    )


def _rules(draw, conditions, start: int, count: int) -> list[ir.CompiledRule]:
    verbs = draw(st.lists(st.sampled_from(["reject", "include", "include", "exclude",
                                           "classify", "classify"]),
                          min_size=count, max_size=count))
    return [ir.CompiledRule(f"r{start + i}", verb, draw(conditions),
                            code=draw(st.sampled_from(["1", "2"])) if verb == "classify" else None)
            for i, verb in enumerate(verbs)]


def _uses(condition: ir.Condition, schema: Schema) -> bool:
    """Whether a condition only names the schema's fields and codes."""
    if any(name not in schema.fields for name in ir.fields_of(condition)):
        return False
    for node in ir.walk(condition):
        constant = ir.field_constant(node) if isinstance(node, ir.Compare) else None
        if constant is not None and constant[0] == "category":
            values = constant[1] if isinstance(constant[1], frozenset) else {constant[1]}
            if not values <= set(schema.fields["category"].codes):
                return False
    return True


@st.composite
def version_pairs(draw) -> tuple[ir.Program, ir.Program]:
    """An old program and a new one: the new one keeps some old rules (those its schema can
    state), loses some, changes some and adds some; its code list, the optionality of ``age``
    and the presence of ``flag`` may differ."""
    flag_in = draw(st.sampled_from(["both", "old", "new"]))
    old_schema = _schema(_OLD_CODES, False, flag_in != "new")
    new_schema = _schema(draw(st.sampled_from([_OLD_CODES, ("a", "b", "c", "d"), ("a", "b")])),
                         draw(st.booleans()), flag_in != "old")
    old_rules = _rules(draw, _conditions(_OLD_CODES, flag_in != "new"), 0,
                       draw(st.integers(1, 5)))
    new_codes = tuple(new_schema.fields["category"].codes)
    kept = [rule for rule in old_rules if _uses(rule.condition, new_schema)
            and draw(st.integers(0, 3)) > 0]
    for i, rule in enumerate(kept):
        change = draw(st.sampled_from(["keep", "keep", "code", "condition"]))
        if change == "code" and rule.verb == "classify":
            kept[i] = ir.CompiledRule(rule.id, rule.verb, rule.condition,
                                      code="2" if rule.code == "1" else "1")
        elif change == "condition":
            kept[i] = ir.CompiledRule(rule.id, rule.verb,
                                      draw(_conditions(new_codes, flag_in != "old")),
                                      code=rule.code)
    added = _rules(draw, _conditions(new_codes, flag_in != "old"), 10, draw(st.integers(0, 2)))
    return (ir.Program(old_schema, tuple(old_rules)),
            ir.Program(new_schema, (*kept, *added)))


def _compared(record: dict, old: Schema, new: Schema) -> bool:
    """Whether every value is one some version can read: the records the diff speaks of."""
    for name, value in record.items():
        declared = [s.fields[name] for s in (old, new) if name in s.fields]
        if value is None:
            if len(declared) == 2 and not any(f.optional for f in declared):
                return False
        elif not any(domains.is_valid(f, value) for f in declared):
            return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version_pairs())
def test_the_diff_is_exact_on_a_grid(pair: tuple[ir.Program, ir.Program]) -> None:
    assert_exact(*pair, GRID)


def assert_exact(old: ir.Program, new: ir.Program, grid: list[dict], **options) -> None:
    """The diff's groups are the kinds of change the grid shows; every changed grid record is
    in exactly one region, of its own group; no unchanged one is in any; witnesses hold.
    ``options`` go to semantic_diff (``widening=0``: every kind split, not widened)."""
    result = semantic_diff(old, new, limit=10_000, count_limit=10_000, effort=None, **options)
    groups = {(group.old, group.new): group for group in result.groups}
    assert len(groups) == len(result.groups)
    for group in result.groups:
        assert group.regions and group.more == 0 and group.old != group.new
        for region in group.regions:
            assert region.contains(region.witness)
            assert (Outcome.of(region.old), Outcome.of(region.new)) == (group.old, group.new)
    old_interpreter, new_interpreter = Interpreter(old), Interpreter(new)
    changes = set()
    for record in grid:
        if not _compared(record, old.schema, new.schema):
            continue
        kind = (Outcome.of(old_interpreter.decide(record)),
                Outcome.of(new_interpreter.decide(record)))
        inside = [(key, region) for key, group in groups.items()
                  for region in group.regions if region.contains(record)]
        if kind[0] == kind[1]:
            assert not inside, (record, kind, [r.text for _, r in inside])
            continue
        changes.add(kind)
        assert [key for key, _ in inside] == [kind], (record, kind, [r.text for _, r in inside])
    assert changes == set(groups)
    assert result.same == (not changes)


# --- data -----------------------------------------------------------------------------------------

_BOOKS = """
field category: code {taal, ips, mantelzorg}
field hours: number optional
include when category != mantelzorg
{extra}
classify as 1 when category = taal
output type: code {1}
"""


def test_diff_data_counts_changes_by_kind_and_reason(tmp_path: Path) -> None:
    old = srg_rules.parse(_BOOKS.replace("{extra}", ""))
    new = srg_rules.parse(_BOOKS.replace("{extra}", "exclude kort when hours < 4"))
    data = tmp_path / "records.csv"
    data.write_text("category,hours\n"
                    "taal,2\n"       # 1: included type 1 -> excluded
                    "taal,\n"        # 2: unchanged
                    "ips,3\n"        # 3: included without a type -> excluded
                    "mantelzorg,1\n"  # 4: excluded, reasons change
                    "taal,3,x\n"     # 5: malformed: unchanged
                    "taal,1\n"       # 6: included type 1 -> excluded
                    "quiz,1\n",      # 7: rejected by both
                    encoding="utf-8")
    result = diff_data(old, new, data)
    assert (result.total, result.malformed, result.changed, result.reasons_only) == (7, 1, 3, 1)
    first, second = result.changes
    assert (str(first.old), str(first.new), first.count, first.rows) == (
        "included type 1", "excluded", 2, (1, 6))
    assert [(r.old, r.new, r.count) for r in first.reasons] == [
        (("line-4", "line-6"), ("kort",), 2)]
    assert (str(second.old), second.count, second.rows) == ("included without a type", 1, (3,))
    text = result.render()
    assert "3 of 7 records change decision" in text
    assert "included type 1 -> excluded: 2 records (records 1, 6)" in text
    assert "1 record cannot be read (malformed_row)" in text
    # The data agree with the semantic diff: both changes are among its groups.
    kinds = {(g.old, g.new) for g in semantic_diff(old.program, new.program).groups}
    assert {(c.old, c.new) for c in result.changes} <= kinds


def test_run_diff_exit_codes(tmp_path: Path) -> None:
    book = tmp_path / "a.rules"
    book.write_text("field x: number\ninclude when x > 1\n", encoding="utf-8")
    same = tmp_path / "b.rules"
    same.write_text("field x: number\ninclude when not (x <= 1)\n", encoding="utf-8")
    other = tmp_path / "c.rules"
    other.write_text("field x: number\ninclude when x >= 1\n", encoding="utf-8")
    text, code = run_diff(str(book), str(same))
    assert code == 0 and "No record changes" in text
    text, code = run_diff(str(book), str(other))
    assert code == 1 and "excluded -> included without a type" in text and "x = 1" in text
    data = tmp_path / "d.csv"
    data.write_text("x\n1\n2\n", encoding="utf-8")
    text, code = run_diff(str(book), str(same), str(data))
    assert code == 0 and "0 of 2 records change decision." in text


def test_every_field_type_prints_reads_back_and_is_exact() -> None:
    """Texts (quoted, even plain words), dates, numbers between close constants, and
    field-to-field comparisons: each region reads back as itself, and the diff is exact on a
    grid with every constant, two values between and beyond them, and missing."""
    fields = """
        field name: text
        field start: date
        field end: date optional
        field rate: number optional
    """
    old = srg_rules.parse(fields + """
        include when name != "w" and end is missing
        include when end >= start and rate > 0.1
    """)
    new = srg_rules.parse(fields + """
        include when name not in {"x y", "z"} and end is missing
        include when end > start and rate >= 0.2 and start < 2024-02-29
    """)
    result = semantic_diff(old.program, new.program)
    texts = {r.text for g in result.groups for r in g.regions}
    assert {'name in {"x y", "z"} and end is missing', 'name = "w" and end is missing'} <= texts
    for group in result.groups:
        for region in group.regions:
            assert new.condition(region.text) == region.condition
    day = dt.date(2024, 2, 29)
    dates = [day + dt.timedelta(days=k) for k in (-2, -1, 0, 1, 2)]
    grid = [
        {"name": name, "start": start, "end": end, "rate": rate}
        for name in ("w", "x y", "z", "other") for start in dates for end in [None, *dates]
        for rate in (None, 0, 0.05, 0.1, 0.15, 0.17, 0.2, 0.3, 0.4)
    ]
    assert_exact(old.program, new.program, grid)


# --- the effort: kinds of change cut short stay exact ---------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version_pairs(), st.sampled_from([1, 200, 2_000]))
def test_a_diff_cut_short_is_exact_on_a_grid(pair: tuple[ir.Program, ir.Program],
                                             effort: int) -> None:
    """With little effort a kind of change lists fewer regions, less widened, but the kinds
    are all there, every region lies inside its group, regions are disjoint, witnesses are
    decided as said, and a group cut short says more regions follow."""
    old, new = pair
    result = semantic_diff(old, new, effort=effort)
    assert_sound(old, new, result, GRID)


def assert_sound(old: ir.Program, new: ir.Program, result, records: list[dict]) -> None:
    """Every claim of ``result`` holds on ``records``: the kinds of change among them are
    groups, a changed record lies in at most one region and only of its own group, no
    unchanged record lies in any region, and every witness is decided as its group says."""
    groups = {(group.old, group.new): group for group in result.groups}
    assert len(groups) == len(result.groups)
    old_interpreter, new_interpreter = Interpreter(old), Interpreter(new)
    for group in result.groups:
        assert group.regions and group.old != group.new
        if group.cut_short:
            assert group.more >= 1 and not group.more_is_exact and result.cut_short
        for region in group.regions:
            assert region.contains(region.witness)
            assert (Outcome.of(old_interpreter.decide(region.witness)),
                    Outcome.of(new_interpreter.decide(region.witness))) == (group.old, group.new)
            assert (region.old, region.new) == (old_interpreter.decide(region.witness),
                                                new_interpreter.decide(region.witness))
    for record in records:
        if not _compared(record, old.schema, new.schema):
            continue
        kind = (Outcome.of(old_interpreter.decide(record)),
                Outcome.of(new_interpreter.decide(record)))
        inside = [key for key, group in groups.items()
                  for region in group.regions if region.contains(record)]
        if kind[0] == kind[1]:
            assert not inside, (record, kind)
            continue
        assert kind in groups, (record, kind)
        assert inside in ([], [kind]), (record, kind, inside)


def assert_sound_near_witnesses(old: ir.Program, new: ir.Program, result, seed: int,
                                count: int, most_mixed: int) -> None:
    """:func:`assert_sound` on the witnesses and ``count`` records near them (a witness with
    1 to ``most_mixed`` fields taken from others), and every kind of change those records
    undergo is a group of ``result`` (the kinds are exact whatever the effort)."""
    witnesses = [region.witness for group in result.groups for region in group.regions]
    rng = random.Random(seed)
    records = list(witnesses)
    for _ in range(count):
        record = dict(rng.choice(witnesses))
        for name in rng.sample(sorted(record), rng.randint(1, most_mixed)):
            record[name] = rng.choice(witnesses)[name]
        records.append(record)
    assert_sound(old, new, result, records)
    before, after = Interpreter(old), Interpreter(new)
    changed = {(Outcome.of(before.decide(r)), Outcome.of(after.decide(r))) for r in records}
    assert {(g.old, g.new) for g in result.groups} >= {k for k in changed if k[0] != k[1]}


def test_a_cut_short_report_says_so() -> None:
    old = srg_rules.load(ROOT / SRG).program
    new = srg_rules.load(GOLDEN / "code_added.new.rules").program
    full = semantic_diff(old, new, effort=None)
    short = semantic_diff(old, new, effort=1)
    assert not full.cut_short and short.cut_short
    assert [(g.old, g.new) for g in full.groups] == [(g.old, g.new) for g in short.groups]
    for group in short.groups:
        assert len(group.regions) == 1  # one region each, then the share is spent
    assert "--all-regions" in short.render() and "--all-regions" not in full.render()


def test_all_regions_from_the_command_line(tmp_path: Path, capsys) -> None:
    """``srg-rules diff --all-regions`` gives the whole report, as the default gives it for
    versions this small (they never reach the effort)."""
    from srg_rules.cli import main

    old = tmp_path / "old.rules"
    old.write_text("field x: number\nfield c: code {a, b}\ninclude when x > 1 and c = a\n",
                   encoding="utf-8")
    new = tmp_path / "new.rules"
    new.write_text("field x: number\nfield c: code {a, b}\ninclude when x >= 1\n",
                   encoding="utf-8")
    assert main(["diff", "--all-regions", str(old), str(new)]) == 1
    everything = capsys.readouterr().out
    assert main(["diff", str(old), str(new)]) == 1
    assert capsys.readouterr().out == everything
    assert "excluded -> included without a type" in everything
    assert "at least" not in everything
