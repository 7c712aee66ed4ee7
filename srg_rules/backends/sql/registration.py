"""The registration level in SQL: source rows -> provision records -> decisions, in one query.

Place in the pipeline: before the per-record query of :mod:`srg_rules.backends.sql.query`,
for a program with ``activities`` or ``trajectory`` statements; :mod:`srg_rules.filerun` runs
it on DuckDB, :mod:`srg_rules.pgrun` on PostgreSQL, :mod:`srg_rules.sparkrun` on Spark. Input: a program and a relation of raw source rows (every declared field a text
column, as CSV carries it, and a column marking malformed rows). Output: one ``SELECT``
holding a row per provision, exactly as :func:`srg_rules.run.run_source` writes it: the
declared fields (as :attr:`srg_rules.registration.Provision.text` has them), ``component``
(with trajectories), ``source_rows``, ``status``, ``type``, ``reasons`` (and ``warnings``).

The steps are those of :mod:`srg_rules.registration`, each a derived table:

1. **numbered**: every row gets its number in reading order (``ROW_NUMBER() OVER ()``; the
   numbers of :func:`srg_rules.run.run_source`, malformed rows included);
2. **read**: each field of a readable row read as the per-record query reads it
   (:class:`~srg_rules.backends.sql.reading.Reader`): its value, its problem;
3. **grouped**: the rows of one key (a row whose key has a problem is alone) are one
   provision, each field combined by its way, as window aggregates over
   ``PARTITION BY`` the key in row order, keeping each partition's first row (a ``GROUP BY``
   held every group's aggregate states in memory; a window's sort spills to disk): ``same`` (a conflict when ``MIN`` and ``MAX`` differ or
   only some values are present), ``earliest``/``latest`` (``MIN``/``MAX``),
   ``latest_or_missing``, ``sum`` (exact, as DECIMAL(38,0)), ``any``/``all`` (``MAX``/``MIN``
   of 0/1); ``by latest DATE`` picks the rows at the group's latest date with a window
   ``MAX(...) OVER (PARTITION BY key)``. The problems come in the order Python finds them:
   each possible reason's first row, ranked (row, field), then the conflicts in the order of
   the ``activities`` statement. The lineage is ``STRING_AGG`` of the row numbers in order;
4. **split**: the trajectories' conditions over the provision's values; a provision that one
   trajectory matches becomes one ``SELECT`` per ``yields`` clause (constants set, computed
   values read as their field's type, the problems of the fields a clause sets dropped),
   combined with ``UNION ALL``; one that two match is rejected ``ambiguous_trajectory``;
5. **decided**: the per-record query over each provision's values, written as texts that
   read back to exactly those values, with the provision's problems in place of the field
   problems (:class:`~srg_rules.backends.sql.query.Query`'s ``problems``), and the
   ``unique`` statements as window counts (:mod:`srg_rules.backends.sql.unique`);
6. **ordered**: provisions by the number of their first row, then the ``yields`` clause;
   the malformed rows after them, by number, rejected ``malformed_row``.

Numbers: :func:`guard` is a condition on a read row that the caller must find in no row
before trusting the query (a number that is not an integer of at most 15 digits, whose DOUBLE
would compare, sum or print other than Python's int or float); :func:`unsupported` says why a
program cannot be written at all (a computed date; a ``unique`` key with a number field).

Invariants: every readable source row is in the ``source_rows`` of at least one provision and
every malformed row is a row of its own, so nothing is dropped; the query does not depend on
row order other than the numbering of step 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlglot import exp

from ... import ir
from ...combine import DEFAULT_WAY
from ...decision import AMBIGUOUS_TRAJECTORY, CONFLICT, Status
from ...records import MALFORMED_ROW, REASON_SEPARATOR
from ...schema import Field, format_typed
from .builders import (
    Plan,
    and_,
    case,
    column,
    comparison,
    ident,
    is_not_null,
    is_null,
    not_,
    or_,
    string,
    strip,
)
from .conditions import Conditions
from .query import Query, internal_prefix
from .reading import Reader
from .unique import select_with_unique

__all__ = ["COMPONENT", "SOURCE_ROWS", "guard", "select_source", "unsupported"]

COMPONENT = "component"
SOURCE_ROWS = "source_rows"

# Clauses of one trajectory a provision may become: the order key is first row * this + clause.
_CLAUSES = 1024
# A number this backend combines and prints as Python does: an integer of at most 15 digits
# (exact as a DOUBLE, so equal, ordered and summed as Python's int).
_EXACT_DIGITS = 15


def unsupported(program: ir.Program) -> str | None:
    """Why the program's registration level cannot be written in SQL (None: it can)."""
    for trajectory in program.trajectories:
        for component in trajectory.components:
            for name, expression in component.derived:
                parts = expression.parts if isinstance(expression, ir.TextJoin) else (expression,)
                if not all(isinstance(p, (ir.FieldValue, ir.Constant)) for p in parts):
                    return (f"trajectory {trajectory.name}: yields {component.name} computes "
                            f"{name} with date arithmetic")
    fields = program.schema.fields
    if any(fields[name].type.base == "number" for s in program.unique for name in s.key):
        return "a unique key with a number field"
    return None


def guard(program: ir.Program, rows: exp.Expression, malformed: str) -> exp.Select | None:
    """A query counting the readable rows of ``rows`` holding a number this backend does not
    treat as Python does (see the module's docstring); None when the program has no number
    field. The caller runs the rows the Python way when the count is not 0."""
    numbers = [f for f in program.schema.fields.values() if f.type.base == "number"]
    if not numbers:
        return None
    prefix = internal_prefix(program.schema.fields)
    plan = Plan(prefix)
    tests = []
    for field in numbers:
        reader = Reader(plan, field, column(field.name), None)
        tests.append(and_([is_not_null(reader.value), not_(and_([
            reader.integer, comparison("le", exp.Length(this=reader.digits),
                                       exp.Literal.number(_EXACT_DIGITS))]))]))
    relation = _staged(plan, _where(rows, not_(column(malformed))), f"{prefix}g")
    return _select([exp.Count(this=exp.Star())], relation, or_(tests))


def _select(items: Sequence[exp.Expression], relation: exp.Expression,
            where: exp.Expression | None = None) -> exp.Select:
    """``SELECT items FROM relation [WHERE where]``, built in place: sqlglot's builders copy
    the whole tree at each step, which made building this query quadratic."""
    select = exp.Select(expressions=list(items))
    select.set("from_", exp.From(this=relation))
    if where is not None:
        select.set("where", exp.Where(this=where))
    return select


def _named(expression: exp.Expression, name: str, quoted: bool = True) -> exp.Expression:
    """``expression AS "name"``."""
    return exp.Alias(this=expression, alias=exp.to_identifier(name, quoted=quoted))


def _where(rows: exp.Expression, condition: exp.Expression) -> exp.Select:
    return _select([exp.Star()], _sub(rows, "_srg_rows"), condition)


def _sub(relation: exp.Expression, alias: str) -> exp.Expression:
    if isinstance(relation, exp.Subquery):
        relation = relation.this
    return exp.Subquery(this=relation, alias=exp.TableAlias(this=ident(alias)))


def _staged(plan: Plan, relation: exp.Expression, name: str) -> exp.Expression:
    """``relation`` with the plan's values added, stage by stage (as the query does)."""
    current = _sub(relation, f"{name}0")
    for index, names in enumerate(plan.stages(), start=1):
        values = [_named(plan.expressions[n], n) for n in names]
        current = _sub(_select([exp.Star(), *values], current), f"{name}{index}")
    return current


def _concat_ws(items: Sequence[exp.Expression]) -> exp.Expression:
    """The items that are not NULL, joined with ``|``; NULL when none is."""
    if not items:
        return exp.cast(exp.Null(), "VARCHAR")
    joined = exp.ConcatWs(expressions=[string(REASON_SEPARATOR), *items], coalesce=True)
    return exp.Nullif(this=joined, expression=string(""))


def _concat(items: Sequence[exp.Expression]) -> exp.Expression:
    """``a || b || ...``: NULL when any is (``||`` propagates NULL in DuckDB and PostgreSQL)."""
    result = items[0]
    for item in items[1:]:
        result = exp.DPipe(this=result, expression=item, safe=False)
    return result


def _substring(text: exp.Expression, start: int, length: int | None = None) -> exp.Expression:
    return exp.Substring(this=text, start=exp.Literal.number(start),
                         length=exp.Literal.number(length) if length is not None else None)


def _canonical(field: Field, value: exp.Expression) -> exp.Expression:
    """A value as combined (a number's DOUBLE or sum, a boolean's 0/1, a date's YYYYMMDD) as
    a text the field reads back as exactly that value; NULL for NULL."""
    base = field.type.base
    if base == "number":
        return exp.cast(exp.cast(value, "DECIMAL(38, 0)"), "VARCHAR")
    if base == "boolean":
        return case([(comparison("eq", value, exp.Literal.number(1)), string("true")),
                     (comparison("eq", value.copy(), exp.Literal.number(0)), string("false"))])
    if field.type.name == "month":
        return _substring(value, 1, 6)
    return value


def _written(field: Field, canonical: exp.Expression) -> exp.Expression:
    """:func:`srg_rules.schema.format_typed` of a value, from its canonical text."""
    if field.type.name == "month":
        return _concat([_substring(canonical, 1, 4), string("-"), _substring(canonical.copy(), 5, 2)])
    if field.type.base == "date":
        return _concat([_substring(canonical, 1, 4), string("-"), _substring(canonical.copy(), 5, 2),
                        string("-"), _substring(canonical.copy(), 7, 2)])
    return canonical


def _aggregable(reader: Reader) -> exp.Expression:
    """A row's value in the form the aggregates combine: a boolean as 0/1 (PostgreSQL has no
    MIN of booleans), any other as the reader's value."""
    if reader.kind == "boolean":
        return case([(reader.value, exp.Literal.number(1)),
                     (not_(reader.value.copy()), exp.Literal.number(0))])
    return reader.value


def _reasons(field: Field) -> list[str]:
    """The problems reading ``field`` can give, in the order the reader tells them."""
    found = [] if field.optional else [f"missing_value:{field.name}"]
    return [*found, f"{field.type.problem_code}:{field.name}"]


def _count(condition: exp.Expression) -> exp.Expression:
    return exp.Sum(this=case([(condition, exp.Literal.number(1))], exp.Literal.number(0)))


def select_source(program: ir.Program, rows: exp.Expression, malformed: str, *,
                  reading_order: str | None = None, materialized: bool = True) -> exp.Select:
    """The decided provisions of the source rows ``rows`` (a relation of the declared fields'
    raw texts, absent fields included as NULL, and ``malformed``, a boolean column of
    unreadable rows), ordered as described in the module's docstring. The caller checks
    :func:`unsupported` and :func:`guard` first.

    ``reading_order``: a column of ``rows`` whose order is the reading order (Spark numbers
    rows only by an ordered window); None: the order the relation is scanned in
    (``ROW_NUMBER() OVER ()``, DuckDB and PostgreSQL). ``materialized``: the provisions
    that trajectories split are a ``MATERIALIZED`` common table expression (computed once);
    false for a dialect without it (Spark), where the plain one is planned as it sees fit."""
    parts = source_parts(program, rows, malformed, reading_order=reading_order,
                         materialized=materialized)
    read = parts.read(parts.numbered())
    return parts.decided(parts.provisions(read), parts.numbered())


class SourceParts:
    """:func:`select_source`'s query in parts, for a runner that keeps what lies between them
    in tables (:mod:`srg_rules.filerun`: DuckDB keeps every aggregate state of a text value
    in memory, so it computes the provisions a slice of keys at a time).

    ``numbered()``: the source rows with their number in reading order, column ``row``;
    ``read(numbered)``: the readable rows as the grouping reads them; ``provisions(read)``:
    one row per provision of the rows of ``read`` (any set of whole ``partition`` values:
    the rows of one provision share them); ``decided(provisions, numbered)``: the decided,
    ordered rows of every provision and every malformed row. Each relation is a
    ``SELECT``, so that a table is passed as ``SELECT * FROM table``."""

    def __init__(self, row: str, partition: Sequence[str],
                 numbered: Callable[[], exp.Select],
                 read: Callable[[exp.Select], exp.Select],
                 provisions: Callable[[exp.Select], exp.Select],
                 decided: Callable[[exp.Select, exp.Select], exp.Select]):
        self.row = row
        self.partition = list(partition)
        self.numbered = numbered
        self.read = read
        self.provisions = provisions
        self.decided = decided


def source_parts(program: ir.Program, rows: exp.Expression, malformed: str, *,
                 reading_order: str | None = None, materialized: bool = True) -> SourceParts:
    """:func:`select_source` in parts (see :class:`SourceParts`); the same arguments."""
    assert program.has_registration
    fields = program.schema.fields
    names = list(fields)
    prefix = internal_prefix([*names, malformed, COMPONENT, SOURCE_ROWS,
                              *([reading_order] if reading_order is not None else [])])

    def own(hint: str) -> str:
        return f"{prefix}{hint}"

    row = own("row")

    def numbered() -> exp.Select:
        # Built twice (the readable rows, the malformed ones): each scan numbers the rows in
        # reading order, as the unique statements' numbering relies on too.
        order = exp.Order(expressions=[exp.Ordered(this=column(reading_order))]) \
            if reading_order is not None else None
        return _select([exp.Star(), _named(exp.Window(this=exp.RowNumber(), order=order), row,
                                           quoted=True)], _sub(rows.copy(), own("rows")))

    # 2. read
    plan = Plan(own("r_"))
    readers = {name: Reader(plan, field, column(name), None) for name, field in fields.items()}
    aggregable = {name: plan.bind("a", _aggregable(r)) for name, r in readers.items()}
    canonical = {name: plan.bind("k", _canonical(fields[name], aggregable[name]))
                 for name in names}
    reason = {name: plan.bind("p", case([(r.bad, r.reason)])) for name, r in readers.items()}
    written = {name: plan.bind("w", exp.Coalesce(this=column(name), expressions=[string("")]))
               for name in names}
    activities = program.activities
    key = list(activities.key) if activities is not None else []
    alone = plan.bind("alone", case([(or_([readers[k].bad for k in key]), column(row))])) \
        if key else column(row)
    # Only what the grouping reads goes on: the windows hold every column they are given,
    # and the readers' intermediate values are many.
    needed = [column(row), *([alone] if key else []),
              *(c for values in (aggregable, canonical, reason, written) for c in values.values())]
    partition_names = [c.name for c in [alone, *(aggregable[k] for k in key)]] if key else [row]

    def read_rows(numbered_rows: exp.Select) -> exp.Select:
        # The plan's expressions go into this tree as they are: built once per query.
        staged = _staged(plan, _where(numbered_rows, not_(column(malformed))), own("read"))
        return _select([c.copy() for c in needed], staged)

    def provisions(read_rows: exp.Select) -> exp.Select:
        read = _sub(read_rows, own("narrow"))
        # 3. grouped
        partition = [alone.copy(), *(aggregable[k].copy() for k in key)]
        ways = dict(activities.ways) if activities is not None else {}
        ordered_by = dict(activities.ordered_by) if activities is not None else {}
        windows = [_named(exp.Window(this=exp.Min(this=column(row)), partition_by=partition),
                              own("first"), quoted=True)]
        extreme = {}
        for name, by in ordered_by.items():
            latest = ways[name] == "latest"
            extreme[name] = own(f"x{names.index(name)}")
            aggregate = exp.Max if latest else exp.Min
            windows.append(_named(exp.Window(
                this=aggregate(this=aggregable[by].copy()),
                partition_by=[p.copy() for p in partition]), extreme[name], quoted=True))
        windowed = _select([exp.Star(), *windows], read)

        first_row = column(own("first"))
        grouped: dict[str, exp.Expression] = {
            own("first"): exp.Min(this=column(row)),
            own("n"): exp.Count(this=exp.Star()),
            SOURCE_ROWS: exp.GroupConcat(
                this=exp.Order(this=exp.cast(column(row), "VARCHAR"),
                               expressions=[exp.Ordered(this=column(row))]),
                separator=string(REASON_SEPARATOR)),
        }
        conflicts: list[tuple[str, str]] = []  # (field, its conflict flag column)
        combined: dict[str, str] = {}
        for name in names:
            index = names.index(name)
            a = aggregable[name]
            way = ways.get(name, DEFAULT_WAY) if name not in key else "key"
            value_name = own(f"c{index}")
            combined[name] = value_name
            if name in ordered_by:
                picked = or_([comparison("eq", aggregable[ordered_by[name]].copy(),
                                         column(extreme[name])), is_null(column(extreme[name]))])
                chosen = case([(picked, a.copy())])
                count_chosen = _count(picked.copy())
                way = DEFAULT_WAY
            else:
                chosen = a.copy()
                count_chosen = exp.Count(this=exp.Star())
            if way == DEFAULT_WAY:
                conflict = or_([
                    # Two distinct values: MIN and MAX differ (COUNT(DISTINCT) keeps a hash
                    # table of every value per aggregate, which does not spill).
                    comparison("ne", exp.Min(this=chosen.copy()), exp.Max(this=chosen.copy())),
                    and_([comparison("gt", exp.Count(this=chosen.copy()), exp.Literal.number(0)),
                          comparison("lt", exp.Count(this=chosen.copy()), count_chosen)])])
                flag = own(f"conflict{index}")
                grouped[flag] = conflict
                conflicts.append((name, flag))
                # The flag is an aggregate: the value's CASE is written in the next table.
                grouped[value_name] = exp.Min(this=chosen)
                continue
            value: exp.Expression
            if way in ("key", "earliest", "all"):
                value = exp.Min(this=chosen)
            elif way in ("latest", "any"):
                value = exp.Max(this=chosen)
            elif way == "latest_or_missing":
                value = case([(comparison("lt", exp.Count(this=chosen.copy()), exp.Count(this=exp.Star())),
                               exp.Null())], exp.Max(this=chosen))
            elif way == "sum":
                value = exp.Sum(this=exp.cast(chosen, "DECIMAL(38, 0)"))  # exact
            else:
                raise ValueError(f"no SQL for combining by {way!r}")
            grouped[value_name] = value
        for name in names:
            index = names.index(name)
            for position, text in enumerate(_reasons(fields[name])):
                grouped[own(f"f{index}_{position}")] = exp.Min(this=case([
                    (comparison("eq", reason[name].copy(), string(text)), column(row))]))
            grouped[own(f"pr{index}")] = exp.Max(this=reason[name].copy())
            w = written[name]
            grouped[own(f"ws{index}")] = comparison("eq", exp.Min(this=w.copy()), exp.Max(this=w.copy()))
            grouped[own(f"w{index}")] = exp.Min(this=w.copy())
            grouped[own(f"fv{index}")] = exp.Max(this=case([
                (comparison("eq", column(row), first_row.copy()), canonical[name].copy())]))
            # The first written text that is not blank: its row's number, zero-padded to order
            # as text, then the text itself (an arg-min every dialect writes the same).
            nonblank = comparison("ne", strip(w.copy()), string(""))
            grouped[own(f"nb{index}")] = _substring(exp.Min(this=case([(nonblank, _concat([
                exp.Anonymous(this="lpad", expressions=[
                    exp.cast(column(row), "VARCHAR"), exp.Literal.number(20), string("0")]),
                w.copy()]))])), 21)
        group_by = [alone.copy(), *(aggregable[k].copy() for k in key)]
        # Not a GROUP BY: DuckDB's hash aggregate holds every group's states (about eight per
        # field) in memory, while a window over the key sorts, and its sort spills. Every
        # aggregate is taken over the whole partition in row order, and the first row of each
        # partition is kept.
        whole = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                               end="UNBOUNDED", end_side="FOLLOWING")

        def over(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.Window):
                if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order):
                    node.set("this", node.this.this)  # the window's order
                return exp.Window(this=node, partition_by=[g.copy() for g in group_by],
                                  order=exp.Order(expressions=[exp.Ordered(this=column(row))]),
                                  spec=whole.copy())
            return node

        windowed_values = [_named(e.transform(over), n) for n, e in grouped.items()]
        groups = _select([column(row), *windowed_values], _sub(windowed, own("windowed")))
        groups = _select([exp.Star()], _sub(groups, own("partitions")),
                         comparison("eq", column(row), column(own("first"))))

        # 3b. the provision: its values as texts, its problems in order, its written texts
        n = column(own("n"))
        provision: dict[str, exp.Expression] = {own("first"): first_row.copy(), own("n"): n,
                                                SOURCE_ROWS: column(SOURCE_ROWS)}
        conflict_flags = dict(conflicts)
        value_texts: dict[str, exp.Expression] = {}
        for name in names:
            index = names.index(name)
            value = column(combined[name])
            if name in conflict_flags:
                value = case([(column(conflict_flags[name]), exp.Null())], value)
            provision[own(f"pr{index}")] = column(own(f"pr{index}"))
            # Named in a table of its own: the written texts below compare with it, and
            # PostgreSQL does not let a select list use a name it defines.
            value_texts[own(f"v{index}")] = _canonical(fields[name], value)
            provision[own(f"v{index}")] = column(own(f"v{index}"))
        candidates = [(own(f"f{names.index(name)}_{position}"), text)
                      for name in names for position, text in enumerate(_reasons(fields[name]))]
        # Each present candidate's place among them: how many come before it, by (first row,
        # candidate order); named in a table of their own, so each is computed once.
        ranks: dict[str, exp.Expression] = {}
        for k, (first_k, _) in enumerate(candidates):
            before = [and_([is_not_null(column(first_j)), or_([
                comparison("lt", column(first_j), column(first_k)),
                comparison("eq", column(first_j), column(first_k))] if j < k else [
                comparison("lt", column(first_j), column(first_k))])])
                for j, (first_j, _) in enumerate(candidates) if j != k]
            ranks[own(f"rank{k}")] = _sum_flags(before) if before else exp.Literal.number(0)
        groups = _select([exp.Star(), *(_named(e, n_, quoted=True) for n_, e in ranks.items())],
                         _sub(groups, own("grouped")))
        slots = []
        for position in range(len(candidates)):
            slots.append(case([(and_([is_not_null(column(first_k)),
                                      comparison("eq", column(own(f"rank{k}")),
                                                 exp.Literal.number(position))]), string(text))
                               for k, (first_k, text) in enumerate(candidates)]))
        activity_conflicts = [case([(column(flag), string(f"{CONFLICT}:{name}"))])
                              for name, flag in conflicts if name in ways]
        provision[own("pre")] = _concat_ws([*slots, *activity_conflicts])
        problems_of = {name: or_([*(is_not_null(column(own(f"f{names.index(name)}_{p}")))
                                    for p in range(len(_reasons(fields[name])))),
                                  *([column(conflict_flags[name])] if name in conflict_flags
                                    and name in ways else [])])
                       for name in names}
        for name in names:
            index = names.index(name)
            text_value = column(own(f"v{index}"))
            provision[own(f"o{index}")] = case([
                (comparison("eq", n.copy(), exp.Literal.number(1)), column(own(f"w{index}"))),
                (and_([column(own(f"ws{index}")), or_([
                    and_([is_null(text_value.copy()), is_null(column(own(f"fv{index}")))]),
                    _equal(text_value.copy(), column(own(f"fv{index}")))])]),
                 column(own(f"w{index}"))),
                (problems_of[name], exp.Coalesce(this=column(own(f"nb{index}")),
                                                 expressions=[string("")])),
            ], exp.Coalesce(this=_written(fields[name], text_value.copy()), expressions=[string("")]))
        valued = _select([exp.Star(), *(_named(e, n_, quoted=True) for n_, e in value_texts.items())],
                         _sub(groups, own("groups")))
        made = _select([_named(e, n_, quoted=True) for n_, e in provision.items()],
                       _sub(valued, own("valued")))

        return made

    def decided(made: exp.Select, numbered_rows: exp.Select) -> exp.Select:
        # 4. split
        split = _split(program, made, prefix, names)

        # 5. decided
        query = Query(program, list(split.columns), "text", None,
                      field_columns={name: own(f"v{names.index(name)}") for name in names},
                      problems=own("pre"))
        passthrough = [_named(exp.Nullif(this=column(own(f"o{names.index(name)}")),
                                             expression=string("")), name, quoted=True)
                       for name in names]
        if program.trajectories:
            passthrough.append(_named(column(COMPONENT), COMPONENT, quoted=True))
        passthrough += [_named(column(SOURCE_ROWS), SOURCE_ROWS, quoted=True),
                        _named(column(own("order")), own("order"), quoted=True)]
        decided = select_with_unique(query, split.select, passthrough, None, order=own("order"))
        outputs = list(query.outputs)

        # 6. ordered, the malformed rows last
        lost = [_named(exp.Nullif(this=column(name), expression=string("")), name, quoted=True)
                for name in names]
        if program.trajectories:
            lost.append(_named(exp.cast(exp.Null(), "VARCHAR"), COMPONENT, quoted=True))
        lost += [_named(exp.cast(column(row), "VARCHAR"), SOURCE_ROWS, quoted=True),
                 _named(column(row), own("order"), quoted=True)]
        lost += [_named(string(Status.REJECTED.value), "status", quoted=True),
                 _named(exp.cast(exp.Null(), "VARCHAR"), "type", quoted=True),
                 _named(string(MALFORMED_ROW), "reasons", quoted=True)]
        if "warnings" in outputs:
            lost.append(_named(exp.cast(exp.Null(), "VARCHAR"), "warnings", quoted=True))
        unreadable = _select(lost, _sub(numbered_rows, own("all")), column(malformed))
        kept = [*names, *([COMPONENT] if program.trajectories else []), SOURCE_ROWS, *outputs]
        both = exp.Union(this=_select(
            [*(column(c) for c in kept), column(own("order")),
             _named(exp.Literal.number(0), own("last"), quoted=True)],
            _sub(decided, own("decided"))), expression=_select(
            [*(column(c) for c in kept), column(own("order")),
             _named(exp.Literal.number(1), own("last"), quoted=True)],
            _sub(unreadable, own("unreadable"))), distinct=False)
        final = _select([column(c) for c in kept], _sub(both, own("both")))
        final.set("order", exp.Order(expressions=[exp.Ordered(this=column(own("last"))),
                                                  exp.Ordered(this=column(own("order")))]))
        if split.shared is not None:
            # The provisions, computed once for every yields clause that reads them.
            final.set("with_" if "with_" in exp.Select.arg_types else "with", exp.With(expressions=[exp.CTE(
                this=split.shared[1], alias=exp.TableAlias(this=ident(split.shared[0])),
                materialized=materialized or None)]))
        return final

    return SourceParts(row, partition_names, numbered, read_rows, provisions, decided)


def _equal(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=comparison("eq", left, right), expressions=[exp.false()])


def _sum_flags(flags: Sequence[exp.Expression]) -> exp.Expression:
    total: exp.Expression = case([(flags[0], exp.Literal.number(1))], exp.Literal.number(0))
    for flag in flags[1:]:
        total = exp.Add(this=total, expression=case([(flag, exp.Literal.number(1))],
                                                    exp.Literal.number(0)))
    return exp.Paren(this=total)


class _Split:
    def __init__(self, select: exp.Select, columns: Sequence[str],
                 shared: tuple[str, exp.Select] | None = None):
        self.select = select
        self.columns = list(columns)
        self.shared = shared


def _split(program: ir.Program, made: exp.Select, prefix: str, names: list[str]) -> _Split:
    """Step 4: each provision as it is, or as the provisions of the one trajectory it
    matches, each with its order key."""
    fields = program.schema.fields

    def own(hint: str) -> str:
        return f"{prefix}{hint}"

    values = {name: own(f"v{names.index(name)}") for name in names}
    texts = {name: own(f"o{names.index(name)}") for name in names}
    problems = {name: own(f"pr{names.index(name)}") for name in names}
    base = [own("first"), own("n"), SOURCE_ROWS, own("pre"), *values.values(), *texts.values(),
            *problems.values()]
    order = exp.Add(this=exp.Mul(this=exp.cast(column(own("first")), "BIGINT"),
                                 expression=exp.Literal.number(_CLAUSES)),
                    expression=exp.Literal.number(0))
    columns = [*(n for n in base if n not in problems.values()), own("order")]
    if program.trajectories:
        columns.insert(-1, COMPONENT)
    if not program.trajectories:
        select = _select([*(column(n) for n in base if n not in problems.values()),
                          _named(order, own("order"), quoted=True)], _sub(made, own("m")))
        return _Split(select, columns)

    plan = Plan(own("t_"))
    readers = {name: Reader(plan, fields[name], column(values[name]), None) for name in names}
    conditions = Conditions(plan, readers)
    splittable = not_(and_([comparison("gt", column(own("n")), exp.Literal.number(1)),
                            is_not_null(column(own("pre")))]))
    matches = [plan.bind("m", and_([splittable.copy(), conditions.condition(t.condition)]))
               for t in program.trajectories]
    how_many = plan.bind("nm", exp.Paren(this=_sum_of(
        [case([(m.copy(), exp.Literal.number(1))], exp.Literal.number(0)) for m in matches])))
    derived: dict[tuple[int, int, str], Reader] = {}
    for t_index, trajectory in enumerate(program.trajectories):
        for c_index, component in enumerate(trajectory.components):
            for name, expression in component.derived:
                parts = expression.parts if isinstance(expression, ir.TextJoin) else (expression,)
                pieces = [_piece(p, fields, values) for p in parts]
                raw = plan.bind("x", _concat(pieces))
                derived[(t_index, c_index, name)] = Reader(plan, fields[name], raw, None)
    shared_name = own("provisions")
    shared = _select([exp.Star()], _staged(plan, made, own("split")))

    def staged() -> exp.Expression:
        return exp.Table(this=ident(shared_name))

    def keep(name: str) -> exp.Expression:
        return column(name)

    common = [own("first"), own("n"), SOURCE_ROWS]
    branches: list[exp.Select] = []
    unsplit = [*(keep(n) for n in common),
               _named(case([(comparison("gt", how_many.copy(), exp.Literal.number(1)),
                                 _concat_ws([column(own("pre")), string(AMBIGUOUS_TRAJECTORY)]))],
                               column(own("pre"))), own("pre"), quoted=True),
               *(keep(values[n]) for n in names), *(keep(texts[n]) for n in names),
               _named(exp.cast(exp.Null(), "VARCHAR"), COMPONENT, quoted=True),
               _named(order, own("order"), quoted=True)]
    branches.append(_select(unsplit, staged(),
                            comparison("ne", how_many.copy(), exp.Literal.number(1))))
    for t_index, trajectory in enumerate(program.trajectories):
        for c_index, component in enumerate(trajectory.components):
            sets = set(component.sets)
            read = {f for _, e in component.derived for f in _reads(e)}
            kept = [n for n in names if n not in sets or n in read]
            own_values: dict[str, exp.Expression] = {n: column(values[n]) for n in names}
            own_texts: dict[str, exp.Expression] = {n: column(texts[n]) for n in names}
            for name, constant in component.assignments:
                own_values[name] = string(format_typed(constant))
                own_texts[name] = string(format_typed(constant))
            added: list[exp.Expression] = []
            for name, expression in component.derived:
                reader = derived[(t_index, c_index, name)]
                own_values[name] = case([(is_not_null(reader.value), reader.text)])
                own_texts[name] = case([(is_not_null(reader.value), reader.text.copy())],
                                       string(""))
                untroubled = [is_null(column(problems[f])) for f in _reads(expression) if f in kept]
                distinct = [not_(exp.Coalesce(this=comparison(
                    "eq", column(problems[name]), reader.reason.copy()),
                    expressions=[exp.false()]))] if name in kept else []
                added.append(case([(and_([reader.bad, *untroubled, *distinct]),
                                    reader.reason.copy())]))
            pre = _concat_ws([*(column(problems[n]) for n in kept), *added])
            clause_order = exp.Add(this=exp.Mul(this=exp.cast(column(own("first")), "BIGINT"),
                                                expression=exp.Literal.number(_CLAUSES)),
                                   expression=exp.Literal.number(c_index + 1))
            items = [*(keep(n) for n in common), _named(pre, own("pre"), quoted=True),
                      *(_named(own_values[n], values[n], quoted=True) for n in names),
                      *(_named(own_texts[n], texts[n], quoted=True) for n in names),
                      _named(string(component.name), COMPONENT, quoted=True),
                      _named(clause_order, own("order"), quoted=True)]
            branches.append(_select(items, staged(), and_([
                matches[t_index].copy(), comparison("eq", how_many.copy(), exp.Literal.number(1))])))
    union: exp.Expression = branches[0]
    for branch in branches[1:]:
        union = exp.Union(this=union, expression=branch, distinct=False)
    select = _select([exp.Star()], _sub(union, own("split")))
    return _Split(select, columns, (shared_name, shared))


def _piece(part: ir.Operand, fields: Mapping[str, Field], values: Mapping[str, str]) -> exp.Expression:
    """A part of a computed value as :func:`format_typed` writes it (NULL when missing)."""
    if isinstance(part, ir.Constant):
        return string(format_typed(part.value))
    assert isinstance(part, ir.FieldValue)  # unsupported() refuses any other
    return _written(fields[part.name], column(values[part.name]))


def _sum_of(items: list[exp.Expression]) -> exp.Expression:
    total = items[0]
    for item in items[1:]:
        total = exp.Add(this=total, expression=item)
    return total


def _reads(expression: ir.Expression) -> tuple[str, ...]:
    if isinstance(expression, ir.TextJoin):
        return tuple(name for part in expression.parts for name in ir.fields_of(part))
    return tuple(ir.fields_of(expression))

