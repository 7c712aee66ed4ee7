"""Rule tests grouped by an equality they share, so that a record tests only the rules its
value can match.

Place in the pipeline: a helper of the compiled backend (:mod:`srg_rules.backends.python`),
which writes each rule of a verb's section as an ``if`` test. Input: the tests of one
section, each with the source lines it needs and the equalities its condition requires of
a field (``category == 'training'`` as a top-level ``and`` of the rule). Output: the
section's source lines, the tests of rules that require a value of the same field placed
under one ``if``/``elif`` chain on that field's value.

Drools and Rete engines call this indexing on a field (alpha-node hashing). Here it matters
for large rulebooks whose ``classify`` rules each name a region (``category = x and
funding = y``): sixty such rules cost sixty comparisons a record, grouped about ten.

Invariants it relies on, kept by the compiled backend: a condition has no side effects and
the rules of a section only set bits of a mask (their order is invisible); a test that needs
an assignment first (a shared define's first use) is never grouped and is written before
the chains, so every local a grouped test reads is assigned before it. The equalities of
one chain are on one field with distinct values, so at most one branch can hold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import attrs

__all__ = ["MIN_GROUPED", "RuleTest", "grouped"]

MIN_GROUPED = 4
"""Rules that must require a value of the same field before their tests are grouped on it:
below, the chain's own comparisons would cost about what they save."""

_MOST_LEVELS = 3
"""Chains nested at most this deep (a region of three fields)."""

_MOST_BRANCHES = 32
"""Branches of one ``if``/``elif`` chain: CPython compiles an ``elif`` as an ``if`` inside the
``else`` before it, and a chain of 3,000 exceeds its compiler's recursion limit. More values
make several chains, one after the other (at worst as many tests as without grouping)."""


@attrs.frozen
class RuleTest:
    """One rule's test: its source lines, unindented (assignments, ``if``, then), and, by
    field, the value its condition requires there and the source testing that equality."""

    lines: tuple[str, ...]
    requires: Mapping[str, tuple[object, str]] = attrs.field(factory=dict)


def grouped(tests: Sequence[RuleTest], levels: int = _MOST_LEVELS) -> list[str]:
    """The tests' lines (unindented): those that require no value of the field most of them
    require first, in their order; then one ``if``/``elif`` chain on that field's values,
    each branch holding the tests that require its value, grouped again inside."""
    counts = Counter(name for test in tests for name in test.requires)
    if not counts or levels == 0:
        return _flat(tests)
    field, count = counts.most_common(1)[0]
    if count < MIN_GROUPED:
        return _flat(tests)
    by_value: dict[object, list[RuleTest]] = {}
    others: list[RuleTest] = []
    for test in tests:
        if field in test.requires:
            by_value.setdefault(test.requires[field][0], []).append(test)
        else:
            others.append(test)
    lines = _flat(others)
    for branch, group in enumerate(by_value.values()):
        keyword = "elif" if branch % _MOST_BRANCHES else "if"
        lines.append(f"{keyword} {group[0].requires[field][1]}:")
        inner = [attrs.evolve(test, requires={name: required for name, required
                                              in test.requires.items() if name != field})
                 for test in group]
        lines += ["    " + line for line in grouped(inner, levels - 1)]
    return lines


def _flat(tests: Sequence[RuleTest]) -> list[str]:
    return [line for test in tests for line in test.lines]
