"""Version diff: which records two versions of a rulebook decide differently, proven.

Place in the pipeline: after :func:`srg_rules.ir.from_ast`, beside the findings, over
the one encoder (:mod:`srg_rules.analysis.encoding`). The solver side lives in
:mod:`srg_rules.analysis.regions`, the result types in :mod:`srg_rules.analysis.changes`, the
record-file diff in :mod:`srg_rules.versions`. Input: two :class:`ir.Program` s, an old and a
new version. Output: :func:`semantic_diff` gives a
:class:`Diff`: the records whose *outcome* (status and type) changes, grouped by change
(``excluded -> included type 42``), each group written as regions, conditions in the
rulebook language, each with a witness record.
``warn`` rules decide nothing, so the semantic diff does not compare them (a version that only
changes a warn rule decides every record the same; the record-file diff counts the records
whose warnings change).
The command (``srg-rules diff``, the record-file diff and the rules in force on a day) is
:mod:`srg_rules.versions`, which loads rulebooks; this module sees only programs.

Which records are compared: every record whose values are valid for the old version or for
the new one (see :mod:`srg_rules.analysis.domains` for "valid"). The fields are those of both
versions; a record that one version cannot read (a code missing from its list, a value it
requires left out) is rejected by that version, exactly as the reference interpreter does.
So a code added to a field's list shows up as records that change from ``rejected`` to
something else. Two schemas that cannot be compared raise :class:`IncompatibleSchemas` (a
``ValueError``) naming the field: a field whose type changed, or a required field that is new
(records of the old version do not have it).

Invariants:

1. Every group is non-empty, and every kind of change that some compared record undergoes has
   its group; groups are disjoint (a record has one outcome per version).
2. A group's regions are disjoint, each lies inside its group, and together they are the
   whole group; only when a group has more regions than ``limit`` are some left unlisted, and
   then the group says how many (or, past ``count_limit``, at least how many), or when the
   group's share of the ``effort`` is spent (``Group.cut_short``), and then it says that at
   least one more follows. Every kind of change has its group, whatever the effort.
3. Every region's witness is a complete record over both versions' fields (None for a
   missing value) that meets the region's condition and that the two reference interpreters,
   reading it as input, decide as the group says; anything else raises
   :class:`~srg_rules.analysis.AnalysisError` (a bug in the encoding, never a finding).

Why it is exact. The fields are encoded by :mod:`srg_rules.analysis.encoding` (a z3 integer indexing
the field's finite domain, a presence boolean for an optional field), with the domains split at
the constants of *both* programs, so every comparison either version makes keeps its truth on
the domain points (the abstraction proved in :mod:`srg_rules.analysis.domains`). Each version's outcome
is a formula over its rule literals. A region is grown from a solver model: each field is
widened over *classes* of domain points (a constant, the open interval between two neighbouring
constants, a code, a boolean, "another text", missing) and each pair of fields the programs
compare is bounded by a relation (``<``, ``=``, ``>``), for as long as z3 proves the region
holds no record outside the group or inside a region already found (unsat); of two ways of
widening, the one needing fewer regions is kept (see ``regions.Comparison._generalise``). The region
is then printed as a condition built only from those constants and compared pairs, which
therefore has the same truth on a record and on its abstraction; the printed condition itself
is what z3 checks and what is blocked. When z3 finds no record of the group outside the regions
(unsat), the regions cover the group: over the points, hence over every compared record.
With ``effort`` None, a group whose widening spends its share (:data:`WIDENING`) is split
instead by a decision tree over the same classes and pairs (:mod:`srg_rules.analysis.split`),
and its regions are proven together: inside the group, disjoint, and covering it (or with a
record of the group beyond those counted), by z3, with every listed witness re-decided.
"""

from .. import ir
from ..i18n import gettext as _
from .changes import Diff, Group, IncompatibleSchemas, Outcome, Region
from .regions import Comparison, NotExact

__all__ = [
    "NotExact",
    "Diff",
    "Group",
    "IncompatibleSchemas",
    "Outcome",
    "Region",
    "same_registration",
    "semantic_diff",
]

LIMIT = 20
"""Regions listed per group by default."""
COUNT_LIMIT = 50
"""Regions counted per group by default; past it a group says "at least"."""
EFFORT = 600_000
"""The solver questions the regions may take by default, each weighed by the rules it holds
(both versions'): about 3 s of CPU on the 2-core machine of docs/benchmarks.md, whatever
the versions' size. Shared equally by the kinds of change; a kind whose share is spent stops
listing regions (:attr:`Group.cut_short`). Small versions never reach it (the golden
reports take a tenth of it)."""

WIDENING = EFFORT // 5
"""With ``effort`` None (``srg-rules diff --all-regions``), the effort the regions are widened
with before a kind of change that spends its share is split instead: a fifth of the
default's, so versions the default lists whole are listed the same."""


def semantic_diff(old: ir.Program, new: ir.Program, *, limit: int = LIMIT,
                  count_limit: int = COUNT_LIMIT, effort: int | None = EFFORT,
                  widening: int | None = WIDENING) -> Diff:
    """Every kind of change between two versions, each as exact regions with witnesses.

    Args:
        old: the old version.
        new: the new version.
        limit: the regions listed per group; the rest are counted.
        count_limit: the regions counted per group (at least ``limit``); past it the group
            says "at least".
        effort: the solver questions the regions may take, each weighed by the rules it
            holds (see :data:`EFFORT`); None: no limit, every group is listed up to ``limit``
            and counted up to ``count_limit``.
        widening: with ``effort`` None, the effort each kind of change is widened with (shared
            as ``effort`` is) before it is listed by a decision tree's cubes instead, which are
            less widened but need no question each (see :mod:`srg_rules.analysis.split`);
            None: widen without limit; 0: split every kind.

    Raises:
        IncompatibleSchemas: a field's type changed, or a required field is new.
        NotExact: a version holds a condition the analysis over-approximates.

    >>> from srg_rules import parse
    >>> old = parse("field hours: number\\ninclude when hours > 10").program
    >>> new = parse("field hours: number\\ninclude when hours >= 12").program
    >>> [(str(g.old), str(g.new), [r.text for r in g.regions])
    ...  for g in semantic_diff(old, new).groups]
    [('included without a type', 'excluded', ['hours > 10 and hours < 12'])]
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    return Comparison(old, new).run(limit, max(limit, count_limit), effort, widening)


def same_registration(old: ir.Program, new: ir.Program) -> None:
    """Raise :class:`IncompatibleSchemas` unless both versions make provisions from source
    records the same way: the diff compares the rules that decide provisions."""
    if (old.activities, old.trajectories) != (new.activities, new.trajectories):
        raise IncompatibleSchemas(_(
            "the versions make provisions from source records differently (their 'activities' "
            "or 'trajectory' statements differ); diff compares the rules that decide "
            "provisions, so give both versions the same registration level"))

