"""``Rulebook.decide_table`` decides every row as ``decide`` decides the row the table's own
conversion gives (pyarrow ``to_pylist()``, pandas ``to_dict("records")``, polars
``to_dicts()``), whatever the dtypes of its columns (docs/engines.md, "Typed input").

A Hypothesis differential draws a column of some dtype for each of a rulebook's fields (Arrow
integers of every width near their ends, half, single and double floats with NaN, infinities,
-0.0 and huge and tiny values, decimals of several widths and scales, dates, timestamps of
every unit with and without a zone, times, durations, booleans, texts, dictionaries, binary,
null; pandas object columns mixing Python, numpy and pandas values, nullable and Arrow-backed
dtypes, categoricals; polars' own dtypes), over fields of every type that conditions compare
with literals and with each other. The tests after it each failed before the fix they name.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import srg_rules

pa = pytest.importorskip("pyarrow", reason="pyarrow is in the 'tables' extra")
pc = pytest.importorskip("pyarrow.compute")
pd = pytest.importorskip("pandas", reason="pandas is in the 'tables' extra")
pl = pytest.importorskip("polars", reason="polars is in the 'tables' extra")
np = pytest.importorskip("numpy")

SETTINGS = dict(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
D = decimal.Decimal

FIELDS = {
    "t": "text",
    "c": 'code {"007", "7", "0", "1", "a", "ja", "2024-02-29", "100000000000000000000"}',
    "g": "digits(4)",
    "p": "bsn",
    "n": "number",
    "m": "number",
    "d": "date",
    "e": "date",
    "mo": "month",
    "b": "boolean",
}
# Each holds when some value of some dtype is read one way and not another.
CONDITIONS = [
    't = "7"', 't = "0.1"', 't = "2024-02-29"', 't = "2024-02-29T00:00:00"', 't = "true"',
    't = "100000000000000000000"', "t is missing", 'c = "007"', 'c = "7"', 'c in {"0", "1"}',
    'c = "2024-02-29"', 'c = "100000000000000000000"', 'g = "0363"', 'g = "0007"', "p is missing",
    "n = 7", "n > 0.1", "n < 0", "n >= 9007199254740993", "n = 20240131", "n < m", "n = m",
    "d = 2024-02-29", "d < e", "d = e", "mo = 2024-02-01", "d >= mo", "e is missing", "b",
    "not b", "m > 1000000000000000000000", "d < e - 1 months", "d + 1 year > e",
    "age(d, e) >= 1", "age(d, mo) < 2", "mo < e - 1 month", "length(t) = 3", "length(g) = 4",
    't matches "[0-9]+"', "n in {7, 363}", "n > 20240131",
]

INTERESTING_INTS = [0, 1, -1, 7, 363, 999990019, 20240131, 2**53 + 1, 10**20]
INTERESTING_FLOATS = [0.0, -0.0, 0.1, 2.5, 7.0, 363.0, 1e16, 1e20, 1e22, 1e40, 2.0**53, 2.0**63,
                      9007199254740994.0, math.nan, math.inf, -math.inf, 5e-324, 1e300,
                      20240131.0, 999990019.0, -1.5, 1.0]
INTERESTING_TEXTS = ["a", " 007 ", "7", "0363", "999990019", "123456789", "2024-02-29",
                     "20240229", "2024-02", "2024-02-01", "ja", "nee", "true", "", "  ", "1e3",
                     "1,5", "0.1", "100000000000000000000", "00000000"]
INTERESTING_DAYS = [dt.date(2024, 2, 29), dt.date(2024, 2, 1), dt.date(2024, 3, 1),
                    dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1)]
ZONES = [None, "UTC", "Europe/Amsterdam", "America/New_York", "+05:30"]


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values)


def _integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    edges = [v for v in [*INTERESTING_INTS, lo, hi, lo + 1, hi - 1] if lo <= v <= hi]
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


FLOATS = st.one_of(st.sampled_from(INTERESTING_FLOATS), st.floats())
DAYS = st.one_of(st.sampled_from(INTERESTING_DAYS), st.dates())
TEXTS = st.one_of(st.sampled_from(INTERESTING_TEXTS),
                  st.text(alphabet="07a -.,:T", max_size=10))


def _moments(unit: str) -> st.SearchStrategy[dt.datetime]:
    low, high = (dt.datetime(1678, 1, 1), dt.datetime(2261, 12, 31)) if unit == "ns" \
        else (dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30))
    return st.one_of(st.sampled_from([dt.datetime(2024, 2, 29, 23, 30), dt.datetime(2024, 3, 1),
                                      dt.datetime(2024, 2, 1, 0, 0, 0, 100000),
                                      dt.datetime(1969, 12, 31, 23, 59, 59, 999999)]),
                     st.datetimes(low, high))


@st.composite
def arrow_columns(draw: st.DrawFn, count: int) -> Any:
    """A column of ``count`` values of a drawn Arrow type."""
    kind = draw(st.sampled_from(["int", "float", "decimal", "date", "timestamp", "bool",
                                 "string", "dictionary", "time", "duration", "binary", "null"]))
    values: list[Any]
    if kind == "int":
        bits = draw(st.sampled_from([8, 16, 32, 64]))
        signed = draw(st.booleans())
        lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        values = draw(st.lists(_maybe(_integers(lo, hi)), min_size=count, max_size=count))
        array = pa.array(values, getattr(pa, f"{'' if signed else 'u'}int{bits}")())
    elif kind == "float":
        width = draw(st.sampled_from(["float16", "float32", "float64"]))
        values = draw(st.lists(FLOATS, min_size=count, max_size=count))
        with np.errstate(over="ignore"):
            array = pa.array(np.array(values, dtype=width))
        if draw(st.booleans()):  # nulls beside the NaNs
            array = pa.array([None if i % 3 == 0 else v for i, v in enumerate(array.to_pylist())],
                             array.type)
    elif kind == "decimal":
        precision, scale, maker = draw(st.sampled_from([
            (10, 2, pa.decimal128), (38, 0, pa.decimal128), (38, 10, pa.decimal128),
            (20, 0, pa.decimal256), (50, 0, pa.decimal256), (60, 30, pa.decimal256),
            (5, -2, pa.decimal128), (9, 2, pa.decimal32), (18, 0, pa.decimal64)]))
        limit = D(10 ** (precision - max(scale, 0)) - 1)  # exactly: an int made a Decimal
        quantum = D(1).scaleb(-scale)
        drawn = draw(st.lists(_maybe(
            st.one_of(st.sampled_from([D(7), D(363), D(20240131), D(0), D("0.1"), D(1)]),
                      st.decimals(-limit, limit, allow_nan=False, allow_infinity=False,
                                  places=max(scale, 0)))),
            min_size=count, max_size=count))
        with decimal.localcontext() as context:
            context.prec = 100  # 38 digits and more, exactly
            values = [v if v is None else v.quantize(quantum) for v in drawn]
        values = [v if v is None or abs(v) <= limit else None for v in values]
        array = pa.array(values, maker(precision, scale))
    elif kind == "date":
        values = draw(st.lists(_maybe(DAYS), min_size=count, max_size=count))
        array = pa.array(values, draw(st.sampled_from([pa.date32(), pa.date64()])))
    elif kind == "timestamp":
        unit = draw(st.sampled_from(["s", "ms", "us", "ns"]))
        values = draw(st.lists(_maybe(_moments(unit)), min_size=count, max_size=count))
        if unit == "s":
            values = [v if v is None else v.replace(microsecond=0) for v in values]
        elif unit == "ms":
            values = [v if v is None else v.replace(microsecond=v.microsecond // 1000 * 1000)
                      for v in values]
        zone = draw(st.sampled_from(ZONES))
        array = pa.array(values, pa.timestamp(unit, tz=zone))
        if unit == "ns":  # nanoseconds too, below 1970 as well, and some ending in 0
            extra = draw(st.lists(st.sampled_from([0, 1, 10, 999, 780]), min_size=count,
                                  max_size=count))
            array = pa.array([None if v is None else v + e for v, e in zip(
                array.cast(pa.int64()).to_pylist(), extra)], pa.int64()).cast(
                    pa.timestamp("ns", tz=zone))
    elif kind == "bool":
        array = pa.array(draw(st.lists(_maybe(st.booleans()), min_size=count, max_size=count)))
    elif kind in ("string", "dictionary"):
        values = draw(st.lists(_maybe(TEXTS), min_size=count, max_size=count))
        array = pa.array(values, draw(st.sampled_from(
            [pa.string(), pa.large_string(), pa.string_view()])))
        if kind == "dictionary":
            array = pa.array(values, pa.string())
            array = array.dictionary_encode() if draw(st.booleans()) \
                else pc.run_end_encode(array)
    elif kind == "time":
        array = pa.array(draw(st.lists(_maybe(st.times()), min_size=count, max_size=count)),
                         pa.time64("us"))
    elif kind == "duration":
        array = pa.array(draw(st.lists(_maybe(st.integers(-10**9, 10**9)), min_size=count,
                                       max_size=count)), pa.duration("s"))
    elif kind == "binary":
        array = pa.array([None if v is None else v.encode() for v in draw(st.lists(
            _maybe(TEXTS), min_size=count, max_size=count))], pa.binary())
    else:
        array = pa.nulls(count)
    return array


OBJECTS = st.one_of(
    st.none(), TEXTS, _integers(-(2**70), 2**70), FLOATS, DAYS, _moments("ns"), st.booleans(),
    st.sampled_from([math.nan, pd.NA, pd.NaT, np.int64(363), np.float32(0.1), np.bool_(True),
                     np.datetime64("2024-02-29"), np.datetime64("2024-02-01T10:00"),
                     pd.Timestamp("2024-02-29 10:00", tz="Europe/Amsterdam"), D("2.50"),
                     D("7"), D("NaN"), D("1E+3"), b"7", dt.time(10), dt.timedelta(1)]))


@st.composite
def pandas_columns(draw: st.DrawFn, count: int) -> Any:
    how = draw(st.sampled_from(["numpy", "nullable", "arrow", "object", "category"]))
    if how == "object":
        return pd.Series(draw(st.lists(OBJECTS, min_size=count, max_size=count)), dtype=object)
    array = draw(arrow_columns(count))
    try:
        if how == "arrow":
            return pd.Series(array.to_pandas(types_mapper=pd.ArrowDtype))
        if how == "nullable":
            return pd.Series(array.to_pandas(types_mapper={
                pa.int64(): pd.Int64Dtype(), pa.uint64(): pd.UInt64Dtype(),
                pa.int8(): pd.Int8Dtype(), pa.float64(): pd.Float64Dtype(),
                pa.float32(): pd.Float32Dtype(), pa.bool_(): pd.BooleanDtype(),
                pa.string(): pd.StringDtype()}.get))
        series = pd.Series(array.to_pandas())
        return series.astype("category") if how == "category" else series
    except (pa.ArrowException, TypeError, ValueError, OverflowError, NotImplementedError):
        return pd.Series(array.to_pylist(), dtype=object)  # no such pandas column


@st.composite
def polars_columns(draw: st.DrawFn, count: int) -> Any:
    array = draw(arrow_columns(count))
    try:
        series = pl.from_arrow(array)
    except (Exception, pl.exceptions.PanicException):  # noqa: BLE001  a type polars lacks
        series = pl.Series(array.to_pylist(), dtype=pl.Object)
    assert isinstance(series, pl.Series)
    if series.dtype == pl.String and draw(st.booleans()):
        series = series.cast(pl.Categorical) if draw(st.booleans()) else \
            series.cast(pl.Enum(sorted({v for v in series.to_list() if v is not None})))
    return series


def _book(required: list[bool], conditions: list[str]) -> srg_rules.Rulebook:
    lines = [f"field {name}: {kind}{'' if needed else ' optional'}"
             for (name, kind), needed in zip(FIELDS.items(), required)]
    lines += [f"include r{i} when {condition}" for i, condition in enumerate(conditions)]
    lines += ["classify k7 as 7 when n = 7", "warn small when n < 1", "output type: code {7}"]
    return srg_rules.parse("\n".join(lines) + "\n")


def _decisions(book: srg_rules.Rulebook, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(str(d.status), d.type, "|".join(d.reasons), "|".join(d.warnings) or None)
            for d in (book.decide(row) for row in rows)]


def _decided(book: srg_rules.Rulebook, table: Any) -> list[tuple[Any, ...]]:
    out = book.decide_table(table)
    data = out.to_pydict() if isinstance(out, pa.Table) else (
        out.to_dict(as_series=False) if isinstance(out, pl.DataFrame)
        else {c: out[c].tolist() for c in out.columns})

    def cell(value: Any) -> Any:  # pandas' own null of a text column is NaN
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else value

    warnings = data.get("warnings", [None] * len(data["status"]))  # no warn rules: none
    return [tuple(map(cell, row)) for row in
            zip(data["status"], data["type"], data["reasons"], warnings)]


def _rows(table: Any) -> list[dict[str, Any]]:
    if isinstance(table, pa.Table):
        return list(table.to_pylist())
    if isinstance(table, pl.DataFrame):
        return list(table.to_dicts())
    return list(table.to_dict("records"))


@settings(**SETTINGS)
@given(data=st.data(), kind=st.sampled_from(["pyarrow", "pandas", "polars"]),
       count=st.integers(0, 5))
def test_every_dtype_is_decided_as_decide_decides_its_python_values(
        data: st.DataObject, kind: str, count: int) -> None:
    required = data.draw(st.lists(st.booleans(), min_size=len(FIELDS), max_size=len(FIELDS)))
    conditions = data.draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=8,
                                    unique=True))
    book = _book(required, conditions)
    names = data.draw(st.lists(st.sampled_from(list(FIELDS)), unique=True, max_size=len(FIELDS)))
    if kind == "pyarrow":
        columns = {}
        for name in names:
            array = data.draw(arrow_columns(count))
            cut = data.draw(st.integers(0, count))  # a chunked column, a chunk may be empty
            columns[name] = pa.chunked_array([array[:cut], array[cut:]], array.type)
        table: Any = pa.table(columns) if names else pa.table({"x": pa.nulls(count)})
    elif kind == "pandas":
        table = pd.DataFrame({name: data.draw(pandas_columns(count)) for name in names}
                             if names else {"x": [None] * count})
    else:
        table = pl.DataFrame([data.draw(polars_columns(count)).alias(name) for name in names]
                             if names else [pl.Series("x", [None] * count)])
    assert _decided(book, table) == _decisions(book, _rows(table))


BOOK = srg_rules.parse("""\
field id: number
field note: text optional
field n: number optional
include noted when note = "a"
include whole when note = "10:00:00"
include seven when n = 7
""")


def _both(book: srg_rules.Rulebook, table: Any) -> tuple[list[Any], list[Any]]:
    return _decided(book, table), _decisions(book, _rows(table))


def test_a_half_float_column_is_read_as_its_floats() -> None:
    """DuckDB cannot scan an Arrow half float ('Unsupported Internal Arrow Type e'): it is
    widened to a float32, exactly."""
    for table in (pa.table({"id": [1, 2], "n": pa.array(np.array([7, 0.1], np.float16))}),
                  pd.DataFrame({"id": [1, 2], "n": np.array([7, 0.1], np.float16)})):
        got, expected = _both(BOOK, table)
        assert got == expected
        assert [row[2] for row in got] == ["seven", "no_include_matched"]


def test_a_decimal_duckdb_cannot_hold_is_read_as_its_python_values() -> None:
    """A decimal256 (DuckDB: 'Unsupported Internal Arrow Type for Decimal') or a negative
    scale (an internal error) was a traceback."""
    table = pa.table({"id": [1, 2, 3],
                      "note": pa.array([D(10**60), D("1.5"), None], pa.decimal256(70, 2)),
                      "n": pa.array([D("7E+2"), D("0"), D("7E+2")], pa.decimal128(5, -2))})
    got, expected = _both(BOOK, table)
    assert got == expected
    narrow = pa.table({"id": [1], "n": pa.array([D(7)], pa.decimal256(20, 0))})
    assert _both(BOOK, narrow)[0] == _both(BOOK, narrow)[1] == [
        ("included", None, "seven", None)]


@pytest.mark.parametrize("column", [
    pa.array([dt.time(10), None], pa.time64("us")),
    pa.array([dt.time(10), None], pa.time32("s")),
    pa.array([dt.timedelta(hours=10), None], pa.duration("s")),
    pa.array([b"a", None], pa.binary()),
    pa.array([b"a", None], pa.large_binary()),
    pa.array([["a"], None], pa.list_(pa.string())),
    pa.array([{"x": "a"}, None], pa.struct([("x", pa.string())])),
], ids=lambda column: str(column.type))
def test_a_type_no_field_reads_is_invalid_not_its_duckdb_text(column: Any) -> None:
    """A time was DuckDB's text 10:00:00, b'a' the text a: each a valid text, where decide
    reads neither (invalid_text)."""
    table = pa.table({"id": [1, 2], "note": column})
    got, expected = _both(BOOK, table)
    assert got == expected
    assert got[0] == ("rejected", None, "invalid_text:note", None)


def test_a_pandas_object_column_of_texts_and_bytes_reads_the_bytes_as_decide_does() -> None:
    """Arrow made b'a' the text 'a' when asked for a text column."""
    frame = pd.DataFrame({"id": [1, 2], "note": pd.Series(["a", b"a"], dtype=object)})
    got, expected = _both(BOOK, frame)
    assert got == expected == [("included", None, "noted", None),
                               ("rejected", None, "invalid_text:note", None)]


def test_a_numpy_day_in_a_pandas_object_column_is_the_timestamp_to_dict_gives() -> None:
    """to_dict("records") boxes a numpy datetime64 as a Timestamp, whose text is
    2024-02-29T00:00:00; the column went to Python by tolist(), which keeps the datetime64,
    read as the date 2024-02-29."""
    book = srg_rules.parse('field note: text\ninclude stamp when note = "2024-02-29T00:00:00"\n')
    frame = pd.DataFrame({"note": pd.Series(["a", np.datetime64("2024-02-29")], dtype=object)})
    got, expected = _both(book, frame)
    assert got == expected
    assert got[1] == ("included", None, "stamp", None)


def test_the_unique_fallback_decides_the_rows_decide_is_given() -> None:
    """A rulebook whose unique key has a number field is decided in Python; it was given the
    texts made for DuckDB, in which a value no field reads is a marker that reads as a
    valid text."""
    book = srg_rules.parse('field id: number\nfield note: text optional\nunique id\n'
                           'include known when note is present\n')
    frame = pd.DataFrame({"id": [1, 2], "note": pd.Series([True, "a"], dtype=object)})
    got, expected = _both(book, frame)
    assert got == expected == [("rejected", None, "invalid_text:note", None),
                               ("included", None, "known", None)]


NANOSECONDS = [pd.Timestamp("2024-03-01 10:00:00.123456780"), pd.Timestamp("2024-03-01 10:00:00.00000001"),
               pd.Timestamp("1969-12-31 23:59:59.999999999"), pd.Timestamp("1969-12-01 00:00:00")]
STAMPS = srg_rules.parse("""\
field t: text optional
field d: date optional
field mo: month optional
include a when t = "2024-03-01T10:00:00.123456780"
include b when t = "2024-03-01T10:00:00.000000010"
include c when t = "2024-03-01T10:00:00.123456"
include before when d < 1970-01-01
include eve when d = 1969-12-31
include december when mo = 1969-12-01
""")


def test_nanoseconds_ending_in_zero_are_nine_digits_for_a_text_field() -> None:
    """pandas' Timestamp.isoformat() writes a nanosecond's nine digits; DuckDB's text of a
    TIMESTAMP_NS drops their trailing zeros (10:00:00.12345678), which matched nothing."""
    for table in (pa.table({"t": pa.array(NANOSECONDS, pa.timestamp("ns"))}),
                  pd.DataFrame({"t": NANOSECONDS})):
        got, expected = _both(STAMPS, table)
        assert got == expected
        assert [row[2] for row in got[:2]] == ["a", "b"]


def test_a_polars_nanosecond_is_the_microsecond_datetime_to_dicts_gives() -> None:
    """polars' to_dicts() floors a nanosecond timestamp to a datetime (10:00:00.123456):
    decide_table read all nine digits."""
    frame = pl.from_arrow(pa.table({"t": pa.array(NANOSECONDS[:2], pa.timestamp("ns")),
                                    "d": pa.array(NANOSECONDS[2:], pa.timestamp("ns"))}))
    assert isinstance(frame, pl.DataFrame) and frame.schema["t"] == pl.Datetime("ns")
    got, expected = _both(STAMPS, frame)
    assert got == expected
    assert got[0][2] == "c|before|eve"


def test_a_nanosecond_before_a_midnight_before_1970_is_on_its_own_day() -> None:
    """DuckDB's CAST of a TIMESTAMP_NS to DATE drops the nanoseconds towards 1970:
    1969-12-31 23:59:59.999999999 was the day 1970-01-01, and 1969-11-30 23:59:59.999999999
    the first of December for a month field."""
    days = pa.array([NANOSECONDS[2], pd.Timestamp("1969-11-30 23:59:59.999999999")],
                    pa.timestamp("ns"))
    table = pa.table({"d": days, "mo": days})
    got, expected = _both(STAMPS, table)
    assert got == expected
    assert got == [("rejected", None, "invalid_month:mo", None)] * 2
    got, expected = _both(STAMPS, pa.table({"d": days}))
    assert got == expected == [("included", None, "before|eve", None),
                               ("included", None, "before", None)]
