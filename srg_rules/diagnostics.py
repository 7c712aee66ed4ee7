"""Diagnostics: what every stage reports about a rulebook, and the error that carries them.

Each stage (parse, check, analyse) returns *all* of its diagnostics; the pipeline stops only
when a stage's output is unusable. A :class:`Diagnostic` has a stable ``code`` (snake_case, never
changed once released; the message wording may improve), a severity, a lowercase message saying
what is wrong, the span it is about, an optional ``help`` line saying what to do, and
``related`` spans (for example the other rule of a conflict).

``Diagnostic.render`` is the one text form, used by the CLI and by ``str(RulebookError)``::

    srg.rules:14:25: error[unknown_code]: 'taal2' is not a value of field 'category'
      14 | exclude when category = taal2
         |                         ^^^^^
      help: did you mean 'taal'?
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence

import attrs

from .source import Span, render_snippet
from .i18n import gettext as _

__all__ = ["Diagnostic", "RulebookError", "Severity", "did_you_mean"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Diagnostic:
    """One finding about a rulebook. Its fields are public API.

    Attributes:
        code: stable snake_case identifier, e.g. ``unknown_field``.
        message: what is wrong, in lowercase plain words.
        span: where in which rulebook.
        severity: errors stop a rulebook from being used; warnings do not.
        help: what to do about it, when that is likely (e.g. "did you mean 'taal'?").
        related: other places that matter, as (label, span) pairs.
    """

    code: str
    message: str
    span: Span
    severity: Severity = Severity.ERROR
    help: str | None = None
    related: tuple[tuple[str, Span], ...] = ()

    @property
    def path(self) -> str:
        return self.span.source.path

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self) -> str:
        """Header, source line with carets, help line, then each related span."""
        parts = [
            f"{self.span.location()}: {self.severity}[{self.code}]: {self.message}",
            render_snippet(self.span),
        ]
        if self.help:
            parts.append("  " + _("help: {help}").format(help=self.help))
        for label, span in self.related:
            parts.append("  " + _("note: {label} at {location}").format(
                label=label, location=span.location()))
            parts.append(render_snippet(span, indent="    "))
        return "\n".join(parts)


class RulebookError(Exception):
    """A rulebook that cannot be used. ``diagnostics`` (public API) holds every finding.

    Raised by :func:`srg_rules.load` and :func:`srg_rules.parse` when a rulebook has one or more
    errors; warnings found at the same time are included so that a caller can show all.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__(self._summary())

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    def _summary(self) -> str:
        errors = self.errors
        noun = "error" if len(errors) == 1 else "errors"
        body = "\n\n".join(d.render() for d in self.diagnostics)
        return f"{len(errors)} {noun} in rulebook\n\n{body}"


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" help line for a misspelt name, or None when nothing is close.

    >>> did_you_mean("catgory", ["category", "funding"])
    "did you mean 'category'?"
    """
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return _("did you mean '{word}'?").format(word=lowered[word.lower()])
    close = difflib.get_close_matches(word, pool, n=3, cutoff=0.6)
    if not close:
        return None
    if len(close) == 1:
        return _("did you mean '{word}'?").format(word=close[0])
    return _("did you mean {words} or '{last}'?").format(
        words=", ".join(f"'{c}'" for c in close[:-1]), last=close[-1])
