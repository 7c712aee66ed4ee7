"""How `srg-rules check` scales with the size of a rulebook (issue 17 point 7).

    python benchmarks/check_scale.py [--rounds N] [--defines N] [RULES ...]

Generates a rulebook of RULES rules (each `category = cN and hours > i and hours <= i + 10`,
verbs in turn, 50 codes) and one of N defines (150,000 by default, 10 MB), writes each to a
file, and measures, interleaved round by round:

- ``srg-rules check FILE`` in a process of its own (start-up, parse, check, the exact
  analysis, the diagnostics printed), as a user runs it;
- ``python -c pass``, the baseline a process costs on this machine at this moment;
- ``srg_rules.diagnose(text, analyse=False)`` in this process: parse and check only.

CPU seconds (user + system, of the child for the processes), the least of the rounds; the
figures in docs/benchmarks.md are the ratios, which hold across the machine's load better than
the seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    """About 67 bytes a define: 150,000 make 10 MB."""
    lines = ['rulebook "big" version "1"', "field a: number optional",
             "field b: code {x, y, z} optional", "field c: text optional"]
    lines += [f"define d{i}: (a > {i} and b = x) or (a <= -{i} and c = \"v{i}\")"
              for i in range(count)]
    return "\n".join(lines + ["include when d0 or d1"]) + "\n"


def _child_cpu(command: list[str]) -> float:
    """CPU seconds (user + system) of running ``command`` to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command}: exit {result.returncode}\n{result.stderr.decode()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _parse_only(text: str) -> float:
    start = time.process_time()
    srg_rules.diagnose(text, analyse=False)
    return time.process_time() - start


def measure(name: str, text: str, rounds: int, folder: Path) -> None:
    path = folder / f"{name.replace(' ', '_').replace(',', '')}.rules"
    path.write_text(text, encoding="utf-8")
    check, baseline, parse = [], [], []
    for _ in range(rounds):
        baseline.append(_child_cpu([sys.executable, "-c", "pass"]))
        check.append(_child_cpu([sys.executable, "-m", "srg_rules", "check", str(path)]))
        parse.append(_parse_only(text))
    best_check, best_baseline, best_parse = min(check), min(baseline), min(parse)
    print(f"| {name} | {len(text) / 1e6:.2f} MB | {best_check:.2f} s | {best_baseline:.3f} s "
          f"| {best_check / best_baseline:.0f} | {best_parse:.2f} s | "
          f"{best_check / best_parse:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", nargs="*", type=int, default=[300, 1000, 2000])
    parser.add_argument("--defines", type=int, default=150_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    srg_rules.diagnose("field a: number\ninclude when a > 1\n", analyse=False)  # the parser, built
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    print("| rulebook | size | `srg-rules check` | `python -c pass` | ratio | parse and check "
          "only | check / parse |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for count in args.rules:
            measure(f"{count} rules", rules(count), args.rounds, Path(folder))
        if args.defines:
            measure(f"{args.defines:,} defines", defines(args.defines), args.rounds,
                    Path(folder))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
