"""The keywords of the rulebook language, for an editor's highlighting.

Place in the pipeline: read from the keyword table (:data:`srg_rules.keywords.KEYWORDS`, both
languages' words) and the grammar (:func:`srg_rules.grammar.grammar_text`, for the words it
writes as literals); served by the studio's API (``GET /api/keywords``) so
that the editor highlights every keyword the parser knows, in each language the grammar has,
without a list of its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..checking.operands import MEASURES
from ..combine import COMBINATIONS
from ..grammar import grammar_text
from ..keywords import KEYWORDS, UNITS
from ..schema import VALUE_TYPES

__all__ = ["functions", "keywords", "types"]

# A quoted literal of letters ("when", "is missing"), and the words of a terminal's regular
# expression that are alternatives of letters only ((reject|include|exclude|warn)).
_LITERAL = re.compile(r'"([A-Za-z][A-Za-z ]*)"i?')
_ALTERNATIVES = re.compile(r"\((?:\?:)?([A-Za-z]+(?:\|[A-Za-z]+)+)\)(s\?)?")


@lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """Every keyword of the grammar, in English and in Dutch, sorted.

    >>> {"when", "include", "because", "missing", "sluit", "ontbreekt", "omdat"} <= set(keywords())
    True
    """
    # The table's words (``tot en met`` is three words to highlight), then the grammar's.
    found: set[str] = {part for words in KEYWORDS.values() for word in words
                       for part in word.split()}
    found.update(UNITS)
    for line in grammar_text().splitlines():
        code = line.split("//", 1)[0]
        for literal in _LITERAL.findall(code):
            found.update(literal.split())
        for alternatives, plural in _ALTERNATIVES.findall(code):
            words = alternatives.split("|")
            found.update(words)
            if plural:  # (day|week|month|year)s?
                found.update(word + "s" for word in words)
    return tuple(sorted(found))


def functions() -> tuple[str, ...]:
    """The names the checker knows beside the grammar: measures (``length``, ``age``) and the
    ways activities combine (``latest``, ...)."""
    return tuple(sorted({*MEASURES, *COMBINATIONS, "latest", "earliest"}))


def types() -> tuple[str, ...]:
    """The field types (``code``, ``date``, ``bsn``, ...)."""
    return tuple(sorted(VALUE_TYPES))
