"""The delivery checks: the field types ``bsn`` and ``digits(n)``, rulebooks/srg-delivery.rules,
and one run of rulebooks/srg.rules applying both rulebooks.

Every BSN here is a test number (the 99999xxxx range, or a textbook example), never a real
person's.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings

import srg_rules
from srg_rules.backends import BACKENDS
from srg_rules.backends import python as python_backend
from srg_rules.cli import main as cli_main
from srg_rules.schema import passes_eleven_test
from srg_rules.strategies import records

ROOT = Path(__file__).resolve().parent.parent
RULEBOOKS = ROOT / "rulebooks"

# Weighted sums: 999990019 -> 308 = 28 * 11; 111222333 -> 66; 123456782 -> 165.
VALID_BSNS = ("999990019", "999990007", "999990020", "111222333", "123456782", "012345672")
# 123456789 -> 156 (156 % 11 = 2); 999990018 -> 309; 000000000 -> 0, a multiple of 11 but
# never a BSN.
INVALID_BSNS = ("123456789", "999990018", "000000000", "111111111")


@pytest.mark.parametrize("number", VALID_BSNS)
def test_eleven_test_accepts_valid_numbers(number):
    assert passes_eleven_test(number)


@pytest.mark.parametrize("number", INVALID_BSNS)
def test_eleven_test_rejects_invalid_numbers(number):
    assert not passes_eleven_test(number)


def test_every_test_bsn_in_the_range_passes_as_the_definition_says():
    for n in range(999_990_000, 999_991_000):
        digits = f"{n:09d}"
        total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
        assert passes_eleven_test(digits) == (total % 11 == 0 and total != 0)


TYPES = srg_rules.parse("""\
field person: bsn optional
field code: digits(4)
field one: digits(1) optional
include when code is present
""")


def _read(field: str, raw):
    return TYPES.fields[field].read(raw)


@pytest.mark.parametrize(("raw", "value"), [
    ("999990019", "999990019"), (" 999990019\t", "999990019"), (999990019, "999990019"),
    (12345672, "012345672"), ("012345672", "012345672"), ("", None), (None, None),
])
def test_bsn_reads(raw, value):
    assert _read("person", raw) == (value, None)


@pytest.mark.parametrize("raw", [
    "123456789", "99999001", "9999900190", "99999001X", "99999001\u0669", "\uff19" * 9,
    "999 990 019", "000000000", 999990018, -999990019, True, dt.date(2024, 1, 31), 999990019.5,
])
def test_bsn_problems(raw):
    value, problem = _read("person", raw)
    assert value is None and problem.reason == "invalid_bsn:person"


@pytest.mark.parametrize(("raw", "value"), [
    ("0363", "0363"), (" 0014 ", "0014"), (363, "0363"), (14, "0014"), ("9999", "9999"),
])
def test_digits_keep_leading_zeros(raw, value):
    assert _read("code", raw) == (value, None)


@pytest.mark.parametrize("raw", ["363", "03630", "036A", "03 63", "-363", "+363", "\u0663\u0666\u0663\u0660",
                                 -363, 36300, 363.0, True, "3.63"])
def test_digits_problems(raw):
    value, problem = _read("code", raw)
    assert value is None and problem.reason == "invalid_digits:code"


def test_a_missing_required_digits_value():
    assert TYPES.decide({"code": " "}).reasons == ("missing_value:code",)


def test_digits_and_bsn_compare_as_texts():
    book = srg_rules.parse("""\
field person: bsn optional
field partner: text optional
field code: digits(4)
include when code in {"0363", "0599"} and person = partner
""")
    assert book.decide({"code": "0363", "person": "999990019", "partner": "999990019"}).status == "included"
    assert book.decide({"code": "363", "person": "999990019", "partner": "999990019"}).reasons == (
        "invalid_digits:code",)
    assert book.decide({"code": "0599", "person": "999990019", "partner": "x"}).status == "excluded"


# --- every backend reads them as the interpreter does ---------------------------------------

_COMPILERS = {name: compile_ for name, compile_ in BACKENDS.items() if name != "interpreter"}
_COMPILERS.setdefault("python", python_backend.compile_program)

_RAWS = [None, "", "  ", "999990019", " 999990019 ", "123456789", "99999001", "0363", "363",
         "03630", "036A", "\uff10363", "0", "00", 363, 999990019, 12345672, -5, 3.0, True,
         "000000000", "9999900190", "1"]


@pytest.mark.parametrize("compile_program", list(_COMPILERS.values()), ids=list(_COMPILERS))
def test_backends_read_bsn_and_digits_as_the_interpreter(compile_program):
    compiled = compile_program(TYPES.program)
    cases = [{"person": p, "code": c, "one": o}
             for p in _RAWS for c in _RAWS[:12] for o in ("", "7", "07", 7)]
    want = [TYPES.decide(r) for r in cases]
    assert list(compiled.decide_many(cases)) == want


def test_sql_writes_the_eleven_test_in_every_dialect():
    from srg_rules.backends.sql import DIALECTS, to_sql

    for dialect in DIALECTS:
        text = to_sql(TYPES.program, dialect=dialect, columns=["person", "code", "one"])
        assert "% 11" in text and "invalid_bsn:person" in text and "invalid_digits:code" in text


# --- strategies and analysis --------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(records(TYPES))
def test_generated_records_hold_valid_values(record):
    assert TYPES.program.schema.read(record) == (record, [])
    if record["person"] is not None:
        assert passes_eleven_test(record["person"])
    assert len(record["code"]) == 4 and record["code"].isdigit()


@settings(max_examples=60, deadline=None)
@given(records(TYPES, raw=True))
def test_generated_raw_records_read_without_problems(record):
    assert TYPES.program.schema.read(record)[1] == []


def test_analysis_examples_are_valid_values():
    book_text = """\
field person: bsn optional
field code: digits(4)
include when code = "0363"
classify as 1 when person is present
output type: code {1}
"""
    diagnostics = srg_rules.diagnose(book_text)
    gaps = [d for d in diagnostics if d.code == "classification_gap"]
    assert gaps, diagnostics
    assert "person=(missing)" in gaps[0].help and "code=0363" in gaps[0].help
    # A constant no valid value equals makes a rule that can never match.
    unsatisfiable = srg_rules.diagnose(
        'field person: bsn\ninclude when person = "123456789"\n')
    assert [d.code for d in unsatisfiable if d.is_error] == ["unsatisfiable_rule"]


# --- the shipped rulebooks ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def delivery() -> srg_rules.Rulebook:
    return srg_rules.load(RULEBOOKS / "srg-delivery.rules")


def _record(**overrides):
    base = {"reporting_month": "2026-01", "provision_id": "AMS2025000123",
            "person_id": "999990019", "municipality_code": "0363",
            "start_date": "2025-09-01", "end_date": "", "end_reason": ""}
    return {**base, **overrides}


@pytest.mark.parametrize(("overrides", "reasons"), [
    ({}, ("voorziening",)),
    ({"end_reason": "9"}, ("voorziening",)),
    ({"end_date": "2025-12-01", "end_reason": "1"}, ("voorziening",)),
    ({"end_date": "00000000", "end_reason": "9"}, ("voorziening",)),
    # The layout has no optional BSN [REF 5.1 #8].
    ({"person_id": ""}, ("missing_value:person_id",)),
    ({"person_id": "123456789"}, ("invalid_bsn:person_id",)),
    # A code from the CBS list, in force in the reporting month.
    ({"municipality_code": "363"}, ("unknown_code:municipality_code",)),
    ({"municipality_code": "0003"}, ("not_in_force:municipality_code",)),
    ({"municipality_code": "1979"}, ("voorziening",)),  # Eemsdelta, since 2021
    ({"provision_id": "AMS202500012345"}, ("voorziening",)),  # 15 characters
    ({"provision_id": "AMS2025000123456"}, ("registratienummer_te_lang",)),
    ({"start_date": "2026-01-31"}, ("voorziening",)),
    ({"start_date": "2026-02-01"}, ("no_include_matched",)),
    ({"reporting_month": ""}, ("missing_value:reporting_month",)),
    ({"end_reason": "2"}, ("reden_zonder_einddatum",)),
    ({"end_date": "00000000", "end_reason": "3"}, ("reden_zonder_einddatum",)),
    ({"end_date": "2025-08-31", "end_reason": "1"}, ("einde_voor_begin",)),
    ({"end_reason": "4"}, ("unknown_code:end_reason",)),
])
def test_delivery_checks(delivery, overrides, reasons):
    assert delivery.decide(_record(**overrides)).reasons == reasons


def test_the_delivery_rulebook_alone_includes_what_passes(delivery):
    decision = delivery.decide(_record())
    assert (decision.status, decision.type) == ("included", None)


def test_srg_applies_the_delivery_checks_and_selection(delivery):
    book = srg_rules.load(RULEBOOKS / "srg.rules")
    assert set(delivery.rule_ids) <= set(book.rule_ids)
    record = _record(category="taal", purpose="reintegratie", initiative="gemeente",
                     funding="reintegratie", traceable="ja")
    assert book.decide(record).reasons == ("voorziening", "taal")
    assert book.decide({**record, "municipality_code": "363"}).reasons == (
        "unknown_code:municipality_code",)
    assert book.decide({**record, "person_id": "123456789"}).reasons == (
        "invalid_bsn:person_id",)
    # A provision that has not started in the reporting month is not a candidate at all.
    assert book.decide({**record, "start_date": "2026-02-15"}).reasons == (
        "no_include_matched",)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_cli_run_applies_both_rulebooks(tmp_path, engine, capsys):
    source = tmp_path / "delivery.csv"
    columns = ["provision_id", "person_id", "municipality_code", "category", "initiative",
               "involved", "judgement", "funding", "traceable", "start_date", "end_date",
               "end_reason", "reporting_month", "purpose"]
    good = ["AMS1", "999990019", "0363", "taal", "gemeente", "", "", "reintegratie", "ja",
            "2025-09-01", "", "", "2026-01", "reintegratie"]
    rows = [good,
            ["AMS2", "123456789", *good[2:]],
            ["AMS3", "999990020", "363", *good[3:]],
            ["AMS4", "999990032", *good[2:11], "2", *good[12:]],
            ["AMS5", "999990044", *good[2:5], "", "", "wmo", *good[8:]],
            ["AMS6", "999990056", "0003", *good[3:]]]
    source.write_text("\n".join(";".join(r) for r in [columns, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "decided.csv"
    assert cli_main(["run", str(RULEBOOKS / "srg.rules"), str(source), "-o", str(out),
                     "--engine", engine]) == 0
    with open(out, encoding="utf-8", newline="") as handle:
        decided = {r["provision_id"]: (r["status"], r["reasons"])
                   for r in csv.DictReader(handle, delimiter=";")}
    assert decided == {
        "AMS1": ("included", "voorziening|taal"),
        "AMS2": ("rejected", "invalid_bsn:person_id"),
        "AMS3": ("rejected", "unknown_code:municipality_code"),
        "AMS4": ("rejected", "reden_zonder_einddatum"),
        "AMS5": ("excluded", "buiten_reintegratiebudget"),
        "AMS6": ("rejected", "not_in_force:municipality_code"),
    }
    assert "invalid_bsn:person_id" in capsys.readouterr().out
