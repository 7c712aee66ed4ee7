"""DataFrames and Arrow tables: a whole table decided inside DuckDB (``Rulebook.decide_table``).

Place in the pipeline: beside :mod:`srg_rules.filerun`, over the SQL backend
(:mod:`srg_rules.backends.sql`). Input: a program and a pandas or polars DataFrame or a pyarrow
Table (or RecordBatch). Output: a table of the same kind, holding the input's columns and rows
in their order, with ``status``, ``type`` and ``reasons`` appended (and ``warnings`` when the
rulebook has warn rules) as ``srg-rules run`` writes them to a file: text, the reasons and
warnings joined with ``|``, no type as null. Input columns of those names are replaced, as a
run replaces them. pandas, polars and pyarrow are optional (the ``tables`` extra): none is
imported until a table is decided.

How: the declared fields' columns (no others) are handed to an in-memory DuckDB as Arrow,
which DuckDB scans in place; the query of :func:`srg_rules.backends.sql.to_expression` decides
every row, and the decisions come back as Arrow, to be appended to the input. A column whose
type fits its field (:func:`srg_rules.backends.sql.typed_reading`: a DATE or TIMESTAMP for a
date, BOOLEAN, an integer, DECIMAL or DOUBLE for a number) goes to the query as it is, which
reads it typed; any other column is first turned into the text that reads as its Python value
does (below). No row passes through Python, except a column DuckDB cannot read as ``decide``
reads its values (:func:`_duckdb_readable`), which is read value by value, as the table's own
row conversion gives the values: a pandas ``object`` column that is not all texts (mixing
strings and numbers, say), a polars ``Object`` column, and a column of a time, a duration,
binary, a list, a struct, a decimal beyond 38 digits or of a negative scale.

Reading, exactly as :meth:`Rulebook.decide` reads the same row (tested row by row):

- missing: null, ``None``, pandas' ``NA`` and ``NaT``, a float NaN, a blank text, an absent
  column;
- a text column is read as a CSV cell is;
- a typed column is read as its Python value would be (:mod:`srg_rules.schema`), by the
  text :func:`srg_rules.backends.sql.typed_as_text` makes of it: an integer as its digits
  (zero-filled for a ``digits(n)`` or ``bsn`` field), a float as the shortest form of its
  DOUBLE (a float32 widened, as Python widens it; an integral one without ``.0`` for a code
  or text), a boolean for a boolean field, a date or timestamp for a date field (a month
  field takes the first day of a month) and as its ``isoformat()`` for a text field, and a
  value of a type the field never accepts (a date for a number, a boolean for a code) is
  invalid, with the field's problem as its reason.

A rulebook with ``activities`` or ``trajectory`` statements decides source records, not
provisions, and is refused here (use :meth:`Rulebook.decide_source`); one whose ``unique`` key
has a number field is decided by the reference interpreter (the keys compare as Python
numbers), like ``srg-rules run`` does.
"""

from __future__ import annotations

import functools
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs
from sqlglot import exp

from . import ir
from .backends import sql as sql_backend
from .backends.sql import unique as sql_unique
from .records import output_columns
from .schema import Field, format_typed

if TYPE_CHECKING:
    import pyarrow

    from .decision import Decision

__all__ = ["TableError", "decide_table", "rows_of", "table_kind"]

T = TypeVar("T")


class DecidingBook(Protocol):
    """What a table is decided with: a :class:`srg_rules.Rulebook` (named by what it does,
    so that this module, which the rulebook loads, does not import the rulebook back)."""

    @property
    def program(self) -> ir.Program: ...

    @property
    def has_registration(self) -> bool: ...

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]: ...

_KINDS = {
    ("pandas", "DataFrame"): "pandas",
    ("polars", "DataFrame"): "polars",
    ("pyarrow", "Table"): "pyarrow",
    ("pyarrow", "RecordBatch"): "pyarrow-batch",
}


class TableError(TypeError):
    """A table that cannot be decided; ``str()`` is the message for the user."""


def table_kind(table: object) -> str | None:
    """``pandas``, ``polars``, ``pyarrow`` (a Table), ``pyarrow-batch`` (a RecordBatch), or
    None for anything else. Known by the type's name: nothing is imported."""
    kind = type(table)
    return _KINDS.get((kind.__module__.split(".")[0], kind.__name__))


def rows_of(records: Iterable[Mapping[str, Any]] | Any) -> Iterable[Mapping[str, Any]]:
    """The records of a table, one mapping per row, lazily (any other iterable as it is):
    what lets :meth:`Rulebook.decide_many` take a DataFrame."""
    kind = table_kind(records)
    if kind is None:
        return records
    return _rows(kind, records)


def _rows(kind: str, table: Any) -> Iterator[Mapping[str, Any]]:
    if kind == "pandas":
        names = [str(name) for name in table.columns]
        for row in table.itertuples(index=False, name=None):
            yield dict(zip(names, row))
    elif kind == "polars":
        yield from table.iter_rows(named=True)
    else:
        for batch in ([table] if kind == "pyarrow-batch" else table.to_batches()):
            yield from batch.to_pylist()


def decide_table(book: DecidingBook, table: T) -> T:
    """Decide every row of ``table`` in DuckDB; see the module's description."""
    kind = table_kind(table)
    if kind is None:
        raise TableError(f"decide_table takes a pandas or polars DataFrame or a pyarrow Table, "
                         f"not {type(table).__module__}.{type(table).__qualname__}; for "
                         "records as mappings use decide_many")
    if book.has_registration:
        raise TableError("a rulebook with 'activities' or 'trajectory' statements decides source "
                         "records: use decide_source")
    import pyarrow as pa

    program = book.program
    added = output_columns(bool(program.by_verb("warn")))
    names = _column_names(kind, table)
    present = [name for name in program.schema.fields if name in names]
    marker = _queries(program).marker
    inputs = _field_columns(kind, table, [program.schema.fields[n] for n in present], marker)
    decided = _decide_in_duckdb(book, present, inputs, _row_count(kind, table), marker)
    if decided is None:  # a unique key DuckDB cannot compare as Python does
        decisions = list(book.decide_many(_python_rows(kind, table, present)))
        decided = pa.table({
            "status": pa.array([str(d.status) for d in decisions], pa.string()),
            "type": pa.array([d.type for d in decisions], pa.string()),
            "reasons": pa.array(["|".join(d.reasons) for d in decisions], pa.string()),
            **({"warnings": pa.array(["|".join(d.warnings) for d in decisions], pa.string())}
               if "warnings" in added else {}),
        })
    return _attach(kind, table, decided, added)  # type: ignore[no-any-return]


def _python_rows(kind: str, table: Any, present: list[str]) -> list[dict[str, Any]]:
    """The table's rows as its own row conversion gives them (``to_dict("records")``,
    ``to_dicts()``, ``to_pylist()``), the fields' columns only: what ``decide`` is given. Not
    the columns handed to DuckDB, some of which hold texts made for the query (a value no
    field reads as a marker, which ``decide`` would read as a valid text)."""
    if not present:
        return [{} for _ in range(_row_count(kind, table))]
    if kind == "pandas":
        labels = {str(label): label for label in table.columns}
        chosen = table[[labels[name] for name in present]]
        return [dict(zip(present, row.values()))
                for row in chosen.to_dict("records")]
    if kind == "polars":
        return list(table.select(present).to_dicts())
    return list(table.select(present).to_pylist())


def _column_names(kind: str, table: Any) -> list[str]:
    names = [str(name) for name in (table.column_names if kind.startswith("pyarrow")
                                    else table.columns)]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise TableError(f"the table has column names more than once: {', '.join(twice)}; "
                         "a record has one value per field")
    return names


def _row_count(kind: str, table: Any) -> int:
    return int(table.num_rows if kind.startswith("pyarrow") else len(table))


def _field_columns(kind: str, table: Any, fields: list[Field], marker: str) -> pyarrow.Table:
    """The fields' columns as Arrow, named ``f0``, ``f1``... in field order."""
    import pyarrow as pa

    arrays = []
    for field in fields:
        # The column's values as the kind's own row conversion gives them, when read
        # value by value.
        values: Callable[[], list[Any]]
        if kind == "pandas":
            series = table[field.name]
            values = functools.partial(_pandas_values, series)
            array = _pandas_arrow(series)
        elif kind == "polars":
            series = table.get_column(field.name)
            values = series.to_list
            try:
                array = _in_microseconds(series.to_arrow())
            except Exception:  # noqa: BLE001  polars' Object dtype has no Arrow form
                array = None
        else:
            array = table.column(field.name)
            values = array.to_pylist
        if array is not None:
            array = _duckdb_readable(array)
        if isinstance(array, pa.ChunkedArray) and array.num_chunks == 0:
            array = pa.array([], array.type)
        if array is not None:
            array = _in_own_zone(field, array)
        if array is None:
            array = _as_texts(field, values(), marker)
        arrays.append(array)
    return pa.table(arrays, names=[f"f{i}" for i in range(len(fields))]) if fields \
        else pa.table({})


def _in_microseconds(array: Any) -> Any:
    """A polars column as ``to_dicts()`` gives its values: a nanosecond timestamp as a
    ``datetime``, floored to the microsecond (``23:59:59.999999999`` is ``23:59:59.999999``,
    which a text field reads; pyarrow and pandas give a ``Timestamp`` of all nine digits).
    Flooring never moves a day."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_timestamp(array.type) or array.type.unit != "ns":
        return array
    floored = pc.floor_temporal(array, unit="microsecond")
    return floored.cast(pa.timestamp("us", array.type.tz))


def _pandas_values(series: Any) -> list[Any]:
    """A pandas column's values as ``DataFrame.to_dict("records")`` gives them: Series.to_dict
    boxes them alike (a numpy datetime64 in an ``object`` column is a Timestamp there, and so
    a datetime, where ``tolist()`` keeps it, and a day's is read as a date)."""
    return list(series.reset_index(drop=True).to_dict().values())


def _pandas_arrow(series: Any) -> Any:
    """A pandas column as Arrow, or None when it is an ``object`` column that is not all
    texts (and missing values): such a column holds Python values of several types, which
    Arrow would make one type of (a Decimal 7 with another's two decimals, ``7.00``; a
    bytes value a text), and is read value by value."""
    import pyarrow as pa

    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    if str(series.dtype) == "object" and not (
            pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
            or pa.types.is_null(array.type)):
        return None
    return array


def _duckdb_readable(array: Any) -> Any:
    """``array`` in a type whose DuckDB reading (:func:`srg_rules.backends.sql.field_readings`)
    is that of its Python values (tests/test_tables_dtypes.py), or None: the column is then
    read value by value (:func:`_as_texts`), at Python's speed.

    Read as they are: null, boolean, integer, float, date, timestamp (any unit or zone) and
    text columns, and decimals DuckDB holds (precision 38 at most, no negative scale). A
    half float is widened to a float32 (exactly; DuckDB has no half float); a decimal256 of
    precision 38 at most narrowed to a decimal128; a dictionary other than of texts and a
    run-end encoded column decoded to their values. Any other type (a time, a duration,
    binary, a list or struct, a decimal beyond 38 digits, an extension type) holds values
    that no field reads but as :meth:`Field.read` does (mostly invalid), where DuckDB's text
    of them (``10:00:00``, ``[1, 2]``) would read as a valid text or code, or that DuckDB
    cannot scan at all."""
    import pyarrow as pa

    kind = array.type
    types = pa.types
    if types.is_dictionary(kind):
        if types.is_string(kind.value_type) or types.is_large_string(kind.value_type):
            return array
        return _duckdb_readable(array.cast(kind.value_type))
    if types.is_run_end_encoded(kind):
        import pyarrow.compute as pc

        return _duckdb_readable(pc.run_end_decode(array))
    if types.is_float16(kind):
        return array.cast(pa.float32())
    if types.is_decimal(kind):
        if kind.scale < 0 or kind.precision > 38:
            return None
        return array.cast(pa.decimal128(kind.precision, kind.scale)) \
            if types.is_decimal256(kind) else array
    if (types.is_null(kind) or types.is_boolean(kind) or types.is_integer(kind)
            or types.is_float32(kind) or types.is_float64(kind) or types.is_date(kind)
            or types.is_timestamp(kind) or types.is_string(kind) or types.is_large_string(kind)
            or types.is_string_view(kind)):
        return array
    return None


def _in_own_zone(field: Field, array: Any) -> Any:
    """A timestamp column with a time zone as :meth:`Rulebook.decide` reads its values, each a
    datetime in the column's zone: for a date or month field its local time there (whose day
    is the one Python takes); for a text field None, so that it is read value by value, each
    as its ``isoformat()`` with the zone's offset (``2024-02-29T00:30:00+01:00``). DuckDB
    would read either in its session's zone. For any other field such a column is invalid
    whatever its zone, and is left as it is."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_timestamp(array.type) or array.type.tz is None:
        return array
    if field.type.base == "date":
        return pc.local_timestamp(array)
    if field.type.name == "text":
        return None
    return array


def _as_texts(field: Field, values: list[Any], marker: str) -> Any:
    """A column of mixed Python values, each read by the field as :meth:`Rulebook.decide`
    reads it and written as the text that reads back the same (an invalid value as
    ``marker``, a text the field never accepts)."""
    import pyarrow as pa

    def text(raw: Any) -> str | None:
        if isinstance(raw, str):
            return raw
        value, problem = field.read(raw)
        if problem is not None:
            return None if problem.code == "missing_value" else marker
        return None if value is None else format_typed(value)

    return pa.array([text(value) for value in values], pa.string())


def _decide_in_duckdb(book: DecidingBook, present: list[str], inputs: pyarrow.Table, count: int,
                      marker: str) -> pyarrow.Table | None:
    import duckdb
    import pyarrow as pa

    program = book.program
    fields = program.schema.fields
    prefix = sql_backend.internal_prefix([*fields, *inputs.column_names])
    row = f"{prefix}row"
    numbered = inputs.append_column(row, _row_numbers(count)) if inputs.num_columns \
        else pa.table({row: _row_numbers(count)})
    connection = duckdb.connect(":memory:")
    try:
        # DuckDB's in_clause optimizer stays on: it makes an IN list of five or more
        # constants a join, which gives up the order the rows were read in and is faster than
        # testing a long list row by row (800 codes: 0.65 of the CPU time) or searching it
        # as the file run does (inorder.py: 1.3); the query ends in ORDER BY row number
        # (docs/benchmarks.md, "decide_table with DuckDB's in_clause optimizer on";
        # tests/test_tables_order.py).
        connection.register(f"{prefix}input", numbered)
        source = exp.Table(this=exp.to_identifier(f"{prefix}input", quoted=True))
        described = connection.execute(
            exp.Describe(this=exp.select(exp.Star()).from_(source)).sql("duckdb")).fetchall()
        types = {str(r[0]): str(r[1]).upper() for r in described}
        key = (prefix, tuple(present), tuple(types[f"f{i}"] for i in range(len(present))))
        queries = _queries(program).texts
        if key not in queries:
            queries[key] = _query_text(program, prefix, present, types, marker)
        text = queries[key]
        if text is None:
            return None
        result = connection.sql(text).to_arrow_table()
    finally:
        connection.close()
    if result.num_rows != count:  # never expected: every row is decided once
        raise AssertionError(f"DuckDB decided {result.num_rows} rows of {count}")
    return result.cast(pa.schema([(name, pa.string()) for name in result.column_names]))


def _query_text(program: ir.Program, prefix: str, present: list[str], types: Mapping[str, str],
                marker: str) -> str | None:
    """The query deciding the registered input (its row number and the field columns
    ``f0``...), ordered by row; None when a ``unique`` key cannot be compared in SQL."""
    fields = program.schema.fields
    row = f"{prefix}row"
    source = exp.Table(this=exp.to_identifier(f"{prefix}input", quoted=True))
    text_columns = {name: f"{prefix}t{i}" for i, name in enumerate(present)}
    # A column whose type fits its field is read as it is; any other becomes the text that
    # reads as its Python value does.
    typed, texts = sql_backend.field_readings(
        fields, {name: exp.column(f"f{i}", quoted=True) for i, name in enumerate(present)},
        {name: types[f"f{i}"] for i, name in enumerate(present)}, text_columns, "duckdb",
        invalid_marker=marker)
    rows = exp.select(exp.column(row, quoted=True), *texts).from_(source)
    query = sql_backend.Query(program, [row, *text_columns.values()], "text", None,
                              invalid_markers={name: marker for name in present},
                              field_columns=text_columns, dialect="duckdb", column_types=typed)
    if not sql_unique.supported(query):
        return None
    decided = sql_unique.select_with_unique(query, rows, [exp.column(row, quoted=True)], None)
    added = output_columns(bool(program.by_verb("warn")))
    ordered = exp.select(*(exp.column(name, quoted=True) for name in added)).from_(
        decided.subquery(exp.to_identifier(f"{prefix}decided", quoted=True))
    ).order_by(exp.column(row, quoted=True))
    return str(ordered.sql("duckdb"))


@attrs.define
class _Queries:
    """A program's queries, per kind of input (its columns' types): building one takes longer
    than deciding a small table. ``marker`` is the program's text that no field accepts: a
    value of a type the field never reads becomes it."""

    program: weakref.ref[ir.Program]
    marker: str = attrs.field(factory=lambda: f"\ufdd0srg-invalid-{uuid.uuid4().hex}")
    texts: dict[tuple[Any, ...], str | None] = attrs.field(factory=dict)


_QUERIES: dict[int, _Queries] = {}
_QUERIES_LOCK = threading.Lock()


def _queries(program: ir.Program) -> _Queries:
    with _QUERIES_LOCK:
        known = _QUERIES.get(id(program))
        if known is None or known.program() is not program:
            for key in [k for k, v in _QUERIES.items() if v.program() is None]:
                del _QUERIES[key]  # programs gone
            known = _QUERIES[id(program)] = _Queries(weakref.ref(program))
        return known


def _row_numbers(count: int) -> Any:
    import pyarrow as pa

    try:
        import numpy

        return pa.array(numpy.arange(count, dtype=numpy.int64))
    except ImportError:
        return pa.array(range(count), pa.int64())


def _attach(kind: str, table: Any, decided: pyarrow.Table, added: tuple[str, ...]) -> Any:
    """The input table with the decided columns appended (input columns of their names
    replaced), as a table of the input's kind."""
    if kind == "pandas":
        kept = table.drop(columns=[c for c in table.columns if str(c) in added])
        columns = {name: decided.column(name).to_pandas() for name in added}
        out = kept.copy(deep=False)
        for name, series in columns.items():
            series.index = table.index
            out[name] = series
        return out
    if kind == "polars":
        import polars as pl

        kept = table.drop([c for c in table.columns if c in added])
        new = pl.from_arrow(decided)
        assert isinstance(new, pl.DataFrame)
        return kept.hstack(new.get_columns())
    out = table
    for name in added:
        if name in out.column_names:
            out = out.drop_columns([name])
    for name in added:
        out = out.append_column(name, decided.column(name) if kind == "pyarrow"
                                else decided.column(name).combine_chunks())
    return out
