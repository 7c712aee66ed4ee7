"""Static analysis: what a rulebook does for *every* valid record, with a record to show it.

Place in the pipeline: after :func:`srg_rules.ir.from_ast`, beside the backends. Input: an
:class:`ir.Program`. Output: :func:`analyse` gives :class:`Finding` s about the rules (rules
that can never match, overlapping or missing types, rules that change no decision, rules that
repeat others, a rulebook that includes nothing or everything); :func:`check_expectations`
gives the ``expect`` statements that do not hold. :func:`to_diagnostics` turns findings into
:class:`Diagnostic` s pointing at the rules involved.

Semantics are the reference interpreter's over *valid* records (see :mod:`srg_rules.analysis.domains`):
a record fails no field check, yet may still be rejected by a reject rule or by
``ambiguous_type``. Writing R, E, I for "some reject / exclude / include rule matches",
*admitted* is ``not R and not E and I``; an admitted record matched by two classify rules is
rejected, otherwise it is included.

The findings, each exactly as defined here:

``unsatisfiable_rule`` (error)
    no valid record meets the rule's condition. There is no example record; none exists.
``redundant_rule`` (warning)
    every record the rule matches is matched by other rules of the same verb (for classify: of
    the same type). Rules are taken from the last to the first, and a rule reported redundant
    no longer counts as cover for the rules before it: of two rules that cover each other,
    only the later one is reported.
``dead_rule`` (warning)
    a satisfiable rule, not reported redundant, that never changes a decision. Checked in
    stages, each against the rules the stages before left (redundant rules left out), and
    within a stage from the last rule to the first, a rule found dead no longer counting for
    the ones before it: (1) a classify that matches no admitted record; (2) a reject all of
    whose matches are rejected by another reject, or would be rejected as ``ambiguous_type``
    anyway; (3) an include all of whose matches are rejected, excluded, or included by another
    include; (4) an exclude all of whose matches are rejected, excluded by another exclude, or
    admitted by no include.

    So each dead rule, and each redundant reject, include or exclude, can be removed on its own
    without changing any decision (status and type), and so can all of them together. A
    redundant classify rule covers records of its own type only, so removing it changes no
    decision either.
``classification_overlap`` (error)
    two classify rules that give different types both match an admitted record (which is then
    rejected as ``ambiguous_type``); one finding per pair. Two rules that give the same type
    agree: a record both match is included with that type.
``classification_gap`` (warning)
    an admitted record matches no classify rule; only when the rulebook has an output.
``never_included`` / ``always_included`` (warning)
    no valid record is included / every valid record that is not rejected is included (and
    some is).
``expectation_violated`` (error)
    a valid record meets the condition of an ``expect`` but is decided otherwise (for
    ``expect warning NAME``: does not get that warning).

A ``warn`` rule decides nothing: it takes part only in ``unsatisfiable_rule`` (a warn rule that
can never fire) and in ``expect warning``; it is never redundant, dead or overlapping.

Why it is exact. Each field is a z3 integer indexing the field's finite :class:`Domain`
(plus a presence boolean for an optional field), and each rule a boolean defined as its
encoded condition. The domain abstraction keeps the truth of every comparison the program
makes (proved in :mod:`srg_rules.analysis.domains`), so a question about valid records is a
quantifier-free question over bounded integers, which z3 decides: *unsat* is a proof over all
valid records, *sat* comes with a model. A finding that needs a record (an overlap, a gap, a
violated expectation) is reported only for a model that, turned back into a typed record, the
reference interpreter decides as the finding says; a finding that says "no record" rests on
z3's unsat answer and carries an example record the rule matches, also checked by the
interpreter. Records found on the way are kept and tried first, so many questions need no
solver call; a kept record is a real valid record, so it answers "sat" soundly.

Invariants: no finding is reported without its proof (an unsat answer, or a witness the
interpreter confirmed); a witness is a complete record over the schema's fields, with None for
a missing optional field; findings come in rulebook order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import z3

from .. import ir, printer
from ..backends.interpreter import evaluate
from ..decision import AMBIGUOUS_TYPE, Decision, Status, one_per_type
from ..diagnostics import Diagnostic, Severity
from ..registration import approximated, provision_space, source_record, split_expectation
from ..source import SourceFile, Span
from . import domains as finite_domains
from .encoding import Encoder
from . import matching
from ..i18n import gettext as _

__all__ = [
    "AnalysisError",
    "CODES",
    "ExpectationCheck",
    "Finding",
    "analyse",
    "check_expectations",
    "describe_record",
    "expectation_checks",
    "to_diagnostics",
]

CODES: dict[str, Severity] = {
    "unsatisfiable_rule": Severity.ERROR,
    "classification_overlap": Severity.ERROR,
    "classification_gap": Severity.WARNING,
    "dead_rule": Severity.WARNING,
    "redundant_rule": Severity.WARNING,
    "never_included": Severity.WARNING,
    "always_included": Severity.WARNING,
    "expectation_violated": Severity.ERROR,
    "approximated_condition": Severity.WARNING,
}
"""Every finding code and its severity. A code never changes once released."""


ALONE_FROM = 100
"""From this many rules on, whether each rule can match is asked of a solver without the
other rules (:meth:`_Analysis._alone`): the same answers, other example records. Below it the
example records stay those the golden files hold."""


class AnalysisError(AssertionError):
    """The solver's model and the reference interpreter disagree: a bug in the encoding.

    Raised only with ``strict=True``; otherwise the finding that needed the model is dropped.
    """


@attrs.frozen(eq=True, hash=False)
class Finding:
    """One proven fact about a rulebook. Its fields are public API.

    Attributes:
        code: one of :data:`CODES`.
        severity: its severity.
        message: what is wrong, in lowercase plain words.
        rules: the ids of the rules involved, the rule it is about first.
        witness: a complete valid record showing it (field -> typed value, None when missing),
            or None for ``unsatisfiable_rule`` (no record meets the rule).
        decision: the reference interpreter's decision for the witness.
        help: what to do about it.
        span: where it is (the rule, or the expectation); None for a program without sources.
        related: the other places involved, as (label, span) pairs.
        expectation: for ``expectation_violated``, the expectation that does not hold.
        source: when the witness is a provision that a trajectory made, a source record that
            yields it (the record an expectation speaks of).

    Findings compare by value; they are not hashable (the witness is a dict).
    """

    code: str
    severity: Severity
    message: str
    rules: tuple[str, ...] = ()
    witness: Mapping[str, Any] | None = None
    decision: Decision | None = None
    help: str | None = None
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    related: tuple[tuple[str, Span], ...] = attrs.field(default=(), eq=False, repr=False)
    expectation: ir.Expectation | None = None
    source: dict[str, Any] | None = None


def analyse(program: ir.Program, *, strict: bool = False,
            assume: ir.Condition | None = None) -> tuple[Finding, ...]:
    """Every finding about the rules of ``program`` (expectations: :func:`check_expectations`).

    Args:
        program: the program to analyse.
        strict: raise :class:`AnalysisError` when a solver model does not re-evaluate as the
            solver said (a bug), instead of dropping the finding.
        assume: a condition every record considered meets (e.g. a decision date inside one
            period); the analysis speaks only of such records.

    >>> from srg_rules import parse
    >>> book = parse('''
    ... field category: code {taal, ips}
    ... include when category = taal and category = ips
    ... ''')
    >>> [(f.code, f.rules) for f in analyse(book.program)]
    [('unsatisfiable_rule', ('line-3',)), ('never_included', ())]
    """
    return _Analysis(program, strict, assume).run()


def check_expectations(program: ir.Program, *, strict: bool = False,
                       assume: ir.Condition | None = None) -> tuple[Finding, ...]:
    """An ``expectation_violated`` finding, with a counterexample, per expectation that fails.

    >>> from srg_rules import parse
    >>> book = parse('''
    ... field category: code {taal, ips}
    ... field hours: number optional
    ... include when category = taal
    ... exclude when hours > 40
    ... expect included when category = taal
    ... ''')
    >>> [finding] = check_expectations(book.program)
    >>> finding.witness["hours"] > 40, finding.decision.status
    (True, <Status.EXCLUDED: 'excluded'>)
    """
    if not program.expectations:
        return ()  # no question to ask: the solver and its rules need not be built
    return _Analysis(program, strict, assume).expectations()


def to_diagnostics(findings: Iterable[Finding]) -> tuple[Diagnostic, ...]:
    """The findings as diagnostics; the example record is in the help line."""
    result = []
    for finding in findings:
        span = finding.span or Span(SourceFile("<rulebook>", ""), 0, 0)
        help_text = finding.help or ""
        if finding.source is not None:
            example = _("example record: {record}").format(record=describe_record(finding.source))
            if finding.decision is not None:
                example += " " + _("(one of its provisions is decided {decision})").format(
                    decision=printer.decision(finding.decision))
        elif finding.witness is not None:
            example = _("example record: {record}").format(record=describe_record(finding.witness))
            if finding.decision is not None:
                example += " " + _("(decided {decision})").format(
                    decision=printer.decision(finding.decision))
            help_text = f"{help_text}; {example}" if help_text else example
        result.append(Diagnostic(
            finding.code, finding.message, span, finding.severity, help_text or None,
            finding.related,
        ))
    return tuple(result)


def describe_record(record: Mapping[str, Any]) -> str:
    """A record in one line, values written as a rulebook writes them (see
    :func:`srg_rules.printer.record`)."""
    return printer.record(record)


# --- the solver side -------------------------------------------------------------------------


@attrs.frozen
class _Sample:
    """A valid record found on the way, with the indices of the rules it matches."""

    record: dict[str, Any]
    matched: frozenset[int]


@attrs.frozen
class _Answer:
    status: str  # "sat", "unsat" or "unknown" (the solver gave up, or the model was wrong)
    sample: _Sample | None = None
    core: tuple[int, ...] = ()  # for unsat: the rules among the assumptions that it needs


# What the analysis passes add to: (sort key, finding) pairs, the key putting them in the
# order of the rules they are about.
_Found = list[tuple[tuple[int, ...], Finding]]


class _Analysis:
    def __init__(self, program: ir.Program, strict: bool, assume: ir.Condition | None = None):
        self.program = program
        self.strict = strict
        self.rules = program.rules
        self.index = matching.RuleIndex(self.rules)
        self._has_output = program.schema.output is not None
        self._decided: dict[int, Decision] = {}  # by id of a kept sample
        self.domains = finite_domains.from_program(program, () if assume is None else (assume,))
        # With trajectories, the rules only ever see the provisions they yield.
        space = provision_space(program, self.domains)
        if space is not None:
            assume = space if assume is None else ir.AllOf((assume, space))
        self.assume = assume
        # A context of its own: analyses in threads do not share z3 state, and one gives the
        # same witnesses whatever ran before it.
        self.ctx = z3.Context()
        self.solver = z3.Solver(ctx=self.ctx)
        self.encoder = Encoder(self.domains, self.ctx, self.solver)
        self.encode = self.encoder.condition
        if assume is not None:
            self.solver.add(self.encode(assume))
        bound = self.encoder.rules(self.rules, self.solver)
        self.lit, self.neg = bound.literals, bound.negations
        self._negated = {neg.get_id(): i for i, neg in enumerate(self.neg)}
        self.R, self.E, self.I, self.C = (
            frozenset(i for i, rule in enumerate(self.rules) if rule.verb == verb)
            for verb in ("reject", "exclude", "include", "classify")
        )
        self.bound = bound
        self.any_reject = bound.verdict("rejected_by_rule")
        self.any_exclude = bound.verdict("excluded_by_rule")
        self.any_include = bound.verdict("included_by_rule")
        self.admitted = bound.verdict("admitted")
        self.two_types = bound.verdict("two_types")
        self.included = bound.verdict("included")
        self.excluded = bound.verdict("excluded")
        self.samples: list[_Sample] = []
        self.by_rule: list[list[_Sample]] = [[] for _ in self.rules]
        self.pairs: dict[tuple[int, int], _Sample] = {}  # classify overlaps seen so far
        self._ids = {rule.id for rule in self.rules}

    def _define(self, name: str, formula: z3.BoolRef) -> z3.BoolRef:
        """``formula`` as a fresh literal the solver knows it equals."""
        literal = z3.Bool(name, self.ctx)
        self.solver.add(literal == formula)
        return literal

    # --- questions ---

    def ask(self, test: Callable[[_Sample], bool], assumptions: list[z3.BoolRef],
            pool: Iterable[_Sample] | None = None,
            constraint: z3.BoolRef | None = None, solver: z3.Solver | None = None) -> _Answer:
        """Is there a valid record meeting ``assumptions`` (and ``constraint``)?

        ``test`` says the same of a sample by the reference semantics; a kept sample that
        passes answers "sat" without the solver. ``solver``: the one to ask, the solver of
        every rule unless given.
        """
        for sample in self.samples if pool is None else pool:
            if test(sample):
                return _Answer("sat", sample)
        solver = self.solver if solver is None else solver
        if constraint is not None:
            solver.push()
            solver.add(constraint)
        try:
            result = matching.check(solver, assumptions)
            if result == z3.unsat:
                core = tuple(
                    self._negated[c.get_id()] for c in solver.unsat_core()
                    if c.get_id() in self._negated
                )
                return _Answer("unsat", core=core)
            if result != z3.sat:
                return _Answer("unknown")
            sample = self._sample(solver.model())
        finally:
            if constraint is not None:
                solver.pop()
        if not test(sample):
            if self.strict and not self.encoder.approximated:
                raise AnalysisError(
                    f"the solver's record {describe_record(sample.record)} does not meet "
                    f"{assumptions!r} by the reference semantics"
                )
            return _Answer("unknown")
        return _Answer("sat", sample)

    def _sample(self, model: z3.ModelRef) -> _Sample:
        record = self.encoder.record(model)
        rules = self.rules
        matched = frozenset(i for i in self.index.candidates(record)
                            if evaluate(rules[i].condition, record))
        sample = _Sample(record, matched)
        self.samples.append(sample)
        for i in matched:
            self.by_rule[i].append(sample)
        if self._admitted(matched):
            types = sorted(matched & self.C)
            for x, y in itertools.combinations(types, 2):
                if self.rules[x].code != self.rules[y].code:
                    self.pairs.setdefault((x, y), sample)
        return sample

    def _decision(self, sample: _Sample) -> Decision:
        """The reference interpreter's decision for a kept sample (from the rules it matches,
        see :func:`srg_rules.analysis.matching.decision`), made once."""
        made = self._decided.get(id(sample))
        if made is None:
            made = self._decided[id(sample)] = matching.decision(self.rules, sample.matched,
                                                                 self._has_output)
        return made

    def _admitted(self, matched: frozenset[int]) -> bool:
        return matched.isdisjoint(self.R) and matched.isdisjoint(self.E) and not matched.isdisjoint(self.I)

    def _included(self, matched: frozenset[int]) -> bool:
        return self._admitted(matched) and len(self._types(matched)) <= 1

    def _types(self, matched: frozenset[int]) -> set[str | None]:
        """The types the matching classify rules give."""
        return {self.rules[i].code for i in matched & self.C}

    def _excluded(self, matched: frozenset[int]) -> bool:
        return matched.isdisjoint(self.R) and (not matched.isdisjoint(self.E) or matched.isdisjoint(self.I))

    def escapes(self, x: int, blockers: Iterable[int], extra: tuple[z3.BoolRef, ...] = (),
                extra_test: Callable[[frozenset[int]], bool] = lambda m: True) -> _Answer:
        """Is there a record rule ``x`` matches that no rule in ``blockers`` matches (and that
        meets ``extra``, which ``extra_test`` says of a sample)? Unsat: blockers cover ``x``.

        The core of an unsat answer is shrunk until every rule in it is needed, so that it
        names the rules that really cover ``x``.
        """
        blocking = frozenset(blockers)

        def ask(rules: frozenset[int]) -> _Answer:
            return self.ask(
                lambda s: x in s.matched and s.matched.isdisjoint(rules) and extra_test(s.matched),
                [self.lit[x], *extra, *self._negs(rules)], self.by_rule[x],
            )

        answer = ask(blocking)
        if answer.status != "unsat":
            return answer
        core = [c for c in answer.core if c in blocking]
        for y in list(core):
            rest = [c for c in core if c != y]
            if ask(frozenset(rest)).status == "unsat":
                core = rest
        return _Answer("unsat", core=tuple(core))

    # --- findings ---

    def run(self) -> tuple[Finding, ...]:
        found: list[tuple[tuple[int, ...], Finding]] = []
        satisfiable = self._satisfiable(found)
        redundant = self._redundant(satisfiable, found)
        admitted_types = self._dead(satisfiable - redundant, found)
        # A redundant classify rule may still overlap (with the rule that covers it).
        for x in sorted(satisfiable & redundant & self.C):
            if self.escapes(x, (), (self.admitted,), self._admitted).status == "sat":
                admitted_types.append(x)
        self._overlaps(sorted(admitted_types), found)
        self._rulebook(found)
        self._approximations(found)
        self._approximated_provisions(found)
        found.sort(key=lambda item: item[0])
        return tuple(finding for _, finding in found)

    def _approximations(self, found: _Found) -> None:
        """Say where the analysis could not decide: each rule holding a comparison the encoder
        over-approximated (its proofs still hold; a finding needing a record may be missing)."""
        approximated = self.encoder.approximated
        for i, rule in enumerate(self.rules):
            nodes = [node for node in approximated
                     if any(part is node for part in ir.walk(rule.condition))]
            if not nodes:
                continue
            shown = printer.condition(nodes[0], self.program.schema)
            parts = list(ir.walk(nodes[0]))
            what = (_("computes an age with neither date fixed, or compares one with a field")
                    if any(isinstance(p, ir.Age) for p in parts)
                    else _("measures the length of a text")
                    if any(isinstance(p, ir.Length) for p in parts)
                    else _("matches a pattern on a free text (decided exactly on code fields "
                           "only)") if isinstance(nodes[0], ir.Matches)
                    else _("compares a date with a moved date of another field"))
            found.append(((i, 4), self._finding(
                "approximated_condition",
                _("the analysis cannot decide {rule_words} exactly: '{shown}' {what}").format(
                    rule_words=_rule_words(rule), shown=shown, what=what),
                (i,), None,
                _("what check proves about this rule still holds (no finding is wrong), but "
                  "a finding that needs an example record may be missing for it; test it "
                  "with examples (srg-rules test)"),
            )))

    def _approximated_provisions(self, found: _Found) -> None:
        """Say where the provisions of a trajectory are over-approximated (a computed value
        the analysis takes to be any value, see :func:`srg_rules.registration.approximated`)
        and a rule reads that field: its proofs hold, but a record may not be a provision."""
        for trajectory, component, name in approximated(self.program):
            readers = tuple(i for i, rule in enumerate(self.rules)
                            if name in ir.fields_of(rule.condition))
            if not readers:
                continue
            found.append(((readers[0], 5), Finding(
                "approximated_condition", CODES["approximated_condition"],
                _("the analysis cannot decide {rule_words} exactly: it reads {name}, which "
                  "the provision '{name2}' of trajectory '{name3}' computes in a way the "
                  "analysis takes to be any value").format(
                    rule_words=_rule_words(self.rules[readers[0]]), name=name,
                    name2=component.name, name3=trajectory.name),
                tuple(self.rules[i].id for i in readers), None, None,
                _("what check proves about this rule still holds (no finding is wrong), but "
                  "a record a finding shows may be one the trajectory cannot make; test it "
                  "with examples (srg-rules test)"),
                span=component.span or trajectory.span,
            )))

    def _satisfiable(self, found: _Found) -> set[int]:
        satisfiable: set[int] = set()
        # Many rules: each asked of a solver that holds only the fields' validity, which
        # answers alike (a rule's literal only names its condition) in a fraction of the time
        # the solver of every rule takes, though with other example records.
        alone = self._alone() if len(self.rules) >= ALONE_FROM else None
        for i, rule in enumerate(self.rules):
            if self.by_rule[i]:
                satisfiable.add(i)
                continue
            if alone is None:
                answer = self.ask(lambda s: i in s.matched, [self.lit[i]], ())
            else:
                answer = self.ask(lambda s: i in s.matched, [], (),
                                  constraint=self.encode(rule.condition), solver=alone)
            if answer.status == "sat":
                satisfiable.add(i)
            elif answer.status == "unsat":
                found.append(((i, 0), self._finding(
                    "unsatisfiable_rule", _("{rule_words} can never match: no valid record "
                                            "meets its condition").format(
                                              rule_words=_rule_words(rule)),
                    (i,), None,
                    _("the condition contradicts itself or the field declarations (a "
                      "required field is never missing, a code field only takes its listed "
                      "values); fix the condition or remove the rule. No example record "
                      "exists, since no record meets it"),
                )))
        return satisfiable

    def _alone(self) -> z3.Solver:
        """A solver of the valid records (the assumption included), without the rules."""
        solver = z3.Solver(ctx=self.ctx)
        solver.add(*self.encoder.validity)
        if self.assume is not None:
            solver.add(self.encode(self.assume))
        return solver

    def _redundant(self, satisfiable: set[int], found: _Found) -> set[int]:
        groups: dict[tuple[str, str | None], list[int]] = {}
        for i in sorted(satisfiable):
            rule = self.rules[i]
            if rule.verb == "warn":
                continue  # each warn rule gives its own warning: another cannot stand in for it
            groups.setdefault((rule.verb, rule.code), []).append(i)
        redundant: set[int] = set()
        for members in groups.values():
            for x in reversed(members):
                others = [y for y in members if y != x and y not in redundant]
                if not others:
                    continue
                answer = self.escapes(x, others)
                if answer.status != "unsat":
                    continue
                cover = answer.core
                sample = self.by_rule[x][0]
                if not any(evaluate(self.rules[y].condition, sample.record) for y in cover):
                    self._mismatch("a covered rule's record matches none of its cover")
                    continue
                redundant.add(x)
                rule = self.rules[x]
                covering = (_rule_words(self.rules[cover[0]]) if len(cover) == 1 else
                            _("{rules} together").format(rules=_("{some} and {last}").format(
                                some=_(" and ").join(f"'{self.rules[y].id}'" for y in cover[:-1]),
                                last=f"'{self.rules[cover[-1]].id}'")))
                what = _("{rule} is redundant: every record it matches is also matched by "
                         "{covering}").format(rule=_rule_words(rule), covering=covering)
                found.append(((x, 1), self._finding(
                    "redundant_rule", what, (x, *cover), sample,
                    _("remove it, or narrow the other rule if this one says what was meant"),
                    related_label=_("covered by"),
                )))
        return redundant

    def _dead(self, live: set[int], found: _Found) -> list[int]:
        """Report dead rules (module docstring); return the classify rules that match some
        admitted record.

        Why the stages make each finding true on its own and all of them true together: a
        stage only removes rules whose removal changes no decision, given the stages before;
        and what makes a rule dead only gets truer with more rules around it (more rules of
        its own verb, more rejects, more types for ``ambiguous_type``), except for excludes
        and fewer includes, which is why excludes come last and are asked about all includes.
        """
        admitted_types: list[int] = []
        dead: set[int] = set()
        for x in sorted(live & self.C, reverse=True):
            answer = self.escapes(x, (), (self.admitted,), self._admitted)
            if answer.status == "sat":
                admitted_types.append(x)
            elif answer.status == "unsat":
                dead.add(x)
                self._report_dead(x, _("no record it matches is included, so it never gives "
                                       "a type"),
                                  answer.core, found)
        types = sorted((live & self.C) - dead)
        ambiguous = self._define("ambiguous_unless_rejected", z3.And(
            z3.Not(self.any_exclude), self.any_include,
            self.encoder.at_least_two(one_per_type(
                self.encoder, [self.lit[i] for i in types], [self.rules[i].code for i in types]))))
        type_set = frozenset(types)

        def is_ambiguous(m: frozenset[int]) -> bool:
            return (m.isdisjoint(self.E) and not m.isdisjoint(self.I)
                    and len({self.rules[i].code for i in m & type_set}) >= 2)

        stages = (
            ("reject", lambda x, R, E, I: (R - {x}, (z3.Not(ambiguous),),
                                           lambda m: not is_ambiguous(m)),
             _("every record it matches is rejected by another rule, or as ambiguous_type, "
               "anyway")),
            ("include", lambda x, R, E, I: (R | E | (I - {x}), (), lambda m: True),
             _("every record it matches is rejected, excluded, or included by another rule "
               "anyway")),
            ("exclude", lambda x, R, E, I: (R | (E - {x}), (self.any_include,),
                                            lambda m: not m.isdisjoint(self.I)),
             _("every record it matches is rejected, excluded by another rule, or not "
               "admitted by any include rule anyway")),
        )
        for verb, question, why in stages:
            for x in sorted(i for i in live if self.rules[i].verb == verb)[::-1]:
                left = frozenset(live - dead)
                blockers, extra, extra_test = question(
                    x, self.R & left, self.E & left, self.I & left)
                answer = self.escapes(x, blockers, extra, extra_test)
                if answer.status == "unsat":
                    dead.add(x)
                    self._report_dead(x, why, answer.core, found)
        admitted_types.reverse()
        return admitted_types

    def _negs(self, indices: Iterable[int]) -> list[z3.BoolRef]:
        return [self.neg[i] for i in sorted(indices)]

    def _report_dead(self, x: int, why: str, core: tuple[int, ...], found: _Found) -> None:
        rule = self.rules[x]
        sample = self.by_rule[x][0]
        # The example must show the claim: without the rule the record is decided the same.
        # (Dead given the rules that are not redundant implies dead given all of them: more
        # rules of the other verbs only take away more of the records where it could matter.)
        before = self._decision(sample)
        after = matching.decision(self.rules, sample.matched - {x}, self._has_output)
        if (before.status, before.type) != (after.status, after.type):
            self._mismatch(f"removing dead rule {rule.id!r} changes a decision")
            return
        found.append(((x, 2), self._finding(
            "dead_rule", _("{rule_words} never changes a decision: {why}").format(
                             rule_words=_rule_words(rule), why=why),
            (x, *(c for c in core if c != x)), sample,
            _("remove it, or change the rules that make it pointless"),
            related_label=_("because of"),
        )))

    def _overlaps(self, admitted_types: list[int], found: _Found) -> None:
        for k, x in enumerate(admitted_types):
            remaining = [y for y in admitted_types[k + 1:] if (x, y) not in self.pairs
                         and self.rules[y].code != self.rules[x].code]
            while remaining:
                wanted = frozenset(remaining)
                answer = self.ask(
                    lambda s: (x in s.matched and self._admitted(s.matched)
                               and not s.matched.isdisjoint(wanted)),
                    [self.lit[x], self.admitted], self.by_rule[x],
                    constraint=self.encoder.any([self.lit[y] for y in remaining]),
                )
                if answer.status != "sat":
                    break
                remaining = [y for y in remaining if (x, y) not in self.pairs]
        for (x, y), sample in sorted(self.pairs.items()):
            decided = self._decision(sample)
            rules = self.rules
            if not (decided.status is Status.REJECTED and AMBIGUOUS_TYPE in decided.reasons
                    and {rules[x].id, rules[y].id} <= set(decided.reasons)):
                self._mismatch("an overlap record is not rejected as ambiguous_type")
                continue
            message = _("classify rules '{rule}' (type {type}) and '{other}' (type {other_type}) "
                        "both match a record that is otherwise included, so it is rejected as "
                        "ambiguous_type").format(rule=rules[x].id, type=rules[x].code,
                                                 other=rules[y].id, other_type=rules[y].code)
            found.append(((x, 3, y), self._finding(
                "classification_overlap", message, (x, y), sample,
                _("make their conditions exclude each other"),
                related_label=_("also matching:"),
            )))

    def _rulebook(self, found: _Found) -> None:
        end = (len(self.rules),)
        output = self.program.schema.output is not None or bool(self.C)
        if output:
            types = sorted(self.C)
            answer = self.ask(
                lambda s: self._admitted(s.matched) and s.matched.isdisjoint(self.C),
                [self.admitted, *self._negs(types)])
            if answer.status == "sat" and answer.sample is not None and self._confirm(
                    answer.sample, lambda d: d.status is Status.INCLUDED and d.type is None):
                found.append((end, self._finding(
                    "classification_gap",
                    _("an included record matches no classify rule, so it gets no type"),
                    (), answer.sample,
                    _("add a classify rule for such records, or exclude them"),
                    anchor=types or sorted(self.I),
                )))
        included = self.ask(lambda s: self._included(s.matched), [self.included])
        if included.status == "unsat":
            # Any record shows it; one that is not rejected shows it best.
            example = self.ask(lambda s: s.matched.isdisjoint(self.R), [z3.Not(self.any_reject)])
            if example.status != "sat":
                example = self.ask(lambda s: True, [])
            sample = example.sample  # None only when no valid record exists at all
            if sample is None or self._confirm(sample, lambda d: d.status is not Status.INCLUDED):
                why = (_("the rulebook has no include rule") if not self.I
                       else _("every record is rejected or excluded"))
                found.append((end, self._finding(
                    "never_included", _("no valid record is ever included: {why}").format(
                                          why=why), (), sample,
                    _("check the include rules and the exclude and reject rules that cover them"),
                    anchor=sorted(self.I),
                )))
        elif included.status == "sat":
            excluded = self.ask(lambda s: self._excluded(s.matched), [self.excluded])
            if (excluded.status == "unsat" and included.sample is not None
                    and self._confirm(included.sample, lambda d: d.status is Status.INCLUDED)):
                found.append((end, self._finding(
                    "always_included", _("every valid record that is not rejected is "
                                         "included: the include and exclude rules exclude "
                                         "nothing"), (), included.sample,
                    _("check that the include rules are not too wide"),
                    anchor=sorted(self.I),
                )))

    def _confirm(self, sample: _Sample, holds: Callable[[Decision], bool]) -> bool:
        """Whether the interpreter's decision for the sample is as the finding says."""
        if holds(self._decision(sample)):
            return True
        self._mismatch(f"the decision for {describe_record(sample.record)} is not as found")
        return False

    def _mismatch(self, what: str) -> None:
        # With an approximated comparison a model may not be a record the interpreter
        # decides as the solver thought: the finding is dropped, as undecided.
        if self.strict and not self.encoder.approximated:
            raise AnalysisError(what)

    def _finding(self, code: str, message: str, rules: tuple[int, ...],
                 sample: _Sample | None, help: str, related_label: str = "see",
                 anchor: list[int] | None = None) -> Finding:
        subject = rules[0] if rules else (anchor[0] if anchor else None)
        span = self.rules[subject].span if subject is not None else None
        related = tuple(
            (f"{related_label} {_rule_words(self.rules[i])}", related_span)
            for i in rules[1:] if (related_span := self.rules[i].span) is not None
        )
        witness = sample.record if sample is not None else None
        return Finding(
            code, CODES[code], message, tuple(self.rules[i].id for i in rules), witness,
            self._decision(sample) if sample is not None else None,
            help, span=span, related=related,
        )

    # --- expectations ---

    def expectations(self) -> tuple[Finding, ...]:
        found = []
        for expectation in self.program.expectations:
            for check in expectation_checks(self.program, expectation, self.domains):
                finding = self._expectation(expectation, check)
                if finding is not None:
                    found.append(finding)
        return tuple(found)

    def _expectation(self, expectation: ir.Expectation, check: ExpectationCheck) -> Finding | None:
        outcome, holds = self._outcome(check.outcome)
        condition = check.condition
        # `expect rejected` and `expect warning` speak of every valid record; the other
        # outcomes of the records no reject rule matches (docs/language.md, "Expectations").
        rejected = check.outcome.kind in ("rejected", "warning")
        in_scope = z3.BoolVal(True, ctx=self.ctx) if rejected else z3.Not(self.any_reject)
        answer = self.ask(
            lambda s: evaluate(condition, s.record)
            and (rejected or not _rejected_by_rule(self._decision(s)))
            and not holds(self._decision(s)),
            [], (), constraint=z3.And(self.encode(condition), in_scope, z3.Not(outcome)),
        )
        if answer.status != "sat" or answer.sample is None:  # a "sat" answer has a sample
            return None
        record = answer.sample.record
        decision = self._decision(answer.sample)
        rule_ids = tuple(r for r in decision.reasons if r in self._ids)
        wanted = expectation.describe()
        got = str(decision.status) + (_(", type {type}").format(type=decision.type)
                                      if decision.type else "")
        if check.outcome.kind == "warning":
            got = (_("{got}, without warning {rule}").format(got=got, rule=check.outcome.rule) + (
                " " + _("(its warnings: {warnings})").format(warnings=", ".join(decision.warnings))
                if decision.warnings else ""))
        source = None
        if check.component is not None:
            # The source record the user wrote the expectation about.
            source = source_record(self.program, expectation.condition, check.component,
                                   record, self.domains)
        related = tuple(
            (_("decided by {rule_words}").format(rule_words=_rule_words(self.program.rule(r))),
             rule_span)
            for r in rule_ids if (rule_span := self.program.rule(r).span) is not None
        )
        if check.outcome.kind == "warning" and check.outcome.rule in self._ids:
            # What matters is the warn rule that does not match, not what decided the record.
            rule_ids = (check.outcome.rule,)
            warn = self.program.rule(check.outcome.rule)
            related = (((_("not matched by {rule_words}").format(rule_words=_rule_words(warn)),
                         warn.span),)
                       if warn.span is not None else ())
        count = len(expectation.types)
        if check.component is None and check.outcome.code == "":
            what = _("a record meeting that is not split by a trajectory: it is one "
                     "provision, {got}").format(got=got)
        elif check.component is None:
            what = _("a record meeting that is {got}").format(got=got)
        elif check.outcome.code == "":
            what = _("a record meeting that is split into provisions other than {count} (its "
                     "provision '{component}' is {got})").format(
                count=count, component=check.component, got=got)
        else:
            what = _("the provision '{component}' that a record meeting that yields is "
                     "{got}").format(component=check.component, got=got)
        return Finding(
            "expectation_violated", CODES["expectation_violated"],
            _("expected {wanted} when {condition}, but {what}").format(
                wanted=wanted,
                condition=printer.condition(expectation.condition, self.program.schema),
                what=what),
            rule_ids, record, decision,
            _("fix the rules, or narrow the expectation's condition"),
            span=expectation.span, related=related, expectation=expectation,
            source=source,
        )

    def _outcome(self, outcome: ir.Outcome) -> tuple[z3.BoolRef, Callable[[Decision], bool]]:
        if outcome.kind == "included":
            return self.included, lambda d: d.status is Status.INCLUDED
        if outcome.kind == "excluded":
            return self.excluded, lambda d: d.status is Status.EXCLUDED
        if outcome.kind == "rejected":
            return (self.bound.verdict("rejected"),
                    lambda d: d.status is Status.REJECTED)
        if outcome.kind == "warning":
            rule = outcome.rule
            found = [i for i, r in enumerate(self.rules) if r.id == rule and r.verb == "warn"]
            # None: the rule is not in force (the analysis of one day's rules, periods.py).
            warned = self.lit[found[0]] if found else z3.BoolVal(False, ctx=self.ctx)
            return warned, lambda d: rule in d.warnings
        code = outcome.code
        typed = self.encoder.any([self.lit[i] for i in sorted(self.C) if self.rules[i].code == code])
        return (z3.And(self.included, typed),
                lambda d: d.status is Status.INCLUDED and d.type == code)


@attrs.frozen
class ExpectationCheck:
    """One question an expectation asks of the provisions: every provision meeting
    ``condition`` has ``outcome``. ``component`` names the trajectory's provision, if any."""

    condition: ir.Condition
    outcome: ir.Outcome
    component: str | None = None


def expectation_checks(program: ir.Program, expectation: ir.Expectation,
                       domains: Mapping[str, Any]) -> list[ExpectationCheck]:
    """The questions one expectation asks, over provision records.

    Without trajectories, every outcome is asked of the records meeting the condition. With
    them, see :func:`srg_rules.registration.split_expectation`.
    """
    if not program.trajectories:
        return [ExpectationCheck(expectation.condition, outcome) for outcome in expectation.outcomes]
    return [ExpectationCheck(condition, outcome, component)
            for condition, outcome, component in split_expectation(program, expectation, domains)]


def _rejected_by_rule(decision: Decision) -> bool:
    """Rejected by a reject rule (a valid record's only other rejection is ambiguous_type)."""
    return decision.status is Status.REJECTED and AMBIGUOUS_TYPE not in decision.reasons


def _rule_words(rule: ir.CompiledRule) -> str:
    if rule.verb == "classify":
        return _("classify rule '{rule}' (type {type})").format(rule=rule.id, type=rule.code)
    return _("{verb} rule '{rule}'").format(verb=rule.verb, rule=rule.id)
