"""Keywords are whole words: a longer word is a name, or a syntax error at its place, never a
keyword and the rest of the word; and the keyword table agrees with the grammar.

The regression corpus is tests/corpus/near_keywords/cases.json: each case is a rulebook and
either the names it declares (fields or rule ids, so the near-keyword word was read as the
name it is) or the line, column (and help) of its first error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import srg_rules
from srg_rules.grammar import _parser
from srg_rules.keywords import KEYWORDS, STATEMENT_STARTS, closest

CASES = json.loads((Path(__file__).parent / "corpus" / "near_keywords" / "cases.json")
                   .read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_a_near_keyword_is_a_name_or_an_error_at_its_place(case: dict) -> None:
    diagnostics = srg_rules.diagnose(case["text"], analyse=False)
    errors = [d for d in diagnostics if d.is_error]
    if "error" in case:
        assert errors, f"{case['note']}: accepted in silence"
        first = errors[0]
        assert first.code.startswith("parse_"), first.render()
        assert [first.line, first.column] == case["error"], first.render()
        if "help" in case:
            assert first.help == case["help"]
    else:
        assert not errors, "\n".join(d.render() for d in errors)
        book = srg_rules.parse(case["text"])
        assert set(case.get("fields", [])) <= set(book.fields)
        assert set(case.get("rules", [])) <= set(book.rule_ids)


def _words_of(pattern: str) -> set[str]:
    # A keyword of several words allows spaces or tabs between them: `tot[ \t]+en[ \t]+met`.
    pattern = re.sub(r"\[ (?:\t|\\t)\]\+", " ", pattern)
    match = re.fullmatch(r"\(?((?:[a-z ]+\|?)+)\)?\(\?!\[A-Za-z0-9_\]\)", pattern)
    assert match, pattern
    return set(match.group(1).split("|"))


def test_the_keyword_table_is_the_grammar() -> None:
    terminals = {t.name: t for t in _parser().terminals}
    for name, words in KEYWORDS.items():
        assert name in terminals, name
        assert terminals[name].pattern.type == "re", name
        assert _words_of(terminals[name].pattern.value) == set(words), name
        assert terminals[name].priority > 1, f"{name} must win over NAME where both may follow"
    # Every word-like terminal of the grammar is in the table (NAME and UNIT aside).
    for terminal in terminals.values():
        value = terminal.pattern.value
        if terminal.pattern.type == "str":
            assert not value.isalpha(), f"keyword '{value}' is not a whole-word terminal"
    assert set(STATEMENT_STARTS) <= set(KEYWORDS)


@pytest.mark.parametrize(("written", "meant"), [
    ("exlcude", "exclude"), ("Exclude", "exclude"), ("EXCLUDE", "exclude"),
    ("clasify", "classify"), ("uitsluiten", "exclude"), ("becuase", "because"),
    ("inclde", "include"), ("wehn", "when"),
])
def test_a_misspelt_keyword_gets_the_keyword(written: str, meant: str) -> None:
    assert closest(written, [w for words in KEYWORDS.values() for w in words]) == meant


def test_a_word_far_from_every_keyword_gets_no_guess() -> None:
    assert closest("category", [w for words in KEYWORDS.values() for w in words]) is None
