"""The rulebook of the tests that a whole run keeps the rows' order on both of DuckDB's threads
(test_filerun_order.py for files, test_tables_order.py for tables): long code lists (so that
DuckDB's ``in_clause`` optimizer would rewrite their ``IN``), a ``unique`` key, and planted
duplicates among many rows."""

CODES = [f"c{i:02d}" for i in range(60)]
KINDS = [f"k{i}" for i in range(10)]
RULES = f"""\
field id: text
field code: code {{{", ".join(CODES)}}}
field kind: code {{{", ".join(KINDS)}}}
field hours: number optional
field note: text optional
unique id
reject odd_kind when kind in {{k7, k8}}
include listed when code in {{{", ".join(CODES[:55])}}}
include long when hours > 30
"""
ROWS = 300_000
DUPLICATE_EVERY = 25_000  # a planted duplicate id now and then: both rows are rejected
