"""Typed columns the query does not read as they are, turned into text
(:func:`srg_rules.backends.sql.typed_as_text`, one function for the DuckDB file run,
``decide_table`` and the Spark engine).

Each test here failed on the form it replaced: the DuckDB file run tested a float's NaN with
``ISNAN``, which DuckDB folds by a Parquet column's statistics; ``decide_table`` wrote a REAL
as its float32 text, an integral float of 1e18 or more as DuckDB's ``1e+18`` and a
timestamp's fraction as DuckDB does (``10:00:00.1``), where ``Rulebook.decide`` reads the
Python value. The Spark engine's zero-filling of an integer for a ``digits(n)`` field is
tested in tests/test_spark_run.py.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

import srg_rules
from srg_rules.backends import sql
from srg_rules.filerun import run_file

pa = pytest.importorskip("pyarrow", reason="pyarrow is in the 'tables' extra")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")

BOOK = srg_rules.parse("""\
field id: text
field note: text optional
field kind: code {a, b, 100000000000000000000}
field share: number optional
field month: month optional
include blank when note is missing
include noted when note = "2024-02-29T10:00:00.100000"
include whole when note = "2024-02-29T10:00:00"
include large when kind = 100000000000000000000
include over when share > 0.1
include dated when month = 2024-02-01
""")


def _decided(table: Any) -> list[tuple[str, str]]:
    return [(r["status"], r["reasons"] or "") for r in BOOK.decide_table(table).to_pylist()]


def _python(table: Any) -> list[tuple[str, str]]:
    return [(str(d.status), "|".join(d.reasons))
            for d in (BOOK.decide(row) for row in table.to_pylist())]


def test_a_parquet_float_nan_for_a_text_field_is_missing(tmp_path: Path) -> None:
    """Five zeros and a NaN in a DOUBLE column read by a text field: ISNAN, folded by the
    column's statistics, was false on every row, and the NaN was the text ``nan``."""
    table = pa.table({"id": ["x"] * 6, "kind": ["a"] * 6,
                      "note": pa.array([0.0] * 5 + [math.nan], pa.float64())})
    pq.write_table(table, tmp_path / "in.parquet")
    run_file(BOOK.program, tmp_path / "in.parquet", tmp_path / "out.parquet", progress=None)
    got = pq.read_table(tmp_path / "out.parquet", columns=["reasons"]).column(0).to_pylist()
    assert got == ["no_include_matched"] * 5 + ["blank"]
    assert [r for _, r in _python(table)] == got


def test_a_real_column_is_read_as_the_double_python_holds() -> None:
    """A float32 0.1 is 0.10000000149011612 to Python (and above 0.1); its float32 text
    ``0.1`` read as 0.1."""
    for kind in ("arrow", "pandas"):
        table = pa.table({"id": ["x", "y"], "kind": ["a", "a"],
                          "share": pa.array([0.1, 0.0], pa.float32())})
        if kind == "pandas":
            table = table.to_pandas()
            want = [(str(d.status), "|".join(d.reasons))
                    for d in (BOOK.decide(r) for r in table.to_dict("records"))]
            got = [tuple(r) for r in BOOK.decide_table(table)[["status", "reasons"]]
                   .fillna("").values.tolist()]
        else:
            want, got = _python(table), _decided(table)
        assert got == want, kind
        assert "over" in got[0][1]


def test_an_integral_float_for_a_code_is_its_digits() -> None:
    """Python writes an integral float for a code as ``str(int(x))``: 1e20 is 21 digits, not
    DuckDB's ``1e+20`` (a BIGINT holds only up to about 9.2e18)."""
    table = pa.table({"id": ["x"] * 4, "kind": pa.array([1e20, 1e18, 2.0**62, 2.5], pa.float64())})
    assert _decided(table) == _python(table)
    assert _decided(table)[0] == ("included", "blank|large")


def test_an_integral_float_of_any_size_for_a_text_field_is_all_its_digits() -> None:
    """Beyond 2**127 (which a HUGEINT held) as well: ``str(int(1e40))`` is 41 digits and the
    largest float 309; DuckDB's own text would be ``1e+40``."""
    book = srg_rules.parse(f'field id: text\nfield note: text\n'
                           f'include hit when note = "{int(1e40)}"\n')
    values = [1e40, 2.0**127, -2.0**200, 1.7976931348623157e308, -0.0, 1e40 + 2**80]
    table = pa.table({"id": ["x"] * len(values), "note": pa.array(values, pa.float64())})
    got = [(r["status"], r["reasons"] or "") for r in book.decide_table(table).to_pylist()]
    assert got == [(str(d.status), "|".join(d.reasons))
                   for d in (book.decide(row) for row in table.to_pylist())]
    assert got[0] == ("included", "hit")


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC", "+05:30", "America/St_Johns"])
@pytest.mark.parametrize("unit", ["s", "us", "ns"])
def test_a_zoned_timestamp_is_read_in_its_own_zone(zone: str, unit: str) -> None:
    """``Rulebook.decide`` reads a datetime in the column's zone: a date field takes its local
    day, a text field its ``isoformat()`` with the zone's offset. DuckDB read both in its
    session's zone (UTC here): 17 of these 36 cases decided otherwise."""
    from zoneinfo import ZoneInfo

    amsterdam = ZoneInfo("Europe/Amsterdam")
    moments = [dt.datetime(2024, 2, 29, 0, 30, tzinfo=amsterdam),
               dt.datetime(2024, 3, 1, 0, 30, tzinfo=amsterdam),
               dt.datetime(1900, 3, 1, 0, 30, 0, 5, tzinfo=amsterdam), None]
    column = pa.array(moments, pa.timestamp("us", tz=zone)).cast(
        pa.timestamp(unit, tz=zone), safe=False)
    for field, condition in [("text", 'note = "2024-02-29T00:30:00+01:00"'),
                             ("date", "note = 2024-02-29"), ("month", "note = 2024-03-01"),
                             ("code {a}", "note = a")]:
        book = srg_rules.parse(f"field id: text\nfield note: {field} optional\n"
                               f"include hit when {condition}\n")
        table = pa.table({"id": ["x"] * len(moments), "note": column})
        got = [(r["status"], r["reasons"] or "") for r in book.decide_table(table).to_pylist()]
        assert got == [(str(d.status), "|".join(d.reasons))
                       for d in (book.decide(row) for row in table.to_pylist())], field


def test_a_timestamp_for_a_text_field_is_its_isoformat() -> None:
    """``datetime.isoformat()``: six digits of microseconds when they are not 0 (DuckDB's
    own text is ``10:00:00.1``), none when they are, for every unit of time."""
    moments = {
        "us": [dt.datetime(2024, 2, 29, 10, 0, 0, 100000), dt.datetime(2024, 2, 29, 10),
               dt.datetime(5, 1, 1, 0, 0, 0, 1), None],
        "ms": [dt.datetime(2024, 2, 29, 10, 0, 0, 120000), dt.datetime(5, 1, 1, 0, 0, 0, 1000)],
        "s": [dt.datetime(2024, 2, 29, 10), dt.datetime(5, 1, 1)],
        "ns": [dt.datetime(2024, 2, 29, 10, 0, 0, 100000), dt.datetime(1970, 1, 1)],
    }
    for unit, values in moments.items():
        table = pa.table({"id": ["x"] * len(values), "kind": ["a"] * len(values),
                          "note": pa.array(values, pa.timestamp(unit))})
        assert _decided(table) == _python(table), unit
    table = pa.table({"id": ["x"], "kind": ["a"],
                      "note": pa.array(moments["us"][:1], pa.timestamp("us"))})
    assert _decided(table) == [("included", "noted")]


def test_a_zoned_timestamp_for_a_month_is_a_month_on_first_days_only(tmp_path: Path) -> None:
    """A TIMESTAMP WITH TIME ZONE does not fit a month field (its day depends on the
    session's zone): read as text, a first day is its month, another day, a day outside
    0001..9999 or before Christ (whose text DuckDB writes with a ``(BC)``) stays a whole
    date, which no month reads."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    path = tmp_path / "zoned.parquet"
    connection.execute(f"""COPY (SELECT 'x' AS id, 'a' AS kind, m AS month FROM (VALUES
        (TIMESTAMPTZ '2024-02-01 12:00:00+00'), (TIMESTAMPTZ '2024-02-02 12:00:00+00'),
        (TIMESTAMPTZ '0005-03-01 12:00:00+00'),
        (TIMESTAMPTZ '0005-03-01 12:00:00+00' - INTERVAL 10 YEAR),
        (TIMESTAMPTZ '10000-01-01 12:00:00+00'), (NULL)) AS t(m))
        TO '{path}' (FORMAT parquet)""")
    types = {str(r[0]): str(r[1]) for r in connection.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
    assert types["month"] == "TIMESTAMP WITH TIME ZONE"
    run_file(BOOK.program, path, tmp_path / "zoned.out.parquet", progress=None)
    got = pq.read_table(tmp_path / "zoned.out.parquet", columns=["reasons"]).column(0).to_pylist()
    assert got == ["blank|dated", "invalid_month:month", "blank", "invalid_month:month",
                   "invalid_month:month", "blank"]


def test_a_bit_string_is_no_integer() -> None:
    """sqlglot counts DuckDB's BIT among the integers; its CAST to DOUBLE is its bits taken
    as a DOUBLE's (2.5e-323). It is read as its text."""
    fields = srg_rules.parse("field n: number\nfield d: digits(4)\n"
                             "include x when n > 1\n").program.schema.fields
    assert sql.typed_reading(fields["n"], "BIT") is None
    assert sql.typed_reading(fields["n"], "BIGINT") == "integer"
    connection = duckdb.connect()
    text = sql.typed_as_text(sql_column("b"), "BIT", fields["d"], "duckdb").sql("duckdb")
    assert connection.execute(f"SELECT {text} FROM (SELECT '011'::BIT AS b)").fetchall() == \
        [("011",)]


def sql_column(name: str) -> Any:
    from sqlglot import exp

    return exp.column(name, quoted=True)


def test_a_decimal_is_read_as_its_export_by_decide_and_decide_table() -> None:
    """A DECIMAL column (pyarrow's decimal128; psycopg gives Decimal for a NUMERIC): a number
    field reads its value, a text field its digits as written (``2.50``), in decide_table and
    in decide alike; a Decimal NaN is missing, as a float NaN is."""
    import decimal

    D = decimal.Decimal
    table = pa.table({"id": ["x"] * 5, "kind": ["a"] * 5,
                      "share": pa.array([D("0.20"), D("0.10"), D("0.05"), None, D("12.50")],
                                        pa.decimal128(10, 2)),
                      "note": pa.array([D("2.50"), D("0.00"), None, D("-1.00"), D("1000.00")],
                                       pa.decimal128(10, 2))})
    assert _decided(table) == _python(table)
    assert _python(table)[:3] == [("included", "over"), ("excluded", "no_include_matched"),
                                  ("included", "blank")]
    rules = ('field n: number optional\nfield t: text\ninclude t_set when t = "2.50"\n'
             "reject odd when n is missing\n")
    for backend in ("interpreter", "python"):
        book = srg_rules.parse(rules, backend=backend)
        assert book.decide({"t": D("2.50"), "n": D("NaN")}).reasons == ("odd",)
        # Written in fixed point, as an export writes it: 250E-2 is 2.50.
        assert book.decide({"t": D("250E-2"), "n": D("7")}).reasons == ("t_set",)


def test_a_parquet_nanosecond_before_a_midnight_before_1970_is_on_its_own_day(
        tmp_path: Path) -> None:
    """DuckDB's CAST of a TIMESTAMP_NS to DATE drops the nanoseconds towards 1970, which
    made 1969-12-31 23:59:59.999999999 the day 1970-01-01 (its CSV export's day is
    1969-12-31); the same reading serves decide_table (tests/test_tables_dtypes.py)."""
    book = srg_rules.parse("field d: date\ninclude before when d < 1970-01-01\n")
    moments = pa.array([-1, -86_400 * 10**9 - 1, 0], pa.int64()).cast(pa.timestamp("ns"))
    pq.write_table(pa.table({"d": moments}), tmp_path / "in.parquet")
    run_file(book.program, tmp_path / "in.parquet", tmp_path / "out.parquet", progress=None)
    got = pq.read_table(tmp_path / "out.parquet", columns=["reasons"]).column(0).to_pylist()
    assert got == ["before", "before", "no_include_matched"]
