"""Comparisons: the two sides' types, measures such as ``length(f)`` and ``age(b, d)``, and date
arithmetic."""

from __future__ import annotations

from .. import ast, dates
from ..checked import FieldRef
from ..diagnostics import did_you_mean
from ..operators import OPERATORS
from ..schema import VALUE_TYPES, Field
from .calls import check_age, printed_call
from .context import Context, OperandProblem, date_literal, field_named
from ..i18n import gettext as _

MEASURES: dict[str, str] = {
    "length": "the length in characters of a text, code, digits or bsn field",
    "age": "the age in whole years on a date of someone born on another date",
}
"""The functions a comparison may measure a field with, and what each gives."""

FORMS: dict[str, str] = {"length": "length(FIELD)", "age": "age(BIRTH_DATE, ON_DATE)"}
"""How each function is called; its number of arguments is read from it."""


def printed_measure(measure: ast.Measure | ast.Call) -> str:
    """A measure as written, for messages: ``length(provision_id)``."""
    if isinstance(measure, ast.Call):
        return printed_call(measure)
    return f"{measure.function.text}({measure.field.text})"


def check_measure(context: Context, measure: ast.Measure | ast.Call) -> bool:
    """Whether ``measure`` is a known function of arguments it applies to."""
    function = measure.function.text
    if function not in MEASURES:
        context.report(
            "unknown_function", _("no function named '{function}'").format(function=function),
            measure.function.span,
            did_you_mean(function, MEASURES) or _("length(FIELD) measures a text"),
        )
        return False
    given = len(measure.arguments) if isinstance(measure, ast.Call) else 1
    wanted = FORMS[function].count(",") + 1
    if given != wanted:
        context.report(
            "wrong_arity", _("{function}(...) takes {wanted} argument{value}, not {given}").format(
                               function=function, wanted=wanted, value='s' * (wanted > 1),
                               given=given), measure.span, _("write {FORMS}").format(FORMS=FORMS[function]),
        )
        return False
    if isinstance(measure, ast.Call):
        return check_age(context, measure, check_date_shift)
    field = field_named(context, measure.field)
    if field is None:
        return False
    if field.type.base not in ("text", "code"):
        context.report(
            "type_mismatch", _("'{name}' is {noun}; length(...) measures a text").format(
                                 name=field.name, noun=_(field.type.noun)),
            measure.span, _("length applies to text, code, digits and bsn fields"),
        )
        return False
    return True


def check_comparison(context: Context, comparison: ast.Comparison) -> None:
    if isinstance(comparison.field, ast.Number):
        _check_number_first(context, comparison)
        return
    field: Field | None
    if isinstance(comparison.field, (ast.Measure, ast.Call)):
        if not check_measure(context, comparison.field):
            return
        # A measure is a number: the right-hand side reads as beside a number field.
        field = Field(printed_measure(comparison.field), VALUE_TYPES["number"])
    elif isinstance(comparison.field, ast.DateShift):
        if not check_date_shift(context, comparison.field):
            return
        # A moved date is a date: the right-hand side reads as beside a date field.
        field = Field(printed_shift(comparison.field), VALUE_TYPES["date"])
    else:
        field = field_named(context, comparison.field)
    if field is None:
        return
    spec = OPERATORS[comparison.op]
    if isinstance(comparison.value, (ast.Measure, ast.Call)):
        if field.type.base != "number":
            what = "an age" if comparison.value.function.text == "age" else "a length"
            context.report(
                "type_mismatch",
                _("'{name}' is {noun}; {printed_measure} is a number").format(
                    name=field.name, noun=_(field.type.noun),
                    printed_measure=printed_measure(comparison.value)), comparison.value.span,
                _("{what} compares with numbers only").format(what=what),
            )
            return
        check_measure(context, comparison.value)
        return
    if isinstance(comparison.value, ast.DateShift):
        if field.type.base != "date":
            context.report(
                "type_mismatch",
                _("'{name}' is {noun}; date arithmetic gives a date").format(
                    name=field.name, noun=_(field.type.noun)),
                comparison.value.span,
                _("moving by days, weeks, months or years applies to dates only"),
            )
            return
        check_date_shift(context, comparison.value)
        return
    if field.type.base not in spec.types:
        applies = " and ".join(sorted(VALUE_TYPES[t].noun[2:] + "s" for t in spec.types))
        context.report(
            "type_mismatch",
            _("'{symbol}' does not apply to '{name}', which is {noun}").format(
                symbol=spec.symbol, name=field.name, noun=_(field.type.noun)),
            comparison.span,
            _("'{symbol}' compares {applies}").format(symbol=spec.symbol, applies=applies),
        )
        return
    values = comparison.value.items if isinstance(comparison.value, ast.ValueSet) else (comparison.value,)
    for value in values:
        operand = context.resolve(field, value)
        if isinstance(operand, OperandProblem):
            context.report(operand.code, operand.message, value.span, operand.help)
        elif isinstance(operand, FieldRef) and spec.takes_set:
            assert isinstance(value, ast.Word)  # only a bare word can name a field
            context.report(
                "type_mismatch", _("'{text}' is a field; a list holds values only").format(
                                     text=value.text), value.span,
                did_you_mean(value.text, field.codes or ()) if field.codes else None,
            )


def _check_number_first(context: Context, comparison: ast.Comparison) -> None:
    """``27 >= age(b, d)``: a number left of a measure reads as the mirrored comparison; left
    of anything else it is reported (write the field first)."""
    mirror = OPERATORS[comparison.op].mirror
    assert isinstance(comparison.field, ast.Number)  # check_comparison sends only these here
    if isinstance(comparison.value, (ast.Measure, ast.Call)) and mirror is not None:
        check_comparison(context, ast.Comparison(mirror, comparison.value, comparison.field,
                                                 span=comparison.span))
        return
    symbol = OPERATORS[mirror].symbol if mirror is not None else OPERATORS[comparison.op].symbol
    context.report(
        "type_mismatch", _("a number stands first only before a measure such as length(...) "
                           "or age(...)"), comparison.field.span,
        _("write the field first: FIELD {symbol} {value}").format(
            symbol=symbol, value=comparison.field.written or comparison.field.value),
    )


def printed_shift(shift: ast.DateShift) -> str:
    """A date shift as written, for messages: ``start_date + 1 months``."""
    base = shift.base.text
    amount = shift.amount.written or str(shift.amount.value)
    return f"{base} {'+' if shift.later else '-'} {amount} {shift.unit}"


def check_date_shift(context: Context, shift: ast.DateShift) -> bool:
    """Whether ``shift`` moves a date by a whole number of units; the base's meaning is
    remembered for the IR."""
    ok = True
    amount = shift.amount
    if not isinstance(amount.value, int) or amount.value < 0:
        context.report(
            "invalid_amount", _("a date moves by a whole number of {unit_of}, not {value}").format(
                                  unit_of=dates.unit_of(shift.unit),
                                  value=amount.written or amount.value), amount.span,
            _("write a whole number, e.g. + 1 months; use - to move back"),
        )
        ok = False
    if isinstance(shift.base, ast.Date):
        operand = date_literal(context, shift.base)
        if operand is None:
            return False
        unit = dates.unit_of(shift.unit)
        assert unit is not None  # the grammar admits only the units dates knows
        if ok and dates.shift(operand.value, signed_amount(shift), unit) is None:
            context.report("invalid_date", _("{printed_shift} lies outside the calendar").format(
                                               printed_shift=printed_shift(shift)),
                           shift.span, _("dates run from 0001-01-01 to 9999-12-31"))
            return False
        context.operands[id(shift.base)] = operand
        return ok
    name = ast.Name(shift.base.text, span=shift.base.span)
    field = field_named(context, name)
    if field is None:
        return False
    if field.type.base != "date":
        context.report(
            "type_mismatch", _("'{name}' is {noun}; only a date moves by {unit_of}").format(
                                 name=field.name, noun=_(field.type.noun),
                                 unit_of=dates.unit_of(shift.unit)), shift.span,
            _("date arithmetic applies to date fields and date literals"),
        )
        return False
    context.operands[id(shift.base)] = FieldRef(field.name)
    return ok


def signed_amount(shift: ast.DateShift) -> int:
    assert isinstance(shift.amount.value, int)  # asked only once the amount is checked whole
    return shift.amount.value if shift.later else -shift.amount.value

