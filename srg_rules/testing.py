"""Testing a rulebook against its intent: its ``expect`` statements and example tables.

Place in the pipeline: a consumer of a loaded :class:`~srg_rules.Rulebook`, beside the CLI.
Input: a rulebook and example tables. Output: one :class:`CaseResult` per expectation and per
example row, each saying whether it passed and, when it did not, why, with the explanation of
the decision. ``srg-rules test`` and the pytest plugin (:mod:`srg_rules.pytest_plugin`) both
run exactly these.

Example tables are what policy staff keep in a spreadsheet: a CSV (comma or semicolon) whose
columns are record fields plus ``expected_status`` and, optionally, ``expected_type``,
``expected_reasons`` (``|``-separated, compared exactly), ``expected_warnings`` (the ids of the
``warn`` rules that match, ``|``-separated in rulebook order, compared exactly; when the column is
there, an empty cell expects no warning) and ``case`` (a name for the row); or a YAML list of
``{case, record: {...}, expected: {status, type, reasons, warnings}}``. A rulebook's own
tables sit beside it: ``NAME.examples.csv`` / ``NAME.examples.yaml`` for ``NAME.rules``.

For a rulebook with a registration level (``activities``, ``trajectory``), the rows of a table
are source records taken together, as a run takes a file: rows sharing the activities' key
form one provision, and each row is judged by the provisions it became. A row a trajectory
splits lists the types (and reasons) of its provisions in order, joined by ``+``: ``40+42``.

Expectations are proved by the exact analysis over every valid record, not sampled: a violated
one comes with a counterexample record.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from . import printer
from .decision import Decision, Status
from .records import InputError, open_records
from .rulebook import Rulebook
from .i18n import gettext as _

__all__ = ["CaseResult", "Example", "companion_tables", "load_examples", "run_examples",
           "check_expectations", "run_all"]

EXPECTED_STATUS, EXPECTED_TYPE, EXPECTED_REASONS, EXPECTED_WARNINGS, CASE = (
    "expected_status", "expected_type", "expected_reasons", "expected_warnings", "case")
_META = (EXPECTED_STATUS, EXPECTED_TYPE, EXPECTED_REASONS, EXPECTED_WARNINGS, CASE)
_STATUSES = {s.value for s in Status}
PROVISION_SEPARATOR = "+"
"""Between the types (and reasons and warnings) of the provisions one example row became."""


@attrs.frozen
class Example:
    """One row of an example table: a record and the decision it should get."""

    name: str
    location: str  # "path:line", for messages and test ids
    record: dict[str, Any]
    status: str
    type: str | None = None
    reasons: tuple[str, ...] | None = None  # None: not checked
    # None: not checked (no expected_warnings column); (): the record must get no warning.
    warnings: tuple[str, ...] | None = None

    def judge(self, decision: Decision) -> list[str]:
        """What differs between the decision and this example's expectation (empty: passed)."""
        return self.judge_all([decision])

    def judge_all(self, decisions: Sequence[Decision]) -> list[str]:
        """Like :meth:`judge`, for a row that became several provisions (a trajectory): the
        status holds for each, and types and reasons list theirs in order, joined by ``+``."""
        problems = []
        statuses = sorted({d.status.value for d in decisions})
        if statuses != [self.status]:
            problems.append(_("status is {got}, expected {wanted}").format(
                got=" and ".join(statuses) or "none", wanted=self.status))
        types = PROVISION_SEPARATOR.join(d.type or "none" for d in decisions)
        wanted = self.type or "none"
        if self.status == "included" and types != wanted:
            problems.append(_("type is {got}, expected {wanted}").format(got=types, wanted=wanted))
        if self.reasons is not None:
            got = PROVISION_SEPARATOR.join("|".join(d.reasons) for d in decisions)
            if got != "|".join(self.reasons):
                problems.append(_("reasons are {got}, expected {wanted}").format(
                    got=got, wanted="|".join(self.reasons)))
        if self.warnings is not None:
            # A row no provision of which warns expects an empty cell, not `+`.
            got = (PROVISION_SEPARATOR.join("|".join(d.warnings) for d in decisions)
                   if any(d.warnings for d in decisions) else "")
            if got != "|".join(self.warnings):
                problems.append(_("warnings are {got}, expected {wanted}").format(
                    got=got or _("none"), wanted="|".join(self.warnings) or _("none")))
        return problems


@attrs.frozen
class CaseResult:
    """The outcome of one expectation or example. ``details`` explains a failure in full."""

    kind: str  # "expectation" or "example"
    name: str
    location: str
    passed: bool
    message: str = ""
    details: str = ""

    def render(self) -> str:
        head = f"{self.location}: {'PASS' if self.passed else 'FAIL'} {self.kind} {self.name}"
        if self.passed:
            return head
        body = f"\n  {self.message}" if self.message else ""
        if self.details:
            body += "\n" + "\n".join("    " + line if line else "" for line in
                                     self.details.rstrip("\n").split("\n"))
        return head + body


def companion_tables(rulebook_path: str | os.PathLike[str]) -> list[Path]:
    """The example tables kept beside a rulebook (``NAME.examples.csv`` / ``.yaml`` / ``.yml``)."""
    path = Path(rulebook_path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return [p for p in (path.with_name(f"{stem}.examples{ext}") for ext in (".csv", ".yaml", ".yml"))
            if p.exists()]


def load_examples(path: str | os.PathLike[str]) -> list[Example]:
    """Read an example table (CSV or YAML).

    Raises:
        InputError: the file cannot be read, or a row does not say what it expects.
    """
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _load_yaml(path)
    return list(_load_csv(path))


def _load_csv(path: Path) -> Iterator[Example]:
    records = open_records(path, required=(EXPECTED_STATUS,))
    for row in records.rows:
        where = f"{path}:{row.line}"
        if row.problem is not None:
            raise InputError(_("{where}: example {number} {problem}").format(
                                 where=where, number=row.number, problem=row.problem))
        values = dict(row.values)
        checks_warnings = EXPECTED_WARNINGS in values
        meta = {key: values.pop(key, "") for key in _META}
        yield _example(where, meta.get(CASE) or f"row {row.number}", values,
                       meta[EXPECTED_STATUS], meta.get(EXPECTED_TYPE),
                       meta.get(EXPECTED_REASONS),
                       (meta[EXPECTED_WARNINGS] or "") if checks_warnings else None)


def _load_yaml(path: Path) -> list[Example]:
    import yaml  # only needed for YAML tables

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(_("{path}: no such file").format(path=path)) from None
    except UnicodeDecodeError:
        raise InputError(_("{path}: the file is not UTF-8 text").format(path=path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(_("{path}{line}: not valid YAML ({getattr})").format(
                             path=path, line=line, getattr=getattr(error, 'problem', error))) from None
    if not isinstance(data, list):
        raise InputError(_("{path}: expected a list of examples, each with 'record' and "
                           "'expected'").format(
                             path=path))
    examples = []
    for number, item in enumerate(data, start=1):
        where = f"{path}: example {number}"
        if not isinstance(item, dict) or not isinstance(item.get("record"), dict) \
                or not isinstance(item.get("expected"), dict):
            raise InputError(_("{where}: needs a 'record' mapping and an 'expected' mapping").format(
                                 where=where))
        expected = item["expected"]
        reasons = expected.get("reasons")
        if isinstance(reasons, list):
            reasons = "|".join(str(r) for r in reasons)
        warnings = expected.get("warnings")
        if isinstance(warnings, list):
            warnings = "|".join(str(w) for w in warnings)
        elif "warnings" in expected and warnings is None:
            warnings = ""  # `warnings:` with nothing after it expects none
        examples.append(_example(where, str(item.get("case") or f"example {number}"),
                                 dict(item["record"]), expected.get("status"),
                                 expected.get("type"), reasons, warnings))
    return examples


def _example(where: str, name: str, record: dict[str, Any], status: Any, type_: Any,
             reasons: Any, warnings: Any = None) -> Example:
    """One example; ``warnings`` None leaves them unchecked, an empty text expects none."""
    status = str(status or "").strip()
    if status not in _STATUSES:
        raise InputError(_("{where}: expected status {status!r} is not one of included, "
                           "excluded, rejected").format(
                             where=where, status=status))
    type_text = str(type_).strip() if type_ not in (None, "") else None
    reason_text = str(reasons).strip() if reasons not in (None, "") else None
    warning_ids = None
    if warnings is not None:
        warning_text = str(warnings).strip()
        warning_ids = tuple(w.strip() for w in warning_text.split("|")) if warning_text else ()
    return Example(name, where, record, status, type_text,
                   tuple(reason_text.split("|")) if reason_text else None, warning_ids)


def _undeclared_warnings(book: Rulebook, example: Example) -> list[str]:
    """An expected warning that no ``warn`` rule of the rulebook can give: a typo that would
    otherwise read as the rulebook failing the example."""
    declared = [rule.id for rule in book.program.by_verb("warn")]
    named = [name for text in example.warnings or () for name in text.split(PROVISION_SEPARATOR)]
    unknown = [w for w in named if w and w not in declared]
    if not unknown:
        return []
    return [_("expected warning {names} is not a warn rule of the rulebook ({declared})").format(
        names=", ".join(repr(w) for w in unknown),
        declared=_("its warn rules: {ids}").format(ids=", ".join(declared)) if declared
        else _("it has no warn rules"))]


def run_examples(book: Rulebook, examples: Sequence[Example]) -> list[CaseResult]:
    if book.has_registration:
        return _run_source_examples(book, examples)
    results = []
    for example in examples:
        decision = book.decide(example.record)
        problems = _undeclared_warnings(book, example) + example.judge(decision)
        if problems:
            results.append(CaseResult("example", example.name, example.location, False,
                                      "; ".join(problems), book.explain(example.record).render()))
        else:
            results.append(CaseResult("example", example.name, example.location, True))
    return results


def _explain_source(book: Rulebook, record: Mapping[str, Any]) -> str:
    """The explanation of a record, or of each provision it yields."""
    if not book.has_registration:
        return book.explain(record).render()
    parts = []
    for provision, _i in book.decide_source([record]):
        if provision.component is not None:
            parts.append(_("provision '{component}':").format(component=provision.component))
        parts.extend(provision.messages)
        parts.append(book.explain_provision(provision).render())
    return "\n".join(parts)


def _run_source_examples(book: Rulebook, examples: Sequence[Example]) -> list[CaseResult]:
    """The rows of a table are source records, in order: activities of one provision (rows
    sharing its key) are combined and trajectories split, as a run would. Each row is judged
    by the provisions it went into."""
    made: dict[int, list[tuple[Any, Any]]] = {}
    for provision, decision in book.decide_source(example.record for example in examples):
        for row in provision.rows:
            made.setdefault(row, []).append((provision, decision))
    results = []
    for number, example in enumerate(examples, start=1):
        provisions = made.get(number, [])
        problems = (_undeclared_warnings(book, example)
                    + example.judge_all([decision for _, decision in provisions]))
        if not problems:
            results.append(CaseResult("example", example.name, example.location, True))
            continue
        details = []
        for provision, _i in provisions:
            what = (_("provision '{component}'").format(component=provision.component)
                    if provision.component else _("provision"))
            rows = ", ".join(map(str, provision.rows))
            details.append(_("{what} made of example row(s) {rows}:").format(what=what, rows=rows))
            details.extend(provision.messages)
            details.append(book.explain_provision(provision).render())
        results.append(CaseResult("example", example.name, example.location, False,
                                  "; ".join(problems), "\n".join(details)))
    return results


def check_expectations(book: Rulebook) -> list[CaseResult]:
    """Every ``expect`` of the rulebook, proved or refuted with a counterexample."""
    from .analysis import check_expectations as violated_expectations, describe_record

    expectations = book.program.expectations
    if not expectations:
        return []
    violations = {id(f.expectation): f for f in violated_expectations(book.program)}
    results = []
    for expectation in expectations:
        location = (f"{expectation.span.source.path}:{expectation.span.line}"
                    if expectation.span is not None else book.source.path)
        name = f"{expectation.describe()} when {_condition_words(expectation)}"
        finding = violations.get(id(expectation))
        if finding is None:
            results.append(CaseResult("expectation", name, location, True))
            continue
        record = finding.source or finding.witness or {}
        details = _("counterexample: ") + describe_record(record) + "\n\n" + _explain_source(book, record)
        results.append(CaseResult("expectation", name, location, False, finding.message, details))
    return results


def _condition_words(expectation: Any) -> str:
    return printer.condition(expectation.condition)


def run_all(book: Rulebook, tables: Sequence[str | os.PathLike[str]]) -> list[CaseResult]:
    """The rulebook's expectations, then every example of every table, in order."""
    results = check_expectations(book)
    for table in tables:
        results.extend(run_examples(book, load_examples(table)))
    return results
