"""A kind of change split into disjoint cubes by a decision tree over the fields' classes:
how ``srg-rules diff --all-regions`` lists every region of a large diff in seconds.

Place in the pipeline: under :mod:`srg_rules.analysis.regions`, which asks it for the cubes of
a kind of change that widening one region at a time (a hundred solver questions each) would
take minutes to list, and proves what it gives. Input: the fields' classes
(:mod:`srg_rules.analysis.classes`), the compared pairs, and a kind of change as a z3 formula
over the field terms of :mod:`srg_rules.analysis.encoding`. Output: :meth:`Split.cubes`, the
kind's cubes one at a time (per field a set of its classes, per pair a set of relations),
in the order of a depth-first walk.

How. The formula is read once into a small logic of its own (:class:`Split`): every atom z3
holds is a test of one field's classes (``field:n4 < 7``, ``present:t18``) or of one
compared pair's relation (``field:d12 < field:d11``), so the formula becomes and/or over
"this field's class is one of these" and "this pair's relation is one of these" (negation
pushed into the sets), hash-consed, so that two equal formulas are one number. The tree picks
a field the formula still reads, restricts the formula to each class of the field, and
joins the classes whose restrictions are the same formula into one branch (an ordered field's
branch is cut into runs, which a region can print as an interval); a branch whose formula is
true is a cube, false is dropped. Paths of a tree never overlap and together are the whole
kind, so the cubes are disjoint and cover it, with no solver question asked to widen them.
A node is restricted by all the values of the field at once (:meth:`Split.restrictions`):
its parts that do not read the field are kept as they are, the values whose restricted parts
are the same are joined once, and the join goes through the kept parts again only when a new
part meets one of them (:meth:`Split._join_onto`): the kind's conjunction of some 200 rules,
restricted at every branch, is not rebuilt each time.

Invariants: a cube holds only records of the formula and no record is in two cubes, *if*
every atom is a function of the classes (which is what the classes are built for). Nothing
here is trusted: the caller proves every cube inside the kind, the cubes disjoint, and the
cover whole (or one record beyond them), with z3, and re-decides every witness with the
reference interpreters. A pair's relation is only branched on where both fields are present;
a cube may still be empty when pairs' relations contradict each other or the classes (the
caller asks for a record of each, and drops those without). A formula this logic cannot read
(an over-approximated comparison, a month moved against another field) raises
:class:`Unsupported`, and the caller widens regions as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any, NamedTuple, Union

import z3

from .. import ir
from ..backends.interpreter import evaluate
from . import matching
from .changes import Group, Outcome, Region, by_text
from .classes import Cube, FieldClass
from .findings import AnalysisError, describe_record

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from ..decision import Decision
    from .encoding import Domain, Encoder

__all__ = ["Narrowing", "Split", "SplitRegions", "Unsupported"]

# Two fields compared, as (a, b, months), as in :mod:`srg_rules.analysis.regions`.
Pair = tuple[str, str, int]
# What a branch is on: a field (its class indices) or a pair (its relations).
Var = Union[str, Pair]
# A cube: the vars it narrows, each to the values it keeps (the others are free).
Narrowing = dict[Var, frozenset[Any]]

_FALSE, _TRUE = 0, 1
_ATOM, _AND, _OR = "atom", "and", "or"

_FLIPPED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}
_HOLDS_FOR = {  # a comparison of a with b, as the relations of (a, b) it holds for
    "lt": {"lt"}, "le": {"lt", "eq"}, "gt": {"gt"}, "ge": {"gt", "eq"}, "eq": {"eq"},
    "ne": {"lt", "gt", "ne"},
}
_KINDS = {
    z3.Z3_OP_LT: "lt", z3.Z3_OP_LE: "le", z3.Z3_OP_GT: "gt", z3.Z3_OP_GE: "ge",
    z3.Z3_OP_EQ: "eq", z3.Z3_OP_DISTINCT: "ne",
}
_TESTS: dict[str, Callable[[int, int], bool]] = {
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
}


class _Kept(NamedTuple):
    """The parts of a joined node that a restriction keeps (see :meth:`Split._join_onto`):
    in order, as a set, and the vars of those that are atoms."""

    parts: list[int]
    members: frozenset[int]
    tested: set[Var]


class Unsupported(Exception):
    """The formula holds an atom that is not a function of one field's classes or one
    pair's relation, or the tree grew past its budget: the caller lists regions otherwise."""


class Split:
    """The fields' classes and pairs as a small hash-consed logic, and the tree over it."""

    def __init__(self, classes: Mapping[str, Sequence[FieldClass]], pairs: Sequence[Pair],
                 relations: Callable[[Pair], Sequence[str]], ordered: Mapping[str, bool],
                 rank: Sequence[str], shared: Sequence[Pair] = (), budget: int = 200_000):
        """``rank``: the fields in the order the tree branches on them (pairs come after
        every field); ``shared``: the pairs whose two fields have the same points (index
        order is value order), whose relations are checked here against the classes;
        ``budget``: the most tree nodes :meth:`cubes` expands per call."""
        self.shared = frozenset(shared)
        self.classes = classes
        self.ordered = ordered
        self.budget = budget
        # field -> whether its classes are proven to exclude each other (by the caller)
        self.exclusive: dict[str, bool] = {}
        self._points: dict[tuple[str, frozenset[Any] | None], tuple[int, ...]] = {}
        self._values: dict[Var, tuple[object, ...]] = {
            name: tuple(range(len(found))) for name, found in classes.items()}
        self._pairs: dict[tuple[str, str], Pair] = {}
        for pair in pairs:
            self._values[pair] = tuple(relations(pair))
            if pair[2] == 0:
                self._pairs[(pair[0], pair[1])] = pair
        self._rank: dict[Var, int] = {name: i for i, name in enumerate(rank)}
        for i, pair in enumerate(pairs):
            self._rank[pair] = len(rank) + i
        # node i is _nodes[i]: ("const",), (_ATOM, var, values), (_AND | _OR, children)
        self._nodes: list[tuple[Any, ...]] = [("const", False), ("const", True)]
        self._table: dict[tuple[Any, ...], int] = {}
        self._support: dict[int, frozenset[Var]] = {_FALSE: frozenset(), _TRUE: frozenset()}
        self._negated: dict[int, int] = {_FALSE: _TRUE, _TRUE: _FALSE}
        self._restricted: dict[tuple[int, Var], tuple[int, ...]] = {}
        self._position: dict[Var, dict[object, int]] = {
            var: {value: i for i, value in enumerate(values)}
            for var, values in self._values.items()}
        self._part_sets: dict[int, tuple[frozenset[int], frozenset[int]]] = {}
        # node -> the conjunctions and disjunctions it is a part of, or the negation of a
        # part of (those whose parts were asked: every one that is a part of a joined node)
        self._owners: dict[int, set[int]] = {}
        # z3 term id -> (the term, kept alive so that z3 never gives its id to another; node)
        self._read: dict[int, tuple[z3.ExprRef, int]] = {}

    # --- the logic ---

    def _make(self, key: tuple[Any, ...], support: frozenset[Var]) -> int:
        node = self._table.get(key)
        if node is None:
            node = self._table[key] = len(self._nodes)
            self._nodes.append(key)
            self._support[node] = support
        return node

    def atom(self, var: Var, values: frozenset[object]) -> int:
        """The node "var takes one of ``values``"."""
        if not values:
            return _FALSE
        if len(values) == len(self._values[var]):
            return _TRUE
        return self._make((_ATOM, var, values), frozenset({var}))

    def both(self, items: Sequence[int]) -> int:
        return self._join(_AND, items)

    def either(self, items: Sequence[int]) -> int:
        return self._join(_OR, items)

    def _join(self, kind: str, items: Sequence[int]) -> int:
        absorbing, neutral = (_FALSE, _TRUE) if kind == _AND else (_TRUE, _FALSE)
        children: set[int] = set()
        atoms: dict[Var, frozenset[object]] = {}
        pending = list(items)
        while pending:
            item = pending.pop()
            if item == absorbing:
                return absorbing
            if item == neutral:
                continue
            node = self._nodes[item]
            if node[0] == kind:
                pending.extend(node[1])
            elif node[0] == _ATOM:
                var, values = node[1], node[2]
                known = atoms.get(var)
                atoms[var] = values if known is None else (
                    known & values if kind == _AND else known | values)
            else:
                children.add(item)
        for var, values in atoms.items():
            merged = self.atom(var, values)
            if merged == absorbing:
                return absorbing
            if merged != neutral:
                children.add(merged)
        if not children:
            return neutral
        if len(children) == 1:
            return next(iter(children))
        negated = self._negated
        if any(negated.get(c, -1) in children for c in children):
            return absorbing  # a formula beside its own negation
        # A part beside a disjunction (conjunction) holding it, or its negation: the
        # disjunction is true (false) or loses that part (rules beside their negations, as
        # "excluded by the old rules and by none of the new" are written).
        other = _OR if kind == _AND else _AND
        for child in list(children):
            node = self._nodes[child]
            if node[0] != other:
                continue
            parts, negations = self._parts_of(child)
            if not children.isdisjoint(parts):
                children.discard(child)
                continue
            if not children.isdisjoint(negations):
                kept = [p for p in node[1] if negated.get(p, -1) not in children]
                return self._join(kind, [*(c for c in children if c != child),
                                         self._join(other, kept)])
        if not children:
            return neutral
        if len(children) == 1:
            return next(iter(children))
        ordered = tuple(sorted(children))
        support = frozenset().union(*(self._support[c] for c in ordered))
        return self._make((kind, ordered), support)

    def _join_onto(self, kind: str, kept: _Kept, items: Sequence[int]) -> int:
        """``_join(kind, [*kept.parts, *items])`` where ``kept`` are parts of one joined node
        (simplified among themselves): without going through them again unless an item meets
        them in a way :meth:`_join` simplifies (an item of the same kind, an atom of a field
        one of them tests, a part or a negation in common)."""
        absorbing, neutral = (_FALSE, _TRUE) if kind == _AND else (_TRUE, _FALSE)
        other = _OR if kind == _AND else _AND
        fixed, nodes, negated, owners = kept.members, self._nodes, self._negated, self._owners
        new: list[int] = []
        tested: set[Var] = set()
        for item in items:
            if item == absorbing:
                return absorbing
            if item == neutral:
                continue
            node = nodes[item]
            if node[0] == _ATOM:
                if node[1] in kept.tested or node[1] in tested:
                    return self._join(kind, [*kept.parts, *items])
                tested.add(node[1])
            owning = owners.get(item)
            if (node[0] == kind or item in fixed or item in new
                    or negated.get(item, -1) in fixed
                    or (owning is not None and not owning.isdisjoint(fixed))):
                return self._join(kind, [*kept.parts, *items])
            new.append(item)
        if not new:
            if not kept.parts:
                return neutral
            if len(kept.parts) == 1:
                return kept.parts[0]
        elif len(new) > 1 or kept.parts:
            together = set(new)
            for item in new:
                if negated.get(item, -1) in together:
                    return self._join(kind, [*kept.parts, *items])
                if nodes[item][0] == other:
                    parts, negations = self._parts_of(item)
                    if not (parts.isdisjoint(fixed) and negations.isdisjoint(fixed)
                            and parts.isdisjoint(together) and negations.isdisjoint(together)):
                        return self._join(kind, [*kept.parts, *items])
        else:
            return new[0]
        ordered = tuple(sorted((*kept.parts, *new)))
        support = frozenset().union(*(self._support[c] for c in ordered))
        return self._make((kind, ordered), support)

    def _parts_of(self, item: int) -> tuple[frozenset[int], frozenset[int]]:
        """A conjunction's or disjunction's parts, and the negations of those known (when
        first asked: a negation made later is missed, which only simplifies less)."""
        found = self._part_sets.get(item)
        if found is None:
            parts = self._nodes[item][1]
            found = self._part_sets[item] = (frozenset(parts), frozenset(
                self._negated[p] for p in parts if p in self._negated))
            for part in (*found[0], *found[1]):  # see _join_onto
                self._owners.setdefault(part, set()).add(item)
        return found

    def negate(self, item: int) -> int:
        found = self._negated.get(item)
        if found is None:
            node = self._nodes[item]
            if node[0] == _ATOM:
                var, values = node[1], node[2]
                found = self.atom(var, frozenset(
                    v for v in self._values[var] if v not in values))
            else:
                children = [self.negate(c) for c in node[1]]
                found = self.either(children) if node[0] == _AND else self.both(children)
            self._negated[item] = found
            self._negated.setdefault(found, item)
        return found

    def restrict(self, item: int, var: Var, value: object) -> int:
        """The node with ``var`` fixed to ``value``."""
        return self.restrictions(item, var)[self._position[var][value]]

    def restrictions(self, item: int, var: Var) -> tuple[int, ...]:
        """The node with ``var`` fixed to each of its values in turn (in the order of
        ``_values[var]``). A conjunction's or disjunction's parts that do not read ``var``
        stay as they are, and the values whose restricted parts are the same are joined
        once: a class of a field most formulas treat alike costs no join of its own."""
        if var not in self._support[item]:
            return (item,) * len(self._values[var])
        key = (item, var)
        found = self._restricted.get(key)
        if found is None:
            node = self._nodes[item]
            if node[0] == _ATOM:
                held = node[2]
                found = tuple(_TRUE if v in held else _FALSE for v in self._values[var])
            else:
                support = self._support
                fixed = [c for c in node[1] if var not in support[c]]
                columns = [self.restrictions(c, var) for c in node[1] if var in support[c]]
                kept = _Kept(fixed, frozenset(fixed), {
                    self._nodes[c][1] for c in fixed if self._nodes[c][0] == _ATOM})
                joined: dict[tuple[int, ...], int] = {}
                results = []
                for row in zip(*columns):
                    child = joined.get(row)
                    if child is None:
                        child = joined[row] = self._join_onto(node[0], kept, row)
                    results.append(child)
                found = tuple(results)
            self._restricted[key] = found
        return found

    # --- reading z3 ---

    def read(self, formula: z3.ExprRef) -> int:
        """The z3 formula (over the encoder's field terms) as a node; raises
        :class:`Unsupported` for an atom that is no test of classes or of a pair."""
        key = formula.get_id()
        known = self._read.get(key)
        if known is not None:
            return known[1]
        kind = formula.decl().kind()
        if z3.is_true(formula):
            found = _TRUE
        elif z3.is_false(formula):
            found = _FALSE
        elif kind == z3.Z3_OP_AND:
            found = self.both([self.read(c) for c in formula.children()])
        elif kind == z3.Z3_OP_OR:
            found = self.either([self.read(c) for c in formula.children()])
        elif kind == z3.Z3_OP_NOT:
            found = self.negate(self.read(formula.arg(0)))
        elif kind in (z3.Z3_OP_PB_AT_MOST, z3.Z3_OP_PB_AT_LEAST):
            items = [self.read(c) for c in formula.children()]
            bound = formula.decl().params()[0]
            found = self._counted(items, bound, at_most=kind == z3.Z3_OP_PB_AT_MOST)
        elif kind == z3.Z3_OP_EQ and z3.is_bool(formula.arg(0)):
            a, b = self.read(formula.arg(0)), self.read(formula.arg(1))
            found = self.either([self.both([a, b]), self.both([self.negate(a), self.negate(b)])])
        else:
            found = self._atom(formula)
        self._read[key] = (formula, found)
        return found

    def _counted(self, items: list[int], bound: object, at_most: bool) -> int:
        """At most 1 / at least 2 of the items (the only counts the outcomes use)."""
        pairs = [self.both([a, b]) for i, a in enumerate(items) for b in items[i + 1:]]
        if at_most and bound == 1:
            return self.negate(self.either(pairs))
        if not at_most and bound == 2:
            return self.either(pairs)
        raise Unsupported(f"a count of {bound}")

    def _atom(self, formula: z3.ExprRef) -> int:
        terms = _constants(formula)
        fields = {name for name, _role in terms}
        if len(fields) == 1:
            name = next(iter(fields))
            if name not in self.classes:
                raise Unsupported(f"an atom over {name}")
            return self.atom(name, self._classes_where(formula, name))
        op = _KINDS.get(formula.decl().kind())
        if len(fields) == 2 and op is not None and all(role == "field" for _n, role in terms):
            a, b = (_field_of(formula.arg(i)) for i in range(2))
            if a is not None and b is not None:
                if (a, b) in self._pairs:
                    return self.atom(self._pairs[(a, b)], self._relations(self._pairs[(a, b)], op))
                if (b, a) in self._pairs:
                    pair = self._pairs[(b, a)]
                    return self.atom(pair, self._relations(pair, _FLIPPED[op]))
        raise Unsupported(f"the atom {formula}")

    def _relations(self, pair: Pair, op: str) -> frozenset[object]:
        held = frozenset(r for r in self._values[pair] if r in _HOLDS_FOR[op])
        if not held and op not in ("eq", "ne"):
            raise Unsupported(f"{op} on the unordered pair {pair}")
        return held

    def _classes_where(self, formula: z3.ExprRef, name: str) -> frozenset[object]:
        """The classes of the field where the atom holds (False where the field is missing
        and the atom reads only its index: every such atom stands beside its presence)."""
        kind = formula.decl().kind()
        found: set[object] = set()
        presence = z3.is_const(formula)  # the presence boolean
        test: Callable[[int, int], bool] | None = None
        if not presence and kind in _KINDS and z3.is_int_value(formula.arg(1)):
            test, bound = _TESTS[_KINDS[kind]], formula.arg(1).as_long()
        for i, cls in enumerate(self.classes[name]):
            if presence:
                holds = cls.kind != "missing"
            elif not cls.points:
                holds = False
            elif test is None:
                raise Unsupported(f"the atom {formula}")
            elif kind == z3.Z3_OP_EQ or kind == z3.Z3_OP_DISTINCT:
                inside = bound in cls.points
                if inside and len(cls.points) > 1:
                    raise Unsupported(f"{formula} splits the class {cls.condition}")
                holds = test(bound, bound) if inside else test(bound, bound + 1)
            else:
                holds = test(min(cls.points), bound)
                if test(max(cls.points), bound) != holds:
                    raise Unsupported(f"{formula} splits the class {cls.condition}")
            if holds:
                found.add(i)
        return frozenset(found)

    # --- the tree ---

    def cubes(self, root: int, consistent: Callable[[Narrowing], bool],
              alive: Callable[[Narrowing], bool], patience: int = 100) -> Iterator[Narrowing]:
        """The root's cubes, depth first: disjoint, together the whole root (see the module's
        invariants). ``consistent`` is asked of a cube whose relations were narrowed or
        whose narrowed pair's field was just branched on; a cube it refuses is dropped with
        everything under it (it holds no record). ``alive`` is asked of every branch once
        ``patience`` branches were walked since the last cube: a branch whose formula is
        false on every record of its cube, though not false as written (one rule beside its
        negation, say, two levels down) holds no cube, and is dropped with all under it."""
        stack: list[tuple[int, Narrowing]] = [(root, {})]
        expanded = since = 0
        while stack:
            node, cube = stack.pop()
            if node == _TRUE:
                since = 0
                yield cube
                continue
            if node == _FALSE:
                continue
            expanded += 1
            since += 1
            if since > patience and not alive(cube):
                continue
            if expanded > self.budget:
                raise Unsupported(f"more than {self.budget} branches")
            var = min(self._support[node], key=self._rank.__getitem__)
            values = cube.get(var, frozenset(self._values[var]))
            if not isinstance(var, str):
                for name in var[:2]:
                    if self._missing(name) in cube.get(name, self._values[name]):
                        raise Unsupported(f"the pair {var} where {name} may be missing")
            by_child: dict[int, list[object]] = {}
            for value, child in zip(self._values[var], self.restrictions(node, var)):
                if value in values:
                    if child != _FALSE:
                        by_child.setdefault(child, []).append(value)
            check = not isinstance(var, str) or any(
                not isinstance(v, str) and var in v[:2] for v in cube)
            branches = []
            for child, kept in by_child.items():
                for piece in self._pieces(var, kept):
                    narrowed = {**cube, var: frozenset(piece)}
                    if check and not self._possible(narrowed, consistent):
                        continue
                    branches.append((child, narrowed))
            stack.extend(reversed(branches))

    def _possible(self, cube: Narrowing, consistent: Callable[[Narrowing], bool]) -> bool:
        """Whether each narrowed pair's relations can hold between its fields' classes (for
        pairs of shared points; ``consistent`` is asked when another pair is narrowed).
        Only a necessary condition for pairs that share a field: the cubes left are each
        asked of z3 by the caller."""
        for var, held in cube.items():
            if isinstance(var, str):
                continue
            if var not in self.shared:
                return consistent(cube)
            a, b = (self.points_of(name, cube.get(name)) for name in var[:2])
            if not a or not b:
                return False
            can = {"lt": a[0] < b[-1], "gt": a[-1] > b[0],
                   "eq": not frozenset(a).isdisjoint(b),
                   "ne": len(a) > 1 or len(b) > 1 or a != b}
            if not any(can[r] for r in held):
                return False
        return True

    def points_of(self, name: str, chosen: frozenset[Any] | None) -> tuple[int, ...]:
        """The points of the field's classes ``chosen`` (None: all of them), ascending;
        remembered, as the same few sets are asked at every branch under them."""
        key = (name, chosen)
        found = self._points.get(key)
        if found is None:
            found = self._points[key] = tuple(sorted(
                p for c in (range(len(self.classes[name])) if chosen is None else chosen)
                for p in self.classes[name][c].points))
        return found

    def _missing(self, name: str) -> int | None:
        classes = self.classes[name]
        return len(classes) - 1 if classes and classes[-1].kind == "missing" else None

    def _pieces(self, var: Var, values: list[Any]) -> list[list[Any]]:
        """The values of one branch as pieces a region can print: an ordered field's classes
        cut into runs of neighbours (its missing class joins the first)."""
        if not isinstance(var, str) or not self.ordered[var]:
            return [values]
        missing = self._missing(var)
        runs: list[list[Any]] = []
        for value in values:
            if value == missing:
                continue
            if runs and value == runs[-1][-1] + 1:
                runs[-1].append(value)
            else:
                runs.append([value])
        if missing in values:
            if runs:
                runs[0].append(missing)
            else:
                runs.append([missing])
        return runs


class SplitRegions:
    """The listing of a kind of change by :class:`Split`'s cubes, proven, as methods of
    :class:`srg_rules.analysis.regions.Comparison` (which holds the solver and the classes,
    and has what is declared here)."""

    if TYPE_CHECKING:
        classes: dict[str, list[FieldClass]]
        pairs: list[Pair]
        ordered: dict[str, bool]
        order: list[str]
        domains: Mapping[str, Domain]
        encoder: Encoder
        _splitter: Split | None
        _records: z3.Solver
        solver: z3.Solver

        def decide(self, record: Mapping[str, Any]) -> tuple[Decision, Decision]: ...
        def text(self, node: ir.Condition) -> str: ...
        def _all_relations(self, pair: Pair) -> tuple[str, ...]: ...
        def _assumed(self, cube: Cube, free: str | None = None) -> list[z3.BoolRef]: ...
        def _check(self, *assumptions: z3.BoolRef) -> z3.CheckSatResult: ...
        def _condition(self, cube: Cube) -> ir.Condition | None: ...
        def _empty(self, assumptions: Iterable[z3.BoolRef]) -> bool: ...
        def _formula(self, cube: Cube) -> z3.BoolRef: ...
        def _group(self, old: Outcome, new: Outcome, direct: bool = False) -> z3.BoolRef: ...
        def _literal(self, formula: z3.BoolRef) -> z3.BoolRef: ...
        def _part(self, key: tuple[str, frozenset[int]] | tuple[Pair, frozenset[str]]
                  ) -> z3.BoolRef: ...
        def _scope(self) -> AbstractContextManager[None]: ...

    def _split(self, old: Outcome, new: Outcome, limit: int, count_limit: int) -> Group | None:
        """The kind of change as the cubes of a decision tree (:mod:`.split`), none widened by
        a question, each proven here: it holds a record (its witness; a listed one is
        re-decided by both interpreters), the cubes lie inside the kind (one question), no
        record lies in two (by the fields that part them, whose classes z3 proves exclusive
        once, and one question without the rules for cubes no field parts: see
        :meth:`_disjoint`), and together they are the kind
        (one question) or a record of the kind lies beyond the ``count_limit`` counted. None
        when the tree cannot read the versions (then the kind is widened as before)."""
        if self._splitter is None:
            rank = self.order[::-1]  # the most used field first: it cuts the kind most
            shared = [pair for pair in self.pairs if pair[2] == 0 and self.domains[pair[0]].points
                      == self.domains[pair[1]].points]
            self._splitter = Split(self.classes, self.pairs, self._all_relations, self.ordered,
                                   rank, shared)
            # No rules and no validity: the cubes' fields, each among its classes' points.
            self._records = z3.SimpleSolver(ctx=self.encoder.context)
        records = self._records
        everything = {name: frozenset(range(len(found))) for name, found in self.classes.items()}

        def cube_of(narrowed: Narrowing) -> Cube:
            return Cube({name: frozenset(narrowed.get(name, values))
                          for name, values in everything.items()},
                         {pair: frozenset(narrowed.get(pair, self._all_relations(pair)))
                          for pair in self.pairs})

        def some(cube: Cube, formula: z3.BoolRef) -> dict[str, Any] | None:
            """A record of the cube: made from its classes when it narrows no relation (any
            point of a class will do), else asked of z3 (None: the relations contradict)."""
            points = {name: self._point(name, min(chosen)) for name, chosen in cube.fields.items()}
            related = {name for pair, held in cube.relations.items()
                       if len(held) < len(self._all_relations(pair)) for name in pair[:2]}
            searched = self._search(cube, related) if related else {}
            if searched is False:
                return None  # the relations contradict: no record
            if isinstance(searched, dict):
                points.update(searched)
            if searched is None:  # too many to search: z3, over the fields of narrowed pairs only
                records.push()  # added and popped: z3 keeps every cube asked as assumption
                records.add(self._compact(cube, related))
                try:
                    result = records.check()
                    if result == z3.unknown:
                        raise AnalysisError("the solver gave up; the diff cannot be proven")
                    if result == z3.unsat:
                        return None
                    model = records.model()
                    for name in related:
                        present = self.encoder.present(name)
                        points[name] = (None if present is not None and not z3.is_true(
                            model.eval(present, model_completion=True)) else model.eval(
                                self.encoder.index(name), model_completion=True).as_long())
                finally:
                    records.pop()
            return self.encoder.record_at(points)

        def consistent(narrowed: Narrowing) -> bool:
            cube = cube_of(narrowed)
            return some(cube, self._formula(cube)) is not None

        with self._scope():
            in_group = self._literal(self._group(old, new))
            return self._split_into(old, new, limit, count_limit, in_group, some, cube_of,
                                    consistent)

    def _split_into(self, old: Outcome, new: Outcome, limit: int, count_limit: int,
                    in_group: z3.BoolRef,
                    some: Callable[[Cube, z3.BoolRef], dict[str, Any] | None],
                    cube_of: Callable[[Narrowing], Cube],
                    consistent: Callable[[Narrowing], bool]
                    ) -> Group | None:
        """:meth:`_split` inside the scope of the group's literal."""
        split = self._splitter
        assert split is not None

        # The parts of dead cubes that z3's proofs used (their unsat cores): a cube whose
        # every such part is inside one of a dead cube's is dead for the same reason.
        dead: list[list[tuple[Var, frozenset[Any]]]] = []

        def alive(narrowed: Narrowing) -> bool:  # some record of the cube is of the kind
            for reason in dead:
                if all(var in narrowed and narrowed[var] <= kept for var, kept in reason):
                    return False
            cube = cube_of(narrowed)
            # asked by the literals of the cube's parts (defined once, in this kind's scope):
            # no formula for z3 to take in at each question
            literals = self._assumed(cube)
            keys: list[tuple[Var, frozenset[Any]]] = [
                *((name, held) for name, held in cube.fields.items()
                  if len(held) < len(self.classes[name])),
                *((pair, held) for pair, held in cube.relations.items()
                  if len(held) < len(self._all_relations(pair)))]
            assert len(keys) == len(literals)  # _assumed's order
            if self._check(*literals, in_group) != z3.unsat:
                return True  # (unknown counts as alive: the branch is walked)
            used = {literal.get_id() for literal in self.solver.unsat_core()}
            dead.append([key for key, literal in zip(keys, literals) if literal.get_id() in used])
            return False

        listed: list[Region] = []
        found: list[z3.BoolRef] = []
        narrowings: list[Narrowing] = []  # found's cubes, as the tree gave them
        left: tuple[dict[str, Any], ir.Condition | None, z3.BoolRef] | None = None
        try:
            for narrowed in split.cubes(split.read(self._group(old, new, direct=True)),
                                        consistent, alive):
                cube = cube_of(narrowed)
                formula = self._formula(cube)
                witness = some(cube, formula)
                if witness is None:
                    continue  # pairs' relations that contradict: no record
                narrowings.append(narrowed)
                if len(found) == count_limit:
                    left = (witness, self._condition(cube), formula)
                    break
                found.append(formula)
                if len(listed) < limit:
                    condition = self._condition(cube)
                    decisions = self.decide(witness)
                    if ((condition is not None and not _holds(condition, witness))
                            or tuple(Outcome.of(d) for d in decisions) != (old, new)):
                        raise AnalysisError(
                            f"the region {self.text(condition) if condition else 'every record'}"
                            f" with witness {describe_record(witness)} does not hold as {old} "
                            f"-> {new} ({[str(Outcome.of(d)) for d in decisions]}, "
                            f"{condition is None or _holds(condition, witness)})")
                    text = self.text(condition) if condition is not None else "every record"
                    listed.append(Region(condition, text, witness, *decisions))
        except Unsupported:
            return None
        # the cubes over their parts' literals (defined once, as the solver already knows
        # them), not their formulas: a smaller disjunction for z3 to take in
        context = self.encoder.context
        inside = self._literal(matching.disjunction(context, [
            matching.conjunction(context, self._assumed(cube_of(narrowed)))
            for narrowed in narrowings[:len(found)]]))
        proven = self._empty([inside, z3.Not(in_group)])
        if left is None:
            proven = proven and self._empty([in_group, z3.Not(inside)])
        if left is not None:  # a record of the kind in a cube of its own, beyond the counted
            witness, condition, formula = left
            proven = (proven and (condition is None or _holds(condition, witness))
                      and tuple(Outcome.of(d) for d in self.decide(witness)) == (old, new))
            found.append(formula)
        if len(found) > 1:
            proven = proven and self._disjoint(narrowings, found)
        if not proven:
            raise AnalysisError(f"the cubes split from {old} -> {new} are not its regions")
        return Group(old, new, by_text(listed), len(found) - len(listed) - (left is not None),
                     left is None)

    def _disjoint(self, cubes: Sequence[Narrowing], formulas: Sequence[z3.BoolRef]) -> bool:
        """Whether no record lies in two of the cubes (``formulas`` are theirs): parted by a
        field they keep disjoint classes of (proven exclusive once, :meth:`_exclusive`), each
        part by another, as the tree parted them; the pairs of cubes no field parts are asked
        of z3 in one question without the rules (asked of all the cubes, "at least two of
        them" took 20 ms a kind at 200 rules)."""
        undecided: list[z3.BoolRef] = []

        def part(group: list[int]) -> None:
            for var in cubes[group[0]]:
                if not isinstance(var, str) or any(var not in cubes[i] for i in group):
                    continue
                parts: dict[frozenset[Any], list[int]] = {}
                for i in group:
                    parts.setdefault(cubes[i][var], []).append(i)
                kept = list(parts)
                if len(kept) > 1 and all(held.isdisjoint(other) for k, held in enumerate(kept)
                                         for other in kept[k + 1:]) and self._exclusive(var):
                    for inside in parts.values():
                        if len(inside) > 1:
                            part(inside)
                    return
            undecided.extend(z3.And(formulas[i], formulas[j])
                             for k, i in enumerate(group) for j in group[k + 1:])

        if len(cubes) > 1:
            part(list(range(len(cubes))))
        return not undecided or matching.check(self._records, (
            matching.disjunction(self.encoder.context, undecided),)) == z3.unsat

    def _exclusive(self, name: str) -> bool:
        """Whether no record is in two classes of the field (one question without the rules
        or validity, asked once per comparison: the classes are built to exclude each other,
        and this is where it is proven, not trusted)."""
        split = self._splitter
        assert split is not None
        found = split.exclusive.get(name)
        if found is None:
            formulas = [self._part((name, frozenset({i}))) for i in range(len(self.classes[name]))]
            found = split.exclusive[name] = len(formulas) < 2 or matching.check(
                self._records, (z3.AtLeast(*formulas, 2),)) == z3.unsat
        return found

    def _compact(self, cube: Cube, names: Set[str]) -> z3.BoolRef:
        """The cube over the fields ``names`` and its pairs, by the points of its classes in
        runs (a few bounds where its formula names every class): the same records of those
        fields, asked of z3 much faster, and valid (every point of a class is allowed)."""
        parts = []
        for name, chosen in cube.fields.items():
            classes = self.classes[name]
            if name not in names:
                continue
            index, present = self.encoder.index(name), self.encoder.present(name)
            points = sorted(p for i in chosen for p in classes[i].points)
            held = [index == lo if lo == hi else z3.And(index >= lo, index <= hi)
                    for lo, hi in _spans(points)]
            formula = self.encoder.any(held)
            if present is not None:
                missing = classes[-1].kind == "missing" and len(classes) - 1 in chosen
                formula = (z3.Or(z3.Not(present), formula) if missing and held
                           else z3.Not(present) if missing else z3.And(present, formula))
            parts.append(formula)
        parts.extend(self._part((pair, held)) for pair, held in cube.relations.items()
                     if len(held) < len(self._all_relations(pair)))
        return matching.conjunction(self.encoder.context, parts)

    def _search(self, cube: Cube, names: Set[str], steps: int = 2000
                ) -> dict[str, int | None] | bool | None:
        """Points of the fields ``names`` (those of narrowed pairs of shared points) meeting
        the cube's relations, by a search over their classes' points; False when there are
        none (the relations contradict), None when the pairs are not all of shared points or the
        search takes over ``steps`` steps (then z3 is asked)."""
        narrowed = [(pair, held) for pair, held in cube.relations.items()
                    if len(held) < len(self._all_relations(pair))]
        if self._splitter is None or any(
                pair not in self._splitter.shared for pair, _held in narrowed):
            return None
        order = sorted(names)
        candidates = {}
        for name in order:
            classes = self.classes[name]
            points = list(self._splitter.points_of(name, cube.fields[name]))
            # a missing value meets every relation (they hold only between present values)
            missing = classes[-1].kind == "missing" and len(classes) - 1 in cube.fields[name]
            candidates[name] = [None] if missing else points[len(points) // 2:] + points[
                :len(points) // 2]  # from the middle up, then below: like the other points
        tests = {"lt": lambda a, b: a < b, "eq": lambda a, b: a == b, "gt": lambda a, b: a > b,
                 "ne": lambda a, b: a != b}
        chosen: dict[str, int | None] = {}
        budget = [steps]
        # per field, its narrowed pairs with a field placed before it: (that field, the
        # relations' tests, whether the field is the pair's first)
        before = {name: i for i, name in enumerate(order)}
        links: dict[str, list[tuple[str, list[Callable[[int, int], bool]], bool]]] = {
            name: [] for name in order}
        for (a, b, _months), held in narrowed:
            if a in before and b in before and a != b:
                later, first = (a, b) if before[a] > before[b] else (b, a)
                links[later].append((first, [tests[r] for r in held], later == a))

        def meets(name: str, point: int | None) -> bool:
            if point is None:
                return True
            for other, held_tests, first in links[name]:
                there = chosen[other]
                if there is not None:
                    left, right = (point, there) if first else (there, point)
                    if not any(test(left, right) for test in held_tests):
                        return False
            return True

        def place(i: int) -> bool:
            if i == len(order):
                return True
            name = order[i]
            for point in candidates[name]:
                budget[0] -= 1
                if budget[0] < 0:
                    raise _TooLong
                if meets(name, point):
                    chosen[name] = point
                    if place(i + 1):
                        return True
                    del chosen[name]
            return False

        try:
            return chosen if place(0) else False
        except _TooLong:
            return None

    def _point(self, name: str, chosen: int) -> int | None:
        """A point of the class (its middle one), None for the missing class."""
        points = sorted(self.classes[name][chosen].points)
        return points[len(points) // 2] if points else None


class _TooLong(Exception):
    """A search past its steps."""


def _holds(condition: ir.Condition, witness: Mapping[str, Any]) -> bool:
    """``evaluate(condition, witness)``, a conjunction part by part: the interpreter
    compiles each condition it is given once (and remembers it), and the cubes' conditions
    are new conjunctions of the same few parts."""
    parts = condition.items if isinstance(condition, ir.AllOf) else (condition,)
    return all(evaluate(part, witness) for part in parts)


def _spans(points: list[int]) -> list[tuple[int, int]]:
    """Ascending points as (first, last) of runs of neighbours: [1, 2, 4] -> [(1, 2), (4, 4)]."""
    spans: list[tuple[int, int]] = []
    for point in points:
        if spans and point == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], point)
        else:
            spans.append((point, point))
    return spans


def _constants(formula: z3.ExprRef) -> set[tuple[str, str]]:
    """The (field, "field" | "present") of every uninterpreted constant in the formula;
    another constant is a field called by its whole name (which no field has)."""
    found: set[tuple[str, str]] = set()
    pending = [formula]
    while pending:
        term = pending.pop()
        if z3.is_const(term) and term.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            role, _colon, name = term.decl().name().partition(":")
            found.add((name, role) if role in ("field", "present") else (term.decl().name(), "?"))
        else:
            pending.extend(term.children())
    return found


def _field_of(term: z3.ExprRef) -> str | None:
    if z3.is_const(term) and term.decl().kind() == z3.Z3_OP_UNINTERPRETED:
        role, _colon, name = str(term.decl().name()).partition(":")
        if role == "field":
            return name
    return None
