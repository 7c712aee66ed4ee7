"""The query: a program becomes one SQL query over a relation of raw records.

Place in the pipeline: the SQL backend's entry (:func:`to_expression`, :func:`to_sql`; also
:class:`Query` for :mod:`srg_rules.filerun` and :mod:`srg_rules.backends.sql.running`).
Input: an :class:`ir.Program` and the relation's columns when known. Output: a sqlglot
``SELECT`` adding ``status``, ``type`` and ``reasons``, or its text in a dialect.

Every intermediate value (a field's text, value and problem, a define, a rule's match, the
verdicts) is named in a :class:`Plan` and computed once, in stages: each stage is a derived
table over the previous one (``SELECT *, <new values> FROM (...)``). The stages are
:mod:`~srg_rules.backends.sql.reading`, :mod:`~srg_rules.backends.sql.conditions` and
:mod:`~srg_rules.backends.sql.outcome`.

Invariants: the query's own names start with a prefix no input column starts with
(:func:`internal_prefix`); a construct a dialect cannot express is an error, never silently
different SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sqlglot
from sqlglot import exp

from ... import ir
from ...decision import VERBS
from .builders import Plan, column, ident, is_not_null
from .conditions import Conditions
from .outcome import decision_columns
from .reading import Reader

__all__ = ["DIALECTS", "Query", "STAR_EXCEPT_DIALECTS", "for_postgres", "internal_prefix",
           "output_names",
           "to_expression", "to_sql"]

DIALECTS = ("duckdb", "postgres", "spark")  # the dialects the tests run or check


def internal_prefix(taken: Iterable[str]) -> str:
    """A prefix for the query's own names that no input column starts with. DuckDB compares
    names without regard to case, so neither does this."""
    lowered = [name.lower() for name in taken]
    prefix = "_srg_"
    while any(name.startswith(prefix) for name in lowered):
        prefix = "_" + prefix
    return prefix


class Query:
    """A program's plan and its three output expressions, ready to be put over a source.

    :func:`to_expression` is the usual way in; :mod:`srg_rules.filerun` uses this directly
    to name its own columns. ``columns`` are the source's column names (None: unknown, see
    :func:`to_expression`); ``field_columns`` maps a field to the column it reads when that
    is not the field's own name; ``invalid_markers`` maps a field to a text that reads as a
    value of the wrong type; ``malformed`` names a boolean column of unreadable rows;
    ``problems`` names a text column holding the reasons found before the rules (joined with
    ``|``, NULL when none), which then take the place of the field problems (a provision's,
    :mod:`srg_rules.backends.sql.registration`); ``dialect`` is the dialect the query will
    be written in, when known (DuckDB gets its own, faster date check; None: SQL every
    dialect reads alike); ``column_types`` maps a source column to its SQL type, when known
    (a column whose type fits its field is read as it is; see :func:`to_expression`).
    """

    def __init__(self, program: ir.Program, columns: Sequence[str] | None,
                 reasons: str, malformed: str | None,
                 invalid_markers: Mapping[str, str] | None = None,
                 field_columns: Mapping[str, str] | None = None, lateral: bool = False,
                 problems: str | None = None, dialect: str | None = None,
                 column_types: Mapping[str, str] | None = None):
        if reasons not in ("text", "list"):
            raise ValueError(f"reasons must be 'text' or 'list', not {reasons!r}")
        schema = program.schema
        self.program = program
        self.columns = None if columns is None else list(columns)
        self.lateral = lateral and columns is None
        taken = [*(columns or ()), *schema.fields, *(field_columns or {}).values()]
        self.prefix = internal_prefix(taken)
        self.plan = Plan(self.prefix)
        known = None if columns is None else set(columns)
        self.readers: dict[str, Reader] = {}
        for name, field in schema.fields.items():
            source_column = (field_columns or {}).get(name, name)
            if known is not None and source_column not in known:
                raw: exp.Expression = exp.cast(exp.Null(), "VARCHAR")  # an absent column is missing
            else:
                raw = column(source_column, "src" if self.lateral else None)
            self.readers[name] = Reader(self.plan, field, raw,
                                        (invalid_markers or {}).get(name), dialect,
                                        (column_types or {}).get(source_column))
        conditions = Conditions(self.plan, self.readers, dialect)
        matched: dict[str, list[tuple[ir.CompiledRule, exp.Column]]] = {verb: [] for verb in VERBS}
        matched["warn"] = []  # no verb of the decision: its matches are the warnings
        for rule in program.rules:
            match = self.plan.bind(rule.verb, conditions.condition(rule.condition))
            matched[rule.verb].append((rule, match))
        if problems is None:
            found = [(reader.bad, reader.reason) for reader in self.readers.values()]
        else:
            found = [(self.plan.bind("pre", is_not_null(column(problems))), column(problems))]
        self.outputs = decision_columns(self.plan, found, matched, schema.output is not None,
                                        reasons, malformed)

    def _stages(self, relation: exp.Expr | None) -> exp.Expr:
        """The named values, stage by stage, each stage a derived table over the previous."""
        for index, names in enumerate(self.plan.stages(), start=1):
            values = [exp.alias_(self.plan.expressions[n], n, quoted=True, copy=False)
                      for n in names]
            # copy=False: each stage wraps the previous one as it is (copying it at every
            # stage made building a query quadratic in its stages).
            stage = exp.select(exp.Star(), *values, copy=False).from_(relation, copy=False) \
                if relation is not None else exp.select(*values, copy=False)
            relation = stage.subquery(ident(f"{self.prefix}stage{index}"), copy=False)
        assert relation is not None
        return relation

    def select(self, source: exp.Expression, passthrough: Sequence[exp.Expr] | None = None,
               hidden: Sequence[str] = ()) -> exp.Select:
        """The query over ``source`` (a table or a subquery); ``hidden`` names columns of
        ``source`` the output leaves out when the columns are not known."""
        outputs = [exp.alias_(e, name, quoted=True) for name, e in self.outputs.items()]
        if self.lateral:
            # Without EXCEPT, the values cannot ride along with columns that are not known:
            # they are computed in a LATERAL subquery per row instead.
            decided = exp.select(*outputs).from_(self._stages(None))
            lateral = exp.Lateral(this=decided.subquery(),
                                  alias=exp.TableAlias(this=ident(f"{self.prefix}decision")))
            query = exp.select(
                exp.Column(this=exp.Star(), table=ident("src")),
                *(column(name, f"{self.prefix}decision") for name in self.outputs),
            ).from_(_aliased(source, "src"))
            query.set("joins", [exp.Join(this=lateral, kind="CROSS")])
            return query
        relation = self._stages(_aliased(source, f"{self.prefix}input"))
        if self.columns is None:
            # The input's own columns, whatever they are, less the query's.
            star = exp.Star(except_=[column(name) for name in (*hidden, *self.plan.expressions)])
            return exp.select(star, *outputs).from_(relation)
        if passthrough is None:
            passthrough = [column(c) for c in self.columns if c not in self.outputs]
        return exp.select(*passthrough, *outputs).from_(relation)


def _aliased(source: exp.Expression, alias: str) -> exp.Expr:
    if isinstance(source, exp.Select):
        return source.subquery(ident(alias))
    return exp.alias_(source, ident(alias), table=True)


def _source(table: str | exp.Expression) -> exp.Expression:
    if isinstance(table, exp.Expression):
        return table
    # A name, possibly qualified (catalog.schema.table); each part quoted.
    parts = [ident(part) for part in table.split(".")]
    if not all(part.name for part in parts) or len(parts) > 3:
        raise ValueError(f"not a table name: {table!r}")
    return exp.Table(this=parts[-1], db=parts[-2] if len(parts) > 1 else None,
                     catalog=parts[-3] if len(parts) > 2 else None)


def to_expression(program: ir.Program, table: str | exp.Expression = "records", *,
                  columns: Sequence[str] | None = None, reasons: str = "text",
                  malformed: str | None = None, lateral: bool = False,
                  ordered: bool = True, dialect: str | None = None,
                  column_types: Mapping[str, str] | None = None) -> exp.Select:
    """The program as one query that adds ``status``, ``type`` and ``reasons`` to ``table``
    (and ``warnings``, the ids of the matching warn rules, when the program has warn rules).

    Args:
        program: a checked program.
        table: the records: a table name (``records``, ``db.records``; each part is quoted)
            or a sqlglot expression (a subquery, a table function).
        columns: the relation's column names, when known. The query then returns these
            columns (less status, type and reasons, which it replaces) and the three new
            ones. A declared field that is not among them is missing in every record.
            Without it, the query returns ``* EXCEPT (<its own columns>)`` and the three new
            ones (DuckDB writes EXCEPT as EXCLUDE; Spark has it from 4.0).
        reasons: ``"text"``: the reasons joined with ``|``, as a run writes them; ``"list"``:
            an array of texts.
        malformed: the name of a boolean column marking rows that could not be read; those
            are rejected with the reason ``malformed_row``.
        lateral: without ``columns``, compute the decision in a ``CROSS JOIN LATERAL``
            subquery per row instead of using EXCEPT (for PostgreSQL, which has no EXCEPT;
            DuckDB plans it very slowly).
        ordered: the rows come out in the order the query reads them from ``table``: each
            is numbered as it is read (``ROW_NUMBER() OVER ()``; in Spark
            ``MONOTONICALLY_INCREASING_ID()``), and the query ends with ``ORDER BY`` that
            number, which is not among the output columns. Without it DuckDB may return
            the rows in another order (it turns a long ``IN`` list into a join). The
            ``lateral`` form is not numbered. False: no numbering and no ``ORDER BY``.
        dialect: the dialect the expression will be written in, when known; DuckDB's
            query then checks a date with DuckDB's own ``TRY_STRPTIME``. None: SQL that
            every dialect reads alike.
        column_types: the SQL types of the relation's columns, by column name, as the
            dialect names them (``DATE``, ``BOOLEAN``, ``BIGINT``, ``DECIMAL(10,2)``,
            ``DOUBLE``, ``VARCHAR``...); a column left out is text. A column whose type fits
            its field is read as it is, checking only what the type does not guarantee: a
            DATE (or a TIMESTAMP without time zone, as its day) for a ``date`` or ``month``
            field, BOOLEAN for a ``boolean``, an integer type, DECIMAL or DOUBLE for a
            ``number``. A column of any other type is read as its text (``CAST AS
            VARCHAR``). A typed value decides as :meth:`Rulebook.decide` decides its Python
            value: a DATE as its ISO text, a month's first day as that month, an integer
            exactly, NaN as missing, an infinity as no number (docs/engines.md, "Typed
            input").

    Raises:
        ValueError: ``columns`` is empty (a relation without columns has no record to
            decide; before, every record was rejected for every required field).

    >>> import srg_rules
    >>> book = srg_rules.parse("field hours: number\\ninclude big when hours > 10")
    >>> query = to_expression(book.program, columns=["hours"])
    >>> [e.alias_or_name for e in query.expressions]
    ['hours', 'status', 'type', 'reasons']
    """
    if columns is not None and len(columns) == 0:
        raise ValueError("columns=[]: name the relation's columns, or leave columns out "
                         "(None) to decide over whatever columns it has")
    query = Query(program, columns, reasons, malformed, lateral=lateral, dialect=dialect,
                  column_types=column_types)
    if not ordered or query.lateral:
        select = query.select(_source(table))
    else:
        order = f"{query.prefix}row"
        numbered = exp.select(exp.Star(), exp.alias_(exp.Window(this=exp.RowNumber()), order,
                                                     quoted=True)
                              ).from_(_aliased(_source(table), f"{query.prefix}source"))
        select = query.select(numbered, hidden=[order]).order_by(column(order), copy=False)
    if columns is None:
        _rename_outputs(select, output_names(program, query.outputs))
    return select


def output_names(program: ir.Program, outputs: Iterable[str]) -> dict[str, str]:
    """The names of the decision's columns in a query over a relation whose columns are not
    known: ``status``, ``type``, ``reasons`` (``warnings``) as they are, unless a field of
    the program has one of those names (compared without regard to case); then every one of
    them gets ``srg_`` before it (again, until none collides), so that the query never
    returns two columns of one name. With known columns, an input column of such a name is
    replaced instead, as in a run's output file."""
    fields = {name.lower() for name in program.schema.fields}
    names = list(outputs)
    prefix = ""
    while any((prefix + name).lower() in fields for name in names):
        prefix = "srg_" + prefix
    return {name: prefix + name for name in names}


def _rename_outputs(select: exp.Select, names: Mapping[str, str]) -> None:
    if all(old == new for old, new in names.items()):
        return
    renamed = []
    for expression in select.expressions:
        name = expression.alias_or_name
        if name in names and not isinstance(expression.this if isinstance(expression, exp.Alias)
                                             else expression, exp.Star) \
                and not isinstance(expression, exp.Star):
            inner = expression.this if isinstance(expression, exp.Alias) else expression
            expression = exp.alias_(inner, names[name], quoted=True)
        renamed.append(expression)
    select.set("expressions", renamed)


# Dialects whose SELECT * can leave columns out (EXCEPT, or DuckDB's EXCLUDE).
STAR_EXCEPT_DIALECTS = frozenset({"duckdb", "spark", "databricks", "bigquery", "snowflake"})


def for_postgres(expression: exp.Expression) -> exp.Expression:
    """The query as PostgreSQL needs it (a copy): ``ARRAY_REMOVE(a, NULL)`` for
    ``ARRAY_COMPACT``, which it lacks, and each derived table fenced with ``OFFSET 0``, so
    the planner does not pull the stages up into each other (pulled up, every use of a named
    value repeats its whole expression: the SRG rulebook over 311 rows took 5.2 s to plan and
    16 s to run, fenced 0.03 s and 0.1 s, the same rows)."""
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.ArrayCompact):
            return exp.ArrayRemove(this=node.this, expression=exp.Null())
        if (isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select)
                and node.this.args.get("limit") is None and node.this.args.get("offset") is None):
            node.this.set("offset", exp.Offset(expression=exp.Literal.number(0)))
        return node

    return expression.copy().transform(rewrite)


def to_sql(program: ir.Program, table: str | exp.Expression = "records",
           dialect: str = "duckdb", *, columns: Sequence[str] | None = None,
           reasons: str = "text", pretty: bool = False, ordered: bool = True,
           column_types: Mapping[str, str] | None = None) -> str:
    """The program as SQL text for ``dialect`` (``duckdb``, ``postgres``, ``spark``, or any
    other dialect sqlglot writes; only the first three are tested).

    See :func:`to_expression` for the arguments. Without ``columns``, a dialect that has no
    ``SELECT * EXCEPT`` (PostgreSQL) gets the ``CROSS JOIN LATERAL`` form. The text is
    generated with ``unsupported_level=RAISE``: a construct the dialect cannot express is an
    error, never silently different SQL.

    >>> import srg_rules
    >>> book = srg_rules.parse("field ok: boolean\\ninclude when ok")
    >>> to_sql(book.program, dialect="spark", columns=["ok"])[:32]
    'SELECT `ok`, CASE WHEN `_srg_4_r'
    >>> to_sql(book.program, table="db.records", dialect="postgres").split(" CROSS JOIN ")[0]
    'SELECT "src".*, "_srg_decision"."status", "_srg_decision"."type", "_srg_decision"."reasons" FROM "db"."records" AS "src"'
    """
    lateral = columns is None and dialect not in STAR_EXCEPT_DIALECTS
    expression: exp.Expression = to_expression(program, table, columns=columns, reasons=reasons,
                                               lateral=lateral, ordered=ordered,
                                               dialect=dialect, column_types=column_types)
    if dialect in ("spark", "databricks"):
        # Spark numbers no window without an ORDER BY; MONOTONICALLY_INCREASING_ID() grows
        # in reading order (partition by partition), which is all the ORDER BY needs.
        expression = expression.transform(
            lambda node: exp.Anonymous(this="MONOTONICALLY_INCREASING_ID", expressions=[])
            if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber)
            and not node.args.get("order") and not node.args.get("partition_by") else node)
    if dialect == "postgres":
        expression = for_postgres(expression)
    return expression.sql(dialect=dialect, pretty=pretty,
                          unsupported_level=sqlglot.ErrorLevel.RAISE)

