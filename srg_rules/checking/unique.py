"""Checks across records: ``unique KEY, ...`` statements.

Each statement names declared fields, each once; its reason is ``duplicate:FIRST`` after its
first key field, so two statements may not start with the same field (their reasons could not
be told apart).
"""

from __future__ import annotations

from .. import ast
from ..source import Span
from .context import Context, field_named
from ..i18n import gettext as _


def check_unique(context: Context) -> None:
    """Every key field is declared and named once; no two statements share a reason."""
    reasons: dict[str, Span | None] = {}
    for _i, statement in context.statements(ast.Unique):
        key: dict[str, Span | None] = {}
        for name in statement.key:
            if name.text in context.definitions and name.text not in context.fields:
                context.report(
                    "type_mismatch", _("'{text}' is a define; a key is made of fields").format(
                                         text=name.text),
                    name.span, _("name the fields whose values must not repeat, e.g. unique "
                                 "{next}").format(
                                   next=next(iter(context.fields), 'provision_id')),
                )
                continue
            field = field_named(context, name)
            if field is None:
                continue
            if field.name in key:
                context.report(
                    "duplicate_name", _("'{name}' is in the key twice").format(name=field.name), name.span,
                    _("name each field of the key once: unique {items}").format(
                        items=', '.join(key)),
                    related=((_("first"), key[field.name]),),
                )
            key.setdefault(field.name, name.span)
        first = statement.key[0] if statement.key else None
        if first is None or first.text not in context.fields:
            continue
        if first.text in reasons:
            context.report(
                "duplicate_unique",
                _("another 'unique' statement starts with '{text}'; both would reject with "
                  "the reason duplicate:{text}").format(
                    text=first.text),
                first.span, _("merge the two statements, or start this key with another field"),
                related=((_("the other statement"), reasons[first.text]),),
            )
        reasons.setdefault(first.text, statement.span)
