"""The decision: what a rulebook says of one record, and the one place that orders the verbs.

Place in the pipeline: below every evaluator. Input: which rules of each verb match a record
(as Python booleans, solver formulas or SQL expressions). Output: the record's
:class:`Decision`, or, for a symbolic evaluator, the :class:`Verdicts` it needs to build one.
Every backend, the analysis and ``diff`` derive their outcome logic from here; none restates
the order of the verbs.

The order, written once (docs/language.md, "Semantics"):

1. a field problem or a matching ``reject`` rule rejects the record (every reason listed);
2. else a matching ``exclude`` rule excludes it;
3. else, when no ``include`` rule matches, it is excluded as :data:`NO_INCLUDE_MATCHED`;
4. else two matching ``classify`` rules that give different types reject it as
   :data:`AMBIGUOUS_TYPE`;
5. else it is included, with the type of the classify rules that match (every one of them
   among the reasons: two rules that give the same type agree), or without one
   (:data:`UNCLASSIFIED` when the rulebook declares an output).

Reasons are stable strings: a rule's id, one of the codes below, or ``<problem>:<field>`` for
a field that is missing or not of its type (``missing_value:start_date``).

``warn`` rules are no verb of the decision (they are not in :data:`VERBS`): they never change
a status, type or reason. The ids of the warn rules a record matches, in rulebook order, are
its :attr:`Decision.warnings`, found by each evaluator beside the decision for every record
whose fields could be read, whatever its status (docs/language.md, "Warnings").
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

import attrs

__all__ = [
    "AMBIGUOUS_TYPE",
    "Decision",
    "Logic",
    "NO_INCLUDE_MATCHED",
    "Status",
    "UNCLASSIFIED",
    "VERBS",
    "Verdicts",
    "decide",
    "one_per_type",
    "verdicts",
]

NO_INCLUDE_MATCHED = "no_include_matched"
UNCLASSIFIED = "unclassified"
AMBIGUOUS_TYPE = "ambiguous_type"
# The registration level's reasons (srg_rules.registration), here beside the other reason
# codes so that every engine that makes provisions (the SQL one too) names them from one place.
AMBIGUOUS_TRAJECTORY = "ambiguous_trajectory"
"""The reason of a source record that matches the conditions of two trajectories."""
CONFLICT = "conflict"
"""The reason prefix (``conflict:FIELD``) of a provision whose activities disagree."""

VERBS: tuple[str, ...] = ("reject", "exclude", "include", "classify")
"""The verbs of a rule, in the order they decide: an earlier verb's match outranks a later's."""


class Status(enum.StrEnum):
    """A record's status. Compares equal to its string value (``"included"``)."""

    INCLUDED = "included"
    EXCLUDED = "excluded"
    REJECTED = "rejected"


@attrs.frozen(slots=True)
class Decision:
    """What a rulebook decided for one record. Its fields are public API.

    Attributes:
        status: included, excluded or rejected.
        type: the code of the classify rule that matched (included records only), else None.
        reasons: the rule ids and reason codes that decided it, in rulebook order.
        warnings: the ids of the ``warn`` rules that match the record, in rulebook order
            (empty for a row that could not be read); they do not change the decision.
    """

    status: Status
    type: str | None = None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def included(self) -> bool:
        return self.status is Status.INCLUDED

    def __repr__(self) -> str:
        # The warnings are shown only when there are some: most rulebooks have no warn rules.
        warned = f", warnings={self.warnings!r}" if self.warnings else ""
        return (f"Decision(status={self.status!r}, type={self.type!r}, "
                f"reasons={self.reasons!r}{warned})")


class RuleLike(Protocol):
    """What :func:`decide` reads of a rule: its id and, for classify, its output code."""

    @property
    def id(self) -> str: ...

    @property
    def code(self) -> str | None: ...


def decide(matched: Mapping[str, Sequence[RuleLike]], problems: Sequence[str] = (),
           has_output: bool = False) -> Decision:
    """The decision for a record, from the rules of each verb that match it, in rulebook order.

    ``problems`` are reasons found before the rules (field problems, conflicts): they reject.
    ``has_output``: the rulebook declares an output, so an included record without a type says
    :data:`UNCLASSIFIED`.

    >>> class R:
    ...     def __init__(self, id, code=None): self.id, self.code = id, code
    >>> decide({"include": [R("a")], "classify": [R("t", "40")]})
    Decision(status=<Status.INCLUDED: 'included'>, type='40', reasons=('a', 't'))
    >>> decide({"include": [R("a")], "exclude": [R("x")]}).reasons
    ('x',)
    >>> decide({"include": [R("a")], "classify": [R("t", "40"), R("u", "40")]}).reasons
    ('a', 't', 'u')
    >>> decide({"include": [R("a")], "classify": [R("t", "40"), R("u", "42")]}).reasons
    ('ambiguous_type', 't', 'u')
    """
    rejected = matched.get("reject", ())
    if problems or rejected:
        return Decision(Status.REJECTED, None, (*problems, *(r.id for r in rejected)))
    excluded = matched.get("exclude", ())
    if excluded:
        return Decision(Status.EXCLUDED, None, tuple(r.id for r in excluded))
    included = tuple(r.id for r in matched.get("include", ()))
    if not included:
        return Decision(Status.EXCLUDED, None, (NO_INCLUDE_MATCHED,))
    types = matched.get("classify", ())
    if len({r.code for r in types}) > 1:
        return Decision(Status.REJECTED, None, (AMBIGUOUS_TYPE, *(r.id for r in types)))
    if types:
        return Decision(Status.INCLUDED, types[0].code, (*included, *(r.id for r in types)))
    if has_output:
        return Decision(Status.INCLUDED, None, (*included, UNCLASSIFIED))
    return Decision(Status.INCLUDED, None, included)


B = TypeVar("B")


class Logic(Protocol[B]):
    """A boolean algebra a symbolic evaluator builds its outcome in (z3, SQL, ...)."""

    def any(self, items: Sequence[B]) -> B: ...

    def all(self, items: Sequence[B]) -> B: ...

    def negate(self, item: B) -> B: ...

    def at_least_two(self, items: Sequence[B]) -> B: ...


@attrs.frozen
class Verdicts(Generic[B]):
    """The outcome of the decision as formulas over the rules' matches (see :func:`verdicts`).

    Attributes:
        rejected_by_rule: some reject rule matches (field problems are the caller's to add).
        excluded_by_rule: some exclude rule matches.
        included_by_rule: some include rule matches.
        two_types: classify rules that give two or more different types match.
        admitted: not rejected by a rule, not excluded, included by a rule.
        ambiguous: admitted, but two types: rejected as :data:`AMBIGUOUS_TYPE`.
        included: admitted with at most one type.
        excluded: not rejected by a rule, and excluded by a rule or by no include.
        rejected: rejected by a rule, or ambiguous.
    """

    rejected_by_rule: B
    excluded_by_rule: B
    included_by_rule: B
    two_types: B
    admitted: B
    ambiguous: B
    included: B
    excluded: B
    rejected: B


def one_per_type(logic: Logic[B], formulas: Sequence[B], codes: Sequence[object] | None) -> list[B]:
    """The classify rules' formulas merged per type: "some rule giving this type matches".

    ``codes`` are the rules' types, parallel to ``formulas`` (None: all different). Rules
    whose types all differ are returned as they are, so the formulas stay the same terms.
    """
    if codes is None or len(set(codes)) == len(codes):
        return list(formulas)
    groups: dict[object, list[B]] = {}
    for code, formula in zip(codes, formulas, strict=True):
        groups.setdefault(code, []).append(formula)
    return [group[0] if len(group) == 1 else logic.any(group) for group in groups.values()]


def verdicts(logic: Logic[B], matched: Mapping[str, Sequence[B]],
             name: Callable[[str, B], B] = lambda _, formula: formula,
             type_codes: Sequence[object] | None = None) -> Verdicts[B]:
    """The outcome of :func:`decide` for a record whose rules' matches are the formulas in
    ``matched`` (per verb), in ``logic``. ``name`` may bind each formula to a name (a solver
    literal, an SQL column) as it is made; it gets the attribute's name and the formula.
    ``type_codes`` are the types of the classify rules, parallel to ``matched["classify"]``:
    two rules that give the same type never make a record ambiguous (None: all different).
    """
    rejected_by_rule = name("rejected_by_rule", logic.any(matched.get("reject", ())))
    excluded_by_rule = name("excluded_by_rule", logic.any(matched.get("exclude", ())))
    included_by_rule = name("included_by_rule", logic.any(matched.get("include", ())))
    two_types = name("two_types", logic.at_least_two(
        one_per_type(logic, matched.get("classify", ()), type_codes)))
    admitted = name("admitted", logic.all([logic.negate(rejected_by_rule),
                                           logic.negate(excluded_by_rule), included_by_rule]))
    ambiguous = name("ambiguous", logic.all([admitted, two_types]))
    included = name("included", logic.all([admitted, logic.negate(two_types)]))
    excluded = name("excluded", logic.all([
        logic.negate(rejected_by_rule),
        logic.any([excluded_by_rule, logic.negate(included_by_rule)])]))
    rejected = name("rejected", logic.any([rejected_by_rule, ambiguous]))
    return Verdicts(rejected_by_rule, excluded_by_rule, included_by_rule, two_types, admitted,
                    ambiguous, included, excluded, rejected)
