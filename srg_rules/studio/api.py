"""What the studio's JSON API does, without the web: check, analyse, explain, run, diff (with
the saved file, another file or an earlier version from git), format and save a rulebook text
the browser holds.

Place in the pipeline: a surface, like :mod:`srg_rules.cli`; it runs the stages
(:func:`srg_rules.diagnose`, :func:`srg_rules.parse`, :mod:`srg_rules.report`,
:func:`srg_rules.versions.run_diff`, :func:`srg_rules.format.format_text`) on the text
sent and answers with plain data (dicts of JSON types). :mod:`srg_rules.studio.server` puts it
on HTTP; docs/studio.md documents the requests and answers.

Every failure a user can cause is an :class:`ApiError` whose message is the CLI's for the same
mistake (a missing file, an unreadable data file, a rulebook with errors, a record value that
is not of its field's type); nothing here lets a traceback out.

The text is checked as if it were the rulebook's file (its path names the diagnostics, and a
``use "other.rules"`` is read beside it); a new rulebook without a path yet is checked as
``untitled.rules`` in the current folder.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..decision import Decision
from ..diagnostics import Diagnostic, RulebookError
from ..format import format_text
from ..i18n import N_, ngettext
from ..i18n import gettext as _
from ..link import read_source
from ..records import InputError, open_records
from ..report import default_group_fields, figures, render_html, run_summary
from ..rulebook import Rulebook, diagnose, parse
from .keywords import functions, keywords, types
from .revisions import RevisionError, history, text_at

__all__ = ["ApiError", "PAGE_WORDS", "Studio", "diagnostic_data"]

UNTITLED = "untitled.rules"
# The words of the page (static/index.html's data-word, app.js's t()), from the message
# catalog, sent in the studio's language by ``GET /api/state``.
PAGE_WORDS = (
    N_("Format"), N_("Save"), N_("Problems"), N_("Record"), N_("Run"), N_("Diff"),
    N_("Record of the data file"), N_("(none)"), N_("Data file"), N_("Compare with"),
    N_("Compare"), N_("The studio does not answer; is it still running?"),
    N_("something went wrong"), N_("No errors or warnings; the analysis found nothing."),
    N_("No errors or warnings."), N_("analysing…"), N_("analysed"), N_("(not in the list)"),
    N_("included"), N_("excluded"), N_("rejected"), N_("type"), N_("records"),
    N_("comparing…"), N_("Save the new rulebook as (a path on this computer):"),
    N_("not saved"), N_("new rulebook (not saved yet)"),
    N_("Fill in the fields, or pick a record of the data file."), N_("optional"),
    N_("The full explanation: every rule, matched or not"),
    N_("the saved file"), N_("a file"), N_("an earlier version (git)"),
    N_("Version"), N_("File"), N_("(no earlier versions)"), N_("Report"),
    N_("The changes that would give another outcome follow when the analysis is done."),
)
RECORDS_SHOWN = 500
SOLVER_LOCK = threading.Lock()
"""Held while z3 works (the analysis, near-misses, the semantic diff): z3's one global context
is not safe to use from two threads at once, and the server answers each request in its own."""
NEAR_MISS_WAIT = 2.0
"""Seconds an explanation waits for the solver (busy with an analysis) before it answers
without its near-misses, saying they are pending."""


class ApiError(Exception):
    """A request that cannot be answered: ``str()`` is the message for the user, ``status``
    the HTTP status, ``data`` more for the page (the diagnostics of a rulebook with errors)."""

    def __init__(self, message: str, status: int = 400, **data: Any):
        super().__init__(message)
        self.status = status
        self.data = data


def diagnostic_data(diagnostic: Diagnostic, home: str) -> dict[str, Any]:
    """A diagnostic as the page shows it. ``from``/``to`` are offsets into the edited text
    (None when the diagnostic is in another file, e.g. a used rulebook)."""
    span = diagnostic.span
    here = span.source.path == home
    end_line, end_column = span.source.line_col(span.end)
    return {
        "code": diagnostic.code,
        "severity": str(diagnostic.severity),
        "message": diagnostic.message,
        "help": diagnostic.help,
        "path": span.source.path,
        "line": span.line,
        "column": span.column,
        "end_line": end_line,
        "end_column": end_column,
        "from": span.start if here else None,
        "to": span.end if here else None,
        "related": [{"label": label, "path": s.source.path, "line": s.line, "column": s.column}
                    for label, s in diagnostic.related],
        "rendered": diagnostic.render(),
    }


@attrs.define
class Studio:
    """One studio session: the rulebook file (None until a new one is saved), the data file,
    and the language of its words."""

    rulebook: str | None = None
    data: str | None = None
    lang: str = "en"
    # Seconds the text must rest, checked without errors, before the page asks for the
    # analysis; None: the page never asks by itself.
    analyse_after: float | None = 1.0
    _analysed: OrderedDict[tuple[str, str], tuple[Diagnostic, ...]] = attrs.field(
        factory=OrderedDict, init=False, repr=False)
    _analysing: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)
    _latest: str | None = attrs.field(default=None, init=False, repr=False)

    # -- what the page starts from ---------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The file names, the saved text (empty for a new rulebook) and the keywords."""
        text, exists = "", False
        if self.rulebook is not None and Path(self.rulebook).exists():
            text, exists = self._saved_text(), True
        return {"rulebook": self.rulebook, "exists": exists, "text": text, "data": self.data,
                "lang": self.lang, "analyse_after": self.analyse_after, **self.keywords(),
                "words": {word: _(word) for word in PAGE_WORDS}}

    @staticmethod
    def keywords() -> dict[str, Any]:
        return {"keywords": list(keywords()), "functions": list(functions()),
                "types": list(types())}

    # -- the text as it is typed -----------------------------------------------------------

    def check(self, text: str) -> dict[str, Any]:
        """Every error and warning of the checker (fast: no analysis), and the fields of a
        rulebook that builds (for the record form)."""
        home = self._home()
        found = diagnose(text, home, analyse=False)
        book = self._build(text) if not any(d.is_error for d in found) else None
        return {"ok": book is not None,
                "diagnostics": [diagnostic_data(d, home) for d in found],
                "fields": _fields(book) if book is not None else None}

    def analyse(self, text: str) -> dict[str, Any]:
        """The exact analysis's findings besides the checker's diagnostics (slow: seconds for
        a large rulebook). Answers for the same text are kept; a request for a text that is
        no longer the latest one asked for answers ``superseded`` instead of waiting."""
        home = self._home()
        key = (home, text)
        self._latest = text
        with self._analysing:
            if key not in self._analysed:
                if self._latest != text:
                    return {"superseded": True, "diagnostics": []}
                with SOLVER_LOCK:
                    self._analysed[key] = diagnose(text, home)
                while len(self._analysed) > 8:
                    self._analysed.popitem(last=False)
            found = self._analysed[key]
        return {"superseded": False, "diagnostics": [diagnostic_data(d, home) for d in found]}

    def format(self, text: str) -> dict[str, Any]:
        return {"text": self._formatted(text)}

    # -- records ---------------------------------------------------------------------------

    def records(self, data: str | None = None, offset: int = 0) -> dict[str, Any]:
        """The records of the data file (up to :data:`RECORDS_SHOWN` from ``offset``), to
        pick one for the form."""
        path = self._data(data)
        rows, total = [], 0
        for row in open_records(path).rows:
            total = row.number
            if offset < row.number <= offset + RECORDS_SHOWN:
                rows.append({"number": row.number, "line": row.line, "problem": row.problem,
                             "values": {k: ("" if v is None else str(v))
                                        for k, v in row.values.items()}})
        return {"data": path, "records": rows, "total": total}

    def explain(self, text: str, record: Any) -> dict[str, Any]:
        """The decision for one record and its explanation, as ``srg-rules explain`` gives
        it: ``explanation`` the short form with its near-misses (the decision, the rules that
        decided it with their ``because``, the values that mattered, the smallest changes
        that would give another outcome), ``full`` the trace of every rule (``--full``),
        ``short`` the short form as data (``explain --format json``)."""
        if not isinstance(record, Mapping):
            raise ApiError(_("the record is not a JSON object"))
        book = self._usable(text)
        record = {str(k): v for k, v in record.items()}
        if book.has_registration:
            made = list(book.decide_source([record]))
            explanations = [(book.explain_provision(p), d) for p, d in made]
        else:
            explanation = book.explain(record)
            explanations = [(explanation, explanation.decision)]
        shorts, fulls, data = [], [], []
        # While an analysis holds the solver, the near-misses wait for it (the page asks
        # again when its analysis is done) rather than the explanation.
        solver = SOLVER_LOCK.acquire(timeout=NEAR_MISS_WAIT)
        try:
            for explanation, _outcome in explanations:
                near = book.near_misses(explanation) if solver else ()
                shorts.append(explanation.short(near, full_hint=False))
                fulls.append(explanation.render())
                data.append(explanation.as_dict(near))
        finally:
            if solver:
                SOLVER_LOCK.release()
        problems = explanations[0][0].problems if len(explanations) == 1 else ()
        return {"decisions": [_decision(d) for _e, d in explanations],
                "explanation": "\n".join(shorts), "full": "\n".join(fulls), "short": data,
                "near_misses_pending": not solver,
                "problems": [{"field": p.field, "reason": p.reason, "message": p.message}
                             for p in problems]}

    def run(self, text: str, data: str | None = None) -> dict[str, Any]:
        """The run over the data file: the summary (``run --summary-json``'s shape, per
        municipality and month where the rulebook has those fields) and the report page."""
        book = self._usable(text)
        path = self._data(data)
        by = default_group_fields(book.fields)
        summary = run_summary(book, path, by)
        self.data = path  # the file the record list and the next run use
        name = self.rulebook or UNTITLED
        return {"data": path, "summary": summary.as_dict(),
                "html": render_html(figures(book, summary), name, path, self.lang)}

    def revisions(self) -> dict[str, Any]:
        """The commits of the git repository that changed the rulebook's file, newest first
        (for a diff against a chosen earlier version)."""
        if self.rulebook is None:
            raise ApiError(_("the rulebook is not saved yet, so it has no earlier versions"))
        try:
            found = history(self.rulebook)
        except RevisionError as error:
            raise ApiError(str(error), 422) from None
        return {"rulebook": self.rulebook,
                "revisions": [{"commit": r.commit, "short": r.short, "date": r.date,
                               "author": r.author, "subject": r.subject} for r in found]}

    def diff(self, text: str, against: str | None = None, data: str | None = None,
             revision: str | None = None) -> dict[str, Any]:
        """What the edited text decides differently from the saved file, ``against`` (another
        rulebook file) or ``revision`` (the rulebook's file at a git revision): the semantic
        diff, and the records of the data file it changes (``srg-rules diff``)."""
        from ..analysis.diff import IncompatibleSchemas, NotExact
        from ..versions import run_diff

        edited = f"{self._home()} (edited)"
        if revision is not None:
            if self.rulebook is None:
                raise ApiError(_("the rulebook is not saved yet, so it has no earlier versions"))
            saved: str = self.rulebook
            try:
                earlier = text_at(saved, revision)
            except RevisionError as error:
                raise ApiError(str(error), 422) from None
            old = f"{saved}@{revision}"
        else:
            chosen = against or self.rulebook
            if chosen is None or not Path(chosen).exists():
                raise ApiError(f"{chosen or UNTITLED}: " + _("no such rulebook"), 404)
            old = chosen

        def load(path: str) -> Rulebook:
            if path == edited:
                return self._usable(text)
            try:
                if revision is not None:
                    # Named as the file itself, so that its ``use`` statements are read
                    # beside it (from the working tree).
                    return parse(earlier, saved)
                return parse(read_source(path), path)
            except FileNotFoundError:
                raise ApiError(f"{path}: " + _("no such rulebook"), 404) from None
            except RulebookError as error:
                raise _errors(error, path) from None

        data = data or self.data
        if data is not None:
            self._data(data)
        try:
            with SOLVER_LOCK:
                report, code = run_diff(old, edited, data, load=load)
        except (IncompatibleSchemas, NotExact) as error:
            raise ApiError(str(error)) from None
        return {"against": old, "revision": revision, "data": data, "changed": code == 1,
                "text": report}

    # -- saving ----------------------------------------------------------------------------

    def save(self, text: str, path: str | None = None, force: bool = False) -> dict[str, Any]:
        """Write the text, formatted, to the rulebook's file (``path`` names it for a new
        rulebook, or saves under another name). A text that does not parse is written only
        with ``force`` (the page asks first), as it is; without, the answer is status 409
        with its diagnostics and nothing is written."""
        target = path or self.rulebook
        if not target:
            raise ApiError(_("no file to save to: name one"), 400)
        home = str(target)
        try:
            body = format_text(text, home)
            message = _("saved")
        except RulebookError as error:
            if not force:
                raise ApiError(_("the text does not parse; save it anyway?"), 409,
                               needs_confirmation=True,
                               diagnostics=[diagnostic_data(d, home) for d in error.diagnostics])
            body, message = text, _("saved as it is: it does not parse")
        try:
            Path(target).write_text(body, encoding="utf-8", newline="")
        except FileNotFoundError:
            raise ApiError(f"{target}: " + _("no such folder")) from None
        except IsADirectoryError:
            raise ApiError(f"{target}: " + _("is a directory, not a rulebook")) from None
        except OSError as error:
            raise ApiError(f"{target}: " + _("cannot write ({reason})").format(reason=error.strerror)) from None
        self.rulebook = str(target)
        return {"rulebook": self.rulebook, "text": body, "message": f"{target}: {message}"}

    # -- helpers ---------------------------------------------------------------------------

    def _home(self) -> str:
        return self.rulebook or UNTITLED

    def _saved_text(self) -> str:
        assert self.rulebook is not None  # state() reads the text of a named rulebook only
        try:
            return read_source(self.rulebook)
        except IsADirectoryError:
            raise ApiError(f"{self.rulebook}: " + _("is a directory, not a rulebook")) from None
        except RulebookError as error:  # not UTF-8
            raise _errors(error, self._home()) from None

    def _build(self, text: str) -> Rulebook | None:
        try:
            return parse(text, self._home())
        except RulebookError:
            return None

    def _usable(self, text: str) -> Rulebook:
        """The text as a rulebook, or an error with its diagnostics (as ``run`` stops)."""
        try:
            return parse(text, self._home())
        except RulebookError as error:
            raise _errors(error, self._home()) from None

    def _formatted(self, text: str) -> str:
        try:
            return format_text(text, self._home())
        except RulebookError as error:
            raise _errors(error, self._home()) from None

    def _data(self, data: str | None) -> str:
        path = data or self.data
        if not path:
            raise ApiError(_("no data file: start the studio with one, or name one"))
        try:
            open_records(path)
        except InputError as error:
            raise ApiError(str(error), 422) from None
        return os.fspath(path)


def _errors(error: RulebookError, home: str) -> ApiError:
    count = len(error.errors)
    errors = ngettext("{count} error", "{count} errors", count).format(count=count)
    return ApiError(f"{home}: {errors}; " + _("the rulebook has errors; fix them first"), 422,
                    diagnostics=[diagnostic_data(d, home) for d in error.diagnostics])


def _decision(decision: Decision) -> dict[str, Any]:
    return {"status": decision.status.value, "type": decision.type,
            "reasons": list(decision.reasons), "warnings": list(decision.warnings)}


def _fields(book: Rulebook) -> list[dict[str, Any]]:
    return [{"name": name, "type": field.type.name, "optional": field.optional,
             "codes": (None if field.codes is None else
                       [{"code": code, "label": label} for code, label in field.codes.items()])}
            for name, field in book.fields.items()]
