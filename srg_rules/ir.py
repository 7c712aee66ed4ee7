"""The predicate trees that every evaluator runs, and the program that holds them.

Input: a rulebook that :func:`srg_rules.check.check` found free of errors. Output: a
:class:`Program`: the schema, and each rule as a :class:`CompiledRule` with a condition tree
whose leaves are typed comparisons on named fields. Backends (interpreter, compiled Python,
SQL) and the analysis read this and nothing before it.

Invariants: names are resolved (a define is a :class:`Defined` node carrying its body; a field
on the right of a comparison is a :class:`CompareFields`); literal values have their field's
Python type (str for codes and text, int/float, ``datetime.date``, bool); every node points
back at the span of the text it came from (not part of equality).
"""

from __future__ import annotations

from typing import Any, Union

import attrs

from . import ast
from .check import Checked, FieldRef, Literal, resolve_operand
from .schema import Schema
from .source import Span

__all__ = [
    "AllOf",
    "AnyOf",
    "Compare",
    "CompareFields",
    "CompiledRule",
    "Condition",
    "Defined",
    "Expectation",
    "IsPresent",
    "Not",
    "Program",
    "from_ast",
    "walk",
]


def _span() -> Any:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Compare:
    """``field OP value``; for the set operators ``value`` is a frozenset."""

    op: str
    field: str
    value: Any
    span: Span | None = _span()


@attrs.frozen
class CompareFields:
    """``left OP right`` between two fields of the same type."""

    op: str
    left: str
    right: str
    span: Span | None = _span()


@attrs.frozen
class IsPresent:
    field: str
    span: Span | None = _span()


@attrs.frozen
class Not:
    item: Condition
    span: Span | None = _span()


@attrs.frozen
class AllOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


@attrs.frozen
class AnyOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


@attrs.frozen
class Defined:
    """A use of a define: evaluates as its body; kept so explanations can name it."""

    name: str
    body: Condition
    span: Span | None = _span()


Condition = Union[Compare, CompareFields, IsPresent, Not, AllOf, AnyOf, Defined]


@attrs.frozen
class CompiledRule:
    """A rule ready to evaluate. ``verb`` is reject, include, exclude or classify."""

    id: str
    verb: str
    condition: Condition
    because: str | None = None
    code: str | None = None  # the output code, for classify
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Expectation:
    """``expect OUTCOME when condition``; outcome is a status, or ``type`` with ``code``."""

    outcome: str
    condition: Condition
    code: str | None = None
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Program:
    """Everything an evaluator needs: the schema and the rules, grouped by verb."""

    schema: Schema
    rules: tuple[CompiledRule, ...]
    expectations: tuple[Expectation, ...] = ()
    title: str | None = None
    version: str | None = None

    def by_verb(self, verb: str) -> tuple[CompiledRule, ...]:
        return tuple(rule for rule in self.rules if rule.verb == verb)

    def rule(self, rule_id: str) -> CompiledRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def from_ast(checked: Checked) -> Program:
    """Lower a checked rulebook to its program. The rulebook must have no errors."""
    if not checked.ok or checked.schema is None:
        raise ValueError("from_ast needs a rulebook without errors")
    lowering = _Lowering(checked)
    rules: list[CompiledRule] = []
    expectations: list[Expectation] = []
    title = version = None
    for index, statement in enumerate(checked.rulebook.statements):
        if isinstance(statement, ast.Rule):
            rules.append(CompiledRule(
                checked.rule_ids[index], statement.verb, lowering.condition(statement.condition),
                statement.because, span=statement.span,
            ))
        elif isinstance(statement, ast.Classification):
            rules.append(CompiledRule(
                checked.rule_ids[index], "classify", lowering.condition(statement.condition),
                statement.because, lowering.output_code(statement.code), span=statement.span,
            ))
        elif isinstance(statement, ast.Expectation):
            code = lowering.output_code(statement.code) if statement.code is not None else None
            expectations.append(Expectation(
                statement.outcome, lowering.condition(statement.condition), code,
                span=statement.span,
            ))
        elif isinstance(statement, ast.Header):
            title, version = statement.title, statement.version
    return Program(checked.schema, tuple(rules), tuple(expectations), title, version)


class _Lowering:
    def __init__(self, checked: Checked):
        self._schema = checked.schema
        self._definitions = checked.definitions
        self._defined: dict[str, Condition] = {}

    def output_code(self, value: ast.Value) -> str:
        return ast.code_text(value)

    def condition(self, node: ast.Condition) -> Condition:
        if isinstance(node, ast.AllOf):
            return AllOf(tuple(self.condition(i) for i in node.items), span=node.span)
        if isinstance(node, ast.AnyOf):
            return AnyOf(tuple(self.condition(i) for i in node.items), span=node.span)
        if isinstance(node, ast.Not):
            return Not(self.condition(node.item), span=node.span)
        if isinstance(node, ast.Presence):
            present = IsPresent(node.field.text, span=node.span)
            return present if node.present else Not(present, span=node.span)
        if isinstance(node, ast.Reference):
            name = node.name.text
            if name in self._definitions:
                return Defined(name, self._definition(name), span=node.span)
            # A bare boolean field: true when present and true.
            return Compare("eq", name, True, span=node.span)
        return self._comparison(node)

    def _definition(self, name: str) -> Condition:
        if name not in self._defined:
            self._defined[name] = self.condition(self._definitions[name].condition)
        return self._defined[name]

    def _comparison(self, node: ast.Comparison) -> Condition:
        field = self._schema.fields[node.field.text]
        if isinstance(node.value, ast.ValueSet):
            values = frozenset(
                resolve_operand(field, item, self._schema.fields).value for item in node.value.items
            )
            return Compare(node.op, field.name, values, span=node.span)
        operand = resolve_operand(field, node.value, self._schema.fields)
        if isinstance(operand, FieldRef):
            return CompareFields(node.op, field.name, operand.name, span=node.span)
        assert isinstance(operand, Literal)
        return Compare(node.op, field.name, operand.value, span=node.span)


def walk(condition: Condition):
    """Every node of a condition tree, parents before children."""
    yield condition
    if isinstance(condition, (AllOf, AnyOf)):
        for item in condition.items:
            yield from walk(item)
    elif isinstance(condition, Not):
        yield from walk(condition.item)
    elif isinstance(condition, Defined):
        yield from walk(condition.body)
