"""Properties of srg_rules.strategies.records: valid records, boundaries, and ``where``.

- Every record is valid and a fixed point of reading; every rulebook decides it without error.
- The boundaries a rulebook's constants create are drawn (``hours > 10`` gives 10 and 11).
- A ``where`` record always meets its condition, narrow conditions included, with no
  Hypothesis health-check failure.
- ``where`` is exact about emptiness: on a schema whose values can be enumerated up to the
  constants used, ``records`` raises ValueError exactly when no record meets the condition.
- All of this holds on generated rulebooks too, with each rule's condition as ``where``.
- Date arithmetic: a field lands at, and a day beside, another's shifted value, on month ends
  and leap days; ``where`` with date arithmetic is met, and an impossible one raises.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, find, given, settings
from hypothesis import strategies as st

import srg_rules
from srg_rules import RulebookError, Status
from srg_rules import dates, strategies
from srg_rules.backends.interpreter import evaluate
from srg_rules.strategies import records

try:  # generated rulebook text, from the suite's shared strategies (tests/strategies.py)
    from strategies import rulebook_texts
except ImportError:  # run without tests/ on the path
    rulebook_texts = None

ROOT = Path(__file__).parent.parent
SRG = srg_rules.load(ROOT / "rulebooks" / "srg.rules")

# Every field type, optional fields, in / not in, is missing, defines, field-to-field
# comparisons, a code that is a number, a code with a space, numbers that are not integers.
ALL_TYPES = srg_rules.parse('''
rulebook "alle soorten" version "1"
field name: text
field note: text optional
field category: code {taal, ips, coaching, "met spatie"}
field kind: code {a, b, 7} optional
field hours: number optional
field amount: number
field start: date
field end: date optional
field flag: boolean
field maybe: boolean optional
output type: code {40, 42}

define long: hours > 10 or amount >= 2.5
define recent: start >= 2024-01-01

reject end_before_start when end is present and end < start
reject unnamed when name = "onbekend"
include when long and category in {taal, ips} and not maybe
include when recent and kind not in {b} and note != "x"
exclude when flag and hours is missing
exclude when amount in {1, 2.5, 100} and note in {"a", "b"}
classify as 40 when category = taal and amount = hours
classify as 42 when category = ips or kind = 7
expect rejected when end < start
''', "all_types.rules")

BOUNDARIES = srg_rules.parse('''
field hours: number
field rate: number optional
field day: date optional
field label: text optional
field first: date
field second: date
include when hours > 10 and rate <= 2.5 and day >= 2024-01-31 and label = "x"
reject when second < first
''', "boundaries.rules")

# Values small enough to enumerate: each ordered field has two constants (1 and 3 for numbers,
# 2024-01-01 and 2024-01-03 for dates) and grids with two points in every gap between them and
# beyond them, so that two fields can always be ordered either way inside one gap.
FINITE = srg_rules.parse('''
field c: code {x, y, z}
field k: code {x, y} optional
field f: boolean
field g: boolean optional
field n: number optional
field m: number
field d: date
field e: date optional
field t: text optional
field u: text
include when c = x
''', "finite.rules")

BOOKS = [SRG, ALL_TYPES, BOUNDARIES, FINITE]
FAST = settings(max_examples=60, deadline=None)


def _book_id(book: srg_rules.Rulebook) -> str:
    return book.source.path.rsplit("/", 1)[-1]


def _first(strategy: st.SearchStrategy, condition, tries: int = 1000):
    """An example meeting ``condition`` within ``tries`` draws (no shrinking: speed)."""
    return find(strategy, condition, settings=settings(
        max_examples=tries, database=None, phases=[Phase.generate], deadline=None,
        derandomize=True))


# --- every record is valid -------------------------------------------------------------------


@pytest.mark.parametrize("book", BOOKS, ids=_book_id)
def test_records_are_valid_and_decided(book: srg_rules.Rulebook) -> None:
    @FAST
    @given(records(book))
    def check(record):
        assert list(record) == list(book.fields)
        for name, field in book.fields.items():
            value, problem = field.read(record[name])
            assert problem is None, (name, record[name], problem)
            assert value == record[name] and type(value) is type(record[name])
        assert book.program.schema.read(record) == (record, [])
        decision = book.decide(record)
        assert decision.status in set(Status)
        # Only rules can reject a valid record, never a field problem. (A code list's implied
        # rule not_in_force:FIELD is a rule: a valid code out of force on the decision date.)
        assert not any(":" in reason and reason not in book.rule_ids
                       for reason in decision.reasons)

    check()


@pytest.mark.parametrize("book", BOOKS, ids=_book_id)
def test_raw_records_read_back_without_problems(book: srg_rules.Rulebook) -> None:
    @FAST
    @given(records(book, raw=True))
    def check(record):
        assert all(isinstance(value, str) for value in record.values())
        values, problems = book.program.schema.read(record)
        assert problems == []
        for name, field in book.fields.items():
            assert (values[name] is None) == (record[name] == "")
            if field.type.name == "boolean" and values[name] is not None:
                assert record[name] in ("true", "false")
        book.decide(record)

    check()


def test_raw_where_records_meet_the_condition() -> None:
    where = "category = taal and amount >= 2.5 and end < start and maybe"
    condition = ALL_TYPES.condition(where)

    @FAST
    @given(records(ALL_TYPES, where=where, raw=True))
    def check(record):
        values, problems = ALL_TYPES.program.schema.read(record)
        assert problems == [] and evaluate(condition, values)

    check()


# --- boundaries ------------------------------------------------------------------------------


_BOUNDARY_CASES = {
    "hours = 10": lambda r: r["hours"] == 10,
    "hours = 11": lambda r: r["hours"] == 11,
    "hours = 9": lambda r: r["hours"] == 9,
    "10 < hours < 11": lambda r: 10 < r["hours"] < 11,
    "hours a float": lambda r: isinstance(r["hours"], float),
    "hours > 1000": lambda r: r["hours"] > 1000,  # arbitrary values beyond the boundaries too
    "rate = 2.5": lambda r: r["rate"] == 2.5,
    "2.5 < rate < 2.6": lambda r: r["rate"] is not None and 2.5 < r["rate"] < 2.6,
    "rate missing": lambda r: r["rate"] is None,
    "day before": lambda r: r["day"] == dt.date(2024, 1, 30),
    "day itself": lambda r: r["day"] == dt.date(2024, 1, 31),
    "day after": lambda r: r["day"] == dt.date(2024, 2, 1),
    "day far away": lambda r: r["day"] is not None and r["day"].year < 2000,
    "label constant": lambda r: r["label"] == "x",
    "label other": lambda r: r["label"] not in ("x", None),
    "second = first": lambda r: r["second"] == r["first"],
    "second = first - 1": lambda r: r["second"] == r["first"] - dt.timedelta(days=1),
    "second = first + 1": lambda r: r["second"] == r["first"] + dt.timedelta(days=1),
}


@pytest.mark.parametrize("wanted", list(_BOUNDARY_CASES.values()), ids=list(_BOUNDARY_CASES))
def test_boundaries_occur(wanted) -> None:
    _first(records(BOUNDARIES), wanted)


@pytest.mark.parametrize("code", list(SRG.fields["category"].codes))
def test_every_code_occurs(code: str) -> None:
    _first(records(SRG), lambda r: r["category"] == code, tries=200)


def test_optional_fields_are_sometimes_missing_and_booleans_take_both_values() -> None:
    _first(records(SRG), lambda r: r["end_date"] is None and r["involved"] is None)
    _first(records(SRG), lambda r: r["traceable"] is True)
    _first(records(SRG), lambda r: r["traceable"] is False)


# --- where -----------------------------------------------------------------------------------

WHERE = [
    (SRG, "category = taal and funding = reintegratie"),
    (SRG, "category = taal and funding = inburgering and gemeentelijke_inzet and traceable"),
    (SRG, "not gemeentelijke_inzet and not traceable"),
    (SRG, "end_date < start_date"),
    (SRG, "not (end_date < start_date) and end_date is present"),
    (SRG, "initiative = burger and judgement is missing"),
    (SRG, "category not in {taal, ips, coaching} or involved"),
    (ALL_TYPES, "hours > 10 and hours < 12 and category = taal and not flag"),
    (ALL_TYPES, "hours > 10 and hours < 11"),
    (ALL_TYPES, "amount = hours and category = taal"),
    (ALL_TYPES, "not (hours > 10)"),
    (ALL_TYPES, "not (kind not in {a})"),
    (ALL_TYPES, "kind = 7 and not long and recent"),
    (ALL_TYPES, "name = \"onbekend\" or note in {\"a\", \"b\"}"),
    (ALL_TYPES, "name = note and note != \"x\""),
    (ALL_TYPES, "start > 2024-01-01 and start < 2024-01-03 and end = start"),
    (ALL_TYPES, "end > start and end < 2024-01-05 and start >= 2024-01-03"),
    (ALL_TYPES, "amount in {1, 2.5, 100} and amount != 1 and amount > hours"),
    (ALL_TYPES, "amount > 0.1 and amount < 0.2"),
    (ALL_TYPES, "not (maybe = flag) and maybe is present"),
    (FINITE, "c = k and c != x"),
    (FINITE, "n < m and m < 2 and n > 1"),
    (FINITE, "n <= m and m <= n and n in {1, 3}"),
    (FINITE, "d < e and e < 2024-01-03 and d > 2023-12-31"),
    (FINITE, "t != u and u = \"a\" and t is present"),
]


@pytest.mark.parametrize(("book", "where"), WHERE, ids=[w for _, w in WHERE])
def test_where_records_meet_the_condition(book: srg_rules.Rulebook, where: str) -> None:
    condition = book.condition(where)

    @FAST
    @given(records(book, where=where))
    def check(record):
        assert evaluate(condition, record), record
        assert book.program.schema.read(record) == (record, [])
        book.decide(record)

    check()


@pytest.mark.parametrize(("book", "where", "wanted"), [
    # not (hours > 10) holds on a missing hours, and on 10 itself.
    (ALL_TYPES, "not (hours > 10)", lambda r: r["hours"] is None),
    (ALL_TYPES, "not (hours > 10)", lambda r: r["hours"] == 10),
    (ALL_TYPES, "not (hours > 10)", lambda r: r["hours"] == 9.5),
    # A strict interval with no integer in it still has floats.
    (ALL_TYPES, "hours > 10 and hours < 11", lambda r: r["hours"] == 10.5),
    (ALL_TYPES, "not (kind not in {a})", lambda r: r["kind"] is None),
    (ALL_TYPES, "not (kind not in {a})", lambda r: r["kind"] == "a"),
    (SRG, "not (end_date < start_date)", lambda r: r["end_date"] == r["start_date"]),
    (SRG, "not (end_date < start_date)", lambda r: r["end_date"] is None),
    (SRG, "end_date < start_date", lambda r: r["end_date"] == r["start_date"] - dt.timedelta(1)),
], ids=lambda x: x if isinstance(x, str) else "")
def test_where_reaches_every_region(book, where, wanted) -> None:
    _first(records(book, where=where), wanted)


@pytest.mark.parametrize(("book", "where"), [
    (ALL_TYPES, "hours > 10 and hours < 5"),
    (ALL_TYPES, "hours >= 10 and hours <= 10 and hours != 10"),
    (ALL_TYPES, "hours > 10 and hours <= 10"),
    (ALL_TYPES, "hours > 10 and not (hours > 10)"),
    (ALL_TYPES, "amount > 1 and amount < 2.5 and amount in {1, 2.5, 100}"),
    (ALL_TYPES, "category = taal and category = ips"),
    (ALL_TYPES, "category in {taal, ips} and category not in {ips, taal}"),
    (ALL_TYPES, "hours is missing and hours > 3"),
    (ALL_TYPES, "start is missing"),
    (ALL_TYPES, "not (amount = amount)"),
    (ALL_TYPES, "flag and not flag"),
    (ALL_TYPES, "start > 2024-01-01 and start < 2024-01-02"),
    (ALL_TYPES, "end < start and start < end"),
    (ALL_TYPES, "end < start and start <= 2024-01-01 and end >= 2024-01-01"),
    (ALL_TYPES, "name = note and note = \"a\" and name != \"a\""),
    (ALL_TYPES, "(hours > 10 or amount > 10) and hours < 5 and amount < 5"),
    (SRG, "gemeentelijke_inzet and initiative = burger and judgement is missing"),
])
def test_unsatisfiable_where_raises(book: srg_rules.Rulebook, where: str) -> None:
    with pytest.raises(ValueError, match="can never hold"):
        records(book, where=where)


def test_where_that_does_not_check_raises_rulebook_error() -> None:
    with pytest.raises(RulebookError):
        records(SRG, where="category = taall")
    with pytest.raises(RulebookError):
        records(SRG, where="category = ")


def test_expansion_over_the_cap_falls_back_to_filtering(monkeypatch) -> None:
    where = ("(f or g) and (c = x or k = x) and (n > 1 or m > 1) and (d > 2024-01-01 or e is missing)"
             " and (t is missing or u != \"p\")")
    condition = FINITE.condition(where)
    monkeypatch.setattr(strategies, "MAX_ALTERNATIVES", 4)

    @FAST
    @given(records(FINITE, where=where))
    def check(record):
        assert evaluate(condition, record)

    check()


# --- exactness on an enumerable schema ---------------------------------------------------------

_NUMBERS = [-1, 0, 1, 1.3, 1.6, 2, 2.3, 2.6, 3, 3.3, 3.6, 4, 5]
_DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days) for days in range(-3, 6)]
_GRID = {
    "c": ["x", "y", "z"], "k": ["x", "y", None], "f": [True, False], "g": [True, False, None],
    "n": [*_NUMBERS, None], "m": _NUMBERS, "d": _DAYS, "e": [*_DAYS, None],
    "t": ["p", "q", "r", None], "u": ["p", "q", "r"],
}
_ATOMS = {
    "c": ["c = x", "c != y", "c in {x, y}", "c not in {z}", "c = k", "c != k"],
    "k": ["k = x", "k is missing", "k is present", "k not in {y}"],
    "f": ["f", "f = false", "f = g"],
    "g": ["g", "g is missing", "g != f"],
    "n": ["n > 1", "n <= 3", "n = 2", "n != 3", "n in {1, 3}", "n not in {1}", "n is missing",
          "n < m", "n >= m", "n = m", "n != m"],
    "m": ["m >= 1", "m < 3", "m > n", "m = 3"],
    "d": ["d > 2024-01-01", "d <= 2024-01-03", "d = 2024-01-02", "d < e", "d != e", "d >= e"],
    "e": ["e is missing", "e >= 2024-01-03", "e < 2024-01-01"],
    "t": ['t = "p"', 't != "q"', 't in {"p", "q"}', "t = u", "t is present"],
    "u": ['u not in {"p"}', "u != t", 'u = "r"'],
}
def _conditions() -> st.SearchStrategy[str]:
    """Conditions over one to three fields, so that their comparisons meet often."""
    def over(names: list[str]) -> st.SearchStrategy[str]:
        atom = st.sampled_from([a for name in names for a in _ATOMS[name]])
        return st.recursive(
            atom,
            lambda inner: st.one_of(
                inner.map(lambda c: f"not ({c})"),
                st.tuples(inner, inner).map(lambda p: f"({p[0]}) and ({p[1]})"),
                st.tuples(inner, inner).map(lambda p: f"({p[0]}) or ({p[1]})"),
            ),
            max_leaves=6,
        )

    return st.lists(st.sampled_from(sorted(_ATOMS)), min_size=1, max_size=3, unique=True).flatmap(over)


def _mentioned(text: str) -> list[str]:
    # Field names are single letters that no value of the grid is.
    return [name for name in _GRID if re.search(rf"\b{name}\b", text)]


def _pin(name: str, value) -> str:
    """A condition that holds exactly when field ``name`` has ``value``."""
    if value is None:
        return f"{name} is missing"
    if isinstance(value, bool):
        return f"{name} = {'true' if value else 'false'}"
    if isinstance(value, str) and name in ("t", "u"):
        return f'{name} = "{value}"'
    return f"{name} = {value}"


def _holds_somewhere(text: str) -> bool:
    try:
        records(FINITE, where=text)
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(_conditions(), st.data())
def test_where_is_exact_on_an_enumerable_schema(text: str, data: st.DataObject) -> None:
    """records() says "never" exactly when no record meets the condition, also with every
    mentioned field pinned to one value: so no region of the condition is lost or added."""
    condition = FINITE.condition(text)
    names = _mentioned(text)
    base = {"c": "x", "k": None, "f": True, "g": None, "n": None, "m": 1, "d": _DAYS[0],
            "e": None, "t": None, "u": "p"}
    points = {True: [], False: []}
    for values in itertools.product(*(_GRID[name] for name in names)):
        point = dict(zip(names, values))
        points[evaluate(condition, {**base, **point})].append(point)
    assert _holds_somewhere(text) == bool(points[True]), text
    for truth in (True, False):
        if points[truth]:
            point = data.draw(st.sampled_from(points[truth]), label=f"point where it is {truth}")
            pinned = " and ".join([f"({text})", *(_pin(n, v) for n, v in point.items())])
            assert _holds_somewhere(pinned) == truth, pinned
    if points[True]:
        strategy = records(FINITE, where=text)
        for _ in range(2):
            record = data.draw(strategy)
            assert evaluate(condition, record), (text, record)


# --- generated rulebooks -----------------------------------------------------------------------


@pytest.mark.skipif(rulebook_texts is None, reason="tests/strategies.py is not importable")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulebook_texts() if rulebook_texts is not None else st.nothing(), st.data())
def test_generated_rulebooks(text: str, data: st.DataObject) -> None:
    """Valid records for any rulebook, and for each rule, records meeting its condition (or a
    ValueError when none exists)."""
    book = srg_rules.parse(text)
    try:
        strategy = records(book)
    except ValueError as error:
        # A required code field whose codes all have surrounding spaces or are blank.
        assert "no valid record" in str(error)
        assume(False)
    record = data.draw(strategy, label="any record")
    assert book.program.schema.read(record) == (record, [])
    assert book.decide(record).status in set(Status)
    for rule in book.program.rules:
        if rule.implicit:
            continue  # a rule the rulebook implies (a validity period): no text of its own
        written = rule.body or rule.condition  # a dated rule's condition, without its period
        try:
            meeting = records(book, where=written.span.text)
        except ValueError:
            continue
        record = data.draw(meeting, label=f"a record meeting rule {rule.id}")
        assert evaluate(written, record)
        assert book.program.schema.read(record) == (record, [])


# --- date arithmetic -------------------------------------------------------------------------

SHIFTS = srg_rules.parse('''
field start: date
field reporting: date
field end: date optional
field category: code {taal, ips}
reject niet_gestart when start > reporting + 1 months
exclude lang_lopend when end is missing and start < reporting - 10 years
reject te_laat when end + 2 weeks <= reporting
include when category = taal and start + 1 months >= 2024-03-31
''', "shifts.rules")


def _shift(day: dt.date | None, amount: int, unit: str) -> dt.date | None:
    return None if day is None else dates.shift(day, amount, unit)


def _month_end(day: dt.date | None) -> bool:
    return day is not None and (day + dt.timedelta(days=1)).day == 1


def test_records_with_date_arithmetic_are_valid_and_decided() -> None:
    @FAST
    @given(records(SHIFTS))
    def check(record):
        assert SHIFTS.program.schema.read(record) == (record, [])
        assert SHIFTS.decide(record).status in set(Status)

    check()


SHIFTED_WHERE = [
    "start > reporting + 1 months",
    "start = reporting + 1 months",
    "not (start > reporting + 1 months)",
    "start + 2 weeks <= reporting and reporting < 2024-01-01 and start > 2023-12-01",
    "end + 2 weeks = reporting - 1 years",
    "start + 1 months = 2024-02-29",
    "start + 1 months >= 2024-03-31 and start < 2024-03-05",
    "not (start + 1 months >= 2024-03-31) and category = ips",
    "end + 1 months != 2024-03-29 and end is present",
    "not (end - 1 years < 2024-02-29)",
    "2024-01-31 + 1 months <= start and start < reporting - 10 years",
    "start + 1 weeks > start + 6 days",
    "start + 1 months > start - 3 days",
    "not (end + 1 years = end + 12 months)",
    "start + 1 months = 2024-03-30 or end is missing",
]


@pytest.mark.parametrize("where", SHIFTED_WHERE)
def test_where_with_date_arithmetic_records_meet_the_condition(where: str) -> None:
    condition = SHIFTS.condition(where)

    @FAST
    @given(records(SHIFTS, where=where))
    def check(record):
        assert evaluate(condition, record), record
        assert SHIFTS.program.schema.read(record) == (record, [])

    check()


_SHIFT_BOUNDARY_CASES = {
    # The day itself, the day before and the day after the other field's shifted value.
    "start = reporting + 1 months": lambda r: r["start"] == _shift(r["reporting"], 1, "months"),
    "start = reporting + 1 months + 1 day":
        lambda r: r["start"] == _shift(r["reporting"], 1, "months") + dt.timedelta(1),
    "start = reporting + 1 months - 1 day":
        lambda r: r["start"] == _shift(r["reporting"], 1, "months") - dt.timedelta(1),
    "end + 2 weeks = reporting": lambda r: _shift(r["end"], 2, "weeks") == r["reporting"],
    "start = reporting - 10 years": lambda r: r["start"] == _shift(r["reporting"], -10, "years"),
    # The base of a step of months on a month end, on a leap day, on a clamping day.
    "reporting on a month end": lambda r: _month_end(r["reporting"]),
    "reporting on 29 February": lambda r: (r["reporting"].month, r["reporting"].day) == (2, 29),
    "reporting on 28 February": lambda r: (r["reporting"].month, r["reporting"].day) == (2, 28),
    "reporting + 1 months clamps": lambda r: _shift(r["reporting"], 1, "months").day
        < r["reporting"].day,
    # A shifted field against a constant: the days whose shift lands beside 2024-03-31.
    "start = 2024-02-29": lambda r: r["start"] == dt.date(2024, 2, 29),
    "start = 2024-03-01": lambda r: r["start"] == dt.date(2024, 3, 1),
}


@pytest.mark.parametrize("wanted", list(_SHIFT_BOUNDARY_CASES.values()),
                         ids=list(_SHIFT_BOUNDARY_CASES))
def test_date_arithmetic_boundaries_occur(wanted) -> None:
    _first(records(SHIFTS), wanted)


@pytest.mark.parametrize(("where", "wanted"), [
    ("start > reporting + 1 months",
     lambda r: r["start"] == _shift(r["reporting"], 1, "months") + dt.timedelta(1)),
    ("not (start > reporting + 1 months)",
     lambda r: r["start"] == _shift(r["reporting"], 1, "months")),
    # Three days of January move onto the last of February.
    ("start = reporting + 1 months", lambda r: r["reporting"].day == 31),
    ("start = reporting + 1 months", lambda r: (r["start"].month, r["start"].day) == (2, 29)),
    ("start + 1 months = 2024-02-29", lambda r: r["start"] == dt.date(2024, 1, 29)),
    ("start + 1 months = 2024-02-29", lambda r: r["start"] == dt.date(2024, 1, 31)),
    # A shift leaving the calendar is missing, so the negated comparison holds there.
    ("not (end + 1 days > 2024-01-01) and end > 9999-12-30",
     lambda r: r["end"] == dt.date(9999, 12, 31)),
    ("not (end - 1 years < 2024-02-29)", lambda r: r["end"] is None),
    # No day moves back a year onto 2024-02-29: 2025-03-01 is the first not before it.
    ("not (end - 1 years < 2024-02-29)", lambda r: r["end"] == dt.date(2025, 3, 1)),
    ("end - 1 years < 2024-02-29", lambda r: r["end"] == dt.date(2025, 2, 28)),
], ids=lambda x: x if isinstance(x, str) else "")
def test_where_with_date_arithmetic_reaches_every_region(where, wanted) -> None:
    _first(records(SHIFTS, where=where), wanted)


@pytest.mark.parametrize("where", [
    "start + 1 months = 2024-03-30",  # 2024-02-29 + 1 months is 2024-03-29, the 1st is April 1
    "start + 1 days < 2024-01-01 and start > 2023-12-31",
    "start + 3 days = start",
    "start + 1 months <= start",
    "start + 1 months >= 2024-03-31 and start < 2024-03-01",
    "end + 1 days > 9999-12-31",
])
def test_unsatisfiable_where_with_date_arithmetic_raises(where: str) -> None:
    with pytest.raises(ValueError, match="can never hold"):
        records(SHIFTS, where=where)
