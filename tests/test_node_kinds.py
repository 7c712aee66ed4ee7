"""Every IR node kind through every consumer, and a kind nobody taught fails loudly.

docs/architecture.md lists the places a new construct touches. This test is what keeps that
list honest: it builds a program holding every registered node kind and runs it through
every consumer (each backend, the encoder and the analysis, the domains, the printer, the
strategies, the registration level, explain and diff); then it registers a dummy kind and
shows that each consumer refuses it with ``ir.UnhandledNode`` instead of passing it by.
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import types
from collections.abc import Callable, Iterator

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import ir, printer
from srg_rules.analysis import analyse, check_expectations
from srg_rules.analysis.diff import semantic_diff
from srg_rules.analysis.regions import NotExact
from srg_rules.analysis.domains import from_program
from srg_rules.analysis.encoding import Encoder
from srg_rules.backends import BACKENDS
from srg_rules.strategies import records

BOOK = """
field category: code {taal, ips, coaching}
field hours: number optional
field start: date
field end: date optional
field urgent: boolean optional
field name: text optional
output type: code {40, 42}
define short: hours < 10
include when category in {taal, coaching} or short
exclude when not (end is present and end >= start)
reject when name = "x" and not urgent
reject when end > start + 10 years or start < 2000-01-31 + 1 months
reject when length(name) > 3 and hours >= length(category)
reject when age(start, end) >= 18 or 27 >= age(start, 2024-02-29)
reject when name matches "x\\d+" or not (category matches "ta.*")
classify as 40 when category = coaching
classify as 42 when category != coaching and hours is missing
warn when urgent and start + 1 years < end
"""


def _every_kind(program: ir.Program) -> set[type]:
    kinds = set()
    for rule in program.rules:
        kinds.update(type(node) for node in ir.walk(rule.condition))
    return kinds


def _consumers() -> dict[str, Callable[[ir.Program], object]]:
    """Each consumer of IR trees, as a call that makes it read every node of a program."""

    def backend(name: str) -> Callable[[ir.Program], object]:
        def run(program: ir.Program) -> object:
            compiled = BACKENDS[name](program)
            return compiled.decide({"category": "taal", "hours": "3", "start": "2024-01-01",
                                    "end": "2024-02-01", "urgent": "true", "name": "x"})
        return run

    def encoder(program: ir.Program) -> object:
        import z3

        encode = Encoder(from_program(program), z3.Context())
        return [encode.condition(rule.condition) for rule in program.rules]

    def strategy(program: ir.Program) -> object:
        # records() reads a book's program (and its condition(), for `where` only).
        return records(types.SimpleNamespace(program=program))

    def explain(program: ir.Program) -> object:
        from srg_rules.backends.interpreter import Interpreter

        return Interpreter(program).explain({"category": "taal", "start": "2024-01-01"}).render()

    def diff(program: ir.Program) -> object:
        # The diff encodes every node; over an approximated one it refuses, by name, to give
        # regions that might be wrong (never UnhandledNode).
        try:
            return semantic_diff(program, program)
        except NotExact as refusal:
            return str(refusal)

    return {
        "interpreter": backend("interpreter"),
        "python": backend("python"),
        "sql": backend("sql"),
        "encoder": encoder,
        "analysis": lambda program: (analyse(program), check_expectations(program)),
        "domains": lambda program: from_program(program),
        "printer": lambda program: [printer.condition(r.condition, program.schema,
                                                      from_source=False) for r in program.rules],
        "explain": explain,
        "diff": diff,
        "strategies": strategy,
        "registration": lambda program: [ir.with_constants(r.condition, {"hours": 3})
                                         for r in program.rules],
    }


def test_the_example_holds_every_node_kind() -> None:
    program = srg_rules.parse(BOOK).program
    assert _every_kind(program) == set(ir.NODE_KINDS), "extend BOOK to hold the new node kind"


@pytest.mark.parametrize("consumer", sorted(_consumers()))
def test_every_consumer_handles_every_node_kind(consumer: str) -> None:
    program = srg_rules.parse(BOOK).program
    _consumers()[consumer](program)


def test_every_visitor_has_a_method_for_every_kind() -> None:
    """A visitor that lacks a kind's method would raise on that kind: name them all here."""
    for module in pkgutil.walk_packages(srg_rules.__path__, "srg_rules."):
        if module.name.endswith(("pytest_plugin", "__main__")):
            continue
        importlib.import_module(module.name)
    missing = []
    for visitor in _subclasses(ir.Visitor):
        partial = getattr(visitor, "KINDS", None)  # a visitor of operands (or conditions) only
        for cls, name in ir.NODE_KINDS.items():
            if partial is not None and cls not in partial:
                continue
            if not callable(getattr(visitor, name, None)):
                missing.append(f"{visitor.__module__}.{visitor.__qualname__}.{name}")
    assert not missing, f"visitors without a method for a node kind: {missing}"


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# --- a kind nobody taught ---------------------------------------------------------------------


@attrs.frozen(cache_hash=True)
class Untaught:
    """A condition kind added to the IR without teaching any consumer."""

    field: ir.FieldValue
    span: object = attrs.field(default=None, eq=False, repr=False, kw_only=True)


@pytest.fixture
def untaught() -> Iterator[ir.Program]:
    ir.NODE_KINDS[Untaught] = "untaught"
    try:
        program = srg_rules.parse(BOOK).program
        odd = ir.CompiledRule("odd", "include", Untaught(ir.FieldValue("category")))
        yield attrs.evolve(program, rules=(*program.rules, odd))
    finally:
        del ir.NODE_KINDS[Untaught]


@pytest.mark.parametrize("consumer", sorted(set(_consumers()) - {"registration"}))
def test_a_kind_no_consumer_knows_is_refused(untaught: ir.Program, consumer: str) -> None:
    with pytest.raises(ir.UnhandledNode):
        _consumers()[consumer](untaught)


def test_shared_machinery_walks_an_untaught_kind(untaught: ir.Program) -> None:
    """The shared helpers read a node's parts from its fields: a new kind needs no teaching."""
    odd = untaught.rule("odd").condition
    assert ir.fields_of(odd) == ("category",)
    assert ir.with_constants(odd, {"category": "taal"}) == Untaught(ir.Constant("taal"))
    assert [type(n) for n in ir.walk(odd)] == [Untaught, ir.FieldValue]


# --- the printer and the interpreter agree on what they share -----------------------------------


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["taal", "ips", "coaching"]), st.none() | st.integers(-3, 30),
       st.dates(datetime.date(2023, 1, 1), datetime.date(2025, 1, 1)))
def test_reprinted_rules_decide_alike(category: str, hours: int | None,
                                      start: datetime.date) -> None:
    program = srg_rules.parse(BOOK).program
    texts = [printer.condition(r.condition, program.schema, from_source=False)
             for r in program.rules]
    assert all(texts)
    record = {"category": category, "hours": hours, "start": start.isoformat(),
              "end": None, "urgent": None, "name": None}
    book = srg_rules.parse(BOOK)
    assert book.decide(record) == srg_rules.parse(BOOK, backend="python").decide(record)
