"""How `srg-rules diff` scales with the size of two versions of a rulebook (issue 16 point 7).

    python benchmarks/diff_scale.py [--rounds N] [--timeout S] [--code DIR] [RULES ...]

For each RULES (50, 100 and 200 by default) it generates a rulebook of that many rules with
``benchmarks/analysis_bench.py``'s generator (30 fields: codes, numbers, dates, booleans,
texts; rules of one to five comparisons with the odd ``or``, ``not`` and define) and a second
version of it with the edits a policy officer makes between two releases (:func:`versions`):
a bound changed, a rule removed, one added, a code moved from one rule's list to another's,
and a classification changed. It writes both to files and measures, interleaved round by round:

- ``srg-rules diff OLD NEW`` in a process of its own (start-up, loading both versions, the
  exact semantic diff, the report printed), as a user runs it;
- ``srg-rules diff --all-regions OLD NEW``, the whole list of regions (up to the limits: 20
  listed and 50 counted per kind of change);
- ``python -c pass``, the baseline a process costs on this machine at this moment.

``--code DIR`` runs the commands with another checkout of srg-rules (a commit before a change,
extracted with ``git archive``), for a before/after comparison in one run.

CPU seconds (user + system, of the child), the median of the rounds; the figures in
docs/benchmarks.md are these with the load average, and the ratio to the baseline. A run
past ``--timeout`` seconds (wall) is stopped and reported as more than that.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis_bench import generate  # noqa: E402

_RULE = re.compile(r"^(include|exclude|reject|classify) (r\d+) ")
_BOUND = re.compile(r"\b(n\d+) (<|<=|>|>=) (\d+)\b(?!\.)")
_SET = re.compile(r"\b(c\d+) in \{([^}]*)\}")
_CLASSIFY = re.compile(r"^classify (r\d+) as (\d+) ")


def versions(rules: int, seed: int = 1) -> tuple[str, str]:
    """An old version of ``rules`` generated rules and a new one with five realistic edits,
    each made to a rule about halfway down (so the rules around it are unchanged):

    - a changed bound: the first number comparison with a whole bound moves the bound by 2;
    - a rule removed: an ``exclude`` rule;
    - a rule added: ``exclude added when N > 30 and C = k1`` (the first required number
      field and the first code field);
    - a code moved: the last code of one rule's ``F in {...}`` list (of two or more) goes to
      the next rule with an ``F in {...}`` list of the same field that lacks it;
    - a classification changed: a ``classify`` rule gives the next type of the output list.
    """
    old = generate(rules, 30, seed)
    lines = old.splitlines()
    ruled = [i for i, line in enumerate(lines) if _RULE.match(line)]
    middle = ruled[len(ruled) // 2:]  # edits look from the middle down, wrapping round
    middle += ruled[:len(ruled) // 2]
    new: list[str | None] = list(lines)
    touched: set[int] = set()

    def first(test: object) -> int:
        for i in middle:
            if i not in touched and test(lines[i]):  # type: ignore[operator]
                touched.add(i)
                return i
        raise ValueError(f"no rule for an edit among {rules} rules (seed {seed})")

    bound = first(lambda line: _BOUND.search(line) is not None)
    new[bound] = _BOUND.sub(lambda m: f"{m[1]} {m[2]} {int(m[3]) + 2}", lines[bound], count=1)

    classified = first(lambda line: _CLASSIFY.match(line) is not None)
    code = int(_CLASSIFY.match(lines[classified])[2])  # type: ignore[index]
    new[classified] = lines[classified].replace(f" as {code} ", f" as {40 + (code - 39) % 20} ", 1)

    def sets(line: str) -> list[tuple[str, list[str]]]:
        return [(m[1], [c.strip() for c in m[2].split(",")]) for m in _SET.finditer(line)]

    # The giver and the taker: the first pair, from the middle down, that allows the move.
    giver, taker, field, codes, taken = next(
        (g, t, f, codes, c) for g in middle if g not in touched
        for f, codes in sets(lines[g]) if len(codes) >= 2
        for t in middle if t not in touched and t != g
        for f2, c in sets(lines[t]) if f2 == f and codes[-1] not in c)
    touched.update((giver, taker))
    moved = codes[-1]
    new[giver] = lines[giver].replace(f"{field} in {{{', '.join(codes)}}}",
                                      f"{field} in {{{', '.join(codes[:-1])}}}", 1)
    new[taker] = lines[taker].replace(f"{field} in {{{', '.join(taken)}}}",
                                      f"{field} in {{{', '.join([*taken, moved])}}}", 1)

    removed = first(lambda line: line.startswith("exclude "))
    new[removed] = None
    number = next(m[1] for m in map(re.compile(r"^field (n\d+): number$").match, lines) if m)
    code = next(m[1] for m in map(re.compile(r"^field (c\d+): code ").match, lines) if m)
    new.insert(max(touched) + 1, f"exclude added when {number} > 30 and {code} = k1")
    return old, "\n".join(line for line in new if line is not None) + "\n"


_CODE = Path(__file__).resolve().parent.parent


def _child_cpu(command: list[str], timeout: float) -> float | None:
    """CPU seconds (user + system) of running ``command`` to its end; None past ``timeout``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                timeout=timeout, env={**os.environ, "PYTHONPATH": str(_CODE)},
                                cwd=_CODE)  # python -m puts the working folder first
    except subprocess.TimeoutExpired:
        return None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command}: exit {result.returncode}\n{result.stderr.decode()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(rules: int, rounds: int, timeout: float, folder: Path) -> None:
    old_text, new_text = versions(rules)
    old, new = folder / f"old{rules}.rules", folder / f"new{rules}.rules"
    old.write_text(old_text, encoding="utf-8")
    new.write_text(new_text, encoding="utf-8")
    taken: dict[str, list[float | None]] = {"default": [], "all": []}
    baseline: list[float] = []
    command = [sys.executable, "-m", "srg_rules", "diff"]
    for _ in range(rounds):
        baseline.append(_child_cpu([sys.executable, "-c", "pass"], timeout) or 0.0)
        taken["default"].append(_child_cpu([*command, str(old), str(new)], timeout))
        taken["all"].append(_child_cpu([*command, "--all-regions", str(old), str(new)], timeout))
    base = statistics.median(baseline)

    def cell(times: list[float | None]) -> str:
        if any(t is None for t in times):
            return f"> {timeout:.0f} s (wall, stopped)"
        done = [t for t in times if t is not None]
        middle = statistics.median(done)
        return (f"{middle:.2f} s (of {', '.join(f'{d:.2f}' for d in done)}), "
                f"{middle / base:.0f}x")

    print(f"| {rules} | {cell(taken['default'])} | {cell(taken['all'])} | {base:.3f} s |",
          flush=True)


def main() -> None:
    global _CODE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", nargs="*", type=int, default=[50, 100, 200])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--code", type=Path, default=_CODE,
                        help="the srg-rules checkout to run (default: this one)")
    args = parser.parse_args()
    _CODE = args.code.resolve()
    print(f"code: {_CODE}; load average at the start: {os.getloadavg()[0]:.2f}")
    print("| rules | `srg-rules diff OLD NEW` (CPU, median, ratio to `python -c pass`) "
          "| `srg-rules diff --all-regions OLD NEW` | `python -c pass` |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for count in args.rules:
            measure(count, args.rounds, args.timeout, Path(folder))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
