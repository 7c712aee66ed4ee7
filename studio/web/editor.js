// The studio's editor: CodeMirror 6 with a stream mode for the rulebook language. The keyword
// lists come from the server (GET /api/keywords, read from the grammar), so every keyword the
// parser knows is highlighted, in each language the grammar has.
import {basicSetup} from "codemirror";
import {EditorView, keymap} from "@codemirror/view";
import {EditorState} from "@codemirror/state";
import {StreamLanguage} from "@codemirror/language";
import {setDiagnostics, lintGutter} from "@codemirror/lint";
import {indentWithTab} from "@codemirror/commands";

function rulebookMode(words) {
  const keywords = new Set(words.keywords || []);
  const functions = new Set(words.functions || []);
  const types = new Set(words.types || []);
  return {
    name: "srg-rules",
    token(stream) {
      if (stream.eatSpace()) return null;
      if (stream.match("#")) { stream.skipToEnd(); return "comment"; }
      if (stream.match(/^"([^"\\]|\\.)*"?/)) return "string";
      if (stream.match(/^\d{4}-\d{2}-\d{2}/)) return "number";
      if (stream.match(/^-?\d+(\.\d+)?/)) return "number";
      const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/);
      if (word) {
        const text = word[0];
        if (keywords.has(text)) return "keyword";
        if (types.has(text)) return "typeName";
        if (functions.has(text)) return "function";
        if (text === "true" || text === "false") return "bool";
        return "variableName";
      }
      if (stream.match(/^(<=|>=|!=|[=<>])/)) return "operator";
      stream.next();
      return "punctuation";
    },
    languageData: {commentTokens: {line: "#"}},
  };
}

export function createEditor(parent, {doc = "", words = {}, onChange = () => {}} = {}) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        keymap.of([indentWithTab]),
        StreamLanguage.define(rulebookMode(words)),
        lintGutter(),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
        EditorView.theme({"&": {height: "100%"}, ".cm-scroller": {fontFamily: "ui-monospace, monospace"}}),
      ],
    }),
  });
  return {
    view,
    getText: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}});
    },
    // items: [{from, to, severity: "error"|"warning", message}], offsets into the text
    setDiagnostics(items) {
      const length = view.state.doc.length;
      const clean = items.map((d) => ({
        from: Math.min(d.from, length), to: Math.min(Math.max(d.to, d.from), length),
        severity: d.severity, message: d.message,
      }));
      view.dispatch(setDiagnostics(view.state, clean));
    },
    goTo(offset) {
      const at = Math.min(offset, view.state.doc.length);
      view.dispatch({selection: {anchor: at}, scrollIntoView: true});
      view.focus();
    },
  };
}
