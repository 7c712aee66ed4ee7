"""Benchmark: the backends against a hand-written Python function, on SRG-like records.

Input: nothing; it generates N records shaped like an SRG export read from CSV (every value a
string, optional fields often blank, a few records with problems) for the SRG rulebook below.
Output: a table on stdout with records per second, microseconds per record and the ratio to
the hand-written function, for the reference interpreter, the compiled backend and the
hand-written function itself.

All contenders run in one process, interleaved round by round, on the same records; each
figure is the best round. Before timing, every contender's answer is checked against the
interpreter's on every record, so the hand-written function is known to return what ours
returns (status, type and reasons).

    python benchmarks/bench_backends.py [--records N] [--rounds R] [--seed S]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import srg_rules  # noqa: E402
from srg_rules.backends import python as python_backend  # noqa: E402
from srg_rules.backends.interpreter import Interpreter  # noqa: E402

SRG_RULEBOOK = '''\
# A comment runs to the end of the line.
rulebook "SRG selectie" version "2026.1"        # optional header

field category: code {coaching, training, taal, ips, mantelzorg, intake, administratie}
field funding: code {reintegratie, toegevoegd, verantwoord, inburgering, wmo}
field initiative: code {gemeente, burger}
field judgement: code {positief, negatief} optional
field involved: boolean
field traceable: boolean
field start_date: date
field end_date: date optional
field hours: number optional
field provision_id: text

output type: code {40 "Coaching naar werk of participatie", 42 "Training/Cursus/Opleiding"}

define municipal_involvement:
    initiative = gemeente or involved or (initiative = burger and judgement = positief)

reject end_before_start when end_date is present and end_date < start_date
    because "de einddatum ligt voor de begindatum"

include when municipal_involvement and funding in {reintegratie, toegevoegd, verantwoord} and traceable
exclude mantelzorg when category = mantelzorg
exclude when category in {intake, administratie}
exclude taal_inburgering when funding = inburgering and category = taal
    because "taal uit het inburgeringsbudget hoort niet tot de SRG"

classify as 40 when category = coaching
classify as 42 when category in {training, taal}
'''


# --- the hand-written baseline --------------------------------------------------------------
#
# What a developer would write by hand for this rulebook: read each field from a CSV row,
# convert it, decide, and return (status, type, reasons) with the same reason strings the
# rulebook gives. Rule ids of unnamed rules are their line numbers in SRG_RULEBOOK.

_CATEGORIES = frozenset({"coaching", "training", "taal", "ips", "mantelzorg", "intake", "administratie"})
_FUNDINGS = frozenset({"reintegratie", "toegevoegd", "verantwoord", "inburgering", "wmo"})
_INITIATIVES = frozenset({"gemeente", "burger"})
_JUDGEMENTS = frozenset({"positief", "negatief"})
_BOOLEANS = {"true": True, "yes": True, "ja": True, "j": True, "y": True, "1": True, "waar": True,
             "false": False, "no": False, "nee": False, "n": False, "0": False, "onwaar": False}
_INCLUDED_FUNDING = frozenset({"reintegratie", "toegevoegd", "verantwoord"})
_TRAINING = frozenset({"training", "taal"})
_fromisoformat = dt.date.fromisoformat


def handwritten(record):
    problems = []
    get = record.get
    category = get("category")
    if not category:
        problems.append("missing_value:category")
    elif category not in _CATEGORIES:
        problems.append("unknown_code:category")
        category = None
    funding = get("funding")
    if not funding:
        problems.append("missing_value:funding")
    elif funding not in _FUNDINGS:
        problems.append("unknown_code:funding")
        funding = None
    initiative = get("initiative")
    if not initiative:
        problems.append("missing_value:initiative")
    elif initiative not in _INITIATIVES:
        problems.append("unknown_code:initiative")
        initiative = None
    judgement = get("judgement") or None
    if judgement is not None and judgement not in _JUDGEMENTS:
        problems.append("unknown_code:judgement")
        judgement = None
    involved = get("involved")
    if not involved:
        problems.append("missing_value:involved")
    else:
        involved = _BOOLEANS.get(involved.lower())
        if involved is None:
            problems.append("invalid_boolean:involved")
    traceable = get("traceable")
    if not traceable:
        problems.append("missing_value:traceable")
    else:
        traceable = _BOOLEANS.get(traceable.lower())
        if traceable is None:
            problems.append("invalid_boolean:traceable")
    start_date = get("start_date")
    if not start_date or start_date == "00000000":
        problems.append("missing_value:start_date")
        start_date = None
    else:
        try:
            start_date = _fromisoformat(start_date)
        except ValueError:
            problems.append("invalid_date:start_date")
            start_date = None
    end_date = get("end_date")
    if not end_date or end_date == "00000000":
        end_date = None
    else:
        try:
            end_date = _fromisoformat(end_date)
        except ValueError:
            problems.append("invalid_date:end_date")
            end_date = None
    hours = get("hours")
    if hours:
        try:
            hours = float(hours.replace(",", "."))
        except ValueError:
            problems.append("invalid_number:hours")
    if not get("provision_id"):
        problems.append("missing_value:provision_id")

    if end_date is not None and start_date is not None and end_date < start_date:
        problems.append("end_before_start")
    if problems:
        return "rejected", None, tuple(problems)

    excluded = []
    if category == "mantelzorg":
        excluded.append("mantelzorg")
    if category == "intake" or category == "administratie":
        excluded.append("line-25")
    if funding == "inburgering" and category == "taal":
        excluded.append("taal_inburgering")
    if excluded:
        return "excluded", None, tuple(excluded)

    municipal = initiative == "gemeente" or involved or (initiative == "burger" and judgement == "positief")
    if not (municipal and funding in _INCLUDED_FUNDING and traceable):
        return "excluded", None, ("no_include_matched",)
    coaching = category == "coaching"
    training = category in _TRAINING
    if coaching and training:
        return "rejected", None, ("ambiguous_type", "line-29", "line-30")
    if coaching:
        return "included", "40", ("line-23", "line-29")
    if training:
        return "included", "42", ("line-23", "line-30")
    return "included", None, ("line-23", "unclassified")


# --- records ---------------------------------------------------------------------------------


def srg_records(count: int, seed: int) -> list[dict[str, str]]:
    """SRG-like rows as a CSV reader yields them: every value a string, blanks for missing."""
    rng = random.Random(seed)
    categories = ["coaching"] * 4 + ["training"] * 3 + ["taal"] * 2 + [
        "ips", "mantelzorg", "intake", "administratie"]
    fundings = ["reintegratie"] * 4 + ["toegevoegd", "verantwoord", "inburgering", "wmo"]
    first = dt.date(2022, 1, 1)
    records = []
    for number in range(count):
        start = first + dt.timedelta(days=rng.randrange(4 * 365))
        end = "" if rng.random() < 0.3 else (start + dt.timedelta(days=rng.randrange(-20, 400))).isoformat()
        hours = rng.choice(["", "", str(rng.randrange(1, 200)), f"{rng.randrange(1, 80)},5"])
        record = {
            "provision_id": f"P{number:08d}",
            "category": rng.choice(categories),
            "funding": rng.choice(fundings),
            "initiative": rng.choice(["gemeente", "gemeente", "burger"]),
            "judgement": rng.choice(["positief", "negatief", ""]),
            "involved": rng.choice(["true", "false"]),
            "traceable": rng.choice(["true", "true", "true", "false"]),
            "start_date": start.isoformat(),
            "end_date": end,
            "hours": hours,
        }
        roll = rng.random()
        if roll < 0.01:
            record["category"] = "Coaching"  # an unknown code
        elif roll < 0.02:
            record["start_date"] = ""
        records.append(record)
    return records


# --- timing ----------------------------------------------------------------------------------


def _run(decide, records) -> float:
    consume = collections.deque(maxlen=0).extend
    start = time.perf_counter()
    consume(map(decide, records))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    book = srg_rules.parse(SRG_RULEBOOK)
    interpreter = Interpreter(book.program)
    compiled = python_backend.compile_program(book.program)
    records = srg_records(args.records, args.seed)

    for record in records:
        want = interpreter.decide(record)
        got = compiled.decide(record)
        if got != want:
            raise SystemExit(f"compiled backend disagrees on {record}: {got} != {want}")
        if handwritten(record) != (want.status, want.type, want.reasons):
            raise SystemExit(f"hand-written function disagrees on {record}: "
                             f"{handwritten(record)} != {want}")

    contenders = {
        "hand-written Python": handwritten,
        "compiled (python)": compiled.decide,
        "interpreter": interpreter.decide,
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, decide in contenders.items():
            times[name].append(_run(decide, records))

    statuses = collections.Counter(interpreter.decide(r).status.value for r in records[:10_000])
    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()}), "
          f"{args.records} records, best of {args.rounds} interleaved rounds")
    print("statuses (first 10,000):", dict(statuses))
    baseline = min(times["hand-written Python"])
    print(f"{'contender':<22}{'records/s':>14}{'µs/record':>12}{'median µs':>12}{'ratio':>8}")
    for name, runs in times.items():
        best = min(runs)
        print(f"{name:<22}{args.records / best:>14,.0f}{best / args.records * 1e6:>12.3f}"
              f"{statistics.median(runs) / args.records * 1e6:>12.3f}{best / baseline:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
