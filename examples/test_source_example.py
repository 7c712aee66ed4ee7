"""The source-extract example runs end to end: source rows -> provisions -> a delivery file."""

from __future__ import annotations

import csv
from pathlib import Path

from srg_rules.cli import main

HERE = Path(__file__).parent / "source"


def test_the_extract_becomes_a_delivery_with_lineage(tmp_path, capsys) -> None:
    out = tmp_path / "delivery.csv"
    assert main(["run", str(HERE / "gemeente.rules"), str(HERE / "extract.csv"), "-o", str(out)]) == 0
    report = capsys.readouterr().out
    assert "source rows read: 20\nprovisions made of them: 16" in report
    with out.open(encoding="utf-8", newline="") as handle:
        provisions = list(csv.DictReader(handle, delimiter=";"))
    assert len(provisions) == 16
    # Every source row is accounted for.
    rows = sorted(int(n) for p in provisions for n in p["source_rows"].split("|"))
    assert sorted(set(rows)) == list(range(1, 21))
    # No registration number is written twice: the coach-cursus's training gets its own.
    numbers = [p["provision_id"] for p in provisions]
    assert len(set(numbers)) == len(numbers)
    cursus = [(p["provision_id"], p["component"], p["status"], p["type"]) for p in provisions
              if p["source_rows"] == "1"]
    assert cursus == [("VB-2025-0101", "coaching", "included", "40"),
                      ("VB-2025-0101-2", "training", "included", "42")]
    # Four training days, only the last with a reason: one provision with that reason.
    [days] = [p for p in provisions if p["provision_id"] == "VB-2025-0102"]
    assert (days["source_rows"], days["start_date"], days["end_date"], days["end_reason"],
            days["type"]) == ("2|3|5|6", "2025-09-15", "2025-12-15", "1", "42")
    [conflict] = [p for p in provisions if p["provision_id"] == "VB-2025-0109"]
    assert (conflict["status"], conflict["reasons"]) == ("rejected", "conflict:funding")


def test_explain_names_the_rows_in_conflict(capsys) -> None:
    assert main(["explain", str(HERE / "gemeente.rules"), str(HERE / "extract.csv"),
                 "--row", "14"]) == 0
    out = capsys.readouterr().out
    assert "the activities of one provision differ in funding: row 14 reintegratie, row 15 wmo" in out
