"""The encoder: conditions and a rulebook's outcome as z3 formulas over finite domains.

Place in the pipeline: the one bridge from the IR to the solver, used by the findings
(:mod:`srg_rules.analysis.findings`), the analysis per period and the version diff
(:mod:`srg_rules.analysis.diff`). Input: each field's :class:`~srg_rules.analysis.domains.Domain`
and a z3 context. Output: per field an *index* term (a z3 integer, the position of the field's
value among its domain's points) and, for an optional field, a *presence* term (a z3 boolean);
:meth:`Encoder.condition` turns a condition into a formula over those terms;
:meth:`Encoder.outcome` builds a rulebook's outcome (:func:`srg_rules.decision.verdicts`) from
its rules' formulas; :meth:`Encoder.record` turns a solver model back into a typed record.

Invariants:

1. A formula holds for an assignment of the terms exactly when the condition holds for the
   record those terms stand for (a comparison with a missing value is false), provided the
   assignment meets :attr:`Encoder.validity` (each index lies in its field's allowed points).
   Domains keep the truth of every comparison the program makes (:mod:`.domains`), so this is
   exact over all valid records.
2. Formulas are cached per node object, and the cache holds the node: a caller never has to
   keep a node alive for the cache's sake, and a shared subtree (a define's body) is encoded
   once.
3. Every node kind is dispatched through :class:`srg_rules.ir.Visitor`: a kind the encoder was
   not taught raises :class:`srg_rules.ir.UnhandledNode`, never a wrong formula.
4. The encoder creates its terms, and the validity constraints, in schema order on
   construction (adding each constraint to the caller's solver as it is made, when given
   one). z3's models depend on the order it meets terms in, not only on the assertions, so
   this order is what keeps the analysis's example records, and the golden files, stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import bisect
import datetime as _dt

import attrs
import z3

from .. import dates, ir, patterns
from ..decision import VERBS, Verdicts, verdicts
from ..months import Month
from ..operators import OPERATORS
from ..schema import Field
from .measured import MonthStep, exactly, first_holding, month_step, text_length


class Domain(Protocol):
    """What the encoder reads of a field's finite domain (:class:`srg_rules.analysis.domains.
    Domain` is one): stated here so that the domains, which take their comparisons from this
    module, are not imported back."""

    @property
    def field(self) -> Field: ...

    @property
    def points(self) -> tuple[Any, ...]: ...

    @property
    def allowed(self) -> tuple[int, ...]: ...

    @property
    def moves(self) -> tuple[int, ...]: ...

    def index(self, value: Any) -> int | None: ...

    def ranges(self) -> Iterator[tuple[int, int]]: ...

__all__ = ["Comparisons", "Encoder", "FieldTerms", "RuleFormulas", "comparisons", "components"]

_ORDER: dict[str, Callable[[Any, Any], z3.BoolRef]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
"""Comparisons on point indices: points are distinct, and ascending for ordered types."""


@attrs.frozen
class FieldTerms:
    """The solver's view of one field.

    Attributes:
        index: the position of the field's value among its domain's points.
        present: true when the field has a value; None for a required field (always present).
    """

    index: z3.ArithRef
    present: z3.BoolRef | None


_VERDICT_LITERALS = {
    "rejected_by_rule": "any_reject", "excluded_by_rule": "any_exclude",
    "included_by_rule": "any_include", "admitted": "admitted", "two_types": "two_types",
    "included": "included", "excluded": "excluded",
}
"""The verdicts :meth:`Encoder.rules` binds to a solver literal, with the literal's name."""


class _Later:
    """A formula to make when it is needed (see :meth:`Encoder.rules`): made afresh on each
    call, as the analysis always made it, so that z3 meets the same terms in the same order."""

    def __init__(self, make: Callable[[], z3.BoolRef]):
        self.make = make

    def __call__(self) -> z3.BoolRef:
        return self.make()


def _made(item: Any) -> z3.BoolRef:
    return item() if isinstance(item, _Later) else item


class _LaterLogic:
    """The encoder's logic, each formula made only when asked for (a :class:`_Later`)."""

    def __init__(self, encoder: Encoder):
        self.encoder = encoder

    def any(self, items: Sequence[Any]) -> _Later:
        items = list(items)
        return _Later(lambda: self.encoder.any([_made(i) for i in items]))

    def all(self, items: Sequence[Any]) -> _Later:
        items = list(items)
        return _Later(lambda: self.encoder.all([_made(i) for i in items]))

    def negate(self, item: Any) -> _Later:
        return _Later(lambda: self.encoder.negate(_made(item)))

    def at_least_two(self, items: Sequence[Any]) -> _Later:
        items = list(items)
        return _Later(lambda: self.encoder.at_least_two([_made(i) for i in items]))


@attrs.frozen
class RuleFormulas:
    """A program's rules bound in a solver (see :meth:`Encoder.rules`).

    Attributes:
        literals: per rule, a literal the solver knows equals the rule's condition.
        negations: per rule, its literal negated: an assumption that the rule does not
            match, which names the rule when it turns up in an unsat core.
        named: the verdicts of :data:`_VERDICT_LITERALS` (by their name in
            :class:`srg_rules.decision.Verdicts`), each a literal the solver knows the
            meaning of.
    """

    literals: tuple[z3.BoolRef, ...]
    negations: tuple[z3.BoolRef, ...]
    named: dict[str, z3.BoolRef]
    later: Verdicts[Any] = attrs.field(repr=False)

    def verdict(self, name: str) -> z3.BoolRef:
        """A verdict of the program's outcome (``rejected``, ``ambiguous``, ``admitted`` ...)
        as a formula over the literals; an unnamed one is made on each call."""
        return self.named[name] if name in self.named else _made(getattr(self.later, name))


class Encoder(ir.Visitor):
    """Conditions over one set of domains as z3 formulas in one context.

    It is a :class:`srg_rules.decision.Logic` over z3 booleans, so the decision's outcome
    logic builds in it unchanged.

    >>> import z3
    >>> from srg_rules import parse
    >>> from srg_rules.analysis.domains import from_program
    >>> program = parse("field hours: number\\ninclude when hours > 10").program
    >>> encoder = Encoder(from_program(program), z3.Context())
    >>> solver = z3.Solver(ctx=encoder.context)
    >>> solver.add(*encoder.validity, encoder.condition(program.rules[0].condition))
    >>> solver.check(), encoder.record(solver.model())
    (sat, {'hours': 11})
    """

    def __init__(self, domains: Mapping[str, Domain], context: z3.Context,
                 solver: z3.Solver | None = None):
        """``solver``: a solver to add each field's validity constraint to as the field's
        terms are made (the order z3 sees terms in fixes its models, so the analysis gets the
        same example records as it always has); without one, add :attr:`validity` yourself.
        """
        self.domains = dict(domains)
        self._declared = {name: domain.field for name, domain in self.domains.items()}
        self.context = context
        self.true = z3.BoolVal(True, context)
        self.false = z3.BoolVal(False, context)
        self.fields: dict[str, FieldTerms] = {}
        validity: list[z3.BoolRef] = []
        for name, domain in self.domains.items():
            index = z3.Int(f"field:{name}", context)
            present = z3.Bool(f"present:{name}", context) if domain.field.optional else None
            runs = list(domain.ranges())
            if len(runs) > _FEW_POINTS:
                # Hundreds of runs (the month starts of a month field): one parse, not
                # hundreds of Python-built terms (the same formula).
                text = " ".join(f"(and (>= index {lo}) (<= index {hi}))" for lo, hi in runs)
                validity.append(z3.parse_smt2_string(
                    f"(assert (or {text}))", decls={"index": index}, ctx=context)[0])
            elif runs:
                validity.append(self.any([z3.And(index >= lo, index <= hi) for lo, hi in runs]))
            elif present is not None:
                validity.append(z3.Not(present))  # no valid value: the field is always missing
            else:
                validity.append(self.false)  # a required field with no valid value
            if solver is not None:
                solver.add(validity[-1])
            self.fields[name] = FieldTerms(index, present)
        # A month field moved by whole months: where its move lands among the points.
        self._moved: dict[tuple[str, int], _Moved] = {}
        for name, domain in self.domains.items():
            for months in domain.moves:
                moved, definition = _moved_month(domain, self.fields[name].index, name, months,
                                                 context)
                self._moved[(name, months)] = moved
                validity.extend(definition)
                if solver is not None:
                    solver.add(*definition)
        self.validity: tuple[z3.BoolRef, ...] = tuple(validity)
        """What every valid record meets: each field's index among its allowed points."""
        self._formulas: dict[int, tuple[Any, z3.BoolRef]] = {}
        self.approximated: list[ir.Compare | ir.Matches] = []
        """The comparisons encoded as free booleans (see :meth:`_approximated`): while there
        is one, a finding that rests on a model may be missing (never wrong)."""

    # --- terms and records ---

    def index(self, name: str) -> z3.ArithRef:
        """The field's index term."""
        return self.fields[name].index

    def present(self, name: str) -> z3.BoolRef | None:
        """The field's presence term; None for a required field."""
        return self.fields[name].present

    def record(self, model: z3.ModelRef) -> dict[str, Any]:
        """The typed record a model stands for, over every field (None: missing)."""
        points: dict[str, int | None] = {}
        for name, terms in self.fields.items():
            present = terms.present
            if present is not None and not z3.is_true(model.eval(present, model_completion=True)):
                points[name] = None
            else:
                points[name] = model.eval(terms.index, model_completion=True).as_long()
        return self.record_at(points)

    def record_at(self, points: Mapping[str, int | None]) -> dict[str, Any]:
        """The typed record at these points (None: missing), over every field."""
        values: dict[str, Any] = {}
        for name, point in points.items():
            domain = self.domains[name]
            values[name] = None if point is None else domain.points[point]
            if point is not None and domain.field.type.name == "month":
                # A month's point is a first day; written as a month (YYYY-MM).
                values[name] = Month.of(values[name])
        return values

    # --- the decision's logic ---

    def any(self, items: Iterable[z3.BoolRef]) -> z3.BoolRef:
        items = list(items)
        return z3.Or(items) if items else self.false

    def all(self, items: Iterable[z3.BoolRef]) -> z3.BoolRef:
        items = list(items)
        return z3.And(items) if items else self.true

    def negate(self, item: z3.BoolRef) -> z3.BoolRef:
        return z3.Not(item)

    def at_least_two(self, items: Sequence[z3.BoolRef]) -> z3.BoolRef:
        items = list(items)
        return z3.AtLeast(*items, 2) if len(items) >= 2 else self.false

    def outcome(self, matched: Mapping[str, Sequence[z3.BoolRef]],
                name: Callable[[str, z3.BoolRef], z3.BoolRef] = lambda _, formula: formula,
                ) -> Verdicts[z3.BoolRef]:
        """A rulebook's outcome, from the formulas of its rules per verb (see
        :func:`srg_rules.decision.verdicts`, which ``name`` is passed to)."""
        return verdicts(self, matched, name)

    def rules(self, rules: Sequence[ir.CompiledRule], solver: z3.Solver) -> RuleFormulas:
        """Bind each rule, and the outcome of the rules together, to literals in ``solver``.

        The literals are ``rule0``, ``rule1`` ... and ``any_reject``, ``any_exclude``,
        ``any_include``, ``admitted``, ``two_types``, ``included``, ``excluded``. Both the
        analysis and the diff bind their rules here, so their solvers see the same
        assertions in the same order, which is what keeps their example records stable.
        """
        context = self.context
        literals = tuple(z3.Bool(f"rule{i}", context) for i in range(len(rules)))
        negations = tuple(z3.Not(literal) for literal in literals)
        for literal, rule in zip(literals, rules):
            solver.add(literal == self.condition(rule.condition))
        matched: dict[str, list[z3.BoolRef]] = {verb: [] for verb in VERBS}
        for literal, rule in zip(literals, rules):
            # A warn rule has its literal but no part in the outcome (it is no verb of it).
            matched.setdefault(rule.verb, []).append(literal)
        # verdicts() is asked for formulas it does not make: each is made, and its literal
        # defined, in the order of _VERDICT_LITERALS, whatever order verdicts() names them
        # in; the unnamed verdicts are made only when a caller asks. z3's models depend on
        # the order it meets terms in, and the example records (so golden files) on them.
        waiting: dict[str, _Later] = {}
        named: dict[str, z3.BoolRef] = {}

        def bind(verdict: str, formula: _Later) -> Any:
            if verdict not in _VERDICT_LITERALS:
                return formula
            waiting[verdict] = formula
            return _Later(lambda: named[verdict])

        later = verdicts(_LaterLogic(self), matched, bind,
                         [rule.code for rule in rules if rule.verb == "classify"])
        for verdict, literal_name in _VERDICT_LITERALS.items():
            formula = waiting[verdict]()
            named[verdict] = z3.Bool(literal_name, context)
            solver.add(named[verdict] == formula)
        return RuleFormulas(literals, negations, named, later)

    # --- conditions ---

    def condition(self, node: ir.Condition) -> z3.BoolRef:
        """The condition as a formula over the field terms (cached per node)."""
        # Keyed by the node object, which the entry holds: its id stays unique while cached,
        # and nodes are shared (a define's body), so identity finds them without walking
        # whole trees. (A cache by equality would also do, but keeps other z3 terms alive,
        # and z3's models, so the witnesses, depend on which terms are alive.)
        entry = self._formulas.get(id(node))
        if entry is None:
            entry = self._formulas[id(node)] = (node, self(node))
        return entry[1]

    def all_of(self, node: ir.AllOf) -> z3.BoolRef:
        return self.all([self.condition(item) for item in node.items])

    def any_of(self, node: ir.AnyOf) -> z3.BoolRef:
        return self.any([self.condition(item) for item in node.items])

    def negation(self, node: ir.Not) -> z3.BoolRef:
        return z3.Not(self.condition(node.item))

    def defined(self, node: ir.Defined) -> z3.BoolRef:
        return self.condition(node.body)

    def is_present(self, node: ir.IsPresent) -> z3.BoolRef:
        present = self.fields[node.field].present
        return self.true if present is None else present

    def field_value(self, node: ir.FieldValue) -> FieldTerms:
        return self.fields[node.name]

    def constant(self, node: ir.Constant) -> ir.Constant:
        # A constant has no term of its own: it is a point of the domain of the field it is
        # compared with, which only the comparison knows.
        return node

    def date_shift(self, node: ir.DateShift) -> ir.DateShift:
        # A moved date has no term of its own: the comparison that holds it is rewritten over
        # its base (see unshifted), or, between two fields, over-approximated.
        return node

    def length(self, node: ir.Length) -> ir.Length:
        # A length has no term of its own: a comparison holding one is rewritten over a code
        # field (see measured.exactly), or over-approximated.
        return node

    def age(self, node: ir.Age) -> ir.Age:
        # Nor has an age: rewritten over its field when the other date is fixed, or
        # over-approximated.
        return node

    def matches(self, node: ir.Matches) -> z3.BoolRef:
        """Exact on a code field: the codes the pattern matches, found now (every code is a
        point). On a free text, digits or bsn field, over-approximated (see
        :meth:`_approximated`): a value's match is not kept by the domains' fresh texts."""
        if not isinstance(node.operand, ir.FieldValue):
            raise ir.UnhandledNode(f"the encoder matches a field's text, not {node!r}")
        terms = self.fields[node.operand.name]
        domain = self.domains[node.operand.name]
        if domain.field.codes is None:
            return self._approximated(node)
        pattern = patterns.parse(node.pattern)
        found = [terms.index == i for i, point in enumerate(domain.points)
                 if pattern.matches(point)]
        return self._present(self.any(found), terms.present)

    def compare(self, node: ir.Compare) -> z3.BoolRef:
        rewritten = unshifted(node)
        if rewritten is None:
            rewritten = exactly(node, self._declared)
        if rewritten is not None:
            return self.condition(rewritten)
        step = month_step(node, self._declared)
        if step is not None and (step.month, step.months) in self._moved:
            return self._month_step(step)
        measured_text = text_length(node, self._declared)
        if measured_text is not None:
            return self._text_length(*measured_text)
        if ir.field_pair(node) is None and ir.field_constant(node) is None:
            return self._approximated(node)
        left, right = self(node.left), self(node.right)
        if not isinstance(left, FieldTerms) or not isinstance(node.left, ir.FieldValue):
            raise ir.UnhandledNode(f"the encoder compares a field with a field or a constant, "
                                   f"not {node!r}")
        if isinstance(right, FieldTerms):
            return self._present(_ORDER[node.op](left.index, right.index),
                                 left.present, right.present)
        domain = self.domains[node.left.name]
        value = right.value
        if node.op in ("in_set", "not_in_set"):
            points = {i for i in (domain.index(v) for v in value) if i is not None}
            if len(points) <= _FEW_POINTS:
                matches = self.any([left.index == i for i in sorted(points)])
            else:  # hundreds of codes (a code list read from a file): a few range tests
                matches = self.any([left.index == first if first == last
                                    else z3.And(left.index >= first, left.index <= last)
                                    for first, last in _runs(sorted(points))])
            return self._present(matches if node.op == "in_set" else z3.Not(matches),
                                 left.present)
        point = domain.index(value)
        if point is None:
            # No valid value equals the constant (a blank text, say), and points hold every
            # ordered constant: only = and != get here.
            return self._present(self.true if node.op == "ne" else self.false, left.present)
        return self._present(_ORDER[node.op](left.index, point), left.present)

    def _month_step(self, step: MonthStep) -> z3.BoolRef:
        """``other OP month + K months``, exactly, over where the month's move lands among
        the points the two fields share (see :func:`_moved_month`)."""
        moved = self._moved[(step.month, step.months)]
        index, below, through = self.fields[step.other].index, moved.below, moved.through
        meets = {"lt": lambda: index < below, "le": lambda: index < through,
                 "gt": lambda: index >= through, "ge": lambda: index >= below,
                 "eq": lambda: z3.And(index >= below, index < through),
                 "ne": lambda: z3.Or(index < below, index >= through)}[step.op]()
        return self._present(z3.And(moved.inside, meets), self.fields[step.month].present,
                             self.fields[step.other].present)

    def _text_length(self, name: str, op: str, bound: Any) -> z3.BoolRef:
        """``length(t) OP n``, exactly: the points of ``t`` (fresh texts of every length the
        comparisons tell apart, see the domains) whose length meets it."""
        terms, domain = self.fields[name], self.domains[name]
        test = OPERATORS[op].evaluate
        return self._present(self.any([terms.index == i for i in domain.allowed
                                       if test(len(domain.points[i]), bound)]), terms.present)

    def _approximated(self, node: ir.Compare | ir.Matches) -> z3.BoolRef:
        """A comparison the finite domains cannot decide exactly (a date of one field against
        a moved date of another): a free boolean of its own (one per comparison), false when
        a field it reads is missing. Every valid record still has a model (so an unsat answer
        remains a proof); a model's record may decide it otherwise, which is why every
        finding that rests on a model is re-decided by the interpreter first."""
        for part in ir.walk(node):
            if not isinstance(part, (ir.Compare, ir.DateShift, ir.Length, ir.Age,
                                     ir.FieldValue, ir.Constant, ir.Matches)):
                raise ir.UnhandledNode(f"the encoder cannot approximate {part!r}")
        self.approximated.append(node)
        atom = z3.Bool(f"approximated:{len(self.approximated)}", self.context)
        return self._present(atom, *(self.fields[name].present for name in ir.fields_of(node)))

    @staticmethod
    def _present(atom: z3.BoolRef, *presence: z3.BoolRef | None) -> z3.BoolRef:
        """A comparison with a missing value is false."""
        guards = [p for p in presence if p is not None]
        return z3.And(*guards, atom) if guards else atom


# --- what the domains must keep apart ----------------------------------------------------------
# The survey lives beside the encoder: what a node kind contributes to the finite domains is
# part of how the analysis encodes it, and a new kind is taught both in this one module.


@attrs.frozen
class Comparisons:
    """What a program's conditions compare, which is what its domains must keep apart.

    Attributes:
        components: each field's component, as the name of the one field standing for it:
            fields joined by field-to-field comparisons share a component (and their points).
        constants: per field, the constants it is compared with, in the order met (the
            members of a set sorted by ``repr``, so that nothing depends on hash order).
        pairs: the pairs of distinct fields compared with each other, each the way round it is
            first written, in the order met.
        steps: per field, the most whole months it is compared across with a month field
            moved by months (``d < m + 1 months``: 1 for both), 0 when never.
        stepped: the fields compared with a month field moved by whole months, as
            ``(other, month, months)``, in the order met.
        lengths: per text field, the numbers its length is compared with.
    """

    components: dict[str, str]
    constants: dict[str, list[Any]]
    pairs: tuple[tuple[str, str], ...]
    steps: dict[str, int] = attrs.field(factory=dict)
    stepped: tuple[tuple[str, str, int], ...] = ()
    lengths: dict[str, list[Any]] = attrs.field(factory=dict)


def comparisons(program: ir.Program, extra: Iterable[ir.Condition] = ()) -> Comparisons:
    """What the conditions of every rule, expectation and trajectory of ``program`` (and
    ``extra``) compare.

    Raises:
        ir.UnhandledNode: a node kind that this survey was not taught (its constants would
            otherwise be missed, and the analysis would prove something false).

    >>> from srg_rules import parse
    >>> book = parse('''
    ... field a: date
    ... field b: date
    ... field c: date
    ... include when a < b and c > 2024-01-01
    ... ''')
    >>> found = comparisons(book.program)
    >>> found.components["a"] == found.components["b"] != found.components["c"], found.pairs
    (True, (('a', 'b'),))
    """
    fields = program.schema.fields
    conditions = [rule.condition for rule in program.rules]
    conditions += [expectation.condition for expectation in program.expectations]
    for trajectory in program.trajectories:
        conditions.append(trajectory.condition)
        conditions += [ir.compare("eq", name, value) for component in trajectory.components
                       for name, value in component.assignments]
        # A value computed from a field is compared with that field's values.
        conditions += [ir.Compare("eq", ir.FieldValue(name), expression)
                       for component in trajectory.components
                       for name, expression in component.derived
                       if not isinstance(expression, ir.TextJoin)]
    conditions += extra
    survey = _Survey(fields)
    survey.declared = dict(fields)
    for condition in conditions:
        # A define's body is shared by every use; walk it once.
        for node in ir.walk(condition, once=True):
            survey(node)
    return Comparisons({name: survey.find(name) for name in fields}, survey.constants,
                       tuple(survey.pairs.values()), survey.steps, tuple(survey.stepped),
                       survey.lengths)


def components(program: ir.Program, extra: Iterable[ir.Condition] = ()) -> dict[str, str]:
    """Each field's component (see :class:`Comparisons`), as the domains form them."""
    return comparisons(program, extra).components


class _Survey(ir.Visitor):
    """Collects, node by node, the field pairs (in a union-find) and constants compared."""

    def __init__(self, fields: Iterable[str]):
        self.parent = {name: name for name in fields}
        self.constants: dict[str, list[Any]] = {name: [] for name in self.parent}
        self.pairs: dict[frozenset[str], tuple[str, str]] = {}
        self.steps: dict[str, int] = {name: 0 for name in self.parent}
        self.stepped: dict[tuple[str, str, int], None] = {}
        self.lengths: dict[str, list[Any]] = {name: [] for name in self.parent}
        # The declared fields, when known: a measure of a code field is rewritten over it.
        self.declared: Mapping[str, Field] = {}

    def find(self, name: str) -> str:
        parent = self.parent
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def compare(self, node: ir.Compare) -> None:
        rewritten = unshifted(node)
        if rewritten is None:
            rewritten = exactly(node, self.declared)
        if rewritten is not None:
            for part in ir.walk(rewritten):
                if isinstance(part, ir.Compare):
                    self.compare(part)
            return
        step = month_step(node, self.declared)
        if step is not None:  # exact over the month starts the domains keep for it
            self.parent[self.find(step.other)] = self.find(step.month)
            self.stepped.setdefault((step.other, step.month, step.months))
            for name in (step.other, step.month):
                self.steps[name] = max(self.steps[name], abs(step.months))
            # Where the moved month leaves the calendar (the comparison is false beyond).
            edge = _dt.date(9999, 12, 1) if step.months > 0 else _dt.date(1, 1, 1)
            last = dates.shift(edge, -step.months, "months")
            if last is not None:
                self.constants[step.month].append(last)
            return
        measured_text = text_length(node, self.declared)
        if measured_text is not None:  # exact over fresh texts of the lengths it tells apart
            self.lengths[measured_text[0]].append(measured_text[2])
            return
        pair, constant = ir.field_pair(node), ir.field_constant(node)
        if pair is None and constant is None and (_shifted_fields(node) or _measured(node)):
            return  # over-approximated by the encoder: it needs no points of its own
        if pair is not None:
            self.parent[self.find(pair[0])] = self.find(pair[1])
            if pair[0] != pair[1]:
                self.pairs.setdefault(frozenset(pair), pair)
        elif constant is not None:
            name, value = constant
            values = value if isinstance(value, frozenset) else (value,)
            # Sets are unordered; sort so that the points do not depend on hash order.
            self.constants[name].extend(sorted(values, key=repr))
        else:
            raise ir.UnhandledNode(f"no finite domain for the operands of {node!r}")

    # The other kinds compare nothing themselves; the walk visits their parts.

    def field_value(self, node: ir.FieldValue) -> None:
        pass

    def date_shift(self, node: ir.DateShift) -> None:
        pass

    def length(self, node: ir.Length) -> None:
        pass

    def age(self, node: ir.Age) -> None:
        pass

    def matches(self, node: ir.Matches) -> None:
        pass  # exact over a code field's codes (all points); over-approximated elsewhere

    def constant(self, node: ir.Constant) -> None:
        pass

    def is_present(self, node: ir.IsPresent) -> None:
        pass

    def negation(self, node: ir.Not) -> None:
        pass

    def all_of(self, node: ir.AllOf) -> None:
        pass

    def any_of(self, node: ir.AnyOf) -> None:
        pass

    def defined(self, node: ir.Defined) -> None:
        pass


# --- moved dates -------------------------------------------------------------------------------


def _measured(node: ir.Compare) -> bool:
    """Whether the comparison measures a field (``length(f)``, ``age(b, d)``) and was not
    rewritten exactly: the encoder over-approximates it, so it needs no points of its own."""
    return any(isinstance(side, (ir.Length, ir.Age)) for side in (node.left, node.right))


def _shifted_fields(node: ir.Compare) -> bool:
    """Whether the comparison holds a moved date of a field, with fields on both sides."""
    sides = (node.left, node.right)
    return (any(isinstance(side, ir.DateShift) for side in sides)
            and all(not isinstance(side, ir.Constant) for side in sides))


def unshifted(node: ir.Compare) -> ir.Condition | None:
    """A comparison of a moved date of a field with a constant, as the same condition over the
    field itself (None for any other comparison).

    Exact: moving a date is monotone (a later date never moves before an earlier one), so the
    days whose moved date is below a constant are the days below a threshold, found by
    bisection over the calendar; and the days whose move leaves the calendar (which count as
    missing) lie at one end, cut off by a bound of their own.

    >>> import datetime
    >>> shifted = ir.DateShift(ir.FieldValue("d"), 1, "months")
    >>> print(ir.Compare("lt", shifted, ir.Constant(datetime.date(2024, 2, 29))))
    Compare(op='lt', left=DateShift(base=FieldValue(name='d'), amount=1, unit='months'), right=Constant(value=datetime.date(2024, 2, 29)))
    >>> from srg_rules import printer
    >>> print(printer.condition(unshifted(ir.Compare("lt", shifted, ir.Constant(datetime.date(2024, 2, 29))))))
    d >= 0001-01-01 and d <= 9999-11-30 and d < 2024-01-29
    """
    if not (isinstance(node.left, ir.DateShift) and isinstance(node.right, ir.Constant)
            and isinstance(node.left.base, ir.FieldValue)):
        return None
    shift, target = node.left, node.right.value
    name = node.left.base.name

    def moved(ordinal: int) -> Any:
        return dates.shift(_dt.date.fromordinal(ordinal), shift.amount, shift.unit)

    first, last = _dt.date.min.toordinal(), _dt.date.max.toordinal()
    # The days whose move stays in the calendar: one run, cut off at one end.
    low = first_holding(first, last, lambda d: moved(d) is not None) if shift.amount < 0 else first
    high = (first_holding(first, last + 1, lambda d: moved(d) is None) - 1) if shift.amount > 0 else last
    in_calendar = [ir.compare("ge", name, _dt.date.fromordinal(low)),
                   ir.compare("le", name, _dt.date.fromordinal(high))]
    # First days (in the calendar run) whose moved date reaches / passes the constant.
    reaches = first_holding(low, high + 1, lambda d: moved(d) >= target)
    passes = first_holding(low, high + 1, lambda d: moved(d) > target)

    def below(ordinal: int) -> ir.Condition:
        return (ir.compare("lt", name, _dt.date.fromordinal(ordinal)) if ordinal <= high
                else ir.AllOf(()))

    def from_(ordinal: int) -> ir.Condition:
        return (ir.compare("ge", name, _dt.date.fromordinal(ordinal)) if ordinal <= high
                else ir.AnyOf(()))

    if node.op == "in_set" or node.op == "not_in_set":
        return None
    parts_by_op: dict[str, list[ir.Condition]] = {
        "lt": [below(reaches)],
        "le": [below(passes)],
        "gt": [from_(passes)],
        "ge": [from_(reaches)],
        "eq": [from_(reaches), below(passes)],
        "ne": [ir.AnyOf((below(reaches), from_(passes)))],
    }
    parts = parts_by_op[node.op]
    return ir.AllOf((*in_calendar, *parts), span=node.span)


@attrs.frozen
class _Moved:
    """Where a month field moved by whole months lands among its component's points: the
    moved day's insertion points (``bisect_left``, ``bisect_right``), and whether the move
    stays in the calendar."""

    below: z3.ArithRef
    through: z3.ArithRef
    inside: z3.BoolRef


def _moved_month(domain: Any, index: z3.ArithRef, name: str, months: int,
                 context: z3.Context) -> tuple[_Moved, list[z3.BoolRef]]:
    """The terms of :class:`_Moved` for ``name`` moved by ``months``, and their definition:
    one implication per month point (written once, whatever number of comparisons use it)."""
    points = domain.points
    below = z3.Int(f"moved:{name}:{months}:below", context)
    through = z3.Int(f"moved:{name}:{months}:through", context)
    inside = z3.Bool(f"moved:{name}:{months}:inside", context)
    # Hundreds of implications (a month start near each constant): written as SMT-LIB and
    # parsed in one call, which z3's Python API takes far longer to build term by term.
    lines = []
    for i in domain.allowed:
        target = dates.shift(points[i], months, "months")
        if target is None:
            lines.append(f"(assert (=> (= index {i}) (not inside)))")
        else:
            lines.append(f"(assert (=> (= index {i}) (and inside "
                         f"(= below {bisect.bisect_left(points, target)}) "
                         f"(= through {bisect.bisect_right(points, target)}))))")
    definition = list(z3.parse_smt2_string(
        "\n".join(lines), decls={"index": index, "below": below, "through": through,
                                 "inside": inside}, ctx=context))
    return _Moved(below, through, inside), definition


# Up to this many points an ``in`` test is one equation per point (as it always was, so that
# the witnesses the solver finds stay the same); beyond, runs of consecutive points.
_FEW_POINTS = 32


def _runs(points: list[int]) -> list[tuple[int, int]]:
    """Sorted points as runs of consecutive ones, ``[1, 2, 3, 7]`` -> ``[(1, 3), (7, 7)]``."""
    runs: list[tuple[int, int]] = []
    for point in points:
        if runs and runs[-1][1] == point - 1:
            runs[-1] = (runs[-1][0], point)
        else:
            runs.append((point, point))
    return runs
