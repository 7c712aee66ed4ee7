"""A pytest plugin: every ``*.rules`` file pytest meets is tested like ``srg-rules test``.

Place in the pipeline: a consumer of :mod:`srg_rules.testing`. Input: the rulebook files under
pytest's collection paths. Output: one test item per ``expect`` statement and per row of the
rulebook's example tables (``NAME.examples.csv`` / ``.yaml`` beside ``NAME.rules``), plus one
item that fails when the rulebook does not load. A team that keeps rulebooks in a repository
runs them with plain ``pytest``; the plugin is registered through the ``pytest11`` entry point.

To keep deliberately broken rulebooks (golden files) out, list them in ``collect_ignore_glob``
in a ``conftest.py``, as this project's own tests do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .diagnostics import RulebookError
from .records import InputError
from .rulebook import Rulebook, load
from .testing import CaseResult, check_expectations, companion_tables, load_examples, run_examples


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".rules":
        return RulebookFile.from_parent(parent, path=file_path)
    return None


class RulebookFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            book = load(self.path)
        except RulebookError as error:
            yield RulebookCase.from_parent(self, name="loads", result=CaseResult(
                "rulebook", self.path.name, str(self.path), False,
                f"{len(error.errors)} error(s)", "\n\n".join(d.render() for d in error.diagnostics),
            ))
            return
        yield from self._expectations(book)
        for table in companion_tables(self.path):
            try:
                examples = load_examples(table)
            except InputError as error:
                yield RulebookCase.from_parent(self, name=table.name, result=CaseResult(
                    "example table", table.name, str(table), False, str(error)))
                continue
            for example, result in zip(examples, run_examples(book, examples)):
                yield RulebookCase.from_parent(self, name=f"{table.name}::{example.name}",
                                               result=result)

    def _expectations(self, book: Rulebook) -> Iterator[pytest.Item]:
        if not book.program.expectations:
            return
        for index, result in enumerate(check_expectations(book), start=1):
            yield RulebookCase.from_parent(self, name=f"expect[{index}] {result.name}",
                                           result=result)


class RulebookCase(pytest.Item):
    def __init__(self, *, result: CaseResult, **kwargs):
        super().__init__(**kwargs)
        self.result = result

    def runtest(self) -> None:
        if not self.result.passed:
            raise _CaseFailed(self.result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, _CaseFailed):
            return excinfo.value.result.render()
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.result.kind}: {self.result.name}"


class _CaseFailed(Exception):
    def __init__(self, result: CaseResult):
        super().__init__(result.message)
        self.result = result
