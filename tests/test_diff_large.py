"""The semantic diff of versions whose domains are too large to split into regions
(docs/language.md, "srg-rules diff of large domains"): one solver call still proves that two
versions decide alike, and names a real record when they do not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import srg_rules
from srg_rules.analysis import regions
from srg_rules.analysis.diff import semantic_diff
from srg_rules.analysis.regions import NotExact
from srg_rules.backends.interpreter import Interpreter

OLD = """\
field m: month
field start: date
include started when start < m + 1 months
reject late when start > 2030-01-01
"""


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cap below this rulebook's points, so the large-domain path runs on a small case."""
    monkeypatch.setattr(regions, "_MOST_POINTS", 5)


def test_versions_that_decide_alike_are_proven_the_same(small_cap: None) -> None:
    # Written differently, in the other keyword set: the same decisions.
    dutch = ("veld m: month\nveld start: date\nneem started op als start < m + 1 maanden\n"
             "weiger late als not start <= 2030-01-01\n").replace("not", "niet")
    diff = semantic_diff(srg_rules.parse(OLD).program, srg_rules.parse(dutch).program)
    assert diff.same and diff.groups == ()


def test_versions_that_differ_name_a_record_both_interpreters_decide_so(small_cap: None) -> None:
    new = OLD.replace("m + 1 months", "m + 2 months")
    old_program, new_program = srg_rules.parse(OLD).program, srg_rules.parse(new).program
    with pytest.raises(NotExact) as raised:
        semantic_diff(old_program, new_program)
    message = str(raised.value)
    assert "cannot be compared exactly in reasonable time" in message
    assert "they differ: " in message and "is excluded by the old version and included " \
        "without a type by the new one" in message
    shown = message.split("they differ: ")[1].split(" is ")[0]
    record = dict(part.split("=") for part in shown.split(", "))
    assert Interpreter(old_program).decide(record).status == "excluded"
    assert Interpreter(new_program).decide(record).status == "included"


def test_below_the_cap_the_regions_are_given() -> None:
    new = OLD.replace("m + 1 months", "m + 2 months")
    groups = semantic_diff(srg_rules.parse(OLD).program, srg_rules.parse(new).program).groups
    assert groups and all(group.regions for group in groups)


# --- versions of 200 generated rules (benchmarks/diff_scale.py) ---------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from diff_scale import versions  # noqa: E402
from test_diff import assert_sound_near_witnesses  # noqa: E402


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_two_versions_of_200_rules_are_diffed_soundly(seed: int) -> None:
    """The report on two 200-rule versions with five realistic edits (within the default
    effort, so most kinds are cut short): every kind of change that records mixed from the
    witnesses undergo is reported, each such record lies in at most one region and only of
    its own kind, no unchanged one lies in any region, and every witness is decided as its
    kind says. Its time is benchmarks/diff_scale.py's business, not this test's."""
    old_text, new_text = versions(200, seed)
    old, new = srg_rules.parse(old_text).program, srg_rules.parse(new_text).program
    result = semantic_diff(old, new)
    assert result.groups
    # A witness with a few fields taken from others: near the regions.
    assert_sound_near_witnesses(old, new, result, seed=seed, count=200, most_mixed=4)
