"""Machine-readable reports: ``check --format json|sarif`` and ``test --junit PATH``.

Place in the pipeline: beside the CLI, a reader of diagnostics
(:mod:`srg_rules.diagnostics`) and of test results (:mod:`srg_rules.testing`). Input: the
diagnostics of one rulebook check, or the results of one rulebook's tests. Output: text in
a documented, versioned shape (docs/json.md; JSON Schemas in docs/schemas/):

- :func:`check_json`: ``srg-rules check --format json``, shape ``check`` version
  :data:`CHECK_VERSION`; positions are 1-based lines and columns, as the text form shows.
- :func:`check_sarif`: SARIF 2.1.0, the format GitHub code scanning and editors read, so each
  finding shows in place: one result per diagnostic, its code the rule id, errors as
  ``error`` and warnings as ``warning``, the ``help`` line and the related spans kept.
- :func:`junit_xml`: JUnit XML, one ``testcase`` per expectation and example row, a failure
  carrying its message and the whole explanation.

A version changes only when a field is removed or changes meaning; new fields may appear
within a version, so a reader ignores fields it does not know.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .diagnostics import Diagnostic, Severity
from .source import Span
from .testing import CaseResult

__all__ = ["CHECK_VERSION", "check_json", "check_sarif", "junit_xml"]

CHECK_VERSION = 1
"""The version of the shape of ``check --format json`` (docs/schemas/check-v1.json)."""

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _position(span: Span) -> dict[str, Any]:
    end_line, end_column = span.source.line_col(max(span.start, span.end))
    return {"path": span.source.path, "line": span.line, "column": span.column,
            "end_line": end_line, "end_column": end_column}


def check_data(rulebook: str, diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """The JSON object of ``check --format json`` (see docs/json.md)."""
    errors = sum(1 for d in diagnostics if d.is_error)
    return {
        "shape": "check",
        "version": CHECK_VERSION,
        "rulebook": rulebook,
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": [{
            "code": d.code,
            "severity": d.severity.value,
            "message": d.message,
            "help": d.help,
            **_position(d.span),
            "related": [{"label": label, **_position(span)} for label, span in d.related],
        } for d in diagnostics],
    }


def check_json(rulebook: str, diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps(check_data(rulebook, diagnostics), indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    """A path as a URI reference: a relative path stays relative (to the directory check was
    run in, as code scanning expects), an absolute one becomes a ``file:`` URI."""
    where = Path(path)
    return where.as_uri() if where.is_absolute() else where.as_posix()


def _region(span: Span) -> dict[str, Any]:
    end_line, end_column = span.source.line_col(max(span.start, span.end))
    region: dict[str, Any] = {"startLine": span.line, "startColumn": span.column,
                              "endLine": end_line, "endColumn": end_column}
    line = span.source.text.splitlines()[span.line - 1:span.line]
    if line:
        region["snippet"] = {"text": line[0]}
    return region


def _location(span: Span, message: str | None = None, index: int | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": _uri(span.source.path)},
        "region": _region(span),
    }}
    if index is not None:
        location["id"] = index
    if message is not None:
        location["message"] = {"text": message}
    return location


def check_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    """The diagnostics as a SARIF 2.1.0 log with one run (validated against the OASIS schema
    in tests/test_reports.py)."""
    codes = sorted({d.code for d in diagnostics})
    rules = [{"id": code, "name": code,
              "defaultConfiguration": {"level": "error" if any(
                  d.is_error for d in diagnostics if d.code == code) else "warning"}}
             for code in codes]
    results = []
    for diagnostic in diagnostics:
        text = diagnostic.message + (f"\nhelp: {diagnostic.help}" if diagnostic.help else "")
        result: dict[str, Any] = {
            "ruleId": diagnostic.code,
            "ruleIndex": codes.index(diagnostic.code),
            "level": "error" if diagnostic.severity is Severity.ERROR else "warning",
            "message": {"text": text},
            "locations": [_location(diagnostic.span)],
        }
        if diagnostic.related:
            result["relatedLocations"] = [_location(span, label, index)
                                          for index, (label, span) in enumerate(diagnostic.related)]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "srg-rules", "version": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def junit_xml(rulebook: str, results: Sequence[CaseResult]) -> str:
    """The results of ``srg-rules test`` as JUnit XML: one suite, named after the rulebook."""
    failures = sum(1 for r in results if not r.passed)
    suites = ET.Element("testsuites", tests=str(len(results)), failures=str(failures), errors="0")
    suite = ET.SubElement(suites, "testsuite", name=rulebook, tests=str(len(results)),
                          failures=str(failures), errors="0", skipped="0")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=f"{rulebook}.{result.kind}",
                             name=f"{result.kind} {result.name}", file=result.location)
        if not result.passed:
            failure = ET.SubElement(case, "failure", message=result.message or "failed",
                                    type=result.kind)
            failure.text = result.render()
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
