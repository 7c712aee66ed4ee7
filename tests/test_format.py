"""The canonical formatter: exact layouts, comments in every position, and round-trip properties.

Golden cases pin the layout (messy input -> exact output). Properties, over generated rulebook
trees, check the invariants of :mod:`srg_rules.format`: ``parse(format(tree)) == tree``, formatting
is idempotent, and comments written anywhere between tokens survive.

The strategies are local to this module for now (tests/strategies.py is the intended home).
"""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark

from srg_rules import ast
from srg_rules.diagnostics import RulebookError
from srg_rules.format import WIDTH, format_rulebook, format_text
from srg_rules.grammar import parse_tree
from srg_rules.lower import lower
from srg_rules.source import SourceFile


def _tree(text: str) -> ast.Rulebook:
    source = SourceFile("<test>", text)
    tree, diagnostics = parse_tree(source)
    assert tree is not None, [d.render() for d in diagnostics]
    return lower(tree, source)


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _assert_canonical(messy: str, expected: str) -> None:
    formatted = format_text(messy)
    assert formatted == expected
    assert format_text(formatted) == formatted
    assert _tree(formatted) == _tree(messy)


# --- golden cases --------------------------------------------------------------------------


def test_spacing_keywords_and_groups_of_statements() -> None:
    messy = """\
rulebook   "SRG"version"2024.1"
field category:code{taal,mantelzorg "Mantelzorg" ,}
field hours :number   optional
field funding: code {reintegratie,
                     inburgering}
output   type : code {a,b}
define young:age<18
define old:age>=67
include taal   when category=taal
exclude    when funding!=inburgering and hours<=10
reject when hours is not missing and hours>40
classify   basis as a when category in{taal,mantelzorg,}
expect included when category=taal
expect type a when young
"""
    expected = """\
rulebook "SRG" version "2024.1"

field category: code {taal, mantelzorg "Mantelzorg"}
field hours: number optional
field funding: code {reintegratie, inburgering}

output type: code {a, b}

define young: age < 18
define old: age >= 67

include taal when category = taal
exclude when funding != inburgering and hours <= 10
reject when hours is present and hours > 40

classify basis as a when category in {taal, mantelzorg}

expect included when category = taal
expect type a when young
"""
    _assert_canonical(messy, expected)


def test_author_order_is_kept_and_blank_lines_collapse_to_one() -> None:
    messy = """\


include when a
include when b



exclude when c
field x: text
include when d

"""
    expected = """\
include when a
include when b

exclude when c

field x: text

include when d
"""
    _assert_canonical(messy, expected)


def test_comments_in_every_position() -> None:
    messy = """\
# SRG rulebook, maintained by policy staff
# (second line of the file comment)

rulebook "SRG"  # the title
field category: code {  # the categories of the regulation
    taal "Taal",    # art. 3.1
    # art. 3.2 follows
    mantelzorg,
    # overig is deliberately left out (art. 3.9)
}

# art. 4.1: language courses
include taal when category = taal   # see also 4.2
reject r when hours > 40     # art. 5 lid 1
   # art. 5 lid 2
   and not approved   # art. 5 lid 3
   and funding in {a,   # code a
       b}
# a note inside the statement, before 'because'
   because "art. 5"
exclude when  # before the condition
    x = 1
exclude when x = 1 and (y = 2  # inside the parentheses
    or z = 3)

# closing remarks
# at the end of the file
"""
    expected = """\
# SRG rulebook, maintained by policy staff
# (second line of the file comment)

rulebook "SRG"  # the title

field category: code {
    # the categories of the regulation
    taal "Taal",  # art. 3.1
    # art. 3.2 follows
    mantelzorg,
    # overig is deliberately left out (art. 3.9)
}

# art. 4.1: language courses
include taal when category = taal  # see also 4.2
# a note inside the statement, before 'because'
reject r when hours > 40  # art. 5 lid 1
    # art. 5 lid 2
    and not approved  # art. 5 lid 3
    and funding in {
        a,  # code a
        b,
    }
    because "art. 5"
# before the condition
exclude when x = 1
exclude when x = 1
    and (y = 2  # inside the parentheses
        or z = 3)

# closing remarks
# at the end of the file
"""
    _assert_canonical(messy, expected)


def test_comment_after_closing_parenthesis_trails_the_group() -> None:
    messy = "include when (a or b  # why\n) and c\ninclude when c and (a or b  # why\n)\n"
    expected = """\
include when (a or b)  # why
    and c
include when c and (a or b)  # why
"""
    _assert_canonical(messy, expected)


def test_a_file_of_only_comments_and_an_empty_file() -> None:
    assert format_text("") == ""
    assert format_text("\n\n  \n") == ""
    assert format_text("# one\n\n\n\n# two   \n") == "# one\n\n# two\n"


def test_long_condition_breaks_before_and_or_with_nesting() -> None:
    messy = (
        "exclude long_rule when (category = taal or category = mantelzorg) and funding "
        "in {reintegratie, inburgering} and not (hours is missing or hours > 40 and age < 18)"
        " or expired\n"
    )
    expected = """\
exclude long_rule when ((category = taal or category = mantelzorg)
        and funding in {reintegratie, inburgering}
        and not (hours is missing or (hours > 40 and age < 18)))
    or expired
"""
    _assert_canonical(messy, expected)


def test_nested_groups_break_one_level_deeper() -> None:
    inner = " or ".join(f"category_{i} = value_number_{i}" for i in range(5))
    messy = f"include when first_field = x and ({inner}) and last_field is present\n"
    expected = """\
include when first_field = x
    and (category_0 = value_number_0
        or category_1 = value_number_1
        or category_2 = value_number_2
        or category_3 = value_number_3
        or category_4 = value_number_4)
    and last_field is present
"""
    _assert_canonical(messy, expected)


def test_because_moves_to_its_own_line_before_the_condition_breaks() -> None:
    reason = "Artikel 3.2.1 van de regeling: taalcursussen vallen onder re-integratie"
    short = f'include taal when category = taal and funding = reintegratie because "{reason}"'
    assert len(short) > WIDTH
    expected = (
        "include taal when category = taal and funding = reintegratie\n"
        f'    because "{reason}"\n'
    )
    _assert_canonical(short, expected)
    _assert_canonical('include when a because "short"', 'include when a because "short"\n')


def test_long_lists_get_one_value_per_line() -> None:
    codes = ", ".join(f'code_{i} "Label number {i}"' for i in range(6))
    messy = f"field category: code {{{codes}}} optional\n"
    expected = "field category: code {\n" + "".join(
        f'    code_{i} "Label number {i}",\n' for i in range(6)
    ) + "} optional\n"
    _assert_canonical(messy, expected)


def test_quoted_values_and_escapes() -> None:
    messy = r'''field kind: code {"a b" "Label with \"quotes\"", plain, "back\\slash", "odd\q"}
include when kind in {"a b",plain,"taal"} and kind != "say \"hi\""
classify as "x y" when date_field >= 2024-01-31 and n = -3.50 and m < 007
'''
    # "taal" stays quoted: a quoted value is text, a bare word may name a field. A backslash
    # that escapes nothing is written doubled; it reads back as the same single backslash.
    # Numbers stay as written: as a code, 007 is not 7 (the CBS layouts have codes 01 to 08).
    expected = r'''field kind: code {"a b" "Label with \"quotes\"", plain, "back\\slash", "odd\\q"}

include when kind in {"a b", plain, "taal"} and kind != "say \"hi\""

classify as "x y" when date_field >= 2024-01-31 and n = -3.50 and m < 007
'''
    _assert_canonical(messy, expected)
    assert _tree(expected).statements[0].type.codes[3].value == ast.Text("odd\\q")


@pytest.mark.parametrize(
    ("messy", "expected"),
    [
        ("include when a and b or c", "include when (a and b) or c"),
        ("include when a or b and c", "include when a or (b and c)"),
        ("include when (a or b) and c", "include when (a or b) and c"),
        ("include when not (a) and (not b)", "include when not a and not b"),
        ("include when not (a and b)", "include when not (a and b)"),
        ("include when not (not (a or b))", "include when not not (a or b)"),
        ("include when ((a))", "include when a"),
        # A group of the same kind is a separate node of the tree: it keeps its parentheses.
        ("include when (a and b) and c", "include when (a and b) and c"),
        ("include when a or (b or c)", "include when a or (b or c)"),
        ("include when not x = 1 and y not in {p}", "include when not x = 1 and y not in {p}"),
    ],
)
def test_parentheses_only_where_the_tree_needs_them(messy: str, expected: str) -> None:
    _assert_canonical(messy, expected + "\n")


def test_soft_keywords_as_names_are_written_bare() -> None:
    text = "field type: optional optional\ninclude when and = or or is is missing\n"
    expected = "field type: optional optional\n\ninclude when and = or or is is missing\n"
    _assert_canonical(text, expected)


def test_formatting_does_not_need_the_rulebook_to_check() -> None:
    text = "include when no_such_field = 12\n"
    _assert_canonical(text, text)


def test_syntax_errors_raise_rulebook_error_with_every_diagnostic() -> None:
    with pytest.raises(RulebookError) as caught:
        format_text("include when x ==\nexclude when (y\n", source="bad.rules")
    assert len(caught.value.diagnostics) == 2
    assert all(d.path == "bad.rules" for d in caught.value.diagnostics)


def test_a_text_is_parsed_once_comments_and_all(monkeypatch) -> None:
    # The comments come from the one parse: the direct parser's (srg_rules/direct_parse.py),
    # or, for a text it leaves to Lark, the one parse of the one cached parser.
    calls = []
    parse = Lark.parse

    def counted(self, *args, **kwargs):
        calls.append(args)
        return parse(self, *args, **kwargs)

    monkeypatch.setattr(Lark, "parse", counted)
    assert format_text("include when x = 1  # why\n") == "include when x = 1  # why\n"
    assert len(calls) == 0
    assert format_text("activities share x  # why\n") == "activities share x  # why\n"
    assert len(calls) == 1


def test_crlf_input() -> None:
    text = "include when x = 1\r\n# note\r\n\r\ninclude when y  # why\r\n"
    _assert_canonical(text, "include when x = 1\n# note\n\ninclude when y  # why\n")


def test_format_rulebook_of_a_hand_built_tree() -> None:
    book = ast.Rulebook((
        ast.FieldDeclaration(ast.Name("n"), ast.TypeSpec(ast.Name("number"))),
        ast.Rule("include", ast.Name("big"),
                 ast.Comparison("gt", ast.Name("n"), ast.Number(1e22)), because='a "b"'),
    ))
    text = format_rulebook(book)
    assert text == (
        'field n: number\n\ninclude big when n > 10000000000000000000000.0 because "a \\"b\\""\n'
    )
    assert _tree(text) == book


@pytest.mark.parametrize(
    "statement",
    [
        ast.Rule("include", None, ast.Reference(ast.Name("not"))),
        ast.Rule("include", ast.Name("when"), ast.Reference(ast.Name("a"))),
        ast.Classification(ast.Name("as"), ast.Word("a"), ast.Reference(ast.Name("a"))),
        ast.Rule("include", None, ast.Reference(ast.Name("two words"))),
        ast.Rule("include", None, ast.AllOf((ast.Reference(ast.Name("a")),))),
        ast.Rule("include", None, ast.AnyOf(())),
        ast.Rule("include", None, ast.Comparison("eq", ast.Name("a"), ast.Text("x\ny"))),
        ast.Rule("include", None, ast.Comparison("eq", ast.Name("a"), ast.Number(float("nan")))),
        ast.Rule("include", None, ast.Comparison("eq", ast.Name("a"), ast.Word("1x"))),
        ast.Rule("include", None, ast.Comparison("in_set", ast.Name("a"), ast.Word("x"))),
        ast.Rule("include", None, ast.Comparison("in_set", ast.Name("a"), ast.ValueSet(()))),
        ast.Rule("maybe", None, ast.Reference(ast.Name("a"))),
    ],
)
def test_trees_without_a_text_form_are_refused(statement: ast.Statement) -> None:
    with pytest.raises(ValueError):
        format_rulebook(ast.Rulebook((statement,)))


# --- strategies ----------------------------------------------------------------------------
# Names include soft keywords (a field may be called `type`, `or` or `is`); only the words
# that the lexer always reads as keywords in a given place are left out there.

_SOFT_WORDS = ["type", "output", "include", "code", "and", "or", "is", "in", "because", "when",
               "as", "missing", "present", "true", "optional", "version", "included", "valid",
               "from", "until", "rules", "force", "on", "use", "trajectory", "yields", "with",
               "activities", "share", "combine", "by", "digits"]
_names = st.sampled_from(["age", "category", "hours", "funding", "x_1", "_y"] + _SOFT_WORDS)
_condition_names = _names.filter(lambda n: n != "not").map(ast.Name)
_words = st.sampled_from(["taal", "mantelzorg", "a", "B_2", "not", "when", "true"] + _SOFT_WORDS)
_texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=12
)

_values = st.one_of(
    _words.map(ast.Word),
    _texts.map(ast.Text),
    st.integers(-(10**20), 10**20).map(ast.Number),
    st.floats(allow_nan=False, allow_infinity=False).map(ast.Number),
    st.dates().map(lambda d: ast.Date(d.isoformat())),
    st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True).map(ast.Date),
)

_comparisons = st.one_of(
    st.builds(ast.Comparison, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
              _condition_names, _values),
    st.builds(ast.Comparison, st.sampled_from(["in_set", "not_in_set"]), _condition_names,
              st.lists(_values, min_size=1, max_size=5).map(lambda v: ast.ValueSet(tuple(v)))),
)

_atoms = st.one_of(
    _comparisons,
    st.builds(ast.Presence, _condition_names, st.booleans()),
    st.builds(ast.Reference, _condition_names),
)


def _junctions(children: st.SearchStrategy) -> st.SearchStrategy:
    items = st.lists(children, min_size=2, max_size=4).map(tuple)
    return st.one_of(children.map(ast.Not), items.map(ast.AllOf), items.map(ast.AnyOf))


_conditions = st.recursive(_atoms, _junctions, max_leaves=12)
_because = st.none() | _texts
_dates = st.dates().map(lambda d: ast.Date(d.isoformat()))
_validities = st.none() | st.one_of(
    st.builds(ast.Validity, _dates, st.none() | _dates),
    st.builds(ast.Validity, st.none(), _dates),
)
_code_entries = st.builds(ast.CodeEntry, _values, st.none() | _texts, _validities)
_type_specs = st.one_of(
    st.builds(ast.TypeSpec, _names.map(ast.Name)),
    st.builds(ast.TypeSpec, st.just(ast.Name("code")),
              st.lists(_code_entries, min_size=1, max_size=6).map(tuple)),
    st.builds(ast.TypeSpec, _names.map(ast.Name), st.none(),
              st.integers(0, 99).map(lambda n: ast.Number(n))),
)
_outcomes = st.one_of(
    st.builds(ast.Outcome, st.sampled_from(["included", "excluded", "rejected"])),
    st.builds(ast.Outcome, st.just("type"), _values),
    st.builds(ast.Outcome, st.just("warning"), rule=_names.map(ast.Name)),
)
_assigned = st.one_of(
    _values,
    st.builds(ast.DateShift, st.one_of(_condition_names.map(lambda n: ast.Word(n.text)), _dates),
              st.integers(0, 99).map(ast.Number), st.booleans(),
              st.sampled_from(["day", "days", "weeks", "month", "years"])),
    st.lists(st.one_of(_condition_names.map(lambda n: ast.Word(n.text)), _texts.map(ast.Text)),
             min_size=2, max_size=4).map(lambda parts: ast.TextJoin(tuple(parts))),
)
_components = st.builds(
    ast.Component, _names.map(ast.Name),
    st.lists(st.builds(ast.Assignment, _names.map(ast.Name), _assigned), min_size=1, max_size=3)
    .map(tuple),
)
_STATEMENT_WORDS = {"rulebook", "use", "field", "output", "rules", "define", "reject", "include",
                    "exclude", "classify", "trajectory", "activities", "expect",
                    "type"}  # `type` starts a Dutch classification
_combinations = st.builds(
    ast.Combination, _names.map(ast.Name), _names.map(ast.Name),
    st.none() | _names.filter(lambda n: n not in _STATEMENT_WORDS).map(ast.Name),
)

_statements = st.one_of(
    st.builds(ast.Header, _texts, st.none() | _texts, _validities),
    st.builds(ast.Use, _texts),
    st.builds(ast.FieldDeclaration, _names.map(ast.Name), _type_specs, st.booleans()),
    st.builds(ast.OutputDeclaration, _names.map(ast.Name), _type_specs),
    st.builds(ast.DecisionDate, _names.map(ast.Name)),
    st.builds(ast.Definition, _names.map(ast.Name), _conditions),
    st.builds(ast.Rule, st.sampled_from(["reject", "include", "exclude", "warn"]),
              st.none() | _names.filter(lambda n: n != "when").map(ast.Name),
              _conditions, _because, _validities),
    # `is` is the Dutch `as`: it ends a classification's name.
    st.builds(ast.Classification,
              st.none() | _names.filter(lambda n: n not in ("as", "is")).map(ast.Name),
              _values, _conditions, _because, _validities),
    st.builds(ast.Trajectory, _names.map(ast.Name), _conditions,
              st.lists(_components, min_size=1, max_size=3).map(tuple)),
    st.builds(ast.Activities, st.lists(_names.map(ast.Name), min_size=1, max_size=3).map(tuple),
              st.lists(_combinations, max_size=3).map(tuple)),
    st.builds(ast.Expectation, st.lists(_outcomes, min_size=1, max_size=3).map(tuple),
              _conditions),
)

_rulebooks = st.lists(_statements, max_size=6).map(lambda s: ast.Rulebook(tuple(s)))


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rulebooks)
def test_formatted_tree_parses_back_to_itself_and_is_a_fixpoint(book: ast.Rulebook) -> None:
    text = format_rulebook(book)
    assert _tree(text) == book
    assert format_text(text) == text
    assert "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.split("\n"))


# Tokens of canonical text, to be pulled apart with random whitespace and comments.
_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|\d{4}-\d{2}-\d{2}|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[!<>]=|\S'
)


@st.composite
def _messy_with_comments(draw) -> tuple[ast.Rulebook, str, list[str]]:
    book = draw(_rulebooks.filter(lambda b: b.statements))
    tokens = _TOKEN.findall(format_rulebook(book))
    comments: list[str] = []
    parts = []
    for token in tokens:
        parts.append(token)
        kind = draw(st.sampled_from(["space", "space", "newline", "blank", "end", "own"]))
        if kind in ("end", "own"):
            comment = f"# <{len(comments)}> {draw(_texts)}".rstrip()
            comments.append(comment)
            parts.append(f"  {comment}\n" if kind == "end" else f"\n  {comment}\n")
        else:
            parts.append({"space": " ", "newline": "\n    ", "blank": "\n\n\n"}[kind])
    return book, "".join(parts), comments


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messy_with_comments())
def test_comments_anywhere_survive_and_formatting_is_a_fixpoint(case) -> None:
    book, messy, comments = case
    assert _tree(messy) == book
    formatted = format_text(messy)
    assert _tree(formatted) == book
    assert format_text(formatted) == formatted
    for number in range(len(comments)):
        # Two comments that end up on one line read back as one: the marker stays findable.
        assert formatted.count(f"# <{number}>") == 1
    assert "\n\n\n" not in formatted
