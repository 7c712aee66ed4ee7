"""The shared workload of the comparison benchmarks: SRG-like records and equivalent rule sets.

Input: nothing but a seed and a size. Output:

- :func:`records` — SRG-like rows as a CSV reader yields them (every value a string, blanks
  for missing), drawn from ``examples/make_provisions.py`` with one seed per delivery, so they
  carry its planted problems (typos, impossible dates, a missing person, compact dates,
  ``00000000`` end dates) at its rates.
- :data:`SRG` and :func:`generated` — a rule set as a small tuple tree (:class:`RuleSet`),
  with its rulebook text for our engine. ``SRG`` is ``rulebooks/srg.rules`` as it is now,
  with the delivery checks of ``rulebooks/srg-delivery.rules`` it uses, written out by hand
  (the benchmark checks it decides exactly as the real file does), over its own fields
  (:data:`SRG_FIELDS`: since issue 12 a month, a code from the CBS list with periods, a birth
  date, purpose, legal basis); ``generated(n)`` is ``n`` random rules over :data:`FIELDS`, shaped
  like the SRG's before issue 12. The SRG rule set's hand-written Python is literal
  (``_SRG_READ`` + ``_SRG_RULES``) and returns the warnings too.
- Renderers from a :class:`RuleSet` to what a developer writes by hand for it: a Python
  function (:func:`python_source`), a DuckDB query (:func:`duckdb_query`), a Polars
  expression (:func:`polars_columns`), and to what each peer engine evaluates: a zen-engine
  (GoRules) expression and decision table, a cel-python program and a rule-engine rule, each
  yielding the list of the rules that match (:func:`peer_expression`, :func:`zen_jdm`).

The reading of the raw strings (``read``) and the assembly of status, type and reasons from the
matching rules (``assemble``) are ordinary Python shared by the peers: none of them reads CSV
text into typed values the way the rulebook language does (a date may be ``YYYY-MM-DD`` or
``YYYYMMDD`` and must be a real date; ``ja``/``nee`` are booleans; ``00000000`` is missing; a
BSN is nine ASCII digits passing the 11-test, a municipality code four ASCII digits, and a
value that fails is a reason to reject and counts as missing for the rules), and none has a
notion of reasons. The peers evaluate every rule's condition.

Peers get values in one encoding they all handle the same way: a missing code or text is
``""``, a missing date ``0`` (dates are ``YYYYMMDD`` integers), a missing boolean ``false``;
comparisons with a missing value are guarded to be false, as in the rulebook language. So a
boolean field is never tested with ``is missing`` in these rule sets (no rule in the SRG
rulebook does).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import make_provisions  # noqa: E402

# --- the fields (those of rulebooks/srg.rules with srg-delivery.rules, in the loaded order) ----

CATEGORIES = ("coaching", "training", "taal", "ips", "vrijwilligerswerk", "sociale_activering",
              "mantelzorg", "intake", "administratie")
INITIATIVES = ("gemeente", "burger", "derden")
JUDGEMENTS = ("positief", "negatief")
FUNDINGS = ("reintegratie", "toegevoegd", "verantwoord", "inburgering", "wmo", "overig")
END_REASONS = ("1", "2", "3", "9")
CODES = {"category": CATEGORIES, "initiative": INITIATIVES, "judgement": JUDGEMENTS,
         "funding": FUNDINGS, "end_reason": END_REASONS}
# name, kind, optional. The order is the loaded program's (the fields of srg-delivery.rules
# first, where srg.rules `use`s it), which is the order of the reasons for field problems.
# "bsn": nine ASCII digits passing the 11-test; "digits4": four ASCII digits; both are texts
# for the rules.
FIELDS = (
    ("provision_id", "text", False),
    ("person_id", "bsn", True),
    ("municipality_code", "digits4", False),
    ("start_date", "date", False),
    ("end_date", "date", True),
    ("end_reason", "code", True),
    ("category", "code", False),
    ("initiative", "code", False),
    ("involved", "boolean", True),
    ("judgement", "code", True),
    ("funding", "code", False),
    ("traceable", "boolean", False),
)
TEXT_KINDS = frozenset({"text", "bsn", "digits4"})
PROBLEM = {"bsn": "invalid_bsn", "digits4": "invalid_digits"}
KIND = {name: kind for name, kind, _ in FIELDS}
FIELD_NAMES = tuple(name for name, _, _ in FIELDS)
TRUE_WORDS = frozenset({"true", "yes", "ja", "j", "y", "1", "waar"})
FALSE_WORDS = frozenset({"false", "no", "nee", "n", "0", "onwaar"})

FIELD_DECLARATIONS = """\
field provision_id: text
field person_id: bsn optional
field municipality_code: digits(4)
field start_date: date
field end_date: date optional
field end_reason: code {1, 2, 3, 9} optional
field category: code {coaching, training, taal, ips, vrijwilligerswerk, sociale_activering, mantelzorg, intake, administratie}
field initiative: code {gemeente, burger, derden}
field involved: boolean optional
field judgement: code {positief, negatief} optional
field funding: code {reintegratie, toegevoegd, verantwoord, inburgering, wmo, overig}
field traceable: boolean
"""


def passes_eleven_test(digits: str) -> bool:
    """Nine ASCII digits whose 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11, not 0."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    total = (9 * int(digits[0]) + 8 * int(digits[1]) + 7 * int(digits[2]) + 6 * int(digits[3])
             + 5 * int(digits[4]) + 4 * int(digits[5]) + 3 * int(digits[6]) + 2 * int(digits[7])
             - int(digits[8]))
    return total % 11 == 0 and total != 0


def records(count: int, seed: int = 1) -> list[dict[str, str]]:
    """``count`` SRG-like rows (dicts of strings), deliveries of make_provisions, seeds from
    ``seed`` on."""
    rows: list[dict[str, str]] = []
    while len(rows) < count:
        delivery = [row for _, row in make_provisions.build(seed)]
        _fill_new_columns(delivery, seed)
        rows.extend(delivery)
        seed += 1
    return rows[:count]


# The columns rulebooks/srg.rules gained in issue 12 that an older make_provisions does not
# write: filled only where a row lacks them (setdefault), from the delivery's seed, so that the
# records are the same on every run, before and after make_provisions writes them itself.
_PURPOSES = (("reintegratie", 85), ("participatie", 10), ("overig", 5))
_LEGAL_BASES = (("participatiewet", 70), ("", 14), ("ioaw", 4), ("inburgering", 4),
                ("wmo", 3), ("ioaz", 2), ("overig", 3))


def _fill_new_columns(rows: list[dict[str, str]], seed: int) -> None:
    """purpose, legal_basis and birth_date where a row has none: most rows for re-integration
    under the Participatiewet, a few Wmo or other; a birth date on nine rows in ten (1950 to
    2005), one in two hundred after the start date (the warning geboren_na_begin)."""
    rng = random.Random(f"workload-columns-{seed}")
    purposes, purpose_weights = zip(*_PURPOSES)
    bases, base_weights = zip(*_LEGAL_BASES)
    for row in rows:
        purpose = rng.choices(purposes, purpose_weights)[0]
        basis = rng.choices(bases, base_weights)[0]
        roll = rng.random()
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000))
        if roll < 0.005:
            born = dt.date(2025, 12, 31)
        row.setdefault("purpose", purpose)
        row.setdefault("legal_basis", basis)
        row.setdefault("birth_date", "" if roll > 0.9 else born.isoformat())


def example_rows() -> list[dict[str, str]]:
    """The example rows of rulebooks/srg.rules and srg-delivery.rules (without their case and
    expected columns) and a few made for the rules the pool seldom or never meets: a code
    merged away before the month, a code with a start date, a long registration number, a
    bad month, the two warnings."""
    import csv

    rows = []
    for name in ("srg.examples.csv", "srg-delivery.examples.csv"):
        with open(ROOT / "rulebooks" / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                rows.append({k: v for k, v in row.items()
                             if k != "case" and not k.startswith("expected_")})
    base = {"reporting_month": "2026-01", "provision_id": "AMS1", "person_id": "999990019",
            "municipality_code": "0363", "birth_date": "1980-05-01", "start_date": "2025-09-01",
            "end_date": "", "end_reason": "", "category": "coaching", "purpose": "reintegratie",
            "legal_basis": "", "initiative": "gemeente", "involved": "", "judgement": "",
            "funding": "reintegratie", "traceable": "ja"}
    for change in ({"municipality_code": "0003"}, {"municipality_code": "0003",
                                                   "reporting_month": "2020-12"},
                   {"municipality_code": "0007", "reporting_month": "1967-12"},
                   {"municipality_code": "9999"}, {"provision_id": "AMS0123456789012"},
                   {"provision_id": "AMS012345678901"}, {"reporting_month": "2026-13"},
                   {"reporting_month": "202601"}, {"reporting_month": "2026-1"},
                   {"reporting_month": "", "end_date": "2026-02-01", "end_reason": "1"},
                   {"end_date": "2026-02-01", "end_reason": "1"},
                   {"end_date": "2026-01-31", "end_reason": "1"},
                   {"birth_date": "2025-09-02"}, {"birth_date": "2025-09-01"},
                   {"birth_date": "2025-09-02", "traceable": "nee", "end_date": "2027-01-01"},
                   {"start_date": "2026-02-01"}, {"start_date": "2026-01-31", "category": "taal"},
                   {"initiative": "derden"}, {"initiative": "derden", "involved": "nee"},
                   {"legal_basis": "wmo", "purpose": "overig"}, {"person_id": ""},
                   {"purpose": "participatie", "category": "training"}):
        rows.append({**base, **change})
    return rows


# --- rule sets ---------------------------------------------------------------------------------
#
# A condition is a tuple:
#   ("eq"|"ne", field, value)          code or text = / != constant
#   ("in"|"nin", field, (values...))   code in / not in a set
#   ("true", field)                    a boolean field
#   ("missing"|"present", field)       is missing / is present
#   ("dcmp", field, op, yyyymmdd)      date vs constant, op in < <= > >= = !=
#   ("dfcmp", field, op, other)        date vs date
#   ("not", c) ("and", [c...]) ("or", [c...])


@dataclass
class Rule:
    verb: str
    id: str
    condition: tuple
    code: str | None = None  # for classify


@dataclass
class RuleSet:
    name: str
    rules: list[Rule]
    types: tuple[str, ...]
    header: str = ""
    by_verb: dict[str, list[Rule]] = field(default_factory=dict)
    # The fields the rules read, as FIELDS: the generated rule sets use FIELDS, the SRG rule
    # set its own (SRG_FIELDS).
    fields: tuple = FIELDS

    def __post_init__(self) -> None:
        self.by_verb = {verb: [r for r in self.rules if r.verb == verb]
                        for verb in ("reject", "exclude", "include", "classify", "warn")}

    def rulebook(self) -> str:
        lines = [self.header or f'rulebook "{self.name}"', "", FIELD_DECLARATIONS,
                 "output type: code {" + ", ".join(self.types) + "}", ""]
        for rule in self.rules:
            if rule.verb == "classify":
                lines.append(f"classify {rule.id} as {rule.code} when {text(rule.condition)}")
            else:
                lines.append(f"{rule.verb} {rule.id} when {text(rule.condition)}")
        return "\n".join(lines) + "\n"


_TEXT_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "=", "!=": "!="}


def _date_text(value: int) -> str:
    return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"


def text(c: tuple) -> str:
    """The condition in the rulebook language."""
    kind = c[0]
    if kind == "eq":
        return f"{c[1]} = {_literal(c[1], c[2])}"
    if kind == "ne":
        return f"{c[1]} != {_literal(c[1], c[2])}"
    if kind in ("in", "nin"):
        word = "in" if kind == "in" else "not in"
        return f"{c[1]} {word} {{{', '.join(c[2])}}}"
    if kind == "true":
        return c[1]
    if kind == "missing":
        return f"{c[1]} is missing"
    if kind == "present":
        return f"{c[1]} is present"
    if kind == "dcmp":
        return f"{c[1]} {c[2]} {_date_text(c[3])}"
    if kind == "dfcmp":
        return f"{c[1]} {c[2]} {c[3]}"
    if kind == "not":
        return f"not ({text(c[1])})"
    joiner = " and " if kind == "and" else " or "
    return "(" + joiner.join(text(item) for item in c[1]) + ")"


def _literal(name: str, value: str) -> str:
    return f'"{value}"' if KIND[name] in TEXT_KINDS else value


# The SRG rulebook the benchmarks measure: rulebooks/srg.rules as it is in the working tree,
# with the srg-delivery.rules it uses. The benchmarks check, before timing, that :data:`SRG`
# (and so every hand-written baseline and peer encoding made from it) decides every record as
# that file does; when the rulebook changes, :data:`SRG` and the hand-written function below
# must follow, or the benchmark stops.
SRG_PATH = ROOT / "rulebooks" / "srg.rules"


def srg_book():
    """``rulebooks/srg.rules`` as it is, loaded (its ``use`` resolved beside it)."""
    import srg_rules

    return srg_rules.load(SRG_PATH)


# That rulebook, rule by rule, in the loaded program's order (srg-delivery.rules' rules where
# srg.rules `use`s it; the define gemeentelijke_inzet written out where used). Its fields are
# SRG_FIELDS, not FIELDS: since issue 12 the rulebook reads a reporting month, a municipality
# code from the CBS list (rulebooks/gemeenten.csv, a code with its period) and a birth date, and
# its conditions use kinds the generated rule sets do not:
#   ("len", field, op, n)                     length(field) op n
#   ("dmcmp", field, op, month_field, n)      date field op month_field + n months
#   ("not_in_force", field, month_field)      a listed code used outside its period in that
#                                             month (the rule the engine makes of
#                                             `rules in force on reporting_month`)
# The check across records (`unique provision_id, municipality_code, reporting_month`) is not
# a per-record rule: it is not in this rule set, and the per-record benchmarks leave it out.
SRG_FIELDS = (
    ("reporting_month", "month", False),
    ("provision_id", "text", False),
    ("person_id", "bsn", False),
    ("municipality_code", "codelist", False),
    ("birth_date", "date", True),
    ("start_date", "date", False),
    ("end_date", "date", True),
    ("end_reason", "code", True),
    ("category", "code", False),
    ("purpose", "code", False),
    ("legal_basis", "code", True),
    ("initiative", "code", False),
    ("involved", "boolean", True),
    ("judgement", "code", True),
    ("funding", "code", False),
    ("traceable", "boolean", False),
)
PURPOSES = ("reintegratie", "participatie", "overig")
LEGAL_BASES = ("participatiewet", "ioaw", "ioaz", "wmo", "inburgering", "overig")
CODES.update(purpose=PURPOSES, legal_basis=LEGAL_BASES)
GEMEENTEN_PATH = ROOT / "rulebooks" / "gemeenten.csv"


def gemeenten() -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """rulebooks/gemeenten.csv as a hand-written program reads it: code -> (valid_from,
    valid_until), None for an open end."""
    periods = {}
    with open(GEMEENTEN_PATH, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    for line in lines[1:]:
        code, _label, start, until = line.rstrip("\n").split(";")
        periods[code] = (dt.date.fromisoformat(start) if start else None,
                         dt.date.fromisoformat(until) if until else None)
    return periods


def gemeenten_sql(table: str = "gemeenten") -> str:
    """A CREATE TABLE statement holding the code list, for the hand-written DuckDB query."""
    rows = ", ".join(
        f"('{code}', {f'DATE {chr(39)}{start}{chr(39)}' if start else 'NULL'}, "
        f"{f'DATE {chr(39)}{until}{chr(39)}' if until else 'NULL'})"
        for code, (start, until) in gemeenten().items())
    return (f"CREATE OR REPLACE TABLE {table} (code VARCHAR PRIMARY KEY, valid_from DATE, "
            f"valid_until DATE); INSERT INTO {table} VALUES {rows}")


_INZET = ("or", [("eq", "initiative", "gemeente"),
                 ("and", [("eq", "initiative", "derden"), ("true", "involved")]),
                 ("and", [("eq", "initiative", "burger"), ("eq", "judgement", "positief")])])
SRG = RuleSet("srg", [
    Rule("reject", "not_in_force:municipality_code",
         ("not_in_force", "municipality_code", "reporting_month")),
    Rule("reject", "registratienummer_te_lang", ("len", "provision_id", ">", 15)),
    Rule("reject", "einde_voor_begin", ("and", [("present", "end_date"),
                                               ("dfcmp", "end_date", "<", "start_date")])),
    Rule("reject", "reden_zonder_einddatum", ("and", [("missing", "end_date"),
                                                     ("ne", "end_reason", "9")])),
    Rule("include", "voorziening", ("dmcmp", "start_date", "<", "reporting_month", 1)),
    Rule("warn", "einde_na_verslagmaand", ("dmcmp", "end_date", ">=", "reporting_month", 1)),
    Rule("warn", "geboren_na_begin", ("dfcmp", "birth_date", ">", "start_date")),
    Rule("reject", "oordeel_ontbreekt", ("and", [("eq", "initiative", "burger"),
                                                ("missing", "judgement")])),
    Rule("reject", "betrokkenheid_ontbreekt", ("and", [("eq", "initiative", "derden"),
                                                      ("missing", "involved")])),
    Rule("exclude", "ander_doel", ("nin", "purpose", ("reintegratie", "participatie"))),
    Rule("exclude", "geen_gemeentelijke_inzet", ("not", _INZET)),
    Rule("exclude", "buiten_reintegratiebudget",
         ("nin", "funding", ("reintegratie", "toegevoegd", "verantwoord"))),
    Rule("exclude", "niet_herleidbaar", ("not", ("true", "traceable"))),
    Rule("exclude", "wmo_voorziening", ("eq", "legal_basis", "wmo")),
    Rule("exclude", "mantelzorg", ("eq", "category", "mantelzorg")),
    Rule("exclude", "intake_administratie", ("in", "category", ("intake", "administratie"))),
    Rule("classify", "coaching", ("eq", "category", "coaching"), "40"),
    Rule("classify", "training", ("eq", "category", "training"), "42"),
    Rule("classify", "taal", ("eq", "category", "taal"), "42"),
], ("40", "42"), fields=SRG_FIELDS)

# What the peers' encoding (read, holds, peer_condition, Polars) cannot say of SRG: a missing
# boolean (betrokkenheid_ontbreekt tests `involved is missing`, which their encoding reads as
# false), the code list with periods, a month and its arithmetic, length. The SRG rule set runs
# without them (compare.py says so); they run on the generated rule sets.
SRG_PEERS_SKIPPED = ("zen", "rule_engine", "cel", "polars")

_VERBS = ("reject",) + ("include",) * 4 + ("exclude",) * 3 + ("classify",) * 3
_SIZES = {"reject": (2, 4), "exclude": (2, 4), "include": (1, 3), "classify": (1, 2)}


def generated(count: int, seed: int = 1) -> RuleSet:
    """``count`` random rules over the SRG fields, shaped like the SRG rulebook's: rejects and
    excludes narrow, includes broad, classify rules each in a region of category and funding
    (so that few records match two). The verbs are spread 1:4:3:3 (reject, include, exclude,
    classify); the first rule is always an include and the second a classify."""
    rng = random.Random(seed)
    types = tuple(str(40 + j) for j in range(20))
    days = [(dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(400))) for _ in range(50)]

    def atom() -> tuple:
        name = rng.choice(("category", "initiative", "judgement", "funding", "involved",
                           "traceable", "start_date", "end_date", "person_id",
                           "municipality_code", "end_reason"))
        kind = KIND[name]
        roll = rng.random()
        if name in ("judgement", "end_date", "person_id", "end_reason") and roll < 0.15:
            return ("missing" if rng.random() < 0.5 else "present", name)
        if kind == "code":
            codes = CODES[name]
            if roll < 0.5:
                return (rng.choice(("eq", "eq", "ne")), name, rng.choice(codes))
            return (rng.choice(("in", "in", "nin")), name,
                    tuple(rng.sample(codes, rng.randint(1, len(codes) - 1))))
        if kind == "boolean":
            return ("true", name) if roll < 0.6 else ("not", ("true", name))
        if kind in TEXT_KINDS:
            if name == "person_id":
                return ("present", name)
            return (rng.choice(("eq", "ne")), name,
                    rng.choice([code for code, *_ in make_provisions.MUNICIPALITIES]))
        if roll < 0.2:
            return ("dfcmp", "end_date", rng.choice(("<", "<=", ">", ">=")), "start_date")
        day = rng.choice(days)
        return ("dcmp", name, rng.choice(("<", "<=", ">", ">=", "=", "!=")),
                day.year * 10000 + day.month * 100 + day.day)

    def condition(size: tuple[int, int]) -> tuple:
        parts = [atom() for _ in range(rng.randint(*size))]
        if len(parts) > 1 and rng.random() < 0.2:
            parts[-1] = ("or", [parts[-1], atom()])
        if rng.random() < 0.1:
            parts[0] = ("not", parts[0])
        return parts[0] if len(parts) == 1 else ("and", parts)

    sample = [read(row)[0] for row in records(2000, seed=10_000 + seed)]
    rules = []
    n = 0
    while len(rules) < count:
        verb = "include" if n == 0 else "classify" if n == 1 else rng.choice(_VERBS)
        body = condition(_SIZES[verb])
        if verb == "classify":
            region = [("eq", "category", rng.choice(CATEGORIES)),
                      ("eq", "funding", rng.choice(FUNDINGS))]
            body = ("and", region + ([body] if body[0] != "and" else body[1]))
        # Keep the decisions varied at any size: a reject or exclude rule matches at most 1
        # record in 200 of a sample, an include at least 1 in 5.
        share = sum(holds(body, values) for values in sample) / len(sample)
        if (verb in ("reject", "exclude") and share > 0.005) or (verb == "include" and share < 0.2):
            continue
        rules.append(Rule(verb, f"r{n}", body, rng.choice(types) if verb == "classify" else None))
        n += 1
    return RuleSet(f"generated{count}", rules, types)


def holds(c: tuple, values: dict) -> bool:
    """The truth of a condition over values in the peers' encoding (see :func:`read`)."""
    kind = c[0]
    if kind in ("and", "or"):
        return (all if kind == "and" else any)(holds(item, values) for item in c[1])
    if kind == "not":
        return not holds(c[1], values)
    value = values[c[1]]
    if kind == "true":
        return value is True
    if kind in ("missing", "present"):
        return (value in ("", 0)) == (kind == "missing")
    if value in ("", 0):
        return False
    if kind == "eq":
        return value == c[2]
    if kind == "ne":
        return value != c[2]
    if kind == "in":
        return value in c[2]
    if kind == "nin":
        return value not in c[2]
    other = c[3] if kind == "dcmp" else values[c[3]]
    if other == 0:
        return False
    return {"<": value < other, "<=": value <= other, ">": value > other, ">=": value >= other,
            "=": value == other, "!=": value != other}[c[2]]


# --- reading and assembling, shared by the peers ----------------------------------------------


def read(record: dict[str, str]) -> tuple[dict, list[str]]:
    """Typed values in the peers' encoding ("" / 0 / False for missing) and the problems."""
    problems: list[str] = []
    values: dict = {}
    get = record.get
    for name, kind, optional in FIELDS:
        raw = (get(name) or "").strip()
        if kind == "date" and raw == "00000000":
            raw = ""
        if not raw:
            if not optional:
                problems.append("missing_value:" + name)
            values[name] = 0 if kind == "date" else False if kind == "boolean" else ""
            continue
        if kind == "code":
            if raw not in CODES[name]:
                problems.append("unknown_code:" + name)
                raw = ""
            values[name] = raw
        elif kind == "text":
            values[name] = raw
        elif kind == "bsn":
            if passes_eleven_test(raw):
                values[name] = raw
            else:
                problems.append("invalid_bsn:" + name)
                values[name] = ""
        elif kind == "digits4":
            if len(raw) == 4 and raw.isascii() and raw.isdigit():
                values[name] = raw
            else:
                problems.append("invalid_digits:" + name)
                values[name] = ""
        elif kind == "boolean":
            low = raw.lower()
            if low in TRUE_WORDS:
                values[name] = True
            elif low in FALSE_WORDS:
                values[name] = False
            else:
                problems.append("invalid_boolean:" + name)
                values[name] = False
        else:
            try:
                day = dt.date.fromisoformat(raw) if len(raw) in (8, 10) else None
            except ValueError:
                day = None
            if day is None:
                problems.append("invalid_date:" + name)
                values[name] = 0
            else:
                values[name] = day.year * 10000 + day.month * 100 + day.day
    return values, problems


def assembler(rules: RuleSet):
    """A function (problems, matched) -> (status, type, reasons), where ``matched`` is a
    sequence of booleans, one per rule in rulebook order."""
    order = {verb: [(i, r) for i, r in enumerate(rules.rules) if r.verb == verb]
             for verb in ("reject", "exclude", "include", "classify")}
    rejects, excludes, includes, classify = (order[v] for v in ("reject", "exclude", "include",
                                                               "classify"))

    def assemble(problems, matched):
        rejected = [r.id for i, r in rejects if matched[i]]
        if problems or rejected:
            return "rejected", None, (*problems, *rejected)
        excluded = tuple(r.id for i, r in excludes if matched[i])
        if excluded:
            return "excluded", None, excluded
        included = tuple(r.id for i, r in includes if matched[i])
        if not included:
            return "excluded", None, ("no_include_matched",)
        types = [r for i, r in classify if matched[i]]
        if len(types) > 1:
            return "rejected", None, ("ambiguous_type", *(r.id for r in types))
        if types:
            return "included", types[0].code, (*included, types[0].id)
        return "included", None, (*included, "unclassified")

    return assemble


# --- the hand-written Python function --------------------------------------------------------

# What a developer writes by hand: read each field, convert, check, then the rules. The same
# reading for every rule set; the rules section is written per rule set (for SRG, literally
# by hand below; for a generated rule set, from its rules, in the same style).
_READ = '''\
def decide(record):
    problems = []
    get = record.get
    provision_id = (get("provision_id") or "").strip()
    if not provision_id:
        problems.append("missing_value:provision_id")
    person_id = (get("person_id") or "").strip() or None
    if person_id is not None and not _is_bsn(person_id):
        problems.append("invalid_bsn:person_id")
        person_id = None
    municipality_code = (get("municipality_code") or "").strip() or None
    if municipality_code is None:
        problems.append("missing_value:municipality_code")
    elif (len(municipality_code) != 4 or not municipality_code.isascii()
          or not municipality_code.isdigit()):
        problems.append("invalid_digits:municipality_code")
        municipality_code = None
    start_date = (get("start_date") or "").strip()
    if not start_date or start_date == "00000000":
        problems.append("missing_value:start_date")
        start_date = None
    else:
        try:
            start_date = _date(start_date)
        except ValueError:
            problems.append("invalid_date:start_date")
            start_date = None
    end_date = (get("end_date") or "").strip()
    if not end_date or end_date == "00000000":
        end_date = None
    else:
        try:
            end_date = _date(end_date)
        except ValueError:
            problems.append("invalid_date:end_date")
            end_date = None
    end_reason = (get("end_reason") or "").strip() or None
    if end_reason is not None and end_reason not in _END_REASONS:
        problems.append("unknown_code:end_reason")
        end_reason = None
    category = (get("category") or "").strip() or None
    if category is None:
        problems.append("missing_value:category")
    elif category not in _CATEGORIES:
        problems.append("unknown_code:category")
        category = None
    initiative = (get("initiative") or "").strip() or None
    if initiative is None:
        problems.append("missing_value:initiative")
    elif initiative not in _INITIATIVES:
        problems.append("unknown_code:initiative")
        initiative = None
    involved = (get("involved") or "").strip() or None
    if involved is not None:
        involved = _BOOLEANS.get(involved.lower())
        if involved is None:
            problems.append("invalid_boolean:involved")
    judgement = (get("judgement") or "").strip() or None
    if judgement is not None and judgement not in _JUDGEMENTS:
        problems.append("unknown_code:judgement")
        judgement = None
    funding = (get("funding") or "").strip() or None
    if funding is None:
        problems.append("missing_value:funding")
    elif funding not in _FUNDINGS:
        problems.append("unknown_code:funding")
        funding = None
    traceable = (get("traceable") or "").strip()
    if not traceable:
        problems.append("missing_value:traceable")
        traceable = None
    else:
        traceable = _BOOLEANS.get(traceable.lower())
        if traceable is None:
            problems.append("invalid_boolean:traceable")
'''

# The SRG rulebook's own reading (its fields since issue 12: a month, a BSN that is required,
# a code from the CBS list, a birth date, purpose and legal basis) and its rules, by hand. It
# returns the warnings beside status, type and reasons, as the engine does.
_SRG_READ = '''\
def decide(record):
    problems = []
    get = record.get
    reporting_month = (get("reporting_month") or "").strip()
    next_month = None
    if not reporting_month:
        problems.append("missing_value:reporting_month")
        reporting_month = None
    else:
        reporting_month = _month(reporting_month)
        if reporting_month is None:
            problems.append("invalid_month:reporting_month")
        elif reporting_month.year < 9999 or reporting_month.month < 12:
            year, month = divmod(reporting_month.year * 12 + reporting_month.month, 12)
            next_month = datetime.date(year, month + 1, 1)
    provision_id = (get("provision_id") or "").strip()
    if not provision_id:
        problems.append("missing_value:provision_id")
    person_id = (get("person_id") or "").strip()
    if not person_id:
        problems.append("missing_value:person_id")
    elif not _is_bsn(person_id):
        problems.append("invalid_bsn:person_id")
    municipality_code = (get("municipality_code") or "").strip()
    period = None
    if not municipality_code:
        problems.append("missing_value:municipality_code")
    else:
        period = _GEMEENTEN.get(municipality_code)
        if period is None:
            problems.append("unknown_code:municipality_code")
    birth_date = (get("birth_date") or "").strip()
    if not birth_date or birth_date == "00000000":
        birth_date = None
    else:
        try:
            birth_date = _date(birth_date)
        except ValueError:
            problems.append("invalid_date:birth_date")
            birth_date = None
    start_date = (get("start_date") or "").strip()
    if not start_date or start_date == "00000000":
        problems.append("missing_value:start_date")
        start_date = None
    else:
        try:
            start_date = _date(start_date)
        except ValueError:
            problems.append("invalid_date:start_date")
            start_date = None
    end_date = (get("end_date") or "").strip()
    if not end_date or end_date == "00000000":
        end_date = None
    else:
        try:
            end_date = _date(end_date)
        except ValueError:
            problems.append("invalid_date:end_date")
            end_date = None
    end_reason = (get("end_reason") or "").strip() or None
    if end_reason is not None and end_reason not in _END_REASONS:
        problems.append("unknown_code:end_reason")
        end_reason = None
    category = (get("category") or "").strip() or None
    if category is None:
        problems.append("missing_value:category")
    elif category not in _CATEGORIES:
        problems.append("unknown_code:category")
        category = None
    purpose = (get("purpose") or "").strip() or None
    if purpose is None:
        problems.append("missing_value:purpose")
    elif purpose not in _PURPOSES:
        problems.append("unknown_code:purpose")
        purpose = None
    legal_basis = (get("legal_basis") or "").strip() or None
    if legal_basis is not None and legal_basis not in _LEGAL_BASES:
        problems.append("unknown_code:legal_basis")
        legal_basis = None
    initiative = (get("initiative") or "").strip() or None
    if initiative is None:
        problems.append("missing_value:initiative")
    elif initiative not in _INITIATIVES:
        problems.append("unknown_code:initiative")
        initiative = None
    involved = (get("involved") or "").strip() or None
    if involved is not None:
        involved = _BOOLEANS.get(involved.lower())
        if involved is None:
            problems.append("invalid_boolean:involved")
    judgement = (get("judgement") or "").strip() or None
    if judgement is not None and judgement not in _JUDGEMENTS:
        problems.append("unknown_code:judgement")
        judgement = None
    funding = (get("funding") or "").strip() or None
    if funding is None:
        problems.append("missing_value:funding")
    elif funding not in _FUNDINGS:
        problems.append("unknown_code:funding")
        funding = None
    traceable = (get("traceable") or "").strip()
    if not traceable:
        problems.append("missing_value:traceable")
        traceable = None
    else:
        traceable = _BOOLEANS.get(traceable.lower())
        if traceable is None:
            problems.append("invalid_boolean:traceable")
'''

_SRG_RULES = '''\
    warnings = ()
    if end_date is not None and next_month is not None and end_date >= next_month:
        warnings = ("einde_na_verslagmaand",)
    if birth_date is not None and start_date is not None and birth_date > start_date:
        warnings += ("geboren_na_begin",)
    rejected = problems
    if period is not None and reporting_month is not None and (
            (period[0] is not None and reporting_month < period[0])
            or (period[1] is not None and reporting_month > period[1])):
        rejected.append("not_in_force:municipality_code")
    if len(provision_id) > 15:
        rejected.append("registratienummer_te_lang")
    if end_date is not None and start_date is not None and end_date < start_date:
        rejected.append("einde_voor_begin")
    if end_date is None and end_reason is not None and end_reason != "9":
        rejected.append("reden_zonder_einddatum")
    if initiative == "burger" and judgement is None:
        rejected.append("oordeel_ontbreekt")
    if initiative == "derden" and involved is None:
        rejected.append("betrokkenheid_ontbreekt")
    if rejected:
        return "rejected", None, tuple(rejected), warnings
    excluded = []
    if purpose != "reintegratie" and purpose != "participatie":
        excluded.append("ander_doel")
    if not (initiative == "gemeente" or (initiative == "derden" and involved)
            or (initiative == "burger" and judgement == "positief")):
        excluded.append("geen_gemeentelijke_inzet")
    if funding not in _REINTEGRATIE:
        excluded.append("buiten_reintegratiebudget")
    if not traceable:
        excluded.append("niet_herleidbaar")
    if legal_basis == "wmo":
        excluded.append("wmo_voorziening")
    if category == "mantelzorg":
        excluded.append("mantelzorg")
    if category == "intake" or category == "administratie":
        excluded.append("intake_administratie")
    if excluded:
        return "excluded", None, tuple(excluded), warnings
    if start_date is None or next_month is None or start_date >= next_month:
        return "excluded", None, ("no_include_matched",), warnings
    if category == "coaching":
        return "included", "40", ("voorziening", "coaching"), warnings
    if category == "training":
        return "included", "42", ("voorziening", "training"), warnings
    if category == "taal":
        return "included", "42", ("voorziening", "taal"), warnings
    return "included", None, ("voorziening", "unclassified"), warnings
'''


def _month(text: str) -> dt.date | None:
    """YYYY-MM or YYYYMM, a real month, as its first day; None for any other text."""
    if len(text) == 7 and text[4] == "-":
        year, month = text[:4], text[5:]
    elif len(text) == 6:
        year, month = text[:4], text[4:]
    else:
        return None
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        return None
    if year == "0000" or not 1 <= int(month) <= 12:
        return None
    return dt.date(int(year), int(month), 1)


def _date(text: str) -> dt.date:
    """YYYY-MM-DD or YYYYMMDD, a real date (fromisoformat takes both, and a few other ISO
    forms no SRG export holds)."""
    if len(text) not in (8, 10):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


_GLOBALS = {
    "_CATEGORIES": frozenset(CATEGORIES), "_INITIATIVES": frozenset(INITIATIVES),
    "_JUDGEMENTS": frozenset(JUDGEMENTS), "_FUNDINGS": frozenset(FUNDINGS),
    "_END_REASONS": frozenset(END_REASONS), "_is_bsn": passes_eleven_test,
    "_BOOLEANS": {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}},
    "_REINTEGRATIE": frozenset({"reintegratie", "toegevoegd", "verantwoord"}),
    "_date": _date, "_month": _month, "_PURPOSES": frozenset(PURPOSES),
    "_LEGAL_BASES": frozenset(LEGAL_BASES), "_GEMEENTEN": gemeenten(),
}


def python_source(rules: RuleSet) -> str:
    """The hand-written function's source; SRG's rules section is the literal one above."""
    if rules is SRG:
        return _SRG_READ + _SRG_RULES
    constants: dict = {}
    lines = ["    rejected = problems"]
    for rule in rules.by_verb["reject"]:
        lines.append(f"    if {_py(rule.condition, constants)}:")
        lines.append(f"        rejected.append({rule.id!r})")
    lines += ["    if rejected:", '        return "rejected", None, tuple(rejected)',
              "    excluded = []"]
    for rule in rules.by_verb["exclude"]:
        lines.append(f"    if {_py(rule.condition, constants)}:")
        lines.append(f"        excluded.append({rule.id!r})")
    lines += ["    if excluded:", '        return "excluded", None, tuple(excluded)',
              "    included = []"]
    for rule in rules.by_verb["include"]:
        lines.append(f"    if {_py(rule.condition, constants)}:")
        lines.append(f"        included.append({rule.id!r})")
    lines += ["    if not included:", '        return "excluded", None, ("no_include_matched",)',
              "    typed = []"]
    for rule in rules.by_verb["classify"]:
        lines.append(f"    if {_py(rule.condition, constants)}:")
        lines.append(f"        typed.append(({rule.code!r}, {rule.id!r}))")
    lines += ["    if not typed:", '        return "included", None, (*included, "unclassified")',
              "    if len(typed) > 1:",
              '        return "rejected", None, ("ambiguous_type", *(i for _, i in typed))',
              '    return "included", typed[0][0], (*included, typed[0][1])']
    head = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
    return head + _READ + "\n".join(lines) + "\n"


def _py(c: tuple, constants: dict) -> str:
    kind = c[0]
    if kind == "eq":
        return f"{c[1]} == {c[2]!r}"
    if kind == "ne":
        return f"({c[1]} is not None and {c[1]} != {c[2]!r})"
    if kind in ("in", "nin"):
        name = f"_S{len(constants)}"
        constants[name] = frozenset(c[2])
        if kind == "in":
            return f"{c[1]} in {name}"
        return f"({c[1]} is not None and {c[1]} not in {name})"
    if kind == "true":
        return c[1]
    if kind == "missing":
        return f"{c[1]} is None"
    if kind == "present":
        return f"{c[1]} is not None"
    if kind == "not":
        return f"not ({_py(c[1], constants)})"
    if kind in ("and", "or"):
        joiner = " and " if kind == "and" else " or "
        return "(" + joiner.join(_py(item, constants) for item in c[1]) + ")"
    op = "==" if c[2] == "=" else c[2]
    if kind == "dcmp":
        name = f"_D{len(constants)}"
        constants[name] = dt.date(c[3] // 10000, c[3] // 100 % 100, c[3] % 100)
        return f"({c[1]} is not None and {c[1]} {op} {name})"
    if kind == "dfcmp":
        return f"({c[1]} is not None and {c[3]} is not None and {c[1]} {op} {c[3]})"
    raise ValueError(f"not a condition: {c!r}")


def python_function(rules: RuleSet):
    namespace = {**_GLOBALS, "datetime": dt}
    exec(compile(python_source(rules), f"<hand-written {rules.name}>", "exec"), namespace)
    return namespace["decide"]


# --- the hand-written DuckDB query ------------------------------------------------------------


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# The kinds a typed table holds as DuckDB types (benchmarks/typed_input.py): a date or month
# as a DATE (a month as its first day), a boolean as a BOOLEAN.
TYPED_KINDS = frozenset({"date", "month", "boolean"})


def duckdb_query(rules: RuleSet, columns: list[str], table: str = "records",
                 typed: bool = False, values: tuple[str, ...] = ()) -> str:
    """One query over ``table`` (every field a VARCHAR column, as read from CSV): its
    ``columns`` and status, type, reasons (reasons joined with ``|``), as a developer writes
    it: read and check every field, evaluate every rule once, then decide.

    ``typed``: the table holds the fields of TYPED_KINDS as DATE and BOOLEAN columns (a
    null is missing), which are used as they are, with nothing to check but presence.
    ``values``: fields whose typed value (NULL when missing or invalid) is passed on too, as
    ``v_FIELD``."""
    read = []
    typed_values = []
    problems = []
    joins = []
    for name, kind, optional in rules.fields:
        if typed and kind in TYPED_KINDS:
            read.append(f"{name} AS t_{name}")
            typed_values.append(f"t_{name} AS v_{name}")
            if not optional:
                problems.append(f"CASE WHEN t_{name} IS NULL THEN 'missing_value:{name}' END "
                                f"AS p{len(problems)}")
            continue
        raw = f"nullif(trim({name}), '')"
        if kind == "date":
            raw = f"nullif({raw}, '00000000')"
        read.append(f"{raw} AS t_{name}")
        t = f"t_{name}"
        if kind == "text":
            typed_values.append(f"{t} AS v_{name}")
            bad = ""
        elif kind == "month":
            month = f"CASE WHEN regexp_full_match({t}, '[0-9]{{4}}-?[0-9]{{2}}') " \
                    f"THEN try_strptime(replace({t}, '-', ''), '%Y%m')::DATE END"
            typed_values.append(f"{month} AS v_{name}")
            bad = f"WHEN {month} IS NULL THEN 'invalid_month:{name}'"
        elif kind == "codelist":
            # The CBS list with its periods, as a table joined on the code.
            joins.append(f"LEFT JOIN gemeenten AS g_{name} ON g_{name}.code = {t}")
            typed_values.append(f"CASE WHEN g_{name}.code IS NOT NULL THEN {t} END AS v_{name}, "
                         f"g_{name}.valid_from AS f_{name}, g_{name}.valid_until AS u_{name}")
            bad = f"WHEN g_{name}.code IS NULL THEN 'unknown_code:{name}'"
        elif kind in ("bsn", "digits4"):
            if kind == "bsn":
                digit = [f"(ascii(substr({t}, {i}, 1)) - 48)" for i in range(1, 10)]
                total = " + ".join(f"{w} * {d}" for w, d in zip(range(9, 1, -1), digit)) \
                    + f" - {digit[8]}"
                ok = f"(regexp_full_match({t}, '[0-9]{{9}}') AND ({total}) % 11 = 0 " \
                     f"AND ({total}) <> 0)"
            else:
                ok = f"regexp_full_match({t}, '[0-9]{{4}}')"
            typed_values.append(f"CASE WHEN {ok} THEN {t} END AS v_{name}")
            bad = f"WHEN {t} IS NOT NULL AND NOT {ok} THEN '{PROBLEM[kind]}:{name}'"
        elif kind == "code":
            codes = ", ".join(_sql_text(c) for c in CODES[name])
            typed_values.append(f"CASE WHEN {t} IN ({codes}) THEN {t} END AS v_{name}")
            bad = f"WHEN {t} NOT IN ({codes}) THEN 'unknown_code:{name}'"
        elif kind == "boolean":
            yes = ", ".join(_sql_text(w) for w in sorted(TRUE_WORDS))
            no = ", ".join(_sql_text(w) for w in sorted(FALSE_WORDS))
            typed_values.append(f"CASE WHEN lower({t}) IN ({yes}) THEN true "
                         f"WHEN lower({t}) IN ({no}) THEN false END AS v_{name}")
            bad = f"WHEN lower({t}) NOT IN ({yes}, {no}) THEN 'invalid_boolean:{name}'"
        else:
            day = f"coalesce(try_strptime({t}, '%Y-%m-%d'), try_strptime({t}, '%Y%m%d'))"
            typed_values.append(f"{day}::DATE AS v_{name}")
            bad = f"WHEN {t} IS NOT NULL AND {day} IS NULL THEN 'invalid_date:{name}'"
        missing = "" if optional else f"WHEN {t} IS NULL THEN 'missing_value:{name}' "
        if bad or missing:
            problems.append(f"CASE {missing}{bad} END AS p{len(problems)}")
    matched = [f"coalesce({_sql(rule.condition)}, false) AS {_m(rule)}" for rule in rules.rules]
    by = rules.by_verb

    def ids(items):
        return ", ".join(f"CASE WHEN {_m(r)} THEN '{r.id}' END" for r in items)

    problem_ids = ", ".join(f"p{i}" for i in range(len(problems)))
    any_reject = " OR ".join([f"p{i} IS NOT NULL" for i in range(len(problems))]
                             + [_m(r) for r in by["reject"]])
    any_exclude = " OR ".join(_m(r) for r in by["exclude"]) or "false"
    any_include = " OR ".join(_m(r) for r in by["include"]) or "false"
    count_types = " + ".join(f"{_m(r)}::INT" for r in by["classify"]) or "0"
    type_code = " ".join(f"WHEN {_m(r)} THEN '{r.code}'" for r in by["classify"]) \
        or "WHEN false THEN NULL"
    type_id = " ".join(f"WHEN {_m(r)} THEN '{r.id}'" for r in by["classify"]) \
        or "WHEN false THEN NULL"
    warnings = f",\n  nullif(concat_ws('|', {ids(by['warn'])}), '') AS warnings" \
        if by["warn"] else ""
    rejects = ", " + ids(by["reject"]) if by["reject"] else ""
    ambiguous = f"WHEN types > 1 THEN concat_ws('|', 'ambiguous_type', {ids(by['classify'])})" \
        if len(by["classify"]) > 1 else ""
    return f"""
WITH raw AS (SELECT *, {', '.join(read)} FROM {table}),
typed AS (SELECT raw.*, {', '.join(typed_values)}, {', '.join(problems)} FROM raw {' '.join(joins)}),
matched AS (SELECT *, {', '.join(matched)} FROM typed),
counted AS (SELECT *, ({any_reject}) AS is_rejected, ({any_exclude}) AS is_excluded,
                   ({any_include}) AS is_included, ({count_types}) AS types FROM matched)
SELECT {', '.join([*(f'"{c}"' for c in columns), *(f'v_{v}' for v in values)])},
  CASE WHEN is_rejected THEN 'rejected' WHEN is_excluded OR NOT is_included THEN 'excluded'
       WHEN types > 1 THEN 'rejected' ELSE 'included' END AS status,
  CASE WHEN NOT is_rejected AND NOT is_excluded AND is_included AND types = 1
       THEN CASE {type_code} END END AS type,
  CASE WHEN is_rejected THEN concat_ws('|', {problem_ids}{rejects})
       WHEN is_excluded THEN concat_ws('|', {ids(by['exclude']) or "NULL"})
       WHEN NOT is_included THEN 'no_include_matched'
       {ambiguous}
       ELSE concat_ws('|', {ids(by['include'])}, CASE {type_id} ELSE 'unclassified' END)
  END AS reasons{warnings}
FROM counted"""


def _m(rule: Rule) -> str:
    """The column of whether a rule matches (quoted: an implicit rule's id has a colon)."""
    return f'"m_{rule.id}"'


def _sql(c: tuple) -> str:
    kind = c[0]
    if kind == "eq":
        return f"v_{c[1]} = {_sql_text(c[2])}"
    if kind == "ne":
        return f"v_{c[1]} <> {_sql_text(c[2])}"
    if kind in ("in", "nin"):
        word = "IN" if kind == "in" else "NOT IN"
        return f"v_{c[1]} {word} ({', '.join(_sql_text(v) for v in c[2])})"
    if kind == "true":
        return f"coalesce(v_{c[1]}, false)"
    if kind == "missing":
        return f"v_{c[1]} IS NULL"
    if kind == "present":
        return f"v_{c[1]} IS NOT NULL"
    if kind == "len":
        return f"length(v_{c[1]}) {c[2]} {c[3]}"
    if kind == "not_in_force":
        return (f"(coalesce(v_{c[2]} < f_{c[1]}, false) OR coalesce(v_{c[2]} > u_{c[1]}, false))")
    if kind == "not":
        return f"NOT coalesce({_sql(c[1])}, false)"
    if kind in ("and", "or"):
        joiner = " AND " if kind == "and" else " OR "
        return "(" + joiner.join(f"coalesce({_sql(item)}, false)" for item in c[1]) + ")"
    op = "<>" if c[2] == "!=" else c[2]
    if kind == "dcmp":
        return f"coalesce(v_{c[1]} {op} DATE '{_date_text(c[3])}', false)"
    if kind == "dfcmp":
        return f"coalesce(v_{c[1]} {op} v_{c[3]}, false)"
    if kind == "dmcmp":
        return f"coalesce(v_{c[1]} {op} (v_{c[3]} + INTERVAL {c[4]} MONTH)::DATE, false)"
    raise ValueError(f"not a condition: {c!r}")


# --- the Polars expression --------------------------------------------------------------------


def polars_columns(rules: RuleSet):
    """A function DataFrame -> DataFrame with status, type and reasons added (lazy, one
    ``with_columns`` chain), as a developer writes it with Polars expressions."""
    import polars as pl

    true_words = sorted(TRUE_WORDS)
    false_words = sorted(FALSE_WORDS)
    stage1 = []
    stage2 = []
    problems = []
    for name, kind, optional in FIELDS:
        stripped = pl.col(name).str.strip_chars()
        t = pl.when(stripped == "").then(None).otherwise(stripped)
        if kind == "date":
            t = pl.when(t == "00000000").then(None).otherwise(t)
        stage1.append(t.alias(f"t_{name}"))
        tc = pl.col(f"t_{name}")
        missing = None if optional else pl.when(tc.is_null()).then(pl.lit(f"missing_value:{name}"))
        if kind == "text":
            stage2.append(tc.alias(f"v_{name}"))
            bad = None
        elif kind in ("bsn", "digits4"):
            if kind == "bsn":
                digit = [tc.str.slice(i, 1).str.to_integer(strict=False) for i in range(9)]
                total = digit[0] * 9
                for weight, d in zip(range(8, 1, -1), digit[1:8]):
                    total = total + d * weight
                total = total - digit[8]
                ok = tc.str.contains(r"^[0-9]{9}$") & (total % 11 == 0) & (total != 0)
            else:
                ok = tc.str.contains(r"^[0-9]{4}$")
            stage2.append(pl.when(ok.fill_null(False)).then(tc).alias(f"v_{name}"))
            bad = (tc.is_not_null() & ~ok.fill_null(False), f"{PROBLEM[kind]}:{name}")
        elif kind == "code":
            ok = tc.is_in(list(CODES[name]))
            stage2.append(pl.when(ok).then(tc).alias(f"v_{name}"))
            bad = (tc.is_not_null() & ~ok.fill_null(False), f"unknown_code:{name}")
        elif kind == "boolean":
            low = tc.str.to_lowercase()
            stage2.append(pl.when(low.is_in(true_words)).then(True)
                          .when(low.is_in(false_words)).then(False).alias(f"v_{name}"))
            bad = (tc.is_not_null() & ~low.is_in(true_words + false_words).fill_null(False),
                   f"invalid_boolean:{name}")
        else:
            day = pl.coalesce(tc.str.to_date("%Y-%m-%d", strict=False),
                              tc.str.to_date("%Y%m%d", strict=False))
            stage2.append(day.alias(f"v_{name}"))
            bad = (tc.is_not_null() & day.is_null(), f"invalid_date:{name}")
        if missing is not None and bad is not None:
            problems.append(missing.when(bad[0]).then(pl.lit(bad[1])))
        elif missing is not None:
            problems.append(missing)
        elif bad is not None:
            problems.append(pl.when(bad[0]).then(pl.lit(bad[1])))
    problem_names = [f"p{i}" for i in range(len(problems))]
    stage2 += [p.otherwise(None).alias(n) for p, n in zip(problems, problem_names)]
    matched = [_polars(rule.condition).fill_null(False).alias(f"m_{rule.id}") for rule in rules.rules]
    by = rules.by_verb

    def m(rule):
        return pl.col(f"m_{rule.id}")

    def any_of(items, extra=()):
        terms = [*extra, *(m(r) for r in items)]
        if not terms:
            return pl.lit(False)
        result = terms[0]
        for term in terms[1:]:
            result = result | term
        return result

    def ids(items):
        return [pl.when(m(r)).then(pl.lit(r.id)) for r in items]

    is_rejected = any_of(by["reject"], [pl.col(n).is_not_null() for n in problem_names])
    counts = pl.sum_horizontal([m(r).cast(pl.Int32) for r in by["classify"]]) \
        if by["classify"] else pl.lit(0)
    stage4 = [is_rejected.alias("is_rejected"), any_of(by["exclude"]).alias("is_excluded"),
              any_of(by["include"]).alias("is_included"), counts.alias("types")]
    rej, exc, inc, types = (pl.col(n) for n in ("is_rejected", "is_excluded", "is_included", "types"))

    def join(items):
        return pl.concat_str(items, separator="|", ignore_nulls=True)

    type_code = pl.lit(None, pl.String)
    type_id = pl.lit("unclassified")
    for rule in reversed(by["classify"]):
        type_code = pl.when(m(rule)).then(pl.lit(rule.code)).otherwise(type_code)
        type_id = pl.when(m(rule)).then(pl.lit(rule.id)).otherwise(type_id)
    status = (pl.when(rej).then(pl.lit("rejected")).when(exc | ~inc).then(pl.lit("excluded"))
              .when(types > 1).then(pl.lit("rejected")).otherwise(pl.lit("included")))
    kind = pl.when(~rej & ~exc & inc & (types == 1)).then(type_code).otherwise(None)
    reasons = (pl.when(rej).then(join([pl.col(n) for n in problem_names] + ids(by["reject"])))
               .when(exc).then(join(ids(by["exclude"])) if by["exclude"] else pl.lit(None))
               .when(~inc).then(pl.lit("no_include_matched"))
               .when(types > 1).then(join([pl.lit("ambiguous_type")] + ids(by["classify"])))
               .otherwise(join(ids(by["include"]) + [type_id])))
    internal = [f"t_{n}" for n in FIELD_NAMES] + [f"v_{n}" for n in FIELD_NAMES] + problem_names \
        + [f"m_{r.id}" for r in rules.rules] + ["is_rejected", "is_excluded", "is_included", "types"]

    def run(frame):
        return (frame.lazy().with_columns(stage1).with_columns(stage2).with_columns(matched)
                .with_columns(stage4)
                .with_columns(status.alias("status"), kind.alias("type"), reasons.alias("reasons"))
                .drop(internal).collect())

    return run


def _polars(c: tuple):
    import polars as pl

    kind = c[0]
    col = pl.col(f"v_{c[1]}") if kind != "not" and kind not in ("and", "or") else None
    if kind == "eq":
        return col == c[2]
    if kind == "ne":
        return col != c[2]
    if kind == "in":
        return col.is_in(list(c[2]))
    if kind == "nin":
        return pl.when(col.is_not_null()).then(~col.is_in(list(c[2])))
    if kind == "true":
        return col
    if kind == "missing":
        return col.is_null()
    if kind == "present":
        return col.is_not_null()
    ops = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "=": "eq", "!=": "ne"}
    if kind == "dcmp":
        day = dt.date(c[3] // 10000, c[3] // 100 % 100, c[3] % 100)
        return getattr(col, ops[c[2]])(pl.lit(day))
    if kind == "dfcmp":
        return getattr(col, ops[c[2]])(pl.col(f"v_{c[3]}"))
    if kind == "not":
        return ~_polars(c[1]).fill_null(False)
    parts = [_polars(item).fill_null(False) for item in c[1]]
    result = parts[0]
    for part in parts[1:]:
        result = (result & part) if kind == "and" else (result | part)
    return result


# --- the peers: one expression yielding a list of booleans, one per rule ----------------------


def peer_condition(c: tuple, dialect: str) -> str:
    """A condition over the peers' encoding, in ``zen``, ``cel`` or ``rule_engine`` syntax."""
    AND, OR, NOT = {"zen": ("and", "or", "not "), "cel": ("&&", "||", "!"),
                    "rule_engine": ("and", "or", "not ")}[dialect]
    kind = c[0]

    def empty(name: str) -> str:
        return f"{name} == 0" if KIND[name] == "date" else f"{name} == ''"

    def filled(name: str) -> str:
        return f"{name} != 0" if KIND[name] == "date" else f"{name} != ''"

    if kind == "eq":
        return f"{c[1]} == '{c[2]}'"
    if kind == "ne":
        return f"({filled(c[1])} {AND} {c[1]} != '{c[2]}')"
    if kind in ("in", "nin"):
        test = f"{c[1]} in [{', '.join(repr(v) for v in c[2])}]"
        return test if kind == "in" else f"({filled(c[1])} {AND} {NOT}({test}))"
    if kind == "true":
        return f"{c[1]} == true" if dialect == "zen" else c[1]
    if kind == "missing":
        return empty(c[1])
    if kind == "present":
        return filled(c[1])
    if kind == "not":
        return f"{NOT}({peer_condition(c[1], dialect)})"
    if kind in ("and", "or"):
        joiner = f" {AND} " if kind == "and" else f" {OR} "
        return "(" + joiner.join(peer_condition(item, dialect) for item in c[1]) + ")"
    op = "==" if c[2] == "=" else c[2]
    if kind == "dcmp":
        return f"({filled(c[1])} {AND} {c[1]} {op} {c[3]})"
    if kind == "dfcmp":
        return f"({filled(c[1])} {AND} {filled(c[3])} {AND} {c[1]} {op} {c[3]})"
    raise ValueError(f"not a condition: {c!r}")


def peer_expression(rules: RuleSet, dialect: str) -> str:
    return "[" + ", ".join(peer_condition(r.condition, dialect) for r in rules.rules) + "]"


def zen_jdm(rules: RuleSet) -> str:
    """A GoRules decision graph (JDM): input -> one decision table, hit policy ``collect``,
    a row per rule whose cell is the rule's condition and whose output is the rule's
    position -> output. The engine returns the positions of the rows that match."""
    import json

    rows = [{"_id": f"row{i}", "i1": peer_condition(rule.condition, "zen"), "o1": str(i)}
            for i, rule in enumerate(rules.rules)]
    table = {
        "hitPolicy": "collect", "inputs": [{"id": "i1", "name": "when"}],
        "outputs": [{"id": "o1", "name": "rule", "field": "rule"}], "rules": rows,
        "passThrough": False, "inputField": None, "outputPath": "matched",
        "executionMode": "single",
    }
    return json.dumps({
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "record", "position": {"x": 0, "y": 0}},
            {"id": "rules", "type": "decisionTableNode", "name": rules.name,
             "position": {"x": 300, "y": 0}, "content": table},
            {"id": "out", "type": "outputNode", "name": "matched", "position": {"x": 600, "y": 0}},
        ],
        "edges": [{"id": "e1", "type": "edge", "sourceId": "in", "targetId": "rules"},
                  {"id": "e2", "type": "edge", "sourceId": "rules", "targetId": "out"}],
    })
