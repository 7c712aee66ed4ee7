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

import datetime as _dt
from typing import Any, Union

import attrs

from . import ast
from .check import Checked, FieldRef, Literal, resolve_operand
from .combine import DEFAULT_WAY
from .schema import Schema
from .source import Span

__all__ = [
    "Activities",
    "AllOf",
    "AnyOf",
    "Compare",
    "CompareFields",
    "CompiledRule",
    "Component",
    "Condition",
    "Defined",
    "Expectation",
    "IsPresent",
    "NOT_IN_FORCE",
    "Not",
    "Outcome",
    "Period",
    "Program",
    "Trajectory",
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
class Period:
    """The days a rule, a code value or a rulebook is in force: both ends included, None for
    an open end."""

    start: _dt.date | None = None
    end: _dt.date | None = None

    def contains(self, day: _dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def describe(self) -> str:
        """The period in the language's words, both ends inclusive.

        >>> Period(_dt.date(2015, 1, 1)).describe(), Period(None, _dt.date(2014, 12, 31)).describe()
        ('from 2015-01-01 on', 'until 2014-12-31')
        """
        if self.start is not None and self.end is not None:
            return f"from {self.start} until {self.end}"
        if self.start is not None:
            return f"from {self.start} on"
        if self.end is not None:
            return f"until {self.end}"
        return "at any time"


@attrs.frozen
class CompiledRule:
    """A rule ready to evaluate. ``verb`` is reject, include, exclude or classify.

    ``validity`` is the period the rule is in force, on the program's decision date.
    """

    id: str
    verb: str
    condition: Condition
    because: str | None = None
    code: str | None = None  # the output code, for classify
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    validity: Period | None = None
    # The condition without the validity conjuncts (None: the rule has none), and whether the
    # rule is one the rulebook implies (a ``not_in_force`` reject) rather than one it writes.
    body: Condition | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)
    implicit: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class Component:
    """One provision a trajectory yields: its name and the field values it sets."""

    name: str
    assignments: tuple[tuple[str, Any], ...]
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Trajectory:
    """A source record matching ``condition`` becomes one provision per component."""

    name: str
    condition: Condition
    components: tuple[Component, ...]
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Activities:
    """Source records with equal ``key`` values are one provision; ``ways`` says how every
    other declared field combines (a name in :data:`srg_rules.combine.COMBINATIONS`)."""

    key: tuple[str, ...]
    ways: tuple[tuple[str, str], ...]
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Outcome:
    """An expected outcome: ``kind`` is included, excluded, rejected, or type with ``code``."""

    kind: str
    code: str | None = None


@attrs.frozen
class Expectation:
    """``expect OUTCOME [and OUTCOME ...] when condition``."""

    outcomes: tuple[Outcome, ...]
    condition: Condition
    span: Span | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def statuses(self) -> frozenset[str]:
        return frozenset(o.kind for o in self.outcomes if o.code is None)

    @property
    def types(self) -> tuple[str, ...]:
        """The expected types, one per provision, in the order written."""
        return tuple(o.code for o in self.outcomes if o.code is not None)

    def describe(self) -> str:
        return " and ".join(f"type {o.code}" if o.code is not None else o.kind
                            for o in self.outcomes)


@attrs.frozen
class Program:
    """Everything an evaluator needs: the schema and the rules, grouped by verb.

    The registration level (``activities`` and ``trajectories``) turns source records into
    provision records before the rules decide them; see :mod:`srg_rules.registration`.
    ``decision_date`` names the date field that picks the rules in force; ``validity`` is the
    rulebook's own period and ``code_validity`` the periods of dated code values, per field.
    """

    schema: Schema
    rules: tuple[CompiledRule, ...]
    expectations: tuple[Expectation, ...] = ()
    title: str | None = None
    version: str | None = None
    trajectories: tuple[Trajectory, ...] = ()
    activities: Activities | None = None
    decision_date: str | None = None
    validity: Period | None = None
    code_validity: tuple[tuple[str, tuple[tuple[str, Period], ...]], ...] = ()
    output_validity: tuple[tuple[str, Period], ...] = ()

    @property
    def dated(self) -> bool:
        """Whether anything in the program has a validity period (see :meth:`at`)."""
        return (self.validity is not None or bool(self.code_validity)
                or bool(self.output_validity) or any(r.validity is not None for r in self.rules))

    def at(self, day: _dt.date) -> Program:
        """The rules in force on ``day``, as a program without validity periods.

        Deciding a record with ``program.at(day)`` is deciding it with ``program`` after
        setting its decision date to ``day`` (the reasons included): rules out of force are
        dropped and the others lose their validity conjuncts; code values out of force are a
        plain ``not_in_force:FIELD`` reject of those values; a classify rule whose output code
        is out of force is dropped; outside the rulebook's own period every record is
        rejected ``not_in_force``.

        >>> from srg_rules import parse
        >>> book = parse('''
        ... field start: date
        ... rules in force on start
        ... include old when start is present valid until 2014-12-31
        ... include new when start is present valid from 2015-01-01
        ... ''')
        >>> [r.id for r in book.program.at(_dt.date(2014, 12, 31)).rules]
        ['old']
        """
        implied = {rule.id: rule for rule in self.rules if rule.implicit}
        rules: list[CompiledRule] = []
        if self.validity is not None and not self.validity.contains(day):
            template = implied[NOT_IN_FORCE]
            # Every record that has a decision date; one without is rejected for that already.
            rules.append(attrs.evolve(template, condition=IsPresent(self.decision_date), body=None))
        for name, dated in self.code_validity:
            out = frozenset(code for code, period in dated if not period.contains(day))
            if out:
                template = implied[f"{NOT_IN_FORCE}:{name}"]
                rules.append(attrs.evolve(template, condition=Compare("in_set", name, out),
                                          body=None))
        closed = {code for code, period in self.output_validity if not period.contains(day)}
        for rule in self.rules:
            if rule.implicit or (rule.validity is not None and not rule.validity.contains(day)):
                continue
            if rule.verb == "classify" and rule.code in closed:
                continue
            rules.append(attrs.evolve(rule, condition=rule.body or rule.condition, body=None,
                                      validity=None))
        return attrs.evolve(self, rules=tuple(rules), validity=None, code_validity=(),
                            output_validity=())

    @property
    def has_registration(self) -> bool:
        """Whether source records are not already provision records."""
        return bool(self.trajectories) or self.activities is not None

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
    trajectories: list[Trajectory] = []
    activities: Activities | None = None
    title = version = decision_date = validity = None
    code_validity: list[tuple[str, tuple[tuple[str, Period], ...]]] = []
    output_validity: list[tuple[str, Period]] = []
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
                tuple(Outcome(o.kind, lowering.output_code(o.code) if o.code is not None else None)
                      for o in statement.outcomes),
                lowering.condition(statement.condition), span=statement.span,
            ))
        elif isinstance(statement, ast.Trajectory):
            trajectories.append(Trajectory(
                statement.name.text, lowering.condition(statement.condition),
                tuple(Component(c.name.text, tuple(lowering.assignment(a) for a in c.assignments),
                                span=c.span) for c in statement.components),
                span=statement.span,
            ))
        elif isinstance(statement, ast.Activities) and activities is None:
            activities = lowering.activities(statement)
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
    )
    return _in_force(program, checked) if decision_date is not None else program


def _period(validity: ast.Validity | None) -> Period | None:
    if validity is None:
        return None
    return Period(
        _dt.date.fromisoformat(validity.start.text) if validity.start is not None else None,
        _dt.date.fromisoformat(validity.end.text) if validity.end is not None else None,
    )


# --- validity periods ----------------------------------------------------------------------

NOT_IN_FORCE = "not_in_force"
"""The id (and so the reason) of the reject rule a dated rulebook implies for records whose
decision date lies outside its own period; ``not_in_force:FIELD`` for a value of FIELD out of
force on the record's decision date."""


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
    outputs = {ast.code_text(e.value): e for s in statements
               if isinstance(s, ast.OutputDeclaration) for e in s.type.codes or ()
               if e.validity is not None}
    implied: list[CompiledRule] = []
    if program.validity is not None:
        header = next(s for s in statements if isinstance(s, ast.Header))
        implied.append(CompiledRule(
            NOT_IN_FORCE, "reject", _outside(day, program.validity),
            f"the rulebook is in force {program.validity.describe()}, and the record's {day} "
            "lies outside that", span=header.span, implicit=True,
        ))
    for name, dated in program.code_validity:
        parts = tuple(AllOf((Compare("eq", name, code), _outside(day, period)))
                      for code, period in dated)
        words = "; ".join(f"{code} {period.describe()}" for code, period in dated)
        implied.append(CompiledRule(
            f"{NOT_IN_FORCE}:{name}", "reject", parts[0] if len(parts) == 1 else AnyOf(parts),
            f"the value of {name} is not in force on the record's {day} ({words})",
            span=fields[name].span if name in fields else None, implicit=True,
        ))
    rules: list[CompiledRule] = []
    for rule in program.rules:
        statement = written.get(rule.id)
        guards: list[Condition] = []
        clause = getattr(statement, "validity", None)
        if rule.validity is not None:
            guards.append(_within(day, rule.validity, clause.span if clause else None))
        entry = outputs.get(rule.code) if rule.verb == "classify" else None
        if entry is not None:
            guards.append(_within(day, _period(entry.validity), entry.span))
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


def _within(field: str, period: Period, span: Span | None) -> Condition:
    """``field`` lies in ``period`` (false when it is missing)."""
    parts = []
    if period.start is not None:
        parts.append(Compare("ge", field, period.start))
    if period.end is not None:
        parts.append(Compare("le", field, period.end))
    if len(parts) == 1:
        return attrs.evolve(parts[0], span=span)
    return AllOf(tuple(parts), span=span)


def _outside(field: str, period: Period) -> Condition:
    """``field`` lies before or after ``period`` (false when it is missing)."""
    parts = []
    if period.start is not None:
        parts.append(Compare("lt", field, period.start))
    if period.end is not None:
        parts.append(Compare("gt", field, period.end))
    return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))


class _Lowering:
    def __init__(self, checked: Checked):
        self._schema = checked.schema
        self._definitions = checked.definitions
        self._defined: dict[str, Condition] = {}

    def output_code(self, value: ast.Value) -> str:
        return ast.code_text(value)

    def assignment(self, node: ast.Assignment) -> tuple[str, Any]:
        field = self._schema.fields[node.field.text]
        operand = resolve_operand(field, node.value, self._schema.fields)
        assert isinstance(operand, Literal)
        return field.name, operand.value

    def activities(self, node: ast.Activities) -> Activities:
        key = tuple(dict.fromkeys(name.text for name in node.key))
        named = {c.field.text: c.way.text for c in node.combinations}
        ways = tuple((name, named.get(name, DEFAULT_WAY))
                     for name in self._schema.fields if name not in key)
        return Activities(key, ways, span=node.span)

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
