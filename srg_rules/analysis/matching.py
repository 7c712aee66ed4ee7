"""Which rules a record matches, and its decision, in time that does not grow with the rules.

Place in the pipeline: a helper of the findings (:mod:`srg_rules.analysis.findings`), which
evaluate every record the solver gives them against the rules and decide it with the reference
interpreter. Done naively, both walk every rule for every record, so a rulebook of N rules
costs N² evaluations (issue 17: 2,000 rules). Input: a program's rules. Output:

- :class:`RuleIndex`: for a record, the rules that *can* match it. A rule whose condition
  requires a code field to be one value (``category = c1``, or ``category in {...}``, as a
  conjunct at the top of its condition) is filed under those values; any other rule is always
  a candidate. A rule not among the candidates has such a conjunct false, so it does not match:
  the index leaves out only rules the interpreter would find false, and the matches found
  through it are exactly the interpreter's.
- :func:`decision`: the reference decision from the set of matching rules, as
  :class:`srg_rules.backends.interpreter.Interpreter` makes it (the same :func:`decide`, over
  the same rules in the same order, and the matching warn rules as its warnings).
- :func:`check`: ``solver.check(*assumptions)`` without z3's Python-side cast of each
  assumption, which for thousands of assumptions cost more than the solving.

Invariant: nothing here changes an answer; the findings are those of the plain walk (checked
by ``tests/test_analysis_scale.py`` on generated rulebooks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import z3

from .. import ir
from ..decision import Decision, decide

__all__ = ["RuleIndex", "check", "decision"]


def _required_codes(condition: ir.Condition) -> tuple[str, frozenset[str]] | None:
    """A field and the texts it must equal for ``condition`` to hold, from a conjunct at the
    top of the condition (through ``and`` and defines); None when there is none."""
    waiting = [condition]
    while waiting:
        node = waiting.pop()
        if isinstance(node, ir.Defined):
            waiting.append(node.body)
        elif isinstance(node, ir.AllOf):
            waiting.extend(reversed(node.items))
        elif isinstance(node, ir.Compare) and node.op in ("eq", "in_set"):
            found = ir.field_constant(node)
            if found is None:
                continue
            name, value = found
            values = (value,) if node.op == "eq" else value
            # Only texts: a text equals a key of the index exactly when it equals the
            # constant (no 1 == 1.0, no Decimal against float).
            if isinstance(values, (tuple, frozenset, set, list)) and all(
                    type(v) is str for v in values):
                return name, frozenset(values)
    return None


class RuleIndex:
    """The rules (by index into ``rules``) that can match a record."""

    def __init__(self, rules: Sequence[ir.CompiledRule]):
        self.count = len(rules)
        self._always: list[int] = []
        self._by_value: dict[str, dict[str, list[int]]] = {}
        for i, rule in enumerate(rules):
            required = _required_codes(rule.condition)
            if required is None:
                self._always.append(i)
                continue
            name, values = required
            filed = self._by_value.setdefault(name, {})
            for value in values:
                filed.setdefault(value, []).append(i)

    def candidates(self, record: dict[str, Any]) -> list[int]:
        """In rule order: every rule that may match ``record`` (a missing field matches no
        comparison, so a rule filed under that field is no candidate)."""
        found = list(self._always)
        for name, filed in self._by_value.items():
            value = record.get(name)
            if type(value) is str:
                found.extend(filed.get(value, ()))
        found.sort()
        return found


def decision(rules: Sequence[ir.CompiledRule], matched: Iterable[int],
             has_output: bool) -> Decision:
    """The reference interpreter's decision for a record matching exactly ``matched``."""
    by_verb: dict[str, list[ir.CompiledRule]] = {}
    for i in sorted(matched):
        by_verb.setdefault(rules[i].verb, []).append(rules[i])
    made = decide(by_verb, (), has_output)
    warnings = tuple(rule.id for rule in by_verb.get("warn", ()))
    return attrs.evolve(made, warnings=warnings) if warnings else made


def check(solver: z3.Solver, assumptions: Sequence[z3.BoolRef]) -> z3.CheckSatResult:
    """``solver.check(*assumptions)`` for booleans of the solver's context (what z3's own
    check would cast them to), the same call into z3."""
    return z3.CheckSatResult(z3.Z3_solver_check_assumptions(
        solver.ctx.ref(), solver.solver, len(assumptions), _asts(assumptions)))


def conjunction(context: z3.Context, items: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """``z3.And(items)`` (true for none) for booleans of ``context``, without z3's cast of
    each item (a millisecond for a few dozen: the version diff builds thousands)."""
    if not items:
        return z3.BoolVal(True, context)
    return z3.BoolRef(z3.Z3_mk_and(context.ref(), len(items), _asts(items)), context)


def disjunction(context: z3.Context, items: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """``z3.Or(items)`` (false for none), as :func:`conjunction`."""
    if not items:
        return z3.BoolVal(False, context)
    return z3.BoolRef(z3.Z3_mk_or(context.ref(), len(items), _asts(items)), context)


def _asts(items: Sequence[z3.BoolRef]) -> Any:
    """The C array of ``items``' terms that z3's own functions take."""
    array = (z3.Ast * len(items))()
    for i, item in enumerate(items):
        array[i] = item.as_ast()
    return array
