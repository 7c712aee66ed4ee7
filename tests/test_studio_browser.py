"""The report and the studio in a real browser: Debian's Chromium, driven by Playwright.

One browser for the module. Skipped, saying why, only when Chromium or Playwright is absent
(``.ci/run`` installs both). Each step writes a screenshot to ``build/screenshots/`` (or the
folder ``SRG_SCREENSHOTS`` names), so a person can see what the test saw.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="the studio extra (flask) is not installed")

import srg_rules
from srg_rules.cli import main
from srg_rules.records import open_records
from srg_rules.studio.api import Studio
from srg_rules.studio.server import start

ROOT = Path(__file__).parent.parent
CHROMIUM = os.environ.get("SRG_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("SRG_SCREENSHOTS", ROOT / "build" / "screenshots"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run does)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright for Python is not installed (pip install playwright)")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A copy of the shipped rulebooks and the example delivery (the studio may write)."""
    folder = tmp_path_factory.mktemp("studio")
    shutil.copytree(ROOT / "rulebooks", folder / "rulebooks")
    shutil.copy(ROOT / "examples" / "provisions.csv", folder / "provisions.csv")
    return folder


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def summary_json(folder: Path, rulebook: Path, data: Path, by: str | None) -> dict:
    out = folder / "summary.json"
    args = ["run", str(rulebook), str(data), "-o", str(folder / "decided.csv"),
            "--summary-json", str(out)]
    assert main(args + (["--by", by] if by else [])) == 0
    return json.loads(out.read_text(encoding="utf-8"))


# The page's counts, read by the browser: {group values as JSON or "": {measure: value}}.
READ_FIGURES = """() => {
  const figures = {};
  for (const cell of document.querySelectorAll('[data-measure]')) {
    const row = cell.closest('[data-group]');
    const group = row ? row.dataset.group : '';
    const value = parseInt(cell.textContent.replace(/[.,]/g, ''), 10);
    if (value === 0 && !cell.dataset.measure.startsWith('status:')) continue;
    (figures[group] = figures[group] || {})[cell.dataset.measure] = value;
  }
  return figures;
}"""


def expected(counts: dict) -> dict:
    def flat(part: dict) -> dict:
        out = {"records": part["records"]}
        if "source_rows" in part:
            out["source_rows"] = part["source_rows"]
        out.update({f"status:{k}": v for k, v in part["statuses"].items()})
        for kind, key in (("type", "types"), ("reason", "reasons"), ("warning", "warnings")):
            out.update({f"{kind}:{k}": v for k, v in part.get(key, {}).items()})
        return out

    figures = {"": flat(counts)}
    for group in counts.get("by", {}).get("groups", []):
        figures[json.dumps(group["values"], ensure_ascii=False)] = flat(group)
    return figures


def test_the_report_opens_from_disk_with_the_network_blocked(browser, workspace: Path) -> None:
    rulebook, data = workspace / "rulebooks" / "srg.rules", workspace / "provisions.csv"
    page_file = workspace / "report.html"
    assert main(["report", str(rulebook), str(data), "-o", str(page_file)]) == 0
    counts = summary_json(workspace, rulebook, data, "municipality_code,reporting_month")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    asked: list[str] = []

    def block(route) -> None:
        asked.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.goto(page_file.as_uri())
    assert page.title().startswith("Report of a delivery")
    assert asked == [page_file.as_uri()]  # the page itself, nothing else
    assert page.evaluate(READ_FIGURES) == expected(counts)
    assert page.locator("svg").count() >= 3
    shot(page, "report")
    context.close()


@pytest.fixture(scope="module")
def studio(workspace: Path):
    """The studio on srg.rules and the example delivery, in a thread, on a free port."""
    session = Studio(str(workspace / "rulebooks" / "srg.rules"), str(workspace / "provisions.csv"),
                     analyse_after=None)  # the analysis of srg.rules takes a minute here
    server = start(session)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.socket.getsockname()[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page(browser, studio: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside: list[str] = []

    def only_the_studio(route) -> None:
        if route.request.url.startswith(studio) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_studio)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(studio)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    yield page
    assert errors == [] and outside == []
    context.close()


def test_a_mistake_shows_its_caret_message_and_goes_when_fixed(page) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nwaarschuw typo als categry = taal")  # srg.rules is Dutch
    problem = page.locator("#problems li.error", has_text="unknown_field")
    problem.wait_for(timeout=30_000)
    text = problem.inner_text()
    assert "no field named 'categry'" in text and "did you mean 'category'?" in text
    assert "^^^^^^^" in text
    assert page.locator(".cm-lintRange-error").count() >= 1  # underlined in the editor
    shot(page, "studio-mistake")
    page.keyboard.press("End")
    for _ in range(len("gry = taal")):
        page.keyboard.press("Backspace")
    page.keyboard.type("gory = taal")
    page.locator("#problems li.error").first.wait_for(state="detached", timeout=30_000)
    assert page.locator(".cm-lintRange-error").count() == 0
    shot(page, "studio-fixed")


def test_a_picked_record_is_explained(page, workspace: Path) -> None:
    page.locator("[data-tab=record]").click()
    page.select_option("#record-pick", "1")
    # The rulebook as the page holds it (with the rule typed by the test before).
    book = srg_rules.parse(page.evaluate("window.srgStudio.getText()"),
                           str(workspace / "rulebooks" / "srg.rules"))
    row = next(r for r in open_records(workspace / "provisions.csv").rows if r.number == 1)
    explanation = book.explain(row.values)
    near = book.near_misses(explanation)
    assert near  # an included record that one changed field would exclude
    want = explanation.short(near, full_hint=False)  # srg-rules explain's short form
    page.wait_for_function("want => document.getElementById('explanation').textContent === want",
                           arg=want, timeout=30_000)
    assert "What would change the decision:" in page.locator("#explanation").inner_text()
    assert page.locator("#decision").get_attribute("class") == (
        f"decision {book.decide(row.values).status.value}")
    assert page.locator("#record-form [name=municipality_code]").input_value() == row.values[
        "municipality_code"]
    assert not page.locator("#explanation-full").is_visible()  # the trace: one click away
    shot(page, "studio-record")
    page.locator("#explanation-more summary").click()
    page.locator("#explanation-full").wait_for(state="visible", timeout=10_000)
    assert page.locator("#explanation-full").text_content() == explanation.render()
    shot(page, "studio-record-full")
    page.locator("#explanation-more summary").click()


def test_a_wrong_value_in_the_form_is_explained(page) -> None:
    page.locator("[data-tab=record]").click()
    page.locator("#record-form [name=start_date]").fill("31-12-2024")
    page.wait_for_function(
        "() => document.getElementById('explanation').textContent.includes(\"'31-12-2024' is not a date\")",
        timeout=30_000)
    assert page.locator("#decision").get_attribute("class") == "decision rejected"
    shot(page, "studio-wrong-value")


def test_a_run_over_the_example_delivery_shows_the_counts(page, workspace: Path) -> None:
    page.locator("[data-tab=run]").click()
    page.locator("#run").click()
    page.locator("#counts td[data-measure='status:included']").wait_for(timeout=60_000)
    counts = summary_json(workspace, workspace / "rulebooks" / "srg.rules",
                          workspace / "provisions.csv", "municipality_code,reporting_month")
    shown = {cell.get_attribute("data-measure"): int(cell.inner_text())
             for cell in page.locator("#counts td[data-measure]").all()}
    assert shown == {"records": counts["records"],
                     **{f"status:{k}": v for k, v in counts["statuses"].items()}}
    report = page.frame_locator("#report")
    report.locator("#delivery").wait_for(timeout=30_000)
    assert report.locator("[data-measure='records']").first.inner_text() == str(counts["records"])
    shot(page, "studio-run")


def test_a_diff_against_the_saved_file_names_the_records(page) -> None:
    page.locator("[data-tab=diff]").click()
    page.locator("#diff").click()
    page.wait_for_function(
        "() => document.getElementById('diff-text').textContent.includes('of 312 records')",
        timeout=60_000)
    assert "(edited)" in page.locator("#diff-text").inner_text()
    shot(page, "studio-diff")


def test_an_unreadable_data_file_is_the_clis_message(page, workspace: Path) -> None:
    (workspace / "binary.csv").write_bytes(b"category;start_date\n\xff\xfe;2025-01-01\n")
    page.locator("[data-tab=run]").click()
    page.locator("#run-data").fill(str(workspace / "binary.csv"))
    page.locator("#run").click()
    message = page.locator("#message")
    message.wait_for(state="visible", timeout=30_000)
    assert message.inner_text().startswith(f"{workspace / 'binary.csv'}:2: byte 0xff at column 1 "
                                           "is not UTF-8 text")
    shot(page, "studio-bad-data")
    page.locator("#run-data").fill(str(workspace / "provisions.csv"))


def test_no_earlier_versions_outside_a_repository(page, workspace: Path) -> None:
    page.locator("[data-tab=diff]").click()
    page.select_option("#diff-kind", "revision")
    page.locator("#message", has_text="is not in a git repository").wait_for(timeout=30_000)
    shot(page, "studio-diff-no-repository")
    page.select_option("#diff-kind", "saved")


def test_text_that_does_not_parse_is_not_saved_without_asking(page, workspace: Path) -> None:
    saved = (workspace / "rulebooks" / "srg.rules").read_text(encoding="utf-8")
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nsluit uit als category =")
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    page.locator("#save").click()
    page.locator("#message", has_text="not saved").wait_for(timeout=30_000)
    assert asked == ["the text does not parse; save it anyway?"]
    assert (workspace / "rulebooks" / "srg.rules").read_text(encoding="utf-8") == saved
    shot(page, "studio-not-saved")
    # Run with that text: the rulebook's errors, not a run and not a traceback.
    page.locator("[data-tab=run]").click()
    page.locator("#run").click()
    page.locator("#message", has_text="the rulebook has errors; fix them first").wait_for(
        timeout=30_000)
    assert "Traceback" not in page.locator("#message").inner_text()
    shot(page, "studio-run-with-errors")


def test_the_analysis_findings_show_under_the_text(browser, tmp_path: Path) -> None:
    rules = tmp_path / "small.rules"
    rules.write_text("field category: code {taal, mantelzorg}\n\ninclude when category is present\n"
                     "exclude zorg when category = mantelzorg\n", encoding="utf-8")
    server = start(Studio(str(rules), None, "nl", analyse_after=0.2))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.socket.getsockname()[1]}/")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.locator("#save").inner_text() == "Opslaan"  # the page's words in Dutch
        assert page.locator("#diff-kind option").all_text_contents() == [
            "het opgeslagen bestand", "een bestand", "een eerdere versie (git)"]
        assert page.locator("#report").get_attribute("title") == "Rapport"
        page.locator("#problems li.none").wait_for(timeout=30_000)
        page.locator(".cm-content").click()
        page.keyboard.press("Control+End")
        page.keyboard.type("exclude dood when category = taal and category = mantelzorg")
        finding = page.locator("#problems li[data-code=unsatisfiable_rule]")
        finding.wait_for(timeout=30_000)
        assert "'dood' kan nooit gelden" in finding.inner_text()  # the findings in Dutch too
        shot(page, "studio-analysis")
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_a_diff_against_an_earlier_version_from_git(browser, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    person = {"GIT_AUTHOR_NAME": "Beleid", "GIT_AUTHOR_EMAIL": "beleid@example.org",
              "GIT_COMMITTER_NAME": "Beleid", "GIT_COMMITTER_EMAIL": "beleid@example.org"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True,
                              text=True, env={**os.environ, **person}).stdout.strip()

    rules = tmp_path / "small.rules"
    first = ("field category: code {taal, mantelzorg}\n\ninclude when category is present\n"
             "exclude zorg when category = mantelzorg\n")
    (tmp_path / "in.csv").write_text("category\ntaal\nmantelzorg\n", encoding="utf-8")
    rules.write_text(first, encoding="utf-8")
    git("init", "-q")
    git("add", "small.rules")
    git("commit", "-q", "-m", "de eerste versie")
    rules.write_text(first.replace("= mantelzorg", "in {mantelzorg, taal}"), encoding="utf-8")
    git("commit", "-q", "-am", "taal ook uitsluiten")
    commit = git("rev-parse", "HEAD~1")
    server = start(Studio(str(rules), str(tmp_path / "in.csv"), analyse_after=None))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.socket.getsockname()[1]}/")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        page.locator("[data-tab=diff]").click()
        page.select_option("#diff-kind", "revision")
        page.locator(f"#diff-revision option[value='{commit}']").wait_for(state="attached",
                                                                        timeout=30_000)
        assert page.locator("#diff-revision option").count() == 2
        page.select_option("#diff-revision", commit)
        page.locator("#diff").click()
        page.wait_for_function(
            "() => document.getElementById('diff-text').textContent.includes('record 1')",
            timeout=30_000)
        assert f"old: {rules}@{commit}" in page.locator("#diff-text").inner_text()
        shot(page, "studio-diff-revision")
    finally:
        context.close()
        server.shutdown()
        server.server_close()
