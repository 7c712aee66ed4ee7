"""Formatting: a rulebook and its comments -> the one canonical text of that rulebook.

Place in the pipeline: a side branch after :mod:`srg_rules.lower`. Formatting needs a rulebook
that *parses*, not one that checks, so a rulebook with unknown fields or type errors can still be
tidied before it is fixed.

Input: rulebook text (:func:`format_text`), or an :class:`ast.Rulebook` plus the spans of the
``# ...`` comments of the text it was lowered from (:func:`format_rulebook`). Output: text.

Invariants:

- ``lower(parse(format(x))) == lower(parse(x))``: the AST is unchanged (spans aside). So a quoted
  value stays quoted (``"taal"`` is text, ``taal`` may name a field), and parentheses that group
  an ``and`` inside an ``and`` stay (the tree keeps that grouping).
- ``format(format(x)) == format(x)``.
- Every comment survives, next to what it annotates; statements keep the author's order.

Keywords: in the file's own keyword set (English or Dutch, see :mod:`srg_rules.keywords`), or
the one asked for, which translates the file; names, values, texts and comments stay as written.

Layout: one statement per line (or group of continuation lines); single spaces around operators;
``in {a, b}`` and ``code {a, b "Label"}``; ``optional`` last. A blank line separates statements
of different kinds, and one blank line written by the author between statements is kept. A
statement longer than :data:`WIDTH` columns first moves ``because "..."`` onto a continuation
line, then breaks its condition before ``and``/``or``; continuation lines are indented by
:data:`INDENT` per level of nesting. A ``{...}`` list that does not fit, or that holds a comment,
gets one value per line.

Comments come from the one parse of the text (:func:`srg_rules.direct_parse.parse_rulebook`
collects them with its tokenizer, or Lark's path with a lexer callback of the one cached
parser), and are attached to the node
they annotate in the manner of Prettier: an own-line comment to the node that follows it, an
end-of-line comment to the node it trails. Anchors are statements, the operands of
``and``/``or``, and the values of ``{...}`` lists; a comment that would land where no line
break is possible (just after ``when``) moves up to the nearest place that allows one, in the
end above its statement. The layout is computed by a small Wadler-style document renderer
(groups that break as a whole). Every name, value and condition leaf comes from
:mod:`srg_rules.printer`, the one printer that ``explain``, ``diff`` and the analysis use too;
this module owns only the layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, Union

import attrs

from . import ast, printer
from .diagnostics import RulebookError
from .direct_parse import parse_rulebook
from .keywords import DUTCH, ENGLISH, STATEMENT_STARTS, keyword_words
from .source import SourceFile, Span

__all__ = ["INDENT", "WIDTH", "format_rulebook", "format_text"]

WIDTH = 100
"""The longest line the formatter aims for (comments and unbreakable text may exceed it)."""

INDENT = 4
"""Spaces per continuation level."""


def format_text(text: str, source: str = "<string>", keywords: str | None = None) -> str:
    """The canonical text of a rulebook, comments included.

    Args:
        text: the rulebook.
        source: the name diagnostics use for it (a path, or ``<string>``).
        keywords: ``en`` or ``nl``: write the keywords in English or in Dutch (a translation
            of the file, see :mod:`srg_rules.keywords`); None keeps the file's own.

    Returns:
        The formatted rulebook, ending in a newline (or empty, for a rulebook with nothing in it).

    Raises:
        RulebookError: the text does not parse; ``.diagnostics`` lists every syntax error.

    >>> messy = 'include   taal when category=taal  and(funding in{a,b}) # art. 3'
    >>> print(format_text(messy), end="")
    include taal when category = taal and funding in {a, b}  # art. 3
    """
    source_file = SourceFile(source, text)
    rulebook, comments, language, diagnostics = parse_rulebook(source_file)
    if rulebook is None:
        raise RulebookError(diagnostics)
    return format_rulebook(rulebook, comments=comments, keywords=keywords or language)


def format_rulebook(rulebook: ast.Rulebook, comments: Sequence[Span] = (),
                    keywords: str = ENGLISH) -> str:
    """The canonical text of a rulebook tree.

    Args:
        rulebook: a tree from :func:`srg_rules.lower.lower`, or one built by hand (no spans).
        comments: the spans of the ``#`` comments in the source the tree's spans point into;
            they need a parsed tree. Blank lines between statements also come from that source.
        keywords: the keyword set to write, ``en`` or ``nl``.

    Raises:
        ValueError: the tree has no text form, e.g. a name that is not a word, an ``and`` of
            fewer than two conditions, text with a line break, or a number that is not finite.

    >>> cond = ast.Comparison("in_set", ast.Name("category"),
    ...                       ast.ValueSet((ast.Word("taal"), ast.Text('a "b"'))))
    >>> print(format_rulebook(ast.Rulebook((ast.Rule("exclude", None, cond),))), end="")
    exclude when category in {taal, "a \\"b\\""}
    """
    attached = _Attachments.build(rulebook, comments)
    if keywords not in (ENGLISH, DUTCH):
        raise ValueError(f"no keyword set {keywords!r}; there are 'en' and 'nl'")
    layout = _Layout(attached, keywords)
    lines: list[str] = []
    previous: ast.Statement | None = None
    for statement in rulebook.statements:
        block = attached.block(statement)
        if previous is not None and _kind(previous) is not _kind(statement):
            block[0] = (True, block[0][1])
        for blank, item in block:
            if blank and lines:
                lines.append("")
            if isinstance(item, str):
                lines.append(item)
            else:
                lines.append(layout.statement(item))
        previous = statement
    for blank, comment in attached.end:
        if blank and lines:
            lines.append("")
        lines.append(comment)
    return "".join(line + "\n" for line in lines)


# --- comments ----------------------------------------------------------------------------


def _comment_text(span: Span) -> str:
    return span.text.rstrip()


_Anchor = Union[ast.Statement, ast.Condition, ast.TypeSpec, ast.ValueSet, ast.CodeEntry, ast.Value]
"""A node a comment can attach to."""


def _anchors(node: _Anchor) -> tuple[_Anchor, ...]:
    """The children of a node that comments can attach to, in source order."""
    if isinstance(node, (ast.Rule, ast.Classification, ast.Definition, ast.Expectation,
                         ast.Trajectory)):
        return (node.condition,)
    if isinstance(node, (ast.FieldDeclaration, ast.OutputDeclaration)):
        return (node.type,) if node.type.codes else ()
    if isinstance(node, ast.TypeSpec):
        return node.codes or ()
    if isinstance(node, (ast.AllOf, ast.AnyOf, ast.ValueSet)):
        return node.items
    if isinstance(node, ast.Not):
        return (node.item,)
    if isinstance(node, ast.Comparison) and isinstance(node.value, ast.ValueSet):
        return (node.value,)
    return ()


def _line_break_before(parent: _Anchor, child: _Anchor) -> bool:
    """Whether the printer can put a line break (and so an own-line comment) before ``child``."""
    if isinstance(parent, (ast.AllOf, ast.AnyOf)):
        return child is not parent.items[0]
    return isinstance(parent, (ast.ValueSet, ast.TypeSpec))


def _ends_parent(parent: _Anchor, child: _Anchor) -> bool:
    """Whether nothing but closing parentheses follows ``child`` in ``parent``'s text.

    A comment after such a child reads back as trailing the parent, so it is attached there in
    the first place; otherwise the first and the second formatting would break different groups.
    """
    if isinstance(parent, (ast.AllOf, ast.AnyOf)):
        return child is parent.items[-1]
    if isinstance(parent, (ast.Rule, ast.Classification)):
        return parent.because is None and parent.validity is None
    return not isinstance(parent, (ast.ValueSet, ast.TypeSpec, ast.Trajectory))


@attrs.define
class _Attachments:
    """Which comment goes where. Node keys are ``id()``: equal subtrees are distinct places."""

    source_text: str
    leading: dict[int, list[str]] = attrs.Factory(dict)
    trailing: dict[int, list[str]] = attrs.Factory(dict)
    dangling: dict[int, list[str]] = attrs.Factory(dict)
    # Per statement: comments above it as (blank line before, text), in source order.
    above: dict[int, list[tuple[bool, str]]] = attrs.Factory(dict)
    # Per statement: comments from inside it that could go nowhere closer than above it.
    lifted: dict[int, list[str]] = attrs.Factory(dict)
    blank_before: dict[int, bool] = attrs.Factory(dict)
    end: list[tuple[bool, str]] = attrs.Factory(list)

    @classmethod
    def build(cls, rulebook: ast.Rulebook, comments: Sequence[Span]) -> _Attachments:
        if comments and any(s.span is None for s in rulebook.statements):
            raise ValueError("comments can only be attached to a parsed rulebook (spans missing)")
        attached = cls(_source_text(rulebook, comments))
        attached.attach(rulebook.statements, comments)
        return attached

    def attach(self, statements: Sequence[ast.Statement], comments: Sequence[Span]) -> None:
        """Place every comment, and note which statements have a blank line above them."""
        text = self.source_text
        index = 0
        previous_line: int | None = None  # last line of the previous top-level item
        for comment in sorted(comments, key=lambda span: span.start):
            while index < len(statements) and _parsed(statements[index]).end <= comment.start:
                self._close(statements[index], previous_line)
                previous_line = _parsed(statements[index]).end_line
                index += 1
            own_line = not text[text.rfind("\n", 0, comment.start) + 1 : comment.start].strip()
            inside = index < len(statements) and _parsed(statements[index]).start <= comment.start
            if inside:
                self._attach_inside(statements[index], comment, own_line)
            elif not own_line and index > 0:
                self.trailing.setdefault(id(statements[index - 1]), []).append(
                    _comment_text(comment)
                )
            else:
                blank = previous_line is not None and comment.line - previous_line >= 2
                item = (blank, _comment_text(comment))
                if index < len(statements):
                    self.above.setdefault(id(statements[index]), []).append(item)
                else:
                    self.end.append(item)
                previous_line = comment.end_line
        for statement in statements[index:]:
            self._close(statement, previous_line)
            previous_line = statement.span.end_line if statement.span is not None else None

    def _close(self, statement: ast.Statement, previous_line: int | None) -> None:
        span = statement.span
        self.blank_before[id(statement)] = (
            span is not None and previous_line is not None and span.line - previous_line >= 2
        )

    def _attach_inside(self, statement: ast.Statement, comment: Span, own_line: bool) -> None:
        path: list[_Anchor] = [statement]
        while True:
            inner = [
                child for child in _anchors(path[-1])
                if child.span is not None and child.span.start <= comment.start < child.span.end
            ]
            if not inner:
                break
            path.append(inner[0])
        children = [(child, child.span) for child in _anchors(path[-1]) if child.span is not None]
        before = [child for child, span in children if span.end <= comment.start]
        after = [child for child, span in children if span.start >= comment.end]
        text = _comment_text(comment)
        if own_line:
            if after:
                self._lead(path + [after[0]], text)
            elif before and isinstance(path[-1], (ast.ValueSet, ast.TypeSpec)):
                self.dangling.setdefault(id(path[-1]), []).append(text)
            else:
                self._lead(path, text)
        elif before:
            self._trail(path + [before[-1]], text)
        elif after:
            self._lead(path + [after[0]], text)
        else:
            self._trail(path, text)

    def _lead(self, path: list[_Anchor], text: str) -> None:
        while len(path) > 1 and not _line_break_before(path[-2], path[-1]):
            path.pop()
        if len(path) == 1:
            self.lifted.setdefault(id(path[0]), []).append(text)
        else:
            self.leading.setdefault(id(path[-1]), []).append(text)

    def _trail(self, path: list[_Anchor], text: str) -> None:
        while len(path) > 1 and _ends_parent(path[-2], path[-1]):
            path.pop()
        self.trailing.setdefault(id(path[-1]), []).append(text)

    def block(self, statement: ast.Statement) -> list[tuple[bool, str | ast.Statement]]:
        """The lines of one statement's block: comments above it, then the statement."""
        block: list[tuple[bool, str | ast.Statement]] = list(self.above.get(id(statement), []))
        blank = self.blank_before.get(id(statement), False)
        for text in self.lifted.get(id(statement), []):
            # The statement's blank line goes above the first lifted comment: that is where a
            # second formatting, which sees the lifted comments as comments above, will find it.
            block.append((blank, text))
            blank = False
        block.append((blank, statement))
        return block


def _parsed(statement: ast.Statement) -> Span:
    """The span of a statement of a parsed rulebook (build() takes comments only with one)."""
    assert statement.span is not None
    return statement.span


def _source_text(rulebook: ast.Rulebook, comments: Sequence[Span]) -> str:
    if comments:
        return comments[0].source.text
    if rulebook.span is not None:
        return rulebook.span.source.text
    return ""


def _kind(statement: ast.Statement) -> type:
    return type(statement)


_Operand = TypeVar("_Operand")


def _dutch_units(operand: _Operand) -> _Operand:
    if isinstance(operand, ast.DateShift):
        return attrs.evolve(operand, unit=_DUTCH_UNITS.get(operand.unit, operand.unit))
    if isinstance(operand, ast.Call):  # a moved date as an argument: age(b, d - 1 maanden)
        return attrs.evolve(operand, arguments=tuple(_dutch_units(a) for a in operand.arguments))
    return operand


# --- documents -----------------------------------------------------------------------------
# A Wadler/Prettier-style document: text, line breaks that a group takes all or none of,
# indentation, and line suffixes (end-of-line comments, written out at the next line break).


@attrs.frozen
class _Line:
    soft: bool = False  # nothing when flat (a plain line is a space when flat)
    hard: bool = False  # always a break


@attrs.frozen
class _Indent:
    contents: _Doc


@attrs.frozen
class _IfBreak:
    broken: str
    flat: str = ""


@attrs.frozen
class _Suffix:
    text: str


@attrs.frozen
class _Group:
    contents: _Doc
    breaks: bool  # a hard line or a comment inside: the group can never be flat


_Doc = Union[str, list["_Doc"], _Line, _Indent, _IfBreak, _Suffix, _Group]

_LINE = _Line()
_SOFT = _Line(soft=True)
_HARD = _Line(hard=True)


def _must_break(doc: _Doc) -> bool:
    if isinstance(doc, list):
        return any(_must_break(part) for part in doc)
    if isinstance(doc, _Group):
        return doc.breaks
    if isinstance(doc, _Indent):
        return _must_break(doc.contents)
    if isinstance(doc, _Line):
        return doc.hard
    return isinstance(doc, _Suffix)


def _group(*contents: _Doc) -> _Group:
    parts = list(contents)
    return _Group(parts, _must_break(parts))


def _render(doc: _Doc, width: int = WIDTH) -> str:
    out: list[str] = []
    column = 0
    suffixes: list[str] = []
    stack: list[tuple[int, bool, _Doc]] = [(0, True, doc)]
    while stack:
        indent, broken, item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            column += len(item)
        elif isinstance(item, list):
            stack.extend((indent, broken, part) for part in reversed(item))
        elif isinstance(item, _Indent):
            stack.append((indent + INDENT, broken, item.contents))
        elif isinstance(item, _Group):
            flat = not item.breaks and (
                not broken or _fits(item.contents, stack, width - column)
            )
            stack.append((indent, not flat, item.contents))
        elif isinstance(item, _IfBreak):
            text = item.broken if broken else item.flat
            out.append(text)
            column += len(text)
        elif isinstance(item, _Suffix):
            suffixes.append(item.text)
        elif broken or item.hard:
            if suffixes:
                out.append("  " + "  ".join(suffixes))
                suffixes.clear()
            out.append("\n" + " " * indent)
            column = indent
        elif not item.soft:
            out.append(" ")
            column += 1
    if suffixes:
        out.append("  " + "  ".join(suffixes))
    return "\n".join(line.rstrip() for line in "".join(out).split("\n"))


def _fits(contents: _Doc, rest: list[tuple[int, bool, _Doc]], room: int) -> bool:
    """Whether ``contents`` printed flat, and what follows up to the next line break, fit."""
    todo: list[tuple[bool, _Doc]] = [(False, contents)]
    rest_index = len(rest)
    while room >= 0:
        if not todo:
            if rest_index == 0:
                return True
            rest_index -= 1
            _, broken, item = rest[rest_index]
            todo.append((broken, item))
            continue
        broken, item = todo.pop()
        if isinstance(item, str):
            room -= len(item)
        elif isinstance(item, list):
            todo.extend((broken, part) for part in reversed(item))
        elif isinstance(item, _Indent):
            todo.append((broken, item.contents))
        elif isinstance(item, _Group):
            # An undecided group after this one is assumed to break at its first line.
            todo.append((broken or item.breaks, item.contents))
        elif isinstance(item, _IfBreak):
            room -= len(item.broken if broken else item.flat)
        elif isinstance(item, _Line):
            if broken or item.hard:
                return True
            room -= 0 if item.soft else 1
    return False


# --- printing ------------------------------------------------------------------------------

_STATUSES = ("included", "excluded", "rejected")
_VERBS = ("reject", "include", "exclude", "warn")

# Where a keyword is allowed in place of a name, the lexer reads the keyword: such a name has
# no text form in that place.
_NOT_A_RULE_NAME = frozenset({"when"})
_NOT_A_CLASSIFICATION_NAME = frozenset({"as", "is"})  # `is`: the Dutch `as`
# After `combine FIELD by WAY` a statement may start, so its keywords cannot name the date field.
_NOT_A_DATE_FIELD = frozenset(keyword_words(STATEMENT_STARTS))


def _quoted(text: str) -> str:
    # Strict: a text with a line break has no text form, so the tree is refused.
    return printer.quoted(text, strict=True)


def _validity(validity: ast.Validity, language: str = ENGLISH) -> str:
    w = _DUTCH.get if language == DUTCH else _same
    if validity.start is not None:
        until = (f" {w('until')} {printer.written(validity.end)}"
                 if validity.end is not None else "")
        return f"{w('valid from')} {printer.written(validity.start)}{until}"
    if validity.end is None:
        raise ValueError("a validity period needs a start or an end")
    return f"{w('valid until')} {printer.written(validity.end)}"


def _same(word: str) -> str:
    return word


# The formatter's English phrases and their Dutch keywords (docs/language.md has the table).
_DUTCH = {
    "rulebook": "regelboek", "version": "versie", "use": "gebruik", "field": "veld",
    "output": "uitvoer", "optional": "optioneel", "from": "uit", "valid from": "geldig van",
    "until": "tot en met", "valid until": "geldig tot en met",
    "rules in force on": "regels gelden op", "define": "definieer", "when": "als",
    "because": "omdat", "trajectory": "traject", "yields": "levert", "with": "met",
    "activities share": "activiteiten delen", "combine": "combineer", "by": "via",
    "unique": "uniek", "identifier": "kenmerk", "expect": "verwacht", "and": "en", "or": "of", "not": "niet",
    "type": "type", "warning": "waarschuwing", "included": "opgenomen",
    "excluded": "uitgesloten", "rejected": "geweigerd",
}
_DUTCH_RULES = {"reject": ("weiger", ""), "warn": ("waarschuw", ""), "include": ("neem", " op"),
                "exclude": ("sluit", " uit")}
_DUTCH_UNITS = {"day": "dag", "days": "dagen", "week": "week", "weeks": "weken",
                "month": "maand", "months": "maanden", "year": "jaar", "years": "jaren"}


@attrs.define
class _Layout:
    attached: _Attachments
    language: str = ENGLISH

    def _units(self, value: _Operand) -> _Operand:
        return _dutch_units(value) if self.language == DUTCH else value

    def _w(self, phrase: str) -> str:
        """A phrase of the language's keywords, written in the layout's keyword set."""
        return _DUTCH[phrase] if self.language == DUTCH else phrase

    def _trailing(self, node: _Anchor) -> list[_Doc]:
        return [_Suffix(text) for text in self.attached.trailing.get(id(node), [])]

    def _leading(self, node: _Anchor) -> list[_Doc]:
        return [[text, _HARD] for text in self.attached.leading.get(id(node), [])]

    # --- statements -------------------------------------------------------------------

    def statement(self, statement: ast.Statement) -> str:
        doc = [self._statement(statement), self._trailing(statement)]
        return _render(doc)

    def _statement(self, s: ast.Statement) -> _Doc:
        if isinstance(s, ast.Header):
            w = self._w
            version = f" {w('version')} {_quoted(s.version)}" if s.version is not None else ""
            validity = (f" {_validity(s.validity, self.language)}"
                        if s.validity is not None else "")
            return f"{w('rulebook')} {_quoted(s.title)}{version}{validity}"
        w = self._w
        if isinstance(s, ast.Use):
            return f"{w('use')} {_quoted(s.path)}"
        if isinstance(s, ast.DecisionDate):
            return f"{w('rules in force on')} {printer.name(s.field)}"
        if isinstance(s, ast.Identifier):
            return f"{w('identifier')} {printer.name(s.field)}"
        if isinstance(s, ast.FieldDeclaration):
            optional = f" {w('optional')}" if s.optional else ""
            return _group(f"{w('field')} {printer.name(s.name)}: ", self._type(s.type), optional)
        if isinstance(s, ast.OutputDeclaration):
            return _group(f"{w('output')} {printer.name(s.name)}: ", self._type(s.type))
        if isinstance(s, ast.Definition):
            return _group(f"{w('define')} {printer.name(s.name)}: ", self._root(s.condition))
        if isinstance(s, ast.Rule):
            if s.verb not in _VERBS:
                raise ValueError(f"not a rule verb: {s.verb!r}")
            if self.language == DUTCH:
                verb, part = _DUTCH_RULES[s.verb]
                reserved = _NOT_A_RULE_NAME | {"als", part.strip()} - {""}
                name = f" {printer.name(s.name, reserved)}" if s.name is not None else ""
                head = f"{verb}{name}{part} als "
            else:
                name = f" {printer.name(s.name, _NOT_A_RULE_NAME)}" if s.name is not None else ""
                head = f"{s.verb}{name} when "
            return self._ruled(head, s.condition, s.validity, s.because)
        if isinstance(s, ast.Classification):
            reserved = _NOT_A_CLASSIFICATION_NAME | ({"is"} if self.language == DUTCH else set())
            name = f" {printer.name(s.name, reserved)}" if s.name is not None else ""
            head = (f"type{name} is {printer.written(s.code)} als " if self.language == DUTCH
                    else f"classify{name} as {printer.written(s.code)} when ")
            return self._ruled(head, s.condition, s.validity, s.because)
        if isinstance(s, ast.Trajectory):
            parts: list[_Doc] = [
                f"{w('trajectory')} {printer.name(s.name)} {w('when')} ", self._root(s.condition)
            ]
            if not s.components:
                raise ValueError("a trajectory yields at least one provision")
            for component in s.components:
                assignments = ", ".join(
                    f"{printer.name(a.field)} = {printer.assigned(self._units(a.value))}"
                    for a in component.assignments
                )
                provision = printer.name(component.name)
                parts.append(_Indent([_HARD, f"{w('yields')} {provision} {w('with')} {assignments}"]))
            return _group(*parts)
        if isinstance(s, ast.Activities):
            if not s.key:
                raise ValueError("activities share at least one field")
            parts = [f"{w('activities share')} {', '.join(printer.name(n) for n in s.key)}"]
            if s.combinations:
                ways = ", ".join(f"{printer.name(c.field)} {w('by')} {printer.name(c.way)}"
                                 + (f" {printer.name(c.by, _NOT_A_DATE_FIELD)}"
                                    if c.by is not None else "")
                                 for c in s.combinations)
                parts.append(_Indent([_LINE, f"{w('combine')} {ways}"]))
            return _group(*parts)
        if isinstance(s, ast.Unique):
            if not s.key:
                raise ValueError("unique names at least one field")
            return f"{w('unique')} {', '.join(printer.name(n) for n in s.key)}"
        if isinstance(s, ast.Expectation):
            if not s.outcomes:
                raise ValueError("an expectation needs an outcome")
            outcomes = []
            for outcome in s.outcomes:
                if outcome.kind == "type" and outcome.code is not None:
                    outcomes.append(f"{w('type')} {printer.written(outcome.code)}")
                elif outcome.kind in _STATUSES and outcome.code is None:
                    outcomes.append(w(outcome.kind))
                elif outcome.kind == "warning" and outcome.rule is not None:
                    outcomes.append(f"{w('warning')} {printer.name(outcome.rule)}")
                else:
                    raise ValueError(f"not an expected outcome: {outcome!r}")
            return _group(f"{w('expect')} {(' ' + w('and') + ' ').join(outcomes)} {w('when')} ",
                          self._root(s.condition))
        raise ValueError(f"not a statement: {s!r}")

    def _ruled(self, head: str, condition: ast.Condition, validity: ast.Validity | None,
               because: str | None) -> _Doc:
        parts: list[_Doc] = [head, self._root(condition)]
        if validity is not None:
            parts.append(_Indent([_LINE, _validity(validity, self.language)]))
        if because is not None:
            parts.append(_Indent([_LINE, f"{self._w('because')} {_quoted(because)}"]))
        return _group(*parts)

    def _type(self, type_spec: ast.TypeSpec) -> _Doc:
        name = printer.name(type_spec.name)
        if type_spec.argument is not None:
            return f"{name}({printer.written(type_spec.argument)})"
        if type_spec.code_file is not None:  # the file's values are never written out here
            name = f"{name} {self._w('from')} {_quoted(type_spec.code_file.value)}"
        if type_spec.codes is None:
            return name
        entries = []
        for entry in type_spec.codes:
            label = f" {_quoted(entry.label)}" if entry.label is not None else ""
            validity = (f" {_validity(entry.validity, self.language)}"
                        if entry.validity is not None else "")
            entries.append((entry, printer.written(entry.value) + label + validity))
        return [name, " ", self._braced(type_spec, entries)]

    def _braced(self, container: ast.TypeSpec | ast.ValueSet,
                entries: Sequence[tuple[_Anchor, _Doc]]) -> _Doc:
        if not entries:
            raise ValueError("a {...} list needs at least one value")
        inner: list[_Doc] = [_SOFT]
        for position, (node, doc) in enumerate(entries):
            last = position == len(entries) - 1
            inner += [self._leading(node), doc, _IfBreak(",") if last else ","]
            inner += self._trailing(node)
            if not last:
                inner.append(_LINE)
        for text in self.attached.dangling.get(id(container), []):
            inner += [_HARD, text]
        return _group("{", _Indent(inner), _SOFT, "}")

    # --- conditions -------------------------------------------------------------------

    def _root(self, condition: ast.Condition) -> _Doc:
        return [self._condition(condition), self._trailing(condition)]

    def _operand(self, child: ast.Condition) -> _Doc:
        doc = self._condition(child)
        if printer.grouped(child):
            doc = ["(", doc, ")"]
        return [doc, self._trailing(child)]

    def _condition(self, c: ast.Condition) -> _Doc:
        if isinstance(c, (ast.AllOf, ast.AnyOf)):
            if len(c.items) < 2:
                raise ValueError(f"{type(c).__name__} needs at least two conditions")
            word = self._w("and" if isinstance(c, ast.AllOf) else "or")
            # Operator lines sit one level in; an operand's own continuation lines one further.
            parts: list[_Doc] = [_Indent(self._operand(c.items[0]))]
            for item in c.items[1:]:
                parts.append(
                    _Indent([_LINE, self._leading(item), f"{word} ", self._operand(item)])
                )
            return _group(*parts)
        if isinstance(c, ast.Not):
            return [f"{self._w('not')} ", self._operand(c.item)]
        if isinstance(c, ast.Comparison) and isinstance(c.value, ast.ValueSet):
            # A list lays out like a code list: one value per line when it does not fit.
            head = printer.comparison_head(c, self.language)
            entries = [(value, printer.written(value)) for value in c.value.items]
            return [head, self._braced(c.value, entries)]
        return printer.leaf(c, self.language)
