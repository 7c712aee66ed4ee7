"""Dutch and English: the message catalogs, the choice of language, and Dutch output.

The catalogs (srg_rules/locale/{en,nl}/LC_MESSAGES/srg_rules.po) must hold every message the
code has, each translated, with the same placeholders; tools/catalog.py brings them in line
(docs/i18n.md, "Adding a message").
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import srg_rules
from srg_rules import i18n
from srg_rules.cli import main

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
SRG = str(ROOT / "rulebooks" / "srg.rules")


def _tool():
    spec = importlib.util.spec_from_file_location("catalog_tool", ROOT / "tools" / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalog(lang: str):
    with i18n.catalog_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _placeholders(text: str) -> set[str]:
    return {name.split("!")[0].split(":")[0] for name in re.findall(r"(?<!\{)\{([^{}]*)\}", text)}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_message_has_a_translation_with_the_same_placeholders(lang: str) -> None:
    untranslated, mismatched = [], []
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            untranslated.append(ids[0])
            continue
        for text in strings:
            if _placeholders(text) != _placeholders(ids[-1]):
                mismatched.append((ids[0], text))
    assert not untranslated, f"{lang}: no translation for {untranslated}"
    assert not mismatched, f"{lang}: placeholders differ: {mismatched}"


def test_the_catalogs_hold_exactly_the_messages_of_the_code() -> None:
    in_code = _ids(_tool().template())
    assert len(in_code) > 300  # extraction found the messages (a broken babel.cfg finds none)
    for lang in i18n.LANGUAGES:
        in_catalog = _ids(_catalog(lang))
        assert in_code - in_catalog == set(), \
            f"{lang}: not in the catalog (run python3 tools/catalog.py): {in_code - in_catalog}"
        assert in_catalog - in_code == set(), \
            f"{lang}: no longer in the code (run python3 tools/catalog.py): {in_catalog - in_code}"


def test_the_english_catalog_is_the_text_of_the_code() -> None:
    for message in _catalog("en"):
        if message.id:
            assert message.string == (message.id if isinstance(message.id, str)
                                      else tuple(message.id))


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "en"),
    ({"LANG": "nl_NL.UTF-8"}, "nl"),
    ({"LANG": "nl_BE"}, "nl"),
    ({"LANG": "nl"}, "nl"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "nlx_XX"}, "en"),
    ({"LC_MESSAGES": "nl_NL.UTF-8", "LANG": "en_US.UTF-8"}, "nl"),
    ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "nl_NL.UTF-8"}, "en"),
    ({"LC_ALL": "", "LANG": "nl_NL.UTF-8"}, "nl"),  # an empty variable is skipped
    ({"SRG_RULES_LANG": "nl", "LC_ALL": "C"}, "nl"),
    ({"SRG_RULES_LANG": "en", "LANG": "nl_NL.UTF-8"}, "en"),
    ({"SRG_RULES_LANG": "fr", "LANG": "nl_NL.UTF-8"}, "nl"),  # not a language: ignored
])
def test_the_language_comes_from_srg_rules_lang_then_the_posix_locale(environ, expected) -> None:
    assert i18n.from_environment(environ) == expected


@pytest.mark.parametrize(("argv", "expected"), [
    (["--lang", "nl", "check", "x.rules"], ("nl", ["check", "x.rules"], None)),
    (["check", "x.rules", "--lang", "en"], ("en", ["check", "x.rules"], None)),
    (["check", "--lang=nl", "x.rules"], ("nl", ["check", "x.rules"], None)),
    (["check", "x.rules"], (None, ["check", "x.rules"], None)),
    (["check", "--", "--lang"], (None, ["check", "--", "--lang"], None)),
])
def test_lang_is_taken_before_or_after_the_command(argv, expected) -> None:
    assert i18n.split_language_option(argv) == expected


def test_an_unknown_language_is_a_usage_error(capsys) -> None:
    assert main(["check", SRG, "--lang", "fr"]) == 2
    assert "--lang fr: choose nl or en" in capsys.readouterr().err


def test_words_translate_and_codes_stay(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text("field c: code {a, b}\ninclude when c = a\nexclude when c = bb\n",
                   encoding="utf-8")
    assert main(["--lang", "nl", "check", str(bad)]) == 1
    dutch = capsys.readouterr().out
    assert main(["check", str(bad), "--lang", "en"]) == 1
    english = capsys.readouterr().out
    assert "error[unknown_code]" in dutch and "error[unknown_code]" in english
    assert "hulp: bedoelt u 'b'?" in dutch and "help: did you mean 'b'?" in english
    assert "1 fout, 0 waarschuwingen" in dutch and "1 error, 0 warnings" in english


def test_run_speaks_dutch_but_writes_the_same_file(tmp_path: Path, capsys) -> None:
    source = ROOT / "examples" / "provisions.csv"
    outputs = {}
    for lang in ("nl", "en"):
        out = tmp_path / f"{lang}.csv"
        assert main(["run", SRG, str(source), "-o", str(out), "--lang", lang]) == 0
        outputs[lang] = (out.read_bytes(), capsys.readouterr().out)
    assert outputs["nl"][0] == outputs["en"][0]  # status values and reason codes stay
    assert "records gelezen:" in outputs["nl"][1] and "records read:" in outputs["en"][1]
    assert "per reden:" in outputs["nl"][1]


def _cli(*args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SRG_RULES_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "srg_rules", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def test_a_dutch_locale_gives_dutch_and_lang_en_english_end_to_end() -> None:
    record = '{"category": "coachng"}'
    dutch = _cli("explain", "rulebooks/srg.rules", "--record", record, LANG="nl_NL.UTF-8")
    english = _cli("explain", "rulebooks/srg.rules", "--record", record, "--lang", "en",
                   LANG="nl_NL.UTF-8")
    assert dutch.returncode == english.returncode == 0, dutch.stderr + english.stderr
    assert dutch.stdout.startswith("Besluit: afgewezen\n")
    assert "veld category: 'coachng' staat niet in de codelijst van 'category'" in dutch.stdout
    assert english.stdout.startswith("Decision: rejected\n")
    assert "missing_value" not in dutch.stdout  # the short form words reasons; codes in json
    test = _cli("test", "rulebooks/srg.rules", LC_ALL="nl_NL.UTF-8")
    assert test.returncode == 0 and " geslaagd, 0 mislukt" in test.stdout


# A representative set of diagnostics in Dutch, pinned like the English ones.
DUTCH_DIAGNOSTICS = ["unknown_names", "type_mismatch", "declarations", "code_lists", "syntax_errors",
                     "syntax_hints", "keyword_typos", "syntax_dutch"]


@pytest.mark.parametrize("name", DUTCH_DIAGNOSTICS)
def test_dutch_diagnostics_match_golden_file(name: str) -> None:
    path = GOLDEN / "bad" / f"{name}.rules"
    relative = path.relative_to(ROOT).as_posix()
    i18n.set_language("nl")
    try:
        diagnostics = srg_rules.diagnose(path.read_text(encoding="utf-8"), relative)
        actual = "\n\n".join(d.render() for d in diagnostics) + "\n"
    finally:
        i18n.set_language(None)
    expected = GOLDEN / "bad_nl" / f"{name}.expected"
    if os.environ.get("SRG_UPDATE_GOLDEN"):
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")
