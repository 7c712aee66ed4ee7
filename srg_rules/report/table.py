"""A report's figures as one long CSV table: the group fields, the measure, the value.

Place in the pipeline: beside :mod:`srg_rules.report.html`, for ``report --format csv``.
Input: a :class:`~srg_rules.summary.Summary`. Output: CSV text, separated by semicolons (as
the SRG deliveries are, and as a Dutch spreadsheet opens in columns).

The layout (docs/report.md): a header ``scope;FIELD...;measure;value`` and a row per
count. ``scope`` is ``delivery`` for the whole delivery (the group fields empty) or ``group``
(the group fields hold the group's values, empty for a missing one). The measures are those
of ``run --summary-json``: ``records``, ``source_rows`` (with a registration level),
``status:S`` for each status (always all three), ``type:T`` (``type:none`` for an included
record without a type), ``reason:R`` and ``warning:W``. A measure that is zero is written
only for the statuses, so the rows are the JSON's entries one for one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ..decision import Status
from ..summary import Summary

__all__ = ["measures", "render_csv"]


def measures(summary: Summary) -> Iterator[tuple[str, int]]:
    """(measure, value) for every count of one summary, in the JSON's order."""
    counts = summary.as_dict()
    if "source_rows" in counts:
        yield "source_rows", counts["source_rows"]
    yield "records", counts["records"]
    for status in Status:
        yield f"status:{status.value}", counts["statuses"][status.value]
    for kind, key in (("type", "types"), ("reason", "reasons"), ("warning", "warnings")):
        for name, value in counts.get(key, {}).items():
            yield f"{kind}:{name}", value


def render_csv(summary: Summary) -> str:
    """The whole table.

    >>> import srg_rules
    >>> from srg_rules.decision import Decision, Status
    >>> summary = Summary().grouped_by(["m"])
    >>> for m, d in [("a", Decision(Status.INCLUDED, "40", ("r",))), ("", Decision(Status.REJECTED, None, ("x",)))]:
    ...     summary.add(d); summary.group([m]).add(d)
    >>> print(render_csv(summary), end="")  # doctest: +ELLIPSIS
    scope;m;measure;value
    delivery;;records;2
    delivery;;status:included;1
    ...
    group;;status:rejected;1
    group;;reason:x;1
    group;a;records;1
    ...
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["scope", *summary.by, "measure", "value"])
    blank = [""] * len(summary.by)
    for measure, value in measures(summary):
        writer.writerow(["delivery", *blank, measure, value])
    for key in sorted(summary.groups):
        for measure, value in measures(summary.groups[key]):
            writer.writerow(["group", *key, measure, value])
    return out.getvalue()
