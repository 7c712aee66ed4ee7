"""Deciding a PostgreSQL table in place: ``srg-rules run --engine postgres --dsn DSN --table T``.

Place in the pipeline: a run (beside :mod:`srg_rules.run` and :mod:`srg_rules.filerun`), for
municipalities whose records live in a database. Input: a program, a connection string (a
libpq DSN or URI), the table of records and the name of the result table. Output: the result
table, created by one ``CREATE TABLE ... AS SELECT`` inside the server, holding every row of
the input table once with its own columns (and their types) and ``status``, ``type`` and
``reasons`` added (``warnings`` too for a program with warn rules); and the run's summary
counts, as :meth:`srg_rules.summary.Summary.as_dict` gives them, from one ``GROUP BY`` over
the result table.

The rows never leave the server: the query is :mod:`srg_rules.backends.sql`'s in the
``postgres`` dialect, with ``unique`` statements as window counts
(:mod:`srg_rules.backends.sql.unique`). A column whose type fits its field is read as it
is; any other as a typed file's column is read on DuckDB and Spark
(:func:`srg_rules.backends.sql.typed_as_text`): the text a CSV export holds (a DATE as
YYYY-MM-DD, a BOOLEAN as true/false, a NUMERIC as its digits), a float NaN as missing, an
integer for a ``digits(n)`` field with its leading zeros, a timestamp for a date field as its
day; the result table keeps the column as it was.

Invariants: everything happens in one transaction, so a failed run leaves no result table
and an existing one is replaced only when asked (``replace=True``) and only when the run
succeeds; the result table is never the input table; names reach the SQL only as quoted
identifiers.

A program with a registration level (activities, trajectories) decides the table as a source
extract: :mod:`srg_rules.backends.sql.registration`'s query, in the same transaction, writes
one row per provision (the declared fields, ``component``, ``source_rows``, the decision) as
``srg-rules run --engine python`` writes it for the table exported to CSV in the order
``SELECT *`` reads it. The rows are numbered in that order, so the run turns off what would
make two scans of the table read it in different orders (synchronized and parallel scans).
What that query cannot decide as Python does (see :func:`~srg_rules.backends.sql.
registration.unsupported` and :func:`~srg_rules.backends.sql.registration.guard`) is
refused with the reason, before anything is written.

Needs psycopg 3 (``pip install 'srg-rules[postgres]'``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from . import ir
from .i18n import gettext as _
from .records import REASON_SEPARATOR, InputError, output_columns
from .summary import Summary, group_text

__all__ = ["result_table_name", "run_table"]


def result_table_name(table: str) -> str:
    """The default result table: the input table's name with ``_srg`` added (in its schema).

    >>> result_table_name("public.records")
    'public.records_srg'
    """
    return table + "_srg"


def _table(name: str, what: str) -> exp.Table:
    parts = name.split(".")
    if not all(part.strip() for part in parts) or len(parts) > 3:
        raise InputError(_("{option} {name}: not a table name; write TABLE or "
                           "SCHEMA.TABLE").format(option=what, name=repr(name)))
    identifiers = [exp.to_identifier(part, quoted=True) for part in parts]
    return exp.Table(this=identifiers[-1], db=identifiers[-2] if len(parts) > 1 else None,
                     catalog=identifiers[-3] if len(parts) > 2 else None)


def _sql(expression: exp.Expression) -> str:
    from .backends.sql.query import for_postgres

    return for_postgres(expression).sql(dialect="postgres",
                                        unsupported_level=sqlglot.ErrorLevel.RAISE)


def decided_query(program: ir.Program, table: exp.Table, columns: Sequence[str],
                  column_types: Mapping[str, str] | None = None) -> exp.Select:
    """The query that decides every row of ``table`` (whose columns are ``columns``): the
    table's columns (less those the run adds) and the decision columns. ``column_types``: the
    columns' types as PostgreSQL names them (``format_type``); a column whose type fits its
    field (a ``date`` for a date, ``boolean``, an integer, ``numeric`` or ``double
    precision`` for a number) is read as it is, as ``to_sql(column_types=...)`` reads it
    (docs/engines.md, "Typed input"); any other column as
    :func:`~srg_rules.backends.sql.typed_as_text` reads it."""
    from .backends.sql import Query, field_readings, internal_prefix
    from .backends.sql.unique import select_with_unique

    added = output_columns(bool(program.by_verb("warn")))
    kept = [c for c in columns if c not in added]
    fields = program.schema.fields
    present = [name for name in fields if name in columns]
    # Each declared field is read under a name of the query's own: as it is when its type
    # fits the field, otherwise from its column's text.
    prefix = internal_prefix([*columns, *fields])
    texts = {name: f"{prefix}text{index}" for index, name in enumerate(present)}
    types = column_types or {}
    typed, readings = field_readings(fields, {name: exp.column(name, quoted=True)
                                              for name in present}, types, texts, "postgres",
                                     default_type="text")
    query = Query(program, [*columns, *texts.values()], "text", None, field_columns=texts,
                  dialect="postgres", column_types=typed)
    source = exp.select(exp.Star(), *readings).from_(table)
    passthrough = [exp.column(c, quoted=True) for c in kept]
    return select_with_unique(query, source, passthrough, None)


def run_table(program: ir.Program, dsn: str, table: str, result_table: str | None = None, *,
              replace: bool = False, by: Sequence[str] = ()) -> dict[str, Any]:
    """Decide every row of ``table`` in the PostgreSQL database at ``dsn`` into
    ``result_table`` (default: :func:`result_table_name`).

    Returns ``Summary.as_dict()`` of the run, with ``engine``: ``"postgres"``.

    Raises:
        InputError: the server cannot be reached, the table does not exist, the result table
            exists (and ``replace`` is false) or is the input table, or the server refused
            the query (its message is kept).
            For a program with a registration level also: a required field has no column, or
            the rows hold what the query cannot decide as Python does.
    """
    try:
        import psycopg
    except ImportError:
        raise InputError(_("the postgres engine needs psycopg: pip install "
                           "'srg-rules[postgres]'")) from None
    result_name = result_table or result_table_name(table)
    source = _table(table, "--table")
    target = _table(result_name, "--result-table")
    if source == target:
        raise InputError(_("--result-table {table}: is the input table; name another").format(
            table=result_name))
    try:
        connection = psycopg.connect(dsn, autocommit=False)
    except psycopg.Error as error:
        raise InputError(_("cannot connect to PostgreSQL ({dsn}): {error}").format(
            dsn=dsn, error=str(error).strip())) from None
    with connection:
        cursor = connection.cursor()
        try:
            # to_regclass answers one row: the table's oid, or NULL when there is no such table
            found = cursor.execute("SELECT to_regclass(%s)", [_sql(source)]).fetchone()
            if found is None or found[0] is None:
                raise InputError(_("--table {table}: no such table in the database").format(
                    table=table))
            cursor.execute(f"SELECT * FROM {_sql(source)} LIMIT 0")
            assert cursor.description is not None  # a SELECT always describes its columns
            columns = [d.name for d in cursor.description]
            found = cursor.execute("SELECT to_regclass(%s)", [_sql(target)]).fetchone()
            if found is not None and found[0] is not None:
                if not replace:
                    raise InputError(_("--result-table {table}: the table exists already\n  "
                                       "help: give --replace to replace it, or name "
                                       "another").format(table=result_name))
                cursor.execute(f"DROP TABLE {_sql(target)}")
            if program.has_registration:
                counts = _run_source(cursor, program, source, target, table, columns, by)
            else:
                # Each column's type as PostgreSQL writes it (``numeric(38,0)``, ``date``...).
                types: dict[str, str] = dict(cursor.execute(
                    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                    [_sql(source)]).fetchall())
                query = decided_query(program, source, columns, types)
                cursor.execute(f"CREATE TABLE {_sql(target)} AS {_sql(query)}")
                counts = _summary(cursor, target, bool(program.by_verb("warn")), by, columns)
        except psycopg.Error as error:
            connection.rollback()
            raise InputError(_("PostgreSQL refused the run on {table}: {error}").format(
                table=table, error=str(error).strip())) from None
        except BaseException:
            connection.rollback()
            raise
    return counts


def _run_source(cursor: Any, program: ir.Program, source: exp.Table, target: exp.Table,
                table: str, columns: Sequence[str], by: Sequence[str]) -> dict[str, Any]:
    """The registration level: ``target`` holds the decided provisions of ``source``'s rows;
    the summary counts them, and ``source_rows`` the rows read."""
    from .backends.sql import internal_prefix
    from .backends.sql import registration as sql_registration

    fields = program.schema.fields
    missing = [name for name, field in fields.items() if not field.optional and name not in columns]
    if missing:
        raise InputError(_("{path}: lacks the column(s) {fields} that the rulebook "
                           "requires").format(path=table, fields=", ".join(missing)))
    why = sql_registration.unsupported(program)
    malformed = f"{internal_prefix([*columns, *fields])}malformed"
    # Each declared field as the text a CSV export carries (NULL when the table lacks it); a
    # table's row is never malformed.
    rows = exp.select(*(
        exp.alias_(exp.cast(exp.column(name, quoted=True), "TEXT") if name in columns
                   else exp.cast(exp.Null(), "TEXT"), name, quoted=True) for name in fields),
        exp.alias_(exp.false(), malformed, quoted=True)).from_(source)
    if why is None:
        numbers = sql_registration.guard(program, rows, malformed)
        found = cursor.execute(_sql(numbers)).fetchone() if numbers is not None else None
        if found is not None and found[0]:
            why = f"{found[0]} row(s) with a number that is not an integer of at most 15 digits"
    if why is not None:
        raise InputError(_("--table {table}: the registration level cannot be decided inside "
                           "PostgreSQL as the python engine decides it ({why})\n  help: export "
                           "the table to CSV and run it with --engine python").format(
                               table=table, why=why))
    # Both scans of the table (the readable rows, the malformed ones) must number the rows
    # alike: a synchronized scan starts where another one is, parallel workers interleave.
    cursor.execute("SET LOCAL synchronize_seqscans = off")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    decided = sql_registration.select_source(program, rows, malformed)
    cursor.execute(f"CREATE TABLE {_sql(target)} AS {_sql(decided)}")
    counts = _summary(cursor, target, bool(program.by_verb("warn")), by, list(fields))
    read = cursor.execute(_sql(exp.select(exp.func("count", exp.Star())).from_(source))).fetchone()
    counts["source_rows"] = read[0]
    return counts


def _summary(cursor: Any, target: exp.Table, warnings: bool, by: Sequence[str],
             columns: Sequence[str]) -> dict[str, Any]:
    keys: list[exp.Expression] = [exp.column(c, quoted=True) for c in ("status", "type", "reasons")]
    if warnings:
        keys.append(exp.column("warnings", quoted=True))
    groups = [exp.cast(exp.column(name, quoted=True), "TEXT") if name in columns else None
              for name in by]
    keys += [group for group in groups if group is not None]
    query = exp.select(*keys, exp.func("count", exp.Star())).from_(target).group_by(
        *(k.copy() for k in keys))
    summary = Summary().grouped_by(by)
    for status, type_, reasons, *found, count in cursor.execute(_sql(query)).fetchall():
        reasons = [r for r in (reasons or "").split(REASON_SEPARATOR) if r]
        warned = [w for w in (found.pop(0) or "").split(REASON_SEPARATOR) if w] if warnings else []
        summary.add_counted(status, type_ or None, reasons, count, warned)
        if by:
            texts = iter(found)
            values = [group_text(next(texts)) if group is not None else "" for group in groups]
            summary.group(values).add_counted(status, type_ or None, reasons, count, warned)
    return {**summary.as_dict(), "engine": "postgres"}
