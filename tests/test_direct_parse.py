"""The direct parser (srg_rules/direct_parse.py) against Lark and lowering, the reference.

For every text: :func:`parse_directly` declines (None), or it gives exactly what Lark's parse,
``lower`` and the comment and language bookkeeping give: the same node types, every field
equal, every span (and a number's ``written``, which equality leaves out) the same offsets in
the same source, the same comments, the same language; and Lark then finds no error. Texts:
every shipped rulebook and test rulebook, the corpora's texts, generated valid rulebooks (in
English and in Dutch), grammar-generated texts, and all of those mutated (a token inserted,
removed or replaced, spaces dropped), which are mostly invalid.

And the fast path is really taken: on the shipped rulebooks, on the benchmark's rulebook of
defines, and on a rulebook with every construct the parser claims.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srg_rules import ast
from srg_rules.depth import MAX_DEPTH
from srg_rules.direct_parse import parse_directly, parse_rulebook
from srg_rules.format import format_rulebook
from srg_rules.grammar import parse_tree_comments_and_language
from srg_rules.lower import lower
from srg_rules.source import SourceFile, Span

from strategies import grammar_texts, rulebook_texts

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted({*ROOT.glob("rulebooks/*.rules"), *ROOT.glob("examples/**/*.rules"),
                  *ROOT.glob("tests/**/*.rules")})

sys.path.insert(0, str(ROOT / "benchmarks"))
from check_scale import defines, rules  # noqa: E402  (the benchmark's generators)


def shape(node: Any) -> Any:
    """Everything a node holds, spans and ``written`` included, as nested tuples: two trees
    are the same exactly when their shapes are equal."""
    if isinstance(node, tuple):
        return tuple(shape(item) for item in node)
    if isinstance(node, Span):
        return ("Span", id(node.source), node.start, node.end)
    if attrs.has(type(node)):
        return (type(node).__name__, *((f.name, shape(getattr(node, f.name)))
                                       for f in attrs.fields(type(node))))
    return (type(node).__name__, node)


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if type(a) is not type(b) or not isinstance(a, tuple):
        return None if a == b else f"{path}: {a!r} != {b!r}"
    if len(a) != len(b):
        return f"{path}: {len(a)} parts != {len(b)}"
    for index, (x, y) in enumerate(zip(a, b)):
        found = first_difference(x, y, f"{path}/{index}")
        if found:
            return found
    return None


def differential(text: str) -> bool:
    """Assert the invariant for one text; whether the direct parser took it."""
    source = SourceFile("<text>", text)
    direct = parse_directly(source)
    tree, comments, language, diagnostics = parse_tree_comments_and_language(source)
    if direct is None:
        return False
    assert tree is not None and not diagnostics, (
        f"the direct parser took a text Lark refuses: {[d.code for d in diagnostics]}")
    expected = shape(lower(tree, source))
    got = shape(direct.rulebook)
    assert got == expected, first_difference(got, expected)
    assert [(c.start, c.end) for c in direct.comments] == [(c.start, c.end) for c in comments]
    assert all(c.source is source for c in direct.comments)
    assert direct.language == language
    return True


def _dutch(text: str) -> str | None:
    """The same rulebook in Dutch keywords (through Lark's path and the formatter)."""
    source = SourceFile("<text>", text)
    tree, comments, _, diagnostics = parse_tree_comments_and_language(source)
    if tree is None:
        return None
    return format_rulebook(lower(tree, source), comments=comments, keywords="nl")


# --- the shipped texts ---------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_rulebooks(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    differential(text)
    dutch = _dutch(text)
    if dutch is not None:
        differential(dutch)


def _corpus_texts() -> list[str]:
    texts = [case["text"] for case in json.loads(
        (ROOT / "tests/corpus/near_keywords/cases.json").read_text(encoding="utf-8"))]
    for path in sorted((ROOT / "tests/corpus/backends").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        texts += [case[key] for key in ("rulebook",) if isinstance(case.get(key), str)]
    return texts


def test_corpus_texts() -> None:
    texts = _corpus_texts()
    assert len(texts) > 20
    for text in texts:
        differential(text)


# Every construct the direct parser claims, in English and in Dutch, with comments in odd places.
EVERY_CONSTRUCT = '''# a rulebook of every construct
rulebook "all" version "1" valid from 2024-01-01 until 2025-12-31
use "other.rules"
field category: code {a "A" valid from 2024-01-01, b valid until 2024-06-30, 01, "x y",}
field hours: number optional  # trailing
field start: date
field birth: date optional
field code4: digits(4)
field place: code from "places.csv" optional
field place2: code from "places.csv" {p1}
field flag: boolean
field name: text optional
output kind: code {t1 "one", t2}
rules in force on start
identifier name
unique name, start
define busy: hours > 10 and hours <= -2.5 or not (flag) and ((category = a))
define when_ok: not not busy
include when busy
include named when category in {a, b,} and category not in {01} valid from 2024-01-01
exclude define when hours is missing or hours is present or hours is not missing because "w\\"hy"
reject when start > 2024-01-31 + 1 months and start <= birth - 18 years and start = birth -3 days
warn w1 when length(name) > 3 and age(birth, start - 1 months) >= 27 and 27 < age(birth, start)
warn w2 when name matches "[0-9]+" or name does not match "a\\\\b" valid until 2030-01-01
classify as t1 when 2024-01-31 + 1 months > start
classify c2 as "t2" when flag = true valid from 2024-01-01 because "x"
classify c3 as 3 when hours != 3.50 and start >= 2024-02-29 - 1 day
expect included and type t1 when busy
expect warning w1 and excluded when not busy
include when (((a and (b or c))) or d) and not (e)
include when x=y and(z in{a,b})and w<=3 and d=e+3days and f-1week>g
'''


def test_every_construct_is_taken_in_both_languages() -> None:
    assert differential(EVERY_CONSTRUCT)
    dutch = _dutch(EVERY_CONSTRUCT)
    assert dutch is not None and "sluit" in dutch and "tot en met" in dutch
    assert differential(dutch)
    assert differential(dutch.replace("tot en met", "tot \t en  met"))


@pytest.mark.parametrize("name", ["srg.rules", "srg-delivery.rules", "srg-history.rules"])
def test_the_shipped_rulebooks_take_the_fast_path(name: str) -> None:
    assert differential((ROOT / "rulebooks" / name).read_text(encoding="utf-8"))


def test_the_benchmark_rulebooks_take_the_fast_path() -> None:
    assert differential(defines(300))
    assert differential(rules(300))


def test_what_it_declines_goes_the_lark_way() -> None:
    """Declined texts: registration statements, syntax errors, mixed languages, nesting too deep
    or too deep to recurse, and characters no terminal takes; each one Lark's diagnostics."""
    deep_not = "include when " + "not " * 10_000 + "a\n"
    deep_parens = "include when " + "(" * 10_000 + "a" + ")" * 10_000 + "\n"
    too_deep = "include when " + "not (a and " * (MAX_DEPTH // 2 + 1) + "b" + ")" * (
        MAX_DEPTH // 2 + 1)
    texts = {
        "trajectory t when a yields p with x = y\n": None,
        "include when a en b\n": "mixed_languages",
        "exlcude when a\n": "parse_unexpected_token",
        "include when a = \n": "parse_unexpected_end",
        "include when a = \"x\n": "parse_unterminated_text",
        "include when a\u00a0= b\n": "parse_unexpected_character",
        deep_not: "too_deeply_nested",
        too_deep: "too_deeply_nested",
        deep_parens: None,
    }
    for text, code in texts.items():
        source = SourceFile("<text>", text)
        assert parse_directly(source) is None, text[:40]
        parsed = parse_rulebook(source)
        assert parsed == parse_rulebook(source, direct=False)
        assert [d.code for d in parsed.diagnostics][:1] == ([code] if code else [])


def test_a_deliberately_wrong_span_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison sees a span one character off, and a parser that makes one."""
    source = SourceFile("<text>", EVERY_CONSTRUCT)
    direct = parse_directly(source)
    assert direct is not None
    rule = direct.rulebook.statements[-1]
    assert isinstance(rule, ast.Rule) and rule.span is not None
    moved = attrs.evolve(rule, span=Span(source, rule.span.start, rule.span.end - 1))
    assert moved == rule  # equality leaves spans out ...
    assert shape(moved) != shape(rule)  # ... the differential does not

    import srg_rules.direct_parse as module

    original = module._Parser._all_of

    def off_by_one(self: Any) -> Any:
        node, start, end = original(self)
        if isinstance(node, ast.AllOf):
            node = attrs.evolve(node, span=Span(self._source, start + 1, end))
        return node, start, end

    monkeypatch.setattr(module._Parser, "_all_of", off_by_one)
    with pytest.raises(AssertionError):
        differential(EVERY_CONSTRUCT)


# --- generated texts -----------------------------------------------------------------------

# Words and signs a mutation inserts: keywords of both languages, the grammar's punctuation,
# numbers and dates a lexer may split in other places, and what no terminal takes.
_PIECES = [
    "include", "exclude", "reject", "warn", "classify", "define", "field", "output", "when",
    "as", "is", "and", "or", "not", "in", "missing", "present", "valid", "from", "until",
    "because", "matches", "does not match", "expect", "type", "warning", "included", "optional",
    "rulebook", "version", "use", "rules", "force", "on", "unique", "identifier", "trajectory",
    "activities", "neem", "op", "sluit", "uit", "als", "en", "of", "niet", "ontbreekt",
    "aanwezig", "voldoet aan", "voldoet niet aan", "voldoet", "tot en met", "tot", "geldig",
    "van", "definieer", "veld", "weiger", "waarschuw", "omdat", "days", "maanden", "week",
    "(", ")", "{", "}", ",", ":", "=", "!=", "<", "<=", ">", ">=", "+", "-", "~", "-3", "3",
    "1.5", "01", "2024-01-31", "2024-1-31", '"t"', '"', "#", "# c\n", "\n", " ", "\t", "a", "x_1",
    "length(a)", "age(a, b)", "!", "\u00e9", "\r\n", "\\",
]


@st.composite
def mutated(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    text = draw(texts)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(("insert", "delete", "replace", "squeeze")))
        if how == "squeeze":  # spaces dropped where a lexer must still split the same way
            end = min(len(text), at + draw(st.integers(1, 40)))
            text = text[:at] + text[at:end].replace(" ", "") + text[end:]
            continue
        cut = draw(st.integers(0, 6)) if how != "insert" else 0
        piece = "" if how == "delete" else draw(st.sampled_from(_PIECES))
        if how != "delete" and draw(st.booleans()):
            piece = f" {piece} "
        text = text[:at] + piece + text[at + cut:]
    return text


_GRAMMAR_TEXTS = grammar_texts(white_space=(" ", "\n", "\t"))
_VALID_TEXTS = rulebook_texts()
_DUTCH_TEXTS = _VALID_TEXTS.map(lambda text: _dutch(text) or text)
_MUTATED = mutated(st.one_of(_VALID_TEXTS, _DUTCH_TEXTS, st.just(EVERY_CONSTRUCT),
                            _GRAMMAR_TEXTS))


def _examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# The default run's budget: about 35 s (from_lark draws slowly); -m slow runs the long ones.
@_examples(80)
@given(st.one_of(_VALID_TEXTS, _DUTCH_TEXTS))
def test_generated_rulebooks(text: str) -> None:
    differential(text)


@_examples(30)
@given(_GRAMMAR_TEXTS)
def test_grammar_generated_texts(text: str) -> None:
    differential(text)


@_examples(100)
@given(_MUTATED)
def test_mutated_texts(text: str) -> None:
    differential(text)


@pytest.mark.slow
@_examples(1000)
@given(st.one_of(_VALID_TEXTS, _DUTCH_TEXTS, _GRAMMAR_TEXTS))
def test_generated_texts_long(text: str) -> None:
    differential(text)


@pytest.mark.slow
@_examples(3000)
@given(_MUTATED)
def test_mutated_texts_long(text: str) -> None:
    differential(text)
