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

from collections.abc import Callable
from typing import Any, NamedTuple, overload

from lark import Token, Tree
from lark.tree import Meta

from . import ast
from .keywords import english, unquote
from .operators import OPERATORS
from .source import SourceFile, Span

__all__ = ["lower"]


def lower(tree: Tree[Token], source: SourceFile) -> ast.Rulebook:
    """Turn a parse tree into the AST of a rulebook."""
    lowered: ast.Rulebook = _Lower(source).lower_node(tree)
    return lowered


class _CodeFile(NamedTuple):
    """``from "path" [{...}]`` of a type, until :meth:`_Lower.type_spec` takes it apart."""

    path: ast.Text
    codes: tuple[ast.CodeEntry, ...] | None


# Each callback gets its rule's children already lowered: tokens, AST nodes, or None for an
# absent [optional] part. Which child is which is fixed by the grammar, not by anything the type
# checker can see, hence ``list[Any]``; each callback's return type is what it promises.
# A plain walk rather than Lark's ``Transformer`` with ``v_args(meta=True)``: that one wraps
# every callback anew on each call and visits every token, a third of lowering's time.
class _Lower:
    def __init__(self, source: SourceFile) -> None:
        self._source = source

    def lower_node(self, tree: Tree[Token]) -> Any:
        """The AST node (or the token, tuple or text a callback makes) for a parse tree."""
        children = [self.lower_node(child) if isinstance(child, Tree) else child
                    for child in tree.children]
        lowering: Callable[[Meta, list[Any]], Any] = getattr(self, tree.data)
        return lowering(tree.meta, children)

    def _span(self, meta: Meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(self._source, meta.start_pos, meta.end_pos)

    def _token_span(self, token: Token) -> Span:
        # The parser sets every token's positions (only hand-made tokens lack them).
        assert token.start_pos is not None and token.end_pos is not None
        return Span(self._source, token.start_pos, token.end_pos)

    @overload
    def _name(self, token: Token) -> ast.Name: ...

    @overload
    def _name(self, token: None) -> None: ...

    def _name(self, token: Token | None) -> ast.Name | None:
        if token is None:
            return None
        return ast.Name(str(token), span=self._token_span(token))

    # --- statements ---------------------------------------------------------------------

    def start(self, meta: Meta, statements: list[Any]) -> ast.Rulebook:
        return ast.Rulebook(tuple(statements), span=Span(self._source, 0, len(self._source.text)))

    def lone_condition(self, meta: Meta, children: list[Any]) -> ast.Condition:
        condition: ast.Condition = children[0]  # the rule's one child is a lowered condition
        return condition

    def header(self, meta: Meta, children: list[Any]) -> ast.Header:
        title, version, validity = children
        return ast.Header(
            unquote(title), unquote(version) if version is not None else None, validity,
            span=self._span(meta),
        )

    def use(self, meta: Meta, children: list[Any]) -> ast.Use:
        return ast.Use(unquote(children[0]), span=self._span(meta))

    def decision_date(self, meta: Meta, children: list[Any]) -> ast.DecisionDate:
        return ast.DecisionDate(self._name(children[0]), span=self._span(meta))

    def identifier(self, meta: Meta, children: list[Any]) -> ast.Identifier:
        return ast.Identifier(self._name(children[0]), span=self._span(meta))

    def _date(self, token: Token | None) -> ast.Date | None:
        return None if token is None else ast.Date(str(token), span=self._token_span(token))

    def valid_from(self, meta: Meta, children: list[Any]) -> ast.Validity:
        start, end = children
        return ast.Validity(self._date(start), self._date(end), span=self._span(meta))

    def valid_until(self, meta: Meta, children: list[Any]) -> ast.Validity:
        return ast.Validity(None, self._date(children[0]), span=self._span(meta))

    def field_declaration(self, meta: Meta, children: list[Any]) -> ast.FieldDeclaration:
        name, type_spec, optional = children
        return ast.FieldDeclaration(
            self._name(name), type_spec, optional is not None, span=self._span(meta)
        )

    def output_declaration(self, meta: Meta, children: list[Any]) -> ast.OutputDeclaration:
        name, type_spec = children
        return ast.OutputDeclaration(self._name(name), type_spec, span=self._span(meta))

    def type_spec(self, meta: Meta, children: list[Any]) -> ast.TypeSpec:
        name, detail = children
        if isinstance(detail, ast.Number):
            return ast.TypeSpec(self._name(name), None, detail, span=self._span(meta))
        if isinstance(detail, _CodeFile):
            return ast.TypeSpec(self._name(name), detail.codes, span=self._span(meta),
                                code_file=detail.path)
        return ast.TypeSpec(self._name(name), detail, span=self._span(meta))

    def code_file(self, meta: Meta, children: list[Any]) -> _CodeFile:
        path, codes = children
        return _CodeFile(ast.Text(unquote(path), span=self._token_span(path)), codes)

    def type_argument(self, meta: Meta, children: list[Any]) -> ast.Number:
        return self.number(meta, children)

    def code_list(self, meta: Meta, entries: list[Any]) -> tuple[ast.CodeEntry, ...]:
        return tuple(entries)

    def code_entry(self, meta: Meta, children: list[Any]) -> ast.CodeEntry:
        value, label, validity = children
        return ast.CodeEntry(
            value, unquote(label) if label is not None else None, validity,
            span=self._span(meta),
        )

    def definition(self, meta: Meta, children: list[Any]) -> ast.Definition:
        name, condition = children
        return ast.Definition(self._name(name), condition, span=self._span(meta))

    def rule(self, meta: Meta, children: list[Any]) -> ast.Rule:
        verb, name, condition, validity, because = children
        return ast.Rule(
            english(str(verb)), self._name(name), condition, because, validity, span=self._span(meta)
        )

    def classification(self, meta: Meta, children: list[Any]) -> ast.Classification:
        name, code, condition, validity, because = children
        return ast.Classification(
            self._name(name), code, condition, because, validity, span=self._span(meta)
        )

    def trajectory(self, meta: Meta, children: list[Any]) -> ast.Trajectory:
        name, condition, *components = children
        return ast.Trajectory(self._name(name), condition, tuple(components), span=self._span(meta))

    def component(self, meta: Meta, children: list[Any]) -> ast.Component:
        name, *assignments = children
        return ast.Component(self._name(name), tuple(assignments), span=self._span(meta))

    def assignment(self, meta: Meta, children: list[Any]) -> ast.Assignment:
        field, value = children
        return ast.Assignment(self._name(field), value, span=self._span(meta))

    def activities(self, meta: Meta, children: list[Any]) -> ast.Activities:
        key = tuple(self._name(c) for c in children if isinstance(c, Token))
        combinations = tuple(c for c in children if isinstance(c, ast.Combination))
        return ast.Activities(key, combinations, span=self._span(meta))

    def unique(self, meta: Meta, children: list[Any]) -> ast.Unique:
        return ast.Unique(tuple(self._name(c) for c in children), span=self._span(meta))

    def combination(self, meta: Meta, children: list[Any]) -> ast.Combination:
        field, way, by = children
        return ast.Combination(self._name(field), self._name(way), self._name(by),
                               span=self._span(meta))

    def because(self, meta: Meta, children: list[Any]) -> str:
        return unquote(children[0])

    def expectation(self, meta: Meta, children: list[Any]) -> ast.Expectation:
        *outcomes, condition = children
        return ast.Expectation(tuple(outcomes), condition, span=self._span(meta))

    def expected_status(self, meta: Meta, children: list[Any]) -> ast.Outcome:
        return ast.Outcome(english(str(children[0])), span=self._span(meta))

    def expected_type(self, meta: Meta, children: list[Any]) -> ast.Outcome:
        return ast.Outcome("type", children[0], span=self._span(meta))

    def expected_warning(self, meta: Meta, children: list[Any]) -> ast.Outcome:
        return ast.Outcome("warning", rule=self._name(children[0]), span=self._span(meta))

    # --- conditions ---------------------------------------------------------------------

    def any_of(self, meta: Meta, items: list[Any]) -> ast.AnyOf:
        return ast.AnyOf(tuple(items), span=self._span(meta))

    def all_of(self, meta: Meta, items: list[Any]) -> ast.AllOf:
        return ast.AllOf(tuple(items), span=self._span(meta))

    def negation(self, meta: Meta, children: list[Any]) -> ast.Not:
        return ast.Not(children[0], span=self._span(meta))

    def reference(self, meta: Meta, children: list[Any]) -> ast.Reference:
        return ast.Reference(self._name(children[0]), span=self._span(meta))

    @staticmethod  # a factory called in the class body (staticmethods are callable there)
    def _comparison(op: str) -> Callable[[_Lower, Meta, list[Any]], ast.Comparison]:
        def lower_comparison(self: _Lower, meta: Meta, children: list[Any]) -> ast.Comparison:
            left, value = children
            if isinstance(left, Token):
                left = self._name(left)
            return ast.Comparison(op, left, value, span=self._span(meta))

        return lower_comparison

    # One alternative per operator of the registry (the grammar names them by operator id).
    for _op in OPERATORS:
        locals()[_op] = _comparison(_op)
    del _comparison, _op

    @staticmethod  # a factory called in the class body (staticmethods are callable there)
    def _date_shift(later: bool) -> Callable[[_Lower, Meta, list[Any]], ast.DateShift]:
        def lower_date_shift(self: _Lower, meta: Meta, children: list[Any]) -> ast.DateShift:
            base, amount, unit = children
            raw = str(amount)
            number = ast.Number(float(raw) if "." in raw else int(raw),
                                span=self._token_span(amount), written=raw)
            return ast.DateShift(base, number, later, english(str(unit)), span=self._span(meta))

        return lower_date_shift

    date_later = _date_shift(True)
    date_earlier = _date_shift(False)
    del _date_shift

    def measure(self, meta: Meta, children: list[Any]) -> ast.Measure:
        function, field = children
        return ast.Measure(self._name(function), self._name(field), span=self._span(meta))

    def call(self, meta: Meta, children: list[Any]) -> ast.Call:
        function, *arguments = children
        return ast.Call(self._name(function), tuple(arguments), span=self._span(meta))

    def is_missing(self, meta: Meta, children: list[Any]) -> ast.Presence:
        return ast.Presence(self._name(children[0]), False, span=self._span(meta))

    def is_present(self, meta: Meta, children: list[Any]) -> ast.Presence:
        return ast.Presence(self._name(children[0]), True, span=self._span(meta))

    def text_join(self, meta: Meta, parts: list[Any]) -> ast.TextJoin:
        return ast.TextJoin(tuple(parts), span=self._span(meta))

    def pattern_match(self, meta: Meta, children: list[Any],
                      negated: bool = False) -> ast.PatternMatch:
        field, pattern = children
        text = ast.Text(unquote(pattern), span=self._token_span(pattern))
        return ast.PatternMatch(self._name(field), text, negated, span=self._span(meta))

    def pattern_mismatch(self, meta: Meta, children: list[Any]) -> ast.PatternMatch:
        return self.pattern_match(meta, children, negated=True)

    def value_set(self, meta: Meta, items: list[Any]) -> ast.ValueSet:
        return ast.ValueSet(tuple(items), span=self._span(meta))

    # --- values -------------------------------------------------------------------------

    def word(self, meta: Meta, children: list[Any]) -> ast.Word:
        return ast.Word(str(children[0]), span=self._span(meta))

    def text(self, meta: Meta, children: list[Any]) -> ast.Text:
        return ast.Text(unquote(children[0]), span=self._span(meta))

    def number(self, meta: Meta, children: list[Any]) -> ast.Number:
        raw = str(children[0])
        value = float(raw) if "." in raw else int(raw)
        return ast.Number(value, span=self._span(meta), written=raw)

    def date(self, meta: Meta, children: list[Any]) -> ast.Date:
        return ast.Date(str(children[0]), span=self._span(meta))
