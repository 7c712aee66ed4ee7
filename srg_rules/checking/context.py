"""What the checker's passes share: the :class:`Context` they report into, the schema being
built, and :func:`resolve_operand`, the one place that decides what a written value means
beside a field (a code value, a literal, or another field).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import TypeVar, overload

import attrs

from .. import ast
from ..checked import FieldRef, Literal
from ..diagnostics import Diagnostic, Severity, did_you_mean
from ..schema import VALUE_TYPES, Field, OutputSpec
from ..source import Span
from ..i18n import gettext as _

_BOOLEAN_WORDS = {"true": True, "false": False}


@attrs.frozen
class OperandProblem:
    code: str
    message: str
    help: str | None = None


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
                    _("'{name}' is {noun} but '{word}' is {noun2}").format(
                        name=field.name, noun=_(field.type.noun), word=word,
                        noun2=_(other.type.noun)),
                    _("compare a field only with a field of the same type"),
                )
            return FieldRef(word)
        if field.codes is not None:
            return OperandProblem(
                "unknown_code",
                _("'{word}' is not a value of field '{name}'").format(
                    word=word, name=field.name),
                did_you_mean(word, field.codes) or code_list_help(field),
            )
        if kind == "boolean":
            return OperandProblem(
                "type_mismatch", _("'{name}' is a boolean; '{word}' is not true or false").format(
                                     name=field.name, word=word),
                _("write true or false, or use the field on its own as a condition"),
            )
        if kind == "text":
            return OperandProblem(
                "unknown_field", _("no field named '{word}'").format(word=word),
                did_you_mean(word, fields) or _("to compare with the text {word}, quote it: "
                                                '"{word}"').format(
                                                  word=word),
            )
        same_type = [name for name, other in fields.items() if other.type.base == kind]
        return OperandProblem(
            "type_mismatch", _("'{name}' is {noun}, but '{word}' is not").format(
                                 name=field.name, noun=_(field.type.noun), word=word),
            did_you_mean(word, same_type)
            or _("compare it with {noun}, e.g. {name} ").format(
                   noun=_(field.type.noun), name=field.name)
               + ("> 10" if kind == "number" else "< 2024-01-31"),
        )
    if isinstance(value, ast.Text):
        if kind == "text" and (value.value != value.value.strip() or not value.value):
            return OperandProblem(
                "unreadable_text", _('the text "{value}" can never match a record').format(
                                       value=value.value),
                _("a record's text is read without surrounding spaces, and a blank text is "
                  "missing (write: is missing); remove the spaces"),
            )
        if kind in ("code", "text"):
            if field.codes is not None and value.value not in field.codes:
                return OperandProblem(
                    "unknown_code",
                    _('"{value}" is not a value of field \'{name}\'').format(
                        value=value.value, name=field.name),
                    did_you_mean(value.value, field.codes) or code_list_help(field),
                )
            return Literal(value.value)
        hint = "write dates without quotes, e.g. 2024-01-31" if kind == "date" else None
        return OperandProblem(
            "type_mismatch", _("'{name}' is {noun}, not a text").format(
                                 name=field.name, noun=_(field.type.noun)), hint
        )
    if isinstance(value, ast.Number):
        if kind == "number":
            return Literal(value.value)
        if kind == "code":
            code = ast.code_text(value)
            assert field.codes is not None  # the declarations pass gives a code field its list
            if code not in field.codes:
                return OperandProblem(
                    "unknown_code", _("{code} is not a value of field '{name}'").format(
                                        code=code, name=field.name),
                    did_you_mean(code, field.codes) or code_list_help(field),
                )
            return Literal(code)
        if kind == "text":
            return OperandProblem(
                "type_mismatch", _("'{name}' is a text, not a number").format(name=field.name),
                _('quote the value: "{value}"').format(value=value.value),
            )
        return OperandProblem(
            "type_mismatch", _("'{name}' is {noun}, but {value} is a number").format(
                                 name=field.name, noun=_(field.type.noun), value=value.value)
        )
    assert isinstance(value, ast.Date)
    if kind != "date":
        return OperandProblem(
            "type_mismatch", _("'{name}' is {noun}, but {text} is a date").format(
                                 name=field.name, noun=_(field.type.noun), text=value.text)
        )
    try:
        return Literal(_dt.date.fromisoformat(value.text))
    except ValueError:
        return OperandProblem(
            "invalid_date", _("{text} is not a real date").format(text=value.text), _("dates are written YYYY-MM-DD")
        )


def code_list_help(field: Field) -> str:
    values = list(field.codes or ())
    shown = ", ".join(values[:8]) + (", ..." if len(values) > 8 else "")
    return _("the values of '{name}' are: {values}").format(name=field.name, values=shown)


_Kind = TypeVar("_Kind", bound=ast.Statement)
_Other = TypeVar("_Other", bound=ast.Statement)
_Third = TypeVar("_Third", bound=ast.Statement)
_Fourth = TypeVar("_Fourth", bound=ast.Statement)
_Fifth = TypeVar("_Fifth", bound=ast.Statement)


class Context:
    def __init__(self, rulebook: ast.Rulebook):
        self.rulebook = rulebook
        self.diagnostics: list[Diagnostic] = []
        self.fields: dict[str, Field] = {}
        self.output: OutputSpec | None = None
        self.definitions: dict[str, ast.Definition] = {}
        self.rule_ids: dict[int, str] = {}
        self.used_definitions: set[str] = set()
        self.names: dict[str, Span | None] = {}
        self.operands: dict[int, Literal | FieldRef] = {}

    def resolve(self, field: Field, value: ast.Value) -> Literal | FieldRef | OperandProblem:
        """What ``value`` means beside ``field``, remembered for the IR."""
        operand = resolve_operand(field, value, self.fields)
        if not isinstance(operand, OperandProblem):
            self.operands[id(value)] = operand
        return operand

    def report(self, code: str, message: str, span: Span | None, help: str | None = None,
               severity: Severity = Severity.ERROR,
               related: tuple[tuple[str, Span | None], ...] = ()) -> None:
        # AST spans are optional only for trees built by hand; the checker runs on parsed
        # rulebooks, whose nodes all have one (and check() sorts its diagnostics by span).
        assert span is not None and all(place is not None for _, place in related)
        places = tuple((label, place) for label, place in related if place is not None)
        self.diagnostics.append(Diagnostic(code, message, span, severity, help, places))

    # A pass asks for one kind of statement or a tuple of kinds; each overload says which
    # kinds it yields (a tuple of types has no common type narrower than ``object``).
    @overload
    def statements(self, kind: type[_Kind]) -> Iterator[tuple[int, _Kind]]: ...

    @overload
    def statements(self, kind: tuple[type[_Kind], type[_Other]]
                   ) -> Iterator[tuple[int, _Kind | _Other]]: ...

    @overload
    def statements(self, kind: tuple[type[_Kind], type[_Other], type[_Third], type[_Fourth],
                                     type[_Fifth]]
                   ) -> Iterator[tuple[int, _Kind | _Other | _Third | _Fourth | _Fifth]]: ...

    def statements(self, kind: type | tuple[type, ...]) -> Iterator[tuple[int, object]]:
        for index, statement in enumerate(self.rulebook.statements):
            if isinstance(statement, kind):
                yield index, statement

    def only(self, kind: type[_Kind], code: str, message: str, help: str | None,
             first: str) -> _Kind | None:
        """The statement of a kind a rulebook holds at most once (None without one); each
        later one is reported as ``code``, pointing back at the first (labelled ``first``)."""
        found = [statement for _, statement in self.statements(kind)]
        for extra in found[1:]:
            self.report(code, message, extra.span, help, related=((first, found[0].span),))
        return found[0] if found else None


def claim_name(context: Context, name: ast.Name, what: str) -> None:
    """Fields, defines, rules and trajectories share one namespace."""
    if name.text in context.names:
        context.report(
            "duplicate_name", _("the name '{text}' is already used").format(text=name.text), name.span,
            _("give this {what} another name").format(what=what),
            related=((_("first used"), context.names[name.text]),),
        )
    else:
        context.names[name.text] = name.span


def declared_field_names(context: Context) -> set[str]:
    return {s.name.text for _, s in context.statements(ast.FieldDeclaration)}


def field_named(context: Context, name: ast.Name) -> Field | None:
    field = context.fields.get(name.text)
    if field is not None:
        return field
    if name.text in declared_field_names(context):
        return None  # its type is wrong, which is reported at the declaration
    if name.text in context.definitions:
        context.report(
            "type_mismatch", _("'{text}' is a define, not a field").format(text=name.text), name.span,
            _("use the define on its own as a condition: {text}").format(text=name.text),
        )
        return None
    context.report(
        "unknown_field", _("no field named '{text}'").format(text=name.text), name.span,
        did_you_mean(name.text, context.fields),
    )
    return None


def real_date(context: Context, date: ast.Date | None) -> _dt.date | None:
    if date is None:
        return None
    try:
        return _dt.date.fromisoformat(date.text)
    except ValueError:
        context.report("invalid_date", _("{text} is not a real date").format(text=date.text), date.span,
                       _("dates are written YYYY-MM-DD"))
        return None


def date_literal(context: Context, value: ast.Date) -> Literal | None:
    date_field = Field("date", VALUE_TYPES["date"])
    operand = resolve_operand(date_field, value, {})
    if isinstance(operand, OperandProblem):
        context.report(operand.code, operand.message, value.span, operand.help)
        return None
    assert isinstance(operand, Literal)  # only a bare word can name a field; a date cannot
    return operand

