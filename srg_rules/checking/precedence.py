"""The ``mixed_and_or`` warning: ``and`` and ``or`` mixed without parentheses.

Place in the pipeline: a pass of :mod:`srg_rules.check`. Input: the conditions of a rulebook's
statements, with their spans into the source text (the AST keeps no parentheses, so whether an
``and`` was written in parentheses is read from the text around its span). Output: one warning
per ``or`` that has an unparenthesized ``and`` among its operands, with both readings written
out by :mod:`srg_rules.printer`: the one the language takes (``and`` binds tighter) and the
other one, so that the author sees which one they meant and adds the parentheses.
"""

from __future__ import annotations

from .. import ast, printer
from ..diagnostics import Severity
from ..i18n import gettext as _
from ..keywords import DUTCH, ENGLISH
from ..languages import guess_language
from .context import Context

__all__ = ["check_mixed_and_or"]


def check_mixed_and_or(context: Context) -> None:
    """Warn about every ``a and b or c`` written without parentheses."""
    for _where, statement in context.statements((ast.Definition, ast.Rule, ast.Classification,
                                             ast.Trajectory, ast.Expectation)):
        _visit(context, statement.condition)


def _visit(context: Context, condition: ast.Condition) -> None:
    if isinstance(condition, ast.AnyOf) and condition.span is not None:
        bare = [item for item in condition.items
                if isinstance(item, ast.AllOf) and not _parenthesized(item)]
        if bare:
            _report(context, condition, bare)
    if isinstance(condition, (ast.AllOf, ast.AnyOf)):
        for item in condition.items:
            _visit(context, item)
    elif isinstance(condition, ast.Not):
        _visit(context, condition.item)


def _parenthesized(condition: ast.Condition) -> bool:
    span = condition.span
    if span is None:
        return True  # built by hand: nothing was written
    # Looked for from the span outwards: slicing the text before and after the span copied
    # the whole rulebook per operand (minutes for a 10 MB rulebook, docs/benchmarks.md).
    text = span.source.text
    before = span.start - 1
    while before >= 0 and text[before].isspace():
        before -= 1
    after = span.end
    while after < len(text) and text[after].isspace():
        after += 1
    return before >= 0 and text[before] == "(" and after < len(text) and text[after] == ")"


def _report(context: Context, condition: ast.AnyOf, bare: list[ast.AllOf]) -> None:
    # The readings are written with the keywords of the file the condition stands in (a Dutch
    # rulebook may `use` an English one), whatever language the messages are in.
    language = guess_language(condition.span.source.text) if condition.span is not None else ENGLISH
    words = {"and": "en", "or": "of"} if language == DUTCH else {"and": "and", "or": "or"}
    taken: str | None
    other: str | None
    try:
        taken = _written(condition, language)
        other = _written(_other_reading(condition, bare), language)
    except ValueError:  # a leaf with no text form: say it without the readings
        taken = other = None
    help_ = (_("'{and_}' binds tighter than '{or_}'; add parentheses to say which one is meant")
             .format(and_=words["and"], or_=words["or"])
             if taken is None else
             _("this reads as: {taken}\n        and not as: {other}\n"
               "        add parentheses to say which one is meant").format(taken=taken, other=other))
    context.report(
        "mixed_and_or",
        _("'{and_}' and '{or_}' mixed without parentheses").format(and_=words["and"],
                                                                    or_=words["or"]),
        condition.span, help_, severity=Severity.WARNING,
    )


def _other_reading(condition: ast.AnyOf, bare: list[ast.AllOf]) -> ast.Condition:
    """The reading with ``or`` binding tighter: the operands in written order, cut at every
    unparenthesized ``and`` instead of at every ``or``."""
    groups: list[list[ast.Condition]] = [[]]
    for item in condition.items:
        if isinstance(item, ast.AllOf) and any(item is b for b in bare):
            first, *rest = item.items
            groups[-1].append(first)
            for operand in rest:
                groups.append([operand])
        else:
            groups[-1].append(item)
    parts = [group[0] if len(group) == 1 else ast.AnyOf(tuple(group)) for group in groups]
    return ast.AllOf(tuple(parts))


def _written(condition: ast.Condition, language: str) -> str:
    """The condition on one line with the keywords of ``language``."""
    dutch = language == DUTCH
    if isinstance(condition, (ast.AllOf, ast.AnyOf)):
        if isinstance(condition, ast.AllOf):
            word = " en " if dutch else " and "
        else:
            word = " of " if dutch else " or "
        return word.join(_part(item, language) for item in condition.items)
    if isinstance(condition, ast.Not):
        return f"{'niet' if dutch else 'not'} {_part(condition.item, language)}"
    return printer.leaf(condition, language)


def _part(item: ast.Condition, language: str) -> str:
    text = _written(item, language)
    return f"({text})" if printer.grouped(item) else text
