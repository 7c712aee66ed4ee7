"""The decision in SQL: ``status``, ``type`` and ``reasons`` from the rules' match columns,
and ``warnings`` from the warn rules' when the program has any.

Place in the pipeline: the last stage of the query (:mod:`srg_rules.backends.sql.query`).
Input: the named boolean columns of the field problems and of each rule's match, per verb.
Output: the three output expressions.

The outcome logic is not restated here: the guards are the formulas of
:func:`srg_rules.decision.verdicts`, built in :class:`SqlLogic` (a boolean algebra over SQL
columns that folds constants), and each ``CASE`` tests them in the decision's order with
:func:`first_match`, which simplifies every guard by knowing that the ones before it failed
(after ``rejected_by_rule`` fails, ``excluded`` is ``excluded_by_rule OR NOT
included_by_rule``). The reasons of each branch are those :func:`srg_rules.decision.decide`
gives: a rule's id, or one of the decision's reason codes.

Invariants: every guard is two-valued (its columns are); a branch that cannot be taken (a
verb without rules, two types with fewer than two classify rules) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Union

import attrs
from sqlglot import exp

from ... import ir
from ...decision import AMBIGUOUS_TYPE, NO_INCLUDE_MATCHED, UNCLASSIFIED, Status, verdicts
from ...records import MALFORMED_ROW, REASON_SEPARATOR
from .builders import Plan, add_all, and_, case, column, comparison, not_, or_, string

__all__ = ["Formula", "SqlLogic", "decision_columns", "first_match"]


# --- a boolean algebra over SQL columns ------------------------------------------------------


@attrs.frozen(eq=False)
class Atom:
    """A two-valued SQL expression (a named column, a comparison), compared by identity."""

    expression: exp.Expression


@attrs.frozen(eq=False)
class Negation:
    item: Formula


@attrs.frozen(eq=False)
class Conjunction:
    items: tuple[Formula, ...]


@attrs.frozen(eq=False)
class Disjunction:
    items: tuple[Formula, ...]


Formula = Union[bool, Atom, Negation, Conjunction, Disjunction]


class SqlLogic:
    """:class:`srg_rules.decision.Logic` over SQL: formulas are kept symbolic (constants
    folded, nested ``and``/``or`` flattened) until :meth:`sql` writes them, so that a guard
    simplified by what is known prints as the plain SQL it amounts to."""

    def __init__(self, plan: Plan):
        self.plan = plan

    def any(self, items: Sequence[Formula]) -> Formula:
        flat: list[Formula] = []
        for item in items:
            if item is True:
                return True
            if isinstance(item, Disjunction):
                flat.extend(item.items)
            elif item is not False:
                flat.append(item)
        return False if not flat else flat[0] if len(flat) == 1 else Disjunction(tuple(flat))

    def all(self, items: Sequence[Formula]) -> Formula:
        flat: list[Formula] = []
        for item in items:
            if item is False:
                return False
            if isinstance(item, Conjunction):
                flat.extend(item.items)
            elif item is not True:
                flat.append(item)
        return True if not flat else flat[0] if len(flat) == 1 else Conjunction(tuple(flat))

    def negate(self, item: Formula) -> Formula:
        if isinstance(item, bool):
            return not item
        if isinstance(item, Negation):
            return item.item
        return Negation(item)

    def at_least_two(self, items: Sequence[Formula]) -> Formula:
        """More than one of ``items`` (rule match columns) holds: their count, named, over 1."""
        if not items:
            return False
        # The count is named even for one classify rule, which cannot make two: the query
        # has always carried it, and the golden SQL with it.
        count = self.plan.bind("types", add_all([
            case([(self.sql(item), exp.Literal.number(1))], exp.Literal.number(0))
            for item in items]))
        if len(items) < 2:
            return False
        return Atom(comparison("gt", count, exp.Literal.number(1)))

    def sql(self, formula: Formula) -> exp.Expression:
        """The formula as SQL. An atom is written as its own expression object each time."""
        if formula is True:
            return exp.true()
        if formula is False:
            return exp.false()
        if isinstance(formula, Atom):
            return formula.expression
        if isinstance(formula, Negation):
            return not_(self.sql(formula.item))
        if isinstance(formula, Conjunction):
            return and_([self.sql(item) for item in formula.items])
        return or_([self.sql(item) for item in formula.items])

    def given(self, formula: Formula, known: Mapping[int, bool]) -> Formula:
        """``formula`` with the atoms in ``known`` (by id) replaced by their truth, folded."""
        if isinstance(formula, bool):
            return formula
        if isinstance(formula, Atom):
            return known.get(id(formula), formula)
        if isinstance(formula, Negation):
            return self.negate(self.given(formula.item, known))
        parts = [self.given(item, known) for item in formula.items]
        return self.all(parts) if isinstance(formula, Conjunction) else self.any(parts)


def _learn(formula: Formula, truth: bool, known: dict[int, bool]) -> None:
    """Record in ``known`` what ``formula`` having ``truth`` says of single atoms."""
    if isinstance(formula, Atom):
        known[id(formula)] = truth
    elif isinstance(formula, Negation):
        _learn(formula.item, not truth, known)
    elif isinstance(formula, Disjunction) and not truth:
        for item in formula.items:
            _learn(item, False, known)
    elif isinstance(formula, Conjunction) and truth:
        for item in formula.items:
            _learn(item, True, known)


def first_match(logic: SqlLogic, guards: Sequence[Formula]) -> list[Formula]:
    """Each guard as a ``CASE`` branch tests it: simplified by the failure of those before."""
    known: dict[int, bool] = {}
    simplified = []
    for guard in guards:
        guard = logic.given(guard, known)
        simplified.append(guard)
        _learn(guard, False, known)
    return simplified


# --- the three outputs ---------------------------------------------------------------------

Matches = Mapping[str, Sequence[tuple[ir.CompiledRule, exp.Column]]]


def decision_columns(plan: Plan, problems: Sequence[tuple[exp.Column, exp.Expression]],
                     matched: Matches, has_output: bool, reasons: str,
                     malformed: str | None) -> dict[str, exp.Expression]:
    """``status``, ``type`` and ``reasons`` for a record.

    Args:
        plan: where the verdicts' named values go.
        problems: per field, in field order, its problem flag and the problem's reason.
        matched: per verb, each rule and the column saying whether it matches.
        has_output: the rulebook declares an output (an untyped include says so).
        reasons: ``"text"`` (joined with ``|``) or ``"list"`` (an array).
        malformed: a boolean column of rows that could not be read, or None.
    """
    logic = SqlLogic(plan)
    atoms = {verb: [Atom(match) for _, match in pairs] for verb, pairs in matched.items()}
    # A field problem rejects as a reject rule does, and comes first among the reasons.
    atoms["reject"] = [*(Atom(bad) for bad, _ in problems), *atoms.get("reject", ())]
    names = {"rejected_by_rule": "rejected", "excluded_by_rule": "excluded",
             "included_by_rule": "included"}

    def name(attribute: str, formula: Formula) -> Formula:
        if attribute not in names:
            return formula
        return Atom(plan.bind(names[attribute], logic.sql(formula)))

    classify = matched.get("classify", ())
    codes = [rule.code for rule, _ in classify]
    verdict = verdicts(logic, atoms, name, codes)

    # A rule's reject first and the ambiguity of types last: the order of the decision.
    status_guards = first_match(logic, [verdict.rejected_by_rule, verdict.excluded,
                                        verdict.rejected])
    status = case([(logic.sql(guard), string(value)) for guard, value in zip(
        status_guards, (Status.REJECTED, Status.EXCLUDED, Status.REJECTED)) if guard is not False],
        string(Status.INCLUDED.value))
    decided_type: exp.Expression = exp.cast(exp.Null(), "VARCHAR")
    if classify:
        decided_type = case([(logic.sql(verdict.included),
                              case([(m, string(rule.code) if rule.code is not None else exp.Null())
                                    for rule, m in classify]))])

    def ids(pairs: Sequence[tuple[ir.CompiledRule, exp.Column]]) -> list[exp.Expression]:
        return [case([(m, string(rule.id))]) for rule, m in pairs]

    which_type: list[exp.Expression] = []
    if classify and len(set(codes)) < len(codes):
        # Rules that give the same type may match together: each one that matches is a reason.
        unclassified = ([case([(logic.sql(logic.negate(logic.any(
            [Atom(m) for _, m in classify]))), string(UNCLASSIFIED))])] if has_output else [])
        which_type = [*ids(classify), *unclassified]
    elif classify:
        which_type = [case([(m, string(rule.id)) for rule, m in classify],
                           string(UNCLASSIFIED) if has_output else None)]
    elif has_output:
        which_type = [string(UNCLASSIFIED)]
    join = _join_list if reasons == "list" else _join_text
    # The reasons of decide(), branch by branch in its order: rejected by a problem or a
    # rule; excluded by a rule; excluded for want of an include; rejected as ambiguous.
    reason_guards = first_match(logic, [verdict.rejected_by_rule, verdict.excluded_by_rule,
                                        verdict.excluded, verdict.ambiguous])
    branch_reasons: list[list[exp.Expression]] = [
        [*(case([(bad, reason)]) for bad, reason in problems), *ids(matched.get("reject", ()))],
        ids(matched.get("exclude", ())),
        [string(NO_INCLUDE_MATCHED)],
        [string(AMBIGUOUS_TYPE), *ids(classify)],
    ]
    # A branch with no reasons is one that cannot be taken (no exclude rules: nothing is
    # excluded by a rule); leaving it out keeps CONCAT_WS from having nothing to join.
    reason_list = case([(logic.sql(guard), join(items))
                        for guard, items in zip(reason_guards, branch_reasons)
                        if items and guard is not False],
                       join([*ids(matched.get("include", ())), *which_type]))
    if malformed is not None:
        malformed_row = column(malformed)
        status = case([(malformed_row, string(Status.REJECTED.value))], status)
        decided_type = case([(malformed_row, exp.cast(exp.Null(), "VARCHAR"))], decided_type)
        reason_list = case([(malformed_row.copy(), join([string(MALFORMED_ROW)]))],
                           reason_list)
    outputs = {"status": status, "type": decided_type, "reasons": reason_list}
    warns = matched.get("warn", ())
    if warns:
        outputs["warnings"] = _warnings(ids(warns), reasons, malformed)
    return outputs


def _warnings(items: list[exp.Expression], reasons: str, malformed: str | None) -> exp.Expression:
    """The ids of the matching warn rules, joined as the reasons are; NULL (text) or an
    empty list when none matches, and NULL for a row that could not be read."""
    if reasons == "list":
        joined = _join_list(items)
    elif len(items) == 1:
        joined = items[0]  # its id when it matches, else NULL
    else:
        joined = exp.Nullif(this=_join_text(items), expression=string(""))
    if malformed is not None:
        joined = case([(column(malformed), exp.cast(exp.Null(), "VARCHAR")
                        if reasons != "list" else exp.Null())], joined)
    return joined


def _join_text(items: list[exp.Expression]) -> exp.Expression:
    if not items:  # a branch that cannot be taken (no include rule: nothing is included)
        return exp.Null()
    if len(items) == 1 and isinstance(items[0], exp.Literal):
        return items[0]
    # CONCAT_WS skips NULLs in DuckDB, PostgreSQL and Spark; ``coalesce`` tells sqlglot so.
    return exp.ConcatWs(expressions=[string(REASON_SEPARATOR), *items], coalesce=True)


def _join_list(items: list[exp.Expression]) -> exp.Expression:
    if not items:
        return exp.Null()
    return exp.ArrayCompact(this=exp.Array(expressions=items))

