"""Version diff: which records two versions of a rulebook decide differently, proven.

Place in the pipeline: after :func:`srg_rules.ir.from_ast`, beside the findings, over
the one encoder (:mod:`srg_rules.analysis.encoding`). The solver side lives in
:mod:`srg_rules.analysis.regions`, the result types in :mod:`srg_rules.analysis.changes`, the
record-file diff in :mod:`srg_rules.analysis.datadiff`. Input: two :class:`ir.Program` s, an old and a new version (and, for
:func:`diff_data`, two rulebooks and a record file). Output: :func:`semantic_diff` gives a
:class:`Diff`: the records whose *outcome* (status and type) changes, grouped by change
(``excluded -> included type 42``), each group written as regions, conditions in the
rulebook language, each with a witness record; :func:`diff_data` gives a :class:`DataDiff`:
how many records of a file change, from what to what, and the reasons that differ.
``warn`` rules decide nothing, so the semantic diff does not compare them (a version that only
changes a warn rule decides every record the same); the data diff counts the records whose
warnings change (:attr:`DataDiff.warnings_changed`).
:func:`run_diff` is ``srg-rules diff OLD NEW [DATA]``: the text and an exit status; with
dates, it compares the rules in force on two days (of one rulebook or of two), each version
being :meth:`ir.Program.at` that day (:func:`at_date`).

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
   then the group says how many (or, past ``count_limit``, at least how many).
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
"""


import datetime
from collections.abc import Callable

from .. import ir
from ..i18n import gettext as _
from ..rulebook import Rulebook, load
from .changes import Diff, Group, IncompatibleSchemas, Outcome, Region, wrap
from .datadiff import DataChange, DataDiff, ReasonChange, diff_data, same_registration
from .regions import Comparison, NotExact

__all__ = [
    "NotExact",
    "DataChange",
    "DataDiff",
    "Diff",
    "Group",
    "IncompatibleSchemas",
    "Outcome",
    "ReasonChange",
    "Region",
    "at_date",
    "diff_data",
    "run_diff",
    "semantic_diff",
]

LIMIT = 20
"""Regions listed per group by default."""
COUNT_LIMIT = 50
"""Regions counted per group by default; past it a group says "at least"."""


def semantic_diff(old: ir.Program, new: ir.Program, *, limit: int = LIMIT,
                  count_limit: int = COUNT_LIMIT) -> Diff:
    """Every kind of change between two versions, each as exact regions with witnesses.

    Args:
        old: the old version.
        new: the new version.
        limit: the regions listed per group; the rest are counted.
        count_limit: the regions counted per group (at least ``limit``); past it the group
            says "at least".

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
    return Comparison(old, new).run(limit, max(limit, count_limit))


# --- the command --------------------------------------------------------------------------------


def run_diff(old_path: str, new_path: str, data_path: str | None = None, *,
             load: Callable[[str], Rulebook] = load, old_date: datetime.date | None = None,
             new_date: datetime.date | None = None) -> tuple[str, int]:
    """``srg-rules diff OLD NEW [DATA]``: the report, and the exit status (0: the versions
    decide every record the same, 1: they differ, like ``diff``).

    Args:
        old_path: the old version's rulebook.
        new_path: the new version's rulebook (the same path compares two periods of one).
        data_path: a record file to run both versions over, or None.
        load: how to load a rulebook (the CLI passes its own, which reports diagnostics).
        old_date: compare the old version's rules in force on this day (see
            :func:`at_date`), whatever a record's own decision date; None: all its rules.
        new_date: the same for the new version.

    Raises:
        IncompatibleSchemas: the versions' fields cannot be compared.
        NotExact: a version holds a condition the analysis over-approximates, and no data
            file was given (with one, the report says so and compares the data only).
        InputError: the data file cannot be read.
    """
    old_book, new_book = load(old_path), load(new_path)
    old_book, new_book = at_date(old_book, old_date), at_date(new_book, new_date)
    same_registration(old_book.program, new_book.program)
    try:
        diff: Diff | None = semantic_diff(old_book.program, new_book.program)
    except NotExact as error:
        if data_path is None:
            raise
        diff, not_exact = None, str(error)
    text = (_("old: {version}").format(version=_name(old_path, old_book) + _on(old_date)) + "\n"
            + _("new: {version}").format(version=_name(new_path, new_book) + _on(new_date))
            + "\n\n")
    dated = [b.program.decision_date for b, d in ((old_book, old_date), (new_book, new_date))
             if d is not None and b.program.decision_date is not None]
    if dated:
        text += wrap(_("A version with a date decides every record by the rules in force on "
                       "that date, whatever the record's {fields} says.").format(
                           fields=_(" or ").join(dict.fromkeys(dated))), "", "") + "\n\n"
    if old_book.has_registration:
        text += wrap(_("Both versions make provisions from source records the same way; the "
                       "records below are provision records, and in the data, provisions are "
                       "numbered by the first source row they came from."), "", "") + "\n\n"
    if diff is None:
        text += wrap(_("No semantic diff: {reason}.").format(reason=not_exact), "", "") + "\n"
    else:
        text += diff.render()
    changed = diff is not None and not diff.same
    if data_path is not None:
        data = diff_data(old_book, new_book, data_path)
        text += "\n" + data.render()
        changed = changed or data.changed > 0
    return text, 1 if changed else 0


def at_date(book: Rulebook, day: datetime.date | None) -> Rulebook:
    """The rules of ``book`` in force on ``day`` (:meth:`ir.Program.at`), as a rulebook that
    decides every record by them, whatever its own decision date; ``book`` itself for None.

    So ``semantic_diff(at_date(book, d1).program, at_date(book, d2).program)`` is every
    record that the rules in force on the two days decide differently.
    """
    if day is None:
        return book
    return Rulebook(book.program.at(day), book.syntax, book.source, book.warnings, book.backend)


def _on(day: datetime.date | None) -> str:
    return _(", the rules in force on {day}").format(day=day.isoformat()) if day is not None else ""


def _name(path: str, book: Rulebook) -> str:
    if not book.title:
        return path
    if book.version:
        return _("{path} ({title}, version {version})").format(path=path, title=book.title,
                                                              version=book.version)
    return f"{path} ({book.title})"
