"""Declarations: the header, fields and their types, the output, rule ids and unused defines."""

from __future__ import annotations

import datetime as _dt

from .. import ast
from ..diagnostics import Severity, did_you_mean
from ..schema import VALUE_TYPES, Field, OutputSpec, ValueType
from ..source import Span
from .context import Context, OperandProblem, claim_name, resolve_operand
from ..i18n import gettext as _

def rule_id(rule: ast.Rule | ast.Classification, taken: set[str]) -> str:
    """The rule's name, or for an unnamed rule ``line-N`` from the line it starts on."""
    if rule.name is not None:
        return rule.name.text
    base = f"line-{rule.span.line}" if rule.span is not None else "rule"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def check_header(context: Context) -> None:
    context.only(ast.Header, "duplicate_header", _("a rulebook has one header"),
                 _("merge the two 'rulebook' lines"), _("first header"))


def type_of(context: Context, spec: ast.TypeSpec, what: str
            ) -> tuple[ValueType | None, dict[str, str | None] | None]:
    """The ValueType and code list of a written type, reporting what is wrong with it."""
    value_type = VALUE_TYPES.get(spec.name.text)
    if value_type is None:
        context.report(
            "unknown_type", _("'{text}' is not a type").format(text=spec.name.text), spec.name.span,
            did_you_mean(spec.name.text, VALUE_TYPES)
            or _("the types are ") + ", ".join(VALUE_TYPES),
        )
        return None, None
    if value_type.with_argument is not None:
        argument = spec.argument
        if argument is None or not isinstance(argument.value, int) or not 1 <= argument.value <= 64:
            context.report(
                "type_argument", _("'{name}' needs {argument} (1 to 64)").format(
                                     name=value_type.name, argument=value_type.argument),
                (argument or spec).span, _("write e.g. {name}(4)").format(name=value_type.name),
            )
            return None, None
        return value_type.with_argument(argument.value), None
    if spec.argument is not None:
        context.report(
            "type_argument", _("the type '{name}' takes no argument").format(
                                 name=value_type.name), spec.argument.span,
            _("write just '{name}'").format(name=value_type.name),
        )
        return None, None
    if value_type.name != "code":
        if spec.codes is not None:
            context.report(
                "unexpected_code_list", _("only a code {what} has a list of values").format(
                                            what=what), spec.span,
                _("write 'code {...}' for a closed list, or drop the list"),
            )
        return value_type, None
    if spec.codes is None:
        if spec.code_file is not None:
            return value_type, None  # the file could not be read; linking said why
        context.report(
            "missing_code_list", _("a code {what} needs its list of values").format(what=what), spec.span,
            _("list the values, e.g. code {a, b, c}"),
        )
        return value_type, None
    codes: dict[str, str | None] = {}
    first_seen: dict[str, Span | None] = {}
    periods: dict[str, list[ast.CodeEntry]] = {}
    for entry in spec.codes:
        code = ast.code_text(entry.value)
        if code != code.strip() or not code:
            context.report(
                "unreadable_code", _("the code {code!r} can never be read from a record").format(
                                       code=code),
                entry.span, _("a record's value is read without surrounding spaces, and a "
                              "blank value is missing; remove the spaces"),
            )
            continue
        if code in codes:
            overlapping = _overlapping(entry, periods[code])
            if overlapping is not None:
                if entry.validity is None or overlapping.validity is None:
                    message = _("the value '{code}' is listed twice").format(code=code)
                    advice = _("remove one of them")
                else:
                    message = _("the value '{code}' is listed twice for periods that "
                                "overlap").format(code=code)
                    advice = _("a value may be listed again only for a period that does not "
                               "overlap")
                related: tuple[tuple[str, Span | None], ...] = (
                    (_("first listed"), first_seen[code]),)
                if overlapping.span is not first_seen[code]:
                    related += ((_("overlapping"), overlapping.span),)
                context.report("duplicate_code", message, entry.span, advice, related=related)
                continue
            periods[code].append(entry)
            continue
        codes[code] = entry.label
        first_seen[code] = entry.span
        periods[code] = [entry]
    return value_type, codes


def _overlapping(entry: ast.CodeEntry, earlier: list[ast.CodeEntry]) -> ast.CodeEntry | None:
    """The earlier entry of the same value whose period shares a day with ``entry``'s.

    A value may be listed again for another period (a code taken out of use and later taken
    up again); an entry without a period is in force on every day, so it overlaps any other.
    """
    start, end = _days(entry.validity)
    for other in earlier:
        other_start, other_end = _days(other.validity)
        if start <= other_end and other_start <= end:
            return other
    return None


def _days(validity: ast.Validity | None) -> tuple[_dt.date, _dt.date]:
    """A period's first and last day, an open end being the first or last day there is; a
    date that is no real day (reported by the periods pass) counts as open."""
    def day(date: ast.Date | None, default: _dt.date) -> _dt.date:
        try:
            return _dt.date.fromisoformat(date.text) if date is not None else default
        except ValueError:
            return default
    if validity is None:
        return _dt.date.min, _dt.date.max
    return day(validity.start, _dt.date.min), day(validity.end, _dt.date.max)


def check_declarations(context: Context) -> None:
    def claim(name: ast.Name, what: str) -> None:
        claim_name(context, name, what)

    for _i, declaration in context.statements(ast.FieldDeclaration):
        claim(declaration.name, "field")
        value_type, codes = type_of(context, declaration.type, "field")
        if value_type is not None and declaration.name.text not in context.fields:
            context.fields[declaration.name.text] = Field(
                declaration.name.text, value_type, declaration.optional, codes
            )
    output = context.only(ast.OutputDeclaration, "duplicate_output", _("a rulebook has one "
                                                                       "output"),
                          None, _("first output"))
    if output is not None:
        value_type, codes = type_of(context, output.type, "output")
        if value_type is not None and value_type.name != "code":
            context.report(
                "type_mismatch", _("the output is a code list"), output.type.span,
                _('write e.g. output type: code {40 "Coaching naar werk of participatie"}'),
            )
        elif codes is not None:
            context.output = OutputSpec(output.name.text, codes)
    for _i, definition in context.statements(ast.Definition):
        claim(definition.name, "define")
        context.definitions.setdefault(definition.name.text, definition)
    taken: set[str] = set()
    for index, statement in enumerate(context.rulebook.statements):
        if isinstance(statement, (ast.Rule, ast.Classification)):
            if statement.name is not None:
                claim(statement.name, "rule")
            identifier = rule_id(statement, taken)
            taken.add(identifier)
            context.rule_ids[index] = identifier


def check_outputs(context: Context) -> None:
    classifications = list(context.statements(ast.Classification))
    type_expectations = [(i, outcome) for i, e in context.statements(ast.Expectation)
                         for outcome in e.outcomes if outcome.code is not None]
    if (classifications or type_expectations) and context.output is None:
        if not any(True for _ in context.statements(ast.OutputDeclaration)):
            first = (classifications or type_expectations)[0][1]
            context.report(
                "missing_output", _("'classify' needs an 'output' declaring its codes"), first.span,
                _('declare it, e.g. output type: code {40 "Coaching naar werk of participatie"}'),
            )
        return
    if context.output is None:
        return
    output_field = Field(context.output.name, VALUE_TYPES["code"], codes=context.output.codes)
    stated: list[tuple[int, ast.Classification | ast.Outcome]] = [
        *classifications, *type_expectations]
    for _i, statement in stated:
        assert statement.code is not None  # type_expectations holds only outcomes with a code
        operand = resolve_operand(output_field, statement.code, {})
        if isinstance(operand, OperandProblem):
            message = operand.message.replace(
                _("field '{name}'").format(name=context.output.name),
                _("the output '{name}'").format(name=context.output.name),
            )
            context.report(operand.code, message, statement.code.span, operand.help)


def check_unused_definitions(context: Context) -> None:
    # The words once, not per define: a rulebook may hold 150,000 unused ones.
    message, help = _("define '{name}' is never used"), _("use it in a rule, or remove it")
    for name, definition in context.definitions.items():
        if name not in context.used_definitions:
            context.report("unused_define", message.format(name=name), definition.name.span,
                           help, severity=Severity.WARNING)

