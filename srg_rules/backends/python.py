"""The compiled backend: a program becomes one generated Python function, compiled once.

Input: an :class:`ir.Program`. Output: a :class:`CompiledProgram` whose ``decide(record)``
returns exactly the :class:`Decision` the reference interpreter returns (status, type and
reasons, in the same order) for every record, valid or not.

It follows sqlglot's Python executor: a *generator* writes the source of one function, and a
*runtime environment* (a dict, the function's globals, without builtins) holds everything the
source refers to: constants, code lists, readers, the decisions. The source uses only
identifiers this module makes (``x3``, ``C12``, ``K0``). No code value, text, rule id or other
value from a rulebook or a record is ever written into it; the one thing written is each field
name, as the string literal ``str.__repr__`` makes of it (checked by reading it back), so that
reading a field is ``get('category')``. ``CompiledProgram.source`` shows the function; the
tests parse it and assert that its only string constants are field names and that every name
in it is one the generator made.

How it reads a record fast without changing what a record means:

- Every field is read by :meth:`Field.read`, the interpreter's own reader, or by a shortcut
  that gives the same value: a per-field memo from raw value to typed value, filled only with
  what ``Field.read`` returned for exact ``str`` values and ``None``, starting with the field's
  code values. A code value is then one set membership test, and a date or number string seen
  before one dict lookup. A text field is ``str.strip``; a ``bsn`` or ``digits(n)`` field
  goes through ``Field.read`` like a number (its 11-test and length are the schema's own).
  A value the memo does not know goes
  through ``Field.read``; a value with a problem sends the record down the slow path (an
  exception caught in the same function), which reads every field with ``Field.read``
  exactly as :meth:`Schema.read` does and collects the problems in field order.
- Conditions are Python boolean expressions on local variables (``None`` is missing; a
  comparison with a missing value is false; ``not`` is plain negation) and short-circuit. A
  define used once is written inline; one used more often is assigned to a local just before
  the first rule that needs it, so a record computes it at most once.
- The tests of rules that require a code of the same field (``category = training and
  ...``) sit under one ``if``/``elif`` chain on that field's value
  (:mod:`srg_rules.backends.dispatch`): a record tests only the rules its value can match.
- Which rules matched is kept as a bit mask per verb, and the mask picks a prebuilt
  :class:`Decision` (decisions are frozen and shared), so deciding allocates nothing on the
  common paths. Each decision is made once by :func:`srg_rules.decision.decide` from the
  rules its mask says matched: the backend does not restate the order of the verbs, it only
  tests them in :data:`srg_rules.decision.VERBS` order and returns at the first that decides.
- Warn rules are tested first, after the reads, into a bit mask ``w`` of their own (they
  decide nothing, so every record tests them all); each ``return`` then hands its decision to
  ``_Warned``, which adds the warnings the mask says (memoized, like the decisions).
- Conditions and operands are written by one :class:`ir.Visitor` method per node kind; a new
  operand kind (a date moved by some months) is one more method returning an ``_Operand``.

Invariants: evaluating a condition has no side effects, so evaluation order and short-circuits
are invisible; the memo tables are bounded (:data:`VALUE_MEMO_SIZE`,
:data:`DECISION_MEMO_SIZE`), and a full one costs speed, never correctness. Record values are
taken at their word: a ``str`` subclass that overrides ``strip``, ``__eq__`` or ``__hash__``
may read differently here than in the interpreter.
"""

from __future__ import annotations

import ast as _ast
import datetime as _dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from .. import dates, ir, patterns
from ..decision import VERBS, Decision, decide
from ..months import Month
from ..operators import OPERATORS
from ..schema import VALUE_TYPES, Field, passes_eleven_test
from .dispatch import RuleTest, grouped
from .lookup import CodePeriods, code_periods

__all__ = ["CompiledProgram", "RowProgram", "compile_program", "compile_rows", "generate"]

# How many raw strings per field the value memo keeps, and how many decisions are kept per
# verb. Both only bound memory; a miss costs speed, never correctness.
VALUE_MEMO_SIZE = 1 << 15
DECISION_MEMO_SIZE = 1 << 12

# A verb with at most this many rules (include and classify rules counted together) gets a
# list of every decision its mask can select, built at compile time.
_TABLE_BITS = 10

# Parts of a condition nested deeper than this are assigned to locals first, to stay well
# inside CPython's limits on nested parentheses and on recursion in its compiler.
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


@attrs.frozen
class RowProgram:
    """A program compiled to decide the rows of one CSV header by position.

    Attributes:
        columns: the header the functions read by position.
        source: the generated source of both functions.
        decide: ``decide(row) -> Decision`` for a row of exactly ``len(columns)`` cells (a
            list of ``str``, as the csv module reads it): the decision
            :meth:`CompiledProgram.decide` gives the mapping of the header's names to the
            cells; the same code reads each field, only by position instead of by name.
        keys: ``keys(row) -> tuple``: the typed values of the key fields it was made for, in
            their order, None for a value missing or unreadable (what
            :func:`srg_rules.unique.read_keys` gives for the same mapping).
    """

    columns: tuple[str, ...]
    source: str
    decide: Callable[[Sequence[str]], Decision]
    keys: Callable[[Sequence[str]], tuple[Any, ...]]


def compile_rows(program: ir.Program, columns: Sequence[str],
                 keys: Sequence[str] = ()) -> RowProgram:
    """Generate and compile the functions that decide the rows of a CSV file with this
    header, and read their ``keys`` fields (for ``unique``), by position.

    A run gives them only rows of the header's width (any other row is a malformed row it
    handles itself), so ``row[i]`` always exists; a field the header lacks (an optional
    one) reads as ``None``, as a mapping without the key does.

    >>> import srg_rules
    >>> book = srg_rules.parse("field n: number\\nfield id: text\\ninclude big when n > 10")
    >>> rows = compile_rows(book.program, ("id", "n"), keys=("id",))
    >>> rows.decide(["a", "12"]).reasons, rows.decide(["a", "x"]).reasons
    (('big',), ('invalid_number:n',))
    >>> rows.keys([" a ", "12"]), rows.keys(["", "12"])
    (('a',), (None,))
    """
    generator = _Generator(program, tuple(columns))
    source, env = generator.generate()
    source += generator.keys_function(keys)
    code = compile(source, "<srg_rules.backends.python rows>", "exec")
    exec(code, env)  # noqa: S102 - the source holds no text from the program or the header
    return RowProgram(tuple(columns), source, env["decide"], env["keys"])


def generate(program: ir.Program) -> tuple[str, dict[str, Any]]:
    """The source of ``decide(record)`` and the runtime environment it runs in."""
    return _Generator(program).generate()


# --- runtime helpers ---------------------------------------------------------------------


class _FieldReader:
    """Reads one field as ``Field.read`` does, remembering what it read.

    Only exact ``str`` values and ``None`` are remembered, so a later lookup can only find a
    value that reads the same way: ``same`` holds values that read as themselves (code
    values), ``values`` maps the others to what they read as (``"20240131"`` to its date),
    ``problems`` maps values with a problem to its reason. The generated source looks in
    ``same`` and ``values`` itself and calls ``fast`` on a miss; the slow path calls ``slow``
    for every field. All three tables are bounded by :data:`VALUE_MEMO_SIZE`.
    """

    def __init__(self, field: Field, remember_values: bool = True):
        self.read = field.read
        self.same: set[Any] | None = set() if field.codes is not None else None
        self.values: dict[Any, Any] = {}
        self.problems: dict[Any, str] = {}
        self.remember_values = remember_values

    def _remember(self, raw: Any, value: Any, problem: Any) -> None:
        if raw.__class__ is not str and raw is not None:
            return
        if problem is not None:
            if len(self.problems) < VALUE_MEMO_SIZE:
                self.problems[raw] = problem.reason
        elif value is raw and self.same is not None:
            if len(self.same) < VALUE_MEMO_SIZE:
                self.same.add(raw)
        elif self.remember_values and len(self.values) < VALUE_MEMO_SIZE:
            self.values[raw] = value

    def fast(self, raw: Any) -> Any:
        """The value, or ``_BAD`` when the raw value has a problem."""
        if (raw.__class__ is str or raw is None) and raw in self.problems:
            return _BAD
        value, problem = self.read(raw)
        self._remember(raw, value, problem)
        return _BAD if problem is not None else value

    def slow(self, raw: Any) -> tuple[Any, str | None]:
        """(value, None), or (None, the problem's reason): what Schema.read makes of it."""
        if raw.__class__ is str or raw is None:
            if self.same is not None and raw in self.same:
                return raw, None
            value = self.values.get(raw, _MISS)
            if value is not _MISS:
                return value, None
            reason = self.problems.get(raw)
            if reason is not None:
                return None, reason
        value, problem = self.read(raw)
        self._remember(raw, value, problem)
        return (None, problem.reason) if problem is not None else (value, None)


def _problem_reasons(*reasons: str | None) -> tuple[str, ...]:
    return tuple(reason for reason in reasons if reason is not None)


class _Outcomes:
    """The decisions that the rule masks select (bit i: the i-th rule of a verb), each made by
    :func:`srg_rules.decision.decide` from the rules the mask says matched.

    The generated function returns as soon as a verb decides (see ``_Generator.sections``),
    so a mask reaches here only with the verbs that outrank it unmatched: each method hands
    ``decide`` the matches of its own verbs alone.
    """

    def __init__(self, program: ir.Program):
        self.rules = {verb: program.by_verb(verb) for verb in VERBS}
        self.has_output = program.schema.output is not None
        self.rejected: dict[tuple[tuple[str, ...], int], Decision] = {}
        self.no_include = decide({}, has_output=self.has_output)

    def matched(self, verb: str, mask: int, shift: int = 0) -> tuple[ir.CompiledRule, ...]:
        """The rules of ``verb`` whose bits (from bit ``shift`` on) are set in ``mask``."""
        return tuple(rule for bit, rule in enumerate(self.rules[verb], start=shift)
                     if mask >> bit & 1)

    def reject(self, problems: tuple[str, ...], mask: int) -> Decision:
        """The problems' reasons, then the ids of the reject rules that matched."""
        key = (problems, mask)
        decision = self.rejected.get(key)
        if decision is None:
            decision = decide({"reject": self.matched("reject", mask)}, problems,
                              self.has_output)
            if len(self.rejected) < DECISION_MEMO_SIZE:
                self.rejected[key] = decision
        return decision

    def exclude(self, mask: int) -> Decision:
        return decide({"exclude": self.matched("exclude", mask)}, has_output=self.has_output)

    def include(self, mask: int) -> Decision:
        """Include rules in the low bits, classify rules above them."""
        return decide({"include": self.matched("include", mask),
                       "classify": self.matched("classify", mask, len(self.rules["include"]))},
                      has_output=self.has_output)


class _Warned:
    """A decision with the warnings of the warn rules whose bits are set in a mask."""

    def __init__(self, rules: tuple[ir.CompiledRule, ...]):
        self.ids = tuple(rule.id for rule in rules)
        self.memo: dict[tuple[Decision, int], Decision] = {}

    def __call__(self, decision: Decision, mask: int) -> Decision:
        if not mask:
            return decision
        key = (decision, mask)
        warned = self.memo.get(key)
        if warned is None:
            warned = attrs.evolve(decision, warnings=tuple(
                rule_id for bit, rule_id in enumerate(self.ids) if mask >> bit & 1))
            if len(self.memo) < DECISION_MEMO_SIZE:
                self.memo[key] = warned
        return warned


def _memoized(build: Callable[[int], Decision], memo: dict[int, Decision]) -> Callable[[int], Decision]:
    def lookup(mask: int) -> Decision:
        decision = build(mask)
        if len(memo) < DECISION_MEMO_SIZE:
            memo[mask] = decision
        return decision

    return lookup


def _key_literal(key: Any) -> str | None:
    """A field name as a Python string literal, or None to look it up in the environment.

    Safe by construction: ``str.__repr__`` of an exact ``str`` (not a subclass's own
    ``__repr__``) is always one string literal, with quotes, backslashes and unprintable
    characters escaped; the check below re-reads it to make sure.
    """
    if key.__class__ is not str:
        return None
    literal = str.__repr__(key)
    if _ast.literal_eval(literal) != key or literal[:1] not in ("'", '"'):
        return None
    return literal


@attrs.frozen
class _Operand:
    """An operand as the generated source writes it: ``text`` (a local or an environment
    name), whether it ``maybe_none`` (a missing value), and the value of a constant
    (``_MISS`` for anything else), which lets a comparison leave out a needless None test."""

    text: str
    maybe_none: bool
    constant: Any = _MISS
    # For a computed operand: the source that computes it into ``text`` (a walrus), written
    # where the value is first needed, so a record computes it once.
    first: str | None = None


def _shifter(amount: int, unit: str) -> tuple[Callable[[Any], Any], dict[Any, Any]]:
    """A date (or None) moved as :func:`srg_rules.dates.shift` moves it, and the memo it
    fills, which the generated source looks in first (no call for a date seen before).

    The dates of a file repeat (a reporting month, a start date), so what a date moves to
    is remembered (bounded by :data:`VALUE_MEMO_SIZE`): a plain date, or a :class:`Month`,
    which equals and hashes as its first day and moves as that date does (to a plain
    date); None moves to None. Any other kind of value is moved each time."""
    moved: dict[Any, Any] = {None: None}

    def shifted(day: Any) -> Any:
        if day is None:
            return None
        if day.__class__ is not _dt.date and day.__class__ is not Month:
            return dates.shift(day, amount, unit)
        found = moved.get(day, _MISS)
        if found is _MISS:
            found = dates.shift(day, amount, unit)
            if len(moved) < VALUE_MEMO_SIZE:
                moved[day] = found
        return found

    return shifted, moved


def _bsn_first(fast: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A BSN field's ``fast`` read, a plain BSN first: nine ASCII digits passing the 11-test
    read as themselves (``Field.read`` strips nothing from them, and they are its nine
    digits); anything else is read by ``fast``."""

    def read(raw: Any) -> Any:
        if (raw.__class__ is str and len(raw) == 9 and raw.isdigit() and raw.isascii()
                and passes_eleven_test(raw)):
            return raw
        return fast(raw)

    return read


def _bit(bit: int) -> str:
    """The mask of rule ``bit`` as a literal: in hexadecimal from bit 64 on, which Python
    reads in any length (a decimal literal of more than 4,300 digits, bit 14,284 on, is
    refused: ``sys.int_info.default_max_str_digits``)."""
    return str(1 << bit) if bit < 64 else hex(1 << bit)


def _returning_warned(line: str) -> str:
    """A line of the rules' sections, its ``return X`` made ``return WARN(X, w) if w else X``
    (most records match no warn rule: no call for them)."""
    body = line.lstrip()
    if not body.startswith("return "):
        return line
    decision = body[len('return '):]
    return f"{line[:len(line) - len(body)]}return WARN({decision}, w) if w else {decision}"


def _outside_all(bounds: tuple[tuple[_dt.date, _dt.date], ...], day: _dt.date) -> bool:
    """``day`` lies outside every (start, end) of ``bounds``."""
    return all(day < start or day > end for start, end in bounds)


def _age(birth: Any, on: Any) -> Any:
    """The age in whole years (or None), as the interpreter computes it."""
    return None if birth is None or on is None else dates.age(birth, on)


# --- the generator -----------------------------------------------------------------------


class _Generator(ir.Visitor):
    """Writes the source of ``decide`` and fills its environment.

    Every name the source uses is made here from a prefix and a counter; every value it needs
    is put in the environment under such a name. As an :class:`ir.Visitor` it writes a node as
    Python: a condition as a boolean expression (one method per kind), an operand as an
    :class:`_Operand`; a node kind it has no method for raises :class:`ir.UnhandledNode`.
    """

    def __init__(self, program: ir.Program, columns: Sequence[str] | None = None):
        self.program = program
        self.fields = program.schema.fields
        # By position: the column of each field in a CSV header (the last of a name written
        # twice, as a dict made of the row keeps it); None: the function reads a mapping.
        self.position: dict[str, int] | None = (
            None if columns is None else {name: index for index, name in enumerate(columns)})
        # Generated code needs no builtins; leaving them out means none can be reached.
        self.env: dict[str, Any] = {"__builtins__": {}}
        self.local_of: dict[str, str] = {}  # field key -> local variable
        self.key: dict[str, str] = {}  # field key -> how the source writes it
        self.readers: dict[str, _FieldReader] = {}
        self.counter = 0
        self.define_uses: dict[str, int] = {}
        self.define_local: dict[str, str] = {}  # define name -> the local holding its value
        # Assignments that the next rule's test needs first (shared defines, deep parts).
        self.pending: list[str] = []
        self.equality_source: dict[tuple[str, str], str] = {}  # (field, text) -> its test

    def raw_of(self, key: str) -> str:
        """How the source reads a field's raw value: ``get('name')`` from a mapping, or
        ``row[3]`` from a CSV row (``None`` for a column the header lacks, as ``get`` finds
        no key)."""
        if self.position is None:
            return f"get({self.key[key]})"
        index = self.position.get(key)
        return "None" if index is None else f"row[{index}]"

    def name(self, prefix: str, value: Any) -> str:
        """A fresh environment name bound to ``value``."""
        self.counter += 1
        identifier = f"{prefix}{self.counter}"
        self.env[identifier] = value
        return identifier

    # --- the whole function ------------------------------------------------------------

    def generate(self) -> tuple[str, dict[str, Any]]:
        program = self.program
        conditions = [rule.condition for rule in program.rules]
        self._check_names(conditions)
        for condition in conditions:
            self._count_defines(condition)

        self.outcomes = outcomes = _Outcomes(program)
        self.env.update(
            M=_MISS, B=_BAD, Slow=_SlowPath, CATCH=(TypeError, _SlowPath),
            PROBLEMS=_problem_reasons, STRIP=str.strip, NOINC=outcomes.no_include,
            MKR=outcomes.reject,
        )
        for index, key in enumerate(self.fields):
            self.local_of[key] = f"x{index}"
            literal = _key_literal(key)
            if literal is None:
                literal = f"N{index}"
                self.env[f"N{index}"] = key
            self.key[key] = literal

        warns = program.by_verb("warn")
        # The warn section comes first in the function, so it is generated first: a define it
        # shares with the rules is then assigned there, before any rule reads it.
        warnings = self._warnings(warns) if warns else []
        body = self._rules()
        if warns:
            self.env["WARN"] = _Warned(warns)
            body = warnings + [_returning_warned(line) for line in body]
        head = (["def decide(record):", "    get = record.get"] if self.position is None
                else ["def decide(row):"])
        lines = [*head, "    try:"]
        lines += self._fast_reads()
        lines += ["        P = ()", "    except CATCH:"]
        lines += self._slow_reads()
        lines += body
        return "\n".join(lines) + "\n", self.env

    def _check_names(self, conditions: Sequence[ir.Condition]) -> None:
        """Every field the conditions read is one of the schema's. One walk over all of
        them, so that a define's body that many rules share is read once."""
        for name in ir.fields_of(ir.AllOf(tuple(conditions))):
            if name not in self.fields:
                raise ValueError(f"a condition uses {name!r}, which is not a field of the schema")

    def _count_defines(self, condition: ir.Condition) -> None:
        """Count the uses of each define; a define's body is entered at its first use only,
        so that a define used inside another counts once per use of the outer one's body."""
        stack = [condition]
        while stack:
            node = stack.pop()
            if isinstance(node, ir.Defined):
                seen = node.name in self.define_uses
                self.define_uses[node.name] = self.define_uses.get(node.name, 0) + 1
                if not seen:
                    stack.append(node.body)
            else:
                stack.extend(ir.children(node))

    # --- reading the record --------------------------------------------------------------

    def _fast_reads(self) -> list[str]:
        lines: list[str] = []
        for index, (key, field) in enumerate(self.fields.items()):
            x, name = f"x{index}", self.raw_of(key)
            text = field.type is VALUE_TYPES["text"] and field.codes is None
            # Texts and BSNs are mostly all different: remembering them would only fill
            # memory. A digits(n) field (a municipality code) repeats, and is remembered.
            reader = self.readers[key] = _FieldReader(
                field, remember_values=not (text or field.type is VALUE_TYPES["bsn"]))
            if text:
                # A str reads as itself stripped (str.strip raises TypeError on anything
                # else, which takes the slow path); a blank one is missing.
                if field.optional:
                    lines += [
                        f"        if ({x} := {name}) is not None and not ({x} := STRIP({x})):",
                        f"            {x} = None",
                    ]
                else:
                    lines += [f"        if not ({x} := STRIP({name})):", "            raise Slow"]
                continue
            for raw in self._known_raws(field):
                reader.fast(raw)
            self.env.update({f"V{index}": reader.same, f"K{index}": reader.values,
                             f"R{index}": _bsn_first(reader.fast)
                             if field.type is VALUE_TYPES["bsn"] and field.codes is None
                             else reader.fast})
            lookup = [
                f"if ({x} := K{index}.get({x}, M)) is M and ({x} := R{index}({name})) is B:",
                "    raise Slow",
            ]
            if reader.same is not None:
                # Code values read as themselves: a set membership test is the whole read.
                lines += [f"        {x} = {name}", f"        if {x} not in V{index}:"]
                lines += [f"            {line}" for line in lookup]
            else:
                lines += [f"        {x} = {name}"] + [f"        {line}" for line in lookup]
        return lines

    @staticmethod
    def _known_raws(field: Field) -> Iterable[Any]:
        """Raw values worth remembering before the first record: code values, blanks."""
        yield from (None, "")
        if field.codes is not None:
            yield from (code for code in field.codes if isinstance(code, str))
        if field.type is VALUE_TYPES["boolean"]:
            yield from ("true", "false", "True", "False", "TRUE", "FALSE", "1", "0")

    def keys_function(self, names: Sequence[str]) -> str:
        """The source of ``keys(row)`` (after :meth:`generate`, whose readers it uses): each
        field as ``Field.read`` reads it, its problem dropped. A text without a code list is
        its cell stripped, None when blank: ``Field.read`` of a ``str`` exactly."""
        parts = []
        for name in names:
            index = list(self.fields).index(name)
            field, raw = self.fields[name], self.raw_of(name)
            if raw == "None":
                parts.append("None")
            elif field.type is VALUE_TYPES["text"] and field.codes is None:
                parts.append(f"(STRIP({raw}) or None)")
            else:
                # What the decide function's reads remembered (V: read as itself, K: read
                # as a value), else its fast read (B: a problem, so no value).
                raw_local, value = f"h{self.counter + 1}", f"h{self.counter + 2}"
                self.counter += 2
                if self.env.get(f"V{index}") is not None:
                    first, then = f"({raw_local} := {raw}) in V{index}", raw_local
                else:
                    first, then = "", f"({raw_local} := {raw})"
                read = (f"({value} if ({value} := K{index}.get({then}, M)) is not M else "
                        f"None if ({value} := R{index}({raw_local})) is B else {value})")
                parts.append(f"({raw_local} if {first} else {read})" if first else read)
        return "def keys(row):\n    return (" + "".join(f"{part}, " for part in parts) + ")\n"

    def _slow_reads(self) -> list[str]:
        lines: list[str] = []
        for index, key in enumerate(self.fields):
            self.env[f"F{index}"] = self.readers[key].slow
            lines.append(f"        x{index}, p{index} = F{index}({self.raw_of(key)})")
        problems = ", ".join(f"p{index}" for index in range(len(self.fields)))
        lines.append(f"        P = PROBLEMS({problems})")
        return lines

    # --- the rules -------------------------------------------------------------------------

    def _rules(self) -> list[str]:
        """The rules' tests, one section per verb in the order the verbs decide
        (:data:`srg_rules.decision.VERBS`). A section returns as soon as its verb settles
        the decision, which is what lets ``_Outcomes`` consult only that verb's matches."""
        sections = {"reject": self._rejects, "exclude": self._excludes,
                    "include": self._includes, "classify": self._classifications}
        lines: list[str] = []
        for verb in VERBS:
            lines += sections[verb](self.outcomes.rules[verb])
        return lines

    def _warnings(self, warns: tuple[ir.CompiledRule, ...]) -> list[str]:
        """Warn rules: each match sets its bit in ``w``; none decides anything."""
        return ["    w = 0", *self._tests(
            [(rule, f"w |= {_bit(bit)}") for bit, rule in enumerate(warns)])]

    def _rejects(self, rejects: tuple[ir.CompiledRule, ...]) -> list[str]:
        """Field problems and reject rules: any of them rejects."""
        if not rejects:
            return ["    if P:", "        return MKR(P, 0)"]
        lines = ["    r = 0", *self._tests(
            [(rule, f"r |= {_bit(bit)}") for bit, rule in enumerate(rejects)])]
        return lines + ["    if P or r:", "        return MKR(P, r)"]

    def _excludes(self, excludes: tuple[ir.CompiledRule, ...]) -> list[str]:
        if not excludes:
            return []
        lines = ["    e = 0", *self._tests(
            [(rule, f"e |= {_bit(bit)}") for bit, rule in enumerate(excludes)])]
        table = self._table("DX", "e", len(excludes), len(excludes), self.outcomes.exclude)
        return lines + ["    if e:", f"        return {table}"]

    def _includes(self, includes: tuple[ir.CompiledRule, ...]) -> list[str]:
        """Include rules in the low bits of ``m``; none matching excludes the record."""
        lines = ["    m = 0", *self._tests(
            [(rule, f"m |= {_bit(bit)}") for bit, rule in enumerate(includes)])]
        return lines + ["    if not m:", "        return NOINC"]

    def _classifications(self, classifications: tuple[ir.CompiledRule, ...]) -> list[str]:
        """Classify rules in the bits of ``m`` above the include rules'; the mask picks the
        decision."""
        includes = len(self.outcomes.rules["include"])
        lines = self._tests([(rule, f"m |= {_bit(bit)}")
                             for bit, rule in enumerate(classifications, start=includes)])
        bits = includes + len(classifications)
        table = self._table("DI", "m", bits, includes, self.outcomes.include)
        return lines + [f"    return {table}"]

    def _tests(self, rules: Sequence[tuple[ir.CompiledRule, str]]) -> list[str]:
        """A section's ``if <condition>: <then>`` tests, each after the assignments its
        condition needs, grouped by a field's value that many of them require
        (:mod:`srg_rules.backends.dispatch`). Written in rule order, so that a shared
        define is assigned by the first rule that uses it; such a test is not grouped."""
        tests = []
        for rule, then in rules:
            test = self.expression(rule.condition)
            assignments = tuple(self.pending)
            self.pending.clear()
            tests.append(RuleTest((*assignments, f"if {test}:", f"    {then}"),
                                  {} if assignments else self._required(rule.condition)))
        return [f"    {line}" for line in grouped(tests)]

    def _required(self, condition: ir.Condition) -> dict[str, tuple[object, str]]:
        """The text values ``condition`` requires of fields (``field = "x"`` as one of its
        top-level ``and`` parts), each with the source testing it."""
        parts = condition.items if isinstance(condition, ir.AllOf) else (condition,)
        required: dict[str, tuple[object, str]] = {}
        for part in parts:
            if (isinstance(part, ir.Compare) and part.op == "eq"
                    and isinstance(part.left, ir.FieldValue) and isinstance(part.right, ir.Constant)
                    and part.right.value.__class__ is str and part.left.name not in required):
                key = (part.left.name, part.right.value)
                if key not in self.equality_source:
                    self.equality_source[key] = self.expression(part)
                required[part.left.name] = (part.right.value, self.equality_source[key])
        return required

    def _table(self, name: str, mask: str, bits: int, low: int,
               build: Callable[[int], Decision]) -> str:
        """The expression that picks the decision for a mask: a list index when it is small.

        Only masks with one of the ``low`` bits set reach the table (an exclude or include
        rule matched); the list holds None for the others.
        """
        if bits > _TABLE_BITS:
            memo: dict[int, Decision] = {}
            self.env[name], self.env["MK" + name] = memo, _memoized(build, memo)
            return f"{name}.get({mask}) or MK{name}({mask})"
        needed = (1 << low) - 1
        self.env[name] = [build(m) if m & needed else None for m in range(1 << bits)]
        return f"{name}[{mask}]"

    # --- conditions: one method per node kind ------------------------------------------------

    def expression(self, node: ir.Condition, depth: int = 0) -> str:
        """A Python expression for a condition, over the field locals."""
        if depth > _MAX_DEPTH:
            # A part this deep becomes an assignment before the rule's test: conditions have
            # no side effects, so evaluating it without short-circuit changes only speed.
            self.counter += 1
            local = f"h{self.counter}"
            self.pending.append(f"{local} = {self.expression(node)}")
            return local
        code: str = self(node, depth)  # the visitor's dispatch is untyped; each method gives code
        return code

    def all_of(self, node: ir.AllOf, depth: int) -> str:
        if not node.items:
            return "True"
        return "(" + " and ".join(self.expression(i, depth + 1) for i in node.items) + ")"

    def any_of(self, node: ir.AnyOf, depth: int) -> str:
        if not node.items:
            return "False"
        lookup = code_periods(node)
        if lookup is not None:
            return self._code_periods(lookup)
        return "(" + " or ".join(self.expression(i, depth + 1) for i in node.items) + ")"

    def _code_periods(self, lookup: CodePeriods) -> str:
        """A code's periods looked up in a dict (see :mod:`srg_rules.backends.lookup`): a
        code with one period maps to its (start, end), an open end as the earliest or latest
        date, so the test is two comparisons; a code with several to all of them."""
        code, day = self.local_of[lookup.field], self.local_of[lookup.day]
        single: dict[str, tuple[_dt.date, _dt.date]] = {}
        several: dict[str, tuple[tuple[_dt.date, _dt.date], ...]] = {}
        for value, periods in lookup.periods.items():
            bounds = tuple((p.start or _dt.date.min, p.end or _dt.date.max) for p in periods)
            if len(bounds) == 1:
                single[value] = bounds[0]
            else:
                several[value] = bounds
        self.counter += 1
        found = f"h{self.counter}"
        parts = []
        if single:
            table = self.name("LK", single)
            parts.append(f"(({found} := {table}.get({code})) is not None and {day} is not None "
                         f"and ({day} < {found}[0] or {day} > {found}[1]))")
        if several:
            table, outside = self.name("LK", several), self.name("OUT", _outside_all)
            parts.append(f"(({found} := {table}.get({code})) is not None and {day} is not None "
                         f"and {outside}({found}, {day}))")
        return "(" + " or ".join(parts) + ")"

    def negation(self, node: ir.Not, depth: int) -> str:
        return f"(not {self.expression(node.item, depth + 1)})"

    def defined(self, node: ir.Defined, depth: int) -> str:
        if self.define_uses.get(node.name, 0) <= 1:
            return self.expression(node.body, depth + 1)
        return self._shared_define(node)

    def matches(self, node: ir.Matches, depth: int) -> str:
        """The whole text matches, as the interpreter decides it (Python's re on the
        pattern's canonical form); false when the text is missing."""
        pattern = patterns.parse(node.pattern)
        operand = self(node.operand, depth)
        if operand.constant is not _MISS:
            found = operand.constant is not None and pattern.matches(operand.constant)
            return "True" if found else "False"
        full_match = self.name("RX", re.compile(pattern.python).fullmatch)
        if not operand.maybe_none:
            return f"({full_match}({operand.first or operand.text}) is not None)"
        return (f"({operand.first or operand.text} is not None "
                f"and {full_match}({operand.text}) is not None)")

    def is_present(self, node: ir.IsPresent, depth: int) -> str:
        return f"({self.local_of[node.field]} is not None)"

    def compare(self, node: ir.Compare, depth: int) -> str:
        """``left OP right``, false when either side is None: each side that can be None is
        tested first, unless the operator is false on None anyway."""
        op = node.op
        if (op == "eq" and isinstance(node.left, ir.FieldValue)
                and isinstance(node.right, ir.Constant) and node.right.value.__class__ is bool
                and self.fields[node.left.name].type is VALUE_TYPES["boolean"]):
            # A boolean field holds True, False or None, so identity is equality here.
            return f"({self.local_of[node.left.name]} is {'True' if node.right.value else 'False'})"
        left, right = self(node.left, depth), self(node.right, depth)
        guards = [f"{side.first or side.text} is not None" for side in (left, right)
                  if side.maybe_none]
        if (op in ("eq", "in_set") and right.constant is not _MISS
                and self._never_matches_none(op, right.constant) and left.first is None):
            guards = []
        # A computed side is computed where it is first read: in its guard, or else here.
        texts = [side.first if side.first is not None and not guards else side.text
                 for side in (left, right)]
        return "(" + " and ".join([*guards, self._apply(op, *texts)]) + ")"

    # --- operands: one method per node kind --------------------------------------------------

    def field_value(self, node: ir.FieldValue, depth: int) -> _Operand:
        return _Operand(self.local_of[node.name], maybe_none=True)

    def constant(self, node: ir.Constant, depth: int) -> _Operand:
        return _Operand(self.name("C", node.value), maybe_none=False, constant=node.value)

    def date_shift(self, node: ir.DateShift, depth: int) -> _Operand:
        base = self(node.base, depth)
        function, memo = _shifter(node.amount, node.unit)
        shift, moved = self.name("SH", function), self.name("SM", memo)
        self.counter += 2
        local, found = f"h{self.counter - 1}", f"h{self.counter}"
        # A date moved before is looked up without a call (None too: the memo holds it).
        return _Operand(local, maybe_none=True, first=(
            f"({local} := ({found} if ({found} := {moved}.get({base.first or base.text}, M)) "
            f"is not M else {shift}({base.text})))"))

    def length(self, node: ir.Length, depth: int) -> _Operand:
        operand = self(node.operand, depth)
        # The length of a text, None for None (as the interpreter measures it), without a
        # call of our own: ``len`` is bound in the environment (it has no builtins).
        measure = self.name("LN", len)
        self.counter += 1
        local = f"h{self.counter}"
        return _Operand(local, maybe_none=True, first=(
            f"({local} := (None if {operand.first or operand.text} is None "
            f"else {measure}({operand.text})))"))

    def age(self, node: ir.Age, depth: int) -> _Operand:
        birth, on = self(node.birth, depth), self(node.on, depth)
        measure = self.name("AG", _age)
        self.counter += 1
        local = f"h{self.counter}"
        return _Operand(local, maybe_none=True, first=f"({local} := {measure}("
                        f"{birth.first or birth.text}, {on.first or on.text}))")

    def _shared_define(self, node: ir.Defined) -> str:
        """A define used more than once: a local assigned before the first rule that uses it.

        Rules are tested in order and a decided record returns, so a record computes it at
        most once, and only when it gets as far as a rule that needs it.
        """
        local = self.define_local.get(node.name)
        if local is None:
            body = self.expression(node.body)  # its own shared defines are assigned first
            self.counter += 1
            local = self.define_local[node.name] = f"d{self.counter}"
            self.pending.append(f"{local} = {body}")
        return local

    @staticmethod
    def _never_matches_none(op: str, value: Any) -> bool:
        """``None OP value`` is false, so ``x OP value`` needs no test of ``x`` for None."""
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
