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
   ``unclassified``; more than one rejects the record with ``ambiguous_type``;
5. whatever the decision, the warn rules that match are its warnings (a field with a problem
   counts as missing in them too).

A comparison with a missing value is false; ``not`` is plain negation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import functools
import re
from collections.abc import Callable

import attrs

from .. import dates, ir, patterns
from ..decision import VERBS, Decision, decide
from ..explain import Explanation, RuleTrace, Trace
from ..operators import OPERATORS

__all__ = ["Interpreter", "compile_program", "evaluate"]

Values = Mapping[str, Any]


class _Closures(ir.Visitor):
    """Turns a condition into a function of the record's typed values, node by node.

    Operands become functions giving a value (None: missing), conditions functions giving a
    truth value. This is the semantics, written once; :func:`evaluate` and :func:`trace` run it.
    """

    def field_value(self, node: ir.FieldValue) -> Callable[[Values], Any]:
        name = node.name
        return lambda values: values[name]

    def constant(self, node: ir.Constant) -> Callable[[Values], Any]:
        value = node.value
        return lambda values: value

    def date_shift(self, node: ir.DateShift) -> Callable[[Values], Any]:
        base, amount, unit = self(node.base), node.amount, node.unit

        def moved(values: Values) -> Any:
            day = base(values)
            return None if day is None else dates.shift(day, amount, unit)

        return moved

    def length(self, node: ir.Length) -> Callable[[Values], Any]:
        operand = self(node.operand)

        def measured(values: Values) -> Any:
            text = operand(values)
            return None if text is None else len(text)

        return measured

    def age(self, node: ir.Age) -> Callable[[Values], Any]:
        birth, on = self(node.birth), self(node.on)

        def aged(values: Values) -> Any:
            born, day = birth(values), on(values)
            return None if born is None or day is None else dates.age(born, day)

        return aged

    def compare(self, node: ir.Compare) -> Callable[[Values], bool]:
        left, right = self(node.left), self(node.right)
        test = OPERATORS[node.op].evaluate

        def compare(values: Values) -> bool:
            a = left(values)
            if a is None:
                return False
            b = right(values)
            return b is not None and test(a, b)

        return compare

    def matches(self, node: ir.Matches) -> Callable[[Values], bool]:
        operand = self(node.operand)
        full_match = re.compile(patterns.parse(node.pattern).python).fullmatch

        def matches(values: Values) -> bool:
            text = operand(values)
            return text is not None and full_match(text) is not None

        return matches

    def is_present(self, node: ir.IsPresent) -> Callable[[Values], bool]:
        name = node.field
        return lambda values: values[name] is not None

    def negation(self, node: ir.Not) -> Callable[[Values], bool]:
        item = self(node.item)
        return lambda values: not item(values)

    def all_of(self, node: ir.AllOf) -> Callable[[Values], bool]:
        items = tuple(self(item) for item in node.items)
        return lambda values: all(item(values) for item in items)

    def any_of(self, node: ir.AnyOf) -> Callable[[Values], bool]:
        items = tuple(self(item) for item in node.items)
        return lambda values: any(item(values) for item in items)

    def defined(self, node: ir.Defined) -> Callable[[Values], bool]:
        body: Callable[[Values], bool] = self(node.body)  # the visitor's dispatch is untyped
        return body


_CLOSURES = _Closures()


@functools.lru_cache(maxsize=4096)
def _closure(condition: ir.Condition) -> Callable[[Values], bool]:
    closure: Callable[[Values], bool] = _CLOSURES(condition)  # the visitor's dispatch is untyped
    return closure


def evaluate(condition: ir.Condition, values: Values) -> bool:
    """The truth of a condition over typed values (None is missing)."""
    return _closure(condition)(values)


def trace(condition: ir.Condition, values: Values) -> Trace:
    """Like :func:`evaluate`, keeping the value of every condition node (no short-circuit)."""
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
    computed: tuple[tuple[ir.Operand, Any], ...] = ()
    if isinstance(condition, ir.Compare):
        computed = tuple((side, _closure(side)(values)) for side in (condition.left, condition.right)
                         if not isinstance(side, (ir.FieldValue, ir.Constant)))
    return Trace(condition, evaluate(condition, values), computed=computed)


class _Matches(Mapping[str, list[ir.CompiledRule]]):
    """The rules of each verb that match, found when :func:`decide` first asks for the verb:
    a record rejected by a rule is not tried against the others (the result is the same)."""

    def __init__(self, rules: Mapping[str, tuple[tuple[ir.CompiledRule, Any], ...]],
                 values: Values):
        self._rules = rules
        self._values = values
        self._found: dict[str, list[ir.CompiledRule]] = {}

    def __getitem__(self, verb: str) -> list[ir.CompiledRule]:
        found = self._found.get(verb)
        if found is None:
            values = self._values
            found = self._found[verb] = [rule for rule, test in self._rules[verb] if test(values)]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


class Interpreter:
    """A program ready to decide records by walking its trees."""

    def __init__(self, program: ir.Program, compiled: tuple[Any, Any] | None = None):
        self.program = program
        if compiled is not None:  # from without(): the conditions compiled already
            self._rules, self._warns = compiled
        else:
            self._rules = {verb: tuple((rule, _CLOSURES(rule.condition))
                                       for rule in program.by_verb(verb))
                           for verb in VERBS}
            self._warns = tuple((rule.id, _CLOSURES(rule.condition))
                                for rule in program.by_verb("warn"))
        self._has_output = program.schema.output is not None

    def without(self, rule_id: str) -> Interpreter:
        """The same program less one rule, reusing this one's compiled conditions (building
        an Interpreter compiles every rule: the analysis asks this once per dead rule)."""
        program = attrs.evolve(self.program, rules=tuple(
            r for r in self.program.rules if r.id != rule_id))
        rules = {verb: tuple(pair for pair in pairs if pair[0].id != rule_id)
                 for verb, pairs in self._rules.items()}
        warns = tuple(pair for pair in self._warns if pair[0] != rule_id)
        return Interpreter(program, (rules, warns))

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
        decision = decide(_Matches(self._rules, values), problems, self._has_output)
        if self._warns:
            warnings = tuple(rule_id for rule_id, test in self._warns if test(values))
            if warnings:
                return attrs.evolve(decision, warnings=warnings)
        return decision

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
