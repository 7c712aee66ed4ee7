"""The SQL backend: a program becomes one SQL query, built as a sqlglot expression tree.

Input: an :class:`ir.Program`. Output: the query as a :class:`sqlglot.exp.Select`
(:func:`to_expression`), as text in a dialect (:func:`to_sql`: ``duckdb``, ``postgres``,
``spark``), or ready to decide records through an in-process DuckDB (:func:`compile_program`).

The query reads a relation of raw records, every declared field a text column as CSV carries
it (other columns may be there too), and adds ``status``, ``type`` and ``reasons`` with the
semantics of docs/language.md ("Semantics of a decision"), exactly as the reference
interpreter decides:

- **Reading.** Each field's text is stripped of the characters Python's ``str.strip()``
  strips (all Unicode white space, not only spaces); empty means missing, and so does
  ``00000000`` for a date. A code must be in its list. A number matches
  ``[+-]?(D+([.,]D*)?|[.,]D+)([eE][+-]?D+)?`` (a lone decimal comma is a point; ``1,000``
  does not match); an integer text is exact however long (its digits are kept beside its
  DOUBLE, and settle comparisons the DOUBLE cannot), any other number is a DOUBLE and must
  be finite. A date is ``YYYY-MM-DD`` or ``YYYYMMDD`` and a real calendar date (checked with
  string arithmetic, so no engine's lenient date parser is involved) and is kept as its
  ``YYYYMMDD`` text, which orders as the dates do. A boolean is one of the words of
  :mod:`srg_rules.schema`, in any case. Digits are ASCII digits, as the schema reads them.
  A ``digits(n)`` value is exactly n of them (leading zeros kept, compared as text); a
  ``bsn`` is nine that pass the 11-test (weights 9 down to 2, then -1).
- **Conditions** are two-valued: every comparison is ``COALESCE(value OP constant, FALSE)``
  over the typed value, which is NULL when the field is missing *or invalid*, so a
  comparison with a missing value is false and ``NOT`` is plain negation.
- **Decision.** Problems (in field order) and matching reject rules reject; then any
  exclude excludes; then no include gives ``no_include_matched``; then more than one
  classify rejects with ``ambiguous_type``; reasons are joined with ``|`` (or a list, with
  ``reasons="list"``), in rulebook order.

Every intermediate value (a field's text, value and problem, a define, a rule's match) is
named and computed once, in stages: each stage is a derived table over the previous one
(``SELECT *, <new values> FROM (...)``). With the input's ``columns`` known, the output is
its columns (less any named status, type or reasons, which the decision replaces, as
``srg-rules run`` does) and the three new ones. Without them, it is ``* EXCEPT (<the
query's own columns>)`` and the three new ones, or, for a dialect without EXCEPT
(PostgreSQL), ``src.*`` with the stages computed per row in a ``CROSS JOIN LATERAL``.

Known limits, each tested or documented where it bites: PostgreSQL raises an error for a
number text beyond DOUBLE PRECISION (about 1.8e308, or so small it rounds to 0) where the
interpreter reads a float as invalid or an integer as exact; a field-to-field comparison
between an integer text and a float text whose DOUBLEs are equal and beyond 2**63 treats
them as equal; DuckDB and Spark do not tell column names apart by case.

The package, stage by stage: :mod:`.builders` (sqlglot builders and the plan of named values),
:mod:`.reading` (a field's text read as its type), :mod:`.conditions` (condition and operand
nodes as SQL: the one place a new construct touches), :mod:`.numbers` (exact number
comparisons), :mod:`.outcome` (status, type and reasons from :mod:`srg_rules.decision`),
:mod:`.query` (the query and its text) and :mod:`.running` (deciding records in DuckDB).

Invariants: a name (field, column, table) reaches the SQL only as a quoted sqlglot
Identifier and a value (code, rule id, literal) only as a sqlglot Literal; nothing from a
rulebook or a record is ever pasted into SQL text, so none can change the query. The
``because`` texts are not part of the query at all. The query has no side effects and does
not depend on row order.
"""

from .builders import WHITESPACE
from .conditions import SUPPORTED_OPERATORS, UnsupportedOperator
from .query import DIALECTS, STAR_EXCEPT_DIALECTS, Query, internal_prefix, to_expression, to_sql
from .reading import field_readings, fitting_columns, typed_as_text, typed_reading
from .running import SqlProgram, compile_program

__all__ = [
    "DIALECTS",
    "Query",
    "STAR_EXCEPT_DIALECTS",
    "SUPPORTED_OPERATORS",
    "SqlProgram",
    "UnsupportedOperator",
    "WHITESPACE",
    "compile_program",
    "internal_prefix",
    "to_expression",
    "to_sql",
    "field_readings",
    "fitting_columns",
    "typed_as_text",
    "typed_reading",
]
