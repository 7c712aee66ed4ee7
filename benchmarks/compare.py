"""Benchmark: our backends against hand-written baselines and peer rule engines, one process.

Input: nothing; it generates SRG-like records (:mod:`workload`, from
``examples/make_provisions.py``) and runs, for each rule set (``rulebooks/srg.rules`` and
generated rulebooks of 10, 50 and 200 rules over the same fields):

The SRG rule set is ``rulebooks/srg.rules`` as it is in the working tree, with the delivery
checks of ``rulebooks/srg-delivery.rules`` it uses; the benchmark first checks that its own
transcription (``workload.SRG``, from which the hand-written baselines and the peer encodings
are made) has the loaded program's rules in its order and decides every record of the pool as
the file does. Since issue 12 the SRG rule set runs without the peers and Polars (their
encodings cannot say its code list with periods, month, length or a missing boolean; they run on
the generated rule sets), and the checks compare the warnings too. The rulebook's ``unique``
check across records is not part of a record's decision and is not timed here.

- embedded, one record per call: the hand-written Python function (the baseline), our
  compiled backend (``backend="python"``), our reference interpreter, and the peers
  zen-engine (GoRules) compiled expression, zen-engine decision graph (JDM, a decision
  table with hit policy ``collect``), rule-engine and cel-python;
- over a table: a hand-written DuckDB query, our SQL backend's query on DuckDB, and a
  Polars expression, each turning a table of raw text columns into the same table with
  status, type and reasons.

Before timing, every contender's (status, type, reasons) is checked against the reference
interpreter's: on every record of the pool for our backends, the hand-written function and
the table contenders, on a sample for the slow peers. A wrong encoding stops the run.

Timing: all contenders run in one process, interleaved (round 1: every contender once, round
2: every contender again, ...); the figure is the median over the rounds. A per-record
contender decides as many records of the pool, one call each, as fill about
``--target-seconds`` (so µs/record is its single-record latency); a table contender decides
the whole table. Every figure is also given as a ratio to the hand-written Python function's
time per record in the same run.

Output: a table per rule set on stdout (``--markdown`` for docs/benchmarks.md), and, with
``--memory``, the peak RSS of each contender in a fresh subprocess (``VmHWM`` of
/proc/self/status, falling back to ``ru_maxrss``; unlike tracemalloc it sees DuckDB's,
Polars' and the peers' native memory): the process's peak after generating the records and
preparing the contender, and its peak after deciding them.

    python benchmarks/compare.py [--records N] [--table-rows N] [--rounds R] [--rules srg,10,50,200]
                                 [--skip cel,...] [--memory] [--markdown]
"""

from __future__ import annotations

import argparse
import collections
import csv
import importlib.metadata
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import workload  # noqa: E402

import srg_rules  # noqa: E402
from srg_rules.backends import python as python_backend  # noqa: E402
from srg_rules.backends import sql as sql_backend  # noqa: E402
from srg_rules.backends.interpreter import Interpreter  # noqa: E402

EMBEDDED = ("hand-written Python", "compiled (python)", "interpreter", "zen expression",
            "zen decision table (JDM)", "rule-engine", "cel-python")
TABLE = ("hand-written DuckDB", "SQL backend on DuckDB", "SQL backend on DuckDB, unordered",
         "hand-written Polars")
SLOW = ("cel-python", "zen decision table (JDM)", "rule-engine")
PEERS = {"zen expression": "zen", "zen decision table (JDM)": "zen", "rule-engine": "rule_engine",
         "cel-python": "cel"}
PACKAGES = ("duckdb", "polars", "zen-engine", "rule-engine", "cel-python", "sqlglot", "lark")


# --- contenders ------------------------------------------------------------------------------


def embedded_contenders(rules: workload.RuleSet, book, skip: set[str]) -> dict:
    """name -> (decide(raw record) -> (status, type, reasons), conditions only or None).

    The second function, for a peer, evaluates only the peer's conditions on values already
    read (its lower bound: the reading and the assembly left out)."""
    skip = contender_skip(rules, skip)
    interpreter = Interpreter(book.program)
    compiled = python_backend.compile_program(book.program)
    read = workload.read
    assemble = workload.assembler(rules)
    found: dict = {
        "hand-written Python": (workload.python_function(rules), None),
        "compiled (python)": (lambda r, d=compiled.decide: _triple(d(r)), None),
        "interpreter": (lambda r, d=interpreter.decide: _triple(d(r)), None),
    }
    if "zen" not in skip:
        import zen

        expression = zen.compile_expression(workload.peer_expression(rules, "zen"))
        evaluate = expression.evaluate

        def zen_decide(record):
            values, problems = read(record)
            return assemble(problems, evaluate(values))

        found["zen expression"] = (zen_decide, evaluate)
        graph = zen.ZenEngine().create_decision(workload.zen_jdm(rules))
        width = len(rules.rules)

        def jdm_conditions(values):
            return graph.evaluate(values)["result"]["matched"]

        def jdm_decide(record):
            values, problems = read(record)
            matched = [False] * width
            for row in graph.evaluate(values)["result"]["matched"]:
                matched[row["rule"]] = True
            return assemble(problems, matched)

        found["zen decision table (JDM)"] = (jdm_decide, jdm_conditions)
    if "rule_engine" not in skip:
        import rule_engine

        rule = rule_engine.Rule(workload.peer_expression(rules, "rule_engine"))
        rule_evaluate = rule.evaluate

        def rule_engine_decide(record):
            values, problems = read(record)
            return assemble(problems, rule_evaluate(values))

        found["rule-engine"] = (rule_engine_decide, rule_evaluate)
    if "cel" not in skip:
        import celpy

        environment = celpy.Environment()
        program = environment.program(environment.compile(workload.peer_expression(rules, "cel")))
        to_cel = celpy.json_to_cel

        def cel_conditions(values):
            return program.evaluate(to_cel(values))

        def cel_decide(record):
            values, problems = read(record)
            return assemble(problems, [bool(m) for m in program.evaluate(to_cel(values))])

        found["cel-python"] = (cel_decide, cel_conditions)
    return found


def _triple(decision):
    """status, type, reasons and warnings (the name is older than the warnings)."""
    return decision.status.value, decision.type, decision.reasons, decision.warnings


def contender_skip(rules: workload.RuleSet, skip: set[str]) -> set[str]:
    """``skip``, and for the SRG rule set the peers and Polars: their encodings
    (workload.peer_condition, workload.polars_columns) cannot say what the SRG rulebook says
    since issue 12 (see workload.SRG_PEERS_SKIPPED)."""
    return skip | set(workload.SRG_PEERS_SKIPPED) if rules is workload.SRG else skip


class Tables:
    """The table contenders over one DuckDB connection and one Polars frame."""

    def __init__(self, pool: list[dict[str, str]], rows: int, folder: Path):
        import duckdb
        import polars as pl

        self.columns = list(pool[0])
        path = folder / "pool.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(["rid", *self.columns])
            writer.writerows([i, *(row[c] for c in self.columns)] for i, row in enumerate(pool))
        self.db = duckdb.connect(":memory:")
        self.db.execute(workload.gemeenten_sql())
        self.db.execute(f"CREATE TABLE pool AS SELECT * FROM read_csv('{path}', delim=';', "
                        "header=true, all_varchar=true)")
        copies = -(-rows // len(pool))
        self.db.execute(f"CREATE TABLE records AS SELECT pool.* FROM range({copies}) AS copies, pool "
                        f"LIMIT {rows}")
        self.rows = self.db.execute("SELECT count(*) FROM records").fetchone()[0]
        frame = pl.read_csv(path, separator=";", infer_schema=False)
        self.pool_frame = frame
        self.frame = pl.concat([frame] * copies).head(rows)

    def contenders(self, rules: workload.RuleSet, book, skip: set[str]) -> dict:
        """name -> (run over the big table, decisions over the pool ordered by rid)."""
        skip = contender_skip(rules, skip)
        columns = ["rid", *self.columns]
        warned = ", warnings" if rules.by_verb["warn"] else ", NULL AS warnings"
        hand = workload.duckdb_query(rules, columns, "{table}")
        ours = sql_backend.to_sql(book.program, "{table}", "duckdb")
        # The hand-written query returns its rows in whatever order DuckDB gives them (its
        # IN lists and its join may reorder them; the rid column orders them afterwards);
        # to_sql's query numbers the rows and ends with ORDER BY. ordered=False leaves that
        # out, to show what the order costs (docs/benchmarks.md).
        unordered = sql_backend.to_sql(book.program, "{table}", "duckdb", ordered=False)
        found: dict = {}
        for name, query in (("hand-written DuckDB", hand), ("SQL backend on DuckDB", ours),
                            ("SQL backend on DuckDB, unordered", unordered)):
            def run(query=query):
                self.db.execute("CREATE OR REPLACE TEMP TABLE decided AS "
                                + query.replace('"{table}"', "records").replace("{table}", "records"))

            def check(query=query):
                text = query.replace('"{table}"', "pool").replace("{table}", "pool")
                return self.db.execute(f"SELECT status, type, reasons{warned} FROM ({text}) "
                                       "ORDER BY rid::INT").fetchall()

            found[name] = (run, check)
        if "polars" not in skip:
            decide = workload.polars_columns(rules)

            def polars_run():
                decide(self.frame)

            def polars_check():
                out = decide(self.pool_frame)
                return [(*row, None) for row in zip(out["status"], out["type"], out["reasons"])]

            found["hand-written Polars"] = (polars_run, polars_check)
        return found


# --- checks ----------------------------------------------------------------------------------


def check_embedded(name: str, decide, pool, want, sample: int) -> None:
    step = max(1, len(pool) // sample)
    for index in range(0, len(pool), step):
        got = decide(pool[index])
        warnings = tuple(got[3]) if len(got) > 3 else ()
        if tuple(got[2]) != want[index][2] or got[:2] != want[index][:2] \
                or warnings != want[index][3]:
            raise SystemExit(f"{name} disagrees with the interpreter on {pool[index]}:\n"
                             f"  {got}\n  {want[index]}")


def check_table(name: str, check, want) -> None:
    got = check()
    if len(got) != len(want):
        raise SystemExit(f"{name}: {len(got)} rows, {len(want)} expected")
    for index, (row, expected) in enumerate(zip(got, want)):
        reasons = tuple(row[2].split("|")) if row[2] else ()
        warnings = tuple(row[3].split("|")) if row[3] else ()
        if (row[0], row[1], reasons, warnings) != expected:
            raise SystemExit(f"{name} disagrees with the interpreter on row {index}:\n"
                             f"  {row}\n  {expected}")


# --- timing ----------------------------------------------------------------------------------


def _per_record(decide, pool, count: int) -> float:
    """Seconds per record, deciding ``count`` records one call each."""
    consume = collections.deque(maxlen=0).extend
    chunk = (pool * (count // len(pool) + 1))[:count] if count > len(pool) else pool[:count]
    start = time.perf_counter()
    consume(map(decide, chunk))
    return (time.perf_counter() - start) / count


def _calibrate(decide, pool, target: float) -> int:
    count = 50
    while True:
        took = _per_record(decide, pool, count) * count
        if took > target / 4 or count >= len(pool):
            return max(50, min(len(pool), int(count * target / max(took, 1e-9))))
        count *= 4


def run_rule_set(rules: workload.RuleSet, book, pool, tables, args, skip) -> dict:
    interpreter = Interpreter(book.program)
    want = [_triple(interpreter.decide(r)) for r in pool]
    embedded = embedded_contenders(rules, book, skip)
    if rules is workload.SRG:
        print("... srg: the peers (zen-engine, JDM, rule-engine, cel-python) and Polars are "
              "skipped for the SRG rule set: their encodings cannot say its code list with "
              "periods, month, length or a missing boolean; they run on the generated rule sets",
              file=sys.stderr, flush=True)
        # Besides the pool, the rulebooks' own example rows: the cases the pool has few of
        # (a code out of force, a long registration number, a warning).
        checked = pool + workload.example_rows()
        checked_want = want + [_triple(interpreter.decide(r)) for r in checked[len(pool):]]
    else:
        checked, checked_want = pool, want
    for name, (decide, _) in embedded.items():
        check_embedded(name, decide, checked, checked_want,
                       sample=500 if name in SLOW else len(checked))
    table = tables.contenders(rules, book, skip) if tables is not None else {}
    pool_want = want[:len(tables.pool_frame)] if tables is not None else []
    for name, (_, check) in table.items():
        check_table(name, check, pool_want)

    counts = {name: _calibrate(decide, pool, args.target_seconds)
              for name, (decide, _) in embedded.items()}
    conditions = {name: only for name, (_, only) in embedded.items() if only is not None}
    values = [workload.read(r)[0] for r in pool] if conditions else []
    times: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(args.rounds):
        for name, (decide, _) in embedded.items():
            times[name].append(_per_record(decide, pool, counts[name]))
        for name, only in conditions.items():
            times[name + " [conditions only]"].append(
                _per_record(only, values, counts[name]))
        for name, (run, _) in table.items():
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) / tables.rows)
    statuses = collections.Counter(s for s, *_ in want)
    warned = sum(1 for *_, warnings in want if warnings)
    if warned:
        statuses["with warnings"] = warned
    return {"rules": len(rules.rules), "statuses": dict(statuses),
            "median": {name: statistics.median(runs) for name, runs in times.items()},
            "spread": {name: (min(runs), max(runs)) for name, runs in times.items()},
            "counts": counts}


# --- memory ----------------------------------------------------------------------------------


def memory_child(args) -> None:
    """In a fresh process: prepare one contender, then decide everything once; print JSON."""
    rules = _rule_set(args.memory_child_rules)
    book = srg_rules.parse(rules.rulebook()) if rules is not workload.SRG else workload.srg_book()
    pool = workload.records(args.records, seed=1)
    name = args.memory_child
    if name in TABLE:
        with tempfile.TemporaryDirectory() as folder:
            tables = Tables(pool, args.table_rows, Path(folder))
            run, _ = tables.contenders(rules, book, set())[name]
            before = _maxrss()
            run()
            rows = tables.rows
    else:
        decide, _ = embedded_contenders(rules, book, set())[name]
        if name in SLOW:  # nothing is kept per record: a sample shows the peak as well
            pool = pool[:1000]
        before = _maxrss()
        collections.deque(map(decide, pool), maxlen=0)
        rows = len(pool)
    print(json.dumps({"before": before, "peak": _maxrss(), "rows": rows}))


def _maxrss() -> int:
    """Peak resident set of this process so far, bytes: VmHWM, which starts afresh at exec
    (ru_maxrss would start at the parent's size at fork), else ru_maxrss (KiB on Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_memory(rule_names: list[str], args, skip) -> dict:
    found = {}
    for rule_name in rule_names:
        skipped = contender_skip(_rule_set(rule_name), skip)
        for name in EMBEDDED + TABLE:
            if PEERS.get(name) in skipped or (name == "hand-written Polars" and "polars" in skipped):
                continue
            output = subprocess.run(
                [sys.executable, __file__, "--memory-child", name, "--memory-child-rules", rule_name,
                 "--records", str(args.records), "--table-rows", str(args.table_rows)],
                capture_output=True, text=True, check=True).stdout
            found[(rule_name, name)] = json.loads(output.strip().splitlines()[-1])
    return found


# --- report ----------------------------------------------------------------------------------


def _rule_set(name: str) -> workload.RuleSet:
    return workload.SRG if name == "srg" else workload.generated(int(name), seed=1)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return (f"{os.cpu_count()} CPUs ({model}), {platform.machine()} {platform.system()}; "
            f"Python {platform.python_version()}; " + ", ".join(versions))


def report(results: dict, args) -> None:
    print(machine())
    print(f"{args.records} records in the pool, tables of {args.table_rows} rows, "
          f"median of {args.rounds} interleaved rounds")
    for rule_name, result in results.items():
        median = result["median"]
        base = median["hand-written Python"]
        print()
        print(f"rule set {rule_name} ({result['rules']} rules), decisions: {result['statuses']}")
        head = ["contender", "records/s", "µs/record", "ratio to hand-written", "rounds min..max µs"]
        if args.markdown:
            print("| " + " | ".join(head) + " |")
            print("|" + "---|" * len(head))
        else:
            print(f"{head[0]:<44}{head[1]:>14}{head[2]:>12}{'ratio':>8}   spread")
        for name, seconds in median.items():
            low, high = result["spread"][name]
            cells = [name, f"{1 / seconds:,.0f}", f"{seconds * 1e6:.3g}", f"{seconds / base:.2f}",
                     f"{low * 1e6:.3g}..{high * 1e6:.3g}"]
            if args.markdown:
                print("| " + " | ".join(cells) + " |")
            else:
                print(f"{cells[0]:<44}{cells[1]:>14}{cells[2]:>12}{cells[3]:>8}   {cells[4]}")
        targets = []
        compiled = median["compiled (python)"] / base
        targets.append(f"compiled / hand-written Python = {compiled:.2f} (target <= 1.2)")
        if "zen expression" in median:
            targets.append(f"zen expression / compiled = "
                           f"{median['zen expression'] / median['compiled (python)']:.2f} "
                           f"(conditions only: {median['zen expression [conditions only]'] / median['compiled (python)']:.2f}; target >= 5)")
        if "zen decision table (JDM)" in median:
            targets.append(f"zen JDM / compiled = "
                           f"{median['zen decision table (JDM)'] / median['compiled (python)']:.1f} "
                           f"(conditions only: {median['zen decision table (JDM) [conditions only]'] / median['compiled (python)']:.1f}; target >= 20)")
        if "SQL backend on DuckDB" in median:
            targets.append(f"SQL backend / hand-written DuckDB = "
                           f"{median['SQL backend on DuckDB'] / median['hand-written DuckDB']:.2f} "
                           "(target <= 1.5)")
        if "SQL backend on DuckDB, unordered" in median:
            targets.append(f"SQL backend, unordered (no ORDER BY, as the hand-written query) / "
                           f"hand-written DuckDB = "
                           f"{median['SQL backend on DuckDB, unordered'] / median['hand-written DuckDB']:.2f}")
        for line in targets:
            print(("- " if args.markdown else "  ") + line)
    sys.stdout.flush()


def report_memory(memory: dict, rule_names: list[str], args) -> None:
    print("\npeak RSS, MB: VmHWM of a fresh subprocess per contender, after generating "
          f"{args.records} records (for tables: loading {args.table_rows} rows into DuckDB and "
          "Polars) and preparing the contender → after deciding them all once (the slow peers: "
          "the first 1000 records)")
    names = [n for n in EMBEDDED + TABLE if any((r, n) in memory for r in rule_names)]
    print("| contender | " + " | ".join(rule_names) + " |")
    print("|---|" + "---|" * len(rule_names))
    for name in names:
        cells = []
        for rule_name in rule_names:
            found = memory.get((rule_name, name))
            cells.append(f"{found['before'] / 2**20:.0f} → {found['peak'] / 2**20:.0f}" if found else "")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records in the pool")
    parser.add_argument("--table-rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rules", default="srg,10,50,200",
                        help="rule sets: srg and numbers of generated rules")
    parser.add_argument("--skip", default="", help="comma-separated: zen, rule_engine, cel, polars, tables")
    parser.add_argument("--target-seconds", type=float, default=0.25)
    parser.add_argument("--memory", action="store_true", help="also measure peak RSS per contender")
    parser.add_argument("--memory-only", action="store_true", help="only the memory measurement")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="write the raw medians here")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--memory-child-rules", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args)
        return 0
    skip = {s for s in args.skip.split(",") if s}
    rule_names = args.rules.split(",")
    # First, while this process is small: a child's figures must not include the parent's.
    memory = measure_memory(rule_names, args, skip) if args.memory or args.memory_only else None
    if args.memory_only:
        report_memory(memory, rule_names, args)
        return 0
    pool = workload.records(args.records, seed=1)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        tables = None if "tables" in skip else Tables(pool, args.table_rows, Path(folder))
        for rule_name in rule_names:
            rules = _rule_set(rule_name)
            if rules is workload.SRG:
                # The transcription has the file's rules in its order; that it decides as the
                # file does is checked on every contender made from it (run_rule_set), the
                # hand-written DuckDB query on every record of the pool.
                book = workload.srg_book()
                if tuple(book.rule_ids) != tuple(r.id for r in rules.rules):
                    raise SystemExit(f"workload.SRG's rules {[r.id for r in rules.rules]} are not "
                                     f"those of {workload.SRG_PATH}: {list(book.rule_ids)}")
            else:
                book = srg_rules.parse(rules.rulebook())
            print(f"... {rule_name}", file=sys.stderr, flush=True)
            results[rule_name] = run_rule_set(rules, book, pool, tables, args, skip)
    report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps({k: {**v, "spread": None} for k, v in results.items()},
                                              indent=1), encoding="utf-8")
    if memory is not None:
        report_memory(memory, rule_names, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
