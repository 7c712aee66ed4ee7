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
order mark. JSON Lines: one object per line; blank lines are not records. A CSV file opened with
``batched=True`` gives the same records in :data:`Batch` es, a readable one as its list of cells
rather than a :class:`Row` (the run at compiled speed of :mod:`srg_rules.run`).

Output files are written whole or not at all: every writer (:class:`OutputFile` here, the
DuckDB run of :mod:`srg_rules.filerun`) writes to a temporary file beside the target
(:func:`temp_beside`) and moves it into place only when the run succeeded (:func:`publish`);
:func:`replacing` is that frame as a ``with`` block.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeAlias, cast

import attrs

from .diagnostics import did_you_mean
from .decision import Decision
from .i18n import gettext as _
from .leftovers import PARTIAL_SUFFIX, partial_prefix, remove_stale

__all__ = ["BATCH_SIZE", "Batch", "InputError", "MALFORMED_ROW", "OUTPUT_COLUMNS", "PARQUET_SUFFIXES",
           "REASON_SEPARATOR", "RecordFile", "Row",
           "WARNINGS_COLUMN", "close_rows", "open_records", "output_columns", "OutputFile", "publish",
           "replacing", "temp_beside"]

OUTPUT_COLUMNS = ("status", "type", "reasons")
WARNINGS_COLUMN = "warnings"
"""The column after :data:`OUTPUT_COLUMNS` of a run of a rulebook with warn rules."""
MALFORMED_ROW = "malformed_row"
REASON_SEPARATOR = "|"
PARQUET_SUFFIXES = (".parquet", ".pq")
"""The endings of a Parquet file, which only the DuckDB and Spark runs read; named here, with
the other formats, so that choosing a run's engine does not load DuckDB's run (and sqlglot)."""

# A record file rarely has fields this large, but a stray quote can make the csv module read
# the rest of the file into one field; the cap keeps that a malformed row, not a crash.
csv.field_size_limit(16 * 1024 * 1024)  # = _FIELD_LIMIT


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
    swallowed: int = 0
    """Lines after the first that an unclosed quote read into this row (see
    :func:`quote_swallowed`); 0 for an ordinary row."""


Batch: TypeAlias = "list[list[str] | Row]"
"""Records of a CSV file in order, as :func:`open_records` with ``batched=True`` gives them:
a record that :attr:`RecordFile.rows` would give as a :class:`Row` without a problem is its
cells (a ``list`` of ``str``, exactly the header's width); any other (``problem`` set) is
that very :class:`Row`. Blank lines are left out, as from ``rows``."""


@attrs.frozen
class RecordFile:
    path: Path
    format: str  # "csv", "jsonl" or "xlsx" (written as CSV)
    columns: tuple[str, ...]  # the CSV header; for JSON Lines, empty
    delimiter: str = ","
    rows: Iterator[Row] = attrs.field(eq=False, repr=False, default=iter(()))
    batches: Iterator[tuple[bool, Batch]] | None = attrs.field(eq=False, repr=False,
                                                                default=None)
    """Only for a CSV file opened with ``batched=True`` (``rows`` is then empty): the same
    records, in lists (:data:`Batch`), each with whether it is plain (only cells)."""



def _detect_format(path: Path, first_line: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if first_line.lstrip().startswith("{") else "csv"


def close_rows(rows: Iterator[Any]) -> None:
    """Close a record file's rows when only its header was needed. A generator that never
    started does not run its ``with`` on close, so it would keep its file open: it is
    started first. A problem in the first row is left to whoever reads the rows."""
    try:
        next(rows, None)
    except InputError:
        pass
    finally:
        rows.close()  # type: ignore[attr-defined]  # the rows of a record file are a generator


def open_records(path: str | os.PathLike[str], required: Sequence[str] = (),
                 known: Sequence[str] = (), encoding: str = "utf-8",
                 batched: bool = False) -> RecordFile:
    """Open a record file and check its header.

    Args:
        path: a CSV or JSON Lines file.
        required: columns a CSV header must have (the rulebook's non-optional fields).
        known: every field of the rulebook, used to suggest a fix for a misspelt column.
        encoding: the file's text encoding (Python's name for it, e.g. ``cp1252``); a byte
            order mark is skipped in UTF-8 and read in UTF-16.
        batched: a CSV file's records come in :attr:`RecordFile.batches`, without a
            :class:`Row` for each readable one (a row-by-row run at compiled speed).

    Raises:
        InputError: the file is missing, unreadable, empty, not in the encoding (naming the
            physical line and the byte), or lacks columns.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise InputError(_("{path}: is a directory, not a record file").format(path=path))
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _open_excel(path, required, known)
    codec = _codec(encoding)
    try:
        handle = open(path, encoding=codec, newline="")
        first_line = handle.readline()
    except UnicodeDecodeError:
        raise InputError(_encoding_message(path, encoding)) from None
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
        return RecordFile(path, "jsonl", (), rows=_jsonl_rows(path, handle, first_line, encoding))
    delimiter = detect_delimiter(first_line)
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error:
        handle.close()
        raise InputError(_("{path}:1: the first line cannot be read as a CSV header (a value "
                           "longer than {megabytes} MB, or an unclosed quote)\n  help: the first "
                           "line must name the fields, separated by , or ; or a tab").format(
                             path=path, megabytes=_FIELD_LIMIT // (1024 * 1024))) from None
    columns = tuple(column.strip() for column in header)
    try:
        _check_header(path, columns, required, known)
    except InputError:
        handle.close()
        raise
    if batched:
        return RecordFile(path, "csv", columns, delimiter, batches=_csv_batches(
            path, handle, columns, delimiter, encoding, codec))
    return RecordFile(path, "csv", columns, delimiter,
                      rows=_csv_rows(path, handle, columns, delimiter, encoding))


EXCEL_SUFFIXES = (".xlsx", ".xlsm")
"""Excel workbooks, read (the first sheet) through openpyxl, the optional extra ``excel``;
the decided rows are written as CSV."""


def _open_excel(path: Path, required: Sequence[str], known: Sequence[str]) -> RecordFile:
    try:
        import openpyxl
    except ImportError:
        raise InputError(_("{path}: reading Excel files needs openpyxl: pip install "
                           "'srg-rules[excel]' (or save the sheet as CSV UTF-8)").format(
                             path=path)) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
    except Exception as error:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        raise InputError(_("{path}: cannot be read as an Excel workbook ({error})").format(
                             path=path, error=type(error).__name__)) from None
    if header is None or all(cell is None for cell in header):
        book.close()
        raise InputError(_("{path}: the first sheet is empty; expected a header row with the "
                           "field names").format(path=path))
    columns = tuple(_cell_text(cell).strip() for cell in header)
    while columns and not columns[-1]:
        columns = columns[:-1]
    try:
        _check_header(path, columns, required, known)
    except InputError:
        book.close()
        raise
    return RecordFile(path, "xlsx", columns, ",", rows=_excel_rows(book, rows, columns))


def _excel_rows(book: Any, rows: Iterator[tuple[Any, ...]],
                columns: tuple[str, ...]) -> Iterator[Row]:
    width = len(columns)
    number = 0
    try:
        for line, cells in enumerate(rows, start=2):
            values = [_cell_text(cell) for cell in cells]
            while len(values) > width and values[-1] == "":
                values.pop()
            if not any(values):
                continue  # an empty row is not a record
            number += 1
            record = dict(zip(columns, values))
            for column in columns[len(values):]:
                record[column] = ""
            problem = (_values_problem(len(values), width) if len(values) > width else None)
            yield Row(number, line, record, problem)
    finally:
        book.close()


def _cell_text(cell: Any) -> str:
    """A cell as the text a CSV export holds: a date (a date-time at midnight) as
    YYYY-MM-DD, a whole number without ``.0``, nothing as empty."""
    import datetime

    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


DELIMITERS = (",", ";", "\t")
"""The delimiters a CSV file may have; :func:`detect_delimiter` chooses among them."""


def detect_delimiter(header: str) -> str:
    """The delimiter of a CSV file, from its header line: the one of :data:`DELIMITERS` found
    most often outside quotes (comma on a tie or when there is none). Both engines read a file
    with the delimiter this gives."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _codec(encoding: str) -> str:
    """Python's codec for an encoding name: UTF-8 skips a byte order mark."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(_("--encoding {encoding}: not an encoding Python knows; e.g. utf-8, "
                           "cp1252, latin-1, utf-16").format(encoding=encoding)) from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def _check_header(path: Path, columns: tuple[str, ...], required: Sequence[str],
                  known: Sequence[str]) -> None:
    """The header must name every required field, each column once. Its cells are shown in
    a message only when the line is a header (it names a field of the rulebook): a file saved
    without one would otherwise print its first record (a BSN) on the terminal."""
    names_a_field = not known or any(column in known for column in columns)
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            if not names_a_field:
                break
            raise InputError(_("{path}:1: the header names the column '{column}' twice").format(
                path=path, column=column))
        seen.add(column)
    missing = [name for name in required if name not in seen]
    if not missing:
        return
    if not names_a_field:
        raise InputError(
            _("{path}:1: the header lacks {missing} field(s) the rulebook requires: the first "
              "line names none of the rulebook's fields, so the file may have no header (its "
              "{values} value(s) are not shown)\n  help: add a header line naming the columns, "
              "e.g. {example}").format(path=path, missing=len(missing), values=len(columns),
                                       example=_separated(required[:3])))
    lines = [_("{path}:1: the header lacks {missing} field(s) the rulebook requires: "
               "{fields}").format(path=path, missing=len(missing), fields=", ".join(missing))]
    extra = [c for c in columns if c not in known]
    for name in missing:
        hint = did_you_mean(name, extra)
        if hint:
            lines.append("  " + _("help: for '{name}', {hint}").format(name=name, hint=hint))
    lines.append("  " + _("the header has: {columns}").format(
        columns=", ".join(columns) if columns != ("",) else _("(nothing)")))
    raise InputError("\n".join(lines))


def _separated(names: Sequence[str]) -> str:
    return ";".join(names) + (";..." if names else "")


def _encoding_message(path: Path, encoding: str) -> str:
    """Where the file stops being text in ``encoding``: the physical line, the column and the
    byte, found by decoding the file again line by line (the reader decodes in blocks, so the
    error it raised does not know its line)."""
    import codecs

    decoder = codecs.getincrementaldecoder(_codec(encoding))()
    if _codec(encoding) == "utf-8-sig":
        encoding = "UTF-8"
    line = 1
    where = ""
    try:
        with open(path, "rb") as handle:
            for raw in handle:
                try:
                    decoder.decode(raw)
                except UnicodeDecodeError as error:
                    where = _("{path}:{line}: byte {byte} at column {column} is not {encoding} "
                              "text").format(path=path, line=line,
                                             byte=f"0x{raw[error.start]:02x}",
                                             column=error.start + 1, encoding=encoding)
                    break
                line += 1
            else:
                decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        where = _("{path}:{line}: the file ends in the middle of a {encoding} character").format(
            path=path, line=line - 1, encoding=encoding)
    except OSError as error:
        return _("{path}: cannot be read ({strerror})").format(path=path,
                                                              strerror=error.strerror)
    where = where or _("{path}: the file is not {encoding} text").format(path=path,
                                                                        encoding=encoding)
    if _codec(encoding) == "utf-8-sig":
        return _("{where}\n  help: a file from Excel or an older system is often Windows text: "
                 "rerun with --encoding cp1252 (or save it as 'CSV UTF-8')").format(where=where)
    return _("{where}\n  help: name the file's encoding with --encoding (e.g. utf-8, "
             "cp1252)").format(where=where)


_FIELD_LIMIT = 16 * 1024 * 1024


def _csv_rows(path: Path, handle: IO[str], columns: tuple[str, ...], delimiter: str,
              encoding: str = "utf-8") -> Iterator[Row]:
    taken: list[str] = []  # the lines of the record being read, to look at its quotes
    reader = csv.reader(_remembered(handle, taken), delimiter=delimiter)
    number = 0
    line = 2
    width = len(columns)
    try:
        while True:
            start_line = line
            taken.clear()
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                number += 1
                line = reader.line_num + 2
                problem = (_("has a value longer than {megabytes} MB").format(
                               megabytes=_FIELD_LIMIT // (1024 * 1024))
                           if "field limit" in str(error)
                           else _("cannot be read as CSV ({error})").format(error=error))
                yield Row(number, start_line, {}, problem, swallowed=line - start_line - 1)
                continue
            line = reader.line_num + 2
            if not values:  # a blank line is not a record
                continue
            number += 1
            record = dict(zip(columns, values))
            spanned = line - start_line - 1
            # Lines read into a record by a quote that never really closes (the rule in
            # docs/reliability.md); a quoted value holding line breaks is no such quote.
            swallowed = spanned if spanned and _quote_left_open(taken, delimiter) else 0
            if len(values) != width:
                for column in columns[len(values):]:
                    record[column] = ""
                yield Row(number, start_line, record, _values_problem(len(values), width),
                          swallowed=swallowed)
                continue
            if swallowed:
                yield Row(number, start_line, record, _("has a quote that is never closed"),
                          swallowed=swallowed)
                continue
            yield Row(number, start_line, record)
    except UnicodeDecodeError:
        raise InputError(_encoding_message(path, encoding)) from None
    finally:
        handle.close()


BATCH_SIZE = 64
"""Records per :data:`Batch`: enough to spend the time per batch on many rows, few enough
that a batch's cells stay in the processor's cache from reading to writing (2,048 made
reading and writing a file 25% slower than one row at a time; 32 to 128 are the fastest,
measured on 1M rows)."""


def _csv_batches(path: Path, handle: IO[str], columns: tuple[str, ...], delimiter: str,
                 encoding: str, codec: str) -> Iterator[tuple[bool, Batch]]:
    """The records of :func:`_csv_rows`, in batches: the same rows with the same numbers,
    lines and problems, but a readable one only as its cells. Each batch comes with whether
    it is *plain*: only cells, each record one line.

    The csv module reads :data:`BATCH_SIZE` records at a time, with no Python code per
    record or line. A batch whose records are one line each and of the header's width (as
    good as every batch of a delivery) is taken as it is. Any other (a blank line, a row of
    another width, a record spanning lines, a record the csv module refuses) is read again
    from its lines (:class:`_LinesAgain`, a second handle that only moves forward) one
    record at a time by :func:`_batch_by_record`, exactly as :func:`_csv_rows` reads it: a
    batch starts and ends where a record does, so reading its lines anew gives the same
    records."""
    reader = csv.reader(handle, delimiter=delimiter)
    width = len(columns)
    number = 0
    start = 2  # the line the next batch starts on
    again = _LinesAgain(path, codec)
    try:
        while True:
            try:
                plain: list[list[str]] | None = list(itertools.islice(reader, BATCH_SIZE))
            except csv.Error:
                plain = None  # a record of these lines is refused: read them one by one
            end = reader.line_num + 2
            if plain is not None:
                if not plain:
                    break
                if end - start == len(plain) and all(map(width.__eq__, map(len, plain))):
                    number += len(plain)
                    start = end
                    yield True, cast(Batch, plain)
                    continue
            batch, number = _batch_by_record(again.lines(start, end), start, columns,
                                             delimiter, number)
            start = end
            if batch:
                yield False, batch
    except UnicodeDecodeError:
        raise InputError(_encoding_message(path, encoding)) from None
    finally:
        handle.close()
        again.close()


def _batch_by_record(lines: list[str], first: int, columns: tuple[str, ...], delimiter: str,
                     number: int) -> tuple[Batch, int]:
    """The records of ``lines`` (the first is line ``first`` of the file; ``number`` records
    came before them) as :func:`_csv_rows` makes them, and the number of the last."""
    reader = csv.reader(lines, delimiter=delimiter)
    width = len(columns)
    batch: Batch = []
    start = first
    while True:
        try:
            for values in reader:
                end = reader.line_num + first
                if values:
                    number += 1
                    batch.append(values if end - start == 1 and len(values) == width else
                                 _odd_row(values, columns, number, start, end, delimiter,
                                          lines[start - first:end - first]))
                start = end
            break
        except csv.Error as error:
            number += 1
            end = reader.line_num + first
            problem = (_("has a value longer than {megabytes} MB").format(
                           megabytes=_FIELD_LIMIT // (1024 * 1024))
                       if "field limit" in str(error)
                       else _("cannot be read as CSV ({error})").format(error=error))
            batch.append(Row(number, start, {}, problem, swallowed=end - start - 1))
            start = end
    return batch, number


def _odd_row(values: list[str], columns: tuple[str, ...], number: int, start: int, end: int,
             delimiter: str, taken: list[str]) -> list[str] | Row:
    """A record of the wrong width or spanning lines (``taken``), as :func:`_csv_rows`
    makes it."""
    width = len(columns)
    spanned = end - start - 1
    swallowed = spanned if spanned and _quote_left_open(taken, delimiter) else 0
    if len(values) != width:
        record = dict(zip(columns, values))
        for column in columns[len(values):]:
            record[column] = ""
        return Row(number, start, record, _values_problem(len(values), width),
                   swallowed=swallowed)
    if swallowed:
        return Row(number, start, dict(zip(columns, values)),
                   _("has a quote that is never closed"), swallowed=swallowed)
    return values


class _LinesAgain:
    """Physical lines of a file read a second time, in order (for a record's quotes)."""

    def __init__(self, path: Path, encoding: str):
        self._path = path
        self._encoding = encoding
        self._handle: IO[str] | None = None
        self._next = 1  # the number of the line the handle gives next

    def lines(self, start: int, end: int) -> list[str]:
        """Lines ``start`` to ``end - 1`` (1-based); each call asks for later lines."""
        if self._handle is None:
            self._handle = open(self._path, encoding=self._encoding, newline="")
        skip = start - self._next
        next(itertools.islice(self._handle, skip, skip), None)  # skipped at C speed
        self._next = end
        return list(itertools.islice(self._handle, end - start))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _remembered(lines: Iterable[str], taken: list[str]) -> Iterator[str]:
    """The lines, each also appended to ``taken`` (which the caller clears per record)."""
    for text in lines:
        taken.append(text)
        yield text


def _quote_left_open(lines: list[str], delimiter: str) -> bool:
    """Whether a record's lines hold a quote that does not close as a quote must: before the
    file ends, followed by the delimiter or the line's end. A quote left open swallows lines
    until the file ends, or until the next quote in the file, which opens a later value and so
    is followed by its text. The csv module's strict mode refuses exactly these two."""
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


_MAX_JSON_DEPTH = 100


def _nesting_problem() -> str:
    return _("nests deeper than {levels} levels").format(levels=_MAX_JSON_DEPTH)


def _values_problem(values: int, width: int) -> str:
    """What is wrong with a row of ``values`` cells under a header of ``width`` columns."""
    return _("has {values} values where the header has {width}").format(values=values,
                                                                         width=width)


def _jsonl_rows(path: Path, handle: IO[str], first_line: str,
                encoding: str = "utf-8") -> Iterator[Row]:
    number = 0
    try:
        lines = _chain_first(first_line, handle)
        for line_number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            number += 1
            problem = _json_shape(text)
            if problem is None:
                try:
                    value = json.loads(text)
                except json.JSONDecodeError as error:
                    problem = _("is not valid JSON ({error} at column {column})").format(
                        error=error.msg, column=error.colno)
                except ValueError:  # an integer over Python's 4,300 digits
                    problem = _("holds a number too long to read")
                except RecursionError:
                    problem = _nesting_problem()
                else:
                    if not isinstance(value, dict):
                        problem = _("is a JSON {kind}, not an object").format(
                            kind=type(value).__name__)
                    elif "\\u" in text.lower() and _has_lone_surrogate(value):
                        problem = _("holds a lone surrogate (\\ud800 to \\udfff), which is not "
                                    "text")
            if problem is not None:
                yield Row(number, line_number, {"_line": text.rstrip("\r\n")}, problem)
                continue
            yield Row(number, line_number, value)
    except UnicodeDecodeError:
        raise InputError(_encoding_message(path, encoding)) from None
    finally:
        handle.close()


def _json_shape(text: str) -> str | None:
    """A problem seen before parsing: nesting deeper than :data:`_MAX_JSON_DEPTH` (counted
    outside strings), which would exhaust Python's stack."""
    if text.count("[") + text.count("{") <= _MAX_JSON_DEPTH:
        return None
    depth = 0
    quoted = escaped = False
    for char in text:
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            if depth > _MAX_JSON_DEPTH:
                return _nesting_problem()
        elif char in "]}":
            depth -= 1
    return None


def _has_lone_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


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
        if self._format == "xlsx" and self._target is not None and \
                self._target.suffix.lower() in EXCEL_SUFFIXES:
            raise InputError(_("{target}: the decisions of an Excel file are written as CSV; "
                               "name the output .csv").format(target=self._target))
        if self._target is not None:
            self._temp: Path | None = temp_beside(self._target)
            self._handle: IO[str] = open(self._temp, "w", encoding="utf-8", newline="")
        else:
            self._temp = None
            self._handle = sys.stdout
        if self._format in ("csv", "xlsx"):
            kept = tuple(c for c in records.columns if c not in added)
            self.replaced = tuple(c for c in records.columns if c in added)
            self._columns = kept
            self.columns = kept
            # CRLF, as RFC 4180 and spreadsheets have it; it also makes the csv module quote
            # a value holding a bare CR, so that the output reads back row for row.
            self._writer = csv.writer(self._handle, delimiter=records.delimiter,
                                      lineterminator="\r\n")
            self._writer.writerow([*kept, *added])
        else:
            self.replaced = ()
            self.columns = ()

    columns: tuple[str, ...]
    """The input's columns a CSV output keeps, in order, before :func:`output_columns`
    (those columns of the input the decisions replace are left out)."""

    def write_rows(self, rows: Iterable[Sequence[str]]) -> None:
        """Write CSV rows made whole by the caller: the values of :attr:`columns`, then those
        of :func:`output_columns`, as :meth:`write` writes them (a run of many rows at once)."""
        try:
            self._writer.writerows(rows)
        except OSError as error:  # a full disk, a file system gone read-only
            raise InputError(_("{target}: cannot be written ({error}); nothing was "
                               "written").format(target=self._target or "<stdout>",
                                                 error=error.strerror or error)) from None

    def write(self, row: Row, decision: Decision) -> None:
        try:
            self._write(row, decision)
        except OSError as error:  # a full disk, a file system gone read-only
            raise InputError(_("{target}: cannot be written ({error}); nothing was "
                               "written").format(target=self._target or "<stdout>",
                                                 error=error.strerror or error)) from None

    def _write(self, row: Row, decision: Decision) -> None:
        reasons = decision.reasons
        if self._format in ("csv", "xlsx"):
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
        try:
            if self._temp is None:
                self._handle.flush()
                return
            self._handle.close()
            assert self._target is not None  # a temporary file is made only beside a target
            publish(self._temp, self._target)
        except OSError as error:
            raise InputError(_("{target}: cannot be written ({error}); nothing was "
                               "written").format(target=self._target or "<stdout>",
                                                 error=error.strerror or error)) from None
        self._temp = None

    def discard(self) -> None:
        if self._temp is None:
            return
        try:
            self._handle.close()
        except OSError:
            pass  # the close flushes, and that is what failed (a full disk)
        self._temp.unlink(missing_ok=True)
        self._temp = None


def temp_beside(target: str | os.PathLike[str]) -> Path:
    """A new, empty temporary file in the target's folder (so that :func:`publish` is one
    rename on the same file system), named after the target and the process writing it and
    ending in ``.partial``, readable by its owner only (mode 0600: it holds records).

    Stale temporary files of the same target, left by a run that was killed (SIGKILL, a
    power cut), are removed first (:func:`srg_rules.leftovers.remove_stale`).

    Raises:
        InputError: the target's folder does not exist or cannot be written.
    """
    target = Path(target)
    directory = target.resolve().parent
    if not directory.is_dir():
        raise InputError(_("{target}: the folder {directory} does not exist").format(
            target=target, directory=directory))
    remove_stale(directory, target.name)
    try:
        fd, name = tempfile.mkstemp(prefix=partial_prefix(target.name),
                                    suffix=PARTIAL_SUFFIX, dir=directory)
    except OSError as error:
        raise InputError(_("{target}: cannot be written ({strerror})").format(
            target=target, strerror=error.strerror)) from None
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
