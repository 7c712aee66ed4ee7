"""``srg-rules report``: one HTML page (or a CSV table) whose figures are those of
``srg-rules run --summary-json``, in English and Dutch, per municipality and month."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

import srg_rules
from srg_rules.cli import main
from srg_rules.report import default_group_fields
from srg_rules.report.table import measures
from srg_rules.summary import Summary

ROOT = Path(__file__).parent.parent
SRG = str(ROOT / "rulebooks" / "srg.rules")
DELIVERY = str(ROOT / "examples" / "provisions.csv")
SOURCE_RULES = str(ROOT / "examples" / "source" / "gemeente.rules")
SOURCE_DATA = str(ROOT / "examples" / "source" / "extract.csv")


def summary_json(tmp_path: Path, rulebook: str, data: str, by: str) -> dict:
    out = tmp_path / "summary.json"
    args = ["run", rulebook, data, "-o", str(tmp_path / "decided.csv"), "--summary-json", str(out)]
    assert main(args + (["--by", by] if by else [])) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def expected_figures(counts: dict) -> dict:
    """{group values or None for the delivery: {measure: value}} from the JSON shape."""
    whole = Summary.from_dict(counts)
    figures = {None: dict(measures(whole))}
    for key, group in whole.groups.items():
        figures[tuple(zip(whole.by, key))] = dict(measures(group))
    return figures


class _Cells(HTMLParser):
    """The page's counts: every ``data-measure`` element's number, under the group of the
    ``data-group`` row it is in (None outside the group table)."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict = {None: {}}
        self.group = None
        self.measure = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-group" in attributes:
            self.group = tuple(json.loads(attributes["data-group"]).items())
            self.figures.setdefault(self.group, {})
        if "data-measure" in attributes:
            self.measure, self.text = attributes["data-measure"], ""

    def handle_endtag(self, tag):
        if tag == "tr" and self.group is not None and self.measure is None:
            self.group = None
        if self.measure is not None and tag in ("td", "span"):
            value = int(self.text.replace(",", "").replace(".", ""))
            seen = self.figures[self.group].setdefault(self.measure, value)
            assert seen == value, f"{self.measure} shown as {seen} and as {value}"
            self.measure = None

    def handle_data(self, data):
        if self.measure is not None:
            self.text += data


def page_figures(html: str) -> dict:
    parser = _Cells()
    parser.feed(html)
    # A rule that decided no record is in the page with 0; the JSON leaves it out.
    return {group: {m: v for m, v in values.items() if v or m.startswith("status:")}
            for group, values in parser.figures.items()}


@pytest.mark.parametrize("by", ["", "municipality_code,reporting_month", "category"])
def test_the_page_shows_the_figures_of_run(tmp_path: Path, by: str) -> None:
    page = tmp_path / "report.html"
    args = ["report", SRG, DELIVERY, "-o", str(page)] + (["--by", by] if by else [])
    assert main(args) == 0
    default = ",".join(default_group_fields(srg_rules.load(SRG).fields))
    counts = summary_json(tmp_path, SRG, DELIVERY, by or default)
    html = page.read_text(encoding="utf-8")
    assert page_figures(html) == expected_figures(counts)
    assert len(page_figures(html)) > 2  # the delivery and its groups
    embedded = html.split('id="srg-summary">')[1].split("</script>")[0]
    assert json.loads(embedded) == counts


def test_the_csv_holds_the_figures_of_run(tmp_path: Path, capsys) -> None:
    assert main(["report", SRG, DELIVERY, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out), delimiter=";"))
    assert list(rows[0]) == ["scope", "municipality_code", "reporting_month", "measure", "value"]
    figures: dict = {}
    for row in rows:
        group = None if row["scope"] == "delivery" else (
            ("municipality_code", row["municipality_code"]),
            ("reporting_month", row["reporting_month"]))
        figures.setdefault(group, {})[row["measure"]] = int(row["value"])
    assert figures == expected_figures(
        summary_json(tmp_path, SRG, DELIVERY, "municipality_code,reporting_month"))


def test_a_registration_level_counts_source_rows(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert main(["report", SOURCE_RULES, SOURCE_DATA, "-o", str(page)]) == 0
    counts = summary_json(tmp_path, SOURCE_RULES, SOURCE_DATA,
                          ",".join(default_group_fields(srg_rules.load(SOURCE_RULES).fields)))
    assert "source_rows" in counts
    assert page_figures(page.read_text(encoding="utf-8")) == expected_figures(counts)


def test_each_rule_with_its_because_and_the_rules_that_decided_nothing(tmp_path: Path) -> None:
    rules = tmp_path / "small.rules"
    rules.write_text('field category: code {taal, mantelzorg, intake}\n'
                     'include when category is present\n'
                     'exclude zorg when category = mantelzorg because "mantelzorg hoort er niet bij"\n'
                     'exclude intake when category = intake because "een intake is geen voorziening"\n',
                     encoding="utf-8")
    data = tmp_path / "in.csv"
    data.write_text("category\ntaal\nmantelzorg\nmantelzorg\nzorg\n", encoding="utf-8")
    page = tmp_path / "report.html"
    assert main(["report", str(rules), str(data), "-o", str(page), "--lang", "nl"]) == 0
    html = page.read_text(encoding="utf-8")
    assert "mantelzorg hoort er niet bij" in html
    assert 'data-unused="intake"' in html and 'data-unused="zorg"' not in html
    assert "Regels die geen enkel record besliste" in html
    assert page_figures(html)[None]["reason:zorg"] == 2
    assert page_figures(html)[None]["reason:unknown_code:category"] == 1
    assert "Geen groepsvelden" in html  # no municipality or month field


def test_the_page_loads_nothing(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert main(["report", SRG, DELIVERY, "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    for reference in ("<script src", "<link", "http://", "https://", "@import", "url("):
        assert reference not in html


def test_dutch_and_english(tmp_path: Path, monkeypatch) -> None:
    english, dutch = tmp_path / "en.html", tmp_path / "nl.html"
    monkeypatch.setenv("SRG_RULES_LANG", "nl")
    assert main(["report", SRG, DELIVERY, "-o", str(dutch)]) == 0
    assert main(["report", SRG, DELIVERY, "-o", str(english), "--lang", "en"]) == 0
    assert "Rapport van een levering" in dutch.read_text(encoding="utf-8")
    assert '<html lang="nl">' in dutch.read_text(encoding="utf-8")
    assert "Report of a delivery" in english.read_text(encoding="utf-8")
    assert page_figures(dutch.read_text(encoding="utf-8")) == page_figures(
        english.read_text(encoding="utf-8"))


def test_bad_input_is_a_message(tmp_path: Path, capsys) -> None:
    assert main(["report", SRG, str(tmp_path / "none.csv")]) == 2
    assert "none.csv: no such file" in capsys.readouterr().err
    assert main(["report", SRG, DELIVERY, "--by", "gemeente_code"]) == 2
    assert "no field named 'gemeente_code'" in capsys.readouterr().err
    assert main(["report", SRG, DELIVERY, "-o", str(tmp_path / "no" / "r.html")]) == 2
    assert "cannot write the report" in capsys.readouterr().err


def _messages(path: Path) -> set[str]:
    """The message ids of a module, as Babel extracts them for the catalog (``_()``,
    ``ngettext()``, ``N_()``: tools/catalog.py's keywords)."""
    from babel.messages.extract import extract_python

    with path.open("rb") as handle:
        found = extract_python(handle, ["_", "gettext", "ngettext", "N_"], [], {})
        ids = [message if isinstance(message, (str, type(None))) else message[0]
               for _line, _function, message, _comments in found]
        return {message for message in ids if isinstance(message, str)}


def _words_in_fstrings(path: Path) -> list[str]:
    """Calls of ``_()`` inside an f-string, which Babel does not extract (Python 3.11)."""
    import ast

    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                        and inner.func.id in ("_", "N_", "ngettext")):
                    calls.append(f"{path.name}:{inner.lineno}")
    return calls


def test_every_word_of_the_report_and_the_studio_has_both_translations() -> None:
    """The report's and the studio's words are messages of the project's catalog (no table of
    their own), each with its English and its Dutch."""
    from srg_rules.i18n import translations

    package = ROOT / "srg_rules"
    modules = [*sorted((package / "report").glob("*.py")), *sorted((package / "studio").glob("*.py"))]
    said = set().union(*map(_messages, modules))
    assert len(said) > 80
    assert [call for module in modules for call in _words_in_fstrings(module)] == []
    for lang in ("en", "nl"):
        catalog = translations(lang)
        assert sorted(word for word in said if not catalog.get(word)) == [], lang
    assert not (package / "report" / "words.py").exists()


def test_a_parquet_delivery_is_run_inside_duckdb_as_run_does(tmp_path: Path, capsys) -> None:
    duckdb = pytest.importorskip("duckdb")
    parquet = tmp_path / "delivery.parquet"
    # The example delivery without its malformed last row, every column as text.
    good = tmp_path / "good.csv"
    lines = Path(DELIVERY).read_text(encoding="utf-8").splitlines()
    good.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{good}', all_varchar=true, delim=';')) "
               f"TO '{parquet}' (FORMAT parquet)")
    assert main(["report", SRG, str(parquet), "--format", "csv", "--by", "municipality_code"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out), delimiter=";"))
    figures: dict = {}
    for row in rows:
        group = None if row["scope"] == "delivery" else (("municipality_code", row["municipality_code"]),)
        figures.setdefault(group, {})[row["measure"]] = int(row["value"])
    out = tmp_path / "summary.json"
    assert main(["run", SRG, str(parquet), "-o", str(tmp_path / "decided.parquet"),
                 "--summary-json", str(out), "--by", "municipality_code"]) == 0
    assert figures == expected_figures(json.loads(out.read_text(encoding="utf-8")))
    assert figures[None]["records"] == len(lines) - 2
