"""Pattern matches: ``FIELD matches "REGEX"`` applies to a text, code, digits or bsn field, and
its pattern lies in the subset of :mod:`srg_rules.patterns`; a pattern outside it is reported
at the offending character inside the quotes (escapes of the quoted text accounted for)."""

from __future__ import annotations

from .. import ast, patterns
from ..source import Span
from .context import Context, field_named
from ..i18n import gettext as _


def check_pattern_match(context: Context, match: ast.PatternMatch) -> None:
    field = field_named(context, match.field)
    if field is not None and field.type.base not in ("text", "code"):
        context.report(
            "type_mismatch", _("'{name}' is {noun}; matches applies to a text").format(
                                 name=field.name, noun=_(field.type.noun)),
            match.field.span, _("matches applies to text, code, digits and bsn fields; "
                                "compare {value} with = < > instead").format(
                                  value='a number' if field.type.base == 'number' else field.type.noun),
        )
    try:
        patterns.parse(match.pattern.value)
    except patterns.PatternError as error:
        context.report("invalid_pattern", error.message,
                       _inside(match.pattern, error.start, error.end), error.help)


def _inside(pattern: ast.Text, start: int, end: int) -> Span | None:
    """The span of characters ``start:end`` of the pattern within its quoted text."""
    span = pattern.span
    if span is None:
        return span
    offsets = patterns.source_offsets(span.text)
    last = len(offsets) - 1
    return Span(span.source, span.start + offsets[min(start, last)],
                span.start + offsets[min(end, last)] if end <= last else span.end - 1)
