"""The studio's JSON API (docs/studio.md), through Flask's test client: what each request
answers, and that bad input gets the CLI's message, never a traceback or a dead server."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="the studio extra (flask) is not installed")

from srg_rules.i18n import translations
from srg_rules.studio.api import PAGE_WORDS, Studio
from srg_rules.studio.keywords import keywords
from srg_rules.studio.server import STATIC, StudioError, create_app, start

ROOT = Path(__file__).parent.parent
SMALL = ('field category: code {taal "Taalvoorziening", mantelzorg}\n'
         'field start_date: date\n'
         '\n'
         'include when category is present\n'
         'exclude zorg when category = mantelzorg because "mantelzorg hoort er niet bij"\n')


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "small.rules").write_text(SMALL, encoding="utf-8")
    (tmp_path / "in.csv").write_text("category;start_date\ntaal;2025-01-01\nmantelzorg;2025-01-01\n"
                                     "zorg;2025-01-01\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(folder: Path):
    studio = Studio(str(folder / "small.rules"), str(folder / "in.csv"))
    return create_app(studio).test_client()


def post(client, url: str, **body):
    response = client.post(url, json=body)
    return response.status_code, response.get_json()


def test_state_and_page(client) -> None:
    state = client.get("/api/state").get_json()
    assert state["exists"] and state["text"] == SMALL
    assert {"when", "include", "because"} <= set(state["keywords"])
    assert state["words"]["Save"] == "Save"
    page = client.get("/")
    assert page.status_code == 200 and b"/static/editor.js" in page.data
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for name in STATIC:
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/../api.py").status_code == 404


def test_check_gives_the_caret_and_the_fields(client) -> None:
    text = SMALL + "exclude when categry = taal\n"
    status, answer = post(client, "/api/check", text=text)
    assert status == 200 and not answer["ok"]
    [problem] = answer["diagnostics"]
    assert problem["code"] == "unknown_field" and problem["help"] == "did you mean 'category'?"
    assert text[problem["from"]:problem["to"]] == "categry"
    assert "^^^^^^^" in problem["rendered"]
    status, answer = post(client, "/api/check", text=SMALL)
    assert answer["ok"] and answer["diagnostics"] == []
    assert answer["fields"][0] == {"name": "category", "type": "code", "optional": False, "codes": [
        {"code": "taal", "label": "Taalvoorziening"}, {"code": "mantelzorg", "label": None}]}


def test_a_syntax_error_is_a_diagnostic(client) -> None:
    status, answer = post(client, "/api/check", text="field x: code {a b}\n")
    assert status == 200 and answer["diagnostics"][0]["severity"] == "error"
    assert answer["diagnostics"][0]["line"] == 1


def test_analysis_findings(client) -> None:
    text = SMALL + "exclude dead when category = taal and category = mantelzorg\n"
    status, answer = post(client, "/api/analyse", text=text)
    assert status == 200 and not answer["superseded"]
    assert any(d["from"] is not None and "dead" in text[d["from"]:d["to"]] for d in answer["diagnostics"])


def test_explain_a_record_and_a_wrong_value(client) -> None:
    status, answer = post(client, "/api/explain", text=SMALL,
                          record={"category": "mantelzorg", "start_date": "2025-01-01"})
    assert status == 200 and answer["decisions"][0]["status"] == "excluded"
    assert "mantelzorg hoort er niet bij" in answer["explanation"]
    status, answer = post(client, "/api/explain", text=SMALL,
                          record={"category": "taal", "start_date": "31-12-2024"})
    assert answer["decisions"][0] == {"status": "rejected", "type": None,
                                      "reasons": ["invalid_date:start_date"], "warnings": []}
    assert answer["problems"][0]["field"] == "start_date"
    status, answer = post(client, "/api/explain", text=SMALL, record=["taal"])
    assert status == 400 and answer["error"] == "the record is not a JSON object"


def test_a_rulebook_with_errors_is_not_used(client) -> None:
    status, answer = post(client, "/api/explain", text="field x: code {a}\ninclude when x = b\n",
                          record={"x": "a"})
    assert status == 422 and "1 error; the rulebook has errors" in answer["error"]
    assert answer["diagnostics"][0]["code"] == "unknown_code"


def test_run_gives_the_summary_and_the_report(client, folder: Path) -> None:
    status, answer = post(client, "/api/run", text=SMALL)
    assert status == 200
    assert answer["summary"]["statuses"] == {"included": 1, "excluded": 1, "rejected": 1}
    assert "<!DOCTYPE html>" in answer["html"] and "mantelzorg hoort er niet bij" in answer["html"]


def test_an_unreadable_data_file_is_the_cli_message(client, folder: Path) -> None:
    status, answer = post(client, "/api/run", text=SMALL, data=str(folder / "none.csv"))
    assert status == 422 and answer["error"] == f"{folder / 'none.csv'}: no such file"
    (folder / "bad.csv").write_bytes(b"category\n\xff\xfe\n")
    status, answer = post(client, "/api/run", text=SMALL, data=str(folder / "bad.csv"))
    assert status == 422 and "UTF-8" in answer["error"]
    (folder / "other.csv").write_text("name\nx\n", encoding="utf-8")
    status, answer = post(client, "/api/run", text=SMALL, data=str(folder / "other.csv"))
    assert status == 422 and answer["error"].startswith(
        f"{folder / 'other.csv'}:1: the header lacks 2 field(s) the rulebook requires")
    status, answer = post(client, "/api/records")
    assert status == 200 and answer["total"] == 3 and answer["records"][2]["values"]["category"] == "zorg"


def test_diff_against_the_saved_file(client) -> None:
    text = SMALL.replace("category = mantelzorg", "category in {mantelzorg, taal}")
    status, answer = post(client, "/api/diff", text=text)
    assert status == 200 and answer["changed"]
    assert "zorg" in answer["text"] and "record 1" in answer["text"]
    status, answer = post(client, "/api/diff", text=SMALL)
    assert status == 200 and not answer["changed"]
    status, answer = post(client, "/api/diff", text=SMALL, against=str(ROOT / "README.md"))
    assert status == 422 and answer["error"].startswith(f"{ROOT / 'README.md'}: ")


def test_format_and_save(client, folder: Path) -> None:
    messy = SMALL.replace("include when", "include   when")
    status, answer = post(client, "/api/format", text=messy)
    assert answer["text"] == SMALL
    status, answer = post(client, "/api/save", text=messy)
    assert status == 200 and (folder / "small.rules").read_text(encoding="utf-8") == SMALL


def test_saving_text_that_does_not_parse_asks_first(client, folder: Path) -> None:
    broken = SMALL + "exclude when (category = taal\n"
    status, answer = post(client, "/api/save", text=broken)
    assert status == 409 and answer["needs_confirmation"] and answer["diagnostics"]
    assert (folder / "small.rules").read_text(encoding="utf-8") == SMALL  # untouched
    status, answer = post(client, "/api/save", text=broken, force=True)
    assert status == 200 and (folder / "small.rules").read_text(encoding="utf-8") == broken


def test_a_new_rulebook_is_saved_where_the_user_says(folder: Path) -> None:
    client = create_app(Studio(None, None)).test_client()
    assert client.get("/api/state").get_json()["rulebook"] is None
    status, answer = post(client, "/api/save", text=SMALL)
    assert status == 400 and "name one" in answer["error"]
    status, answer = post(client, "/api/save", text=SMALL, path=str(folder / "no" / "new.rules"))
    assert status == 400 and "no such folder" in answer["error"]
    status, answer = post(client, "/api/save", text=SMALL, path=str(folder / "new.rules"))
    assert status == 200 and (folder / "new.rules").read_text(encoding="utf-8") == SMALL
    assert client.get("/api/state").get_json()["rulebook"] == str(folder / "new.rules")
    status, answer = post(client, "/api/run", text=SMALL)
    assert status == 400 and "no data file" in answer["error"]


def test_bad_requests_are_messages(client) -> None:
    assert client.post("/api/check", data="not json").get_json()["error"]
    assert post(client, "/api/check")[0] == 400
    assert client.get("/api/nothing").status_code == 404


def test_a_bug_is_a_message_and_the_server_lives(client, monkeypatch, capsys) -> None:
    monkeypatch.setattr(Studio, "check", lambda self, text: 1 / 0)
    status, answer = post(client, "/api/check", text=SMALL)
    assert status == 500 and "ZeroDivisionError" in answer["error"]
    assert "Traceback" not in answer["error"] and "Traceback" in capsys.readouterr().err
    assert client.get("/api/state").status_code == 200


def test_dutch_words(folder: Path) -> None:
    client = create_app(Studio(str(folder / "small.rules"), None, "nl")).test_client()
    assert client.get("/api/state").get_json()["words"]["Save"] == "Opslaan"
    status, answer = post(client, "/api/run", text=SMALL)
    assert "geen gegevensbestand" in answer["error"]


def test_every_page_word_is_sent_and_translated() -> None:
    static = ROOT / "srg_rules" / "studio" / "static"
    used = set(re.findall(r'data-(?:title-)?word="([^"]+)"',
                          (static / "index.html").read_text(encoding="utf-8")))
    used |= set(re.findall(r'\bt\("([^"]+)"\)', (static / "app.js").read_text(encoding="utf-8")))
    assert used and used <= set(PAGE_WORDS)
    for lang in ("en", "nl"):
        assert sorted(set(PAGE_WORDS) - set(translations(lang))) == [], lang


def test_keywords_are_the_grammars() -> None:
    from srg_rules.grammar import grammar_text

    grammar = grammar_text()
    for word in ("rulebook", "classify", "trajectory", "expect", "reject", "warn", "months",
                 "missing", "sluit", "uit", "ontbreekt", "omdat", "veld", "dagen"):
        assert word in keywords()
    assert all(re.search(rf"\b{w.rstrip('s')}", grammar) for w in keywords())


def test_the_editor_bundle_and_its_licences_are_shipped() -> None:
    static = ROOT / "srg_rules" / "studio" / "static"
    bundle = (static / "editor.js").read_text(encoding="utf-8")
    assert "createEditor" in bundle and len(bundle) > 100_000
    lock = json.loads((ROOT / "studio" / "web" / "package-lock.json").read_text(encoding="utf-8"))
    licences = (static / "LICENSES.txt").read_text(encoding="utf-8")
    for name in ("@codemirror/view", "@codemirror/state", "@lezer/common", "style-mod"):
        assert f"{name} {lock['packages']['node_modules/' + name]['version']} (MIT)" in licences


def test_a_port_in_use_is_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StudioError, match=f"port {port} is in use"):
            start(Studio(), port)
    with pytest.raises(StudioError, match="a port is a number from 1 to 65535"):
        start(Studio(), 70000)


def test_the_command_serves_on_localhost_and_says_where(folder: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "srg_rules", "studio",
                                str(folder / "small.rules"), str(folder / "in.csv")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT)
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        import urllib.request

        with urllib.request.urlopen(match.group(0) + "api/state", timeout=10) as response:
            assert json.load(response)["rulebook"] == str(folder / "small.rules")
        second = subprocess.run([sys.executable, "-m", "srg_rules", "studio", "--port",
                                 match.group(1)], capture_output=True, text=True, cwd=ROOT,
                                timeout=60)
        assert second.returncode == 2
        assert second.stderr.startswith(f"srg-rules: port {match.group(1)} is in use")
        assert "Traceback" not in second.stderr
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- the short explanation, as srg-rules explain gives it ---------------------------------------

HINT = "(every rule, matched or not: srg-rules explain --full)\n"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    from srg_rules.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("record", [{"category": "taal", "start_date": "2025-01-01"},
                                    {"category": "mantelzorg", "start_date": "2025-01-01"},
                                    {"category": "taal", "start_date": "31-12-2024"}])
def test_explain_is_the_short_form_with_near_misses_and_the_trace_one_click_away(
        client, folder: Path, capsys, record: dict) -> None:
    status, answer = post(client, "/api/explain", text=SMALL, record=record)
    assert status == 200
    rules = str(folder / "small.rules")
    code, short, _err = cli(capsys, "explain", rules, "--record", json.dumps(record))
    assert code == 0 and short.endswith(HINT)
    assert answer["explanation"] == short[:-len(HINT)]  # the page shows the trace itself
    code, full, _err = cli(capsys, "explain", rules, "--record", json.dumps(record), "--full")
    assert answer["full"] == full
    code, data, _err = cli(capsys, "explain", rules, "--record", json.dumps(record),
                           "--format", "json")
    assert answer["short"] == [{k: v for k, v in json.loads(data).items() if k != "source"}]


def test_the_near_misses_are_shown(client) -> None:
    status, answer = post(client, "/api/explain", text=SMALL,
                          record={"category": "taal", "start_date": "2025-01-01"})
    assert ("rule zorg would apply if category = mantelzorg; now: taal (then: excluded)"
            in answer["explanation"])
    assert answer["short"][0]["near_misses"][0]["rules"] == ["zorg"]
    assert "Include rules" in answer["full"] and "Include rules" not in answer["explanation"]


def test_explain_speaks_the_studios_language(folder: Path) -> None:
    client = create_app(Studio(str(folder / "small.rules"), None, "nl")).test_client()
    status, answer = post(client, "/api/explain", text=SMALL,
                          record={"category": "taal", "start_date": "2025-01-01"})
    assert answer["explanation"].startswith("Besluit: ")
    assert "zou gelden als category = mantelzorg" in answer["explanation"]


# -- a diff against an earlier version from git ---------------------------------------------------

def git(folder: Path, *args: str) -> str:
    person = {"GIT_AUTHOR_NAME": "Beleid", "GIT_AUTHOR_EMAIL": "beleid@example.org",
              "GIT_COMMITTER_NAME": "Beleid", "GIT_COMMITTER_EMAIL": "beleid@example.org"}
    import os

    done = subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True,
                          env={**os.environ, **person})
    return done.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository with the rulebook in a folder below its root, in two commits."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "rules").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "rules" / "small.rules").write_text(SMALL, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the first version")
    (repo / "rules" / "small.rules").write_text(
        SMALL.replace("category = mantelzorg", "category in {mantelzorg, taal}"), encoding="utf-8")
    (repo / "README").write_text("not the rulebook\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "taal is excluded too")
    (repo / "README").write_text("still not the rulebook\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "a commit that leaves the rulebook alone")
    return repo


def test_diff_against_a_git_revision(repository: Path, folder: Path) -> None:
    rules = repository / "rules" / "small.rules"
    client = create_app(Studio(str(rules), str(folder / "in.csv"))).test_client()
    answer = client.get("/api/revisions").get_json()
    assert [r["subject"] for r in answer["revisions"]] == ["taal is excluded too",
                                                          "the first version"]
    first, second = (r["commit"] for r in reversed(answer["revisions"]))
    assert first == git(repository, "rev-parse", "HEAD~2")
    assert answer["revisions"][0]["author"] == "Beleid"
    now = rules.read_text(encoding="utf-8")
    status, answer = post(client, "/api/diff", text=now, revision=first)
    assert status == 200 and answer["changed"] and answer["against"] == f"{rules}@{first}"
    assert f"old: {rules}@{first}" in answer["text"] and "record 1" in answer["text"]
    status, answer = post(client, "/api/diff", text=now, revision=second)
    assert status == 200 and not answer["changed"]
    status, answer = post(client, "/api/diff", text=SMALL, revision="HEAD~2")  # any revision git knows
    assert status == 200 and not answer["changed"]


def test_a_revision_that_cannot_be_read_is_a_message(repository: Path, tmp_path: Path) -> None:
    rules = repository / "rules" / "small.rules"
    client = create_app(Studio(str(rules))).test_client()
    status, answer = post(client, "/api/diff", text=SMALL, revision="--output=/tmp/x")
    assert status == 422 and answer["error"] == (
        "--output=/tmp/x: not a git revision (a commit such as 3f2a9c1, a branch or a tag)")
    status, answer = post(client, "/api/diff", text=SMALL, revision="0000000")
    assert status == 422 and answer["error"] == f"0000000: git knows no such revision of {rules}"
    (repository / "rules" / "new.rules").write_text(SMALL, encoding="utf-8")
    client = create_app(Studio(str(repository / "rules" / "new.rules"))).test_client()
    assert client.get("/api/revisions").get_json()["revisions"] == []  # not committed yet
    status, answer = post(client, "/api/diff", text=SMALL, revision="HEAD")
    assert status == 422 and answer["error"] == (
        f"{repository / 'rules' / 'new.rules'}: the file is not in revision HEAD")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "small.rules").write_text(SMALL, encoding="utf-8")
    client = create_app(Studio(str(outside / "small.rules"), None, "nl")).test_client()
    response = client.get("/api/revisions")
    assert response.status_code == 422
    assert response.get_json()["error"] == (
        f"{outside / 'small.rules'}: het regelboek staat niet in een git-repository, dus er zijn "
        "geen eerdere versies om uit te kiezen; vergelijk in plaats daarvan met een bestand")
    status, answer = post(client, "/api/diff", text=SMALL, revision="HEAD")
    assert status == 422 and "git-repository" in answer["error"]
    client = create_app(Studio(None)).test_client()
    assert client.get("/api/revisions").status_code == 400  # a new rulebook has no history
    assert client.get("/api/state").status_code == 200


# -- bad input: the CLI's messages, and the server lives ------------------------------------------

@pytest.mark.parametrize("lang", ["en", "nl"])
def test_bad_input_gets_the_clis_messages_and_the_server_lives(
        folder: Path, capsys, monkeypatch, lang: str) -> None:
    from srg_rules.studio.server import serve

    monkeypatch.setenv("SRG_RULES_LANG", lang)  # the CLI's language
    broken = SMALL + "exclude when (category = taal\n"
    (folder / "broken.rules").write_text(broken, encoding="utf-8")
    (folder / "binary.csv").write_bytes(b"category;start_date\n\xff\xfe;2025-01-01\n")
    client = create_app(Studio(str(folder / "broken.rules"), str(folder / "in.csv"),
                               lang)).test_client()

    # Text that does not parse: the diagnostics of srg-rules check, caret and help.
    code, out, err = cli(capsys, "check", str(folder / "broken.rules"))
    status, answer = post(client, "/api/check", text=broken)
    assert code == 1 and status == 200 and not answer["ok"]
    assert [d["rendered"] for d in answer["diagnostics"]] and all(
        d["rendered"] in out + err for d in answer["diagnostics"])
    for url, extra in (("/api/run", {}), ("/api/explain", {"record": {"category": "taal"}}),
                       ("/api/format", {})):
        status, answer = post(client, url, text=broken, **extra)
        assert status == 422 and answer["diagnostics"][0]["rendered"] in out + err
        assert "Traceback" not in json.dumps(answer)
    assert client.get("/api/state").status_code == 200

    # A record with a wrong value: explained as srg-rules explain does.
    record = {"category": "taal", "start_date": "31-12-2024"}
    code, out, err = cli(capsys, "explain", str(folder / "small.rules"), "--record",
                         json.dumps(record))
    status, answer = post(client, "/api/explain", text=SMALL, record=record)
    assert status == 200 and answer["decisions"][0]["status"] == "rejected"
    assert answer["problems"][0]["message"] in out and answer["explanation"] in out

    # A data file that cannot be read: srg-rules run's message.
    for name in ("none.csv", "binary.csv"):
        code, out, err = cli(capsys, "run", str(folder / "small.rules"), str(folder / name),
                             "-o", str(folder / "out.csv"))
        assert code == 2 and err.startswith("srg-rules: ")
        message = err[len("srg-rules: "):].rstrip("\n")
        status, answer = post(client, "/api/run", text=SMALL, data=str(folder / name))
        assert status == 422 and answer["error"] == message
        status, answer = post(client, "/api/records", data=str(folder / name))
        assert status == 422 and answer["error"].split("\n")[0] == message.split("\n")[0]
        with pytest.raises(StudioError) as raised:  # srg-rules studio RULEBOOK DATA
            serve(str(folder / "small.rules"), str(folder / name), lang=lang)
        assert str(raised.value) == message
    assert client.get("/api/state").status_code == 200

    # A port in use: the command's message (tested end to end above), in the language.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StudioError) as raised:
            start(Studio(lang=lang), port)
    assert str(raised.value).startswith(
        {"en": f"port {port} is in use", "nl": f"poort {port} is in gebruik"}[lang])


def test_near_misses_wait_for_a_running_analysis_not_the_explanation(client, monkeypatch) -> None:
    """z3 is used by one request at a time (its context is not thread-safe); an explanation
    asked for while the analysis holds the solver comes without its near-misses, saying so."""
    from srg_rules.studio import api

    monkeypatch.setattr(api, "NEAR_MISS_WAIT", 0.05)
    record = {"category": "taal", "start_date": "2025-01-01"}
    with api.SOLVER_LOCK:  # an analysis at work
        status, waiting = post(client, "/api/explain", text=SMALL, record=record)
    assert status == 200 and waiting["near_misses_pending"]
    assert "What would change the decision" not in waiting["explanation"]
    assert waiting["short"][0]["near_misses"] == []
    status, answer = post(client, "/api/explain", text=SMALL, record=record)
    assert not answer["near_misses_pending"] and answer["short"][0]["near_misses"]
    assert answer["full"] == waiting["full"] and answer["decisions"] == waiting["decisions"]
