"""End-to-end runs of the srg-rules command, as a policy officer or a script would use it."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest

from srg_rules.cli import main

ROOT = Path(__file__).parent.parent
SRG = str(ROOT / "rulebooks" / "srg.rules")
HEADER = ("reporting_month;provision_id;person_id;municipality_code;category;purpose;initiative;"
          "involved;judgement;funding;traceable;start_date;end_date")
ROWS = [
    "2026-01;V1;999990019;0363;taal;reintegratie;gemeente;;;reintegratie;ja;2025-01-01;",
    "2026-01;V2;999990019;0363;taal;reintegratie;gemeente;;;inburgering;ja;2025-01-01;",
    "2026-01;V3;999990020;0599;coaching;reintegratie;gemeente;;;reintegratie;ja;2025-02-01;2025-01-01",
    "2026-01;V4;999990032;0599;mantelzorg;reintegratie;gemeente;;;reintegratie;ja;2025-02-01;",
]


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _read_csv(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_run_writes_every_row_with_its_decision(tmp_path: Path, capsys) -> None:
    source = _write(tmp_path / "in.csv", [HEADER, *ROWS])
    out = tmp_path / "out.csv"
    assert main(["run", SRG, str(source), "-o", str(out)]) == 0
    rows = _read_csv(out)
    assert [(r["provision_id"], r["status"], r["type"], r["reasons"]) for r in rows] == [
        ("V1", "included", "42", "voorziening|taal"),
        ("V2", "excluded", "", "buiten_reintegratiebudget"),
        ("V3", "rejected", "", "einde_voor_begin"),
        ("V4", "excluded", "", "mantelzorg"),
    ]
    summary = capsys.readouterr().out
    assert "records read: 4" in summary
    assert "included          1" in summary and "rejected          1" in summary


def test_run_keeps_extra_columns_and_comma_delimiter_with_bom(tmp_path: Path) -> None:
    lines = [HEADER.replace(";", ",") + ",note", *(r.replace(";", ",") + ",x" for r in ROWS)]
    source = tmp_path / "in.csv"
    source.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["run", SRG, str(source), "-o", str(out)]) == 0
    rows = _read_csv(out, delimiter=",")
    assert list(rows[0])[0] == "reporting_month"  # the BOM is not part of the first column name
    assert [r["note"] for r in rows] == ["x"] * 4


def test_run_json_lines_in_and_out(tmp_path: Path) -> None:
    names = HEADER.split(";")
    records = [dict(zip(names, row.split(";"))) for row in ROWS]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records) + "not json\n[1]\n",
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["run", SRG, str(source), "-o", str(out)]) == 0
    decided = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["status"] for d in decided] == ["included", "excluded", "rejected", "excluded",
                                              "rejected", "rejected"]
    assert decided[0]["type"] == "42" and decided[0]["reasons"] == ["voorziening", "taal"]
    assert decided[4]["reasons"] == ["malformed_row"] and decided[4]["_line"] == "not json"


def test_malformed_rows_are_rejected_with_row_number_and_the_rest_runs(tmp_path: Path, capsys) -> None:
    source = _write(tmp_path / "in.csv", [HEADER, ROWS[0], "V9;P9;0363;taal", ROWS[1]])
    out = tmp_path / "out.csv"
    assert main(["run", SRG, str(source), "-o", str(out)]) == 0
    assert [r["status"] for r in _read_csv(out)] == ["included", "rejected", "excluded"]
    assert "in.csv:3: record 2 has 4 values where the header has 13" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_text("", encoding="utf-8"), "the file is empty"),
        (lambda p: p.write_text("a;b\n1;2\n", encoding="utf-8"), "the header lacks 10 field(s)"),
        (lambda p: p.write_bytes((HEADER + "\n" + ROWS[0].replace("taal", "caf\xe9") + "\n").encode("latin-1")),
         "not UTF-8"),
    ],
    ids=["missing", "empty", "wrong-header", "latin-1"],
)
def test_unusable_input_is_one_clear_message(tmp_path: Path, capsys, setup, message: str) -> None:
    source = tmp_path / "in.csv"
    setup(source)
    out = tmp_path / "out.csv"
    assert main(["run", SRG, str(source), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_header_typo_gets_a_suggestion(tmp_path: Path, capsys) -> None:
    source = _write(tmp_path / "in.csv", [HEADER.replace("category", "categorie"), ROWS[0]])
    assert main(["run", SRG, str(source), "-o", str(tmp_path / "o.csv")]) == 2
    assert "for 'category', did you mean 'categorie'?" in capsys.readouterr().err


def test_rulebook_with_errors_runs_nothing(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text("field category: code {a}\ninclude when catgory = a\n", encoding="utf-8")
    source = _write(tmp_path / "in.csv", ["category", "a"])
    out = tmp_path / "out.csv"
    assert main(["run", str(bad), str(source), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.rules:2:14: error[unknown_field]" in err and "nothing was run" in err
    assert not out.exists()


def test_check_clean_and_broken(tmp_path: Path, capsys) -> None:
    assert main(["check", SRG]) == 0
    out = capsys.readouterr().out
    # The SRG type list is incomplete (no source gives the codes of IPS and the like): the
    # analysis says so, with a record, and it is a warning, not an error.
    assert "warning[classification_gap]" in out and "category=" in out
    # The delivery checks compare dates with a moved reporting month and measure a text: the
    # analysis is exact over both, so it approximates nothing.
    assert "warning[approximated_condition]" not in out
    assert out.strip().endswith("0 errors, 1 warning")
    clean = tmp_path / "clean.rules"
    clean.write_text("field kind: code {a, b}\ninclude when kind = a\n", encoding="utf-8")
    assert main(["check", str(clean)]) == 0
    assert capsys.readouterr().out.strip().endswith("ok")
    bad = tmp_path / "bad.rules"
    bad.write_text("field hours: number\ninclude when hours = taal\n", encoding="utf-8")
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2:22: error[type_mismatch]" in out
    assert "  2 | include when hours = taal\n    |                      ^^^^" in out
    assert out.rstrip().endswith("1 error, 0 warnings")


def test_check_reports_analysis_findings_with_a_record(tmp_path: Path, capsys) -> None:
    book = tmp_path / "overlap.rules"
    book.write_text(
        "field kind: code {a, b}\noutput type: code {1, 2}\ninclude when kind in {a, b}\n"
        "classify as 1 when kind = a\nclassify wide as 2 when kind in {a, b}\n"
        "expect type 2 when kind = b\n",
        encoding="utf-8",
    )
    assert main(["check", str(book)]) == 1
    out = capsys.readouterr().out
    assert f"{book}:4:1: error[classification_overlap]" in out
    assert "example record: kind=a" in out
    assert main(["test", str(book)]) == 0
    assert capsys.readouterr().out.strip().endswith("1 passed, 0 failed")


def test_check_missing_rulebook(capsys) -> None:
    assert main(["check", "no/such.rules"]) == 2
    assert "no/such.rules: no such rulebook" in capsys.readouterr().err


def test_explain_a_row_and_a_json_record(tmp_path: Path, capsys) -> None:
    source = _write(tmp_path / "in.csv", [HEADER, *ROWS])
    assert main(["explain", SRG, str(source), "--row", "2"]) == 0
    out = capsys.readouterr().out
    assert "in.csv:3: record 2" in out and "Decision: excluded from the SRG" in out
    names = HEADER.split(";")
    record = json.dumps(dict(zip(names, ROWS[0].split(";"))))
    assert main(["explain", SRG, "--record", record]) == 0
    assert "type 42 (Training/Cursus/Opleiding)" in capsys.readouterr().out
    assert main(["explain", SRG, str(source), "--row", "9"]) == 2
    assert "there is no record 9; the file has 4" in capsys.readouterr().err


def test_interrupted_run_leaves_no_output(tmp_path: Path, monkeypatch) -> None:
    source = _write(tmp_path / "in.csv", [HEADER, *ROWS])
    out = tmp_path / "out.csv"
    from srg_rules import rulebook

    from srg_rules import records

    def interrupt(self, record):
        raise KeyboardInterrupt

    written = records.OutputFile.write_rows

    def interrupt_after_writing(self, rows):
        written(self, rows)  # a batch is in the temporary file when the interrupt comes
        raise KeyboardInterrupt

    # A CSV file is decided in batches by position (never through Rulebook.decide).
    monkeypatch.setattr(records.OutputFile, "write_rows", interrupt_after_writing)
    assert main(["run", SRG, str(source), "-o", str(out)]) == 130
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    monkeypatch.undo()
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"kind": "a"}\n', encoding="utf-8")
    monkeypatch.setattr(rulebook.Rulebook, "decide", interrupt)
    assert main(["run", SRG, str(jsonl), "-o", str(out)]) == 130
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_installed_command_runs_as_a_module(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", [HEADER, *ROWS])
    result = subprocess.run(
        [sys.executable, "-m", "srg_rules", "run", SRG, str(source), "-o", str(tmp_path / "o.csv")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "records read: 4" in result.stdout


def test_fmt_check_write_and_print(tmp_path: Path, capsys) -> None:
    assert main(["fmt", "--check", SRG]) == 0, "the shipped rulebook is in canonical layout"
    messy = tmp_path / "messy.rules"
    messy.write_text("field  kind :code{a,b}  # the kind\ninclude   when kind=a\n", encoding="utf-8")
    assert main(["fmt", "--check", str(messy)]) == 1
    assert "not in canonical layout" in capsys.readouterr().out
    assert main(["fmt", str(messy)]) == 0
    assert capsys.readouterr().out == "field kind: code {a, b}  # the kind\n\ninclude when kind = a\n"
    assert main(["fmt", "-w", str(messy)]) == 0
    assert main(["fmt", "--check", str(messy)]) == 0
    broken = tmp_path / "broken.rules"
    broken.write_text("include when\n", encoding="utf-8")
    assert main(["fmt", str(broken)]) == 1
    assert "error[parse_unexpected_end]" in capsys.readouterr().err


def test_duckdb_engine_writes_the_same_file_as_the_row_by_row_engine(tmp_path: Path, capsys) -> None:
    source = _write(tmp_path / "in.csv", [HEADER, *ROWS, "V9;P9;0363;taal"])
    by_rows, by_duckdb = tmp_path / "rows.csv", tmp_path / "duckdb.csv"
    assert main(["run", SRG, str(source), "-o", str(by_rows), "--engine", "python"]) == 0
    rows_report = capsys.readouterr().out
    assert main(["run", SRG, str(source), "-o", str(by_duckdb), "--engine", "duckdb"]) == 0
    captured = capsys.readouterr()
    assert by_rows.read_bytes() == by_duckdb.read_bytes()
    assert captured.out.split("output:")[1].split("\n", 1)[1] == rows_report.split("output:")[1].split("\n", 1)[1]
    assert "1 malformed record(s) rejected as malformed_row" in captured.err


def test_sql_prints_one_query_per_dialect(capsys) -> None:
    for dialect in ("duckdb", "postgres", "spark"):
        assert main(["sql", SRG, "--dialect", dialect]) == 0
        text = capsys.readouterr().out
        assert text.lstrip().upper().startswith("SELECT") and text.rstrip().endswith(";")
    assert main(["sql", SRG, "--dialect", "nosuchdialect"]) == 2
    assert "cannot be written as nosuchdialect SQL" in capsys.readouterr().err


def test_diff_exits_like_diff(tmp_path: Path, capsys) -> None:
    small = tmp_path / "small.rules"
    small.write_text("field kind: code {a, b}\ninclude when kind = a\n", encoding="utf-8")
    assert main(["diff", str(small), str(small)]) == 0
    assert "decide every valid record the same" in capsys.readouterr().out
    # The shipped rulebook is exact in the analysis (the delivery checks' length and moved
    # reporting month included): two versions that decide alike are proven the same ...
    assert main(["diff", SRG, SRG]) == 0
    assert "decide every valid record the same" in capsys.readouterr().out
    # ... but two that differ are too large to split region by region (the reporting month
    # beside the code list's periods): a clear message with a record they decide
    # differently, exit 2 (the v2 below, without the data) ...
    text = Path(SRG).read_text(encoding="utf-8").replace(
        "niet in {reintegratie, toegevoegd, verantwoord}",
        "niet in {reintegratie, toegevoegd, verantwoord, inburgering}")
    assert "inburgering}" in text
    new = tmp_path / "v2.rules"
    new.write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "rulebooks" / "srg-delivery.rules", tmp_path)  # what v2 uses
    shutil.copy(ROOT / "rulebooks" / "gemeenten.csv", tmp_path)  # what srg-delivery.rules reads
    assert main(["diff", SRG, str(new)]) == 2
    err = capsys.readouterr().err
    assert "cannot be compared exactly in reasonable time" in err
    assert "they differ: " in err and "funding=inburgering" in err
    assert "by the old version and included" in err
    # ... as is a rulebook the analysis approximates (an age of two fields) ...
    aged = tmp_path / "aged.rules"
    aged.write_text("field b: date\nfield d: date\ninclude when age(b, d) >= 18\n",
                    encoding="utf-8")
    assert main(["diff", str(aged), str(aged)]) == 2
    assert "cannot be compared exactly" in capsys.readouterr().err
    # ... and on records the two versions are compared as ever.
    data = str(ROOT / "examples" / "provisions.csv")
    # The shipped Dutch rulebook and its English example are the same rulebook.
    english = str(ROOT / "examples" / "srg.en.rules")
    assert main(["diff", english, SRG, data]) == 0
    assert "0 of 312 records change decision" in capsys.readouterr().out
    assert main(["diff", SRG, str(new), data]) == 1
    out = capsys.readouterr().out
    assert "excluded -> included type 42" in out
    assert "10 of 312 records change decision" in out


def test_duckdb_memory_limit_is_checked_and_used(tmp_path: Path, capsys, monkeypatch) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    source = _write(tmp_path / "in.csv", [HEADER, *ROWS])
    out = tmp_path / "out.csv"
    assert main(["run", SRG, str(source), "-o", str(out), "--engine", "duckdb",
                 "--memory-limit", "lots"]) == 2
    assert "--memory-limit lots: write a size such as 500MB or 2GB" in capsys.readouterr().err
    assert main(["run", SRG, str(source), "-o", str(out), "--engine", "duckdb",
                 "--memory-limit", "64MB"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + len(ROWS)
    assert not list(spill.iterdir()), "the spill folder is removed after the run"
