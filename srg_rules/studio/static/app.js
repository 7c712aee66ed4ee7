// The studio page: talks to the JSON API (docs/studio.md) and keeps no state of its own but
// the editor's text. Every word shown comes from the server (GET /api/state, "words").
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let words = {};
  const t = (w) => words[w] || w;
  let state = null;
  let editor = null;
  let fields = [];
  let checkSeq = 0;
  let analyseTimer = null;
  let checkTimer = null;
  let explainTimer = null;
  let explainSeq = 0;
  let nearMissesPending = false;
  let revisionsLoaded = false;

  async function api(path, body) {
    const options = body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      return {status: 0, data: {error: t("The studio does not answer; is it still running?")}};
    }
    let data;
    try { data = await response.json(); } catch (error) { data = {error: response.statusText}; }
    return {status: response.status, data};
  }

  function say(text, ok) {
    const box = $("message");
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("ok", !!ok);
  }

  function showError(result) {
    let text = result.data.error || t("something went wrong");
    say(text, false);
  }

  // -- diagnostics under the text ---------------------------------------------------------

  function showDiagnostics(list, analysed) {
    const here = list.filter((d) => d.from !== null);
    editor.setDiagnostics(here.map((d) => ({
      from: d.from, to: d.to, severity: d.severity,
      message: `${d.severity}[${d.code}]: ${d.message}${d.help ? "\nhelp: " + d.help : ""}`})));
    const ul = $("problems");
    ul.textContent = "";
    if (!list.length) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = analysed ? t("No errors or warnings; the analysis found nothing.")
                                : t("No errors or warnings.");
      ul.appendChild(li);
      return;
    }
    for (const d of list) {
      const li = document.createElement("li");
      li.className = d.severity;
      li.dataset.code = d.code;
      const head = document.createElement("div");
      head.innerHTML = "";
      const sev = document.createElement("span");
      sev.className = "sev";
      sev.textContent = `${d.severity}[${d.code}]`;
      head.append(`${d.path}:${d.line}:${d.column}: `, sev, `: ${d.message}`);
      const pre = document.createElement("pre");
      pre.textContent = d.rendered;
      li.append(head, pre);
      if (d.from !== null) li.addEventListener("click", () => editor.goTo(d.from));
      ul.appendChild(li);
    }
  }

  function onEdit() {
    clearTimeout(checkTimer);
    clearTimeout(analyseTimer);
    $("analysis").textContent = "";
    checkTimer = setTimeout(check, 300);
  }

  async function check() {
    const seq = ++checkSeq;
    const text = editor.getText();
    const result = await api("/api/check", {text});
    if (seq !== checkSeq) return;  // the text changed meanwhile
    if (result.status !== 200) { showError(result); return; }
    showDiagnostics(result.data.diagnostics, false);
    if (result.data.ok) {
      setFields(result.data.fields);
      scheduleExplain();
      if (state.analyse_after !== null)
        analyseTimer = setTimeout(() => analyse(seq, text), 1000 * state.analyse_after);
    }
  }

  async function analyse(seq, text) {
    $("analysis").textContent = t("analysing…");
    const result = await api("/api/analyse", {text});
    if (seq !== checkSeq) return;
    $("analysis").textContent = "";
    if (result.status !== 200) { showError(result); return; }
    if (result.data.superseded) return;
    showDiagnostics(result.data.diagnostics, true);
    $("analysis").textContent = t("analysed");
    if (nearMissesPending) scheduleExplain();
  }

  // -- the record form and its explanation --------------------------------------------------

  function setFields(list) {
    const same = JSON.stringify(list) === JSON.stringify(fields);
    if (same) return;
    const old = formValues();
    fields = list;
    const form = $("record-form");
    form.textContent = "";
    for (const f of fields) {
      const label = document.createElement("label");
      label.className = f.optional ? "optional" : "";
      const name = document.createElement("span");
      name.textContent = f.name;
      name.title = `${f.name}: ${f.type}${f.optional ? " " + t("optional") : ""}`;
      let input;
      if (f.codes) {
        input = document.createElement("select");
        input.appendChild(new Option("", ""));
        for (const c of f.codes) input.appendChild(new Option(c.label ? `${c.code}: ${c.label}` : c.code, c.code));
      } else {
        input = document.createElement("input");
        input.placeholder = f.type;
      }
      input.name = f.name;
      input.addEventListener("input", scheduleExplain);
      input.addEventListener("change", scheduleExplain);
      label.append(name, input);
      form.appendChild(label);
    }
    fillForm(old);
  }

  function formValues() {
    const values = {};
    for (const input of $("record-form").elements) values[input.name] = input.value;
    return values;
  }

  function fillForm(values) {
    for (const input of $("record-form").elements) {
      const value = values[input.name] === undefined ? "" : values[input.name];
      if (input.tagName === "SELECT" && value !== "" &&
          ![...input.options].some((o) => o.value === value)) {
        const wrong = new Option(`${value} ${t("(not in the list)")}`, value);
        wrong.dataset.added = "1";
        input.appendChild(wrong);
      }
      input.value = value;
    }
  }

  function scheduleExplain() {
    clearTimeout(explainTimer);
    explainTimer = setTimeout(explain, 200);
  }

  // The short explanation (with its near-misses) beside the record; the full trace of every
  // rule one click away, under it.
  async function explain() {
    if (!fields.length) return;
    const seq = ++explainSeq;
    const box = $("decision");
    if (Object.values(formValues()).every((v) => v === "")) {
      box.className = "decision";
      box.textContent = "";
      $("explanation").textContent = t("Fill in the fields, or pick a record of the data file.");
      $("explanation-full").textContent = "";
      $("explanation-more").hidden = true;
      return;
    }
    box.dataset.busy = "1";
    $("explanation").classList.add("busy");
    const result = await api("/api/explain", {text: editor.getText(), record: formValues()});
    if (seq !== explainSeq) return;  // the record or the text changed meanwhile
    delete box.dataset.busy;
    $("explanation").classList.remove("busy");
    if (result.status !== 200) {
      box.className = "decision";
      box.textContent = "";
      $("explanation").textContent = result.data.error || t("something went wrong");
      $("explanation-full").textContent = "";
      $("explanation-more").hidden = true;
      return;
    }
    const first = result.data.decisions[0];
    box.className = "decision " + (first ? first.status : "");
    box.textContent = result.data.decisions.map((d) =>
      `${t(d.status)}${d.type ? " · " + t("type") + " " + d.type : ""}`).join("; ");
    // The solver was busy with the analysis: the near-misses come when it is done.
    nearMissesPending = result.data.near_misses_pending;
    $("explanation").textContent = result.data.explanation + (nearMissesPending
      ? t("The changes that would give another outcome follow when the analysis is done.") : "");
    $("explanation-full").textContent = result.data.full;
    $("explanation-more").hidden = false;
  }

  async function loadRecords() {
    if (!state.data) return;
    const result = await api("/api/records", {});
    if (result.status !== 200) { showError(result); return; }
    const pick = $("record-pick");
    for (const r of result.data.records) {
      const some = Object.values(r.values).filter((v) => v).slice(0, 4).join(" · ");
      const option = new Option(`${r.number}: ${some}`, String(r.number));
      option.dataset.values = JSON.stringify(r.values);
      pick.appendChild(option);
    }
  }

  function pickRecord() {
    const option = $("record-pick").selectedOptions[0];
    if (!option || !option.dataset.values) return;
    for (const select of $("record-form").querySelectorAll("select"))
      for (const o of [...select.options]) if (o.dataset.added) o.remove();
    fillForm(JSON.parse(option.dataset.values));
    explain();
  }

  // -- run, diff, format, save ------------------------------------------------------------

  async function run() {
    say("");
    $("counts").textContent = "";
    const data = $("run-data").value.trim() || null;
    $("report").srcdoc = "";
    $("run").disabled = true;
    const result = await api("/api/run", {text: editor.getText(), data});
    $("run").disabled = false;
    if (result.status !== 200) { showError(result); return; }
    const s = result.data.summary;
    const rows = [[t("records"), "records", s.records],
                  ...Object.entries(s.statuses).map(([k, v]) => [t(k), "status:" + k, v])];
    for (const [label, measure, value] of rows) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = label;
      const td = document.createElement("td");
      td.className = "n";
      td.dataset.measure = measure;
      td.textContent = value;
      tr.append(th, td);
      $("counts").appendChild(tr);
    }
    $("report").srcdoc = result.data.html;
  }

  async function diffKind() {
    const kind = $("diff-kind").value;
    $("diff-file").hidden = kind !== "file";
    $("diff-version").hidden = kind !== "revision";
    if (kind !== "revision" || revisionsLoaded) return;
    const pick = $("diff-revision");
    pick.textContent = "";
    const result = await api("/api/revisions");
    if (result.status !== 200) {
      pick.appendChild(new Option(t("(no earlier versions)"), ""));
      showError(result);
      return;
    }
    revisionsLoaded = true;
    if (!result.data.revisions.length) pick.appendChild(new Option(t("(no earlier versions)"), ""));
    for (const r of result.data.revisions)
      pick.appendChild(new Option(`${r.short} ${r.date} ${r.author}: ${r.subject}`, r.commit));
  }

  async function diff() {
    say("");
    const kind = $("diff-kind").value;
    const body = {text: editor.getText()};
    if (kind === "file") body.against = $("diff-against").value.trim() || null;
    if (kind === "revision") {
      if (!$("diff-revision").value) { say(t("(no earlier versions)")); return; }
      body.revision = $("diff-revision").value;
    }
    $("diff-text").textContent = t("comparing…");
    const result = await api("/api/diff", body);
    if (result.status !== 200) { $("diff-text").textContent = ""; showError(result); return; }
    $("diff-text").textContent = result.data.text;
  }

  async function format() {
    const result = await api("/api/format", {text: editor.getText()});
    if (result.status !== 200) { showError(result); return; }
    if (result.data.text !== editor.getText()) editor.setText(result.data.text);
  }

  async function save() {
    let path = state.rulebook;
    if (!path) {
      path = window.prompt(t("Save the new rulebook as (a path on this computer):"), "new.rules");
      if (!path) return;
    }
    const text = editor.getText();
    let result = await api("/api/save", {text, path});
    if (result.status === 409 && result.data.needs_confirmation) {
      showDiagnostics(result.data.diagnostics, false);
      if (!window.confirm(result.data.error)) { say(t("not saved")); return; }
      result = await api("/api/save", {text, path, force: true});
    }
    if (result.status !== 200) { showError(result); return; }
    state.rulebook = result.data.rulebook;
    $("file").textContent = state.rulebook;
    if (result.data.text !== editor.getText()) editor.setText(result.data.text);
    say(result.data.message, true);
  }

  function showTab(name) {
    for (const button of document.querySelectorAll("[data-tab]"))
      button.setAttribute("aria-selected", String(button.dataset.tab === name));
    for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.id !== "tab-" + name;
  }

  async function start() {
    const result = await api("/api/state");
    if (result.status !== 200) { showError(result); return; }
    state = result.data;
    words = state.words || {};
    document.documentElement.lang = state.lang;
    for (const el of document.querySelectorAll("[data-word]")) el.textContent = t(el.dataset.word);
    for (const el of document.querySelectorAll("[data-title-word]")) el.title = t(el.dataset.titleWord);
    $("file").textContent = state.rulebook || t("new rulebook (not saved yet)");
    $("run-data").value = state.data || "";
    $("diff-against").value = state.rulebook || "";
    editor = SrgEditor.createEditor($("editor"), {doc: state.text, words: state, onChange: onEdit});
    window.srgStudio = {getText: editor.getText, setText: editor.setText};  // for tests and tools
    $("format").addEventListener("click", format);
    $("save").addEventListener("click", save);
    $("run").addEventListener("click", run);
    $("diff").addEventListener("click", diff);
    $("diff-kind").addEventListener("change", diffKind);
    $("record-pick").addEventListener("change", pickRecord);
    for (const button of document.querySelectorAll("[data-tab]"))
      button.addEventListener("click", () => showTab(button.dataset.tab));
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
    });
    await check();
    await loadRecords();
    document.body.dataset.ready = "1";
  }

  start();
})();
