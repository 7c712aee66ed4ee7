"""A pytest plugin: the rulebooks a project names are tested like ``srg-rules test``.

Place in the pipeline: a consumer of :mod:`srg_rules.testing`. Input: the rulebook files
pytest meets. Output: one test item per ``expect`` statement and per row of the rulebook's
example tables (``NAME.examples.csv`` / ``.yaml`` beside ``NAME.rules``), plus one item that
fails when the rulebook does not load. The plugin is registered through the ``pytest11``
entry point, and it is opt-in: a ``*.rules`` file is collected only when

- it lies under a path named in ``[tool.srg-rules] test-paths`` of the project's
  ``pyproject.toml`` (paths relative to that file), or in the ``srg_rules_paths`` ini option
  (``pytest.ini``, ``tox.ini``, ``setup.cfg`` or ``[tool.pytest.ini_options]``); or
- it declares itself a rulebook: its first statement (after blank lines and ``#`` comments)
  is the rulebook header, ``rulebook "TITLE" ...``.

Any other ``.rules`` file (a Firebase ``firestore.rules``, a udev rule) is left alone.

Collection only reads: the rulebook is parsed and checked, and its example tables read, to
name the items. The work is done when the items run: the exact analysis that proves the
expectations (once per file, when its first expectation runs) and the decision of each
example. Item names are safe for JUnit XML reports: no ``[``, ``]`` or ``::`` in them.

To keep deliberately broken rulebooks (golden files) out, list them in ``collect_ignore_glob``
in a ``conftest.py``, as this project's own tests do.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import printer
from .diagnostics import RulebookError
from .records import InputError
from .rulebook import Rulebook, load
from .testing import CaseResult, Example, check_expectations, companion_tables, load_examples, \
    run_examples

INI_OPTION = "srg_rules_paths"
# The first statement of a rulebook that declares itself one: `rulebook "Title" ...`.
_HEADER = re.compile(r'rulebook\s+"')
_HEADER_SCAN_BYTES = 1 << 16
PATHS_KEY = pytest.StashKey[list[Path]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_OPTION, type="paths", default=[],
                  help="srg-rules: folders (or files) whose *.rules files are tested as "
                       "rulebooks (besides any .rules file that starts with a rulebook header)")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RulebookFile | None:
    if file_path.suffix != ".rules":
        return None
    if not (_under_test_paths(file_path, parent.config) or declares_rulebook(file_path)):
        return None
    return RulebookFile.from_parent(parent, path=file_path)


def declares_rulebook(path: Path) -> bool:
    """Whether the file's first statement is a rulebook header (``rulebook "..."``)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEADER_SCAN_BYTES)
    except OSError:
        return False
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return _HEADER.match(stripped) is not None
    return False


def configured_paths(config: pytest.Config) -> list[Path]:
    """The configured paths: the ini option's, then ``[tool.srg-rules] test-paths``."""
    cached = config.stash.get(PATHS_KEY, None)
    if cached is not None:
        return cached
    paths = [Path(p).resolve() for p in config.getini(INI_OPTION)]
    pyproject = config.rootpath / "pyproject.toml"
    if pyproject.is_file():
        try:
            settings = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            settings = {}
        named = settings.get("tool", {}).get("srg-rules", {}).get("test-paths", [])
        if isinstance(named, str):
            named = [named]
        paths += [(pyproject.parent / str(p)).resolve() for p in named]
    config.stash[PATHS_KEY] = paths
    return paths


def _under_test_paths(file_path: Path, config: pytest.Config) -> bool:
    resolved = file_path.resolve()
    return any(resolved == p or resolved.is_relative_to(p) for p in configured_paths(config))


def junit_safe(name: str) -> str:
    """An item name that JUnit XML reports keep whole: no brackets (pytest reads them as
    parameters) and no ``::`` (its node separator)."""
    return name.replace("::", ":").replace("[", "(").replace("]", ")")


class RulebookFile(pytest.File):
    _book: Rulebook | None = None
    _expectations: list[CaseResult] | None = None
    _tables: dict[Path, list[CaseResult]]

    def collect(self) -> Iterator[pytest.Item]:
        try:
            book = load(self.path)
        except RulebookError as error:
            yield RulebookCase.from_parent(self, name="loads", result=CaseResult(
                "rulebook", self.path.name, str(self.path), False,
                f"{len(error.errors)} error(s)", "\n\n".join(d.render() for d in error.diagnostics),
            ))
            return
        self._book = book
        for index, expectation in enumerate(book.program.expectations, start=1):
            yield ExpectationCase.from_parent(
                self, name=junit_safe(f"expect {index}: {expectation.describe()} when "
                                      f"{printer.condition(expectation.condition)}"),
                index=index - 1)
        for table in companion_tables(self.path):
            try:
                examples = load_examples(table)
            except InputError as error:
                yield RulebookCase.from_parent(self, name=junit_safe(table.name), result=CaseResult(
                    "example table", table.name, str(table), False, str(error)))
                continue
            for index, example in enumerate(examples):
                yield ExampleCase.from_parent(
                    self, name=junit_safe(f"{table.name}: {example.name}"), table=table,
                    examples=examples, index=index)

    def expectation_results(self) -> list[CaseResult]:
        """Every expectation proved or refuted: the analysis, run once for the file."""
        if self._expectations is None:
            assert self._book is not None
            self._expectations = check_expectations(self._book)
        return self._expectations

    def example_results(self, table: Path, examples: list[Example]) -> list[CaseResult]:
        """Every example of a table decided, once for the table (the rows of a table of
        source records go together: activities combine into provisions)."""
        if not hasattr(self, "_tables"):
            self._tables = {}
        if table not in self._tables:
            self._tables[table] = run_examples(self.book, examples)
        return self._tables[table]

    @property
    def book(self) -> Rulebook:
        assert self._book is not None
        return self._book


class _Case(pytest.Item):
    def result(self) -> CaseResult:
        raise NotImplementedError

    def runtest(self) -> None:
        outcome = self.result()
        if not outcome.passed:
            raise _CaseFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, _CaseFailed):
            return excinfo.value.result.render()
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, self.name


class RulebookCase(_Case):
    """A case decided at collection: a rulebook or a table that does not load."""

    def __init__(self, *, result: CaseResult, **kwargs: Any):
        super().__init__(**kwargs)
        self._result = result

    def result(self) -> CaseResult:
        return self._result


class ExpectationCase(_Case):
    """One ``expect`` statement, proved or refuted when the item runs."""

    def __init__(self, *, index: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.index = index

    def result(self) -> CaseResult:
        parent = self.parent
        assert isinstance(parent, RulebookFile)
        return parent.expectation_results()[self.index]


class ExampleCase(_Case):
    """One row of an example table, decided when the item runs."""

    def __init__(self, *, table: Path, examples: list[Example], index: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.table = table
        self.examples = examples
        self.index = index

    def result(self) -> CaseResult:
        parent = self.parent
        assert isinstance(parent, RulebookFile)
        return parent.example_results(self.table, self.examples)[self.index]


class _CaseFailed(Exception):
    def __init__(self, result: CaseResult):
        super().__init__(result.message)
        self.result = result
