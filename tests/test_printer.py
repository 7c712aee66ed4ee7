"""The one printer: what :func:`srg_rules.printer.condition` writes parses back to the same
condition.

The property generates a schema (tests/strategies.py's: every field type, optional or not,
hostile names and code values) and IR conditions over it, as the analysis and the diff build
them rather than as a parser would: constants of each field's type (floats such as ``1e-05``
and ``1e300``, negative numbers, large ints, texts with quotes, backslashes and spaces, codes
that are not plain words), sets, comparisons of two fields, presence, and ``not``/``and``/``or``
nesting. Each is printed anew (``from_source=False``), put in a rulebook that declares those
fields, parsed, and the rule's condition must equal the generated one (IR equality ignores
spans).

No normalisation is needed: the language writes ``Not(IsPresent(f))`` as ``f is missing``
and a bare boolean field ``f`` as ``Compare(eq, f, True)``, and the printer writes those trees
that way, so they parse back to themselves. Only trees the language cannot write at all are
not generated (see :func:`_field_to_field`).
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import ast, ir, printer

try:
    from tests import strategies
except ImportError:  # run from inside tests/
    import strategies


# --- constants of each type ------------------------------------------------------------------

_FLOATS = st.one_of(
    st.sampled_from((1e-05, 1e300, -1e300, 5e-324, 1e16, 1e22, 0.1, -2.5, 123456789.125, -0.0,
                     1.7976931348623157e308, 2.0**-1074 * 3)),
    st.floats(allow_nan=False, allow_infinity=False),
)
_NUMBERS = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-(10**40), 10**40),
    st.sampled_from((9007199254740993, -(2**63), 2**64)),
    _FLOATS,
)
# What a record's text can equal: no surrounding blanks (the checker refuses other texts).
_TEXTS = st.one_of(
    st.sampled_from(strategies.HOSTILE_TEXTS),
    st.sampled_from(('say "hi"', "back\\slash", "ends with \\", '\\"', "a  b", "x\\\\y",
                     "#not a comment", "tab\there", "café ü € 𝔘 日本", "1e-05", "2024-01-31")),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=8),
).filter(lambda text: bool(text) and text == text.strip() and "\n" not in text)


def _constants(field: strategies.FieldSpec) -> st.SearchStrategy:
    """One constant of ``field``'s type, as the IR holds it."""
    if field.type == "code":
        return st.sampled_from([code.value for code in field.codes])
    if field.base == "number":
        return st.one_of(_NUMBERS, st.sampled_from(field.values).map(_number_value))
    if field.base == "date":
        return st.dates()
    if field.base == "boolean":
        return st.booleans()
    return st.one_of(_TEXTS, st.sampled_from(field.values)).filter(
        lambda text: bool(text) and text == text.strip())


def _number_value(text: str) -> int | float:
    return float(text) if "." in text else int(text)


# --- conditions ------------------------------------------------------------------------------

_ORDERED = ("number", "date")
_SETS = ("code", "text", "number")


@st.composite
def _compare_constant(draw, field: strategies.FieldSpec) -> ir.Condition:
    ops = ["eq", "ne"] + (["lt", "le", "gt", "ge"] if field.base in _ORDERED else [])
    if field.base in _SETS:
        ops += ["in_set", "not_in_set"]
    op = draw(st.sampled_from(ops))
    if op in ("in_set", "not_in_set"):
        values = draw(st.frozensets(_constants(field), min_size=1, max_size=4))
        return ir.compare(op, field.name, values)
    return ir.compare(op, field.name, draw(_constants(field)))


def _field_to_field(schema: strategies.SchemaSpec, field: strategies.FieldSpec) -> list:
    """The fields ``field`` can be compared with in writing. Left out, because the language
    has no way to write them: a field named like one of ``field``'s codes (the word reads as
    the code) and, beside a boolean, a field named true or false (the word reads as the
    boolean)."""
    codes = {code.value for code in field.codes}
    return [other for other in schema.fields
            if other.base == field.base and other.name not in codes
            and not (field.base == "boolean" and other.name.lower() in ("true", "false"))]


@st.composite
def _leaf(draw, schema: strategies.SchemaSpec) -> ir.Condition:
    field = draw(st.sampled_from(schema.fields))
    shape = draw(st.sampled_from(("constant", "constant", "constant", "field", "presence",
                                  "pattern")))
    if shape == "pattern" and field.base in ("code", "text"):
        values = [c.value for c in field.codes] if field.codes else list(field.values)
        pattern = draw(st.sampled_from(strategies.patterns_for(values)))
        return ir.Matches(ir.FieldValue(field.name), pattern)
    if shape == "presence":
        present = ir.IsPresent(field.name)
        return present if draw(st.booleans()) else ir.Not(present)
    others = _field_to_field(schema, field)
    if shape == "field" and others:
        other = draw(st.sampled_from(others))
        ops = ["eq", "ne"] + (["lt", "le", "gt", "ge"] if field.base in _ORDERED else [])
        return ir.compare_fields(draw(st.sampled_from(ops)), field.name, other.name)
    return draw(_compare_constant(field))


def _nested(children: st.SearchStrategy) -> st.SearchStrategy:
    items = st.lists(children, min_size=2, max_size=4).map(tuple)
    return st.one_of(children.map(ir.Not), items.map(ir.AllOf), items.map(ir.AnyOf))


@st.composite
def _cases(draw) -> tuple[str, ir.Condition]:
    schema = draw(strategies.schemas())
    condition = draw(st.recursive(_leaf(schema), _nested, max_leaves=8))
    return _declarations(schema), condition


def _declarations(schema: strategies.SchemaSpec) -> str:
    return "".join(
        field.declaration(tuple(code.forms[0] for code in field.codes)) + "\n"
        for field in schema.fields
    )


def _round_trip(declarations: str, condition: ir.Condition) -> None:
    """Printed with the schema (codes bare where they can be), without it (every code quoted)
    and with the members of sets in another order (as ``diff`` orders them), the condition
    parses back to itself."""
    schema = srg_rules.parse(declarations).program.schema
    texts = {
        printer.condition(condition, schema, from_source=False),
        printer.condition(condition, None, from_source=False),
        printer.condition(condition, schema, from_source=False, set_order=_reversed),
    }
    for text in texts:
        book = srg_rules.parse(declarations + "include when " + text)
        [rule] = book.program.rules
        assert rule.condition == condition, text


def _reversed(field: str, values: frozenset) -> list:
    return sorted(values, key=repr, reverse=True)


# --- the property and the bugs it found --------------------------------------------------------

_CODES = "field c: code {taal, \"a b\", \"007\", \"01\", \"-3\", \"1.5\", \"x\\\\y\", \"q\\\"\"}\n"
_NUMBER = "field n: number optional\n"
_ALL = (_CODES + _NUMBER + "field t: text\nfield d: date\nfield b: boolean\nfield m: number\n"
        "field s: bsn optional\nfield g: digits(4)\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases())
@example((_NUMBER, ir.compare("lt", "n", 1e-05)))
@example((_NUMBER, ir.compare("ge", "n", 1e300)))
@example((_NUMBER, ir.compare("eq", "n", -(10**30))))
@example((_NUMBER, ir.compare("in_set", "n", frozenset({1e16, -0.5, 3}))))
@example((_CODES, ir.compare("in_set", "c", frozenset({"taal", "a b", "007", "01", "-3", "1.5",
                                                         "x\\y", 'q"'}))))
@example((_ALL, ir.AllOf((ir.compare("eq", "b", True), ir.Not(ir.IsPresent("n")),
                         ir.Not(ir.Not(ir.IsPresent("s")))))))
@example((_ALL, ir.AnyOf((ir.AllOf((ir.compare("eq", "t", ' "a\\b" '.strip()),
                                    ir.compare_fields("le", "n", "m"))),
                          ir.Not(ir.AnyOf((ir.compare("eq", "b", False),
                                           ir.compare("ne", "d", dt.date(1, 1, 1))))),
                          ir.AllOf((ir.AllOf((ir.compare("not_in_set", "g", frozenset({"0001"})),
                                              ir.IsPresent("c"))),
                                    ir.compare("ne", "b", True)))))))
def test_a_printed_condition_parses_back_to_itself(case: tuple[str, ir.Condition]) -> None:
    declarations, condition = case
    _round_trip(declarations, condition)


@pytest.mark.parametrize("value, written", [
    (1e-05, "0.00001"), (1e300, "1" + "0" * 300 + ".0"), (-2.5, "-2.5"), (10**20, str(10**20)),
    (1e16, "10000000000000000.0"), (-0.0, "-0.0"),
])
def test_numbers_are_written_in_full(value: float, written: str) -> None:
    assert printer.number(value) == written
    assert _number_value(written) == value and math.copysign(1, _number_value(written)) == \
        math.copysign(1, value)


@pytest.mark.parametrize("leaf", [
    ast.Reference(ast.Name("not")),
    ast.Presence(ast.Name("two words"), True),
    ast.Comparison("eq", ast.Name("a"), ast.Text("x\ny")),
    ast.Comparison("eq", ast.Name("a"), ast.Number(float("inf"))),
    ast.Comparison("eq", ast.Name("a"), ast.Word("1x")),
    ast.Comparison("eq", ast.Name("a"), ast.Date("31-01-2024")),
    ast.Comparison("in_set", ast.Name("a"), ast.Word("x")),
    ast.Comparison("eq", ast.Name("a"), ast.ValueSet((ast.Word("x"),))),
    ast.Comparison("in_set", ast.Name("a"), ast.ValueSet(())),
    ast.Comparison("like", ast.Name("a"), ast.Word("x")),
])
def test_a_leaf_without_a_text_form_is_refused(leaf) -> None:
    with pytest.raises(ValueError):
        printer.leaf(leaf)


def test_leaves_print_as_the_formatter_writes_them() -> None:
    text = ('field c: code {a, "b c", 01}\nfield n: number\nfield d: date\nfield f: boolean\n'
            'include when c in {a, "b c", 01} and n >= 1.50 and d is missing and f '
            'and c != "a" and d < 2024-01-31\n')
    book = srg_rules.parse(text)
    [rule] = book.syntax.of_kind(ast.Rule)
    leaves = [printer.leaf(item) for item in rule.condition.items]
    assert " and ".join(leaves) == text.splitlines()[-1].removeprefix("include when ")
