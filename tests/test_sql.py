"""The SQL backend and file runs decide exactly as the reference interpreter does.

- Differential: Hypothesis writes rulebooks and records (tests/strategies.py); the query run
  by DuckDB gives every record the interpreter's status, type and reasons, for raw strings
  (what a CSV file carries) and for Python values (what an embedding program passes).
- Edges the generators rarely reach, as tables: numbers around 2**53 and beyond, decimal
  commas, overflow, other scripts' digits (not numbers); real and unreal dates; Unicode
  white space.
- Dates moved (``d + 1 months``): every edge of srg_rules.dates as a table, and Hypothesis
  shifts of days near month ends, leap days and both ends of the calendar, on DuckDB and
  (with a server) PostgreSQL; tests/test_spark.py runs the table on Spark.
- Golden SQL: the query of tests/golden/sql/small.rules in each dialect, which also reads
  back unchanged through sqlglot's parser.
- Injection: hostile column names, code values, because texts and table names stay data.
- Files: ``run_file`` on CSV with malformed rows writes what ``srg-rules run`` writes, byte
  for byte, with the same counts; files DuckDB cannot read as Python does take the Python
  path; Parquet in and out; a failed run leaves no output file.

Regenerate the golden SQL after an intended change: ``python tests/test_sql.py --regenerate``.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import srg_rules
from srg_rules import dates, ir
from srg_rules.backends import sql
from srg_rules.backends.interpreter import Interpreter
from srg_rules.cli import main
from srg_rules.filerun import run_file

try:  # tests/ as a package, or as a directory on sys.path (pytest's default)
    from tests import strategies
    from tests.test_age import age_edges_book
except ImportError:  # pragma: no cover
    import strategies
    from test_age import age_edges_book

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden" / "sql"
SRG = ROOT / "rulebooks" / "srg.rules"

_SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck))


def _agree(book: srg_rules.Rulebook, records: list[dict]) -> None:
    compiled = sql.compile_program(book.program)
    try:
        got = list(compiled.decide_many(records))
    finally:
        compiled.close()
    reference = Interpreter(book.program)
    assert len(got) == len(records)
    for record, decision in zip(records, got):
        assert decision == reference.decide(record), (record, decision)


def _as_text(value):
    """A Python value as a CSV file would carry it."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


@st.composite
def _rulebook_and_records(draw, max_records: int = 12):
    schema = draw(strategies.schemas())
    book = srg_rules.parse(draw(strategies.programs(schema)))
    records = draw(st.lists(strategies.raw_records(schema), min_size=1, max_size=max_records))
    return book, records


# --- differential --------------------------------------------------------------------------


@settings(max_examples=120, **_SETTINGS)
@given(_rulebook_and_records())
def test_duckdb_decides_as_the_interpreter(case) -> None:
    book, records = case
    _agree(book, records)


@settings(max_examples=80, **_SETTINGS)
@given(_rulebook_and_records())
def test_duckdb_decides_text_records_as_the_interpreter(case) -> None:
    book, records = case
    _agree(book, [{key: _as_text(value) for key, value in r.items()} for r in records])


@pytest.fixture
def slow_selected(request):
    """Skip unless slow tests were asked for (``-m slow``): the default run stays quick."""
    if "slow" not in (request.config.getoption("markexpr") or "").replace("not slow", ""):
        pytest.skip("a long run: select it with -m slow")


@pytest.mark.slow
def test_duckdb_decides_as_the_interpreter_at_length(slow_selected) -> None:
    @settings(max_examples=3000, **_SETTINGS)
    @given(_rulebook_and_records(max_records=25))
    def run(case):
        book, records = case
        _agree(book, records)

    run()


def test_single_decide_and_empty_batch() -> None:
    book = srg_rules.load(SRG)
    compiled = sql.compile_program(book.program)
    record = {"provision_id": "V1", "person_id": "P1", "municipality_code": "0363",
              "category": "taal", "initiative": "gemeente", "funding": "reintegratie",
              "traceable": "ja", "start_date": "2025-01-01"}
    assert compiled.decide(record) == book.decide(record)
    assert list(compiled.decide_many([])) == []


# --- edges ---------------------------------------------------------------------------------

_NUMBER_CONSTANTS = ("0", "10", "-3", "12.5", "0.1", "9007199254740992", "9007199254740993",
                     "-9007199254740993", "18446744073709551617", "9007199254740993.0",
                     "1" + "0" * 30, "-" + "9" * 40, "1" + "0" * 400 + ".5")
_NUMBER_VALUES = (None, "", " ", "x", "0", "-0", "+0", "-00", "00012", "10", "10.0", "1e1",
                  "12,5", ",5", "5,", "12.5", "1,000", "1.000,5", "1_000", "0x10", "inf",
                  "nan", "9007199254740992", "9007199254740993", "9007199254740994",
                  "-9007199254740993", "9007199254740992.0", "9.007199254740993e15",
                  "18446744073709551617", "1e400", "-1e400", "1e-400", "1" + "0" * 30,
                  "1" + "0" * 30 + ".0", "-" + "9" * 40, "1" + "0" * 400, "0.1", "٣", "١٢,٥",
                  "\u00a012\u2003", 9007199254740993, 2**64 + 1, 1e20, 12.5, -0.0, True,
                  float("nan"), float("inf"))


def test_numbers_compare_exactly() -> None:
    lines = ["field a: number optional", "field b: number optional"]
    count = 0
    for constant in _NUMBER_CONSTANTS:
        for op in ("=", "!=", "<", "<=", ">", ">="):
            count += 1
            lines.append(f"include r{count} when a {op} {constant}")
        lines.append(f"include r{count + 1} when a in {{{constant}, 7}}")
        lines.append(f"include r{count + 2} when a not in {{{constant}}}")
        count += 2
    for op in ("=", "!=", "<", "<=", ">", ">="):
        count += 1
        lines.append(f"include r{count} when a {op} b")
    book = srg_rules.parse("\n".join(lines))
    # Field to field, an integer and a float whose DOUBLEs are equal beyond 2**63 (1e30
    # against 10**30 + 1): DuckDB's BIGNUM gives the float's digits; they counted as equal
    # before (CAST AS BIGINT ends at 2**63), as they still do in PostgreSQL and Spark.
    records = [{"a": a, "b": b} for a in (*_NUMBER_VALUES, *_BEYOND_2_63)
               for b in (*_NUMBER_VALUES, *_BEYOND_2_63)]
    _agree(book, records)


_BEYOND_2_63 = ("9223372036854775807", "9223372036854775809", "9.223372036854776e18",
                "-9223372036854775809", "-9.223372036854776e18", "1" + "0" * 29 + "1",
                "1e30", str(2**100 + 1), "1.2676506002282294e30")


def test_dates() -> None:
    book = srg_rules.parse(
        "field d: date optional\nfield e: date\n"
        "include a when d < 2024-02-29\ninclude b when d = 2024-02-29\n"
        "include c when d >= e\ninclude f when d is missing\n")
    values = (None, "", "00000000", " 00000000 ", "٠٠٠٠٠٠٠٠", "2024-02-29", "20240229",
              "2023-02-29", "1900-02-29", "2000-02-29", "2100-02-29", "0000-01-01", "0001-01-01",
              "9999-12-31", "2024-0229", "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10",
              "2024-1-1", "2024/02/29", "２０２４-02-29", " 2024-02-28\u3000", "2024-02-29T00:00",
              dt.date(2024, 2, 28), dt.datetime(2024, 2, 29, 23, 59), 20240229, True)
    _agree(book, [{"d": d, "e": e} for d in values for e in ("2024-02-29", "2024-03-01", "")])


def _is_date(text: str) -> bool:
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("dialect", [None, "duckdb"])
def test_real_dates_are_python_dates(dialect) -> None:
    """The date check, portable (None) and DuckDB's own (TRY_STRPTIME), accepts exactly the
    eight-digit texts ``datetime.date`` accepts: every month 00-13 and day 00-32 of leap,
    common and century years and both ends of the calendar, in both written forms."""
    book = srg_rules.parse("field d: date\ninclude ok when d is not missing\n")
    years = ["0000", "0001", "0004", "0099", "0100", "0200", "0400", "0999", "1900", "1999",
             "2000", "2023", "2024", "2100", "9999"]
    texts = [f"{y}{m:02d}{d:02d}" for y in years for m in range(14) for d in range(33)]
    texts = [t for t in texts if t != "00000000"]  # the CBS layouts' "no date": missing
    rows = [(t,) for t in texts] + [(f"{t[:4]}-{t[4:6]}-{t[6:]}",) for t in texts]
    connection = duckdb.connect()
    connection.execute("CREATE TABLE records (d VARCHAR)")
    connection.executemany("INSERT INTO records VALUES (?)", rows)
    query = sql.to_expression(book.program, columns=["d"], dialect=dialect).sql("duckdb")
    got = [status == "included" for _, status, _, _ in connection.execute(query).fetchall()]
    want = [_is_date(text.replace("-", "")) for (text,) in rows]
    assert got == want
    assert sum(want) > 0 and not all(want)
    assert ("TRY_STRPTIME" in query) == (dialect == "duckdb")


def test_only_duckdb_gets_its_own_date_check() -> None:
    book = srg_rules.parse("field d: date\ninclude ok when d is not missing\n")
    for dialect in sql.DIALECTS:
        text = sql.to_sql(book.program, dialect=dialect, columns=["d"])
        assert ("TRY_STRPTIME" in text) == (dialect == "duckdb"), dialect


# --- dates moved (docs/language.md, "Date arithmetic") ----------------------------------------

# Shifts whose results reach every rule of srg_rules.dates: clamping, no sticking month end,
# leap days, both ends of the calendar, and amounts that leave it from every date.
SHIFT_EDGES = [(1, "months"), (-1, "months"), (2, "months"), (1, "years"), (-4, "years"),
               (1, "days"), (-1, "days"), (1, "weeks"), (-3, "weeks"), (9998, "years"),
               (-9998, "years"), (119987, "months"), (3652058, "days"), (-3652058, "days"),
               (3652059, "days"), (-120000, "months"), (0, "months")]
SHIFT_BASES = ["2024-01-31", "2024-02-29", "2024-03-31", "2023-12-31", "2024-05-31",
               "0001-01-01", "0001-02-28", "0999-12-31", "1900-02-28", "2000-02-29",
               "2100-02-28", "9999-12-15", "9999-12-31", "20240531", "2024-02-30", "", None]


def _shift(amount: int, unit: str) -> str:
    return f"{'+' if amount >= 0 else '-'} {abs(amount)} {unit}"


def shift_edges_book(shifts: list[tuple[int, str]]) -> tuple[srg_rules.Rulebook, list[dict]]:
    """A rulebook that tells, for every shift of ``d`` in ``shifts``, how its own field ``e<i>``
    compares with the result (rule ``s<i>_ge``: at or after it, ``s<i>_le``: at or before it, so
    both for the very day and neither for a missing result), and records that put each ``e<i>``
    on the interpreter's result and a day either side of it."""
    lines = ["field d: date optional"]
    for i, (amount, unit) in enumerate(shifts):
        lines += [f"field e{i}: date optional",
                  f"include s{i}_ge when e{i} >= d {_shift(amount, unit)}",
                  f"include s{i}_le when d {_shift(amount, unit)} >= e{i}"]
    records = []
    for text in SHIFT_BASES:
        base = None
        if text and text != "2024-02-30":
            base = dt.date(int(text[:4]), int(text[-5:-3] if "-" in text else text[4:6]),
                           int(text[-2:]))
        for offset in (-1, 0, 1):
            record = {"d": text}
            for i, (amount, unit) in enumerate(shifts):
                moved = (None if base is None else dates.shift(base, amount, unit)) \
                    or dt.date(2024, 6, 15)
                record[f"e{i}"] = (dates.shift(moved, offset, "days") or moved).isoformat()
            records.append(record)
    return srg_rules.parse("\n".join(lines)), records


def test_dates_moved_at_the_edges() -> None:
    book, records = shift_edges_book(SHIFT_EDGES)
    _agree(book, records)


def test_a_shift_that_always_leaves_the_calendar_is_no_sql_date() -> None:
    """No engine is asked to move a date it could not hold: the result is NULL outright."""
    book = srg_rules.parse("field d: date\ninclude when d < d + 10000 years\n"
                           "include when d > d - 99999999999999999999 days")
    for dialect in sql.DIALECTS:
        query = sql.to_sql(book.program, dialect=dialect)
        assert "MAKE_DATE" not in query and "INTERVAL" not in query, dialect


@st.composite
def _calendar_days(draw) -> dt.date:
    """Any day, drawn often at a month's end, on a leap day, and near either end."""
    which = draw(st.sampled_from(["any", "month_end", "leap_day", "first_years", "last_years"]))
    if which == "month_end":
        year, month = draw(st.integers(1, 9999)), draw(st.integers(1, 12))
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    if which == "leap_day":
        year = draw(st.integers(1, 2499)) * 4
        return dt.date(year, 2, 29 if calendar.isleap(year) else 28)
    if which == "first_years":
        return draw(st.dates(dt.date(1, 1, 1), dt.date(2, 12, 31)))
    if which == "last_years":
        return draw(st.dates(dt.date(9998, 1, 1), dt.date(9999, 12, 31)))
    return draw(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))


_AMOUNTS = st.one_of(st.integers(-40, 40), st.integers(-130_000, 130_000),
                     st.integers(-3_700_000, 3_700_000))
_UNITS = st.sampled_from(["days", "weeks", "months", "years", "day", "month"])
_OPS = st.sampled_from(["<", "<=", "=", "!=", ">=", ">"])


@st.composite
def _shift_cases(draw):
    """``e OP d ± N UNIT`` and ``d ± N UNIT OP e`` with records whose ``d`` is any day or
    one whose result is at (or a day beside) the calendar's end, and whose ``e`` falls on the
    result, a day beside it, or anywhere."""
    amount, unit, left, right = draw(_AMOUNTS), draw(_UNITS), draw(_OPS), draw(_OPS)
    book = srg_rules.parse(
        "field d: date optional\nfield e: date\n"
        f"include right when e {right} d {_shift(amount, unit)}\n"
        f"include left when d {_shift(amount, unit)} {left} e\n")
    # The days whose result is the first or last of the calendar, where it starts to leave it.
    edges = [d for d in (dates.shift(dt.date(9999, 12, 31), -amount, dates.unit_of(unit)),
                         dates.shift(dt.date(1, 1, 1), -amount, dates.unit_of(unit)))
             if d is not None]
    near_edges = [d for d in (dates.shift(e, k, "days") for e in edges for k in (-1, 0, 1))
                  if d is not None]
    records = []
    for _ in range(draw(st.integers(1, 6))):
        day = draw(st.one_of(_calendar_days(), st.none(),
                             *([st.sampled_from(near_edges)] if near_edges else [])))
        moved = None if day is None else dates.shift(day, amount, dates.unit_of(unit))
        near = [] if moved is None else [
            d for d in (dates.shift(moved, k, "days") for k in (-1, 0, 1)) if d is not None]
        other = draw(st.sampled_from(near) if near and draw(st.booleans()) else _calendar_days())
        # A record file's two date forms (strftime would not pad a year below 1000).
        written = "{0.year:04d}{0.month:02d}{0.day:02d}" if draw(st.booleans()) else "{0}"
        records.append({"d": "" if day is None else written.format(day),
                        "e": written.format(other)})
    return book, records


@settings(max_examples=150, **_SETTINGS)
@given(_shift_cases())
def test_duckdb_moves_dates_as_the_interpreter(case) -> None:
    book, records = case
    _agree(book, records)


def test_booleans_codes_and_texts() -> None:
    book = srg_rules.parse(
        'field ok: boolean optional\nfield c: code {a, "B b", 40, "01"}\n'
        'field t: text optional\n'
        "include yes when ok\ninclude no when ok = false\ninclude not_true when ok != true\n"
        'include code when c in {a, 40} and t != "x"\ninclude other when c not in {"B b"}\n'
        'field u: text optional\ninclude same when t = u\n')
    oks = (None, "", "ja", "JA", " Nee ", "j", "N", "waar", "onwaar", "yes", "no", "1", "0", "2",
           "true\u2028", "K", True, False, 1, 0, 2, 1.0)
    codes = (None, "", "a", " a ", "A", "B b", "b b", "40", "40.0", "01", "1", 40, 40.0, 1, True,
             "a\x00")
    texts = (None, "", "x", " x\t", "a", "40", 40, 1.5, dt.date(2024, 1, 31), True)
    _agree(book, [{"ok": o, "c": c, "t": t, "u": "x"} for o in oks for c in codes for t in texts[:4]]
           + [{"ok": "ja", "c": c, "t": t, "u": u} for c in codes for t in texts for u in texts])


def test_whitespace_is_what_str_strip_removes() -> None:
    every = "".join(chr(c) for c in range(sys.maxunicode + 1)
                    if not 0xD800 <= c <= 0xDFFF and chr(c).isspace())
    assert sql.WHITESPACE == every


def test_unsupported_operator_is_reported_at_compile_time() -> None:
    book = srg_rules.parse("field n: number\ninclude when n > 1")
    rule = book.program.rules[0]
    odd = ir.CompiledRule(rule.id, rule.verb, ir.compare("near", "n", 1))
    program = ir.Program(book.program.schema, (odd,))
    with pytest.raises(sql.UnsupportedOperator) as caught:
        sql.to_sql(program)
    assert caught.value.operator == "near" and caught.value.code == "unsupported_operator"


# --- golden SQL ----------------------------------------------------------------------------


def _golden_queries() -> dict[str, str]:
    book = srg_rules.load(GOLDEN / "small.rules")
    columns = ["id", *book.fields, "status"]
    queries = {}
    for dialect in sql.DIALECTS:
        queries[f"small.{dialect}.sql"] = sql.to_sql(book.program, "records", dialect,
                                                     columns=columns, pretty=True) + "\n"
        queries[f"small.nocolumns.{dialect}.sql"] = sql.to_sql(book.program, "records", dialect,
                                                             pretty=True) + "\n"
    return queries


@pytest.mark.parametrize("name", sorted(_golden_queries()))
def test_golden_sql(name: str) -> None:
    # Bytes, not text: the white space list holds a lone CR, which text mode would turn
    # into a line feed.
    want = (GOLDEN / name).read_bytes().decode("utf-8")
    got = _golden_queries()[name]
    assert got == want, f"regenerate with: python tests/test_sql.py --regenerate ({name})"
    dialect = name.split(".")[-2]
    # The text reads back as the same query in its dialect, and as nothing but one SELECT.
    parsed = sqlglot.parse(got, read=dialect)
    assert len(parsed) == 1 and isinstance(parsed[0], exp.Select)
    assert parsed[0].sql(dialect=dialect, pretty=True) + "\n" == got


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_list_reasons_in_every_dialect(dialect: str) -> None:
    book = srg_rules.load(GOLDEN / "small.rules")
    text = sql.to_sql(book.program, dialect=dialect, columns=list(book.fields), reasons="list")
    assert sqlglot.parse_one(text, read=dialect).sql(dialect=dialect) == text
    if dialect == "duckdb":
        connection = duckdb.connect()
        connection.execute('CREATE TABLE records ("category" VARCHAR, "funding" VARCHAR, '
                           '"involved" VARCHAR, "hours" VARCHAR, "start_date" VARCHAR, '
                           '"end_date" VARCHAR, "note" VARCHAR)')
        connection.execute("INSERT INTO records VALUES ('coaching', 'reintegratie', NULL, NULL, "
                           "'2024-02-01', NULL, NULL), (NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
        rows = connection.execute(text).fetchall()
        assert [row[-1] for row in rows] == [
            ["line-20", "coaching"],
            ["missing_value:category", "missing_value:funding", "missing_value:start_date"]]


def test_the_duckdb_golden_query_runs_with_and_without_columns() -> None:
    book = srg_rules.load(GOLDEN / "small.rules")
    records = [
        {"category": "coaching", "funding": "reintegratie", "start_date": "2024-02-01"},
        {"category": "taal", "involved": "ja", "funding": "x", "start_date": "2024-02-01",
         "hours": "12,5"},
        {"category": "it's; -- \\ \"odd\"", "involved": "ja", "funding": "inburgering",
         "start_date": "20240301", "end_date": "2024-02-01"},
        {"category": "40", "involved": "ja", "funding": "reintegratie", "start_date": "2024-03-01",
         "hours": "9007199254740994", "note": "x'y"},
    ]
    columns = list(book.fields)
    connection = duckdb.connect()
    connection.execute("CREATE TABLE records (" + ", ".join(f'"{c}" VARCHAR' for c in columns) + ")")
    for record in records:
        connection.execute("INSERT INTO records VALUES (" + ", ".join("?" for _ in columns) + ")",
                           [record.get(c) for c in columns])
    want = [book.decide(r) for r in records]
    for query in (sql.to_sql(book.program, columns=columns), sql.to_sql(book.program)):
        rows = connection.execute(query).fetchall()
        got = [(row[-3], row[-2], tuple(row[-1].split("|"))) for row in rows]
        assert got == [(d.status.value, d.type, d.reasons) for d in want]


# --- injection -----------------------------------------------------------------------------

HOSTILE = ("'); DROP TABLE records; --", 'x"; DROP TABLE records; --', "a`b", "back\\slash",
           "ends with \\", "semi;colon", "-- comment", "/* c */", "$$dollar$$", "tab\there")


def _hostile_rulebook() -> srg_rules.Rulebook:
    codes = ", ".join(strategies.text_literal(h) for h in HOSTILE)
    because = strategies.text_literal("'); DROP TABLE records; -- \\ \"")
    return srg_rules.parse(
        f"field select: code {{{codes}, plain}}\nfield drop: text optional\n"
        f"field from: number optional\n"
        f"include union when select in {{{codes}}} because {because}\n"
        f"exclude where when drop = {strategies.text_literal(HOSTILE[1])} because {because}\n"
        f"reject order when from > 1 because {because}\n")


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_hostile_names_and_values_stay_data(dialect: str) -> None:
    book = _hostile_rulebook()
    columns = ["select", "drop", "from", *HOSTILE]
    for text in (sql.to_sql(book.program, 'records"; DROP TABLE x; --', dialect, columns=columns),
                 sql.to_sql(book.program, "records", dialect)):
        statements = sqlglot.parse(text, read=dialect)
        assert len(statements) == 1 and isinstance(statements[0], exp.Select)
        literals = {node.this for node in statements[0].find_all(exp.Literal) if node.is_string}
        assert set(HOSTILE) <= literals  # every hostile code is one whole literal
        assert not any("DROP TABLE records; -- \\" in value for value in literals)  # no because
        names = {node.name for node in statements[0].find_all(exp.Identifier)}
        assert {"select", "drop", "from"} <= names
        if dialect != "duckdb":
            continue
        connection = duckdb.connect()
        connection.execute("CREATE TABLE x (a INT)")
        table = exp.to_identifier('records"; DROP TABLE x; --', quoted=True).sql("duckdb")
        cols = ", ".join(exp.to_identifier(c, quoted=True).sql("duckdb") + " VARCHAR"
                         for c in columns)
        connection.execute(f"CREATE TABLE {table} ({cols})")
        connection.execute(f'CREATE TABLE "records" ({cols})')
        values = [[h, HOSTILE[1], "0.5", *HOSTILE] for h in HOSTILE] + [["plain", None, "2", *HOSTILE]]
        for row in values:
            for name in (table, '"records"'):
                connection.execute(f"INSERT INTO {name} VALUES ({', '.join('?' * len(row))})", row)
        rows = connection.execute(text).fetchall()
        want = [book.decide(dict(zip(columns, row))) for row in values]
        assert [(r[-3], r[-2], tuple(r[-1].split("|"))) for r in rows] == \
            [(d.status.value, d.type, d.reasons) for d in want]
        assert connection.execute("SELECT count(*) FROM x").fetchone() == (0,)


def test_hostile_values_through_compile_program() -> None:
    book = _hostile_rulebook()
    _agree(book, [{"select": h, "drop": h, "from": h} for h in HOSTILE]
           + [{"select": " " + h + "\t", "drop": HOSTILE[1], "from": "0,5"} for h in HOSTILE])


# --- files ---------------------------------------------------------------------------------

HEADER = ("reporting_month;purpose;provision_id;person_id;municipality_code;category;initiative;"
          "involved;judgement;funding;traceable;start_date;end_date;note")
GOOD = [
    "2026-01;reintegratie;V1;P1;0363;taal;gemeente;;;reintegratie;ja;2025-01-01;;a note",
    "2026-01;reintegratie;V2;P1;0363;taal;gemeente;;;inburgering;ja;2025-01-01;;",
    "2026-01;reintegratie;V3;P2;0599;coaching;gemeente;;;reintegratie;ja;2025-02-01;2025-01-01;",
    "2026-01;reintegratie;V4;P3;0599;mantelzorg;gemeente;;;reintegratie;ja;2025-02-01;;x",
    "2026-01;reintegratie;V5;P4;0599;coaching;burger;;;reintegratie;ja;20250201;00000000;",
    "2026-01;reintegratie;V6;P5;0014;ips;gemeente;;;reintegratie;nee;2025-02-30;;",
    '2026-01;reintegratie;V7;P6;0014;training;derden;j;;toegevoegd;ja;2025-03-01;;"semi;colon ""quoted"""',
]
MALFORMED = [
    "2026-01;reintegratie;V8;P7;0363;taal",   # too few values
    GOOD[0] + ";extra",                       # one too many
    GOOD[1] + ";extra;and;more",              # three too many
    " ",                                      # a line of one blank value
    "",                                       # a blank line: not a record
    GOOD[2] + ";",                            # an empty extra value is still a value
]


def _cli_run(source: Path, out: Path) -> dict:
    summary = out.with_suffix(".json")
    # --allow-malformed: these files may hold a quote never closed (docs/reliability.md).
    assert main(["run", str(SRG), str(source), "-o", str(out), "--summary-json", str(summary),
                 "--allow-malformed"]) == 0
    return json.loads(summary.read_text())


def _run_both(tmp_path: Path, text: str, suffix: str = ".csv", encoding: str = "utf-8"):
    source = tmp_path / f"in{suffix}"
    source.write_bytes(text.encode(encoding))
    book = srg_rules.load(SRG)
    summary = run_file(book.program, source, tmp_path / f"out{suffix}")
    want = _cli_run(source, tmp_path / f"cli{suffix}")
    engine = summary.pop("engine")
    assert summary == want
    assert (tmp_path / f"out{suffix}").read_bytes() == (tmp_path / f"cli{suffix}").read_bytes()
    return engine, summary


def test_run_file_keeps_malformed_rows_as_the_cli_does(tmp_path: Path, capsys) -> None:
    lines = [HEADER, GOOD[0], MALFORMED[0], *GOOD[1:4], *MALFORMED[1:], *GOOD[4:]]
    engine, summary = _run_both(tmp_path, "\r\n".join(lines) + "\r\n")
    assert engine == "duckdb"
    assert summary["records"] == len(GOOD) + len(MALFORMED) - 1  # the blank line is no record
    assert summary["reasons"]["malformed_row"] == 5


def test_run_file_comma_bom_and_output_columns_replaced(tmp_path: Path, capsys) -> None:
    header = HEADER.replace(";", ",").replace("note", "status")
    lines = [header, *(g.replace(";", ",").replace('"semi,colon', '"semi;colon') for g in GOOD[:6]),
             "2026-01,reintegratie,V9,P9,0363,taal,gemeente,,,reintegratie,ja,2025-01-01"]
    engine, summary = _run_both(tmp_path, "\ufeff" + "\n".join(lines))
    assert engine == "duckdb" and summary["records"] == 7


def test_run_file_quoted_line_breaks(tmp_path: Path, capsys) -> None:
    quoted = GOOD[0].replace("a note", '"two\nlines; and ""quotes"""')
    engine, _ = _run_both(tmp_path, "\n".join([HEADER, *GOOD, quoted]) + "\n")
    assert engine == "duckdb"
    # With a short row as well, DuckDB's parallel reader cannot pad: its single-threaded one
    # reads the file again.
    engine, summary = _run_both(tmp_path, "\n".join([HEADER, quoted, MALFORMED[0]]) + "\n")
    assert engine == "duckdb" and summary["reasons"]["malformed_row"] == 1


@pytest.mark.parametrize("line, engine", [
    # Quotes inside an unquoted value are characters to both readers.
    ('2026-01;reintegratie;V10;P1;0363;taal;gemeente;;;reintegratie;ja;2025-01-01;;a "stray" quote', "duckdb"),
    ('2026-01;reintegratie;V10;P1;0363;taal;gemeente;;;reintegratie;ja;2025-01-01;;"closed" then text', "python"),
    ('2026-01;reintegratie;V10;P1;0363;taal;gemeente;;;reintegratie;ja;2025-01-01;;"never closed', "python"),
    ("2026-01;reintegratie;V10;P1;0363;taal;gemeente;;;reintegratie;ja;2025-01-01;;;;;;;;;;;;;;;;;;;;;;", "python"),
    ("2026-01;reintegratie;V10;P1;0363;taal;gemeente;;;reintegratie;ja;2025-01-01;;\rV11", "python"),
    ('2026-01;reintegratie;V10;P1;0363;taal;gemeente;;;reintegratie;ja;2025-01-01;; "padded" ', "python"),
])
def test_run_file_falls_back_where_duckdb_reads_otherwise(tmp_path: Path, line: str, engine: str,
                                                          capsys) -> None:
    used, summary = _run_both(tmp_path, "\n".join([HEADER, *GOOD[:3], line, GOOD[3]]) + "\n")
    assert used == engine
    assert summary["records"] >= 4


def test_run_file_json_lines_take_the_python_path(tmp_path: Path, capsys) -> None:
    lines = [json.dumps(dict(zip(HEADER.split(";"), g.split(";")))) for g in GOOD[:5]]
    engine, summary = _run_both(tmp_path, "\n".join([*lines, "[1, 2]"]) + "\n", suffix=".jsonl")
    assert engine == "python" and summary["reasons"]["malformed_row"] == 1


def test_run_file_parquet(tmp_path: Path) -> None:
    book = srg_rules.load(SRG)
    rows = [dict(zip(HEADER.split(";"), g.split(";"))) for g in GOOD[:6]]
    connection = duckdb.connect()
    columns = HEADER.split(";")
    connection.execute("CREATE TABLE t (" + ", ".join(f'"{c}" VARCHAR' for c in columns)
                       + ', "hours" DOUBLE, "when" DATE)')
    for row in rows:
        connection.execute("INSERT INTO t VALUES (" + ", ".join("?" * (len(columns) + 2)) + ")",
                           [row[c] or None for c in columns] + [float("nan"), dt.date(2024, 1, 31)])
    source = tmp_path / "in.parquet"
    connection.execute(f"COPY t TO '{source}' (FORMAT parquet)")
    seen: list[float] = []
    summary = run_file(book.program, source, tmp_path / "out.parquet", progress=seen.append)
    assert summary["engine"] == "duckdb" and seen[-1] == 1.0
    out = connection.execute(f"SELECT * FROM read_parquet('{tmp_path / 'out.parquet'}')")
    names = [d[0] for d in out.description]
    # The shipped rulebook has warn rules (srg-delivery.rules), so a warnings column too.
    assert names == [*columns, "hours", "when", "status", "type", "reasons", "warnings"]
    decided = out.fetchall()
    want = [book.decide(row) for row in rows]
    assert [(r[-4], r[-3], tuple(r[-2].split("|"))) for r in decided] == \
        [(d.status.value, d.type, d.reasons) for d in want]
    assert decided[0][columns.index("provision_id")] == "V1"
    assert summary["records"] == 6


def test_run_file_failure_leaves_no_output(tmp_path: Path) -> None:
    from srg_rules.records import InputError

    book = srg_rules.load(SRG)
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    target.mkdir()  # the rename onto a folder fails after DuckDB has written everything
    with pytest.raises(OSError):
        run_file(book.program, source, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    with pytest.raises(InputError, match="does not exist"):
        run_file(book.program, source, tmp_path / "missing" / "out.csv")


def test_run_file_reports_missing_required_columns(tmp_path: Path) -> None:
    from srg_rules.records import InputError

    book = srg_rules.load(SRG)
    source = tmp_path / "in.csv"
    source.write_text("provision_id;category\nV1;taal\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks"):
        run_file(book.program, source, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


# --- PostgreSQL (only where a server is at hand) ---------------------------------------------


_POSTGRES = pytest.mark.skipif(
    not (os.environ.get("SRG_TEST_PGHOST") and shutil.which("psql")),
    reason="set SRG_TEST_PGHOST to a PostgreSQL host or socket folder to run")


def _decide_on_postgres(book: srg_rules.Rulebook, rows: list[dict]) -> list[dict] | None:
    """Each row's output columns from the PostgreSQL query, or None where PostgreSQL rejects
    a number beyond DOUBLE PRECISION (see backends/sql/numbers.py) or the rulebook holds a NUL
    character."""
    fields = list(book.fields)
    columns = ["row_number", *fields]
    table = exp.Schema(this=exp.to_table("records"), expressions=[
        exp.ColumnDef(this=exp.to_identifier(c, quoted=True), kind=exp.DataType.build("TEXT"))
        for c in columns])
    values = exp.insert(exp.values([
        tuple([exp.Literal.string(str(i))] + [exp.Literal.string(r[f]) if r[f] is not None
                                              else exp.null() for f in fields])
        for i, r in enumerate(rows)]), "records") if rows else None
    query = sql.to_sql(book.program, dialect="postgres", columns=columns)
    if "\x00" in query:
        return None  # a PostgreSQL text cannot hold a NUL character, nor a rulebook's code
    temporary = exp.Properties(expressions=[exp.TemporaryProperty()])
    script = ("BEGIN;\n"  # a temporary table, gone at the end, shadowing any other "records"
              + exp.Create(this=table, kind="TABLE", properties=temporary).sql("postgres") + ";\n"
              + (values.sql("postgres") + ";\n" if values is not None else "")
              + f'COPY (SELECT * FROM ({query}) AS q ORDER BY CAST("row_number" AS INT)) '
              "TO STDOUT WITH (FORMAT csv, HEADER true, NULL '<NULL>');\nROLLBACK;\n")
    result = subprocess.run(["psql", "-h", os.environ["SRG_TEST_PGHOST"], "-U",
                             os.environ.get("SRG_TEST_PGUSER", "postgres"), "-X", "-q",
                             "-v", "ON_ERROR_STOP=1"], input=script, capture_output=True, text=True)
    if "out of range for type double precision" in result.stderr:
        return None
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _assert_postgres_agrees(book: srg_rules.Rulebook, rows: list[dict]) -> None:
    got = _decide_on_postgres(book, rows)
    if got is None:
        return
    assert len(got) == len(rows)
    for row, decided in zip(rows, got):
        want = book.decide(row)
        assert (decided["status"], None if decided["type"] == "<NULL>" else decided["type"],
                tuple(decided["reasons"].split("|"))) == (want.status.value, want.type, want.reasons)


@_POSTGRES
@settings(max_examples=40, **_SETTINGS)
@given(_rulebook_and_records(max_records=8))
def test_postgres_decides_as_the_interpreter(case) -> None:
    book, records = case
    fields = list(book.fields)
    rows = [{f: _as_text(r.get(f)) for f in fields} for r in records]
    rows = [r for r in rows if not any(v is not None and "\x00" in v for v in r.values())]
    _assert_postgres_agrees(book, rows)


@_POSTGRES
def test_postgres_moves_dates_at_the_edges() -> None:
    """PostgreSQL's ``date + INTERVAL`` clamps as srg_rules.dates does, and never meets a date
    before its 4713 BC limit."""
    book, records = shift_edges_book(SHIFT_EDGES)
    _assert_postgres_agrees(book, [{f: r.get(f) for f in book.fields} for r in records])


@_POSTGRES
@settings(max_examples=30, **_SETTINGS)
@given(_shift_cases())
def test_postgres_moves_dates_as_the_interpreter(case) -> None:
    book, records = case
    _assert_postgres_agrees(book, [{f: r.get(f) for f in book.fields} for r in records])


@_POSTGRES
def test_postgres_computes_ages_at_the_edges() -> None:
    """Ages from the dates' parts, 29 February birthdays and negative ages included."""
    book, records = age_edges_book()
    _assert_postgres_agrees(book, records)


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--regenerate"]:
        for name, text in _golden_queries().items():
            (GOLDEN / name).write_bytes(text.encode("utf-8"))
            print("wrote", GOLDEN / name)
    else:
        print("usage: python tests/test_sql.py --regenerate")
