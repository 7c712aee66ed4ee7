"""``srg-rules studio``: a rulebook's editor, checker, record form, run and diff in the
browser, served on 127.0.0.1.

- :mod:`.api`: what each request does (no web), the CLI's messages for bad input;
- :mod:`.server`: the Flask app and the server (``serve``);
- :mod:`.keywords`: the language's words from the grammar, for highlighting;
- :mod:`.revisions`: a rulebook's earlier versions from git, for the diff;
- ``static/``: the page (``index.html``, ``app.js``, ``app.css``) and the editor bundle
  (``editor.js``: CodeMirror 6 from the npm registry, built from ``studio/web/`` with esbuild,
  its licences in ``LICENSES.txt``).

docs/studio.md documents the JSON API.
"""
