"""The studio on HTTP: a Flask app over :class:`~srg_rules.studio.api.Studio`, served on
127.0.0.1 only.

Place in the pipeline: a surface (``srg-rules studio``). Input: HTTP requests from the page
(``static/``) or another tool; output: JSON answers (docs/studio.md) and the page's files.

Flask rather than Starlette + uvicorn: every stage of srg-rules is synchronous and CPU-bound,
so an async framework buys nothing; Flask's threaded server (werkzeug) answers a quick check
while a long analysis runs in another thread; ``make_server`` binds the port before the
address is printed, so a port in use is a message, not a log line from a server thread; and
its test client needs no further package.

No request can end the server or show a traceback: :class:`~srg_rules.studio.api.ApiError`
is the CLI's message with a status, and anything else is logged on the terminal and answered
with a short message (status 500). A Content-Security-Policy allows nothing from another
origin, so the page can load nothing from the network.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
import threading
import traceback
import webbrowser
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, make_server

from ..i18n import gettext as _
from ..i18n import speaking
from ..records import InputError, open_records
from .api import ApiError, Studio

__all__ = ["StudioError", "create_app", "serve"]

HOST = "127.0.0.1"
POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "frame-src 'self' about: data:; connect-src 'self'; object-src 'none'; "
          "base-uri 'none'; form-action 'none'")
STATIC = ("index.html", "app.js", "app.css", "editor.js", "LICENSES.txt")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


class StudioError(Exception):
    """The studio cannot start (a port in use); ``str()`` is the message for the user."""


def create_app(studio: Studio) -> Flask:
    """The web app of one studio session."""
    app = Flask("srg_rules.studio", static_folder=None)
    assert isinstance(app.json, DefaultJSONProvider)  # Flask's own, unless an app sets another
    app.json.sort_keys = False

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(_("the request's body is not a JSON object"))
        return data

    def text_of(data: dict[str, Any]) -> str:
        text = data.get("text")
        if not isinstance(text, str):
            raise ApiError(_("the request has no 'text' (the rulebook's text)"))
        return text

    def optional(data: dict[str, Any], name: str) -> str | None:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ApiError(_("'{name}' must be a text").format(name=name))
        return value or None

    @app.get("/")
    def index() -> Response:
        return _static("index.html")

    @app.get("/static/<name>")
    def static_file(name: str) -> Response:
        if name not in STATIC:
            raise ApiError(_("no such file: {name}").format(name=name), 404)
        return _static(name)

    @app.get("/api/state")
    def state() -> Any:
        return jsonify(studio.state())

    @app.get("/api/keywords")
    def keywords() -> Any:
        return jsonify(studio.keywords())

    @app.post("/api/check")
    def check() -> Any:
        return jsonify(studio.check(text_of(body())))

    @app.post("/api/analyse")
    def analyse() -> Any:
        return jsonify(studio.analyse(text_of(body())))

    @app.post("/api/format")
    def format_() -> Any:
        return jsonify(studio.format(text_of(body())))

    @app.post("/api/records")
    def records() -> Any:
        data = body()
        offset = data.get("offset", 0)
        if not isinstance(offset, int) or offset < 0:
            raise ApiError(_("'offset' must be a whole number, 0 or more"))
        return jsonify(studio.records(optional(data, "data"), offset))

    @app.post("/api/explain")
    def explain() -> Any:
        data = body()
        return jsonify(studio.explain(text_of(data), data.get("record")))

    @app.post("/api/run")
    def run() -> Any:
        data = body()
        return jsonify(studio.run(text_of(data), optional(data, "data")))

    @app.get("/api/revisions")
    def revisions() -> Any:
        return jsonify(studio.revisions())

    @app.post("/api/diff")
    def diff() -> Any:
        data = body()
        return jsonify(studio.diff(text_of(data), optional(data, "against"),
                                   optional(data, "data"), optional(data, "revision")))

    @app.post("/api/save")
    def save() -> Any:
        data = body()
        return jsonify(studio.save(text_of(data), optional(data, "path"),
                                   bool(data.get("force", False))))

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Any:
        return jsonify({"error": str(error), **error.data}), error.status

    @app.errorhandler(InputError)
    def input_error(error: InputError) -> Any:
        # A data file that cannot be read (as a whole, or its header): the CLI's message.
        return jsonify({"error": str(error)}), 422

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        return jsonify({"error": f"{error.code} {error.name}"}), error.code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        # A bug, not bad input: the terminal gets the traceback, the page a short message.
        traceback.print_exception(error, file=sys.stderr)
        message = _("something went wrong in the studio: {error}").format(
            error=f"{type(error).__name__}: {error}")
        return jsonify({"error": message}), 500

    # Every word of an answer (messages, diagnostics, explanations, the report) in the
    # studio's language, whatever the process's: each request is worked in a
    # ``speaking(studio.lang)`` block.
    inner = app.wsgi_app

    def speaking_app(environ: Any, start_response: Any) -> Any:
        with speaking(studio.lang):
            return inner(environ, start_response)

    app.wsgi_app = speaking_app  # type: ignore[method-assign]

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    return app


def _static(name: str) -> Response:
    data = resources.files("srg_rules.studio").joinpath("static", name).read_bytes()
    return Response(data, content_type=TYPES[Path(name).suffix])


def start(studio: Studio, port: int = 0) -> BaseWSGIServer:
    """A server for ``studio`` bound to 127.0.0.1 (``port`` 0: a free one), not yet serving.

    Raises:
        StudioError: the port is in use (or may not be used).
    """
    with speaking(studio.lang):
        return _start(studio, port)


def _start(studio: Studio, port: int) -> BaseWSGIServer:
    if not 0 <= port <= 65535:
        raise StudioError(_("--port {port}: a port is a number from 1 to 65535 (0 or none: a "
                            "free one)").format(port=port))
    # Bound here, not by werkzeug, which answers a port in use by exiting the process.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError as error:
        sock.close()
        if error.errno in (errno.EADDRINUSE, errno.EACCES):
            raise StudioError(_("port {port} is in use: choose another with --port, or leave "
                                "it out for a free one").format(port=port)) from None
        raise StudioError(_("cannot listen on {address} ({reason})").format(
            address=f"{HOST}:{port}", reason=error.strerror)) from None
    server = make_server(HOST, port, create_app(studio), threaded=True, fd=sock.fileno())
    # keeps the socket (and its descriptor) alive with the server (an attribute of our own)
    server.bound_socket = sock  # type: ignore[attr-defined]
    return server


def serve(rulebook: str | None, data: str | None, *, port: int = 0, open_browser: bool = False,
          lang: str = "en") -> int:
    """``srg-rules studio``: serve until interrupted; prints the address first.

    Raises:
        StudioError: the rulebook is a folder, the data file cannot be read (the message of
            ``srg-rules run`` for it), or the port is in use.
    """
    with speaking(lang):
        if rulebook is not None and Path(rulebook).is_dir():
            raise StudioError(_("{path}: is a directory, not a rulebook").format(path=rulebook))
        if data is not None:
            try:
                open_records(data)
            except InputError as error:
                raise StudioError(str(error)) from None
    server = start(Studio(rulebook, data, lang), port)
    # Each request on the terminal is noise for the person who started the studio; faults
    # are still printed (see ``unexpected`` in create_app).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    address = f"http://{HOST}:{server.socket.getsockname()[1]}/"
    with speaking(lang):
        print("srg-rules studio: " + _("{address}  (Ctrl+C stops it)").format(address=address),
              flush=True)
    if open_browser:
        threading.Timer(0.3, webbrowser.open, (address,)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    with speaking(lang):
        print("srg-rules studio: " + _("stopped"), file=sys.stderr)
    return 0
