"""The CBS newsletter's cases against the shipped rulebook, and the example delivery.

Sources: /work/shared/domain/nieuwsbrief-srg.txt ("Wanneer hoort een voorziening tot de SRG?",
"Voorbeeld coach-cursus", "Tot de SRG behoort (niet)") and srg-reference.md section 2 (the
FAQ: no Wmo, only provisions traceable to one person).

Every test starts from one valid record (a coaching provision the municipality deployed from
the re-integration budget) and changes only what its case is about.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import srg_rules
from srg_rules.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = ROOT / "rulebooks" / "srg.rules"
EXAMPLES = ROOT / "examples"
PROVISIONS = EXAMPLES / "provisions.csv"

INCLUDED, EXCLUDED, REJECTED = "included", "excluded", "rejected"


@pytest.fixture(scope="module")
def book() -> srg_rules.Rulebook:
    return srg_rules.load(RULEBOOK)


def record(**overrides: str) -> dict[str, str]:
    """A valid record as an export writes it; the overrides make the case."""
    base = {
        "reporting_month": "2026-01",
        "provision_id": "AMS2025000123",
        "person_id": "999990019",
        "municipality_code": "0363",
        "category": "coaching",
        "purpose": "reintegratie",
        "legal_basis": "participatiewet",
        "initiative": "gemeente",
        "involved": "ja",
        "judgement": "",
        "funding": "reintegratie",
        "traceable": "ja",
        "start_date": "2025-09-01",
        "end_date": "",
    }
    base.update(overrides)
    return base


def decided(book: srg_rules.Rulebook, **overrides: str) -> tuple[str, str | None, tuple[str, ...]]:
    decision = book.decide(record(**overrides))
    return decision.status.value, decision.type, decision.reasons


# --- the base record ------------------------------------------------------------------------

def test_base_record_is_coaching_type_40(book):
    assert decided(book) == (INCLUDED, "40", ("voorziening", "coaching"))


# --- "Tot de SRG behoort wel / niet" ----------------------------------------------------------

def test_taal_from_reintegration_budget_is_included_as_type_42(book):
    assert decided(book, category="taal", funding="reintegratie") == (
        INCLUDED, "42", ("voorziening", "taal"))


def test_taal_from_inburgering_budget_is_excluded(book):
    assert decided(book, category="taal", funding="inburgering") == (
        EXCLUDED, None, ("buiten_reintegratiebudget",))


def test_ips_is_included_without_a_type(book):
    # IPS is in the SRG, but no source gives its type code: included, unclassified.
    assert decided(book, category="ips") == (INCLUDED, None, ("voorziening", "unclassified"))


def test_mantelzorg_is_excluded_even_from_the_reintegration_budget(book):
    assert decided(book, category="mantelzorg") == (EXCLUDED, None, ("mantelzorg",))


def test_mantelzorg_for_another_purpose_names_both_exclusions(book):
    assert decided(book, category="mantelzorg", purpose="overig") == (
        EXCLUDED, None, ("ander_doel", "mantelzorg"))


def test_intake_is_excluded(book):
    assert decided(book, category="intake") == (EXCLUDED, None, ("intake_administratie",))


def test_administratie_is_excluded(book):
    assert decided(book, category="administratie") == (EXCLUDED, None, ("intake_administratie",))


# --- "Voorbeeld coach-cursus" -------------------------------------------------------------------

def test_coach_cursus_is_two_provisions_coaching_40_and_training_42(book):
    # One person, one trajectory, two records; the training's four days are one record.
    coaching = record(provision_id="UTR2025000401", category="coaching", start_date="2025-09-01")
    training = record(provision_id="UTR2025000402", category="training", start_date="2025-09-15",
                      end_date="2025-12-15")
    decisions = list(book.decide_many([coaching, training]))
    assert [(d.status.value, d.type, d.reasons) for d in decisions] == [
        (INCLUDED, "40", ("voorziening", "coaching")),
        (INCLUDED, "42", ("voorziening", "training")),
    ]


# --- condition 1: the municipality's involvement ------------------------------------------------

@pytest.mark.parametrize("category", ["vrijwilligerswerk", "sociale_activering"])
def test_citizen_initiative_with_positive_judgement_is_included(book, category):
    assert decided(book, category=category, initiative="burger", judgement="positief") == (
        INCLUDED, None, ("voorziening", "unclassified"))


def test_citizen_initiative_with_negative_judgement_is_excluded(book):
    assert decided(book, category="vrijwilligerswerk", initiative="burger",
                   judgement="negatief") == (EXCLUDED, None, ("geen_gemeentelijke_inzet",))


def test_citizen_initiative_without_judgement_is_rejected(book):
    assert decided(book, category="vrijwilligerswerk", initiative="burger", judgement="") == (
        REJECTED, None, ("oordeel_ontbreekt",))


def test_third_party_initiative_with_municipal_involvement_is_included(book):
    assert decided(book, initiative="derden", involved="ja") == (
        INCLUDED, "40", ("voorziening", "coaching"))


def test_third_party_initiative_without_municipal_involvement_is_excluded(book):
    assert decided(book, initiative="derden", involved="nee") == (
        EXCLUDED, None, ("geen_gemeentelijke_inzet",))


def test_third_party_initiative_without_recorded_involvement_is_rejected(book):
    # Like a citizen's provision without judgement: a missing fact is not an exclusion.
    assert decided(book, initiative="derden", involved="") == (
        REJECTED, None, ("betrokkenheid_ontbreekt",))


# --- condition 1: the purpose ---------------------------------------------------------------------

def test_participation_is_a_purpose_of_the_srg(book):
    assert decided(book, category="sociale_activering", purpose="participatie") == (
        INCLUDED, None, ("voorziening", "unclassified"))


def test_debt_help_coaching_from_reintegration_money_is_excluded(book):
    assert decided(book, purpose="overig", funding="reintegratie") == (
        EXCLUDED, None, ("ander_doel",))


# --- condition 2: the money ---------------------------------------------------------------------

@pytest.mark.parametrize("funding", ["toegevoegd", "verantwoord"])
def test_funds_added_to_or_accountable_as_reintegration_money_are_included(book, funding):
    assert decided(book, funding=funding) == (INCLUDED, "40", ("voorziening", "coaching"))


def test_wmo_funded_is_excluded(book):
    assert decided(book, category="sociale_activering", funding="wmo") == (
        EXCLUDED, None, ("buiten_reintegratiebudget",))


def test_wmo_provision_is_excluded_whatever_pays(book):
    assert decided(book, category="sociale_activering", legal_basis="wmo") == (
        EXCLUDED, None, ("wmo_voorziening",))


def test_legal_basis_may_be_missing(book):
    assert decided(book, legal_basis="") == (INCLUDED, "40", ("voorziening", "coaching"))


# --- condition 3: one person --------------------------------------------------------------------

def test_not_traceable_collective_provision_is_excluded(book):
    assert decided(book, traceable="nee") == (EXCLUDED, None, ("niet_herleidbaar",))


def test_a_record_failing_two_conditions_names_both(book):
    assert decided(book, traceable="nee", funding="wmo") == (
        EXCLUDED, None, ("buiten_reintegratiebudget", "niet_herleidbaar"))


# --- record problems ----------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "reasons"), [
    ({"start_date": "2025-10-01", "end_date": "2025-09-15"}, ("einde_voor_begin",)),
    ({"category": "coachng"}, ("unknown_code:category",)),
    ({"start_date": ""}, ("missing_value:start_date",)),
    ({"start_date": "2025-02-30"}, ("invalid_date:start_date",)),
    ({"start_date": "31-01-2025"}, ("invalid_date:start_date",)),
    ({"traceable": "misschien"}, ("invalid_boolean:traceable",)),
], ids=["end_before_start", "category_typo", "missing_start", "feb_30", "dutch_date_order",
        "boolean_misschien"])
def test_bad_values_are_rejected_with_their_reason(book, overrides, reasons):
    assert decided(book, **overrides) == (REJECTED, None, reasons)


@pytest.mark.parametrize(("overrides"), [
    {"end_date": "00000000"},                                  # CBS: end date unknown
    {"start_date": "20250901", "end_date": "20251201"},        # compact dates
    {"traceable": "true", "involved": "false"},                # English booleans
])
def test_export_spellings_are_accepted(book, overrides):
    assert decided(book, **overrides)[0] == INCLUDED


# --- examples/provisions.csv ----------------------------------------------------------------------

def _generator():
    spec = importlib.util.spec_from_file_location("make_provisions", EXAMPLES / "make_provisions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator():
    return _generator()


@pytest.fixture(scope="module")
def rows() -> tuple[list[str], list[list[str]]]:
    with open(PROVISIONS, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        return header, [row for row in reader if row]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[int, list[dict[str, str]], dict]:
    """The CLI's run over the example delivery: exit status, output rows, summary."""
    folder = tmp_path_factory.mktemp("run")
    out, summary = folder / "decided.csv", folder / "summary.json"
    status = cli_main(["run", str(RULEBOOK), str(PROVISIONS), "-o", str(out),
                       "--summary-json", str(summary)])
    with open(out, encoding="utf-8", newline="") as handle:
        decided_rows = list(csv.DictReader(handle, delimiter=";"))
    return status, decided_rows, json.loads(summary.read_text(encoding="utf-8"))


def test_provisions_csv_is_what_the_generator_writes(generator, tmp_path):
    fresh = tmp_path / "provisions.csv"
    generator.write(fresh)
    assert fresh.read_bytes() == PROVISIONS.read_bytes(), \
        "examples/provisions.csv is stale: run python examples/make_provisions.py"


def test_provisions_header_is_the_rulebook_fields_plus_extra_columns(book, rows):
    header, _ = rows
    # The optional birth date is left out, as some source systems do (srg-delivery.rules).
    assert set(book.fields) - set(header) == {"birth_date"}
    assert set(header) - set(book.fields) == {"activity_description", "trajectory_id"}


def test_every_row_gets_a_decision_and_the_counts_add_up(rows, run):
    _, data = rows
    status, decided_rows, summary = run
    assert status == 0
    assert len(decided_rows) == len(data) == summary["records"]
    assert sum(summary["statuses"].values()) == summary["records"]
    assert Counter(r["status"] for r in decided_rows) == Counter(
        {s: n for s, n in summary["statuses"].items() if n})
    assert sum(summary["types"].values()) == summary["statuses"][INCLUDED]
    assert all(r["status"] in (INCLUDED, EXCLUDED, REJECTED) for r in decided_rows)
    # Most of a delivery is in the SRG.
    assert summary["statuses"][INCLUDED] / summary["records"] > 0.7


def test_extra_columns_are_carried_through_untouched(rows, run):
    header, data = rows
    _, decided_rows, _ = run
    for values, out in zip(data, decided_rows, strict=True):
        source = dict(zip(header, values))
        for column in ("reporting_month", "activity_description", "trajectory_id",
                       "municipality_code", "start_date", "end_date"):
            if column in source:
                assert out[column] == source[column], (column, source["provision_id"])


def test_the_quoted_semicolon_survives(run):
    _, decided_rows, _ = run
    [row] = [r for r in decided_rows if ";" in r["activity_description"]]
    assert row["activity_description"] == "Training; solliciteren en netwerken"
    assert (row["status"], row["type"]) == (INCLUDED, "42")


# The expected decision of each case of make_provisions.py; for included rows the type follows
# the category.
CASE_STATUS = {
    "coaching": INCLUDED, "training": INCLUDED, "coach_cursus": INCLUDED,
    "taal_reintegratie": INCLUDED, "ips": INCLUDED, "participatie_gemeente": INCLUDED,
    "burger_positief": INCLUDED, "derden_betrokken": INCLUDED,
    "taal_inburgering": EXCLUDED, "burger_negatief": EXCLUDED, "derden_niet_betrokken": EXCLUDED,
    "wmo": EXCLUDED, "niet_herleidbaar": EXCLUDED, "mantelzorg": EXCLUDED,
    "intake": EXCLUDED, "administratie": EXCLUDED, "ander_doel": EXCLUDED,
    "burger_zonder_oordeel": REJECTED, "derden_onbekend": REJECTED,
}
EXCLUDED_BY = {"mantelzorg": ("ander_doel", "mantelzorg"), "intake": ("intake_administratie",),
               "administratie": ("intake_administratie",),
               "taal_inburgering": ("buiten_reintegratiebudget",),
               "wmo": ("buiten_reintegratiebudget", "wmo_voorziening"),
               "burger_negatief": ("geen_gemeentelijke_inzet",),
               "derden_niet_betrokken": ("geen_gemeentelijke_inzet",),
               "niet_herleidbaar": ("niet_herleidbaar",),
               "ander_doel": ("ander_doel",)}
REJECTED_BY = {"burger_zonder_oordeel": ("oordeel_ontbreekt",),
               "derden_onbekend": ("betrokkenheid_ontbreekt",)}
TYPE_OF = {"coaching": ("40", "coaching"), "training": ("42", "training"),
           "taal": ("42", "taal")}


def _expected(case: str, row: dict[str, str], planted) -> tuple[str, str | None, tuple[str, ...]]:
    if case in planted:
        reasons = planted[case][1]
        if reasons[0] == "voorziening":
            return INCLUDED, TYPE_OF[row["category"]][0], reasons
        if reasons == ("no_include_matched",):
            return EXCLUDED, None, reasons
        return REJECTED, None, reasons
    status = CASE_STATUS[case]
    if status == INCLUDED:
        code, rule = TYPE_OF.get(row["category"], (None, "unclassified"))
        return INCLUDED, code, ("voorziening", rule)
    if status == EXCLUDED:
        return EXCLUDED, None, EXCLUDED_BY[case]
    return REJECTED, None, REJECTED_BY[case]


def test_every_case_of_the_delivery_is_decided_as_expected(generator, run):
    _, decided_rows, _ = run
    built = generator.build()
    assert set(case for case, _ in built) == set(CASE_STATUS) | set(generator.PLANTED)
    assert len(built) == len(decided_rows)
    for (case, row), out in zip(built, decided_rows, strict=True):
        assert out["provision_id"] == row["provision_id"]
        got = (out["status"], out["type"] or None, tuple(out["reasons"].split("|")))
        assert got == _expected(case, row, generator.PLANTED), (case, row["provision_id"])


def test_planted_bad_rows_are_rejected_with_their_reasons(generator, run):
    _, decided_rows, _ = run
    by_id = {r["provision_id"]: r for r in decided_rows}
    planted = [(case, row) for case, row in generator.build() if case in generator.PLANTED]
    assert len(planted) == len(generator.PLANTED) == 17
    rejected = 0
    for case, row in planted:
        reasons = generator.PLANTED[case][1]
        out = by_id[row["provision_id"]]
        assert out["reasons"].split("|") == list(reasons), case
        if case == "nog_niet_gestart":  # valid, but not a provision of this reporting month
            assert out["status"] == EXCLUDED, case
        elif case != "semicolon_in_text":
            assert out["status"] == REJECTED, case
            rejected += 1
    assert rejected == 15


def test_planted_bad_rows_give_the_same_reasons_through_the_api(book, generator):
    for case, row in generator.build():
        if case not in generator.PLANTED or case == "too_few_columns":
            continue
        assert book.decide(row).reasons == generator.PLANTED[case][1], case


def test_row_with_too_few_columns_is_rejected_as_malformed_row(tmp_path, capsys):
    source = tmp_path / "short.csv"
    header = ";".join(record())
    full = ";".join(record().values())
    short = ";".join(list(record(provision_id="AMS2025000999").values())[:8])
    source.write_text(f"{header}\n{full}\n{short}\n", encoding="utf-8")
    out = tmp_path / "decided.csv"
    assert cli_main(["run", str(RULEBOOK), str(source), "-o", str(out)]) == 0
    assert "has 8 values where the header has 14" in capsys.readouterr().err
    with open(out, encoding="utf-8", newline="") as handle:
        decided_rows = list(csv.DictReader(handle, delimiter=";"))
    assert [(r["provision_id"], r["status"], r["reasons"]) for r in decided_rows] == [
        ("AMS2025000123", INCLUDED, "voorziening|coaching"),
        ("AMS2025000999", REJECTED, "malformed_row"),
    ]


# --- examples/embed.py ----------------------------------------------------------------------------

def test_embed_example_runs_from_another_directory(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / "embed.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "decision: included, type 42" in result.stdout
    assert "unknown_field at line 2, column 14" in result.stdout
