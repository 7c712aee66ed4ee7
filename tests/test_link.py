"""``use "other.rules"``: linking rulebooks (srg_rules/link.py) through load, parse and diagnose.

Each test writes its rulebooks into a temporary directory; paths in a ``use`` are relative to
the using file's directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import srg_rules
from srg_rules import RulebookError
from srg_rules.cli import main as cli_main


def _write(folder: Path, **files: str) -> None:
    for name, text in files.items():
        path = folder / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _errors(path: Path) -> list[srg_rules.Diagnostic]:
    with pytest.raises(RulebookError) as caught:
        srg_rules.load(path)
    return list(caught.value.errors)


BASE = """\
rulebook "basis"
field code: digits(4)
reject kort when code = "0000" because "geen gemeente"
include when code is present
"""


def test_used_fields_and_rules_apply_in_order_and_the_header_is_the_users(tmp_path):
    _write(tmp_path, **{"base.rules": BASE, "main.rules": """\
rulebook "hoofd" version "1"
use "base.rules"
field category: code {taal, zorg}
exclude zorg when category = zorg
"""})
    book = srg_rules.load(tmp_path / "main.rules")
    assert (book.title, book.version) == ("hoofd", "1")
    assert list(book.fields) == ["code", "category"]
    assert book.rule_ids == ("kort", "base-line-4", "zorg")
    assert book.decide({"code": "0363", "category": "taal"}).reasons == ("base-line-4",)
    assert book.decide({"code": "0000", "category": "taal"}).reasons == ("kort",)
    assert book.decide({"code": "363", "category": "zorg"}).reasons == (
        "invalid_digits:code",)
    # A rule from the used file points at its own file and line.
    used = book.program.rule("kort").span
    assert (Path(used.source.path).name, used.line) == ("base.rules", 3)


def test_unnamed_rules_of_two_files_on_the_same_line_keep_apart(tmp_path):
    _write(tmp_path,
           **{"a.rules": "field x: boolean\ninclude when x\n",
              "main.rules": 'use "a.rules"\ninclude when not x\n'})
    book = srg_rules.load(tmp_path / "main.rules")
    assert book.rule_ids == ("a-line-2", "line-2")
    assert book.decide({"x": "ja"}).reasons == ("a-line-2",)
    assert book.decide({"x": "nee"}).reasons == ("line-2",)


def test_the_same_rule_name_in_two_files_is_a_duplicate(tmp_path):
    _write(tmp_path, **{"base.rules": BASE,
                        "main.rules": 'use "base.rules"\ninclude kort when code = "0363"\n'})
    [error] = _errors(tmp_path / "main.rules")
    assert (error.code, Path(error.path).name, error.line) == ("duplicate_name", "main.rules", 2)
    assert Path(error.related[0][1].source.path).name == "base.rules"


def test_paths_are_relative_to_the_using_file_and_uses_nest(tmp_path):
    _write(tmp_path, **{
        "shared__codes.rules": 'field category: code {taal, zorg}\n',
        "shared__base.rules": 'use "codes.rules"\n' + BASE,
        "books__main.rules": 'use "../shared/base.rules"\nexclude when category = zorg\n',
    })
    book = srg_rules.load(tmp_path / "books" / "main.rules")
    assert list(book.fields) == ["category", "code"]


def test_a_file_used_twice_is_taken_in_once(tmp_path):
    _write(tmp_path, **{
        "codes.rules": "field category: code {taal, zorg}\n",
        "a.rules": 'use "codes.rules"\ninclude a when category = taal\n',
        "b.rules": 'use "codes.rules"\ninclude b when category = zorg\n',
        "main.rules": 'use "a.rules"\nuse "b.rules"\n',
    })
    assert srg_rules.load(tmp_path / "main.rules").rule_ids == ("a", "b")


def test_missing_file_is_reported_at_the_use(tmp_path):
    _write(tmp_path, **{"main.rules": 'field x: boolean\nuse "nothing.rules"\ninclude when x\n'})
    [error] = _errors(tmp_path / "main.rules")
    assert (error.code, error.line, error.column) == ("use_not_found", 2, 5)
    assert Path(error.path).name == "main.rules"
    assert "nothing.rules" in error.message


def test_text_without_a_file_uses_paths_from_the_current_directory(tmp_path, monkeypatch):
    _write(tmp_path, **{"base.rules": BASE})
    monkeypatch.chdir(tmp_path)
    assert srg_rules.parse('use "base.rules"').rule_ids == ("kort", "base-line-4")
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(RulebookError) as caught:
        srg_rules.parse('use "base.rules"')
    assert [d.code for d in caught.value.errors] == ["use_not_found"]


def test_a_cycle_is_reported_where_it_closes(tmp_path):
    _write(tmp_path, **{"a.rules": 'use "b.rules"\nfield x: boolean\n',
                        "b.rules": 'field y: boolean\nuse "a.rules"\ninclude when x or y\n'})
    [error] = _errors(tmp_path / "a.rules")
    assert (error.code, Path(error.path).name, error.line, error.column) == (
        "use_cycle", "b.rules", 2, 5)
    assert "a.rules -> " in error.message and error.message.endswith("a.rules")


def test_an_error_in_a_used_file_points_at_that_file(tmp_path):
    _write(tmp_path, **{"base.rules": "field code: digits(4)\n\ninclude when cod = \"0363\"\n",
                        "main.rules": 'use "base.rules"\n'})
    [error] = _errors(tmp_path / "main.rules")
    assert (error.code, Path(error.path).name, error.line, error.column) == (
        "unknown_field", "base.rules", 3, 14)


def test_a_syntax_error_in_a_used_file_is_its_own_and_notes_the_use(tmp_path):
    _write(tmp_path, **{"base.rules": "field code: digits(4)\ninclude when code =\n",
                        "main.rules": '# main\nuse "base.rules"\n'})
    errors = _errors(tmp_path / "main.rules")
    assert errors and all(Path(e.path).name == "base.rules" for e in errors)
    assert errors[0].code.startswith("parse_")
    label, span = errors[0].related[-1]
    assert (label, Path(span.source.path).name, span.line) == ("used here", "main.rules", 2)


def test_a_used_file_that_is_not_utf8(tmp_path):
    (tmp_path / "base.rules").write_bytes(b"# caf\xe9\nfield x: boolean\n")
    _write(tmp_path, **{"main.rules": 'use "base.rules"\n'})
    [error] = _errors(tmp_path / "main.rules")
    assert (error.code, Path(error.path).name, error.line) == ("encoding", "base.rules", 1)
    assert error.related[-1][0] == "used here"


def test_diagnose_reports_the_using_file_first(tmp_path):
    _write(tmp_path, **{"base.rules": "field code: digits(4)\ninclude when cod is present\n",
                        "main.rules": 'use "base.rules"\ninclude when kode is present\n'})
    main = tmp_path / "main.rules"
    diagnostics = srg_rules.diagnose(main.read_text(encoding="utf-8"), str(main))
    assert [(Path(d.path).name, d.line) for d in diagnostics] == [
        ("main.rules", 2), ("base.rules", 2)]


def test_fmt_formats_only_the_given_file(tmp_path, capsys):
    _write(tmp_path, **{"base.rules": BASE, "main.rules": 'use   "base.rules"\n'})
    assert cli_main(["fmt", str(tmp_path / "main.rules")]) == 0
    assert capsys.readouterr().out == 'use "base.rules"\n'


def test_the_shipped_rulebook_uses_the_delivery_checks():
    root = Path(__file__).resolve().parent.parent / "rulebooks"
    book = srg_rules.load(root / "srg.rules")
    delivery = srg_rules.load(root / "srg-delivery.rules")
    assert set(delivery.fields) < set(book.fields)
    assert set(delivery.rule_ids) < set(book.rule_ids)
    assert book.title == "SRG selectie en type"


@pytest.mark.parametrize("path", ["a" * 5000, "a\x00b", "."], ids=["too-long", "nul", "directory"])
def test_a_path_the_system_cannot_open_is_a_diagnostic(path: str) -> None:
    with pytest.raises(RulebookError) as caught:
        srg_rules.parse(f'use "{path}"\nfield a: text\ninclude when a is present\n')
    assert [d.code for d in caught.value.diagnostics] == ["use_not_found"]
