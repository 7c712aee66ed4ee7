"""Keywords: the words of the rulebook language, as a table the grammar and the messages share.

Place in the pipeline: beside :mod:`srg_rules.grammar`. The grammar (``grammar/rulebook.lark``)
defines every keyword as a whole-word terminal; this table holds the same words per terminal,
so that syntax errors can name what may follow in words and suggest the keyword a misspelt word
was meant to be. ``tests/test_keywords.py`` checks that the table and the grammar agree.

A keyword is a whole word only: ``excluded``, ``includes``, ``field_x`` and ``whenever`` are
names (or errors), never a keyword followed by the rest of the word.

A quoted text (the grammar's ``STRING``: a title, a label, a path, a pattern) is read by
:func:`unquote`, the one rule both parsers share (:mod:`srg_rules.direct_parse` and
:mod:`srg_rules.lower`); it is here, without Lark, so that a text the direct parser takes
never loads Lark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["CANONICAL", "DUTCH", "ENGLISH", "KEYWORDS", "STATEMENT_STARTS", "UNITS", "WORDS",
           "closest", "counterpart", "distance", "english", "keyword_words", "language_of_word",
           "split_keyword_prefix", "unquote"]

# (terminal, English word, Dutch word): one row per word; None where a language has no word
# for that terminal (Dutch `regels gelden op` has no `force`; English has no `ontbreekt`).
# A word both languages share (`in`, `is`, `type`, `week`) belongs to neither in particular.
WORDS: tuple[tuple[str, str | None, str | None], ...] = (
    ("_RULEBOOK", "rulebook", "regelboek"),
    ("_VERSION", "version", "versie"),
    ("_USE", "use", "gebruik"),
    ("_FIELD", "field", "veld"),
    ("_OUTPUT", "output", "uitvoer"),
    ("OPTIONAL", "optional", "optioneel"),
    ("_FROM", "from", "uit"),
    ("_SINCE", "from", "van"),
    ("_RULES", "rules", "regels"),
    ("_IN", "in", "in"),
    ("_FORCE", "force", None),
    ("_APPLY", None, "gelden"),
    ("_ON", "on", "op"),
    ("_VALID", "valid", "geldig"),
    ("_UNTIL", "until", "tot en met"),
    ("_DEFINE", "define", "definieer"),
    ("RULE_VERB", "reject", "weiger"),
    ("RULE_VERB", "include", None),
    ("RULE_VERB", "exclude", None),
    ("RULE_VERB", "warn", "waarschuw"),
    ("INCLUDE_NL", None, "neem"),
    ("EXCLUDE_NL", None, "sluit"),
    ("_UP", None, "op"),
    ("_OUT", None, "uit"),
    ("_WHEN", "when", "als"),
    ("_CLASSIFY", "classify", "type"),
    ("_AS", "as", "is"),
    ("_BECAUSE", "because", "omdat"),
    ("_TRAJECTORY", "trajectory", "traject"),
    ("_YIELDS", "yields", "levert"),
    ("_WITH", "with", "met"),
    ("_ACTIVITIES", "activities", "activiteiten"),
    ("_SHARE", "share", "delen"),
    ("_COMBINE", "combine", "combineer"),
    ("_BY", "by", "via"),
    ("_UNIQUE", "unique", "uniek"),
    ("_IDENTIFIER", "identifier", "kenmerk"),
    ("_EXPECT", "expect", "verwacht"),
    ("STATUS_WORD", "included", "opgenomen"),
    ("STATUS_WORD", "excluded", "uitgesloten"),
    ("STATUS_WORD", "rejected", "geweigerd"),
    ("_TYPE", "type", "type"),
    ("_WARNING", "warning", "waarschuwing"),
    ("_AND", "and", "en"),
    ("_OR", "or", "of"),
    ("_NOT", "not", "niet"),
    ("_IS", "is", "is"),
    ("_MISSING", "missing", None),
    ("_ABSENT", None, "ontbreekt"),
    ("_PRESENT", "present", "aanwezig"),
    ("_MATCHES", "matches", "voldoet aan"),
    ("_NOT_MATCHES", "does not match", "voldoet niet aan"),
)

KEYWORDS: dict[str, tuple[str, ...]] = {}
"""Terminal name -> the words it stands for, in both languages."""
for _terminal, _en, _nl in WORDS:
    for _word in (_en, _nl):
        if _word is not None and _word not in KEYWORDS.get(_terminal, ()):
            KEYWORDS[_terminal] = (*KEYWORDS.get(_terminal, ()), _word)
del _terminal, _en, _nl, _word

ENGLISH = "en"
DUTCH = "nl"

UNITS: dict[str, str] = {"dag": "day", "dagen": "days", "weken": "weeks", "maand": "month",
                         "maanden": "months", "jaar": "year", "jaren": "years"}
"""Dutch units -> the English ones the AST holds (``week`` is both)."""

# Words the AST holds in English: a Dutch keyword token -> its English meaning.
CANONICAL: dict[str, str] = {"weiger": "reject", "waarschuw": "warn", "neem": "include",
                             "sluit": "exclude", "opgenomen": "included",
                             "uitgesloten": "excluded", "geweigerd": "rejected", **UNITS}


def english(word: str) -> str:
    """The English word the AST holds for a keyword or unit as written (either language).

    >>> english("sluit"), english("maanden"), english("include")
    ('exclude', 'months', 'include')
    """
    return CANONICAL.get(word, word)


@lru_cache(maxsize=4096)  # asked once per keyword token: a rulebook repeats a few words
def language_of_word(terminal: str, word: str) -> str | None:
    """``en``, ``nl``, or None for a word both languages share (or no keyword at all).

    >>> language_of_word("_WHEN", "als"), language_of_word("_IN", "in")
    ('nl', None)
    """
    word = " ".join(word.split())
    if terminal == "UNIT":
        return DUTCH if word in UNITS else (None if word in ("week", "weeks") else ENGLISH)
    english_words = {en for t, en, _ in WORDS if t == terminal and en is not None}
    dutch_words = {nl for t, _, nl in WORDS if t == terminal and nl is not None}
    if word in english_words and word in dutch_words:
        return None
    if word in english_words:
        return ENGLISH
    if word in dutch_words:
        return DUTCH
    return None


def counterpart(terminal: str, word: str) -> str | None:
    """The same keyword in the other language (``sluit`` -> ``exclude``; ``exclude`` ->
    ``sluit ... uit``), for a help line."""
    word = " ".join(word.split())
    special = {"neem": "include", "sluit": "exclude", "include": "neem ... op",
               "exclude": "sluit ... uit", "ontbreekt": "is missing", "missing": "ontbreekt",
               "gelden": "in force", "force": "gelden"}
    if word in special:
        return special[word]
    if terminal == "UNIT":
        back = {v: k for k, v in UNITS.items()}
        return UNITS.get(word) or back.get(word)
    for t, en, nl in WORDS:
        if t == terminal and en == word and nl is not None:
            return nl
        if t == terminal and nl == word and en is not None:
            return en
    return None


STATEMENT_STARTS: tuple[str, ...] = (
    "_RULEBOOK", "_USE", "_FIELD", "_OUTPUT", "_RULES", "_DEFINE", "RULE_VERB", "INCLUDE_NL",
    "EXCLUDE_NL", "_CLASSIFY", "_TRAJECTORY", "_ACTIVITIES", "_UNIQUE", "_IDENTIFIER", "_EXPECT",
)
"""The terminals a statement starts with."""

# Words people write for a keyword in Dutch or in other rule languages, before a Dutch keyword
# set exists: each leads to the keyword it most likely means.
_SYNONYMS: dict[str, str] = {
    "uitsluiten": "exclude", "insluiten": "include", "opnemen": "include",
    "weigeren": "reject", "afwijzen": "reject", "waarschuwen": "warn", "warning": "warn",
    "classificeer": "classify", "indelen": "classify", "wanneer": "when", "if": "when",
    "indien": "when", "reason": "because", "unless": "not", "tot": "until",
}


_DUTCH_SYNONYMS: dict[str, str] = {
    "uitsluiten": "sluit", "opnemen": "neem", "insluiten": "neem", "weigeren": "weiger",
    "afwijzen": "weiger", "waarschuwen": "waarschuw", "wanneer": "als", "indien": "als",
    "definieer": "definieer", "regelboek": "regelboek",
}


def keyword_words(terminals: Iterable[str], language: str | None = None) -> list[str]:
    """The keywords among ``terminals``, in table order; with ``language``, only the words of
    that language (and those both share).

    >>> keyword_words(["_WHEN", "NAME", "RULE_VERB"], "en")
    ['reject', 'include', 'exclude', 'warn', 'when']
    >>> keyword_words(["_WHEN", "RULE_VERB", "INCLUDE_NL"], "nl")
    ['weiger', 'waarschuw', 'neem', 'als']
    """
    wanted = set(terminals)
    words = []
    for terminal, english_word, dutch_word in WORDS:
        if terminal not in wanted:
            continue
        for word in (english_word, dutch_word):
            if word is None or word in words:
                continue
            said = language_of_word(terminal, word)
            if language is None or said is None or said == language:
                words.append(word)
    return words


def distance(a: str, b: str) -> int:
    """The edits (a letter dropped, added, replaced, or two neighbours swapped) from a to b.

    >>> distance("exlcude", "exclude"), distance("clasify", "classify"), distance("ro", "or")
    (1, 1, 1)
    """
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The one candidate ``word`` most likely stands for: the same but for case, a known
    synonym, or one edit away (two for longer words); None when nothing is that close.

    >>> closest("Exclude", ["include", "exclude"]), closest("uitsluiten", ["exclude"])
    ('exclude', 'exclude')
    >>> closest("becuase", ["because", "valid"]), closest("taal", ["and", "or"]) is None
    ('because', True)
    """
    pool = list(dict.fromkeys(candidates))
    lowered = word.lower()
    for candidate in pool:
        if candidate.lower() == lowered:
            return candidate
    for synonyms in (_SYNONYMS, _DUTCH_SYNONYMS):
        synonym = synonyms.get(lowered)
        if synonym in pool:
            return synonym
    reach = 1 if len(word) < 7 else 2
    scored = sorted((distance(lowered, c.lower()), i, c) for i, c in enumerate(pool))
    if scored and scored[0][0] <= reach and min(len(word), len(scored[0][2])) > 1:
        # Two candidates as close: no guess is better than a wrong one.
        if len(scored) > 1 and scored[1][0] == scored[0][0]:
            return None
        return scored[0][2]
    return None


def split_keyword_prefix(word: str, candidates: Iterable[str]) -> tuple[str, str] | None:
    """``field_x`` -> (``field``, ``x``): a keyword joined to a name by ``_``.

    >>> split_keyword_prefix("classify_as", ["classify", "field"])
    ('classify', 'as')
    """
    for candidate in candidates:
        if word.startswith(candidate + "_") and len(word) > len(candidate) + 1:
            return candidate, word[len(candidate) + 1:]
    return None


_ESCAPE = re.compile(r'\\(["\\])')


def unquote(token: str) -> str:
    """The text of a quoted STRING token: only \\" and \\\\ are escapes; other backslashes stay.

    >>> unquote('"a \\\\"b\\\\" c\\\\\\\\d"')
    'a "b" c\\\\d'
    """
    return _ESCAPE.sub(r"\1", token[1:-1])
