"""The byte scan of a CSV file before DuckDB reads it: what DuckDB might read otherwise than
Python's ``csv`` module, and how many records Python reads.

Place in the pipeline: beside :mod:`srg_rules.filerun`, which decides a CSV file inside
DuckDB only when this scan finds nothing DuckDB could read otherwise, and checks that DuckDB
decided as many records as the scan counted (every row accounted for). Input: the file's
bytes, in blocks. Output: a reason to read the file the Python way, or None, and the count.

The scan is conservative (a file it sends the Python way may have been fine, never the
reverse) and reads bytes only, no parsing. :class:`FileScan` runs it once, when the caller
has time for it: :mod:`srg_rules.filerun` runs it while DuckDB makes its first pass over the
file on its own threads (DuckDB does not hold Python's lock; a thread of Python's beside the
query building would, and gained nothing, measured).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["FileScan", "Scan", "count_records", "ends_inside_a_quote", "read_otherwise"]


class Scan:
    """What the byte scan counts: the records of the file (header included), as Python's
    csv module reads them: lines ending outside quotes, blank ones left out."""

    def __init__(self) -> None:
        self.records = 0
        self._quoted = False
        self._content = False  # the line under way has something on it

    def feed(self, block: bytes) -> None:
        parts = block.split(b'"')
        for index, part in enumerate(parts):
            if index:
                self._quoted = not self._quoted
                self._content = True
            if self._quoted or not part:
                continue
            pieces = part.split(b"\n")
            if len(pieces) == 1:
                self._content = self._content or part != b"\r"
                continue
            inner = pieces[1:-1]
            blank = inner.count(b"") + inner.count(b"\r")
            first_blank = not self._content and pieces[0] in (b"", b"\r")
            self.records += len(pieces) - 1 - blank - first_blank
            self._content = pieces[-1] not in (b"", b"\r")

    def end(self) -> None:
        if self._content:
            self.records += 1
            self._content = False


def count_records(blocks: Iterable[bytes]) -> int:
    """The records of a CSV file given in blocks of bytes, header included, as Python's csv
    module reads a file whose quotes enclose whole values: lines ending outside quotes,
    blank lines left out. A DuckDB run is checked against it."""
    scan = Scan()
    for block in blocks:
        scan.feed(block)
    scan.end()
    return scan.records


def read_otherwise(path: Path, delimiter: str, chunk: int = 1 << 24,
                    progress: Callable[[float], None] | None = None,
                    scan: Scan | None = None, hash_quoted: bool = False) -> str | None:
    """Why DuckDB might read the file otherwise than Python's csv module, or None.

    A byte scan, no parsing, and conservative: it may send a file DuckDB would read right
    the Python way, never the reverse. Three things are looked for. White space between a
    delimiter or line end and a quote (DuckDB skips it, Python keeps it and reads the quote
    as a character). A carriage return without a line feed after it (Python ends a row there;
    DuckDB reads a file with one kind of line end). A quote the first line leaves open
    (Python reads the header from that line alone, DuckDB skips the lines the quote holds).

    ``hash_quoted``: the DuckDB at hand writes every value holding a ``#`` quoted (before
    2.0, whatever the COPY says), where Python writes it bare; such a file is sent the Python
    way too.

    ``progress`` sees the scan as the first 5% of the run.
    """
    if _header_leaves_quote_open(path):
        return "a quote the header line leaves open"
    edge = re.compile(rb"(?:^|[" + re.escape(delimiter.encode()) + rb"\r\n])[ \t]+\"|\"[ \t]+(?:["
                      + re.escape(delimiter.encode()) + rb"\r\n]|$)", re.MULTILINE)
    carry = b""
    size = max(1, path.stat().st_size)
    done = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            done += len(block)
            if scan is not None:
                scan.feed(block)
            if progress is not None:
                progress(0.05 * done / size)
            window = carry + block
            # The window's ends count as line ends, so a pattern cut by a chunk boundary is
            # still found (at worst where there is none).
            if _quote_beside_blank(window) and edge.search(window):
                return "a quote beside white space"
            if hash_quoted and b"#" in block:
                return "a '#', which this DuckDB writes quoted"
            if b"\r" in window and window.count(b"\r") != window.count(b"\r\n") + (
                    1 if window.endswith(b"\r") else 0):
                return "a carriage return without a line feed"
            carry = block[-1:]
    if scan is not None:
        scan.end()
    if carry == b"\r":
        return "a carriage return without a line feed"
    return None


def ends_inside_a_quote(path: Path, delimiter: str) -> bool:
    """Whether Python's csv module, reading the file strictly, finds it end inside a quote
    (or finds anything else it refuses in strict mode, or text that is not UTF-8): DuckDB's
    single-threaded reader, padding short rows, would read such a quote as padding. A pass
    in Python, made only for the rare file read that way (line breaks inside quoted
    values)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle, delimiter=delimiter, strict=True):
                pass
    except (csv.Error, UnicodeDecodeError):
        return True
    return False


def _header_leaves_quote_open(path: Path) -> bool:
    """Whether the first line has an odd number of quotes: Python reads the header from that
    line alone (:func:`srg_rules.records.open_records`) and its next line as a record,
    DuckDB skips the whole first record, lines the quote holds included."""
    with open(path, "rb") as handle:
        first = handle.readline(1 << 24)
    return first.count(b'"') % 2 == 1


def _quote_beside_blank(window: bytes) -> bool:
    """Whether some quote has a space or tab next to it (single-byte scans where it can)."""
    quotes = window.count(b'"')
    if not quotes:
        return False
    if quotes > 100_000:
        return any(pair in window for pair in (b' "', b'" ', b'\t"', b'"\t'))
    position = window.find(b'"')
    while position >= 0:
        if window[position - 1:position] in (b" ", b"\t") or \
                window[position + 1:position + 2] in (b" ", b"\t"):
            return True
        position = window.find(b'"', position + 1)
    return False


class FileScan:
    """:func:`read_otherwise` of a file, run once: by :meth:`run` when the caller has time for
    it (while DuckDB makes its first pass over the file on its own threads), or by
    :meth:`result` when it is needed."""

    def __init__(self, path: Path, delimiter: str,
                 progress: Callable[[float], None] | None = None,
                 hash_quoted: bool = False) -> None:
        self.scan = Scan()
        self._path = path
        self._delimiter = delimiter
        self._hash_quoted = hash_quoted
        self._progress = progress
        self._outcome: list[str | None] = []

    def run(self) -> None:
        if not self._outcome:
            self._outcome.append(read_otherwise(self._path, self._delimiter,
                                                progress=self._progress, scan=self.scan,
                                                hash_quoted=self._hash_quoted))

    def result(self) -> tuple[str | None, int]:
        """The reason to read the file the Python way (None: DuckDB reads it as Python does)
        and the records of the file, header included."""
        self.run()
        return self._outcome[0], self.scan.records
