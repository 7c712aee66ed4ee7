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
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from . import ir, printer
from .decision import AMBIGUOUS_TYPE, NO_INCLUDE_MATCHED, UNCLASSIFIED, Decision, Status
from .i18n import gettext as _
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
    values: Mapping[str, Any]
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

    def short(self, near_misses: Sequence[Any] = (), *, full_hint: bool = True) -> str:
        """The short form policy staff read first: the decision, the rules that decided it
        with their ``because``, the values that mattered, the warnings, and the near-misses
        (:class:`srg_rules.analysis.nearmiss.NearMiss` values, closest first) as one line each.
        """
        lines = [self._headline()]
        lines.extend(f"  - {reason}" for reason in self._why())
        mattered = self.mattered()
        if mattered:
            lines.append(_("Values that mattered: {values}").format(
                values=", ".join(_value_is(field, self.values.get(field), self._invalid(field))
                                 for field in mattered)))
        lines.extend(self._warning_lines())
        if near_misses:
            lines.append(_("What would change the decision:"))
            lines.extend(f"  - {self.near_miss_line(miss)}" for miss in near_misses)
        if full_hint:
            lines.append(_("(every rule, matched or not: srg-rules explain --full)"))
        return "\n".join(lines) + "\n"

    def mattered(self) -> tuple[str, ...]:
        """The fields whose values decided: those the deciding rules read (the include rules
        when none matched, the classify rules when none gave a type), in schema order of
        first use (a field with a problem aside: it is among the reasons)."""
        by_id = {r.rule.id: r.rule for r in self.rules}
        rules = [by_id[reason] for reason in self.decision.reasons if reason in by_id]
        if NO_INCLUDE_MATCHED in self.decision.reasons:
            rules.extend(r.rule for r in self.rules if r.rule.verb == "include")
        if UNCLASSIFIED in self.decision.reasons:
            rules.extend(r.rule for r in self.rules if r.rule.verb == "classify")
        fields: dict[str, None] = {}
        for rule in rules:
            for name in ir.fields_of(rule.body if rule.body is not None else rule.condition):
                fields.setdefault(name)
        # A field with a problem has its own line among the reasons.
        return tuple(name for name in fields if not self._invalid(name))

    def near_miss_line(self, miss: Any) -> str:
        """One near-miss in one line: the rules it brings in or takes out, the change (the
        value needed, and the value now), and the decision it would give."""
        wanted = _(" and ").join(_value_is(c.field, c.value, False)
                                 for c in miss.changes)
        if len(miss.changes) == 1:
            now = _now(miss.changes[0].now)
        else:
            now = ", ".join(_value_is(c.field, c.now, False) for c in miss.changes)
        rules = _(" and ").join(miss.named)
        if not miss.named:
            head = _("the decision would change if {change}; now: {now}")
        elif miss.brings_in:
            head = (_("rule {rules} would apply if {change}; now: {now}") if len(miss.named) == 1
                    else _("rules {rules} would apply if {change}; now: {now}"))
        else:
            head = (_("rule {rules} would no longer apply if {change}; now: {now}")
                    if len(miss.named) == 1
                    else _("rules {rules} would no longer apply if {change}; now: {now}"))
        return (head.format(rules=rules, change=wanted, now=now)
                + " " + _("(then: {decision})").format(decision=self.outcome_words(miss.decision)))

    def outcome_words(self, decision: Decision) -> str:
        """A decision's status and type in words: ``included, type 42 (Training)``."""
        if decision.status is Status.INCLUDED:
            if decision.type is None:
                return _("included, without a type")
            label = self.labels.get(decision.type)
            shown = f"{decision.type} ({label})" if label else decision.type
            return _("included, type {type}").format(type=shown)
        if decision.status is Status.EXCLUDED:
            return _("excluded")
        return _("rejected")

    def as_dict(self, near_misses: Sequence[Any] = ()) -> dict[str, Any]:
        """The short form as data (``srg-rules explain --format json``; its schema is in
        docs/cli.md, "explain --format json"). Codes (status, reasons, rule ids, fields) are
        the stable identifiers; ``text`` values are words in the current language."""
        by_id = {r.rule.id: r.rule for r in self.rules}
        decision = self.decision
        return {
            "decision": _decision_dict(decision, self.labels),
            "reasons": [
                {"reason": reason, "text": text,
                 **({"rule": reason, "verb": by_id[reason].verb,
                     "because": by_id[reason].because} if reason in by_id else {})}
                for reason, text in zip(decision.reasons, self._why(), strict=True)],
            "values": {field: _json_value(self.values.get(field)) for field in self.mattered()},
            "problems": [{"field": p.field, "reason": p.reason, "text": p.message}
                         for p in self.problems],
            "warnings": [{"rule": w, "because": by_id[w].because if w in by_id else None}
                         for w in decision.warnings],
            "near_misses": [
                {"changes": [{"field": c.field, "value": _json_value(c.value),
                              "now": _json_value(c.now)} for c in miss.changes],
                 "decision": _decision_dict(miss.decision, self.labels),
                 "rules": list(miss.named),
                 "brings_in": bool(miss.brings_in),
                 "brought_in": list(miss.brought_in),
                 "taken_out": list(miss.taken_out),
                 "text": self.near_miss_line(miss)}
                for miss in near_misses],
        }

    def _invalid(self, field: str) -> bool:
        return any(p.field == field for p in self.problems)

    def _headline(self) -> str:
        decision = self.decision
        if decision.status is Status.INCLUDED:
            if decision.type is None:
                return _("Decision: included in the SRG, without a type")
            label = self.labels.get(decision.type)
            shown = f"{decision.type} ({label})" if label else decision.type
            return _("Decision: included in the SRG, type {type}").format(type=shown)
        if decision.status is Status.EXCLUDED:
            return _("Decision: excluded from the SRG")
        return _("Decision: rejected")

    def _why(self) -> list[str]:
        """One line per reason of the decision, in the order of ``decision.reasons``."""
        by_id = {r.rule.id: r.rule for r in self.rules}
        problems = {p.reason: p for p in self.problems}
        lines = []
        for reason in self.decision.reasons:
            if reason in problems:
                problem = problems[reason]
                lines.append(_("field {field}: {problem}").format(field=problem.field,
                                                                  problem=problem.message))
            elif reason == NO_INCLUDE_MATCHED:
                lines.append(_("no include rule matched"))
            elif reason == UNCLASSIFIED:
                lines.append(_("no classify rule matched, so the record has no type"))
            elif reason == AMBIGUOUS_TYPE:
                lines.append(_("classify rules that give different types matched; the "
                               "rulebook must give one type (fix the rules)"))
            elif reason in by_id:
                lines.append(_rule_words(by_id[reason]))
            else:
                lines.append(reason)
        return lines

    def _warning_lines(self) -> list[str]:
        """The warnings, each with its rule's ``because``; they do not change the decision."""
        if not self.decision.warnings:
            return []
        by_id = {r.rule.id: r.rule for r in self.rules}
        lines = [_("Warnings (the decision stands):")]
        for warning in self.decision.warnings:
            because = by_id[warning].because if warning in by_id else None
            lines.append("  - " + _("warned by rule {rule}").format(rule=warning)
                         + (f": {because}" if because else ""))
        return lines

    def _sections(self) -> tuple[tuple[str, str], ...]:
        rejects = (("reject", _("Reject rules (any match rejects the record)")),)
        scope = (
            ("include", _("Include rules (at least one must match)")),
            ("exclude", _("Exclude rules (any match excludes; exclusion wins)")),
        )
        classify = (("classify", _("Classify rules (the ones that match an included record must "
                                  "agree on its type)")),)
        # Warn rules count whatever the decision: every one is shown, matched or not.
        warns = (("warn", _("Warn rules (a match warns; the decision stands)")),)
        status = self.decision.status
        if status is Status.REJECTED and AMBIGUOUS_TYPE not in self.decision.reasons:
            return rejects + warns  # the other rules do not count for a rejected record
        if status is Status.EXCLUDED:
            return rejects + scope + warns
        return rejects + scope + classify + warns

    def _rule_lines(self, rule_trace: RuleTrace) -> list[str]:
        rule = rule_trace.rule
        mark = _("matched:    ") if rule_trace.matched else _("not matched:")
        target = _(" (type {type})").format(type=rule.code) if rule.code is not None else ""
        where = ""
        if rule.span is not None:
            path = rule.span.source.path
            if self.home is not None and path != self.home:
                # A rule from a used rulebook: say which file it is in.
                where = _(", {file} line {line}").format(file=PurePath(path).name,
                                                        line=rule.span.line)
            elif rule.id != f"line-{rule.span.line}":
                where = _(", line {line}").format(line=rule.span.line)
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
        return [f"{'  ' * depth}" + _("no   none of its {count} parts holds   <- {values}").format(
            count=len(trace.children), values=fields)]

    def _trace_lines(self, trace: Trace, depth: int) -> list[str]:
        indent = "  " * depth
        mark = _("yes") if trace.result else _("no ")
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
                isinstance(node, ir.Not) and not _negated_leaf(node)):
            fields = ir.fields_of(node)
        if not fields:
            return ""
        return "   <- " + ", ".join(self._value_words(f) for f in fields)

    def _computed_note(self, trace: Trace) -> str:
        words = [_("{operand} is missing").format(operand=printer.operand(operand))
                 if value is None else
                 _("{operand} is {value}").format(operand=printer.operand(operand),
                                                  value=printer.shown(value))
                 for operand, value in trace.computed]
        return ", " + ", ".join(words) if words else ""

    def _value_words(self, field: str) -> str:
        if any(p.field == field for p in self.problems):
            return _("{field} is not valid").format(field=field)
        value = self.values.get(field)
        if value is None:
            return _("{field} is missing").format(field=field)
        return _("{field} is {value}").format(field=field, value=printer.shown(value))


def _value_is(field: str, value: Any, invalid: bool) -> str:
    """``field = value``, or that it is missing or not valid."""
    if invalid:
        return _("{field} is not valid").format(field=field)
    if value is None:
        return _("{field} is missing").format(field=field)
    return _("{field} = {value}").format(field=field, value=printer.shown(value))


def _now(value: Any) -> str:
    return _("missing") if value is None else printer.shown(value)


def _json_value(value: Any) -> Any:
    """A typed value in JSON: a date or month as written in a rulebook, others as they are."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return printer.shown(value)


def _decision_dict(decision: Decision, labels: dict[str, str | None]) -> dict[str, Any]:
    return {"status": decision.status.value, "type": decision.type,
            "type_label": labels.get(decision.type) if decision.type is not None else None,
            "reasons": list(decision.reasons), "warnings": list(decision.warnings)}


def _rule_words(rule: ir.CompiledRule) -> str:
    """How a rule among a decision's reasons decided it, with its ``because``."""
    target = _(" as {type}").format(type=rule.code) if rule.code is not None else ""
    what = {"reject": _("rejected by rule {rule}{target}"),
            "include": _("included by rule {rule}{target}"),
            "exclude": _("excluded by rule {rule}{target}"),
            "classify": _("classified by rule {rule}{target}")}[rule.verb]
    because = f": {rule.because}" if rule.because else ""
    return what.format(rule=rule.id, target=target) + because


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
    if isinstance(node, ir.Not) and _negated_leaf(node):
        return ()
    return trace.children


def _negated_leaf(node: ir.Not) -> bool:
    """A negation written as one leaf: ``f is missing``, ``f does not match "..."`` (its
    part has the leaf's own span, so showing the part would repeat the leaf's words)."""
    return isinstance(node.item, ir.IsPresent) or (
        isinstance(node.item, ir.Matches) and node.span is not None and node.item.span == node.span)
