"""The ``srg-rules`` command: check, run, explain, test, diff, sql, fmt.

Input: command-line arguments. Output: text on standard output and standard error, and an
exit status: 0 for success, 1 when a rulebook has errors (or, for ``test``, a case fails),
2 for a usage or input problem (a missing file, an unreadable record file), 130 when
interrupted. No traceback reaches the user for bad input: every expected failure is a message
naming the file and, where it can, the line.

Place in the pipeline: the outermost layer. This module parses arguments, chooses (which
engine runs a file, which rulebook a diff compares) and prints (diagnostics, messages, the
summary); the stages do the work: :mod:`srg_rules.rulebook` builds a rulebook,
:mod:`srg_rules.run` and :mod:`srg_rules.filerun` run it over a file and tell this module,
through hooks, what to show while they do (progress, malformed rows).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .diagnostics import RulebookError
from .format import format_text
from .link import read_source
from .records import MALFORMED_ROW, InputError, Row, open_records
from .rulebook import Rulebook, diagnose, load
from .run import TerminalProgress, run_records, run_source
from .summary import Summary
from .testing import companion_tables, run_all

__all__ = ["main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_MALFORMED_SHOWN = 20
# Below this size the row-by-row path is as quick as starting DuckDB, and it names every
# malformed row on the terminal.
_DUCKDB_FROM_BYTES = 8_000_000


class _UserError(Exception):
    """An expected failure: the message is for the user, the code is the exit status."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except _UserError as error:
        print(f"srg-rules: {error}", file=sys.stderr)
        return error.code
    except InputError as error:
        print(f"srg-rules: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("srg-rules: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK  # e.g. `srg-rules run ... | head`


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="srg-rules",
        description="Check rulebooks and decide SRG provision records with them.",
    )
    parser.add_argument("--version", action="version", version=f"srg-rules {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    check = commands.add_parser("check", help="report every error and warning in a rulebook")
    check.add_argument("rulebook", help="the rulebook file")
    check.set_defaults(handler=_check)

    run = commands.add_parser("run", help="decide every record of a CSV or JSON Lines file")
    run.add_argument("rulebook", help="the rulebook file")
    run.add_argument("input", help="records: CSV (comma or semicolon) or JSON Lines")
    run.add_argument("-o", "--output", help="where to write the decided records "
                     "(same format as the input); default: standard output")
    run.add_argument("--summary-json", metavar="PATH",
                     help="also write the summary as JSON to PATH")
    run.add_argument("--engine", choices=("auto", "python", "duckdb"), default="auto",
                     help="python decides row by row and names each malformed row; duckdb runs "
                     "the rulebook as one SQL query inside DuckDB, for large CSV and Parquet "
                     "files (needs -o); auto (default) takes duckdb for Parquet and for CSV "
                     f"files over {_DUCKDB_FROM_BYTES // 1_000_000} MB")
    run.add_argument("--by", metavar="FIELD,...", default="",
                     help="also count the summary per group of these fields' values, e.g. "
                     "--by municipality_code,reporting_month")
    run.add_argument("--memory-limit", metavar="SIZE", default=None,
                     help="the most memory the duckdb engine may use before it spills to a "
                     "temporary folder, e.g. 2GB (default: 500MB)")
    run.set_defaults(handler=_run)

    explain = commands.add_parser("explain", help="show why one record was decided as it was")
    explain.add_argument("rulebook", help="the rulebook file")
    explain.add_argument("input", nargs="?", help="records file (CSV or JSON Lines)")
    explain.add_argument("--row", type=int, help="the record's number in the file (1 = first)")
    explain.add_argument("--record", metavar="JSON", help="the record itself, as a JSON object")
    explain.set_defaults(handler=_explain)

    test = commands.add_parser(
        "test", help="check a rulebook's expectations and example tables")
    test.add_argument("rulebook", help="the rulebook file")
    test.add_argument("examples", nargs="*", metavar="EXAMPLES",
                      help="example tables (CSV or YAML); default: NAME.examples.csv/.yaml "
                           "beside the rulebook")
    test.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    test.set_defaults(handler=_test)

    diff = commands.add_parser(
        "diff", help="which records two versions of a rulebook, or the rules in force on two "
        "dates, decide differently")
    diff.add_argument("old", help="the old version")
    diff.add_argument("new", nargs="?",
                      help="the new version; with --old-date and --new-date it may be left out "
                      "to compare two dates of OLD (a second file not ending in .rules is then "
                      "DATA)")
    diff.add_argument("data", nargs="?", help="a record file to run both versions over")
    diff.add_argument("--old-date", type=_date, metavar="YYYY-MM-DD",
                      help="compare the old version's rules in force on this date")
    diff.add_argument("--new-date", type=_date, metavar="YYYY-MM-DD",
                      help="compare the new version's rules in force on this date")
    diff.set_defaults(handler=_diff)

    sql = commands.add_parser(
        "sql", help="print the rulebook as one SQL query for your own database or warehouse")
    sql.add_argument("rulebook", help="the rulebook file")
    sql.add_argument("--dialect", default="duckdb",
                     help="duckdb (default), postgres, spark, or another dialect sqlglot writes")
    sql.add_argument("--table", default="records",
                     help="the table of raw records (text columns named as the fields)")
    sql.set_defaults(handler=_sql)

    fmt = commands.add_parser("fmt", help="print rulebooks in their canonical layout")
    fmt.add_argument("rulebooks", nargs="+", metavar="RULEBOOK", help="rulebook files")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("-w", "--write", action="store_true", help="rewrite the files in place")
    mode.add_argument("--check", action="store_true",
                      help="change nothing; exit 1 if a file is not in canonical layout")
    fmt.set_defaults(handler=_fmt)
    return parser


def _load(path: str) -> Rulebook:
    """Load a rulebook for use, or stop with its diagnostics."""
    try:
        # The compiled backend decides as the interpreter does (tests/test_backends.py),
        # several times faster; explanations still come from the interpreter.
        book = load(path, backend="python")
    except FileNotFoundError:
        raise _UserError(f"{path}: no such rulebook") from None
    except IsADirectoryError:
        raise _UserError(f"{path}: is a directory, not a rulebook") from None
    except RulebookError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic.render(), file=sys.stderr)
            print(file=sys.stderr)
        errors = len(error.errors)
        raise _UserError(
            f"{path}: {errors} error{'s' if errors != 1 else ''}; nothing was run",
            EXIT_FINDINGS,
        ) from None
    for warning in book.warnings:
        print(warning.render(), file=sys.stderr)
        print(file=sys.stderr)
    return book


def _check(args: argparse.Namespace) -> int:
    try:
        text = read_source(args.rulebook)
    except FileNotFoundError:
        raise _UserError(f"{args.rulebook}: no such rulebook") from None
    except IsADirectoryError:
        raise _UserError(f"{args.rulebook}: is a directory, not a rulebook") from None
    except RulebookError as error:
        diagnostics = error.diagnostics
    else:
        diagnostics = diagnose(text, args.rulebook)
    for diagnostic in diagnostics:
        print(diagnostic.render())
        print()
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if errors or warnings:
        print(f"{args.rulebook}: {_count(errors, 'error')}, {_count(warnings, 'warning')}")
    else:
        print(f"{args.rulebook}: ok")
    return EXIT_FINDINGS if errors else EXIT_OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _run(args: argparse.Namespace) -> int:
    book = _load(args.rulebook)
    by = _group_fields(book, args.by)
    engine = _engine(book, args)
    if engine == "duckdb":
        from .filerun import DEFAULT_MEMORY_LIMIT, MEMORY_SIZE, run_file

        limit = args.memory_limit or DEFAULT_MEMORY_LIMIT
        if not MEMORY_SIZE.fullmatch(limit):
            raise _UserError(f"--memory-limit {limit}: write a size such as 500MB or 2GB")
    bar = TerminalProgress.on_stderr()
    malformed = _MalformedRows(bar)
    try:
        if engine == "source":
            summary = run_source(book, args.input, args.output, progress=bar,
                                 malformed=malformed, by=by)
        elif engine == "duckdb":
            summary = Summary.from_dict(run_file(book.program, args.input, args.output,
                                                 progress=bar, memory_limit=limit, by=by))
        else:
            summary = run_records(book.decide, book.fields, args.input, args.output,
                                  progress=bar, malformed=malformed, replaced=_note_replaced,
                                  unique=book.program.unique, by=by,
                                  warnings=bool(book.program.by_verb("warn")))
    finally:
        if bar is not None:
            bar.clear()
    if engine == "duckdb" and summary.reasons[MALFORMED_ROW]:
        print(f"srg-rules: {summary.reasons[MALFORMED_ROW]} malformed record(s) rejected as "
              f"{MALFORMED_ROW}; rerun with --engine python to list them", file=sys.stderr)
    malformed.tell_the_rest()
    report = sys.stdout if args.output else sys.stderr
    header = f"rulebook: {args.rulebook}"
    if book.title:
        header += f" ({book.title}{', version ' + book.version if book.version else ''})"
    print(header, file=report)
    print(f"input:    {args.input}", file=report)
    if args.output:
        print(f"output:   {args.output}", file=report)
    labels = dict(book.output.codes) if book.output is not None else {}
    print(summary.render(labels), file=report)
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary.as_dict(), indent=2) + "\n",
                                           encoding="utf-8")
    return EXIT_OK


def _group_fields(book: Rulebook, text: str) -> tuple[str, ...]:
    """The fields of ``--by``: declared fields, each once."""
    from .diagnostics import did_you_mean

    names = tuple(name.strip() for name in text.split(",")) if text.strip() else ()
    for name in names:
        if name not in book.fields:
            problem = f"no field named '{name}'" if name else "an empty field name"
            hint = (did_you_mean(name, book.fields) if name else None) or (
                "name fields of the rulebook, separated by commas: " + ", ".join(book.fields))
            raise _UserError(f"--by {text}: {problem}\n  help: {hint}")
    if len(set(names)) < len(names):
        raise _UserError(f"--by {text}: a field is named twice\n  help: name each field once")
    return names


def _engine(book: Rulebook, args: argparse.Namespace) -> str:
    """Which run decides the file: ``source`` (a rulebook with a registration level, row by
    row), ``duckdb`` (the whole file as one query) or ``python`` (row by row)."""
    if book.has_registration:
        if args.engine == "duckdb" or Path(args.input).suffix.lower() in (".parquet", ".pq"):
            raise _UserError(f"{args.rulebook}: a rulebook with 'activities' or 'trajectory' "
                             "statements runs on the python engine, over CSV or JSON Lines")
        return "source"
    return "duckdb" if _use_duckdb(args) else "python"


def _use_duckdb(args: argparse.Namespace) -> bool:
    from .filerun import PARQUET_SUFFIXES

    parquet = Path(args.input).suffix.lower() in PARQUET_SUFFIXES
    if args.engine == "python":
        if parquet:
            raise _UserError(f"{args.input}: Parquet files are read with --engine duckdb")
        return False
    if args.output is None:
        if args.engine == "duckdb" or parquet:
            raise _UserError("the duckdb engine writes to a file: give -o OUTPUT")
        return False
    if args.engine == "duckdb" or parquet:
        return True
    path = Path(args.input)
    return (path.suffix.lower() == ".csv" and path.is_file()
            and path.stat().st_size >= _DUCKDB_FROM_BYTES)


def _note_replaced(columns: tuple[str, ...]) -> None:
    print(f"srg-rules: note: the input's column(s) {', '.join(columns)} are "
          "replaced by the new decisions", file=sys.stderr)


class _MalformedRows:
    """Names the first malformed rows of a run on standard error (the progress bar cleared
    first), and counts the rest for :meth:`tell_the_rest`."""

    def __init__(self, bar: TerminalProgress | None):
        self.bar = bar
        self.count = 0

    def __call__(self, path: Path, row: Row) -> None:
        self.count += 1
        if self.count <= _MALFORMED_SHOWN:
            if self.bar is not None:
                self.bar.clear()
            print(f"{path}:{row.line}: record {row.number} {row.problem}; "
                  f"rejected as {MALFORMED_ROW}", file=sys.stderr)

    def tell_the_rest(self) -> None:
        if self.count > _MALFORMED_SHOWN:
            print(f"srg-rules: ... and {self.count - _MALFORMED_SHOWN} more malformed records",
                  file=sys.stderr)


def _keys_of(book: Rulebook, record) -> dict:
    from .unique import read_keys

    return read_keys(record, book.fields, {n for s in book.program.unique for n in s.key})


def _explain_duplicates(book: Rulebook, values, records) -> None:
    """Before the record's own explanation: the ``unique`` statements it breaks, naming the
    other rows of the file with its key (a check across records, which decides last)."""
    from .unique import sharing

    broken = sharing(book.program.unique, values, records)
    if not broken:
        return
    print("Decision: rejected (a check across the records of the file)")
    for statement, rows in broken:
        key = ", ".join(f"{name} = {values[name]}" for name in statement.key)
        where = f", line {statement.span.line}" if statement.span is not None else ""
        print(f"  - {statement.reason}: records {', '.join(map(str, rows))} of the file have "
              f"the same key ({key}; unique {', '.join(statement.key)}{where})")
    print("\nThe record on its own, before that check:")


def _explain_provisions(book: Rulebook, made, what: str) -> None:
    made = list(made)
    if len(made) > 1:
        print(f"{what} is a trajectory of {len(made)} provisions.")
    for number, (provision, _decision) in enumerate(made, start=1):
        if len(made) > 1:
            print(f"\n--- provision {number}: {provision.component} ---")
        if len(provision.rows) > 1:
            rows = ", ".join(map(str, provision.rows))
            print(f"One provision made of the activities in records {rows}.")
        for message in provision.messages:
            print(message)
        print(book.explain_provision(provision).render(), end="")


def _sql(args: argparse.Namespace) -> int:
    from .backends.sql import to_sql

    book = _load(args.rulebook)
    if book.has_registration:
        raise _UserError(f"{args.rulebook}: the SQL backend does not implement 'activities' and "
                         "'trajectory' statements yet; run the rulebook with srg-rules run, or "
                         "write its provision-level rules without them")
    try:
        text = to_sql(book.program, args.table, args.dialect, pretty=True)
        if book.program.unique:
            print("srg-rules: note: the query decides each record alone; it does not apply the "
                  "rulebook's 'unique' statements (srg-rules run does)", file=sys.stderr)
    except Exception as error:  # sqlglot's UnsupportedError and ParseError, named per dialect
        raise _UserError(f"the rulebook cannot be written as {args.dialect} SQL: {error}") from None
    print(text if text.endswith(";") else text + ";")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    book = _load(args.rulebook)
    tables = args.examples or companion_tables(args.rulebook)
    results = run_all(book, tables)
    for result in results:
        if args.verbose or not result.passed:
            print(result.render())
            if not result.passed:
                print()
    failed = sum(1 for r in results if not r.passed)
    if not results:
        print(f"{args.rulebook}: no expectations and no example tables to test")
    print(f"{len(results) - failed} passed, {failed} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def _date(text: str):
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _diff(args: argparse.Namespace) -> int:
    from .analysis.diff import IncompatibleSchemas, NotExact, run_diff

    new, data = args.new, args.data
    one_rulebook = new is None or (data is None and not new.endswith(".rules")
                                   and args.old_date is not None and args.new_date is not None)
    if one_rulebook:
        if args.old_date is None or args.new_date is None:
            raise _UserError("diff needs two rulebooks, or one rulebook with --old-date and "
                             "--new-date to compare the rules in force on two dates")
        new, data = args.old, new
    try:
        text, code = run_diff(args.old, new, data, load=_load, old_date=args.old_date,
                              new_date=args.new_date)
    except (IncompatibleSchemas, NotExact) as error:
        raise _UserError(str(error)) from None
    print(text, end="" if text.endswith("\n") else "\n")
    return code


def _fmt(args: argparse.Namespace) -> int:
    unformatted = 0
    broken = 0
    for path in args.rulebooks:
        try:
            text = read_source(path)
            formatted = format_text(text, path)
        except FileNotFoundError:
            raise _UserError(f"{path}: no such rulebook") from None
        except RulebookError as error:
            broken += 1
            for diagnostic in error.diagnostics:
                print(diagnostic.render(), file=sys.stderr)
                print(file=sys.stderr)
            continue
        if args.check:
            if formatted != text:
                unformatted += 1
                print(f"{path}: not in canonical layout (run: srg-rules fmt -w {path})")
        elif args.write:
            if formatted != text:
                Path(path).write_text(formatted, encoding="utf-8", newline="")
                print(f"{path}: reformatted")
        else:
            sys.stdout.write(formatted)
    return EXIT_FINDINGS if broken or unformatted else EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    if (args.record is None) == (args.input is None):
        raise _UserError("explain needs either an input file with --row N, or --record JSON")
    book = _load(args.rulebook)
    if args.record is not None:
        try:
            record = json.loads(args.record)
        except json.JSONDecodeError as error:
            raise _UserError(f"--record: not valid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(record, dict):
            raise _UserError("--record: expected a JSON object, e.g. '{\"category\": \"taal\"}'")
        if book.has_registration:
            _explain_provisions(book, book.decide_source([record]), "the record")
        else:
            print(book.explain(record).render(), end="")
        return EXIT_OK
    if args.row is None:
        raise _UserError("explain needs --row N to say which record of the file to explain")
    if args.row < 1:
        raise _UserError("--row counts from 1 (the first record after the header)")
    records = open_records(args.input)
    if book.has_registration:
        # A provision may be made of several rows anywhere in the file: read them all.
        rows = list(records.rows)
        if args.row > len(rows):
            raise _UserError(f"{args.input}: there is no record {args.row}; the file has {len(rows)}")
        row = rows[args.row - 1]
        print(f"{records.path}:{row.line}: record {row.number}")
        if row.problem is not None:
            print(f"Decision: rejected\n  - {MALFORMED_ROW}: the row {row.problem}")
            return EXIT_OK
        made = list(book.decide_rows((r.number, r.values) for r in rows if r.problem is None))
        if book.program.unique:
            for provision, _ in made:
                if args.row in provision.rows:
                    _explain_duplicates(book, provision.values,
                                        ((p.rows, p.values) for p, _ in made))
        _explain_provisions(book, ((p, d) for p, d in made if args.row in p.rows),
                            f"record {args.row}")
        return EXIT_OK
    count = 0
    for row in records.rows:
        count = row.number
        if row.number != args.row:
            continue
        print(f"{records.path}:{row.line}: record {row.number}")
        if row.problem is not None:
            print(f"Decision: rejected\n  - {MALFORMED_ROW}: the row {row.problem}")
            return EXIT_OK
        if book.program.unique:
            _explain_duplicates(book, _keys_of(book, row.values), (
                ((other.number,), _keys_of(book, other.values))
                for other in open_records(args.input).rows if other.problem is None))
        print(book.explain(row.values).render(), end="")
        return EXIT_OK
    raise _UserError(f"{args.input}: there is no record {args.row}; the file has {count}")
