"""Functions of several arguments in a comparison: ``age(BIRTH_DATE, ON_DATE)``.

The function's name and its number of arguments are checked with the measures
(:func:`srg_rules.checking.operands.check_measure`); this module checks what each argument of
a known call is, and remembers each argument's meaning for the IR.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ast
from ..checked import FieldRef
from .context import Context, date_literal, field_named
from ..i18n import gettext as _

__all__ = ["check_age", "printed_call"]


def printed_call(call: ast.Call) -> str:
    """A call as written, for messages: ``age(birth_date, start_date)``."""
    return f"{call.function.text}({', '.join(_written(a) for a in call.arguments)})"


def _written(argument: ast.Value | ast.DateShift) -> str:
    if isinstance(argument, ast.DateShift):
        amount = argument.amount.written or str(argument.amount.value)
        return (f"{ast.code_text(argument.base)} {'+' if argument.later else '-'} {amount} "
                f"{argument.unit}")
    return f'"{argument.value}"' if isinstance(argument, ast.Text) else ast.code_text(argument)


def check_age(context: Context, call: ast.Call,
              check_date_shift: Callable[[Context, ast.DateShift], bool]) -> bool:
    """Whether each argument of ``age(...)`` is a date field, a real date literal, or either
    moved by date arithmetic (``reporting_date - 1 months``, checked by ``check_date_shift``,
    which the comparison's checker passes in: it checks a shift wherever one stands)."""
    ok = True
    for argument in call.arguments:
        if isinstance(argument, ast.DateShift):
            ok = check_date_shift(context, argument) and ok
            continue
        if isinstance(argument, ast.Date):
            operand = date_literal(context, argument)
            if operand is None:
                ok = False
            else:
                context.operands[id(argument)] = operand
            continue
        if not isinstance(argument, ast.Word):
            context.report(
                "type_mismatch", _("{written} is not a date; age(...) takes dates").format(
                                     written=_written(argument)),
                argument.span, _("write a date field or a date such as 2024-01-01"),
            )
            ok = False
            continue
        field = field_named(context, ast.Name(argument.text, span=argument.span))
        if field is None:
            ok = False
        elif field.type.base != "date":
            context.report(
                "type_mismatch", _("'{name}' is {noun}; age(...) takes dates").format(
                                     name=field.name, noun=_(field.type.noun)),
                argument.span, _("age(BIRTH_DATE, ON_DATE) takes date fields and date literals"),
            )
            ok = False
        else:
            context.operands[id(argument)] = FieldRef(field.name)
    return ok
