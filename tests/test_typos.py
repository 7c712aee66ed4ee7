"""A typo in a shipped rulebook is an error at the typo, naming the intended word.

The property: in any of rulebooks/*.rules, a typo (a letter dropped, doubled, swapped with its
neighbour, or replaced) in a keyword, in a use of a field name, or in a use of a code gives an
error whose caret lies on the typo or on the word right next to it; and when the intended word
is within reach (it is the one word of its kind that ``keywords.closest`` finds for the typo),
the error's help names it.

What is excluded, and why (never to weaken the assertion):
- a typo that makes another valid word: a keyword, or any word the rulebooks already hold
  (a field, a code, a rule or define name, a type, a combination way, true/false): the text
  may then be a valid rulebook, and no error is owed;
- declarations (``field NAME``, the codes of a ``code {...}`` list, the name of a rule, a
  define or a trajectory's provision): a typo there declares another name, which is valid in
  itself; the errors, if any, are then at the uses;
- words inside quoted text and comments, which mean nothing to the language;
- one-letter words (dropping the letter would remove the word, not misspell it).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import ast
from srg_rules.grammar import parse_tree
from srg_rules.keywords import KEYWORDS, closest
from srg_rules.lower import lower
from srg_rules.source import SourceFile

ROOT = Path(__file__).parent.parent
RULEBOOKS = sorted((ROOT / "rulebooks").glob("*.rules"))
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d[\d.-]*|\S')
KEYWORD_WORDS = frozenset(w for words in KEYWORDS.values() for w in words)


def _declared_spans(path: Path, text: str) -> set[int]:
    """Start offsets of declaring words: field and output names, define names, declared codes."""
    source = SourceFile(str(path), text)
    tree, errors = parse_tree(source)
    assert tree is not None, errors
    starts = set()
    for statement in lower(tree, source).statements:
        if isinstance(statement, (ast.FieldDeclaration, ast.OutputDeclaration, ast.Definition,
                                  ast.Rule, ast.Classification, ast.Trajectory)):
            if statement.name is not None:
                starts.add(statement.name.span.start)
        if isinstance(statement, ast.Trajectory):
            starts.update(component.name.span.start for component in statement.components)
        if isinstance(statement, (ast.FieldDeclaration, ast.OutputDeclaration)):
            for entry in statement.type.codes or ():
                starts.add(entry.span.start)
    return starts


def _occurrences():
    """(path, text, kind, start, word, previous token start, next token end) for every word
    that is a keyword, a use of a field, or a use of a code."""
    books = {path: srg_rules.load(path) for path in RULEBOOKS}
    fields = {name for book in books.values() for name in book.fields}
    codes = {code for book in books.values() for f in book.fields.values()
             for code in (f.codes or ())}
    if any(book.output is not None for book in books.values()):
        codes |= {code for book in books.values() if book.output is not None
                  for code in (book.output.codes or ())}
    found = []
    known = set(KEYWORD_WORDS) | fields | codes
    for path in RULEBOOKS:
        text = path.read_text(encoding="utf-8")
        declared = _declared_spans(path, text)
        tokens = [m for m in _TOKEN.finditer(text) if not m.group(0).startswith("#")]
        for i, match in enumerate(tokens):
            word = match.group(0)
            known.add(word)
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word) or len(word) < 2:
                continue
            if match.start() in declared:
                continue
            kinds = [kind for kind, pool in (("keyword", KEYWORD_WORDS), ("field", fields),
                                             ("code", codes)) if word in pool]
            if len(kinds) != 1:
                continue
            before = tokens[i - 1].start() if i > 0 else match.start()
            after = tokens[i + 1].end() if i + 1 < len(tokens) else match.end()
            found.append((path, text, kinds[0], match.start(), word, before, after))
    pools = {"keyword": KEYWORD_WORDS, "field": fields, "code": codes}
    return found, frozenset(known), pools


OCCURRENCES, KNOWN, POOLS = _occurrences()


@st.composite
def _typos(draw):
    path, text, kind, start, word, before, after = draw(st.sampled_from(OCCURRENCES))
    how = draw(st.sampled_from(["drop", "double", "swap", "replace"]))
    at = draw(st.integers(0, len(word) - (2 if how == "swap" else 1)))
    if how == "drop":
        typo = word[:at] + word[at + 1:]
    elif how == "double":
        typo = word[:at] + word[at] + word[at:]
    elif how == "swap":
        typo = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    else:
        typo = word[:at] + draw(st.sampled_from(string.ascii_lowercase)) + word[at + 1:]
    shift = len(typo) - len(word)
    return path, text[:start] + typo + text[start + len(word):], kind, word, typo, start, \
        before, after + shift


def _check(typo_case) -> None:
    path, text, kind, word, typo, start, before, after = typo_case
    if typo == word or typo in KNOWN or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", typo):
        return  # another valid word (or no word): the text may be a valid rulebook
    diagnostics = srg_rules.diagnose(text, str(path), analyse=False)
    errors = [d for d in diagnostics if d.is_error]
    assert errors, f"{kind} {word!r} -> {typo!r} at {start} accepted in silence"
    here = [d for d in errors if str(path) == d.path
            and d.span.start < after and d.span.end > before]
    assert here, (f"{kind} {word!r} -> {typo!r}: no error at the typo\n"
                  + "\n".join(d.render() for d in errors))
    if closest(typo, POOLS[kind]) == word:
        named = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")
        assert any(named.search(d.help or "") for d in here), (
            f"{kind} {word!r} -> {typo!r}: the help does not name {word!r}\n"
            + "\n".join(d.render() for d in here))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_typos())
def test_a_typo_is_an_error_at_the_typo_naming_the_word(typo_case) -> None:
    _check(typo_case)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_typos())
def test_a_typo_is_an_error_at_the_typo_naming_the_word_long(typo_case) -> None:
    _check(typo_case)


def test_the_property_sees_every_kind_of_word() -> None:
    kinds = {kind for _, _, kind, *_ in OCCURRENCES}
    assert kinds == {"keyword", "field", "code"}
    assert len(OCCURRENCES) > 500
