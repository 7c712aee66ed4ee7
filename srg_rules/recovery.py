"""Recovery: which findings about the statements that parse still hold beside syntax errors.

Place in the pipeline: after :func:`srg_rules.grammar.recover` has cut out the statements that
do not parse and the rest has been linked and checked. Input: those diagnostics and the ranges
of text left out. Output: the diagnostics that are true whatever the left-out statements were
meant to say, so that one run shows every statement's errors (syntax and meaning) and none
that fixing a syntax error would make go away.

A finding is dropped when a left-out statement may be its cause: a name unknown or unused
while the left-out text holds that word (it may declare or use it), or something missing from
the whole rulebook (an output, a decision date) while any statement was left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .diagnostics import Diagnostic
from .source import SourceFile

__all__ = ["meaning_errors"]

# Findings about a name that a left-out statement may declare or use.
_ABOUT_A_NAME = frozenset({"unknown_field", "unknown_name", "unknown_rule", "unused_define",
                           "not_a_warn_rule", "unknown_code", "unknown_combination"})
# Findings about the whole rulebook that a left-out statement may answer.
_ABOUT_THE_WHOLE = frozenset({"missing_output", "missing_decision_date",
                              "optional_decision_date"})

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def meaning_errors(diagnostics: Iterable[Diagnostic], source: SourceFile,
                   skipped: Iterable[tuple[int, int]]) -> tuple[Diagnostic, ...]:
    """The diagnostics that no left-out statement can explain.

    >>> from srg_rules.source import Span
    >>> src = SourceFile("x.rules", "fild c: boolean\\ninclude when c\\ninclude when d\\n")
    >>> found = [Diagnostic("unknown_name", "c", Span(src, 29, 30)),
    ...          Diagnostic("unknown_name", "d", Span(src, 44, 45))]
    >>> [d.message for d in meaning_errors(found, src, [(0, 16)])]
    ['d']
    """
    ranges = list(skipped)
    if not ranges:
        return tuple(diagnostics)
    words = {w for a, b in ranges for w in _WORD.findall(source.text[a:b])}
    words |= {w.split("_", 1)[1] for w in words if "_" in w.strip("_")}  # field_x: x
    kept = []
    for diagnostic in diagnostics:
        if diagnostic.code in _ABOUT_THE_WHOLE:
            continue
        if diagnostic.code in _ABOUT_A_NAME and diagnostic.span.text in words:
            continue
        kept.append(diagnostic)
    return tuple(kept)
