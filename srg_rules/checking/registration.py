"""The registration level: trajectories (one source record, several provisions) and
activities (several source records, one provision)."""

from __future__ import annotations

from .. import ast
from ..combine import COMBINATIONS
from ..diagnostics import did_you_mean
from ..source import Span
from .assignments import check_assignment, check_picking, picking_help
from .context import Context, claim_name, field_named
from ..i18n import gettext as _

def check_registration(context: Context) -> None:
    """Trajectories (one source record, several provisions) and activities (several source
    records, one provision)."""
    for _i, trajectory in context.statements(ast.Trajectory):
        claim_name(context, trajectory.name, "trajectory")
        seen: dict[str, Span | None] = {}
        for component in trajectory.components:
            if component.name.text in seen:
                context.report(
                    "duplicate_name",
                    _("trajectory '{text}' already yields '{text2}'").format(
                        text=trajectory.name.text, text2=component.name.text),
                    component.name.span, _("give each provision of a trajectory its own name"),
                    related=((_("first yielded"), seen[component.name.text]),),
                )
            seen.setdefault(component.name.text, component.name.span)
            assigned: dict[str, Span | None] = {}
            for assignment in component.assignments:
                field = field_named(context, assignment.field)
                if field is None:
                    continue
                if field.name in assigned:
                    context.report(
                        "duplicate_assignment", _("'{name}' is set twice").format(
                                                    name=field.name), assignment.span,
                        _("set each field once"), related=((_("first set"), assigned[field.name]),),
                    )
                assigned.setdefault(field.name, assignment.span)
                check_assignment(context, field, assignment)
    grouping = context.only(
        ast.Activities, "duplicate_activities",
        _("a rulebook says once which activities form one provision"),
        _("merge the two 'activities' statements"), _("first statement"))
    if grouping is None:
        return
    key: dict[str, Span | None] = {}
    for name in grouping.key:
        field = field_named(context, name)
        if field is not None and field.name in key:
            context.report("duplicate_name", _("'{name}' is in the key twice").format(
                                                 name=field.name), name.span,
                           related=((_("first"), key[field.name]),))
        if field is not None:
            key.setdefault(field.name, name.span)
    combined: dict[str, Span | None] = {}
    ways = {c.field.text: c.way.text for c in grouping.combinations}
    for combination in grouping.combinations:
        field = field_named(context, combination.field)
        picking = check_picking(context, combination, field)
        way = COMBINATIONS.get(combination.way.text)
        if way is None:
            context.report(
                "unknown_combination", _("'{text}' is not a way to combine").format(
                                           text=combination.way.text),
                combination.way.span,
                did_you_mean(combination.way.text, COMBINATIONS)
                or _("the ways are ") + ", ".join(COMBINATIONS),
            )
        if field is None:
            continue
        if field.name in key:
            context.report(
                "type_mismatch", _("'{name}' is part of the key, the same in every activity").format(
                                     name=field.name),
                combination.field.span, _("remove 'combine {name} by ...'").format(
                                            name=field.name),
            )
        elif field.name in combined:
            context.report(
                "duplicate_assignment", _("'{name}' is combined twice").format(name=field.name), combination.span,
                _("combine each field one way"), related=((_("first"), combined[field.name]),),
            )
        elif way is not None and not picking and field.type.base not in way.types:
            fitting = [w.name for w in COMBINATIONS.values() if field.type.base in w.types]
            context.report(
                "type_mismatch",
                _("'{name}' does not apply to '{name2}', which is {noun}").format(
                    name=way.name, name2=field.name, noun=_(field.type.noun)),
                combination.way.span,
                picking_help(context, combination, field, ways)
                or _("for this field use one of: ") + ", ".join(fitting),
            )
        combined.setdefault(field.name, combination.span)

