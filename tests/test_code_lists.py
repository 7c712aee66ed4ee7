"""Code lists from data: ``field f: code from "file.csv"`` (srg_rules/codelists.py, linked by
srg_rules/link.py), with the shipped rulebooks/gemeenten.csv.

Each test writes its rulebook (and usually a code list) into a temporary directory; the path of
``code from`` is relative to the declaring file's directory, as for ``use``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import srg_rules
from srg_rules import RulebookError
from srg_rules.backends import BACKENDS
from srg_rules.cli import main as cli_main

ROOT = Path(__file__).parent.parent
SHIPPED = ROOT / "rulebooks" / "gemeenten.csv"

BOOK = """\
rulebook "gemeenten"
field municipality_code: code from "gemeenten.csv"
field reporting_date: date
field hours: number optional
rules in force on reporting_date
reject lang when municipality_code = 0363 and hours > 40
include when municipality_code is present
"""

SMALL = """\
# a test list
code;label;valid_from;valid_until
0363;Amsterdam;;
0003;Appingedam;;2020-12-31
1979;Eemsdelta;2021-01-01;
"""


def _write(folder: Path, **files: str) -> Path:
    for name, text in files.items():
        path = folder / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _codes(folder: Path, name: str = "main.rules") -> list[tuple[str, str, int, int]]:
    """(code, file name, line, column) of every diagnostic of the rulebook."""
    text = (folder / name).read_text(encoding="utf-8")
    return [(d.code, Path(d.path).name, d.line, d.column)
            for d in srg_rules.diagnose(text, str(folder / name), analyse=False)]


def _shipped_book(folder: Path) -> srg_rules.Rulebook:
    shutil.copy(SHIPPED, folder / "gemeenten.csv")
    return srg_rules.load(_write(folder, **{"main.rules": BOOK}) / "main.rules")


# --- the shipped list ---------------------------------------------------------------------


def test_the_shipped_list_has_every_cbs_code_with_its_period(tmp_path):
    book = _shipped_book(tmp_path)
    codes = book.fields["municipality_code"].codes
    assert len(codes) == 788 and all(len(c) == 4 and c.isdigit() for c in codes)
    assert codes["0363"] == "Amsterdam" and codes["0518"] == "'s-Gravenhage"
    # every valid code of the example data is in it
    for code in ("0014", "0344", "0363", "0518", "0599", "0772"):
        assert code in codes
    decide = lambda code, day: book.decide(  # noqa: E731
        {"municipality_code": code, "reporting_date": day}).reasons
    assert decide("0363", "2025-06-30") == ("line-7",)
    assert decide("0003", "2020-12-31") == ("line-7",)  # Appingedam, merged into Eemsdelta
    assert decide("0003", "2021-01-01") == ("not_in_force:municipality_code",)
    assert decide("1979", "2020-12-31") == ("not_in_force:municipality_code",)
    assert decide("1979", "2021-01-01") == ("line-7",)
    assert decide("9999", "2021-01-01") == ("unknown_code:municipality_code",)


def test_the_shipped_list_checks_clean_with_the_analysis(tmp_path, capsys):
    shutil.copy(SHIPPED, tmp_path / "gemeenten.csv")
    _write(tmp_path, **{"main.rules": BOOK})
    assert cli_main(["check", str(tmp_path / "main.rules")]) == 0
    assert "0 errors" in capsys.readouterr().out


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "interpreter"])
def test_every_backend_decides_a_list_from_a_file_as_the_interpreter(tmp_path, backend):
    book = _shipped_book(tmp_path)
    compiled = BACKENDS[backend](book.program)
    records = [{"municipality_code": code, "reporting_date": day}
               for code in ("0363", "0003", "1979", "0620", "9999", "363", "")
               for day in ("1999-12-31", "2018-12-31", "2019-01-01", "2021-01-01", "", "x")]
    assert [compiled.decide(r) for r in records] == [book.decide(r) for r in records]
    assert book.decide({"municipality_code": "0003", "reporting_date": "2021-01-01"}).reasons \
        == ("not_in_force:municipality_code",)


def test_a_condition_is_checked_against_the_list(tmp_path):
    shutil.copy(SHIPPED, tmp_path / "gemeenten.csv")
    _write(tmp_path, **{"main.rules": BOOK.replace("= 0363", "= 0636")})
    assert [c for c in _codes(tmp_path) if c[0] != "unused_define"] == []
    _write(tmp_path, **{"main.rules": BOOK.replace("= 0363", "= 9363")})
    with pytest.raises(RulebookError) as caught:
        srg_rules.load(tmp_path / "main.rules")
    [error] = caught.value.errors
    assert (error.code, error.line, error.column) == ("unknown_code", 6, 38)
    assert "did you mean" in (error.help or "")


# --- reading ------------------------------------------------------------------------------


def test_comma_separated_quoted_and_without_periods(tmp_path):
    _write(tmp_path, **{
        "lijst.csv": 'code,label\n0820,"Nuenen, Gerwen en Nederwetten"\r\n 0363 , Amsterdam\n\n',
        "main.rules": 'field m: code from "lijst.csv"\ninclude when m = 0820\n',
    })
    book = srg_rules.load(tmp_path / "main.rules")
    assert book.fields["m"].codes == {"0820": "Nuenen, Gerwen en Nederwetten",
                                      "0363": "Amsterdam"}
    assert not book.program.dated


def test_a_used_rulebook_reads_its_list_beside_itself(tmp_path):
    _write(tmp_path, **{
        "shared__base.rules": 'field m: code from "codes.csv"\n',
        "shared__codes.csv": "code\na\nb\n",
        "main.rules": 'use "shared/base.rules"\ninclude when m = b\n',
    })
    assert srg_rules.load(tmp_path / "main.rules").fields["m"].codes == {"a": None, "b": None}


def test_a_rulebook_without_a_file_reads_relative_to_the_current_directory(tmp_path,
                                                                            monkeypatch):
    _write(tmp_path, **{"codes.csv": "code\na\n"})
    monkeypatch.chdir(tmp_path)
    book = srg_rules.parse('field m: code from "codes.csv"\ninclude when m = a\n')
    assert book.fields["m"].codes == {"a": None}


def test_a_code_may_come_back_for_a_period_that_does_not_overlap(tmp_path):
    _write(tmp_path, **{
        "codes.csv": "code;valid_from;valid_until\na;;2010-12-31\na;2015-01-01;\nb;;\n",
        "main.rules": 'field m: code from "codes.csv"\nfield d: date\nrules in force on d\n'
                      "include when m is present\n",
    })
    book = srg_rules.load(tmp_path / "main.rules")
    reasons = {day: book.decide({"m": "a", "d": day}).reasons
               for day in ("2010-12-31", "2011-01-01", "2014-12-31", "2015-01-01")}
    assert reasons == {"2010-12-31": ("line-4",),
                       "2011-01-01": ("not_in_force:m",), "2014-12-31": ("not_in_force:m",),
                       "2015-01-01": ("line-4",)}
    import datetime
    for day in ("2010-12-31", "2012-06-01", "2015-01-01"):
        at = book.program.at(datetime.date.fromisoformat(day))
        rejecting = [r.id for r in at.rules if r.id.startswith("not_in_force")]
        assert bool(rejecting) == (day == "2012-06-01"), day
    for backend in BACKENDS:
        compiled = BACKENDS[backend](book.program)
        for day in ("2010-12-31", "2011-01-01", "2015-01-01"):
            record = {"m": "a", "d": day}
            assert compiled.decide(record) == book.decide(record), (backend, record)


# --- diagnostics --------------------------------------------------------------------------


@pytest.mark.parametrize(("csv", "expected"), [
    ("label\nx\n", [("code_list_header", "codes.csv", 1, 1)]),
    ("# about\ncodes;label\nx;y\n", [("code_list_header", "codes.csv", 2, 1)]),
    ("code;lable\nx;y\n", [("code_list_header", "codes.csv", 1, 6)]),
    ("code;code\nx;y\n", [("code_list_header", "codes.csv", 1, 6)]),
    ("code;label\n;y\n", [("code_list_row", "codes.csv", 2, 1)]),
    ("code;label\nx\n", [("code_list_row", "codes.csv", 2, 1)]),
    ('code;label\nx;"open\n', [("code_list_row", "codes.csv", 2, 3)]),
    ('code;label\nx;"a"b\n', [("code_list_row", "codes.csv", 2, 3)]),
    ("code;label\n", [("code_list_row", "codes.csv", 1, 1)]),
    ("# only a comment\n", [("code_list_header", "codes.csv", 2, 1)]),
    ("code;valid_from\nx;2020/01/01\n", [("code_list_date", "codes.csv", 2, 3)]),
    ("code;valid_until\nx;2023-02-30\n", [("code_list_date", "codes.csv", 2, 3)]),
    ("code;valid_from;valid_until\nx;2020-01-01;2019-12-31\n",
     [("empty_period", "codes.csv", 2, 3)]),
    ("code;valid_from;valid_until\nx;;2019-12-31\nx;2019-12-31;\n",
     [("duplicate_code", "codes.csv", 3, 1)]),
    ("code\nx\nx\n", [("duplicate_code", "codes.csv", 3, 1)]),
    ("code;valid_from\nx;\nx;2019-12-31\n", [("duplicate_code", "codes.csv", 3, 1)]),
    ("code\n x y\n", []),
])
def test_what_is_wrong_with_a_list_is_said_at_its_place_in_the_file(tmp_path, csv, expected):
    _write(tmp_path, **{"codes.csv": csv, "main.rules":
                        'field m: code from "codes.csv"\nfield d: date\nrules in force on d\n'})
    assert _codes(tmp_path) == expected


def test_every_diagnostic_in_a_list_points_back_at_the_field(tmp_path):
    _write(tmp_path, **{"codes.csv": "code;label\n;y\n",
                        "main.rules": 'field m: code from "codes.csv"\n'})
    [error] = srg_rules.diagnose((tmp_path / "main.rules").read_text(),
                                 str(tmp_path / "main.rules"))
    [(label, span)] = error.related
    assert (label, span.line, span.column) == ("the code list of this field", 1, 20)


def test_a_missing_file_is_said_at_the_path(tmp_path):
    _write(tmp_path, **{"main.rules": 'field m: code from "nowhere.csv"\n',
                        "dir.csv__x": ""})
    [error] = srg_rules.diagnose((tmp_path / "main.rules").read_text(),
                                 str(tmp_path / "main.rules"))
    assert (error.code, error.line, error.column) == ("code_list_not_found", 1, 20)
    assert str(tmp_path / "nowhere.csv") in error.message
    _write(tmp_path, **{"main.rules": 'field m: code from "dir.csv"\n'})
    assert _codes(tmp_path) == [("code_list_not_found", "main.rules", 1, 20)]


def test_a_list_that_is_not_utf8_is_said_at_the_byte(tmp_path):
    (tmp_path / "codes.csv").write_bytes("code;label\nx;Súdwest\n".encode("latin-1"))
    _write(tmp_path, **{"main.rules": 'field m: code from "codes.csv"\n'})
    assert _codes(tmp_path) == [("encoding", "codes.csv", 2, 4)]


def test_a_list_from_a_file_and_written_out_is_one_too_many(tmp_path):
    _write(tmp_path, **{"codes.csv": "code\na\n",
                        "main.rules": 'field m: code from "codes.csv" {a, b}\n'})
    assert _codes(tmp_path) == [("code_list_twice", "main.rules", 1, 10)]


def test_a_dated_list_without_a_decision_date_is_said_once_at_the_path(tmp_path):
    _write(tmp_path, **{"codes.csv": "code;valid_until\na;2020-01-01\nb;2021-01-01\n",
                        "main.rules": 'field m: code from "codes.csv"\n'})
    assert _codes(tmp_path) == [("missing_decision_date", "main.rules", 1, 20)]


def test_a_field_whose_list_is_missing_is_a_code_field_without_values(tmp_path):
    # as for `field m: code` without a list: the missing list, and a code no list holds
    _write(tmp_path, **{"main.rules": 'field m: code from "x.csv"\ninclude when m = a\n'})
    assert [c[0] for c in _codes(tmp_path)] == ["code_list_not_found", "type_mismatch"]


# --- formatter, diff ----------------------------------------------------------------------


def test_the_formatter_keeps_the_path_and_never_inlines_the_file():
    from srg_rules.format import format_text

    text = 'field  m :code   from "gemeenten.csv"   optional # the municipalities\n'
    formatted = format_text(text)
    assert formatted == 'field m: code from "gemeenten.csv" optional  # the municipalities\n'
    assert format_text(formatted) == formatted


def test_diff_shows_the_codes_a_new_list_adds_and_ends(tmp_path, capsys):
    _write(tmp_path, **{
        "old__codes.csv": "code;valid_until\na;\nb;\n",
        "new__codes.csv": "code;valid_until\na;\nb;2024-12-31\nc;\n",
        "old__main.rules": BOOK_AB,
        "new__main.rules": BOOK_AB,
    })
    code = cli_main(["diff", str(tmp_path / "old/main.rules"), str(tmp_path / "new/main.rules")])
    out = capsys.readouterr().out
    assert code == 1
    assert "new code c" in out
    assert "not_in_force:m" in out


BOOK_AB = """\
field m: code from "codes.csv"
field d: date
rules in force on d
include when m is present
"""
