"""Lowering: Lark parse tree -> :mod:`srg_rules.ast`.

Input: the tree from :func:`srg_rules.grammar.parse_tree`. Output: an :class:`ast.Rulebook` in
which every node carries the span of the text it came from. Lowering never judges meaning
(unknown names, types) — that is :mod:`srg_rules.check`'s job — so it cannot fail on a tree
the grammar produced.

The AST is the same whatever the keyword set (:mod:`srg_rules.keywords`): the words it holds
(a rule's verb, an expected status, a unit) are English, a Dutch ``sluit ... uit`` lowering
to the verb ``exclude``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lark import Token, Transformer, Tree, v_args

from . import ast
from .keywords import english
from .operators import OPERATORS
from .source import SourceFile, Span

__all__ = ["lower"]


def lower(tree: Tree, source: SourceFile) -> ast.Rulebook:
    """Turn a parse tree into the AST of a rulebook."""
    return _Lower(source).transform(tree)


_ESCAPE = re.compile(r'\\(["\\])')


def _unquote(token: Token) -> str:
    """The text of a quoted STRING token: only \\" and \\\\ are escapes; other backslashes stay."""
    return _ESCAPE.sub(r"\1", str(token)[1:-1])


class _CodeFile(NamedTuple):
    """``from "path" [{...}]`` of a type, until :meth:`_Lower.type_spec` takes it apart."""

    path: ast.Text
    codes: tuple[ast.CodeEntry, ...] | None


@v_args(meta=True)
class _Lower(Transformer):
    def __init__(self, source: SourceFile):
        super().__init__()
        self._source = source

    def _span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(self._source, meta.start_pos, meta.end_pos)

    def _token_span(self, token: Token) -> Span:
        return Span(self._source, token.start_pos, token.end_pos)

    def _name(self, token: Token | None) -> ast.Name | None:
        if token is None:
            return None
        return ast.Name(str(token), span=self._token_span(token))

    # --- statements ---------------------------------------------------------------------

    def start(self, meta, statements):
        return ast.Rulebook(tuple(statements), span=Span(self._source, 0, len(self._source.text)))

    def lone_condition(self, meta, children):
        return children[0]

    def header(self, meta, children):
        title, version, validity = children
        return ast.Header(
            _unquote(title), _unquote(version) if version is not None else None, validity,
            span=self._span(meta),
        )

    def use(self, meta, children):
        return ast.Use(_unquote(children[0]), span=self._span(meta))

    def decision_date(self, meta, children):
        return ast.DecisionDate(self._name(children[0]), span=self._span(meta))

    def identifier(self, meta, children):
        return ast.Identifier(self._name(children[0]), span=self._span(meta))

    def _date(self, token: Token | None) -> ast.Date | None:
        return None if token is None else ast.Date(str(token), span=self._token_span(token))

    def valid_from(self, meta, children):
        start, end = children
        return ast.Validity(self._date(start), self._date(end), span=self._span(meta))

    def valid_until(self, meta, children):
        return ast.Validity(None, self._date(children[0]), span=self._span(meta))

    def field_declaration(self, meta, children):
        name, type_spec, optional = children
        return ast.FieldDeclaration(
            self._name(name), type_spec, optional is not None, span=self._span(meta)
        )

    def output_declaration(self, meta, children):
        name, type_spec = children
        return ast.OutputDeclaration(self._name(name), type_spec, span=self._span(meta))

    def type_spec(self, meta, children):
        name, detail = children
        if isinstance(detail, ast.Number):
            return ast.TypeSpec(self._name(name), None, detail, span=self._span(meta))
        if isinstance(detail, _CodeFile):
            return ast.TypeSpec(self._name(name), detail.codes, span=self._span(meta),
                                code_file=detail.path)
        return ast.TypeSpec(self._name(name), detail, span=self._span(meta))

    def code_file(self, meta, children):
        path, codes = children
        return _CodeFile(ast.Text(_unquote(path), span=self._token_span(path)), codes)

    def type_argument(self, meta, children):
        return self.number(meta, children)

    def code_list(self, meta, entries):
        return tuple(entries)

    def code_entry(self, meta, children):
        value, label, validity = children
        return ast.CodeEntry(
            value, _unquote(label) if label is not None else None, validity,
            span=self._span(meta),
        )

    def definition(self, meta, children):
        name, condition = children
        return ast.Definition(self._name(name), condition, span=self._span(meta))

    def rule(self, meta, children):
        verb, name, condition, validity, because = children
        return ast.Rule(
            english(str(verb)), self._name(name), condition, because, validity, span=self._span(meta)
        )

    def classification(self, meta, children):
        name, code, condition, validity, because = children
        return ast.Classification(
            self._name(name), code, condition, because, validity, span=self._span(meta)
        )

    def trajectory(self, meta, children):
        name, condition, *components = children
        return ast.Trajectory(self._name(name), condition, tuple(components), span=self._span(meta))

    def component(self, meta, children):
        name, *assignments = children
        return ast.Component(self._name(name), tuple(assignments), span=self._span(meta))

    def assignment(self, meta, children):
        field, value = children
        return ast.Assignment(self._name(field), value, span=self._span(meta))

    def activities(self, meta, children):
        key = tuple(self._name(c) for c in children if isinstance(c, Token))
        combinations = tuple(c for c in children if isinstance(c, ast.Combination))
        return ast.Activities(key, combinations, span=self._span(meta))

    def unique(self, meta, children):
        return ast.Unique(tuple(self._name(c) for c in children), span=self._span(meta))

    def combination(self, meta, children):
        field, way, by = children
        return ast.Combination(self._name(field), self._name(way), self._name(by),
                               span=self._span(meta))

    def because(self, meta, children):
        return _unquote(children[0])

    def expectation(self, meta, children):
        *outcomes, condition = children
        return ast.Expectation(tuple(outcomes), condition, span=self._span(meta))

    def expected_status(self, meta, children):
        return ast.Outcome(english(str(children[0])), span=self._span(meta))

    def expected_type(self, meta, children):
        return ast.Outcome("type", children[0], span=self._span(meta))

    def expected_warning(self, meta, children):
        return ast.Outcome("warning", rule=self._name(children[0]), span=self._span(meta))

    # --- conditions ---------------------------------------------------------------------

    def any_of(self, meta, items):
        return ast.AnyOf(tuple(items), span=self._span(meta))

    def all_of(self, meta, items):
        return ast.AllOf(tuple(items), span=self._span(meta))

    def negation(self, meta, children):
        return ast.Not(children[0], span=self._span(meta))

    def reference(self, meta, children):
        return ast.Reference(self._name(children[0]), span=self._span(meta))

    def _comparison(op):  # noqa: N805 - a factory evaluated in the class body
        def lower_comparison(self, meta, children):
            left, value = children
            if isinstance(left, Token):
                left = self._name(left)
            return ast.Comparison(op, left, value, span=self._span(meta))

        return lower_comparison

    # One alternative per operator of the registry (the grammar names them by operator id).
    for _op in OPERATORS:
        locals()[_op] = _comparison(_op)
    del _comparison, _op

    def _date_shift(later):  # noqa: N805 - a factory evaluated in the class body
        def lower_date_shift(self, meta, children):
            base, amount, unit = children
            raw = str(amount)
            number = ast.Number(float(raw) if "." in raw else int(raw),
                                span=self._token_span(amount), written=raw)
            return ast.DateShift(base, number, later, english(str(unit)), span=self._span(meta))

        return lower_date_shift

    date_later = _date_shift(True)
    date_earlier = _date_shift(False)
    del _date_shift

    def measure(self, meta, children):
        function, field = children
        return ast.Measure(self._name(function), self._name(field), span=self._span(meta))

    def call(self, meta, children):
        function, *arguments = children
        return ast.Call(self._name(function), tuple(arguments), span=self._span(meta))

    def is_missing(self, meta, children):
        return ast.Presence(self._name(children[0]), False, span=self._span(meta))

    def is_present(self, meta, children):
        return ast.Presence(self._name(children[0]), True, span=self._span(meta))

    def text_join(self, meta, parts):
        return ast.TextJoin(tuple(parts), span=self._span(meta))

    def pattern_match(self, meta, children, negated=False):
        field, pattern = children
        text = ast.Text(_unquote(pattern), span=self._token_span(pattern))
        return ast.PatternMatch(self._name(field), text, negated, span=self._span(meta))

    def pattern_mismatch(self, meta, children):
        return self.pattern_match(meta, children, negated=True)

    def value_set(self, meta, items):
        return ast.ValueSet(tuple(items), span=self._span(meta))

    # --- values -------------------------------------------------------------------------

    def word(self, meta, children):
        return ast.Word(str(children[0]), span=self._span(meta))

    def text(self, meta, children):
        return ast.Text(_unquote(children[0]), span=self._span(meta))

    def number(self, meta, children):
        raw = str(children[0])
        value = float(raw) if "." in raw else int(raw)
        return ast.Number(value, span=self._span(meta), written=raw)

    def date(self, meta, children):
        return ast.Date(str(children[0]), span=self._span(meta))
