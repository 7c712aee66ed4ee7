"""Pattern matches (docs/language.md, "Pattern matches"): ``FIELD matches "REGEX"`` through
every stage: the subset's validator and its positions, every backend on inputs where engines
usually differ (non-ASCII, line breaks, Unicode digits and spaces), the analysis (exact on code
fields), the formatter and the strategies."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import format as fmt
from srg_rules import ir, patterns, printer
from srg_rules.analysis import analyse, check_expectations
from srg_rules.backends import BACKENDS, sql
from srg_rules.backends.interpreter import Interpreter
from srg_rules.strategies import records

try:  # tests/ as a package, or as a directory on sys.path (pytest's default)
    from tests import strategies as test_strategies
    from tests.test_sql import _POSTGRES, _assert_postgres_agrees
except ImportError:  # pragma: no cover
    import strategies as test_strategies
    from test_sql import _POSTGRES, _assert_postgres_agrees

# --- the validator -------------------------------------------------------------------------


@pytest.mark.parametrize("text, body", [
    (r"\d{4} ?[A-Z]{2}", "[0-9]{4} ?[A-Z]{2}"),
    (r"\w+", "[0-9A-Z_a-z]+"),
    (r"\s", "[\t\n\x0b\x0c\r ]"),
    (r"[a-z0-9_]*", "[a-z0-9_]*"),
    (r"[^\]\\-]", r"[^\]\\\-]"),
    (r"[-a&~|:]", r"[\-a\&\~\|\:]"),
    (r"(ab|c)+d?", "(?:ab|c)+d?"),
    (r"(a)(b)", "ab"),
    (r"a|b|cd", "a|b|cd"),
    (r"x{0,3}y{2}", "x{0,3}y{2}"),
    (r"\.\*\(\)\{\}\[\]\^\$\|\?\+\\", r"\.\*\(\)\{\}\[\]\^\$\|\?\+\\"),
    ("é.ü€", "é.ü€"),
    (r"[\d\s]", "[0-9\t\n\x0b\x0c\r ]"),
])
def test_accepted_patterns_are_written_out_canonically(text: str, body: str) -> None:
    assert patterns.parse(text).body == body


@pytest.mark.parametrize("text, start, end, words", [
    ("", 0, 1, "empty pattern"),
    ("^abc", 0, 1, "'^' anchors"),
    ("abc$", 3, 4, "'$' anchors"),
    (r"ab\b", 2, 4, "boundary"),
    (r"\Aab", 0, 2, "boundary"),
    (r"(a)\1", 3, 5, "backreferences"),
    ("(?=a)b", 0, 2, "'(?' groups"),
    ("(?:a)", 0, 2, "'(?' groups"),
    ("(?i)a", 0, 2, "'(?' groups"),
    ("a(b", 1, 2, "never closed"),
    ("ab)", 2, 3, "closes no group"),
    ("a]", 1, 2, "closes nothing"),
    ("a}", 1, 2, "closes nothing"),
    ("[abc", 0, 1, "never closed"),
    ("[]", 0, 2, "empty class"),
    ("[^]", 0, 3, "empty class"),
    ("[z-a]", 1, 4, "wrong way round"),
    (r"[a-\d]", 1, 5, "range of a class shorthand"),
    ("[[:alpha:]]", 1, 2, "'[' inside a class"),
    ("a{3,1}", 1, 6, "wrong way round"),
    ("a{,3}", 1, 5, "starts no repetition"),
    ("a{2,}", 1, 5, "starts no repetition"),
    ("a{256}", 1, 6, "above 255"),
    ("a{x}", 1, 2, "starts no repetition"),
    ("{2}", 0, 1, "repeats nothing"),
    ("*a", 0, 1, "repeats nothing"),
    ("a|*", 2, 3, "repeats nothing"),
    ("a*?", 2, 3, "repetition of a repetition"),
    ("a++", 2, 3, "repetition of a repetition"),
    ("a||b", 0, 4, "empty alternative"),
    ("()", 1, 2, "empty alternative"),
    (r"\D", 0, 2, "'\\D' is not in the subset"),
    (r"\n", 0, 2, "escape '\\n'"),
    (r"\q", 0, 2, "escape '\\q'"),
    ("a\\", 1, 2, "lone backslash"),
    ("(x{100}){11}", 0, 12, "too large"),
])
def test_patterns_outside_the_subset_say_where(text: str, start: int, end: int,
                                               words: str) -> None:
    with pytest.raises(patterns.PatternError) as caught:
        patterns.parse(text)
    assert (caught.value.start, caught.value.end) == (start, end)
    assert words in caught.value.message
    assert caught.value.help


def test_positions_inside_the_quotes_count_the_escapes() -> None:
    text = 'field t: text\ninclude when t matches "\\"q\\"\\\\\\\\(^)"\n'
    # The pattern is "q"\\(^) ; its ^ is the 7th character, the 11th inside the quotes.
    with pytest.raises(srg_rules.RulebookError) as caught:
        srg_rules.parse(text)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "invalid_pattern"
    assert diagnostic.span.text == "^"
    assert diagnostic.span.column == len('include when t matches "\\"q\\"\\\\\\\\(') + 1


@pytest.mark.parametrize("text, code", [
    ('field d: date\ninclude when d matches "\\d+"', "type_mismatch"),
    ('field h: number\ninclude when h matches "1"', "type_mismatch"),
    ('field b: boolean\ninclude when b matches "t.*"', "type_mismatch"),
    ('field t: text\ninclude when x matches "1"', "unknown_field"),
    ('field t: text\ninclude when t matches "^1"', "invalid_pattern"),
])
def test_mistakes_are_diagnostics(text: str, code: str) -> None:
    with pytest.raises(srg_rules.RulebookError) as caught:
        srg_rules.parse(text)
    assert [d.code for d in caught.value.diagnostics] == [code]


# --- every backend, on what engines usually read differently ---------------------------------

BOOK = """
field t: text optional
field c: code {taal, ips, "a.b", "x\\\\y", 0363} optional
field m: digits(4) optional
field p: bsn optional
include digit when t matches "\\d+"
include word when t matches "\\w+"
include space when t matches "a\\sb"
include dot when t matches "a.b"
include any when t matches "x.*y"
include class when t matches "[^a-z]+"
include quote when t matches "\\"[a-z]\\""
include slash when t matches "\\\\\\\\"
include code when c matches "t.*|a\\.b" or c matches "x\\\\\\\\y"
include numeric when c matches "0\\d{3}"
include municipality when m matches "03.*"
include person when not (p matches "1.*")
"""

# (value of t, the rules of BOOK on t that match it)
TRICKY = [
    ("123", {"digit", "word", "class"}),
    ("\u0663\u0664", {"class"}),  # Arabic-Indic digits: not \d, not \w (ASCII classes)
    ("\uff11", {"class"}),  # a fullwidth digit
    ("été", set()),  # é is not \w
    ("abc_9", {"word"}),
    ("a b", {"space", "dot"}),
    ("a\tb", {"space", "dot"}),
    ("a\nb", {"space", "dot"}),  # . matches a line break in every engine
    ("a\rb", {"space", "dot"}),
    ("a\u00a0b", {"dot"}),  # a no-break space is not \s
    ("a\u2028b", {"dot"}),
    ("aéb", {"dot"}),
    ("a😀b", {"dot"}),  # one character outside the BMP
    ("x\ny", {"any"}),
    ("x\u2029\u0085yy", {"any"}),
    ("xy", {"any", "word"}),
    ('"q"', {"quote"}),
    ("\\", {"slash", "class"}),
    ("ÄÖ", {"class"}),
    ("ab", {"word"}),
    ("A", {"word", "class"}),
]


def _record(t: str | None = None, **others: str) -> dict:
    return {"t": t, "c": None, "m": None, "p": None, **others}


def _rows() -> list[tuple[dict, set[str]]]:
    rows = [(_record(t), reasons) for t, reasons in TRICKY]
    rows += [
        (_record(c="taal"), {"code"}),
        (_record(c="a.b"), {"code"}),
        (_record(c="x\\y"), {"code"}),
        (_record(c="ips"), set()),
        (_record(c="0363"), {"numeric"}),
        (_record(m="0363"), {"municipality"}),
        (_record(m="1363"), set()),
        (_record(p="111222333"), set()),
        (_record(p="999990019"), {"person"}),
    ]
    return rows


def _expected(row: dict, reasons: set[str]) -> set[str]:
    # `not (p matches ...)` holds whenever p does not match, a missing p included.
    if row["p"] is None or not row["p"].startswith("1"):
        reasons = reasons | {"person"}
    return reasons


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_backend_decides_tricky_texts_alike(backend: str) -> None:
    book = srg_rules.parse(BOOK, backend=backend)
    for row, reasons in _rows():
        decision = book.decide(row)
        want = _expected(row, reasons)
        got = set(decision.reasons) if decision.status.value == "included" else set()
        assert got == want, (row, decision)


def test_every_dialect_writes_an_anchored_search() -> None:
    book = srg_rules.parse(BOOK)
    words = {"duckdb": "REGEXP_MATCHES(", "postgres": " ~ '(?s)^(?:", "spark": " RLIKE '(?s)^(?:"}
    for dialect in sql.DIALECTS:
        query = sql.to_sql(book.program, dialect=dialect)
        assert words[dialect] in query and "[0-9]+" in query, dialect


@_POSTGRES
def test_postgres_decides_tricky_texts_alike() -> None:
    book = srg_rules.parse(BOOK)
    rows = [{k: v for k, v in row.items()} for row, _ in _rows()]
    _assert_postgres_agrees(book, rows)


# --- the analysis ----------------------------------------------------------------------------


def test_the_analysis_is_exact_on_code_fields() -> None:
    book = srg_rules.parse("""
field c: code {taal, toets, ips, 0363}
field t: text optional
include talig when c matches "t.*"
include cijfers when c matches "\\d{4}"
reject nooit when c matches "x.*"
exclude ook_nooit when c matches "t.*" and c matches "i.*"
exclude tekst when t matches "\\d+"
""")
    findings = analyse(book.program, strict=True)
    by_code: dict[str, set] = {}
    for finding in findings:
        by_code.setdefault(finding.code, set()).update(finding.rules)
    assert by_code["unsatisfiable_rule"] == {"nooit", "ook_nooit"}
    # Only the free text is over-approximated, and said to be.
    assert by_code["approximated_condition"] == {"tekst"}
    interpreter = Interpreter(book.program)
    for finding in findings:
        if finding.witness is not None:
            assert interpreter.decide_values(finding.witness) == finding.decision


def test_a_gap_witness_on_a_code_field_is_real() -> None:
    book = srg_rules.parse("""
field c: code {taal, toets, ips}
include when c matches "t.*"
expect included when c != taal
""")
    [finding] = check_expectations(book.program, strict=True)
    assert finding.code == "expectation_violated" and finding.witness["c"] == "ips"
    assert Interpreter(book.program).decide_values(finding.witness).status.value == "excluded"


# --- words, formatter and strategies ---------------------------------------------------------


def test_the_formatter_round_trips_patterns_with_their_escapes() -> None:
    text = ('field t: text\ninclude when t matches "\\\\d{4}" or t matches "\\"\\\\\\\\\\""'
            ' or not (t matches "a\\\\.b")\n')
    once = fmt.format_text(text)
    assert 't matches "\\d{4}"' in once and 'not t matches "a\\.b"' in once
    assert fmt.format_text(once) == once
    [before], [after] = srg_rules.parse(text).program.rules, srg_rules.parse(once).program.rules
    assert after.condition == before.condition


def test_a_match_is_an_ir_condition_and_prints_as_written() -> None:
    book = srg_rules.parse('field t: text\ninclude when t matches "\\d+"')
    condition = book.program.rules[0].condition
    assert condition == ir.Matches(ir.FieldValue("t"), r"\d+")
    assert printer.condition(condition, from_source=False) == 't matches "\\d+"'


def test_explain_shows_the_value_and_the_pattern() -> None:
    book = srg_rules.parse('field t: text\ninclude postcode when t matches "\\d{4}[A-Z]{2}"')
    text = book.explain({"t": "1234AB"}).render()
    assert '"\\d{4}[A-Z]{2}"' in text and "1234AB" in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_values_drawn_from_a_pattern_match_on_every_backend(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(test_strategies.SAFE_PATTERNS))
    compiled = patterns.parse(pattern)
    value = data.draw(st.one_of(st.from_regex(compiled.python, fullmatch=True),
                                st.sampled_from(compiled.near()), st.text(max_size=6)))
    value = value.strip()
    text = f"field t: text optional\ninclude hit when t matches {printer.pattern(pattern)}\n"
    want = bool(value) and compiled.matches(value)
    for backend in sorted(BACKENDS):
        decision = srg_rules.parse(text, backend=backend).decide({"t": value})
        assert (decision.reasons == ("hit",)) == want, (backend, pattern, value)


def test_where_draws_records_meeting_a_pattern_and_its_negation() -> None:
    book = srg_rules.parse(BOOK)
    interpreter = Interpreter(book.program)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
    @given(records(book, where='t matches "a.b"'), records(book, where='not (c matches "t.*")'))
    def check(matching: dict, not_matching: dict) -> None:
        assert "dot" in interpreter.decide(matching).reasons
        assert "code" not in interpreter.decide(not_matching).reasons or \
            not_matching["c"] in ("a.b", "x\\y")

    check()
