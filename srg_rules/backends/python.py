"""The compiled backend: a program becomes one generated Python function, compiled once.

Input: an :class:`ir.Program`. Output: a :class:`CompiledProgram` whose ``decide(record)``
returns exactly the :class:`Decision` the reference interpreter returns (status, type and
reasons, in the same order) for every record, valid or not.

It follows sqlglot's Python executor: a *generator* writes the source of one function, and a
*runtime environment* (a dict, the function's globals) holds everything the source refers to:
field names, constants, code lists, converters, the decisions. The generated source names only
identifiers this module invents (``x3``, ``C12``, ``K0``); a name, code value or text from a
rulebook or a record is never written into the source, not even quoted, so none can become
code. ``CompiledProgram.source`` shows the function; the tests parse it and assert that it
holds no string constant at all.

How it reads a record fast without changing what a record means:

- Every field is read by :meth:`Field.read`, the interpreter's own reader, or by a shortcut
  that provably gives the same value: a per-field memo from raw string to typed value, filled
  only with the results of ``Field.read`` on exact ``str`` keys (plus the field's code values
  and, for an optional field, ``None`` and ``""``). A code value is then one dict lookup, and
  so is a date or a number seen before. A text field strips a ``str`` in place. A value the
  memo does not know goes through ``Field.read``; a value with a problem sends the whole
  record down the slow path (an exception caught in the same function), which reads every
  field with ``Field.read`` exactly as :meth:`Schema.read` does and collects the problems.
- Conditions are Python boolean expressions on local variables (``None`` is missing; a
  comparison with a missing value is false; ``not`` is plain negation) and short-circuit. A
  define used more than once is computed at most once per record (a local memo); one used
  once is written inline.
- Which rules matched is kept as a bit mask per verb, and the mask picks a prebuilt
  :class:`Decision` (decisions are frozen and shared), so deciding allocates nothing on the
  common paths.

Invariants: the generated source contains no string constants and no identifier that came
from the program; evaluating a condition has no side effects, so evaluation order and
short-circuiting are invisible; the memo tables are bounded.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .. import ir
from ..explain import AMBIGUOUS_TYPE, NO_INCLUDE_MATCHED, UNCLASSIFIED, Decision, Status
from ..operators import OPERATORS
from ..schema import VALUE_TYPES, Field

__all__ = ["CompiledProgram", "compile_program", "generate"]

# How many raw strings per field the value memo keeps, and how many decisions are kept per
# verb. Both only bound memory; a miss costs speed, never correctness.
VALUE_MEMO_SIZE = 1 << 15
DECISION_MEMO_SIZE = 1 << 12

# Deeper conditions are split into eagerly evaluated locals, to stay well inside CPython's
# limits on nested parentheses and recursion in its compiler.
_MAX_DEPTH = 40

# Operators written inline: Python's own operator on two present values, exactly what
# OPERATORS[op].evaluate computes. Any other registered operator is called through the
# environment, so a new operator works here without a change.
_INFIX = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
          "in_set": "in", "not_in_set": "not in"}

# Constant types for which ``None OP constant`` is false, so ``x == C`` needs no None test.
_PLAIN_TYPES = (str, int, float, bool, _dt.date)


class _Miss:
    """Sentinel: the value memo does not know this raw value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<miss>"


class _Bad:
    """Sentinel: the raw value has a problem (missing when required, or not of its type)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<problem>"


class _SlowPath(Exception):
    """Raised inside the generated function to read the record the interpreter's way."""


_MISS = _Miss()
_BAD = _Bad()


class CompiledProgram:
    """A program compiled to one Python function.

    Attributes:
        program: the program it was compiled from.
        source: the generated Python source (for reading and debugging; it is already compiled).
        decide: ``decide(record) -> Decision``, the generated function itself.
    """

    def __init__(self, program: ir.Program, source: str, decide: Callable[[Mapping[str, Any]], Decision]):
        self.program = program
        self.source = source
        # The generated function is the method: no wrapper call per record.
        self.decide = decide

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]:
        """Decide records one after another, lazily."""
        return map(self.decide, records)

    def __repr__(self) -> str:
        return f"<CompiledProgram: {len(self.program.rules)} rules>"


def compile_program(program: ir.Program) -> CompiledProgram:
    """Generate, compile and bind the decide function of a program.

    >>> import srg_rules
    >>> book = srg_rules.parse('''
    ... field category: code {taal, mantelzorg}
    ... include when category = taal
    ... ''')
    >>> compiled = compile_program(book.program)
    >>> compiled.decide({"category": "taal"}).status
    <Status.INCLUDED: 'included'>
    >>> compiled.decide({"category": "onbekend"}).reasons
    ('unknown_code:category',)
    """
    source, env = generate(program)
    code = compile(source, "<srg_rules.backends.python>", "exec")
    exec(code, env)  # noqa: S102 - the source holds no text from the program; see generate()
    return CompiledProgram(program, source, env["decide"])


def generate(program: ir.Program) -> tuple[str, dict[str, Any]]:
    """The source of ``decide(record)`` and the runtime environment it runs in."""
    return _Generator(program).generate()


# --- runtime helpers ---------------------------------------------------------------------


def _caching_reader(field: Field, same: set[Any], memo: dict[Any, Any]) -> Callable[[Any], Any]:
    """``Field.read`` returning the value or ``_BAD``, and remembering raw values that read well.

    Only exact ``str`` values and ``None`` are remembered, so a later lookup can only find a
    value that reads the same way. A raw value that reads as itself (a code value, a blank
    optional field's ``None``) goes in ``same``, a membership test being the cheapest lookup;
    any other (a date string and its date) in ``memo``.
    """
    read = field.read

    def reader(raw: Any) -> Any:
        value, problem = read(raw)
        if problem is not None:
            return _BAD
        if raw.__class__ is str or raw is None:
            if value is raw:
                if len(same) < VALUE_MEMO_SIZE:
                    same.add(raw)
            elif len(memo) < VALUE_MEMO_SIZE:
                memo[raw] = value
        return value

    return reader


def _plain_reader(field: Field) -> Callable[[Any], Any]:
    read = field.read

    def reader(raw: Any) -> Any:
        value, problem = read(raw)
        return _BAD if problem is not None else value

    return reader


def _problem_reasons(*problems: Any) -> tuple[str, ...]:
    return tuple(p.reason for p in problems if p is not None)


class _Outcomes:
    """Builds and remembers the decisions that the rule masks select."""

    def __init__(self, program: ir.Program, rejects, excludes, includes, classifications):
        self.reject_ids = tuple(r.id for r in rejects)
        self.exclude_ids = tuple(r.id for r in excludes)
        self.include_ids = tuple(r.id for r in includes)
        self.classifications = tuple(classifications)
        self.has_output = program.schema.output is not None
        self.rejected: dict[tuple[tuple[str, ...], int], Decision] = {}
        self.excluded: dict[int, Decision] = {}
        self.included: dict[int, Decision] = {}
        self.no_include = Decision(Status.EXCLUDED, None, (NO_INCLUDE_MATCHED,))

    @staticmethod
    def _ids(ids: tuple[str, ...], mask: int) -> list[str]:
        return [rule_id for bit, rule_id in enumerate(ids) if mask >> bit & 1]

    @staticmethod
    def _keep(memo: dict, key: Any, decision: Decision) -> Decision:
        if len(memo) < DECISION_MEMO_SIZE:
            memo[key] = decision
        return decision

    def reject(self, problems: tuple[str, ...], mask: int) -> Decision:
        key = (problems, mask)
        decision = self.rejected.get(key)
        if decision is None:
            reasons = (*problems, *self._ids(self.reject_ids, mask))
            decision = self._keep(self.rejected, key, Decision(Status.REJECTED, None, reasons))
        return decision

    def exclude(self, mask: int) -> Decision:
        reasons = tuple(self._ids(self.exclude_ids, mask))
        return self._keep(self.excluded, mask, Decision(Status.EXCLUDED, None, reasons))

    def include(self, mask: int) -> Decision:
        count = len(self.include_ids)
        included = tuple(self._ids(self.include_ids, mask))
        types = [r for bit, r in enumerate(self.classifications) if mask >> (count + bit) & 1]
        if len(types) > 1:
            decision = Decision(Status.REJECTED, None, (AMBIGUOUS_TYPE, *(r.id for r in types)))
        elif types:
            decision = Decision(Status.INCLUDED, types[0].code, (*included, types[0].id))
        elif self.has_output:
            decision = Decision(Status.INCLUDED, None, (*included, UNCLASSIFIED))
        else:
            decision = Decision(Status.INCLUDED, None, included)
        return self._keep(self.included, mask, decision)


# --- the generator -----------------------------------------------------------------------


class _Generator:
    """Writes the source of ``decide`` and fills its environment.

    Every name the source uses is made here from a prefix and a counter; every value it needs
    is put in the environment under such a name.
    """

    def __init__(self, program: ir.Program):
        self.program = program
        self.fields = program.schema.fields
        # Generated code needs no builtins; leaving them out means none can be reached.
        self.env: dict[str, Any] = {"__builtins__": {}}
        self.local_of: dict[str, str] = {}  # field key -> local variable
        self.counter = 0
        self.define_uses: dict[str, int] = {}
        self.define_local: dict[str, str] = {}  # define name -> its memo local
        self.define_body: dict[str, str] = {}  # memo local -> the define's expression
        self.hoisted: list[str] = []

    def name(self, prefix: str, value: Any) -> str:
        """A fresh environment name bound to ``value``."""
        self.counter += 1
        identifier = f"{prefix}{self.counter}"
        self.env[identifier] = value
        return identifier

    # --- the whole function ------------------------------------------------------------

    def generate(self) -> tuple[str, dict[str, Any]]:
        program = self.program
        rejects = program.by_verb("reject")
        excludes = program.by_verb("exclude")
        includes = program.by_verb("include")
        classifications = program.by_verb("classify")
        for rule in program.rules:
            self._check_names(rule.condition)
            self._count_defines(rule.condition)

        outcomes = _Outcomes(program, rejects, excludes, includes, classifications)
        self.env.update(
            M=_MISS, B=_BAD, Slow=_SlowPath, CATCH=(TypeError, _SlowPath),
            PROBLEMS=_problem_reasons, S=str, NOINC=outcomes.no_include,
            MKR=outcomes.reject, MKX=outcomes.exclude, MKI=outcomes.include,
            DX=outcomes.excluded, DI=outcomes.included,
        )
        for index, key in enumerate(self.fields):
            self.local_of[key] = f"x{index}"
            self.env[f"N{index}"] = key

        # The rules are written first so that the hoisted locals they need are known.
        body = self._rules(rejects, excludes, includes, classifications)
        lines = ["def decide(record):", "    get = record.get", "    try:"]
        lines += self._fast_reads()
        lines += ["        P = ()", "    except CATCH:"]
        lines += self._slow_reads()
        lines += [f"    {local} = None" for local in self.define_local.values()]
        lines += [f"    {statement}" for statement in self.hoisted]
        lines += body
        return "\n".join(lines) + "\n", self.env

    def _check_names(self, condition: ir.Condition) -> None:
        for node in ir.walk(condition):
            names = ()
            if isinstance(node, (ir.Compare, ir.IsPresent)):
                names = (node.field,)
            elif isinstance(node, ir.CompareFields):
                names = (node.left, node.right)
            for name in names:
                if name not in self.fields:
                    raise ValueError(f"a condition uses {name!r}, which is not a field of the schema")

    def _count_defines(self, condition: ir.Condition) -> None:
        stack = [condition]
        while stack:
            node = stack.pop()
            if isinstance(node, ir.Defined):
                seen = node.name in self.define_uses
                self.define_uses[node.name] = self.define_uses.get(node.name, 0) + 1
                if not seen:
                    stack.append(node.body)
            elif isinstance(node, (ir.AllOf, ir.AnyOf)):
                stack.extend(node.items)
            elif isinstance(node, ir.Not):
                stack.append(node.item)

    # --- reading the record --------------------------------------------------------------

    def _fast_reads(self) -> list[str]:
        lines: list[str] = []
        for index, (key, field) in enumerate(self.fields.items()):
            x, name, reader = f"x{index}", f"N{index}", f"R{index}"
            if field.type is VALUE_TYPES["text"] and field.codes is None:
                # A str reads as itself stripped; anything else goes through Field.read.
                self.env[reader] = _plain_reader(field)
                lines += [
                    f"        {x} = get({name})",
                    f"        if {x}.__class__ is not S or not ({x} := {x}.strip()):",
                    f"            if ({x} := {reader}(get({name}))) is B:",
                    "                raise Slow",
                ]
                continue
            same: set[Any] = set()
            memo: dict[Any, Any] = {}
            read = _caching_reader(field, same, memo)
            for raw in self._known_raws(field):
                read(raw)
            self.env.update({f"V{index}": same, f"K{index}": memo, reader: read})
            lines += [
                f"        {x} = get({name})",
                f"        if {x} not in V{index}:",
                f"            if ({x} := K{index}.get({x}, M)) is M and ({x} := {reader}(get({name}))) is B:",
                "                raise Slow",
            ]
        return lines

    @staticmethod
    def _known_raws(field: Field) -> Iterable[Any]:
        """Raw values worth remembering before the first record: code values, blanks."""
        yield from (None, "")
        if field.codes is not None:
            yield from (code for code in field.codes if isinstance(code, str))
        if field.type is VALUE_TYPES["boolean"]:
            yield from ("true", "false", "True", "False", "TRUE", "FALSE", "1", "0")

    def _slow_reads(self) -> list[str]:
        lines: list[str] = []
        problems: list[str] = []
        for index, field in enumerate(self.fields.values()):
            self.env[f"F{index}"] = field.read
            lines.append(f"        x{index}, p{index} = F{index}(get(N{index}))")
            problems.append(f"p{index}")
        lines.append(f"        P = PROBLEMS({', '.join(problems)})")
        return lines

    # --- the rules -------------------------------------------------------------------------

    def _rules(self, rejects, excludes, includes, classifications) -> list[str]:
        lines: list[str] = []
        if rejects:
            lines.append("    r = 0")
            for bit, rule in enumerate(rejects):
                lines += [f"    if {self.expression(rule.condition)}:", f"        r |= {1 << bit}"]
            lines += ["    if P or r:", "        return MKR(P, r)"]
        else:
            lines += ["    if P:", "        return MKR(P, 0)"]
        if excludes:
            lines.append("    e = 0")
            for bit, rule in enumerate(excludes):
                lines += [f"    if {self.expression(rule.condition)}:", f"        e |= {1 << bit}"]
            lines += ["    if e:", "        return DX.get(e) or MKX(e)"]
        lines.append("    m = 0")
        for bit, rule in enumerate(includes):
            lines += [f"    if {self.expression(rule.condition)}:", f"        m |= {1 << bit}"]
        lines += ["    if not m:", "        return NOINC"]
        for bit, rule in enumerate(classifications, start=len(includes)):
            lines += [f"    if {self.expression(rule.condition)}:", f"        m |= {1 << bit}"]
        lines.append("    return DI.get(m) or MKI(m)")
        return lines

    def expression(self, node: ir.Condition, depth: int = 0) -> str:
        """A Python expression for a condition, over the field locals."""
        if depth > _MAX_DEPTH:
            # Evaluated eagerly before the rules: conditions have no side effects, so only
            # the speed of such (rare, very deep) conditions changes.
            self.counter += 1
            local = f"h{self.counter}"
            self.hoisted.append(f"{local} = {self.expression(node)}")
            return local
        if isinstance(node, ir.AllOf):
            if not node.items:
                return "True"
            return "(" + " and ".join(self.expression(i, depth + 1) for i in node.items) + ")"
        if isinstance(node, ir.AnyOf):
            if not node.items:
                return "False"
            return "(" + " or ".join(self.expression(i, depth + 1) for i in node.items) + ")"
        if isinstance(node, ir.Not):
            return f"(not {self.expression(node.item, depth + 1)})"
        if isinstance(node, ir.Defined):
            return self._defined(node, depth)
        if isinstance(node, ir.IsPresent):
            return f"({self.local_of[node.field]} is not None)"
        if isinstance(node, ir.Compare):
            return self._compare(node)
        if isinstance(node, ir.CompareFields):
            left, right = self.local_of[node.left], self.local_of[node.right]
            return f"({left} is not None and {right} is not None and {self._apply(node.op, left, right)})"
        raise TypeError(f"not a condition: {node!r}")

    def _defined(self, node: ir.Defined, depth: int) -> str:
        if self.define_uses.get(node.name, 0) <= 1:
            return self.expression(node.body, depth + 1)
        local = self.define_local.get(node.name)
        if local is None:
            self.counter += 1
            local = self.define_local[node.name] = f"d{self.counter}"
            # The body is generated at its first use, with the depth it has there; later uses
            # only read the memo.
            self.define_body[local] = self.expression(node.body, depth + 1)
        body = self.define_body[local]
        # None until first needed; then the computed bool.
        return f"({local} if {local} is not None else ({local} := {body}))"

    def _compare(self, node: ir.Compare) -> str:
        x = self.local_of[node.field]
        value = node.value
        constant = self.name("C", value)
        op = node.op
        if op == "eq" and value.__class__ is bool and self.fields[node.field].type is VALUE_TYPES["boolean"]:
            # A boolean field holds True, False or None, so identity is equality here.
            return f"({x} is {'True' if value else 'False'})"
        if op in ("eq", "in_set") and self._never_matches_none(op, value):
            return f"({self._apply(op, x, constant)})"
        return f"({x} is not None and {self._apply(op, x, constant)})"

    @staticmethod
    def _never_matches_none(op: str, value: Any) -> bool:
        if op == "eq":
            return value.__class__ in _PLAIN_TYPES
        return value.__class__ is frozenset and all(v.__class__ in _PLAIN_TYPES for v in value)

    def _apply(self, op: str, left: str, right: str) -> str:
        if op in _INFIX:
            return f"{left} {_INFIX[op]} {right}"
        if op not in OPERATORS:
            raise ValueError(f"unsupported_operator: {op!r} is not a registered operator")
        function = self.name("O", OPERATORS[op].evaluate)
        return f"{function}({left}, {right})"
