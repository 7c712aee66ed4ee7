"""Version diff: which records two versions of a rulebook decide differently, proven.

Place in the pipeline: after :func:`srg_rules.ir.from_ast`, beside :mod:`srg_rules.analysis`,
whose encoding it reuses. Input: two :class:`ir.Program` s, an old and a new version (and, for
:func:`diff_data`, two rulebooks and a record file). Output: :func:`semantic_diff` gives a
:class:`Diff`: the records whose *outcome* (status and type) changes, grouped by change
(``excluded -> included type 42``), each group written as regions, conditions in the
rulebook language, each with a witness record; :func:`diff_data` gives a :class:`DataDiff`:
how many records of a file change, from what to what, and the reasons that differ.
:func:`run_diff` is ``srg-rules diff OLD NEW [DATA]``: the text and an exit status; with
dates, it compares the rules in force on two days (of one rulebook or of two), each version
being :meth:`ir.Program.at` that day (:func:`at_date`).

Which records are compared: every record whose values are valid for the old version or for
the new one (see :mod:`srg_rules.domains` for "valid"). The fields are those of both
versions; a record that one version cannot read (a code missing from its list, a value it
requires left out) is rejected by that version, exactly as the reference interpreter does.
So a code added to a field's list shows up as records that change from ``rejected`` to
something else. Two schemas that cannot be compared raise :class:`IncompatibleSchemas` (a
``ValueError``) naming the field: a field whose type changed, or a required field that is new
(records of the old version do not have it).

Invariants:

1. Every group is non-empty, and every kind of change that some compared record undergoes has
   its group; groups are disjoint (a record has one outcome per version).
2. A group's regions are disjoint, each lies inside its group, and together they are the
   whole group; only when a group has more regions than ``limit`` are some left unlisted, and
   then the group says how many (or, past ``count_limit``, at least how many).
3. Every region's witness is a complete record over both versions' fields (None for a
   missing value) that meets the region's condition and that the two reference interpreters,
   reading it as input, decide as the group says; anything else raises
   :class:`~srg_rules.analysis.AnalysisError` (a bug in the encoding, never a finding).

Why it is exact. The fields are encoded as in :mod:`srg_rules.analysis` (a z3 integer indexing
the field's finite domain, a presence boolean for an optional field), with the domains split at
the constants of *both* programs, so every comparison either version makes keeps its truth on
the domain points (the abstraction proved in :mod:`srg_rules.domains`). Each version's outcome
is a formula over its rule literals. A region is grown from a solver model: each field is
widened over *classes* of domain points (a constant, the open interval between two neighbouring
constants, a code, a boolean, "another text", missing) and each pair of fields the programs
compare is bounded by a relation (``<``, ``=``, ``>``), for as long as z3 proves the region
holds no record outside the group or inside a region already found (unsat); of two ways of
widening, the one needing fewer regions is kept (see ``_Comparison._generalise``). The region
is then printed as a condition built only from those constants and compared pairs, which
therefore has the same truth on a record and on its abstraction; the printed condition itself
is what z3 checks and what is blocked. When z3 finds no record of the group outside the regions
(unsat), the regions cover the group: over the points, hence over every compared record.
"""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from os import PathLike
from typing import Any

import attrs
import z3

from . import analysis as _analysis
from . import ir, printer
from .backends.interpreter import Interpreter, evaluate
from .decision import Decision, Status
from .operators import OPERATORS
from .records import open_records
from .rulebook import Rulebook, load
from .schema import Field, Schema

__all__ = [
    "DataChange",
    "DataDiff",
    "Diff",
    "Group",
    "IncompatibleSchemas",
    "Outcome",
    "ReasonChange",
    "Region",
    "at_date",
    "diff_data",
    "run_diff",
    "semantic_diff",
]

LIMIT = 20
"""Regions listed per group by default."""
COUNT_LIMIT = 50
"""Regions counted per group by default; past it a group says "at least"."""
_EXAMPLE_ROWS = 5
_WIDTH = 100


class IncompatibleSchemas(ValueError):
    """The two versions' fields cannot be compared; the message names the field."""


@attrs.frozen(order=False)
class Outcome:
    """What a version decides for a record, without the reasons: a status and a type.

    >>> str(Outcome(Status.INCLUDED, "42")), str(Outcome(Status.EXCLUDED))
    ('included type 42', 'excluded')
    """

    status: Status
    type: str | None = None

    @classmethod
    def of(cls, decision: Decision) -> Outcome:
        return cls(decision.status, decision.type)

    def __str__(self) -> str:
        if self.status is Status.INCLUDED:
            return (f"included type {self.type}" if self.type is not None
                    else "included without a type")
        return str(self.status)

    def sort_key(self) -> tuple:
        rank = {Status.INCLUDED: 0, Status.EXCLUDED: 1, Status.REJECTED: 2}[self.status]
        code = self.type
        return (rank, code is None, _code_key(code) if code is not None else ())


def _code_key(code: str) -> tuple:
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


@attrs.frozen(eq=False)
class Region:
    """Part of a group, as a condition in the rulebook language, with a witness.

    Attributes:
        condition: the region; None when it is every compared record.
        text: the condition as a rulebook writes it ("every record" for None).
        witness: a complete record in the region (field -> typed value, None when missing).
        old: the old version's decision for the witness.
        new: the new version's decision for the witness.
    """

    condition: ir.Condition | None
    text: str
    witness: Mapping[str, Any]
    old: Decision
    new: Decision

    def contains(self, values: Mapping[str, Any]) -> bool:
        """Whether typed values (None: missing) meet the region's condition."""
        return self.condition is None or evaluate(self.condition, values)


@attrs.frozen(eq=False)
class Group:
    """Every compared record that goes from ``old`` to ``new``.

    Attributes:
        old: the outcome in the old version.
        new: the outcome in the new version.
        regions: disjoint regions; with ``more == 0`` their union is the whole group.
        more: how many regions are not listed.
        more_is_exact: False when counting stopped, so ``more`` is a lower bound.
    """

    old: Outcome
    new: Outcome
    regions: tuple[Region, ...]
    more: int = 0
    more_is_exact: bool = True

    def contains(self, values: Mapping[str, Any]) -> bool:
        """Whether a record lies in one of the listed regions."""
        return any(region.contains(values) for region in self.regions)


@attrs.frozen(eq=False)
class Diff:
    """The semantic difference between two versions. Its fields are public API.

    Attributes:
        old: the old program.
        new: the new program.
        groups: one per kind of change, ordered by the old outcome then the new one.
        notes: how the versions' fields differ, in plain words (empty when they are the same).
    """

    old: ir.Program
    new: ir.Program
    groups: tuple[Group, ...]
    notes: tuple[str, ...] = ()

    @property
    def same(self) -> bool:
        """True when the two versions decide every compared record the same (a proof)."""
        return not self.groups

    def render(self) -> str:
        """The difference in plain words, for policy staff."""
        lines: list[str] = []
        if self.notes:
            lines.append("The fields differ:")
            lines.extend(_wrap(note, "  - ", "    ") for note in self.notes)
            lines.append("")
        if self.same:
            valid = "valid record" + (" (valid for either version)" if self.notes else "")
            lines.append(f"No record changes: the two versions decide every {valid} the same "
                         "(the same status and type).")
            return "\n".join(lines) + "\n"
        count = len(self.groups)
        lines.append(f"{count} kind{'s' if count != 1 else ''} of change:")
        for number, group in enumerate(self.groups, start=1):
            lines.append("")
            lines.append(f"{number}. {group.old} -> {group.new}")
            total = len(group.regions) + group.more
            if total == 1:
                lines.append("   for every record that meets this condition:")
            else:
                at_least = "" if group.more_is_exact else "at least "
                lines.append(f"   for every record that meets one of these {at_least}{total} "
                             "conditions:")
            for region in group.regions:
                lines.append(_wrap(region.text, "   - ", "     "))
                lines.append(_wrap(_analysis.describe_record(region.witness),
                                   "     for example: ", "       "))
                lines.append(f"       old version: {_decision_words(region.old)}")
                lines.append(f"       new version: {_decision_words(region.new)}")
            if group.more:
                at_least = "" if group.more_is_exact else "at least "
                lines.append(f"   - and {at_least}{group.more} more region"
                             f"{'s' if group.more != 1 else ''}, not listed")
        return "\n".join(lines) + "\n"


def _decision_words(decision: Decision) -> str:
    words = str(Outcome.of(decision))
    if decision.reasons:
        words += " (" + ", ".join(decision.reasons) + ")"
    return words


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False)


def semantic_diff(old: ir.Program, new: ir.Program, *, limit: int = LIMIT,
                  count_limit: int = COUNT_LIMIT) -> Diff:
    """Every kind of change between two versions, each as exact regions with witnesses.

    Args:
        old: the old version.
        new: the new version.
        limit: the regions listed per group; the rest are counted.
        count_limit: the regions counted per group (at least ``limit``); past it the group
            says "at least".

    Raises:
        IncompatibleSchemas: a field's type changed, or a required field is new.

    >>> from srg_rules import parse
    >>> old = parse("field hours: number\\ninclude when hours > 10").program
    >>> new = parse("field hours: number\\ninclude when hours >= 12").program
    >>> [(str(g.old), str(g.new), [r.text for r in g.regions])
    ...  for g in semantic_diff(old, new).groups]
    [('included without a type', 'excluded', ['hours > 10 and hours < 12'])]
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    return _Comparison(old, new).run(limit, max(limit, count_limit))


# --- the schemas ------------------------------------------------------------------------------


def _merge(old: Schema, new: Schema) -> tuple[Schema, tuple[str, ...]]:
    """The fields of both versions, each optional unless both require it, with the union of
    its code lists (old codes first); and notes on how the versions' fields differ."""
    fields: dict[str, Field] = {}
    notes: list[str] = []
    for name, field in new.fields.items():
        if name not in old.fields and not field.optional:
            raise IncompatibleSchemas(
                f"field '{name}' is new and required: records of the old version do not have "
                "it, so the versions cannot be compared; declare it optional to compare them")
    for name in [*old.fields, *(n for n in new.fields if n not in old.fields)]:
        before, after = old.fields.get(name), new.fields.get(name)
        if before is not None and after is not None and before.type.name != after.type.name:
            raise IncompatibleSchemas(
                f"field '{name}' changed type from {before.type.name} to {after.type.name}: "
                "the versions cannot be compared; give the new field another name")
        if before is None:
            notes.append(f"field {name} is new ({after.type.name}, optional); the old "
                         "version ignores it")
        elif after is None:
            notes.append(f"field {name} is no longer used; the new version ignores it"
                         + ("" if before.optional else ", where the old one rejects records "
                            f"without it (missing_value:{name})"))
        elif before.optional != after.optional:
            which = "new" if before.optional else "old"
            notes.append(f"field {name} is required only in the {which} version, which "
                         f"rejects records without it (missing_value:{name})")
        template = before or after
        codes = None
        if template.codes is not None:
            old_codes = dict(before.codes) if before is not None else {}
            new_codes = dict(after.codes) if after is not None else {}
            codes = {**old_codes, **{c: label for c, label in new_codes.items()
                                     if c not in old_codes}}
            if before is not None and after is not None:
                for codes_of, version, other in ((new_codes, "old", old_codes),
                                                 (old_codes, "new", new_codes)):
                    only = [c for c in codes_of if c not in other]
                    if only:
                        what = "has new" if version == "old" else "no longer has"
                        notes.append(
                            f"field {name} {what} code{'s' if len(only) > 1 else ''} "
                            f"{', '.join(only)}, which the {version} version rejects "
                            f"(unknown_code:{name})")
        required = not (before is None or before.optional or after is None or after.optional)
        fields[name] = Field(name, template.type, not required, codes)
    before_types = list(old.output.codes) if old.output else []
    after_types = list(new.output.codes) if new.output else []
    for only, what in (([c for c in after_types if c not in before_types], "new"),
                       ([c for c in before_types if c not in after_types], "gone")):
        if only:
            notes.append(f"the types {', '.join(only)} are {what}" if len(only) > 1
                         else f"type {only[0]} is {what}")
    return Schema(fields), tuple(notes)


def _reading_rules(version: Schema, merged: Schema, prefix: str) -> tuple[ir.CompiledRule, ...]:
    """Reject rules that hold exactly when the version cannot read a merged-valid record:
    a code outside its list, or a value it requires left out. Fields it does not declare it
    ignores."""
    rules = []
    for name, field in version.fields.items():
        shared = merged.fields[name]
        if field.codes is not None and set(field.codes) != set(shared.codes or ()):
            rules.append(ir.CompiledRule(
                f"{prefix}unknown_code:{name}", "reject",
                ir.compare("not_in_set", name, frozenset(field.codes))))
        if not field.optional and shared.optional:
            rules.append(ir.CompiledRule(
                f"{prefix}missing_value:{name}", "reject", ir.Not(ir.IsPresent(name))))
    return tuple(rules)


# --- the solver side ----------------------------------------------------------------------------


@attrs.frozen
class _Class:
    """A set of a field's domain points that every printed comparison treats alike."""

    condition: ir.Condition  # holds exactly for the values of the class
    points: frozenset[int]  # empty for the missing class
    kind: str  # "missing", "value" (one constant, code or boolean), "gap", "other"
    value: Any = None  # for "value"
    below: Any = None  # for "gap": the constant under it (None: none)
    above: Any = None  # for "gap": the constant over it (None: none)


_ORDERED_RELATIONS = ("lt", "eq", "gt")
_UNORDERED_RELATIONS = ("eq", "ne")
# A set of relations between two present values, as the one operator that says it.
_RELATION_OPERATOR = {
    frozenset({"lt"}): "lt", frozenset({"eq"}): "eq", frozenset({"gt"}): "gt",
    frozenset({"lt", "eq"}): "le", frozenset({"gt", "eq"}): "ge", frozenset({"lt", "gt"}): "ne",
    frozenset({"ne"}): "ne",
}


@attrs.frozen
class _Cube:
    """Per field, a set of class indices; per compared pair, a set of relations (constraining
    only records where both fields are present)."""

    fields: dict[str, frozenset[int]]
    relations: dict[tuple[str, str], frozenset[str]]


class _Comparison:
    def __init__(self, old: ir.Program, new: ir.Program):
        self.old, self.new = old, new
        self.schema, self.notes = _merge(old.schema, new.schema)
        old_rules = (*_reading_rules(old.schema, self.schema, "old:"), *old.rules)
        new_rules = (*_reading_rules(new.schema, self.schema, "new:"), *new.rules)
        # One program holding both versions' rules: its domains are split at the constants of
        # both, and the analysis encodes every rule over one set of field variables.
        combined = ir.Program(self.schema, (*old_rules, *new_rules))
        self.encoder = _analysis._Analysis(combined, strict=True)
        self.solver = self.encoder.solver
        self._kept: list[ir.Condition] = []
        self._parts: dict[tuple, z3.BoolRef] = {}
        n = len(old_rules)
        rules = combined.rules
        lit = self.encoder.lit
        self.old_outcomes = self._outcomes(range(n), rules, lit.__getitem__)
        self.new_outcomes = self._outcomes(range(n, len(rules)), rules, lit.__getitem__)
        # The same outcomes written over the field variables themselves (not the rule
        # literals), so that a field can be substituted in them.
        direct = lambda i: self.encoder.encode(rules[i].condition)  # noqa: E731
        self._direct = (self._outcomes(range(n), rules, direct),
                        self._outcomes(range(n, len(rules)), rules, direct))
        self.old_interpreter = Interpreter(old)
        self.new_interpreter = Interpreter(new)
        self.domains = self.encoder.domains
        self.classes = self._classes(combined)
        self.pairs = self._pairs(combined)
        # The order fields are widened in: the least used first. A field many conditions test
        # is where the group splits (initiative, in the SRG's "gemeentelijke inzet"); freeing
        # the others first keeps it as the cut instead of cutting along the others.
        uses = dict.fromkeys(self.schema.fields, 0)
        for node in _nodes(combined):
            for name in (ir.fields_of(node) if isinstance(node, (ir.Compare, ir.IsPresent)) else ()):
                uses[name] += 1
        self.order = sorted(self.schema.fields, key=lambda name: uses[name])
        self.ordered = {name: field.type.ordered for name, field in self.schema.fields.items()}

    def encode(self, node: ir.Condition) -> z3.BoolRef:
        # The encoder caches by id(): keep every node alive so that no later node reuses an id.
        self._kept.append(node)
        return self.encoder.encode(node)

    def _outcomes(self, indices: Iterable[int], rules: tuple[ir.CompiledRule, ...],
                  lit: Callable[[int], z3.BoolRef]) -> dict[Outcome, z3.BoolRef]:
        """Each outcome of one version as a formula; exactly one holds for every record."""
        by_verb: dict[str, list[int]] = {"reject": [], "exclude": [], "include": [], "classify": []}
        for i in indices:
            by_verb[rules[i].verb].append(i)
        any_of = self.encoder._or
        rejected = any_of(lit(i) for i in by_verb["reject"])
        excluded = any_of(lit(i) for i in by_verb["exclude"])
        included = any_of(lit(i) for i in by_verb["include"])
        admitted = z3.And(z3.Not(rejected), z3.Not(excluded), included)
        types = [lit(i) for i in by_verb["classify"]]
        one_type = z3.AtMost(*types, 1) if len(types) >= 2 else self.encoder.true
        outcomes = {
            Outcome(Status.REJECTED): z3.Or(rejected, z3.And(admitted, z3.Not(one_type))),
            Outcome(Status.EXCLUDED): z3.And(z3.Not(rejected), z3.Or(excluded, z3.Not(included))),
            Outcome(Status.INCLUDED): z3.And(admitted, z3.Not(any_of(types))),
        }
        for code in dict.fromkeys(rules[i].code for i in by_verb["classify"]):
            outcomes[Outcome(Status.INCLUDED, code)] = z3.And(admitted, one_type, any_of(
                lit(i) for i in by_verb["classify"] if rules[i].code == code))
        return outcomes

    def _classes(self, program: ir.Program) -> dict[str, list[_Class]]:
        """Each field's classes: the present ones (ascending for ordered types), then missing."""
        component = _components(program)
        constants: dict[str, set[int]] = {}
        for node in _nodes(program):
            constant = ir.field_constant(node) if isinstance(node, ir.Compare) else None
            if constant is not None:
                name, value = constant
                values = value if isinstance(value, frozenset) else (value,)
                domain = self.domains[name]
                found = {domain.index(v) for v in values} - {None}
                constants.setdefault(component[name], set()).update(found)
        classes: dict[str, list[_Class]] = {}
        for name, domain in self.domains.items():
            kind = domain.field.type.base  # a bsn or digits(n) is a text
            fixed = constants.get(component[name], set())
            points = domain.points
            result: list[_Class] = []
            if kind in ("number", "date"):
                run: list[int] = []
                for i in [*domain.allowed, None]:
                    if run and (i is None or i in fixed or i != run[-1] + 1):
                        below = max((points[c] for c in fixed if c < run[0]), default=None)
                        above = min((points[c] for c in fixed if c > run[-1]), default=None)
                        bounds = [ir.compare("gt", name, below)] if below is not None else []
                        if above is not None:
                            bounds.append(ir.compare("lt", name, above))
                        condition = (ir.IsPresent(name) if not bounds else bounds[0]
                                     if len(bounds) == 1 else ir.AllOf(tuple(bounds)))
                        result.append(_Class(condition, frozenset(run), "gap", None, below, above))
                        run = []
                    if i is None:
                        break
                    if i in fixed:
                        result.append(_Class(ir.compare("eq", name, points[i]), frozenset({i}),
                                             "value", points[i]))
                    else:
                        run.append(i)
            elif kind == "text":
                named = [i for i in domain.allowed if i in fixed]
                others = frozenset(i for i in domain.allowed if i not in fixed)
                for i in named:
                    result.append(_Class(ir.compare("eq", name, points[i]), frozenset({i}),
                                         "value", points[i]))
                if others:
                    condition = (ir.compare("not_in_set", name, frozenset(points[i] for i in named))
                                 if named else ir.IsPresent(name))
                    result.append(_Class(condition, others, "other"))
            else:  # codes and booleans: every point is a value of its own
                for i in domain.allowed:
                    result.append(_Class(ir.compare("eq", name, points[i]), frozenset({i}),
                                         "value", points[i]))
            if domain.field.optional:
                result.append(_Class(ir.Not(ir.IsPresent(name)), frozenset(), "missing"))
            classes[name] = result
        self._class_formulas = {
            name: [self.encode(c.condition) for c in found] for name, found in classes.items()
        }
        # A literal per class, equal to its formula: an assumption that puts a field there.
        self._class_literals: dict[str, list[z3.BoolRef]] = {}
        for name, formulas in self._class_formulas.items():
            literals = [z3.Bool(f"class:{name}:{i}", self.encoder.ctx)
                        for i in range(len(formulas))]
            self.solver.add(*(lit == formula for lit, formula in zip(literals, formulas)))
            self._class_literals[name] = literals
        return classes

    def _pairs(self, program: ir.Program) -> list[tuple[str, str]]:
        """The pairs of fields the programs compare, each the way round it is first written."""
        pairs: dict[frozenset[str], tuple[str, str]] = {}
        for node in _nodes(program):
            pair = ir.field_pair(node) if isinstance(node, ir.Compare) else None
            if pair is not None and pair[0] != pair[1]:
                pairs.setdefault(frozenset(pair), pair)
        return list(pairs.values())

    # --- questions ---

    def unsat(self, *formulas: z3.BoolRef) -> bool:
        self.solver.push()
        self.solver.add(*formulas)
        try:
            return self.solver.check() == z3.unsat
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
                raise _analysis.AnalysisError("the solver gave up; the diff cannot be proven")
            return self.encoder._sample(self.solver.model()).record
        finally:
            self.solver.pop()

    def decide(self, record: Mapping[str, Any]) -> tuple[Decision, Decision]:
        """The two reference interpreters' decisions, reading the record as input."""
        return self.old_interpreter.decide(record), self.new_interpreter.decide(record)

    # --- the diff ---

    def run(self, limit: int, count_limit: int) -> Diff:
        same = self.encoder._or(
            z3.And(formula, self.new_outcomes[outcome])
            for outcome, formula in self.old_outcomes.items() if outcome in self.new_outcomes)
        kinds: list[tuple[Outcome, Outcome]] = []
        while True:
            record = self.find(z3.Not(same), *(z3.Not(self._group(*k)) for k in kinds))
            if record is None:
                break
            old, new = (Outcome.of(d) for d in self.decide(record))
            if old == new or (old, new) in kinds:
                raise _analysis.AnalysisError(
                    f"the record {_analysis.describe_record(record)} is decided {old} by the "
                    f"old version and {new} by the new one, not as the solver found")
            kinds.append((old, new))
        kinds.sort(key=lambda k: (k[0].sort_key(), k[1].sort_key()))
        groups = []
        for old, new in kinds:
            # Two ways to widen a cube (see _generalise): keep the one giving fewer regions.
            # The second stops as soon as it cannot do better.
            group = self._regions(old, new, limit, count_limit, alike=True)
            total = len(group.regions) + group.more
            if total > 1 and group.more_is_exact:
                other = self._regions(old, new, limit, min(count_limit, total - 1), alike=False)
                if other.more_is_exact and len(other.regions) + other.more < total:
                    group = other
            groups.append(group)
        return Diff(self.old, self.new, tuple(groups), self.notes)

    def _group(self, old: Outcome, new: Outcome, direct: bool = False) -> z3.BoolRef:
        olds, news = self._direct if direct else (self.old_outcomes, self.new_outcomes)
        return z3.And(olds.get(old, self.encoder.false), news.get(new, self.encoder.false))

    def _regions(self, old: Outcome, new: Outcome, limit: int, count_limit: int,
                 alike: bool) -> Group:
        group = self._group(old, new)
        direct = self._group(old, new, direct=True) if alike else None
        regions: list[Region] = []
        found: list[z3.BoolRef] = []
        count = 0
        while count < count_limit:
            witness = self.find(group, *(z3.Not(f) for f in found))
            if witness is None:
                return Group(old, new, _in_order(regions), count - len(regions))
            # Outside: a record the region must not hold, in another group or another region.
            outside = z3.Or(z3.Not(group), *found)
            cube = self._generalise(witness, outside, direct)
            condition = self._condition(cube)
            formula = self.encode(condition) if condition is not None else self.encoder.true
            decisions = self.decide(witness)
            if (not self.unsat(formula, outside)
                    or (condition is not None and not evaluate(condition, witness))
                    or tuple(Outcome.of(d) for d in decisions) != (old, new)):
                raise _analysis.AnalysisError(
                    f"the region {self.text(condition) if condition else 'every record'} "
                    f"with witness {_analysis.describe_record(witness)} does not hold "
                    f"as {old} -> {new}")
            found.append(formula)
            count += 1
            if len(regions) < limit:
                text = self.text(condition) if condition is not None else "every record"
                regions.append(Region(condition, text, witness, *decisions))
        more_left = self.find(group, *(z3.Not(f) for f in found)) is not None
        return Group(old, new, _in_order(regions), count - len(regions), not more_left)

    def _class_of(self, name: str, value: Any) -> int:
        if value is None:
            return len(self.classes[name]) - 1  # missing is last
        point = self.domains[name].index(value)
        for i, found in enumerate(self.classes[name]):
            if point in found.points:
                return i
        raise _analysis.AnalysisError(f"{name}={value!r} is in no class")

    def _all_relations(self, pair: tuple[str, str]) -> tuple[str, ...]:
        return _ORDERED_RELATIONS if self.ordered[pair[0]] else _UNORDERED_RELATIONS

    def _relation(self, pair: tuple[str, str], record: Mapping[str, Any]) -> frozenset[str]:
        a, b = record[pair[0]], record[pair[1]]
        if a is None or b is None:
            return frozenset(self._all_relations(pair))  # it constrains only present pairs
        if self.ordered[pair[0]]:
            return frozenset({"lt" if a < b else "eq" if a == b else "gt"})
        return frozenset({"eq" if a == b else "ne"})

    def _formula(self, cube: _Cube) -> z3.BoolRef:
        parts = []
        for name, chosen in cube.fields.items():
            if len(chosen) < len(self.classes[name]):
                parts.append(self._part((name, chosen)))
        for pair, relations in cube.relations.items():
            if len(relations) < len(self._all_relations(pair)):
                parts.append(self._part((pair, relations)))
        return self.encoder._and(parts)

    def _part(self, key: tuple) -> z3.BoolRef:
        """One field's classes, or one pair's relations, as a formula (built once)."""
        if key not in self._parts:
            what, chosen = key
            if isinstance(what, str):
                formulas = self._class_formulas[what]
                formula = self.encoder._or(formulas[i] for i in sorted(chosen))
            else:
                a, b = what
                formula = z3.Or(
                    z3.Not(self.encode(ir.IsPresent(a))), z3.Not(self.encode(ir.IsPresent(b))),
                    *(self.encode(ir.Compare(op, ir.FieldValue(a), ir.FieldValue(b))) for op in sorted(chosen)))
            self._parts[key] = formula
        return self._parts[key]

    def _generalise(self, witness: Mapping[str, Any], outside: z3.BoolRef,
                    group: z3.BoolRef | None) -> _Cube:
        """The witness's cell, widened while z3 proves the cube holds nothing ``outside``.

        First each field, least used first, is tried unconstrained; then each remaining field
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
        """
        cube = _Cube(
            {name: frozenset({self._class_of(name, witness[name])}) for name in self.classes},
            {pair: self._relation(pair, witness) for pair in self.pairs},
        )
        if not self.unsat(self._formula(cube), outside):
            raise _analysis.AnalysisError(
                f"the record {_analysis.describe_record(witness)} is not alone in its cell")
        for name in self.order:
            everything = frozenset(range(len(self.classes[name])))
            trial = attrs.evolve(cube, fields={**cube.fields, name: everything})
            if self.unsat(self._formula(trial), outside):
                cube = trial
        paired = {name for pair in self.pairs for name in pair}
        for name in self.order:
            classes = self.classes[name]
            chosen = cube.fields[name]
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
                    if (name not in pair
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
                wider = {*chosen, *run}
            else:
                if group is not None and name not in paired and fitting:
                    alike = self._alike(group, name, min(chosen))
                    fitting = {i for i in fitting if alike(i)}
                wider = chosen | fitting
            cube = attrs.evolve(cube, fields={**cube.fields, name: frozenset(wider)})
        for pair in self.pairs:
            for relation in self._all_relations(pair):
                chosen = cube.relations[pair]
                if relation in chosen:
                    continue
                trial = attrs.evolve(cube, relations={**cube.relations, pair: chosen | {relation}})
                if self.unsat(self._formula(trial), outside):
                    cube = trial
        return cube

    def _class_in(self, model: z3.ModelRef, name: str) -> int:
        """The class of a field's value in a model."""
        index, present = self.encoder._fields[name]
        classes = self.classes[name]
        if present is not None and not z3.is_true(model.eval(present, model_completion=True)):
            return len(classes) - 1
        point = model.eval(index, model_completion=True).as_long()
        return next(i for i, c in enumerate(classes) if point in c.points)

    def _others(self, cube: _Cube, name: str) -> z3.BoolRef:
        """The cube with the field unconstrained."""
        everything = frozenset(range(len(self.classes[name])))
        return self._formula(attrs.evolve(cube, fields={**cube.fields, name: everything}))

    def _fitting(self, cube: _Cube, name: str, outside: z3.BoolRef) -> set[int]:
        """The classes of a field outside the cube's that the cube can take, each on its own
        (and so all together): those where z3 finds no record outside."""
        literals = self._class_literals[name]
        fitting = set()
        self.solver.push()
        self.solver.add(self._others(cube, name), outside)
        try:
            for i, literal in enumerate(literals):
                # unknown (the solver gave up) counts as not fitting: the cube stays exact
                if i not in cube.fields[name] and self.solver.check(literal) == z3.unsat:
                    fitting.add(i)
        finally:
            self.solver.pop()
        return fitting

    def _stretch(self, cube: _Cube, name: str, outside: z3.BoolRef) -> set[int]:
        """An ordered field's interval of classes, stretched down and up as far as it fits,
        and missing added if it fits. The nearest class that does not fit on each side is
        found by bisection, with the solver's models as shortcuts."""
        classes = self.classes[name]
        missing = len(classes) - 1 if classes[-1].kind == "missing" else None
        count = len(classes) - (missing is not None)
        chosen = cube.fields[name]
        low = min(i for i in chosen if i != missing)
        high = max(i for i in chosen if i != missing)
        index, present = self.encoder._fields[name]

        def bad_between(first: int, last: int) -> int | None:
            """A class in first..last where a record outside is found, or None."""
            span = z3.And(index >= min(classes[first].points), index <= max(classes[last].points))
            if present is not None:
                span = z3.And(present, span)
            self.solver.push()
            self.solver.add(span)
            try:
                result = self.solver.check()
                if result == z3.unsat:
                    return None
                if result != z3.sat:
                    return first  # the solver gave up: treat the whole span as not fitting
                return self._class_in(self.solver.model(), name)
            finally:
                self.solver.pop()

        self.solver.push()
        self.solver.add(self._others(cube, name), outside)
        try:
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
                self.solver.push()
                self.solver.add(z3.Not(present))
                try:
                    if self.solver.check() == z3.unsat:
                        wider.add(missing)
                finally:
                    self.solver.pop()
            return wider
        finally:
            self.solver.pop()

    def _alike(self, group: z3.BoolRef, name: str, witness_class: int) -> Callable[[int], bool]:
        """Whether the group treats a class of the field as it treats the witness's class:
        with the field fixed to either, the group is the same set of the other fields.
        (Only for a field compared with no other, whose classes are single points.)"""
        index, present = self.encoder._fields[name]

        def fixed(i: int) -> z3.BoolRef:
            found = self.classes[name][i]
            swaps = []
            if present is not None:
                swaps.append((present, z3.BoolVal(found.kind != "missing", self.encoder.ctx)))
            if found.points:
                swaps.append((index, z3.IntVal(min(found.points), self.encoder.ctx)))
            return z3.substitute(group, *swaps) if swaps else group

        reference = fixed(witness_class)
        return lambda i: self.unsat(z3.Xor(fixed(i), reference))

    # --- printing ---

    def _condition(self, cube: _Cube) -> ir.Condition | None:
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
        implied = set()  # fields a printed comparison already says are present
        for pair, relations in cube.relations.items():
            if len(relations) == len(self._all_relations(pair)):
                continue
            compare = ir.Compare(_RELATION_OPERATOR[relations], *(ir.FieldValue(f) for f in pair))
            absent = [ir.Not(ir.IsPresent(f)) for f in pair if f in may_miss]
            parts.append(ir.AnyOf((*absent, compare)) if absent else compare)
            if not absent:  # "(a is missing or a < b)" says nothing of b's presence
                implied.update(pair)
        parts = [p for p in parts if not (isinstance(p, ir.IsPresent) and p.field in implied)]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else ir.AllOf(tuple(parts))

    def text(self, node: ir.Condition) -> str:
        """A condition as a rulebook writes it: texts always quoted (a bare word may name a
        field), codes bare when they are words, numbers without exponents, sets in domain
        order."""
        return printer.condition(node, self.schema, from_source=False, set_order=self._in_domain_order)

    def _in_domain_order(self, name: str, values: frozenset) -> list:
        domain = self.domains[name]
        return sorted(values, key=lambda v: (domain.index(v) is None, domain.index(v) or 0, repr(v)))

    def _field_condition(self, name: str, chosen: frozenset[int]) -> ir.Condition | None:
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
            base = self._interval(name, present, picked[0], picked[-1])
        else:
            base = self._choice(name, present, picked)
        return ir.AnyOf((ir.Not(ir.IsPresent(name)), base)) if with_missing else base

    @staticmethod
    def _interval(name: str, present: list[_Class], low: int, high: int) -> ir.Condition:
        first, last = present[low], present[high]
        if low == high and first.kind == "value":
            return ir.compare("eq", name, first.value)
        bounds = []
        if low > 0:
            bounds.append(ir.compare("ge", name, first.value) if first.kind == "value"
                          else ir.compare("gt", name, first.below))
        if high < len(present) - 1:
            bounds.append(ir.compare("le", name, last.value) if last.kind == "value"
                          else ir.compare("lt", name, last.above))
        return bounds[0] if len(bounds) == 1 else ir.AllOf(tuple(bounds))

    @staticmethod
    def _choice(name: str, present: list[_Class], picked: list[int]) -> ir.Condition:
        chosen = [present[i] for i in picked]
        if any(c.kind == "other" for c in chosen):  # a text other than the constants left out
            left_out = [c.value for i, c in enumerate(present) if i not in picked]
            if len(left_out) == 1:
                return ir.compare("ne", name, left_out[0])
            return ir.compare("not_in_set", name, frozenset(left_out))
        values = [c.value for c in chosen]
        if isinstance(values[0], bool):
            return ir.compare("eq", name, values[0])  # one of two: a set would be both
        if len(values) == 1:
            return ir.compare("eq", name, values[0])
        if any(c.kind == "other" for c in present):  # other texts are left out too
            return ir.compare("in_set", name, frozenset(values))
        left_out = [c.value for i, c in enumerate(present) if i not in picked]
        if len(left_out) == 1:
            return ir.compare("ne", name, left_out[0])
        if len(left_out) < len(values):
            return ir.compare("not_in_set", name, frozenset(left_out))
        return ir.compare("in_set", name, frozenset(values))


def _runs(indices: list[int]) -> list[list[int]]:
    """Ascending indices as runs of neighbours: [1, 2, 4] -> [[1, 2], [4]]."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _in_order(regions: list[Region]) -> tuple[Region, ...]:
    # The solver's order of discovery means nothing to a reader; the text's order is stable.
    return tuple(sorted(regions, key=lambda region: region.text))


def _nodes(program: ir.Program):
    for rule in program.rules:
        yield from ir.walk(rule.condition)


def _components(program: ir.Program) -> dict[str, str]:
    """Each field's component (as in :func:`srg_rules.domains.from_program`): the fields
    joined by field-to-field comparisons share their points and constants."""
    parent = {name: name for name in program.schema.fields}

    def find(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for node in _nodes(program):
        pair = ir.field_pair(node) if isinstance(node, ir.Compare) else None
        if pair is not None:
            parent[find(pair[0])] = find(pair[1])
    return {name: find(name) for name in parent}


# --- a data file ---------------------------------------------------------------------------------


@attrs.frozen
class ReasonChange:
    """Records of one change that share the reasons that differ."""

    old: tuple[str, ...]  # reasons of the old decision the new one does not have
    new: tuple[str, ...]  # reasons of the new decision the old one does not have
    count: int
    rows: tuple[int, ...]  # the first few record numbers (1 = the first record)
    shared: tuple[str, ...] = ()  # reasons of both decisions (a rule that changed, say)


@attrs.frozen
class DataChange:
    """The records of a file that go from ``old`` to ``new``."""

    old: Outcome
    new: Outcome
    count: int
    rows: tuple[int, ...]
    reasons: tuple[ReasonChange, ...]


@attrs.frozen
class DataDiff:
    """What changes for the records of one file. Its fields are public API.

    Attributes:
        path: the file.
        total: the records read (malformed rows included).
        malformed: rows that cannot be read as records; both versions reject them, unchanged.
        changes: one per kind of change, the most frequent first.
        reasons_only: records whose outcome stays but whose reasons change.
    """

    path: str
    total: int
    malformed: int
    changes: tuple[DataChange, ...]
    reasons_only: int = 0

    @property
    def changed(self) -> int:
        return sum(change.count for change in self.changes)

    def render(self) -> str:
        """The counts in plain words, with the first few record numbers of each change."""
        changes = "changes" if self.changed == 1 else "change"
        lines = [f"In {self.path}: {self.changed} of {_records(self.total)} {changes} decision."]
        for change in self.changes:
            lines.append(f"  {change.old} -> {change.new}: {_records(change.count)} "
                         f"({_rows(change.rows, change.count)})")
            for reasons in change.reasons:
                if reasons.old or reasons.new:
                    old = ", ".join(reasons.old) or "(no reason)"
                    new = ", ".join(reasons.new) or "(no reason)"
                    line = f"    because {old} -> {new}: {_records(reasons.count)}"
                else:
                    line = (f"    by the same rules ({', '.join(reasons.shared)}), which changed: "
                            f"{_records(reasons.count)}")
                if len(change.reasons) > 1:
                    line += f" ({_rows(reasons.rows, reasons.count)})"
                lines.append(line)
        if self.reasons_only:
            keeps = "keeps its" if self.reasons_only == 1 else "keep their"
            lines.append(f"  {_records(self.reasons_only)} {keeps} decision, with other reasons.")
        if self.malformed:
            verb = "is" if self.malformed == 1 else "are"
            lines.append(f"  {_records(self.malformed)} cannot be read (malformed_row) and "
                         f"{verb} rejected by both versions.")
        if self.changes:
            lines.append("Records count from 1, the first after the header; "
                         "srg-rules explain RULEBOOK DATA --row N shows why.")
        return "\n".join(lines) + "\n"


def _records(n: int) -> str:
    return f"{n} record{'s' if n != 1 else ''}"


def _rows(rows: tuple[int, ...], count: int) -> str:
    shown = ", ".join(str(r) for r in rows)
    more = ", ..." if count > len(rows) else ""
    return ("record " if count == 1 else "records ") + shown + more


def diff_data(old_book: Rulebook, new_book: Rulebook, path: str | PathLike[str]) -> DataDiff:
    """Decide every record of a file with both versions and count what changes.

    Args:
        old_book: the old version.
        new_book: the new version.
        path: a CSV or JSON Lines file (see :mod:`srg_rules.records`).

    Raises:
        InputError: the file cannot be read, or its header lacks a field both versions require.
    """
    old_fields, new_fields = old_book.fields, new_book.fields
    required = [name for name, field in old_fields.items() if not field.optional
                and name in new_fields and not new_fields[name].optional]
    records = open_records(path, required=required, known=[*old_fields, *new_fields])
    total = malformed = reasons_only = 0
    changes: dict[tuple[Outcome, Outcome], dict[tuple, list]] = {}
    for number, before, after in _decided_pairs(old_book, new_book, records.rows):
        total += 1
        if before is None:
            malformed += 1
            continue
        kind = (Outcome.of(before), Outcome.of(after))
        if kind[0] == kind[1]:
            reasons_only += before.reasons != after.reasons
            continue
        key = (tuple(r for r in before.reasons if r not in after.reasons),
               tuple(r for r in after.reasons if r not in before.reasons),
               tuple(r for r in before.reasons if r in after.reasons))
        changes.setdefault(kind, {}).setdefault(key, []).append(number)
    result = []
    for (old, new), by_reasons in changes.items():
        rows = sorted(r for numbers in by_reasons.values() for r in numbers)
        reasons = sorted(
            (ReasonChange(o, n, len(numbers), tuple(numbers[:_EXAMPLE_ROWS]), shared)
             for (o, n, shared), numbers in by_reasons.items()),
            key=lambda r: (-r.count, r.rows))
        result.append(DataChange(old, new, len(rows), tuple(rows[:_EXAMPLE_ROWS]), tuple(reasons)))
    result.sort(key=lambda c: (-c.count, c.old.sort_key(), c.new.sort_key()))
    return DataDiff(str(path), total, malformed, tuple(result), reasons_only)


def _decided_pairs(old_book: Rulebook, new_book: Rulebook, rows: Iterable) -> Iterator[tuple]:
    """(row number, old decision, new decision) per record; None, None for a malformed row.

    With a registration level (the same in both versions, see :func:`same_registration`) the
    pairs are per provision, numbered by the first source row it came from.
    """
    if not (old_book.has_registration or new_book.has_registration):
        for row in rows:
            if row.problem is not None:
                yield row.number, None, None
            else:
                yield row.number, old_book.decide(row.values), new_book.decide(row.values)
        return
    readable = []
    for row in rows:
        if row.problem is not None:
            yield row.number, None, None
        else:
            readable.append((row.number, row.values))
    old_made = old_book.decide_rows(readable)
    new_made = new_book.decide_rows(readable)
    for (provision, before), (_, after) in zip(old_made, new_made, strict=True):
        yield provision.rows[0], before, after


def same_registration(old: ir.Program, new: ir.Program) -> None:
    """Raise :class:`IncompatibleSchemas` unless both versions make provisions from source
    records the same way: the diff compares the rules that decide provisions."""
    if (old.activities, old.trajectories) != (new.activities, new.trajectories):
        raise IncompatibleSchemas(
            "the versions make provisions from source records differently (their 'activities' "
            "or 'trajectory' statements differ); diff compares the rules that decide "
            "provisions, so give both versions the same registration level")


# --- the command --------------------------------------------------------------------------------


def run_diff(old_path: str, new_path: str, data_path: str | None = None, *,
             load: Callable[[str], Rulebook] = load, old_date: datetime.date | None = None,
             new_date: datetime.date | None = None) -> tuple[str, int]:
    """``srg-rules diff OLD NEW [DATA]``: the report, and the exit status (0: the versions
    decide every record the same, 1: they differ, like ``diff``).

    Args:
        old_path: the old version's rulebook.
        new_path: the new version's rulebook (the same path compares two periods of one).
        data_path: a record file to run both versions over, or None.
        load: how to load a rulebook (the CLI passes its own, which reports diagnostics).
        old_date: compare the old version's rules in force on this day (see
            :func:`at_date`), whatever a record's own decision date; None: all its rules.
        new_date: the same for the new version.

    Raises:
        IncompatibleSchemas: the versions' fields cannot be compared.
        InputError: the data file cannot be read.
    """
    old_book, new_book = load(old_path), load(new_path)
    old_book, new_book = at_date(old_book, old_date), at_date(new_book, new_date)
    same_registration(old_book.program, new_book.program)
    diff = semantic_diff(old_book.program, new_book.program)
    text = (f"old: {_name(old_path, old_book)}{_on(old_date)}\n"
            f"new: {_name(new_path, new_book)}{_on(new_date)}\n\n")
    dated = [b.program.decision_date for b, d in ((old_book, old_date), (new_book, new_date))
             if d is not None and b.program.decision_date is not None]
    if dated:
        text += _wrap(f"A version with a date decides every record by the rules in force on "
                      f"that date, whatever the record's {' or '.join(dict.fromkeys(dated))} "
                      "says.", "", "") + "\n\n"
    if old_book.has_registration:
        text += _wrap("Both versions make provisions from source records the same way; the "
                      "records below are provision records, and in the data, provisions are "
                      "numbered by the first source row they came from.", "", "") + "\n\n"
    text += diff.render()
    changed = not diff.same
    if data_path is not None:
        data = diff_data(old_book, new_book, data_path)
        text += "\n" + data.render()
        changed = changed or data.changed > 0
    return text, 1 if changed else 0


def at_date(book: Rulebook, day: datetime.date | None) -> Rulebook:
    """The rules of ``book`` in force on ``day`` (:meth:`ir.Program.at`), as a rulebook that
    decides every record by them, whatever its own decision date; ``book`` itself for None.

    So ``semantic_diff(at_date(book, d1).program, at_date(book, d2).program)`` is every
    record that the rules in force on the two days decide differently.
    """
    if day is None:
        return book
    return Rulebook(book.program.at(day), book.syntax, book.source, book.warnings, book.backend)


def _on(day: datetime.date | None) -> str:
    return f", the rules in force on {day.isoformat()}" if day is not None else ""


def _name(path: str, book: Rulebook) -> str:
    if not book.title:
        return path
    return f"{path} ({book.title}{', version ' + book.version if book.version else ''})"
