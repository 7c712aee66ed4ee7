"""Standard input as a record file: copied to a private folder so that every engine can read
it (twice, for ``unique``), named ``<stdin>`` in every message, removed when the command ends.

Place in the pipeline: beside :mod:`srg_rules.cli`, which spools ``-`` here before a run and
removes the copies when the command ends, however it ends.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

__all__ = ["named", "remove_spools", "spool_stdin"]

_SPOOLS: dict[str, str] = {}  # folder -> the copy inside it


def spool_stdin(kind: str | None) -> str:
    """Copy standard input to a private folder; the copy's path (``stdin.csv`` or
    ``stdin.jsonl``: ``kind``, or from its first bytes)."""
    folder = tempfile.mkdtemp(prefix="srg-rules-stdin-")
    head = sys.stdin.buffer.peek(64) if hasattr(sys.stdin.buffer, "peek") else b""
    if kind is None:
        kind = "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"
    path = os.path.join(folder, f"stdin.{kind}")
    _SPOOLS[folder] = path
    with open(path, "wb") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool)
    return path


def named(text: str) -> str:
    """A message with a copy of standard input named as the user gave it."""
    for path in _SPOOLS.values():
        text = text.replace(path, "<stdin>")
    return text


def remove_spools() -> None:
    """Remove every copy of standard input made so far."""
    for folder in list(_SPOOLS):
        shutil.rmtree(folder, ignore_errors=True)
        del _SPOOLS[folder]
