"""Deep nesting never reaches a user as a RecursionError (issue 17 point 3, issue 15 point 5).

Every stage walks conditions recursively; srg_rules.depth bounds their depth before any of
them runs. Here: 10,000 deep is one diagnostic at its position, everywhere a rulebook enters
(parse, check, fmt, a lone condition, the CLI), and at the bound itself every stage works.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import srg_rules
from srg_rules import RulebookError
from srg_rules.backends.sql import to_sql
from srg_rules.depth import MAX_DEPTH, TOO_DEEP, condition_depth, too_deep_defines
from srg_rules.format import format_text
from srg_rules.grammar import parse_tree
from srg_rules.link import link
from srg_rules.lower import lower
from srg_rules.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent


def _nots(n: int) -> str:
    return "field a: boolean\ninclude x when " + "not " * n + "a\n"


def _mixed(n: int) -> str:
    return "field a: boolean\nfield b: boolean\ninclude x when " + "(not (b or " * n + "a" + "))" * n + "\n"


def _parens(n: int) -> str:
    return "field a: boolean\ninclude x when " + "(" * n + "a" + ")" * n + "\n"


def _chain(n: int) -> str:
    return ("field a: boolean\n" + "".join(f"define d{i}: d{i + 1}\n" for i in range(n))
            + f"define d{n}: a\ninclude x when d0\n")


def _codes(error: RulebookError) -> list[str]:
    return [d.code for d in error.diagnostics]


@pytest.mark.parametrize("text", [_nots(10_000), _mixed(5_000)], ids=["not", "not-or-parens"])
def test_ten_thousand_deep_is_a_diagnostic_where_the_bound_is_crossed(text):
    for build in (srg_rules.parse, format_text):
        with pytest.raises(RulebookError) as raised:
            build(text)
        assert _codes(raised.value) == [TOO_DEEP]
        diagnostic = raised.value.diagnostics[0]
        assert diagnostic.line == text.count("\n") and diagnostic.column > len("include x when ")
        assert f"at most {MAX_DEPTH}" in diagnostic.message
    assert [d.code for d in srg_rules.diagnose(text)] == [TOO_DEEP]


def test_parentheses_alone_do_not_nest():
    book = srg_rules.parse(_parens(10_000))
    assert book.decide({"a": True}).status == "included"
    assert "include x when a" in format_text(_parens(10_000))


def test_a_chain_of_defines_is_one_diagnostic_where_it_crosses_the_bound():
    with pytest.raises(RulebookError) as raised:
        srg_rules.parse(_chain(10_000))
    assert _codes(raised.value) == [TOO_DEEP]
    # d{n} holds `a` (depth 0); each define above it one level more: the crossing is the
    # define MAX_DEPTH + 1 up the chain from the end.
    assert raised.value.diagnostics[0].line == 2 + 10_000 - (MAX_DEPTH + 1)


def test_a_lone_condition_is_bounded_too():
    book = srg_rules.parse("field a: boolean\ninclude x when a\n")
    with pytest.raises(RulebookError) as raised:
        book.condition("not " * 10_000 + "a")
    assert _codes(raised.value) == [TOO_DEEP]


@pytest.mark.parametrize("text", [_nots(MAX_DEPTH), _mixed(MAX_DEPTH // 2), _chain(MAX_DEPTH - 1)],
                         ids=["not", "mixed", "defines"])
def test_every_stage_works_at_the_bound(text):
    book = srg_rules.parse(text)
    compiled = srg_rules.parse(text, backend="python")
    for record in ({"a": True, "b": False}, {"a": False, "b": False}):
        assert compiled.decide(record) == book.decide(record)
        book.explain(record).render()
    for dialect in ("duckdb", "postgres", "spark"):
        assert to_sql(book.program, "records", dialect)
    assert not [d for d in srg_rules.diagnose(text) if d.is_error]
    assert srg_rules.parse(format_text(text)).program == book.program


def test_the_cli_gives_the_diagnostic_not_a_traceback(tmp_path):
    path = tmp_path / "deep.rules"
    path.write_text(_nots(10_000), encoding="utf-8")
    for command in (["check"], ["fmt"], ["sql"]):
        result = subprocess.run([sys.executable, "-m", "srg_rules", *command, str(path)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, command
        output = result.stdout + result.stderr
        assert "Traceback" not in output and "RecursionError" not in output
        assert f"{path}:2:" in output and TOO_DEEP in output


def test_shipped_rulebooks_are_far_from_the_bound():
    deepest = 0
    for path in [*ROOT.glob("rulebooks/*.rules"), *ROOT.glob("examples/**/*.rules")]:
        source = SourceFile(str(path), path.read_text(encoding="utf-8"))
        tree, errors = parse_tree(source)
        assert tree is not None, errors
        linked, _ = link(lower(tree, source), source)
        assert not too_deep_defines(linked)
        defines: dict[str, int] = {}
        for statement in linked.statements:
            condition = getattr(statement, "condition", None)
            if condition is not None:
                depth = condition_depth(condition, defines)
                if type(statement).__name__ == "Definition":
                    defines[statement.name.text] = depth
                deepest = max(deepest, depth)
    assert 0 < deepest <= MAX_DEPTH // 4, deepest
