"""How `check` scales with the size of a rulebook (issue 17 point 7).

    python benchmarks/check_scale.py [RULES ...]

Generates a rulebook of RULES rules (each `category = cN and hours > i and hours <= i + 10`,
verbs in turn, 50 codes) and one of 150,000 defines (about 5 MB), and prints the CPU time of
`srg_rules.diagnose` (what `srg-rules check` runs: parse, check, the exact analysis) for
each. CPU time, not wall time: the figures are compared as ratios (docs/benchmarks.md).
"""

from __future__ import annotations

import sys
import time

import srg_rules


def rules(count: int) -> str:
    lines = ['rulebook "scale" version "1"',
             "field category: code {" + ", ".join(f"c{i}" for i in range(50)) + "}",
             "field hours: number optional", "field start: date optional",
             "output type: code {" + ", ".join(f"t{i}" for i in range(20)) + "}"]
    for i in range(count):
        verb = ("include", "exclude", "reject")[i % 3]
        lines.append(f"{verb} r{i} when category = c{i % 50} and hours > {i} and hours <= {i + 10}")
    return "\n".join(lines) + "\n"


def defines(count: int = 150_000) -> str:
    lines = ['rulebook "big" version "1"', "field a: number optional", "field b: code {x, y, z} optional"]
    lines += [f"define d{i}: a > {i} and b = x" for i in range(count)]
    return "\n".join(lines + ["include when d0 or d1"]) + "\n"


def measure(name: str, text: str) -> None:
    start = time.process_time()
    found = srg_rules.diagnose(text)
    print(f"{name:>24}: {time.process_time() - start:7.1f} s CPU, {len(text) / 1e6:5.2f} MB, "
          f"{len(found)} diagnostics")


if __name__ == "__main__":
    for count in [int(a) for a in sys.argv[1:]] or [300, 1000, 2000]:
        measure(f"{count} rules", rules(count))
    measure("150,000 defines", defines())
