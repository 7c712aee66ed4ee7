"""Every message through the catalog: syntax errors, the readers, the command line's own words
(argparse's included), end to end in Dutch and English (docs/i18n.md).

tests/test_i18n.py checks that every message id has both translations; this file checks that
no message escapes the catalog, and that what a user sees follows the language.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import srg_rules
from srg_rules import i18n
from srg_rules.cli import main

ROOT = Path(__file__).parent.parent

# Calls whose message (and help) a user reads: the argument positions and keywords that hold
# words. A text built there from a literal or an f-string has skipped the catalog.
_SINKS = {"Diagnostic": (1, 4, ("message", "help")), "report": (1, 3, ("help",)),
          "InputError": (0, None, ()), "_UserError": (0, None, ())}


def _words_without_catalog(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and any(c.isalpha() for c in str(part.value))
                   for part in node.values)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value and sum(c.isalpha() for c in node.value) > 3
    if isinstance(node, ast.BinOp):
        return _words_without_catalog(node.left) or _words_without_catalog(node.right)
    if isinstance(node, ast.IfExp):
        return _words_without_catalog(node.body) or _words_without_catalog(node.orelse)
    return False


def test_no_message_is_built_without_the_catalog() -> None:
    found = []
    for path in sorted((ROOT / "srg_rules").rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = (func.id if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else "")
            if name not in _SINKS:
                continue
            message_at, help_at, keywords = _SINKS[name]
            parts = [call.args[i] for i in (message_at, help_at)
                     if i is not None and i < len(call.args)]
            parts += [k.value for k in call.keywords if k.arg in keywords]
            found += [f"{path.relative_to(ROOT)}:{part.lineno}: {ast.unparse(part)[:80]}"
                      for part in parts if _words_without_catalog(part)]
    assert not found, "messages outside the catalog (wrap them in _()):\n" + "\n".join(found)


def _cli(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SRG_RULES_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "srg_rules", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def test_syntax_errors_speak_the_locale_and_lang_en_english(tmp_path: Path) -> None:
    bad = tmp_path / "fout.rules"
    bad.write_text("veld c: code {a, b}\nsluit uit als c == a\nneem op als c = a && c = b\n"
                   "sluit uit als c = 31-12-2024\nsluit uit als c = \"a\n", encoding="utf-8")
    dutch = _cli("check", str(bad), LANG="nl_NL.UTF-8")
    english = _cli("check", str(bad), "--lang", "en", LANG="nl_NL.UTF-8")
    assert dutch.returncode == english.returncode == 1
    for text in ("error[parse_unexpected_token]: onverwachte '='",
                 "hulp: vergelijk met één '=' (of '!=', '<=', '>=')",
                 "onverwacht teken '&'", "hulp: schrijf 'en' in plaats van '&&'",
                 "'31-12-2024' is geen datum zoals een regelboek die schrijft",
                 "hulp: schrijf datums als JJJJ-MM-DD: 2024-12-31",
                 "tekst tussen aanhalingstekens sluit niet op zijn regel", "4 fouten"):
        assert text in dutch.stdout, dutch.stdout
    # The language of the messages is the reader's; the keywords in them are the file's.
    for text in ("error[parse_unexpected_token]: unexpected '='",
                 "help: compare with a single '=' (or '!=', '<=', '>=')",
                 "help: write 'en' instead of '&&'",
                 "'31-12-2024' is not a date as a rulebook writes it",
                 "quoted text is not closed on its line", "4 errors"):
        assert text in english.stdout, english.stdout


def test_argparse_s_own_words_follow_the_language() -> None:
    dutch = _cli("check", LANG="nl_NL.UTF-8")
    assert dutch.returncode == 2
    assert dutch.stderr.startswith("gebruik: srg-rules check")
    assert "srg-rules check: fout: de volgende argumenten zijn verplicht: rulebook" in dutch.stderr
    choice = _cli("check", "x.rules", "--format", "xml", LANG="nl_NL.UTF-8")
    assert "ongeldige keuze: 'xml' (kies uit 'text', 'json', 'sarif')" in choice.stderr
    help_ = _cli("--help", LANG="nl_NL.UTF-8").stdout
    for text in ("opties:", "toon deze hulptekst en stop", "toon het versienummer en stop",
                 "opdrachten:", "verwijder tijdelijke bestanden die afgebroken runs"):
        assert text in help_
    english = _cli("check", "--lang", "en", LANG="nl_NL.UTF-8")
    assert english.stderr.startswith("usage: srg-rules check")
    assert "error: the following arguments are required: rulebook" in english.stderr


def test_argparse_gets_its_own_words_back_after_a_run(capsys) -> None:
    before = getattr(argparse, "_"), getattr(argparse, "ngettext")
    with pytest.raises(SystemExit):
        main(["--lang", "nl", "check"])
    assert "gebruik:" in capsys.readouterr().err
    assert (getattr(argparse, "_"), getattr(argparse, "ngettext")) == before


def test_reader_messages_are_dutch(tmp_path: Path, capsys) -> None:
    data = tmp_path / "in.csv"
    data.write_text("category;x\ntaal;1\n", encoding="utf-8")
    assert main(["--lang", "nl", "run", str(ROOT / "rulebooks" / "srg.rules"), str(data),
                 "-o", str(tmp_path / "out.csv")]) == 2
    assert "de kopregel mist" in capsys.readouterr().err
    folder = tmp_path / "map"
    folder.mkdir()
    assert main(["--lang", "nl", "run", str(ROOT / "rulebooks" / "srg.rules"), str(folder),
                 "-o", str(tmp_path / "out.csv"), "--engine", "python"]) == 2
    assert "is een map, geen recordbestand" in capsys.readouterr().err
    assert main(["--lang", "nl", "clean", str(tmp_path)]) == 0
    assert "0 restanten van afgebroken runs verwijderd" in capsys.readouterr().out


def test_mixed_and_or_shows_the_readings_in_the_file_s_own_keywords() -> None:
    dutch = "veld c: code {a, b}\nveld d: code {x, y}\nneem op als c = a en d = x of d = y\n"
    english = "field c: code {a, b}\nfield d: code {x, y}\ninclude when c = a and d = x or d = y\n"
    i18n.set_language("en")
    try:
        [nl] = [d for d in srg_rules.diagnose(dutch) if d.code == "mixed_and_or"]
        [en] = [d for d in srg_rules.diagnose(english) if d.code == "mixed_and_or"]
    finally:
        i18n.set_language(None)
    assert nl.message == "'en' and 'of' mixed without parentheses"
    assert nl.help is not None and "this reads as: (c = a en d = x) of d = y" in nl.help
    assert "and not as: c = a en (d = x of d = y)" in nl.help
    assert en.help is not None and "this reads as: (c = a and d = x) or d = y" in en.help
