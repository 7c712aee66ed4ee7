"""The reference interpreter: the oracle every other backend is checked against.

Input: an :class:`ir.Program`. Output: a :class:`Decision` per record, and on request an
:class:`Explanation` with the value of every condition node.

It walks the predicate trees directly and says plainly what the semantics are (see
docs/language.md, "Semantics"):

1. the record is read against the schema; every field problem is a reason to reject, and a
   field with a problem counts as missing in the rules that follow;
2. every reject rule is evaluated; any match rejects (with every reason);
3. otherwise included when an include rule matches and no exclude rule does, else excluded;
4. an included record takes the code of the one classify rule that matches; none gives
   ``unclassified``; more than one rejects the record with ``ambiguous_type``.

A comparison with a missing value is false; ``not`` is plain negation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .. import ir
from ..explain import (
    AMBIGUOUS_TYPE,
    NO_INCLUDE_MATCHED,
    UNCLASSIFIED,
    Decision,
    Explanation,
    RuleTrace,
    Status,
    Trace,
)
from ..operators import OPERATORS

__all__ = ["Interpreter", "compile_program", "evaluate"]


def evaluate(condition: ir.Condition, values: Mapping[str, Any]) -> bool:
    """The truth of a condition over typed values (None is missing)."""
    if isinstance(condition, ir.Compare):
        value = values[condition.field]
        return value is not None and OPERATORS[condition.op].evaluate(value, condition.value)
    if isinstance(condition, ir.AllOf):
        return all(evaluate(item, values) for item in condition.items)
    if isinstance(condition, ir.AnyOf):
        return any(evaluate(item, values) for item in condition.items)
    if isinstance(condition, ir.Not):
        return not evaluate(condition.item, values)
    if isinstance(condition, ir.Defined):
        return evaluate(condition.body, values)
    if isinstance(condition, ir.IsPresent):
        return values[condition.field] is not None
    if isinstance(condition, ir.CompareFields):
        left, right = values[condition.left], values[condition.right]
        return left is not None and right is not None and OPERATORS[condition.op].evaluate(left, right)
    raise TypeError(f"not a condition: {condition!r}")


def trace(condition: ir.Condition, values: Mapping[str, Any]) -> Trace:
    """Like :func:`evaluate`, keeping the value of every node (no short-circuit)."""
    if isinstance(condition, (ir.AllOf, ir.AnyOf)):
        children = tuple(trace(item, values) for item in condition.items)
        combine = all if isinstance(condition, ir.AllOf) else any
        return Trace(condition, combine(c.result for c in children), children)
    if isinstance(condition, ir.Not):
        child = trace(condition.item, values)
        return Trace(condition, not child.result, (child,))
    if isinstance(condition, ir.Defined):
        child = trace(condition.body, values)
        return Trace(condition, child.result, (child,))
    return Trace(condition, evaluate(condition, values))


class Interpreter:
    """A program ready to decide records by walking its trees."""

    def __init__(self, program: ir.Program):
        self.program = program
        self._rejects = program.by_verb("reject")
        self._includes = program.by_verb("include")
        self._excludes = program.by_verb("exclude")
        self._classifications = program.by_verb("classify")
        self._has_output = program.schema.output is not None

    def decide(self, record: Mapping[str, Any]) -> Decision:
        values, problems = self.program.schema.read(record)
        return self._decide(values, [p.reason for p in problems])

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]:
        for record in records:
            yield self.decide(record)

    def decide_values(self, values: Mapping[str, Any], problems: Sequence[str] = ()) -> Decision:
        """Decide typed values (as the analysis, strategies and the registration level produce
        them); ``problems`` are reasons found before the rules, which reject the record."""
        return self._decide(values, list(problems))

    def _decide(self, values: Mapping[str, Any], problems: list[str]) -> Decision:
        rejected = [r.id for r in self._rejects if evaluate(r.condition, values)]
        if problems or rejected:
            return Decision(Status.REJECTED, None, (*problems, *rejected))
        excluded = tuple(r.id for r in self._excludes if evaluate(r.condition, values))
        if excluded:
            return Decision(Status.EXCLUDED, None, excluded)
        included = tuple(r.id for r in self._includes if evaluate(r.condition, values))
        if not included:
            return Decision(Status.EXCLUDED, None, (NO_INCLUDE_MATCHED,))
        types = [r for r in self._classifications if evaluate(r.condition, values)]
        if len(types) > 1:
            return Decision(Status.REJECTED, None, (AMBIGUOUS_TYPE, *(r.id for r in types)))
        if types:
            return Decision(Status.INCLUDED, types[0].code, (*included, types[0].id))
        if self._has_output:
            return Decision(Status.INCLUDED, None, (*included, UNCLASSIFIED))
        return Decision(Status.INCLUDED, None, included)

    def explain(self, record: Mapping[str, Any]) -> Explanation:
        values, problems = self.program.schema.read(record)
        return self.explain_values(values, problems)

    def explain_values(self, values: Mapping[str, Any], problems: Sequence[Any] = (),
                       reasons: Sequence[str] = ()) -> Explanation:
        """Explain typed values; ``problems`` are FieldProblems, ``reasons`` other reasons
        found before the rules (a provision's conflicts)."""
        problems = tuple(problems)
        decision = self._decide(values, [*(p.reason for p in problems), *reasons])
        traces = tuple(RuleTrace(rule, trace(rule.condition, values)) for rule in self.program.rules)
        output = self.program.schema.output
        return Explanation(
            decision, values, tuple(problems), traces,
            labels=dict(output.codes) if output is not None else {},
            title=self.program.title,
        )


def compile_program(program: ir.Program) -> Interpreter:
    return Interpreter(program)
