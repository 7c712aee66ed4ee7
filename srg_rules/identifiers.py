"""Names against the limits of the databases a rulebook's SQL runs on.

Place in the pipeline: beside the checker, on the linked AST (called from
:mod:`srg_rules.rulebook` with the checker's diagnostics). Input: the rulebook's field
declarations. Output: warnings, each at the field's name.

PostgreSQL keeps the first 63 bytes of a name (``NAMEDATALEN - 1``) and drops the rest
without an error, so two fields whose names agree in their first 63 bytes would read the same
column there. DuckDB, Spark and the Python engines have no such limit, so this is a warning
(``name_too_long``) for a name over the limit, and ``names_collide_when_cut`` when two names
become one; ``srg-rules sql --dialect postgres`` refuses such a rulebook
(:func:`postgres_collisions`).
"""

from __future__ import annotations

from . import ast
from .diagnostics import Diagnostic, Severity
from .i18n import gettext as _

__all__ = ["NAME_LIMITS", "name_warnings", "postgres_collisions"]

NAME_LIMITS = {"postgres": 63}
"""The most bytes (UTF-8) of a name each dialect keeps."""


def _cut(name: str, limit: int) -> str:
    return name.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def postgres_collisions(names: list[str]) -> list[tuple[str, str]]:
    """Pairs of distinct names that PostgreSQL would cut to the same name."""
    limit = NAME_LIMITS["postgres"]
    seen: dict[str, str] = {}
    pairs = []
    for name in names:
        cut = _cut(name, limit)
        if cut in seen and seen[cut] != name:
            pairs.append((seen[cut], name))
        seen.setdefault(cut, name)
    return pairs


def name_warnings(rulebook: ast.Rulebook) -> list[Diagnostic]:
    """Warnings for field names longer than a dialect keeps, and for two that become one."""
    limit = NAME_LIMITS["postgres"]
    diagnostics: list[Diagnostic] = []
    seen: dict[str, ast.FieldDeclaration] = {}
    for statement in rulebook.statements:
        if not isinstance(statement, ast.FieldDeclaration) or statement.name.span is None:
            continue
        name = statement.name.text
        size = len(name.encode("utf-8"))
        if size <= limit:
            seen.setdefault(name, statement)
            continue
        cut = _cut(name, limit)
        other = seen.get(cut)
        if other is not None and other.name.span is not None:
            diagnostics.append(Diagnostic(
                "names_collide_when_cut",
                _("PostgreSQL keeps the first {limit} bytes of a name, and this field's name "
                  "and '{other}' agree in them: there they would be one column").format(
                      limit=limit, other=other.name.text),
                statement.name.span, Severity.WARNING,
                help=_("make the names differ within their first {limit} bytes").format(
                    limit=limit),
                related=((_("the other field"), other.name.span),)))
        else:
            diagnostics.append(Diagnostic(
                "name_too_long",
                _("this name is {size} bytes; PostgreSQL keeps the first {limit} of a name").format(
                    size=size, limit=limit),
                statement.name.span, Severity.WARNING,
                help=_("a name of at most {limit} bytes works on every database").format(
                    limit=limit)))
        seen.setdefault(cut, statement)
    return diagnostics
