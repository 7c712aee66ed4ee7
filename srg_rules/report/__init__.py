"""``srg-rules report``: the figures of a run over a delivery, for a manager to read.

Place in the pipeline: after the run loop (:mod:`srg_rules.run`), beside the CLI and the
studio. Input: a rulebook and a record file (or a summary already made). Output: one
self-contained HTML page (:func:`render_html`: tables and inline SVG charts, nothing loaded at
view time) or the same figures as a long CSV table (:func:`render_csv`).

- :mod:`.figures`: the run (the same loop and counts as ``srg-rules run``), the default
  group fields, and what each reason means (rules with their ``because``, field problems,
  other reason codes, rules that decided nothing);
- :mod:`.html`: the page; :mod:`.table`: the CSV layout.

Every word of the report is a message of the project's catalog (``_()``, docs/i18n.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..rulebook import Rulebook
from .figures import Figures, default_group_fields, figures, run_summary
from .html import render_html
from .table import render_csv

__all__ = ["Figures", "default_group_fields", "figures", "make_report", "render_csv",
           "render_html", "run_summary"]


def make_report(book: Rulebook, data: str | os.PathLike[str], *,
                by: Sequence[str] | None = None, fmt: str = "html", lang: str = "en",
                rulebook_name: str | None = None) -> str:
    """The report of ``book`` run over ``data``, as HTML or CSV text.

    Args:
        by: the group fields; None: :func:`default_group_fields`.
        fmt: ``html`` or ``csv``.
        lang: ``en`` or ``nl``.
        rulebook_name: how the page names the rulebook (default: its path).

    Raises:
        InputError: the data file cannot be read.
    """
    by = default_group_fields(book.fields) if by is None else tuple(by)
    summary = run_summary(book, data, by)
    if fmt == "csv":
        return render_csv(summary)
    return render_html(figures(book, summary), rulebook_name or book.source.path,
                       os.fspath(data), lang)
