"""The pipeline driver: text -> parse -> lower -> check -> IR -> a backend, as one object.

Input: rulebook text or a path. Output: a :class:`Rulebook` ready to decide and explain
records, or a :class:`RulebookError` carrying every diagnostic. This module owns no stage; it
only runs them in order and stops when a stage's output is unusable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from . import ir
from .backends import BACKENDS, Compiled
from .backends.interpreter import Interpreter
from .check import check
from .diagnostics import Diagnostic, RulebookError
from .explain import Decision, Explanation
from .grammar import parse_tree
from .lower import lower
from .schema import Field, OutputSpec
from .source import SourceFile, Span

__all__ = ["Rulebook", "diagnose", "load", "parse", "read_source"]


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

    def __init__(self, program: ir.Program, source: SourceFile,
                 warnings: tuple[Diagnostic, ...] = (), backend: str = "interpreter"):
        self.program = program
        self.source = source
        self.warnings = warnings
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
        self.backend = backend
        self._reference = Interpreter(program)
        self._engine: Compiled = (
            self._reference if backend == "interpreter" else BACKENDS[backend](program)
        )

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
        """Decide one record: any mapping of field name to value (strings are converted)."""
        return self._engine.decide(record)

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]:
        """Decide records one after another, lazily."""
        return self._engine.decide_many(records)

    def explain(self, record: Mapping[str, Any]) -> Explanation:
        """The decision for a record and why; ``str()`` of the result reads as plain words."""
        return self._reference.explain(record)

    def with_backend(self, backend: str) -> Rulebook:
        """The same rulebook, deciding with another registered backend."""
        return Rulebook(self.program, self.source, self.warnings, backend)

    def __repr__(self) -> str:
        return f"<Rulebook {self.source.path!r}: {len(self.program.rules)} rules>"


def diagnose(text: str, source: str = "<string>") -> tuple[Diagnostic, ...]:
    """Every diagnostic for a rulebook text (errors and warnings), without raising."""
    return _build(SourceFile(source, text))[1]


def parse(text: str, source: str = "<string>", *, backend: str = "interpreter") -> Rulebook:
    """Check rulebook text and return it ready to use.

    Args:
        text: the rulebook.
        source: the name diagnostics use for it (a path, or ``<string>``).
        backend: the registered backend that decides records.

    Raises:
        RulebookError: the rulebook has errors; ``.diagnostics`` lists them all.
    """
    program, diagnostics = _build(SourceFile(source, text))
    if program is None:
        raise RulebookError(diagnostics)
    warnings = tuple(d for d in diagnostics if not d.is_error)
    return Rulebook(program, SourceFile(source, text), warnings, backend)


def load(path: str | PathLike[str], *, backend: str = "interpreter") -> Rulebook:
    """Read, check and return the rulebook at ``path`` (UTF-8).

    Raises:
        FileNotFoundError: no such file.
        RulebookError: the file is not UTF-8 text, or the rulebook has errors.
    """
    return parse(read_source(path), str(path), backend=backend)


def read_source(path: str | PathLike[str]) -> str:
    """A rulebook file's text; a byte that is not UTF-8 is a diagnostic at its position."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8", errors="replace")
        text = good + data[error.start :].decode("utf-8", errors="replace")
        raise RulebookError([Diagnostic(
            "encoding", f"byte 0x{data[error.start]:02x} is not UTF-8 text",
            Span(SourceFile(str(path), text), len(good), len(good) + 1),
            help="save the rulebook as UTF-8",
        )]) from None


def _build(source: SourceFile) -> tuple[ir.Program | None, tuple[Diagnostic, ...]]:
    tree, syntax_errors = parse_tree(source)
    if tree is None:
        return None, tuple(syntax_errors)
    checked = check(lower(tree, source))
    if not checked.ok:
        return None, checked.diagnostics
    return ir.from_ast(checked), checked.diagnostics
