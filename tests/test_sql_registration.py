"""The registration level in SQL decides source rows as the Python engine does.

Differential: the query of :mod:`srg_rules.backends.sql.registration` on DuckDB (and on a
real PostgreSQL where ``SRG_TEST_PGHOST`` names one) against :meth:`Rulebook.decide_source`
(the reference interpreter over :mod:`srg_rules.registration`), on the shipped source example
and on generated extracts: for the shipped rulebook, and for a rulebook that uses every
``combine`` way, ``by latest``/``by earliest``, trajectories with constants, a computed
field and a text join, two trajectories that can both match, and ``unique``. Whole files:
``run --engine duckdb`` writes the same bytes as ``run --engine python``, malformed rows
included.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import srg_rules
from srg_rules import filerun
from srg_rules.backends.sql import registration as sql_registration
from srg_rules.backends.sql.builders import column
from srg_rules.backends.sql.query import for_postgres
from srg_rules.cli import main
from srg_rules.records import REASON_SEPARATOR
from pg_server import dsn, needs_postgres

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "source"

EVERY_WAY = """\
field provision_id: text
field person_id: bsn optional
field kind: code {coaching, training, ips, coach_cursus, combi}
field category: code {coaching, training, ips} optional
field funding: code {reintegratie, wmo}
field month: month optional
field start_date: date
field end_date: date optional
field first_seen: date optional
field reason: code {1, 2, 3} optional
field hours: number optional
field total: number optional
field small: number optional
field paid: boolean optional
field checked: boolean optional
field note: text optional
output type: code {40, 42}

activities share provision_id, person_id
    combine start_date by earliest, end_date by latest_or_missing, first_seen by latest,
            hours by sum, total by latest, small by earliest, paid by any, checked by all,
            reason by latest end_date, note by earliest start_date

trajectory coach_cursus when kind = coach_cursus
    yields coaching with category = coaching
    yields training with category = training, provision_id = provision_id ~ "-2",
        note = provision_id ~ "/" ~ kind ~ "/" ~ person_id

trajectory combi when kind = combi or (kind = coach_cursus and hours > 100)
    yields ips with category = ips, note = person_id, first_seen = end_date, checked = paid

unique provision_id

include started when start_date is present
exclude wmo when funding = wmo
reject too_long when hours > 1000
classify coaching as 40 when category = coaching
classify training as 42 when category = training
warn unpaid when not paid
"""


@pytest.fixture(scope="module")
def every_way() -> srg_rules.Rulebook:
    return srg_rules.parse(EVERY_WAY, "every_way.rules")


@pytest.fixture(scope="module")
def gemeente() -> srg_rules.Rulebook:
    return srg_rules.load(EXAMPLE / "gemeente.rules")


class _Decider:
    """One DuckDB connection and the query built once; each call decides a list of rows."""

    def __init__(self, book: srg_rules.Rulebook, dialect: str = "duckdb"):
        import duckdb

        self.book = book
        self.names = list(book.fields)
        self.connection = duckdb.connect()
        self.connection.execute("SET disabled_optimizers = 'in_clause'")
        table = exp.Table(this=exp.to_identifier("source", quoted=True))
        rows = exp.select(*(column(n) for n in self.names), column("malformed")).from_(table)
        self.query = sql_registration.select_source(book.program, rows, "malformed")
        self.sql = self.query.sql("duckdb")
        columns = ", ".join(f'"{n}" VARCHAR' for n in self.names)
        self.connection.execute(f'CREATE TABLE "source" ({columns}, "malformed" BOOLEAN)')

    def decide(self, records: list[dict[str, str | None]]) -> list[tuple[str, ...]]:
        self.connection.execute('DELETE FROM "source"')
        if records:
            marks = ", ".join("?" for _ in range(len(self.names) + 1))
            self.connection.executemany(f'INSERT INTO "source" VALUES ({marks})', [
                [record.get(n) for n in self.names] + [False] for record in records])
        result = self.connection.execute(self.sql).fetchall()
        return [tuple("" if v is None else str(v) for v in row) for row in result]


def expected(book: srg_rules.Rulebook, records: list[dict[str, str | None]]) -> list[tuple[str, ...]]:
    """What ``run --engine python`` writes for the records: one row per provision."""
    made = []
    warns = bool(book.program.by_verb("warn"))
    for provision, decision in book.decide_source(records):
        row = [provision.text[name] for name in book.fields]
        if book.program.trajectories:
            row.append(provision.component or "")
        row.append(REASON_SEPARATOR.join(map(str, provision.rows)))
        row += [decision.status.value, decision.type or "", REASON_SEPARATOR.join(decision.reasons)]
        if warns:
            row.append(REASON_SEPARATOR.join(decision.warnings))
        made.append(tuple(row))
    return made


@pytest.fixture(scope="module")
def every_way_decider(every_way) -> _Decider:
    return _Decider(every_way)


@pytest.fixture(scope="module")
def gemeente_decider(gemeente) -> _Decider:
    return _Decider(gemeente)


# --- generated source rows -----------------------------------------------------------------

def _text(*choices: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.sampled_from(choices), st.none())


_DATES = ("2025-09-01", "2025-09-15", "20251001", " 2025-12-31", "2025-02-30", "00000000", "",
          "2025-10-01")
_NUMBERS = ("", "0", "4", "12", "-3", "1000", "700", "x", " 8 ")
_BOOLEANS = ("", "ja", "nee", "true", "False", "maybe")


def every_way_rows() -> st.SearchStrategy[list[dict[str, str | None]]]:
    row = st.fixed_dictionaries({
        "provision_id": _text("A", "B", "C", " A", ""),
        "person_id": _text("999991103", "999991115", "123456789", ""),
        "kind": _text("coaching", "training", "coach_cursus", "combi", "ips", "bogus", ""),
        "category": _text("coaching", "training", "ips", "", "other"),
        "funding": _text("reintegratie", "wmo", ""),
        "month": _text("2026-01", "202601", "2026-13", ""),
        "start_date": st.sampled_from(_DATES),
        "end_date": st.sampled_from(_DATES),
        "first_seen": st.sampled_from(_DATES),
        "reason": _text("1", "2", "3", "9", ""),
        "hours": st.sampled_from(_NUMBERS),
        "total": st.sampled_from(_NUMBERS),
        "small": st.sampled_from(_NUMBERS),
        "paid": st.sampled_from(_BOOLEANS),
        "checked": st.sampled_from(_BOOLEANS),
        "note": _text("x", "y ", "", "z"),
    })
    return st.lists(row, max_size=12)


def gemeente_rows() -> st.SearchStrategy[list[dict[str, str | None]]]:
    row = st.fixed_dictionaries({
        "reporting_month": _text("2026-01", "2026-1", ""),
        "provision_id": _text("VB-1", "VB-2", "VB-2025-0101-99", ""),
        "person_id": _text("999991103", "999991115", "999991107", ""),
        "municipality_code": _text("0344", "344", ""),
        "traject": _text("coach_cursus", "", "other"),
        "category": _text("coaching", "training", "ips", "taal", "", "bogus"),
        "purpose": _text("reintegratie", "participatie", ""),
        "initiative": _text("gemeente", "derden", "burger", ""),
        "involved": _text("ja", "nee", ""),
        "judgement": _text("positief", ""),
        "funding": _text("reintegratie", "wmo", ""),
        "traceable": _text("ja", "nee", ""),
        "start_date": st.sampled_from(_DATES),
        "end_date": st.sampled_from(_DATES),
        "end_reason": _text("1", "2", "", "x"),
    })
    return st.lists(row, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=every_way_rows())
def test_every_way_decides_as_python(every_way, every_way_decider, records):
    assert every_way_decider.decide(records) == expected(every_way, records)


# Each example plans the shipped rulebook's query anew (about 3 s on a loaded machine).
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=gemeente_rows())
def test_the_shipped_rulebook_decides_generated_extracts_as_python(gemeente, gemeente_decider,
                                                                   records):
    assert gemeente_decider.decide(records) == expected(gemeente, records)


def test_a_provision_of_many_rows_with_problems_in_several_rows(every_way, every_way_decider):
    """The problems of a provision are listed in the order Python finds them: row by row,
    field by field within a row, then the conflicts."""
    base = {"provision_id": "A", "person_id": "999991103", "kind": "training",
            "category": "training", "funding": "wmo", "start_date": "2025-09-01"}
    records = [{**base, "hours": "x"}, {**base, "month": "2026-13", "funding": "reintegratie"},
               {**base, "hours": "y", "start_date": ""}]
    decided = every_way_decider.decide(records)
    assert decided == expected(every_way, records)
    assert decided[0][-2] == ("invalid_number:hours|invalid_month:month|"
                              "missing_value:start_date|conflict:funding")


# --- whole files ---------------------------------------------------------------------------


def _run(engine: str, rulebook: Path, source: Path, target: Path) -> int:
    return main(["run", "--engine", engine, str(rulebook), str(source), "-o", str(target)])


def test_the_shipped_example_runs_in_duckdb_to_the_same_bytes(tmp_path, capsys):
    rulebook, source = EXAMPLE / "gemeente.rules", EXAMPLE / "extract.csv"
    assert _run("python", rulebook, source, tmp_path / "python.csv") == 0
    python_summary = capsys.readouterr().out
    assert _run("duckdb", rulebook, source, tmp_path / "duckdb.csv") == 0
    captured = capsys.readouterr()
    assert "row by row" not in captured.err  # decided in DuckDB, not handed back
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "python.csv").read_bytes()
    assert captured.out.replace("duckdb.csv", "python.csv") == python_summary
    assert "source rows read: 20" in python_summary


def _write(path: Path, book: srg_rules.Rulebook, records: list[dict[str, str | None]],
           extra: str = "") -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(list(book.fields))
    for record in records:
        writer.writerow(["" if record.get(n) is None else record[n] for n in book.fields])
    path.write_text(out.getvalue() + extra, encoding="utf-8")


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=every_way_rows(), short=st.booleans())
def test_a_generated_extract_file_runs_in_duckdb_to_the_same_bytes(every_way, tmp_path, records,
                                                                  short):
    rulebook = tmp_path / "every_way.rules"
    rulebook.write_text(EVERY_WAY, encoding="utf-8")
    source = tmp_path / "extract.csv"
    # A short row is malformed: rejected, written after the provisions.
    _write(source, every_way, records, extra="A;999991103\n" if short else "")
    assert _run("python", rulebook, source, tmp_path / "python.csv") in (0, 1)
    assert _run("duckdb", rulebook, source, tmp_path / "duckdb.csv") in (0, 1)
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "python.csv").read_bytes()


def test_a_large_extract_is_combined_a_slice_of_keys_at_a_time(every_way, tmp_path, capsys,
                                                              monkeypatch):
    """Beyond filerun.SLICE_ROWS source rows, the provisions are combined a slice of their keys
    at a time (the memory a run needs is then that of a slice); the bytes stay those of the
    Python engine. Slices of about 5 rows here: the activities of one provision, its conflicts,
    trajectories, unique duplicates and a malformed row fall in different slices."""
    slicings = []
    source_parts = sql_registration.source_parts

    def counted(*args, **kwargs):
        slicings.append(args)
        return source_parts(*args, **kwargs)

    monkeypatch.setattr(filerun, "SLICE_ROWS", 5)
    monkeypatch.setattr(sql_registration, "source_parts", counted)
    rulebook = tmp_path / "every_way.rules"
    rulebook.write_text(EVERY_WAY, encoding="utf-8")
    base = {"provision_id": "A", "person_id": "999991103", "kind": "training",
            "category": "training", "funding": "reintegratie", "start_date": "2025-09-01"}
    records: list[dict[str, str | None]] = []
    for number in range(12):
        records.append({**base, "provision_id": f"P{number % 5}", "hours": str(number),
                        "end_date": f"2025-10-{number + 1:02d}", "reason": str(number % 3 + 1),
                        "kind": ("coach_cursus", "training", "combi")[number % 3],
                        "funding": "wmo" if number == 7 else "reintegratie",
                        "person_id": "" if number == 4 else "999991103",
                        "start_date": "2025-13-01" if number == 9 else "2025-09-01"})
    source = tmp_path / "extract.csv"
    _write(source, every_way, records, extra="A;999991103\n")
    assert _run("python", rulebook, source, tmp_path / "python.csv") in (0, 1)
    assert _run("duckdb", rulebook, source, tmp_path / "duckdb.csv") in (0, 1)
    assert "row by row" not in capsys.readouterr().err
    assert len(slicings) == 1
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "python.csv").read_bytes()


def test_a_fraction_goes_row_by_row_with_a_note(every_way, tmp_path, capsys):
    rulebook = tmp_path / "every_way.rules"
    rulebook.write_text(EVERY_WAY, encoding="utf-8")
    source = tmp_path / "extract.csv"
    _write(source, every_way, [{"provision_id": "A", "kind": "training", "funding": "wmo",
                                "start_date": "2025-09-01", "hours": "1.5"}])
    assert _run("duckdb", rulebook, source, tmp_path / "duckdb.csv") == 0
    assert "row by row" in capsys.readouterr().err
    assert _run("python", rulebook, source, tmp_path / "python.csv") == 0
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "python.csv").read_bytes()


def test_the_query_is_written_for_postgres(gemeente_decider):
    text = for_postgres(gemeente_decider.query).sql("postgres")
    assert "STRING_AGG" in text and "MATERIALIZED" in text


# --- PostgreSQL ----------------------------------------------------------------------------


@needs_postgres
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=every_way_rows())
def test_postgres_decides_generated_extracts_as_python(every_way, records):
    import psycopg

    names = list(every_way.fields)
    rows = exp.select(*(column(n) for n in names), column("malformed")).from_(
        exp.Table(this=exp.to_identifier("srg_source", quoted=True)))
    sql = for_postgres(sql_registration.select_source(every_way.program, rows, "malformed")
                       ).sql("postgres")
    with psycopg.connect(dsn()) as connection:
        cursor = connection.cursor()
        columns = ", ".join(f'"{n}" TEXT' for n in names)
        cursor.execute(f'CREATE TEMPORARY TABLE "srg_source" ({columns}, "malformed" BOOLEAN)')
        marks = ", ".join(["%s"] * (len(names) + 1))
        cursor.executemany(f'INSERT INTO "srg_source" VALUES ({marks})',
                           [[r.get(n) for n in names] + [False] for r in records])
        cursor.execute(sql)
        decided = [tuple("" if v is None else str(v) for v in row) for row in cursor.fetchall()]
    assert decided == expected(every_way, records)



