"""The Dutch keyword set: the same language with Dutch keywords (docs/language.md has the table).

- A Dutch rulebook means exactly what its English translation means (the same AST).
- A file is in one language; a keyword of the other is a ``mixed_languages`` error at it.
- A Dutch rulebook may ``use`` an English one and the reverse.
- ``fmt --keywords nl|en`` translates; ``fmt`` alone keeps the file's own keywords; nl -> en ->
  nl is the identity, and the two decide every record of examples/provisions.csv the same.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

import srg_rules
from srg_rules.cli import main
from srg_rules.format import format_rulebook, format_text
from srg_rules.grammar import parse_tree_comments_and_language
from srg_rules.lower import lower
from srg_rules.source import SourceFile

from test_format import _rulebooks  # the formatter's strategy of rulebook trees

ROOT = Path(__file__).parent.parent

DUTCH = '''\
regelboek "voorbeeld" versie "1"
veld soort: code {taal, ips "IPS" geldig van 2024-01-01 tot en met 2030-12-31}
veld start: date
veld oordeel: code {positief, negatief} optioneel
veld kenmerk: text optioneel
regels gelden op start
uitvoer type: code {42}
definieer gewoon: soort = taal en niet oordeel = negatief
sluit uit als soort = ips en oordeel ontbreekt omdat "geen oordeel"
sluit negatief uit als oordeel = negatief
neem op als gewoon of start > 2024-01-01 + 1 maanden
neem ips op als soort in {ips} geldig van 2025-01-01
weiger als kenmerk voldoet aan "x*"
waarschuw laat als start < 2024-01-01 - 2 jaren en oordeel is aanwezig
type is 42 als soort = taal
verwacht opgenomen en type 42 als soort = taal en oordeel = positief
verwacht uitgesloten als soort = ips en oordeel ontbreekt
'''

ENGLISH = '''\
rulebook "voorbeeld" version "1"
field soort: code {taal, ips "IPS" valid from 2024-01-01 until 2030-12-31}
field start: date
field oordeel: code {positief, negatief} optional
field kenmerk: text optional
rules in force on start
output type: code {42}
define gewoon: soort = taal and not oordeel = negatief
exclude when soort = ips and oordeel is missing because "geen oordeel"
exclude negatief when oordeel = negatief
include when gewoon or start > 2024-01-01 + 1 months
include ips when soort in {ips} valid from 2025-01-01
reject when kenmerk matches "x*"
warn laat when start < 2024-01-01 - 2 years and oordeel is present
classify as 42 when soort = taal
expect included and type 42 when soort = taal and oordeel = positief
expect excluded when soort = ips and oordeel is missing
'''


def _ast(text: str):
    source = SourceFile("<string>", text)
    tree, _, language, errors = parse_tree_comments_and_language(source)
    assert tree is not None, errors
    return lower(tree, source), language


def test_a_dutch_rulebook_means_what_its_english_one_means() -> None:
    dutch, language = _ast(DUTCH)
    english, other = _ast(ENGLISH)
    assert (language, other) == ("nl", "en")
    assert dutch == english
    assert srg_rules.parse(DUTCH).rule_ids == srg_rules.parse(ENGLISH).rule_ids


def test_fmt_translates_both_ways_and_keeps_the_file_s_own() -> None:
    assert format_text(DUTCH, keywords="en") == format_text(ENGLISH)
    assert format_text(ENGLISH, keywords="nl") == format_text(DUTCH)
    assert format_text(DUTCH).startswith('regelboek "voorbeeld"')


def test_mixing_languages_is_an_error_where_it_happens() -> None:
    text = DUTCH.replace("neem op als gewoon of", "include when gewoon or")
    errors = [d for d in srg_rules.diagnose(text, "x.rules") if d.is_error]
    assert [(d.code, d.line, d.column) for d in errors] == [
        ("mixed_languages", 11, 1), ("mixed_languages", 11, 9), ("mixed_languages", 11, 21)]
    assert errors[0].message == ("'include' is an English keyword in a rulebook written in "
                                 "Dutch")
    assert errors[0].help.startswith("write 'neem ... op'")
    assert errors[0].related[0][1].line == 1  # the first keyword, which set the language


def test_a_dutch_rulebook_may_use_an_english_one_and_the_reverse(tmp_path: Path) -> None:
    (tmp_path / "basis.rules").write_text("field soort: code {taal, ips}\n", encoding="utf-8")
    (tmp_path / "regels.rules").write_text(
        'gebruik "basis.rules"\nneem op als soort = taal\n', encoding="utf-8")
    book = srg_rules.load(tmp_path / "regels.rules")
    assert book.decide({"soort": "taal"}).status.value == "included"
    (tmp_path / "basis_nl.rules").write_text("veld soort: code {taal, ips}\n",
                                             encoding="utf-8")
    (tmp_path / "rules.rules").write_text(
        'use "basis_nl.rules"\nexclude when soort = ips\ninclude when soort in {taal, ips}\n',
        encoding="utf-8")
    book = srg_rules.load(tmp_path / "rules.rules")
    assert book.decide({"soort": "ips"}).status.value == "excluded"


def _rulebook_files() -> list[Path]:
    found = [*ROOT.glob("rulebooks/*.rules"), *ROOT.glob("examples/**/*.rules"),
             *ROOT.glob("tests/golden/analysis/*.rules")]
    return sorted(found)


@pytest.mark.parametrize("path", _rulebook_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_translation_round_trips(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    own = format_text(text, str(path))
    dutch = format_text(text, str(path), keywords="nl")
    english = format_text(dutch, str(path), keywords="en")
    assert format_text(english, str(path), keywords="nl") == dutch
    assert format_text(dutch, str(path)) == dutch
    assert _ast(dutch)[0] == _ast(own)[0]
    if _ast(text)[1] == "en":
        assert english == own


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rulebooks)
def test_any_rulebook_translates_to_dutch_and_back(book) -> None:
    english = format_rulebook(book)
    try:
        dutch = format_rulebook(book, keywords="nl")
    except ValueError:  # a name that is a Dutch keyword where one may stand (`type is is ...`)
        assume(False)
    assert _ast(dutch)[0] == book
    assert format_text(dutch, keywords="en") == english
    assert format_text(english, keywords="nl") == dutch


def test_the_shipped_dutch_srg_decides_checks_and_tests_as_the_english_one(capsys) -> None:
    """rulebooks/srg.rules is Dutch; examples/srg.en.rules is the same rulebook in English (issue
    13: "checks, tests and decides exactly as before"). Every provision of
    examples/provisions.csv gets the same status, type and reasons from both."""
    dutch, english = ROOT / "rulebooks" / "srg.rules", ROOT / "examples" / "srg.en.rules"
    assert _ast(dutch.read_text(encoding="utf-8"))[1] == "nl"
    assert _ast(english.read_text(encoding="utf-8"))[1] == "en"
    books = {"nl": srg_rules.load(dutch), "en": srg_rules.load(english)}
    assert books["nl"].rule_ids == books["en"].rule_ids
    with (ROOT / "examples" / "provisions.csv").open(encoding="utf-8", newline="") as handle:
        provisions = list(csv.DictReader(handle, delimiter=";"))
    decided = {language: [(d.status, d.type, d.reasons) for d in book.decide_many(provisions)]
               for language, book in books.items()}
    assert decided["nl"] == decided["en"]
    assert len(decided["nl"]) == len(provisions) > 100
    assert {status for status, _type, _reasons in decided["nl"]} == set(srg_rules.Status)
    findings = {language: sorted(d.code for d in
                                 srg_rules.diagnose(path.read_text(encoding="utf-8"), str(path)))
                for language, path in (("nl", dutch), ("en", english))}
    assert findings["nl"] == findings["en"] == ["classification_gap"]
    for path in (dutch, english):
        assert main(["test", str(path)]) == 0
        assert capsys.readouterr().out.strip().endswith("46 passed, 0 failed")


def test_cli_fmt_keywords(tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.rules"
    path.write_text(ENGLISH, encoding="utf-8")
    assert main(["fmt", "--keywords", "nl", str(path)]) == 0
    assert capsys.readouterr().out == format_text(DUTCH)
    assert main(["fmt", "-w", "--keywords", "nl", str(path)]) == 0
    capsys.readouterr()
    assert main(["fmt", str(path)]) == 0
    assert capsys.readouterr().out.startswith("regelboek")


def test_kenmerk_names_the_identifier_as_identifier_does() -> None:
    dutch = srg_rules.parse("veld p: text\nkenmerk p\nneem op als p is aanwezig\n")
    english = srg_rules.parse("field p: text\nidentifier p\ninclude when p is present\n")
    assert dutch.program.identifier == english.program.identifier == "p"
