"""The benchmarks' hand-written SRG baselines decide as rulebooks/srg.rules does.

benchmarks/compare.py checks this before every timing run; this test makes a change to the
shipped rulebook that the hand-written code does not follow fail in the suite, not only when
someone next runs the benchmark. Cheap: a few hundred records and the example rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import workload

from srg_rules.backends.interpreter import Interpreter


@pytest.fixture(scope="module")
def srg_cases():
    book = workload.srg_book()
    records = workload.records(400, seed=1) + workload.example_rows()
    interpreter = Interpreter(book.program)
    return book, records, [interpreter.decide(r) for r in records]


def test_the_transcription_has_the_rulebooks_rules_in_order(srg_cases):
    book, _, _ = srg_cases
    assert tuple(book.rule_ids) == tuple(rule.id for rule in workload.SRG.rules)


def test_the_hand_written_function_decides_as_the_rulebook(srg_cases):
    _, records, decisions = srg_cases
    decide = workload.python_function(workload.SRG)
    for record, decision in zip(records, decisions):
        want = (decision.status.value, decision.type, decision.reasons, decision.warnings)
        assert decide(record) == want, record


def test_the_hand_written_duckdb_query_decides_as_the_rulebook(srg_cases):
    duckdb = pytest.importorskip("duckdb")
    _, records, decisions = srg_cases
    names = sorted({name for record in records for name in record})
    db = duckdb.connect(":memory:")
    db.execute(workload.gemeenten_sql())
    db.execute("CREATE TABLE records (rid INTEGER, " + ", ".join(f'"{n}" VARCHAR' for n in names) + ")")
    db.executemany(f"INSERT INTO records VALUES ({', '.join('?' * (len(names) + 1))})",
                   [[i, *(record.get(n) or None for n in names)] for i, record in enumerate(records)])
    query = workload.duckdb_query(workload.SRG, ["rid", *names], "records")
    got = db.execute(f"SELECT status, type, reasons, warnings FROM ({query}) ORDER BY rid").fetchall()
    for record, decision, row in zip(records, decisions, got):
        want = (decision.status.value, decision.type, decision.reasons, decision.warnings)
        reasons = tuple(row[2].split("|")) if row[2] else ()
        warnings = tuple(row[3].split("|")) if row[3] else ()
        assert (row[0], row[1], reasons, warnings) == want, record
