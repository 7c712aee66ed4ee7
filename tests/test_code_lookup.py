"""The code lookup of the compiled and SQL backends (srg_rules/backends/lookup.py).

``rules in force on DAY`` over a ``code from "file.csv"`` field with dated codes implies the
reject ``not_in_force:FIELD``, an ``any`` of one term per period; the backends decide it by one
lookup of the code's periods (a dict; a binary search over the sorted codes in SQL). Here
Hypothesis writes code lists (digit codes of one length, which SQL searches, and word codes,
for which it keeps the ``any``), each code with no, one or two periods, and records around
the periods' ends; every backend decides each record as the interpreter does.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules.backends import BACKENDS, sql
from srg_rules.backends.interpreter import Interpreter
from srg_rules.backends.lookup import code_periods

_DAYS = [dt.date(2019, 12, 31), dt.date(2020, 1, 1), dt.date(2020, 6, 30), dt.date(2020, 12, 31),
         dt.date(2021, 1, 1), dt.date(2022, 3, 31)]


@st.composite
def code_lists(draw, most: int = 2):
    digits = draw(st.booleans())
    count = draw(st.integers(8, 30))
    if digits:
        codes = draw(st.lists(st.integers(0, 999).map(lambda n: f"{n:03d}"), min_size=count,
                              max_size=count, unique=True))
    else:
        codes = draw(st.lists(st.text("abcxyz", min_size=1, max_size=4), min_size=count,
                              max_size=count, unique=True))
    rows = []
    for code in codes:
        periods = draw(st.integers(0, most))
        if periods == 0:
            rows.append((code, "", ""))
            continue
        # one period, or two that do not overlap (until one day, from a later one)
        first, second = sorted(draw(st.lists(st.sampled_from(_DAYS), min_size=2, max_size=2,
                                             unique=True)))
        if periods == 2:
            rows += [(code, "", first), (code, second, "")]
        else:
            rows.append(draw(st.sampled_from([(code, first, ""), (code, "", first),
                                              (code, first, second)])))
    return codes, rows


def _text(value):
    return value.isoformat() if isinstance(value, dt.date) else value


@settings(max_examples=20, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no long shrinking
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lists=code_lists(), data=st.data())
def test_every_backend_decides_the_in_force_rule_as_the_interpreter(lists, data):
    _decide_every_way(lists, data)


@settings(max_examples=20, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lists=code_lists(most=1), data=st.data())
def test_codes_of_one_period_each_are_looked_up_by_position_in_duckdb(lists, data):
    """At most one period per code: DuckDB's query picks the period by the code's number
    (conditions._indexed_periods) instead of searching."""
    book = _decide_every_way(lists, data)
    query = sql.to_sql(book.program, dialect="duckdb", columns=["code", "day"])
    digits = lists[0][0].isdigit()
    assert ("SUBSTRING('00000000" in query) == (digits and len(
        {code for code, start, end in lists[1] if start or end}) >= 8)
    assert "SUBSTRING('00000000" not in sql.to_sql(book.program, dialect="postgres",
                                                   columns=["code", "day"])


def _decide_every_way(lists, data) -> srg_rules.Rulebook:
    codes, rows = lists
    book_text = ("field code: code from \"codes.csv\"\nfield day: date\n"
                 "rules in force on day\ninclude when code is present\n")
    csv_text = "code;label;valid_from;valid_until\n" + "".join(
        f"{code};;{_text(start)};{_text(end)}\n" for code, start, end in rows)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "codes.csv").write_text(csv_text, encoding="utf-8")
        (Path(folder) / "main.rules").write_text(book_text, encoding="utf-8")
        book = srg_rules.load(Path(folder) / "main.rules")
    program = book.program
    records = data.draw(st.lists(st.fixed_dictionaries({
        "code": st.sampled_from([*codes, "", "zzz", "9999"]),
        "day": st.sampled_from([*_DAYS, dt.date(2020, 1, 2), None]).map(
            lambda d: "" if d is None else d.isoformat()),
    }), min_size=1, max_size=30))
    implied = [r for r in program.rules if r.id == "not_in_force:code"]
    if implied and len({code for code, start, end in rows if start or end}) >= 8:
        # the shape the backends look up (not a test that passes by writing the any)
        assert code_periods(implied[0].condition) is not None
    want = [Interpreter(program).decide(r) for r in records]
    for name, compile_ in BACKENDS.items():
        decided = list(compile_(program).decide_many(records))
        assert [(d.status, d.type, d.reasons) for d in decided] == \
            [(d.status, d.type, d.reasons) for d in want], name
    return book


def test_the_shipped_municipality_codes_are_looked_up():
    book = srg_rules.load(Path(__file__).parent.parent / "rulebooks" / "srg.rules")
    rule = book.program.rule("not_in_force:municipality_code")
    lookup = code_periods(rule.condition)
    assert lookup is not None and lookup.field == "municipality_code"
    assert lookup.day == "reporting_month" and len(lookup.periods) > 500
    source = BACKENDS["python"](book.program).source
    assert source.count(" or ") < 40  # one lookup, not an ``or`` per period
