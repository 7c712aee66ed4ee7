"""Parsing: rulebook text -> Lark parse tree, or syntax diagnostics.

Input: a :class:`~srg_rules.source.SourceFile`. Output: a Lark tree for
:mod:`srg_rules.lower`, plus every syntax error as a :class:`Diagnostic`. This module is the
boundary where Lark's exceptions become diagnostics; none escapes it.

The grammar file is ``grammar/rulebook.lark`` at the top of the repository, shipped inside the
package by the build (see pyproject.toml); it is loaded once per process.

To report *every* syntax error rather than the first, a failed parse is retried statement by
statement: each statement starts with its own keyword at the start of a line, so the text is
cut there and each piece parsed with everything else blanked out (offsets, and so lines and
columns, stay true).

One Lark parser object serves every use (rulebooks, lone conditions, the formatter). The
grammar ignores ``# ...`` comments, and a lexer callback on the COMMENT terminal is the only
way to see an ignored token while the contextual lexer runs; the callback is fixed when the
parser is built (or loaded from its cache), so it writes into a sink that
:func:`parse_tree_and_comments` sets for the one parse that asks, per thread and per task
(a :class:`~contextvars.ContextVar`). Concurrent parses never see each other's comments.
"""

from __future__ import annotations

import hashlib
import os
import re
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .depth import too_deep_tree
from .diagnostics import Diagnostic
from .source import SourceFile, Span

__all__ = ["grammar_text", "parse_condition_tree", "parse_tree", "parse_tree_and_comments"]

_GRAMMAR_NAME = "rulebook.lark"

# Human names for the grammar's regular-expression terminals; keyword and symbol terminals are
# shown as written.
_TERMINAL_NAMES = {
    "NAME": "a name",
    "STRING": 'a quoted text ("...")',
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "RULE_VERB": "'reject', 'include', 'exclude' or 'warn'",
    "STATUS_WORD": "'included', 'excluded' or 'rejected'",
    "OPTIONAL": "'optional'",
    "$END": "the end of the file",
}

_STATEMENT_KEYWORDS = (
    "rulebook", "use", "field", "output", "rules", "define", "reject", "include", "exclude",
    "warn", "classify", "trajectory", "activities", "unique", "expect",
)
_STATEMENT_START = re.compile(r"^[ \t]*(?:%s)\b" % "|".join(_STATEMENT_KEYWORDS), re.MULTILINE)


def grammar_text() -> str:
    """The grammar, from the installed package or, in a source checkout, from ``grammar/``."""
    packaged = resources.files("srg_rules").joinpath("grammar", _GRAMMAR_NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parent.parent / "grammar" / _GRAMMAR_NAME
    return checkout.read_text(encoding="utf-8")


# The comment tokens of the parse under way, when its caller asked for them (else None).
_comment_sink: ContextVar[list[Token] | None] = ContextVar("srg_rules_comments", default=None)


def _collect_comment(token: Token) -> Token:
    sink = _comment_sink.get()
    if sink is not None:
        sink.append(token)
    return token


@lru_cache(maxsize=1)
def _parser() -> Lark:
    cache = parser_cache_path("rulebook")
    # cache_grammar keeps .grammar on a parser loaded from the cache (from_lark needs it).
    cached = {"cache": cache, "cache_grammar": True} if cache is not None else {}
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=["start", "lone_condition"],
        propagate_positions=True,
        maybe_placeholders=True,
        # Not part of the cached tables (Lark leaves callbacks out of the cache key and
        # passes them again on load), so a cache file serves with and without it.
        lexer_callbacks={"COMMENT": _collect_comment},
        **cached,
    )


def parser_cache_path(name: str) -> str | None:
    """Where Lark may keep a built parser between runs (building the LALR tables is most of the
    time it takes to load a rulebook), or None for no cache.

    The cache is a pickle, so it lives in the user's own cache folder (``$XDG_CACHE_HOME`` or
    ``~/.cache``), made private, never in a shared temporary folder where another user could
    plant one. Lark names it by a hash of the grammar and its own version and checks the hash
    on load. ``SRG_RULES_NO_CACHE=1`` turns it off.
    """
    if os.environ.get("SRG_RULES_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "srg-rules")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if os.stat(folder).st_uid != os.getuid() or not os.access(folder, os.W_OK):
            return None
    except (OSError, AttributeError):  # AttributeError: no getuid (Windows)
        return None
    digest = hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f"{name}-{digest}.lark")


def parse_tree(source: SourceFile) -> tuple[Tree | None, list[Diagnostic]]:
    """Parse a rulebook. Returns the tree (None when there were syntax errors) and diagnostics."""
    tree, _, diagnostics = parse_tree_and_comments(source)
    return tree, diagnostics


def parse_tree_and_comments(
    source: SourceFile,
) -> tuple[Tree | None, tuple[Span, ...], list[Diagnostic]]:
    """Parse a rulebook, and collect the spans of its ``# ...`` comments in the same pass.

    Returns the tree (None when there were syntax errors), the comments in source order (empty
    when there were syntax errors), and the diagnostics.

    >>> source = SourceFile("<doc>", "include when a  # why\\n# end\\n")
    >>> tree, comments, diagnostics = parse_tree_and_comments(source)
    >>> [span.text for span in comments], diagnostics
    (['# why', '# end'], [])
    """
    sink: list[Token] = []
    reset = _comment_sink.set(sink)
    try:
        tree = _parser().parse(source.text, start="start")
    except UnexpectedInput:
        tree = None
    finally:
        _comment_sink.reset(reset)
    if tree is not None:
        too_deep = too_deep_tree(tree, source)  # before any stage walks it recursively
        if too_deep:
            return None, (), too_deep
        return tree, tuple(Span(source, t.start_pos, t.end_pos) for t in sink), []
    return None, (), _syntax_errors(source)


def _syntax_errors(source: SourceFile) -> list[Diagnostic]:
    """Every syntax error of a text that does not parse, one statement at a time."""
    diagnostics: list[Diagnostic] = []
    for start, end in _statement_ranges(source.text):
        masked = _blank(source.text[:start]) + source.text[start:end]
        try:
            _parser().parse(masked, start="start")
        except UnexpectedInput as error:
            diagnostics.append(_to_diagnostic(error, source, end))
    if not diagnostics:
        # The whole failed but every piece parsed: the pieces were cut in the wrong places
        # (a keyword at a line start that belongs to the previous statement). Report the
        # whole-file error, which is then the true one.
        try:
            _parser().parse(source.text, start="start")
        except UnexpectedInput as error:
            diagnostics.append(_to_diagnostic(error, source, len(source.text)))
    return diagnostics


def parse_condition_tree(source: SourceFile) -> tuple[Tree | None, list[Diagnostic]]:
    """Parse a condition on its own (the text after ``when``)."""
    try:
        tree = _parser().parse(source.text, start="lone_condition")
    except UnexpectedInput as error:
        return None, [_to_diagnostic(error, source, len(source.text))]
    too_deep = too_deep_tree(tree, source)
    return (None, too_deep) if too_deep else (tree, [])


def _statement_ranges(text: str) -> list[tuple[int, int]]:
    starts = [m.start() for m in _STATEMENT_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ends = starts[1:] + [len(text)]
    return list(zip(starts, ends))


def _blank(text: str) -> str:
    return "".join("\n" if ch == "\n" else " " for ch in text)


def _expected(terminals: set[str] | frozenset[str]) -> str:
    parser = _parser()
    by_name = {t.name: t for t in parser.terminals}
    words = set()
    for name in terminals:
        if name in _TERMINAL_NAMES:
            words.add(_TERMINAL_NAMES[name])
        elif name in by_name and by_name[name].pattern.type == "str":
            words.add(f"'{by_name[name].pattern.value}'")
        else:
            words.add(name.lower())
    ordered = sorted(words)
    if len(ordered) > 6:
        ordered = ordered[:6] + ["..."]
    if len(ordered) == 1:
        return ordered[0]
    return ", ".join(ordered[:-1]) + " or " + ordered[-1]


def _to_diagnostic(error: UnexpectedInput, source: SourceFile, piece_end: int) -> Diagnostic:
    text = source.text
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream
        char = text[offset] if offset < len(text) else ""
        help_ = _help_for_character(text, offset)
        if char == '"':
            return Diagnostic(
                "parse_unterminated_text",
                "quoted text is not closed on its line",
                Span(source, offset, offset + 1),
                help='add the closing " on the same line',
            )
        return Diagnostic(
            "parse_unexpected_character",
            f"unexpected character {char!r}",
            Span(source, offset, offset + 1),
            help=help_ or (f"expected {_expected(error.allowed)}" if error.allowed else None),
        )
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        offset = _last_non_space(text, piece_end)
        start = offset
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        expected = error.expected
        if isinstance(error, UnexpectedToken) and error.interactive_parser is not None:
            # The table's set is a merged state's (LALR): ask which tokens really go on.
            expected = error.interactive_parser.accepts() - {"$END"} or expected
        return Diagnostic(
            "parse_unexpected_end",
            "the statement ends too soon",
            Span(source, start, offset + 1),
            help=f"expected {_expected(expected)} after this",
        )
    assert isinstance(error, UnexpectedToken)
    token: Token = error.token
    start = token.start_pos if token.start_pos is not None else 0
    end = token.end_pos if token.end_pos is not None else start + 1
    return Diagnostic(
        "parse_unexpected_token",
        f"unexpected {_describe_token(token)}",
        Span(source, start, max(end, start + 1)),
        help=_help_for_token(text, token, error.expected) or f"expected {_expected(error.expected)}",
    )


def _describe_token(token: Token) -> str:
    if token.type in ("NAME", "RULE_VERB", "STATUS_WORD", "OPTIONAL") or token.value.isalpha():
        return f"word '{token.value}'"
    if token.type == "STRING":
        return f"text {token.value}"
    if token.type in ("NUMBER", "DATE"):
        return f"{_TERMINAL_NAMES[token.type].split(' (')[0][2:]} {token.value}"
    return f"'{token.value}'"


def _last_non_space(text: str, end: int) -> int:
    offset = min(end, len(text)) - 1
    while offset > 0 and text[offset].isspace():
        offset -= 1
    # Comments are blank as far as the parser is concerned; point at code, not at a comment.
    line_start = text.rfind("\n", 0, offset) + 1
    hash_at = text.find("#", line_start, offset + 1)
    if hash_at != -1 and text[line_start:hash_at].strip():
        offset = hash_at - 1
        while offset > line_start and text[offset].isspace():
            offset -= 1
    return max(offset, 0)


def _help_for_token(text: str, token: Token, expected: set[str]) -> str | None:
    """Name the common mistakes (cf. Lark's ``match_examples``) instead of listing terminals."""
    value = token.value
    start = token.start_pos or 0
    if value == "=" and start > 0 and text[start - 1] in "=!<>":
        return "compare with a single '=' (or '!=', '<=', '>=')"
    if value in ("==",):
        return "compare with a single '='"
    if token.type == "NAME" and "WHEN" in expected and value.lower() in ("if", "als", "wanneer"):
        return "rules use 'when' before their condition"
    if token.type == "NAME" and value.lower() in ("en", "of", "niet"):
        return "conditions use 'and', 'or' and 'not'"
    if "WHEN" in expected and value == "as":
        return ("only a classify rule gives a type ('classify NAME as CODE when ...'); "
                "a reject, include, exclude or warn rule has a name, then 'when'")
    if "WHEN" in expected and token.type == "NAME":
        return "a rule has at most one name, then 'when' and its condition"
    if "WHEN" in expected:
        return "the condition comes after 'when', e.g. exclude when category = taal"
    if value == "{" and "NAME" in expected:
        return "a list of values follows 'in' or a field's type 'code'"
    return None


def _help_for_character(text: str, offset: int) -> str | None:
    pair = text[offset : offset + 2]
    if pair == "&&":
        return "write 'and' instead of '&&'"
    if pair == "||":
        return "write 'or' instead of '||'"
    if text[offset] == "'":
        return 'quote text with double quotes: "..."'
    if text[offset] == "!":
        return "write 'not' to negate a condition, or '!=' for 'not equal'"
    if text[offset] == "-":
        return "names use letters, digits and '_' ('-' is not allowed)"
    return None
