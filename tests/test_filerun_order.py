"""``srg-rules run`` on DuckDB keeps the rows in order on both threads, with long code lists.

DuckDB's ``in_clause`` optimizer turns an ``IN`` list of five or more constants into a join
that gives up the order rows were read in. The file path writes such lists without ``IN``
(:mod:`srg_rules.backends.sql.inorder`) and leaves the optimizer on; ``unique`` is checked
against the keys found twice beforehand, not with a window and a sort. These tests run a
rulebook with a 60-code field and a 55-value ``in`` condition over 300,000 rows (large enough
for DuckDB to read with both threads) and want the output byte for byte as the Python engine
writes it; and they check that the same query, ``IN`` lists left as they were, does lose the
order there, so that the tests could fail.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

import srg_rules  # noqa: E402
from srg_rules import filerun  # noqa: E402
from srg_rules.backends import sql as sql_backend  # noqa: E402
from srg_rules.backends.sql.inorder import keeps_order, member, without_in_lists  # noqa: E402
from srg_rules.cli import main  # noqa: E402
from sqlglot import exp  # noqa: E402

from order_rules import CODES, DUPLICATE_EVERY, KINDS, ROWS, RULES  # noqa: E402


def _rows(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        code = rng.choice(CODES + ["zz", "", " c03"])
        row_id = f"r{number - 1:07d}" if number and number % DUPLICATE_EVERY == 0 \
            else f"r{number:07d}"
        rows.append([row_id, code, rng.choice(KINDS), rng.choice(["", "12", "31.5", "x"]),
                     "note " * rng.randint(0, 8)])
    return rows


def _write(folder: Path, count: int, seed: int) -> Path:
    source = folder / "in.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        handle.write("id;code;kind;hours;note\n")
        handle.writelines(";".join(row) + "\n" for row in _rows(count, seed))
    return source


def _python_output(folder: Path, source: Path, rulebook: Path) -> bytes:
    target = folder / "python.csv"
    assert main(["run", str(rulebook), str(source), "-o", str(target), "--engine", "python"]) == 0
    return target.read_bytes()


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    folder = tmp_path_factory.mktemp("order")
    rulebook = folder / "book.rules"
    rulebook.write_text(RULES, encoding="utf-8")
    source = _write(folder, ROWS, seed=7)
    return folder, rulebook, source, _python_output(folder, source, rulebook)


def test_the_csv_run_writes_what_the_python_engine_writes(delivery) -> None:
    folder, rulebook, source, expected = delivery
    target = folder / "duckdb.csv"
    assert main(["run", str(rulebook), str(source), "-o", str(target), "--engine", "duckdb"]) == 0
    assert target.read_bytes() == expected


def test_the_parquet_run_keeps_the_order(delivery) -> None:
    folder, rulebook, source, expected = delivery
    parquet = folder / "in.parquet"
    connection = duckdb.connect()
    connection.execute(f"COPY (SELECT * FROM read_csv('{source}', delim=';', header=true, "
                       f"all_varchar=true)) TO '{parquet}' (FORMAT parquet)")
    book = srg_rules.load(rulebook)
    summary = filerun.run_file(book.program, parquet, folder / "out.parquet", progress=None)
    assert summary["engine"] == "duckdb"
    got = connection.execute(f"SELECT id, status, coalesce(reasons, '') "
                             f"FROM read_parquet('{folder / 'out.parquet'}')").fetchall()
    want = [tuple(line.split(";")[i] for i in (0, 5, 7))
            for line in expected.decode().splitlines()[1:]]
    assert got == want


def test_the_queries_run_with_the_in_clause_optimizer_on(delivery, monkeypatch) -> None:
    folder, rulebook, source, _ = delivery
    switched: list[str] = []
    original = filerun._Connection._prepared

    def prepared(self, statement):
        text = original(self, statement)
        switched.append(self._db.execute("SELECT current_setting('disabled_optimizers')")
                        .fetchone()[0])
        return text

    monkeypatch.setattr(filerun._Connection, "_prepared", prepared)
    book = srg_rules.load(rulebook)
    filerun.run_file(book.program, source, folder / "on.csv", progress=None)
    assert switched and all("in_clause" not in setting for setting in switched)


def test_the_lists_left_as_in_would_lose_the_order(delivery) -> None:
    """The check the tests above stand on: over this file, DuckDB's optimizer does turn the
    lists into joins and the rows do come out elsewhere."""
    folder, rulebook, source, _ = delivery
    book = srg_rules.load(rulebook)
    query = sql_backend.Query(book.program, ["id", "code", "kind", "hours", "note"], "text", None)
    read = f"read_csv('{source}', delim=';', header=true, all_varchar=true)"
    decided = query.select(exp.select("*").from_(read))
    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    plain = decided.sql("duckdb")
    ids = [row[0] for row in connection.execute(plain).fetchall()]
    assert ids != sorted(ids)  # lost: the input's ids are in order
    assert without_in_lists(decided) and keeps_order(decided)
    ids = [row[0] for row in connection.execute(decided.sql("duckdb")).fetchall()]
    assert ids == sorted(ids)


def test_many_duplicate_keys_fall_back_to_a_window(delivery, monkeypatch) -> None:
    folder, rulebook, source, expected = delivery
    monkeypatch.setattr(filerun, "MOST_DUPLICATE_KEYS", 3)  # the file has 11
    target = folder / "window.csv"
    assert main(["run", str(rulebook), str(source), "-o", str(target), "--engine", "duckdb"]) == 0
    assert target.read_bytes() == expected


@pytest.mark.parametrize("size", [1, 4, 5, 8, 9, 40, 800])
def test_a_searched_list_means_what_in_means(size) -> None:
    rng = random.Random(size)
    alphabet = ["a", "b", "é", "Z", "0", "9", " ", "ß", "\U0001F600", "\x01", "'"]

    def word() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))

    values = [word() for _ in range(size)]
    probes = [word() for _ in range(300)] + values + [None]
    item = exp.column("x")
    listed = [exp.Literal.string(v) for v in values]
    query = exp.select(exp.In(this=item.copy(), expressions=listed).as_("a"),
                       exp.Not(this=exp.In(this=item.copy(), expressions=listed)).as_("b"),
                       member(item, listed).as_("c")).from_("probes")
    connection = duckdb.connect()
    connection.execute("CREATE TABLE probes AS SELECT unnest(?) AS x", [probes])
    for a, b, c in connection.execute(query.sql("duckdb")).fetchall():
        assert c == a and (b is None) == (a is None) and (a is None or b == (not a))


@pytest.mark.slow
def test_a_million_rows_keep_their_order(tmp_path) -> None:
    rulebook = tmp_path / "book.rules"
    rulebook.write_text(RULES, encoding="utf-8")
    source = _write(tmp_path, 1_000_000, seed=11)
    expected = _python_output(tmp_path, source, rulebook)
    target = tmp_path / "duckdb.csv"
    assert main(["run", str(rulebook), str(source), "-o", str(target), "--engine", "duckdb"]) == 0
    assert target.read_bytes() == expected
