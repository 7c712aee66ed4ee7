"""Typed input decided typed (issue 16, point 2): a column whose type fits its field (a DATE
for a date, BOOLEAN, an integer, DECIMAL or DOUBLE for a number) is read by the SQL backend as
it is, and decides every record exactly as the text of its value does.

Differential: Hypothesis writes records of typed values (dates at both ends of the calendar
and on leap days, timestamps, integers beyond 2**53 and 2**63, doubles with NaN, infinities
and -0.0, decimals, booleans, nulls), and each record is decided

- from typed Parquet by ``run_file`` (the typed reading of :mod:`srg_rules.filerun`),
- from a typed Arrow table by ``Rulebook.decide_table``,
- from the same records as text (what a CSV export holds) in an all-text Parquet file by
  ``run_file`` (the text path),
- by the reference interpreter over the texts,

and all four give every row the same status, type, reasons and warnings. ``to_sql`` with
``column_types`` reads the same way (it is the query of the first two), and falls back to the
text for a type that does not fit.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import srg_rules
from srg_rules.backends import sql
from srg_rules.backends.interpreter import Interpreter
from srg_rules.cli import main
from srg_rules.filerun import run_file
from pg_server import dsn, needs_postgres
from typed_records import BOOK_TEXT, csv_text

pa = pytest.importorskip("pyarrow", reason="pyarrow is in the 'tables' extra")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")

BOOK = srg_rules.parse(BOOK_TEXT)

# The typed columns and their Arrow types; id, person and kind are text.
TYPES = {
    "count": pa.int64(), "big": pa.decimal128(38, 0), "ratio": pa.float64(),
    "amount": pa.decimal128(15, 3), "start": pa.date32(), "moment": pa.timestamp("us"),
    "month": pa.date32(), "paid": pa.bool_(),
}

_days = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2024, 2, 29),
                     dt.date(2024, 2, 28), dt.date(2023, 12, 31), dt.date(2024, 1, 31)]))
_integers = st.one_of(st.integers(-2**63, 2**63 - 1),
                      st.sampled_from([0, 3, 4, 2**53, 2**53 + 1, 2**63 - 1, -2**63]))
_bigs = st.one_of(st.integers(-10**38 + 1, 10**38 - 1),
                  st.sampled_from([2**53 + 1, 2**64, 2**64 - 1, 9007199254740993, 0]))
_doubles = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from([-0.0, 0.0, 3.5, 2.0**53, 1e300, math.nan, math.inf]))
_decimals = st.decimals(min_value=-10**11, max_value=10**11, places=3,
                        allow_nan=False, allow_infinity=False)


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values)


_records = st.fixed_dictionaries({
    "id": st.text("abc", min_size=1, max_size=3),
    "count": _maybe(_integers),
    "big": _maybe(_bigs),
    "ratio": _maybe(_doubles),
    "amount": _maybe(_decimals),
    "start": _maybe(_days),
    "moment": _maybe(st.builds(dt.datetime.combine, _days, st.times())),
    "month": _maybe(st.one_of(_days, _days.map(lambda d: d.replace(day=1)))),
    "paid": _maybe(st.booleans()),
    "person": _maybe(st.sampled_from(["999990019", "999990020", "12345678", " 999990019 "])),
    "kind": st.sampled_from(["a", "b", "c", "", " a"]),
})


def _row(decision: Any) -> tuple[Any, ...]:
    return (str(decision.status), decision.type, "|".join(decision.reasons),
            "|".join(decision.warnings))


def _file_rows(path: Path) -> list[tuple[Any, ...]]:
    table = pq.read_table(path)
    return [(r["status"], r["type"], r["reasons"] or "", r["warnings"] or "")
            for r in table.to_pylist()]


def _typed_table(records: list[dict[str, Any]]) -> Any:
    columns = {}
    for name in ("id", "person", "kind", *TYPES):
        kind = TYPES.get(name, pa.string())
        columns[name] = pa.array([r[name] for r in records], kind)
    return pa.table(columns)


def _decide_all_ways(records: list[dict[str, Any]], folder: Path) -> None:
    program = BOOK.program
    texts = [{name: csv_text(name, value) for name, value in r.items()} for r in records]
    reference = Interpreter(program)
    want = [_row(reference.decide(t)) for t in texts]

    typed = _typed_table(records)
    pq.write_table(typed, folder / "typed.parquet")
    run_file(program, folder / "typed.parquet", folder / "typed.out.parquet", progress=None)
    assert _file_rows(folder / "typed.out.parquet") == want, "typed Parquet"

    decided = BOOK.decide_table(typed)
    got = [(r["status"], r["type"], r["reasons"] or "", r["warnings"] or "")
           for r in decided.to_pylist()]
    assert got == want, "typed Arrow"
    # The typed columns are written back as they came.
    kept = decided.select(typed.column_names)
    assert kept.schema == typed.schema
    assert [repr(v) for v in kept.to_pylist()] == [repr(v) for v in typed.to_pylist()]

    text_table = pa.table({name: pa.array([t[name] for t in texts], pa.string())
                           for name in typed.column_names})
    pq.write_table(text_table, folder / "text.parquet")
    run_file(program, folder / "text.parquet", folder / "text.out.parquet", progress=None)
    assert _file_rows(folder / "text.out.parquet") == want, "text Parquet"


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(records=st.lists(_records, min_size=1, max_size=8))
def test_typed_and_text_input_decide_alike(records: list[dict[str, Any]], tmp_path_factory) -> None:
    _decide_all_ways(records, tmp_path_factory.mktemp("typed"))


# The record each edge test changes a field or two of (DuckDB and PostgreSQL alike).
EDGE_BASE = {"id": "x", "count": 4, "big": None, "ratio": None, "amount": None,
             "start": dt.date(2024, 2, 29), "moment": None, "month": dt.date(2024, 2, 1),
             "paid": True, "person": "999990019", "kind": "a"}


def test_edges_of_typed_values(tmp_path: Path) -> None:
    """The edges by name, so that they are met whatever Hypothesis draws."""
    edges = [
        {}, {"count": None}, {"count": 2**63 - 1}, {"count": -2**63}, {"count": 0},
        {"big": 9007199254740993}, {"big": 2**64}, {"big": 10**38 - 1}, {"big": 4},
        {"ratio": math.nan}, {"ratio": math.inf}, {"ratio": -math.inf}, {"ratio": -0.0},
        {"ratio": 1e300}, {"ratio": 3.999999999999999},
        {"amount": decimal.Decimal("2.500")}, {"amount": decimal.Decimal("2.501")},
        {"amount": decimal.Decimal("-0.001")},
        {"start": dt.date(1, 1, 1)}, {"start": dt.date(9999, 12, 31)}, {"start": None},
        {"moment": dt.datetime(2024, 2, 29, 23, 59, 59)}, {"moment": dt.datetime(1, 1, 1)},
        {"month": dt.date(2024, 2, 2)}, {"month": None}, {"month": dt.date(9999, 12, 1)},
        {"paid": False}, {"paid": None}, {"person": None}, {"kind": "c"},
    ]
    _decide_all_ways([{**EDGE_BASE, **edge} for edge in edges], tmp_path)


def test_nan_in_a_parquet_column_of_one_other_value(tmp_path: Path) -> None:
    """Found by Hypothesis: over Parquet, DuckDB folds a comparison by the column's statistics,
    which leave NaN out; a column of 0.0 and NaN gave NaN > inf false and abs(NaN) < inf true,
    so NaN matched ``ratio = -0.0``. NaN is tested by ISFINITE and ISINF in DuckDB's query."""
    base = {"id": "a", "count": None, "big": None, "amount": None, "start": dt.date(1, 1, 1),
            "moment": None, "month": None, "paid": None, "person": None, "kind": "a"}
    _decide_all_ways([{**base, "ratio": r} for r in (None, 0.0, math.nan)], tmp_path)


def test_nan_in_a_parquet_column_of_zeros(tmp_path: Path) -> None:
    """Found by Hypothesis in the suite: DuckDB folds ISNAN by the statistics too (a column of
    five zeros and one NaN: ISNAN false on every row, so NaN was an invalid number instead of
    missing). NaN is what is neither finite nor infinite (ISFINITE, ISINF), which DuckDB
    evaluates."""
    base = {"id": "a", "count": None, "big": None, "amount": None, "start": None,
            "moment": None, "month": None, "paid": None, "person": None, "kind": "a"}
    _decide_all_ways([{**base, "ratio": r} for r in (0.0, 0.0, 0.0, 0.0, 0.0, math.nan)],
                     tmp_path)


def test_dates_outside_python_are_no_dates(tmp_path: Path) -> None:
    """DuckDB holds dates that datetime.date does not (year 10000, before Christ, infinity):
    typed, they are invalid dates, as their texts are."""
    connection = duckdb.connect()
    path = tmp_path / "far.parquet"
    connection.execute(f"""COPY (SELECT 'x' AS id, d AS start, 'a' AS kind FROM (VALUES
        (DATE '10000-01-01'), (DATE '0001-01-01' - 1), (DATE 'infinity'), (DATE '9999-12-31'),
        (NULL)) AS t(d)) TO '{path}' (FORMAT parquet)""")
    run_file(BOOK.program, path, tmp_path / "far.out.parquet", progress=None)
    got = pq.read_table(tmp_path / "far.out.parquet", columns=["reasons"]).column(0).to_pylist()
    assert got[:3] == ["invalid_date:start"] * 3
    assert got[3] != "invalid_date:start" and "invalid_date" not in got[3]
    assert got[4] == "missing_value:start"


def test_to_sql_reads_fitting_columns_as_they_are_and_others_as_text() -> None:
    book = srg_rules.parse("field d: date\nfield n: number\nfield c: code {1, 2}\n"
                           "include x when d > 2024-01-01 and n > 2 and c = 1\n")
    text = sql.to_sql(book.program, columns=["d", "n", "c"],
                      column_types={"d": "DATE", "n": "BIGINT", "c": "INTEGER"})
    connection = duckdb.connect()
    connection.execute("CREATE TABLE records (d DATE, n BIGINT, c INTEGER)")
    connection.execute("INSERT INTO records VALUES ('2024-05-01', 3, 1), ('2023-05-01', 3, 1), "
                       "(NULL, 3, 3), ('2024-05-01', NULL, 2)")
    got = [row[3:5] for row in connection.execute(text).fetchall()]
    assert got == [("included", None), ("excluded", None), ("rejected", None),
                   ("rejected", None)]
    reasons = [row[5] for row in connection.execute(text).fetchall()]
    assert reasons[2] == "missing_value:d|unknown_code:c"
    assert reasons[3] == "missing_value:n"
    # The DATE column is read as it is, the INTEGER code as its text.
    assert 'STRFTIME("d"' in text.replace("\n", "") or "STRFTIME(\"d\"" in text
    assert 'CAST("c" AS TEXT)' in text
    assert sql.typed_reading(book.program.schema.fields["c"], "INTEGER") is None
    assert sql.typed_reading(book.program.schema.fields["n"], "FLOAT") is None
    assert sql.typed_reading(book.program.schema.fields["d"], "TIMESTAMP WITH TIME ZONE") is None


# PostgreSQL: the same records in a table of PostgreSQL's own types, decided by `srg-rules run
# --engine postgres` (the table's types read from the catalog) and by `to_sql(column_types=...)`
# run as it is, against the interpreter over the texts. Needs a server (.ci/run starts one).
PG_TYPES = {"id": "text", "person": "text", "kind": "text", "count": "bigint",
            "big": "numeric(38,0)", "ratio": "double precision", "amount": "numeric(15,3)",
            "start": "date", "moment": "timestamp", "month": "date", "paid": "boolean"}
@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    psycopg = pytest.importorskip("psycopg")
    schema = f"srg_typed_{uuid.uuid4().hex[:12]}"
    connection = psycopg.connect(dsn(), autocommit=True, prepare_threshold=None)
    connection.execute(f'CREATE SCHEMA "{schema}"')
    book = tmp_path_factory.mktemp("pgbook") / "book.rules"
    book.write_text(BOOK.source.text, encoding="utf-8")
    try:
        yield connection, schema, book
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


def _pg_decide_both_ways(postgres: Any, records: list[dict[str, Any]]) -> None:
    connection, schema, book = postgres
    names = ["row", *PG_TYPES]
    connection.execute(f'DROP TABLE IF EXISTS "{schema}".typed, "{schema}".typed_srg')
    connection.execute(f'CREATE TABLE "{schema}".typed ("row" integer, '
                       + ", ".join(f'"{c}" {t}' for c, t in PG_TYPES.items()) + ")")
    with connection.cursor() as cursor:
        cursor.executemany(
            f'INSERT INTO "{schema}".typed VALUES ({", ".join(["%s"] * len(names))})',
            [[i, *(r[c] for c in PG_TYPES)] for i, r in enumerate(records)])
    reference = Interpreter(BOOK.program)
    want = [_row(reference.decide({n: csv_text(n, v) for n, v in r.items()})) for r in records]

    assert main(["run", str(book), "--engine", "postgres", "--dsn", dsn(schema),
                 "--table", "typed"]) == 0
    got = connection.execute(
        f'SELECT status, type, reasons, warnings FROM "{schema}".typed_srg ORDER BY "row"'
    ).fetchall()
    assert [(s, t, r or "", w or "") for s, t, r, w in got] == want, "run --engine postgres"

    table = exp.Table(this=exp.to_identifier("typed", quoted=True),
                      db=exp.to_identifier(schema, quoted=True))
    query = sql.to_sql(BOOK.program, table, "postgres", columns=names,
                       column_types={c: t.upper() for c, t in PG_TYPES.items()})
    got = connection.execute(
        f'SELECT status, type, reasons, warnings FROM ({query}) AS decided ORDER BY "row"'
    ).fetchall()
    assert [(s, t, r or "", w or "") for s, t, r, w in got] == want, "to_sql(column_types)"


@needs_postgres
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(records=st.lists(_records, min_size=1, max_size=8))
def test_a_typed_postgres_table_decides_as_its_text(postgres: Any,
                                                     records: list[dict[str, Any]]) -> None:
    _pg_decide_both_ways(postgres, records)


@needs_postgres
def test_edges_of_typed_values_in_postgres(postgres: Any) -> None:
    edges = [
        {}, {"count": None}, {"count": 2**63 - 1}, {"count": -2**63}, {"big": 9007199254740993},
        {"big": 2**64}, {"big": 10**38 - 1}, {"ratio": math.nan}, {"ratio": math.inf},
        {"ratio": -math.inf}, {"ratio": -0.0}, {"ratio": 1e300},
        {"amount": decimal.Decimal("2.500")}, {"amount": decimal.Decimal("2.501")},
        {"start": dt.date(1, 1, 1)}, {"start": dt.date(9999, 12, 31)}, {"start": None},
        {"moment": dt.datetime(2024, 2, 29, 23, 59, 59)}, {"month": dt.date(2024, 2, 2)},
        {"paid": False}, {"paid": None}, {"kind": "c"},
    ]
    _pg_decide_both_ways(postgres, [{**EDGE_BASE, **edge} for edge in edges])
