"""The figures of a report: a run's summary, and what each count means.

Place in the pipeline: after a run (:mod:`srg_rules.run`, the one run loop, which counts
through :class:`~srg_rules.summary.Summary`). Input: a rulebook and a record file, or a
summary already made. Output: :class:`Figures`, which holds the summary unchanged (so a
report's figures are those of ``srg-rules run --summary-json``) and sorts its reasons into
what a reader needs apart: the rules that decided records (with their ``because`` text), the
rules that decided none, the field problems of the records, and the other reason codes.

The default group fields (``report`` without ``--by``) follow a documented convention
(docs/report.md): the municipality field (named ``municipality_code``, ``gemeentecode``
or ``gemeente``) and the reporting period (a field named ``reporting_month`` or
``verslagmaand``, else the first field of type ``month``), those the rulebook declares.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..decision import AMBIGUOUS_TYPE, NO_INCLUDE_MATCHED, UNCLASSIFIED
from ..records import MALFORMED_ROW
from ..rulebook import Rulebook
from ..run import run_records, run_source
from ..schema import VALUE_TYPES, Field
from ..summary import Summary

__all__ = ["Figures", "RuleCount", "default_group_fields", "figures", "run_summary"]

MUNICIPALITY_NAMES = ("municipality_code", "gemeentecode", "gemeente")
PERIOD_NAMES = ("reporting_month", "verslagmaand")
# The reason codes of a field that is missing or not of its type (``<code>:<field>``).
FIELD_PROBLEM_CODES = frozenset({"missing_value", "unknown_code",
                                 *(t.problem_code for t in VALUE_TYPES.values())})
OUTCOME_CODES = (NO_INCLUDE_MATCHED, UNCLASSIFIED, AMBIGUOUS_TYPE, MALFORMED_ROW)


def default_group_fields(fields: Mapping[str, Field]) -> tuple[str, ...]:
    """The municipality and reporting-period fields of a rulebook, those it has.

    >>> import srg_rules
    >>> book = srg_rules.parse("field reporting_month: month\\nfield municipality_code: digits(4)\\n"
    ...                        "include when municipality_code is present")
    >>> default_group_fields(book.fields)
    ('municipality_code', 'reporting_month')
    >>> default_group_fields(srg_rules.parse("field period: month\\ninclude when period is present").fields)
    ('period',)
    """
    chosen = [name for name in MUNICIPALITY_NAMES if name in fields][:1]
    period = [name for name in PERIOD_NAMES if name in fields][:1] or [
        name for name, field in fields.items() if field.type.name == "month"][:1]
    return (*chosen, *period)


# As ``srg-rules run --engine auto``: a CSV file from this size, or a Parquet file, is decided
# inside DuckDB (the same counts, tested in tests/test_delivery.py and the file-run tests).
DUCKDB_FROM_BYTES = 8_000_000


def run_summary(book: Rulebook, data: str | os.PathLike[str], by: Sequence[str] = ()) -> Summary:
    """The summary of ``srg-rules run RULEBOOK DATA -o ... --by ...``, the decided file
    written to a temporary folder and dropped. Like ``run``, a large CSV file or a Parquet
    file is decided inside DuckDB, anything else row by row.

    Raises:
        InputError: the data file cannot be read.
    """
    path = Path(data)
    with tempfile.TemporaryDirectory(prefix="srg-report-") as folder:
        output = Path(folder) / ("decided" + path.suffix)
        if book.has_registration:
            return run_source(book, data, output, by=by)
        from ..filerun import PARQUET_SUFFIXES, run_file

        if path.suffix.lower() in PARQUET_SUFFIXES or (
                path.suffix.lower() == ".csv" and path.is_file()
                and path.stat().st_size >= DUCKDB_FROM_BYTES):
            return Summary.from_dict(run_file(book.program, data, output, progress=None, by=by))
        return run_records(book.decide, book.fields, data, output, unique=book.program.unique,
                           by=by, warnings=bool(book.program.by_verb("warn")))


@attrs.frozen
class RuleCount:
    """A rule and the records it decided (a warn rule: the records it warned)."""

    id: str
    verb: str
    because: str | None
    count: int
    line: int | None
    path: str | None
    implicit: bool


@attrs.frozen
class Figures:
    """A summary and the rules behind its reasons. ``summary`` is the run's own."""

    summary: Summary
    rules: tuple[RuleCount, ...]
    field_problems: tuple[tuple[str, str, str, int], ...]  # (reason, field, problem code, count)
    other_reasons: tuple[tuple[str, int], ...]             # outcome codes, duplicates, the rest
    labels: Mapping[str, str | None]                       # the output type's labels
    title: str | None = None
    version: str | None = None

    @property
    def unused(self) -> tuple[RuleCount, ...]:
        """The rules (those the rulebook writes) that decided no record."""
        return tuple(rule for rule in self.rules if rule.count == 0 and not rule.implicit)

    def as_dict(self) -> dict[str, Any]:
        """The summary exactly as ``run --summary-json`` writes it."""
        return self.summary.as_dict()


def figures(book: Rulebook, summary: Summary) -> Figures:
    """Sort a run's counts by what they mean for ``book``."""
    rule_ids = set()
    rules = []
    for rule in book.program.rules:
        if rule.id in rule_ids:
            continue
        rule_ids.add(rule.id)
        counts = summary.warnings if rule.verb == "warn" else summary.reasons
        span = rule.span
        rules.append(RuleCount(
            rule.id, rule.verb, rule.because, counts[rule.id],
            span.line if span is not None else None,
            span.source.path if span is not None else None, rule.implicit))
    problems, others = [], []
    for reason, count in sorted(summary.reasons.items(), key=lambda item: (-item[1], item[0])):
        if reason in rule_ids:
            continue
        code, _, field = reason.partition(":")
        if field and code in FIELD_PROBLEM_CODES:
            problems.append((reason, field, code, count))
        else:
            others.append((reason, count))
    labels = dict(book.output.codes) if book.output is not None else {}
    return Figures(summary, tuple(rules), tuple(problems), tuple(others), labels,
                   book.title, book.version)
