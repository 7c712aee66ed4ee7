"""``Rulebook.decide_table`` on pandas, polars and pyarrow tables agrees with ``decide``, row by
row, on generated records with every kind of missing value; numpy and pandas scalars read as
their Python values in ``decide`` and ``decide_many``."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import srg_rules
from srg_rules.strategies import records as records_of

pa = pytest.importorskip("pyarrow", reason="pyarrow is in the 'tables' extra")
pd = pytest.importorskip("pandas", reason="pandas is in the 'tables' extra")
pl = pytest.importorskip("polars", reason="polars is in the 'tables' extra")
np = pytest.importorskip("numpy")

SETTINGS = dict(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BOOK = srg_rules.parse("""\
field id: text
field category: code {taal, coaching, mantelzorg}
field hours: number optional
field start: date
field end: date optional
field month: month optional
field paid: boolean optional
field gemeente: digits(4) optional
field person: bsn optional
include taal when category = taal and hours >= 10
include coaching when category = coaching and start >= 2024-01-01
exclude ended when end < start
reject future when start > 2030-12-31
classify type_40 as 40 when paid
classify type_42 as 42 when gemeente = "0363"
warn short when hours < 2
output type: code {40, 42}
""")
UNIQUE = srg_rules.parse("field id: text\nfield n: number optional\nunique id\n"
                         "include known when n > 1")
ROOT = Path(__file__).resolve().parent.parent


def _expected(book: srg_rules.Rulebook, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    # As a run writes them: no type and no warnings are null.
    return [(str(d.status), d.type, "|".join(d.reasons), "|".join(d.warnings) or None)
            for d in (book.decide(row) for row in rows)]


def _got(table: Any) -> list[tuple[Any, ...]]:
    data = table.to_pydict() if isinstance(table, pa.Table) else (
        table.to_dict(as_series=False) if isinstance(table, pl.DataFrame)
        else {c: table[c].tolist() for c in table.columns})
    def value(cell: Any) -> Any:  # pandas' own null of a text column is NaN
        return None if cell is None or (isinstance(cell, float) and math.isnan(cell)) else cell

    return [tuple(map(value, row)) for row in
            zip(data["status"], data["type"], data["reasons"], data["warnings"])]


MISSING_PANDAS = [None, float("nan"), pd.NA, pd.NaT, np.nan, ""]


@st.composite
def batches(draw: st.DrawFn, raw: bool) -> list[dict[str, Any]]:
    rows = draw(st.lists(records_of(BOOK, raw=raw), min_size=0, max_size=8))
    # Any field may be missing, however it is written (a required one is then rejected).
    for row in rows:
        for name in list(row):
            if draw(st.integers(0, 5)) == 0:
                row[name] = None
    return rows


def _with_missing(draw: st.DrawFn, rows: list[dict[str, Any]], kinds: list[Any]) -> None:
    for row in rows:
        for name, value in row.items():
            if value is None:
                row[name] = draw(st.sampled_from(kinds))


@settings(**SETTINGS)
@given(data=st.data(), raw=st.booleans())
def test_pandas_table_is_decided_as_decide_decides_each_row(data: st.DataObject, raw: bool) -> None:
    rows = data.draw(batches(raw))
    _with_missing(data.draw, rows, MISSING_PANDAS)
    frame = pd.DataFrame(rows, columns=list(BOOK.fields))
    frame.index = [f"r{i}" for i in range(len(frame))]  # the input's index is kept
    decided = BOOK.decide_table(frame)
    assert isinstance(decided, pd.DataFrame)
    assert list(decided.columns) == [*BOOK.fields, "status", "type", "reasons", "warnings"]
    assert list(decided.index) == list(frame.index)
    assert _got(decided) == _expected(BOOK, frame.to_dict("records"))
    assert _got(decided) == _expected(BOOK, list(srg_rules.tables.rows_of(frame)))


@settings(**SETTINGS)
@given(data=st.data(), raw=st.booleans())
def test_polars_table_is_decided_as_decide_decides_each_row(data: st.DataObject, raw: bool) -> None:
    rows = data.draw(batches(raw))
    _with_missing(data.draw, rows, [None, ""] if raw else [None])
    frame = pl.DataFrame(rows, schema=list(BOOK.fields), strict=False, infer_schema_length=None) \
        if rows else pl.DataFrame(schema=list(BOOK.fields))
    decided = BOOK.decide_table(frame)
    assert isinstance(decided, pl.DataFrame)
    assert decided.columns == [*BOOK.fields, "status", "type", "reasons", "warnings"]
    assert _got(decided) == _expected(BOOK, list(frame.iter_rows(named=True)))


@settings(**SETTINGS)
@given(data=st.data(), raw=st.booleans())
def test_arrow_table_is_decided_as_decide_decides_each_row(data: st.DataObject, raw: bool) -> None:
    rows = data.draw(batches(raw))
    _with_missing(data.draw, rows, [None, ""] if raw else [None])
    try:
        table = pa.Table.from_pylist(rows) if rows else pa.table(
            {name: pa.array([], pa.string()) for name in BOOK.fields})
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return  # a column Arrow cannot hold as one type: no Arrow table to decide
    decided = BOOK.decide_table(table)
    assert isinstance(decided, pa.Table)
    assert decided.column_names == [*table.column_names, "status", "type", "reasons", "warnings"]
    assert decided.select(table.column_names).equals(table)
    assert _got(decided) == _expected(BOOK, table.to_pylist())


def test_typed_columns_and_every_missing_kind_read_as_python_values() -> None:
    frame = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "category": ["taal", "coaching", pd.NA, "taal", "taal"],
        "hours": pd.array([12, 1, None, 10, 3], dtype="Int64"),
        "start": pd.to_datetime(["2024-02-01", "2024-03-01", None, "2031-01-01", "2024-01-01"]),
        "end": [dt.date(2024, 1, 1), None, pd.NaT, np.datetime64("NaT"), dt.date(2025, 1, 1)],
        "month": [np.datetime64("2024-02-01"), None, None, None, np.datetime64("2024-02-02")],
        "paid": [np.bool_(True), False, None, True, np.nan],
        "gemeente": pd.array([363, 14, None, 5, 9999], dtype="Int64"),  # zero-filled: 0363
        "person": ["999990019", None, None, "123456789", 999990019],
    })
    decided = BOOK.decide_table(frame)
    expected = _expected(BOOK, frame.to_dict("records"))
    assert _got(decided) == expected
    assert expected == [
        ("excluded", None, "ended", None),
        ("included", None, "coaching|unclassified", "short"),  # np.bool_ False, 14 -> "0014"
        ("rejected", None, "missing_value:category|missing_value:start", None),  # NA, NaT
        ("rejected", None, "invalid_bsn:person|future", None),
        ("rejected", None, "invalid_month:month", None),  # 2024-02-02 is no first day
    ]


def test_numpy_and_pandas_scalars_in_decide_are_their_python_values() -> None:
    base = {"id": "a", "category": "taal", "start": "2024-02-01"}
    python = BOOK.decide({**base, "hours": 12, "paid": False, "gemeente": 363,
                          "end": dt.date(2024, 3, 1), "month": dt.date(2024, 2, 1)})
    numpy_ = BOOK.decide({**base, "hours": np.int64(12), "paid": np.bool_(False),
                          "gemeente": np.int32(363), "end": np.datetime64("2024-03-01"),
                          "month": np.datetime64("2024-02-01")})
    pandas_ = BOOK.decide({**base, "hours": np.float64(12.0), "paid": "nee", "gemeente": "0363",
                           "end": pd.Timestamp("2024-03-01"), "month": pd.Timestamp("2024-02-01")})
    assert python == numpy_ == pandas_
    assert python.status == "included" and python.type == "42"
    for missing in (None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT"), "  "):
        assert BOOK.decide({**base, "hours": 12, "end": missing}).status == "included", missing
        assert BOOK.decide({**base, "hours": missing}).reasons == ("no_include_matched",)
        assert BOOK.decide({**base, "start": missing}).reasons == ("missing_value:start",)


def test_decide_many_takes_a_dataframe() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "a"], "n": [2, 0, np.nan]})
    assert [d.reasons for d in UNIQUE.decide_many(frame)] == [
        ("duplicate:id",), ("no_include_matched",), ("duplicate:id",)]
    assert [d.reasons for d in UNIQUE.decide_many(pl.from_pandas(frame))] == [
        ("duplicate:id",), ("no_include_matched",), ("duplicate:id",)]
    assert [d.reasons for d in UNIQUE.decide_many(pa.Table.from_pandas(frame))] == [
        ("duplicate:id",), ("no_include_matched",), ("duplicate:id",)]


def test_unique_is_applied_across_the_rows_and_existing_columns_are_replaced() -> None:
    table = pa.table({"status": ["old", "old", "old"], "id": ["a", "b", "a"], "n": [2, 3, 4]})
    decided = UNIQUE.decide_table(table)
    assert decided.column_names == ["id", "n", "status", "type", "reasons"]
    assert decided.column("reasons").to_pylist() == ["duplicate:id", "known", "duplicate:id"]
    assert decided.column("type").to_pylist() == [None, None, None]


def test_the_srg_rulebook_decides_the_example_delivery_as_row_by_row() -> None:
    book = srg_rules.load(ROOT / "rulebooks" / "srg.rules")
    frame = pd.read_csv(ROOT / "examples" / "provisions.csv", sep=";", dtype=str,
                        keep_default_na=False)
    decided = book.decide_table(frame)
    assert len(decided) == len(frame) > 100
    assert list(decided.columns) == [*frame.columns, "status", "type", "reasons", "warnings"]
    assert _got(decided) == _expected(book, frame.to_dict("records"))
    assert set(decided["status"]) == {"included", "excluded", "rejected"}


def test_not_a_table_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="pandas or polars DataFrame or a pyarrow Table"):
        BOOK.decide_table([{"id": "a"}])
    with pytest.raises(TypeError, match="more than once"):
        BOOK.decide_table(pd.DataFrame([[1, 2]], columns=["id", "id"]))
