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
import gc
import datetime
import json
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from . import __version__
from .diagnostics import RulebookError
from .i18n import gettext as _
from .i18n import language as current_language
from .i18n import argparse_words, ngettext, set_language, speaking, split_language_option
from .link import read_source
from .records import MALFORMED_ROW, PARQUET_SUFFIXES, InputError, Row
from .rulebook import Rulebook, diagnose, load
from .run import TerminalProgress, run_records, run_source
from .stdin import named, remove_spools, spool_stdin
from .summary import Summary

__all__ = ["command", "main"]

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


def command() -> int:
    """``srg-rules`` as a program (the console script, ``python -m srg_rules``): :func:`main`,
    then the objects the command made are left for the process's end to free
    (:func:`gc.freeze`). The SQL trees of a DuckDB run are cycles (a node knows its parent),
    about 75,000 objects for the SRG rulebook, which the interpreter would otherwise collect
    in a last pass on its way out (0.14 s; a 1M-row Parquet run 3.91 -> 3.75 s wall, means
    of 5 interleaved runs). Files and connections are closed by then, each by its own
    ``with``; only the collection of cycles is left out, not ``atexit``."""
    code = main()
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    lang, argv, problem = split_language_option(sys.argv[1:] if argv is None else argv)
    if problem is not None:
        print(f"srg-rules: {problem}", file=sys.stderr)
        return EXIT_USAGE
    set_language(lang)
    with argparse_words():  # argparse's own words (usage:, error:) in the language too
        parser = _parser()
        args = parser.parse_args(argv)
        if not hasattr(args, "handler"):
            parser.print_help()
            return EXIT_USAGE
    try:
        # The command speaks the language chosen when it starts: the environment is read once,
        # not for each message (reading it cost 8 us a message, 4 s for the 450,000 messages
        # of a 10 MB rulebook's check, docs/benchmarks.md).
        with speaking(current_language()):
            exit_code: int = args.handler(args)  # each command's handler returns its exit code
        return exit_code
    except _UserError as error:
        print(f"srg-rules: {named(str(error))}", file=sys.stderr)
        return error.code
    except InputError as error:
        print(f"srg-rules: {named(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # reading or writing a file failed: a one-line message
        if isinstance(error, BrokenPipeError):
            return EXIT_OK  # e.g. `srg-rules run ... | head`
        where = f"{named(str(error.filename))}: " if error.filename else ""
        print(f"srg-rules: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("srg-rules: " + _("interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        remove_spools()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="srg-rules",
        description=_("Check rulebooks and decide SRG provision records with them."),
    )
    parser.add_argument("--version", action="version", version=f"srg-rules {__version__}",
                        help=_("show program's version number and exit"))
    parser.add_argument("--lang", choices=("nl", "en"),
                        help=_("the language of messages and explanations (before or after the "
                               "command); default: SRG_RULES_LANG, else the locale"))
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND")

    check = commands.add_parser("check", help=_("report every error and warning in a rulebook"))
    check.add_argument("rulebook", help=_("the rulebook file"))
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                       help=_("text (default); json (docs/json.md); sarif: SARIF 2.1.0, for "
                              "GitHub code scanning and editors"))
    check.set_defaults(handler=_check)

    run = commands.add_parser("run", help=_("decide every record of a CSV or JSON Lines file"))
    run.add_argument("rulebook", help=_("the rulebook file"))
    run.add_argument("input", nargs="?",
                     help=_("records: CSV (comma, semicolon or tab) or JSON Lines (Parquet with "
                            "the duckdb or spark engine); - for standard input; none with "
                            "--engine postgres"))
    run.add_argument("-o", "--output", help=_("where to write the decided records (same format "
                                              "as the input); default or -: standard output"))
    run.add_argument("--summary-json", metavar="PATH",
                     help=_("also write the summary as JSON to PATH"))
    run.add_argument("--engine", choices=("auto", "python", "duckdb", "spark", "postgres"),
                     default="auto",
                     help=_("python decides row by row and names each malformed row; duckdb "
                            "runs the rulebook as one SQL query inside DuckDB, for large CSV "
                            "and Parquet files (needs -o); auto (default) takes duckdb for "
                            "Parquet and for CSV files over {value} MB; spark runs it on a "
                            "Spark session (files or folders of Parquet or CSV); postgres "
                            "decides a table inside a PostgreSQL database (--dsn, --table; no "
                            "INPUT)").format(value=_DUCKDB_FROM_BYTES // 1_000_000))
    run.add_argument("--by", metavar="FIELD,...", default="",
                     help=_("also count the summary per group of these fields' values, e.g. "
                            "--by municipality_code,reporting_month"))
    run.add_argument("--memory-limit", metavar="SIZE", default=None,
                     help=_("the most memory the duckdb engine may use before it spills to a "
                            "temporary folder, e.g. 2GB (default: a quarter of this machine's "
                            "memory, at least 1GB)"))
    run.add_argument("--spark-master", metavar="URL", default=None,
                     help=_("the Spark cluster for --engine spark (default: local[*], this "
                            "machine)"))
    run.add_argument("--dsn", help=_("the PostgreSQL database for --engine postgres, e.g. "
                                     "'host=db dbname=srg user=me' or postgresql://me@db/srg"))
    run.add_argument("--table", help=_("the table of records for --engine postgres"))
    run.add_argument("--result-table", metavar="TABLE",
                     help=_("where --engine postgres writes the decided records "
                            "(default: TABLE_srg)"))
    run.add_argument("--replace", action="store_true",
                     help=_("with --engine postgres, replace the result table if it exists"))
    run.add_argument("--encoding", default="utf-8",
                     help=_("the input's text encoding, e.g. cp1252 for a Windows/Excel export "
                            "(default: utf-8, with or without a byte order mark); output is UTF-8"))
    run.add_argument("--format", choices=("csv", "jsonl"), default=None,
                     help=_("the input's format when it is standard input (-); default: from "
                            "its first bytes"))
    run.add_argument("--allow-malformed", action="store_true",
                     help=_("a quote that is never closed (it reads the following lines into "
                            "one record) rejects that record as malformed_row instead of "
                            "stopping the run"))
    run.set_defaults(handler=_run)

    clean = commands.add_parser(
        "clean", help=_("remove temporary files left by runs that were killed"))
    clean.add_argument("folders", nargs="*", metavar="FOLDER",
                       help=_("folders runs wrote their output to (default: the current folder)"))
    clean.set_defaults(handler=_clean)

    explain = commands.add_parser("explain", help=_("show why one record was decided as it was"))
    explain.add_argument("rulebook", help=_("the rulebook file"))
    explain.add_argument("input", nargs="?", help=_("records file (CSV or JSON Lines)"))
    explain.add_argument("--row", type=int, help=_("the record's number in the file (1 = first)"))
    explain.add_argument("--record", metavar="JSON", help=_("the record itself, as a JSON "
                                                            "object"))
    explain.add_argument("--id", metavar="VALUE",
                         help=_("the record whose identifier (the rulebook's 'identifier' "
                                "field) has this value"))
    explain.add_argument("--full", action="store_true",
                         help=_("every rule, matched or not, with the values it read"))
    explain.add_argument("--format", choices=("text", "json"), default="text",
                         help=_("text (default) or json (docs/cli.md has its shape)"))
    explain.set_defaults(handler=_explain)

    test = commands.add_parser(
        "test", help=_("check a rulebook's expectations and example tables"))
    test.add_argument("rulebook", help=_("the rulebook file"))
    test.add_argument("examples", nargs="*", metavar="EXAMPLES",
                      help=_("example tables (CSV or YAML); default: NAME.examples.csv/.yaml "
                             "beside the rulebook"))
    test.add_argument("-v", "--verbose", action="store_true", help=_("list passing cases too"))
    test.add_argument("--junit", metavar="PATH",
                      help=_("also write the results as JUnit XML to PATH, for CI systems"))
    test.set_defaults(handler=_test)

    diff = commands.add_parser(
        "diff", help=_("which records two versions of a rulebook, or the rules in force on "
                       "two dates, decide differently"))
    diff.add_argument("old", help=_("the old version"))
    diff.add_argument("new", nargs="?",
                      help=_("the new version; with --old-date and --new-date it may be left "
                             "out to compare two dates of OLD (a second file not ending in "
                             ".rules is then DATA)"))
    diff.add_argument("data", nargs="?", help=_("a record file to run both versions over"))
    diff.add_argument("--old-date", type=_date, metavar="YYYY-MM-DD",
                      help=_("compare the old version's rules in force on this date"))
    diff.add_argument("--new-date", type=_date, metavar="YYYY-MM-DD",
                      help=_("compare the new version's rules in force on this date"))
    diff.add_argument("--all-regions", action="store_true",
                      help=_("list the regions of every kind of change up to the limits, "
                             "however long it takes (by default versions that differ in many "
                             "ways list each kind's first regions, in seconds)"))
    diff.set_defaults(handler=_diff)

    sql = commands.add_parser(
        "sql", help=_("print the rulebook as one SQL query for your own database or warehouse"))
    sql.add_argument("rulebook", help=_("the rulebook file"))
    sql.add_argument("--dialect", default="duckdb",
                     help=_("duckdb (default), postgres, spark, or another dialect sqlglot "
                            "writes"))
    sql.add_argument("--table", default="records",
                     help=_("the table of raw records (text columns named as the fields)"))
    sql.set_defaults(handler=_sql)

    report = commands.add_parser(
        "report", help=_("the figures of a run over a delivery as one HTML page (or CSV), "
                         "per municipality and month, for a manager to read"))
    report.add_argument("rulebook", help=_("the rulebook file"))
    report.add_argument("input", help=_("records: CSV (comma or semicolon) or JSON Lines"))
    report.add_argument("-o", "--output", help=_("where to write the report; default: standard output"))
    report.add_argument("--format", choices=("html", "csv"), default="html",
                        help=_("html (default): one self-contained page with charts; csv: the same "
                               "figures as a long table (scope, group fields, measure, value)"))
    report.add_argument("--by", metavar="FIELD,...", default=None,
                        help=_("count per group of these fields' values, as run --by; default: "
                               "the municipality and reporting-period fields the rulebook has"))
    report.set_defaults(handler=_make_report)

    studio = commands.add_parser(
        "studio", help=_("edit, check, try and run a rulebook in the browser (a local web app)"))
    studio.add_argument("rulebook", nargs="?", help=_("the rulebook file (a new one when it does not "
                                                      "exist yet); default: none, named when first saved"))
    studio.add_argument("input", nargs="?", help=_("a record file to try the rulebook on"))
    studio.add_argument("--port", type=int, default=0,
                        help=_("the port on 127.0.0.1 (default: a free one)"))
    studio.add_argument("--open", action="store_true", help=_("open the studio in a browser"))
    studio.set_defaults(handler=_studio)

    fmt = commands.add_parser("fmt", help=_("print rulebooks in their canonical layout"))
    fmt.add_argument("rulebooks", nargs="+", metavar="RULEBOOK", help=_("rulebook files"))
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("-w", "--write", action="store_true", help=_("rewrite the files in place"))
    mode.add_argument("--check", action="store_true",
                      help=_("change nothing; exit 1 if a file is not in canonical layout"))
    fmt.add_argument("--keywords", choices=("en", "nl"),
                     help=_("write the keywords in English or in Dutch (translate the file); "
                            "without it, each file keeps its own"))
    fmt.set_defaults(handler=_fmt)
    return parser


def _load(path: str) -> Rulebook:
    """Load a rulebook for use, or stop with its diagnostics."""
    try:
        # The compiled backend decides as the interpreter does (tests/test_backends.py),
        # several times faster; explanations still come from the interpreter.
        book = load(path, backend="python")
    except FileNotFoundError:
        raise _UserError(_("{path}: no such rulebook").format(path=path)) from None
    except IsADirectoryError:
        raise _UserError(_("{path}: is a directory, not a rulebook").format(path=path)) from None
    except RulebookError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic.render(), file=sys.stderr)
            print(file=sys.stderr)
        errors = len(error.errors)
        raise _UserError(
            _("{path}: {errors} error{value}; nothing was run").format(
                path=path, errors=errors, value='s' if errors != 1 else ''),
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
        raise _UserError(_("{rulebook}: no such rulebook").format(rulebook=args.rulebook)) from None
    except IsADirectoryError:
        raise _UserError(_("{rulebook}: is a directory, not a rulebook").format(
                             rulebook=args.rulebook)) from None
    except RulebookError as error:
        diagnostics = error.diagnostics
    else:
        diagnostics = diagnose(text, args.rulebook)
    errors = sum(1 for d in diagnostics if d.is_error)
    if args.format != "text":
        from .reports import check_json, check_sarif

        sys.stdout.write(check_json(args.rulebook, diagnostics) if args.format == "json"
                         else check_sarif(diagnostics))
        return EXIT_FINDINGS if errors else EXIT_OK
    for diagnostic in diagnostics:
        print(diagnostic.render())
        print()
    warnings = len(diagnostics) - errors
    if errors or warnings:
        print(f"{args.rulebook}: "
              + ngettext("{count} error", "{count} errors", errors).format(count=errors) + ", "
              + ngettext("{count} warning", "{count} warnings", warnings).format(count=warnings))
    else:
        print(f"{args.rulebook}: " + _("ok"))
    return EXIT_FINDINGS if errors else EXIT_OK


def _run(args: argparse.Namespace) -> int:
    if args.output == "-":
        args.output = None  # standard output; the summary goes to standard error
    _check_paths(args)
    book = _load(args.rulebook)
    by = _group_fields(book, args.by)
    for option, value, engine in (("--dsn", args.dsn, "postgres"), ("--table", args.table, "postgres"),
                                  ("--result-table", args.result_table, "postgres"),
                                  ("--replace", args.replace or None, "postgres"),
                                  ("--spark-master", args.spark_master, "spark")):
        if value is not None and args.engine != engine:
            raise _UserError(_("{option} is for --engine {engine}; add --engine {engine}").format(option=option, engine=engine))
    if args.engine in ("spark", "postgres"):
        summary, source, target = _run_elsewhere(book, args, by)
        return _report_run(book, args, summary, source, target)
    if args.input is None:
        raise _UserError(_("run needs an INPUT file (or --engine postgres with --dsn and --table)"))
    if args.input == "-":
        args.input = spool_stdin(args.format)
    engine = _engine(book, args)
    if engine == "duckdb":
        from .filerun import DEFAULT_MEMORY_LIMIT, MEMORY_SIZE, run_book_file

        limit = args.memory_limit or DEFAULT_MEMORY_LIMIT
        if not MEMORY_SIZE.fullmatch(limit):
            raise _UserError(_("--memory-limit {limit}: write a size such as 500MB or 2GB").format(
                                 limit=limit))
    bar = TerminalProgress.on_stderr()
    malformed = _MalformedRows(bar)
    try:
        reading = {"encoding": args.encoding, "allow_malformed": args.allow_malformed}
        if engine == "source":
            summary = run_source(book, args.input, args.output, progress=bar,
                                 malformed=malformed, by=by, **reading)
        elif engine == "duckdb":
            summary = run_book_file(book, args.input, args.output, progress=bar,
                                    malformed=malformed, memory_limit=limit, by=by, **reading)
        else:
            from .backends.python import compile_rows

            # A CSV file is decided by position (backends/python.py, compile_rows), as
            # book.decide decides it: the same code reads each field.
            summary = run_records(book.decide, book.fields, args.input, args.output,
                                  progress=bar, malformed=malformed, replaced=_note_replaced,
                                  unique=book.program.unique, by=by,
                                  warnings=bool(book.program.by_verb("warn")),
                                  by_position=partial(compile_rows, book.program), **reading)
    finally:
        if bar is not None:
            bar.clear()
    if engine == "duckdb" and summary.reasons[MALFORMED_ROW]:
        print("srg-rules: " + _("{count} malformed record(s) rejected as {reason}; rerun with "
                                "--engine python to list them").format(
                  count=summary.reasons[MALFORMED_ROW], reason=MALFORMED_ROW), file=sys.stderr)
    malformed.tell_the_rest()
    return _report_run(book, args, summary, args.input, args.output)


def _report_run(book: Rulebook, args: argparse.Namespace, summary: Summary, source: str,
                target: str | None) -> int:
    report = sys.stdout if target else sys.stderr
    header = _("rulebook: {path}").format(path=args.rulebook)
    if book.title:
        version = _(", version {version}").format(version=book.version) if book.version else ""
        header += f" ({book.title}{version})"
    print(header, file=report)
    print(_("input:    {path}").format(path=named(str(source))), file=report)
    if target:
        print(_("output:   {path}").format(path=target), file=report)
    labels = dict(book.output.codes) if book.output is not None else {}
    print(summary.render(labels), file=report)
    if args.summary_json:
        from .records import replacing

        with replacing(args.summary_json) as temp:
            temp.write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")
    return EXIT_OK


def _check_paths(args: argparse.Namespace) -> None:
    """What can be known before the run starts: the output is not an input, and the
    folders of the output and the summary exist and can be written."""
    for option, target in (("-o", args.output), ("--summary-json", args.summary_json)):
        if target is None:
            continue
        path = Path(target)
        for source in (args.input, args.rulebook):
            if source not in (None, "-") and Path(source).exists() and path.exists() and \
                    os.path.samefile(source, path):
                raise _UserError(_("{option} {target}: is the same file as the input {source}; "
                                   "it would be replaced\n  help: write the output to a new "
                                   "file").format(option=option, target=target, source=source))
        folder = path.resolve().parent
        if not folder.is_dir():
            raise _UserError(_("{option} {target}: the folder {folder} does not exist; nothing "
                               "was run").format(option=option, target=target, folder=folder))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise _UserError(_("{option} {target}: the folder {folder} cannot be written; nothing "
                               "was run").format(option=option, target=target, folder=folder))
    if args.output is not None and args.summary_json is not None and \
            Path(args.output).resolve() == Path(args.summary_json).resolve():
        raise _UserError(_("-o and --summary-json name the same file"))


def _clean(args: argparse.Namespace) -> int:
    from .leftovers import remove_stale, remove_stale_spill

    removed = [*remove_stale_spill()]
    for folder in args.folders or ["."]:
        if not Path(folder).is_dir():
            raise _UserError(_("{folder}: no such folder").format(folder=folder))
        removed += remove_stale(folder)
    for path in removed:
        print(_("removed {path}").format(path=path))
    count = len(removed)
    print("srg-rules: " + ngettext("{count} leftover of killed runs removed",
                                   "{count} leftovers of killed runs removed", count).format(count=count))
    return EXIT_OK


def _run_elsewhere(book: Rulebook, args: argparse.Namespace, by: tuple[str, ...]
                   ) -> tuple[Summary, str, str]:
    """A run on Spark or inside PostgreSQL: the summary, what was read and what written."""
    if args.engine == "postgres":
        from .pgrun import result_table_name, run_table

        if not args.dsn or not args.table or args.input is not None:
            raise _UserError(_("--engine postgres decides a table in the database: give --dsn "
                               "and --table, and no INPUT file"))
        target = args.result_table or result_table_name(args.table)
        counts = run_table(book.program, args.dsn, args.table, target, replace=args.replace,
                           by=by)
        return Summary.from_dict(counts), f"table {args.table}", f"table {target}"
    from .sparkrun import run_spark

    if args.input is None or args.output is None:
        raise _UserError(_("--engine spark reads INPUT and writes -o OUTPUT (files or folders "
                           "of Parquet or CSV)"))
    counts = run_spark(book.program, args.input, args.output, master=args.spark_master, by=by)
    return Summary.from_dict(counts), args.input, args.output


def _group_fields(book: Rulebook, text: str) -> tuple[str, ...]:
    """The fields of ``--by``: declared fields, each once."""
    from .diagnostics import did_you_mean

    names = tuple(name.strip() for name in text.split(",")) if text.strip() else ()
    for name in names:
        if name not in book.fields:
            problem = _("no field named '{name}'").format(name=name) if name else _("an empty field name")
            hint = (did_you_mean(name, book.fields) if name else None) or (
                _("name fields of the rulebook, separated by commas: {fields}").format(
                    fields=", ".join(book.fields)))
            raise _UserError(_("--by {text}: {problem}\n  help: {hint}").format(
                                 text=text, problem=problem, hint=hint))
    if len(set(names)) < len(names):
        raise _UserError(_("--by {text}: a field is named twice\n  help: name each field once").format(
                             text=text))
    return names


def _engine(book: Rulebook, args: argparse.Namespace) -> str:
    """Which run decides the file: ``source`` (a rulebook with a registration level, row by
    row), ``duckdb`` (the whole file as one query) or ``python`` (row by row)."""
    if book.has_registration:
        if Path(args.input).suffix.lower() in (".parquet", ".pq"):
            raise _UserError(_("{rulebook}: a rulebook with 'activities' or 'trajectory' "
                               "statements runs on the python engine, over CSV or JSON Lines").format(
                                 rulebook=args.rulebook))
        return "duckdb" if args.engine == "duckdb" and _use_duckdb(args) else "source"
    return "duckdb" if _use_duckdb(args) else "python"


def _use_duckdb(args: argparse.Namespace) -> bool:
    parquet = Path(args.input).suffix.lower() in PARQUET_SUFFIXES
    if args.engine == "python":
        if parquet:
            raise _UserError(_("{input}: Parquet files are read with --engine duckdb").format(
                                 input=args.input))
        return False
    if args.output is None:
        if args.engine == "duckdb" or parquet:
            raise _UserError(_("the duckdb engine writes to a file: give -o OUTPUT"))
        return False
    if args.engine == "duckdb" or parquet:
        return True
    path = Path(args.input)
    return (path.suffix.lower() == ".csv" and path.is_file()
            and path.stat().st_size >= _DUCKDB_FROM_BYTES)


def _note_replaced(columns: tuple[str, ...]) -> None:
    print("srg-rules: " + _("note: the input's column(s) {columns} are replaced by the new "
                            "decisions").format(columns=", ".join(columns)), file=sys.stderr)


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
            swallowed = (_(" (a quote opened there read the {lines} line(s) after it into this "
                           "record)").format(lines=row.swallowed) if row.swallowed else "")
            print(_("{path}:{line}: record {number} {problem}{swallowed}; rejected as {reason}").format(
                path=named(str(path)), line=row.line, number=row.number, problem=row.problem,
                swallowed=swallowed, reason=MALFORMED_ROW), file=sys.stderr)

    def tell_the_rest(self) -> None:
        if self.count > _MALFORMED_SHOWN:
            print("srg-rules: " + _("... and {count} more malformed records").format(
                count=self.count - _MALFORMED_SHOWN),
                  file=sys.stderr)


def _sql(args: argparse.Namespace) -> int:
    from .backends.sql import to_sql

    book = _load(args.rulebook)
    if book.has_registration:
        raise _UserError(_("{rulebook}: the SQL backend does not implement 'activities' and "
                           "'trajectory' statements yet; run the rulebook with srg-rules "
                           "run, or write its provision-level rules without them").format(
                             rulebook=args.rulebook))
    from .backends.sql.query import output_names
    from .identifiers import postgres_collisions
    from .records import output_columns

    if args.dialect in ("postgres", "postgresql"):
        for first, second in postgres_collisions(list(book.fields)):
            raise _UserError(_("{rulebook}: the fields '{first}' and '{second}' agree in their "
                               "first 63 bytes, which is all of a name PostgreSQL keeps; make "
                               "them differ there").format(rulebook=args.rulebook, first=first, second=second))
    names = output_names(book.program, output_columns(bool(book.program.by_verb("warn"))))
    if any(old != new for old, new in names.items()):
        print("srg-rules: " + _("note: the rulebook has a field named like a column the query "
                                "adds; the query names its columns {columns}").format(
                                    columns=", ".join(names.values())), file=sys.stderr)
    try:
        text = to_sql(book.program, args.table, args.dialect, pretty=True)
        if book.program.unique:
            print("srg-rules: " + _("note: the query decides each record alone; it does not apply "
                                    "the rulebook's 'unique' statements (srg-rules run does)"),
                  file=sys.stderr)
    except Exception as error:  # sqlglot's UnsupportedError and ParseError, named per dialect
        raise _UserError(_("the rulebook cannot be written as {dialect} SQL: {error}").format(
                             dialect=args.dialect, error=error)) from None
    print(text if text.endswith(";") else text + ";")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    from .testing import companion_tables, run_all

    try:
        book = _load(args.rulebook)
    except _UserError as error:
        if args.junit and error.code == EXIT_FINDINGS:  # the report says so too: one failure
            from .reports import junit_xml
            from .testing import CaseResult

            unusable = CaseResult("rulebook", "loads", args.rulebook, False, str(error))
            Path(args.junit).write_text(junit_xml(args.rulebook, [unusable]), encoding="utf-8")
        raise
    tables = args.examples or companion_tables(args.rulebook)
    results = run_all(book, tables)
    for result in results:
        if args.verbose or not result.passed:
            print(result.render())
            if not result.passed:
                print()
    failed = sum(1 for r in results if not r.passed)
    if args.junit:
        from .reports import junit_xml

        Path(args.junit).write_text(junit_xml(args.rulebook, results), encoding="utf-8")
    if not results:
        print(f"{args.rulebook}: " + _("no expectations and no example tables to test"))
    print(_("{passed} passed, {failed} failed").format(passed=len(results) - failed,
                                                       failed=failed))
    return EXIT_FINDINGS if failed else EXIT_OK


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text!r} is not a date (YYYY-MM-DD)").format(
                                             text=text)) from None


def _diff(args: argparse.Namespace) -> int:
    from .analysis.diff import IncompatibleSchemas, NotExact
    from .versions import run_diff

    new, data = args.new, args.data
    one_rulebook = new is None or (data is None and not new.endswith(".rules")
                                   and args.old_date is not None and args.new_date is not None)
    if one_rulebook:
        if args.old_date is None or args.new_date is None:
            raise _UserError(_("diff needs two rulebooks, or one rulebook with --old-date "
                               "and --new-date to compare the rules in force on two dates"))
        new, data = args.old, new
    try:
        text, code = run_diff(args.old, new, data, load=_load, old_date=args.old_date,
                              new_date=args.new_date, all_regions=args.all_regions)
    except (IncompatibleSchemas, NotExact) as error:
        raise _UserError(str(error)) from None
    print(text, end="" if text.endswith("\n") else "\n")
    return code


def _fmt(args: argparse.Namespace) -> int:
    from .format import format_text

    unformatted = 0
    broken = 0
    for path in args.rulebooks:
        try:
            text = read_source(path)
            formatted = format_text(text, path, keywords=args.keywords)
        except FileNotFoundError:
            raise _UserError(_("{path}: no such rulebook").format(path=path)) from None
        except RulebookError as error:
            broken += 1
            for diagnostic in error.diagnostics:
                print(diagnostic.render(), file=sys.stderr)
                print(file=sys.stderr)
            continue
        if args.check:
            if formatted != text:
                unformatted += 1
                print(_("{path}: not in canonical layout (run: srg-rules fmt -w {path})").format(
                    path=path))
        elif args.write:
            if formatted != text:
                Path(path).write_text(formatted, encoding="utf-8", newline="")
                print(_("{path}: reformatted").format(path=path))
        else:
            sys.stdout.write(formatted)
    return EXIT_FINDINGS if broken or unformatted else EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from .explaining import ExplainUsageError, explain_command

    try:
        return explain_command(args, _load)
    except ExplainUsageError as error:
        raise _UserError(str(error)) from None


def _make_report(args: argparse.Namespace) -> int:
    from .report import make_report

    book = _load(args.rulebook)
    by = None if args.by is None else _group_fields(book, args.by)
    text = make_report(book, args.input, by=by, fmt=args.format,
                       lang=current_language())
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise _UserError(_("{output}: cannot write the report ({strerror})").format(
                output=args.output, strerror=error.strerror)) from None
        print(_("{output}: report of {input} written").format(output=args.output,
                                                             input=args.input), file=sys.stderr)
    return EXIT_OK


def _studio(args: argparse.Namespace) -> int:
    try:
        from .studio.server import StudioError, serve
    except ImportError as error:
        raise _UserError(_("the studio needs its extra: python3 -m pip install 'srg-rules[studio]' "
                           "({module} is missing)").format(module=error.name)) from None

    try:
        return serve(args.rulebook, args.input, port=args.port, open_browser=args.open,
                     lang=current_language())
    except StudioError as error:
        raise _UserError(str(error)) from None
