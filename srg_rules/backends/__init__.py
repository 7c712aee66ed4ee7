"""Backends: ways to run a program. One protocol, one registry.

Every backend is a module here with a ``compile_program(program) -> Compiled`` function,
registered by name in :data:`BACKENDS`. A ``Compiled`` decides records exactly as the reference
interpreter does (status, type and reasons); the differential tests in
``tests/test_backends.py`` hold every registered backend to that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from ..decision import Decision
from ..ir import Program
from . import interpreter, python

__all__ = ["BACKENDS", "Compiled"]


class Compiled(Protocol):
    def decide(self, record: Mapping[str, Any]) -> Decision: ...

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]: ...


def _sql(program: Program) -> Compiled:
    # Imported on first use: sqlglot and DuckDB would double the time of `import srg_rules`.
    from . import sql

    return sql.compile_program(program)


BACKENDS: dict[str, Callable[[Program], Compiled]] = {
    "interpreter": interpreter.compile_program,
    "python": python.compile_program,
    "sql": _sql,
}
