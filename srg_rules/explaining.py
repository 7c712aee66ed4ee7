"""``srg-rules explain``: which record to explain, and how it is shown.

Place in the pipeline: a surface beside :mod:`srg_rules.cli` (which parses the arguments and
loads the rulebook). Input: the command's arguments: a record as JSON (``--record``), or a file
with ``--row N`` or ``--id VALUE`` (the rulebook's identifier field). Output: the short form with
near-misses (:meth:`srg_rules.explain.Explanation.short`), ``--full`` the trace, or
``--format json`` one document (docs/cli.md, docs/json.md); a record that breaks a ``unique``
statement is shown with the other rows of its key, and a source row with the provisions it is
part of.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .decision import Decision
from .explain import Explanation
from .i18n import gettext as _
from .records import MALFORMED_ROW, Row, open_records
from .registration import Provision
from .rulebook import Rulebook

__all__ = ["ExplainUsageError", "Explained", "explain_command"]


class ExplainUsageError(Exception):
    """The arguments do not name one record to explain; ``str()`` is the message."""


def _keys_of(book: Rulebook, record: Mapping[str, Any]) -> dict[str, Any]:
    from .unique import read_keys

    return read_keys(record, book.fields, {n for s in book.program.unique for n in s.key})


def _explain_duplicates(book: Rulebook, values: Mapping[str, Any],
                        records: Iterable[tuple[Sequence[int], Mapping[str, Any]]],
                        out: Explained) -> None:
    """Before the record's own explanation: the ``unique`` statements it breaks, naming the
    other rows of the file with its key (a check across records, which decides last)."""
    from .unique import sharing

    broken = sharing(book.program.unique, values, records)
    if not broken:
        return
    out.line(_("Decision: rejected (a check across the records of the file)"))
    for statement, rows in broken:
        key = ", ".join(f"{name} = {values[name]}" for name in statement.key)
        where = (_(", line {line}").format(line=statement.span.line)
                 if statement.span is not None else "")
        out.line(f"  - {statement.reason}: " + _(
            "records {rows} of the file have the same key ({key}; unique {fields}{where})"
        ).format(rows=", ".join(map(str, rows)), key=key, fields=", ".join(statement.key),
                 where=where))
        out.data.setdefault("duplicates", []).append(
            {"reason": statement.reason, "records": list(rows), "key": list(statement.key)})
    out.line("\n" + _("The record on its own, before that check:"))


def _explain_provisions(book: Rulebook, made: Iterable[tuple[Provision, Decision]], what: str,
                        out: Explained) -> None:
    made = list(made)
    if len(made) > 1:
        out.line(_("{what} is a trajectory of {count} provisions.").format(
            what=what, count=len(made)))
    for number, (provision, _decision) in enumerate(made, start=1):
        if len(made) > 1:
            out.line("\n--- " + _("provision {number}: {component}").format(
                number=number, component=provision.component) + " ---")
        if len(provision.rows) > 1:
            rows = ", ".join(map(str, provision.rows))
            out.line(_("One provision made of the activities in records {rows}.").format(rows=rows))
        for message in provision.messages:
            out.line(message)
        out.explanation(book, book.explain_provision(provision),
                        {"provision": number, "component": provision.component,
                         "records": list(provision.rows), "messages": list(provision.messages)})


class Explained:
    """What ``explain`` shows: text as it goes (the short form, or ``--full`` the trace), or,
    with ``--format json``, one JSON document at the end (docs/cli.md)."""

    def __init__(self, args: argparse.Namespace):
        self.full = args.full
        self.json = args.format == "json"
        self.data: dict[str, Any] = {}
        self.items: list[dict[str, Any]] = []

    def line(self, text: str) -> None:
        if not self.json:
            print(text)

    def source(self, path: Path, row: Row) -> None:
        self.line(f"{path}:{row.line}: " + _("record {number}").format(number=row.number))
        self.data["source"] = {"path": str(path), "line": row.line, "record": row.number}

    def explanation(self, book: Rulebook, explanation: Explanation,
                    extra: dict[str, Any] | None = None) -> None:
        if self.full and not self.json:
            print(explanation.render(), end="")
            return
        near = book.near_misses(explanation)
        if self.json:
            self.items.append({**(extra or {}), **explanation.as_dict(near)})
        else:
            print(explanation.short(near), end="")

    def done(self) -> None:
        if not self.json:
            return
        document = dict(self.data)
        if len(self.items) == 1 and "provision" not in self.items[0]:
            document.update(self.items[0])
        else:
            document["provisions"] = self.items
        print(json.dumps(document, ensure_ascii=False, indent=2))


def explain_command(args: argparse.Namespace, load: Callable[[str], Rulebook]) -> int:
    """``srg-rules explain``: the record named by ``--record``, ``--row`` or ``--id``, explained
    (``load`` reads the rulebook as the CLI does, reporting its diagnostics)."""
    if (args.record is None) == (args.input is None):
        raise ExplainUsageError(_("explain needs either an input file with --row N, or --record JSON"))
    book = load(args.rulebook)
    out = Explained(args)
    if args.record is not None:
        try:
            record = json.loads(args.record)
        except json.JSONDecodeError as error:
            raise ExplainUsageError(_("--record: not valid JSON ({problem} at column {column})").format(
                problem=error.msg, column=error.colno)) from None
        except (ValueError, RecursionError):  # a number over 4,300 digits; deep nesting
            raise ExplainUsageError(_("--record: a number too long or nesting too deep to read")) from None
        if not isinstance(record, dict):
            raise ExplainUsageError(_("--record: expected a JSON object, e.g. '{example}'").format(
                example='{"category": "taal"}'))
        if book.has_registration:
            _explain_provisions(book, book.decide_source([record]), _("the record"), out)
        else:
            out.explanation(book, book.explain(record))
        out.done()
        return 0
    if args.id is not None:
        return _explain_by_id(book, args, out)
    if args.row is None:
        raise ExplainUsageError(_("explain needs --row N to say which record of the file to explain"))
    if args.row < 1:
        raise ExplainUsageError(_("--row counts from 1 (the first record after the header)"))
    records = open_records(args.input)
    if book.has_registration:
        # A provision may be made of several rows anywhere in the file: read them all.
        rows = list(records.rows)
        if args.row > len(rows):
            raise ExplainUsageError(_("{path}: there is no record {row}; the file has {count}").format(
                path=args.input, row=args.row, count=len(rows)))
        _explain_source_row(book, records.path, rows, rows[args.row - 1], out)
        out.done()
        return 0
    count = 0
    for row in records.rows:
        count = row.number
        if row.number != args.row:
            continue
        _explain_row(book, records.path, row, args.input, out)
        out.done()
        return 0
    raise ExplainUsageError(_("{path}: there is no record {row}; the file has {count}").format(
        path=args.input, row=args.row, count=count))


def _explain_source_row(book: Rulebook, path: Path, rows: Sequence[Row], row: Row,
                        out: Explained) -> None:
    """A row of a rulebook with a registration level: the provisions it is part of."""
    out.source(path, row)
    if row.problem is not None:
        _malformed(row, out)
        return
    made = list(book.decide_rows((r.number, r.values) for r in rows if r.problem is None))
    if book.program.unique:
        for provision, _made in made:
            if row.number in provision.rows:
                _explain_duplicates(book, provision.values,
                                    ((p.rows, p.values) for p, _d in made), out)
    _explain_provisions(book, ((p, d) for p, d in made if row.number in p.rows),
                        _("record {number}").format(number=row.number), out)


def _explain_row(book: Rulebook, path: Path, row: Row, input_path: str, out: Explained) -> None:
    out.source(path, row)
    if row.problem is not None:
        _malformed(row, out)
        return
    if book.program.unique:
        _explain_duplicates(book, _keys_of(book, row.values), (
            ((other.number,), _keys_of(book, other.values))
            for other in open_records(input_path).rows if other.problem is None), out)
    out.explanation(book, book.explain(row.values))


def _malformed(row: Row, out: Explained) -> None:
    out.line(_("Decision: rejected") + f"\n  - {MALFORMED_ROW}: "
             + _("the row {problem}").format(problem=row.problem))
    out.data.update({"decision": {"status": "rejected", "type": None, "type_label": None,
                                  "reasons": [MALFORMED_ROW], "warnings": []},
                     "problems": [{"field": None, "reason": MALFORMED_ROW, "text": row.problem}]})


def _explain_by_id(book: Rulebook, args: argparse.Namespace, out: Explained) -> int:
    """``--id VALUE``: the records whose identifier field has the value (as read, white space
    stripped), each explained in turn."""
    field = book.program.identifier
    if field is None:
        raise ExplainUsageError(_("{path}: the rulebook declares no identifier, so --id cannot find a "
                           "record\n  help: add a line such as: identifier provision_id; or "
                           "name the record with --row N").format(path=args.rulebook))
    if args.row is not None:
        raise ExplainUsageError(_("give --row N or --id VALUE, not both"))
    records = open_records(args.input)
    rows = list(records.rows)
    wanted = args.id.strip()
    found = [row for row in rows if str(row.values.get(field, "")).strip() == wanted]
    if not found:
        from .diagnostics import did_you_mean

        hint = did_you_mean(wanted, sorted({str(r.values.get(field, "")).strip() for r in rows}))
        raise ExplainUsageError(_("{path}: no record has {field} = {value}").format(
            path=args.input, field=field, value=wanted) + (_("\n  help: {hint}").format(
                                                               hint=hint) if hint else ""))
    if book.has_registration:
        # The provision of the first row holds the other rows with the same key.
        _explain_source_row(book, records.path, rows, found[0], out)
    else:
        for number, row in enumerate(found):
            if number:
                out.line("")
            _explain_row(book, records.path, row, args.input, out)
            if out.json and len(found) > 1:
                out.items[-1]["source"] = out.data.pop("source")
    if out.json and len(found) > 1 and not book.has_registration:
        print(json.dumps({"records": out.items}, ensure_ascii=False, indent=2))
        return 0
    out.done()
    return 0
