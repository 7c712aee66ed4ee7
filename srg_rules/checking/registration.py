"""The registration level: trajectories (one source record, several provisions) and
activities (several source records, one provision)."""

from __future__ import annotations

from .. import ast
from ..combine import COMBINATIONS
from ..diagnostics import did_you_mean
from ..source import Span
from .assignments import check_assignment, check_picking, picking_help
from .context import Context, claim_name, field_named

def check_registration(context: Context) -> None:
    """Trajectories (one source record, several provisions) and activities (several source
    records, one provision)."""
    for _, trajectory in context.statements(ast.Trajectory):
        claim_name(context, trajectory.name, "trajectory")
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
                field = field_named(context, assignment.field)
                if field is None:
                    continue
                if field.name in assigned:
                    context.report(
                        "duplicate_assignment", f"'{field.name}' is set twice", assignment.span,
                        "set each field once", related=(("first set", assigned[field.name]),),
                    )
                assigned.setdefault(field.name, assignment.span)
                check_assignment(context, field, assignment)
    grouping = context.only(
        ast.Activities, "duplicate_activities",
        "a rulebook says once which activities form one provision",
        "merge the two 'activities' statements", "first statement")
    if grouping is None:
        return
    key: dict[str, Span] = {}
    for name in grouping.key:
        field = field_named(context, name)
        if field is not None and field.name in key:
            context.report("duplicate_name", f"'{field.name}' is in the key twice", name.span,
                           related=(("first", key[field.name]),))
        if field is not None:
            key.setdefault(field.name, name.span)
    combined: dict[str, Span] = {}
    ways = {c.field.text: c.way.text for c in grouping.combinations}
    for combination in grouping.combinations:
        field = field_named(context, combination.field)
        picking = check_picking(context, combination, field)
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
        elif way is not None and not picking and field.type.base not in way.types:
            fitting = [w.name for w in COMBINATIONS.values() if field.type.base in w.types]
            context.report(
                "type_mismatch",
                f"'{way.name}' does not apply to '{field.name}', which is {field.type.noun}",
                combination.way.span,
                picking_help(context, combination, field, ways)
                or "for this field use one of: " + ", ".join(fitting),
            )
        combined.setdefault(field.name, combination.span)

