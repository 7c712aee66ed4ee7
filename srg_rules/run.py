"""Running a rulebook over a record file: the one loop every run goes through.

Place in the pipeline: after a rulebook is built (:mod:`srg_rules.rulebook`), around a
backend. Input: a record file (CSV or JSON Lines, read by :mod:`srg_rules.records`), a way to
decide, and an output path (None: standard output). Output: the decided records, written in
the input's format, and the run's :class:`~srg_rules.summary.Summary`.

The loop is the same for every kind of run: open the input, decide, write, count, report
progress, then commit the output file, or discard it on an error or an interrupt. Two kinds
of run go through it here:

- :func:`run_records`: one decision per record (a rulebook on provisions);
- :func:`run_source`: a source extract, at the registration level (a rulebook with
  ``activities`` or ``trajectory`` statements): several rows may make one provision and a
  trajectory several provisions, each decided once; the output has one row per provision,
  with the lineage columns ``component`` (which provision of a trajectory, when the rulebook
  has trajectories) and ``source_rows`` (the input rows it came from).

A whole file decided inside DuckDB (:mod:`srg_rules.filerun`) shares the frame (the
temporary file and its publishing from :mod:`srg_rules.records`, the counting of
:class:`~srg_rules.summary.Summary`, the progress hook, :class:`TerminalProgress`) and falls
back to :func:`run_records` for a file DuckDB might read otherwise.

A CSV file given ``by_position`` (as ``srg-rules run --engine python`` gives it) goes through
the same loop in batches (:func:`_run_batched`): its rows come as lists of cells
(:func:`~srg_rules.records.open_records` with ``batched=True``), decided by functions compiled
for its header (:func:`srg_rules.backends.python.compile_rows`), written with one
``writerows`` and counted per distinct decision; a row with a problem is taken as above.

What the caller sees happen is told through hooks, so that this module prints nothing: a
progress hook (:data:`Progress`), a hook for each row that cannot be read as a record, and one
for the input's columns that the decisions replace.

Checks across records (``unique`` statements, :mod:`srg_rules.unique`) need every key
before the first decision: a run of a rulebook with them reads its input twice, counting the
keys (one entry per distinct key, never a record) in the first pass and deciding in the
second. ``by`` counts the summary per group of fields' values as well
(:meth:`Summary.group`).

Invariants: every input row is accounted for once (a row that cannot be read as a record is
rejected as ``malformed_row``, never dropped); the summary counts every row written; the output
file appears only when the whole run succeeded.
"""

from __future__ import annotations

import itertools
import operator
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs

from . import collector, ir
from .decision import Decision, Status
from .i18n import gettext as _
from .records import (MALFORMED_ROW, REASON_SEPARATOR, Batch, InputError, OutputFile,
                      RecordFile, Row, open_records)
from .registration import provisions
from .schema import Field
from .summary import Summary, group_text
from .unique import DuplicateRows, KeyCounts, read_keys, with_duplicates

if TYPE_CHECKING:
    from .backends.python import RowProgram
    from .rulebook import Rulebook

__all__ = ["COMPONENT_COLUMN", "MALFORMED", "PROGRESS_EVERY", "Progress", "SOURCE_ROWS_COLUMN",
           "TerminalProgress", "estimated_lines", "open_input", "run_records", "run_source",
           "swallowed_message"]

# The columns a run adds for a rulebook with a registration level: which provision of a
# trajectory a row is, and which input rows it came from (lineage).
COMPONENT_COLUMN = "component"
SOURCE_ROWS_COLUMN = "source_rows"

MALFORMED = Decision(Status.REJECTED, None, (MALFORMED_ROW,))
"""The decision for a row that cannot be read as a record."""

PROGRESS_EVERY = 50_000
"""Rows read between two calls of a progress hook; a smaller file reports none."""

Progress = Callable[[float, int], None]
"""A progress hook: told, every :data:`PROGRESS_EVERY` rows read, the share of the input read
(0.0 to 1.0, from the line reached and the number of lines :func:`estimated_lines` gives) and
the number of rows read so far."""

ByPosition = Callable[[tuple[str, ...], tuple[str, ...]], "RowProgram"]
"""Compiles, for a CSV header and the key fields of the ``unique`` statements, the functions
that decide a row of cells and read its keys (see :func:`run_records`)."""

Malformed = Callable[[Path, Row], None]
"""A hook told of each row of a file (its path) that cannot be read as a record, as it is
rejected."""


def open_input(path: str | os.PathLike[str], fields: Mapping[str, Field],
               encoding: str = "utf-8", batched: bool = False) -> RecordFile:
    """Open a record file for a rulebook with these fields: its header must hold every field
    that is not optional (``batched``: see :func:`~srg_rules.records.open_records`).

    Raises:
        InputError: the file is missing, unreadable, empty, not in the encoding, or lacks
            columns.
    """
    return open_records(path, required=[name for name, field in fields.items()
                                        if not field.optional], known=list(fields),
                        encoding=encoding, batched=batched)


def swallowed_message(path: Path, row: Row) -> str:
    """The refusal of a run whose file has a quote that read following lines into one row."""
    return _("{path}:{line}: record {number} opens a quote that is not closed where the record "
             "ends: the {lines} line(s) after line {line} were read into it; nothing was "
             "written\n  help: close the quote (a quote inside a quoted value is written twice: "
             "\"\"), or rerun with --allow-malformed to reject such a record as malformed_row "
             "and write the rest").format(path=path, line=row.line, number=row.number,
                                          lines=row.swallowed)


def run_records(decide: Callable[[Mapping[str, Any]], Decision], fields: Mapping[str, Field],
                input_path: str | os.PathLike[str],
                output_path: str | os.PathLike[str] | None, *,
                progress: Progress | None = None, malformed: Malformed | None = None,
                replaced: Callable[[tuple[str, ...]], None] | None = None,
                unique: Sequence[ir.Unique] = (), by: Sequence[str] = (),
                warnings: bool = False, encoding: str = "utf-8",
                allow_malformed: bool = True,
                by_position: ByPosition | None = None) -> Summary:
    """Decide every record of a file, one decision per record, and write them.

    Args:
        decide: decides one record's values (e.g. :meth:`Rulebook.decide`).
        fields: the rulebook's fields (the header must hold those that are not optional).
        input_path: a CSV or JSON Lines file.
        output_path: where the decided records go, in the input's format; replaced only
            when the run succeeds. None: standard output.
        progress: told now and then how far the run is (:data:`Progress`).
        malformed: told of each row that cannot be read as a record, as it is rejected.
        replaced: told, before the first row, of the input's columns (``status``, ``type``,
            ``reasons``) that the decisions replace, if it has any.
        encoding: the input's text encoding (the output is UTF-8).
        allow_malformed: False: a quote that is never closed, reading following lines into
            one row (:attr:`Row.swallowed`), stops the run with nothing written; True
            (the default of the API): such a row is rejected as ``malformed_row``.
        unique: the program's ``unique`` statements (``program.unique``), applied over the
            whole file: it is then read twice (the keys are counted first).
        by: fields whose values the summary counts per group as well.
        warnings: the rulebook has warn rules: the output gets a ``warnings`` column after
            ``reasons`` (see :class:`~srg_rules.records.OutputFile`).
        by_position: for a CSV file, compiles the functions that decide a row of the
            header's cells as ``decide`` decides the mapping of the header's names to them
            and read its ``unique`` keys, e.g. ``functools.partial(compile_rows, program)``
            (:func:`srg_rules.backends.python.compile_rows`): the file is then read and
            written in batches, with no mapping and no :class:`Row` per record, and the
            same output, summary and errors.

    Raises:
        InputError: the input cannot be read at all, or the output's folder does not exist.

    >>> import srg_rules, tempfile, pathlib
    >>> book = srg_rules.parse("field n: number\\ninclude big when n > 10")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("n;id\\n12;a\\n1;2;3\\n")
    >>> summary = run_records(book.decide, book.fields, folder / "in.csv", folder / "out.csv")
    >>> summary.as_dict()["statuses"]
    {'included': 1, 'excluded': 0, 'rejected': 1}
    >>> print((folder / "out.csv").read_text(), end="")
    n;id;status;type;reasons
    12;a;included;;big
    1;2;rejected;;malformed_row
    """
    # Opened once: a file that is no CSV (JSON Lines, Excel) has no batches and is read
    # record by record from this same RecordFile.
    records = open_input(input_path, fields, encoding, batched=by_position is not None)
    if by_position is not None and records.batches is not None:
        return _run_batched(records, by_position, fields, input_path, output_path,
                            progress=progress, malformed=malformed, replaced=replaced,
                            unique=unique, by=by, warnings=warnings, encoding=encoding,
                            allow_malformed=allow_malformed)
    counts = KeyCounts(unique)
    if counts:
        for row in open_input(input_path, fields, encoding).rows:
            if row.problem is None:
                counts.count_raw(row.values, fields)
    output = OutputFile(output_path, records, warnings)
    read = 0

    def decided() -> Iterator[tuple[Row, Decision]]:
        nonlocal read
        if replaced is not None and output.replaced:
            replaced(output.replaced)
        for row in _read(records, progress):
            read += 1
            if row.problem is not None:
                if row.swallowed and not allow_malformed:
                    raise InputError(swallowed_message(records.path, row))
                if malformed is not None:
                    malformed(records.path, row)
                yield row, MALFORMED
            elif counts:
                keys = read_keys(row.values, fields, counts.fields)
                yield row, counts.apply(decide(row.values), keys)
            else:
                yield row, decide(row.values)

    return _write_all(output, decided(), by, lambda: read)


def run_source(book: Rulebook, input_path: str | os.PathLike[str],
               output_path: str | os.PathLike[str] | None, *,
               progress: Progress | None = None,
               malformed: Malformed | None = None, by: Sequence[str] = (),
               encoding: str = "utf-8", allow_malformed: bool = True) -> Summary:
    """Source records -> provisions -> decisions, for a rulebook with a registration level.

    The output has one row per provision: its values, then ``component`` (when the rulebook
    has trajectories) and ``source_rows``, the numbers of the input rows it was made of. A row
    that cannot be read as a record is a provision of its own, rejected, written after the
    others. The summary counts provisions, and ``source_rows`` the rows read. The rulebook's
    ``unique`` statements apply to the provisions (the file is then read twice, the keys of
    the provisions counted first).

    Arguments and errors as for :func:`run_records`.
    """
    fields = book.fields
    records = open_input(input_path, fields, encoding)
    has_components = bool(book.program.trajectories)
    columns = (*fields, *((COMPONENT_COLUMN,) if has_components else ()), SOURCE_ROWS_COLUMN)
    output = OutputFile(output_path, attrs.evolve(records, columns=columns),
                        bool(book.program.by_verb("warn")))
    unreadable: list[Row] = []
    read = 0
    counts = KeyCounts(book.program.unique)
    if counts:
        first = open_input(input_path, fields, encoding).rows
        for provision in provisions(book.program, ((row.number, row.values) for row in first
                                                   if row.problem is None)):
            counts.count(provision.values)

    def readable() -> Iterator[tuple[int, Mapping[str, Any]]]:
        nonlocal read
        for row in _read(records, progress):
            read += 1
            if row.problem is not None:
                if row.swallowed and not allow_malformed:
                    raise InputError(swallowed_message(records.path, row))
                unreadable.append(row)
                continue
            yield row.number, row.values

    def decided() -> Iterator[tuple[Row, Decision]]:
        for provision, decision in book.decide_rows(readable()):
            values: dict[str, Any] = dict(provision.text)
            if records.format == "jsonl":
                values = {name: (text if text != "" else None) for name, text in values.items()}
            if has_components:
                values[COMPONENT_COLUMN] = provision.component or ""
            values[SOURCE_ROWS_COLUMN] = REASON_SEPARATOR.join(map(str, provision.rows))
            yield Row(provision.rows[0], provision.rows[0], values), counts.apply(
                decision, provision.values) if counts else decision
        for row in unreadable:
            if malformed is not None:
                malformed(records.path, row)
            values = {name: row.values.get(name) for name in fields}
            values[SOURCE_ROWS_COLUMN] = str(row.number)
            yield Row(row.number, row.line, values), MALFORMED

    summary = _write_all(output, decided(), by)
    summary.source_rows = read
    return summary


# How many decisions the batched run remembers the output cells (and duplicate
# rejections) of; a miss costs speed, never correctness.
_DECISION_MEMO = 4096


def _run_batched(records: RecordFile, by_position: ByPosition, fields: Mapping[str, Field],
                 input_path: str | os.PathLike[str],
                 output_path: str | os.PathLike[str] | None, *, progress: Progress | None,
                 malformed: Malformed | None,
                 replaced: Callable[[tuple[str, ...]], None] | None,
                 unique: Sequence[ir.Unique], by: Sequence[str], warnings: bool,
                 encoding: str, allow_malformed: bool) -> Summary:
    """:func:`run_records` over a CSV file's :data:`~srg_rules.records.Batch` es: a readable
    row goes to the compiled functions as its cells, a row with a problem the way
    :func:`run_records` takes it; each batch is written with one ``writerows``, and the
    decisions are counted by :class:`_Tally` (they are shared objects, so there are few).

    A plain batch (only cells) without ``by`` goes through ``map``: the loop over its rows
    is the interpreter's, not Python code, and only the compiled functions run per row."""
    assert records.batches is not None  # the caller checked: a CSV file opened batched
    repeated = DuplicateRows(unique)
    compiled = by_position(records.columns, repeated.fields)
    decide, keys = compiled.decide, compiled.keys
    output = OutputFile(output_path, records, warnings)
    width = len(records.columns)
    # The last column of a name, as the mapping of a row (dict(zip(...))) keeps it.
    position = {name: index for index, name in enumerate(records.columns)}
    kept = [position[name] for name in output.columns]
    whole = kept == list(range(width))
    grouped = [position.get(name) for name in by]
    added: dict[int, tuple[Decision, list[str]]] = {}  # id of a decision -> its cells
    added_cells: dict[int, list[str]] = {}  # the same, only the cells
    duplicates: dict[tuple[int, tuple[str, ...]], tuple[Decision, Decision]] = {}
    summary = Summary().grouped_by(by)
    tally = _Tally(summary)
    lines = estimated_lines(records.path) if progress is not None else 1
    reported = 0
    read = 0

    def cells_of(decision: Decision) -> list[str]:
        found = added.get(id(decision))
        if found is not None:
            return found[1]
        cells = [decision.status.value, decision.type or "", REASON_SEPARATOR.join(decision.reasons),
                 *((REASON_SEPARATOR.join(decision.warnings),) if warnings else ())]
        if len(added) < _DECISION_MEMO:
            added[id(decision)] = (decision, cells)  # kept alive, so its id stays its own
            added_cells[id(decision)] = cells
        return cells

    def duplicated(decision: Decision, reasons: tuple[str, ...]) -> Decision:
        key = (id(decision), reasons)
        found = duplicates.get(key)
        if found is not None:
            return found[1]
        rejected = with_duplicates(decision, reasons)
        if len(duplicates) < _DECISION_MEMO:
            duplicates[key] = (decision, rejected)
        return rejected

    def plain(batch: list[list[str]], start: int) -> tuple[list[Decision], list[list[str]]]:
        decisions = list(map(decide, batch))
        for at in repeated.between(start, start + len(batch)):
            decisions[at - start] = duplicated(decisions[at - start], repeated.reasons_at(at))
        if not whole:
            batch = [[cells[index] for index in kept] for cells in batch]
        # The cells of decisions seen before, looked up without a call; the rest made.
        known = list(map(added_cells.get, map(id, decisions)))
        for index in itertools.compress(range(len(known)),
                                        map(operator.is_, known, itertools.repeat(None))):
            known[index] = cells_of(decisions[index])
        return decisions, list(map(list.__add__, batch, cast("list[list[str]]", known)))

    def by_row(batch: Batch, start: int) -> tuple[list[Decision], list[list[str]]]:
        decisions: list[Decision] = []
        rows: list[list[str]] = []
        for at, item in enumerate(batch, start):
            if item.__class__ is list:
                cells = item
                decision = decide(cells)
                if repeated:
                    reasons = repeated.reasons_at(at)
                    if reasons:
                        decision = duplicated(decision, reasons)
                if by:
                    summary.group([group_text(None if index is None else cells[index])
                                   for index in grouped]).add(decision)
                rows.append((cells if whole else [cells[index] for index in kept])
                            + cells_of(decision))
            else:
                row: Row = item  # type: ignore[assignment]
                if row.swallowed and not allow_malformed:
                    raise InputError(swallowed_message(records.path, row))
                if malformed is not None:
                    malformed(records.path, row)
                decision = MALFORMED
                if by:
                    summary.group([group_text(row.values.get(name)) for name in by]).add(decision)
                rows.append([row.values.get(column, "") for column in output.columns]
                            + cells_of(decision))
            decisions.append(decision)
        return decisions, rows

    try:
        with collector.paused():
            if repeated:
                # The first pass: every row's key read before the first decision, the rows
                # of a key read twice remembered by position (the second pass reads the
                # file again in the same order, so it reads no key).
                first_row = 0
                for clean, batch in open_input(input_path, fields, encoding,
                                               batched=True).batches or ():
                    if clean:
                        repeated.add_many(list(map(keys, cast("list[list[str]]", batch))),
                                          first_row)
                    else:
                        for index, item in enumerate(batch, first_row):
                            if item.__class__ is list:
                                repeated.add(keys(item), index)
                    first_row += len(batch)
            if replaced is not None and output.replaced:
                replaced(output.replaced)
            for clean, batch in records.batches:
                decisions, rows = (plain(cast("list[list[str]]", batch), read)
                                   if clean and not by else by_row(batch, read))
                output.write_rows(rows)
                tally.add(decisions)
                read += len(batch)
                if progress is not None and read - reported >= PROGRESS_EVERY:
                    reported = read - read % PROGRESS_EVERY
                    # A batch knows its rows, not its lines: a row is a line, after the header.
                    progress(min((read + 1) / lines, 0.999), read)
        tally.flush()
        if read != summary.records:
            raise InputError(_("{read} records were read but {decided} decided; nothing was "
                               "written (please report this as a bug)").format(
                                 read=read, decided=summary.records))
        output.commit()
    except BaseException:
        output.discard()
        raise
    return summary


class _Tally:
    """The counts of a batched run's decisions, added to the summary per distinct decision
    rather than per batch (adding a batch's dozen decisions one by one took 3% of a run):
    the decisions' ids are counted in C (``Counter.update``), and each distinct decision goes
    to :meth:`Summary.add_counted` once with its number, in the order first seen, so the
    summary has the same counts in the same first-seen order as adding them one by one. The
    counted decisions are kept alive, so that an id stays its own; :meth:`flush` empties it,
    when it holds more than ``_DECISION_MEMO`` of them (decisions all different) and at the
    end."""

    def __init__(self, summary: Summary):
        self.summary = summary
        self.counts: Counter[int] = Counter()
        self.decisions: dict[int, Decision] = {}

    def add(self, decisions: list[Decision]) -> None:
        ids = list(map(id, decisions))
        self.counts.update(ids)
        if len(self.counts) != len(self.decisions):  # a decision not counted before
            self.decisions.update(zip(ids, decisions))
        if len(self.decisions) > _DECISION_MEMO:
            self.flush()

    def flush(self) -> None:
        for key, count in self.counts.items():
            decision = self.decisions[key]
            self.summary.add_counted(decision.status.value, decision.type, decision.reasons,
                                     count, decision.warnings)
        self.counts.clear()
        self.decisions.clear()


def _write_all(output: OutputFile, decided: Iterable[tuple[Row, Decision]],
               by: Sequence[str] = (), read: Callable[[], int] | None = None) -> Summary:
    """Write and count every decided row (per group of ``by`` too), then commit the output;
    on any error or an interrupt, discard it instead. ``read`` tells how many records the
    reader gave: the run refuses to finish when the rows written are not as many."""
    summary = Summary().grouped_by(by)
    try:
        for row, decision in decided:
            output.write(row, decision)
            summary.add(decision)
            if by:
                summary.group([group_text(row.values.get(name)) for name in by]).add(decision)
        if read is not None and read() != summary.records:
            raise InputError(_("{read} records were read but {decided} decided; nothing was "
                               "written (please report this as a bug)").format(
                                 read=read(), decided=summary.records))
        output.commit()
    except BaseException:
        output.discard()
        raise
    return summary


def _read(records: RecordFile, progress: Progress | None) -> Iterator[Row]:
    """The file's rows, reporting to ``progress`` as they are read (after each
    :data:`PROGRESS_EVERY`-th row has been handled)."""
    if progress is None:
        return records.rows  # no per-row bookkeeping when no one is told
    return _reporting(records, progress)


def _reporting(records: RecordFile, progress: Progress) -> Iterator[Row]:
    lines = estimated_lines(records.path)
    for count, row in enumerate(records.rows, start=1):
        yield row
        if count % PROGRESS_EVERY == 0:
            progress(min(row.line / lines, 0.999), count)


def estimated_lines(path: Path) -> int:
    """The number of lines of a file, estimated from its size and its first megabyte: a
    reader reports the line it reached, not the bytes."""
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    return max(1, int(path.stat().st_size * max(1, sample.count(b"\n")) / max(1, len(sample))))


class TerminalProgress:
    """A progress hook drawing a one-line bar on a stream (standard error).

    It takes the share done and, when a row-by-row run gives it, the rows read
    (``[####    ]  12.0%  150,000 records``; without a count the bar says ``deciding``). It
    never goes back (a run's stages report from 0 each), is redrawn only when its text
    changes, and :meth:`clear` removes it; several threads may report to it.
    """

    def __init__(self, stream: Any):
        self._stream = stream
        self._shown = ""
        self._share = 0.0
        self._lock = threading.Lock()

    @classmethod
    def on_stderr(cls) -> TerminalProgress | None:
        """A bar on standard error when it is a terminal, else None."""
        stream = sys.stderr
        try:
            terminal = stream is not None and stream.isatty()
        except (AttributeError, ValueError):  # replaced or closed by the caller
            terminal = False
        return cls(stream) if terminal else None

    def __call__(self, fraction: float, rows: int | None = None) -> None:
        with self._lock:
            share = self._share = min(max(fraction, self._share), 1.0)
            what = "deciding" if rows is None else f"{rows:,} records"
            text = f"\r  [{'#' * int(30 * share):<30}] {100 * share:5.1f}%  {what}"
            if text == self._shown:
                return
            self._stream.write(text)
            self._stream.flush()
            self._shown = text

    def clear(self) -> None:
        with self._lock:
            if self._shown:
                self._stream.write("\r" + " " * (len(self._shown) - 1) + "\r")
                self._stream.flush()
                self._shown = ""
