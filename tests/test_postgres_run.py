"""``srg-rules run --engine postgres``: a table decided in place, against a real server.

Runs where ``SRG_TEST_PGHOST`` names a PostgreSQL host or socket folder (``.ci/run`` starts a
throwaway server and sets it, with ``SRG_TEST_PGPORT``); skipped with the reason otherwise.
Each test works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules.cli import main
from pg_server import dsn

try:  # tests/ as a package, or as a directory on sys.path (pytest's default)
    from tests import strategies
except ImportError:  # pragma: no cover
    import strategies

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'srg-rules[postgres]')")
if not os.environ.get("SRG_TEST_PGHOST"):
    pytest.skip("set SRG_TEST_PGHOST to a PostgreSQL host or socket folder to run",
                allow_module_level=True)

ROOT = Path(__file__).parent.parent
ROW = "row_number"


@pytest.fixture(scope="module")
def database():
    schema = f"srg_test_{uuid.uuid4().hex[:12]}"
    # No prepared statements: a test replaces tables under the same names.
    connection = psycopg.connect(dsn(), autocommit=True, prepare_threshold=None)
    connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield connection, schema
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


def _load(connection, schema: str, table: str, columns: list[str], rows: list[list],
          types: dict[str, str] | None = None) -> None:
    types = types or {}
    connection.execute(f'DROP TABLE IF EXISTS "{schema}"."{table}"')
    connection.execute(f'CREATE TABLE "{schema}"."{table}" ('
                       + ", ".join(f'"{c}" {types.get(c, "TEXT")}' for c in columns) + ")")
    with connection.cursor().copy(f'COPY "{schema}"."{table}" FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _run(schema: str, rulebook: Path | str, table: str, *extra: str) -> int:
    return main(["run", str(rulebook), "--engine", "postgres", "--dsn", dsn(schema),
                 "--table", table, *extra])


def _result(connection, schema: str, table: str) -> list[tuple]:
    return connection.execute(
        f'SELECT "{ROW}", "status", "type", "reasons" FROM "{schema}"."{table}" '
        f'ORDER BY CAST("{ROW}" AS INT)').fetchall()


def _text(value):
    return value if value is None or isinstance(value, str) else str(value)


# Planning the query takes PostgreSQL a while: few examples, and no shrinking (a failure is
# reported as drawn).
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.data())
def test_a_table_is_decided_as_the_interpreter_decides_its_rows(database, tmp_path_factory,
                                                                data) -> None:
    connection, schema = database
    record_schema = data.draw(strategies.schemas())
    text = data.draw(strategies.programs(record_schema))
    records = data.draw(st.lists(strategies.raw_records(record_schema), min_size=1, max_size=8))
    book = srg_rules.parse(text)
    fields = list(book.fields)
    rows = [[str(i), *(_text(r.get(f)) for f in fields)] for i, r in enumerate(records)]
    if "\x00" in text or any(v is not None and "\x00" in v for row in rows for v in row):
        return  # a PostgreSQL text cannot hold a NUL character
    folder = tmp_path_factory.mktemp("book")
    (folder / "book.rules").write_text(text, encoding="utf-8")
    _load(connection, schema, "records", [ROW, *fields], rows)
    code = _run(schema, folder / "book.rules", "records", "--replace")
    if code != 0:  # only a number beyond DOUBLE PRECISION (see backends/sql/numbers.py)
        return
    got = _result(connection, schema, "records_srg")
    assert [int(r[0]) for r in got] == list(range(len(rows)))
    for (_, status, type_, reasons), row in zip(got, rows):
        want = book.decide(dict(zip(fields, row[1:])))
        assert (status, type_, tuple(reasons.split("|")) if reasons else ()) == \
            (want.status.value, want.type, want.reasons)


def test_the_srg_rulebook_on_a_table_counts_as_the_python_run(database, tmp_path, capsys) -> None:
    """The shipped rulebook (with its unique statement) over the example provisions, typed
    columns included: the result table and the summary are the Python run's."""
    connection, schema = database
    source = ROOT / "examples" / "provisions.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle, delimiter=";"))
    rows = [row for row in rows if len(row) == len(header)]  # a malformed row has no table form
    numbered = [[str(i), *row] for i, row in enumerate(rows)]
    _load(connection, schema, "provisions", [ROW, *header], numbered)
    plain = tmp_path / "in.csv"
    with plain.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([[ROW, *header], *numbered])
    book = ROOT / "rulebooks" / "srg-delivery.rules"
    assert main(["run", str(book), str(plain), "-o", str(tmp_path / "out.csv"),
                 "--engine", "python", "--summary-json", str(tmp_path / "py.json")]) == 0
    assert _run(schema, book, "provisions", "--summary-json", str(tmp_path / "pg.json")) == 0
    assert json.loads((tmp_path / "pg.json").read_text()) == \
        json.loads((tmp_path / "py.json").read_text())
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        want = [(r[ROW], r["status"], r["type"] or None, r["reasons"])
                for r in csv.DictReader(handle, delimiter=";")]
    assert _result(connection, schema, "provisions_srg") == want
    out = capsys.readouterr().out
    assert "input:    table provisions" in out and "output:   table provisions_srg" in out

    # The row number as an INTEGER column: passed through as it is.
    connection.execute(f'ALTER TABLE "{schema}"."provisions" ALTER COLUMN "{ROW}" TYPE INTEGER '
                       f'USING CAST("{ROW}" AS INTEGER)')
    assert _run(schema, book, "provisions", "--result-table", "typed") == 0
    typed = connection.execute(f'SELECT "{ROW}", "status", "type", "reasons" FROM "{schema}"."typed" '
                               f'ORDER BY "{ROW}"').fetchall()
    assert [(str(r[0]), *r[1:]) for r in typed] == want


def test_typed_columns_decide_as_their_text(database, tmp_path) -> None:
    """A DATE, BOOLEAN or NUMERIC column decides as the text PostgreSQL writes for it."""
    connection, schema = database
    book = tmp_path / "book.rules"
    book.write_text("field d: date\nfield ok: boolean optional\nfield n: number\n"
                    "include late when d >= 2026-01-01 and n > 2.5\n"
                    "reject not_ok when ok = false\n", encoding="utf-8")
    rows = [["1", "2026-03-01", "true", "3"], ["2", "2025-12-31", None, "9.5"],
            ["3", None, "false", "2.5"], ["4", "2026-01-01", "true", None]]
    columns = [ROW, "d", "ok", "n"]
    _load(connection, schema, "texts", columns, rows)
    _load(connection, schema, "typed", columns, rows,
          {"d": "DATE", "ok": "BOOLEAN", "n": "NUMERIC(10, 2)"})
    assert _run(schema, book, "texts") == 0
    assert _run(schema, book, "typed") == 0
    texts, typed = _result(connection, schema, "texts_srg"), _result(connection, schema, "typed_srg")
    assert texts == typed
    assert [r[1] for r in typed] == ["included", "excluded", "rejected", "rejected"]
    # The result keeps the column's type.
    assert connection.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = 'typed_srg' AND column_name = 'd'", [schema]).fetchone() == ("date",)


def test_columns_read_as_text_are_read_as_in_the_other_engines(database, tmp_path) -> None:
    """A column whose type does not fit its field is read as a typed file's column is on
    DuckDB and Spark (backends.sql.typed_as_text): an integer for a digits(n) field keeps its
    leading zeros, a float NaN is missing, a timestamp with time zone for a date field is
    its day. Each decides as the interpreter decides the record the other engines read."""
    connection, schema = database
    book = tmp_path / "book.rules"
    book.write_text("field code: digits(4)\nfield x: number optional\nfield d: date\n"
                    "include known when code = \"0363\" and d >= 2026-01-01\n"
                    "reject no_x when x is missing\n", encoding="utf-8")
    rows = [["1", 363, 1.5, "2026-01-01 10:00:00+00"], ["2", 363, "NaN", "2026-02-03 12:00:00+00"],
            ["3", 14, 2.0, "2025-12-31 12:00:00+00"]]
    _load(connection, schema, "mixed", [ROW, "code", "x", "d"], rows,
          {"code": "INTEGER", "x": "REAL", "d": "TIMESTAMP WITH TIME ZONE"})
    assert _run(schema, book, "mixed") == 0
    decided = _result(connection, schema, "mixed_srg")
    rulebook = srg_rules.parse(book.read_text(encoding="utf-8"))
    expected = [rulebook.decide({"code": "0363", "x": "1.5", "d": "2026-01-01"}),
                rulebook.decide({"code": "0363", "x": None, "d": "2026-02-03"}),
                rulebook.decide({"code": "0014", "x": "2.0", "d": "2025-12-31"})]
    assert [(r[1], r[2], r[3]) for r in decided] == [
        (e.status.value, e.type, "|".join(e.reasons) or None) for e in expected]
    assert [r[1] for r in decided] == ["included", "rejected", "excluded"]


def test_mistakes_are_told_without_a_traceback(database, tmp_path, capsys) -> None:
    connection, schema = database
    book = tmp_path / "book.rules"
    book.write_text("field hours: number\ninclude big when hours > 10\n", encoding="utf-8")
    _load(connection, schema, "hours", ["hours"], [["12"], ["3"], ["x"]])
    assert _run(schema, book, "no_such_table") == 2
    assert "--table no_such_table: no such table" in capsys.readouterr().err
    assert _run(schema, book, "hours") == 0
    assert connection.execute(f'SELECT "status" FROM "{schema}"."hours_srg"').fetchall() == \
        [("included",), ("excluded",), ("rejected",)]
    capsys.readouterr()
    assert _run(schema, book, "hours") == 2  # the result table exists
    assert "exists already" in capsys.readouterr().err
    assert _run(schema, book, "hours", "--result-table", "hours") == 2
    assert "is the input table" in capsys.readouterr().err
    assert main(["run", str(book), "--engine", "postgres", "--table", "hours"]) == 2
    assert "--dsn" in capsys.readouterr().err
    assert main(["run", str(book), "--engine", "postgres", "--dsn",
                 "host=/nonexistent/socket/folder user=nobody", "--table", "hours"]) == 2
    assert "cannot connect to PostgreSQL" in capsys.readouterr().err
    # An option of this engine with another engine is an error, not silently ignored.
    (tmp_path / "in.csv").write_text("hours\n3\n", encoding="utf-8")
    assert main(["run", str(book), str(tmp_path / "in.csv"), "--table", "hours"]) == 2
    assert "--table is for --engine postgres" in capsys.readouterr().err


# --- the registration level (activities, trajectories) -------------------------------------

SOURCE = ROOT / "examples" / "source"


def _source_result(connection, schema: str, table: str) -> list[tuple[str, ...]]:
    """The result table's rows as the CSV the python engine writes holds them ('' for NULL),
    in the table's order (the query inserts them in the python engine's order)."""
    return [tuple("" if v is None else str(v) for v in row)
            for row in connection.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()]


def test_a_source_extract_table_gets_the_rows_of_the_python_engine(database, tmp_path) -> None:
    """The shipped source example, as a table: the provisions (fields, component, lineage,
    decision) and the summary of ``run --engine python`` on the extract."""
    connection, schema = database
    extract = SOURCE / "extract.csv"
    with extract.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle, delimiter=";"))
    _load(connection, schema, "extract", header, [[v or None for v in row] for row in rows])
    book = SOURCE / "gemeente.rules"
    assert main(["run", str(book), str(extract), "-o", str(tmp_path / "py.csv"), "--engine",
                 "python", "--summary-json", str(tmp_path / "py.json"),
                 "--by", "municipality_code"]) == 0
    assert _run(schema, book, "extract", "--summary-json", str(tmp_path / "pg.json"),
                "--by", "municipality_code") == 0
    assert json.loads((tmp_path / "pg.json").read_text()) == \
        json.loads((tmp_path / "py.json").read_text())
    with (tmp_path / "py.csv").open(encoding="utf-8", newline="") as handle:
        written, *want = [tuple(r) for r in csv.reader(handle, delimiter=";")]
    got = _source_result(connection, schema, "extract_srg")
    columns = [d.name for d in connection.execute(
        f'SELECT * FROM "{schema}"."extract_srg" LIMIT 0').description]
    assert tuple(columns) == written
    assert got == want and len(got) > len(rows) // 2


try:  # the generated extracts of the DuckDB differential test
    from tests.test_sql_registration import EVERY_WAY, every_way_rows, expected
except ImportError:  # pragma: no cover - tests/ on sys.path
    from test_sql_registration import EVERY_WAY, every_way_rows, expected


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(records=every_way_rows())
def test_generated_source_tables_are_decided_as_python(database, tmp_path_factory, records) -> None:
    """Every combine way, trajectories with constants and computed values, unique: the
    result table holds what ``Rulebook.decide_source`` makes of the rows, in its order."""
    connection, schema = database
    book = srg_rules.parse(EVERY_WAY, "every_way.rules")
    folder = tmp_path_factory.mktemp("book")
    (folder / "book.rules").write_text(EVERY_WAY, encoding="utf-8")
    fields = list(book.fields)
    _load(connection, schema, "generated", fields, [[r.get(f) for f in fields] for r in records])
    assert _run(schema, folder / "book.rules", "generated", "--replace") == 0
    assert _source_result(connection, schema, "generated_srg") == expected(book, records)


def test_a_source_table_the_query_cannot_decide_is_refused(database, tmp_path, capsys) -> None:
    connection, schema = database
    book = tmp_path / "book.rules"
    book.write_text("field id: text\nfield hours: number\nactivities share id\n"
                    "    combine hours by sum\ninclude big when hours > 10\n", encoding="utf-8")
    _load(connection, schema, "halves", ["id", "hours"], [["a", "1.5"], ["a", "12"]])
    assert _run(schema, book, "halves") == 2
    err = capsys.readouterr().err
    assert "not an integer of at most 15 digits" in err and "--engine python" in err
    assert connection.execute("SELECT to_regclass(%s)", [f'"{schema}"."halves_srg"']
                              ).fetchone() == (None,)
    _load(connection, schema, "no_hours", ["id"], [["a"]])
    assert _run(schema, book, "no_hours") == 2
    assert "lacks the column(s) hours" in capsys.readouterr().err
