"""Hypothesis strategies shared by the test suite: schemas, rulebook text, raw records.

Place in the pipeline: in front of it. Output: a :class:`SchemaSpec` (a generated field set with
the values worth testing for each field), rulebook *text* in the rulebook language for such a
schema, and records as an embedding program or the CLI would hand them over (mostly strings,
some Python values, valid and not).

Invariants:

- Every text :func:`programs` or :func:`rulebook_texts` draws is accepted by
  :func:`srg_rules.parse` (no error diagnostics; unused defines may warn). It is written from
  a generated structure, choosing at each point only what the checker accepts there: a code
  is written as a word, a number or a quoted text only when that form means that code; a word
  on the right of a comparison names a code, ``true``/``false`` or a field of the same type.
- Every field type appears, ``bsn`` and ``digits(n)`` included (their constants mostly
  valid values, now and then one no record can hold; their raw values valid, zero-filled
  ints, and near misses: a digit too many or too few, a failed 11-test, non-ASCII digits),
  and ``month`` (compared with dates and date fields; its constants mostly first days, its raw
  values ``YYYY-MM``, ``YYYYMM`` and first-day dates, and near misses: ``2024-13``,
  ``2024-1``, a whole date).
- Every construct of the language appears (validity periods too, on the rulebook, code values,
  output codes and rules, when a required date field can be the decision date): all eight
  operators, ``is missing``/``is
  present``/``is not missing``, ``not``, ``and``, ``or``, parentheses, defines (using earlier
  defines), bare boolean fields, field-to-field comparisons, ``length(...)`` and ``age(...)``
  on either side, the five verbs (warn too), named and unnamed
  rules (several on one line, so ``line-N-2`` ids occur), ``because``, headers, comments and
  ``expect`` statements.
- Names, code values and texts include hostile ones (Python builtins and keywords, the
  language's own soft keywords, quotes, backslashes, code that would run if it were ever
  evaluated, non-ASCII), and the constants of comparisons are shared with the records, which
  draw each of them and its neighbours (±1, ±1 day) so that boundaries are hit.
"""

from __future__ import annotations

import datetime as dt
import re

import attrs
from hypothesis import strategies as st

__all__ = [
    "CodeSpec",
    "FieldSpec",
    "HOSTILE_TEXTS",
    "SchemaSpec",
    "programs",
    "raw_records",
    "raw_value",
    "valid_value",
    "rulebook_texts",
    "schemas",
    "pattern_literal",
    "patterns_for",
    "text_literal",
]

TYPES = ("code", "text", "number", "date", "boolean", "bsn", "digits", "month")
# The types whose values are texts: text operators apply, and fields of any two of them can be
# compared with each other.
TEXT_TYPES = ("text", "bsn", "digits")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")

# Names that are hostile to a code generator (Python builtins, keywords, dunders, names a
# generator might use for its own locals) or to the parser (the language's soft keywords).
# `not` is no name in the language at all; `when` and `as` cannot name a rule, nor `is` (the
# Dutch `as`: `type N is C als`, read as a keyword where both a name and `as` may follow).
HOSTILE_NAMES = (
    "__import__", "__builtins__", "__class__", "None", "True", "False", "exec", "eval",
    "record", "get", "self", "x0", "x1", "C0", "K0", "M", "P", "e", "m", "r", "lambda",
    "import", "def", "class", "return", "type", "output", "field", "define", "optional",
    "when", "because", "as", "in", "is", "and", "or", "missing", "present", "include",
    "exclude", "reject", "classify", "expect", "rulebook", "version", "code", "text",
    "number", "date", "boolean", "included", "_", "warn", "warning", "warnings", "w", "WARN",
)
_NOT_A_RULE_NAME = frozenset({"when", "as", "is"})

# Texts that would do something if a backend ever evaluated them, or break a quoted literal.
HOSTILE_TEXTS = (
    "__import__('os').system('echo pwned')",
    "'); raise SystemExit; ('",
    "\"); raise SystemExit; (\"",
    "\\'); raise SystemExit #",
    "back\\slash",
    "ends with \\",
    "\\n is not a newline",
    "{x0}",
    "%s %(name)s",
    "Training/Cursus/Opleiding",
    "Coaching naar werk of participatie",
    "café ü € 𝔘 日本",
    " padded ",
    "tab\there",
    "",
    "40",
    "2024-01-31",
    "true",
)


def text_literal(value: str) -> str:
    """``value`` as a quoted text of the rulebook language (only ``\\"`` and ``\\\\`` escape)."""
    if "\n" in value:
        raise ValueError("a rulebook text cannot hold a newline")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Patterns of ``matches`` from the subset (docs/language.md), chosen to fall on both sides of
# the values the fields draw: digits, letters, non-ASCII and line breaks under ``.``.
SAFE_PATTERNS = (
    r"\d+", r"\d{4}", r"\d{1,3}", r"[0-9]{9}", r"[a-z]+", r"[A-Za-z0-9_]*x?", r".*", r".+",
    r"(ab|c)+", r"[^0-9]+", r"\w+", r"\s*\w", r".{2,4}", r"t.*l", r"[^a-z]*\.?",
    r"\d+(\.\d+)?", r"(\d\d|x)?[^0-9]?",
)
_REGEX_SPECIAL = set("\\.^$|?*+()[]{}")


def _escaped(value: str) -> str:
    """A pattern matching exactly ``value``."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in value)


def patterns_for(values: list[str]) -> list[str]:
    """Patterns for a field with these values: the safe ones, and ones made from a value
    (the value itself, with its last character any, or a prefix of it and then anything)."""
    made = []
    for value in values:
        if not value or "\n" in value:
            continue
        made += [_escaped(value), _escaped(value[:-1]) + ".", _escaped(value[:1]) + ".*"]
    return [*SAFE_PATTERNS, *made]


def pattern_literal(pattern: str) -> str:
    """A pattern as a quoted text: ``\\`` and ``\"`` escape, any other backslash is kept."""
    from srg_rules import printer

    return printer.pattern(pattern)


# --- the generated structure -------------------------------------------------------------


@attrs.frozen
class CodeSpec:
    """A code value (as the checker stores it) and the ways a rulebook can write it."""

    value: str
    forms: tuple[str, ...]


@attrs.frozen
class FieldSpec:
    """A field and its interesting values.

    ``codes`` for a code field; ``values`` for the others: numbers (as written in a rulebook),
    dates, texts, the constants that comparisons use and records aim at.
    """

    name: str
    type: str  # a type name; "digits" with its ``length``
    optional: bool
    codes: tuple[CodeSpec, ...] = ()
    values: tuple = ()
    length: int | None = None  # for digits(n)

    @property
    def base(self) -> str:
        """The type whose operators apply: a bsn and a digits(n) are texts, a month a date."""
        if self.type == "month":
            return "date"
        return "text" if self.type in TEXT_TYPES else self.type

    def declaration(self, entries: tuple[str, ...] = ()) -> str:
        spec = self.type if not entries else "code {" + ", ".join(entries) + "}"
        if self.type == "digits":
            spec = f"digits({self.length})"
        return f"field {self.name}: {spec}" + (" optional" if self.optional else "")


@attrs.frozen
class SchemaSpec:
    fields: tuple[FieldSpec, ...]
    output: FieldSpec | None  # a code "field" holding the output's name and codes
    names: tuple[str, ...]  # spare names, distinct from the fields', for defines and rules

    def of_type(self, kind: str) -> list[FieldSpec]:
        return [f for f in self.fields if f.type == kind]


def _code_forms(value: str) -> tuple[str, ...]:
    """Every way to write ``value`` that the checker reads as exactly that code (a number is
    the code it spells: ``007`` is the code "007")."""
    forms = [text_literal(value)] if "\n" not in value else []
    if _NAME.fullmatch(value) or _NUMBER.fullmatch(value):
        forms.append(value)
    return tuple(forms)


def _readable(value: str) -> bool:
    """A code or a compared text must be what a record can hold: no surrounding blanks."""
    return bool(value) and value == value.strip()


_plain_names = st.builds(
    str.__add__, st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789_", max_size=7),
)
_names = st.one_of(_plain_names, st.sampled_from(HOSTILE_NAMES))

_code_values = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    _plain_names,
    st.sampled_from(("40", "42", "-3", "0", "1.5", "007", "1.50", "41", "01")),
    st.sampled_from(HOSTILE_TEXTS),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=6),
).filter(_readable)

_number_texts = st.one_of(
    st.sampled_from(("0", "1", "-1", "10", "40", "12.5", "0.5", "-0.5", "2.25", "-0",
                     "9007199254740993", "2147483648", "100.0")),
    st.integers(-1000, 1000).map(str),
    st.builds(lambda i, f: f"{i}.{f}", st.integers(-99, 99), st.text("0123456789", min_size=1, max_size=2)),
)

_dates = st.one_of(
    st.sampled_from((dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2023, 12, 31),
                     dt.date(2024, 1, 1), dt.date.min, dt.date.max)),
    st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)),
)

# A month's constants: mostly first days (values it can hold), now and then another day.
_months = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)).map(lambda d: d.replace(day=1)),
    st.sampled_from((dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2023, 12, 1),
                     dt.date(1, 1, 1), dt.date(9999, 12, 1))),
    _dates,
)

_texts = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=5),
)


def eleven_test(digits: str) -> bool:
    """The BSN 11-test, written out again here so that the tests do not trust the schema's."""
    if len(digits) != 9 or not (digits.isascii() and digits.isdigit()):
        return False
    total = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits))
    return total % 11 == 0 and total != 0


@st.composite
def _bsn(draw) -> str:
    """A valid BSN: eight digits and the check digit that passes the 11-test."""
    while True:
        eight = draw(st.text("0123456789", min_size=8, max_size=8))
        total = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2), eight))
        if total % 11 != 10 and total:
            return eight + str(total % 11)


# Test BSNs (the 99999xxxx range, never a real person's) that pass, and nine digits that fail.
_GOOD_BSNS = ("999990019", "999990020", "999990032", "999990007", "111222333", "012345672")
_BAD_BSNS = ("123456789", "999990018", "000000000", "99999001", "9999900190")


@st.composite
def _code_list(draw, min_size: int = 1) -> tuple[CodeSpec, ...]:
    values = draw(st.lists(_code_values, min_size=min_size, max_size=6, unique=True))
    return tuple(CodeSpec(v, _code_forms(v)) for v in values)


@st.composite
def _field(draw, name: str, types: tuple[str, ...] = TYPES) -> FieldSpec:
    kind = draw(st.sampled_from(types))
    optional = draw(st.booleans())
    if kind == "code":
        return FieldSpec(name, kind, optional, codes=draw(_code_list()))
    if kind == "number":
        values = tuple(draw(st.lists(_number_texts, min_size=1, max_size=4, unique=True)))
    elif kind == "date":
        values = tuple(draw(st.lists(_dates, min_size=1, max_size=4, unique=True)))
    elif kind == "month":
        values = tuple(draw(st.lists(_months, min_size=1, max_size=4, unique=True)))
    elif kind == "text":
        values = tuple(draw(st.lists(_texts.filter(_readable), min_size=1, max_size=4, unique=True)))
    elif kind == "bsn":
        # Valid ones first (records draw from them); now and then a constant no BSN equals.
        good = draw(st.lists(st.one_of(st.sampled_from(_GOOD_BSNS), _bsn()), min_size=1,
                             max_size=3, unique=True))
        bad = draw(st.lists(st.sampled_from(_BAD_BSNS), max_size=1))
        values = tuple(good + bad)
    elif kind == "digits":
        length = draw(st.sampled_from((1, 2, 4, 4, 6)))
        good = draw(st.lists(st.text("0123456789", min_size=length, max_size=length),
                             min_size=1, max_size=3, unique=True))
        bad = draw(st.lists(st.sampled_from(("0" * (length + 1), "1" * max(length - 1, 1) + "x")),
                            max_size=1))
        return FieldSpec(name, kind, optional, values=tuple(good + [b for b in bad if b not in good]),
                         length=length)
    else:
        values = ()
    return FieldSpec(name, kind, optional, values=values)


@st.composite
def schemas(draw, min_fields: int = 1, max_fields: int = 6) -> SchemaSpec:
    """A field set covering every type, optional or not, with hostile names and code values."""
    count = draw(st.integers(min_fields, max_fields))
    names = draw(st.lists(_names.filter(lambda n: n != "not"), min_size=count + 12,
                          max_size=count + 12, unique=True))
    # Often only a few types, so that fields of one type meet in field-to-field comparisons.
    palette = draw(st.one_of(st.just(TYPES), st.lists(st.sampled_from(TYPES), min_size=1,
                                                      max_size=2, unique=True).map(tuple)))
    fields = tuple(draw(_field(name, palette)) for name in names[:count])
    output = None
    if draw(st.booleans()):
        output = FieldSpec(draw(st.sampled_from(("type", "soort", "output", "field"))), "code",
                           False, codes=draw(_code_list()))
    return SchemaSpec(fields, output, tuple(names[count:]))


# --- rulebook text ------------------------------------------------------------------------

# A condition as text with its precedence: 0 an `or`, 1 an `and`, 2 an atom or a `not`.
_Cond = tuple[str, int]


def _wrap(condition: _Cond, at_least: int) -> str:
    text, precedence = condition
    return text if precedence >= at_least else f"({text})"


def _number_value(text: str):
    return float(text) if "." in text else int(text)


def _date_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


@st.composite
def _leaf(draw, schema: SchemaSpec, defines: list[str]) -> _Cond:
    choices = ["field"] * 6 + (["define"] if defines else [])
    if draw(st.sampled_from(choices)) == "define":
        return draw(st.sampled_from(defines)), 2
    field = draw(st.sampled_from(schema.fields))
    name = field.name
    kind = field.base  # a month compares as a date
    roll = draw(st.integers(0, 9))
    if roll == 0:
        return f"{name} {draw(st.sampled_from(('is missing', 'is present', 'is not missing')))}", 2
    if roll == 3 and field.base in ("code", "text"):
        values = [c.value for c in field.codes] if field.codes else list(field.values)
        pattern = draw(st.sampled_from(patterns_for(values)))
        verb = draw(st.sampled_from(("matches", "matches", "does not match")))
        return f"{name} {verb} {pattern_literal(pattern)}", 2
    # Fields of the same base type compare (a bsn with a text, a digits(4) with a digits(6)).
    same_type = [f for f in schema.fields if f.base == field.base]
    if roll in (1, 2):
        # Field to field: the word must not read as a code or a boolean literal instead.
        # Mostly another field; now and then the field itself.
        codes = {c.value for c in field.codes}
        others = [f for f in same_type if f.name not in codes
                  and not (kind == "boolean" and f.name.lower() in ("true", "false"))]
        if len(others) > 1 and draw(st.integers(0, 4)):
            others = [f for f in others if f is not field]
        if others:
            other = draw(st.sampled_from(others))
            ops = ("=", "!=", "<", "<=", ">", ">=") if kind in ("number", "date") else ("=", "!=")
            left, right = name, other.name
            if kind == "date" and draw(st.integers(0, 2)) == 0:
                # A date moved by some units, on either side (docs/language.md).
                if draw(st.booleans()):
                    left += draw(_shift())
                else:
                    right += draw(_shift())
            return f"{left} {draw(st.sampled_from(ops))} {right}", 2
    if roll == 3 and draw(st.integers(0, 2)) == 0:
        measured = draw(_measured(schema, field))
        if measured is not None:
            return measured, 2
    kind = field.base
    if kind == "boolean":
        form = draw(st.sampled_from(("bare", "bare", "=", "!=")))
        if form == "bare":
            return name, 2
        word = draw(st.sampled_from(("true", "false", "True", "FALSE")))
        return f"{name} {form} {word}", 2
    if kind == "code":
        def value():
            return draw(st.sampled_from(draw(st.sampled_from(field.codes)).forms))
    elif kind == "number":
        def value():
            return draw(st.sampled_from(field.values))
    elif kind == "date":
        def value():
            return _date_text(draw(st.sampled_from(field.values)))
    else:
        def value():
            return text_literal(draw(st.sampled_from(field.values)))
    ops = ["=", "!="] + (["<", "<=", ">", ">="] if kind in ("number", "date") else [])
    if kind in ("code", "text", "number"):
        ops += ["in", "not in"]
    op = draw(st.sampled_from(ops))
    if op in ("in", "not in"):
        items = [value() for _ in range(draw(st.integers(1, 3)))]
        trailing = "," if draw(st.integers(0, 5)) == 0 else ""
        return f"{name} {op} {{{', '.join(items)}{trailing}}}", 2
    if kind == "date" and draw(st.integers(0, 3)) == 0:
        shift = draw(_shift())
        if draw(st.booleans()):
            return f"{name}{shift} {op} {value()}", 2
        constant = draw(st.sampled_from(field.values))
        if _shifted(constant, shift) is not None:  # a literal moved off the calendar is an error
            return f"{name} {op} {_date_text(constant)}{shift}", 2
    return f"{name} {op} {value()}", 2


@st.composite
def _measured(draw, schema: SchemaSpec, field: FieldSpec) -> str | None:
    """``length(FIELD) OP N`` of a text or code field, ``age(A, B) OP N`` with a date field
    as either argument (the other a date field, perhaps moved, or a date), compared with a number constant
    near an edge or a number field, on either side; None for a field no measure applies to."""
    if field.base in ("text", "code"):
        measure = f"length({field.name})"
        bound = draw(st.sampled_from((0, 1, 2, 3, 4, 9, 10)))
    elif field.type == "date":
        others = [f.name for f in schema.fields if f.type == "date"]
        other = draw(st.sampled_from([*others, *(_date_text(v) for v in field.values)]))
        if other in others and draw(st.integers(0, 3)) == 0:
            other += draw(_shift())  # a moved date field: age(b, d - 1 months)
        measure = f"age({field.name}, {other})" if draw(st.booleans()) \
            else f"age({other}, {field.name})"
        bound = draw(st.sampled_from((-1, 0, 1, 17, 18, 18.5, 65)))
    else:
        return None
    ops = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
    op = draw(st.sampled_from(sorted(ops)))
    numbers = [f.name for f in schema.fields if f.type == "number"]
    if numbers and draw(st.integers(0, 3)) == 0:
        other_side = draw(st.sampled_from(numbers))
    else:
        other_side = str(bound)
    if draw(st.integers(0, 3)) == 0:  # the other side first: 18 <= age(b, d), h > length(t)
        return f"{other_side} {ops[op]} {measure}"
    return f"{measure} {op} {other_side}"


@st.composite
def _shift(draw) -> str:
    """`` + N UNIT`` or `` - N UNIT``, mostly small, months most often (clamping matters)."""
    unit = draw(st.sampled_from(("days", "weeks", "months", "months", "years", "month", "day")))
    amount = draw(st.sampled_from((0, 1, 1, 2, 3, 12, 400)))
    return f" {draw(st.sampled_from('+-'))} {amount} {unit}"


def _shifted(day: dt.date, shift: str) -> dt.date | None:
    from srg_rules import dates

    sign, amount, unit = shift.split()
    return dates.shift(day, int(amount) * (1 if sign == "+" else -1), dates.unit_of(unit))


@st.composite
def _condition(draw, schema: SchemaSpec, defines: list[str], depth: int = 0) -> _Cond:
    """A condition tree at most four levels deep; leaves are comparisons and references."""
    shape = draw(st.integers(0, 9)) if depth < 4 else 0
    if shape <= 4:
        return draw(_leaf(schema, defines))
    if shape == 5:
        return "not " + _wrap(draw(_condition(schema, defines, depth + 1)), 2), 2
    if shape == 6:
        return f"({draw(_condition(schema, defines, depth + 1))[0]})", 2
    items = [draw(_condition(schema, defines, depth + 1)) for _ in range(draw(st.integers(2, 3)))]
    if shape in (7, 8):
        return " and ".join(_wrap(c, 2) for c in items), 1
    return " or ".join(_wrap(c, 1) for c in items), 0


_becauses = st.one_of(st.sampled_from(HOSTILE_TEXTS), _texts)


@st.composite
def programs(draw, schema: SchemaSpec, dated: bool = True, regions: bool = False) -> str:
    """Rulebook text for ``schema``: declarations, defines and rules of every kind (with
    ``dated``, now and then validity periods and a decision date). With ``regions``, 8 to 24
    rules, most of them requiring a code of one or two code fields first (``category =
    training and funding = wmo and ...``, as the SRG's classify rules name a region): what the
    compiled backend groups its tests by (srg_rules/backends/dispatch.py)."""
    names = list(schema.names)
    statements: list[str] = []
    dates = draw(_decision_date(schema)) if dated else None
    if draw(st.integers(0, 3)) == 0:
        title = draw(_becauses)
        version = draw(st.one_of(st.none(), _becauses))
        statements.append(f"rulebook {text_literal(title)}"
                          + (f" version {text_literal(version)}" if version is not None else "")
                          + draw(_validity(dates)))
    for field in schema.fields:
        entries = tuple(
            draw(st.sampled_from(code.forms))
            + (f" {text_literal(draw(_texts))}" if draw(st.integers(0, 3)) == 0 else "")
            + draw(_validity(dates))
            for code in field.codes
        )
        statements.append(field.declaration(entries))
    if dates is not None:
        statements.append(f"rules in force on {dates.name}")
    if schema.output is not None:
        entries = ", ".join(
            draw(st.sampled_from(c.forms)) + f" {text_literal(draw(_texts))}"
            + draw(_validity(dates))
            for c in schema.output.codes
        )
        statements.append(f"output {schema.output.name}: code {{{entries}}}")

    defines: list[str] = []
    definitions: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        name = names.pop()
        definitions.append(f"define {name}: {draw(_condition(schema, defines))[0]}")
        defines.append(name)

    verbs = ["reject", "include", "include", "include", "exclude", "exclude", "warn"] + (
        ["classify"] * 3 if schema.output else [])
    rules: list[str] = []
    warn_names: list[str] = []
    region_fields = [f for f in schema.fields if f.codes][:2] if regions else []
    for _ in range(draw(st.integers(8, 24) if regions else st.integers(1, 7))):
        verb = draw(st.sampled_from(verbs))
        name = ""
        if names and draw(st.booleans()):
            candidate = names.pop()
            if candidate not in _NOT_A_RULE_NAME:
                name = f" {candidate}"
                if verb == "warn":
                    warn_names.append(candidate)
        drawn = draw(_condition(schema, defines))
        condition = drawn[0]
        required = [f"{field.name} = {draw(st.sampled_from(draw(st.sampled_from(field.codes)).forms))}"
                    for field in region_fields if draw(st.integers(0, 4))]
        if required:
            condition = " and ".join([*required, _wrap(drawn, 1)])
        because = f" because {text_literal(draw(_becauses))}" if draw(st.integers(0, 3)) == 0 else ""
        condition += draw(_validity(dates))
        if verb == "classify":
            code = draw(st.sampled_from(draw(st.sampled_from(schema.output.codes)).forms))
            rules.append(f"classify{name} as {code} when {condition}{because}")
        else:
            rules.append(f"{verb}{name} when {condition}{because}")
    if draw(st.integers(0, 4)) == 0:
        outcome = draw(st.sampled_from(("included", "excluded", "rejected")))
        if schema.output is not None and draw(st.booleans()):
            outcome = "type " + draw(st.sampled_from(draw(st.sampled_from(schema.output.codes)).forms))
        if warn_names and draw(st.booleans()):
            outcome = f"warning {draw(st.sampled_from(warn_names))}" + (
                f" and {outcome}" if draw(st.booleans()) else "")
        rules.append(f"expect {outcome} when {draw(_condition(schema, defines))[0]}")
    # Defines may come after the rules that use them; rule order is what decides reasons.
    body = definitions + rules
    if draw(st.booleans()):
        body = list(draw(st.permutations(body)))
    text = ""
    for statement in statements + body:
        separator = draw(st.sampled_from(("\n", "\n", "\n\n", " ", "  # a comment\n", "\n\t")))
        text += statement + separator
    return text


@st.composite
def _decision_date(draw, schema: SchemaSpec) -> FieldSpec | None:
    """Now and then a required date field that picks the rules in force (None: the rulebook
    has no validity periods)."""
    candidates = [f for f in schema.fields if f.base == "date" and not f.optional]
    if not candidates or draw(st.booleans()):
        return None
    return draw(st.sampled_from(candidates))


@st.composite
def _validity(draw, decision: FieldSpec | None) -> str:
    """`` valid from ... until ...`` now and then, its dates among those records aim at (so
    that records fall on both ends and on the days beside them); "" without a decision date."""
    if decision is None or draw(st.integers(0, 2)):
        return ""
    first, last = sorted(draw(st.sampled_from(decision.values)) for _ in range(2))
    form = draw(st.sampled_from(("from", "until", "both")))
    if form == "from":
        return f" valid from {_date_text(first)}"
    if form == "until":
        return f" valid until {_date_text(last)}"
    return f" valid from {_date_text(first)} until {_date_text(last)}"


def rulebook_texts(dated: bool = True) -> st.SearchStrategy[str]:
    """Rulebook text for a generated schema, sometimes with validity periods (``dated``)."""
    return schemas().flatmap(lambda schema: programs(schema, dated=dated))


# --- records -------------------------------------------------------------------------------


def _numeric_neighbours(text: str) -> list:
    value = _number_value(text)
    return [value - 1, value, value + 1]


def _month_starts(values) -> list[dt.date]:
    """The first days of the months of ``values`` and of the months on either side."""
    from srg_rules.months import month_starts_near

    return sorted({d for value in values for d in month_starts_near(value)})


def _month_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _day(value: dt.date, days: int) -> dt.date | None:
    try:
        return value + dt.timedelta(days=days)
    except OverflowError:
        return None


_NAN = float("nan")

_ANY_ODD = (None, "", "  ", "\t", _NAN, True, False, 0, 1, -1, 2, 1.0, 1.5, float("inf"),
            dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 12, 0), "abc", "None", "nan", "0")


def valid_value(field: FieldSpec) -> st.SearchStrategy:
    """A raw value that reads without a problem: the constants and their neighbours, in the
    forms a CSV file or a program may carry them (missing too, when the field is optional)."""
    missing = st.sampled_from((None, "", "  ")) if field.optional else st.nothing()
    if field.type == "code":
        codes = [c.value for c in field.codes]
        numeric = [_number_value(c) for c in codes
                   if _NUMBER.fullmatch(c) and str(_number_value(c)) == c]
        good = st.sampled_from(codes)
        return st.one_of(good, good, good, good.map(lambda c: f" {c}\t"), missing,
                         st.sampled_from(numeric) if numeric else good)
    if field.type == "number":
        near = st.sampled_from([v for text in field.values for v in _numeric_neighbours(text)])
        return st.one_of(near.map(str), near.map(str), near, near.map(float), missing,
                         near.map(lambda v: str(v).replace(".", ",")))
    if field.type == "date":
        near = st.sampled_from([d for value in field.values for k in (-1, 0, 1)
                                if (d := _day(value, k)) is not None])
        return st.one_of(near.map(_date_text), near.map(_date_text), near,
                         near.map(lambda d: d.strftime("%Y%m%d")), missing,
                         st.just("00000000") if field.optional else near)
    if field.type == "month":
        near = st.sampled_from(_month_starts(field.values))
        return st.one_of(near.map(_month_text), near.map(_month_text), near,
                         near.map(lambda d: f"{d.year:04d}{d.month:02d}"),
                         near.map(lambda d: f" {_month_text(d)}\t"), missing)
    if field.type == "boolean":
        return st.one_of(st.sampled_from(("true", "false", "True", "ja", "nee", "1", "0")),
                         st.booleans(), missing)
    if field.type in ("bsn", "digits"):
        good = st.sampled_from(_valid_digits(field))
        drawn = _bsn() if field.type == "bsn" else st.text(
            "0123456789", min_size=field.length, max_size=field.length)
        # A number from a typed column (its leading zeros lost) reads zero-filled.
        return st.one_of(good, good, good.map(lambda t: f" {t}\t"), good.map(int), drawn, missing)
    return st.one_of(st.sampled_from(field.values), st.sampled_from(field.values).map(lambda t: f" {t}\t"),
                     missing)


def raw_value(field: FieldSpec) -> st.SearchStrategy:
    """One raw value for ``field``: valid or not, as a string or as a Python value."""
    odd = st.sampled_from(_ANY_ODD)
    if field.type == "code":
        codes = [c.value for c in field.codes]
        numeric = []
        for code in codes:
            if _NUMBER.fullmatch(code):
                number = _number_value(code)
                numeric += [number, float(number), number + 1]
        good = st.sampled_from(codes)
        return st.one_of(
            good, good, good,
            good.map(lambda c: f" {c} "), good.map(str.upper), good.map(lambda c: c + "x"),
            st.sampled_from(numeric) if numeric else good,
            st.sampled_from(("zzz", "Coaching", "4O", "'); raise SystemExit; ('")),
            odd,
            st.just(["unhashable"]),
        )
    if field.type == "number":
        neighbours = [v for text in field.values for v in _numeric_neighbours(text)]
        near = st.sampled_from(neighbours)
        return st.one_of(
            near.map(str), near.map(str), near, near.map(float),
            st.sampled_from(field.values), st.sampled_from(field.values).map(lambda t: t.replace(".", ",")),
            st.sampled_from(("12,5", "1,000", "1.000,5", "1e3", "1E-2", " 7 ", "+5", ".5", "5.", "-0",
                             "1_000", "١٢", "inf", "nan", "0x10", "9007199254740993", "1e999", "")),
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-(2**64), 2**64),
            odd,
        )
    if field.type == "date":
        neighbours = [d for value in field.values for k in (-1, 0, 1)
                      if (d := _day(value, k)) is not None]
        near = st.sampled_from(neighbours)
        return st.one_of(
            near.map(_date_text), near.map(_date_text), near.map(lambda d: d.strftime("%Y%m%d")),
            near, near.map(lambda d: dt.datetime(d.year, d.month, d.day, 23, 59)),
            near.map(lambda d: f" {_date_text(d)} "),
            st.sampled_from(("00000000", "2024-02-30", "2023-02-29", "2024-1-1", "0000-12-31",
                             "20240131", "2024/01/31", "31-01-2024", "２０２４-01-31",
                             "2024-01-31T00:00", "")),
            st.integers(19000101, 20991231),
            odd,
        )
    if field.type == "month":
        near = st.sampled_from(_month_starts(field.values))
        return st.one_of(
            near.map(_month_text), near.map(lambda d: f"{d.year:04d}{d.month:02d}"), near,
            near.map(lambda d: dt.datetime(d.year, d.month, 1, 0, 0)),
            near.map(_date_text), near.map(lambda d: d.replace(day=2)),
            near.map(lambda d: f"{d.year}-{d.month}"), near.map(lambda d: d.year * 100 + d.month),
            st.sampled_from(("2024-13", "2024-00", "202413", "0000-01", "000000", "00000000",
                             "2024/01", "2024-1", "24-01", "２０２４-01", "2024-01\n", "-2024-01",
                             "2024--01", "")),
            odd,
        )
    if field.type == "boolean":
        return st.one_of(
            st.sampled_from(("true", "false", "True", "FALSE", "ja", "nee", "JA", "1", "0", "y",
                             "n", "yes", "no", "waar", "onwaar", " yes ", "maybe", "2", "-1")),
            st.booleans(),
            odd,
        )
    if field.type in ("bsn", "digits"):
        good = st.sampled_from(_valid_digits(field))
        length = field.length or 9
        return st.one_of(
            good, good, good.map(lambda t: f" {t} "), good.map(int), good.map(float),
            good.map(lambda t: t[1:]), good.map(lambda t: t + "0"), good.map(lambda t: "-" + t),
            good.map(lambda t: t[:-1] + "x"), good.map(lambda t: t[:-1] + "\u0663"),
            good.map(lambda t: "\uff10" + t[1:]),
            st.sampled_from(_BAD_BSNS) if field.type == "bsn" else st.just("0" * (length + 1)),
            st.text("0123456789", min_size=length, max_size=length),
            st.integers(-(10**length), 10**(length + 1)),
            odd,
        )
    return st.one_of(
        st.sampled_from(field.values), st.sampled_from(field.values).map(lambda t: f"  {t}\t"),
        _texts, odd,
    )


def _valid_digits(field: FieldSpec) -> list[str]:
    """The field's constants that are valid values of it, or one that is."""
    if field.type == "bsn":
        good = [v for v in field.values if eleven_test(v)]
        return good or ["999990019"]
    good = [v for v in field.values if len(v) == field.length and v.isascii() and v.isdigit()]
    return good or ["0" * field.length]


_HOSTILE_KEYS = ("__class__", "get", "x0", "'); raise SystemExit; ('", "", "category ", "P",
                 "__builtins__", "\n", "\\")


@st.composite
def raw_records(draw, schema: SchemaSpec) -> dict:
    """A record as the CLI or an embedding program hands it over: some keys missing, extra ones.

    Half of them read without problems (so that the rules decide them), the other half mix in
    values that are missing, of the wrong type or not in the code list.
    """
    record = {}
    odd = draw(st.sampled_from((0, 0, 1, 3, 10)))  # how often (of 10) a field is drawn odd
    for field in schema.fields:
        if draw(st.integers(0, 9)) < odd:
            if draw(st.integers(0, 9)) == 0:
                continue  # the key is absent
            record[field.name] = draw(raw_value(field))
        else:
            value = draw(valid_value(field))
            if value is not None or draw(st.booleans()):
                record[field.name] = value
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.one_of(st.sampled_from(_HOSTILE_KEYS), st.sampled_from(HOSTILE_NAMES)))
        if key not in record:
            record[key] = draw(st.one_of(st.sampled_from(HOSTILE_TEXTS), st.sampled_from(_ANY_ODD)))
    return record


def schema_of(program) -> SchemaSpec:
    """The :class:`SchemaSpec` of a checked program, with the constants its conditions use,
    so that :func:`raw_records` can aim at a rulebook that was not generated here."""
    from srg_rules import ir

    constants: dict[str, set] = {name: set() for name in program.schema.fields}
    for rule in program.rules:
        for node in ir.walk(rule.condition):
            constant = ir.field_constant(node) if isinstance(node, ir.Compare) else None
            if constant is not None:
                name, value = constant
                values = value if isinstance(value, frozenset) else {value}
                constants[name].update(v for v in values if not isinstance(v, bool))
    fields = []
    for name, field in program.schema.fields.items():
        kind = field.type.name
        found = sorted(constants[name], key=repr)
        if kind == "bsn" or field.type.length is not None:
            fields.append(FieldSpec(name, "bsn" if kind == "bsn" else "digits", field.optional,
                                    values=tuple(found) or (("999990019",) if kind == "bsn"
                                                            else ("0" * field.type.length,)),
                                    length=field.type.length))
            continue
        if kind == "code":
            codes = tuple(CodeSpec(c, _code_forms(c)) for c in field.codes or {})
            fields.append(FieldSpec(name, kind, field.optional, codes=codes))
            continue
        if kind == "number":
            values = tuple(str(v) for v in found) or ("0",)
        elif kind == "date":
            values = tuple(found) or (dt.date(2023, 12, 31), dt.date(2024, 1, 31), dt.date(2024, 6, 30))
        elif kind == "month":
            values = tuple(found) or (dt.date(2023, 12, 1), dt.date(2024, 2, 1))
        elif kind == "text":
            values = tuple(found) or ("x", "P0001")
        else:
            values = ()
        fields.append(FieldSpec(name, kind, field.optional, values=values))
    return SchemaSpec(tuple(fields), None, ())


def grammar_texts(white_space: tuple[str, ...] = (" ",)) -> st.SearchStrategy[str]:
    """Texts the rulebook grammar derives (Hypothesis' ``from_lark``; many are not valid
    rulebooks). Every terminal is followed by a space: ``from_lark`` concatenates tokens, and
    two words written together would lex as one. An ignored white-space token is one of
    ``white_space``; a comment ends its line (``from_lark`` may put ignored tokens between
    others)."""
    from hypothesis.extra.lark import from_lark

    from srg_rules.grammar import _parser

    terminals: dict[str, st.SearchStrategy[str]] = {
        "COMMENT": st.just("# note\n"), "WS": st.sampled_from(white_space)}
    for terminal in _parser().terminals:
        if terminal.name in terminals:
            continue
        pattern = terminal.pattern
        if pattern.type == "str":
            terminals[terminal.name] = st.just(pattern.value + " ")
        else:
            terminals[terminal.name] = st.from_regex(pattern.to_regexp(), fullmatch=True).map(
                lambda text: text + " ")
    return from_lark(_parser(), start="start", explicit=terminals)
