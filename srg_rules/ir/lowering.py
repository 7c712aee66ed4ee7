"""From a checked rulebook to its :class:`~srg_rules.ir.program.Program` (:func:`from_ast`):
conditions lowered to node kinds, validity periods to conditions on the decision date.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, cast, overload

import attrs

from .. import ast, dates
from ..checked import Checked, FieldRef, Literal
from ..i18n import gettext as _
from ..combine import DEFAULT_WAY
from ..operators import OPERATORS
from ..source import Span
from .nodes import (Age, AllOf, AnyOf, Compare, Condition, Constant, DateShift, Defined, FieldValue,
                    IsPresent, Length, Matches, Not, Operand, compare, fold)
from .program import (NOT_IN_FORCE, Activities, CompiledRule, Component, Expectation, Expression,
                      Outcome, Period, Program, TextJoin, Trajectory, Unique)
def from_ast(checked: Checked) -> Program:
    """Lower a checked rulebook to its program. The rulebook must have no errors."""
    if not checked.ok or checked.schema is None:
        raise ValueError("from_ast needs a rulebook without errors")
    lowering = _Lowering(checked)
    rules: list[CompiledRule] = []
    expectations: list[Expectation] = []
    trajectories: list[Trajectory] = []
    activities: Activities | None = None
    title = version = decision_date = validity = identifier = None
    code_validity: list[tuple[str, tuple[tuple[str, Period], ...]]] = []
    output_validity: list[tuple[str, Period]] = []
    unique: list[Unique] = []
    for index, statement in enumerate(checked.rulebook.statements):
        if isinstance(statement, ast.Rule):
            rules.append(CompiledRule(
                checked.rule_ids[index], statement.verb, lowering.condition(statement.condition),
                statement.because, span=statement.span, validity=_period(statement.validity),
            ))
        elif isinstance(statement, ast.Classification):
            rules.append(CompiledRule(
                checked.rule_ids[index], "classify", lowering.condition(statement.condition),
                statement.because, lowering.output_code(statement.code), span=statement.span,
                validity=_period(statement.validity),
            ))
        elif isinstance(statement, ast.Expectation):
            expectations.append(Expectation(
                tuple(Outcome(o.kind, lowering.output_code(o.code) if o.code is not None else None,
                              rule=o.rule.text if o.rule is not None else None)
                      for o in statement.outcomes),
                lowering.condition(statement.condition), span=statement.span,
            ))
        elif isinstance(statement, ast.Trajectory):
            trajectories.append(Trajectory(
                statement.name.text, lowering.condition(statement.condition),
                tuple(lowering.component(c) for c in statement.components),
                span=statement.span,
            ))
        elif isinstance(statement, ast.Activities) and activities is None:
            activities = lowering.activities(statement)
        elif isinstance(statement, ast.Unique):
            unique.append(Unique(tuple(dict.fromkeys(n.text for n in statement.key)),
                                 span=statement.span))
        elif isinstance(statement, ast.Identifier) and identifier is None:
            identifier = statement.field.text
        elif isinstance(statement, ast.DecisionDate) and decision_date is None:
            decision_date = statement.field.text
        elif isinstance(statement, ast.FieldDeclaration):
            dated = tuple((ast.code_text(e.value), _period(e.validity))
                          for e in statement.type.codes or () if e.validity is not None)
            if dated:
                code_validity.append((statement.name.text, dated))
        elif isinstance(statement, ast.OutputDeclaration):
            output_validity.extend(
                (ast.code_text(e.value), _period(e.validity))
                for e in statement.type.codes or () if e.validity is not None)
        elif isinstance(statement, ast.Header):
            title, version = statement.title, statement.version
            validity = _period(statement.validity)
    program = Program(
        checked.schema, tuple(rules), tuple(expectations), title, version, tuple(trajectories),
        activities, decision_date, validity, tuple(code_validity), tuple(output_validity),
        tuple(unique), identifier,
    )
    return _in_force(program, checked) if decision_date is not None else program


@overload
def _period(validity: ast.Validity) -> Period: ...


@overload
def _period(validity: ast.Validity | None) -> Period | None: ...


def _period(validity: ast.Validity | None) -> Period | None:
    if validity is None:
        return None
    return Period(
        _dt.date.fromisoformat(validity.start.text) if validity.start is not None else None,
        _dt.date.fromisoformat(validity.end.text) if validity.end is not None else None,
    )


# --- validity periods ----------------------------------------------------------------------



def _in_force(program: Program, checked: Checked) -> Program:
    """Give the validity periods their meaning, in the conditions every backend evaluates.

    A dated rule's condition becomes ``BODY and DECISION_DATE within its period`` (the
    unconditioned body kept as ``body``); a classify rule whose output code is dated is also
    conditioned on the code's period. Dated code values of a field become one implied reject
    rule ``not_in_force:FIELD`` (the value is one of them and the date lies outside its
    period), and a dated rulebook the implied reject ``not_in_force``. Implied rules come
    first, in declaration order, as the field problems they resemble do.

    The period's conjunct carries the span of its ``valid ...`` clause, so an explanation
    prints the clause with the record's date beside it.
    """
    day = program.decision_date
    assert day is not None
    statements = checked.rulebook.statements
    written = {checked.rule_ids[i]: s for i, s in enumerate(statements)
               if isinstance(s, (ast.Rule, ast.Classification))}
    fields = {s.name.text: s for s in statements if isinstance(s, ast.FieldDeclaration)}
    outputs: dict[str, list[ast.CodeEntry]] = {}  # a value may be listed for several periods
    for statement in statements:
        if isinstance(statement, ast.OutputDeclaration):
            for e in statement.type.codes or ():
                if e.validity is not None:
                    outputs.setdefault(ast.code_text(e.value), []).append(e)
    implied: list[CompiledRule] = []
    if program.validity is not None:
        header = next(s for s in statements if isinstance(s, ast.Header))
        implied.append(CompiledRule(
            NOT_IN_FORCE, "reject", outside(day, program.validity),
            _("the rulebook is in force {period}, and the record's {day} lies outside "
              "that").format(period=program.validity.describe(), day=day),
            span=header.span, implicit=True,
        ))
    for name, dated in program.code_validity:
        condition = _out_of_force(name, day, dated)
        words = "; ".join(f"{code} {period.describe()}" for code, period in dated[:_WORDS])
        if len(dated) > _WORDS:
            words += _("; and {count} more").format(count=len(dated) - _WORDS)
        implied.append(CompiledRule(
            f"{NOT_IN_FORCE}:{name}", "reject", condition,
            _("the value of {name} is not in force on the record's {day} ({periods})").format(
                name=name, day=day, periods=words),
            span=fields[name].span if name in fields else None, implicit=True,
        ))
    rules: list[CompiledRule] = []
    for rule in program.rules:
        rule_statement = written.get(rule.id)
        guards: list[Condition] = []
        clause = getattr(rule_statement, "validity", None)
        if rule.validity is not None:
            guards.append(within(day, rule.validity, clause.span if clause else None))
        entries = (outputs.get(rule.code, []) if rule.verb == "classify" and rule.code is not None
                   else [])
        entry = entries[0] if entries else None
        if entry is not None and len(entries) == 1:
            guards.append(within(day, _code_period(entry), entry.span))
        elif entries:
            guards.append(AnyOf(tuple(within(day, _code_period(e), e.span)
                                      for e in entries)))
        if not guards:
            rules.append(rule)
            continue
        body = rule.condition
        span = None
        # "BODY valid from ..." reads as the rule does; a code's period lies elsewhere, so a
        # rule guarded by one prints as its parts.
        if (entry is None and clause is not None and clause.span is not None
                and body.span is not None and body.span.source is clause.span.source):
            span = Span(body.span.source, body.span.start, clause.span.end)
        rules.append(attrs.evolve(rule, condition=AllOf((body, *guards), span=span), body=body))
    return attrs.evolve(program, rules=(*implied, *rules))


def _code_period(entry: ast.CodeEntry) -> Period:
    """The period of a dated code value (the ``outputs`` of :func:`_in_force` are dated)."""
    assert entry.validity is not None
    return _period(entry.validity)


# How many dated values the reason of ``not_in_force:FIELD`` lists (a list read from a file
# may date hundreds).
_WORDS = 5


def _out_of_force(name: str, day: str, dated: tuple[tuple[str, Period], ...]) -> Condition:
    """``name`` holds a dated value and ``day`` lies outside every period of that value.

    A value listed for several periods is out of force outside all of them; values with the
    same periods share one ``in`` test, so a list of hundreds of municipality codes, most of
    them ended on one of a few dozen New Year's Eves, stays a condition of a few dozen parts.
    """
    periods: dict[str, list[Period]] = {}
    for code, period in dated:
        periods.setdefault(code, []).append(period)
    groups: dict[tuple[Period, ...], list[str]] = {}
    for code, own in periods.items():
        groups.setdefault(tuple(own), []).append(code)
    parts: list[Condition] = []
    for group_periods, codes in groups.items():
        value = (compare("eq", name, codes[0]) if len(codes) == 1
                 else compare("in_set", name, frozenset(codes)))
        parts.append(AllOf((value, *(outside(day, period) for period in group_periods))))
    return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))


def within(field: str, period: Period, span: Span | None) -> Condition:
    """``field`` lies in ``period`` (false when it is missing)."""
    parts = []
    if period.start is not None:
        parts.append(compare("ge", field, period.start))
    if period.end is not None:
        parts.append(compare("le", field, period.end))
    if len(parts) == 1:
        return attrs.evolve(parts[0], span=span)
    return AllOf(tuple(parts), span=span)


def outside(field: str, period: Period) -> Condition:
    """``field`` lies before or after ``period`` (false when it is missing)."""
    parts = []
    if period.start is not None:
        parts.append(compare("lt", field, period.start))
    if period.end is not None:
        parts.append(compare("gt", field, period.end))
    return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))


class _Lowering:
    def __init__(self, checked: Checked) -> None:
        assert checked.schema is not None  # from_ast lowers only rulebooks without errors
        self._schema = checked.schema
        self._definitions = checked.definitions
        self._operands = checked.operands
        self._defined: dict[str, Condition] = {}

    def output_code(self, value: ast.Value) -> str:
        return ast.code_text(value)

    def component(self, node: ast.Component) -> Component:
        """A ``yields`` clause: constants apart from the values computed from the source."""
        constants: list[tuple[str, Any]] = []
        derived: list[tuple[str, Expression]] = []
        for assignment in node.assignments:
            value = self.expression(assignment.value)
            if isinstance(value, Constant):
                constants.append((assignment.field.text, value.value))
            else:
                derived.append((assignment.field.text, value))
        return Component(node.name.text, tuple(constants), span=node.span, derived=tuple(derived))

    def expression(self, node: ast.Value | ast.DateShift | ast.TextJoin) -> Expression:
        """An assignment's value; folded to a :class:`Constant` when it reads no field."""
        if not isinstance(node, ast.TextJoin):
            return self._operand(node)
        parts = tuple(self._operand(part) for part in node.parts)
        if all(isinstance(part, Constant) for part in parts):
            return Constant("".join(part.value for part in parts if isinstance(part, Constant)),
                            span=node.span)
        return TextJoin(parts, span=node.span)

    def activities(self, node: ast.Activities) -> Activities:
        key = tuple(dict.fromkeys(name.text for name in node.key))
        named = {c.field.text: c.way.text for c in node.combinations}
        ways = tuple((name, named.get(name, DEFAULT_WAY))
                     for name in self._schema.fields if name not in key)
        ordered_by = tuple((c.field.text, c.by.text) for c in node.combinations
                           if c.by is not None and c.field.text not in key)
        return Activities(key, ways, span=node.span, ordered_by=ordered_by)

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
        if isinstance(node, ast.PatternMatch):
            match = Matches(FieldValue(node.field.text, span=node.field.span),
                            node.pattern.value, span=node.span)
            # `f does not match "..."` is `not f matches "..."`: no consumer tells them apart.
            return Not(match, span=node.span) if node.negated else match
        if isinstance(node, ast.Reference):
            name = node.name.text
            if name in self._definitions:
                return Defined(name, self._definition(name), span=node.span)
            # A bare boolean field: true when present and true.
            return compare("eq", name, True, span=node.span)
        return self._comparison(node)

    def _definition(self, name: str) -> Condition:
        if name not in self._defined:
            self._defined[name] = self.condition(self._definitions[name].condition)
        return self._defined[name]

    def _comparison(self, node: ast.Comparison) -> Condition:
        left = self._operand(node.field)
        if isinstance(node.value, ast.ValueSet):
            # cast: the checker reports a field in a list of values, so each is a Literal
            values = frozenset(cast(Literal, self._operands[id(item)]).value
                               for item in node.value.items)
            return Compare(node.op, left, Constant(values, span=node.value.span), span=node.span)
        right = self._operand(node.value)
        if isinstance(left, Constant) and not isinstance(right, Constant):
            # Constants stand on the right, as every consumer reads a comparison best.
            mirror = OPERATORS[node.op].mirror
            assert mirror is not None  # the checker admits a number first only if it mirrors
            return Compare(mirror, right, left, span=node.span)
        return Compare(node.op, left, right, span=node.span)

    def _operand(self, node: ast.Name | ast.Value | ast.DateShift | ast.Measure | ast.Call
                 ) -> Operand:
        if isinstance(node, ast.Name):
            return FieldValue(node.text, span=node.span)
        if isinstance(node, ast.Call):  # age(BIRTH, ON), the one call the checker admits
            birth, on = (self._operand(argument) for argument in node.arguments)
            return fold(Age(birth, on, span=node.span))
        if isinstance(node, ast.Measure):
            return fold(Length(FieldValue(node.field.text, span=node.field.span), span=node.span))
        if isinstance(node, ast.DateShift):
            unit = dates.unit_of(node.unit)
            # the checker admits whole amounts only, and the grammar only units dates knows
            assert isinstance(node.amount.value, int) and unit is not None
            amount = node.amount.value if node.later else -node.amount.value
            shift = DateShift(self._operand(node.base), amount, unit,
                              span=node.span)
            return fold(shift)
        operand = self._operands[id(node)]
        if isinstance(operand, FieldRef):
            return FieldValue(operand.name, span=node.span)
        return Constant(operand.value, span=node.span)
