"""Comparisons: the two sides' types, measures such as ``length(f)`` and date arithmetic."""

from __future__ import annotations

from .. import ast, dates
from ..checked import FieldRef
from ..diagnostics import did_you_mean
from ..operators import OPERATORS
from ..schema import VALUE_TYPES, Field
from .context import Context, OperandProblem, date_literal, field_named

MEASURES: dict[str, str] = {"length": "the length in characters of a text, code, digits or bsn field"}
"""The functions a comparison may measure a field with, and what each gives."""


def printed_measure(measure: ast.Measure) -> str:
    """A measure as written, for messages: ``length(provision_id)``."""
    return f"{measure.function.text}({measure.field.text})"


def check_measure(context: Context, measure: ast.Measure) -> bool:
    """Whether ``measure`` is a known function of a field it applies to."""
    if measure.function.text not in MEASURES:
        context.report(
            "unknown_function", f"no function named '{measure.function.text}'",
            measure.function.span,
            did_you_mean(measure.function.text, MEASURES) or "length(FIELD) measures a text",
        )
        return False
    field = field_named(context, measure.field)
    if field is None:
        return False
    if field.type.base not in ("text", "code"):
        context.report(
            "type_mismatch", f"'{field.name}' is {field.type.noun}; length(...) measures a text",
            measure.span, "length applies to text, code, digits and bsn fields",
        )
        return False
    return True


def check_comparison(context: Context, comparison: ast.Comparison) -> None:
    if isinstance(comparison.field, ast.Measure):
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
    if isinstance(comparison.value, ast.Measure):
        if field.type.base != "number":
            context.report(
                "type_mismatch",
                f"'{field.name}' is {field.type.noun}; {printed_measure(comparison.value)} "
                "is a number", comparison.value.span,
                "a length compares with numbers only",
            )
            return
        check_measure(context, comparison.value)
        return
    if isinstance(comparison.value, ast.DateShift):
        if field.type.base != "date":
            context.report(
                "type_mismatch",
                f"'{field.name}' is {field.type.noun}; date arithmetic gives a date",
                comparison.value.span,
                "moving by days, weeks, months or years applies to dates only",
            )
            return
        check_date_shift(context, comparison.value)
        return
    if field.type.base not in spec.types:
        applies = " and ".join(sorted(VALUE_TYPES[t].noun[2:] + "s" for t in spec.types))
        context.report(
            "type_mismatch",
            f"'{spec.symbol}' does not apply to '{field.name}', which is {field.type.noun}",
            comparison.span,
            f"'{spec.symbol}' compares {applies}",
        )
        return
    values = comparison.value.items if isinstance(comparison.value, ast.ValueSet) else (comparison.value,)
    for value in values:
        operand = context.resolve(field, value)
        if isinstance(operand, OperandProblem):
            context.report(operand.code, operand.message, value.span, operand.help)
        elif isinstance(operand, FieldRef) and spec.takes_set:
            context.report(
                "type_mismatch", f"'{value.text}' is a field; a list holds values only", value.span,
                did_you_mean(value.text, field.codes or ()) if field.codes else None,
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
            "invalid_amount", f"a date moves by a whole number of {dates.unit_of(shift.unit)}, "
            f"not {amount.written or amount.value}", amount.span,
            "write a whole number, e.g. + 1 months; use - to move back",
        )
        ok = False
    if isinstance(shift.base, ast.Date):
        operand = date_literal(context, shift.base)
        if operand is None:
            return False
        if ok and dates.shift(operand.value, signed_amount(shift), dates.unit_of(shift.unit)) is None:
            context.report("invalid_date", f"{printed_shift(shift)} lies outside the calendar",
                           shift.span, "dates run from 0001-01-01 to 9999-12-31")
            return False
        context.operands[id(shift.base)] = operand
        return ok
    name = ast.Name(shift.base.text, span=shift.base.span)
    field = field_named(context, name)
    if field is None:
        return False
    if field.type.base != "date":
        context.report(
            "type_mismatch", f"'{field.name}' is {field.type.noun}; only a date moves by "
            f"{dates.unit_of(shift.unit)}", shift.span,
            "date arithmetic applies to date fields and date literals",
        )
        return False
    context.operands[id(shift.base)] = FieldRef(field.name)
    return ok


def signed_amount(shift: ast.DateShift) -> int:
    return shift.amount.value if shift.later else -shift.amount.value

