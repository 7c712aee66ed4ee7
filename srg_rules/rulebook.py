"""The pipeline driver: text -> parse -> lower -> link -> check -> IR -> a backend, as one object.

Input: rulebook text or a path. Output: a :class:`Rulebook` ready to decide and explain
records, or a :class:`RulebookError` carrying every diagnostic. This module owns no stage; it
only runs them in order and stops when a stage's output is unusable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from os import PathLike
from typing import Any, TypeVar, cast

import attrs

from . import ast, collector, ir
from .backends import BACKENDS, Compiled
from .backends.interpreter import Interpreter
from .check import check
from .checked import Checked
from .diagnostics import Diagnostic, RulebookError
from .decision import Decision
from .depth import too_deep_defines, too_deep_tree
from .explain import Explanation
from .direct_parse import parse_rulebook
from .identifiers import name_warnings
from .link import link, read_source
from .recovery import meaning_errors
from .registration import Provision, provisions
from .schema import Field, OutputSpec
from .source import SourceFile, Span
from .unique import KeyCounts, read_keys

__all__ = ["Rulebook", "diagnose", "load", "parse"]

T = TypeVar("T")


class Rulebook:
    """A checked rulebook, ready to decide records.

    Build one with :func:`srg_rules.load` or :func:`srg_rules.parse`.

    >>> import srg_rules
    >>> book = srg_rules.parse('''
    ... field category: code {taal, mantelzorg}
    ... include when category = taal
    ... ''')
    >>> book.decide({"category": "taal"}).status
    <Status.INCLUDED: 'included'>
    >>> book.decide({"category": "mantelzorg"}).reasons
    ('no_include_matched',)
    """

    def __init__(self, program: ir.Program, syntax: ast.Rulebook, source: SourceFile,
                 warnings: tuple[Diagnostic, ...] = (), backend: str = "interpreter"):
        self.program = program
        self.syntax = syntax
        self.source = source
        self.warnings = warnings
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
        self.backend = backend
        self._reference = Interpreter(program)
        # decide's engine: the interpreter, or another backend's, compiled on first use
        # (:meth:`_compiled`): `srg-rules run` decides a CSV file with functions compiled for
        # its header and never calls decide.
        self._engine: Compiled | None = self._reference if backend == "interpreter" else None
        # decide_many's engine: the compiled backend when this rulebook decides with the
        # interpreter (it decides as the interpreter does, checked by tests/test_backends.py,
        # about 5 to 30 times faster), else decide's; compiled on first use.
        self._many: Compiled | None = None

    @property
    def title(self) -> str | None:
        return self.program.title

    @property
    def version(self) -> str | None:
        return self.program.version

    @property
    def fields(self) -> Mapping[str, Field]:
        return self.program.schema.fields

    @property
    def output(self) -> OutputSpec | None:
        return self.program.schema.output

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.program.rules)

    def decide(self, record: Mapping[str, Any]) -> Decision:
        """Decide one record: any mapping of field name to value (strings are converted).

        One record alone cannot break a ``unique`` statement, which is a check across the
        records of a run: ``decide`` does not apply it. :meth:`decide_many` and
        ``srg-rules run`` do.
        """
        engine = self._engine
        return (engine if engine is not None else self._compiled()).decide(record)

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]:
        """Decide records one after another, lazily. A rulebook that decides with the
        interpreter (the default) decides many records with the compiled backend, which
        gives the same decisions faster; another backend decides them itself.

        ``records`` may also be a pandas or polars DataFrame or a pyarrow Table: its rows, in
        order (for a whole table at once, :meth:`decide_table` is much faster).

        With ``unique`` statements, the records are decided together: each key is counted
        over all of them first (so they are read into a list before the first decision), and
        a record whose key occurs more than once is rejected as ``duplicate:FIELD`` (see
        :mod:`srg_rules.unique`).

        >>> book = parse("field id: text\\nunique id\\ninclude known when id is present")
        >>> [d.reasons for d in book.decide_many([{"id": "a"}, {"id": "b"}, {"id": "a"}])]
        [('duplicate:id',), ('known',), ('duplicate:id',)]
        """
        if type(records).__module__.partition(".")[0] in ("pandas", "polars", "pyarrow"):
            # A table, read row by row (tables.py loads sqlglot: only when one comes).
            from .tables import rows_of

            records = rows_of(records)
        if not self.program.unique:
            return self._batch_engine().decide_many(records)
        return self._decide_together(list(records))

    def decide_table(self, table: T) -> T:
        """Decide every row of a pandas or polars DataFrame or a pyarrow Table, at once.

        Returns a table of the same kind: the input's columns and rows, in order, with
        ``status``, ``type`` and ``reasons`` appended (and ``warnings`` when the rulebook has
        warn rules), as ``srg-rules run`` writes them: text, reasons joined with ``|``, no
        type as null. The rows are decided by the SQL backend in DuckDB, over Arrow, exactly
        as :meth:`decide` decides each row (``None``, ``NaN``, ``NA`` and ``NaT`` are missing);
        ``unique`` statements are applied across the rows. A column whose type fits its
        field (a date column for a date field, booleans, integers, decimals or floats for a
        number) is read as it is, without a detour through text (docs/engines.md, "Typed
        input"); the input's columns come back unchanged, typed as they came. Needs pyarrow (the ``tables``
        extra: ``pip install 'srg-rules[tables]'``).

        >>> import pyarrow as pa
        >>> book = parse("field hours: number\\ninclude long when hours > 10")
        >>> book.decide_table(pa.table({"hours": [12, None]})).to_pydict()
        {'hours': [12, None], 'status': ['included', 'rejected'], 'type': [None, None], 'reasons': ['long', 'missing_value:hours']}

        Raises:
            TypeError: not a table (:class:`srg_rules.tables.TableError`), or a rulebook
                with ``activities`` or ``trajectory`` statements (use :meth:`decide_source`).
        """
        from .tables import decide_table

        return decide_table(self, table)

    def _compiled(self) -> Compiled:
        if self._engine is None:
            self._engine = BACKENDS[self.backend](self.program)
        return self._engine

    def _batch_engine(self) -> Compiled:
        if self._many is None:
            self._many = (BACKENDS["python"](self.program) if self.backend == "interpreter"
                          else self._compiled())
        return self._many

    def _decide_together(self, records: list[Mapping[str, Any]]) -> Iterator[Decision]:
        counts = KeyCounts(self.program.unique)
        fields = self.fields
        keys = [read_keys(record, fields, counts.fields) for record in records]
        for values in keys:
            counts.count(values)
        for values, decision in zip(keys, self._batch_engine().decide_many(records)):
            yield counts.apply(decision, values)

    def explain(self, record: Mapping[str, Any]) -> Explanation:
        """The decision for a record and why; ``str()`` of the result reads as plain words."""
        return attrs.evolve(self._reference.explain(record), home=self.source.path)

    @property
    def has_registration(self) -> bool:
        """Whether the rulebook's input records are source records (it has ``activities`` or
        ``trajectory`` statements) rather than provisions; see :meth:`decide_source`."""
        return self.program.has_registration

    def decide_source(self, records: Iterable[Mapping[str, Any]]) -> Iterator[tuple[Provision, Decision]]:
        """Turn source records into provisions and decide each one.

        Activities sharing the key fields become one provision and a trajectory becomes one
        provision per ``yields`` clause (see :mod:`srg_rules.registration`). Each provision
        names the input positions it came from (``provision.rows``, counted from 1), so every
        input record is accounted for. A rulebook without such statements yields one provision
        per record.

        >>> book = parse('''
        ... field id: text
        ... field kind: code {coaching, training, coach_cursus}
        ... trajectory coach_cursus when kind = coach_cursus
        ...     yields coaching with kind = coaching
        ...     yields training with kind = training
        ... include when kind in {coaching, training}
        ... ''')
        >>> [(p.component, d.status.value) for p, d in book.decide_source([{"id": "1", "kind": "coach_cursus"}])]
        [('coaching', 'included'), ('training', 'included')]
        """
        if not self.program.unique:
            return self.decide_rows(enumerate(records, 1))
        made = list(self.decide_rows(enumerate(records, 1)))
        counts = KeyCounts(self.program.unique)
        for provision, _ in made:
            counts.count(provision.values)
        return iter([(p, counts.apply(d, p.values)) for p, d in made])

    def decide_rows(self, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> Iterator[tuple[Provision, Decision]]:
        """Like :meth:`decide_source`, for records numbered by the caller (e.g. file rows),
        lazily and one provision at a time: ``unique`` statements are not applied (a run
        counts the keys first, see :func:`srg_rules.run.run_source`)."""
        decide = self._reference.decide_values
        for provision in provisions(self.program, rows):
            yield provision, decide(provision.values, provision.problems)

    def explain_provision(self, provision: Provision) -> Explanation:
        """Why a provision from :meth:`decide_source` got its decision."""
        return attrs.evolve(
            self._reference.explain_values(provision.values, reasons=provision.problems),
            home=self.source.path,
        )

    def near_misses(self, explanation: Explanation, *, limit: int = 3) -> tuple[Any, ...]:
        """The smallest changes of an explained record that give it another outcome, at most
        ``limit``, closest first (:func:`srg_rules.analysis.nearmiss.near_misses`); none for
        a record with a field problem or a rulebook with a registration level."""
        if explanation.problems or self.has_registration:
            return ()
        from .analysis.nearmiss import near_misses  # z3 is loaded only when asked

        return near_misses(self.program, explanation.values, limit=limit).items

    def with_backend(self, backend: str) -> Rulebook:
        """The same rulebook, deciding with another registered backend."""
        return Rulebook(self.program, self.syntax, self.source, self.warnings, backend)

    def condition(self, text: str, source: str = "<condition>") -> ir.Condition:
        r"""A condition written in this rulebook's terms (its fields and defines), checked.

        >>> book = parse("field hours: number optional\ninclude when hours > 10")
        >>> book.condition("hours > 10 and hours <= 12")  # doctest: +NORMALIZE_WHITESPACE
        AllOf(items=(Compare(op='gt', left=FieldValue(name='hours'), right=Constant(value=10)),
                     Compare(op='le', left=FieldValue(name='hours'), right=Constant(value=12))))

        Raises:
            RulebookError: the condition does not parse, or names what the rulebook lacks.
        """
        from .grammar import parse_condition_tree  # Lark, loaded when first needed
        from .lower import lower

        where = SourceFile(source, text)
        tree, syntax_errors = parse_condition_tree(where)
        if tree is None:
            raise RulebookError(syntax_errors)
        condition = cast(ast.Condition, lower(tree, where))  # the condition start rule
        probe = ast.Expectation((ast.Outcome("included"),), condition, span=condition.span)
        checked = check(ast.Rulebook((*self.syntax.statements, probe), span=self.syntax.span))
        errors = [d for d in checked.diagnostics if d.is_error and d.span.source is where]
        if errors:
            raise RulebookError(errors)
        return ir.from_ast(checked).expectations[-1].condition

    def __repr__(self) -> str:
        return f"<Rulebook {self.source.path!r}: {len(self.program.rules)} rules>"


def diagnose(text: str, source: str = "<string>", *, analyse: bool = True) -> tuple[Diagnostic, ...]:
    """Every diagnostic for a rulebook text (errors and warnings), without raising.

    Args:
        text: the rulebook.
        source: the name diagnostics use for it: the rulebook's path, whose directory a
            ``use "other.rules"`` is relative to (for ``<string>``, the current directory).
        analyse: for a rulebook without errors, also run the exact analysis (rules that never
            match, overlapping or missing types, dead and redundant rules, violated
            expectations), each finding with an example record.
    """
    # The collector stays paused after building too: the built rulebook is millions of live
    # objects, and each of its passes while z3 is imported and the findings are sorted walked
    # them all to free nothing (4 s each for 150,000 defines, docs/benchmarks.md).
    with collector.paused():
        return _diagnose(SourceFile(source, text), analyse)


def _diagnose(source: SourceFile, analyse: bool) -> tuple[Diagnostic, ...]:
    checked, diagnostics = _build(source)
    if checked is None or not analyse:
        return diagnostics
    from . import analysis  # z3 is loaded only when a rulebook is analysed

    program = ir.from_ast(checked)
    if program.dated:  # the rules in force, period by period; each finding names its period
        from .analysis.periods import findings as dated_findings

        findings = dated_findings(program)
    else:
        findings = analysis.analyse(program) + analysis.check_expectations(program)
    found = diagnostics + _in_the_file(analysis.to_diagnostics(findings), checked.rulebook)
    home = checked.rulebook.span
    assert home is not None  # a parsed rulebook has a span
    files = list(dict.fromkeys([home.source.path,
                                *(d.span.source.path for d in found)]))
    return tuple(sorted(found, key=lambda d: (files.index(d.span.source.path), d.span.start,
                                              d.code)))


def parse(text: str, source: str = "<string>", *, backend: str = "interpreter") -> Rulebook:
    """Check rulebook text and return it ready to use.

    Args:
        text: the rulebook.
        source: the name diagnostics use for it (a path, or ``<string>``); a
            ``use "other.rules"`` is relative to its directory (to the current directory
            for ``<string>``).
        backend: the registered backend that decides records.

    Raises:
        RulebookError: the rulebook has errors; ``.diagnostics`` lists them all.
    """
    checked, diagnostics = _build(SourceFile(source, text))
    if checked is None:
        raise RulebookError(diagnostics)
    warnings = tuple(d for d in diagnostics if not d.is_error)
    home = checked.rulebook.span
    assert home is not None  # a parsed rulebook has a span
    return Rulebook(ir.from_ast(checked), checked.rulebook, home.source, warnings, backend)


def load(path: str | PathLike[str], *, backend: str = "interpreter") -> Rulebook:
    """Read, check and return the rulebook at ``path`` (UTF-8), with the rulebooks it uses.

    Raises:
        FileNotFoundError: no such file.
        RulebookError: the file is not UTF-8 text, or the rulebook has errors.
    """
    return parse(read_source(path), str(path), backend=backend)


def _build(source: SourceFile) -> tuple[Checked | None, tuple[Diagnostic, ...]]:
    """parse -> lower -> link (``use``) -> check. Diagnostics come file by file (the given
    file first, then the used ones in the order they are used), by position within each."""
    with collector.paused():
        return _build_unpaused(source)


def _build_unpaused(source: SourceFile) -> tuple[Checked | None, tuple[Diagnostic, ...]]:
    parsed, _, _, syntax_errors = parse_rulebook(source)
    if parsed is None:
        return None, _with_meaning(source, syntax_errors)
    linked, link_errors = link(parsed, source)
    too_deep = too_deep_defines(linked)  # before the checker follows the defines' chains
    if too_deep:
        return None, _in_file_order((*link_errors, *too_deep), linked, source)
    checked = check(linked)
    diagnostics = _in_file_order((*link_errors, *checked.diagnostics, *name_warnings(linked)),
                                 linked, source)
    if not checked.ok or link_errors:
        return None, diagnostics
    return checked, diagnostics


def _in_the_file(diagnostics: Iterable[Diagnostic],
                 rulebook: ast.Rulebook) -> tuple[Diagnostic, ...]:
    """Findings about the whole rulebook (they have no place of their own) at the rulebook's
    header, or else its first line, so that they name the file and show where it starts."""
    assert rulebook.span is not None  # a parsed rulebook has a span
    home = rulebook.span.source
    spans = [s.span for s in rulebook.statements if s.span is not None and s.span.source is home]
    headers = [s.span for s in rulebook.statements
               if isinstance(s, ast.Header) and s.span is not None and s.span.source is home]
    span: Span
    if headers:
        span = headers[0]
    elif spans:
        first = spans[0]
        line_end = home.text.find("\n", first.start)
        span = Span(home, first.start, line_end if line_end != -1 else first.end)
    else:
        span = Span(home, 0, 0)
    return tuple(d if d.span.source.text or d.span.source.path != "<rulebook>"
                 else attrs.evolve(d, span=span) for d in diagnostics)


def _with_meaning(source: SourceFile, syntax_errors: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    """The syntax errors, and what checking finds in the statements that do parse, so that
    one run shows every statement's errors (see :func:`srg_rules.recovery.meaning_errors`)."""
    from .grammar import recover  # Lark, loaded when first needed: a text with errors
    from .lower import lower

    partial, _, skipped = recover(source)
    if partial is None or too_deep_tree(partial, source):
        # Nothing parsed, or nesting too deep for the stages after parsing (the whole text
        # may be refused for that alone): the syntax errors are all there is to say.
        return tuple(syntax_errors)
    linked, link_errors = link(lower(partial, source), source)
    found = meaning_errors((*link_errors, *check(linked).diagnostics), source, skipped)
    return _in_file_order((*syntax_errors, *found), linked, source)


def _in_file_order(diagnostics: Iterable[Diagnostic], linked: ast.Rulebook,
                   source: SourceFile) -> tuple[Diagnostic, ...]:
    rank = {id(source): 0}
    for statement in linked.statements:
        if statement.span is not None:
            rank.setdefault(id(statement.span.source), len(rank))
    # A file no statement comes from (a code list read by linking) comes after them, by path.
    return tuple(sorted(diagnostics, key=lambda d: (
        rank.get(id(d.span.source), len(rank)), d.span.source.path, d.span.start, d.span.end)))
