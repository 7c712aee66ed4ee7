"""Fuzzing the parser, the record readers and the CLI (issue 17 point 6).

Each target is a property that must hold for *any* input: a rulebook text is parsed, checked,
formatted and analysed, or refused with diagnostics, never a traceback; a record file is read
row by row (every row accounted for) or refused with an :class:`InputError`; the CLI exits
0, 1 or 2 with a message, never a traceback. Hypothesis drives them briefly in the normal
suite and at length under ``-m slow``; the corpus in ``tests/corpus/fuzz/`` (the inputs that
once crashed: deep nesting, define chains, unclosed quotes, non-UTF-8 bytes, JSON a reader
cannot hold) is replayed every time. A new failure becomes a file there.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import RulebookError
from srg_rules.cli import main
from srg_rules.format import format_text
from srg_rules.records import InputError, open_records
from srg_rules.run import run_records

CORPUS = Path(__file__).parent / "corpus" / "fuzz"
RULEBOOKS = sorted((CORPUS / "rulebooks").glob("*.rules"))
RECORDS = sorted((CORPUS / "records").iterdir())
FIELDS = "field n: number optional\nfield id: text optional\nfield c: code {a, b} optional\n"

BRIEF = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))

# --- the targets --------------------------------------------------------------------------


def parser_target(text: str) -> None:
    """Any text: diagnostics (each with a position in the text), or a rulebook that formats
    to text which parses to the same program."""
    diagnostics = srg_rules.diagnose(text, analyse=len(text) < 2_000)
    for diagnostic in diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(diagnostic.span.source.text)
    try:
        book = srg_rules.parse(text)
    except RulebookError as error:
        assert error.diagnostics
        return
    try:
        formatted = format_text(text)
    except RulebookError:
        return
    assert _anonymous(srg_rules.parse(formatted).program) == _anonymous(book.program)


def _anonymous(program):
    """A program less the ids of unnamed rules (``line-N``: formatting moves lines)."""
    return attrs.evolve(program, rules=tuple(
        attrs.evolve(rule, id="") if rule.id.startswith("line-") else rule
        for rule in program.rules))


def reader_target(data: bytes, suffix: str, tmp: Path) -> None:
    """Any bytes as a record file: refused with an InputError, or read with every row
    numbered 1, 2, 3, ... and decided once by a run."""
    path = tmp / f"in{suffix}"
    path.write_bytes(data)
    book = srg_rules.parse(FIELDS)
    try:
        rows = list(open_records(path).rows)
    except InputError as error:
        assert str(error).startswith(str(path))
        return
    assert [row.number for row in rows] == list(range(1, len(rows) + 1))
    try:
        summary = run_records(book.decide, book.fields, path, tmp / f"out{suffix}")
    except InputError:
        return
    assert summary.records == len(rows)


def cli_target(arguments: list[str]) -> None:
    """Any command line: an exit status and messages, never a traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(arguments)
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code
    assert code in (0, 1, 2), (arguments, code, err.getvalue())
    assert "Traceback" not in err.getvalue()


# --- strategies ---------------------------------------------------------------------------

_WORDS = ["field", "define", "include", "exclude", "reject", "warn", "classify", "as", "when",
          "not", "and", "or", "(", ")", "{", "}", ",", ":", "=", "!=", "<", ">=", "in",
          "is", "missing", "n", "id", "c", "a", "b", "number", "text", "code", "optional",
          '"x"', '"', "12", "-3.5", "2024-01-01", "because", "expect", "included", "\n",
          "#", "unique", "use", "rules in force on", "between", "+", "days", "d", "e"]

rulebook_texts = st.one_of(
    st.lists(st.sampled_from(_WORDS), max_size=60).map(lambda words: FIELDS + " ".join(words)),
    st.text(max_size=200),
    st.builds(lambda n, k: FIELDS + "include x when " + k * n + "n > 1" + ")" * n * (k == "("),
              st.integers(0, 300), st.sampled_from(["not ", "(", "not ("])),
)

_PIECES = [b"n", b"id", b"c", b";", b",", b"\t", b'"', b"\n", b"\r\n", b"\r", b"12", b"a",
           b"\xe9", b"\xef\xbb\xbf", b"{", b"}", b'"n": 1', b"[", b"]", b" ", b"\x00",
           b"999990238"]
record_bytes = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=80).map(b"".join),
    st.binary(max_size=300),
    st.lists(st.sampled_from(_PIECES), max_size=40).map(lambda p: b"n;id;c\n" + b"".join(p)),
)

# --- brief runs, in every test run --------------------------------------------------------


@BRIEF
@given(rulebook_texts)
def test_fuzz_parser(text):
    parser_target(text)


@BRIEF
@given(record_bytes, st.sampled_from([".csv", ".jsonl", ".txt"]))
def test_fuzz_readers(tmp_path_factory, data, suffix):
    reader_target(data, suffix, tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["run", "check", "fmt", "sql", "explain", "test", "clean",
                                 "-o", "--row", "0", "-5", "--encoding", "nope", "--format",
                                 "--by", ",", "--engine", "duckdb", "-", "--record", "{",
                                 "RULES", "DATA", "MISSING", "--allow-malformed"]),
                max_size=8))
def test_fuzz_cli(tmp_path_factory, arguments):
    folder = tmp_path_factory.mktemp("cli")
    (folder / "r.rules").write_text(FIELDS + "include x when n > 1\n", encoding="utf-8")
    (folder / "d.csv").write_text("n;id\n12;a\n", encoding="utf-8")
    names = {"RULES": str(folder / "r.rules"), "DATA": str(folder / "d.csv"),
             "MISSING": str(folder / "nope" / "x")}
    if "-" in arguments:
        return  # standard input is the test runner's
    cli_target([names.get(a, a) for a in arguments])


# --- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: p.name)
def test_corpus_rulebooks(path):
    parser_target(path.read_text(encoding="utf-8"))
    cli_target(["check", str(path)])
    cli_target(["fmt", str(path)])
    cli_target(["sql", str(path), "--dialect", "postgres"])


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_corpus_records(tmp_path, path):
    reader_target(path.read_bytes(), path.suffix, tmp_path)
    rules = tmp_path / "r.rules"
    rules.write_text(FIELDS + "include x when n > 1\n", encoding="utf-8")
    for extra in ([], ["--allow-malformed"], ["--encoding", "cp1252"]):
        cli_target(["run", str(rules), str(path), "-o", str(tmp_path / f"o{path.suffix}"), *extra])
    if path.suffix == ".csv":
        cli_target(["run", str(rules), str(path), "-o", str(tmp_path / "o.csv"),
                    "--engine", "duckdb"])


def test_corpus_is_kept():
    assert len(RULEBOOKS) >= 5 and len(RECORDS) >= 10
    json.dumps([p.name for p in RULEBOOKS + RECORDS])


# --- at length: pytest -m slow ------------------------------------------------------------


@pytest.mark.slow
@LONG
@given(rulebook_texts)
def test_fuzz_parser_at_length(text):
    parser_target(text)


@pytest.mark.slow
@LONG
@given(record_bytes, st.sampled_from([".csv", ".jsonl", ".txt"]))
def test_fuzz_readers_at_length(tmp_path_factory, data, suffix):
    reader_target(data, suffix, tmp_path_factory.mktemp("fuzz"))
