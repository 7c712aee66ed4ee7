"""Syntax errors: a Lark parse error -> a :class:`Diagnostic` a policy officer can act on.

Place in the pipeline: called by :mod:`srg_rules.grammar`, the boundary where Lark's exceptions
end. Input: Lark's error, the source, and the names of the grammar's symbol terminals. Output:
one diagnostic with the file, line and column, what was found, and help.

What can follow is computed from the parser's state at the error (the LALR interactive parser
is asked which terminals it really accepts there, not the merged state's table), and written in
words, in full: a new statement stands for all statement keywords at once, every other
possibility is listed. Common mistakes get a named help line instead: a misspelt keyword (did
you mean), a keyword glued to a name (``field_x``), a ``DD-MM-YYYY`` date, an unquoted label or
``because`` text, a missing comma in ``{a b}``, ``==``, ``&&``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import cast

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic
from .i18n import N_
from .i18n import gettext as _
from .languages import guess_language
from .keywords import (DUTCH, KEYWORDS, STATEMENT_STARTS, UNITS, closest, counterpart, keyword_words,
                       split_keyword_prefix)
from .source import SourceFile, Span

__all__ = ["expected_in_words", "to_diagnostic"]

# Human names for the grammar's regular-expression terminals that are not keywords (marked
# here, translated where shown; a unit's words are the file's own).
_TERMINAL_NAMES = {
    "NAME": N_("a name"),
    "STRING": N_('a quoted text ("...")'),
    "NUMBER": N_("a number"),
    "DATE": N_("a date (YYYY-MM-DD)"),
    "UNIT": N_("a unit ({units})"),
}


def _unit_words(words: Iterable[str], weeks: str) -> str:
    """Every unit word of one language, singular and plural (``week`` is both languages')."""
    return ", ".join(part for word in words
                     for part in (("week", word) if word == weeks else (word,)))


# From the keyword table, so that the help names each form a file may write (`1 maand`).
_UNIT_WORDS = {"en": _unit_words(UNITS.values(), "weeks"), "nl": _unit_words(UNITS, "weken")}

_WORD_TERMINALS = frozenset({"NAME", *KEYWORDS})
# The key under which the language of the text travels with the symbols (no terminal has it).
_LANGUAGE = " language"
_DMY = re.compile(r"\b(\d{1,2})([-/.])(\d{1,2})\2(\d{4})\b")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def expected_in_words(terminals: Collection[str], symbols: Mapping[str, str],
                      language: str | None = "en") -> str:
    """What may follow, in words and in full (never cut off).

    >>> expected_in_words({"_WHEN", "NAME"}, {})
    "'when' or a name"
    >>> expected_in_words({"_AND", "_OR", *STATEMENT_STARTS}, {})
    "'and', 'or' or a new statement"
    """
    names = set(terminals) - {"$END"}
    parts = []
    new_statement = set(STATEMENT_STARTS) <= names
    if new_statement:
        names -= set(STATEMENT_STARTS)
    parts += [f"'{word}'" for word in keyword_words(names, language)]
    parts += [_terminal_name(name, language) for name in _TERMINAL_NAMES if name in names]
    parts += sorted(f"'{symbols[name]}'" for name in names if name in symbols)
    parts += sorted(name.lower() for name in names
                    if name not in KEYWORDS and name not in _TERMINAL_NAMES and name not in symbols)
    if new_statement:
        parts.append(_("a new statement"))
    if "$END" in terminals and not new_statement:
        parts.append(_("the end of the file"))
    if not parts:
        return _("nothing more")
    if len(parts) == 1:
        return parts[0]
    return _("{some} or {last}").format(some=", ".join(parts[:-1]), last=parts[-1])


def _terminal_name(name: str, language: str | None) -> str:
    return _(_TERMINAL_NAMES[name]).format(units=_UNIT_WORDS.get(language or "en",
                                                                  _UNIT_WORDS["en"]))


def _keyword(terminal: str, english: str, language: str | None) -> str:
    """A keyword as the file writes it: ``english`` in an English file, its Dutch counterpart
    in a Dutch one."""
    if language == DUTCH:
        return counterpart(terminal, english) or english
    return english


def to_diagnostic(error: UnexpectedInput, source: SourceFile, piece_end: int,
                  symbols: Mapping[str, str]) -> Diagnostic:
    """The diagnostic for one Lark error; ``piece_end``: where the parsed piece of text ends."""
    text = source.text
    symbols = {**symbols, _LANGUAGE: guess_language(text)}
    date = _dmy_date(source, _error_offset(error))
    if date is not None:
        return date
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(error, source, symbols)
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        offset = _last_non_space(text, piece_end)
        start = offset
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        expected = error.expected
        if isinstance(error, UnexpectedToken) and error.interactive_parser is not None:
            # lark leaves InteractiveParser.accepts unannotated; it returns terminal names
            parser = error.interactive_parser
            accepted: set[str] = parser.accepts()  # type: ignore[no-untyped-call]
            expected = accepted - {"$END"} or expected
        return Diagnostic(
            "parse_unexpected_end",
            _("the statement ends too soon"),
            Span(source, start, offset + 1),
            help=_("expected {expected} after this").format(
                expected=expected_in_words(expected, symbols, symbols[_LANGUAGE])),
        )
    assert isinstance(error, UnexpectedToken)
    return _unexpected_token(error, source, symbols)


def character_offset(error: UnexpectedCharacters) -> int:
    """Where in the text the lexer met the character no terminal matches."""
    # Lark declares pos_in_stream = None on UnexpectedInput; UnexpectedCharacters always sets it
    # to the lexer's offset.
    return cast(int, error.pos_in_stream)


def _error_offset(error: UnexpectedInput) -> int | None:
    if isinstance(error, UnexpectedCharacters):
        return character_offset(error)
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        token: Token = error.token
        return token.start_pos
    return None


def _dmy_date(source: SourceFile, offset: int | None) -> Diagnostic | None:
    """``31-12-2024`` where the error is: the rulebook writes days as YYYY-MM-DD."""
    if offset is None:
        return None
    line_start = source.text.rfind("\n", 0, offset) + 1
    line_end = source.text.find("\n", offset)
    line = source.text[line_start : line_end if line_end != -1 else len(source.text)]
    for match in _DMY.finditer(line):
        start, end = line_start + match.start(), line_start + match.end()
        if start <= offset < end:
            day, _separator, month, year = match.groups()
            return Diagnostic(
                "parse_date_format",
                _("'{text}' is not a date as a rulebook writes it").format(text=match.group(0)),
                Span(source, start, end),
                help=_("write dates as YYYY-MM-DD: {date}").format(
                    date=f"{year}-{int(month):02d}-{int(day):02d}"),
            )
    return None


def _accepted(error: UnexpectedToken) -> set[str]:
    if error.interactive_parser is not None:
        try:
            # lark leaves InteractiveParser.accepts unannotated; it returns terminal names
            return set(error.interactive_parser.accepts())  # type: ignore[no-untyped-call]
        except Exception:  # noqa: BLE001 - fall back to the table's set; the message stays true
            pass
    return set(error.expected)


def _unexpected_token(error: UnexpectedToken, source: SourceFile,
                      symbols: Mapping[str, str]) -> Diagnostic:
    text = source.text
    token: Token = error.token
    start = token.start_pos if token.start_pos is not None else 0
    end = token.end_pos if token.end_pos is not None else start + 1
    span = Span(source, start, max(end, start + 1))
    expected = _accepted(error)
    message = _unexpected(token)
    language = symbols[_LANGUAGE]
    words = keyword_words(expected, language)
    if token.type in _WORD_TERMINALS:
        # A misspelt keyword, or a keyword glued to a name.
        glued = split_keyword_prefix(token.value, words)
        if glued is not None:
            keyword, rest = glued
            return Diagnostic(
                "parse_unexpected_token", message, span,
                help=_("did you mean '{keyword} {rest}'? A keyword is a word of its own").format(
                    keyword=keyword, rest=rest),
            )
        meant = closest(token.value, words)
        if meant is not None:
            return Diagnostic("parse_unexpected_token", message, span,
                              help=_("did you mean '{word}'?").format(word=meant))
        previous = _previous_word(text, start)
        if previous is not None and previous[0] not in words and "NAME" not in expected:
            # The word before was read as a name where a keyword was meant (`include whne c`).
            meant = closest(previous[0], words)
            if meant is not None:
                return Diagnostic(
                    "parse_unexpected_token",
                    _("unexpected word '{word}'").format(word=previous[0]),
                    Span(source, previous[1], previous[1] + len(previous[0])),
                    help=_("did you mean '{word}'?").format(word=meant),
                )
    help_ = _help_for_token(text, token, expected, language)
    if help_ is None:
        help_ = _("expected {expected}").format(
            expected=expected_in_words(expected, symbols, language))
    return Diagnostic("parse_unexpected_token", message, span, help=help_)


def _previous_word(text: str, offset: int) -> tuple[str, int] | None:
    before = text[:offset].rstrip()
    match = re.search(r"[A-Za-z_][A-Za-z0-9_]*\Z", before)
    if match is None:
        return None
    return match.group(0), match.start()


def _rest_of_line(text: str, offset: int) -> str:
    end = text.find("\n", offset)
    return text[offset : end if end != -1 else len(text)].split("#")[0].rstrip()


def _help_for_token(text: str, token: Token, expected: set[str],
                    language: str | None) -> str | None:
    """Name the common mistakes (cf. Lark's ``match_examples``) instead of listing terminals;
    keywords in the help are the file's own."""
    value = token.value
    start = token.start_pos or 0
    when = _keyword("_WHEN", "when", language)
    if value == "=" and start > 0 and text[start - 1] in "=!<>":
        return _("compare with a single '=' (or '!=', '<=', '>=')")
    if value == "==":
        return _("compare with a single '='")
    word = token.type in _WORD_TERMINALS
    if word and "STRING" in expected:
        return _unquoted_text_help(text, token, expected, language)
    if word and _inside_braces(text, start):
        return _in_braces_help(text, token, labels=False)
    if "_WHEN" in expected and value in ("as", _keyword("_AS", "as", language)):
        if language == DUTCH:
            return _("only a classify rule gives a type ('{example}'); a rule with another verb "
                     "has a name, then '{when}'").format(example="type NAAM is CODE als ...",
                                                         when=when)
        return _("only a classify rule gives a type ('{example}'); a rule with another verb "
                 "has a name, then '{when}'").format(example="classify NAME as CODE when ...",
                                                     when=when)
    if "_WHEN" in expected and token.type == "NAME":
        return _("a rule has at most one name, then '{when}' and its condition").format(when=when)
    if "_WHEN" in expected and expected <= {"_WHEN", "NAME"}:
        example = ("sluit uit als category = taal" if language == DUTCH
                   else "exclude when category = taal")
        return _("the condition comes after '{when}', e.g. {example}").format(when=when,
                                                                               example=example)
    if value == "{" and "NAME" in expected:
        return _("a list of values follows 'in' or a field's type 'code'")
    return None


def _unquoted_text_help(text: str, token: Token, expected: set[str],
                        language: str | None) -> str:
    """A word where quoted text must come: a label, a ``because`` text, a title, a path."""
    start = token.start_pos or 0
    rest = _rest_of_line(text, start)
    if _inside_braces(text, start):
        return _in_braces_help(text, token, labels=True)
    words = re.split(r"[,}]", rest)[0].strip() or token.value
    before = text[:start].rstrip()
    because = _keyword("_BECAUSE", "because", language)
    if before.endswith(("because", "omdat")):
        return _('the reason is quoted text: {because} "{text}"').format(because=because,
                                                                          text=rest)
    return _('quote the text: "{text}"').format(text=words)


def _inside_braces(text: str, offset: int) -> bool:
    opened = text.rfind("{", 0, offset)
    return opened != -1 and text.rfind("}", 0, offset) < opened


def _in_braces_help(text: str, token: Token, labels: bool) -> str:
    """A word after a value inside ``{...}``: a missing comma, or (in a field's code list,
    where values may have labels) a label without quotes."""
    start = token.start_pos or 0
    tail = re.split(r"[,}\n]", text[start:])[0].split("#")[0].strip()
    previous = _previous_word(text, start)
    value = previous[0] if previous is not None else "a"
    if not labels:
        return _("separate the values with a comma: {value}, {next}").format(value=value,
                                                                              next=tail)
    if " " not in tail:
        return _('separate the values with a comma: {value}, {next} (or, for a label, quote it: '
                 '{value} "{next}")').format(value=value, next=tail)
    return _('quote a label: {value} "{label}"').format(value=value, label=tail)


def _unexpected_character(error: UnexpectedCharacters, source: SourceFile,
                          symbols: Mapping[str, str]) -> Diagnostic:
    text = source.text
    offset = character_offset(error)
    char = text[offset] if offset < len(text) else ""
    if char == '"':
        return Diagnostic(
            "parse_unterminated_text",
            _("quoted text is not closed on its line"),
            Span(source, offset, offset + 1),
            help=_('add the closing " on the same line'),
        )
    language = symbols[_LANGUAGE]
    help_ = _help_for_character(text, offset, language)
    return Diagnostic(
        "parse_unexpected_character",
        _("unexpected character {char}").format(char=repr(char)),
        Span(source, offset, offset + 1),
        help=help_ or (
            _("expected {expected}").format(
                expected=expected_in_words(error.allowed, symbols, language))
            if error.allowed else None),
    )


def _unexpected(token: Token) -> str:
    """The message for a token where it cannot stand, naming what kind of token it is (a
    whole sentence per kind, as Dutch inflects the adjective)."""
    if token.type in _WORD_TERMINALS or token.value.isalpha():
        return _("unexpected word '{word}'").format(word=token.value)
    if token.type == "STRING":
        return _("unexpected text {text}").format(text=token.value)
    if token.type == "NUMBER":
        return _("unexpected number {number}").format(number=token.value)
    if token.type == "DATE":
        return _("unexpected date {date}").format(date=token.value)
    return _("unexpected '{symbol}'").format(symbol=token.value)


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


def _help_for_character(text: str, offset: int, language: str | None) -> str | None:
    pair = text[offset : offset + 2]
    if pair in ("&&", "||"):
        word = _keyword("_AND", "and", language) if pair == "&&" else _keyword("_OR", "or", language)
        return _("write '{word}' instead of '{symbol}'").format(word=word, symbol=pair)
    if text[offset] == "'":
        return _('quote text with double quotes: "..."')
    if text[offset] == "!":
        return _("write '{not_}' to negate a condition, or '!=' for 'not equal'").format(
            not_=_keyword("_NOT", "not", language))
    if text[offset] == "-":
        return _("names use letters, digits and '_' ('-' is not allowed)")
    return None
