"""The built parser is cached in the user's own, private cache folder, and a damaged or
foreign cache file is never trusted: loading still works, from the grammar.

The one parser also collects the comments of a parse (for the formatter): a parser loaded from
the cache does so too, and parses running at once in several threads each get their own."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from srg_rules.grammar import parse_tree, parse_tree_and_comments
from srg_rules.source import SourceFile

ROOT = Path(__file__).parent.parent
# The rulebook goes the direct parser's way (srg_rules/direct_parse.py); a condition of its own
# always goes Lark's, so the script builds Lark's parser or loads it from the cache.
LOAD = ("import srg_rules; book = srg_rules.load('rulebooks/srg.rules'); "
        "print(book.rule_ids[0], book.condition('category = taal'))")


def _load(cache_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    env.pop("SRG_RULES_NO_CACHE", None)
    return subprocess.run([sys.executable, "-c", LOAD], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_the_cache_is_private_and_a_damaged_one_is_ignored(tmp_path: Path) -> None:
    first = _load(tmp_path)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "srg-rules"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    [cached] = folder.glob("rulebook-*.lark")
    cached.write_bytes(b"not a parser\n")
    second = _load(tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_no_cache_when_the_folder_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    result = _load(blocker)
    assert result.returncode == 0, result.stderr


# An activities statement: a text the direct parser leaves to Lark.
FORMAT = ("from srg_rules.format import format_text; "
          "print(format_text('activities share a # kept\\n# last\\n'), end='')")


def test_a_parser_from_the_cache_collects_comments(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("SRG_RULES_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", FORMAT], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert list((tmp_path / "srg-rules").glob("rulebook-*.lark")), "no cache was written"
    for run in runs:  # the first builds the parser, the second loads it from the cache
        assert run.returncode == 0, run.stderr
        assert run.stdout == "activities share a  # kept\n# last\n"


def _comments_of(number: int) -> list[str]:
    text = "".join(f"include when x{number} = {i}  # {number}/{i}\n" for i in range(40))
    tree, comments, diagnostics = parse_tree_and_comments(SourceFile(f"<{number}>", text))
    assert tree is not None and not diagnostics
    return [span.text for span in comments]


def test_comments_of_concurrent_parses_stay_apart() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_comments_of, range(64)))
    for number, comments in enumerate(results):
        assert comments == [f"# {number}/{i}" for i in range(40)]


def test_a_plain_parse_and_a_failed_one_collect_nothing() -> None:
    # Comments are gathered only for the parse that asks, and none for a text that fails.
    tree, _ = parse_tree(SourceFile("<plain>", "include when a  # not collected\n"))
    assert tree is not None
    tree, comments, diagnostics = parse_tree_and_comments(
        SourceFile("<bad>", "# one\ninclude when a ==\n"))
    assert tree is None and comments == () and diagnostics
    assert _comments_of(1)[0] == "# 1/0"
