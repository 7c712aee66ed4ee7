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
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .depth import too_deep_tree
from .diagnostics import Diagnostic
from .source import SourceFile, Span
from .keywords import KEYWORDS, STATEMENT_STARTS, keyword_words
from .languages import guess_language, language_errors
from .syntax_errors import character_offset, to_diagnostic

__all__ = ["grammar_text", "parse_condition_tree", "parse_tree", "parse_tree_and_comments",
           "parse_tree_comments_and_language", "recover"]

_GRAMMAR_NAME = "rulebook.lark"

_STATEMENT_KEYWORDS = tuple(keyword_words(STATEMENT_STARTS))
_STATEMENT_START = re.compile(r"^[ \t]*(?:%s)(?![A-Za-z0-9_])" % "|".join(_STATEMENT_KEYWORDS),
                              re.MULTILINE)


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
        lexer_callbacks={name: _collect_comment for name in ("COMMENT", "UNIT", *KEYWORDS)},
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


def parse_tree(source: SourceFile) -> tuple[Tree[Token] | None, list[Diagnostic]]:
    """Parse a rulebook. Returns the tree (None when there were syntax errors) and diagnostics."""
    tree, _, diagnostics = parse_tree_and_comments(source)
    return tree, diagnostics


def parse_tree_and_comments(
    source: SourceFile,
) -> tuple[Tree[Token] | None, tuple[Span, ...], list[Diagnostic]]:
    """Parse a rulebook, and collect the spans of its ``# ...`` comments in the same pass.

    Returns the tree (None when there were syntax errors), the comments in source order (empty
    when there were syntax errors), and the diagnostics.

    >>> source = SourceFile("<doc>", "include when a  # why\\n# end\\n")
    >>> tree, comments, diagnostics = parse_tree_and_comments(source)
    >>> [span.text for span in comments], diagnostics
    (['# why', '# end'], [])
    """
    tree, comments, _, diagnostics = parse_tree_comments_and_language(source)
    return tree, comments, diagnostics


def parse_tree_comments_and_language(
    source: SourceFile,
) -> tuple[Tree[Token] | None, tuple[Span, ...], str, list[Diagnostic]]:
    """Like :func:`parse_tree_and_comments`, and the language of the rulebook's keywords
    (``en`` or ``nl``, see :mod:`srg_rules.keywords`); a rulebook that mixes the two is an
    error (``mixed_languages``) at the first keyword of the other language.

    >>> tree, _, language, errors = parse_tree_comments_and_language(
    ...     SourceFile("<doc>", "sluit uit als a en b"))
    >>> language, errors
    ('nl', [])
    """
    tree, tokens = _parse_collecting(source.text)
    if tree is None:
        return None, (), guess_language(source.text), _syntax_errors(source)
    too_deep = too_deep_tree(tree, source)  # before any stage walks it recursively
    if too_deep:
        return None, (), guess_language(source.text), too_deep
    language, mixed = language_errors(source, tokens)
    if mixed:
        return None, (), language, mixed
    # the lexer sets both offsets of every token (Lark types them optional for hand-made ones)
    comments = tuple(Span(source, t.start_pos or 0, t.end_pos or 0)
                     for t in tokens if t.type == "COMMENT")
    return tree, comments, language, []


def _parse_collecting(text: str) -> tuple[Tree[Token] | None, list[Token]]:
    """Parse, collecting the comment and keyword tokens the lexer meets on the way."""
    sink: list[Token] = []
    reset = _comment_sink.set(sink)
    try:
        tree = _parser().parse(text, start="start")
    except UnexpectedInput:
        tree = None
    finally:
        _comment_sink.reset(reset)
    return tree, sink


def _syntax_errors(source: SourceFile) -> list[Diagnostic]:
    """Every syntax error of a text that does not parse, one statement at a time."""
    return recover(source)[1]


def recover(source: SourceFile
            ) -> tuple[Tree[Token] | None, list[Diagnostic], list[tuple[int, int]]]:
    """For a text that does not parse: the tree of the statements that do, every syntax error,
    and the ranges of text left out (the statements that do not parse).

    The text is cut where statements start (a statement keyword at the start of a line); a
    piece that does not parse is cut again at its lines that start in the first column with a
    word that cannot continue a statement (a misspelt keyword such as ``exlcude`` starts no
    piece of its own at first). Each piece is parsed with everything else blanked out, so
    offsets, and so lines and columns, stay true. The tree is that of the whole text with the
    pieces that did not parse blanked out (None when even that does not parse: the pieces were
    cut in the wrong places).

    >>> tree, errors, skipped = recover(SourceFile("<doc>", "exlcude when a\\ninclude when b\\n"))
    >>> [d.help for d in errors], skipped, tree is not None
    (["did you mean 'exclude'?"], [(0, 15)], True)
    """
    text = source.text
    diagnostics: list[Diagnostic] = []
    skipped: list[tuple[int, int]] = []
    for start, end in _statement_ranges(text):
        _recover_piece(source, start, end, diagnostics, skipped)
    if not diagnostics:
        # The whole failed but every piece parsed: the pieces were cut in the wrong places
        # (a keyword at a line start that belongs to the previous statement), or it parses
        # and mixes languages. Report the whole-file error, which is then the true one.
        try:
            _parser().parse(text, start="start")
        except UnexpectedInput as error:
            diagnostics.append(_to_diagnostic(error, source, len(text)))
            return None, diagnostics, [(0, len(text))]
    kept = text
    for a, b in skipped:
        kept = kept[:a] + _blank(kept[a:b]) + kept[b:]
    tree, tokens = _parse_collecting(kept)
    if tree is not None:
        diagnostics.extend(language_errors(source, tokens)[1])
    return tree, diagnostics, skipped


def _recover_piece(source: SourceFile, start: int, end: int, diagnostics: list[Diagnostic],
                   skipped: list[tuple[int, int]]) -> None:
    text = source.text
    position = start
    while position < end:
        if _parses(text, position, end):
            return
        masked = _blank(text[:position]) + text[position:end]
        try:
            _parser().parse(masked, start="start")
            return
        except UnexpectedInput as error:
            at = _offset_of(error, end)
            line_start = text.rfind("\n", 0, at) + 1
            if position < line_start == at and _starts_piece(text, line_start):
                # The error is the first word of a line: most likely a statement of its own
                # (a misspelt keyword). Parse what comes before it alone.
                if _parses(text, position, line_start):
                    position = line_start
                    continue
            diagnostics.append(_to_diagnostic(error, source, end))
            following = _next_piece_start(text, max(at, position) + 1, end)
            skipped.append((position, following))
            position = following


def _parses(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` parses on its own (positions do not matter here, so the
    text before it is not blanked in: most pieces parse, and each parse stays short)."""
    try:
        _parser().parse(text[start:end], start="start")
    except UnexpectedInput:
        return False
    return True


def _offset_of(error: UnexpectedInput, end: int) -> int:
    if isinstance(error, UnexpectedCharacters):
        return character_offset(error)
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        token: Token = error.token
        return token.start_pos or 0
    return end


# Words a continuation line starts with: such a line never starts a statement of its own.
_CONTINUATIONS = frozenset({"and", "or", "not", "because", "valid", "yields", "combine", "when",
                            "as", "until", "from", "in", "is", "en", "of", "niet", "omdat",
                            "geldig", "levert", "combineer", "als", "tot", "van", "op", "uit",
                            "ontbreekt", "voldoet", "matches"})


def _starts_piece(text: str, line_start: int) -> bool:
    """Whether a line may start a statement: in the first column, with a word that cannot
    continue the statement before."""
    match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[line_start:])
    return match is not None and match.group(0) not in _CONTINUATIONS


def _next_piece_start(text: str, offset: int, end: int) -> int:
    line_start = text.find("\n", offset - 1)
    while line_start != -1 and line_start + 1 < end:
        if _starts_piece(text, line_start + 1):
            return line_start + 1
        line_start = text.find("\n", line_start + 1)
    return end


def parse_condition_tree(source: SourceFile) -> tuple[Tree[Token] | None, list[Diagnostic]]:
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


def _to_diagnostic(error: UnexpectedInput, source: SourceFile, piece_end: int) -> Diagnostic:
    return to_diagnostic(error, source, piece_end, _symbols())


@lru_cache(maxsize=1)
def _symbols() -> dict[str, str]:
    """The grammar's punctuation terminals and the text each stands for (`LPAR` -> `(`)."""
    return {t.name: t.pattern.value for t in _parser().terminals if t.pattern.type == "str"}
