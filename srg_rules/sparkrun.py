"""Deciding files on Spark: ``srg-rules run --engine spark RULEBOOK INPUT -o OUTPUT``.

Place in the pipeline: a run (beside :mod:`srg_rules.run`, :mod:`srg_rules.filerun` and
:mod:`srg_rules.pgrun`), for extracts too large for one machine. Input: a program, an input
path (a CSV or Parquet file, or a folder of them, as Spark reads folders) and an output path.
Output: the decided rows, every input row once with its own columns and ``status``, ``type``
and ``reasons`` added (``warnings`` too for a program with warn rules), and the run's summary
counts as :meth:`srg_rules.summary.Summary.as_dict` gives them.

The rows are decided by :mod:`srg_rules.backends.sql`'s query in the ``spark`` dialect, run
by Spark SQL on a session: ``local[*]`` (every core of this machine) by default, a cluster
with ``master`` (``spark://host:7077``, ``yarn``, ``k8s://...``). Where the output goes:

- a path ending in ``.csv`` (the usual ``-o out.csv``): one CSV file, written row by row on
  the driver in input order by :class:`srg_rules.records.OutputFile`'s rules (the input's
  delimiter, CRLF, minimal quoting), so it holds the same bytes as the other engines write;
- any other path: a folder of part files written by the executors in parallel, Parquet
  unless the path ends in ``/csv`` style is asked (``output_format="csv"``); the form for a
  national extract on a cluster, where no single machine holds the output.

Reading: CSV with its header, comma or semicolon (taken from the first file's header as
:mod:`srg_rules.records` takes it), every value a text; an empty value is missing, as it is
to the rules. A row with more or fewer values than the header is rejected as
``malformed_row`` (Spark's ``PERMISSIVE`` mode names it), its values that fit the header
kept. Parquet: a declared field's column is read as its text (a DATE as YYYY-MM-DD, a
TIMESTAMP read by a date field as its date, a float NaN as missing), as DuckDB reads it; the
output keeps the column as it was.

Order: every row is numbered as it is read (``monotonically_increasing_id``, which grows
with the file and the position in it), and a CSV file is written in that order.

Invariants: a CSV output file appears only when the run succeeded
(:func:`srg_rules.records.replacing`); the counts add up to the rows read.
Needs PySpark (``pip install 'srg-rules[spark]'``) and a Java runtime (17 or later).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from . import ir
from .i18n import gettext as _
from .records import (
    REASON_SEPARATOR,
    InputError,
    close_rows,
    open_records,
    output_columns,
    replacing,
)
from .summary import Summary, group_text

__all__ = ["DEFAULT_MASTER", "run_spark"]

DEFAULT_MASTER = "local[*]"
_PARQUET = (".parquet", ".pq")


def _session(master: str | None) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(_("the spark engine needs PySpark and Java 17: pip install "
                           "'srg-rules[spark]'")) from None
    session = (SparkSession.builder.master(master or DEFAULT_MASTER).appName("srg-rules")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               # The query casts only what it has checked, so ANSI mode (Spark 4's default)
               # is kept: a cast that failed would be an error, never a silent NULL.
               .config("spark.sql.ansi.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def _remote(path: str | os.PathLike[str]) -> bool:
    """A URI Spark reads (``hdfs://``, ``s3a://``, ``abfss://``, ``file://``), not a path of
    this machine's that the run checks first."""
    return "://" in str(path)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file()
                       and not p.name.startswith((".", "_")))
        if not found:
            raise InputError(_("{path}: the folder holds no record files").format(path=path))
        return found
    if not path.exists():
        raise InputError(_("{path}: no such file or folder").format(path=path))
    return [path]


def run_spark(program: ir.Program, input_path: str | os.PathLike[str],
              output_path: str | os.PathLike[str], *, master: str | None = None,
              by: Sequence[str] = (), output_format: str | None = None) -> dict[str, Any]:
    """Decide every row of ``input_path`` on Spark and write them to ``output_path``.

    Args:
        program: a checked program; one with a registration level decides the input as a
            source extract (see :func:`_source_query`).
        input_path: a CSV or Parquet file, or a folder of such files (all of one kind).
        output_path: a ``.csv`` file (written on the driver, the bytes the other engines
            write), or a folder Spark writes part files into.
        master: the Spark master URL; default ``local[*]``.
        by: fields whose values the counts are grouped by as well.
        output_format: ``"parquet"`` or ``"csv"`` for a folder; default: the input's.

    Returns:
        ``Summary.as_dict()`` of the run, with ``engine``: ``"spark"``.

    Raises:
        InputError: the input is missing, empty, of an unknown kind or lacks required
            columns; the output folder does not exist; the rows of a source extract hold
            what the registration level's query cannot decide as Python does.
    """
    remote_in, remote_out = _remote(input_path), _remote(output_path)
    source = Path(input_path)
    target = Path(output_path)
    if remote_in:
        # A cluster's storage (hdfs://, s3a://, ...): Spark lists it; the name tells the kind.
        paths = [str(input_path)]
        kind = "csv" if str(input_path).rstrip("/").lower().endswith(".csv") else "parquet"
    else:
        files = _files(source)
        paths = [str(f) for f in files]
        kinds = {"parquet" if f.suffix.lower() in _PARQUET else "csv" for f in files}
        if len(kinds) > 1:
            raise InputError(_("{path}: holds both Parquet and CSV files; give one kind").format(
                path=source))
        kind = kinds.pop()
    if not remote_out and not target.resolve().parent.is_dir():
        raise InputError(_("{target}: the folder {directory} does not exist").format(
            target=target, directory=target.resolve().parent))
    single_csv = not remote_out and target.suffix.lower() == ".csv"
    if single_csv and kind != "csv":
        raise InputError(_("{target}: a Parquet input is written as Parquet; name a "
                           "folder").format(target=target))
    spark = _session(master)
    delimiter = ","
    bad: str | None  # the column Spark puts a malformed CSV line in
    if kind == "csv":
        if remote_in:
            first = spark.read.text(paths).first()
            line = first[0] if first is not None else ""
            delimiter = ";" if line.count(";") > line.count(",") else ","
            columns = [c.strip() for c in next(csv.reader([line.lstrip("\ufeff")],
                                                          delimiter=delimiter))]
            _check_columns(source, columns, program)
        else:
            records = open_records(files[0], [n for n, f in program.schema.fields.items()
                                              if not f.optional], list(program.schema.fields))
            close_rows(records.rows)
            delimiter = records.delimiter
            columns = list(records.columns)
        prefix = _prefix(program, columns)
        bad = f"{prefix}malformed"
        frame = _read_csv(spark, paths, columns, delimiter, bad)
    else:
        frame = spark.read.parquet(*paths)
        columns = list(frame.columns)
        _check_columns(source, columns, program)
        prefix = _prefix(program, columns)
        bad = None
    row = f"{prefix}row"
    from pyspark.sql import functions

    frame = frame.withColumn(row, functions.monotonically_increasing_id())
    view = f"{prefix}input"
    frame.createOrReplaceTempView(view)
    added = list(output_columns(bool(program.by_verb("warn"))))
    source_rows: int | None = None
    if program.has_registration:
        query, kept = _source_query(spark, program, source, columns, dict(frame.dtypes), row,
                                    bad, view)
        source_rows = frame.count()
    else:
        query = _query(program, columns, dict(frame.dtypes), row, bad, view)
        kept = [c for c in columns if c not in added]
    # The registration level's query is large: whole-stage code generation makes Java
    # methods beyond the JVM's 64 KB, which Spark compiles, fails and then interprets
    # (measured on the shipped example: 78 s with it, 53 s without, and no error printed).
    with _setting(spark, "spark.sql.codegen.wholeStage",
                  "false" if program.has_registration else None):
        decided = (_in_views(spark, query, f"{view}_d") if program.has_registration
                   else spark.sql(_spark_sql(query)))
        if single_csv:
            # A source extract's query ends in the python engine's order (ORDER BY), which a
            # collect keeps; the other runs are ordered by their row numbers.
            counts = _write_csv(decided, target, kept, added, delimiter,
                                None if program.has_registration else row, by)
            return {**counts, **({"source_rows": source_rows} if source_rows is not None else {})}
        out = decided.drop(row) if row in decided.columns else decided
        fmt = output_format or kind
        writer = out.write.mode("overwrite")
        if fmt == "csv":
            writer.options(header=True, sep=delimiter, quote='"', escape='"',
                           ignoreLeadingWhiteSpace=False, ignoreTrailingWhiteSpace=False,
                           emptyValue="").csv(str(target))
            written = spark.read.options(header=True, sep=delimiter, quote='"', escape='"',
                                         multiLine=True).csv(str(target))
        else:
            writer.parquet(str(target))
            written = spark.read.parquet(str(target))
        counts = _summary_of(written, added, by, spark)
        return {**counts, **({"source_rows": source_rows} if source_rows is not None else {})}


@contextmanager
def _setting(spark: Any, key: str, value: str | None) -> Iterator[None]:
    """The session's setting ``key`` at ``value`` for the block (None: left as it is)."""
    if value is None:
        yield
        return
    previous = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)


def _spark_sql(query: exp.Expression) -> str:
    return query.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


def _source_query(spark: Any, program: ir.Program, source: Path, columns: Sequence[str],
                  types: dict[str, str], row: str, malformed: str | None, view: str
                  ) -> tuple[exp.Select, list[str]]:
    """The registration level's query over the rows of ``view`` (numbered in reading order
    by ``row``), and the columns it writes before the decision's: the provisions in the
    python engine's order, or :class:`InputError` with the reason it cannot decide these
    rows as Python does."""
    from .backends.sql import registration as sql_registration
    from .backends.sql import typed_as_text

    fields = program.schema.fields
    why = sql_registration.unsupported(program)
    flag = malformed or f"{_prefix(program, [*columns, row])}malformed"
    # The declared fields as the texts a CSV export carries (NULL where the input lacks
    # one), whether each row is malformed, and its reading order.
    rows = exp.select(*(
        exp.alias_(typed_as_text(exp.column(name, quoted=True), types.get(name, "string"), field,
                                 "spark") if name in columns
                   else exp.cast(exp.Null(), "STRING"), name, quoted=True)
        for name, field in fields.items()),
        exp.alias_(exp.column(malformed, quoted=True) if malformed else exp.false(), flag,
                   quoted=True),
        exp.column(row, quoted=True)).from_(exp.to_table(view))
    if why is None:
        numbers = sql_registration.guard(program, rows, flag)
        found = spark.sql(_spark_sql(numbers)).first()[0] if numbers is not None else 0
        if found:
            why = f"{found} row(s) with a number that is not an integer of at most 15 digits"
    if why is not None:
        raise InputError(_("{path}: the registration level cannot be decided on Spark as the "
                           "python engine decides it ({why})\n  help: run it with --engine "
                           "python").format(path=source, why=why))
    # Spark has no MATERIALIZED common table expression, and numbers rows only by an
    # ordered window: the reading order is the row column.
    parts = sql_registration.source_parts(program, rows, flag, reading_order=row,
                                          materialized=False)
    # The rows numbered, then the provisions, each computed once (localCheckpoint) and read
    # as a view of its own: as one query, Spark analysed and optimised the whole of it
    # (350 KB of SQL) and the provisions once for every yields clause that reads them (the
    # common table expression is inlined); measured in docs/benchmarks.md.
    numbered = f"{view}_numbered"
    provisions = f"{view}_provisions"
    with _setting(spark, "spark.sql.codegen.wholeStage", "false"):
        spark.sql(_spark_sql(parts.numbered())).localCheckpoint().createOrReplaceTempView(numbered)
        made = parts.provisions(parts.read(exp.select(exp.Star()).from_(exp.to_table(numbered))))
        _in_views(spark, made, f"{view}_p").localCheckpoint().createOrReplaceTempView(provisions)
    query = parts.decided(exp.select(exp.Star()).from_(exp.to_table(provisions)),
                          exp.select(exp.Star()).from_(exp.to_table(numbered)))
    written = [*fields, *([sql_registration.COMPONENT] if program.trajectories else []),
               sql_registration.SOURCE_ROWS]
    return query, written


def _in_views(spark: Any, query: exp.Select, prefix: str) -> Any:
    """The DataFrame of ``query``, each derived table (``FROM (SELECT ...) AS name``) and
    common table expression analysed on its own as a temporary view, innermost first.

    Why: the analyser resolves a ``SELECT *`` over a derived table only once the table's own
    columns are resolved, one level of nesting per pass over the whole plan, so the
    registration level's query (some 60 levels of stages) took 60 passes over 350 KB of SQL;
    a view is analysed once and stays analysed (docs/benchmarks.md). Changes ``query``."""
    count = 0

    def register(body: exp.Expression, name: str | None = None) -> str:
        nonlocal count
        count += 1
        name = name or f"{prefix}{count}"
        spark.sql(_spark_sql(body)).createOrReplaceTempView(name)
        return name

    def flatten(node: exp.Expression) -> None:
        # Deepest first: the reversed pre-order lists a table's derived tables before it.
        derived = [s for s in node.find_all(exp.Subquery) if isinstance(s.parent, (exp.From, exp.Join))]
        for subquery in reversed(derived):
            alias = subquery.args.get("alias")
            table = exp.Table(this=exp.to_identifier(register(subquery.this), quoted=True),
                              alias=alias.copy() if alias is not None else None)
            subquery.replace(table)

    with_key = "with_" if "with_" in exp.Select.arg_types else "with"
    common = query.args.get(with_key)
    if common is not None:
        for cte in common.expressions:
            flatten(cte.this)
            register(cte.this, cte.alias)
        query.set(with_key, None)
    flatten(query)
    return spark.sql(_spark_sql(query))


def _prefix(program: ir.Program, columns: Sequence[str]) -> str:
    from .backends.sql import internal_prefix

    return internal_prefix([*columns, *program.schema.fields])


def _check_columns(source: Path, columns: Sequence[str], program: ir.Program) -> None:
    missing = [n for n, f in program.schema.fields.items() if not f.optional and n not in columns]
    if missing:
        raise InputError(_("{path}: lacks the column(s) {fields} that the rulebook "
                           "requires").format(path=source, fields=", ".join(missing)))


def _read_csv(spark: Any, paths: list[str], columns: list[str], delimiter: str, bad: str) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([*(StructField(c, StringType(), True) for c in columns),
                         StructField(bad, StringType(), True)])
    frame = (spark.read.schema(schema)
             .options(header=True, sep=delimiter, quote='"', escape='"', multiLine=True,
                      mode="PERMISSIVE", columnNameOfCorruptRecord=bad, encoding="UTF-8",
                      ignoreLeadingWhiteSpace=False, ignoreTrailingWhiteSpace=False,
                      enforceSchema=True)
             .csv(paths))
    from pyspark.sql import functions

    return frame.withColumn(bad, functions.col(bad).isNotNull())


def _query(program: ir.Program, columns: Sequence[str], types: dict[str, str], row: str,
           malformed: str | None, view: str) -> exp.Select:
    from .backends.sql import Query, field_readings
    from .backends.sql.unique import select_with_unique

    fields = program.schema.fields
    present = [name for name in fields if name in columns]
    prefix = _prefix(program, [*columns, row, *([malformed] if malformed else [])])
    texts = {name: f"{prefix}text{i}" for i, name in enumerate(present)}
    known = [*columns, row, *([malformed] if malformed else []), *texts.values()]
    # A column whose Spark type fits its field (a date, a timestamp_ntz for a date, a
    # boolean, an integer, a decimal or a double for a number) is read as it is, as
    # to_sql(column_types=...) reads it (docs/engines.md, "Typed input"); any other as its
    # text.
    typed, readings = field_readings(fields, {name: exp.column(name, quoted=True)
                                              for name in present}, types, texts, "spark",
                                     default_type="string")
    query = Query(program, known, "text", malformed, field_columns=texts, dialect="spark",
                  column_types=typed)
    source = exp.select(exp.Star(), *readings).from_(exp.to_table(view))
    added = output_columns(bool(program.by_verb("warn")))
    passthrough = [exp.column(c, quoted=True) for c in [*columns, row] if c not in added]
    if program.unique:
        return select_with_unique(query, source, passthrough, malformed, order=row)
    return query.select(source, passthrough=passthrough)


def _write_csv(decided: Any, target: Path, kept: list[str], added: list[str], delimiter: str,
               row: str | None, by: Sequence[str]) -> dict[str, Any]:
    """Write the decided rows in order (by ``row``; None: the order the query gives)."""
    summary = Summary().grouped_by(by)
    warnings = "warnings" in added
    with replacing(target) as temp:
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow([*kept, *added])
            ordered = decided.orderBy(row) if row is not None else decided
            for record in ordered.toLocalIterator():
                values = record.asDict()
                writer.writerow([*("" if values[c] is None else values[c] for c in kept),
                                 *("" if values[c] is None else values[c] for c in added)])
                reasons = [r for r in (values["reasons"] or "").split(REASON_SEPARATOR) if r]
                warned = [w for w in (values["warnings"] or "").split(REASON_SEPARATOR) if w] \
                    if warnings else []
                summary.add_counted(values["status"], values["type"] or None, reasons, 1, warned)
                if by:
                    summary.group([group_text(values.get(f)) for f in by]).add_counted(
                        values["status"], values["type"] or None, reasons, 1, warned)
    return {**summary.as_dict(), "engine": "spark"}


def _summary_of(written: Any, added: list[str], by: Sequence[str], spark: Any) -> dict[str, Any]:
    from pyspark.sql import functions

    warnings = "warnings" in added
    keys = ["status", "type", "reasons", *(["warnings"] if warnings else [])]
    groups = [functions.coalesce(functions.trim(functions.col(f).cast("string")),
                                 functions.lit("")).alias(f"_by{i}")
              if f in written.columns else functions.lit("").alias(f"_by{i}")
              for i, f in enumerate(by)]
    counted = written.groupBy(*keys, *groups).count().collect()
    summary = Summary().grouped_by(by)
    for record in counted:
        values = list(record)
        status, type_, reasons = values[:3]
        reasons = [r for r in (reasons or "").split(REASON_SEPARATOR) if r]
        warned = [w for w in (values[3] or "").split(REASON_SEPARATOR) if w] if warnings else []
        found = values[len(keys):-1]
        summary.add_counted(status, type_ or None, reasons, values[-1], warned)
        if by:
            summary.group([str(v) for v in found]).add_counted(status, type_ or None, reasons,
                                                               values[-1], warned)
    return {**summary.as_dict(), "engine": "spark"}

