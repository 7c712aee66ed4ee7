"""Patterns of ``FIELD matches "REGEX"``: the portable subset, checked and translated.

Place in the pipeline: used by the checker (:mod:`srg_rules.checking.patterns`, which reports a
:class:`PatternError` at its place in the rulebook), and by every consumer of an
:class:`srg_rules.ir.Matches` node (the backends, the analysis, the strategies). Input: a
pattern's text, as the rulebook means it (the quoted text with ``\\"`` read as ``"`` and
``\\\\`` as ``\\``, any other backslash kept). Output: a :class:`Pattern`, which holds the one
regular expression every engine reads alike, or a :class:`PatternError` with the offending
position inside the pattern.

The subset is what Python's ``re``, RE2 (DuckDB), PostgreSQL's AREs and Java (Spark) read
alike: literal characters, ``.``, classes ``[a-z0-9_]`` and ``[^...]``, ``\\d \\w \\s``,
``* + ? {m} {m,n}``, ``|`` and groups ``( )``. A match is always of the whole value.

Invariants: every accepted pattern is parsed here and written out again by :meth:`Pattern.body`
in a canonical form whose meaning is the same in the four engines: ``\\d`` is ``[0-9]``,
``\\w`` is ``[0-9A-Z_a-z]`` and ``\\s`` is a fixed class of six ASCII white-space characters
(none of the engines' Unicode or locale classes); ``.`` is any one character, a line break
included (the ``(?s)`` flag every engine knows); groups are non-capturing; every literal
punctuation character is escaped. So a value, ASCII or not, with or without a line break,
matches on every backend or on none.
"""

from __future__ import annotations

import functools
import re
from typing import Union

import attrs
from .i18n import N_
from .i18n import gettext as _

__all__ = ["MAX_REPEAT", "MAX_SIZE", "Pattern", "PatternError", "parse", "source_offsets"]

MAX_REPEAT = 255
"""The largest count in ``{m,n}``: PostgreSQL's limit (RE_DUP_MAX); RE2 allows 1000."""

MAX_SIZE = 1000
"""The most characters and classes a pattern may hold once its counted repetitions are
written out, so that no engine's limit on a compiled pattern's size is ever met at run time."""

_DIGIT = (("0", "9"),)
_WORD = (("0", "9"), ("A", "Z"), ("_", "_"), ("a", "z"))
_SPACE = tuple((c, c) for c in "\t\n\x0b\x0c\r ")
_SHORTHANDS = {"d": _DIGIT, "w": _WORD, "s": _SPACE}
_METACHARACTERS = set("\\.^$|?*+()[]{}")
# Characters escaped inside a class when written out: those special in some engine's classes
# (Java's && intersection and nested [..], Python's warned-of set operators, POSIX [: :]).
_CLASS_SPECIAL = set("\\]^-[&~|:")


class PatternError(ValueError):
    """A pattern outside the subset or not a regular expression: ``message`` says what is
    wrong, ``help`` what to write, ``start``/``end`` where in the pattern's text."""

    def __init__(self, message: str, help: str, start: int, end: int):
        super().__init__(message)
        self.message = message
        self.help = help
        self.start = start
        self.end = max(end, start + 1)


# --- the parsed pattern --------------------------------------------------------------------


@attrs.frozen
class _Literal:
    char: str


@attrs.frozen
class _Any:
    pass


@attrs.frozen
class _Class:
    negated: bool
    ranges: tuple[tuple[str, str], ...]


@attrs.frozen
class _Sequence:
    items: tuple[_Node, ...]


@attrs.frozen
class _Alternatives:
    options: tuple[_Node, ...]


@attrs.frozen
class _Repeat:
    item: _Node
    least: int
    most: int | None  # None: no upper bound


_Node = Union[_Literal, _Any, _Class, _Sequence, _Alternatives, _Repeat]


@attrs.frozen
class Pattern:
    """A pattern of the subset. ``text`` is as the rulebook means it; :attr:`body` is the
    canonical regular expression (without flags or anchors) that every engine reads alike."""

    text: str
    tree: _Node = attrs.field(eq=False, repr=False)

    @functools.cached_property
    def body(self) -> str:
        return _written(self.tree)

    @property
    def python(self) -> str:
        """The expression for Python's ``re.fullmatch`` (and Hypothesis's ``from_regex``)."""
        return f"(?s)(?:{self.body})"

    @property
    def sql(self) -> str:
        """The expression for a search in SQL (DuckDB ``REGEXP_MATCHES``, PostgreSQL ``~``,
        Spark ``RLIKE``), anchored at both ends. ``$`` is the end of the value in every engine
        here: Java's ``$`` also matches before a final line break, but a value is read without
        surrounding white space, so it never ends in one."""
        return f"(?s)^(?:{self.body})$"

    def matches(self, value: str) -> bool:
        """Whether the whole of ``value`` matches, as every backend decides it."""
        return _compiled(self.python).fullmatch(value) is not None

    def near(self) -> tuple[str, ...]:
        r"""Texts at the pattern's edges: its shortest match, a longer one, and each of them
        a character short, a character long and with its last character changed, so some
        just match and some just do not (for the strategies' boundaries).

        >>> parse(r"\d{2,3}").near()
        ('0', '0!', '00', '000', '99', '99!', '999', '9999', 'x00', 'x999')
        """
        found: dict[str, None] = {}
        for example in (_example(self.tree, False), _example(self.tree, True)):
            found.setdefault(example)
            if example:
                found.setdefault(example[:-1])
                found.setdefault(example + example[-1])
                found.setdefault(example[:-1] + ("!" if example[-1] != "!" else "?"))
                found.setdefault("x" + example)
        return tuple(sorted(found, key=lambda text: (text.startswith("x"), text)))


@functools.lru_cache(maxsize=1024)
def _compiled(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Pattern:
    """The pattern of ``text``, or :class:`PatternError` for one outside the subset.

    >>> parse(r"\\d{4} ?[A-Z]{2}").body
    '[0-9]{4} ?[A-Z]{2}'
    >>> parse("a.b(c|d)*").sql
    '(?s)^(?:a.b(?:c|d)*)$'
    >>> try:
    ...     parse(r"^\\d+$")
    ... except PatternError as error:
    ...     print(error.start, error.message)
    0 '^' anchors are not in the subset
    """
    if not text:
        raise PatternError(_("an empty pattern matches no value"), _("a blank value is missing: "
                           "write 'is missing' to test for that"), 0, 0)
    parser = _Parser(text)
    tree = parser.alternatives()
    if parser.position < len(text):  # only a ')' stops the top level early
        raise PatternError(_("')' closes no group"), _("remove it, or write \\) for a literal )"),
                           parser.position, parser.position + 1)
    if _size(tree) > MAX_SIZE:
        raise PatternError(
            _("the pattern is too large (over {MAX_SIZE} characters once its repetitions are "
              "written out)").format(
                MAX_SIZE=MAX_SIZE), _("use * or + for long runs instead of large counts"), 0, len(text))
    return Pattern(text, tree)


class _Parser:
    """Recursive descent over the pattern's text; each method reads one construct."""

    def __init__(self, text: str):
        self.text = text
        self.position = 0

    def peek(self) -> str | None:
        return self.text[self.position] if self.position < len(self.text) else None

    def fail(self, message: str, help: str, start: int, end: int | None = None,
             **values: object) -> PatternError:
        """The error at ``start``: ``message`` and ``help`` are catalog ids (marked with N_,
        their literal braces doubled), filled in with ``values`` in the current language."""
        return PatternError(_(message).format(**values), _(help).format(**values), start,
                            end if end is not None else start + 1)

    def alternatives(self) -> _Node:
        start = self.position
        options = [self.sequence()]
        while self.peek() == "|":
            self.position += 1
            options.append(self.sequence())
        if any(isinstance(o, _Sequence) and not o.items for o in options):
            raise self.fail(N_("an empty alternative"), N_("use ? to make a part optional, e.g. (a|b)?"),
                            start, max(self.position, start + 1))
        return options[0] if len(options) == 1 else _Alternatives(tuple(options))

    def sequence(self) -> _Node:
        items: list[_Node] = []
        while (char := self.peek()) is not None and char not in "|)":
            start = self.position
            atom = self.atom()
            items.append(self.repeated(atom, start))
        return items[0] if len(items) == 1 else _Sequence(tuple(items))

    def repeated(self, atom: _Node, start: int) -> _Node:
        char = self.peek()
        if char is None or char not in "*+?{":
            return atom
        most: int | None  # None: no upper bound
        if char == "{":
            least, most = self.counts()
        else:
            self.position += 1
            least, most = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        following = self.peek()
        if following is not None and following in "*+?{":
            raise self.fail(N_("a repetition of a repetition"),
                            N_("lazy (*?) and possessive (*+) repetitions are not in the subset; "
                               "a full match does not need them: drop the second one, or group "
                               "the first: (a*)*"), self.position)
        return _Repeat(atom, least, most)

    def counts(self) -> tuple[int, int]:
        start = self.position
        found = re.compile(r"\{(\d*)(,?)(\d*)\}").match(self.text, start)
        help = N_("write {{m}} or {{m,n}} with whole numbers 0 to {most}, m <= n")
        if found is None or not found.group(1) or (found.group(2) and not found.group(3)):
            end = found.end() if found else start + 1
            raise self.fail(N_("'{{' starts no repetition {{m}} or {{m,n}}"),
                            N_("write {{m}} or {{m,n}} with whole numbers 0 to {most}, m <= n; "
                               "write \\{{ for a literal {{"), start, end, most=MAX_REPEAT)
        self.position = found.end()
        least = int(found.group(1))
        most = int(found.group(3)) if found.group(2) else least
        if max(least, most) > MAX_REPEAT:
            raise self.fail(N_("a count above {most}"), help, start, found.end(), most=MAX_REPEAT)
        if least > most:
            raise self.fail(N_("the counts of {counts} are the wrong way round"), help,
                            start, found.end(), counts=found.group(), most=MAX_REPEAT)
        return least, most

    def atom(self) -> _Node:
        start = self.position
        char = self.text[start]
        self.position += 1
        if char == ".":
            return _Any()
        if char == "[":
            return self.character_class(start)
        if char == "(":
            if self.peek() == "?":
                raise self.fail(N_("'(?' groups are not in the subset"),
                                N_("lookahead, lookbehind, flags, named and non-capturing groups "
                                   "differ between engines: write a plain group ( )"),
                                start, start + 2)
            inner = self.alternatives()
            if self.peek() != ")":
                raise self.fail(N_("'(' is never closed"), N_("close the group with ), or write "
                                                                "\\( for a literal ("), start)
            self.position += 1
            return inner
        if char == "\\":
            return self.escape(start)
        if char in "*+?":
            raise self.fail(N_("'{char}' repeats nothing"), N_("put it after what it repeats, or "
                                                                "write \\{char} for a literal {char}"),
                            start, char=char)
        if char == "{":
            raise self.fail(N_("'{{' repeats nothing"), N_("write \\{{ for a literal {{"), start)
        if char == "^":
            raise self.fail(N_("'^' anchors are not in the subset"), N_("a pattern always matches "
                            "the whole value: drop the ^ (write \\^ for a literal ^)"), start)
        if char == "$":
            raise self.fail(N_("'$' anchors are not in the subset"), N_("a pattern always matches "
                            "the whole value: drop the $ (write \\$ for a literal $)"), start)
        if char in "]}":
            raise self.fail(N_("'{char}' closes nothing"), N_("write \\{char} for a literal {char}"),
                            start, char=char)
        return _Literal(char)

    def escape(self, start: int) -> _Class | _Literal:
        char = self.peek()
        if char is None:
            raise self.fail(N_("the pattern ends in a lone backslash"),
                            N_("write \\\\\\\\ in the rulebook for a literal backslash"), start)
        self.position += 1
        end = self.position
        if char in _SHORTHANDS:
            return _Class(False, _SHORTHANDS[char])
        if not char.isalnum() and char.isascii() and char.isprintable() and char != " ":
            return _Literal(char)
        if char in "DWS":
            spelled = {"D": "[^0-9]", "W": "[^0-9A-Za-z_]", "S": "[^ \\t\\n\\r]"}[char]
            raise self.fail(N_("'\\{char}' is not in the subset"),
                            N_("write the class out instead, e.g. {spelled}"), start, end,
                            char=char, spelled=spelled)
        if char in "bBAZzG":
            raise self.fail(N_("'\\{char}' (a boundary or anchor) is not in the subset"),
                            N_("a pattern always matches the whole value; word boundaries differ "
                               "between engines"), start, end, char=char)
        if char.isdigit():
            raise self.fail(N_("backreferences such as '\\{char}' are not in the subset"),
                            N_("repeat the part itself instead"), start, end, char=char)
        if char in "ntrfvx0aeuUpPkcQE":
            raise self.fail(N_("the escape '\\{char}' is not in the subset"),
                            N_("\\s matches a space, tab or line break; write any other "
                               "character as it is"), start, end, char=char)
        raise self.fail(N_("the escape '\\{char}' is not in the subset"),
                        N_("the escapes are \\d, \\w, \\s and a backslash before punctuation "
                           "(\\. \\* \\( ...)"), start, end, char=char)

    def character_class(self, start: int) -> _Class:
        negated = self.peek() == "^"
        if negated:
            self.position += 1
        ranges: list[tuple[str, str]] = []
        while True:
            char = self.peek()
            if char is None:
                raise self.fail(N_("'[' is never closed"), N_("close the class with ], or write "
                                                                "\\[ for a literal ["), start)
            if char == "]":
                self.position += 1
                break
            item_start = self.position
            low = self.class_item()
            if self.peek() == "-" and self.position + 1 < len(self.text) \
                    and self.text[self.position + 1] != "]":
                self.position += 1
                high = self.class_item()
                if not isinstance(low, str) or not isinstance(high, str):
                    raise self.fail(N_("a range of a class shorthand"), N_("a range runs between "
                                    "two characters, e.g. a-z"), item_start, self.position)
                if low > high:
                    raise self.fail(N_("the range {low}-{high} is the wrong way round"),
                                    N_("write {high}-{low}"), item_start, self.position,
                                    low=low, high=high)
                ranges.append((low, high))
            elif isinstance(low, str):
                ranges.append((low, low))
            else:
                ranges.extend(low)
        if not ranges:
            raise self.fail(N_("an empty class matches nothing"), N_("put characters between [ "
                            "and ], or write \\[\\] for the literal text []"), start, self.position)
        return _Class(negated, tuple(ranges))

    def class_item(self) -> str | tuple[tuple[str, str], ...]:
        """One character of a class, or the ranges of a shorthand (``\\d``)."""
        start = self.position
        char = self.text[start]
        self.position += 1
        if char == "\\":
            node = self.escape(start)
            return node.ranges if isinstance(node, _Class) else node.char
        if char == "[":
            posix = self.peek() in (":", ".", "=")
            raise self.fail(N_("'[' inside a class"),
                            N_("POSIX classes such as [:alpha:] are not in the subset; write "
                               "a-zA-Z") if posix else N_("write \\[ for a literal ["), start)
        return char


def _size(node: _Node) -> int:
    """The characters and classes of a pattern with its counted repetitions written out."""
    if isinstance(node, _Sequence):
        return sum(_size(item) for item in node.items)
    if isinstance(node, _Alternatives):
        return sum(_size(option) for option in node.options)
    if isinstance(node, _Repeat):
        return _size(node.item) * max(1, node.most if node.most is not None else node.least)
    return 1


def _example(node: _Node, long: bool) -> str:
    """A text that ``node`` matches: the shortest (first alternatives, least repetitions,
    a class's first character), or with ``long`` a longer one (last alternatives, one more
    repetition where allowed, a class's last character, a non-ASCII one for ``.``)."""
    if isinstance(node, _Literal):
        return node.char
    if isinstance(node, _Any):
        return "é" if long else "x"
    if isinstance(node, _Class):
        if node.negated:  # a character outside the ranges, when one of these is
            outside = [c for c in "x0-é!" if not any(lo <= c <= hi for lo, hi in node.ranges)]
            return outside[0] if outside else "~"
        return node.ranges[-1][1] if long else node.ranges[0][0]
    if isinstance(node, _Sequence):
        return "".join(_example(item, long) for item in node.items)
    if isinstance(node, _Alternatives):
        return _example(node.options[-1 if long else 0], long)
    count = node.least
    if long and (node.most is None or node.most > node.least):
        count += 1
    return _example(node.item, long) * count


# --- writing it out ------------------------------------------------------------------------


def _written(node: _Node) -> str:
    if isinstance(node, _Literal):
        return "\\" + node.char if node.char in _METACHARACTERS else node.char
    if isinstance(node, _Any):
        return "."
    if isinstance(node, _Class):
        return _written_class(node)
    if isinstance(node, _Sequence):
        return "".join(_grouped(item, isinstance(item, _Alternatives)) for item in node.items)
    if isinstance(node, _Alternatives):
        return "|".join(_written(option) for option in node.options)
    assert isinstance(node, _Repeat)
    item = _grouped(node.item, isinstance(node.item, (_Sequence, _Alternatives, _Repeat)))
    if (node.least, node.most) in ((0, None), (1, None), (0, 1)):
        return item + {(0, None): "*", (1, None): "+", (0, 1): "?"}[(node.least, node.most)]
    if node.least == node.most:
        return f"{item}{{{node.least}}}"
    return f"{item}{{{node.least},{node.most}}}"


def _grouped(node: _Node, needed: bool) -> str:
    return f"(?:{_written(node)})" if needed else _written(node)


def _written_class(node: _Class) -> str:
    def char(c: str) -> str:
        return "\\" + c if c in _CLASS_SPECIAL else c

    items = "".join(char(lo) if lo == hi else f"{char(lo)}-{char(hi)}" for lo, hi in node.ranges)
    return f"[{'^' if node.negated else ''}{items}]"


# --- positions in the rulebook -------------------------------------------------------------


def source_offsets(quoted: str) -> list[int]:
    """For each character of the pattern a quoted STRING token means, its offset in the token
    (quotes included), and one more for the closing quote: ``\\"`` and ``\\\\`` are one
    character of the pattern but two of the token.

    >>> source_offsets('"a\\\\\\\\b"')
    [1, 2, 4, 5]
    """
    offsets: list[int] = []
    i = 1
    while i < len(quoted) - 1:
        offsets.append(i)
        i += 2 if quoted[i] == "\\" and quoted[i + 1] in '"\\' else 1
    offsets.append(len(quoted) - 1)
    return offsets
