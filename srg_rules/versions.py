"""Two versions of a rulebook compared: ``srg-rules diff OLD NEW [DATA]``.

Place in the pipeline: a surface over two loaded rulebooks (:mod:`srg_rules.rulebook`), their
backends and the analysis's exact diff (:func:`srg_rules.analysis.diff.semantic_diff`, which
sees only programs). Input: an old and a new :class:`~srg_rules.rulebook.Rulebook` and, for
:func:`diff_data`, a record file (see :mod:`srg_rules.records`). Output: :func:`run_diff` gives
the command's report and exit status; :func:`diff_data` gives a :class:`DataDiff`: how many
records of a file change, from what to what, and the reasons that differ. With dates,
:func:`run_diff` compares the rules in force on two days (of one rulebook or of two), each
version being :meth:`ir.Program.at` that day (:func:`at_date`).

Invariants: every record of the file is counted once (a malformed row as malformed, which
both versions reject); a record is a change when its outcome (status and type) differs, and
only its reasons otherwise; with a registration level (the same in both versions, see
:func:`same_registration`) the records are provisions, numbered by their first source row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from os import PathLike

import attrs

from .analysis.changes import Diff, Outcome, wrap
from .analysis.diff import EFFORT, NotExact, same_registration, semantic_diff
from .decision import Decision
from .i18n import gettext as _
from .i18n import ngettext
from .records import Row, open_records
from .rulebook import Rulebook, load

__all__ = ["DataChange", "DataDiff", "ReasonChange", "at_date", "diff_data", "run_diff"]

_EXAMPLE_ROWS = 5

# The reasons only the old decision gives, only the new one gives, and both give.
_ReasonsKey = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]



@attrs.frozen
class ReasonChange:
    """Records of one change that share the reasons that differ."""

    old: tuple[str, ...]  # reasons of the old decision the new one does not have
    new: tuple[str, ...]  # reasons of the new decision the old one does not have
    count: int
    rows: tuple[int, ...]  # the first few record numbers (1 = the first record)
    shared: tuple[str, ...] = ()  # reasons of both decisions (a rule that changed, say)


@attrs.frozen
class DataChange:
    """The records of a file that go from ``old`` to ``new``."""

    old: Outcome
    new: Outcome
    count: int
    rows: tuple[int, ...]
    reasons: tuple[ReasonChange, ...]


@attrs.frozen
class DataDiff:
    """What changes for the records of one file. Its fields are public API.

    Attributes:
        path: the file.
        total: the records read (malformed rows included).
        malformed: rows that cannot be read as records; both versions reject them, unchanged.
        changes: one per kind of change, the most frequent first.
        reasons_only: records whose outcome stays but whose reasons change.
        warnings_changed: records whose warnings (the ids of the warn rules that match them)
            differ between the versions, whatever happens to their decision.
    """

    path: str
    total: int
    malformed: int
    changes: tuple[DataChange, ...]
    reasons_only: int = 0
    warnings_changed: int = 0

    @property
    def changed(self) -> int:
        return sum(change.count for change in self.changes)

    def render(self) -> str:
        """The counts in plain words, with the first few record numbers of each change."""
        lines = [ngettext("In {path}: {changed} of {records} changes decision.",
                          "In {path}: {changed} of {records} change decision.",
                          self.changed).format(path=self.path, changed=self.changed,
                                               records=_records(self.total))]
        for change in self.changes:
            lines.append(f"  {change.old} -> {change.new}: {_records(change.count)} "
                         f"({_rows(change.rows, change.count)})")
            for reasons in change.reasons:
                if reasons.old or reasons.new:
                    old = ", ".join(reasons.old) or _("(no reason)")
                    new = ", ".join(reasons.new) or _("(no reason)")
                    line = "    " + _("because {old} -> {new}: {records}").format(
                        old=old, new=new, records=_records(reasons.count))
                else:
                    line = "    " + _("by the same rules ({rules}), which changed: {records}").format(
                        rules=", ".join(reasons.shared), records=_records(reasons.count))
                if len(change.reasons) > 1:
                    line += f" ({_rows(reasons.rows, reasons.count)})"
                lines.append(line)
        if self.reasons_only:
            lines.append("  " + ngettext(
                "{count} record keeps its decision, with other reasons.",
                "{count} records keep their decision, with other reasons.",
                self.reasons_only).format(count=self.reasons_only))
        if self.warnings_changed:
            lines.append("  " + ngettext("{count} record gets other warnings.",
                                         "{count} records get other warnings.",
                                         self.warnings_changed).format(count=self.warnings_changed))
        if self.malformed:
            lines.append("  " + ngettext(
                "{count} record cannot be read (malformed_row) and is rejected by both versions.",
                "{count} records cannot be read (malformed_row) and are rejected by both "
                "versions.", self.malformed).format(count=self.malformed))
        if self.changes:
            lines.append(_("Records count from 1, the first after the header; srg-rules explain "
                           "RULEBOOK DATA --row N shows why."))
        return "\n".join(lines) + "\n"


def _records(n: int) -> str:
    return ngettext("{count} record", "{count} records", n).format(count=n)


def _rows(rows: tuple[int, ...], count: int) -> str:
    shown = ", ".join(str(r) for r in rows)
    more = ", ..." if count > len(rows) else ""
    return ngettext("record {numbers}", "records {numbers}", count).format(numbers=shown + more)


def diff_data(old_book: Rulebook, new_book: Rulebook, path: str | PathLike[str]) -> DataDiff:
    """Decide every record of a file with both versions and count what changes.

    Args:
        old_book: the old version.
        new_book: the new version.
        path: a CSV or JSON Lines file (see :mod:`srg_rules.records`).

    Raises:
        InputError: the file cannot be read, or its header lacks a field both versions require.
    """
    old_fields, new_fields = old_book.fields, new_book.fields
    required = [name for name, field in old_fields.items() if not field.optional
                and name in new_fields and not new_fields[name].optional]
    records = open_records(path, required=required, known=[*old_fields, *new_fields])
    total = malformed = reasons_only = warnings_changed = 0
    changes: dict[tuple[Outcome, Outcome], dict[_ReasonsKey, list[int]]] = {}
    for number, before, after in _decided_pairs(old_book, new_book, records.rows):
        total += 1
        if before is None or after is None:  # a malformed row has neither
            malformed += 1
            continue
        warnings_changed += before.warnings != after.warnings
        kind = (Outcome.of(before), Outcome.of(after))
        if kind[0] == kind[1]:
            reasons_only += before.reasons != after.reasons
            continue
        key = (tuple(r for r in before.reasons if r not in after.reasons),
               tuple(r for r in after.reasons if r not in before.reasons),
               tuple(r for r in before.reasons if r in after.reasons))
        changes.setdefault(kind, {}).setdefault(key, []).append(number)
    result = []
    for (old, new), by_reasons in changes.items():
        rows = sorted(r for numbers in by_reasons.values() for r in numbers)
        reasons = sorted(
            (ReasonChange(o, n, len(numbers), tuple(numbers[:_EXAMPLE_ROWS]), shared)
             for (o, n, shared), numbers in by_reasons.items()),
            key=lambda r: (-r.count, r.rows))
        result.append(DataChange(old, new, len(rows), tuple(rows[:_EXAMPLE_ROWS]), tuple(reasons)))
    result.sort(key=lambda c: (-c.count, c.old.sort_key(), c.new.sort_key()))
    return DataDiff(str(path), total, malformed, tuple(result), reasons_only, warnings_changed)


def _decided_pairs(old_book: Rulebook, new_book: Rulebook, rows: Iterable[Row]
                   ) -> Iterator[tuple[int, Decision, Decision] | tuple[int, None, None]]:
    """(row number, old decision, new decision) per record; None, None for a malformed row.

    With a registration level (the same in both versions, see :func:`same_registration`) the
    pairs are per provision, numbered by the first source row it came from.
    """
    if not (old_book.has_registration or new_book.has_registration):
        for row in rows:
            if row.problem is not None:
                yield row.number, None, None
            else:
                yield row.number, old_book.decide(row.values), new_book.decide(row.values)
        return
    readable = []
    for row in rows:
        if row.problem is not None:
            yield row.number, None, None
        else:
            readable.append((row.number, row.values))
    old_made = old_book.decide_rows(readable)
    new_made = new_book.decide_rows(readable)
    for (provision, before), (_provision, after) in zip(old_made, new_made, strict=True):
        yield provision.rows[0], before, after


def run_diff(old_path: str, new_path: str, data_path: str | None = None, *,
             load: Callable[[str], Rulebook] = load, old_date: datetime.date | None = None,
             new_date: datetime.date | None = None, all_regions: bool = False
             ) -> tuple[str, int]:
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
        all_regions: list every kind of change's regions up to the limits, however long it
            takes; without it, versions that differ in many ways get each kind's first
            regions within the diff's effort (:data:`srg_rules.analysis.diff.EFFORT`).

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
        diff: Diff | None = semantic_diff(old_book.program, new_book.program,
                                          effort=None if all_regions else EFFORT)
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
