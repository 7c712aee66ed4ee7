"""Checking: is a parsed rulebook meaningful? Names, types, code lists, duplicates, cycles.

Input: an :class:`ast.Rulebook`. Output: a :class:`Checked` holding the :class:`Schema` built
from the declarations, the rulebook's definitions and rule ids, and *every* diagnostic found.
:mod:`srg_rules.ir` lowers a rulebook only when this found no errors, and relies on what it
established (every name resolves, every operand has the type its field needs).

The checks run as an ordered tuple of passes (:data:`PASSES`); each adds diagnostics and may
read what earlier passes put in the context. ``resolve_operand`` is the one place that decides
what the right-hand side of a comparison means (a code value, a literal, or another field);
the checker hands what it resolved to the IR in :class:`Checked`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from . import ast, dates
from .checked import Checked, FieldRef, Literal

from .combine import COMBINATIONS
from .diagnostics import Diagnostic, Severity, did_you_mean
from .operators import OPERATORS
from .schema import VALUE_TYPES, Field, OutputSpec, Schema
from .source import Span

__all__ = ["Checked", "FieldRef", "Literal", "OperandProblem", "check", "resolve_operand"]

_BOOLEAN_WORDS = {"true": True, "false": False}


@attrs.frozen
class OperandProblem:
    code: str
    message: str
    help: str | None = None


def check(rulebook: ast.Rulebook) -> Checked:
    """Run every pass and return what they found.

    >>> from srg_rules import parse
    >>> try:
    ...     parse("field hours: number\\ninclude when hours = taal")
    ... except Exception as error:
    ...     print(error.diagnostics[0].code)
    type_mismatch
    """
    context = _Context(rulebook)
    for check_pass in PASSES:
        check_pass(context)
    schema = None
    if not any(d.is_error for d in context.diagnostics):
        schema = Schema(dict(context.fields), context.output)
    return Checked(
        rulebook, schema, dict(context.definitions), context.rule_ids,
        tuple(sorted(context.diagnostics, key=_position)), context.operands,
    )


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    return diagnostic.span.start, diagnostic.span.end


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


def resolve_operand(field: Field, value: ast.Value, fields: dict[str, Field]) -> Literal | FieldRef | OperandProblem:
    """What ``value`` means on the right of a comparison with ``field``.

    A bare word is a value of the field's code list, ``true``/``false`` for a boolean field,
    or else the name of another field of the same type.
    """
    kind = field.type.base
    if isinstance(value, ast.Word):
        word = value.text
        if field.codes is not None and word in field.codes:
            return Literal(word)
        if kind == "boolean" and word.lower() in _BOOLEAN_WORDS:
            return Literal(_BOOLEAN_WORDS[word.lower()])
        other = fields.get(word)
        if other is not None:
            if other.type.base != kind:
                return OperandProblem(
                    "type_mismatch",
                    f"'{field.name}' is {field.type.noun} but '{word}' is {other.type.noun}",
                    "compare a field only with a field of the same type",
                )
            return FieldRef(word)
        if field.codes is not None:
            return OperandProblem(
                "unknown_code",
                f"'{word}' is not a value of field '{field.name}'",
                did_you_mean(word, field.codes) or _code_list_help(field),
            )
        if kind == "boolean":
            return OperandProblem(
                "type_mismatch", f"'{field.name}' is a boolean; '{word}' is not true or false",
                "write true or false, or use the field on its own as a condition",
            )
        if kind == "text":
            return OperandProblem(
                "unknown_field", f"no field named '{word}'",
                did_you_mean(word, fields) or f'to compare with the text {word}, quote it: "{word}"',
            )
        same_type = [name for name, other in fields.items() if other.type.base == kind]
        return OperandProblem(
            "type_mismatch", f"'{field.name}' is {field.type.noun}, but '{word}' is not",
            did_you_mean(word, same_type)
            or f"compare it with {field.type.noun}, e.g. {field.name} "
               + ("> 10" if kind == "number" else "< 2024-01-31"),
        )
    if isinstance(value, ast.Text):
        if kind == "text" and (value.value != value.value.strip() or not value.value):
            return OperandProblem(
                "unreadable_text", f'the text "{value.value}" can never match a record',
                "a record's text is read without surrounding spaces, and a blank text is "
                "missing (write: is missing); remove the spaces",
            )
        if kind in ("code", "text"):
            if field.codes is not None and value.value not in field.codes:
                return OperandProblem(
                    "unknown_code",
                    f'"{value.value}" is not a value of field \'{field.name}\'',
                    did_you_mean(value.value, field.codes) or _code_list_help(field),
                )
            return Literal(value.value)
        hint = "write dates without quotes, e.g. 2024-01-31" if kind == "date" else None
        return OperandProblem(
            "type_mismatch", f"'{field.name}' is {field.type.noun}, not a text", hint
        )
    if isinstance(value, ast.Number):
        if kind == "number":
            return Literal(value.value)
        if kind == "code":
            code = ast.code_text(value)
            if code not in field.codes:
                return OperandProblem(
                    "unknown_code", f"{code} is not a value of field '{field.name}'",
                    did_you_mean(code, field.codes) or _code_list_help(field),
                )
            return Literal(code)
        if kind == "text":
            return OperandProblem(
                "type_mismatch", f"'{field.name}' is a text, not a number",
                f'quote the value: "{value.value}"',
            )
        return OperandProblem(
            "type_mismatch", f"'{field.name}' is {field.type.noun}, but {value.value} is a number"
        )
    assert isinstance(value, ast.Date)
    if kind != "date":
        return OperandProblem(
            "type_mismatch", f"'{field.name}' is {field.type.noun}, but {value.text} is a date"
        )
    try:
        return Literal(_dt.date.fromisoformat(value.text))
    except ValueError:
        return OperandProblem(
            "invalid_date", f"{value.text} is not a real date", "dates are written YYYY-MM-DD"
        )


def _code_list_help(field: Field) -> str:
    values = list(field.codes or ())
    shown = ", ".join(values[:8]) + (", ..." if len(values) > 8 else "")
    return f"the values of '{field.name}' are: {shown}"


# --- passes ------------------------------------------------------------------------------


class _Context:
    def __init__(self, rulebook: ast.Rulebook):
        self.rulebook = rulebook
        self.diagnostics: list[Diagnostic] = []
        self.fields: dict[str, Field] = {}
        self.output: OutputSpec | None = None
        self.definitions: dict[str, ast.Definition] = {}
        self.rule_ids: dict[int, str] = {}
        self.used_definitions: set[str] = set()
        self.names: dict[str, Span] = {}
        self.operands: dict[int, Literal | FieldRef] = {}

    def resolve(self, field: Field, value: ast.Value) -> Literal | FieldRef | OperandProblem:
        """What ``value`` means beside ``field``, remembered for the IR."""
        operand = resolve_operand(field, value, self.fields)
        if not isinstance(operand, OperandProblem):
            self.operands[id(value)] = operand
        return operand

    def report(self, code: str, message: str, span: Span, help: str | None = None,
               severity: Severity = Severity.ERROR,
               related: tuple[tuple[str, Span], ...] = ()) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, severity, help, related))

    def statements(self, kind: type) -> Iterator[tuple[int, Any]]:
        for index, statement in enumerate(self.rulebook.statements):
            if isinstance(statement, kind):
                yield index, statement


def _check_header(context: _Context) -> None:
    headers = [s for _, s in context.statements(ast.Header)]
    for extra in headers[1:]:
        context.report(
            "duplicate_header", "a rulebook has one header", extra.span,
            "merge the two 'rulebook' lines", related=(("first header", headers[0].span),),
        )


def _type_of(context: _Context, spec: ast.TypeSpec, what: str):
    """The ValueType and code list of a written type, reporting what is wrong with it."""
    value_type = VALUE_TYPES.get(spec.name.text)
    if value_type is None:
        context.report(
            "unknown_type", f"'{spec.name.text}' is not a type", spec.name.span,
            did_you_mean(spec.name.text, VALUE_TYPES)
            or "the types are " + ", ".join(VALUE_TYPES),
        )
        return None, None
    if value_type.with_argument is not None:
        argument = spec.argument
        if argument is None or not isinstance(argument.value, int) or not 1 <= argument.value <= 64:
            context.report(
                "type_argument", f"'{value_type.name}' needs {value_type.argument} (1 to 64)",
                (argument or spec).span, f"write e.g. {value_type.name}(4)",
            )
            return None, None
        return value_type.with_argument(argument.value), None
    if spec.argument is not None:
        context.report(
            "type_argument", f"the type '{value_type.name}' takes no argument", spec.argument.span,
            f"write just '{value_type.name}'",
        )
        return None, None
    if value_type.name != "code":
        if spec.codes is not None:
            context.report(
                "unexpected_code_list", f"only a code {what} has a list of values", spec.span,
                f"write 'code {{...}}' for a closed list, or drop the list",
            )
        return value_type, None
    if spec.codes is None:
        context.report(
            "missing_code_list", f"a code {what} needs its list of values", spec.span,
            "list the values, e.g. code {a, b, c}",
        )
        return value_type, None
    codes: dict[str, str | None] = {}
    first_seen: dict[str, Span] = {}
    for entry in spec.codes:
        code = ast.code_text(entry.value)
        if code != code.strip() or not code:
            context.report(
                "unreadable_code", f"the code {code!r} can never be read from a record",
                entry.span, "a record's value is read without surrounding spaces, and a blank "
                "value is missing; remove the spaces",
            )
            continue
        if code in codes:
            context.report(
                "duplicate_code", f"the value '{code}' is listed twice", entry.span,
                "remove one of them", related=(("first listed", first_seen[code]),),
            )
            continue
        codes[code] = entry.label
        first_seen[code] = entry.span
    return value_type, codes


def _claim(context: _Context, name: ast.Name, what: str) -> None:
    """Fields, defines, rules and trajectories share one namespace."""
    if name.text in context.names:
        context.report(
            "duplicate_name", f"the name '{name.text}' is already used", name.span,
            f"give this {what} another name",
            related=(("first used", context.names[name.text]),),
        )
    else:
        context.names[name.text] = name.span


def _check_declarations(context: _Context) -> None:
    def claim(name: ast.Name, what: str) -> None:
        _claim(context, name, what)

    for _, declaration in context.statements(ast.FieldDeclaration):
        claim(declaration.name, "field")
        value_type, codes = _type_of(context, declaration.type, "field")
        if value_type is not None and declaration.name.text not in context.fields:
            context.fields[declaration.name.text] = Field(
                declaration.name.text, value_type, declaration.optional, codes
            )
    outputs = [s for _, s in context.statements(ast.OutputDeclaration)]
    for extra in outputs[1:]:
        context.report(
            "duplicate_output", "a rulebook has one output", extra.span,
            related=(("first output", outputs[0].span),),
        )
    if outputs:
        output = outputs[0]
        value_type, codes = _type_of(context, output.type, "output")
        if value_type is not None and value_type.name != "code":
            context.report(
                "type_mismatch", "the output is a code list", output.type.span,
                'write e.g. output type: code {40 "Coaching naar werk of participatie"}',
            )
        elif codes is not None:
            context.output = OutputSpec(output.name.text, codes)
    for _, definition in context.statements(ast.Definition):
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


def _check_conditions(context: _Context) -> None:
    for _, statement in context.statements((ast.Definition, ast.Rule, ast.Classification,
                                             ast.Trajectory, ast.Expectation)):
        _check_condition(context, statement.condition)


def _check_condition(context: _Context, condition: ast.Condition) -> None:
    if isinstance(condition, (ast.AllOf, ast.AnyOf)):
        for item in condition.items:
            _check_condition(context, item)
    elif isinstance(condition, ast.Not):
        _check_condition(context, condition.item)
    elif isinstance(condition, ast.Reference):
        _check_reference(context, condition.name)
    elif isinstance(condition, ast.Presence):
        _field(context, condition.field)
    else:
        _check_comparison(context, condition)


def _check_reference(context: _Context, name: ast.Name) -> None:
    if name.text in context.definitions:
        context.used_definitions.add(name.text)
        return
    field = context.fields.get(name.text)
    if field is not None:
        if field.type.name != "boolean":
            context.report(
                "type_mismatch",
                f"'{name.text}' is {field.type.noun}, not a condition", name.span,
                f"compare it with a value, e.g. {name.text} = ..."
                if field.type.name != "code" else
                f"compare it with a value, e.g. {name.text} = {next(iter(field.codes or {'...': 0}))}",
            )
        return
    if _declared_field_names(context).__contains__(name.text):
        return  # declared with a bad type; that is reported already
    context.report(
        "unknown_name", f"no field or define named '{name.text}'", name.span,
        did_you_mean(name.text, [*context.fields, *context.definitions]),
    )


def _declared_field_names(context: _Context) -> set[str]:
    return {s.name.text for _, s in context.statements(ast.FieldDeclaration)}


def _field(context: _Context, name: ast.Name) -> Field | None:
    field = context.fields.get(name.text)
    if field is not None:
        return field
    if name.text in _declared_field_names(context):
        return None  # its type is wrong, which is reported at the declaration
    if name.text in context.definitions:
        context.report(
            "type_mismatch", f"'{name.text}' is a define, not a field", name.span,
            f"use the define on its own as a condition: {name.text}",
        )
        return None
    context.report(
        "unknown_field", f"no field named '{name.text}'", name.span,
        did_you_mean(name.text, context.fields),
    )
    return None


MEASURES: dict[str, str] = {"length": "the length in characters of a text, code, digits or bsn field"}
"""The functions a comparison may measure a field with, and what each gives."""


def printed_measure(measure: ast.Measure) -> str:
    """A measure as written, for messages: ``length(provision_id)``."""
    return f"{measure.function.text}({measure.field.text})"


def _check_measure(context: _Context, measure: ast.Measure) -> bool:
    """Whether ``measure`` is a known function of a field it applies to."""
    if measure.function.text not in MEASURES:
        context.report(
            "unknown_function", f"no function named '{measure.function.text}'",
            measure.function.span,
            did_you_mean(measure.function.text, MEASURES) or "length(FIELD) measures a text",
        )
        return False
    field = _field(context, measure.field)
    if field is None:
        return False
    if field.type.base not in ("text", "code"):
        context.report(
            "type_mismatch", f"'{field.name}' is {field.type.noun}; length(...) measures a text",
            measure.span, "length applies to text, code, digits and bsn fields",
        )
        return False
    return True


def _check_comparison(context: _Context, comparison: ast.Comparison) -> None:
    if isinstance(comparison.field, ast.Measure):
        if not _check_measure(context, comparison.field):
            return
        # A measure is a number: the right-hand side reads as beside a number field.
        field = Field(printed_measure(comparison.field), VALUE_TYPES["number"])
    elif isinstance(comparison.field, ast.DateShift):
        if not _check_date_shift(context, comparison.field):
            return
        # A moved date is a date: the right-hand side reads as beside a date field.
        field = Field(printed_shift(comparison.field), VALUE_TYPES["date"])
    else:
        field = _field(context, comparison.field)
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
        _check_measure(context, comparison.value)
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
        _check_date_shift(context, comparison.value)
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


def _check_date_shift(context: _Context, shift: ast.DateShift) -> bool:
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
        operand = _date_literal(context, shift.base)
        if operand is None:
            return False
        if ok and dates.shift(operand.value, _signed(shift), dates.unit_of(shift.unit)) is None:
            context.report("invalid_date", f"{printed_shift(shift)} lies outside the calendar",
                           shift.span, "dates run from 0001-01-01 to 9999-12-31")
            return False
        context.operands[id(shift.base)] = operand
        return ok
    name = ast.Name(shift.base.text, span=shift.base.span)
    field = _field(context, name)
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


def _signed(shift: ast.DateShift) -> int:
    return shift.amount.value if shift.later else -shift.amount.value


def _date_literal(context: _Context, value: ast.Date) -> Literal | None:
    date_field = Field("date", VALUE_TYPES["date"])
    operand = resolve_operand(date_field, value, {})
    if isinstance(operand, OperandProblem):
        context.report(operand.code, operand.message, value.span, operand.help)
        return None
    return operand


def _check_cycles(context: _Context) -> None:
    graph = {name: sorted(_references(d.condition) & context.definitions.keys())
             for name, d in context.definitions.items()}
    reported: set[str] = set()
    for start in graph:
        path = _find_cycle(graph, start)
        if path and start not in reported:
            reported.update(path)
            definition = context.definitions[start]
            chain = " -> ".join([*path, path[0]])
            message = (f"define '{start}' refers to itself" if len(path) == 1
                       else f"defines refer to each other in a circle: {chain}")
            context.report(
                "recursive_define", message, definition.name.span,
                "a define may use other defines, but never itself, directly or indirectly",
                related=tuple((f"define '{n}'", context.definitions[n].name.span) for n in path[1:]),
            )


def _find_cycle(graph: dict[str, list[str]], start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for successor in graph.get(node, ()):
            if successor == start:
                return path
            if successor not in seen:
                seen.add(successor)
                stack.append((successor, [*path, successor]))
    return None


def _references(condition: ast.Condition) -> set[str]:
    if isinstance(condition, ast.Reference):
        return {condition.name.text}
    if isinstance(condition, (ast.AllOf, ast.AnyOf)):
        return set().union(*(_references(item) for item in condition.items))
    if isinstance(condition, ast.Not):
        return _references(condition.item)
    return set()


def _check_outputs(context: _Context) -> None:
    classifications = list(context.statements(ast.Classification))
    type_expectations = [(i, outcome) for i, e in context.statements(ast.Expectation)
                         for outcome in e.outcomes if outcome.code is not None]
    if (classifications or type_expectations) and context.output is None:
        if not any(True for _ in context.statements(ast.OutputDeclaration)):
            first = (classifications or type_expectations)[0][1]
            context.report(
                "missing_output", "'classify' needs an 'output' declaring its codes", first.span,
                'declare it, e.g. output type: code {40 "Coaching naar werk of participatie"}',
            )
        return
    if context.output is None:
        return
    output_field = Field(context.output.name, VALUE_TYPES["code"], codes=context.output.codes)
    for _, statement in [*classifications, *type_expectations]:
        operand = resolve_operand(output_field, statement.code, {})
        if isinstance(operand, OperandProblem):
            message = operand.message.replace(
                f"field '{context.output.name}'", f"the output '{context.output.name}'"
            )
            context.report(operand.code, message, statement.code.span, operand.help)


def _check_unused_definitions(context: _Context) -> None:
    for name, definition in context.definitions.items():
        if name not in context.used_definitions:
            context.report(
                "unused_define", f"define '{name}' is never used", definition.name.span,
                "use it in a rule, or remove it", severity=Severity.WARNING,
            )


def _real_date(context: _Context, date: ast.Date | None) -> _dt.date | None:
    if date is None:
        return None
    try:
        return _dt.date.fromisoformat(date.text)
    except ValueError:
        context.report("invalid_date", f"{date.text} is not a real date", date.span,
                       "dates are written YYYY-MM-DD")
        return None


def _validities(context: _Context) -> Iterator[tuple[ast.Validity, str]]:
    """Every validity period in the rulebook, with what carries it."""
    for _, header in context.statements(ast.Header):
        if header.validity is not None:
            yield header.validity, "the rulebook"
    for _, declaration in context.statements((ast.FieldDeclaration, ast.OutputDeclaration)):
        for entry in declaration.type.codes or ():
            if entry.validity is not None:
                yield entry.validity, f"the value {ast.code_text(entry.value)}"
    for _, statement in context.statements((ast.Rule, ast.Classification)):
        if statement.validity is not None:
            yield statement.validity, "the rule"


def _check_periods(context: _Context) -> None:
    """The decision date, and validity periods that are real and not empty."""
    dated = [s for _, s in context.statements(ast.DecisionDate)]
    for extra in dated[1:]:
        context.report(
            "duplicate_decision_date", "a rulebook names one decision date", extra.span,
            "keep one 'rules in force on' line", related=(("first named", dated[0].span),),
        )
    if dated:
        field = _field(context, dated[0].field)
        if field is not None and field.type.name != "date":
            context.report(
                "type_mismatch",
                f"'{field.name}' is {field.type.noun}; the rules in force are picked by a date",
                dated[0].field.span,
                did_you_mean(field.name, dates := [n for n, f in context.fields.items()
                                                   if f.type.name == "date"])
                or ("name a date field: " + ", ".join(dates) if dates else
                    "declare the date that picks the rules, e.g. field reporting_date: date"),
            )
        elif field is not None and field.optional:
            context.report(
                "optional_decision_date",
                f"'{field.name}' is optional, but every record needs a date to pick its rules",
                dated[0].field.span,
                f"remove 'optional' from field {field.name}, or name a date every record has",
            )
    dated_rulebook = any(h.validity is not None for _, h in context.statements(ast.Header))
    for _, rule in context.statements((ast.Rule, ast.Classification)):
        if dated_rulebook and rule.name is not None and rule.name.text == "not_in_force":
            context.report(
                "reserved_name", "'not_in_force' is the reason of a record outside the "
                "rulebook's validity period", rule.name.span, "give this rule another name",
            )
    for validity, owner in _validities(context):
        start, end = _real_date(context, validity.start), _real_date(context, validity.end)
        if start is not None and end is not None and end < start:
            context.report(
                "empty_period", f"{owner} would be in force from {start} until {end}, "
                "which is no day at all", validity.span, "swap the two dates",
            )
        if not dated:
            context.report(
                "missing_decision_date",
                f"{owner} has a validity period, but the rulebook does not say which date of a "
                "record picks the rules in force", validity.span,
                "add a line such as: rules in force on start_date",
            )


def _check_registration(context: _Context) -> None:
    """Trajectories (one source record, several provisions) and activities (several source
    records, one provision)."""
    for _, trajectory in context.statements(ast.Trajectory):
        _claim(context, trajectory.name, "trajectory")
        seen: dict[str, Span] = {}
        for component in trajectory.components:
            if component.name.text in seen:
                context.report(
                    "duplicate_name",
                    f"trajectory '{trajectory.name.text}' already yields '{component.name.text}'",
                    component.name.span, "give each provision of a trajectory its own name",
                    related=(("first yielded", seen[component.name.text]),),
                )
            seen.setdefault(component.name.text, component.name.span)
            assigned: dict[str, Span] = {}
            for assignment in component.assignments:
                field = _field(context, assignment.field)
                if field is None:
                    continue
                if field.name in assigned:
                    context.report(
                        "duplicate_assignment", f"'{field.name}' is set twice", assignment.span,
                        "set each field once", related=(("first set", assigned[field.name]),),
                    )
                assigned.setdefault(field.name, assignment.span)
                value = assignment.value
                if isinstance(value, ast.Word) and value.text in context.fields \
                        and value.text not in (field.codes or ()):
                    context.report(
                        "type_mismatch", f"'{value.text}' is a field; a provision of a "
                        "trajectory inherits its fields and sets values only", value.span,
                        "write the value the provision gets, e.g. "
                        + (f"{field.name} = {next(iter(field.codes))}" if field.codes
                           else f"{field.name} = ..."),
                    )
                    continue
                operand = context.resolve(field, value)
                if isinstance(operand, OperandProblem):
                    context.report(operand.code, operand.message, assignment.value.span,
                                   operand.help)
    groupings = [s for _, s in context.statements(ast.Activities)]
    for extra in groupings[1:]:
        context.report(
            "duplicate_activities", "a rulebook says once which activities form one provision",
            extra.span, "merge the two 'activities' statements",
            related=(("first statement", groupings[0].span),),
        )
    if not groupings:
        return
    grouping = groupings[0]
    key: dict[str, Span] = {}
    for name in grouping.key:
        field = _field(context, name)
        if field is not None and field.name in key:
            context.report("duplicate_name", f"'{field.name}' is in the key twice", name.span,
                           related=(("first", key[field.name]),))
        if field is not None:
            key.setdefault(field.name, name.span)
    combined: dict[str, Span] = {}
    for combination in grouping.combinations:
        field = _field(context, combination.field)
        way = COMBINATIONS.get(combination.way.text)
        if way is None:
            context.report(
                "unknown_combination", f"'{combination.way.text}' is not a way to combine",
                combination.way.span,
                did_you_mean(combination.way.text, COMBINATIONS)
                or "the ways are " + ", ".join(COMBINATIONS),
            )
        if field is None:
            continue
        if field.name in key:
            context.report(
                "type_mismatch", f"'{field.name}' is part of the key, the same in every activity",
                combination.field.span, f"remove 'combine {field.name} by ...'",
            )
        elif field.name in combined:
            context.report(
                "duplicate_assignment", f"'{field.name}' is combined twice", combination.span,
                "combine each field one way", related=(("first", combined[field.name]),),
            )
        elif way is not None and field.type.base not in way.types:
            fitting = [w.name for w in COMBINATIONS.values() if field.type.base in w.types]
            context.report(
                "type_mismatch",
                f"'{way.name}' does not apply to '{field.name}', which is {field.type.noun}",
                combination.way.span, "for this field use one of: " + ", ".join(fitting),
            )
        combined.setdefault(field.name, combination.span)


def _check_expectations(context: _Context) -> None:
    for _, expectation in context.statements(ast.Expectation):
        statuses = {o.kind for o in expectation.outcomes if o.code is None}
        has_type = any(o.code is not None for o in expectation.outcomes)
        if len(statuses) > 1:
            context.report(
                "conflicting_outcomes",
                f"a provision cannot be {' and '.join(sorted(statuses))} at once",
                expectation.span, "write one expectation per outcome",
            )
        elif has_type and statuses - {"included"}:
            context.report(
                "conflicting_outcomes",
                f"only an included provision has a type, and this expects it {min(statuses)}",
                expectation.span, "expect the type alone (it implies included), or the status",
            )


# Order matters: declarations build the fields and names that conditions are checked
# against; outputs need the output declaration; unused defines need the condition walk.
PASSES: tuple[Callable[[_Context], None], ...] = (
    _check_header,
    _check_declarations,
    _check_conditions,
    _check_cycles,
    _check_outputs,
    _check_periods,
    _check_registration,
    _check_expectations,
    _check_unused_definitions,
)
