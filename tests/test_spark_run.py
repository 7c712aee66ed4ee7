"""``srg-rules run --engine spark``: files and folders decided on a local Spark session.

Needs PySpark and a Java runtime (17 or later); skipped with the reason otherwise. The CSV
output of a Spark run holds the same bytes as the python engine's, for a source extract
(a rulebook with a registration level) too; a folder of Parquet files
decides each row as the python engine decides its CSV export.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'srg-rules[spark]')")
if shutil.which("java") is None:  # pragma: no cover
    pytest.skip("no Java runtime on PATH for Spark", allow_module_level=True)

import duckdb  # noqa: E402

import srg_rules  # noqa: E402
from srg_rules.cli import main  # noqa: E402
from typed_records import BOOK_TEXT, csv_text  # noqa: E402

ROOT = Path(__file__).parent.parent
PROVISIONS = ROOT / "examples" / "provisions.csv"


@pytest.fixture(scope="module", autouse=True)
def session():
    """One local session for the module (run_spark takes the running one)."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("srg-rules-run-test")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    yield spark
    spark.stop()


def _run(*args: str) -> int:
    return main(["run", *map(str, args)])


def test_a_csv_file_gets_the_bytes_of_the_python_engine(tmp_path) -> None:
    """The shipped delivery rulebook (unique, warn rules) over the example provisions, a
    malformed row included: the same file and the same summary as the python engine."""
    book = ROOT / "rulebooks" / "srg-delivery.rules"
    assert _run(book, PROVISIONS, "-o", tmp_path / "py.csv", "--engine", "python",
                "--summary-json", tmp_path / "py.json", "--by", "municipality_code") == 0
    assert _run(book, PROVISIONS, "-o", tmp_path / "spark.csv", "--engine", "spark",
                "--summary-json", tmp_path / "spark.json", "--by", "municipality_code") == 0
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "py.csv").read_bytes()
    assert json.loads((tmp_path / "spark.json").read_text()) == \
        json.loads((tmp_path / "py.json").read_text())


def test_a_folder_of_parquet_files_is_decided_into_a_folder(tmp_path) -> None:
    """Parquet in (a folder of two files, typed columns), Parquet out: every row once, decided as the
    python engine decides the same rows as text."""
    book_path = ROOT / "rulebooks" / "srg.rules"
    book = srg_rules.load(book_path)
    with PROVISIONS.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle, delimiter=";"))
    rows = [row for row in rows if len(row) == len(header)]
    folder = tmp_path / "in"
    folder.mkdir()
    connection = duckdb.connect()
    half = len(rows) // 2
    for index, part in enumerate((rows[:half], rows[half:])):
        connection.execute("CREATE OR REPLACE TABLE t (n INTEGER, "
                           + ", ".join(f'"{c}" VARCHAR' for c in header) + ")")
        connection.executemany(f"INSERT INTO t VALUES ({', '.join('?' * (len(header) + 1))})",
                               [[index * half + i, *row] for i, row in enumerate(part)])
        # A typed column: the end date as a DATE where it reads as one.
        connection.execute(f"COPY (SELECT * REPLACE (TRY_CAST(end_date AS DATE) AS end_date) "
                           f"FROM t) TO '{folder / f'part{index}.parquet'}' (FORMAT parquet)")
    out = tmp_path / "out"
    # Given as a URI, as a cluster's storage is (hdfs://, s3a://): Spark lists the folder.
    assert _run(book_path, f"file://{folder}", "-o", out, "--engine", "spark") == 0
    got = connection.execute(f"SELECT n, end_date, status, type, reasons "
                             f"FROM read_parquet('{out}/*.parquet') ORDER BY n").fetchall()
    assert [g[0] for g in got] == list(range(len(rows)))
    for (n, end_date, status, type_, reasons), row in zip(got, rows):
        record = dict(zip(header, row))
        record["end_date"] = end_date.isoformat() if end_date is not None else None
        want = book.decide(record)
        assert (status, type_, tuple(reasons.split("|")) if reasons else ()) == \
            (want.status.value, want.type, want.reasons), (n, record)


def test_mistakes_are_told_without_a_traceback(tmp_path, capsys) -> None:
    book = tmp_path / "book.rules"
    book.write_text("field hours: number\ninclude big when hours > 10\n", encoding="utf-8")
    assert _run(book, tmp_path / "missing.csv", "-o", tmp_path / "o.csv", "--engine", "spark") == 2
    assert "missing.csv: no such file or folder" in capsys.readouterr().err
    assert _run(book, PROVISIONS, "--engine", "spark") == 2
    assert "-o OUTPUT" in capsys.readouterr().err
    (tmp_path / "in.csv").write_text("minutes\n3\n", encoding="utf-8")
    assert _run(book, tmp_path / "in.csv", "-o", tmp_path / "o.csv", "--engine", "spark") == 2
    assert "hours" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()
    # A source extract whose numbers the registration level's query cannot sum as Python.
    (tmp_path / "book.rules").write_text("field id: text\nfield hours: number\nactivities share "
                                         "id\n    combine hours by sum\ninclude big when hours "
                                         "> 10\n", encoding="utf-8")
    (tmp_path / "halves.csv").write_text("id;hours\na;1.5\na;12\n", encoding="utf-8")
    assert _run(book, tmp_path / "halves.csv", "-o", tmp_path / "o.csv", "--engine", "spark") == 2
    err = capsys.readouterr().err
    assert "not an integer of at most 15 digits" in err and "--engine python" in err
    assert not (tmp_path / "o.csv").exists()


def test_a_source_extract_gets_the_bytes_of_the_python_engine(tmp_path) -> None:
    """The shipped source example (activities, a trajectory, unique, warn rules), a
    malformed row added: the provisions, their lineage and the summary of the python engine.
    One small extract: Spark takes most of a minute to plan the registration level's query."""
    source = ROOT / "examples" / "source"
    extract = tmp_path / "extract.csv"
    text = (source / "extract.csv").read_text(encoding="utf-8")
    extract.write_text(text + "2026-01;VB-X;999991103;0344\n", encoding="utf-8")
    book = source / "gemeente.rules"
    assert _run(book, extract, "-o", tmp_path / "py.csv", "--engine", "python",
                "--summary-json", tmp_path / "py.json", "--by", "municipality_code") == 0
    assert _run(book, extract, "-o", tmp_path / "spark.csv", "--engine", "spark",
                "--summary-json", tmp_path / "spark.json", "--by", "municipality_code") == 0
    python = (tmp_path / "py.csv").read_bytes()
    assert (tmp_path / "spark.csv").read_bytes() == python
    assert b"coach_cursus" in python and b"malformed_row" in python
    assert json.loads((tmp_path / "spark.json").read_text()) == \
        json.loads((tmp_path / "py.json").read_text())


def test_typed_parquet_columns_are_read_as_they_are(tmp_path, monkeypatch) -> None:
    """A Parquet file of typed columns (integers, decimals, doubles with NaN, infinities and
    -0.0, dates at the calendar's ends, months, booleans): every row decided as the
    interpreter decides its CSV export."""
    import datetime as dt
    import decimal
    import math

    import pyarrow as pa
    import pyarrow.parquet as pq

    from srg_rules.backends.interpreter import Interpreter

    book_path = tmp_path / "typed.rules"
    book_path.write_text(BOOK_TEXT, encoding="utf-8")
    book = srg_rules.load(book_path)
    base = {"id": "x", "count": 4, "big": None, "ratio": None, "amount": None,
            "start": dt.date(2024, 2, 29), "month": dt.date(2024, 2, 1), "paid": True,
            "kind": "a"}
    edges = [
        {}, {"count": None}, {"count": 2**63 - 1}, {"count": -2**63}, {"big": 9007199254740993},
        {"big": 2**64}, {"big": 10**38 - 1}, {"ratio": math.nan}, {"ratio": math.inf},
        {"ratio": -math.inf}, {"ratio": -0.0}, {"ratio": 1e300}, {"ratio": 3.999999999999999},
        {"amount": decimal.Decimal("2.500")}, {"amount": decimal.Decimal("2.501")},
        {"start": dt.date(1, 1, 1)}, {"start": dt.date(9999, 12, 31)}, {"start": None},
        {"month": dt.date(2024, 2, 2)}, {"month": None}, {"paid": False}, {"paid": None},
        {"kind": "c"}, {"kind": " a"},
    ]
    records = [{**base, **edge} for edge in edges]
    types = {"id": pa.string(), "count": pa.int64(), "big": pa.decimal128(38, 0),
             "ratio": pa.float64(), "amount": pa.decimal128(15, 3), "start": pa.date32(),
             "month": pa.date32(), "paid": pa.bool_(), "kind": pa.string()}
    columns = {"n": pa.array(range(len(records)), pa.int32())}
    columns.update({name: pa.array([r[name] for r in records], kind)
                    for name, kind in types.items()})
    pq.write_table(pa.table(columns), tmp_path / "typed.parquet")
    # The query is given the columns' Spark types (read as they are), not only their texts.
    from srg_rules.backends import sql

    given_types: list[dict[str, str]] = []

    class Watched(sql.Query):
        def __init__(self, *args, **kwargs) -> None:
            given_types.append(dict(kwargs.get("column_types") or {}))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(sql, "Query", Watched)
    assert _run(book_path, tmp_path / "typed.parquet", "-o", tmp_path / "out",
                "--engine", "spark") == 0
    assert sorted(set().union(*(t.values() for t in given_types))) == \
        ["bigint", "boolean", "date", "decimal(15,3)", "decimal(38,0)", "double"]
    decided = pq.read_table(tmp_path / "out").to_pylist()
    rows = sorted(decided, key=lambda r: r["n"])
    assert [r["n"] for r in rows] == list(range(len(records)))
    reference = Interpreter(book.program)
    want = []
    for record in records:
        decision = reference.decide({n: csv_text(n, v) for n, v in record.items()})
        want.append((str(decision.status), decision.type or "", "|".join(decision.reasons)))
    assert [(r["status"], r["type"] or "", r["reasons"] or "") for r in rows] == want


def test_typed_columns_read_as_text_decide_as_on_duckdb(tmp_path) -> None:
    """Columns whose types do not fit their fields, read as text by the one function the
    DuckDB file run uses too (backends.sql.typed_as_text): an integer for a digits(4) field
    zero-filled (Spark read 363 as ``363``, invalid, before), a BSN as an integer, a double
    with NaN for a text field (missing), a zoned timestamp for a date field (its day), a
    boolean and a decimal for text fields. Spark decides every row as DuckDB's run does."""
    import datetime as dt
    import decimal
    import math

    import pyarrow as pa
    import pyarrow.parquet as pq

    from srg_rules.filerun import run_file

    book_path = tmp_path / "texts.rules"
    book_path.write_text(
        "field id: text\nfield muni: digits(4)\nfield person: bsn optional\n"
        "field note: text optional\nfield day: date optional\nfield flag: text optional\n"
        "field amount: text optional\n"
        'include local when muni = "0363"\ninclude noted when note = "2.5"\n'
        "include blank when note is missing\ninclude dated when day = 2024-02-29\n"
        'include flagged when flag = "true"\ninclude priced when amount = "2.500"\n'
        "warn no_person when person is missing\n", encoding="utf-8")
    book = srg_rules.load(book_path)
    noon = dt.timezone.utc
    columns = {
        "n": pa.array(range(5), pa.int32()),
        "id": pa.array(["x"] * 5),
        "muni": pa.array([363, 1234, 12345, None, 7], pa.int64()),
        "person": pa.array([999990019, None, 999990018, 999990019, None], pa.int64()),
        "note": pa.array([2.5, math.nan, None, 0.0, 2.5], pa.float64()),
        "day": pa.array([dt.datetime(2024, 2, 29, 12, tzinfo=noon), None,
                         dt.datetime(2024, 3, 1, 12, tzinfo=noon), None, None],
                        pa.timestamp("us", tz="UTC")),
        "flag": pa.array([True, False, None, True, None], pa.bool_()),
        "amount": pa.array([decimal.Decimal("2.500"), None, decimal.Decimal("2.5"), None,
                            None], pa.decimal128(10, 3)),
    }
    pq.write_table(pa.table(columns), tmp_path / "texts.parquet")
    run_file(book.program, tmp_path / "texts.parquet", tmp_path / "duckdb.parquet", progress=None)
    want = [(r["status"], r["reasons"], r["warnings"])
            for r in pq.read_table(tmp_path / "duckdb.parquet").to_pylist()]
    assert _run(book_path, tmp_path / "texts.parquet", "-o", tmp_path / "out",
                "--engine", "spark") == 0
    rows = sorted(pq.read_table(tmp_path / "out").to_pylist(), key=lambda r: r["n"])
    assert [(r["status"], r["reasons"], r["warnings"]) for r in rows] == want
    assert [w[:2] for w in want] == [
        ("included", "local|noted|dated|flagged|priced"),
        ("included", "blank"),  # NaN is missing
        ("rejected", "invalid_digits:muni|invalid_bsn:person"),
        ("rejected", "missing_value:muni"),
        ("included", "noted"),  # 7 is 0007
    ]
