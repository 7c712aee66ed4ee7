"""Keywords: the words of the rulebook language, as a table the grammar and the messages share.

Place in the pipeline: beside :mod:`srg_rules.grammar`. The grammar (``grammar/rulebook.lark``)
defines every keyword as a whole-word terminal; this table holds the same words per terminal,
so that syntax errors can name what may follow in words and suggest the keyword a misspelt word
was meant to be. ``tests/test_keywords.py`` checks that the table and the grammar agree.

A keyword is a whole word only: ``excluded``, ``includes``, ``field_x`` and ``whenever`` are
names (or errors), never a keyword followed by the rest of the word.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["KEYWORDS", "STATEMENT_STARTS", "closest", "distance", "keyword_words",
           "split_keyword_prefix"]

KEYWORDS: dict[str, tuple[str, ...]] = {
    "_RULEBOOK": ("rulebook",),
    "_VERSION": ("version",),
    "_USE": ("use",),
    "_FIELD": ("field",),
    "_OUTPUT": ("output",),
    "OPTIONAL": ("optional",),
    "_FROM": ("from",),
    "_RULES": ("rules",),
    "_IN": ("in",),
    "_FORCE": ("force",),
    "_ON": ("on",),
    "_VALID": ("valid",),
    "_UNTIL": ("until",),
    "_DEFINE": ("define",),
    "RULE_VERB": ("reject", "include", "exclude", "warn"),
    "_WHEN": ("when",),
    "_CLASSIFY": ("classify",),
    "_AS": ("as",),
    "_BECAUSE": ("because",),
    "_TRAJECTORY": ("trajectory",),
    "_YIELDS": ("yields",),
    "_WITH": ("with",),
    "_ACTIVITIES": ("activities",),
    "_SHARE": ("share",),
    "_COMBINE": ("combine",),
    "_BY": ("by",),
    "_UNIQUE": ("unique",),
    "_EXPECT": ("expect",),
    "STATUS_WORD": ("included", "excluded", "rejected"),
    "_TYPE": ("type",),
    "_WARNING": ("warning",),
    "_AND": ("and",),
    "_OR": ("or",),
    "_NOT": ("not",),
    "_IS": ("is",),
    "_MISSING": ("missing",),
    "_PRESENT": ("present",),
    "_MATCHES": ("matches",),
}
"""Terminal name -> the words it stands for."""

STATEMENT_STARTS: tuple[str, ...] = (
    "_RULEBOOK", "_USE", "_FIELD", "_OUTPUT", "_RULES", "_DEFINE", "RULE_VERB", "_CLASSIFY",
    "_TRAJECTORY", "_ACTIVITIES", "_UNIQUE", "_EXPECT",
)
"""The terminals a statement starts with."""

# Words people write for a keyword in Dutch or in other rule languages, before a Dutch keyword
# set exists: each leads to the keyword it most likely means.
_SYNONYMS: dict[str, str] = {
    "uitsluiten": "exclude", "sluit": "exclude", "insluiten": "include", "opnemen": "include",
    "neem": "include", "weiger": "reject", "weigeren": "reject", "afwijzen": "reject",
    "waarschuw": "warn", "waarschuwen": "warn", "warning": "warn", "classificeer": "classify",
    "indelen": "classify", "als": "when", "wanneer": "when", "if": "when", "indien": "when",
    "omdat": "because", "veld": "field", "en": "and", "of": "or", "niet": "not",
    "ontbreekt": "missing", "aanwezig": "present", "optioneel": "optional",
    "verwacht": "expect", "gebruik": "use", "geldig": "valid", "tot": "until",
    "van": "from", "reason": "because", "unless": "not",
}


def keyword_words(terminals: Iterable[str]) -> list[str]:
    """The keywords among ``terminals``, in table order.

    >>> keyword_words(["_WHEN", "NAME", "RULE_VERB"])
    ['reject', 'include', 'exclude', 'warn', 'when']
    """
    wanted = set(terminals)
    return [word for terminal, words in KEYWORDS.items() if terminal in wanted for word in words]


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
    synonym = _SYNONYMS.get(lowered)
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
