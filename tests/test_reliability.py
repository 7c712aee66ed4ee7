"""Nothing lost, nothing leaked, nothing crashes (issue 17): every row accounted for, clear
refusals for every reader and writer error, names that cannot be overwritten, privacy.

Each test is a defect found on main, run through the CLI as a user meets it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import srg_rules

ROOT = Path(__file__).resolve().parent.parent
SRG = str(ROOT / "rulebooks" / "srg.rules")
PROVISIONS = ROOT / "examples" / "provisions.csv"
RULES = "field n: number\nfield id: text optional\ninclude big when n > 10\n"


def _cli(*args: str, stdin: bytes | None = None):
    result = subprocess.run([sys.executable, "-m", "srg_rules", *args], input=stdin,
                            capture_output=True, timeout=300)
    return result.returncode, result.stdout.decode(errors="replace"), \
        result.stderr.decode(errors="replace")


@pytest.fixture()
def book(tmp_path):
    path = tmp_path / "n.rules"
    path.write_text(RULES, encoding="utf-8")
    return path


# --- every row accounted for --------------------------------------------------------------


def test_a_32_mb_value_is_a_malformed_row_on_both_engines(tmp_path, book):
    rows = ["n;id"] + [f"{i};r{i}" for i in range(1, 21)]
    rows[6] = "6;" + "x" * (32 * 1024 * 1024)
    data = tmp_path / "huge.csv"
    data.write_text("\n".join(rows) + "\n")
    outputs = {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{engine}.csv"
        code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(out),
                                    "--engine", engine, "--summary-json", str(out) + ".json")
        assert code == 0, stderr
        summary = json.loads(Path(str(out) + ".json").read_text())
        assert summary["records"] == 20 and summary["reasons"]["malformed_row"] == 1
        outputs[engine] = out.read_bytes()
    assert outputs["duckdb"] == outputs["python"]
    assert outputs["python"].count(b"\r\n") == 21


def test_the_byte_scan_counts_records_as_the_csv_module_does():
    """The count a DuckDB run is checked against, on files DuckDB reads (quotes around whole
    values), cut into blocks anywhere."""
    import csv
    import io
    import random

    from srg_rules.csvscan import count_records

    generator = random.Random(17)
    fields = ["", "a", '"a"', '"x\ny"', '"a""b"', '""', '"\r\n"', '"\n\n"', "b c"]
    for _ in range(500):
        lines = []
        for _ in range(generator.randint(0, 8)):
            lines.append(";".join(generator.choice(fields) for _ in range(generator.randint(1, 3)))
                         if generator.random() > 0.2 else "")
        end = generator.choice(["\n", "\r\n"])
        text = "h;k" + end + end.join(lines) + generator.choice(["", end])
        data = text.encode()
        cut = sorted(generator.randint(0, len(data)) for _ in range(2))
        counted = count_records([data[:cut[0]], data[cut[0]:cut[1]], data[cut[1]:]])
        expected = sum(1 for row in csv.reader(io.StringIO(text, newline=""), delimiter=";")
                       if row)
        assert counted == expected, repr(text)


def _with_open_quote(tmp_path: Path) -> Path:
    lines = PROVISIONS.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(";Werkfit", ';"NT2 werkfit', 1)
    data = tmp_path / "provisions.csv"
    data.write_text("".join(lines), encoding="utf-8")
    return data


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_an_unclosed_quote_stops_the_run_naming_its_line(tmp_path, engine):
    data = _with_open_quote(tmp_path)
    out = tmp_path / "out.csv"
    code, stdout, stderr = _cli("run", SRG, str(data), "-o", str(out), "--engine", engine)
    assert code == 2, stderr
    assert re.search(rf"{re.escape(str(data))}:6: record 5 opens a quote .* the [0-9]+ "
                     r"line\(s\) after line 6 were read into it", stderr), stderr
    assert "--allow-malformed" in stderr and not out.exists()
    assert not list(tmp_path.glob(".*partial"))


def test_allow_malformed_rejects_the_record_and_counts_every_other(tmp_path):
    data = _with_open_quote(tmp_path)
    out = tmp_path / "out.csv"
    code, stdout, stderr = _cli("run", SRG, str(data), "-o", str(out), "--allow-malformed",
                                "--summary-json", str(tmp_path / "s.json"))
    assert code == 0, stderr
    assert "read the" in stderr and "rejected as malformed_row" in stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["reasons"]["malformed_row"] >= 1


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_closed_quoted_line_break_in_a_short_record_is_no_unclosed_quote(tmp_path, book, engine):
    """A value ending in a line break, its quote closed, in a record with a value too few: a
    malformed row, rejected, and the run goes on (it was taken for an unclosed quote, exit 2)."""
    data = tmp_path / "short.csv"
    data.write_bytes(b'n;id\r\n12;r1\r\n"7\r\n"\r\n13;"two\nlines"\r\n')
    out = tmp_path / "out.csv"
    code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(out), "--engine", engine,
                                "--summary-json", str(tmp_path / "s.json"))
    assert code == 0, stderr
    assert "never closed" not in stderr and "read the" not in stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["records"] == 3 and summary["reasons"]["malformed_row"] == 1


@pytest.mark.parametrize("text", ['n;id\n1;"open\n2;b\n3;c\n', 'n;id\n1;"open\n2;b\n3;"c"\n'])
def test_a_quote_that_never_closes_is_counted_as_swallowing(tmp_path, text):
    """Left open to the end of the file, or closed only by the opening quote of a later value."""
    from srg_rules.records import open_records

    data = tmp_path / "open.csv"
    data.write_text(text, encoding="utf-8")
    [row] = [row for row in open_records(data).rows if row.problem]
    assert (row.number, row.line, row.swallowed) == (1, 2, 2)


@pytest.mark.parametrize("line, problem", [
    ('{"n": ' + "9" * 5000 + "}", "a number too long"),
    ('{"n": 1, "x": ' + "[" * 200_000 + "]" * 200_000 + "}", "nests deeper"),
    ('{"n": 12, "id": "\\ud800"}', "lone surrogate"),
], ids=["long-number", "deep", "surrogate"])
def test_json_lines_a_reader_cannot_hold_are_malformed_rows(tmp_path, book, line, problem):
    data = tmp_path / "in.jsonl"
    data.write_text('{"n": 12}\n' + line + '\n{"n": 3}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(out))
    assert code == 0, stderr
    assert f"{data}:2: record 2" in stderr and problem in stderr and "Traceback" not in stderr
    written = [json.loads(text) for text in out.read_text(encoding="utf-8").splitlines()]
    assert [w["status"] for w in written] == ["included", "rejected", "excluded"]


# --- reader and writer errors: one line, exit 2, nothing half-written --------------------


def test_a_corrupt_parquet_file_is_one_line(tmp_path, book):
    pytest.importorskip("duckdb")
    import duckdb

    good = tmp_path / "good.parquet"
    duckdb.sql(f"COPY (SELECT range AS n, 'x' || range AS id FROM range(100000)) TO '{good}' "
               "(FORMAT parquet)")
    data = bytearray(good.read_bytes())
    for offset in range(200, len(data) - 2000, 997):
        data[offset] ^= 0x5A
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    out = tmp_path / "out.parquet"
    code, stdout, stderr = _cli("run", str(book), str(bad), "-o", str(out))
    assert code == 2, stderr
    assert stderr.startswith(f"srg-rules: {bad}") and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1 and not out.exists()
    assert not list(tmp_path.glob(".*partial"))


def test_summary_json_into_a_missing_folder_is_refused_before_the_run(tmp_path, book):
    data = tmp_path / "in.csv"
    data.write_text("n\n12\n")
    out = tmp_path / "out.csv"
    code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(out),
                                "--summary-json", str(tmp_path / "nope" / "s.json"))
    assert code == 2 and "does not exist" in stderr and "nothing was run" in stderr
    assert not out.exists()


def test_output_equal_to_the_input_is_refused(tmp_path, book):
    data = tmp_path / "in.csv"
    data.write_text("n\n12\n")
    before = data.read_bytes()
    code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(tmp_path / "." / "in.csv"))
    assert code == 2 and "same file as the input" in stderr
    assert data.read_bytes() == before


def test_a_missing_output_folder_is_one_line(tmp_path, book):
    data = tmp_path / "in.csv"
    data.write_text("n\n12\n")
    code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(tmp_path / "no" / "o.csv"))
    assert code == 2 and "does not exist" in stderr and "Traceback" not in stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_one_line(tmp_path, book):
    data = tmp_path / "in.csv"
    data.write_text("n\n12\n")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(folder / "o.csv"))
    finally:
        folder.chmod(0o700)
    assert code == 2 and "cannot be written" in stderr and "Traceback" not in stderr


@pytest.fixture()
def small_disk(tmp_path):
    """A 2 MB tmpfs, where the machine lets us mount one (root in a container), else skip."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, book, small_disk, engine):
    data = tmp_path / "in.csv"
    data.write_text("n;id\n" + "".join(f"{i};{'x' * 40}{i}\n" for i in range(100_000)))
    out = small_disk / "out.csv"
    code, stdout, stderr = _cli("run", str(book), str(data), "-o", str(out), "--engine", engine)
    assert code == 2, stderr
    assert stderr.startswith(f"srg-rules: {out}: cannot be written") and "Traceback" not in stderr
    assert "python" not in stderr.lower() or engine == "python"
    assert list(small_disk.iterdir()) == []


# --- privacy ------------------------------------------------------------------------------


BSNS = ["999990238", "999990299", "999990524", "999991097"]


def _bsn_rows(count: int = 4) -> list[str]:
    return PROVISIONS.read_text(encoding="utf-8").splitlines()[4:4 + count]


@pytest.mark.parametrize("name, text", [
    ("no-header.csv", "\n".join(_bsn_rows()) + "\n"),
    ("no-header-twice.csv", "\n".join([_bsn_rows()[0].replace("999990238;", "0599;")] + _bsn_rows()) + "\n"),
    ("short-rows.csv", PROVISIONS.read_text().splitlines()[0] + "\n" + "\n".join(
        r.rsplit(";", 3)[0] for r in _bsn_rows()) + "\n"),
    ("bad-quote.csv", PROVISIONS.read_text().splitlines()[0] + "\n" + "\n".join(
        r.replace(";coaching", ';"coaching') for r in _bsn_rows()) + "\n"),
    ("not-utf8.csv", PROVISIONS.read_text().splitlines()[0] + "\n" + "\n".join(
        r.replace("coaching", "co\u00e4ching") for r in _bsn_rows()) + "\n"),
    ("bad.jsonl", "\n".join('{"person_id": "%s", "x": [' % b for b in BSNS) + "\n"),
    ("array.jsonl", "\n".join('["%s"]' % b for b in BSNS) + "\n"),
], ids=lambda value: value if isinstance(value, str) and len(value) < 30 else "")
def test_no_message_about_a_file_shows_a_value_of_it(tmp_path, name, text):
    data = tmp_path / name
    data.write_bytes(text.encode("latin-1" if "utf8" in name else "utf-8"))
    out = tmp_path / ("out" + data.suffix)
    for args in (["run", SRG, str(data), "-o", str(out)],
                 ["run", SRG, str(data), "-o", str(out), "--engine", "duckdb"],
                 ["run", SRG, str(data), "-o", str(out), "--allow-malformed"],
                 ["explain", SRG, str(data), "--row", "99"]):
        if data.suffix == ".jsonl" and "duckdb" in args:
            continue
        code, stdout, stderr = _cli(*args)
        messages = stderr + (stdout if "-o" in args else "")
        assert "Traceback" not in messages
        for bsn in BSNS:
            assert bsn not in messages, (args, messages)


# --- names that cannot collide ------------------------------------------------------------


COLLIDING = """field type: code {a, b}
field status: text optional
field reasons: number optional
output type: code {k}
include when type = a
classify as k when status = "x"
"""


def test_sql_output_columns_never_collide_with_fields(tmp_path):
    import duckdb

    from srg_rules.backends.sql import to_sql

    book = srg_rules.parse(COLLIDING)
    connection = duckdb.connect()
    connection.execute("CREATE TABLE records AS SELECT * FROM (VALUES ('a', 'x', '1'), "
                       "('b', NULL, '2')) t(type, status, reasons)")
    result = connection.execute(to_sql(book.program, "records", "duckdb"))
    names = [column[0] for column in result.description]
    assert names == ["type", "status", "reasons", "srg_status", "srg_type", "srg_reasons"]
    assert result.fetchall() == [("a", "x", "1", "included", "k", "line-5|line-6"),
                                 ("b", None, "2", "excluded", None, "no_include_matched")]
    for dialect in ("postgres", "spark"):
        text = to_sql(book.program, "records", dialect)
        assert '"srg_status"' in text or "`srg_status`" in text
    path = tmp_path / "c.rules"
    path.write_text(COLLIDING, encoding="utf-8")
    code, stdout, stderr = _cli("sql", str(path))
    assert code == 0 and "srg_status, srg_type, srg_reasons" in stderr


def test_names_postgres_would_cut_to_one_are_a_warning_and_refused_for_postgres(tmp_path):
    long = "a" * 63
    text = f"field {long}_one: number\nfield {long}_two: number\ninclude when {long}_one > 1\n"
    codes = [d.code for d in srg_rules.diagnose(text, analyse=False)]
    assert codes == ["name_too_long", "names_collide_when_cut"]
    path = tmp_path / "long.rules"
    path.write_text(text, encoding="utf-8")
    code, stdout, stderr = _cli("sql", str(path), "--dialect", "postgres")
    assert code == 2 and "first 63 bytes" in stderr
    code, stdout, stderr = _cli("sql", str(path), "--dialect", "duckdb")
    assert code == 0


def test_explain_record_json_a_reader_cannot_hold_is_a_message(tmp_path, book):
    for record in ('{"n": ' + "9" * 5000 + "}", "[" * 50_000 + "]" * 50_000):
        code, stdout, stderr = _cli("explain", str(book), "--record", record)
        assert code == 2 and "--record:" in stderr and "Traceback" not in stderr
