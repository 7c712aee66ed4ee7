"""Periods: the stretches of time in which one set of rules is in force, and the analysis per period.

Place in the pipeline: after :func:`srg_rules.ir.from_ast`, around :mod:`srg_rules.analysis`.
Input: an :class:`ir.Program` whose rules, code values or rulebook carry validity periods.
Output: :func:`periods` splits the timeline into the periods in which the rules in force do not
change; :func:`analyse_periods` runs the exact analysis and the expectations on the rules in
force in each period (:meth:`ir.Program.at`), over the records whose decision date lies in it,
and gives each finding with the period it holds in.

Invariants:

1. The periods are disjoint, in time order, and together cover every day; two neighbouring
   periods never have the same rules in force (``program.at(day)`` differs), and within one
   period it is the same program on every day. Outside the rulebook's own period nothing is
   analysed: every record there is rejected ``not_in_force``.
2. A finding is reported for the periods it holds in; one that holds in every analysed period
   in which its rules are in force is reported once, without a period (so a rule that is in
   force only from 2019 and dead throughout is simply dead, and a rule out of force in a
   period is never "dead" there). Neighbouring periods with the same finding are joined.
3. Each finding's witness has its decision date inside the finding's period, and the full
   program decides it as the finding says (deciding with ``program.at(day)`` is deciding
   with ``program`` on a record whose decision date is ``day``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from .. import ir

if TYPE_CHECKING:  # z3 loads only when a program is analysed
    from .findings import Finding

__all__ = ["DatedFinding", "analyse_periods", "boundaries", "describe", "findings", "periods"]

# What tells findings apart across periods: code, rules, expectation (by index) and place.
_FindingKey = tuple[str, tuple[str, ...], int | None, tuple[str, int, int] | None]

_ANY_DAY = _dt.date(2000, 1, 1)  # where a program without periods is looked at


@attrs.frozen(eq=True, hash=False)
class DatedFinding:
    """A finding of :mod:`srg_rules.analysis` and the period it holds in.

    Attributes:
        finding: the finding, as the analysis of the rules in force gave it (its witness's
            decision date lies in ``period``).
        period: the days it holds for; None when it holds whenever its rules are in force.
    """

    finding: Finding
    period: ir.Period | None = None

    def labelled(self) -> Finding:
        """The finding with the period at the front of its message."""
        if self.period is None:
            return self.finding
        return attrs.evolve(self.finding,
                            message=f"{describe(self.period)}: {self.finding.message}")


def describe(period: ir.Period) -> str:
    """A period in words: ``from 2019-01-01 until 2020-12-31``, ``before 2015-01-01``,
    ``from 2021-01-01 on``.

    >>> describe(ir.Period(None, _dt.date(2014, 12, 31)))
    'before 2015-01-01'
    """
    if period.start is None and period.end is not None:
        following = _next_day(period.end)
        return f"before {following}" if following is not None else f"until {period.end}"
    return period.describe()


def boundaries(program: ir.Program) -> tuple[_dt.date, ...]:
    """The days on which the rules in force may change, ascending: each period's first day
    and the day after its last."""
    days = set()
    for period in _validities(program):
        if period.start is not None:
            days.add(period.start)
        if period.end is not None and (following := _next_day(period.end)) is not None:
            days.add(following)
    return tuple(sorted(days))


def periods(program: ir.Program) -> tuple[ir.Period, ...]:
    """The timeline split where the rules in force change, in time order.

    >>> from srg_rules import parse
    >>> book = parse('''
    ... field start: date
    ... rules in force on start
    ... include when start is present valid from 2015-01-01 until 2018-12-31
    ... include when start is present valid from 2019-01-01
    ... ''')
    >>> [describe(p) for p in periods(book.program)]
    ['before 2015-01-01', 'from 2015-01-01 until 2018-12-31', 'from 2019-01-01 on']
    """
    cuts = boundaries(program)
    pieces = [ir.Period()] if not cuts else [] if cuts[0] == _dt.date.min else [
        ir.Period(None, cuts[0] - _dt.timedelta(days=1))]
    for first, following in zip(cuts, (*cuts[1:], None)):
        pieces.append(ir.Period(first, following - _dt.timedelta(days=1)
                                if following is not None else None))
    merged: list[tuple[ir.Period, ir.Program]] = []
    for piece in pieces:
        rules = program.at(_day_in(piece))
        if merged and merged[-1][1] == rules:
            merged[-1] = (ir.Period(merged[-1][0].start, piece.end), rules)
        else:
            merged.append((piece, rules))
    return tuple(period for period, _ in merged)


def analyse_periods(program: ir.Program, *, strict: bool = False) -> tuple[DatedFinding, ...]:
    """Every finding of the analysis and the expectations, per period of the rules in force.

    Args:
        program: the program; without validity periods this is the plain analysis.
        strict: as for :func:`srg_rules.analysis.analyse`.

    >>> from srg_rules import parse
    >>> book = parse('''
    ... field category: code {a, b}
    ... field start: date
    ... rules in force on start
    ... output type: code {1, 2}
    ... include when category = a
    ... classify as 1 when category = a valid until 2014-12-31
    ... ''')
    >>> [(f.finding.code, describe(f.period)) for f in analyse_periods(book.program)]
    [('classification_gap', 'from 2015-01-01 on')]
    """
    from . import findings as analysis  # z3 loads only when a program is analysed

    def run(rules: ir.Program, assume: ir.Condition | None) -> tuple[Finding, ...]:
        return (analysis.analyse(rules, strict=strict, assume=assume)
                + analysis.check_expectations(rules, strict=strict, assume=assume))

    if not program.dated:
        return tuple(DatedFinding(f) for f in run(program, None))
    analysed: list[tuple[ir.Period, frozenset[str], tuple[Finding, ...]]] = []
    for period in periods(program):
        day = _day_in(period)
        if program.validity is not None and not program.validity.contains(day):
            continue  # nothing is in force: every record is rejected not_in_force
        if not _holds_a_decision_date(program, period):
            continue  # no record's decision date falls in it (a month in a period of days)
        rules = program.at(day)
        found = run(rules, _within(program.decision_date, period))
        analysed.append((period, frozenset(r.id for r in rules.rules), found))
    # Each finding, keyed by what it is about, with the periods (by index) it holds in.
    held: dict[_FindingKey, list[tuple[int, Finding]]] = {}
    for index, (_, _, found) in enumerate(analysed):
        for finding in found:
            held.setdefault(_key(program, finding), []).append((index, finding))
    result = []
    for key, where in held.items():
        rules_of = where[0][1].rules
        applicable = [i for i, (_, ids, _) in enumerate(analysed) if set(rules_of) <= ids]
        indices = [i for i, _ in where]
        if indices == applicable:
            result.append(DatedFinding(where[0][1]))
            continue
        for run_ in _runs(where, analysed):
            first, last = run_[0][0], run_[-1][0]
            period = ir.Period(analysed[first][0].start, analysed[last][0].end)
            result.append(DatedFinding(run_[0][1], period))
    return tuple(result)


def findings(program: ir.Program, *, strict: bool = False) -> tuple[Finding, ...]:
    """:func:`analyse_periods` as plain findings, each message starting with its period."""
    return tuple(found.labelled() for found in analyse_periods(program, strict=strict))


def _key(program: ir.Program, finding: Finding) -> _FindingKey:
    expectation = None
    if finding.expectation is not None:
        expectation = next(i for i, e in enumerate(program.expectations)
                           if e is finding.expectation or e == finding.expectation)
    # Where the finding points tells apart two findings of one code about the same rules (a
    # rule approximated both for its own condition and for a field a trajectory computes).
    span = finding.span
    place = None if span is None else (span.source.path, span.start, span.end)
    return (finding.code, finding.rules, expectation, place)


def _runs(where: list[tuple[int, Finding]],
          analysed: list[tuple[ir.Period, frozenset[str], tuple[Finding, ...]]]
          ) -> list[list[tuple[int, Finding]]]:
    """Findings in neighbouring periods (next to each other in time), grouped."""
    runs: list[list[tuple[int, Finding]]] = []
    for index, finding in where:
        if runs:
            previous = runs[-1][-1][0]
            end = analysed[previous][0].end
            start = analysed[index][0].start
            if index == previous + 1 and end is not None and start is not None \
                    and _next_day(end) == start:
                runs[-1].append((index, finding))
                continue
        runs.append([(index, finding)])
    return runs


def _within(field: str | None, period: ir.Period) -> ir.Condition | None:
    if field is None or (period.start is None and period.end is None):
        return None
    return ir.within(field, period, None)


def _validities(program: ir.Program) -> Iterable[ir.Period]:
    if program.validity is not None:
        yield program.validity
    for _, dated in program.code_validity:
        for _, period in dated:
            yield period
    for _, period in program.output_validity:
        yield period
    for rule in program.rules:
        if rule.validity is not None:
            yield rule.validity


def _holds_a_decision_date(program: ir.Program, period: ir.Period) -> bool:
    """Whether some record's decision date can fall in ``period``: always for a date field; for
    a ``month`` field (read as the month's first day) only when the period holds a first day."""
    field = program.schema.fields.get(program.decision_date or "")
    if field is None or field.type.name != "month" or period.start is None \
            or period.end is None:
        return True
    start, end = period.start, period.end
    first = start if start.day == 1 else (
        _dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        if start < _dt.date(9999, 12, 1) else None)
    return first is not None and first <= end


def _day_in(period: ir.Period) -> _dt.date:
    if period.start is not None:
        return period.start
    return period.end if period.end is not None else _ANY_DAY


def _next_day(day: _dt.date) -> _dt.date | None:
    return day + _dt.timedelta(days=1) if day < _dt.date.max else None
