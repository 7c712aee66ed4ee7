"""The program: rules with their validity periods, the registration level's statements,
expectations, and :class:`Program`, which holds them with the schema. See :mod:`srg_rules.ir`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs

from ..schema import Schema
from ..source import Span
from .nodes import Condition, IsPresent, Operand, compare
NOT_IN_FORCE = "not_in_force"
"""The id (and so the reason) of the reject rule a dated rulebook implies for records whose
decision date lies outside its own period; ``not_in_force:FIELD`` for a value of FIELD out of
force on the record's decision date."""


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
    """A rule ready to evaluate. ``verb`` is reject, include, exclude, classify or warn (a warn
    rule decides nothing; a record it matches gets its id among the decision's warnings).

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
class TextJoin:
    """The text of ``parts`` (fields and constant texts) joined, in a trajectory's assignment;
    missing when a part is. Not a condition's operand, so not a node kind."""

    parts: tuple[Operand, ...]
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


Expression = Operand | TextJoin
"""What a trajectory's assignment computes from the source record: a field's value
(:class:`~srg_rules.ir.nodes.FieldValue`), a moved date
(:class:`~srg_rules.ir.nodes.DateShift` of a field) or a :class:`TextJoin`."""


@attrs.frozen
class Component:
    """One provision a trajectory yields: its name, the constant field values it sets
    (``assignments``), and the values it computes from the source record (``derived``:
    every expression reads the source record, never another assignment of the clause)."""

    name: str
    assignments: tuple[tuple[str, Any], ...]
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    derived: tuple[tuple[str, Expression], ...] = attrs.field(default=(), kw_only=True)

    @property
    def sets(self) -> tuple[str, ...]:
        """Every field the clause sets, constant or computed."""
        return (*(name for name, _ in self.assignments), *(name for name, _ in self.derived))


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
    other declared field combines (a name in :data:`srg_rules.combine.COMBINATIONS`);
    ``ordered_by`` names, for a field combined ``by latest FIELD`` or ``by earliest FIELD``,
    the date field that picks the activity."""

    key: tuple[str, ...]
    ways: tuple[tuple[str, str], ...]
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    ordered_by: tuple[tuple[str, str], ...] = attrs.field(default=(), kw_only=True)


@attrs.frozen
class Unique:
    """``unique KEY, ...``: a record whose ``key`` values occur in more than one record of a
    run is rejected with :attr:`reason` (``duplicate:`` and the first key field). A check
    across records, decided by :mod:`srg_rules.unique`, never by a per-record backend."""

    key: tuple[str, ...]
    span: Span | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def reason(self) -> str:
        return f"duplicate:{self.key[0]}"


@attrs.frozen
class Outcome:
    """An expected outcome: ``kind`` is included, excluded, rejected, type with ``code``, or
    warning with ``rule``, the id of the warn rule that must warn."""

    kind: str
    code: str | None = None
    rule: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class Expectation:
    """``expect OUTCOME [and OUTCOME ...] when condition``."""

    outcomes: tuple[Outcome, ...]
    condition: Condition
    span: Span | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def statuses(self) -> frozenset[str]:
        return frozenset(o.kind for o in self.outcomes if o.code is None and o.kind != "warning")

    @property
    def types(self) -> tuple[str, ...]:
        """The expected types, one per provision, in the order written."""
        return tuple(o.code for o in self.outcomes if o.code is not None)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warn rules that must warn, in the order written."""
        return tuple(o.rule for o in self.outcomes if o.kind == "warning" and o.rule is not None)

    def describe(self) -> str:
        return " and ".join(f"type {o.code}" if o.code is not None
                            else f"warning {o.rule}" if o.kind == "warning" else o.kind
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
    unique: tuple[Unique, ...] = ()
    identifier: str | None = None  # the field that names a record (``identifier FIELD``)

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
            # that implied rule exists only in a program with a decision date
            assert self.decision_date is not None
            # Every record that has a decision date; one without is rejected for that already.
            rules.append(attrs.evolve(template, condition=IsPresent(self.decision_date), body=None))
        for name, dated in self.code_validity:
            # a value listed for several periods is in force when any of them holds the day
            held = {code for code, period in dated if period.contains(day)}
            out = frozenset(code for code, _ in dated if code not in held)
            if out:
                template = implied[f"{NOT_IN_FORCE}:{name}"]
                rules.append(attrs.evolve(template, condition=compare("in_set", name, out),
                                          body=None))
        open_ = {code for code, period in self.output_validity if period.contains(day)}
        closed = {code for code, _ in self.output_validity if code not in open_}
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


