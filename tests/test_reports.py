"""Machine-readable output: check's SARIF validates against the OASIS schema, check's JSON and
run's summary against their documented schemas (docs/schemas/), test's JUnit XML is whole."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from srg_rules.cli import main

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the 'test' extra")

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = json.loads((ROOT / "tests" / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
CHECK_SCHEMA = json.loads((ROOT / "docs" / "schemas" / "check-v1.json").read_text("utf-8"))
SUMMARY_SCHEMA = json.loads((ROOT / "docs" / "schemas" / "summary-v1.json").read_text("utf-8"))

BROKEN = "field a: number\nfield a: text\ninclude when b > 1\n"
WARNED = "field a: number\ninclude x when a > 1\ninclude y when a > 1\n"
CLEAN = "field a: number\ninclude x when a > 1\n"


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fmt: str,
           name: str = "book.rules") -> tuple[int, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code = main(["check", str(path), "--format", fmt])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("text, status", [(BROKEN, 1), (WARNED, 0), (CLEAN, 0)])
def test_check_sarif_validates_against_the_sarif_schema(tmp_path: Path, capsys, text: str,
                                                        status: int) -> None:
    code, out = _check(tmp_path, capsys, text, "sarif")
    assert code == status
    log = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    expected_json = json.loads(_check(tmp_path, capsys, text, "json")[1])
    assert [r["ruleId"] for r in results] == [d["code"] for d in expected_json["diagnostics"]]
    for result, diagnostic in zip(results, expected_json["diagnostics"]):
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (diagnostic["line"], diagnostic["column"])
        assert result["level"] == diagnostic["severity"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:")


def test_check_sarif_keeps_related_spans_and_help(tmp_path: Path, capsys) -> None:
    _, out = _check(tmp_path, capsys, WARNED, "sarif")
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "redundant_rule" and result["level"] == "warning"
    assert "\nhelp: " in result["message"]["text"]
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["region"]["startLine"] == 2
    assert related["message"]["text"].startswith("covered by include rule 'x'")


def test_check_json_follows_its_schema_and_says_what_the_text_says(tmp_path: Path, capsys) -> None:
    code, out = _check(tmp_path, capsys, BROKEN, "json")
    data = json.loads(out)
    jsonschema.Draft202012Validator(CHECK_SCHEMA).validate(data)
    assert code == 1 and data["ok"] is False and data["errors"] == 2
    assert [(d["code"], d["line"], d["column"]) for d in data["diagnostics"]] == [
        ("duplicate_name", 2, 7), ("unknown_field", 3, 14)]
    assert data["diagnostics"][0]["related"][0]["line"] == 1
    code, out = _check(tmp_path, capsys, CLEAN, "json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["diagnostics"] == []


def test_check_json_of_the_srg_rulebook_follows_its_schema(capsys) -> None:
    main(["check", str(ROOT / "rulebooks" / "srg.rules"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(CHECK_SCHEMA).validate(data)
    assert data["ok"]


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_summary_json_follows_its_schema(tmp_path: Path, capsys, engine: str) -> None:
    summary = tmp_path / "summary.json"
    code = main(["run", str(ROOT / "rulebooks" / "srg.rules"), str(ROOT / "examples" / "provisions.csv"),
                 "-o", str(tmp_path / "out.csv"), "--engine", engine, "--summary-json", str(summary),
                 "--by", "municipality_code"])
    capsys.readouterr()
    assert code == 0
    data = json.loads(summary.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SUMMARY_SCHEMA).validate(data)
    assert sum(data["statuses"].values()) == data["records"] > 0
    bad = {**data, "statuses": {"included": 1}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SUMMARY_SCHEMA).validate(bad)


def test_test_junit_writes_one_case_per_expectation_and_example(tmp_path: Path, capsys) -> None:
    book = tmp_path / "beleid.rules"
    book.write_text("field category: code {taal, coaching}\ninclude when category = taal\n"
                    "expect included when category = taal\n"
                    "expect included when category = coaching\n", encoding="utf-8")
    (tmp_path / "beleid.examples.csv").write_text(
        "case,category,expected_status\ntaal [a],taal,included\ncoaching,coaching,included\n",
        encoding="utf-8")
    report = tmp_path / "junit.xml"
    code = main(["test", str(book), "--junit", str(report)])
    out = capsys.readouterr().out
    assert code == 1 and "2 passed, 2 failed" in out
    root = ET.parse(report).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "2"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {
        "expectation included when category = taal",
        "expectation included when category = coaching",
        "example taal [a]", "example coaching"}
    failure = cases["example coaching"].find("failure")
    assert failure is not None and "Decision" in (failure.text or "")
    assert cases["example taal [a]"].find("failure") is None


def test_test_junit_reports_a_rulebook_that_does_not_load(tmp_path: Path, capsys) -> None:
    book = tmp_path / "kapot.rules"
    book.write_text("field a: text\ninclude when b = 1\n", encoding="utf-8")
    report = tmp_path / "junit.xml"
    assert main(["test", str(book), "--junit", str(report)]) == 1
    capsys.readouterr()
    (case,) = ET.parse(report).getroot().iter("testcase")
    failure = case.find("failure")
    assert case.get("name") == "rulebook loads" and failure is not None
    assert "1 error" in (failure.get("message") or "")
