"""Source text and positions: the first thing every stage shares.

A :class:`SourceFile` is a rulebook's text and the path it was read from. A :class:`Span` is a
half-open range of character offsets into one source; line and column (both 1-based) are
derived from the offsets on demand, so no stage has to carry them around. ``render_snippet``
is the one place that draws a source line with a caret under a span; diagnostics and
explanations both use it.

Invariant: spans never compare equal to anything but themselves in tree equality (AST and IR
nodes declare their ``span`` with ``eq=False``), so trees built in tests without positions
compare equal to parsed ones.
"""

from __future__ import annotations

import bisect
from functools import cached_property
from itertools import accumulate

import attrs

__all__ = ["SourceFile", "Span", "render_snippet"]


@attrs.frozen(eq=False)
class SourceFile:
    """A rulebook's text and where it came from (a path, or a name such as ``<string>``)."""

    path: str
    text: str

    @cached_property
    def _line_starts(self) -> list[int]:
        # Each line's length plus its break, summed: a tenth of the time of a walk over the
        # characters (a 10 MB rulebook: 0.8 s).
        return list(accumulate((len(line) + 1 for line in self.text.split("\n")[:-1]),
                               initial=0))

    def line_col(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a character offset."""
        line_index = bisect.bisect_right(self._line_starts, offset) - 1
        return line_index + 1, offset - self._line_starts[line_index] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        starts = self._line_starts
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r")


@attrs.frozen
class Span:
    """A half-open range ``[start, end)`` of offsets into a source file."""

    source: SourceFile = attrs.field(repr=False)
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    @property
    def end_line(self) -> int:
        return self.source.line_col(max(self.start, self.end - 1))[0]

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def location(self) -> str:
        """``path:line:col``, the form editors and terminals turn into links."""
        return f"{self.source.path}:{self.line}:{self.column}"

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of ``other``."""
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))


def render_snippet(span: Span, indent: str = "  ") -> str:
    """The span's first source line with carets under the part the span covers.

    >>> src = SourceFile("x.rules", "include when hours = taal")
    >>> print(render_snippet(Span(src, 21, 25)))
      1 | include when hours = taal
        |                      ^^^^
    """
    line, column = span.line, span.column
    text = span.source.line_text(line)
    if span.end_line == line:
        width = max(1, span.end - span.start)
    else:
        width = max(1, len(text) - column + 1)
    gutter = str(line)
    pad = " " * len(gutter)
    # Tabs are kept under the caret so that the caret lines up in any terminal.
    lead = "".join(ch if ch == "\t" else " " for ch in text[: column - 1])
    return f"{indent}{gutter} | {text}\n{indent}{pad} | {lead}{'^' * width}"
