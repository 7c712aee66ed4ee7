"""Every file read or refused clearly (issue 15 point 5): encodings, byte order marks, the
delimiter among , ; and tab (the same on both engines), standard input and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import srg_rules
from srg_rules.filerun import run_file
from srg_rules.records import InputError, detect_delimiter, open_records
from srg_rules.run import run_records

RULES = "field n: number\nfield name: text optional\ninclude big when n > 10\n"


def _cli(*args: str, stdin: bytes | None = None, temp: Path | None = None):
    env = {**os.environ, "TMPDIR": str(temp)} if temp is not None else None
    return subprocess.run([sys.executable, "-m", "srg_rules", *args], input=stdin,
                          capture_output=True, timeout=120, env=env)


@pytest.fixture()
def book(tmp_path):
    path = tmp_path / "n.rules"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_a_bad_byte_is_named_by_its_physical_line_and_the_fix(tmp_path, book):
    lines = ["n;name"] + [f"{i};plain" for i in range(1, 14)] + ["14;Café"]
    data = tmp_path / "in.csv"
    data.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    result = _cli("run", str(book), str(data), "-o", str(tmp_path / "out.csv"))
    message = result.stderr.decode()
    assert result.returncode == 2
    assert f"{data}:15: byte 0xe9 at column 7" in message and "--encoding cp1252" in message
    assert "Traceback" not in message and not (tmp_path / "out.csv").exists()
    result = _cli("run", str(book), str(data), "-o", str(tmp_path / "out.csv"),
                  "--encoding", "cp1252")
    assert result.returncode == 0, result.stderr
    assert "15;Café" not in (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert "14;Café;included;;big" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_an_unknown_encoding_is_a_message(tmp_path, book):
    data = tmp_path / "in.csv"
    data.write_text("n\n1\n")
    result = _cli("run", str(book), str(data), "--encoding", "klingon")
    assert result.returncode == 2 and b"not an encoding" in result.stderr


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_byte_order_mark_is_not_part_of_the_header(tmp_path, encoding):
    data = tmp_path / "in.csv"
    data.write_bytes("n;name\n12;a\n".encode(encoding))
    records = open_records(data, required=["n"], known=["n", "name"],
                           encoding="utf-8" if encoding == "utf-8-sig" else encoding)
    assert records.columns == ("n", "name")
    assert [row.values for row in records.rows] == [{"n": "12", "name": "a"}]


@pytest.mark.parametrize("header, delimiter", [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ('"a;x",b,c', ","),
    ('"a,b";c', ";"), ("a", ","), ("a\tb;c,d\te", "\t"),
])
def test_the_delimiter_is_the_one_found_most_often_outside_quotes(header, delimiter):
    assert detect_delimiter(header + "\n") == delimiter


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_both_engines_read_each_delimiter_alike(tmp_path, delimiter):
    book = srg_rules.parse(RULES)
    data = tmp_path / "in.tsv"
    rows = ["n", "name"], ["12", "a b"], ["3", ""], ["40", "x"], ["1", "2", "3"]
    data.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    summary = run_file(book.program, data, tmp_path / "duck.tsv", progress=None)
    assert summary["engine"] == "duckdb"
    python = run_records(book.decide, book.fields, data, tmp_path / "py.tsv")
    assert summary["records"] == python.records == 4
    assert (tmp_path / "duck.tsv").read_bytes() == (tmp_path / "py.tsv").read_bytes()
    assert (tmp_path / "py.tsv").read_text().splitlines()[0] == delimiter.join(
        ["n", "name", "status", "type", "reasons"])


@pytest.mark.parametrize("text, kind", [("n;name\n12;a\n3;b\n", None),
                                        ('{"n": 12}\n{"n": 3}\n', None),
                                        ('{"n": 12}\n{"n": 3}\n', "jsonl")])
def test_standard_input_and_output(tmp_path, book, text, kind):
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = _cli("run", str(book), "-", "-o", "-", *(["--format", kind] if kind else []),
                  stdin=text.encode(), temp=temp)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "included" in out and "excluded" in out and "records read" not in out
    assert "records read: 2" in result.stderr.decode()
    assert "input:    <stdin>" in result.stderr.decode()
    assert list(temp.iterdir()) == []  # the copy of standard input is gone


def test_a_problem_on_standard_input_names_stdin(book):
    result = _cli("run", str(book), "-", stdin=b"name\nx\n")
    assert result.returncode == 2
    assert result.stderr.decode().startswith("srg-rules: <stdin>:1:")


def test_the_api_refuses_an_unknown_encoding(tmp_path):
    data = tmp_path / "in.csv"
    data.write_text("n\n1\n")
    with pytest.raises(InputError, match="not an encoding"):
        open_records(data, encoding="nope")


def test_an_excel_workbook_is_read_as_its_csv_export(tmp_path, book):
    openpyxl = pytest.importorskip("openpyxl")
    import datetime

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["n", "name", "when"])
    sheet.append([12.0, "a", datetime.datetime(2025, 1, 31)])
    sheet.append([])
    sheet.append([3, None, datetime.date(2024, 2, 29)])
    sheet.append([40, "x", None, "spare"])
    data = tmp_path / "in.xlsx"
    workbook.save(data)
    out = tmp_path / "out.csv"
    result = _cli("run", str(book), str(data), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").splitlines() == [
        "n,name,when,status,type,reasons",
        "12,a,2025-01-31,included,,big",
        "3,,2024-02-29,excluded,,no_include_matched",
        "40,x,,rejected,,malformed_row",
    ]
    assert f"{data}:5: record 3 has 4 values where the header has 3" in result.stderr.decode()
    assert _cli("run", str(book), str(data), "-o", str(tmp_path / "o.xlsx")).returncode == 2
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    result = _cli("run", str(book), str(broken))
    assert result.returncode == 2 and b"cannot be read as an Excel workbook" in result.stderr
