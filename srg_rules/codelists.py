"""Code lists from data: the CSV file of ``code from "gemeenten.csv"`` -> code entries.

Place in the pipeline: called by :mod:`srg_rules.link`, which finds the file the way it finds
a ``use``d rulebook (relative to the file that declares the field) and puts the entries this
module reads into the field's :class:`ast.TypeSpec`. Input: the path as diagnostics show it and
the span of the quoted path in the rulebook. Output: :class:`ast.CodeEntry` nodes whose spans
point into the CSV file (so that the checker's diagnostics about a value, such as a duplicate
or an empty period, name the CSV file, line and column), and the diagnostics of reading.

The file (see docs/language.md, "Code lists from a file"):

- UTF-8 text (a byte order mark is allowed), comma- or semicolon-separated like record files:
  the header line decides, ``;`` when it holds more semicolons than commas;
- lines at the top that start with ``#``, and blank lines, are comments: a place to say what
  the list covers and where it comes from;
- the header names the columns: ``code`` (required), ``label``, ``valid_from`` and
  ``valid_until`` (optional, in any order); any other column is an error, so that a misspelt
  ``valid_untill`` cannot silently drop the periods;
- one row per code (blank lines are skipped); a cell may be quoted (``"Nuenen, Gerwen en
  Nederwetten"``) and is read without surrounding spaces; dates are ``YYYY-MM-DD``, both ends
  inclusive, an empty cell being an open end.

Every problem is a diagnostic at its place in the CSV file (the cell where there is one), with
a note pointing at the ``code from`` that reads it; a file that cannot be found or read is one
at the quoted path. Reading stops at nothing but a missing file or a header without ``code``:
every bad row is reported.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from pathlib import Path

from . import ast
from .diagnostics import Diagnostic, did_you_mean
from .source import SourceFile, Span
from .i18n import gettext as _

__all__ = ["COLUMNS", "read_code_list"]

#: The columns a code list file may have; ``code`` is the one it must have.
COLUMNS = ("code", "label", "valid_from", "valid_until")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Cell = tuple[str, int, int]  # the cell's text (unquoted, stripped) and its offsets in the file


def read_code_list(shown: str, where: Span, relative_to: str
                   ) -> tuple[tuple[ast.CodeEntry, ...] | None, list[Diagnostic]]:
    """The entries of the code list file at ``shown``, and what is wrong with it.

    Args:
        shown: the file's path as diagnostics show it (resolved like a ``use``).
        where: the quoted path in the rulebook; a missing file is reported there, and every
            other diagnostic points back at it.
        relative_to: what the path is relative to, for the help of a missing file.

    Returns:
        The entries (None when the file could not be read or has no ``code`` column) and the
        diagnostics; entries with a problem are left out.

    >>> where = Span(SourceFile("<string>", 'field m: code from "no/such.csv"'), 19, 32)
    >>> read_code_list("no/such.csv", where, "the current directory")[1][0].code
    'code_list_not_found'
    """
    path = Path(shown)
    try:
        is_file, is_dir = path.is_file(), path.is_dir()
    except (OSError, ValueError):  # a name too long for the system, a NUL character
        is_file, is_dir = False, False
    if not is_file:
        message = (_("'{path}': is a directory, not a code list file") if is_dir
                   else _("'{path}': no such code list file")).format(path=shown)
        return None, [Diagnostic(
            "code_list_not_found", message, where,
            help=_("the path is relative to {relative_to}").format(relative_to=relative_to),
        )]
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Diagnostic(
            "code_list_not_found", _("'{shown}' cannot be read ({value})").format(
                                       shown=shown, value=error.strerror or error), where)]
    reader = _Reader(shown, where)
    entries = reader.read(data)
    return entries, reader.diagnostics


class _Reader:
    def __init__(self, shown: str, where: Span):
        self.shown = shown
        self.where = where
        self.diagnostics: list[Diagnostic] = []

    def report(self, code: str, message: str, span: Span, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help=help,
                                           related=((_("the code list of this field"), self.where),)))

    def read(self, data: bytes) -> tuple[ast.CodeEntry, ...] | None:
        text = self._decode(data)
        if text is None:
            return None
        source = SourceFile(self.shown, text)
        lines = _lines(text)
        header = next(((start, end) for start, end in lines
                       if text[start:end].strip() and not text[start:end].lstrip().startswith("#")),
                      None)
        if header is None:
            self.report("code_list_header", _("the code list file has no header line"),
                        Span(source, len(text), len(text)),
                        _("start with a line naming the columns, e.g. "
                          "code;label;valid_from;valid_until"))
            return None
        line = text[header[0]:header[1]]
        delimiter = ";" if line.count(";") > line.count(",") else ","
        columns = self._columns(source, self._cells(source, header, delimiter))
        if columns is None:
            return None
        entries: list[ast.CodeEntry] = []
        for start, end in lines:
            if start <= header[0] or not text[start:end].strip():
                continue
            cells = self._cells(source, (start, end), delimiter)
            if cells is None:
                continue
            if len(cells) != len(columns):
                self.report(
                    "code_list_row", _("this row has {count} values, but the header names "
                                       "{count2} columns ({items})").format(
                                         count=len(cells), count2=len(columns),
                                         items=', '.join(columns)), Span(source, start, end),
                    _("give every row one value per column; quote a value that holds the "
                      "separator '{delimiter}'").format(
                        delimiter=delimiter),
                )
                continue
            entry = self._entry(source, dict(zip(columns, cells)), Span(source, start, end))
            if entry is not None:
                entries.append(entry)
        if not entries and not self.diagnostics:
            self.report("code_list_row", _("the code list file lists no codes"),
                        Span(source, header[0], header[1]), _("add a row per code under the "
                                                              "header"))
        return tuple(entries) if entries else None

    def _decode(self, data: bytes) -> str | None:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            good = data[: error.start].decode("utf-8-sig", errors="replace")
            text = good + data[error.start:].decode("utf-8", errors="replace")
            self.report("encoding", _("byte 0x{data:02x} is not UTF-8 text").format(
                                        data=data[error.start]),
                        Span(SourceFile(self.shown, text), len(good), len(good) + 1),
                        _("save the code list as UTF-8"))
            return None

    def _cells(self, source: SourceFile, line: tuple[int, int], delimiter: str
               ) -> list[Cell] | None:
        try:
            return list(_split(source.text, *line, delimiter))
        except _BadQuote as error:
            self.report("code_list_row", error.message, Span(source, error.offset, line[1]),
                        _("close the quote right before the separator; a quote inside a "
                          'quoted value is written twice ("")'))
            return None

    def _columns(self, source: SourceFile, cells: list[Cell] | None) -> list[str] | None:
        if cells is None:
            return None
        names = [name for name, _, _ in cells]
        if "code" not in names:
            first, last = cells[0], cells[-1]
            self.report(
                "code_list_header", _("the code list file has no column 'code'"),
                Span(source, first[1], max(last[2], first[1] + 1)),
                did_you_mean("code", names)
                or next((_("rename the column '{name}' to 'code'").format(name=n) for n in names
                         if "code" in n.lower()), None)
                or _("the header names the columns: code, and optionally label, valid_from, "
                     "valid_until"),
            )
            return None
        ok = True
        for index, (name, start, end) in enumerate(cells):
            span = Span(source, start, max(end, start + 1))
            if name not in COLUMNS:
                self.report(
                    "code_list_header", _("'{name}' is not a column of a code list").format(
                                            name=name), span,
                    did_you_mean(name, COLUMNS)
                    or _("the columns are ") + ", ".join(COLUMNS) + _("; remove this one"),
                )
                ok = False
            elif name in names[:index]:
                self.report("code_list_header", _("the column '{name}' is named twice").format(
                                                    name=name), span,
                            _("remove one of them"))
                ok = False
        return names if ok else None

    def _entry(self, source: SourceFile, row: dict[str, Cell], line: Span) -> ast.CodeEntry | None:
        code, start, end = row["code"]
        if not code:
            self.report("code_list_row", _("this row has no code"), Span(source, start, max(end, start + 1)),
                        _("fill in the code, or remove the row"))
            return None
        label = row["label"][0] if "label" in row and row["label"][0] else None
        bounds: list[ast.Date | None] = []
        for column in ("valid_from", "valid_until"):
            value, cell_start, cell_end = row.get(column, ("", 0, 0))
            if not value:
                bounds.append(None)
                continue
            span = Span(source, cell_start, cell_end)
            if not _is_day(value):
                self.report(
                    "code_list_date", _("{value!r} in column {column} is not a day written "
                                        "YYYY-MM-DD").format(
                                          value=value, column=column), span,
                    _("write the day as YYYY-MM-DD (e.g. 2019-01-01), or leave the cell "
                      "empty for an open end"),
                )
                return None
            bounds.append(ast.Date(value, span=span))
        start_day, end_day = bounds
        validity = None
        if start_day is not None or end_day is not None:
            spans = [d.span for d in bounds if d is not None and d.span is not None]
            validity = ast.Validity(start_day, end_day, span=spans[0].to(spans[-1]))
        return ast.CodeEntry(ast.Text(code, span=Span(source, start, end)), label, validity,
                             span=line)


def _is_day(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of every line, without its line break."""
    # Only "\n" ends a line (with a "\r" before it dropped), as in SourceFile's positions.
    result, start = [], 0
    for line in text.split("\n"):
        body = line[:-1] if line.endswith("\r") else line
        result.append((start, start + len(body)))
        start += len(line) + 1
    return result


class _BadQuote(Exception):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


def _split(text: str, start: int, end: int, delimiter: str) -> Iterator[Cell]:
    """The cells of one line: quoted as RFC 4180 has it (``""`` inside quotes is a quote),
    each without surrounding spaces, with the offsets of what it holds."""
    position = start
    while True:
        while position < end and text[position] in " \t":
            position += 1
        if position < end and text[position] == '"':
            opening = position
            position += 1
            value = []
            while True:
                if position >= end:
                    raise _BadQuote(_("a quoted value is not closed on its line"), opening)
                if text[position] == '"':
                    if position + 1 < end and text[position + 1] == '"':
                        value.append('"')
                        position += 2
                        continue
                    position += 1
                    break
                value.append(text[position])
                position += 1
            cell_end = position
            while position < end and text[position] in " \t":
                position += 1
            if position < end and text[position] != delimiter:
                raise _BadQuote(_("text follows a quoted value before the separator"), opening)
            yield "".join(value).strip(), opening, cell_end
        else:
            cell_start = position
            # The separator found by str.find, not character by character: a code list of
            # every municipality is read at each start of a run.
            found = text.find(delimiter, position, end)
            position = end if found < 0 else found
            raw = text[cell_start:position]
            stripped = raw.rstrip()
            yield stripped, cell_start, cell_start + len(stripped)
        if position >= end:
            return
        position += 1  # the separator
