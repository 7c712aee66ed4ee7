"""Languages: which keyword set a rulebook is written in, English or Dutch, and mixing them.

Place in the pipeline: part of parsing (:mod:`srg_rules.grammar` calls it on the keyword tokens
the lexer met). Input: the keyword tokens of a parse, each with its terminal and the word as
written. Output: the rulebook's language (``en`` or ``nl``) and a ``mixed_languages`` error for
every keyword of the other language.

A file is in one language, told by its first keyword that belongs to one language only (words
both share, such as ``in``, ``is``, ``type`` or ``week``, tell nothing); a file without such a
keyword is English. Each file of a ``use`` has its own language: a Dutch rulebook may use an
English one and the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic
from .i18n import N_
from .i18n import gettext as _
from .keywords import DUTCH, ENGLISH, WORDS, counterpart, language_of_word
from .source import SourceFile, Span

if TYPE_CHECKING:  # the tokens come from Lark's lexer; guessing a language needs no Lark
    from lark import Token

__all__ = ["NAMES", "guess_language", "language_errors"]

NAMES = {ENGLISH: "English", DUTCH: "Dutch"}

# Whole sentences per pair of languages, so that each translates as a sentence.
_MIXED = {
    (ENGLISH, DUTCH): N_("'{word}' is an English keyword in a rulebook written in Dutch"),
    (DUTCH, ENGLISH): N_("'{word}' is a Dutch keyword in a rulebook written in English"),
}
_FIRST = {
    ENGLISH: N_("the first keyword, '{word}', is English"),
    DUTCH: N_("the first keyword, '{word}', is Dutch"),
}

_STARTS = {language: {row[index] for row in WORDS if row[index] is not None
                      and row[0] in ("_RULEBOOK", "_USE", "_FIELD", "_OUTPUT", "_RULES",
                                     "_DEFINE", "RULE_VERB", "INCLUDE_NL", "EXCLUDE_NL",
                                     "_TRAJECTORY", "_ACTIVITIES", "_UNIQUE", "_EXPECT")}
           for language, index in ((ENGLISH, 1), (DUTCH, 2))}
_LINE_START = re.compile(r"^[ \t]*([A-Za-z_]+)", re.MULTILINE)


def guess_language(text: str) -> str:
    """The language of a text that may not parse, from the words its lines start with.

    >>> guess_language("veld c: code {a}\\nsluit uit als c = a\\n"), guess_language("")
    ('nl', 'en')
    """
    counts = {ENGLISH: 0, DUTCH: 0}
    for match in _LINE_START.finditer(text):
        word = match.group(1)
        for language in counts:
            if word in _STARTS[language] and word not in _STARTS[_other(language)]:
                counts[language] += 1
    return DUTCH if counts[DUTCH] > counts[ENGLISH] else ENGLISH


def _token_span(source: SourceFile, token: Token) -> Span:
    # The lexer sets both offsets of every token; Lark types them optional for hand-made ones.
    start = token.start_pos or 0
    return Span(source, start, token.end_pos if token.end_pos is not None else start + len(token))


def _other(language: str) -> str:
    return DUTCH if language == ENGLISH else ENGLISH


def language_errors(source: SourceFile,
                    tokens: Iterable[Token]) -> tuple[str, list[Diagnostic]]:
    """The language of a parsed rulebook and an error for each keyword of the other one.

    >>> from lark import Token
    >>> src = SourceFile("x.rules", "include when a of b")
    >>> tokens = [Token("RULE_VERB", "include", 0), Token("_WHEN", "when", 8),
    ...           Token("_OR", "of", 15)]
    >>> language, [error] = language_errors(src, tokens)
    >>> language, error.code, error.help
    ('en', 'mixed_languages', "write 'or'; srg-rules fmt --keywords en translates a whole file")
    """
    language = None
    first: Token | None = None
    errors = []
    for token in tokens:
        if token.type == "COMMENT":
            continue
        said = language_of_word(token.type, str(token))
        if said is None:
            continue
        if language is None:
            language, first = said, token
            continue
        if said != language:
            assert first is not None  # set together with language, by the first keyword
            word = " ".join(str(token).split())
            other = counterpart(token.type, word)
            translates = _("srg-rules fmt --keywords {language} translates a whole file").format(
                language=language)
            errors.append(Diagnostic(
                "mixed_languages",
                _(_MIXED[said, language]).format(word=word),
                _token_span(source, token),
                help=(_("write '{word}'; {rest}").format(word=other, rest=translates) if other
                      else translates),
                related=((_(_FIRST[language]).format(word=first),
                          _token_span(source, first)),),
            ))
    return language or ENGLISH, errors
