"""The summary of a run: how many records were read, and how they were decided.

Place in the pipeline: the last step of every run (:mod:`srg_rules.run`,
:mod:`srg_rules.filerun`). Input: one :class:`Decision` per record, as a run produces them, or
counts of records decided alike (a DuckDB run counts the written file). Output: counts per
status, per reason, per type and per warning (the warn rules that matched), and a plain-text
report. The counts always add up: every record read
is counted once under exactly one status.

Per group (``srg-rules run --by FIELD,...``): the same counts for each combination of the
group fields' values, each value the field's text as read (white space stripped, empty when
missing). ``as_dict()["by"]`` holds them (docs/cli.md, "The JSON shape").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .decision import Decision, Status
from .i18n import gettext as _

__all__ = ["Summary", "group_text"]


class Summary:
    def __init__(self) -> None:
        self.records = 0
        # With a registration level, the source rows read (``records`` counts provisions).
        self.source_rows: int | None = None
        self.statuses: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.types: Counter[str | None] = Counter()
        # ``--by``: the group fields, and a summary per combination of their values.
        self.by: tuple[str, ...] = ()
        self.groups: dict[tuple[str, ...], Summary] = {}
        # Records per warn rule that matched them (a record may count under several).
        self.warnings: Counter[str] = Counter()

    @classmethod
    def from_dict(cls, counts: Mapping[str, Any]) -> Summary:
        """The summary :meth:`as_dict` (or a DuckDB run) wrote."""
        summary = cls()
        summary.records = counts["records"]
        summary.source_rows = counts.get("source_rows")
        summary.statuses.update(counts["statuses"])
        summary.reasons.update(counts["reasons"])
        summary.types.update({(None if t == "none" else t): n for t, n in counts["types"].items()})
        if "by" in counts:
            summary.by = tuple(counts["by"]["fields"])
            for group in counts["by"]["groups"]:
                key = tuple(group["values"][name] for name in summary.by)
                summary.groups[key] = cls.from_dict(group)
        summary.warnings.update(counts.get("warnings", {}))
        return summary

    def grouped_by(self, fields: Sequence[str]) -> Summary:
        """This summary, counting per group of ``fields`` too (see :meth:`group`)."""
        self.by = tuple(fields)
        return self

    def group(self, values: Sequence[str]) -> Summary:
        """The summary of one group (the texts of the group fields, in order); a run adds
        each record to it as well as to the whole."""
        key = tuple(values)
        found = self.groups.get(key)
        if found is None:
            found = self.groups[key] = Summary()
        return found

    def add(self, decision: Decision) -> None:
        self.records += 1
        self.statuses[decision.status.value] += 1
        self.reasons.update(decision.reasons)
        if decision.status is Status.INCLUDED:
            self.types[decision.type] += 1
        if decision.warnings:
            self.warnings.update(decision.warnings)

    def add_counted(self, status: str, type_: str | None, reasons: Iterable[str],
                    count: int, warnings: Iterable[str] = ()) -> None:
        """Count ``count`` records decided alike at once (a row of a GROUP BY over a decided
        table); the same counts as :meth:`add` called ``count`` times."""
        self.records += count
        self.statuses[status] += count
        for reason in reasons:
            self.reasons[reason] += count
        for warning in warnings:
            self.warnings[warning] += count
        if status == Status.INCLUDED.value:
            self.types[type_] += count

    def as_dict(self) -> dict[str, Any]:
        return {
            **({"source_rows": self.source_rows} if self.source_rows is not None else {}),
            "records": self.records,
            "statuses": {s.value: self.statuses[s.value] for s in Status},
            # Ties by name, so that every engine writes the same JSON.
            "reasons": dict(sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))),
            "types": {("none" if t is None else t): n for t, n in self.types.most_common()},
            **({"by": self._groups_dict()} if self.by else {}),
            # Only when some record was warned: a run without warn rules keeps its shape.
            **({"warnings": dict(sorted(self.warnings.items(), key=lambda item: (-item[1], item[0])))}
               if self.warnings else {}),
        }

    def _groups_dict(self) -> dict[str, Any]:
        return {"fields": list(self.by), "groups": [
            {"values": dict(zip(self.by, key)), **self.groups[key].as_dict()}
            for key in sorted(self.groups)]}

    def render(self, labels: Mapping[str, str | None] | None = None) -> str:
        labels = labels or {}
        if self.source_rows is None:
            lines = [_("records read: {count}").format(count=self.records)]
        else:
            lines = [_("source rows read: {count}").format(count=self.source_rows),
                     _("provisions made of them: {count}").format(count=self.records)]
        for status in Status:
            count = self.statuses[status.value]
            share = f"  ({100 * count / self.records:.1f}%)" if self.records else ""
            lines.append(f"  {status.value:<9} {count:>9}{share}")
        if self.types:
            lines.append(_("included, by type:"))
            for code, count in sorted(self.types.items(), key=lambda item: (item[0] is None, item[0] or "")):
                label = labels.get(code) if code is not None else _("no type (unclassified)")
                shown = code if code is not None else "-"
                lines.append(f"  {shown:<9} {count:>9}  {label or ''}".rstrip())
        if self.reasons:
            lines.append(_("by reason:"))
            width = max(len(reason) for reason in self.reasons)
            for reason, count in sorted(self.reasons.items(), key=lambda item: (-item[1], item[0])):
                lines.append(f"  {reason:<{width}} {count:>9}")
        if self.warnings:
            lines.append(_("warnings (the decision stands):"))
            width = max(len(warning) for warning in self.warnings)
            for warning, count in sorted(self.warnings.items(), key=lambda item: (-item[1], item[0])):
                lines.append(f"  {warning:<{width}} {count:>9}")
        if self.by:
            lines.extend(self._render_groups())
        return "\n".join(lines)

    def _render_groups(self) -> list[str]:
        """A table with a row per group (counts per status), each followed by its types and
        reasons."""
        keys = sorted(self.groups)
        shown = {key: [text or "-" for text in key] for key in keys}
        widths = [max([len(name), *(len(shown[k][i]) for k in keys)])
                  for i, name in enumerate(self.by)]
        head = "  ".join(f"{name:<{w}}" for name, w in zip(self.by, widths))
        statuses = [status.value for status in Status]
        lines = [_("by {fields}:").format(fields=", ".join(self.by)),
                 f"  {head}  {_('records'):>9}" + "".join(f"  {s:>9}" for s in statuses)]
        for key in keys:
            group = self.groups[key]
            cells = "  ".join(f"{text:<{w}}" for text, w in zip(shown[key], widths))
            lines.append(f"  {cells}  {group.records:>9}"
                         + "".join(f"  {group.statuses[s]:>9}" for s in statuses))
            if group.types:
                types = sorted(group.types.items(), key=lambda item: (item[0] is None, item[0] or ""))
                lines.append("      " + _("types:  ") + " " + ", ".join(
                    f"{code if code is not None else '-'} {count}" for code, count in types))
            if group.reasons:
                reasons = sorted(group.reasons.items(), key=lambda item: (-item[1], item[0]))
                lines.append("      " + _("reasons:") + " " + ", ".join(f"{r} {n}" for r, n in reasons))
        return lines


def group_text(raw: Any) -> str:
    """A group field's value as ``--by`` groups it: its text as read, white space stripped,
    empty when missing (a JSON number or boolean as JSON writes it)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw != raw:
        return ""
    return str(raw)
