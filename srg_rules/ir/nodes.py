"""The condition trees: node kinds (registered in :data:`NODE_KINDS`), the :class:`Visitor`
that dispatches on them, and the shared machinery that reads a node's parts from its attrs
fields (:func:`walk`, :func:`transform`, :func:`rebuild`, :func:`fields_of`,
:func:`with_constants`). See :mod:`srg_rules.ir`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, Union

import attrs

from .. import dates, patterns
from ..operators import OPERATORS
from ..source import Span


def _span() -> Any:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


# --- node kinds ----------------------------------------------------------------------------

NODE_KINDS: dict[type, str] = {}
"""Every kind of node a condition tree holds (operands included), by class, with the name of
the :class:`Visitor` method that handles it. A consumer that walks trees dispatches through
this table, so a node kind it does not handle is an error, never a silent pass."""


_NodeClass = TypeVar("_NodeClass", bound=type)


def node_kind(name: str) -> Callable[[_NodeClass], _NodeClass]:
    """Register a node class under ``name`` (its :class:`Visitor` method)."""

    def register(cls: _NodeClass) -> _NodeClass:
        NODE_KINDS[cls] = name
        return cls

    return register


class UnhandledNode(TypeError):
    """A consumer met a node kind it has no method for: a construct it was not taught."""


class Visitor:
    """Dispatch on the kind of an IR node: ``visitor(node)`` calls the method named in
    :data:`NODE_KINDS` (``compare``, ``all_of`` ...) with the node and ``args``.

    A kind the subclass has no method for raises :class:`UnhandledNode`, so adding a node kind
    makes every consumer that does not handle it fail loudly (tests/test_node_kinds.py builds
    every kind and runs it through every consumer).
    """

    def __call__(self, node: Any, *args: Any) -> Any:
        name = NODE_KINDS.get(type(node))
        method = getattr(self, name, None) if name is not None else None
        if method is None:
            raise UnhandledNode(
                f"{type(self).__name__} does not handle {type(node).__name__} nodes")
        return method(node, *args)


# --- operands ------------------------------------------------------------------------------


@node_kind("field_value")
@attrs.frozen(cache_hash=True)
class FieldValue:
    """The typed value of a field of the record (None when it is missing or not valid)."""

    name: str
    span: Span | None = _span()


@node_kind("constant")
@attrs.frozen(cache_hash=True)
class Constant:
    """A value written in the rulebook, of the type of what it is compared with; a frozenset
    for the right-hand side of the set operators."""

    value: Any
    span: Span | None = _span()


@node_kind("date_shift")
@attrs.frozen(cache_hash=True)
class DateShift:
    """A date operand moved by ``amount`` (negative: back) ``unit`` s (days, weeks, months or
    years) as :func:`srg_rules.dates.shift` moves it: missing when the base is missing or the
    result leaves the calendar. A shift of a constant is folded when the IR is made."""

    base: Operand
    amount: int
    unit: str
    span: Span | None = _span()


@node_kind("length")
@attrs.frozen(cache_hash=True)
class Length:
    """The length in characters of a text operand (a text, code, digits or bsn value as
    written): a number, missing when the operand is. A length of a constant is folded."""

    operand: Operand
    span: Span | None = _span()


@node_kind("age")
@attrs.frozen(cache_hash=True)
class Age:
    """The age in whole years on ``on`` of someone born on ``birth`` (two date operands), as
    :func:`srg_rules.dates.age` computes it: a number, missing when either operand is. An age
    of two constants is folded."""

    birth: Operand
    on: Operand
    span: Span | None = _span()


Operand = Union[FieldValue, Constant, DateShift, Length, Age]


def fold(operand: Operand) -> Operand:
    """An operand that reads no field, as the constant it is; others as they are."""
    if isinstance(operand, Length) and isinstance(operand.operand, Constant) \
            and operand.operand.value is not None:
        return Constant(len(operand.operand.value), span=operand.span)
    if isinstance(operand, Age) and isinstance(operand.birth, Constant) \
            and isinstance(operand.on, Constant) and None not in (operand.birth.value, operand.on.value):
        return Constant(dates.age(operand.birth.value, operand.on.value), span=operand.span)
    if isinstance(operand, DateShift) and isinstance(operand.base, Constant) \
            and operand.base.value is not None:
        return Constant(dates.shift(operand.base.value, operand.amount, operand.unit),
                        span=operand.span)
    return operand


# --- conditions ----------------------------------------------------------------------------


@node_kind("compare")
@attrs.frozen(cache_hash=True)
class Compare:
    """``left OP right``: false when either side is missing. Both sides have one type; for
    the set operators ``right`` is a :class:`Constant` holding a frozenset."""

    op: str
    left: Operand
    right: Operand
    span: Span | None = _span()


@node_kind("matches")
@attrs.frozen(cache_hash=True)
class Matches:
    """``operand matches "pattern"``: the whole of a text operand (a text, code, digits or
    bsn value as written) matches ``pattern``, a pattern of :mod:`srg_rules.patterns`'s
    subset (its text as the rulebook means it); false when the operand is missing."""

    operand: Operand
    pattern: str
    span: Span | None = _span()


@node_kind("is_present")
@attrs.frozen(cache_hash=True)
class IsPresent:
    field: str
    span: Span | None = _span()


@node_kind("negation")
@attrs.frozen(cache_hash=True)
class Not:
    item: Condition
    span: Span | None = _span()


@node_kind("all_of")
@attrs.frozen(cache_hash=True)
class AllOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


@node_kind("any_of")
@attrs.frozen(cache_hash=True)
class AnyOf:
    items: tuple[Condition, ...]
    span: Span | None = _span()


@node_kind("defined")
@attrs.frozen(cache_hash=True)
class Defined:
    """A use of a define: evaluates as its body; kept so explanations can name it."""

    name: str
    body: Condition
    span: Span | None = _span()


Condition = Union[Compare, IsPresent, Not, AllOf, AnyOf, Defined, Matches]


def compare(op: str, field: str, value: Any, span: Span | None = None) -> Compare:
    """``field OP constant``, the common case.

    >>> compare("eq", "category", "taal")
    Compare(op='eq', left=FieldValue(name='category'), right=Constant(value='taal'))
    """
    return Compare(op, FieldValue(field), Constant(value), span=span)


def compare_fields(op: str, left: str, right: str, span: Span | None = None) -> Compare:
    """``left OP right`` between two fields."""
    return Compare(op, FieldValue(left), FieldValue(right), span=span)


def field_constant(node: Compare) -> tuple[str, Any] | None:
    """``(field, value)`` of a comparison of a field with a constant, else None."""
    if isinstance(node.left, FieldValue) and isinstance(node.right, Constant):
        return node.left.name, node.right.value
    return None


def field_pair(node: Compare) -> tuple[str, str] | None:
    """``(left, right)`` of a comparison of two fields, else None."""
    if isinstance(node.left, FieldValue) and isinstance(node.right, FieldValue):
        return node.left.name, node.right.name
    return None


# --- shared tree machinery -----------------------------------------------------------------
# Every consumer that does not need to know a node's meaning goes through these, which read
# a node's parts from its attrs fields: a new node kind is walked, rebuilt and searched for
# fields without anyone teaching them.


def children(node: Any) -> tuple[Any, ...]:
    """The nodes directly below ``node`` (operands included), in field order."""
    if type(node) not in NODE_KINDS:
        raise UnhandledNode(f"not an IR node: {node!r}")
    parts: list[Any] = []
    for attribute in attrs.fields(type(node)):
        value = getattr(node, attribute.name)
        if type(value) in NODE_KINDS:
            parts.append(value)
        elif isinstance(value, tuple):
            parts.extend(item for item in value if type(item) in NODE_KINDS)
    return tuple(parts)


def rebuild(node: Any, replace: Callable[[Any], Any]) -> Any:
    """``node`` with every direct child ``c`` replaced by ``replace(c)``; the same object
    when nothing changed."""
    changes: dict[str, Any] = {}
    for attribute in attrs.fields(type(node)):
        value = getattr(node, attribute.name)
        if type(value) in NODE_KINDS:
            new = replace(value)
            if new is not value:
                changes[attribute.name] = new
        elif isinstance(value, tuple) and any(type(item) in NODE_KINDS for item in value):
            items = tuple(replace(item) if type(item) in NODE_KINDS else item for item in value)
            if any(a is not b for a, b in zip(items, value)):
                changes[attribute.name] = items
    return attrs.evolve(node, **changes) if changes else node


def walk(node: Any, *, once: bool = False) -> Iterator[Any]:
    """Every node of a tree, parents before children, operands included. ``once``: a node
    object shared by several parents (a define's body) is visited once."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if once:
            if id(current) in seen:
                continue
            seen.add(id(current))
        yield current
        stack.extend(reversed(children(current)))


def transform(node: Any, change: Callable[[Any], Any | None]) -> Any:
    """The tree with each node for which ``change`` returns a replacement replaced (and not
    entered); other nodes are rebuilt from their transformed children."""
    memo: dict[int, Any] = {}

    def visit(current: Any) -> Any:
        key = id(current)
        if key not in memo:
            replaced = change(current)
            memo[key] = rebuild(current, visit) if replaced is None else replaced
        return memo[key]

    return visit(node)


def fields_of(node: Any) -> tuple[str, ...]:
    """The names of the fields a tree reads, in first-seen order.

    >>> fields_of(AllOf((compare("eq", "a", 1), Not(IsPresent("b")))))
    ('a', 'b')
    """
    names: dict[str, None] = {}
    for part in walk(node, once=True):
        if isinstance(part, FieldValue):
            names.setdefault(part.name)
        elif isinstance(part, IsPresent):
            names.setdefault(part.field)
    return tuple(names)


def with_constants(node: Any, fixed: Mapping[str, Any]) -> Any:
    """The tree with the fields in ``fixed`` read as those values (None: missing); a
    comparison or presence test that then reads no field is folded to true (the empty
    :class:`AllOf`) or false (the empty :class:`AnyOf`), and a constant left of a field is
    moved right.

    >>> with_constants(AllOf((compare("eq", "a", 1), compare("lt", "b", 2))), {"a": 1})
    AllOf(items=(AllOf(items=()), Compare(op='lt', left=FieldValue(name='b'), right=Constant(value=2))))
    """
    true, false = AllOf(()), AnyOf(())

    def operand(part: Any) -> Any:
        if isinstance(part, FieldValue) and part.name in fixed:
            return Constant(fixed[part.name], span=part.span)
        return fold(rebuild(part, operand))

    def change(part: Any) -> Any | None:
        if isinstance(part, IsPresent):
            if part.field not in fixed:
                return part
            return true if fixed[part.field] is not None else false
        if isinstance(part, FieldValue):
            return operand(part)
        if isinstance(part, Matches):
            text = operand(part.operand)
            if not isinstance(text, Constant):
                return None if text is part.operand else Matches(text, part.pattern,
                                                                 span=part.span)
            return true if text.value is not None and patterns.parse(part.pattern).matches(
                text.value) else false
        if not isinstance(part, Compare):
            return None
        left, right = operand(part.left), operand(part.right)
        if isinstance(left, Constant) and isinstance(right, Constant):
            if left.value is None or right.value is None:
                return false
            return true if OPERATORS[part.op].evaluate(left.value, right.value) else false
        if isinstance(left, Constant) and left.value is None:
            return false
        if isinstance(right, Constant) and right.value is None:
            return false
        mirror = OPERATORS[part.op].mirror
        if isinstance(left, Constant) and mirror is not None:
            return Compare(mirror, right, left)
        if left is part.left and right is part.right:
            return part
        return Compare(part.op, left, right, span=part.span)

    return transform(node, change)


