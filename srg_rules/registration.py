"""The registration level: a municipality's source records -> the SRG's provision records.

Place in the pipeline: after :mod:`srg_rules.ir`, before the rules decide. A program with an
``activities`` statement or ``trajectory`` statements does not take its input records as
provisions: the SRG wants exactly one record per provision per person, while municipal systems
hold trajectories that bundle provisions and activities (course days) that belong to one
provision ([NB] "De voorzieningen die binnen dat traject vallen, moeten allemaal apart worden
geregistreerd ... Die activiteiten hoeven niet apart te worden geregistreerd").

Input: source rows, each a row number and a mapping of raw values. Output: :class:`Provision`
records, each with the rows it came from (its lineage). The steps, in this order:

1. every row is read against the schema (typed values, field problems);
2. ``activities share KEY`` groups rows with equal key values (a missing key value is a value
   like any other) into one provision; every other field combines by its declared way
   (:mod:`srg_rules.combine`; ``same`` unless said). A row with a field problem rejects its
   whole provision, naming the row; so does a conflict (two activities with different
   funding), naming the rows and their values. Nothing is ever picked silently;
3. a provision matching the condition of a ``trajectory`` becomes one provision per ``yields``
   clause, each inheriting every field and setting the clause's values; one matching two
   trajectories is rejected (``ambiguous_trajectory``).

Accounting: every source row is in the lineage of at least one provision (exactly one, unless
a trajectory splits it), and every provision is decided, so no row is ever dropped. Grouping
needs every row before the first provision is complete: a program with ``activities`` holds one
entry per provision in memory (streaming stays O(1) without it).

The analysis sees only provisions: :func:`provision_space` is the condition that says which
records a program's registration level can produce, and :func:`split_expectation` turns an
expectation about source records into questions about provisions.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from . import dates, ir
from .backends.interpreter import evaluate
from .combine import COMBINATIONS, DEFAULT_WAY, Conflict, picked
from .decision import AMBIGUOUS_TRAJECTORY, CONFLICT
from .i18n import gettext as _
from .i18n import ngettext
from .schema import format_typed

__all__ = [
    "AMBIGUOUS_TRAJECTORY",
    "CONFLICT",
    "Provision",
    "approximated",
    "computed",
    "provision_space",
    "provisions",
    "source_record",
    "split_expectation",
]


_MAX_SPLIT_POINTS = 4096


@attrs.frozen
class Provision:
    """One provision record, ready for the rules.

    Attributes:
        values: typed values of every declared field (None: missing or unreadable).
        rows: the source row numbers it came from, in input order.
        text: the values as written to an output file (raw text of a single untouched row).
        component: the ``yields`` clause it came from, for a provision of a trajectory.
        problems: reasons that reject it before any rule runs (field problems, conflicts).
        messages: those problems in words, naming rows and values.
    """

    values: Mapping[str, Any]
    rows: tuple[int, ...]
    text: Mapping[str, str]
    component: str | None = None
    problems: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()


def provisions(program: ir.Program, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> Iterator[Provision]:
    """The provision records of source rows (see the module's docstring for the steps).

    >>> from srg_rules import parse
    >>> book = parse('''
    ... field id: text
    ... field kind: code {coaching, training, coach_cursus}
    ... field hours: number
    ... activities share id combine hours by sum
    ... trajectory coach_cursus when kind = coach_cursus
    ...     yields coaching with kind = coaching
    ...     yields training with kind = training
    ... include when hours > 0
    ... ''')
    >>> rows = [(1, {"id": "A", "kind": "training", "hours": "4"}),
    ...         (2, {"id": "A", "kind": "training", "hours": "4"}),
    ...         (3, {"id": "B", "kind": "coach_cursus", "hours": "10"})]
    >>> [(p.values["kind"], p.values["hours"], p.rows, p.component)
    ...  for p in provisions(book.program, rows)]
    [('training', 8, (1, 2), None), ('coaching', 10, (3,), 'coaching'), ('training', 10, (3,), 'training')]
    """
    schema = program.schema
    read = ((number, raw, *schema.read(raw)) for number, raw in rows)
    if program.activities is None:
        merged: Iterable[Provision] = (_single(program, n, raw, v, p) for n, raw, v, p in read)
    else:
        merged = _merge(program, read)
    for provision in merged:
        yield from _split(program, provision)


def _single(program: ir.Program, number: int, raw: Mapping[str, Any], values: dict[str, Any],
            problems: list[Any]) -> Provision:
    text = {name: _raw_text(raw.get(name)) for name in program.schema.fields}
    return Provision(
        values, (number,), text, None, tuple(p.reason for p in problems),
        tuple(_row_problem(number, p.field, p.message) for p in problems),
    )


def _raw_text(raw: Any) -> str:
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else format_typed(raw)


def _merge(program: ir.Program, read: Iterable[tuple[Any, ...]]) -> Iterator[Provision]:
    activities = program.activities
    assert activities is not None
    names = tuple(program.schema.fields)
    # Every row is held until the input ends, so rows are kept small: tuples in field order
    # (not the reader's dicts, which also hold undeclared columns), and one object for each
    # repeated value ("gemeente", a date), not one per row.
    shared: dict[Any, Any] = {}

    def share(value: Any) -> Any:
        if isinstance(value, (str, _dt.date)) and (not isinstance(value, str) or len(value) <= 32):
            return shared.setdefault(value, value)
        return value

    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for number, raw, values, problems in read:
        key = tuple(values[name] for name in activities.key)
        if any(p.field in activities.key for p in problems):
            key = ("row", number)  # an unreadable key groups with nothing
        groups.setdefault(key, []).append((
            number, tuple(share(raw.get(name)) for name in names),
            tuple(share(values[name]) for name in names), tuple(problems),
        ))
    for group in groups.values():
        rows = [(number, dict(zip(names, raw)), dict(zip(names, values)), problems)
                for number, raw, values, problems in group]
        if len(rows) == 1:
            yield _single(program, *rows[0])
            continue
        yield _combine(program, rows)


def _combine(program: ir.Program, group: list[tuple[Any, ...]]) -> Provision:
    activities = program.activities
    assert activities is not None
    numbers = tuple(number for number, *_ in group)
    first_values = group[0][2]
    values: dict[str, Any] = {name: first_values[name] for name in activities.key}
    problems: list[str] = []
    messages: list[str] = []
    for number, _raw, _values, row_problems in group:
        for problem in row_problems:
            if problem.reason not in problems:
                problems.append(problem.reason)
            messages.append(_row_problem(number, problem.field, problem.message))
    text: dict[str, str] = {}
    ordered_by = dict(activities.ordered_by)
    for name, way_name in activities.ways:
        column = [row_values[name] for _, _, row_values, _ in group]
        rows = numbers
        what = _("the activities of one provision")
        if name in ordered_by:
            # `by latest DATE`: the activities at the latest date must agree (combine.picked).
            by = ordered_by[name]
            positions = picked([row_values[by] for _, _, row_values, _ in group],
                               way_name == "latest")
            column, rows = [column[i] for i in positions], tuple(numbers[i] for i in positions)
            day = group[positions[0]][2][by]
            what = ((_("the activities of one provision with the latest {field}")
                     if way_name == "latest" else
                     _("the activities of one provision with the earliest {field}")).format(
                         field=by)
                    + (f" ({format_typed(day)})" if day is not None else
                       _(" (none has a {field}, so all)").format(field=by)))
            way_name = DEFAULT_WAY
        try:
            values[name] = COMBINATIONS[way_name].combine(column)
        except Conflict:
            values[name] = None
            reason = f"{CONFLICT}:{name}"
            if reason not in problems:
                problems.append(reason)
            shown = ", ".join(_("row {number} {value}").format(
                number=n, value=format_typed(v) or _("(missing)")) for n, v in zip(rows, column))
            messages.append(_("{what} differ in {field}: {values}").format(
                what=what, field=name, values=shown))
    troubled = {reason.partition(":")[2] for reason in problems}
    for name in program.schema.fields:
        written = [_raw_text(raw.get(name)) for _, raw, _, _ in group]
        if len(set(written)) == 1 and values.get(name) == first_values[name]:
            # Every activity wrote the same and that is the provision's value: keep its form.
            text[name] = written[0]
        elif name in troubled:
            # Unreadable or in conflict: show what the first row that has a value wrote.
            text[name] = next((w for w in written if w.strip()), "")
        else:
            text[name] = format_typed(values[name])
    return Provision(values, numbers, text, None, tuple(problems), tuple(messages))


def _split(program: ir.Program, provision: Provision) -> Iterator[Provision]:
    if not program.trajectories or len(provision.rows) > 1 and provision.problems:
        yield provision
        return
    matching = [t for t in program.trajectories if evaluate(t.condition, provision.values)]
    if not matching:
        yield provision
        return
    if len(matching) > 1:
        names = _(" and ").join(f"'{t.name}'" for t in matching)
        yield attrs.evolve(
            provision, problems=(*provision.problems, AMBIGUOUS_TRAJECTORY),
            messages=(*provision.messages,
                      _("the record is a trajectory of two kinds: {names}").format(names=names)),
        )
        return
    for component in matching[0].components:
        values = dict(provision.values)
        text = dict(provision.text)
        for name, value in component.assignments:
            values[name] = value
            text[name] = format_typed(value)
        # A source record need not have the fields its provisions get from the trajectory (a
        # coach-cursus row has no category of its own): problems there are overwritten, unless
        # a computed value reads the field.
        read = {name for _, expression in component.derived for name in _reads(expression)}
        kept = [(reason, message) for reason, message in zip(provision.problems, provision.messages)
                if _problem_field(reason) not in component.sets or _problem_field(reason) in read]
        troubled = {_problem_field(reason) for reason, _ in kept}
        for name, expression in component.derived:
            # Every expression reads the source record: `x = y, y = x` swaps.
            value, problem = _derive(program, name, expression, provision.values)
            values[name] = value
            text[name] = format_typed(value) if value is not None else ""
            if problem is not None and not troubled & set(_reads(expression)):
                kept.append((problem.reason, _(
                    "{rows}: {field}: {problem} (computed by yields {component})").format(
                        rows=_rows_words(provision.rows), field=name, problem=problem.message,
                        component=component.name)))
        yield attrs.evolve(
            provision, values=values, text=text, component=component.name,
            problems=tuple(dict.fromkeys(r for r, _ in kept)), messages=tuple(m for _, m in kept),
        )


def _reads(expression: ir.Expression) -> tuple[str, ...]:
    """The source fields an assignment's expression reads."""
    if isinstance(expression, ir.TextJoin):
        return tuple(name for part in expression.parts for name in ir.fields_of(part))
    return tuple(ir.fields_of(expression))


def computed(expression: ir.Expression, values: Mapping[str, Any]) -> Any:
    """The value an assignment's expression computes from a source record's typed values
    (None: missing, as it is when a value it reads is missing or a date leaves the calendar).

    >>> computed(ir.TextJoin((ir.FieldValue("id"), ir.Constant("-2"))), {"id": "VB-1"})
    'VB-1-2'
    """
    if isinstance(expression, ir.TextJoin):
        parts = [computed(part, values) for part in expression.parts]
        return None if any(part is None for part in parts) else "".join(map(format_typed, parts))
    if isinstance(expression, ir.Constant):
        return expression.value
    if isinstance(expression, ir.FieldValue):
        return values[expression.name]
    if isinstance(expression, ir.DateShift):
        base = computed(expression.base, values)
        return None if base is None else dates.shift(base, expression.amount, expression.unit)
    raise ir.UnhandledNode(f"a trajectory's assignment cannot compute {expression!r}")


def _derive(program: ir.Program, name: str, expression: ir.Expression,
            values: Mapping[str, Any]) -> tuple[Any, Any]:
    """The computed value of field ``name``, read as the field's type like a source value
    (a join that is not a code of a code field is ``unknown_code:FIELD``; a missing value of a
    required field ``missing_value:FIELD``), and its problem, if any."""
    value = computed(expression, values)
    return program.schema.fields[name].read(None if value is None else format_typed(value))


def _rows_words(rows: tuple[int, ...]) -> str:
    return ngettext("row {rows}", "rows {rows}", len(rows)).format(rows="|".join(map(str, rows)))


def _row_problem(number: int, field: str | None, message: str) -> str:
    return _("row {number}: {field}: {problem}").format(number=number, field=field,
                                                        problem=message)


def _problem_field(reason: str) -> str | None:
    return reason.partition(":")[2] or None


# --- for the analysis ------------------------------------------------------------------------


def _assigned(component: ir.Component) -> ir.Condition:
    return ir.AllOf(tuple(ir.compare("eq", name, value) for name, value in component.assignments))


def _exists(condition: ir.Condition, names: Iterable[str], domains: Mapping[str, Any],
            program: ir.Program) -> ir.Condition:
    """There are values of the fields ``names`` for which ``condition`` holds.

    Exact over the analysis's finite domains: every value of a field behaves as one of its
    domain's points, so trying each point (and missing, for an optional field) decides it.
    """
    names = list(dict.fromkeys(names))
    choices = []
    for name in names:
        # Missing too, even for a required field: a source record need not have the fields a
        # trajectory sets (they are overwritten, see _split).
        choices.append([*domains[name].points, None])
    combinations = list(itertools.islice(itertools.product(*choices), _MAX_SPLIT_POINTS + 1))
    if len(combinations) > _MAX_SPLIT_POINTS:
        raise ValueError("a trajectory sets too many fields for an exact analysis")
    return ir.AnyOf(tuple(ir.with_constants(condition, dict(zip(names, combo))) for combo in combinations))


def _source(program: ir.Program, trajectory: ir.Trajectory) -> ir.Condition:
    """A source record that this trajectory, and no other, splits."""
    others = tuple(ir.Not(t.condition) for t in program.trajectories if t is not trajectory)
    return ir.AllOf((trajectory.condition, *others))


def provision_space(program: ir.Program, domains: Mapping[str, Any]) -> ir.Condition | None:
    """The provision records the registration level can produce (None: every record).

    A provision is a source record no trajectory matches, or a component of a record exactly
    one trajectory matches: its set fields have the component's values, and some values of
    those fields (the source's) made the trajectory match.
    """
    if not program.trajectories:
        return None
    unsplit = ir.Not(ir.AnyOf(tuple(t.condition for t in program.trajectories)))
    parts: list[ir.Condition] = [unsplit]
    for trajectory in program.trajectories:
        source = _source(program, trajectory)
        for component in trajectory.components:
            parts.append(_made(component, source, domains, program))
    return ir.AnyOf(tuple(parts))


def _made(component: ir.Component, source: ir.Condition, domains: Mapping[str, Any],
          program: ir.Program) -> ir.Condition:
    """The provisions ``component`` makes of the source records meeting ``source``: its
    constants set, and some source values of the fields it sets meet ``source`` and give
    its computed values (see :func:`approximated` for where that is not exact)."""
    if not component.derived:
        names = [name for name, _ in component.assignments]
        return ir.AllOf((_assigned(component), _exists(source, names, domains, program)))
    names = list(dict.fromkeys(component.sets))
    choices = [[*domains[name].points, None] for name in names]
    combinations = list(itertools.islice(itertools.product(*choices), _MAX_SPLIT_POINTS + 1))
    if len(combinations) > _MAX_SPLIT_POINTS:
        raise ValueError("a trajectory sets too many fields for an exact analysis")
    made = []
    for combination in combinations:
        chosen = dict(zip(names, combination))
        made.append(ir.AllOf((
            ir.with_constants(source, chosen),
            *(_gives(name, expression, chosen) for name, expression in component.derived),
        )))
    return ir.AllOf((_assigned(component), ir.AnyOf(tuple(made))))


def _gives(name: str, expression: ir.Expression, chosen: Mapping[str, Any]) -> ir.Condition:
    """The provision's ``name`` is what ``expression`` computes from a source record whose
    fields in ``chosen`` have those values (the others are the provision's own). Exact for a
    field's value; a moved date of a chosen field or a text join may be anything (true)."""
    if not isinstance(expression, ir.FieldValue):
        fields = set(_reads(expression))
        if isinstance(expression, ir.DateShift) and not fields & set(chosen):
            # The provision's date is the moved date of its own (unchanged) field, or missing
            # (the field is, or the move leaves the calendar). The encoder over-approximates
            # a shift between two fields.
            return ir.AnyOf((_same(name, expression, next(iter(fields))),
                             ir.Not(ir.IsPresent(name))))
        return ir.AllOf(())
    if expression.name not in chosen:
        return _same(name, expression, expression.name)
    value = chosen[expression.name]
    if value is None:
        return ir.Not(ir.IsPresent(name))
    return ir.compare("eq", name, value)


def _same(name: str, expression: ir.Operand, read: str) -> ir.Condition:
    equal = ir.Compare("eq", ir.FieldValue(name), expression)
    missing = ir.AllOf((ir.Not(ir.IsPresent(name)), ir.Not(ir.IsPresent(read))))
    return ir.AnyOf((equal, missing))


def approximated(program: ir.Program) -> list[tuple[ir.Trajectory, ir.Component, str]]:
    """The computed fields of trajectory provisions that the analysis takes to be any value
    (a text join; a date moved from a field the same clause sets) or over-approximates (a date
    moved from another field): a finding that rests on a record reading one of them may show
    a provision the registration level cannot make, so it is reported as approximated."""
    found = []
    for trajectory in program.trajectories:
        for component in trajectory.components:
            for name, expression in component.derived:
                if not isinstance(expression, ir.FieldValue):
                    found.append((trajectory, component, name))
    return found


def source_record(program: ir.Program, condition: ir.Condition, component: str,
                  provision: Mapping[str, Any], domains: Mapping[str, Any]) -> dict[str, Any] | None:
    """A source record meeting ``condition`` that yields ``provision`` as its ``component``:
    the provision with the fields the component sets put back to values the trajectory
    matched (None if there is none, which the analysis never asks)."""
    for trajectory in program.trajectories:
        for part in trajectory.components:
            if part.name != component:
                continue
            names = list(dict.fromkeys(part.sets))
            choices = [[*domains[name].points, None] for name in names]
            source = ir.AllOf((condition, _source(program, trajectory)))
            for combination in itertools.islice(itertools.product(*choices), _MAX_SPLIT_POINTS):
                record = {**provision, **dict(zip(names, combination))}
                if evaluate(source, record) and all(
                        computed(expression, record) == provision[name]
                        for name, expression in part.derived):
                    return record
    return None


def split_expectation(program: ir.Program, expectation: ir.Expectation,
                      domains: Mapping[str, Any]) -> list[tuple[ir.Condition, ir.Outcome, str | None]]:
    """The questions an expectation asks of provision records.

    An expectation with at most one type speaks of provisions, as it does without trajectories:
    every provision meeting the condition has the outcomes (the analysis already considers only
    the provisions the registration level can make). An expectation listing several types
    speaks of the source records meeting the condition: a trajectory must split each of them
    into as many provisions as there are types, whose types are the listed ones in the order
    of its ``yields`` clauses; a record no trajectory splits has one provision, so it cannot
    meet such an expectation.

    Returns (condition on the provision, outcome, component name) triples. A count of types
    that can never match becomes a question no provision can pass (type ``""``).
    """
    condition = expectation.condition
    types = expectation.types
    if len(types) <= 1:
        return [(condition, outcome, None) for outcome in expectation.outcomes]
    impossible = ir.Outcome("type", "")
    unsplit = ir.AllOf((condition, ir.Not(ir.AnyOf(tuple(t.condition for t in program.trajectories)))))
    questions: list[tuple[ir.Condition, ir.Outcome, str | None]] = [(unsplit, impossible, None)]
    for trajectory in program.trajectories:
        source = ir.AllOf((condition, _source(program, trajectory)))
        for index, component in enumerate(trajectory.components):
            provision = _made(component, source, domains, program)
            wanted = types[index] if len(types) == len(trajectory.components) else ""
            questions.append((provision, ir.Outcome("type", wanted), component.name))
    return questions
