"""The typed records of the typed-input tests (tests/test_typed_input.py, and the Spark
engine's in tests/test_spark_run.py): a rulebook over fields of every type that can be read
typed, and a typed value as the text a CSV export of its column holds."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

BOOK_TEXT = """\
field id: text
field count: number optional
field big: number optional
field ratio: number optional
field amount: number optional
field start: date
field moment: date optional
field month: month optional
field paid: boolean optional
field person: bsn optional
field kind: code {a, b}
reject late when start > month + 1 months
reject exact when big = 9007199254740993
include counted when count > 3 and count != 9223372036854775807
include large when big >= 18446744073709551616
include same when count = big
include less when ratio < count
include fraction when amount > 2.5 and amount < 1000000000000
include paid_one when paid and kind = a
include dated when start >= 2024-02-29 and moment < start + 1 years
include young when age(moment, start) < 18
exclude odd when ratio = -0.0 or ratio >= 100000000000000000000
classify by_kind as 40 when kind = a
classify by_month as 42 when month is missing and not paid
warn no_person when person is missing
output type: code {40, 42}
"""


def csv_text(name: str, value: Any) -> str:
    """A typed value as a CSV export of the column holds it (see docs/engines.md)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()  # a timestamp for a date field: its day
    if isinstance(value, dt.date):
        # A month field reads a month's first day as that month.
        return value.isoformat()[:7] if name == "month" and value.day == 1 else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(value)
