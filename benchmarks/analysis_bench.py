"""Time the static analysis on generated rulebooks (issue 3: 500 rules over 30 fields < 30 s).

Run from the checkout: ``python benchmarks/analysis_bench.py [RULES] [FIELDS] [SEED]``. It prints
the time to parse, to :func:`srg_rules.analysis.analyse`, and to check the expectations, with the
number of findings per code, and the time for the shipped SRG rulebook. Nothing is asserted: the
figures are for docs/benchmarks.md and for comparing changes.

The generated rulebook is shaped like a real one, only larger: code fields with short lists,
numbers and dates compared with constants and with each other, optional fields, booleans and
texts; rules are conjunctions of one to five comparisons (rejects narrow, includes broad) with the odd ``or``, ``not`` and
define, spread over the four verbs, with an expectation per twenty rules.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import srg_rules  # noqa: E402
from srg_rules import analysis  # noqa: E402

_VERBS = ("reject",) * 1 + ("include",) * 4 + ("exclude",) * 3 + ("classify",) * 3
# Comparisons per rule: rejects and excludes are narrow, includes broad, as in real rulebooks.
_SIZES = {"reject": (3, 5), "exclude": (2, 4), "include": (1, 3), "classify": (1, 2)}


def generate(rules: int = 500, fields: int = 30, seed: int = 1) -> str:
    """The text of a random but well-formed rulebook."""
    rng = random.Random(seed)
    kinds = ["code", "number", "date", "boolean", "text"]
    weights = [10, 8, 4, 4, 4]
    declared: list[tuple[str, str, list[str]]] = []
    lines = [f'rulebook "generated" version "{seed}"', ""]
    # Two code fields split the records into the regions the classify rules type, as a
    # category does in the SRG rulebook; the other fields are random.
    lines.append("field category: code {" + ", ".join(f"k{j}" for j in range(15)) + "}")
    lines.append("field kind: code {" + ", ".join(f"k{j}" for j in range(10)) + "}")
    for n in range(2, fields):
        kind = rng.choices(kinds, weights)[0]
        name = f"{kind[0]}{n}"
        optional = " optional" if rng.random() < 0.3 else ""
        codes = [f"k{j}" for j in range(rng.randint(3, 8))] if kind == "code" else []
        spec = "code {" + ", ".join(codes) + "}" if kind == "code" else kind
        lines.append(f"field {name}: {spec}{optional}")
        declared.append((name, kind, codes))
    types = [str(40 + j) for j in range(20)]
    lines.append("output type: code {" + ", ".join(types) + "}")
    lines.append("")

    def atom() -> str:
        name, kind, codes = rng.choice(declared)
        roll = rng.random()
        if roll < 0.05:
            return f"{name} is missing" if rng.random() < 0.5 else f"{name} is present"
        if kind == "code":
            if roll < 0.5:
                return f"{name} {rng.choice(['=', '!='])} {rng.choice(codes)}"
            chosen = rng.sample(codes, rng.randint(1, len(codes) - 1))
            return f"{name} {rng.choice(['in', 'not in'])} {{{', '.join(chosen)}}}"
        if kind == "boolean":
            return name if roll < 0.6 else f"not {name}"
        if kind == "text":
            return f'{name} {rng.choice(["=", "!="])} "t{rng.randint(0, 5)}"'
        same = [d for d in declared if d[1] == kind and d[0] != name]
        if roll < 0.15 and same:
            return f"{name} {rng.choice(['<', '<=', '=', '!=', '>=', '>'])} {rng.choice(same)[0]}"
        op = rng.choice(["<", "<=", "=", "!=", ">=", ">"])
        if kind == "number":
            value = rng.choice([str(rng.randint(0, 40)), f"{rng.randint(0, 40)}.5"])
        else:
            value = f"20{rng.randint(10, 30)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return f"{name} {op} {value}"

    def condition(depth: int = 0, size: tuple[int, int] = (2, 4)) -> str:
        parts = [atom() for _ in range(rng.randint(*size))]
        if depth == 0 and rng.random() < 0.2:
            parts[-1] = f"({condition(1).replace(' and ', ' or ', 1)})"
        return " and ".join(parts)

    defines = [f"def{j}" for j in range(10)]
    for name in defines:
        lines.append(f"define {name}: {condition(1)}")
    lines.append("")
    for n in range(rules):
        verb = rng.choice(_VERBS)
        body = condition(size=_SIZES[verb])
        if rng.random() < 0.1:
            body = f"{rng.choice(defines)} and {body}"
        if verb == "classify":
            region = f"category = k{rng.randrange(15)} and kind = k{rng.randrange(10)}"
            lines.append(f"classify r{n} as {rng.choice(types)} when {region} and {body}")
        else:
            lines.append(f"{verb} r{n} when {body}")
        if n % 20 == 19:
            outcome = rng.choice(["included", "excluded", "rejected", f"type {rng.choice(types)}"])
            lines.append(f"expect {outcome} when {condition()}")
    return "\n".join(lines) + "\n"


def _time(label: str, text: str) -> None:
    start = time.perf_counter()
    book = srg_rules.parse(text, label)
    parsed = time.perf_counter()
    findings = analysis.analyse(book.program)
    analysed = time.perf_counter()
    violated = analysis.check_expectations(book.program)
    checked = time.perf_counter()
    counts = Counter(f.code for f in findings + violated)
    print(f"{label}: {len(book.program.rules)} rules, {len(book.fields)} fields")
    print(f"  parse+check       {parsed - start:8.3f} s")
    print(f"  analyse           {analysed - parsed:8.3f} s")
    print(f"  expectations      {checked - analysed:8.3f} s "
          f"({len(book.program.expectations)} expectations)")
    print("  findings          " + (", ".join(f"{c}={n}" for c, n in sorted(counts.items())) or "none"))


def main(argv: list[str]) -> None:
    rules = int(argv[0]) if argv else 500
    fields = int(argv[1]) if len(argv) > 1 else 30
    seed = int(argv[2]) if len(argv) > 2 else 1
    srg = Path(__file__).resolve().parent.parent / "rulebooks" / "srg.rules"
    _time(str(srg.name), srg.read_text(encoding="utf-8"))
    _time(f"generated(rules={rules}, fields={fields}, seed={seed})", generate(rules, fields, seed))


if __name__ == "__main__":
    main(sys.argv[1:])
