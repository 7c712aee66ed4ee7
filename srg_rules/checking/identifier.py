"""The ``identifier FIELD`` statement: the field whose value names a record.

Place in the pipeline: a pass of the checker (:data:`srg_rules.check.PASSES`). Input: the
rulebook's ``identifier`` statements. Output: diagnostics: an unknown field (with a
did-you-mean), a second statement (``duplicate_identifier``). ``srg-rules explain --id VALUE``
finds a record of a data file by this field (docs/language.md, "Naming a record").
"""

from __future__ import annotations

from .. import ast
from ..i18n import gettext as _
from .context import Context, field_named

__all__ = ["check_identifier"]


def check_identifier(context: Context) -> None:
    """The identifier names one declared field, once."""
    found = context.only(ast.Identifier, "duplicate_identifier",
                         _("a rulebook names one identifier"),
                         _("keep one 'identifier' line"), _("first named"))
    if found is not None:
        field_named(context, found.field)
