"""Deciding a whole file inside DuckDB: CSV or Parquet in, the same format out, and the counts.

Input: a program, an input file and an output path. Output: the output file, holding every
input row once, in input order, with ``status``, ``type`` and ``reasons`` added, and
``warnings`` for a program with warn rules (as ``srg-rules run`` writes them: the input's own
columns of those names are replaced), and the run's summary counts as
:meth:`srg_rules.summary.Summary.as_dict` gives them.

The rows never pass through Python: DuckDB reads the file, the query of
:mod:`srg_rules.backends.sql` decides every row, and ``COPY (SELECT ...) TO`` writes the
result; one aggregate query over the written file gives the counts. The output is written
to a temporary file beside the target and renamed only when everything succeeded, so an
interrupted or failed run leaves no file that looks complete.

CSV, read exactly as :mod:`srg_rules.records` reads it (the header by that module itself):

- A row with too few values has its missing values read as NULL (``null_padding``) and one
  with too many fills spare columns declared after the header's; both are rejected as
  ``malformed_row``, with the values that fit the header written back, as the Python path
  does. Empty values are told from padding by reading with a null string no file holds.
- Anything DuckDB's strict reader does not accept (an unterminated quote, text after a
  closing quote, mixed line endings, more than :data:`SPARE_COLUMNS` extra values, text
  that is not UTF-8, a line over 2 MB) makes the run fall back to the row-by-row Python
  path, which decides such files exactly as before. DuckDB puts such rows in a rejects
  table, which is checked before the output is kept; they are never dropped.
- So does anything DuckDB might read differently without complaint, found by a byte scan
  (:mod:`srg_rules.csvscan`, run while DuckDB makes its first pass; no result of DuckDB's
  is used before the scan found the file safe): white space between a delimiter or line end and a quote (DuckDB skips
  it, Python keeps it and reads the quote as a character), a carriage return without a line
  feed (a line end to Python only), a quote the header line leaves open (Python reads the
  header from that line alone), an empty column name or two that differ only in case
  (DuckDB cannot keep them apart). The scan is conservative: a file it sends the Python
  way may have been fine.
- DuckDB's parallel reader cannot pad short rows of a file with line breaks inside quoted
  values; such a file is read again by its single-threaded reader, which can (read without
  padding, a row of one value too many, the last one empty, passed for a whole one). That
  reader takes a quote still open at the end of the file for padding, without a word, so a
  file ending inside a quote (:func:`srg_rules.csvscan.ends_inside_a_quote`) goes the
  Python way first.
- DuckDB writes the output: bare where Python's csv module writes a value bare (no comment
  character, so a value holding a ``#`` is not quoted; a DuckDB before 2.0 quotes it
  whatever it is told, so there a file holding a ``#`` goes the Python way).
- Rows are written in the order they are read, by every thread DuckDB uses: DuckDB keeps
  insertion order through a projection, but its ``in_clause`` optimizer rewrites an ``IN``
  list of five or more constants into a join that does not. Every statement is therefore
  run with its ``IN`` lists written as binary searches or equalities
  (:mod:`srg_rules.backends.sql.inorder`), and the optimizer stays on (it is switched off
  only for a statement that would still hold an ``IN``: none the query builds).

A program with ``unique`` statements is run in two passes: a first query over the key fields
alone finds the keys that occur more than once, and the deciding query looks each row's key
up among them (:func:`srg_rules.backends.sql.unique.select_with_duplicates`): no window, no
join and no sort, so both passes run on every thread and the rows stream out in order.
Beyond :data:`MOST_DUPLICATE_KEYS` such keys, one window count per statement over the
decided rows, the rows numbered as read and sorted back into that order. A key with a
number field goes the Python way (a CSV file; a Parquet file is refused).
The counts per group (``by``) come from the same GROUP BY over the written file.

Parquet is decided as its CSV export would be (a DATE as YYYY-MM-DD, a TIMESTAMP read by a
date field as its date, a DATE or TIMESTAMP on a month's first day read by a month field as
its YYYY-MM, a float NaN as missing): a column whose type fits its field is read by the query
as it is (:func:`srg_rules.backends.sql.typed_reading`; docs/engines.md, "Typed input"),
every other one as that text.
JSON Lines files go the Python way.

Progress: by default a one-line bar on standard error while the run lasts, when standard
error is a terminal (nothing otherwise); DuckDB's own estimate of the query's progress is
polled from a watcher thread (``query_progress()``), the byte scan and a fallback to the
Python path report theirs too. ``progress=None`` silences it and a callable receives the
fractions instead.

The frame is the one every run shares (:mod:`srg_rules.run`): the output is written to a
temporary file beside the target and published when the run succeeded
(:func:`srg_rules.records.replacing`), the counts are a :class:`~srg_rules.summary.Summary`,
the bar is :class:`srg_rules.run.TerminalProgress`, and the Python path is
:func:`srg_rules.run.run_records` with the compiled backend. This module holds what is
DuckDB's: the SQL that reads, decides and writes the file, and when not to trust it.

Invariants: every input row is in the output exactly once and in order, or the run fails and
no output file appears; the counts add up to the number of rows.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import sys
import threading
import uuid
from functools import partial
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from . import ir
from .backends import sql as sql_backend
from .backends.sql import registration as sql_registration
from .backends.sql import unique as sql_unique
from .backends.sql.builders import strip
from .backends.sql.inorder import without_in_lists
from .csvscan import FileScan, ends_inside_a_quote
from .i18n import gettext as _
from .leftovers import spill_folder
from .records import (PARQUET_SUFFIXES, REASON_SEPARATOR, InputError, close_rows, output_columns,
                      replacing)
from .run import Malformed, TerminalProgress, open_input, run_records, run_source
from .summary import Summary

if TYPE_CHECKING:
    from .rulebook import Rulebook

__all__ = ["DEFAULT_MEMORY_LIMIT", "default_memory_limit", "MEMORY_SIZE", "PARQUET_SUFFIXES", "SPARE_COLUMNS", "TERMINAL",
           "MOST_DUPLICATE_KEYS", "SourceNeedsPython", "run_book_file", "run_file"]

# Extra values a malformed CSV row may have and still be read by DuckDB.
SPARE_COLUMNS = 8
# ``run_file(progress=TERMINAL)``, the default: a bar on standard error when it is a terminal.
TERMINAL = "terminal"



def _usable_memory() -> int | None:
    """The bytes of memory of this machine, or of its container (cgroup) when that allows
    less; None when the system does not say."""
    try:
        usable = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return None
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text.isdigit():
            usable = min(usable, int(text))
    return usable


def default_memory_limit(usable: int | None = None) -> str:
    """DuckDB's memory limit for a run when none is given: a quarter of the usable memory
    (``usable`` bytes, this machine's or its container's when None), at least 1 GiB, but
    never more than half of it.

    Why not less: below about 1 GB DuckDB holds back the threads that write an ordered
    Parquet file while earlier row groups wait to be written (1M rows on 2 threads, 22
    columns: 3.9 s at 500 MB, 3.0 s at 800 MB, 2.6 s at 1 GB with a peak of 0.6 GB;
    docs/benchmarks.md), and the memory it needs for that grows with the threads, so the
    limit grows with the machine. The limit is a ceiling, not a reservation: a CSV run of
    1M rows peaks at 0.5 GB whatever it is.

    >>> default_memory_limit(16 * 2**30), default_memory_limit(2 * 2**30)
    ('4096MiB', '1024MiB')
    >>> default_memory_limit(1 * 2**30)
    '512MiB'
    """
    if usable is None:
        usable = _usable_memory() or 4 << 30
    return f"{min(max(1 << 30, usable // 4), usable // 2) >> 20}MiB"


DEFAULT_MEMORY_LIMIT = default_memory_limit()
"""DuckDB's memory limit for a run on this machine (:func:`default_memory_limit`); beyond it,
DuckDB spills to a temporary folder."""

MEMORY_SIZE = re.compile(r"[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)

class _UsePython(Exception):
    """The file needs the row-by-row path; the message says why."""


class SourceNeedsPython(Exception):
    """A source extract (a rulebook with a registration level) that this module cannot
    decide as the Python path does; the message says why. The caller runs
    :func:`srg_rules.run.run_source` instead, which needs the rulebook, not only its program."""


def run_file(program: ir.Program, input_path: str | os.PathLike[str],
             output_path: str | os.PathLike[str], *,
             progress: Callable[[float], None] | str | None = TERMINAL,
             memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
             by: Sequence[str] = (), encoding: str = "utf-8",
             allow_malformed: bool = True) -> dict[str, Any]:
    """Decide every row of a CSV or Parquet file and write them, with the decisions, to
    ``output_path`` in the input's format.

    Args:
        program: a checked program.
        input_path: a CSV file (comma or semicolon, with or without a byte order mark),
            a Parquet file (``.parquet``, ``.pq``) or a JSON Lines file.
        output_path: where the decided rows go; replaced only when the run succeeds.
        progress: called now and then with the fraction done (0.0 to 1.0) while the run
            lasts; :data:`TERMINAL` (the default) draws a bar on standard error when it is a
            terminal and is silent otherwise; None is silent.
        memory_limit: the most memory DuckDB may use (``"500MB"``, ``"2GB"``); beyond it,
            DuckDB spills to a temporary folder, so a file of any size runs in bounded memory
            (docs/benchmarks.md). None: DuckDB's own default, 80% of the machine's memory.
        by: fields whose values the counts are grouped by as well (``"by"`` in the result,
            as :meth:`Summary.as_dict` gives it).
        encoding: the CSV file's text encoding; a file not in UTF-8 takes the row-by-row path.
        allow_malformed: as for :func:`srg_rules.run.run_records` (a quote never closed).

    Returns:
        ``Summary.as_dict()`` of the run (``records``, ``statuses``, ``reasons``, ``types``),
        and ``engine``: ``"duckdb"``, or ``"python"`` when the file took the row-by-row path.

    Raises:
        InputError: the file is missing, empty, not UTF-8 or lacks required columns, or the
            output folder does not exist.

    >>> import srg_rules, tempfile, pathlib
    >>> book = srg_rules.parse("field n: number\\ninclude big when n > 10")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("n;id\\n12;a\\n3;b\\n1;2;3\\n")
    >>> summary = run_file(book.program, folder / "in.csv", folder / "out.csv")
    >>> summary["statuses"], summary["engine"]
    ({'included': 1, 'excluded': 1, 'rejected': 1}, 'duckdb')
    >>> print((folder / "out.csv").read_text(), end="")
    n;id;status;type;reasons
    12;a;included;;big
    3;b;excluded;;no_include_matched
    1;2;rejected;;malformed_row
    """
    if progress == TERMINAL:
        bar = TerminalProgress.on_stderr()
        try:
            return run_file(program, input_path, output_path, progress=bar,
                            memory_limit=memory_limit, by=by, encoding=encoding,
                            allow_malformed=allow_malformed)
        finally:
            if bar is not None:
                bar.clear()
    assert not isinstance(progress, str), f"progress must be a callable, None or {TERMINAL!r}"
    if memory_limit is not None and not MEMORY_SIZE.fullmatch(memory_limit):
        raise ValueError(f"memory limit {memory_limit!r}: write a size such as 500MB or 2GB")
    source = Path(input_path)
    target = Path(output_path)
    directory = target.resolve().parent
    if not directory.is_dir():
        raise InputError(_("{target}: the folder {directory} does not exist").format(
            target=target, directory=directory))
    if source.suffix.lower() in PARQUET_SUFFIXES:
        if program.has_registration:
            raise InputError(_("{path}: a rulebook with 'activities' or 'trajectory' "
                               "statements reads CSV or JSON Lines source extracts").format(
                                   path=source))
        if not source.exists():
            raise InputError(_("{path}: no such file").format(path=source))
        return _run_parquet(program, source, target, progress, memory_limit, by)
    records = open_input(source, program.schema.fields, encoding)
    close_rows(records.rows)  # only the header was needed; DuckDB reads the rows
    try:
        if records.format != "csv":
            raise _UsePython("not CSV")
        if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
            raise _UsePython("not UTF-8")
        return _run_csv(program, source, target, records.columns, records.delimiter, progress,
                        memory_limit, by)
    except _UsePython as why:
        if program.has_registration:
            raise SourceNeedsPython(str(why)) from None
        return _run_python(program, source, target, progress, by, encoding, allow_malformed)


def run_book_file(book: Rulebook, input_path: str | os.PathLike[str],
                  output_path: str | os.PathLike[str], *,
                  progress: TerminalProgress | None = None,
                  malformed: Malformed | None = None, **options: Any) -> Summary:
    """:func:`run_file` for a rulebook (``options`` are its keyword arguments), as
    ``run --engine duckdb`` runs it: a source extract that cannot be decided here as Python
    does (:class:`SourceNeedsPython`) runs row by row (:func:`srg_rules.run.run_source`),
    with a note on standard error saying why."""
    try:
        return Summary.from_dict(run_file(book.program, input_path, output_path,
                                          progress=progress, **options))
    except SourceNeedsPython as why:
        print("srg-rules: " + _("note: {input} is decided row by row with the python engine "
                                "({why})").format(input=input_path, why=why), file=sys.stderr)
    reading = {key: options[key] for key in ("by", "encoding", "allow_malformed") if key in options}
    return run_source(book, input_path, output_path, progress=progress, malformed=malformed,
                      **reading)


# --- CSV -----------------------------------------------------------------------------------


def _run_csv(program: ir.Program, source: Path, target: Path, columns: tuple[str, ...],
             delimiter: str, progress: Callable[[float], None] | None,
             memory_limit: str | None, by: Sequence[str] = ()) -> dict[str, Any]:
    added = _added(program)
    kept = [c for c in columns if c not in added]
    names = [*kept, *added]
    if any(not name for name in names) or len({n.lower() for n in names}) < len(names):
        # DuckDB has no empty column names and does not tell "A" from "a".
        raise _UsePython("column names DuckDB cannot keep apart")
    # The byte scan runs while DuckDB makes its first pass over the file (the keys of
    # `unique` statements) on its own threads; nothing DuckDB read is used before the scan
    # has found the file safe to read.
    scanned = FileScan(source, delimiter, progress, hash_quoted=_writer_quotes_hash())
    with _Connection(progress, memory_limit) as connection:
        try:
            return _copy_csv(connection, program, source, target, columns, kept, delimiter,
                             parallel=True, by=by, scanned=scanned)
        except _QuotedNewLines:
            if ends_inside_a_quote(source, delimiter):
                # DuckDB's single-threaded reader reads a quote open at the end of the file
                # as padding, where the parallel one refused it.
                raise _UsePython("quoted line breaks and a quote open at the end") from None
            return _copy_csv(connection, program, source, target, columns, kept, delimiter,
                             parallel=False, by=by, scanned=scanned)


def _writer_quotes_hash() -> bool:
    """Whether the DuckDB at hand quotes every value holding a ``#`` in a CSV file it writes,
    where Python's csv module writes it bare: before DuckDB 2.0 it does, whatever the COPY's
    ``COMMENT`` says (from 2.0 on, ``COMMENT ''`` stops it)."""
    import duckdb

    major = duckdb.__version__.split(".")[0]
    return not major.isdigit() or int(major) < 2


def _trusted(scanned: FileScan) -> int:
    """The records of the file (its header left out) once the byte scan found nothing DuckDB
    might read otherwise than Python; :class:`_UsePython` with the scan's reason if it did."""
    reason, records = scanned.result()
    if reason is not None:
        raise _UsePython(reason)
    return records - 1


class _QuotedNewLines(Exception):
    pass


def _copy_csv(connection: _Connection, program: ir.Program, source: Path, target: Path,
              columns: tuple[str, ...], kept: list[str], delimiter: str, *, parallel: bool,
              by: Sequence[str] = (), scanned: FileScan) -> dict[str, Any]:
    width = len(columns)
    prefix = sql_backend.internal_prefix(columns)
    positional = [f"{prefix}c{i}" for i in range(width + SPARE_COLUMNS)]
    rejects = f"{prefix}rejects_{uuid.uuid4().hex}"
    options: dict[str, exp.Expression] = {
        "header": exp.false(), "skip": exp.Literal.number(1), "delim": _text(delimiter),
        "quote": _text('"'), "escape": _text('"'), "auto_detect": exp.false(),
        "strict_mode": exp.true(), "encoding": _text("utf-8"),
        "columns": exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.to_identifier(name, quoted=True), expression=_text("VARCHAR"))
            for name in positional]),
        "store_rejects": exp.true(), "rejects_table": _text(rejects),
        "rejects_scan": _text(rejects + "_scan"),
    }
    # A short row is padded with NULLs; an empty value must then read as '' to be told
    # apart, so the null string is one no file holds.
    options["null_padding"] = exp.true()
    options["nullstr"] = _text(f"\x01srg-null-{uuid.uuid4().hex}\x01")
    if not parallel:
        # DuckDB's parallel reader cannot pad the rows of a file with line breaks inside
        # quoted values; its single-threaded one can. (Read without padding instead, a row
        # of one value too many, the last one empty, passed for a whole one.)
        options["parallel"] = exp.false()
    read = exp.ReadCSV(this=_text(str(source)), expressions=[
        exp.EQ(this=exp.column(key), expression=value) for key, value in options.items()])
    malformed_name = f"{prefix}malformed"
    malformed: exp.Expr = exp.or_(
        exp.column(positional[width - 1], quoted=True).is_(exp.null()),
        exp.not_(exp.column(positional[width], quoted=True).is_(exp.null())))
    rows = exp.select(
        *(exp.alias_(exp.column(positional[i], quoted=True), name, quoted=True)
          for i, name in enumerate(columns)),
        exp.alias_(malformed, malformed_name, quoted=True),
    ).from_(read)
    prepare: Callable[[], None] = _nothing
    if program.has_registration:
        # The source rows as the registration level reads them: each declared field by its
        # name (NULL when the file lacks it), the rest left out, as run_source writes them.
        positions = {name: i for i, name in enumerate(columns)}
        fields_only = exp.select(*(
            exp.alias_(exp.column(positional[positions[name]], quoted=True)
                       if name in positions else exp.cast(exp.Null(), "VARCHAR"), name, quoted=True)
            for name in program.schema.fields),
            exp.alias_(malformed, malformed_name, quoted=True)).from_(read)
        expected = _trusted(scanned)
        decided, kept, prepare = _source_select(connection, program, fields_only,
                                                malformed_name, expected)
    else:
        query = sql_backend.Query(program, [*columns, malformed_name], "text", malformed_name,
                                  dialect="duckdb")
        # An empty value is written bare (NULL), as the Python path writes it, not as "".
        passthrough = [exp.alias_(exp.Nullif(this=exp.column(c, quoted=True),
                                             expression=_text("")), c, quoted=True)
                       for c in kept]
        if not sql_unique.supported(query):
            raise _UsePython("a unique key with a number field")
    with replacing(target) as temp:
        try:
            if program.has_registration:
                prepare()
            else:
                decided = _decided(connection, query, rows, passthrough, malformed_name,
                                   meanwhile=scanned.run)
                expected = _trusted(scanned)
            connection.run(exp.Copy(this=decided.subquery(copy=False), kind=False, files=[_text(str(temp))],
                                    params=_csv_params(delimiter)))
        except _UsePython:
            raise
        except Exception as error:  # noqa: BLE001 - any DuckDB error: read the Python way
            _trusted(scanned)  # a file the scan found unsafe goes the Python way for that
            message = str(error)
            _refuse_write_error(message, temp, target)
            if parallel and "null_padding" in message and "quoted new lines" in message:
                raise _QuotedNewLines() from error
            raise _UsePython(message) from error
        rejected = connection.scalar(
            exp.select(exp.func("count", exp.Star())).from_(exp.to_table(rejects, quoted=True)))
        if rejected:
            raise _UsePython(f"{rejected} row(s) DuckDB's CSV reader rejected")
        out_columns = [f"{prefix}o{i}" for i in range(len(kept) + len(_added(program)))]
        written = exp.ReadCSV(this=_text(str(temp)), expressions=[
            exp.EQ(this=exp.column(key), expression=value) for key, value in {
                "header": exp.false(), "skip": exp.Literal.number(1), "delim": _text(delimiter),
                "quote": _text('"'), "escape": _text('"'), "auto_detect": exp.false(),
                "columns": exp.Struct(expressions=[
                    exp.PropertyEQ(this=exp.to_identifier(n, quoted=True),
                                   expression=_text("VARCHAR")) for n in out_columns]),
            }.items()])
        groups = [exp.column(out_columns[kept.index(name)], quoted=True) if name in kept else None
                  for name in by]
        summary = _summary(connection, written, *out_columns[len(kept):], by=by, groups=groups)
        if program.has_registration:
            # Provisions are counted above; every source row is in the lineage of one.
            summary["source_rows"] = expected
        elif summary["records"] != expected:
            # Every row accounted for: DuckDB decided another number of records than the
            # file holds (it skips a line it cannot hold, e.g. one with a 32 MB value).
            raise _UsePython(f"{expected} records in the file, {summary['records']} decided")
    return summary


MOST_DUPLICATE_KEYS = 20_000
"""Up to this many keys found twice or more, a ``unique`` check is a search of them in the
query (rows decided on every thread, in order); beyond, a window count and a sort by the
reading order (:func:`srg_rules.backends.sql.unique.select_with_unique`)."""


def _decided(connection: _Connection, query: sql_backend.Query, rows: exp.Select,
             passthrough: Sequence[exp.Expr], malformed: str | None,
             meanwhile: Callable[[], None] = lambda: None) -> exp.Select:
    """The query deciding ``rows``, ``unique`` statements applied. The keys found more than
    once are looked up first, in a query of the key fields alone (``meanwhile`` is called
    while it runs); then the rows are decided in one pass that keeps their order without a
    sort."""
    if not query.program.unique:
        return query.select(rows, passthrough=passthrough)
    found: list[list[tuple[str, str]]] = [[] for _ in query.program.unique]
    duplicates = sql_unique.duplicate_keys(query, rows, malformed)
    for statement, first, key in connection.rows(duplicates.limit(MOST_DUPLICATE_KEYS + 1),
                                                  meanwhile=meanwhile):
        found[statement].append((first, key))
    if sum(len(keys) for keys in found) > MOST_DUPLICATE_KEYS:
        return sql_unique.select_with_unique(query, rows, passthrough, malformed)
    return sql_unique.select_with_duplicates(query, rows, passthrough, malformed, found)


def _nothing() -> None:
    pass


SLICE_ROWS = 200_000
"""The most source rows of which the registration level combines the activities in one
query (a slice of the provisions' keys): DuckDB keeps the aggregate state of every text value
of a query in memory, not spilling it, so a slice bounds the memory a run needs whatever the
number of rows (docs/benchmarks.md, "The registration level in DuckDB")."""


def _source_select(connection: _Connection, program: ir.Program, rows: exp.Select,
                   malformed: str, expected: int | None
                   ) -> tuple[exp.Select, list[str], Callable[[], None]]:
    """The registration level's query over source rows, the columns it writes before the
    decision's (the fields, ``component``, ``source_rows``) and what to run before it (in
    the caller's error handling: it reads the file), or :class:`_UsePython` with the reason
    it cannot decide these rows as Python does.

    Up to :data:`SLICE_ROWS` rows (``expected``) it is one query. Beyond, the rows are
    numbered into a table, read into another, sorted by a hash of the provision's key into
    slices of about :data:`SLICE_ROWS` rows; each slice's provisions are combined by a query
    of their own into a third table, and the query decides and orders those (tables and
    sorts spill to disk beyond the memory limit; only the combining does not)."""
    why = sql_registration.unsupported(program)
    if why is not None:
        raise _UsePython(why)
    numbers = sql_registration.guard(program, rows, malformed)
    if numbers is not None:
        found = connection.scalar(numbers)
        if found:
            raise _UsePython(f"{found} row(s) with a number that is not an integer of at "
                             "most 15 digits")
    written = [*program.schema.fields,
               *([sql_registration.COMPONENT] if program.trajectories else []),
               sql_registration.SOURCE_ROWS]
    slices = -(-expected // SLICE_ROWS) if expected else 1
    if slices <= 1:
        return sql_registration.select_source(program, rows, malformed), written, _nothing
    parts = sql_registration.source_parts(program, rows, malformed)
    tables = {name: exp.to_table(f"{parts.row}_{name}", quoted=True)
              for name in ("numbered", "read", "provisions")}
    slice_column = f"{parts.row}_slice"

    def everything(name: str, where: exp.Expression | None = None) -> exp.Select:
        select = exp.select(exp.Star()).from_(tables[name].copy())
        return select.where(where) if where is not None else select

    def prepare() -> None:
        connection.run(exp.Create(this=tables["numbered"].copy(), kind="TABLE",
                                  expression=parts.numbered()))
        key_hash = exp.Anonymous(this="hash", expressions=[
            exp.column(name, quoted=True) for name in parts.partition])
        read = exp.select(exp.Star(), exp.alias_(
            exp.Mod(this=key_hash, expression=exp.Literal.number(slices)),
            slice_column, quoted=True)).from_(parts.read(everything("numbered")).subquery("r"))
        # Sorted by slice: each slice's query then reads only the blocks that hold it.
        connection.run(exp.Create(this=tables["read"].copy(), kind="TABLE",
                                  expression=read.order_by(exp.column(slice_column, quoted=True))))
        for number in range(slices):
            one = parts.provisions(everything("read", exp.column(slice_column, quoted=True).eq(
                exp.Literal.number(number))))
            connection.run(exp.Create(this=tables["provisions"].copy(), kind="TABLE",
                                      expression=one) if number == 0 else
                           exp.Insert(this=tables["provisions"].copy(), expression=one))

    return parts.decided(everything("provisions"), everything("numbered")), written, prepare


def _csv_params(delimiter: str) -> list[exp.CopyParameter]:
    return [
        exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("csv")),
        exp.CopyParameter(this=exp.var("DELIMITER"), expression=_text(delimiter)),
        exp.CopyParameter(this=exp.var("QUOTE"), expression=_text('"')),
        exp.CopyParameter(this=exp.var("ESCAPE"), expression=_text('"')),
        exp.CopyParameter(this=exp.var("HEADER"), expression=exp.true()),
        # CRLF, as the Python path (and RFC 4180) writes it.
        exp.CopyParameter(this=exp.var("NEW_LINE"), expression=_text("\r\n")),
        # No comment character: DuckDB would otherwise quote every value holding a '#',
        # which Python writes bare (DuckDB 2.0 and later; an older one quotes it whatever
        # this says, so a file with a '#' goes the Python way: _writer_quotes_hash).
        exp.CopyParameter(this=exp.var("COMMENT"), expression=_text("")),
        _IN_PLACE.copy(),
    ]


# COPY writes into the temporary file it is given (created private, mode 0600), not into a
# ``tmp_`` file of its own beside it, which would have the default mode and, after a kill,
# a name no later run recognises.
_IN_PLACE = exp.CopyParameter(this=exp.var("USE_TMP_FILE"), expression=exp.false())


# --- Parquet -------------------------------------------------------------------------------


def _run_parquet(program: ir.Program, source: Path, target: Path,
                 progress: Callable[[float], None] | None,
                 memory_limit: str | None, by: Sequence[str] = ()) -> dict[str, Any]:
    read = exp.Anonymous(this="read_parquet", expressions=[_text(str(source))])
    with _Connection(progress, memory_limit) as connection:
        try:
            described = connection.rows(exp.Describe(this=exp.select(exp.Star()).from_(read)))
        except Exception as error:  # noqa: BLE001
            raise InputError(_("{path}: cannot be read as Parquet ({error})").format(
                path=source, error=error)) from None
        types = {row[0]: str(row[1]).upper() for row in described}
        columns = list(types)
        fields = program.schema.fields
        missing = [n for n, f in fields.items() if not f.optional and n not in types]
        if missing:
            raise InputError(_("{path}: the file lacks {missing} column(s) the rulebook "
                               "requires: {fields}\n  the file has: {columns}").format(
                                 path=source, missing=len(missing), fields=", ".join(missing),
                                 columns=", ".join(columns)))
        added = _added(program)
        kept = [c for c in columns if c not in added]
        names = [*kept, *added]
        if len({n.lower() for n in names}) < len(names):
            raise InputError(_("{path}: column names that differ only in case (DuckDB cannot "
                               "keep them apart)").format(path=source))
        prefix = sql_backend.internal_prefix(columns)
        field_columns = {name: f"{prefix}f{i}" for i, name in enumerate(fields) if name in types}
        # A column whose type fits its field (a DATE for a date...) is read as it is.
        typed, texts = sql_backend.field_readings(
            fields, {name: exp.column(name, quoted=True) for name in field_columns}, types,
            field_columns, "duckdb")
        rows = exp.select(exp.Star(), *texts).from_(read)
        query = sql_backend.Query(program, [*columns, *field_columns.values()], "text", None,
                                  field_columns=field_columns, dialect="duckdb",
                                  column_types=typed)
        if not sql_unique.supported(query):
            raise InputError(_("{path}: a 'unique' key with a number field is checked row by "
                               "row, which does not read Parquet; key on text or code "
                               "fields").format(path=source))
        with replacing(target) as temp:
            try:
                decided = _decided(connection, query, rows,
                                   [exp.column(c, quoted=True) for c in kept], None)
            except Exception as error:  # noqa: BLE001 - as _parquet_copy: the input's
                raise InputError(_("{path}: cannot be read as Parquet ({error})").format(
                    path=source, error=_first_line(error))) from None
            _parquet_copy(connection, source, target, temp, exp.Copy(
                this=decided.subquery(copy=False), kind=False, files=[_text(str(temp))],
                                    params=[exp.CopyParameter(this=exp.var("FORMAT"),
                                                              expression=exp.var("parquet")),
                                            _IN_PLACE.copy()]))
            written = exp.Anonymous(this="read_parquet", expressions=[_text(str(temp))])
            groups = [exp.cast(exp.column(name, quoted=True), "VARCHAR") if name in kept
                      else None for name in by]
            summary = _summary(connection, written, *added, by=by, groups=groups)
        return summary


def _parquet_copy(connection: _Connection, source: Path, target: Path, temp: Path,
                  copy: exp.Expression) -> None:
    """Run the COPY of a Parquet file: an error writing is the output's, any other the
    input's (corrupt pages, a value that does not fit its type), one line naming the file."""
    try:
        connection.run(copy)
    except Exception as error:  # noqa: BLE001 - DuckDB's errors have no common base we use
        message = str(error)
        _refuse_write_error(message, temp, target)
        raise InputError(_("{path}: cannot be read as Parquet ({error})").format(
            path=source, error=_first_line(error))) from None


def _first_line(error: Exception) -> str:
    message = str(error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def _refuse_write_error(message: str, temp: Path, target: Path) -> None:
    """An error of DuckDB writing the output (a full disk, no permission) is the output's:
    raised as such, never taken for input the Python path might read."""
    lowered = message.lower()
    if str(temp) in message or any(words in lowered for words in (
            "no space left", "disk full", "permission denied", "read-only file system")):
        first = message.strip().splitlines()[0]
        raise InputError(_("{target}: cannot be written ({error}); nothing was written").format(
            target=target, error=first))


# --- the Python path -----------------------------------------------------------------------


def _run_python(program: ir.Program, source: Path, target: Path,
                progress: Callable[[float], None] | None = None,
                by: Sequence[str] = (), encoding: str = "utf-8",
                allow_malformed: bool = True) -> dict[str, Any]:
    """Row by row, exactly as ``srg-rules run --engine python`` decides a file (the one run
    loop, :func:`srg_rules.run.run_records`, with the compiled backend, a CSV file by
    position); ``progress`` is told the share of the file read."""
    from .backends.python import compile_program, compile_rows

    # The compiled backend, not the interpreter: a file DuckDB cannot read as Python does
    # is decided about ten times faster (1M rows: 16 s, not 160 s); both decide alike (the
    # backends' differential tests).
    summary = run_records(compile_program(program).decide, program.schema.fields, source,
                          target, progress=None if progress is None else _shares(progress),
                          unique=program.unique, by=by,
                          warnings=bool(program.by_verb("warn")), encoding=encoding,
                          allow_malformed=allow_malformed,
                          by_position=partial(compile_rows, program))
    return {**summary.as_dict(), "engine": "python"}


def _shares(progress: Callable[[float], None]) -> Callable[[float, int], None]:
    """The run loop's progress hook for one that takes the share done only."""
    def report(fraction: float, rows: int) -> None:
        progress(fraction)
    return report


# --- shared --------------------------------------------------------------------------------


def _text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _added(program: ir.Program) -> tuple[str, ...]:
    """The columns the run adds: status, type, reasons, and warnings for warn rules."""
    return output_columns(bool(program.by_verb("warn")))


def _summary(connection: _Connection, written: exp.Expression, status: str, type_: str,
             reasons: str, warnings: str | None = None, *, by: Sequence[str] = (),
             groups: Sequence[exp.Expression | None] = ()) -> dict[str, Any]:
    """The counts, from one GROUP BY over the written file (a row per distinct decision, and
    per group: ``groups`` are the written columns of the ``by`` fields, None for a field the
    file lacks, each grouped by its text as ``summary.group_text`` has it). ``warnings`` is
    the written warnings column, when the rulebook has warn rules."""
    keys: list[exp.Expression] = [exp.column(status, quoted=True), exp.column(type_, quoted=True),
                                  exp.column(reasons, quoted=True)]
    if warnings is not None:
        keys.append(exp.column(warnings, quoted=True))
    keys += [strip(exp.Coalesce(this=group, expressions=[_text("")]))
             for group in groups if group is not None]
    query = exp.select(*keys, exp.func("count", exp.Star())).from_(written).group_by(
        *(k.copy() for k in keys))
    summary = Summary().grouped_by(by)
    for decided_status, decided_type, decided_reasons, *found, count in connection.rows(query):
        found_reasons = [r for r in (decided_reasons or "").split(REASON_SEPARATOR) if r]
        warned: list[str] = []
        if warnings is not None:
            warned = [w for w in (found.pop(0) or "").split(REASON_SEPARATOR) if w]
        summary.add_counted(decided_status, decided_type or None, found_reasons, count, warned)
        if by:
            texts = iter(found)
            values = [next(texts) if group is not None else "" for group in groups]
            summary.group(values).add_counted(decided_status, decided_type or None, found_reasons,
                                              count, warned)
    return {**summary.as_dict(), "engine": "duckdb"}


class _Connection:
    """An in-memory DuckDB for one run, reporting progress from a watcher thread."""

    def __init__(self, progress: Callable[[float], None] | None, memory_limit: str | None):
        import duckdb

        self._db = duckdb.connect(":memory:")
        limit = memory_limit
        self._spill: str | None = None
        if limit is not None:
            # Beyond the limit DuckDB spills to disk: to a private folder of this run, removed
            # with it (an in-memory database would otherwise use ./.tmp).
            self._spill = spill_folder()
            self._db.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(
                this=exp.column("memory_limit"), expression=exp.Literal.string(limit)))]).sql("duckdb"))
            self._db.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(
                this=exp.column("temp_directory"),
                expression=exp.Literal.string(self._spill)))]).sql("duckdb"))
        self._db.execute("SET preserve_insertion_order = true")
        self._in_clause_off = False
        self._progress = progress
        if progress is not None:
            self._db.execute("SET enable_progress_bar = true")
            self._db.execute("SET enable_progress_bar_print = false")

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)

    def _prepared(self, statement: exp.Expression) -> str:
        """The statement's text, its IN lists written so that DuckDB keeps the rows in order
        (:mod:`srg_rules.backends.sql.inorder`: its ``in_clause`` optimizer would turn them
        into joins that give the order up). Should one be left (``IN (SELECT ...)``), the
        optimizer is switched off for the statement."""
        # In place: the statement is built for this one use.
        off = not without_in_lists(statement)
        if off != self._in_clause_off:
            self._db.execute(f"SET disabled_optimizers = '{'in_clause' if off else ''}'")
            self._in_clause_off = off
        # copy=False: the statement is built for this one use; sqlglot would otherwise copy
        # the whole tree before writing it (a third of the time to prepare the SRG query).
        return statement.sql(dialect="duckdb", copy=False)

    def run(self, statement: exp.Expression) -> None:
        text = self._prepared(statement)
        if self._progress is None:
            self._execute(text)
            return
        done = threading.Event()
        report = self._progress

        def watch() -> None:
            while not done.wait(0.2):
                fraction = self._db.query_progress()
                if fraction >= 0:
                    report(min(fraction, 100.0) / 100.0)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            self._execute(text)
        finally:
            done.set()
            watcher.join()
        report(1.0)

    def rows(self, query: exp.Expression,
             meanwhile: Callable[[], None] | None = None) -> list[tuple[Any, ...]]:
        """The rows of ``query``; ``meanwhile`` is called while DuckDB runs it."""
        return self._execute(self._prepared(query), meanwhile)

    def _execute(self, text: str,
                 meanwhile: Callable[[], None] | None = None) -> list[tuple[Any, ...]]:
        """Run a statement in a worker thread, so that the main thread stays where Python
        handles signals: on Ctrl-C (KeyboardInterrupt) it interrupts the query
        (``interrupt()``), waits for the worker to stop and raises again; the caller's frame
        then removes the temporary output and the spill folder. ``meanwhile`` runs on the
        main thread while the statement runs (DuckDB does not hold Python's lock); should it
        raise, the statement is interrupted the same way."""
        outcome: list[list[tuple[Any, ...]] | BaseException] = []
        finished = threading.Event()

        def work() -> None:
            try:
                outcome.append(self._db.execute(text).fetchall())
            except BaseException as error:  # noqa: BLE001 - handed to the main thread
                outcome.append(error)
            finally:
                finished.set()

        # An Event, not Thread.join: a join interrupted by a signal may return before the
        # thread has ended (Python before 3.13).
        threading.Thread(target=work, name="srg-rules-duckdb", daemon=True).start()
        try:
            if meanwhile is not None:
                meanwhile()
            while not finished.wait(0.05):
                pass
        except BaseException:
            while not finished.is_set():
                self._db.interrupt()
                try:
                    finished.wait(0.05)
                except KeyboardInterrupt:  # a second Ctrl-C: still stopping
                    pass
            raise
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def scalar(self, query: exp.Expression) -> Any:
        return self.rows(query)[0][0]
