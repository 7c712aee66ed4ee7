"""The batched CSV run (``run --engine python`` on a CSV file) against the record-by-record one.

A CSV file decided by position (:func:`srg_rules.backends.python.compile_rows`, read in
batches by :func:`srg_rules.records.open_records` with ``batched=True``) must give what the
mapping path gives, byte for byte: per row, the decision the compiled backend and the
interpreter give the row as a mapping, and the key values :func:`read_keys` reads (valid and
invalid values alike, so the same field problems); per file, the same output, summary,
malformed rows (number, line, problem, lines swallowed) and errors.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules.backends.interpreter import Interpreter
from srg_rules.backends.python import compile_rows
from srg_rules.records import BATCH_SIZE, InputError
from srg_rules.run import run_records
from srg_rules.strategies import records
from srg_rules.unique import KeyCounts, read_keys

ROOT = Path(__file__).resolve().parent.parent
SRG = srg_rules.load(ROOT / "rulebooks" / "srg.rules", backend="python")
SMALL = srg_rules.parse("""
field n: number
field flag: boolean optional
field note: text optional
field day: date optional
field kind: code {a, b, "c d"}
field id: text
unique id, kind
output type: code {X, Y}
include big when n > 10 and flag
include known when kind = a
classify dated as X when day is present
classify long as Y when note is present and n > 3
reject odd when note = "odd"
warn late when day > 2024-12-31
""", backend="python")
# Two unique statements: the keys are looked up per statement, not as one tuple.
TWO_KEYS = srg_rules.parse(SMALL.source.text.replace("unique id, kind", "unique id, kind\nunique n"),
                           backend="python")

# Values a CSV cell may hold that a field may refuse, or read otherwise than it looks.
ODD_CELLS = ["", " ", "  x ", "x", "0", "1", "-3", "12,5", "1e3", "nan", "inf", "2024-02-30",
             "2024-13-01", "20240131", "00000000", "2026-01", "202601", "0363", " 0363 ", "363",
             "ja", "nee", "TRUE", "waar", "999990019", "999990018", " 999990019", "99999001",
             "\u0661\u0662\u0663", "coaching", "a", "c d", "odd", "\ufeffa", "1_000"]


def _cells(book: srg_rules.Rulebook) -> st.SearchStrategy[dict[str, str]]:
    """Rows of the rulebook's fields as CSV cells: valid records, some cells made odd."""
    valid = records(book, raw=True).map(
        lambda record: {name: "" if value is None else str(value) for name, value in record.items()})
    odd = st.dictionaries(st.sampled_from(list(book.fields)),
                          st.sampled_from(ODD_CELLS) | st.text(string.printable, max_size=12))
    return st.tuples(valid, odd).map(lambda pair: {**pair[0], **pair[1]})


@functools.lru_cache(maxsize=None)
def _by_position(book: srg_rules.Rulebook, columns: tuple[str, ...]):
    return compile_rows(book.program, columns, KeyCounts(book.program.unique).fields)


@pytest.mark.parametrize("book", [SRG, SMALL], ids=["srg", "small"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_row_decides_and_keys_as_its_mapping(book: srg_rules.Rulebook, data: st.DataObject) -> None:
    cells = data.draw(_cells(book))
    # Any order of the columns, an extra one, an optional field's column left out.
    optional = [name for name, field in book.fields.items() if field.optional]
    absent = data.draw(st.sets(st.sampled_from(optional))) if optional else set()
    columns = [name for name in cells if name not in absent] + ["extra"]
    columns = data.draw(st.permutations(columns))
    row = [cells.get(name, "z") for name in columns]
    mapping = dict(zip(columns, row))
    compiled = _by_position(book, tuple(columns))
    decision = compiled.decide(row)
    assert decision == book.decide(mapping) == Interpreter(book.program).decide(mapping)
    names = KeyCounts(book.program.unique).fields
    assert compiled.keys(row) == tuple(read_keys(mapping, book.fields, names).values())


def _run(book: srg_rules.Rulebook, source: Path, target: Path, batched: bool,
         **options) -> tuple[bytes | str, dict | None, list]:
    """The output (or the error), the summary and the malformed rows of one run."""
    seen: list = []
    try:
        summary = run_records(
            book.decide, book.fields, source, target, unique=book.program.unique,
            warnings=bool(book.program.by_verb("warn")),
            malformed=lambda path, row: seen.append((row.number, row.line, row.problem,
                                                     row.swallowed, row.values)),
            by_position=functools.partial(compile_rows, book.program) if batched else None,
            **options)
    except InputError as error:
        return str(error), None, seen
    return target.read_bytes(), summary.as_dict(), seen


def _same_runs(book: srg_rules.Rulebook, source: Path, folder: Path, **options) -> None:
    old = _run(book, source, folder / "old.csv", False, **options)
    new = _run(book, source, folder / "new.csv", True, **options)
    assert new == old


@pytest.mark.parametrize("by", [(), ("municipality_code", "category")])
def test_the_example_deliveries_are_written_alike(tmp_path: Path, by: tuple[str, ...]) -> None:
    _same_runs(SRG, ROOT / "examples" / "provisions.csv", tmp_path, by=by)


def test_a_source_extract_still_runs_at_the_registration_level(tmp_path: Path) -> None:
    from srg_rules.cli import main

    out = tmp_path / "out.csv"
    assert main(["run", str(ROOT / "examples" / "source" / "gemeente.rules"),
                 str(ROOT / "examples" / "source" / "extract.csv"), "-o", str(out),
                 "--engine", "python"]) == 0
    book = srg_rules.load(ROOT / "examples" / "source" / "gemeente.rules")
    from srg_rules.run import run_source

    run_source(book, ROOT / "examples" / "source" / "extract.csv", tmp_path / "api.csv")
    assert out.read_bytes() == (tmp_path / "api.csv").read_bytes()


# Lines of a CSV file of SMALL's fields (header: HEADER), odd ones among them.
HEADER = "id;n;flag;kind;note;day;status"
GOOD = ["a;12;ja;a;;2025-01-01;x", "b;3;;b;odd;;", "c;11;true;c d;;2024-01-01;",
        "a;1;nee;a;;;", '"q\nr";5;;a;;;', "d;12,5;1;b;; 2025-02-02 ;"]
ODD = ["", "e;1", "f;1;;a;;;;;", 'g;"1;;a;;;', '"h";1;;"a";;;', "i;x;maybe;z;;20241301;",
       '"j""k";2;;a;;;', "\u00e9;3;;a;;;", "l;4;;a;\"open;;"]


@settings(max_examples=120, deadline=None)
@given(lines=st.lists(st.sampled_from(GOOD + ODD), max_size=30),
       allow=st.booleans(), crlf=st.booleans(), book=st.sampled_from([SMALL, TWO_KEYS]))
def test_a_file_is_written_alike(tmp_path_factory, lines: list[str], allow: bool,
                                 crlf: bool, book: srg_rules.Rulebook) -> None:
    folder = tmp_path_factory.mktemp("rows")
    source = folder / "in.csv"
    end = "\r\n" if crlf else "\n"
    source.write_text(end.join([HEADER, *lines]) + end, encoding="utf-8", newline="")
    _same_runs(book, source, folder, allow_malformed=allow, by=("kind",))
    _same_runs(book, source, folder, allow_malformed=allow)


def test_batches_end_where_records_do(tmp_path: Path) -> None:
    """Past a batch's size, odd rows (a quoted line break, a refused record, a row of
    another width) at every place of a batch keep their numbers and lines."""
    lines = []
    for index in range(3 * BATCH_SIZE + 7):
        if index % 997 == 5:
            lines.append(f'"x{index}\ny";1;;a;;;')
        elif index % 1499 == 3:
            lines.append(f"z{index};1")
        else:
            lines.append(f"r{index % 50};{index};;a;;;")
    lines.append('last;1;;a;"never closed;;')
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    _same_runs(SMALL, source, tmp_path)
    _same_runs(SMALL, source, tmp_path, allow_malformed=False)


def test_progress_is_told_and_columns_replaced(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = [f"r{index};{index};;a;;;old" for index in range(120_000)]
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    told: list[tuple[float, int]] = []
    replaced: list[tuple[str, ...]] = []
    summary = run_records(SMALL.decide, SMALL.fields, source, tmp_path / "out.csv",
                          progress=lambda share, count: told.append((share, count)),
                          replaced=replaced.append, warnings=True,
                          by_position=functools.partial(compile_rows, SMALL.program))
    assert [count // 50_000 for _, count in told] == [1, 2]
    assert all(0 < share < 1 for share, _ in told) and replaced == [("status",)]
    assert summary.records == 120_000
    head = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head == "id;n;flag;kind;note;day;type;reasons;status;warnings".replace(
        "type;reasons;status", "status;type;reasons")
    old = run_records(SMALL.decide, SMALL.fields, source, tmp_path / "old.csv", warnings=True)
    assert (tmp_path / "old.csv").read_bytes() == (tmp_path / "out.csv").read_bytes()
    assert old.as_dict() == summary.as_dict()


def test_a_file_that_is_no_csv_is_read_record_by_record(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "n": 12, "flag": true, "kind": "a"}\n[1]\n'
                      '{"id": "a", "n": "x", "kind": "z"}\n', encoding="utf-8")
    _same_runs(SMALL, source, tmp_path)
    assert b'"reasons": ["malformed_row"]' in (tmp_path / "new.csv").read_bytes()
