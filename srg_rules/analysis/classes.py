"""A field's classes in the version diff: the sets of its domain points that every printed
comparison treats alike, and how a choice of them is written as a condition.

Place in the pipeline: under :mod:`srg_rules.analysis.regions`, which splits each field's finite
domain (:mod:`srg_rules.analysis.domains`) into these classes and widens regions over them.
Input: a field's classes, or the numbers its length is compared with. Output: conditions in
the IR (:mod:`srg_rules.ir`) that hold exactly for the classes chosen.

Invariants: a :class:`FieldClass`'s condition holds exactly for the values of its points (or
for a missing value); :func:`interval` and :func:`choice` are conditions built only from the
classes' constants, so they have the same truth on a record and on its abstraction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .. import ir
from .encoding import Comparisons, Domain

__all__ = ["Cube", "FieldClass", "choice", "field_classes", "interval", "length_classes",
           "with_length"]

# Two fields compared, as (a, b, months): a with b moved by whole months (0: b itself).
Pair = tuple[str, str, int]


@attrs.frozen
class FieldClass:
    """A set of a field's domain points that every printed comparison treats alike."""

    condition: ir.Condition  # holds exactly for the values of the class
    points: frozenset[int]  # empty for the missing class
    kind: str  # "missing", "value" (one constant, code or boolean), "gap", "other"
    value: Any = None  # for "value"
    below: Any = None  # for "gap": the constant under it (None: none)
    above: Any = None  # for "gap": the constant over it (None: none)


@attrs.frozen
class Cube:
    """A region as the diff widens and prints it: per field, a set of its class indices; per
    compared pair, a set of relations (constraining only records where both fields are
    present)."""

    fields: dict[str, frozenset[int]]
    relations: dict[Pair, frozenset[str]]


def interval(name: str, present: list[FieldClass], low: int, high: int) -> ir.Condition:
    first, last = present[low], present[high]
    if low == high and first.kind == "value":
        return ir.compare("eq", name, first.value)
    bounds = []
    if low > 0:
        bounds.append(ir.compare("ge", name, first.value) if first.kind == "value"
                      else ir.compare("gt", name, first.below))
    if high < len(present) - 1:
        bounds.append(ir.compare("le", name, last.value) if last.kind == "value"
                      else ir.compare("lt", name, last.above))
    return bounds[0] if len(bounds) == 1 else ir.AllOf(tuple(bounds))


def choice(name: str, present: list[FieldClass], picked: list[int]) -> ir.Condition:
    chosen = [present[i] for i in picked]
    if sum(c.kind == "other" for c in present) > 1:  # other texts split by length
        conditions = tuple(c.condition for c in chosen)
        return conditions[0] if len(conditions) == 1 else ir.AnyOf(conditions)
    if any(c.kind == "other" for c in chosen):  # a text other than the constants left out
        left_out = [c.value for i, c in enumerate(present) if i not in picked]
        if len(left_out) == 1:
            return ir.compare("ne", name, left_out[0])
        return ir.compare("not_in_set", name, frozenset(left_out))
    values = [c.value for c in chosen]
    if isinstance(values[0], bool):
        return ir.compare("eq", name, values[0])  # one of two: a set would be both
    if len(values) == 1:
        return ir.compare("eq", name, values[0])
    if any(c.kind == "other" for c in present):  # other texts are left out too
        return ir.compare("in_set", name, frozenset(values))
    left_out = [c.value for i, c in enumerate(present) if i not in picked]
    if len(left_out) == 1:
        return ir.compare("ne", name, left_out[0])
    if len(left_out) < len(values):
        return ir.compare("not_in_set", name, frozenset(left_out))
    return ir.compare("in_set", name, frozenset(values))


def length_classes(bounds: Iterable[Any]) -> list[tuple[int, int | None]]:
    """The runs of text lengths (from 1; None: no upper end) that comparisons of a length with
    ``bounds`` tell apart.

    >>> length_classes([15])
    [(1, 14), (15, 15), (16, None)]
    >>> length_classes([])
    [(1, None)]
    """
    cuts = {1}
    for bound in bounds:
        if bound == int(bound):
            cuts.update(n for n in (int(bound), int(bound) + 1) if n >= 1)
        else:
            cuts.add(max(1, math.ceil(bound)))
    starts = sorted(cuts)
    return [(low, high - 1) for low, high in zip(starts, starts[1:])] + [(starts[-1], None)]


def with_length(condition: ir.Condition, name: str, low: int, high: int | None) -> ir.Condition:
    """``condition`` and the field's length within ``low`` .. ``high``."""
    length = ir.Length(ir.FieldValue(name))
    if low == high:
        bounds = [ir.Compare("eq", length, ir.Constant(low))]
    else:
        bounds = [ir.Compare("ge", length, ir.Constant(low))] if low > 1 else []
        if high is not None:
            bounds.append(ir.Compare("le", length, ir.Constant(high)))
    if not bounds:
        return condition
    parts = bounds if isinstance(condition, ir.IsPresent) else [condition, *bounds]
    return parts[0] if len(parts) == 1 else ir.AllOf(tuple(parts))


def field_classes(domains: Mapping[str, Domain], compared: Comparisons
                  ) -> dict[str, list[FieldClass]]:
    """Each field's classes: the present ones (ascending for ordered types), then missing.
    A field is split at the constants of its whole component (the fields compared with each
    other share their points)."""
    component = compared.components
    # Per component, the points of the constants its fields are compared with.
    constants: dict[str, set[int]] = {}
    for name, values in compared.constants.items():
        if values:
            domain = domains[name]
            found = {i for i in (domain.index(v) for v in values) if i is not None}
            constants.setdefault(component[name], set()).update(found)
    classes: dict[str, list[FieldClass]] = {}
    for name, domain in domains.items():
        kind = domain.field.type.base  # a bsn or digits(n) is a text
        fixed = constants.get(component[name], set())
        points = domain.points
        result: list[FieldClass] = []
        if kind in ("number", "date"):
            run: list[int] = []
            for i in [*domain.allowed, None]:
                if run and (i is None or i in fixed or i != run[-1] + 1):
                    below = max((points[c] for c in fixed if c < run[0]), default=None)
                    above = min((points[c] for c in fixed if c > run[-1]), default=None)
                    bounds = [ir.compare("gt", name, below)] if below is not None else []
                    if above is not None:
                        bounds.append(ir.compare("lt", name, above))
                    condition = (ir.IsPresent(name) if not bounds else bounds[0]
                                 if len(bounds) == 1 else ir.AllOf(tuple(bounds)))
                    result.append(FieldClass(condition, frozenset(run), "gap", None, below, above))
                    run = []
                if i is None:
                    break
                if i in fixed:
                    result.append(FieldClass(ir.compare("eq", name, points[i]), frozenset({i}),
                                             "value", points[i]))
                else:
                    run.append(i)
        elif kind == "text":
            named = [i for i in domain.allowed if i in fixed]
            others = frozenset(i for i in domain.allowed if i not in fixed)
            for i in named:
                result.append(FieldClass(ir.compare("eq", name, points[i]), frozenset({i}),
                                         "value", points[i]))
            if others:
                condition = (ir.compare("not_in_set", name, frozenset(points[i] for i in named))
                             if named else ir.IsPresent(name))
                # Split by the lengths its length comparisons tell apart.
                for low, high in length_classes(compared.lengths.get(name, ())):
                    inside = frozenset(i for i in others if low <= len(points[i])
                                       and (high is None or len(points[i]) <= high))
                    if inside:
                        result.append(FieldClass(with_length(condition, name, low, high),
                                                 inside, "other"))
        else:  # codes and booleans: every point is a value of its own
            for i in domain.allowed:
                result.append(FieldClass(ir.compare("eq", name, points[i]), frozenset({i}),
                                         "value", points[i]))
        if domain.field.optional:
            result.append(FieldClass(ir.Not(ir.IsPresent(name)), frozenset(), "missing"))
        classes[name] = result
    return classes
