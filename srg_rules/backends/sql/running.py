"""The ``sql`` backend at run time: records decided by the query, in an in-process DuckDB.

Place in the pipeline: a backend (registered in :data:`srg_rules.backends.BACKENDS`). Input:
an :class:`ir.Program`, then records as mappings. Output: a :class:`Decision` per record,
exactly the interpreter's.

Invariants: a record reaches DuckDB as the texts its fields read from (a Python value as the
text that reads back to it), so the query decides it as it would a CSV row; a decision
depends only on those texts, so distinct ones are queried once and remembered (a bounded
memo); one connection per program, used under a lock, so a program is safe to share between
threads.
"""

from __future__ import annotations

import datetime as _dt
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from ... import ir
from ...decision import Decision, Status
from ...months import Month
from ...records import REASON_SEPARATOR
from ...schema import Field
from .builders import column, ident
from .query import Query, internal_prefix

if TYPE_CHECKING:
    import duckdb

__all__ = ["SqlProgram", "compile_program"]


class SqlProgram:
    """A program ready to decide records through an in-process DuckDB.

    Records go to DuckDB as text, as a CSV file would carry them. A Python value (an int, a
    date, a bool from an embedding program) is first read by the field's own reader
    (:meth:`srg_rules.schema.Field.read`) and written as the text that reads back to the
    same value (an int as its digits, a float as its ``repr``, a date as YYYY-MM-DD); a value
    that is not of the field's type becomes a marker the query reads as invalid.

    ``decide`` runs one query per record (slow; use ``decide_many`` for batches, or
    :func:`srg_rules.filerun.run_file` for files). Safe to use from several threads.
    """

    batch_size = 5000
    memo_size = 1 << 14

    def __init__(self, program: ir.Program):
        self.program = program
        self._fields = list(program.schema.fields.values())
        self._marker = f"\ufdd0srg-invalid-{uuid.uuid4().hex}"
        names = [f.name for f in self._fields]
        # The records' columns get names of their own: DuckDB does not tell "M" from "m",
        # which are two fields in a rulebook.
        prefix = internal_prefix(names)
        self._row = prefix + "row"
        inputs = [f"{prefix}field{i}" for i in range(len(names))]
        query = Query(program, [self._row, *inputs], "text", None,
                       invalid_markers={name: self._marker for name in names},
                       field_columns=dict(zip(names, inputs)), dialect="duckdb")
        rows = exp.column("r")  # the unnested list of one record's texts
        # sqlglot counts subscripts from 0 and writes them in DuckDB's 1-based form.
        source = exp.select(
            exp.alias_(exp.cast(exp.Bracket(this=rows, expressions=[exp.Literal.number(0)]),
                                "INTEGER"), self._row, quoted=True),
            *(exp.alias_(exp.Bracket(this=rows.copy(), expressions=[exp.Literal.number(i + 1)]),
                         name, quoted=True) for i, name in enumerate(inputs)),
        ).from_(exp.select(exp.alias_(exp.Unnest(expressions=[
            exp.cast(exp.Placeholder(), exp.DataType.build("VARCHAR[][]", dialect="duckdb"))]),
            "r")).subquery(ident(f"{self._row}s")))
        decided = query.select(source, passthrough=[column(self._row)])
        ordered = exp.select(*(column(c) for c in query.outputs)).from_(
            decided.subquery("decided")).order_by(column(self._row))
        self.sql = ordered.sql(dialect="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE)
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._memo: dict[tuple[str | None, ...], Decision] = {}

    def decide(self, record: Mapping[str, Any]) -> Decision:
        return next(self.decide_many([record]))

    def decide_many(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Decision]:
        batch: list[Mapping[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.batch_size:
                yield from self._decide_batch(batch)
                batch = []
        if batch:
            yield from self._decide_batch(batch)

    def _decide_batch(self, records: list[Mapping[str, Any]]) -> list[Decision]:
        # A decision depends only on the fields' texts: each distinct one goes to DuckDB
        # once, and the last ones decided are remembered (a query costs milliseconds).
        keys = [tuple(self._text(f, record.get(f.name)) for f in self._fields)
                for record in records]
        with self._lock:
            memo = self._memo
            decided = {key: memo[key] for key in set(keys) if key in memo}
            missing = [key for key in dict.fromkeys(keys) if key not in decided]
            if missing:
                rows = [[str(index), *key] for index, key in enumerate(missing)]
                for key, result in zip(missing, self._query(rows)):
                    decided[key] = _decision(*result)
                    if len(memo) >= self.memo_size:
                        del memo[next(iter(memo))]
                    memo[key] = decided[key]
        return [decided[key] for key in keys]

    def _query(self, rows: list[list[str | None]]) -> list[tuple[Any, ...]]:
        import duckdb  # only when records are decided: importing DuckDB takes a while

        if self._connection is None:
            self._connection = duckdb.connect(":memory:")
        return self._connection.execute(self.sql, [rows]).fetchall()

    def _text(self, field: Field, raw: Any) -> str | None:
        """The text that the query reads as ``field.read(raw)`` reads ``raw``."""
        if raw is None or isinstance(raw, str):
            return raw
        value, problem = field.read(raw)
        if problem is not None:
            return None if problem.code == "missing_value" else self._marker
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Month):
            return str(value)  # YYYY-MM, as a month field reads it
        if isinstance(value, _dt.date):
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        return value

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _decision(status: str, type_: str | None, reasons: str, warnings: str | None = None
              ) -> Decision:
    return Decision(Status(status), type_, tuple(reasons.split(REASON_SEPARATOR)) if reasons else (),
                    tuple(warnings.split(REASON_SEPARATOR)) if warnings else ())


def compile_program(program: ir.Program) -> SqlProgram:
    """The ``sql`` backend: decide records through DuckDB with the query of :func:`to_sql`."""
    return SqlProgram(program)
