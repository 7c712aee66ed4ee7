"""Decisions and explanations: what an evaluator says about a record, as data and as words.

Input: produced by the backends (a :class:`Decision` per record) and by the reference
interpreter (an :class:`Explanation` with a :class:`Trace` per rule). Output: the public
``Decision`` type, and ``Explanation.render()``, the plain-words account policy staff read.

Reasons are stable strings: a rule's id (its name, or ``line-N``), one of the reason codes
below, or ``<problem>:<field>`` for a field that is missing or not of its type (for example
``missing_value:start_date``, ``unknown_code:category``).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import attrs

from . import ir, printer
from .decision import AMBIGUOUS_TYPE, NO_INCLUDE_MATCHED, UNCLASSIFIED, Decision, Status
from .schema import FieldProblem

__all__ = [
    "Explanation",
    "RuleTrace",
    "Trace",
]

@attrs.frozen
class Trace:
    """The value of one condition node for one record, with the traces of its parts."""

    node: ir.Condition
    result: bool
    children: tuple[Trace, ...] = ()
    # The values of the computed operands of a leaf (a moved date, ...), as (operand, value),
    # so that an explanation shows what was compared, not only what was read.
    computed: tuple[tuple[ir.Operand, Any], ...] = ()


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
        lines.extend(self._warning_lines())
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
                lines.append("classify rules that give different types matched; the rulebook "
                             "must give one type (fix the rules)")
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

    def _warning_lines(self) -> list[str]:
        """The warnings, each with its rule's ``because``; they do not change the decision."""
        if not self.decision.warnings:
            return []
        by_id = {r.rule.id: r.rule for r in self.rules}
        lines = ["Warnings (the decision stands):"]
        for warning in self.decision.warnings:
            because = by_id[warning].because if warning in by_id else None
            lines.append(f"  - warned by rule {warning}" + (f": {because}" if because else ""))
        return lines

    def _sections(self) -> tuple[tuple[str, str], ...]:
        rejects = (("reject", "Reject rules (any match rejects the record)"),)
        scope = (
            ("include", "Include rules (at least one must match)"),
            ("exclude", "Exclude rules (any match excludes; exclusion wins)"),
        )
        classify = (("classify", "Classify rules (the ones that match an included record must agree on its type)"),)
        # Warn rules count whatever the decision: every one is shown, matched or not.
        warns = (("warn", "Warn rules (a match warns; the decision stands)"),)
        status = self.decision.status
        if status is Status.REJECTED and AMBIGUOUS_TYPE not in self.decision.reasons:
            return rejects + warns  # the other rules do not count for a rejected record
        if status is Status.EXCLUDED:
            return rejects + scope + warns
        return rejects + scope + classify + warns

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
        node = rule_trace.trace.node
        if rule.implicit and isinstance(node, ir.AnyOf) and len(node.items) > _MANY_PARTS:
            lines.extend(self._summary_lines(rule_trace.trace, depth=3))
        else:
            lines.extend(self._trace_lines(rule_trace.trace, depth=3))
        return lines

    def _summary_lines(self, trace: Trace, depth: int) -> list[str]:
        """An implied rule of many parts (the values of a long code list out of force, part
        per period): only the parts that hold, or one line saying that none does."""
        if trace.result:
            return [line for child in trace.children if child.result
                    for line in self._trace_lines(child, depth)]
        fields = ", ".join(self._value_words(f) for f in ir.fields_of(trace.node))
        return [f"{'  ' * depth}no   none of its {len(trace.children)} parts holds   <- {fields}"]

    def _trace_lines(self, trace: Trace, depth: int) -> list[str]:
        indent = "  " * depth
        mark = "yes" if trace.result else "no "
        node = trace.node
        note = self._values_note(node)
        if note:
            note += self._computed_note(trace)
        lines = [f"{indent}{mark}  {printer.condition(node)}{note}"]
        shown = _deciding_children(trace)
        for child in shown:
            lines.extend(self._trace_lines(child, depth + 2))
        return lines

    def _values_note(self, node: ir.Condition) -> str:
        # The values a leaf reads (a comparison, a presence test); a combination's parts show
        # their own.
        fields: tuple[str, ...] = ()
        if not isinstance(node, (ir.AllOf, ir.AnyOf, ir.Defined)) and not (
                isinstance(node, ir.Not) and not isinstance(node.item, ir.IsPresent)):
            fields = ir.fields_of(node)
        if not fields:
            return ""
        return "   <- " + ", ".join(self._value_words(f) for f in fields)

    def _computed_note(self, trace: Trace) -> str:
        words = [f"{printer.operand(operand)} is "
                 + ("missing" if value is None else printer.shown(value))
                 for operand, value in trace.computed]
        return ", " + ", ".join(words) if words else ""

    def _value_words(self, field: str) -> str:
        if any(p.field == field for p in self.problems):
            return f"{field} is not valid"
        value = self.values.get(field)
        if value is None:
            return f"{field} is missing"
        return f"{field} is {printer.shown(value)}"


# An implied rule with more parts than this is explained by the parts that hold (see
# Explanation._summary_lines).
_MANY_PARTS = 8


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
