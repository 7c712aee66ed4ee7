"""The Spark SQL the backend writes, run on a local Spark session, decides every row as the
reference interpreter does.

Needs PySpark (``pip install 'pyspark>=4.0'``) and a Java runtime (17 or later); skipped with
the reason otherwise. Spark 4 runs with ANSI mode on, where a failed CAST is an error: the
query must only cast what it has checked.

One local session serves the whole module (starting one takes some seconds).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pyspark = pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'pyspark>=4.0')")
if shutil.which("java") is None:  # pragma: no cover
    pytest.skip("no Java runtime on PATH for Spark", allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql.types import StringType, StructField, StructType  # noqa: E402

import srg_rules  # noqa: E402
from srg_rules.backends import sql  # noqa: E402

try:  # tests/ as a package, or as a directory on sys.path (pytest's default)
    from tests import strategies
    from tests.test_age import age_edges_book
    from tests.test_sql import SHIFT_EDGES, shift_edges_book
except ImportError:  # pragma: no cover
    import strategies
    from test_age import age_edges_book
    from test_sql import SHIFT_EDGES, shift_edges_book

ROOT = Path(__file__).parent.parent
SRG = ROOT / "rulebooks" / "srg.rules"
ROW = "row_number"


@pytest.fixture(scope="module")
def spark():
    session = (SparkSession.builder.master("local[1]").appName("srg-rules-test")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.sql.ansi.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _text(value):
    """A value as a CSV file carries it."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _decide_on_spark(spark, book: srg_rules.Rulebook, records: list[dict], *,
                     with_columns: bool = True, reasons: str = "text") -> list[tuple]:
    fields = list(book.fields)
    columns = [ROW, *fields]
    schema = StructType([StructField(c, StringType(), True) for c in columns])
    rows = [(str(i), *(_text(r.get(f)) for f in fields)) for i, r in enumerate(records)]
    spark.createDataFrame(rows, schema).createOrReplaceTempView("records")
    query = sql.to_sql(book.program, "records", "spark",
                       columns=columns if with_columns else None, reasons=reasons)
    result = spark.sql(query).collect()
    ordered = sorted(result, key=lambda r: int(r[ROW]))
    return [(r["status"], r["type"],
             tuple(r["reasons"]) if reasons == "list" else tuple(r["reasons"].split("|")))
            for r in ordered]


def _assert_agree(spark, book, records, **options) -> None:
    got = _decide_on_spark(spark, book, records, **options)
    assert len(got) == len(records)
    for record, decided in zip(records, got):
        want = book.decide({k: _text(v) for k, v in record.items()})
        assert decided == (want.status.value, want.type, want.reasons), record


def _provisions() -> list[dict]:
    with open(ROOT / "examples" / "provisions.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


_ODD = [
    {"category": " taal\u3000", "start_date": "２０２５-01-31", "end_date": "00000000"},
    {"category": "taal", "start_date": "2024-02-29", "end_date": "2024-02-30"},
    {"category": "coaching", "start_date": "20250131", "end_date": "2025-01-30",
     "traceable": "JA", "initiative": "gemeente", "funding": "reintegratie"},
    {"category": "'); DROP TABLE records; --", "traceable": "maybe", "involved": "\\"},
    {"category": "ips", "initiative": "burger", "judgement": "", "start_date": "1900-02-29"},
]


def test_srg_rulebook_on_spark(spark) -> None:
    book = srg_rules.load(SRG)
    records = _provisions() + [{**_provisions()[0], **odd} for odd in _ODD]
    _assert_agree(spark, book, records)
    _assert_agree(spark, book, records, with_columns=False)


def test_numbers_dates_and_hostile_codes_on_spark(spark) -> None:
    book = srg_rules.parse(
        'field n: number optional\nfield m: number optional\nfield d: date optional\n'
        'field c: code {"back\\\\slash", "it\'s", "ends with \\\\", plain, "tab\there"} optional\n'
        "include big when n > 9007199254740993 or n = 12.5\n"
        "include small when n < -3 or n in {0, 18446744073709551617}\n"
        "include cmp when n < m\ninclude eq when n = m\n"
        'include date when d >= 2024-02-29\ninclude code when c in {"back\\\\slash", "it\'s"}\n'
        'include tab when c = "tab\there"\n')
    numbers = [None, "", "12,5", "1,000", "9007199254740993", "9007199254740994",
               "9007199254740992.0", "18446744073709551617", "1e400", "١٢", "𝟏𝟐", "-0", "abc",
               " 7 ", "-4"]
    records = [{"n": n, "m": m, "d": d, "c": c}
               for n in numbers for m in ("9007199254740993", "12.5", None)
               for d, c in (("2024-02-29", "back\\slash"), ("2023-02-29", "it's"),
                            ("20240301", "ends with \\"), ("x", "tab\there"), (None, "Plain"))]
    _assert_agree(spark, book, records)
    _assert_agree(spark, book, records[:40], reasons="list")


@pytest.mark.parametrize("start", range(0, len(SHIFT_EDGES), 6))
def test_dates_moved_at_the_edges_on_spark(spark, start: int) -> None:
    """DATE_ADD and ADD_MONTHS move dates as srg_rules.dates does: ADD_MONTHS clamps to the
    month's end and (Spark 3 and later) does not keep a month end; no date leaves Spark's
    calendar under ANSI mode. Six shifts a query keep the generated code within the JVM's
    64 KB a method."""
    book, records = shift_edges_book(SHIFT_EDGES[start:start + 6])
    _assert_agree(spark, book, records)


def test_ages_at_the_edges_on_spark(spark) -> None:
    """Ages from the dates' parts (``%`` for leap years), as srg_rules.dates.age computes them."""
    book, records = age_edges_book()
    _assert_agree(spark, book, records)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_generated_rulebooks_on_spark(spark, data) -> None:
    schema = data.draw(strategies.schemas(max_fields=4))
    book = srg_rules.parse(data.draw(strategies.programs(schema)))
    records = data.draw(st.lists(strategies.raw_records(schema), min_size=1, max_size=15))
    # Spark, like DuckDB, does not tell "M" from "m": such field pairs are for the other tests.
    lowered = [name.lower() for name in book.fields]
    if len(set(lowered)) < len(lowered) or ROW in lowered:
        return
    _assert_agree(spark, book, records)


def test_pattern_matches_on_tricky_texts_on_spark(spark) -> None:
    """Java's regex reads the canonical pattern as Python does: ASCII classes, ``.`` across
    line breaks, characters outside the BMP (tests/test_patterns.py has the cases)."""
    try:
        from tests.test_patterns import BOOK, _rows
    except ImportError:  # pragma: no cover
        from test_patterns import BOOK, _rows
    _assert_agree(spark, srg_rules.parse(BOOK), [row for row, _ in _rows()])
