"""The registration level's expressions: what a trajectory's assignment computes from the
source record (a value, another field, a moved date, a text join), and the date field of
``combine FIELD by latest DATE_FIELD``.

Every operand resolved here is remembered in the context for the IR, as a comparison's are.
"""

from __future__ import annotations

from .. import ast
from ..checked import FieldRef, Literal
from ..diagnostics import did_you_mean
from ..schema import Field
from .context import Context, OperandProblem, field_named
from .operands import check_date_shift
from ..i18n import gettext as _

JOINABLE = frozenset({"text", "code"})
"""The base types whose values are texts, so that ``~`` joins them as written (a text, a
code, a BSN, digits); a join gives a text, so it may be assigned to such a field only."""

PICKING_WAYS = frozenset({"latest", "earliest"})
"""The ways that may pick an activity by a date field: ``by latest end_date``."""


def check_assignment(context: Context, field: Field, assignment: ast.Assignment) -> None:
    """The value of ``field = ...`` in a ``yields`` clause; problems are reported."""
    value = assignment.value
    if isinstance(value, ast.TextJoin):
        _check_join(context, field, value)
        return
    if isinstance(value, ast.DateShift):
        if field.type.base != "date":
            context.report(
                "type_mismatch", _("'{name}' is {noun}; a moved date can only be assigned to "
                                   "a date field").format(
                                     name=field.name, noun=_(field.type.noun)), value.span,
                _("set a date field, e.g. end_date = start_date + 1 months"),
            )
            return
        check_date_shift(context, value)
        return
    if isinstance(value, ast.Word) and value.text in context.fields \
            and value.text not in (field.codes or ()):
        other = context.fields[value.text]
        if other.type.base != field.type.base:
            same = [name for name, f in context.fields.items()
                    if f.type.base == field.type.base and name != field.name]
            context.report(
                "type_mismatch", _("'{name}' is {noun} but '{name2}' is {noun2}").format(
                                     name=field.name, noun=_(field.type.noun), name2=other.name,
                                     noun2=_(other.type.noun)), value.span,
                _("set a field from a field of the same type, e.g. {field} = {other}").format(
                    field=field.name, other=same[0]) if same
                else _("set a field from a field of the same type"),
            )
            return
        context.operands[id(value)] = FieldRef(other.name)
        return
    operand = context.resolve(field, value)
    if isinstance(operand, OperandProblem):
        context.report(operand.code, operand.message, value.span, operand.help)


def _check_join(context: Context, field: Field, join: ast.TextJoin) -> None:
    if field.type.base not in JOINABLE:
        context.report(
            "type_mismatch", _("'{name}' is {noun}, but '~' joins texts").format(
                                 name=field.name, noun=_(field.type.noun)),
            join.span, _("join texts into a text or code field, e.g. provision_id = "
                         'provision_id ~ "-2"'),
        )
    joinable = [name for name, f in context.fields.items() if f.type.base in JOINABLE]
    for part in join.parts:
        if isinstance(part, ast.Text):
            context.operands[id(part)] = Literal(part.value)
            continue
        other = context.fields.get(part.text)
        if other is None:
            if part.text in context.definitions or part.text in _declared(context):
                field_named(context, ast.Name(part.text, span=part.span))  # says what it is
            else:
                context.report(
                    "unknown_field", _("no field named '{text}'").format(text=part.text), part.span,
                    did_you_mean(part.text, joinable)
                    or _('to join the text {text}, quote it: "{text}"').format(text=part.text),
                )
            continue
        if other.type.base not in JOINABLE:
            context.report(
                "type_mismatch", _("'{name}' is {noun}; '~' joins texts, codes, BSNs and digits").format(
                                     name=other.name, noun=_(other.type.noun)), part.span,
                _("a number, date or boolean has no one written form to join; join text "
                  'fields and quoted texts, e.g. provision_id ~ "-2"'),
            )
            continue
        context.operands[id(part)] = FieldRef(other.name)


def check_picking(context: Context, combination: ast.Combination, field: Field | None) -> bool:
    """``FIELD by WAY DATE_FIELD``: the way must pick an activity and the date field be a
    date. Returns whether the combination names a date field (the way then applies to a
    field of any type)."""
    by = combination.by
    if by is None:
        return False
    way = combination.way.text
    if way not in PICKING_WAYS:
        context.report(
            "type_mismatch", _("'{way}' does not pick an activity, so it takes no date field").format(
                                 way=way),
            by.span, _("only latest and earliest take one, e.g. {text} by latest {text2}").format(
                         text=combination.field.text, text2=by.text),
        )
        return True
    dates = date_fields(context)
    other = context.fields.get(by.text)
    if other is None:
        if by.text not in context.fields and by.text not in _declared(context):
            context.report(
                "unknown_field", _("no field named '{text}'").format(text=by.text), by.span,
                did_you_mean(by.text, dates) or _dates_help(dates),
            )
    elif other.type.base != "date":
        context.report(
            "type_mismatch", _("'{name}' is {noun}; an activity is picked by a date field").format(
                                 name=other.name, noun=_(other.type.noun)), by.span, did_you_mean(by.text, dates) or _dates_help(dates),
        )
    return True


def picking_help(context: Context, combination: ast.Combination, field: Field,
                 ways: dict[str, str]) -> str | None:
    """For ``latest`` or ``earliest`` on a field without an order (a code): the help that
    suggests picking the activity by a date field, naming one of the rulebook's."""
    way = combination.way.text
    dates = date_fields(context)
    if way not in PICKING_WAYS or not dates:
        return None
    # A date field combined the same way reads best (end_reason by latest end_date).
    alike = [name for name in dates if ways.get(name, "").startswith(way)]
    date = (alike or dates)[0]
    return _("'{way}' of a field without an order means the value of the activity with the "
             "{way} date: {field} by {way} {date}").format(way=way, field=field.name, date=date)


def date_fields(context: Context) -> list[str]:
    return [name for name, f in context.fields.items() if f.type.base == "date"]


def _dates_help(dates: list[str]) -> str:
    if not dates:
        return "declare a date field to pick the activity by"
    return "the date fields are: " + ", ".join(dates)


def _declared(context: Context) -> set[str]:
    return {s.name.text for _, s in context.statements(ast.FieldDeclaration)}
