"""Every backend decides exactly as the reference interpreter does.

- Differential: Hypothesis writes rulebooks (every construct, hostile names and values) and
  records (valid, missing, wrong type, unknown codes, boundaries); every backend's Decision
  (status, type, reasons in order) equals the interpreter's, for each record decided twice
  (the compiled backend remembers values it has read) and through ``decide_many``. The
  default budget (``DEFAULT_BUDGET``) is 2500 generated rulebooks for the compiled backend and
  900 for the SQL backend; a ``slow``-marked run does 5000 per backend.
- Regression corpus: each ``tests/corpus/backends/*.json`` (a rulebook and records) is
  replayed on every backend. A failing differential test prints the JSON to save there.
- Injection: hostile names, codes, texts, rule ids and record keys and values are decided as
  the interpreter decides them, execute nothing, and never appear in the generated source,
  which holds no string constant but the field names and no name it did not make itself.
- Operators: every (operator x type x backend) agrees with the interpreter, on a constant and
  between fields; an operator added to the table works in the compiled backend unchanged.

The backends are the registered ones except the interpreter, plus the compiled Python
backend imported directly (whether or not it is registered yet).
"""

from __future__ import annotations

import ast as pyast
import datetime as dt
import json
import math
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import ir
from srg_rules.backends import BACKENDS
from srg_rules.backends import python as python_backend
from srg_rules.backends.interpreter import Interpreter
from srg_rules.operators import OPERATORS, OperatorSpec
from srg_rules.schema import VALUE_TYPES, Field, OutputSpec, Schema

try:  # tests/ as a package, or as a directory on sys.path (pytest's default)
    from tests import strategies
except ImportError:  # pragma: no cover
    import strategies

CORPUS = Path(__file__).parent / "corpus" / "backends"
ROOT = Path(__file__).parent.parent

_COMPILERS = {name: compile_ for name, compile_ in BACKENDS.items() if name != "interpreter"}
_COMPILERS.setdefault("python", python_backend.compile_program)
backends = pytest.mark.parametrize("compile_program", list(_COMPILERS.values()), ids=list(_COMPILERS))


# --- the agreement check -------------------------------------------------------------------


def _encode(value):
    """A record value as JSON, with tags for what JSON cannot hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode_tags(obj: dict):
    if obj.keys() == {"$float"}:
        return float(obj["$float"])
    if obj.keys() == {"$datetime"}:
        return dt.datetime.fromisoformat(obj["$datetime"])
    if obj.keys() == {"$date"}:
        return dt.date.fromisoformat(obj["$date"])
    return obj


def corpus_entry(text: str, records: list, note: str = "") -> str:
    """The JSON of a corpus case, to save under tests/corpus/backends/ (a record a line)."""
    def dump(value):
        return json.dumps(value, ensure_ascii=False)

    lines = ",\n".join(f"    {dump(_encode(record))}" for record in records)
    return (f'{{\n  "note": {dump(note)},\n  "rulebook": {dump(text)},\n'
            f'  "records": [\n{lines}\n  ]\n}}')


def _outcome(decision):
    # The status's class too: a plain string would compare equal to a Status.
    return decision.status, type(decision.status), decision.type, decision.reasons, decision.warnings


def assert_agree(text: str, records: list, compile_program, source: str = "<string>") -> None:
    """Every record, decided twice and in a batch, gets the interpreter's decision."""
    book = srg_rules.parse(text, source)
    assert_same(text, records, Interpreter(book.program), compile_program(book.program))


def assert_same(text: str, records: list, oracle, compiled) -> None:
    """Every record, decided twice and in a batch by ``compiled``, gets ``oracle``'s decision."""
    want = [_outcome(oracle.decide(record)) for record in records]
    for _ in range(2):
        for index, (record, expected) in enumerate(zip(records, want)):
            got = _outcome(compiled.decide(record))
            if got != expected:
                # What a backend remembers from earlier records may matter: keep them.
                pytest.fail(
                    f"backend disagrees with the interpreter\n  record: {record!r}\n"
                    f"  interpreter: {expected}\n  backend:     {got}\n"
                    f"save as tests/corpus/backends/<name>.json:\n"
                    f"{corpus_entry(text, records[: index + 1], 'found by test_backends')}"
                )
    assert [_outcome(d) for d in compiled.decide_many(iter(records))] == want


# --- differential, generated ---------------------------------------------------------------


@st.composite
def cases(draw, max_records: int = 12):
    schema = draw(strategies.schemas())
    text = draw(strategies.programs(schema))
    records = draw(st.lists(strategies.raw_records(schema), min_size=1, max_size=max_records))
    return text, records


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# The default (CI) budget of the differential test, in generated rulebooks (each with 1 to 12
# records), per backend (docs/benchmarks.md, "Test budget"). The SQL backend costs about 5 times
# as much per case (a sqlglot build and a DuckDB query per rulebook), so it gets fewer. Cut from
# 2500 + 900 when the suite grew by the report, the studio, Spark, PostgreSQL and the fault
# tests: the whole suite must stay well under 20 minutes on 2 cores. ``-m slow``: 5000 each.
DEFAULT_BUDGET = {"python": 700, "sql": 250}


@backends
def test_generated_rulebooks_agree(compile_program):
    name = next(n for n, c in _COMPILERS.items() if c is compile_program)

    @settings(max_examples=DEFAULT_BUDGET.get(name, 600), **_SETTINGS)
    @given(case=cases())
    def run(case):
        text, records = case
        assert_agree(text, records, compile_program)

    run()


# A branch of a chain: an if or elif on one field's equality alone, whose body is a rule's
# test (a code field's read, ``if x5 not in V5:`` and its lookup, is not one).
CHAIN = re.compile(r"^( +)(?:if|elif) \(x\d+ == C\d+\):\n\1    if \(", re.MULTILINE)


@st.composite
def region_cases(draw):
    """A rulebook whose rules mostly require codes of one or two code fields first, and
    records for it."""
    schema = draw(strategies.schemas(min_fields=2).filter(
        lambda schema: any(field.codes for field in schema.fields)))
    text = draw(strategies.programs(schema, regions=True))
    records = draw(st.lists(strategies.raw_records(schema), min_size=1, max_size=12))
    return text, records


def test_rules_grouped_by_the_codes_they_require_agree():
    """The compiled backend tests rules that require a value of the same field under one
    if/elif chain on it (srg_rules/backends/dispatch.py); every record still gets the
    interpreter's decision, and most of these rulebooks are grouped."""
    grouped: list[bool] = []

    @settings(max_examples=250, **_SETTINGS)
    @given(case=region_cases())
    def run(case):
        text, records = case
        compiled = python_backend.compile_program(srg_rules.parse(text).program)
        grouped.append(CHAIN.search(compiled.source) is not None)
        assert_agree(text, records, python_backend.compile_program)

    run()
    assert sum(grouped) > len(grouped) / 3, f"only {sum(grouped)} of {len(grouped)} grouped"


def test_thousands_of_rules_requiring_codes_of_one_field_compile() -> None:
    """3,000 include rules, each requiring its own code of one field: one if/elif chain of
    3,000 branches exceeded CPython's compiler recursion limit (so the chains are cut at
    32), and a rule's mask past bit 14,284 written in decimal exceeded Python's limit on the
    digits of an integer literal (here lowered to 640, reached from bit 2,126 on)."""
    count = 3000
    text = (f"field k: code {{{', '.join(f'c{i}' for i in range(count))}}}\n"
            + "\n".join(f"include r{i} when k = c{i}" for i in range(count)))
    book = srg_rules.parse(text)
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        compiled = python_backend.compile_program(book.program)
    finally:
        sys.set_int_max_str_digits(limit)
    assert compiled.source.count("elif ") > 2000
    records = [{"k": f"c{i}"} for i in (0, 31, 32, 2125, 2126, 2999)] + [{"k": "x"}, {}]
    assert_same(text, records, Interpreter(book.program), compiled)


@pytest.fixture
def slow_selected(request):
    """Skip unless slow tests were asked for (``-m slow``): the default run stays quick."""
    if "slow" not in (request.config.getoption("markexpr") or "").replace("not slow", ""):
        pytest.skip("a long run: select it with -m slow")


@pytest.mark.slow
@backends
def test_generated_rulebooks_agree_at_length(compile_program, slow_selected):
    @settings(max_examples=5000, **_SETTINGS)
    @given(case=cases(max_records=30))
    def run(case):
        text, records = case
        assert_agree(text, records, compile_program)

    run()


@settings(max_examples=100, **_SETTINGS)
@given(text=strategies.rulebook_texts())
def test_generated_rulebooks_are_valid(text):
    srg_rules.parse(text)  # raises RulebookError on any error diagnostic


_SRG_PATH = str(ROOT / "rulebooks" / "srg.rules")  # it uses srg-delivery.rules beside it
_SRG_TEXT = (ROOT / "rulebooks" / "srg.rules").read_text(encoding="utf-8")
_SRG_SCHEMA = strategies.schema_of(srg_rules.parse(_SRG_TEXT, _SRG_PATH).program)


@backends
@settings(max_examples=150, **_SETTINGS)
@given(records=st.lists(strategies.raw_records(_SRG_SCHEMA), min_size=1, max_size=20))
def test_srg_rulebook_agrees(compile_program, records):
    # Parsed and compiled once per backend (the SQL build alone takes a second or two).
    if compile_program not in _SRG_BUILT:
        program = srg_rules.parse(_SRG_TEXT, _SRG_PATH).program
        _SRG_BUILT[compile_program] = (Interpreter(program), compile_program(program))
    assert_same(_SRG_TEXT, records, *_SRG_BUILT[compile_program])


_SRG_BUILT: dict = {}


# --- regression corpus ---------------------------------------------------------------------


def _corpus_cases():
    return sorted(CORPUS.glob("*.json"))


@backends
@pytest.mark.parametrize("path", _corpus_cases(), ids=lambda p: p.stem)
def test_corpus(compile_program, path):
    case = json.loads(path.read_text(encoding="utf-8"), object_hook=_decode_tags)
    assert_agree(case["rulebook"], case["records"], compile_program)


def test_corpus_is_not_empty():
    assert len(_corpus_cases()) >= 5


def test_corpus_entries_round_trip():
    records = [{"a": float("nan"), "b": dt.date(2024, 1, 31), "c": dt.datetime(2024, 1, 31, 1, 2),
                "d": ["x"], "e": float("-inf"), "f": "12,5"}]
    decoded = json.loads(corpus_entry("", records), object_hook=_decode_tags)["records"]
    assert math.isnan(decoded[0]["a"]) and decoded[0]["b"] == records[0]["b"]
    assert {k: v for k, v in decoded[0].items() if k != "a"} == {
        k: v for k, v in records[0].items() if k != "a"}


# --- the compiled backend's own edges ------------------------------------------------------


def test_value_memos_are_bounded_and_exact(monkeypatch):
    """With room for two remembered values per field, results stay the interpreter's."""
    monkeypatch.setattr(python_backend, "VALUE_MEMO_SIZE", 2)
    monkeypatch.setattr(python_backend, "DECISION_MEMO_SIZE", 1)
    monkeypatch.setattr(python_backend, "_TABLE_BITS", 0)
    records = [{"d": f"2024-01-{day:02d}", "n": str(day), "c": "a" if day % 2 else " b "}
               for day in range(1, 29)]
    text = """
    field d: date
    field n: number optional
    field c: code {a, b}
    include when d > 2024-01-10 or n < 5
    exclude when c = b and n = 7
    classify as x when d <= 2024-01-20
    classify as y when n >= 15
    output t: code {x, y}
    """
    assert_agree(text, records, python_backend.compile_program)
    book = srg_rules.parse(text)
    compiled = python_backend.compile_program(book.program)
    list(compiled.decide_many(records))
    memos = [v for k, v in _environment(compiled).items() if re.fullmatch(r"[KV]\d+", k)]
    assert memos and all(len(memo) <= 2 for memo in memos if memo is not None)


def _environment(compiled) -> dict:
    return compiled.decide.__globals__


def test_deeply_nested_conditions():
    depth = 40  # below the bound of 48 levels (depth.py); beyond it, a diagnostic
    condition = "a = x"
    for level in range(depth):
        condition = f"not ({condition})" if level % 3 == 0 else (
            f"({condition}) and n > {level}" if level % 3 == 1 else f"({condition}) or n = {level}")
    text = f"field a: code {{x, y}}\nfield n: number optional\ninclude when {condition}\n"
    records = [{"a": a, "n": n} for a in ("x", "y", "", "z") for n in ("1", "100", "", "150", "abc")]
    assert_agree(text, records, python_backend.compile_program)


def test_shared_defines_are_computed_once_per_record():
    text = """
    field a: code {x, y}
    field n: number optional
    define big: n > 10
    define both: big and a = x
    include when both or (big and a = y)
    exclude when not both and big
    reject when both and n = 99
    """
    compiled = python_backend.compile_program(srg_rules.parse(text).program)
    # Each define's condition is written once, however often it is used.
    assert compiled.source.count(">") - compiled.source.count(">>") == 1
    records = [{"a": a, "n": n} for a in ("x", "y") for n in ("5", "11", "99", "")]
    assert_agree(text, records, python_backend.compile_program)


def test_program_without_rules_or_fields():
    for text in ("", "field a: number\n", "field a: number\nreject when a > 1\n"):
        assert_agree(text, [{}, {"a": "2"}, {"a": "x"}], python_backend.compile_program)


def test_non_str_values_and_mappings():
    text = """
    field c: code {1, 2.5, a}
    field t: text optional
    field b: boolean optional
    include when c in {1, 2.5} or t = "5" or b
    """
    records = [{"c": 1}, {"c": 1.0}, {"c": True}, {"c": 2.5}, {"c": "1", "t": 5},
               {"c": "a", "t": dt.date(2024, 1, 1)}, {"c": "a", "b": 1}, {"c": "a", "b": 1.0},
               {"c": "a", "t": b"5"}, {"c": ["a"]}, {"c": {"a"}}, {"c": "a", "t": float("nan")}]
    assert_agree(text, records, python_backend.compile_program)
    from types import MappingProxyType
    assert_agree(text, [MappingProxyType(r) for r in records], python_backend.compile_program)


# --- injection -------------------------------------------------------------------------------

_CANARY = "SRG_RULES_INJECTED"
_PAYLOADS = (
    f"__import__('os').environ.__setitem__('{_CANARY}', 'code')",
    f"'); __import__('os').environ.__setitem__('{_CANARY}', 'quote'); ('",
    f"\"); __import__('os').environ.__setitem__('{_CANARY}', 'dquote'); (\"",
    f"\\'); __import__('os').environ.__setitem__('{_CANARY}', 'backslash') #",
    "'''", '"""', "\\", "\\n", "\\x00", "{0}", "%s", "café 𝔘 \u202e", "a\tb",
)

_HOSTILE_RULEBOOK = "\n".join([
    f"rulebook {strategies.text_literal(_PAYLOADS[0])} version {strategies.text_literal(_PAYLOADS[1])}",
    "field __import__: code {" + ", ".join(
        strategies.text_literal(p) + " " + strategies.text_literal(p) for p in _PAYLOADS) + ", exec}",
    "field __builtins__: text optional",
    "field get: number optional",
    "field x0: boolean optional",
    "field record: date optional",
    "output type: code {" + ", ".join(strategies.text_literal(p) for p in _PAYLOADS[:4]) + "}",
    "define eval: __import__ = exec or __builtins__ = " + strategies.text_literal(_PAYLOADS[2]),
    "reject __class__ when __import__ = " + strategies.text_literal(_PAYLOADS[3])
    + " because " + strategies.text_literal(_PAYLOADS[0]),
    "include lambda when eval or __import__ in {" + ", ".join(
        strategies.text_literal(p) for p in _PAYLOADS[4:]) + "} or x0",
    "exclude None when __builtins__ in {" + ", ".join(strategies.text_literal(p) for p in _PAYLOADS)
    + "} and not get > 10",
    "classify True as " + strategies.text_literal(_PAYLOADS[0]) + " when __import__ = "
    + strategies.text_literal(_PAYLOADS[1]) + " because " + strategies.text_literal(_PAYLOADS[2]),
    "classify as " + strategies.text_literal(_PAYLOADS[2]) + " when record < 2024-01-01 or x0",
    "warn WARN when eval and get > 2 because " + strategies.text_literal(_PAYLOADS[1]),
    "warn w when __builtins__ is missing or x0",
])


def _hostile_records():
    records = []
    for payload in _PAYLOADS:
        for key in ("__import__", "__builtins__", "get", "x0", "record"):
            records.append({"__import__": payload, key: payload})
        records.append({"__import__": "exec", "__builtins__": payload, "x0": "true",
                        payload: payload, "__class__": payload, "get": "3"})
        records.append({"__import__": payload, "record": "2023-12-31", "x0": "nee", "get": "11"})
    return records


@backends
def test_hostile_rulebook_decides_as_interpreter_and_runs_nothing(compile_program):
    os.environ.pop(_CANARY, None)
    assert_agree(_HOSTILE_RULEBOOK, _hostile_records(), compile_program)
    assert _CANARY not in os.environ


def _hostile_program() -> ir.Program:
    """Names no rulebook can spell (quotes, newlines, code) but an embedding program could."""
    names = [*_PAYLOADS[:4], "a\nimport os", "", " ", "x0", "get", "P", "__builtins__"]
    fields = {name: Field(name, VALUE_TYPES["code"], optional=i % 2 == 1,
                          codes={p: None for p in _PAYLOADS})
              for i, name in enumerate(names)}
    rules = []
    for i, name in enumerate(names):
        other = names[(i + 1) % len(names)]
        condition = ir.AnyOf((
            ir.compare("eq", name, _PAYLOADS[i % len(_PAYLOADS)]),
            ir.AllOf((ir.compare_fields("eq", name, other), ir.IsPresent(other))),
            ir.Not(ir.compare("in_set", other, frozenset(_PAYLOADS[:3]))),
        ))
        verb = ("reject", "include", "exclude", "classify", "warn")[i % 5]
        rules.append(ir.CompiledRule(
            _PAYLOADS[i % len(_PAYLOADS)] + str(i), verb, condition, because=_PAYLOADS[0],
            code=_PAYLOADS[i % 4] if verb == "classify" else None,
        ))
    output = OutputSpec(_PAYLOADS[1], {p: p for p in _PAYLOADS[:4]})
    return ir.Program(Schema(fields, output), tuple(rules))


def test_hostile_field_names_from_an_embedding_program():
    os.environ.pop(_CANARY, None)
    program = _hostile_program()
    oracle = Interpreter(program)
    compiled = python_backend.compile_program(program)
    names = list(program.schema.fields)
    records = [{name: _PAYLOADS[(i + j) % len(_PAYLOADS)] for j, name in enumerate(names)}
               for i in range(len(_PAYLOADS))]
    records += [{name: names[0] for name in names[:k]} for k in range(len(names))]
    records += [{name: _PAYLOADS[0] for name in names}, {}]
    for record in records * 2:
        assert _outcome(compiled.decide(record)) == _outcome(oracle.decide(record))
    assert _CANARY not in os.environ
    _assert_source_is_inert(compiled, program)


@pytest.mark.parametrize(("text", "source"), [(_HOSTILE_RULEBOOK, "<string>"), (_SRG_TEXT, _SRG_PATH)],
                         ids=["hostile", "srg"])
def test_generated_source_is_inert(text, source):
    program = srg_rules.parse(text, source).program
    _assert_source_is_inert(python_backend.compile_program(program), program)


def _assert_source_is_inert(compiled, program) -> None:
    """The source's only strings are field names (as literals), and it only uses names that
    the generator made: no value, code, text or rule id from the program is in it."""
    tree = pyast.parse(compiled.source)
    environment = _environment(compiled)
    made = set(environment) | {"decide", "record", "get", "P", "r", "e", "m", "w"}
    for node in pyast.walk(tree):
        if isinstance(node, pyast.Constant):
            assert node.value is None or type(node.value) in (bool, int) or (
                type(node.value) is str and node.value in program.schema.fields), node.value
        elif isinstance(node, pyast.Name):
            assert node.id in made or re.fullmatch(r"[xpdh]\d+", node.id), node.id
        elif isinstance(node, pyast.Attribute):
            assert node.attr == "get", node.attr
        elif isinstance(node, (pyast.Import, pyast.ImportFrom, pyast.Lambda, pyast.ClassDef,
                               pyast.JoinedStr, pyast.Global, pyast.Nonlocal)):
            pytest.fail(f"unexpected {type(node).__name__} in generated source")
    assert environment["__builtins__"] == {}
    fields = program.schema.fields
    for payload in _PAYLOADS[:4]:
        if not any(payload in name for name in fields):
            assert payload not in compiled.source


# --- operators -------------------------------------------------------------------------------

_SAMPLES = {"code": ("a", frozenset({"a", "b"})), "text": ("a", frozenset({"a", "b"})),
            "number": (2, frozenset({2, 3.5})), "date": (dt.date(2024, 1, 31), None),
            "boolean": (True, None)}
_RAWS = ("a", "b", "c", "", "1", "2", "3.5", "2024-01-30", "2024-01-31", "2024-02-01", "true",
         "false", None)


def _operator_program(op: str, kind: str) -> ir.Program:
    scalar, values = _SAMPLES[kind]
    spec = OPERATORS[op]
    codes = {"a": None, "b": None, "c": None} if kind == "code" else None
    fields = {name: Field(name, VALUE_TYPES[kind], optional=True, codes=codes) for name in ("f", "g")}
    rules = (
        ir.CompiledRule("constant", "include", ir.compare(op, "f", values if spec.takes_set else scalar)),
        ir.CompiledRule("fields", "include", ir.compare_fields(op, "f", "g")) if not spec.takes_set
        else ir.CompiledRule("negated", "include", ir.Not(ir.compare(op, "g", values))),
    )
    return ir.Program(Schema(fields), rules)


@pytest.mark.parametrize("op", sorted(OPERATORS))
@backends
def test_every_operator_on_every_type(compile_program, op):
    for kind in sorted(OPERATORS[op].types):
        program = _operator_program(op, kind)
        oracle, compiled = Interpreter(program), compile_program(program)
        for f in _RAWS:
            for g in _RAWS:
                record = {"f": f, "g": g}
                assert _outcome(compiled.decide(record)) == _outcome(oracle.decide(record)), (kind, record)


def test_an_operator_added_to_the_table_needs_no_backend_change(monkeypatch):
    spec = OperatorSpec("starts_with", "^=", False, frozenset({"text"}), str.startswith,
                        "eq", "starts with")
    monkeypatch.setitem(OPERATORS, "starts_with", spec)
    program = _operator_program("starts_with", "text")
    oracle, compiled = Interpreter(program), python_backend.compile_program(program)
    for record in ({"f": "abc", "g": "ab"}, {"f": "b", "g": "a"}, {"f": "a"}, {"g": "a"}, {}):
        assert _outcome(compiled.decide(record)) == _outcome(oracle.decide(record))
