"""The SQL backend's vocabulary: small builders of sqlglot expressions, and the plan of named
values the query computes in stages.

Place in the pipeline: below every other module of :mod:`srg_rules.backends.sql`. Input: sqlglot
expressions and Python values. Output: sqlglot expressions that print the same in every dialect
(operands parenthesized where they are not atoms; literals, never pasted text).

Invariants: a name reaches SQL only as a quoted :func:`ident` and a value only as a Literal;
``and_``/``or_`` of nothing are TRUE/FALSE; a :class:`Plan` value lives in the stage after the
values it uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlglot import exp

__all__ = [
    "COMPARISONS",
    "Plan",
    "WHITESPACE",
    "add_all",
    "and_",
    "case",
    "column",
    "comparison",
    "double",
    "false_if_null",
    "ident",
    "in_",
    "is_not_null",
    "is_null",
    "matching",
    "not_",
    "or_",
    "paren",
    "regexp",
    "strip",
    "string",
]

# What Python's str.strip() removes: every character for which str.isspace() is true.
# tests/test_sql.py checks this against a scan of all of Unicode.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

COMPARISONS: dict[str, type[exp.Expression]] = {"eq": exp.EQ, "ne": exp.NEQ, "lt": exp.LT,
                                                "le": exp.LTE, "gt": exp.GT, "ge": exp.GTE}


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def column(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table is not None else None)


# Nodes that print as one term in every dialect. Everything else is parenthesized where it
# is an operand: sqlglot prints the tree it is given (``AND`` is a function node too), and a
# regular expression match is an infix operator in PostgreSQL (``~``).
_ATOMS = (exp.Column, exp.Literal, exp.Boolean, exp.Paren, exp.Null, exp.Case, exp.Coalesce,
          exp.Cast)


def paren(expression: exp.Expression) -> exp.Expression:
    if isinstance(expression, _ATOMS):
        return expression
    return exp.Paren(this=expression)


def comparison(op: str, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """``left OP right`` for an operator id (eq, ne, lt, le, gt, ge), operands parenthesized."""
    return COMPARISONS[op](this=paren(left), expression=paren(right))


def and_(items: Sequence[exp.Expression]) -> exp.Expression:
    if not items:
        return exp.true()
    result = paren(items[0])
    for item in items[1:]:
        result = exp.And(this=result, expression=paren(item))
    return result


def or_(items: Sequence[exp.Expression]) -> exp.Expression:
    if not items:
        return exp.false()
    result = paren(items[0])
    for item in items[1:]:
        result = exp.Or(this=result, expression=paren(item))
    return result


def not_(item: exp.Expression) -> exp.Expression:
    return exp.Not(this=paren(item))


def is_null(item: exp.Expression) -> exp.Expression:
    return exp.Is(this=item, expression=exp.Null())


def is_not_null(item: exp.Expression) -> exp.Expression:
    return not_(is_null(item))


def case(whens: Sequence[tuple[exp.Expr, exp.Expr]],
          default: exp.Expr | None = None) -> exp.Expression:
    # Built as nodes: Case.when and Case.else_ copy the whole CASE at every step.
    return exp.Case(ifs=[exp.If(this=condition, true=value) for condition, value in whens],
                    default=default)


def in_(item: exp.Expression, values: Sequence[exp.Expression]) -> exp.Expression:
    return exp.In(this=item, expressions=list(values))


def false_if_null(condition: exp.Expression) -> exp.Expression:
    """Two-valued: a comparison with a NULL (missing or invalid) value is false."""
    return exp.Coalesce(this=condition, expressions=[exp.false()])


def regexp(item: exp.Expression, pattern: str) -> exp.Expression:
    return exp.RegexpLike(this=item, expression=string(pattern))


def double(value: float) -> exp.Expression:
    """A DOUBLE constant, exactly ``value`` in every dialect."""
    if math.isinf(value):
        return exp.cast(string("Infinity" if value > 0 else "-Infinity"), "DOUBLE")
    text = repr(value)
    if "e" in text or "n" in text:
        return exp.cast(string(text), "DOUBLE")
    return exp.Literal.number(text)


# A white space character at either end; the characters themselves, as none of them is
# special in a character class.
_EDGE_SPACE = f"^[{WHITESPACE}]|[{WHITESPACE}]$"


def strip(raw: exp.Expression) -> exp.Expression:
    """``raw`` without the white space ``str.strip()`` removes. TRIM with a set of characters
    is slow in DuckDB, so it runs only for a text that has some at either end; and as most
    texts begin and end with a printable ASCII character (``!`` to ``~``, none of them white
    space), that is tested first, on the code points of the first and last characters: it
    costs less than the regular expression (the SRG rulebook on DuckDB: 16 fields, about
    0.1 s less per 200,000 rows). ASCII gives the code point in DuckDB, PostgreSQL and Spark;
    of an empty text it is 0, so that text goes on to the full test."""
    trimmed = exp.Trim(this=raw, expression=string(WHITESPACE), position="BOTH")
    stripped = case([(regexp(raw.copy(), _EDGE_SPACE), trimmed)], raw.copy())
    printable_ends = and_([
        exp.Between(this=exp.Ascii(this=end), low=exp.Literal.number(ord("!")),
                    high=exp.Literal.number(ord("~")))
        for end in (raw.copy(), exp.Right(this=raw.copy(), expression=exp.Literal.number(1)))])
    return case([(printable_ends, raw.copy())], stripped)


def matching(text: exp.Expression, pattern: str) -> exp.Expression:
    """``text`` when it matches ``pattern``, else NULL."""
    return case([(regexp(text, pattern), text.copy())])


def add_all(items: list[exp.Expression]) -> exp.Expression:
    """``items[0] + items[1] + ...`` (at least one item)."""
    result = items[0]
    for item in items[1:]:
        result = exp.Add(this=result, expression=item)
    return result


# --- the plan: named values in stages ------------------------------------------------------


class Plan:
    """Named intermediate values. Each lives in the stage after the values it uses, so the
    query computes each once."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.expressions: dict[str, exp.Expression] = {}
        self.levels: dict[str, int] = {}
        self._count = 0

    def bind(self, hint: str, expression: exp.Expression) -> exp.Column:
        name = f"{self.prefix}{self._count}_{hint}"
        self._count += 1
        level = 1 + max(
            (self.levels[c.name] for c in expression.find_all(exp.Column)
             if c.table == "" and c.name in self.levels),
            default=0,
        )
        self.expressions[name] = expression
        self.levels[name] = level
        return column(name)

    def stages(self) -> list[list[str]]:
        depth = max(self.levels.values(), default=0)
        return [[n for n, level in self.levels.items() if level == k] for k in range(1, depth + 1)]

