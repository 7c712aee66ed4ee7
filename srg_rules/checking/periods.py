"""The decision date (``rules in force on``) and validity periods that are real and not empty."""

from __future__ import annotations

from collections.abc import Iterator

from .. import ast
from ..diagnostics import did_you_mean
from .context import Context, field_named, real_date
from ..i18n import gettext as _

def validities(context: Context) -> Iterator[tuple[ast.Validity, str]]:
    """Every validity period in the rulebook, with what carries it."""
    for _index, header in context.statements(ast.Header):
        if header.validity is not None:
            yield header.validity, _("the rulebook")
    for _index, declaration in context.statements((ast.FieldDeclaration, ast.OutputDeclaration)):
        for entry in declaration.type.codes or ():
            if entry.validity is not None:
                yield entry.validity, _("the value {code}").format(code=ast.code_text(entry.value))
    for _index, statement in context.statements((ast.Rule, ast.Classification)):
        if statement.validity is not None:
            yield statement.validity, _("the rule")


def _from_code_files(context: Context) -> dict[int, ast.Text]:
    """The periods of values read from a file (by ``id``), each with the file's quoted path."""
    found: dict[int, ast.Text] = {}
    for _where, declaration in context.statements((ast.FieldDeclaration, ast.OutputDeclaration)):
        if declaration.type.code_file is not None:
            for entry in declaration.type.codes or ():
                if entry.validity is not None:
                    found[id(entry.validity)] = declaration.type.code_file
    return found


def check_periods(context: Context) -> None:
    """The decision date, and validity periods that are real and not empty."""
    dated = context.only(ast.DecisionDate, "duplicate_decision_date",
                         _("a rulebook names one decision date"),
                         _("keep one 'rules in force on' line"), _("first named"))
    if dated is not None:
        field = field_named(context, dated.field)
        if field is not None and field.type.base != "date":  # a date or a month
            context.report(
                "type_mismatch",
                _("'{name}' is {noun}; the rules in force are picked by a date").format(
                    name=field.name, noun=_(field.type.noun)),
                dated.field.span,
                did_you_mean(field.name, dates := [n for n, f in context.fields.items()
                                                   if f.type.base == "date"])
                or (_("name a date field: ") + ", ".join(dates) if dates else
                    _("declare the date that picks the rules, e.g. field reporting_date: date")),
            )
        elif field is not None and field.optional:
            context.report(
                "optional_decision_date",
                _("'{name}' is optional, but every record needs a date to pick its rules").format(
                    name=field.name),
                dated.field.span,
                _("remove 'optional' from field {name}, or name a date every record has").format(
                    name=field.name),
            )
    dated_rulebook = any(h.validity is not None for _, h in context.statements(ast.Header))
    for _i, rule in context.statements((ast.Rule, ast.Classification)):
        if dated_rulebook and rule.name is not None and rule.name.text == "not_in_force":
            context.report(
                "reserved_name", _("'not_in_force' is the reason of a record outside the "
                                   "rulebook's validity period"), rule.name.span, _("give this rule another name"),
            )
    from_files = _from_code_files(context)
    reported: set[int] = set()
    for validity, owner in validities(context):
        start, end = real_date(context, validity.start), real_date(context, validity.end)
        if start is not None and end is not None and end < start:
            context.report(
                "empty_period", _("{owner} would be in force from {start} until {end}, which "
                                  "is no day at all").format(
                                    owner=owner, start=start, end=end), validity.span, _("swap the two dates"),
            )
        if dated is None and id(validity) in from_files:
            # a code list file dates its values by the hundred: one diagnostic, at its path
            code_file = from_files[id(validity)]
            if id(code_file) not in reported:
                reported.add(id(code_file))
                context.report(
                    "missing_decision_date",
                    _("the code list '{value}' has validity periods, but the rulebook does "
                      "not say which date of a record picks the values in force").format(
                        value=code_file.value),
                    code_file.span, _("add a line such as: rules in force on start_date"),
                )
        elif dated is None:
            context.report(
                "missing_decision_date",
                _("{owner} has a validity period, but the rulebook does not say which date "
                  "of a record picks the rules in force").format(
                    owner=owner), validity.span,
                _("add a line such as: rules in force on start_date"),
            )

