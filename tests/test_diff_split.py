"""The whole list of regions (``srg-rules diff --all-regions``) by the decision tree of
:mod:`srg_rules.analysis.split`: the same exactness as the widened regions (every kind of
change, regions disjoint and inside their kind, together the kind or "at least" with a record
beyond them, every witness decided as its kind says), on random version pairs and on the
50-rule versions of benchmarks/diff_scale.py."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import ir
from srg_rules.analysis import split
from srg_rules.analysis.classes import FieldClass
from srg_rules.analysis.diff import semantic_diff

from test_diff import GRID, assert_exact, assert_sound, assert_sound_near_witnesses, version_pairs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from diff_scale import versions  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version_pairs())
def test_the_split_is_exact_on_a_grid(pair: tuple[ir.Program, ir.Program]) -> None:
    """Every kind split (none widened first): the grid's changed records each lie in one
    region of their own kind, the unchanged in none, every witness decided as its kind says
    (the split itself proves its regions with z3, and raises if they are not)."""
    assert_exact(*pair, GRID, widening=0)


def test_a_kind_split_past_the_count_says_at_least() -> None:
    old = srg_rules.parse("field x: number\nfield c: code {a, b, c}\nfield d: date\n"
                          "include when x > 1\n").program
    new = srg_rules.parse("field x: number\nfield c: code {a, b, c}\nfield d: date\n"
                          "include when x > 1 and (c = a or d > 2020-01-01 and x < 5)\n"
                          "include when x > 9 and c = b\n").program
    whole = semantic_diff(old, new, effort=None, widening=0)
    (group,) = whole.groups
    assert group.more_is_exact and len(group.regions) >= 3
    counted = semantic_diff(old, new, limit=1, count_limit=2, effort=None, widening=0)
    (short,) = counted.groups
    assert len(short.regions) == 1 and short.more == 1 and not short.more_is_exact
    assert "at least 2" in counted.render()


def test_the_split_is_used_and_its_regions_are_disjoint() -> None:
    old = srg_rules.parse("field x: number\nfield y: number\nfield c: code {a, b}\n"
                          "include when x > 1 or y < x\n").program
    new = srg_rules.parse("field x: number\nfield y: number\nfield c: code {a, b}\n"
                          "include when x > 1 and c = a or y < x and c = b\n").program
    with mock.patch.object(split.Split, "cubes", autospec=True,
                           side_effect=split.Split.cubes) as cubes:
        result = semantic_diff(old, new, limit=100, count_limit=100, effort=None, widening=0)
    assert cubes.called
    records = [{"x": x, "y": y, "c": c} for x in (0, 1, 1.5, 2, 3) for y in (0, 1, 1.5, 2, 3)
               for c in ("a", "b")]
    assert_sound(old, new, result, records)
    for group in result.groups:
        for record in records:
            assert sum(region.contains(record) for region in group.regions) <= 1


def test_the_whole_list_of_two_50_rule_versions() -> None:
    """benchmarks/diff_scale.py's 50-rule pair, every kind listed up to the limits (seconds,
    where widening each region took minutes): 20 regions listed and at least 50 counted per
    kind, each witness decided as its kind says, records near them in at most one region of
    their own kind."""
    old_text, new_text = versions(50)
    old, new = srg_rules.parse(old_text).program, srg_rules.parse(new_text).program
    result = semantic_diff(old, new, effort=None)
    assert result.groups and not result.cut_short
    for group in result.groups:
        assert len(group.regions) == 20 and group.more == 30 and not group.more_is_exact
    assert_sound_near_witnesses(old, new, result, seed=1, count=300, most_mixed=3)


# A formula of the split's logic, as a tree: ("in", var, values), ("and" | "or", parts),
# ("not", part); its truth computed here from the tree, not by the logic.
_VARS = {"a": 3, "b": 4, "c": 2}


def _formulas(depth: int = 3) -> st.SearchStrategy[tuple]:  # type: ignore[type-arg]
    atoms = st.sampled_from(sorted(_VARS)).flatmap(lambda var: st.tuples(
        st.just("in"), st.just(var), st.frozensets(st.integers(0, _VARS[var] - 1))))
    if depth == 0:
        return atoms
    smaller = _formulas(depth - 1)
    return st.one_of(atoms, st.tuples(st.sampled_from(["and", "or"]),
                                      st.lists(smaller, min_size=1, max_size=6)),
                     st.tuples(st.just("not"), smaller))


def _holds(formula: tuple, values: dict[str, int]) -> bool:  # type: ignore[type-arg]
    if formula[0] == "in":
        return values[formula[1]] in formula[2]
    if formula[0] == "not":
        return not _holds(formula[1], values)
    parts = [_holds(part, values) for part in formula[1]]
    return all(parts) if formula[0] == "and" else any(parts)


@settings(max_examples=300, deadline=None)
@given(st.lists(_formulas(), min_size=1, max_size=4))
def test_the_logic_restricts_as_the_formulas_read(formulas: list[tuple]) -> None:  # type: ignore[type-arg]
    """The split's logic (hash-consed and/or over "var is one of these", its joins that
    simplify, a restriction joined onto the parts it keeps) means what the formulas say:
    restricted by every var in turn, each node is true exactly on the values where its
    formula holds. Several formulas share one logic, so later ones meet earlier nodes."""
    classes = {var: [FieldClass(ir.IsPresent(var), frozenset({i}), "value", i) for i in range(n)]
               for var, n in _VARS.items()}
    logic = split.Split(classes, [], lambda pair: (), {var: False for var in _VARS},
                        sorted(_VARS))

    def build(formula: tuple) -> int:  # type: ignore[type-arg]
        if formula[0] == "in":
            return logic.atom(formula[1], formula[2])
        if formula[0] == "not":
            return logic.negate(build(formula[1]))
        parts = [build(part) for part in formula[1]]
        return logic.both(parts) if formula[0] == "and" else logic.either(parts)

    nodes = [build(formula) for formula in formulas]
    for formula, node in zip(formulas, nodes):
        for a in range(_VARS["a"]):
            for b in range(_VARS["b"]):
                for c in range(_VARS["c"]):
                    values = {"a": a, "b": b, "c": c}
                    for order in (("a", "b", "c"), ("c", "b", "a")):
                        left = node
                        for var in order:
                            left = logic.restrict(left, var, values[var])
                        assert left == int(_holds(formula, values)), (formula, values, order)
