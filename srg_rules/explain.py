"""Decisions and explanations: what an evaluator says about a record, as data and as words.

Input: produced by the backends (a :class:`Decision` per record) and by the reference
interpreter (an :class:`Explanation` with a :class:`Trace` per rule). Output: the public
``Decision`` type, and ``Explanation.render()``, the plain-words account policy staff read.

Reasons are stable strings: a rule's id (its name, or ``line-N``), one of the reason codes
below, or ``<problem>:<field>`` for a field that is missing or not of its type (for example
``missing_value:start_date``, ``unknown_code:category``).
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
from pathlib import PurePath
from typing import Any

import attrs

from . import ir
from .operators import OPERATORS
from .schema import FieldProblem, Schema

__all__ = [
    "AMBIGUOUS_TYPE",
    "Decision",
    "Explanation",
    "NO_INCLUDE_MATCHED",
    "RuleTrace",
    "Status",
    "Trace",
    "UNCLASSIFIED",
    "condition_text",
]

NO_INCLUDE_MATCHED = "no_include_matched"
UNCLASSIFIED = "unclassified"
AMBIGUOUS_TYPE = "ambiguous_type"


class Status(enum.StrEnum):
    """A record's status. Compares equal to its string value (``"included"``)."""

    INCLUDED = "included"
    EXCLUDED = "excluded"
    REJECTED = "rejected"


@attrs.frozen(slots=True)
class Decision:
    """What a rulebook decided for one record. Its fields are public API.

    Attributes:
        status: included, excluded or rejected.
        type: the code of the classify rule that matched (included records only), else None.
        reasons: the rule ids and reason codes that decided it, in rulebook order.
    """

    status: Status
    type: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def included(self) -> bool:
        return self.status is Status.INCLUDED


@attrs.frozen
class Trace:
    """The value of one condition node for one record, with the traces of its parts."""

    node: ir.Condition
    result: bool
    children: tuple[Trace, ...] = ()


@attrs.frozen
class RuleTrace:
    rule: ir.CompiledRule
    trace: Trace

    @property
    def matched(self) -> bool:
        return self.trace.result


@attrs.frozen
class Explanation:
    """Why a record got its decision: the decision, the record's problems, and every rule's trace."""

    decision: Decision
    values: dict[str, Any]
    problems: tuple[FieldProblem, ...]
    rules: tuple[RuleTrace, ...]
    labels: dict[str, str | None] = attrs.field(factory=dict)
    title: str | None = None
    # The path of the rulebook explained; rules from other (used) files name their file.
    home: str | None = None

    def matched(self, verb: str) -> tuple[ir.CompiledRule, ...]:
        return tuple(r.rule for r in self.rules if r.rule.verb == verb and r.matched)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """The decision and why, in plain words."""
        lines = [self._headline()]
        lines.extend(f"  - {reason}" for reason in self._why())
        lines.append("")
        for verb, heading in self._sections():
            traces = [r for r in self.rules if r.rule.verb == verb]
            if not traces:
                continue
            lines.append(f"{heading}:")
            for rule_trace in traces:
                lines.extend(self._rule_lines(rule_trace))
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def _headline(self) -> str:
        decision = self.decision
        if decision.status is Status.INCLUDED:
            if decision.type is None:
                return "Decision: included in the SRG, without a type"
            label = self.labels.get(decision.type)
            shown = f"{decision.type} ({label})" if label else decision.type
            return f"Decision: included in the SRG, type {shown}"
        if decision.status is Status.EXCLUDED:
            return "Decision: excluded from the SRG"
        return "Decision: rejected"

    def _why(self) -> list[str]:
        """One line per reason of the decision, in the order of ``decision.reasons``."""
        by_id = {r.rule.id: r.rule for r in self.rules}
        problems = {p.reason: p for p in self.problems}
        lines = []
        for reason in self.decision.reasons:
            if reason in problems:
                problem = problems[reason]
                lines.append(f"field {problem.field}: {problem.message}")
            elif reason == NO_INCLUDE_MATCHED:
                lines.append("no include rule matched")
            elif reason == UNCLASSIFIED:
                lines.append("no classify rule matched, so the record has no type")
            elif reason == AMBIGUOUS_TYPE:
                lines.append("more than one classify rule matched; the rulebook must give "
                             "exactly one type (fix the rules)")
            elif reason in by_id:
                rule = by_id[reason]
                what = {"reject": "rejected by", "include": "included by",
                        "exclude": "excluded by", "classify": "classified by"}[rule.verb]
                target = f" as {rule.code}" if rule.code is not None else ""
                because = f": {rule.because}" if rule.because else ""
                lines.append(f"{what} rule {rule.id}{target}{because}")
            else:
                lines.append(reason)
        return lines

    def _sections(self) -> tuple[tuple[str, str], ...]:
        rejects = (("reject", "Reject rules (any match rejects the record)"),)
        scope = (
            ("include", "Include rules (at least one must match)"),
            ("exclude", "Exclude rules (any match excludes; exclusion wins)"),
        )
        classify = (("classify", "Classify rules (exactly one must match an included record)"),)
        status = self.decision.status
        if status is Status.REJECTED and AMBIGUOUS_TYPE not in self.decision.reasons:
            return rejects  # the other rules do not count for a rejected record
        if status is Status.EXCLUDED:
            return rejects + scope
        return rejects + scope + classify

    def _rule_lines(self, rule_trace: RuleTrace) -> list[str]:
        rule = rule_trace.rule
        mark = "matched:    " if rule_trace.matched else "not matched:"
        target = f" (type {rule.code})" if rule.code is not None else ""
        where = ""
        if rule.span is not None:
            path = rule.span.source.path
            if self.home is not None and path != self.home:
                # A rule from a used rulebook: say which file it is in.
                where = f", {PurePath(path).name} line {rule.span.line}"
            elif rule.id != f"line-{rule.span.line}":
                where = f", line {rule.span.line}"
        lines = [f"  {mark} {rule.id}{target}{where}"]
        lines.extend(self._trace_lines(rule_trace.trace, depth=3))
        return lines

    def _trace_lines(self, trace: Trace, depth: int) -> list[str]:
        indent = "  " * depth
        mark = "yes" if trace.result else "no "
        node = trace.node
        lines = [f"{indent}{mark}  {condition_text(node)}{self._values_note(node)}"]
        shown = _deciding_children(trace)
        for child in shown:
            lines.extend(self._trace_lines(child, depth + 2))
        return lines

    def _values_note(self, node: ir.Condition) -> str:
        fields: list[str] = []
        if isinstance(node, ir.Compare) or isinstance(node, ir.IsPresent):
            fields = [node.field]
        elif isinstance(node, ir.CompareFields):
            fields = [node.left, node.right]
        elif isinstance(node, ir.Not) and isinstance(node.item, ir.IsPresent):
            fields = [node.item.field]
        if not fields:
            return ""
        return "   <- " + ", ".join(self._value_words(f) for f in fields)

    def _value_words(self, field: str) -> str:
        if any(p.field == field for p in self.problems):
            return f"{field} is not valid"
        value = self.values.get(field)
        if value is None:
            return f"{field} is missing"
        return f"{field} is {format_value(value)}"


def _deciding_children(trace: Trace) -> tuple[Trace, ...]:
    """The parts worth showing: all parts of a match, or just the parts that failed."""
    node = trace.node
    if isinstance(node, ir.AllOf) and not trace.result:
        return tuple(c for c in trace.children if not c.result)
    if isinstance(node, ir.AnyOf) and trace.result:
        return tuple(c for c in trace.children if c.result)
    if isinstance(node, ir.Not) and isinstance(node.item, ir.IsPresent):
        return ()
    return trace.children


def _ids(ids) -> str:
    return ", ".join(ids)


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(format_value(v) for v in value)) + "}"
    return str(value)


_SPACE = re.compile(r"\s+")


def condition_text(node: ir.Condition, schema: Schema | None = None) -> str:
    """A condition as the rulebook wrote it, or, without a source, as it would be written.

    Without a source, a text constant is always quoted (a bare word may name a field); a code
    is bare when it is a plain word and ``schema`` says the field holds codes.

    >>> condition_text(ir.Compare("eq", "name", "w"))
    'name = "w"'
    """
    if node.span is not None:
        # Keep one line per node whatever the source looked like.
        return _SPACE.sub(" ", node.span.text.strip())
    return _print(node, schema, top=True)


def _print(node: ir.Condition, schema: Schema | None, top: bool = False) -> str:
    if isinstance(node, ir.Compare):
        spec = OPERATORS[node.op]
        if node.op == "eq" and node.value is True:
            return node.field
        field = schema.fields.get(node.field) if schema is not None else None
        bare = field is not None and field.codes is not None
        return f"{node.field} {spec.symbol} {_literal(node.value, bare)}"
    if isinstance(node, ir.CompareFields):
        return f"{node.left} {OPERATORS[node.op].symbol} {node.right}"
    if isinstance(node, ir.IsPresent):
        return f"{node.field} is present"
    if isinstance(node, ir.Not):
        if isinstance(node.item, ir.IsPresent):
            return f"{node.item.field} is missing"
        return f"not {_print(node.item, schema)}"
    if isinstance(node, ir.Defined):
        return node.name
    joiner = " and " if isinstance(node, ir.AllOf) else " or "
    text = joiner.join(_print(item, schema) for item in node.items)
    return text if top else f"({text})"


_PLAIN_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")


def _literal(value: Any, bare_codes: bool = False) -> str:
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(_literal(v, bare_codes) for v in value)) + "}"
    if isinstance(value, str):
        if bare_codes and _PLAIN_CODE.fullmatch(value):
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return format_value(value)
