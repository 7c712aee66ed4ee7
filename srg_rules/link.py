"""Linking: ``use "other.rules"`` statements -> one rulebook holding the statements of both.

Place in the pipeline: after :mod:`srg_rules.lower`, before :mod:`srg_rules.check`. Input: an
:class:`ast.Rulebook` and the :class:`SourceFile` it came from. Output: an :class:`ast.Rulebook`
without ``use`` statements, in which each ``use`` is replaced, where it stands, by the
statements of the rulebook it names, and the diagnostics of linking.

What a ``use`` means:

- The path is relative to the directory of the file that holds the ``use``; for a rulebook
  that is text without a file (a source named like ``<string>``), relative to the current
  directory.
- The used rulebook is read, parsed and lowered with its own :class:`SourceFile`, so every
  later diagnostic about its statements names its own path, line and column. Its own ``use``
  statements are linked the same way, recursively.
- Its header (``rulebook "..." version "..."``) is dropped: the using rulebook's header
  describes the whole.
- A file used twice (two rulebooks that both use a third) is taken in once, where it is first
  used; a file that uses itself, directly or through others, is an error (``use_cycle``).
- Rule ids stay unique and say where they come from: an unnamed rule of a used file gets the
  id ``STEM-line-N`` (``srg-delivery-line-12`` for line 12 of ``srg-delivery.rules``), never
  the ``line-N`` of the using file, so no rule of one file can take the id of another's, and
  adding a rule to one file never renames a rule of the other. Named rules keep their names;
  the same name in two files is a ``duplicate_name`` error from the checker, pointing at both.

Errors, each at the path string of the ``use`` (file, line and column): ``use_not_found`` for
a path that is no file; a used file that is not UTF-8 (``encoding``) or does not parse gives
its own diagnostics, each with a note pointing back at the ``use``; ``use_cycle`` for a cycle.
A rulebook with a ``use`` that could not be linked keeps its other statements, so that the
checker still reports what else is wrong (names from the missing file show up as unknown).

Linking also reads the code lists of ``code from "gemeenten.csv"`` (:mod:`srg_rules.codelists`):
the path is relative to the file that declares the field, exactly as for a ``use``, and the
file's entries become the type's ``codes``, so the checker sees an ordinary code list whose
entries point into the CSV file. ``code_list_not_found`` is at the quoted path; a list written
out as well (``code from "x.csv" {a, b}``) is ``code_list_twice``.

``srg-rules fmt`` does not link: it formats the file it is given, ``use`` lines and all.

:func:`read_source` reads one rulebook file (the given one, or a used one) as text, a byte
that is not UTF-8 being a diagnostic at its position. It lives here, the lowest stage that
reads files, so that :mod:`srg_rules.rulebook` and the CLI read rulebooks the way linking does
without this module importing the driver.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from os import PathLike
from pathlib import Path

import attrs

from . import ast
from .codelists import read_code_list
from .diagnostics import Diagnostic, RulebookError
from .direct_parse import parse_rulebook
from .source import SourceFile, Span
from .i18n import gettext as _

__all__ = ["link", "read_source", "resolve_path"]


def link(rulebook: ast.Rulebook, source: SourceFile) -> tuple[ast.Rulebook, tuple[Diagnostic, ...]]:
    """Replace every ``use`` of ``rulebook`` by the statements of the rulebook it names.

    >>> from srg_rules.grammar import parse_tree
    >>> from srg_rules.lower import lower
    >>> source = SourceFile("<string>", 'use "no/such.rules"')
    >>> linked, diagnostics = link(lower(parse_tree(source)[0], source), source)
    >>> linked.statements, diagnostics[0].code
    ((), 'use_not_found')
    """
    linker = _Linker()
    root = _resolved(source)
    if root is not None:
        linker.seen.add(root)
    statements = linker.statements(rulebook, source, [root] if root is not None else [])
    return ast.Rulebook(tuple(statements), span=rulebook.span), tuple(linker.diagnostics)


def read_source(path: str | PathLike[str]) -> str:
    """A rulebook file's text; a byte that is not UTF-8 is a diagnostic at its position.

    Raises:
        OSError: the file cannot be read (FileNotFoundError, IsADirectoryError...).
        RulebookError: the file is not UTF-8 text; its one diagnostic (``encoding``) points
            at the first byte that is not.
    """
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8", errors="replace")
        text = good + data[error.start :].decode("utf-8", errors="replace")
        raise RulebookError([Diagnostic(
            "encoding", _("byte 0x{data:02x} is not UTF-8 text").format(data=data[error.start]),
            Span(SourceFile(str(path), text), len(good), len(good) + 1),
            help=_("save the rulebook as UTF-8"),
        )]) from None


def resolve_path(use: ast.Use, source: SourceFile) -> str:
    """The path a ``use`` in ``source`` names, as diagnostics show it: relative to the using
    file's directory (or to the current directory for a source without a file)."""
    return _relative_path(use.path, source)


def _relative_path(path: str, source: SourceFile) -> str:
    if _is_file_name(source.path):
        return os.path.normpath(os.path.join(os.path.dirname(source.path), path))
    return os.path.normpath(path)


def _relative_to(source: SourceFile) -> str:
    return (_("the directory of this file") if _is_file_name(source.path) else
            _("the current directory"))


def _is_file_name(path: str) -> bool:
    """``<string>``, ``<condition>`` and the like name no file."""
    return not (path.startswith("<") and path.endswith(">"))


def _resolved(source: SourceFile) -> Path | None:
    if not _is_file_name(source.path):
        return None
    try:
        return Path(source.path).resolve()
    except OSError:
        return None


def _path_span(use: ast.Use) -> Span:
    """The span of the quoted path of a ``use``, or the whole statement."""
    span = use.span
    assert span is not None  # linking reads lowered parse trees, whose nodes all have spans
    quote = span.text.find('"')
    return Span(span.source, span.start + quote, span.end) if quote >= 0 else span


class _Linker:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.seen: set[Path] = set()  # every file taken in so far (and the root)
        self.taken_ids: set[str] = set()  # the ids given to unnamed rules of used files

    def statements(self, rulebook: ast.Rulebook, source: SourceFile,
                   stack: list[Path], used: bool = False) -> list[ast.Statement]:
        result: list[ast.Statement] = []
        for statement in rulebook.statements:
            if isinstance(statement, ast.Use):
                result += self._use(statement, source, stack)
            elif isinstance(statement, (ast.FieldDeclaration, ast.OutputDeclaration)) \
                    and statement.type.code_file is not None:
                result.append(self._with_code_file(statement, source))
            elif used and isinstance(statement, ast.Header):
                continue  # the using rulebook's header describes the whole
            elif used and isinstance(statement, (ast.Rule, ast.Classification)) \
                    and statement.name is None:
                result.append(attrs.evolve(statement, name=self._unnamed_id(statement, source)))
            else:
                result.append(statement)
        return result

    def _with_code_file(self, declaration: ast.FieldDeclaration | ast.OutputDeclaration,
                        source: SourceFile) -> ast.FieldDeclaration | ast.OutputDeclaration:
        """The declaration with the values of its ``code from "file"`` read into its type."""
        spec = declaration.type
        # statements() sends only declarations with a code file, from a lowered parse tree
        # (whose nodes all have spans).
        assert spec.code_file is not None and spec.span is not None
        assert spec.code_file.span is not None
        if spec.codes is not None:
            self.diagnostics.append(Diagnostic(
                "code_list_twice", _("the values come from a file and are listed here as well"),
                spec.span, help=_('keep one: either \'from "file"\' or the list in braces')))
            return declaration
        shown = _relative_path(spec.code_file.value, source)
        entries, problems = read_code_list(shown, spec.code_file.span, _relative_to(source))
        self.diagnostics += problems
        if entries is None:
            return declaration
        return attrs.evolve(declaration, type=attrs.evolve(spec, codes=entries))

    def _unnamed_id(self, rule: ast.Rule | ast.Classification, source: SourceFile) -> ast.Name:
        stem = Path(source.path).stem
        assert rule.span is not None  # (as in _path_span)
        base = f"{stem}-line-{rule.span.line}"
        candidate, n = base, 1
        while candidate in self.taken_ids:
            n += 1
            candidate = f"{base}-{n}"
        self.taken_ids.add(candidate)
        # A name no rulebook can write ('-' is not allowed in names), so it clashes with none.
        verb = len(rule.span.text.split(maxsplit=1)[0])
        return ast.Name(candidate, span=Span(rule.span.source, rule.span.start,
                                             rule.span.start + verb))

    def _use(self, use: ast.Use, source: SourceFile, stack: list[Path]) -> list[ast.Statement]:
        shown = resolve_path(use, source)
        where = _path_span(use)
        path = Path(shown)
        try:
            is_file, is_dir = path.is_file(), path.is_dir()
            resolved = path.resolve()
        except (OSError, ValueError):  # a name too long for the system, a NUL character
            is_file, is_dir, resolved = False, False, path
        if not is_file:
            message = (_("'{path}': is a directory, not a rulebook") if is_dir
                       else _("'{path}': no such rulebook")).format(path=shown)
            self.diagnostics.append(Diagnostic(
                "use_not_found", message, where,
                help=(_("the path is relative to the directory of this file")
                      if _is_file_name(source.path) else
                      _("the path is relative to the current directory")),
            ))
            return []
        if resolved in stack:
            circle = stack[stack.index(resolved):]
            if len(circle) == 1:
                message = _("a rulebook cannot use itself")
            else:
                chain = " -> ".join([*(_display(p) for p in circle), _display(resolved)])
                message = _("rulebooks use each other in a circle: {chain}").format(chain=chain)
            self.diagnostics.append(Diagnostic(
                "use_cycle", message, where,
                help=_("rulebooks may use each other only one way; move what both need into "
                       "a third rulebook that both use"),
            ))
            return []
        if resolved in self.seen:
            return []  # taken in already, through another use
        self.seen.add(resolved)
        try:
            text = read_source(path)
        except RulebookError as error:  # not UTF-8
            self._add_used(error.diagnostics, use, where)
            return []
        except OSError as error:
            self.diagnostics.append(Diagnostic(
                "use_not_found", _("'{shown}' cannot be read ({value})").format(
                                     shown=shown, value=error.strerror or error), where))
            return []
        used_source = SourceFile(shown, text)
        parsed = parse_rulebook(used_source)
        if parsed.rulebook is None:
            self._add_used(parsed.diagnostics, use, where)
            return []
        return self.statements(parsed.rulebook, used_source, [*stack, resolved], used=True)

    def _add_used(self, diagnostics: Iterable[Diagnostic], use: ast.Use, where: Span) -> None:
        for diagnostic in diagnostics:
            self.diagnostics.append(attrs.evolve(
                diagnostic, related=(*diagnostic.related, ("used here", where))))


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
