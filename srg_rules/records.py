"""Record files: reading provision records from CSV or JSON Lines, and writing decisions back.

Input: a path. Output: an iterator of :class:`Row` (every physical record of the file, in
order, each with its 1-based row number) and a writer that adds ``status``, ``type`` and
``reasons`` to every row in the same format as the input, and ``warnings`` after them for a
rulebook with warn rules (the ids of the warn rules a record matches, joined as the reasons
are; empty for none).

Invariants: no row is ever skipped. A row that cannot be read as a record (a CSV line with the
wrong number of values, a JSON line that is not an object) is a :class:`Row` with ``problem``
set, which the caller rejects with reason ``malformed_row``. Problems with the file as a whole
(missing, empty, not UTF-8, a header without the declared fields) raise :class:`InputError`,
whose message names the file and, where it can, the line.

CSV: comma or semicolon separated (taken from the header line), UTF-8 with or without a byte
order mark. JSON Lines: one object per line; blank lines are not records.

Output files are written whole or not at all: every writer (:class:`OutputFile` here, the
DuckDB run of :mod:`srg_rules.filerun`) writes to a temporary file beside the target
(:func:`temp_beside`) and moves it into place only when the run succeeded (:func:`publish`);
:func:`replacing` is that frame as a ``with`` block.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import attrs

from .diagnostics import did_you_mean
from .decision import Decision
from .i18n import gettext as _

__all__ = ["InputError", "MALFORMED_ROW", "OUTPUT_COLUMNS", "REASON_SEPARATOR", "RecordFile", "Row",
           "WARNINGS_COLUMN", "open_records", "output_columns", "OutputFile", "publish",
           "replacing", "temp_beside"]

OUTPUT_COLUMNS = ("status", "type", "reasons")
WARNINGS_COLUMN = "warnings"
"""The column after :data:`OUTPUT_COLUMNS` of a run of a rulebook with warn rules."""
MALFORMED_ROW = "malformed_row"
REASON_SEPARATOR = "|"

# A record file rarely has fields this large, but a stray quote can make the csv module read
# the rest of the file into one field; the cap keeps that a malformed row, not a crash.
csv.field_size_limit(16 * 1024 * 1024)


def output_columns(warnings: bool = False) -> tuple[str, ...]:
    """The columns a run adds: :data:`OUTPUT_COLUMNS`, and :data:`WARNINGS_COLUMN` when the
    rulebook has warn rules."""
    return (*OUTPUT_COLUMNS, WARNINGS_COLUMN) if warnings else OUTPUT_COLUMNS


class InputError(Exception):
    """A record file that cannot be read at all; ``str()`` is the message for the user."""


@attrs.frozen
class Row:
    """One record of a file: its 1-based number, the line it starts on, and its values.

    ``problem`` is set (and ``values`` may be partial) when the row could not be read as a
    record; such a row is rejected, never dropped.
    """

    number: int
    line: int
    values: dict[str, Any]
    problem: str | None = None


@attrs.frozen
class RecordFile:
    path: Path
    format: str  # "csv" or "jsonl"
    columns: tuple[str, ...]  # the CSV header; for JSON Lines, empty
    delimiter: str = ","
    rows: Iterator[Row] = attrs.field(eq=False, repr=False, default=iter(()))


def _detect_format(path: Path, first_line: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if first_line.lstrip().startswith("{") else "csv"


def open_records(path: str | os.PathLike[str], required: Sequence[str] = (),
                 known: Sequence[str] = ()) -> RecordFile:
    """Open a record file and check its header.

    Args:
        path: a CSV or JSON Lines file.
        required: columns a CSV header must have (the rulebook's non-optional fields).
        known: every field of the rulebook, used to suggest a fix for a misspelt column.

    Raises:
        InputError: the file is missing, unreadable, empty, not UTF-8, or lacks columns.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise InputError(_("{path}: is a directory, not a record file").format(path=path))
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
        first_line = handle.readline()
    except UnicodeDecodeError as error:
        raise InputError(_encoding_message(path, 1, error)) from None
    except OSError as error:
        raise InputError(_("{path}: cannot be read ({strerror})").format(
                             path=path, strerror=error.strerror)) from None
    if not first_line.strip():
        handle.close()
        raise InputError(_("{path}: the file is empty; expected a header line with the field "
                           "names").format(
                             path=path)
                         if path.suffix.lower() != ".jsonl" else _("{path}: the file is empty").format(
                                                                     path=path))
    kind = _detect_format(path, first_line)
    if kind == "jsonl":
        return RecordFile(path, "jsonl", (), rows=_jsonl_rows(path, handle, first_line))
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    header = next(csv.reader([first_line], delimiter=delimiter))
    columns = tuple(column.strip() for column in header)
    _check_header(path, columns, required, known)
    return RecordFile(path, "csv", columns, delimiter, rows=_csv_rows(path, handle, columns, delimiter))


def _check_header(path: Path, columns: tuple[str, ...], required: Sequence[str],
                  known: Sequence[str]) -> None:
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise InputError(_("{path}:1: the header names the column '{column}' twice").format(
                                 path=path, column=column))
        seen.add(column)
    missing = [name for name in required if name not in seen]
    if not missing:
        return
    lines = [_("{path}:1: the header lacks {count} field(s) the rulebook requires: {fields}").format(
        path=path, count=len(missing), fields=", ".join(missing))]
    extra = [c for c in columns if c not in known]
    for name in missing:
        hint = did_you_mean(name, extra)
        if hint:
            lines.append("  " + _("help: for '{name}', {hint}").format(name=name, hint=hint))
    lines.append("  " + _("the header has: {columns}").format(
        columns=", ".join(columns) if columns != ("",) else _("(nothing)")))
    raise InputError("\n".join(lines))


def _encoding_message(path: Path, line: int, error: UnicodeDecodeError) -> str:
    return (_("{path}:{line}: the file is not UTF-8 text (byte 0x{byte:02x})").format(
        path=path, line=line, byte=error.object[error.start]) + "\n  " + _(
        "help: save it as UTF-8 (in Excel: 'CSV UTF-8'), or convert it, e.g. iconv -f latin1 "
        "-t utf-8"))


def _csv_rows(path: Path, handle: IO[str], columns: tuple[str, ...], delimiter: str) -> Iterator[Row]:
    reader = csv.reader(handle, delimiter=delimiter)
    number = 0
    line = 2
    width = len(columns)
    try:
        while True:
            start_line = line
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                number += 1
                line = reader.line_num + 2
                yield Row(number, start_line, {},
                          _("cannot be read as CSV ({error})").format(error=error))
                continue
            line = reader.line_num + 2
            if not values:  # a blank line is not a record
                continue
            number += 1
            record = dict(zip(columns, values))
            if len(values) != width:
                for column in columns[len(values):]:
                    record[column] = ""
                yield Row(number, start_line, record,
                          _("has {count} values where the header has {width}").format(
                              count=len(values), width=width))
                continue
            yield Row(number, start_line, record)
    except UnicodeDecodeError as error:
        raise InputError(_encoding_message(path, line, error)) from None
    finally:
        handle.close()


def _jsonl_rows(path: Path, handle: IO[str], first_line: str) -> Iterator[Row]:
    number = 0
    try:
        lines = _chain_first(first_line, handle)
        for line_number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            number += 1
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield Row(number, line_number, {"_line": text.rstrip("\r\n")},
                          _("is not valid JSON ({problem} at column {column})").format(
                              problem=error.msg, column=error.colno))
                continue
            if not isinstance(value, dict):
                yield Row(number, line_number, {"_line": text.rstrip("\r\n")},
                          _("is a JSON {kind}, not an object").format(kind=type(value).__name__))
                continue
            yield Row(number, line_number, value)
    except UnicodeDecodeError as error:
        raise InputError(_encoding_message(path, number + 1, error)) from None
    finally:
        handle.close()


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


class OutputFile:
    """Writes decided rows in the input's format to a temporary file beside the target, and
    moves it into place only on :meth:`commit`; an interrupted run leaves no file that looks
    complete. ``path`` None writes to standard output. ``warnings``: the rulebook has warn
    rules, so every row gets a ``warnings`` column (a JSON line a ``warnings`` list)."""

    def __init__(self, path: str | os.PathLike[str] | None, records: RecordFile,
                 warnings: bool = False):
        self._format = records.format
        self._warnings = warnings
        added = output_columns(warnings)
        self._target = Path(path) if path is not None else None
        if self._target is not None:
            self._temp: Path | None = temp_beside(self._target)
            self._handle: IO[str] = open(self._temp, "w", encoding="utf-8", newline="")
        else:
            self._temp = None
            self._handle = sys.stdout
        if self._format == "csv":
            kept = tuple(c for c in records.columns if c not in added)
            self.replaced = tuple(c for c in records.columns if c in added)
            self._columns = kept
            # CRLF, as RFC 4180 and spreadsheets have it; it also makes the csv module quote
            # a value holding a bare CR, so that the output reads back row for row.
            self._writer = csv.writer(self._handle, delimiter=records.delimiter,
                                      lineterminator="\r\n")
            self._writer.writerow([*kept, *added])
        else:
            self.replaced = ()

    def write(self, row: Row, decision: Decision) -> None:
        reasons = decision.reasons
        if self._format == "csv":
            values = row.values
            self._writer.writerow([
                *(values.get(column, "") for column in self._columns),
                decision.status.value, decision.type or "", REASON_SEPARATOR.join(reasons),
                *((REASON_SEPARATOR.join(decision.warnings),) if self._warnings else ()),
            ])
        else:
            record = dict(row.values)
            record.update(status=decision.status.value, type=decision.type, reasons=list(reasons))
            if self._warnings:
                record[WARNINGS_COLUMN] = list(decision.warnings)
            self._handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def commit(self) -> None:
        if self._temp is None:
            self._handle.flush()
            return
        self._handle.close()
        publish(self._temp, self._target)
        self._temp = None

    def discard(self) -> None:
        if self._temp is None:
            return
        self._handle.close()
        self._temp.unlink(missing_ok=True)
        self._temp = None


def temp_beside(target: str | os.PathLike[str]) -> Path:
    """A new, empty temporary file in the target's folder (so that :func:`publish` is one
    rename on the same file system), named after the target and ending in ``.partial``.

    Raises:
        InputError: the target's folder does not exist.
    """
    target = Path(target)
    directory = target.resolve().parent
    if not directory.is_dir():
        raise InputError(_("{target}: the folder {directory} does not exist").format(
                             target=target, directory=directory))
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=directory)
    os.close(fd)
    return Path(name)


def publish(temp: Path, target: str | os.PathLike[str]) -> None:
    """Move a finished temporary file into place, replacing the target in one step."""
    # mkstemp makes the file private; the output is an ordinary file like any other.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, target)


@contextmanager
def replacing(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary file beside ``target`` for the block to write; it replaces the target when
    the block ends normally and is removed when it raises (an interrupt included), so no file
    that looks complete but is not ever appears."""
    temp = temp_beside(target)
    try:
        yield temp
        publish(temp, target)
    finally:
        temp.unlink(missing_ok=True)
