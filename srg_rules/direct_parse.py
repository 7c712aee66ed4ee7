"""Direct parsing: rulebook text -> :mod:`srg_rules.ast`, without a Lark tree, for the common
statements; everything else goes the Lark way.

Place in the pipeline: in front of :mod:`srg_rules.grammar` and :mod:`srg_rules.lower`.
:func:`parse_rulebook` is what the stages call: it tries :func:`parse_directly` and, when that
declines, parses with Lark and lowers. Input: a :class:`~srg_rules.source.SourceFile`. Output:
the AST, the spans of the ``# ...`` comments, the keyword language and the syntax diagnostics.

Why: Lark's LALR loop builds a tree of Python objects per token and costs about 0.25 ms a
``define`` (docs/benchmarks.md, "Scale of rulebooks"); a 10 MB rulebook took a minute to
parse. This parser (a regular-expression tokenizer, recursive descent for statements,
precedence climbing for ``or`` over ``and`` over ``not``) builds the AST nodes as lowering
would, about six times faster.

Invariant: for any text, :func:`parse_directly` either returns None (it declines) or exactly
what Lark and :func:`~srg_rules.lower.lower` give: equal nodes, the same spans (a node's span
runs over the tokens Lark's ``propagate_positions`` gives it: the parentheses around an
operand of ``and``/``or``/``not`` belong to that operator's span, not the operand's), the same
comments and the same language. It declines at anything outside its subset (``trajectory``,
``activities``) and at anything that is not valid, a keyword of the other language and a
condition nested too deeply included, so every diagnostic and every recovery still comes from
Lark. ``tests/test_direct_parse.py`` checks the invariant on every shipped rulebook and on
generated ones.

Each position of the parser is one state of Lark's LALR automaton in which it shifts only (no
reduction pending), so the contextual lexer's choice between a keyword and a name is the one
made here: in such a state it allows exactly the terminals that may follow, and a keyword
outranks ``NAME`` (a rule may be named ``define``; ``when`` after ``include`` is the keyword).
Where a reduction is pending (after an operand), a word is accepted only as a keyword that
the statement may continue with, or as the start of the next statement.

Recursion: parentheses and ``not`` are parsed recursively, bounded by :data:`_MAX_NESTING`;
deeper text is declined (Lark parses it without recursing, and :mod:`srg_rules.depth` refuses
what nests too deeply), so no input raises ``RecursionError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple, NoReturn

from . import ast
from .depth import MAX_DEPTH, condition_depth
from .diagnostics import Diagnostic
from .keywords import ENGLISH, KEYWORDS, english, language_of_word, unquote
from .source import SourceFile, Span

__all__ = ["DirectParse", "ParsedRulebook", "parse_directly", "parse_rulebook"]


class ParsedRulebook(NamedTuple):
    """A rulebook's AST (None when it has syntax errors), its comments in source order (empty
    with syntax errors), the language of its keywords, and its syntax diagnostics."""

    rulebook: ast.Rulebook | None
    comments: tuple[Span, ...]
    language: str
    diagnostics: list[Diagnostic]


class DirectParse(NamedTuple):
    """What :func:`parse_directly` gives for a text it parses."""

    rulebook: ast.Rulebook
    comments: tuple[Span, ...]
    language: str


def parse_rulebook(source: SourceFile, *, direct: bool = True) -> ParsedRulebook:
    """Parse and lower a rulebook: directly where :func:`parse_directly` can, by Lark and
    :func:`~srg_rules.lower.lower` otherwise (``direct=False``: always by Lark).

    >>> parsed = parse_rulebook(SourceFile("<doc>", "sluit uit als a en b  # waarom\\n"))
    >>> parsed.rulebook.statements[0].verb, parsed.language, [c.text for c in parsed.comments]
    ('exclude', 'nl', ['# waarom'])
    >>> parse_rulebook(SourceFile("<doc>", "exlcude when a")).diagnostics[0].code
    'parse_unexpected_token'
    """
    found = parse_directly(source) if direct else None
    if found is not None:
        return ParsedRulebook(found.rulebook, found.comments, found.language, [])
    # Lark (with the regex module it loads, about 30 ms of CPU at each start of a command)
    # is loaded only for a text this parser declines.
    from .grammar import parse_tree_comments_and_language
    from .lower import lower

    tree, comments, language, diagnostics = parse_tree_comments_and_language(source)
    rulebook = None if tree is None else lower(tree, source)
    return ParsedRulebook(rulebook, comments, language, diagnostics)


def parse_directly(source: SourceFile) -> DirectParse | None:
    """The AST, comments and language of a rulebook, exactly as Lark and lowering give them,
    or None where this parser declines (see the module's docstring).

    >>> found = parse_directly(SourceFile("<doc>", "define d: not (a or b)\\n"))
    >>> found.rulebook.statements[0].condition.span.text
    'not (a or b)'
    >>> parse_directly(SourceFile("<doc>", "include when a en b")) is None  # mixed languages
    True
    """
    try:
        return _Parser(source).rulebook()
    except _Decline:
        return None


class _Decline(Exception):
    """The text is outside this parser's subset, or not valid: Lark decides."""


# Token kinds: the number of the tokenizer's group that matched.
_COMMENT, _STRING, _DATE, _NUMBER, _WORD, _PUNCTUATION, _OTHER = range(1, 8)
_END = 0

# The grammar's terminals, in its priority order (a date before a number); whitespace is the
# grammar's (common.WS), and a character no terminal starts with is the last alternative.
# Without DOTALL: a string's ``\\.`` does not take a line break, as in the grammar.
_TOKEN = re.compile(r"""[ \t\f\r\n]*(?:
      (\#[^\n]*)
    | ("(?:[^"\\\n]|\\.)*")
    | (\d{4}-\d{2}-\d{2})
    | (-?\d+(?:\.\d+)?)
    | ([A-Za-z_][A-Za-z0-9_]*)
    | (!=|<=|>=|[(){},:=<>+\-~])
    | ([^ \t\f\r\n])
)""", re.VERBOSE)

# Keywords of more than one word: written with spaces or tabs between their words.
_SEVERAL_WORDS = {
    terminal: re.compile("(?:%s)(?![A-Za-z0-9_])" % "|".join(
        r"[ \t]+".join(word.split()) for word in KEYWORDS[terminal]))
    for terminal in ("_UNTIL", "_MATCHES", "_NOT_MATCHES")
}
_FIRST_WORDS = {terminal: {word.split()[0] for word in KEYWORDS[terminal]}
                for terminal in KEYWORDS}
_UNITS = frozenset({"day", "days", "week", "weeks", "month", "months", "year", "years",
                    "dagen", "dag", "weken", "maanden", "maand", "jaren", "jaar"})
_COMPARISONS = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}

# Deeper nesting of parentheses and `not` is declined (Lark parses it without recursing).
_MAX_NESTING = 60
# Up to this nesting of parentheses and `not`, a condition cannot nest deeper than MAX_DEPTH
# (each level adds at most an `or`, an `and` and a `not`), so its depth need not be measured.
_SURELY_SHALLOW = MAX_DEPTH // 2 - 1

_RULE_VERBS = frozenset(KEYWORDS["RULE_VERB"])
# The words of the operators, asked after every operand.
_OR_WORDS = frozenset(KEYWORDS["_OR"])
_AND_WORDS = frozenset(KEYWORDS["_AND"])
_NOT_WORDS = frozenset(KEYWORDS["_NOT"])


class _Parser:
    """One parse of one text. The current token is ``_kind`` over ``_start:_end`` (``_word``
    its text when it is a word); :meth:`_advance` reads the next one."""

    def __init__(self, source: SourceFile) -> None:
        self._source = source
        self._text = source.text
        self._match = _TOKEN.match
        self._comments: list[tuple[int, int]] = []
        self._language: str | None = None
        self._said: dict[tuple[str, str], str | None] = {}
        self._nesting = 0
        self._deepest = 0
        self._kind = _END
        self._start = self._end = 0
        self._word: str | None = None
        self._sign: str | None = None  # the current token's text when it is punctuation
        self._advance()

    # --- tokens --------------------------------------------------------------------------

    def _advance(self) -> None:
        match = self._match(self._text, self._end)
        while match is not None and match.lastindex == _COMMENT:
            self._comments.append(match.span(_COMMENT))
            match = self._match(self._text, match.end())
        if match is None:  # only whitespace is left
            self._kind, self._word, self._sign = _END, None, None
            self._start = self._end = len(self._text)
            return
        kind = match.lastindex
        assert kind is not None  # every alternative is a group
        if kind == _OTHER:
            self._decline()
        self._kind = kind
        self._start, self._end = match.span(kind)
        if kind == _WORD:
            self._word, self._sign = match.group(kind), None
        elif kind == _PUNCTUATION:
            self._word, self._sign = None, match.group(kind)
        else:
            self._word = self._sign = None

    def _decline(self) -> NoReturn:
        raise _Decline()

    def _is(self, terminal: str) -> bool:
        """Whether the current token is a one-word keyword of ``terminal``."""
        return self._word is not None and self._word in KEYWORDS[terminal]

    def _keyword(self, terminal: str) -> int:
        """Take the current word as a keyword of ``terminal`` (a whole word, or several
        separated by spaces and tabs), keep its language; its end offset."""
        word = self._word
        if word is None or word not in _FIRST_WORDS[terminal]:
            self._decline()
        if terminal in _SEVERAL_WORDS:
            match = _SEVERAL_WORDS[terminal].match(self._text, self._start)
            if match is None:
                self._decline()
            self._end = match.end()
            word = match.group(0)
        elif word not in KEYWORDS[terminal]:
            self._decline()
        self._heard(terminal, word)
        end = self._end
        self._advance()
        return end

    def _heard(self, terminal: str, word: str) -> None:
        """Keep the language of a keyword: the first that belongs to one language sets it, one
        of the other language declines (Lark's path reports ``mixed_languages``)."""
        key = (terminal, word)
        said = self._said.get(key, ...)
        if said is ...:
            said = self._said[key] = language_of_word(terminal, word)
        if said is None:
            return
        if self._language is None:
            self._language = said
        elif said != self._language:
            self._decline()

    def _punctuation(self, symbol: str) -> int:
        if self._sign != symbol:
            self._decline()
        end = self._end
        self._advance()
        return end

    def _at(self, symbol: str) -> bool:
        return self._sign == symbol

    def _name(self) -> ast.Name:
        if self._word is None:
            self._decline()
        name = ast.Name(self._word, span=Span(self._source, self._start, self._end))
        self._advance()
        return name

    def _string(self) -> tuple[str, int, int]:
        """The current STRING token as written, with its offsets."""
        if self._kind != _STRING:
            self._decline()
        found = (self._text[self._start:self._end], self._start, self._end)
        self._advance()
        return found

    def _number(self, start: int, end: int) -> ast.Number:
        written = self._text[start:end]
        value = float(written) if "." in written else int(written)
        return ast.Number(value, span=Span(self._source, start, end), written=written)

    # --- statements ----------------------------------------------------------------------

    def rulebook(self) -> DirectParse:
        statements: list[ast.Statement] = []
        while self._kind != _END:
            word = self._word
            if word is None:
                self._decline()
            statements.append(self._statement(word))
        source = self._source
        rulebook = ast.Rulebook(tuple(statements), span=Span(source, 0, len(self._text)))
        comments = tuple(Span(source, start, end) for start, end in self._comments)
        return DirectParse(rulebook, comments, self._language or ENGLISH)

    def _statement(self, word: str) -> ast.Statement:
        if word in ("define", "definieer"):
            return self._definition()
        if word in _RULE_VERBS or word in ("neem", "sluit"):
            return self._rule(word)
        if word in ("field", "veld"):
            return self._field_declaration()
        if word in ("output", "uitvoer"):
            return self._output_declaration()
        if word in ("classify", "type"):
            return self._classification()
        if word in ("rulebook", "regelboek"):
            return self._header()
        if word in ("use", "gebruik"):
            start = self._start
            self._keyword("_USE")
            path, _, end = self._string()
            return ast.Use(unquote(path), span=Span(self._source, start, end))
        if word in ("rules", "regels"):
            return self._decision_date()
        if word in ("identifier", "kenmerk"):
            start = self._start
            self._keyword("_IDENTIFIER")
            field = self._name()
            assert field.span is not None  # made here, with a span
            return ast.Identifier(field, span=Span(self._source, start, field.span.end))
        if word in ("unique", "uniek"):
            return self._unique()
        if word in ("expect", "verwacht"):
            return self._expectation()
        self._decline()  # trajectory, activities, or not a statement at all

    def _definition(self) -> ast.Definition:
        start = self._start
        self._keyword("_DEFINE")
        name = self._name()
        self._punctuation(":")
        condition, end = self._whole_condition()
        return ast.Definition(name, condition, span=Span(self._source, start, end))

    def _rule(self, verb: str) -> ast.Rule:
        start = self._start
        name = None
        if verb == "neem" or verb == "sluit":
            self._keyword("INCLUDE_NL" if verb == "neem" else "EXCLUDE_NL")
            separable = "_UP" if verb == "neem" else "_OUT"
            if not self._is(separable):
                name = self._name()
            self._keyword(separable)
        else:
            self._keyword("RULE_VERB")
            if not self._is("_WHEN"):
                name = self._name()
        self._keyword("_WHEN")
        condition, end = self._whole_condition()
        validity, because, end = self._validity_and_because(end)
        return ast.Rule(english(verb), name, condition, because, validity,
                        span=Span(self._source, start, end))

    def _classification(self) -> ast.Classification:
        start = self._start
        self._keyword("_CLASSIFY")
        name = None if self._is("_AS") else self._name()
        self._keyword("_AS")
        code = self._value()
        self._keyword("_WHEN")
        condition, end = self._whole_condition()
        validity, because, end = self._validity_and_because(end)
        return ast.Classification(name, code, condition, because, validity,
                                  span=Span(self._source, start, end))

    def _validity_and_because(self, end: int
                              ) -> tuple[ast.Validity | None, str | None, int]:
        validity = None
        because = None
        if self._is("_VALID"):
            validity = self._validity()
            assert validity.span is not None  # made here, with a span
            end = validity.span.end
        if self._is("_BECAUSE"):
            self._keyword("_BECAUSE")
            written, _, end = self._string()
            because = unquote(written)
        return validity, because, end

    def _validity(self) -> ast.Validity:
        start = self._start
        self._keyword("_VALID")
        first = None
        if self._is("_SINCE"):
            self._keyword("_SINCE")
            first = self._date()
            if self._word is None or self._word not in _FIRST_WORDS["_UNTIL"]:
                assert first.span is not None  # made here, with a span
                return ast.Validity(first, None, span=Span(self._source, start, first.span.end))
        self._keyword("_UNTIL")
        last = self._date()
        assert last.span is not None  # made here, with a span
        return ast.Validity(first, last, span=Span(self._source, start, last.span.end))

    def _date(self) -> ast.Date:
        if self._kind != _DATE:
            self._decline()
        date = ast.Date(self._text[self._start:self._end],
                        span=Span(self._source, self._start, self._end))
        self._advance()
        return date

    def _header(self) -> ast.Header:
        start = self._start
        self._keyword("_RULEBOOK")
        title, _, end = self._string()
        version = None
        if self._is("_VERSION"):
            self._keyword("_VERSION")
            written, _, end = self._string()
            version = unquote(written)
        validity = None
        if self._is("_VALID"):
            validity = self._validity()
            assert validity.span is not None  # made here, with a span
            end = validity.span.end
        return ast.Header(unquote(title), version, validity, span=Span(self._source, start, end))

    def _decision_date(self) -> ast.DecisionDate:
        start = self._start
        self._keyword("_RULES")
        if self._is("_APPLY"):
            self._keyword("_APPLY")
        else:
            self._keyword("_IN")
            self._keyword("_FORCE")
        self._keyword("_ON")
        field = self._name()
        assert field.span is not None  # made here, with a span
        return ast.DecisionDate(field, span=Span(self._source, start, field.span.end))

    def _unique(self) -> ast.Unique:
        start = self._start
        self._keyword("_UNIQUE")
        key = [self._name()]
        while self._at(","):
            self._advance()
            key.append(self._name())
        end = key[-1].span.end  # type: ignore[union-attr]
        return ast.Unique(tuple(key), span=Span(self._source, start, end))

    def _expectation(self) -> ast.Expectation:
        start = self._start
        self._keyword("_EXPECT")
        outcomes = [self._outcome()]
        while self._is("_AND"):
            self._keyword("_AND")
            outcomes.append(self._outcome())
        self._keyword("_WHEN")
        condition, end = self._whole_condition()
        return ast.Expectation(tuple(outcomes), condition, span=Span(self._source, start, end))

    def _outcome(self) -> ast.Outcome:
        start = self._start
        word = self._word
        if self._is("STATUS_WORD"):
            end = self._keyword("STATUS_WORD")
            assert word is not None  # a keyword is a word
            return ast.Outcome(english(word), span=Span(self._source, start, end))
        if self._is("_TYPE"):
            self._keyword("_TYPE")
            code = self._value()
            assert code.span is not None  # made here, with a span
            return ast.Outcome("type", code, span=Span(self._source, start, code.span.end))
        self._keyword("_WARNING")
        rule = self._name()
        assert rule.span is not None  # made here, with a span
        return ast.Outcome("warning", rule=rule, span=Span(self._source, start, rule.span.end))

    # --- declarations --------------------------------------------------------------------

    def _field_declaration(self) -> ast.FieldDeclaration:
        start = self._start
        self._keyword("_FIELD")
        name = self._name()
        self._punctuation(":")
        type_spec, end = self._type_spec()
        optional = self._is("OPTIONAL")
        if optional:
            end = self._keyword("OPTIONAL")
        return ast.FieldDeclaration(name, type_spec, optional, span=Span(self._source, start, end))

    def _output_declaration(self) -> ast.OutputDeclaration:
        start = self._start
        self._keyword("_OUTPUT")
        name = self._name()
        self._punctuation(":")
        type_spec, end = self._type_spec()
        return ast.OutputDeclaration(name, type_spec, span=Span(self._source, start, end))

    def _type_spec(self) -> tuple[ast.TypeSpec, int]:
        name = self._name()
        assert name.span is not None  # made here, with a span
        start, end = name.span.start, name.span.end
        if self._at("{"):
            codes, end = self._code_list()
            return ast.TypeSpec(name, codes, span=Span(self._source, start, end)), end
        if self._at("("):
            argument_start = self._start
            self._advance()
            if self._kind != _NUMBER:
                self._decline()
            number_start, number_end = self._start, self._end
            self._advance()
            end = self._punctuation(")")
            # The argument's span is the type_argument rule's: the parentheses included.
            written = self._text[number_start:number_end]
            value = float(written) if "." in written else int(written)
            argument = ast.Number(value, span=Span(self._source, argument_start, end),
                                  written=written)
            return ast.TypeSpec(name, None, argument, span=Span(self._source, start, end)), end
        if self._is("_FROM"):
            self._keyword("_FROM")
            written, path_start, end = self._string()
            path = ast.Text(unquote(written), span=Span(self._source, path_start, end))
            written_too: tuple[ast.CodeEntry, ...] | None = None  # a list beside the file
            if self._at("{"):
                written_too, end = self._code_list()
            return ast.TypeSpec(name, written_too, span=Span(self._source, start, end),
                                code_file=path), end
        return ast.TypeSpec(name, span=Span(self._source, start, end)), end

    def _code_list(self) -> tuple[tuple[ast.CodeEntry, ...], int]:
        self._advance()  # {
        entries = [self._code_entry()]
        while self._at(","):
            self._advance()
            if self._at("}"):
                break
            entries.append(self._code_entry())
        return tuple(entries), self._punctuation("}")

    def _code_entry(self) -> ast.CodeEntry:
        value = self._value()
        assert value.span is not None  # made here, with a span
        start, end = value.span.start, value.span.end
        label = None
        if self._kind == _STRING:
            written, _, end = self._string()
            label = unquote(written)
        validity = None
        if self._is("_VALID"):
            validity = self._validity()
            assert validity.span is not None  # made here, with a span
            end = validity.span.end
        return ast.CodeEntry(value, label, validity, span=Span(self._source, start, end))

    def _value(self) -> ast.Value:
        """A word, text, number or date (the grammar's ``_value``)."""
        kind, start, end = self._kind, self._start, self._end
        value: ast.Value
        if kind == _WORD:
            assert self._word is not None  # set with the kind
            value = ast.Word(self._word, span=Span(self._source, start, end))
        elif kind == _STRING:
            value = ast.Text(unquote(self._text[start:end]), span=Span(self._source, start, end))
        elif kind == _NUMBER:
            value = self._number(start, end)
        elif kind == _DATE:
            value = ast.Date(self._text[start:end], span=Span(self._source, start, end))
        else:
            self._decline()
        self._advance()
        return value

    # --- conditions ----------------------------------------------------------------------
    # Each returns the node and the offsets of its text with the parentheses around it, which
    # Lark counts into the span of the node that holds it.

    def _whole_condition(self) -> tuple[ast.Condition, int]:
        """A statement's condition and its end; declined when it nests too deeply."""
        self._deepest = 0
        condition, _, end = self._any_of()
        if self._deepest > _SURELY_SHALLOW and condition_depth(condition) > MAX_DEPTH:
            self._decline()  # Lark's path reports too_deeply_nested
        return condition, end

    def _any_of(self) -> tuple[ast.Condition, int, int]:
        return self._joined(self._all_of, _OR_WORDS, "_OR", ast.AnyOf)

    def _all_of(self) -> tuple[ast.Condition, int, int]:
        return self._joined(self._negatable, _AND_WORDS, "_AND", ast.AllOf)

    def _joined(self, operand: Callable[[], tuple[ast.Condition, int, int]],
                words: frozenset[str], keyword: str,
                node: type[ast.AnyOf] | type[ast.AllOf]) -> tuple[ast.Condition, int, int]:
        """One level of the precedence climb: operands joined by one of ``words`` (``or``,
        ``and`` in either language) into ``node``, or the one operand as it is."""
        first, start, end = operand()
        if self._word not in words:
            return first, start, end
        items = [first]
        while self._word in words:
            self._keyword(keyword)
            item, _, end = operand()
            items.append(item)
        return node(tuple(items), span=Span(self._source, start, end)), start, end

    def _deeper(self) -> None:
        self._nesting += 1
        if self._nesting > _MAX_NESTING:
            self._decline()
        if self._nesting > self._deepest:
            self._deepest = self._nesting

    def _negatable(self) -> tuple[ast.Condition, int, int]:
        if self._word in _NOT_WORDS:
            start = self._start
            self._keyword("_NOT")
            self._deeper()
            item, _, end = self._negatable()
            self._nesting -= 1
            return ast.Not(item, span=Span(self._source, start, end)), start, end
        if self._sign == "(":
            start = self._start
            self._advance()
            self._deeper()
            inner, _, _ = self._any_of()
            self._nesting -= 1
            return inner, start, self._punctuation(")")
        return self._comparison()

    def _comparison(self) -> tuple[ast.Condition, int, int]:
        kind, start, end = self._kind, self._start, self._end
        left: ast.Name | ast.DateShift | ast.Measure | ast.Call | ast.Number
        if kind == _NUMBER:
            left = self._number(start, end)
            self._advance()
        elif kind == _DATE:
            base = ast.Date(self._text[start:end], span=Span(self._source, start, end))
            self._advance()
            left = self._date_shift(base, start)
        elif kind == _WORD:
            word = self._word
            assert word is not None  # set with the kind
            self._advance()
            if self._at("("):
                left = self._measure_or_call(word, start, end)
            elif self._at("+") or self._at("-") or self._negative_number():
                left = self._date_shift(ast.Word(word, span=Span(self._source, start, end)), start)
            else:
                name = ast.Name(word, span=Span(self._source, start, end))
                return self._about_a_name(name, start, end)
        else:
            self._decline()
        return self._compared(left, start)

    def _about_a_name(self, name: ast.Name, start: int,
                      end: int) -> tuple[ast.Condition, int, int]:
        """What follows a field's name: an operator, ``in``, ``is missing`` ... or nothing (a
        reference to a boolean field or a define)."""
        word = self._word
        if word is None:
            if self._sign in _COMPARISONS:
                return self._compared(name, start)
            return ast.Reference(name, span=Span(self._source, start, end)), start, end
        if word == "in":
            self._keyword("_IN")
            return self._in_set("in_set", name, start)
        if word in KEYWORDS["_NOT"]:
            self._keyword("_NOT")
            self._keyword("_IN")
            return self._in_set("not_in_set", name, start)
        if word == "is":
            self._keyword("_IS")
            if self._is("_MISSING"):
                present, end = False, self._keyword("_MISSING")
            elif self._is("_PRESENT"):
                present, end = True, self._keyword("_PRESENT")
            else:
                self._keyword("_NOT")
                present, end = True, self._keyword("_MISSING")
            return ast.Presence(name, present, span=Span(self._source, start, end)), start, end
        if word in KEYWORDS["_ABSENT"]:
            end = self._keyword("_ABSENT")
            return ast.Presence(name, False, span=Span(self._source, start, end)), start, end
        if word in _FIRST_WORDS["_MATCHES"] and _SEVERAL_WORDS["_MATCHES"].match(
                self._text, self._start):
            self._keyword("_MATCHES")
            return self._pattern(name, start, False)
        if word in _FIRST_WORDS["_NOT_MATCHES"]:
            self._keyword("_NOT_MATCHES")
            return self._pattern(name, start, True)
        # Anything else ends the condition here; the statement says whether it may.
        return ast.Reference(name, span=Span(self._source, start, end)), start, end

    def _pattern(self, name: ast.Name, start: int,
                 negated: bool) -> tuple[ast.Condition, int, int]:
        written, pattern_start, end = self._string()
        pattern = ast.Text(unquote(written), span=Span(self._source, pattern_start, end))
        span = Span(self._source, start, end)
        return ast.PatternMatch(name, pattern, negated, span=span), start, end

    def _in_set(self, op: str, name: ast.Name, start: int) -> tuple[ast.Condition, int, int]:
        values = self._value_set()
        end = values.span.end  # type: ignore[union-attr]
        return ast.Comparison(op, name, values, span=Span(self._source, start, end)), start, end

    def _value_set(self) -> ast.ValueSet:
        start = self._start
        self._punctuation("{")
        items = [self._value()]
        while self._at(","):
            self._advance()
            if self._at("}"):
                break
            items.append(self._value())
        end = self._punctuation("}")
        return ast.ValueSet(tuple(items), span=Span(self._source, start, end))

    def _compared(self, left: ast.Name | ast.DateShift | ast.Measure | ast.Call | ast.Number,
                  start: int) -> tuple[ast.Condition, int, int]:
        op = _COMPARISONS.get(self._sign or "")
        if op is None:
            self._decline()
        self._advance()
        right = self._right()
        end = right.span.end  # type: ignore[union-attr]
        return ast.Comparison(op, left, right, span=Span(self._source, start, end)), start, end

    def _right(self) -> ast.Value | ast.DateShift | ast.Measure | ast.Call:
        """The right of a comparison: a value, a moved date, a measure or a call."""
        kind, start, end = self._kind, self._start, self._end
        if kind == _WORD:
            word = self._word
            assert word is not None  # set with the kind
            self._advance()
            if self._at("("):
                return self._measure_or_call(word, start, end)
            base = ast.Word(word, span=Span(self._source, start, end))
            if self._at("+") or self._at("-") or self._negative_number():
                return self._date_shift(base, start)
            return base
        if kind == _DATE:
            date = ast.Date(self._text[start:end], span=Span(self._source, start, end))
            self._advance()
            if self._at("+") or self._at("-") or self._negative_number():
                return self._date_shift(date, start)
            return date
        return self._value()

    def _argument(self) -> ast.Value | ast.DateShift:
        """An argument of a call: a value or a moved date."""
        kind, start, end = self._kind, self._start, self._end
        if kind == _WORD or kind == _DATE:
            base: ast.Word | ast.Date
            if kind == _WORD:
                assert self._word is not None  # set with the kind
                base = ast.Word(self._word, span=Span(self._source, start, end))
            else:
                base = ast.Date(self._text[start:end], span=Span(self._source, start, end))
            self._advance()
            if self._at("+") or self._at("-") or self._negative_number():
                return self._date_shift(base, start)
            return base
        return self._value()

    def _measure_or_call(self, function: str, start: int, end: int) -> ast.Measure | ast.Call:
        name = ast.Name(function, span=Span(self._source, start, end))
        self._advance()  # (
        arguments = [self._argument()]
        while self._at(","):
            self._advance()
            arguments.append(self._argument())
        close = self._punctuation(")")
        if len(arguments) > 1:
            return ast.Call(name, tuple(arguments), span=Span(self._source, start, close))
        field = arguments[0]
        if not isinstance(field, ast.Word):
            self._decline()  # a measure takes a field's name, a call two arguments or more
        return ast.Measure(name, ast.Name(field.text, span=field.span),
                           span=Span(self._source, start, close))

    def _negative_number(self) -> bool:
        """A number written with its minus sign where the grammar wants the minus of a moved
        date (``d -3 days``): Lark's lexer, allowed no number there, reads a minus."""
        return self._kind == _NUMBER and self._text[self._start] == "-"

    def _date_shift(self, base: ast.Word | ast.Date, start: int) -> ast.DateShift:
        if self._at("+"):
            later = True
            self._advance()
        elif self._at("-"):
            later = False
            self._advance()
        elif self._negative_number():
            later = False
            self._start += 1  # the number after the minus
        else:
            self._decline()
        if self._kind != _NUMBER:
            self._decline()
        amount = self._number(self._start, self._end)
        self._advance()
        unit = self._word
        if unit is None or unit not in _UNITS:
            self._decline()
        end = self._end
        self._heard("UNIT", unit)
        self._advance()
        return ast.DateShift(base, amount, later, english(unit),
                             span=Span(self._source, start, end))
