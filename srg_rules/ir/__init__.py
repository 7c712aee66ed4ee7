"""The predicate trees that every evaluator runs, and the program that holds them.

Input: a rulebook that :func:`srg_rules.check.check` found free of errors. Output: a
:class:`Program`: the schema, and each rule as a :class:`CompiledRule` with a condition tree
whose leaves are typed comparisons on named fields. Backends (interpreter, compiled Python,
SQL) and the analysis read this and nothing before it.

Invariants: names are resolved (a define is a :class:`Defined` node carrying its body; the
operands of a comparison are :class:`FieldValue` s and :class:`Constant` s, as the checker
resolved them); constants have their field's Python type (str for codes and text, int/float,
``datetime.date``, bool); every node points back at the span of the text it came from (not
part of equality). Consumers dispatch on node kinds through :class:`Visitor` or use the shared
machinery here (:func:`walk`, :func:`transform`, :func:`fields_of`), so that a node kind
nobody taught them raises instead of passing silently.

The package: :mod:`.nodes` (condition trees), :mod:`.program` (rules, periods, the program),
:mod:`.lowering` (:func:`from_ast`). Import from ``srg_rules.ir``; the split is for size.
"""

from __future__ import annotations

from .lowering import from_ast, outside, within
from .nodes import (NODE_KINDS, Age, AllOf, AnyOf, Compare, Condition, Constant, DateShift, Defined,
                    FieldValue, IsPresent, Length, Matches, Not, Operand, UnhandledNode, Visitor,
                    children, compare, compare_fields, field_constant, field_pair, fields_of,
                    fold, node_kind, rebuild, transform, walk, with_constants)
from .program import (NOT_IN_FORCE, Activities, CompiledRule, Component, Expectation, Expression,
                      Outcome, Period, Program, TextJoin, Trajectory, Unique)

__all__ = [
    "Activities",
    "AllOf",
    "AnyOf",
    "Compare",
    "CompiledRule",
    "Component",
    "Condition",
    "Constant",
    "DateShift",
    "Age",
    "Defined",
    "Expectation",
    "Expression",
    "FieldValue",
    "Length",
    "IsPresent",
    "Matches",
    "NODE_KINDS",
    "NOT_IN_FORCE",
    "Not",
    "Operand",
    "Outcome",
    "Period",
    "Program",
    "TextJoin",
    "Trajectory",
    "Unique",
    "UnhandledNode",
    "Visitor",
    "children",
    "compare",
    "compare_fields",
    "field_constant",
    "field_pair",
    "fields_of",
    "fold",
    "from_ast",
    "node_kind",
    "outside",
    "rebuild",
    "transform",
    "walk",
    "with_constants",
    "within",
]
