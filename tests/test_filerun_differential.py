"""``run --engine duckdb`` writes what ``run --engine python`` writes, byte for byte, with the
same summary, for any CSV file: each shape that once made them differ, and a Hypothesis
differential over byte-level files built from the pieces that did (quoted line breaks beside
trailing delimiters, ``#``, rows breaking one of several ``unique`` statements, headers with
quotes, short and long rows, blank lines, BOMs, CRLF and LF, unicode, NUL).

The reference is :func:`srg_rules.run.run_records` with the compiled rows, as the CLI's
``--engine python`` runs it; the DuckDB side is :func:`srg_rules.filerun.run_file` called
directly (the CLI chooses DuckDB only for large files), which must also say which engine
decided, so that a test meant for DuckDB cannot pass on the fallback.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

duckdb = pytest.importorskip("duckdb")

import srg_rules  # noqa: E402
from srg_rules import filerun  # noqa: E402
from srg_rules.backends.python import compile_rows  # noqa: E402
from srg_rules.records import InputError  # noqa: E402
from srg_rules.run import run_records  # noqa: E402

RULES = """\
field id: text
field p: digits(4) optional
field k: code {a, b, 0363}
field note: text optional
unique id
unique p, k
warn kb when k = b
include when k = a or k = 0363
"""

BOOK = srg_rules.parse(RULES)


def _python(source: Path, target: Path, by: tuple[str, ...], allow_malformed: bool):
    """The python engine's summary and output, or its refusal's first line."""
    try:
        summary = run_records(BOOK.decide, BOOK.fields, source, target,
                              unique=BOOK.program.unique, by=by, warnings=True,
                              allow_malformed=allow_malformed,
                              by_position=partial(compile_rows, BOOK.program))
    except InputError as error:
        return str(error).splitlines()[0], None
    return summary.as_dict(), target.read_bytes()


def _both(folder: Path, data: bytes, by: tuple[str, ...] = ("k",),
          allow_malformed: bool = True) -> tuple[str, bytes | None]:
    """Run both engines over ``data``; assert the same output and summary (or both refusing)
    and return the engine ``run_file`` used and the output."""
    source = folder / "in.csv"
    source.write_bytes(data)
    want, want_bytes = _python(source, folder / "python.csv", by, allow_malformed)
    try:
        got = filerun.run_file(BOOK.program, source, folder / "duckdb.csv", progress=None,
                               by=by, allow_malformed=allow_malformed)
    except InputError:
        assert want_bytes is None, "the python engine ran the file the DuckDB run refused"
        return "refused", None
    engine = got.pop("engine")
    assert want_bytes is not None, f"the {engine} run wrote a file python refused: {want}"
    assert (folder / "duckdb.csv").read_bytes() == want_bytes
    assert got == want
    return engine, want_bytes


def test_a_value_holding_a_hash_is_written_bare(tmp_path) -> None:
    # DuckDB's writer quoted every value holding '#' ("#1", "a#"), Python's csv writes it bare.
    engine, output = _both(tmp_path, b"id,k,note#\n#1,a,x#y\n2,b,#\n")
    assert engine == "duckdb"
    assert output is not None and b"#1,a,x#y," in output and output.startswith(b"id,k,note#,")


def test_a_duckdb_that_quotes_a_hash_sends_such_a_file_the_python_way(tmp_path,
                                                                      monkeypatch) -> None:
    # Before DuckDB 2.0 the writer quotes a '#' whatever COMMENT says.
    monkeypatch.setattr(filerun, "_writer_quotes_hash", lambda: True)
    assert _both(tmp_path, b"id,k\n#1,a\n")[0] == "python"
    assert _both(tmp_path, b"id,k\n1,a\n")[0] == "duckdb"


def test_a_trailing_delimiter_in_a_file_with_quoted_line_breaks_is_a_long_row(tmp_path) -> None:
    # Read again without padding (the parallel reader cannot pad beside quoted line breaks),
    # DuckDB took "2,a,x," under a header of three for three values, Python rejects it; the
    # single-threaded reader, which pads, reads it as four values.
    engine, output = _both(tmp_path, b'id,k,note\n1,a,"x\ny"\n2,a,x,\n3,a\n4,a,\n')
    assert engine == "duckdb"
    assert output is not None and output.count(b"malformed_row") == 2


@pytest.mark.parametrize("allow_malformed", [True, False])
def test_a_quote_open_at_the_end_of_a_file_with_quoted_line_breaks(tmp_path,
                                                                   allow_malformed) -> None:
    # Python reads the last value as 'open' (a quote on one line is no swallowing quote);
    # DuckDB's single-threaded reader, which pads, read it as padding: a malformed row.
    for data in (b'id,k,note\n,,"x\ny"\n,,"open', b'id,k,note\n,,"x\ny"\n,,x"y,"open',
                 b'id,k,note\n,,"x\ny"\n,,"open\n1,a,b\n'):
        # (the last swallows a line: without allow_malformed both engines refuse the file)
        assert _both(tmp_path, data, allow_malformed=allow_malformed)[0] in ("python", "refused")


def test_a_row_breaking_one_of_two_unique_statements_keeps_its_reasons(tmp_path) -> None:
    # The reason of the statement not broken is NULL; joined with SQL's || (sqlglot's
    # CONCAT_WS without coalesce) it made every reason of the row NULL.
    engine, output = _both(tmp_path, b"id,k\n1,x\n1,x\n2,a\n")
    assert engine == "duckdb"
    assert output is not None and output.count(b"unknown_code:k|duplicate:id") == 2


def test_a_row_breaking_one_of_two_unique_statements_keeps_its_reasons_in_a_window(
        tmp_path, monkeypatch) -> None:
    # Beyond MOST_DUPLICATE_KEYS, a window count per statement: the same reasons.
    monkeypatch.setattr(filerun, "MOST_DUPLICATE_KEYS", 0)
    engine, output = _both(tmp_path, b"id,k\n1,x\n1,x\n2,a\n")
    assert engine == "duckdb"
    assert output is not None and output.count(b"unknown_code:k|duplicate:id") == 2


def test_a_quote_the_header_line_leaves_open_goes_the_python_way(tmp_path) -> None:
    # Python reads the header from the first line alone and 'te"' as a record; DuckDB
    # skipped both lines as one header record and decided a record fewer.
    engine, output = _both(tmp_path, b'id,k,"no\nte"\n1,a,x\n')
    assert engine == "python"
    assert output is not None and output.count(b"\r\n") == 3


# --- the differential -----------------------------------------------------------------------

_CELLS = ["", " ", "a", "b", "0363", " 0363", "363", "0001", "001", " 0001", "1", "p1", " p1",
          "P1", "#", "a#b", '"a"', '""', '"a""b"', '"x\ny"', '"x\r\ny"', 'a"b', '"a" ',
          '"open', "\u00a0", "p1\u00a0", "\u2028", "\U0001f600", "e\u0301", "\x00", "\t",
          "\\N", "NULL", "x" * 50]
_HEADERS = [["id", "p", "k", "note"], ["id", "k"], ["k", "id", "x"],
            ["note", "id", "k", "p", "status"], ["id", "k", "Note"]]


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";"]))
    columns = draw(st.sampled_from(_HEADERS))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delimiter.join(columns)]
    for _ in range(draw(st.integers(0, 10))):
        values = len(columns) + draw(st.sampled_from([0, 0, 0, 0, -1, 1, 3]))
        if draw(st.integers(0, 9)) == 0:
            values = 0  # a blank line
        lines.append(delimiter.join(draw(st.sampled_from(_CELLS)) for _ in range(values)))
    text = end.join(lines) + (end if draw(st.booleans()) else "")
    return (("\ufeff" if draw(st.booleans()) else "") + text).encode("utf-8")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_files(), by=st.sampled_from([(), ("k",), ("note", "id")]),
       allow_malformed=st.booleans())
def test_both_engines_write_the_same_bytes_and_summary(tmp_path, data, by,
                                                       allow_malformed) -> None:
    _both(tmp_path, data, by, allow_malformed)
