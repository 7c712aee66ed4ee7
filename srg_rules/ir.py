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
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Union

import attrs

from . import ast, dates
from .checked import Checked, FieldRef, Literal
from .combine import DEFAULT_WAY
from .operators import OPERATORS
from .schema import Schema
from .source import Span

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
    "Defined",
    "Expectation",
    "FieldValue",
    "Length",
    "IsPresent",
    "NODE_KINDS",
    "NOT_IN_FORCE",
    "Not",
    "Operand",
    "Outcome",
    "Period",
    "Program",
    "Trajectory",
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


def _span() -> Any:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


# --- node kinds ----------------------------------------------------------------------------

NODE_KINDS: dict[type, str] = {}
"""Every kind of node a condition tree holds (operands included), by class, with the name of
the :class:`Visitor` method that handles it. A consumer that walks trees dispatches through
this table, so a node kind it does not handle is an error, never a silent pass."""


def node_kind(name: str):
    """Register a node class under ``name`` (its :class:`Visitor` method)."""

    def register(cls: type) -> type:
        NODE_KINDS[cls] = name
        return cls

    return register


class UnhandledNode(TypeError):
    """A consumer met a node kind it has no method for: a construct it was not taught."""


class Visitor:
    """Dispatch on the kind of an IR node: ``visitor(node)`` calls the method named in
    :data:`NODE_KINDS` (``compare``, ``all_of`` ...) with the node and ``args``.

    A kind the subclass has no method for raises :class:`UnhandledNode`, so adding a node kind
    makes every consumer that does not handle it fail loudly (tests/test_node_kinds.py builds
    every kind and runs it through every consumer).
    """

    def __call__(self, node: Any, *args: Any) -> Any:
        name = NODE_KINDS.get(type(node))
        method = getattr(self, name, None) if name is not None else None
        if method is None:
            raise UnhandledNode(
                f"{type(self).__name__} does not handle {type(node).__name__} nodes")
        return method(node, *args)


# --- operands ------------------------------------------------------------------------------


@node_kind("field_value")
@attrs.frozen(cache_hash=True)
class FieldValue:
    """The typed value of a field of the record (None when it is missing or not valid)."""

    name: str
    span: Span | None = _span()


@node_kind("constant")
@attrs.frozen(cache_hash=True)
class Constant:
    """A value written in the rulebook, of the type of what it is compared with; a frozenset
    for the right-hand side of the set operators."""

    value: Any
    span: Span | None = _span()


@node_kind("date_shift")
@attrs.frozen(cache_hash=True)
class DateShift:
    """A date operand moved by ``amount`` (negative: back) ``unit`` s (days, weeks, months or
    years) as :func:`srg_rules.dates.shift` moves it: missing when the base is missing or the
    result leaves the calendar. A shift of a constant is folded when the IR is made."""

    base: Operand
    amount: int
    unit: str
    span: Span | None = _span()


@node_kind("length")
@attrs.frozen(cache_hash=True)
class Length:
    """The length in characters of a text operand (a text, code, digits or bsn value as
    written): a number, missing when the operand is. A length of a constant is folded."""

    operand: Operand
    span: Span | None = _span()


Operand = Union[FieldValue, Constant, DateShift, Length]


def fold(operand: Operand) -> Operand:
    """An operand that reads no field, as the constant it is; others as they are."""
    if isinstance(operand, Length) and isinstance(operand.operand, Constant) \
            and operand.operand.value is not None:
        return Constant(len(operand.operand.value), span=operand.span)
    if isinstance(operand, DateShift) and isinstance(operand.base, Constant) \
            and operand.base.value is not None:
        return Constant(dates.shift(operand.base.value, operand.amount, operand.unit),
                        span=operand.span)
    return operand


# --- conditions ----------------------------------------------------------------------------


@node_kind("compare")
@attrs.frozen(cache_hash=True)
class Compare:
    """``left OP right``: false when either side is missing. Both sides have one type; for
    the set operators ``right`` is a :class:`Constant` holding a frozenset."""

    op: str
    left: Operand
    right: Operand
    span: Span | None = _span()


@node_kind("is_present")
@attrs.frozen(cache_hash=True)
class IsPresent:
    field: str
    span: Span | None = _span()


@node_kind("negation")
@attrs.frozen(cache_hash=True)
class Not:
    item: Condition
    span: Span | None = _span()


@node_kind("all_of")
@attrs.frozen(cache_hash=True)
class AllOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


@node_kind("any_of")
@attrs.frozen(cache_hash=True)
class AnyOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


@node_kind("defined")
@attrs.frozen(cache_hash=True)
class Defined:
    """A use of a define: evaluates as its body; kept so explanations can name it."""

    name: str
    body: Condition
    span: Span | None = _span()


Condition = Union[Compare, IsPresent, Not, AllOf, AnyOf, Defined]


def compare(op: str, field: str, value: Any, span: Span | None = None) -> Compare:
    """``field OP constant``, the common case.

    >>> compare("eq", "category", "taal")
    Compare(op='eq', left=FieldValue(name='category'), right=Constant(value='taal'))
    """
    return Compare(op, FieldValue(field), Constant(value), span=span)


def compare_fields(op: str, left: str, right: str, span: Span | None = None) -> Compare:
    """``left OP right`` between two fields."""
    return Compare(op, FieldValue(left), FieldValue(right), span=span)


def field_constant(node: Compare) -> tuple[str, Any] | None:
    """``(field, value)`` of a comparison of a field with a constant, else None."""
    if isinstance(node.left, FieldValue) and isinstance(node.right, Constant):
        return node.left.name, node.right.value
    return None


def field_pair(node: Compare) -> tuple[str, str] | None:
    """``(left, right)`` of a comparison of two fields, else None."""
    if isinstance(node.left, FieldValue) and isinstance(node.right, FieldValue):
        return node.left.name, node.right.name
    return None


# --- shared tree machinery -----------------------------------------------------------------
# Every consumer that does not need to know a node's meaning goes through these, which read
# a node's parts from its attrs fields: a new node kind is walked, rebuilt and searched for
# fields without anyone teaching them.


def children(node: Any) -> tuple[Any, ...]:
    """The nodes directly below ``node`` (operands included), in field order."""
    if type(node) not in NODE_KINDS:
        raise UnhandledNode(f"not an IR node: {node!r}")
    parts: list[Any] = []
    for attribute in attrs.fields(type(node)):
        value = getattr(node, attribute.name)
        if type(value) in NODE_KINDS:
            parts.append(value)
        elif isinstance(value, tuple):
            parts.extend(item for item in value if type(item) in NODE_KINDS)
    return tuple(parts)


def rebuild(node: Any, replace: Callable[[Any], Any]) -> Any:
    """``node`` with every direct child ``c`` replaced by ``replace(c)``; the same object
    when nothing changed."""
    changes: dict[str, Any] = {}
    for attribute in attrs.fields(type(node)):
        value = getattr(node, attribute.name)
        if type(value) in NODE_KINDS:
            new = replace(value)
            if new is not value:
                changes[attribute.name] = new
        elif isinstance(value, tuple) and any(type(item) in NODE_KINDS for item in value):
            items = tuple(replace(item) if type(item) in NODE_KINDS else item for item in value)
            if any(a is not b for a, b in zip(items, value)):
                changes[attribute.name] = items
    return attrs.evolve(node, **changes) if changes else node


def walk(node: Any, *, once: bool = False) -> Iterator[Any]:
    """Every node of a tree, parents before children, operands included. ``once``: a node
    object shared by several parents (a define's body) is visited once."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if once:
            if id(current) in seen:
                continue
            seen.add(id(current))
        yield current
        stack.extend(reversed(children(current)))


def transform(node: Any, change: Callable[[Any], Any | None]) -> Any:
    """The tree with each node for which ``change`` returns a replacement replaced (and not
    entered); other nodes are rebuilt from their transformed children."""
    memo: dict[int, Any] = {}

    def visit(current: Any) -> Any:
        key = id(current)
        if key not in memo:
            replaced = change(current)
            memo[key] = rebuild(current, visit) if replaced is None else replaced
        return memo[key]

    return visit(node)


def fields_of(node: Any) -> tuple[str, ...]:
    """The names of the fields a tree reads, in first-seen order.

    >>> fields_of(AllOf((compare("eq", "a", 1), Not(IsPresent("b")))))
    ('a', 'b')
    """
    names: dict[str, None] = {}
    for part in walk(node, once=True):
        if isinstance(part, FieldValue):
            names.setdefault(part.name)
        elif isinstance(part, IsPresent):
            names.setdefault(part.field)
    return tuple(names)


def with_constants(node: Any, fixed: Mapping[str, Any]) -> Any:
    """The tree with the fields in ``fixed`` read as those values (None: missing); a
    comparison or presence test that then reads no field is folded to true (the empty
    :class:`AllOf`) or false (the empty :class:`AnyOf`), and a constant left of a field is
    moved right.

    >>> with_constants(AllOf((compare("eq", "a", 1), compare("lt", "b", 2))), {"a": 1})
    AllOf(items=(AllOf(items=()), Compare(op='lt', left=FieldValue(name='b'), right=Constant(value=2))))
    """
    true, false = AllOf(()), AnyOf(())

    def operand(part: Any) -> Any:
        if isinstance(part, FieldValue) and part.name in fixed:
            return Constant(fixed[part.name], span=part.span)
        return fold(rebuild(part, operand))

    def change(part: Any) -> Any | None:
        if isinstance(part, IsPresent):
            if part.field not in fixed:
                return part
            return true if fixed[part.field] is not None else false
        if isinstance(part, FieldValue):
            return operand(part)
        if not isinstance(part, Compare):
            return None
        left, right = operand(part.left), operand(part.right)
        if isinstance(left, Constant) and isinstance(right, Constant):
            if left.value is None or right.value is None:
                return false
            return true if OPERATORS[part.op].evaluate(left.value, right.value) else false
        if isinstance(left, Constant) and left.value is None:
            return false
        if isinstance(right, Constant) and right.value is None:
            return false
        if isinstance(left, Constant) and OPERATORS[part.op].mirror is not None:
            return Compare(OPERATORS[part.op].mirror, right, left)
        if left is part.left and right is part.right:
            return part
        return Compare(part.op, left, right, span=part.span)

    return transform(node, change)


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
                rules.append(attrs.evolve(template, condition=compare("in_set", name, out),
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
            NOT_IN_FORCE, "reject", outside(day, program.validity),
            f"the rulebook is in force {program.validity.describe()}, and the record's {day} "
            "lies outside that", span=header.span, implicit=True,
        ))
    for name, dated in program.code_validity:
        parts = tuple(AllOf((compare("eq", name, code), outside(day, period)))
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
            guards.append(within(day, rule.validity, clause.span if clause else None))
        entry = outputs.get(rule.code) if rule.verb == "classify" else None
        if entry is not None:
            guards.append(within(day, _period(entry.validity), entry.span))
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
    def __init__(self, checked: Checked):
        self._schema = checked.schema
        self._definitions = checked.definitions
        self._operands = checked.operands
        self._defined: dict[str, Condition] = {}

    def output_code(self, value: ast.Value) -> str:
        return ast.code_text(value)

    def assignment(self, node: ast.Assignment) -> tuple[str, Any]:
        operand = self._operands[id(node.value)]
        assert isinstance(operand, Literal)
        return node.field.text, operand.value

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
            return compare("eq", name, True, span=node.span)
        return self._comparison(node)

    def _definition(self, name: str) -> Condition:
        if name not in self._defined:
            self._defined[name] = self.condition(self._definitions[name].condition)
        return self._defined[name]

    def _comparison(self, node: ast.Comparison) -> Condition:
        left = self._operand(node.field)
        if isinstance(node.value, ast.ValueSet):
            values = frozenset(self._operands[id(item)].value for item in node.value.items)
            return Compare(node.op, left, Constant(values, span=node.value.span), span=node.span)
        right = self._operand(node.value)
        if isinstance(left, Constant) and not isinstance(right, Constant):
            # Constants stand on the right, as every consumer reads a comparison best.
            return Compare(OPERATORS[node.op].mirror, right, left, span=node.span)
        return Compare(node.op, left, right, span=node.span)

    def _operand(self, node: ast.Name | ast.Value | ast.DateShift | ast.Measure) -> Operand:
        if isinstance(node, ast.Name):
            return FieldValue(node.text, span=node.span)
        if isinstance(node, ast.Measure):
            return fold(Length(FieldValue(node.field.text, span=node.field.span), span=node.span))
        if isinstance(node, ast.DateShift):
            amount = node.amount.value if node.later else -node.amount.value
            shift = DateShift(self._operand(node.base), amount, dates.unit_of(node.unit),
                              span=node.span)
            return fold(shift)
        operand = self._operands[id(node)]
        if isinstance(operand, FieldRef):
            return FieldValue(operand.name, span=node.span)
        return Constant(operand.value, span=node.span)
