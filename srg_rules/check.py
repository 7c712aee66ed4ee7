"""Checking: is a parsed rulebook meaningful? Names, types, code lists, duplicates, cycles.

Input: an :class:`ast.Rulebook`. Output: a :class:`Checked` holding the :class:`Schema` built
from the declarations, the rulebook's definitions and rule ids, and *every* diagnostic found.
:mod:`srg_rules.ir` lowers a rulebook only when this found no errors, and relies on what it
established (every name resolves, every operand has the type its field needs).

The checks run as an ordered tuple of passes (:data:`PASSES`); each adds diagnostics and may
read what earlier passes put in the context. The passes for each kind of statement live in
:mod:`srg_rules.checking`; this module walks conditions, finds cycles among defines and runs
the passes. :func:`resolve_operand` (in ``checking.context``) is the one place that decides
what the right-hand side of a comparison means; the checker hands what it resolved to the IR
in :class:`Checked`.
"""

from __future__ import annotations

from collections.abc import Callable

from . import ast
from .checked import Checked, FieldRef, Literal
from .checking.context import (Context, OperandProblem, declared_field_names, field_named,
                               resolve_operand)
from .checking.declarations import (check_declarations, check_header, check_outputs,
                                    check_unused_definitions, rule_id)
from .checking.operands import check_comparison
from .checking.patterns import check_pattern_match
from .checking.identifier import check_identifier
from .checking.periods import check_periods
from .checking.precedence import check_mixed_and_or
from .checking.registration import check_registration
from .checking.unique import check_unique
from .diagnostics import Diagnostic, did_you_mean
from .schema import Schema
from .i18n import gettext as _

__all__ = ["Checked", "FieldRef", "Literal", "OperandProblem", "check", "resolve_operand",
           "rule_id"]


def check(rulebook: ast.Rulebook) -> Checked:
    """Run every pass and return what they found.

    >>> from srg_rules import parse
    >>> try:
    ...     parse("field hours: number\\ninclude when hours = taal")
    ... except Exception as error:
    ...     print(error.diagnostics[0].code)
    type_mismatch
    """
    context = Context(rulebook)
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


def check_conditions(context: Context) -> None:
    for _where, statement in context.statements((ast.Definition, ast.Rule, ast.Classification,
                                             ast.Trajectory, ast.Expectation)):
        check_condition(context, statement.condition)


def check_condition(context: Context, condition: ast.Condition) -> None:
    if isinstance(condition, (ast.AllOf, ast.AnyOf)):
        for item in condition.items:
            check_condition(context, item)
    elif isinstance(condition, ast.Not):
        check_condition(context, condition.item)
    elif isinstance(condition, ast.Reference):
        check_reference(context, condition.name)
    elif isinstance(condition, ast.Presence):
        field_named(context, condition.field)
    elif isinstance(condition, ast.PatternMatch):
        check_pattern_match(context, condition)
    else:
        check_comparison(context, condition)


def check_reference(context: Context, name: ast.Name) -> None:
    if name.text in context.definitions:
        context.used_definitions.add(name.text)
        return
    field = context.fields.get(name.text)
    if field is not None:
        if field.type.name != "boolean":
            context.report(
                "type_mismatch",
                _("'{text}' is {noun}, not a condition").format(
                    text=name.text, noun=_(field.type.noun)), name.span,
                _("compare it with a value, e.g. {text} = ...").format(text=name.text)
                if field.type.name != "code" else
                _("compare it with a value, e.g. {text} = {next}").format(
                    text=name.text, next=next(iter(field.codes or {'...': None}))),
            )
        return
    if name.text in declared_field_names(context):
        return  # declared with a bad type; that is reported already
    context.report(
        "unknown_name", _("no field or define named '{text}'").format(text=name.text), name.span,
        did_you_mean(name.text, [*context.fields, *context.definitions]),
    )


def check_cycles(context: Context) -> None:
    graph = {name: sorted(_references(d.condition) & context.definitions.keys())
             for name, d in context.definitions.items()}
    reported: set[str] = set()
    for start in graph:
        path = _find_cycle(graph, start)
        if path and start not in reported:
            reported.update(path)
            definition = context.definitions[start]
            chain = " -> ".join([*path, path[0]])
            message = (_("define '{name}' refers to itself").format(name=start) if len(path) == 1
                       else _("defines refer to each other in a circle: {chain}").format(
                           chain=chain))
            context.report(
                "recursive_define", message, definition.name.span,
                _("a define may use other defines, but never itself, directly or indirectly"),
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


def check_expectations(context: Context) -> None:
    rules = {context.rule_ids[i]: s for i, s in context.statements((ast.Rule, ast.Classification))
             if i in context.rule_ids}
    for _i, expectation in context.statements(ast.Expectation):
        for outcome in expectation.outcomes:
            if outcome.kind == "warning" and outcome.rule is not None:
                check_expected_warning(context, outcome.rule, rules)
        statuses = {o.kind for o in expectation.outcomes if o.code is None and o.kind != "warning"}
        has_type = any(o.code is not None for o in expectation.outcomes)
        if len(statuses) > 1:
            context.report(
                "conflicting_outcomes",
                _("a provision cannot be {items} at once").format(
                    items=' and '.join(sorted(statuses))),
                expectation.span, _("write one expectation per outcome"),
            )
        elif has_type and statuses - {"included"}:
            context.report(
                "conflicting_outcomes",
                _("only an included provision has a type, and this expects it {min}").format(
                    min=min(statuses)),
                expectation.span, _("expect the type alone (it implies included), or the status"),
            )


def check_expected_warning(context: Context, name: ast.Name,
                           rules: dict[str, ast.Rule | ast.Classification]) -> None:
    """``expect warning NAME``: NAME must be a warn rule of the rulebook."""
    warns = [rule_id for rule_id, rule in rules.items()
             if isinstance(rule, ast.Rule) and rule.verb == "warn"]
    rule = rules.get(name.text)
    if rule is None:
        context.report(
            "unknown_rule", _("no warn rule named '{text}'").format(text=name.text), name.span,
            did_you_mean(name.text, warns) or (
                _("name a warn rule, e.g. warn late_start when ..., and expect warning "
                  "late_start")
                if not warns else _("the warn rules are: {items}").format(
                                      items=', '.join(warns))),
        )
    elif not (isinstance(rule, ast.Rule) and rule.verb == "warn"):
        verb = rule.verb if isinstance(rule, ast.Rule) else "classify"
        context.report(
            "not_a_warn_rule", _("'{text}' is a {verb} rule, not a warn rule").format(
                                   text=name.text, verb=verb), name.span,
            _("only a warn rule gives a warning; expect the status it decides instead")
            if verb != "classify" else _("expect its type instead: expect type ... when ..."),
            related=((f"the {verb} rule", rule.span),) if rule.span is not None else (),
        )


# Order matters: declarations build the fields and names that conditions are checked
# against; outputs need the output declaration; unused defines need the condition walk.
PASSES: tuple[Callable[[Context], None], ...] = (
    check_header,
    check_declarations,
    check_conditions,
    check_mixed_and_or,
    check_cycles,
    check_outputs,
    check_periods,
    check_registration,
    check_unique,
    check_identifier,
    check_expectations,
    check_unused_definitions,
)

