"""Near-misses: the smallest changes to one record that give it another outcome.

Place in the pipeline: beside the findings, on the same encoder
(:mod:`srg_rules.analysis.encoding`); used by ``srg-rules explain`` (its short form) and by
any surface that explains a decision (the studio, the report). Input: a program and one
record's typed values. Output: :func:`near_misses`, at most ``limit`` :class:`NearMiss`
values, fewest changed fields first, each a change of the record that gives another status or
another type, with the rules it brings in and takes out.

How: the record's values are made points of the finite domains (a constant each), every field
gets a literal "keeps its value", and the solver is asked for a valid record with another
outcome in which at most ``k`` fields change, for ``k`` = 1, 2, ... up to ``max_fields``. A
field set that worked is blocked (so is every larger set holding it: it would not be a
smallest change), and the solver is asked again.

Invariants:

1. Never guessed: every near-miss returned was re-decided by the reference interpreter, and
   its decision differs from the record's. A model the interpreter does not confirm (possible
   only where the encoding over-approximates a comparison, see
   :meth:`Encoder._approximated`) is left out.
2. Smallest first: near-misses that give another outcome than a rejection come first, fewest
   fields first; a rejection (bad data, mostly) is shown only when no other outcome is within
   ``max_fields`` changes. While the encoding is exact (:attr:`NearMisses.exact`: no
   comparison approximated), no change of fewer fields than the first near-miss's gives such
   an outcome. The date that picks the rules in force (``rules in force on``) never changes,
   nor does a near-miss bring in a value out of force (an implied ``not_in_force`` rule).
3. A record with a field problem (a value that could not be read) or a provision made by the
   registration level gets none: its fix is the problem itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import z3

from .. import ir
from ..backends.interpreter import Interpreter, evaluate
from ..decision import Decision, Status
from . import domains as finite_domains
from .encoding import Encoder, RuleFormulas

__all__ = ["Change", "NearMiss", "NearMisses", "near_misses"]


@attrs.frozen
class Change:
    """One field's value changed: ``value`` is what it would need, ``now`` what it has (None:
    missing)."""

    field: str
    value: Any
    now: Any


@attrs.frozen
class NearMiss:
    """A change of the record that gives another outcome.

    Attributes:
        changes: the fields changed, in schema order.
        decision: the reference interpreter's decision for the changed record.
        brought_in: the ids of the rules that match the changed record and not the record.
        taken_out: the ids of the rules that match the record and not the changed one.
    """

    changes: tuple[Change, ...]
    decision: Decision
    brought_in: tuple[str, ...]
    taken_out: tuple[str, ...]

    named: tuple[str, ...] = ()
    """The rules to name for this near-miss: the rules among the record's reasons that the
    change takes out, else the rules among the new decision's reasons it brings in, else
    every rule it changes."""
    brings_in: bool = False
    """Whether the rules :attr:`named` come in (else they go out)."""


@attrs.frozen
class NearMisses:
    """The near-misses of one record; ``exact``: the encoding approximated no comparison, so
    none with fewer fields than the first exists."""

    items: tuple[NearMiss, ...]
    exact: bool


def near_misses(program: ir.Program, values: Mapping[str, Any], *, limit: int = 3,
                max_fields: int = 3, tries: int = 12) -> NearMisses:
    """At most ``limit`` near-misses of the record ``values`` (typed, as
    :meth:`srg_rules.schema.Schema.read` gives them), fewest changed fields first.

    ``max_fields``: the most fields a near-miss changes; ``tries``: how many models the
    interpreter may turn down before the search stops (only an approximated comparison makes
    it turn one down).

    >>> from srg_rules import parse
    >>> book = parse('field c: code {a, b}\\nfield n: number\\n'
    ...              'include i when c = a and n > 3\\nexclude x when n > 10')
    >>> found = near_misses(book.program, {"c": "b", "n": 5}).items
    >>> [(m.changes, m.decision.status.value, m.named, m.brings_in) for m in found]
    [((Change(field='c', value='a', now='b'),), 'included', ('i',), True)]
    """
    interpreter = Interpreter(program)
    fields = program.schema.fields
    record = {name: values.get(name) for name in fields}
    before = interpreter.decide_values(record)
    matched_before = _matched(program, record)
    extra = tuple(ir.Compare("eq", ir.FieldValue(name), ir.Constant(value))
                  for name, value in record.items()
                  if value is not None and fields[name].type.base not in ("boolean", "code"))
    domains = finite_domains.from_program(program, extra)
    context = z3.Context()
    solver = z3.Solver(ctx=context)
    encoder = Encoder(domains, context, solver)
    bound = encoder.rules(program.rules, solver)
    solver.add(z3.Not(_same_outcome(bound, program, before, encoder)))
    for literal, rule in zip(bound.literals, program.rules):
        # A value out of force (an implied rule) is no change anyone could make.
        if rule.implicit and rule.id not in matched_before:
            solver.add(z3.Not(literal))
    keeps: dict[str, z3.BoolRef] = {}
    for name, value in record.items():
        kept = _kept(encoder, domains[name], name, value)
        if kept is None or name == program.decision_date:
            # The date that picks the rules in force stays, as does a value that is no point.
            if kept is not None:
                solver.add(kept)
            continue
        keep = z3.Bool(f"keep:{name}", context)
        solver.add(z3.Implies(keep, kept))
        keeps[name] = keep
    # Some field really changes: a keep literal only implies its value, so without this an
    # approximated comparison (free while a field's keep is false) would let the solver answer
    # with the record itself.
    solver.add(z3.Or([_other_value(encoder, domains[name], name, record[name]) for name in keeps]
                     or [z3.BoolVal(False, context)]))
    for number, node in enumerate(encoder.approximated, start=1):
        # An approximated comparison is a free boolean (named approximated:N by the encoder):
        # while the fields it reads keep their values, it has the record's truth. Were the
        # name to change, the atom would only be left free: more models for the interpreter
        # to turn down, never a wrong near-miss.
        reads = ir.fields_of(node)
        if all(name in keeps or name == program.decision_date for name in reads):
            atom = z3.Bool(f"approximated:{number}", context)
            guards = [keeps[name] for name in reads if name in keeps]
            solver.add(z3.Implies(encoder.all(guards),
                                  atom if evaluate(node, record) else z3.Not(atom)))
    rejected = bound.verdict("rejected")
    # Another outcome that is no rejection first; a rejection (for bad data, mostly: seldom
    # what a reader looks for) only when no other outcome is within reach.
    phases = ([z3.Not(rejected), rejected] if before.status is not Status.REJECTED
              else [z3.BoolVal(True, context)])
    found: list[NearMiss] = []
    turned_down = 0
    order = _Order(program)
    for phase in phases:
        for k in range(1, min(max_fields, len(keeps)) + 1):
            if len(found) >= limit or turned_down >= tries:
                break
            at_most = (z3.AtLeast(*keeps.values(), len(keeps) - k) if len(keeps) > k
                       else z3.BoolVal(True, context))
            # Every near-miss of this size, not the first the solver happens to give: which
            # ones are shown, and in what order, must not depend on the solver's model order.
            level: list[NearMiss] = []
            solver.push()
            solver.add(at_most, phase)
            while len(level) < _LEVEL_CAP and turned_down < tries:
                if solver.check() != z3.sat:
                    break
                model_record = encoder.record(solver.model())
                changed = [name for name in keeps if model_record[name] != record[name]]
                changed_record = dict(record)
                changed_record.update({name: model_record[name] for name in changed})
                if changed:
                    lowest = _lowest(solver, encoder, domains, keeps, changed, model_record)
                    lowest_record = {**record, **{name: lowest[name] for name in changed}}
                    if (_outcome(interpreter.decide_values(lowest_record)) != _outcome(before)
                            and all(lowest[name] != record[name] for name in changed)):
                        # Kept only where the interpreter confirms it (an approximated
                        # comparison can make the lowest point a model and no near-miss).
                        changed_record = lowest_record
                after = interpreter.decide_values(changed_record)
                if not changed or _outcome(after) == _outcome(before):
                    # The model rests on an approximated comparison: rule out these values.
                    turned_down += 1
                    if not changed:
                        break
                    solver.add(z3.Or([keeps[name] for name in changed]
                                     + [_other_value(encoder, domains[name], name,
                                                     model_record[name]) for name in changed]))
                    continue
                level.append(_near_miss(program, record, changed_record, changed, before,
                                        after, matched_before))
                # This field set, and every set holding it, is done (in every phase).
                blocker = z3.Or([keeps[name] for name in changed])
                solver.pop()
                solver.add(blocker)
                solver.push()
                solver.add(at_most, phase)
            solver.pop()
            found += sorted(level, key=order.key)[: limit - len(found)]
        if found:
            break  # a rejection is shown only when no other outcome is within reach
    return NearMisses(tuple(found), exact=not encoder.approximated)


# The most near-misses of one size gathered before sorting (a record has one per field at
# most for size 1; the cap bounds the solver calls for larger sizes).
_LEVEL_CAP = 24


class _Order:
    """Near-misses of one size in a fixed order: by the first rule they name (in the
    rulebook's order), then by the fields they change (in the schema's order), then by the
    values those fields would need."""

    def __init__(self, program: ir.Program):
        self._rules = {rule.id: position for position, rule in enumerate(program.rules)}
        self._fields = {name: position for position, name in enumerate(program.schema.fields)}

    def key(self, miss: NearMiss) -> tuple[Any, ...]:
        rules = tuple(self._rules.get(rule, len(self._rules)) for rule in miss.named)
        fields = tuple(self._fields.get(change.field, len(self._fields))
                       for change in miss.changes)
        values = tuple((change.value is None, str(change.value)) for change in miss.changes)
        return rules, fields, values


def _lowest(solver: z3.Solver, encoder: Encoder, domains: Mapping[str, Any],
            keeps: Mapping[str, z3.BoolRef], changed: list[str],
            model_record: dict[str, Any]) -> dict[str, Any]:
    """The same change with each changed field at its lowest point that still gives another
    outcome (a field that may be missing: a present value first), field by field in schema
    order, so that the value a near-miss names does not depend on the solver's model. The
    solver already holds "another outcome", "at most k changes" and every blocked field set."""
    solver.push()
    try:
        for name in keeps:
            if name not in changed:
                solver.add(keeps[name])
        for name in changed:
            index, present = encoder.index(name), encoder.present(name)
            if present is not None:
                solver.push()
                solver.add(present)
                if solver.check() != z3.sat:
                    solver.pop()
                    solver.add(z3.Not(present))
                    continue
                solver.pop()
                solver.add(present)
            low, high = 0, len(domains[name].points) - 1
            while low < high:  # the lowest index with a model: a binary search
                middle = (low + high) // 2
                solver.push()
                solver.add(index <= middle)
                found = solver.check() == z3.sat
                solver.pop()
                if found:
                    high = middle
                else:
                    low = middle + 1
            solver.add(index == low)
        if solver.check() != z3.sat:
            return model_record
        return encoder.record(solver.model())
    finally:
        solver.pop()


def _outcome(decision: Decision) -> tuple[Status, str | None]:
    return decision.status, decision.type


def _matched(program: ir.Program, record: Mapping[str, Any]) -> list[str]:
    return [rule.id for rule in program.rules if evaluate(rule.condition, record)]


def _same_outcome(bound: RuleFormulas, program: ir.Program, decision: Decision,
                  encoder: Encoder) -> z3.BoolRef:
    """The formula "the record has this decision's status and type"."""
    if decision.status is Status.EXCLUDED:
        return bound.verdict("excluded")
    if decision.status is Status.REJECTED:
        return bound.verdict("rejected")
    classify = [literal for literal, rule in zip(bound.literals, program.rules)
                if rule.verb == "classify"]
    giving = [literal for literal, rule in zip(bound.literals, program.rules)
              if rule.verb == "classify" and rule.code == decision.type]
    if decision.type is None:
        return encoder.all([bound.verdict("included"), encoder.negate(encoder.any(classify))])
    return encoder.all([bound.verdict("included"), encoder.any(giving)])


def _kept(encoder: Encoder, domain: finite_domains.Domain, name: str,
          value: Any) -> z3.BoolRef | None:
    present = encoder.present(name)
    if value is None:
        return None if present is None else z3.Not(present)
    point = domain.index(value)
    if point is None:
        return None
    kept = encoder.index(name) == point
    return kept if present is None else z3.And(present, kept)


def _other_value(encoder: Encoder, domain: finite_domains.Domain, name: str,
                 value: Any) -> z3.BoolRef:
    """The formula "the field has a value other than ``value``" (None: missing)."""
    present = encoder.present(name)
    if value is None:
        return present
    other = encoder.index(name) != domain.index(value)
    return other if present is None else z3.Or(z3.Not(present), other)


def _near_miss(program: ir.Program, record: Mapping[str, Any], changed_record: Mapping[str, Any],
               changed: list[str], before: Decision, after: Decision,
               matched_before: list[str]) -> NearMiss:
    matched_after = _matched(program, changed_record)
    brought_in = tuple(r for r in matched_after if r not in matched_before)
    taken_out = tuple(r for r in matched_before if r not in matched_after)
    named = tuple(r for r in before.reasons if r in taken_out)
    brings_in = False
    if not named:
        named = tuple(r for r in after.reasons if r in brought_in) or brought_in
        brings_in = bool(named)
    if not named:
        named = taken_out
    changes = tuple(Change(name, changed_record[name], record[name]) for name in changed)
    return NearMiss(changes, after, brought_in, taken_out, named, brings_in)
