"""The solver side of the version diff: each group of changed records as exact regions.

Place in the pipeline: under :func:`srg_rules.analysis.diff.semantic_diff`, over the encoder
(:mod:`srg_rules.analysis.encoding`). Input: two :class:`ir.Program` s. Output:
:meth:`Comparison.run` gives the :class:`~srg_rules.analysis.changes.Diff`: every kind of
change some compared record undergoes, each as disjoint regions (conditions in the rulebook
language, printed by :mod:`srg_rules.printer`) with a witness the two reference interpreters
decide as the group says. Why it is exact, and the invariants, are in
:mod:`srg_rules.analysis.diff`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from typing import Any

import attrs
import z3

from .. import dates, ir, printer
from ..backends.interpreter import Interpreter, evaluate
from ..decision import VERBS, Decision, Status, one_per_type
from ..i18n import gettext as _
from .changes import Diff, Group, Outcome, Region, by_text, merge_schemas, reading_rules
from .classes import Cube, FieldClass, choice, field_classes, interval
from .domains import from_program
from .encoding import Comparisons, comparisons
from .encoding import Encoder
from . import matching
from .findings import AnalysisError, describe_record
from .split import Split, SplitRegions

__all__ = ["Comparison", "NotExact"]


class NotExact(AnalysisError):
    """The versions hold a condition the encoder over-approximates (an age of two fields, the
    length of a text ...): the semantic diff cannot be decided exactly, so none is given."""

# --- the solver side ----------------------------------------------------------------------------


_ORDERED_RELATIONS = ("lt", "eq", "gt")
_UNORDERED_RELATIONS = ("eq", "ne")
# A set of relations between two present values, as the one operator that says it.
_RELATION_OPERATOR = {
    frozenset({"lt"}): "lt", frozenset({"eq"}): "eq", frozenset({"gt"}): "gt",
    frozenset({"lt", "eq"}): "le", frozenset({"gt", "eq"}): "ge", frozenset({"lt", "gt"}): "ne",
    frozenset({"ne"}): "ne",
}


# Two fields compared, as (a, b, months): a with b moved by whole months (0: b itself).
_Pair = tuple[str, str, int]
# A formula the cubes are built of: one field's classes, or one pair's relations.
_PartKey = tuple[str, frozenset[int]] | tuple[_Pair, frozenset[str]]


def _operands(pair: _Pair) -> tuple[ir.Operand, ir.Operand]:
    a, b, months = pair
    moved: ir.Operand = ir.DateShift(ir.FieldValue(b), months, "months") if months else ir.FieldValue(b)
    return ir.FieldValue(a), moved


@attrs.frozen
class _Outside:
    """What a region must not hold (another group's records, or a region's found before): a
    literal the solver knows the meaning of, and the formula itself over the field terms,
    made only when a model is searched by substitution (see ``Comparison._outside_too``)."""

    literal: z3.BoolRef
    formula: Callable[[], z3.BoolRef]


class Comparison(SplitRegions):
    """Two versions over one set of field terms, and the questions the diff asks of them."""

    def __init__(self, old: ir.Program, new: ir.Program):
        self.old, self.new = old, new
        self.schema, self.notes = merge_schemas(old.schema, new.schema)
        old_rules = (*reading_rules(old.schema, self.schema, "old:"), *old.rules)
        new_rules = (*reading_rules(new.schema, self.schema, "new:"), *new.rules)
        # One program holding both versions' rules: its domains are split at the constants of
        # both, and the encoder encodes every rule over one set of field terms.
        combined = ir.Program(self.schema, (*old_rules, *new_rules))
        self.domains = from_program(combined)
        # A context of its own, as the analysis has: the same witnesses whatever ran before.
        context = z3.Context()
        self.solver = z3.Solver(ctx=context)
        self.encoder = Encoder(self.domains, context, self.solver)
        rules = combined.rules
        # A literal per rule, equal to its condition: the outcomes are written over these.
        # Kept for the solver's lifetime: the solver's models (so the witnesses) depend on
        # the terms it has met, and the binding is the one the analysis makes.
        self.bound = self.encoder.rules(rules, self.solver)
        literals = self.bound.literals
        self._parts: dict[_PartKey, z3.BoolRef] = {}
        self._part_literals: dict[_PartKey, z3.BoolRef] = {}
        self._defined = 0  # literals made by _literal
        # The effort spent (see run): solver questions, each weighed by the rules it holds.
        self._work = 0
        self._weight = len(rules)
        self._share: int | None = None
        self._stop_at: int | None = None  # the work at which the current kind stops
        self._spans: dict[tuple[str, int, int], z3.BoolRef] = {}  # see _stretch
        self._splitter: Split | None = None  # see _split, made when first needed
        self._field_conditions: dict[tuple[str, frozenset[int]], ir.Condition | None] = {}
        self._records = self.solver
        n = len(old_rules)
        # A rule of the new version that is a rule of the old one (the same verb, type and
        # condition: z3 makes one term of equal formulas) is written with the old rule's
        # literal, so the solver sees at once that the versions decide alike wherever only
        # such rules match, and works only where a changed rule does.
        earlier = {(rules[i].verb, rules[i].code, self.encode(rules[i].condition).get_id()): i
                   for i in reversed(range(n))}
        self.paired = {j: earlier.get((rules[j].verb, rules[j].code,
                                       self.encode(rules[j].condition).get_id()), j)
                       for j in range(n, len(rules))}
        self.old_outcomes = self._outcomes(range(n), rules, literals.__getitem__)
        self.new_outcomes = self._outcomes(range(n, len(rules)), rules,
                                           lambda j: literals[self.paired[j]])
        # The same outcomes written over the field terms themselves (not the rule literals),
        # so that a field can be substituted in them.
        direct = lambda i: self.encoder.condition(rules[i].condition)  # noqa: E731
        self._direct = (self._outcomes(range(n), rules, direct),
                        self._outcomes(range(n, len(rules)), rules, direct))
        self.old_interpreter = Interpreter(old)
        self.new_interpreter = Interpreter(new)
        compared = comparisons(combined)
        self.classes = self._classes(compared)
        # Pairs of fields compared, as (a, b, months): a with b moved by months (0: b).
        self.pairs = [(a, b, 0) for a, b in compared.pairs] + list(compared.stepped)
        # The order fields are widened in: the least used first. A field many conditions test
        # is where the group splits (initiative, in the SRG's "gemeentelijke inzet"); freeing
        # the others first keeps it as the cut instead of cutting along the others.
        uses = dict.fromkeys(self.schema.fields, 0)
        for rule in rules:
            for node in ir.walk(rule.condition):
                if isinstance(node, (ir.Compare, ir.IsPresent)):
                    for name in ir.fields_of(node):
                        uses[name] += 1
        self.order = sorted(self.schema.fields, key=lambda name: uses[name])
        self.ordered = {name: field.type.ordered for name, field in self.schema.fields.items()}

    def encode(self, node: ir.Condition) -> z3.BoolRef:
        return self.encoder.condition(node)

    def _outcomes(self, indices: range, rules: tuple[ir.CompiledRule, ...],
                  formula: Callable[[int], z3.BoolRef]) -> dict[Outcome, z3.BoolRef]:
        """Each outcome of one version as a formula; exactly one holds for every record.

        These are :func:`srg_rules.decision.verdicts` (reject > exclude > include >
        classify) written out: built through ``verdicts`` they are equivalent, but z3 then
        meets other terms and finds other witnesses, which would change every golden report.
        tests/test_diff.py checks them against the reference interpreters on every witness.
        """
        by_verb: dict[str, list[int]] = {verb: [] for verb in VERBS}
        for i in indices:
            by_verb.setdefault(rules[i].verb, []).append(i)  # warn rules decide nothing
        any_of = self.encoder.any
        rejected = any_of(formula(i) for i in by_verb["reject"])
        excluded = any_of(formula(i) for i in by_verb["exclude"])
        included = any_of(formula(i) for i in by_verb["include"])
        admitted = z3.And(z3.Not(rejected), z3.Not(excluded), included)
        types = [formula(i) for i in by_verb["classify"]]
        per_type = one_per_type(self.encoder, types, [rules[i].code for i in by_verb["classify"]])
        one_type = z3.AtMost(*per_type, 1) if len(per_type) >= 2 else self.encoder.true
        outcomes = {
            Outcome(Status.REJECTED): z3.Or(rejected, z3.And(admitted, z3.Not(one_type))),
            Outcome(Status.EXCLUDED): z3.And(z3.Not(rejected), z3.Or(excluded, z3.Not(included))),
            Outcome(Status.INCLUDED): z3.And(admitted, z3.Not(any_of(types))),
        }
        for code in dict.fromkeys(rules[i].code for i in by_verb["classify"]):
            outcomes[Outcome(Status.INCLUDED, code)] = z3.And(admitted, one_type, any_of(
                formula(i) for i in by_verb["classify"] if rules[i].code == code))
        return outcomes

    def _classes(self, compared: Comparisons) -> dict[str, list[FieldClass]]:
        """Each field's classes: the present ones (ascending for ordered types), then missing."""
        classes = field_classes(self.domains, compared)
        self._class_formulas = {
            name: [self.encode(c.condition) for c in found] for name, found in classes.items()
        }
        # A literal per class, equal to its formula: an assumption that puts a field there.
        self._class_literals: dict[str, list[z3.BoolRef]] = {}
        for name, formulas in self._class_formulas.items():
            literals = [z3.Bool(f"class:{name}:{i}", self.encoder.context)
                        for i in range(len(formulas))]
            self.solver.add(*(lit == formula for lit, formula in zip(literals, formulas)))
            self._class_literals[name] = literals
        return classes

    # --- questions ---

    def unsat(self, *formulas: z3.BoolRef) -> bool:
        self._work += self._weight
        self.solver.push()
        self.solver.add(*formulas)
        try:
            return bool(self.solver.check() == z3.unsat)
        finally:
            self.solver.pop()

    def find(self, *formulas: z3.BoolRef) -> dict[str, Any] | None:
        """A record meeting the formulas, or None when there is none (unsat)."""
        self.solver.push()
        self.solver.add(*formulas)
        try:
            result = self.solver.check()
            if result == z3.unsat:
                return None
            if result != z3.sat:
                raise AnalysisError("the solver gave up; the diff cannot be proven")
            return self.encoder.record(self.solver.model())
        finally:
            self.solver.pop()

    def decide(self, record: Mapping[str, Any]) -> tuple[Decision, Decision]:
        """The two reference interpreters' decisions, reading the record as input."""
        return self.old_interpreter.decide(record), self.new_interpreter.decide(record)

    # --- the diff ---

    def run(self, limit: int, count_limit: int, effort: int | None = None,
            widening: int | None = None) -> Diff:
        """The diff. Every claim in it is proven: a region by an unsat answer (which stays a
        proof when a condition is over-approximated, since the solver then allows more
        records, never fewer) and a witness by both reference interpreters. So with an
        over-approximated condition the diff is still given when every witness the solver
        finds is real; when one is not, the versions cannot be compared exactly here.

        A field with more than :data:`_MOST_POINTS` values in the analysis (a month compared
        across moved months beside a code list's many periods, as the delivery checks are)
        makes the regions too slow to find (minutes to hours, in the solver calls that widen
        each region). Whether the versions differ at all is one solver call even then
        (seconds): when they do not, that is the diff (exact: an unsat answer is a proof);
        when they do, the versions are refused as NotExact, with one record they decide
        differently (re-decided by both interpreters), so that a diff with DATA compares
        the records instead.

        ``effort`` (None: no limit) is the solver questions the regions may take, each
        weighed by the rules the solver holds, shared equally by the kinds of change: a kind
        that has spent its share stops widening its region and listing more (see
        :attr:`Group.cut_short`). The kinds of change themselves are always all found.

        With ``effort`` None every kind is listed whole (up to the limits): each is widened
        within its share of ``widening`` (None: no limit; 0: not at all), and a kind that
        spends it is listed instead by the cubes of a decision tree (:meth:`_split`), which
        are fewer questions, so seconds where widening takes minutes."""
        name, domain = max(self.domains.items(), key=lambda item: len(item[1].points))
        if len(domain.points) > _MOST_POINTS:
            record = self.find(z3.Not(self._same()))
            if record is None:
                return Diff(self.old, self.new, (), self.notes)
            old, new = (Outcome.of(d) for d in self.decide(record))
            example = (_("; they differ: {record} is {old} by the old version and {new} by "
                         "the new one").format(record=describe_record(record), old=old, new=new)
                       if old != new else "")
            raise NotExact(
                _("the versions cannot be compared exactly in reasonable time: the field "
                  "'{name}' takes {count} values in the analysis (at most {most}){example}; "
                  "compare them on records instead (srg-rules diff OLD NEW DATA)").format(
                      name=name, count=len(domain.points), most=_MOST_POINTS, example=example))
        if not self.encoder.approximated:
            return self._run(limit, count_limit, effort, widening)
        try:
            return self._run(limit, count_limit, effort, widening)
        except AnalysisError as error:
            shown = printer.condition(self.encoder.approximated[0], self.schema)
            more = _(" and more") if len(self.encoder.approximated) > 1 else ""
            raise NotExact(
                _("the versions cannot be compared exactly: the analysis over-approximates "
                  "'{condition}'{more}; compare them on records instead (srg-rules diff OLD NEW "
                  "DATA)").format(condition=shown, more=more)) from error

    def _same(self) -> z3.BoolRef:
        """Both versions give the record the same outcome."""
        return self.encoder.any(
            z3.And(formula, self.new_outcomes[outcome])
            for outcome, formula in self.old_outcomes.items() if outcome in self.new_outcomes)

    def _run(self, limit: int, count_limit: int, effort: int | None,
             widening: int | None) -> Diff:
        same = self._same()
        kinds: list[tuple[Outcome, Outcome]] = []
        while True:
            record = self.find(z3.Not(same), *(z3.Not(self._group(*k)) for k in kinds))
            if record is None:
                break
            old, new = (Outcome.of(d) for d in self.decide(record))
            if old == new or (old, new) in kinds:
                raise AnalysisError(
                    f"the record {describe_record(record)} is decided {old} by the "
                    f"old version and {new} by the new one, not as the solver found")
            kinds.append((old, new))
        kinds.sort(key=lambda k: (k[0].sort_key(), k[1].sort_key()))
        # Each kind of change gets an equal share of the effort, in solver questions weighed
        # by the rules they hold (a question costs about as much per rule at any size).
        spend = effort if effort is not None else widening
        self._share = None if spend is None or not kinds else spend // len(kinds)
        groups = []
        for old, new in kinds:
            self._stop_at = None if self._share is None else self._work + self._share
            split = None
            if effort is None and widening == 0:
                split = self._split(old, new, limit, count_limit)
            # Two ways to widen a cube (see _generalise): keep the one giving fewer regions.
            # The second stops as soon as it cannot do better.
            group = split or self._regions(old, new, limit, count_limit, alike=True)
            if effort is None and group.cut_short:  # the whole list: split instead
                self._stop_at = None
                split = self._split(old, new, limit, count_limit)
                group = split or self._regions(old, new, limit, count_limit, alike=True)
            total = len(group.regions) + group.more
            if split is None and total > 1 and group.more_is_exact:
                other = self._regions(old, new, limit, min(count_limit, total - 1), alike=False)
                if other.more_is_exact and len(other.regions) + other.more < total:
                    group = other
            groups.append(group)
        return Diff(self.old, self.new, tuple(groups), self.notes,
                    cut_short=any(group.cut_short for group in groups))

    def _group(self, old: Outcome, new: Outcome, direct: bool = False) -> z3.BoolRef:
        olds, news = self._direct if direct else (self.old_outcomes, self.new_outcomes)
        return z3.And(olds.get(old, self.encoder.false), news.get(new, self.encoder.false))

    def _regions(self, old: Outcome, new: Outcome, limit: int, count_limit: int,
                 alike: bool) -> Group:
        with self._scope():  # the group's literals, gone with it
            return self._regions_of(old, new, limit, count_limit, alike)

    @contextlib.contextmanager
    def _scope(self) -> Iterator[None]:
        """A solver scope for literals (:meth:`_literal`) needed only inside it; the literals
        of classes and spans made inside are forgotten with it."""
        self.solver.push()
        try:
            yield
        finally:
            self.solver.pop()
            self._part_literals.clear()
            self._spans.clear()

    def _regions_of(self, old: Outcome, new: Outcome, limit: int, count_limit: int,
                    alike: bool) -> Group:
        group = self._group(old, new)
        direct = self._group(old, new, direct=True) if alike else None
        # The group and each region found stand in the solver as a literal defined once, so
        # that each question is a set of assumptions, not formulas added and popped again.
        in_group = self._literal(group)
        regions: list[Region] = []
        found: list[z3.BoolRef] = []  # the regions' formulas
        blocked: list[z3.BoolRef] = []  # their literals
        count = 0
        alike_cache: dict[tuple[str, int, int], bool] = {}
        cut_short = False
        while count < count_limit:
            if self._spent() and count:
                cut_short = True  # its share spent: stop listing (and widening)
                break
            witness = self._find_assuming(in_group, *(z3.Not(b) for b in blocked))
            if witness is None:
                return Group(old, new, by_text(regions), count - len(regions))
            # The literals of one region's widening live in a scope of their own: kept,
            # thousands of definitions would slow every later question.
            with self._scope():
                # Outside: a record the region must not hold, in another group or region.
                outside = _Outside(self._literal(z3.Or(z3.Not(in_group), *blocked)),
                                   lambda: z3.Or(z3.Not(group), *found))
                cube = self._generalise(witness, outside, direct, alike_cache)
                condition = self._condition(cube)
                formula = self.encode(condition) if condition is not None else self.encoder.true
                holds = self._empty([self._literal(formula), outside.literal])
            decisions = self.decide(witness)
            if (not holds or (condition is not None and not evaluate(condition, witness))
                    or tuple(Outcome.of(d) for d in decisions) != (old, new)):
                raise AnalysisError(
                    f"the region {self.text(condition) if condition else 'every record'} "
                    f"with witness {describe_record(witness)} does not hold "
                    f"as {old} -> {new}")
            found.append(formula)
            blocked.append(self._literal(formula))
            count += 1
            if len(regions) < limit:
                text = self.text(condition) if condition is not None else "every record"
                regions.append(Region(condition, text, witness, *decisions))
        left = self._find_assuming(in_group, *(z3.Not(b) for b in blocked))
        if left is not None and tuple(Outcome.of(d) for d in self.decide(left)) != (old, new):
            raise AnalysisError(
                f"the record {describe_record(left)} is not decided {old} -> {new}, "
                "not as the solver found")
        more_left = left is not None
        # Cut short, the next region is one more (``left`` lies outside every region found).
        more = count - len(regions) + (cut_short and more_left)
        return Group(old, new, by_text(regions), more, not more_left, cut_short and more_left)

    def _spent(self) -> bool:
        """Whether the current kind of change has spent its share of the effort."""
        return self._stop_at is not None and self._work >= self._stop_at

    def _literal(self, formula: z3.BoolRef) -> z3.BoolRef:
        """A fresh literal the solver knows equals ``formula``, in the current scope (see
        :meth:`_scope`; a definition never narrows the records)."""
        if z3.is_true(formula) or z3.is_false(formula):
            return formula
        literal = z3.Bool(f"defined:{self._defined}", self.encoder.context)
        self._defined += 1
        self.solver.add(literal == formula)
        return literal

    def _empty(self, assumptions: Iterable[z3.BoolRef]) -> bool:
        """Whether no record meets every assumption (unknown counts as not empty: a cube
        widened only on unsat answers stays exact)."""
        return bool(self._check(*assumptions) == z3.unsat)

    def _check(self, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
        """``solver.check(*assumptions)``, without z3's cast of each assumption (see
        :func:`srg_rules.analysis.matching.check`), counted as effort."""
        self._work += self._weight
        return matching.check(self.solver, assumptions)

    def _find_assuming(self, *assumptions: z3.BoolRef) -> dict[str, Any] | None:
        """A record meeting the assumptions (literals), or None when there is none."""
        result = self._check(*assumptions)
        if result == z3.unsat:
            return None
        if result != z3.sat:
            raise AnalysisError("the solver gave up; the diff cannot be proven")
        return self.encoder.record(self.solver.model())

    def _class_of(self, name: str, value: Any) -> int:
        if value is None:
            return len(self.classes[name]) - 1  # missing is last
        point = self.domains[name].index(value)
        for i, found in enumerate(self.classes[name]):
            if point in found.points:
                return i
        raise AnalysisError(f"{name}={value!r} is in no class")

    def _all_relations(self, pair: _Pair) -> tuple[str, ...]:
        return _ORDERED_RELATIONS if self.ordered[pair[0]] else _UNORDERED_RELATIONS

    def _relation(self, pair: _Pair, record: Mapping[str, Any]) -> frozenset[str]:
        a, b = record[pair[0]], record[pair[1]]
        if b is not None and pair[2]:
            b = dates.shift(b, pair[2], "months")  # None: moved out of the calendar
        if a is None or b is None:
            return frozenset(self._all_relations(pair))  # it constrains only present pairs
        if self.ordered[pair[0]]:
            return frozenset({"lt" if a < b else "eq" if a == b else "gt"})
        return frozenset({"eq" if a == b else "ne"})

    def _formula(self, cube: Cube) -> z3.BoolRef:
        parts = []
        for name, chosen in cube.fields.items():
            if len(chosen) < len(self.classes[name]):
                parts.append(self._part((name, chosen)))
        for pair, relations in cube.relations.items():
            if len(relations) < len(self._all_relations(pair)):
                parts.append(self._part((pair, relations)))
        return matching.conjunction(self.encoder.context, parts)

    def _assumed(self, cube: Cube, free: str | None = None) -> list[z3.BoolRef]:
        """The cube as assumptions: a literal per constrained field (but ``free``) and per
        narrowed pair."""
        literals = []
        for name, chosen in cube.fields.items():
            if name != free and len(chosen) < len(self.classes[name]):
                if len(chosen) == 1:
                    literals.append(self._class_literals[name][next(iter(chosen))])
                else:
                    literals.append(self._part_literal((name, chosen)))
        for pair, relations in cube.relations.items():
            if len(relations) < len(self._all_relations(pair)):
                literals.append(self._part_literal((pair, relations)))
        return literals

    def _part_literal(self, key: _PartKey) -> z3.BoolRef:
        """The literal of :meth:`_part`, defined in the solver once."""
        literal = self._part_literals.get(key)
        if literal is None:
            literal = self._part_literals[key] = self._literal(self._part(key))
        return literal

    def _part(self, key: _PartKey) -> z3.BoolRef:
        """One field's classes, or one pair's relations, as a formula (built once)."""
        if key not in self._parts:
            if isinstance(key[0], str):  # (narrows the key for mypy: a field's classes)
                name, chosen = key
                formulas = self._class_formulas[name]
                formula = self.encoder.any(formulas[i] for i in sorted(chosen))
            else:
                pair, relations = key
                a, b = pair[:2]
                formula = z3.Or(
                    z3.Not(self.encode(ir.IsPresent(a))), z3.Not(self.encode(ir.IsPresent(b))),
                    *(self.encode(ir.Compare(op, *_operands(pair))) for op in sorted(relations)))
            self._parts[key] = formula
        return self._parts[key]

    def _generalise(self, witness: Mapping[str, Any], outside: _Outside,
                    group: z3.BoolRef | None,
                    alike_cache: dict[tuple[str, int, int], bool]) -> Cube:
        """The witness's cell, widened while z3 proves the cube holds nothing ``outside``.

        First the fields the cube does not need are freed: the solver's proof that the cell
        holds nothing outside names the fields it used (its unsat core), and every other
        field is freed at once; then each field it used, least used first, is tried freed
        (each such proof again freeing the fields it did not use). Then each remaining field
        is widened by the classes it can take (an ordered field keeping one interval); then
        each compared pair's relation is widened. A cube is a union over the classes of any
        one field, so a set of classes fits exactly when each class fits on its own: each
        class is asked about once (an ordered field's reach, by bisection), and all that fit
        join. A field the witness leaves missing may need a relation to its pair before it
        can take values, so that is tried too.

        With ``group`` (the group written over the field variables), a code, boolean or text
        is only joined to a class that the group treats alike everywhere (swapping the two
        never changes membership). That avoids widening by accident (``initiative = gemeente``
        happening to fit beside ``initiative = burger and judgement = positief``), which cuts
        the rest of the group into more pieces; the caller tries both ways.

        When the kind of change's share of the effort is spent (see :meth:`run`), widening
        stops where it is: at the least, the witness's cell with the fields its first proof
        does not use freed. Every step is taken on an unsat answer, so the cube is exact
        wherever it stops.
        """
        cube = Cube(
            {name: frozenset({self._class_of(name, witness[name])}) for name in self.classes},
            {pair: self._relation(pair, witness) for pair in self.pairs},
        )
        everything = {name: frozenset(range(len(classes)))
                      for name, classes in self.classes.items()}
        by_literal = {self._class_literals[name][next(iter(chosen))].get_id(): name
                      for name, chosen in cube.fields.items()
                      if len(chosen) < len(everything[name])}

        def unneeded(cube: Cube) -> Cube | None:
            """The cube with every field its proof does not use freed; None when it holds a
            record outside."""
            if self._check(*self._assumed(cube), outside.literal) != z3.unsat:
                return None
            used = {by_literal.get(literal.get_id()) for literal in self.solver.unsat_core()}
            return attrs.evolve(cube, fields={
                name: chosen if name in used else everything[name]
                for name, chosen in cube.fields.items()})

        narrowed = unneeded(cube)
        if narrowed is None:
            raise AnalysisError(
                f"the record {describe_record(witness)} is not alone in its cell")
        cube = narrowed
        for name in self.order:
            if self._spent():
                return cube
            if cube.fields[name] == everything[name]:
                continue
            trial = unneeded(attrs.evolve(cube, fields={**cube.fields, name: everything[name]}))
            if trial is not None:
                cube = trial
        paired = {name for pair in self.pairs for name in pair[:2]}
        for name in self.order:
            classes = self.classes[name]
            chosen = cube.fields[name]
            if self._spent():
                return cube
            if len(chosen) == len(classes):
                continue
            missing = len(classes) - 1 if classes[-1].kind == "missing" else None
            present = sorted(i for i in chosen if i != missing)
            if self.ordered[name] and present:
                cube = attrs.evolve(cube, fields={
                    **cube.fields, name: frozenset(self._stretch(cube, name, outside))})
                continue
            fitting = self._fitting(cube, name, outside)
            if not fitting and chosen == {missing} and name in paired:
                for pair in self.pairs:
                    if (name not in pair[:2]
                            or len(cube.relations[pair]) < len(self._all_relations(pair))):
                        continue
                    for relation in self._all_relations(pair):
                        narrowed = attrs.evolve(
                            cube, relations={**cube.relations, pair: frozenset({relation})})
                        fitting = self._fitting(narrowed, name, outside)
                        if fitting:
                            cube = narrowed
                            break
                    if fitting:
                        break
            if self.ordered[name]:  # missing so far: join the longest interval that fits
                run = max(_runs(sorted(i for i in fitting if i != missing)), key=len, default=[])
                wider: Set[int] = {*chosen, *run}
            else:
                if group is not None and name not in paired and fitting:
                    alike = self._alike(group, name, min(chosen), alike_cache)
                    fitting = {i for i in fitting if alike(i)}
                wider = chosen | fitting
            cube = attrs.evolve(cube, fields={**cube.fields, name: frozenset(wider)})
        for pair in self.pairs:
            for relation in self._all_relations(pair):
                held = cube.relations[pair]
                if relation in held or self._spent():
                    continue
                trial = attrs.evolve(cube, relations={**cube.relations, pair: held | {relation}})
                if self._empty([*self._assumed(trial), outside.literal]):
                    cube = trial
        return cube

    def _class_in(self, model: z3.ModelRef, name: str) -> int:
        """The class of a field's value in a model."""
        index, present = self.encoder.index(name), self.encoder.present(name)
        classes = self.classes[name]
        if present is not None and not z3.is_true(model.eval(present, model_completion=True)):
            return len(classes) - 1
        point = model.eval(index, model_completion=True).as_long()
        return next(i for i, c in enumerate(classes) if point in c.points)

    def _others(self, cube: Cube, name: str) -> z3.BoolRef:
        """The cube with the field unconstrained."""
        everything = frozenset(range(len(self.classes[name])))
        return self._formula(attrs.evolve(cube, fields={**cube.fields, name: everything}))

    def _fitting(self, cube: Cube, name: str, outside: _Outside) -> set[int]:
        """The classes of a field outside the cube's that the cube can take, each on its own
        (and so all together): those where z3 finds no record outside."""
        literals = self._class_literals[name]
        fitting: set[int] = set()
        others = [*self._assumed(cube, free=name), outside.literal]
        if len(literals) <= _FEW_CLASSES:
            for i, literal in enumerate(literals):
                # unknown (the solver gave up) counts as not fitting: the cube stays exact
                if i not in cube.fields[name] and self._empty([*others, literal]):
                    fitting.add(i)
            return fitting
        # Hundreds of classes (the codes of a list read from a file): ask about all that
        # are left at once; a record outside names one class that does not fit, which
        # leaves; when none is found, all that are left fit. One question per class
        # that does not fit, and one more.
        left = [i for i in range(len(literals)) if i not in cube.fields[name]]
        # what a record of a class must meet to not fit, over the field terms
        target = z3.And(self._others(cube, name), outside.formula())
        while left:
            result = self._check(*others, self._literal(z3.Or([literals[i] for i in left])))
            if result == z3.unsat:
                fitting.update(left)
                break
            if result != z3.sat:
                break  # the solver gave up: what is left counts as not fitting
            found = set(self._outside_too(self.solver.model(), target, name, left))
            if not found:
                break  # cannot happen (a model meets one of them); stay exact if it does
            left = [i for i in left if i not in found]
        return fitting

    def _outside_too(self, model: z3.ModelRef, target: z3.BoolRef, name: str,
                     classes: list[int]) -> list[int]:
        """The classes among ``classes`` that a record of ``target`` can take: the model's
        own, and each that the model's record with only this field changed still meets (a
        real record, so each found does not fit; a class not found may fit or not)."""
        index, present = self.encoder.index(name), self.encoder.present(name)
        found = []
        for i in classes:
            points = self.classes[name][i].points
            if points:
                moves = [(index, z3.IntVal(min(points), self.encoder.context))]
                if present is not None:
                    moves.append((present, self.encoder.true))
            elif present is not None:  # the missing class
                moves = [(present, self.encoder.false)]
            else:
                continue
            if z3.is_true(model.eval(z3.substitute(target, *moves), model_completion=True)):
                found.append(i)
        return found

    def _stretch(self, cube: Cube, name: str, outside: _Outside) -> set[int]:
        """An ordered field's interval of classes, stretched down and up as far as it fits,
        and missing added if it fits. The nearest class that does not fit on each side is
        found by bisection, with the solver's models as shortcuts."""
        classes = self.classes[name]
        missing = len(classes) - 1 if classes[-1].kind == "missing" else None
        count = len(classes) - (missing is not None)
        chosen = cube.fields[name]
        low = min(i for i in chosen if i != missing)
        high = max(i for i in chosen if i != missing)
        index, present = self.encoder.index(name), self.encoder.present(name)
        others = [*self._assumed(cube, free=name), outside.literal]

        def bad_between(first: int, last: int) -> int | None:
            """A class in first..last where a record outside is found, or None."""
            key = (name, first, last)
            span = self._spans.get(key)
            if span is None:
                formula = z3.And(index >= min(classes[first].points),
                                 index <= max(classes[last].points))
                if present is not None:
                    formula = z3.And(present, formula)
                span = self._spans[key] = self._literal(formula)
            result = self._check(*others, span)
            if result == z3.unsat:
                return None
            if result != z3.sat:
                return first  # the solver gave up: treat the whole span as not fitting
            return self._class_in(self.solver.model(), name)

        # Down: the largest bad class below low (none: reach 0).
        bottom = 0
        known = bad_between(0, low - 1) if low > 0 else None
        if known is not None:
            top = low - 1  # the largest bad class is in known..top
            while known < top:
                middle = (known + top + 1) // 2
                found = bad_between(middle, top)
                if found is None:
                    top = middle - 1
                else:
                    known = found
            bottom = known + 1
        # Up: the smallest bad class above high (none: reach the last).
        ceiling = count - 1
        known = bad_between(high + 1, count - 1) if high < count - 1 else None
        if known is not None:
            floor = high + 1  # the smallest bad class is in floor..known
            while floor < known:
                middle = (floor + known) // 2
                found = bad_between(floor, middle)
                if found is None:
                    floor = middle + 1
                else:
                    known = found
            ceiling = known - 1
        wider = set(range(bottom, ceiling + 1)) | (chosen & {missing})
        if missing is not None and missing not in wider:
            if self._empty([*others, self._class_literals[name][missing]]):
                wider.add(missing)
        return wider

    def _alike(self, group: z3.BoolRef, name: str, witness_class: int,
               cache: dict[tuple[str, int, int], bool]) -> Callable[[int], bool]:
        """Whether the group treats a class of the field as it treats the witness's class:
        with the field fixed to either, the group is the same set of the other fields.
        (Only for a field compared with no other, whose classes are single points.) The
        answers are kept in ``cache``, one per group: they depend on the group alone."""
        index, present = self.encoder.index(name), self.encoder.present(name)

        def fixed(i: int) -> z3.BoolRef:
            found = self.classes[name][i]
            swaps = []
            if present is not None:
                swaps.append((present, z3.BoolVal(found.kind != "missing", self.encoder.context)))
            if found.points:
                swaps.append((index, z3.IntVal(min(found.points), self.encoder.context)))
            return z3.substitute(group, *swaps) if swaps else group

        def alike(i: int) -> bool:
            key = (name, min(i, witness_class), max(i, witness_class))
            if key not in cache:
                cache[key] = self.unsat(z3.Xor(fixed(i), fixed(witness_class)))
            return cache[key]

        return alike

    # --- printing ---

    def _condition(self, cube: Cube) -> ir.Condition | None:
        """The cube as a condition in the rulebook language (None: no constraint)."""
        parts: list[ir.Condition] = []
        may_miss = set()
        for name, chosen in cube.fields.items():
            classes = self.classes[name]
            if classes[-1].kind == "missing" and len(classes) - 1 in chosen:
                may_miss.add(name)
            part = self._field_condition(name, chosen)
            if isinstance(part, ir.AllOf):
                parts.extend(part.items)
            elif part is not None:
                parts.append(part)
        implied: set[str] = set()  # fields a printed comparison already says are present
        for pair, relations in cube.relations.items():
            if len(relations) == len(self._all_relations(pair)):
                continue
            compare = ir.Compare(_RELATION_OPERATOR[relations], *_operands(pair))
            absent = [ir.Not(ir.IsPresent(f)) for f in pair[:2] if f in may_miss]
            parts.append(ir.AnyOf((*absent, compare)) if absent else compare)
            if not absent:  # "(a is missing or a < b)" says nothing of b's presence
                implied.update(pair[:2])
        parts = [p for p in parts if not (isinstance(p, ir.IsPresent) and p.field in implied)]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else ir.AllOf(tuple(parts))

    def text(self, node: ir.Condition) -> str:
        """A condition as a rulebook writes it: texts always quoted (a bare word may name a
        field), codes bare when they are words, numbers without exponents, sets in domain
        order."""
        return printer.condition(node, self.schema, from_source=False, set_order=self._in_domain_order)

    def _in_domain_order(self, name: str, values: frozenset[Any]) -> list[Any]:
        domain = self.domains[name]
        return sorted(values, key=lambda v: (domain.index(v) is None, domain.index(v) or 0, repr(v)))

    def _field_condition(self, name: str, chosen: frozenset[int]) -> ir.Condition | None:
        """The field's classes ``chosen`` as a condition (None: every record); remembered,
        since a split kind's cubes keep the same few sets of most fields (and the same
        condition object is then evaluated from the interpreter's cache)."""
        key = (name, chosen)
        if key not in self._field_conditions:
            self._field_conditions[key] = self._new_field_condition(name, chosen)
        return self._field_conditions[key]

    def _new_field_condition(self, name: str, chosen: frozenset[int]) -> ir.Condition | None:
        classes = self.classes[name]
        has_missing = classes[-1].kind == "missing"
        present = classes[:-1] if has_missing else classes
        with_missing = has_missing and len(classes) - 1 in chosen
        picked = sorted(i for i in chosen if i < len(present))
        if not picked:
            return ir.Not(ir.IsPresent(name))
        if len(picked) == len(present):
            return None if with_missing or not has_missing else ir.IsPresent(name)
        if self.ordered[name]:
            base = interval(name, present, picked[0], picked[-1])
        else:
            base = choice(name, present, picked)
        return ir.AnyOf((ir.Not(ir.IsPresent(name)), base)) if with_missing else base



# The most values a field may take in the analysis for the diff to look for regions (see
# Comparison.run): the SRG's other fields have at most a few hundred.
_MOST_POINTS = 2000

# Up to this many classes a field's fitting ones are asked about one by one (as they always
# were, so that the regions found, and the golden reports, stay the same).
_FEW_CLASSES = 64


def _runs(indices: list[int]) -> list[list[int]]:
    """Ascending indices as runs of neighbours: [1, 2, 4] -> [[1, 2], [4]]."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
