"""What a version diff says: outcomes, regions, groups, and how two schemas are compared.

Place in the pipeline: the data of :mod:`srg_rules.analysis.diff`, below the solver side
(:mod:`srg_rules.analysis.regions`) that fills it in. Input: two versions' schemas, or the
regions the solver proved. Output: :func:`merge_schemas` gives the schema records are compared
over (the fields of both versions) with notes on how the versions' fields differ, and
:func:`reading_rules` the reject rules that stand for what one version cannot read;
:class:`Diff` holds the groups of records that change, and renders them for policy staff.

Invariants: an :class:`Outcome` is a status and a type, never the reasons; :class:`Diff`
renders its groups in the order it holds them, each region with its witness and the two
versions' decisions of it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import attrs

from .. import ir, printer
from ..backends.interpreter import evaluate
from ..decision import Decision, Status
from ..i18n import gettext as _
from ..i18n import ngettext
from ..schema import Field, Schema

__all__ = [
    "Diff",
    "Group",
    "IncompatibleSchemas",
    "Outcome",
    "Region",
    "by_text",
    "merge_schemas",
    "reading_rules",
    "wrap",
]

_WIDTH = 100


class IncompatibleSchemas(ValueError):
    """The two versions' fields cannot be compared; the message names the field."""


@attrs.frozen(order=False)
class Outcome:
    """What a version decides for a record, without the reasons: a status and a type.

    >>> str(Outcome(Status.INCLUDED, "42")), str(Outcome(Status.EXCLUDED))
    ('included type 42', 'excluded')
    """

    status: Status
    type: str | None = None

    @classmethod
    def of(cls, decision: Decision) -> Outcome:
        return cls(decision.status, decision.type)

    def __str__(self) -> str:
        if self.status is Status.INCLUDED:
            # Codes like the status values (the same in both languages): "included type 42".
            return (f"included type {self.type}" if self.type is not None
                    else "included without a type")
        return str(self.status)

    def sort_key(self) -> tuple[int, bool, tuple[int, int, str] | tuple[()]]:
        rank = {Status.INCLUDED: 0, Status.EXCLUDED: 1, Status.REJECTED: 2}[self.status]
        code = self.type
        return (rank, code is None, _code_key(code) if code is not None else ())


def _code_key(code: str) -> tuple[int, int, str]:
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


@attrs.frozen(eq=False)
class Region:
    """Part of a group, as a condition in the rulebook language, with a witness.

    Attributes:
        condition: the region; None when it is every compared record.
        text: the condition as a rulebook writes it ("every record" for None).
        witness: a complete record in the region (field -> typed value, None when missing).
        old: the old version's decision for the witness.
        new: the new version's decision for the witness.
    """

    condition: ir.Condition | None
    text: str
    witness: Mapping[str, Any]
    old: Decision
    new: Decision

    def contains(self, values: Mapping[str, Any]) -> bool:
        """Whether typed values (None: missing) meet the region's condition."""
        return self.condition is None or evaluate(self.condition, values)


@attrs.frozen(eq=False)
class Group:
    """Every compared record that goes from ``old`` to ``new``.

    Attributes:
        old: the outcome in the old version.
        new: the outcome in the new version.
        regions: disjoint regions; with ``more == 0`` their union is the whole group.
        more: how many regions are not listed.
        more_is_exact: False when counting stopped, so ``more`` is a lower bound.
        cut_short: True when listing stopped before ``limit`` because the kind's share of
            the diff's effort was spent (see :func:`srg_rules.analysis.diff.semantic_diff`):
            the regions listed are exact, but fewer, and the last may be narrower than it
            could be.
    """

    old: Outcome
    new: Outcome
    regions: tuple[Region, ...]
    more: int = 0
    more_is_exact: bool = True
    cut_short: bool = False

    def contains(self, values: Mapping[str, Any]) -> bool:
        """Whether a record lies in one of the listed regions."""
        return any(region.contains(values) for region in self.regions)


@attrs.frozen(eq=False)
class Diff:
    """The semantic difference between two versions. Its fields are public API.

    Attributes:
        old: the old program.
        new: the new program.
        groups: one per kind of change, ordered by the old outcome then the new one.
        notes: how the versions' fields differ, in plain words (empty when they are the same).
        cut_short: some group was cut short (see :attr:`Group.cut_short`).
    """

    old: ir.Program
    new: ir.Program
    groups: tuple[Group, ...]
    notes: tuple[str, ...] = ()
    cut_short: bool = False

    @property
    def same(self) -> bool:
        """True when the two versions decide every compared record the same (a proof)."""
        return not self.groups

    def render(self) -> str:
        """The difference in plain words, for policy staff."""
        lines: list[str] = []
        if self.notes:
            lines.append(_("The fields differ:"))
            lines.extend(wrap(note, "  - ", "    ") for note in self.notes)
            lines.append("")
        if self.same:
            lines.append(_("No record changes: the two versions decide every valid record "
                           "(valid for either version) the same (the same status and type).")
                         if self.notes else
                         _("No record changes: the two versions decide every valid record the "
                           "same (the same status and type)."))
            return "\n".join(lines) + "\n"
        count = len(self.groups)
        lines.append(ngettext("{count} kind of change:", "{count} kinds of change:",
                              count).format(count=count))
        for number, group in enumerate(self.groups, start=1):
            lines.append("")
            lines.append(f"{number}. {group.old} -> {group.new}")
            total = len(group.regions) + group.more
            if total == 1:
                lines.append("   " + _("for every record that meets this condition:"))
            elif group.more_is_exact:
                lines.append("   " + _("for every record that meets one of these {count} "
                                       "conditions:").format(count=total))
            else:
                lines.append("   " + _("for every record that meets one of these at least "
                                       "{count} conditions:").format(count=total))
            for region in group.regions:
                lines.append(wrap(region.text, "   - ", "     "))
                lines.append(wrap(printer.record(region.witness),
                                   "     " + _("for example: "), "       "))
                lines.append("       " + _("old version: {decision}").format(
                    decision=_decision_words(region.old)))
                lines.append("       " + _("new version: {decision}").format(
                    decision=_decision_words(region.new)))
            if group.more:
                lines.append("   - " + (ngettext("and {count} more region, not listed",
                                                 "and {count} more regions, not listed",
                                                 group.more) if group.more_is_exact else
                                        ngettext("and at least {count} more region, not listed",
                                                 "and at least {count} more regions, not listed",
                                                 group.more)).format(count=group.more))
        if self.cut_short:
            lines.append("")
            lines.append(wrap(_(
                "The versions differ in many ways, so the kinds of change above that say \"at "
                "least\" list only their first regions, found with the effort the diff gives "
                "each kind: every region and example is exact, but more regions follow, and a "
                "region may be narrower than the records that change alike. srg-rules diff "
                "--all-regions OLD NEW lists them all (split along the rules' conditions rather "
                "than widened: seconds, where widening takes minutes, but regions less wide); "
                "srg-rules diff OLD NEW DATA counts the records of a file that change."), "", ""))
        return "\n".join(lines) + "\n"


def by_text(regions: list[Region]) -> tuple[Region, ...]:
    """Regions in the order of their text: the solver's order of discovery means nothing to a
    reader; the text's order is stable."""
    return tuple(sorted(regions, key=lambda region: region.text))


def _decision_words(decision: Decision) -> str:
    words = str(Outcome.of(decision))
    if decision.reasons:
        words += " (" + ", ".join(decision.reasons) + ")"
    return words


def wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False)


# --- the schemas ------------------------------------------------------------------------------


def merge_schemas(old: Schema, new: Schema) -> tuple[Schema, tuple[str, ...]]:
    """The fields of both versions, each optional unless both require it, with the union of
    its code lists (old codes first); and notes on how the versions' fields differ."""
    fields: dict[str, Field] = {}
    notes: list[str] = []
    for name, field in new.fields.items():
        if name not in old.fields and not field.optional:
            raise IncompatibleSchemas(
                _("field '{name}' is new and required: records of the old version do not have "
                  "it, so the versions cannot be compared; declare it optional to compare "
                  "them").format(name=name))
    for name in [*old.fields, *(n for n in new.fields if n not in old.fields)]:
        before, after = old.fields.get(name), new.fields.get(name)
        if before is not None and after is not None and before.type.name != after.type.name:
            raise IncompatibleSchemas(
                _("field '{name}' changed type from {old} to {new}: the versions cannot be "
                  "compared; give the new field another name").format(
                      name=name, old=before.type.name, new=after.type.name))
        if before is None:
            assert after is not None  # the name is a field of one version or the other
            notes.append(_("field {name} is new ({type}, optional); the old version ignores "
                           "it").format(name=name, type=after.type.name))
        elif after is None:
            notes.append(_("field {name} is no longer used; the new version ignores it")
                         .format(name=name) if before.optional else
                         _("field {name} is no longer used; the new version ignores it, where "
                           "the old one rejects records without it (missing_value:{name})")
                         .format(name=name))
        elif before.optional != after.optional:
            notes.append((_("field {name} is required only in the new version, which rejects "
                            "records without it (missing_value:{name})") if before.optional else
                          _("field {name} is required only in the old version, which rejects "
                            "records without it (missing_value:{name})")).format(name=name))
        template = before or after
        assert template is not None  # (as above)
        codes = None
        if template.codes is not None:
            # a field of both versions has one type, so both have codes (``or {}`` for mypy)
            old_codes = dict(before.codes or {}) if before is not None else {}
            new_codes = dict(after.codes or {}) if after is not None else {}
            codes = {**old_codes, **{c: label for c, label in new_codes.items()
                                     if c not in old_codes}}
            if before is not None and after is not None:
                for codes_of, version, other in ((new_codes, "old", old_codes),
                                                 (old_codes, "new", new_codes)):
                    only = [c for c in codes_of if c not in other]
                    if only:
                        notes.append((ngettext(
                            "field {name} has new code {codes}, which the old version rejects "
                            "(unknown_code:{name})",
                            "field {name} has new codes {codes}, which the old version rejects "
                            "(unknown_code:{name})", len(only)) if version == "old" else ngettext(
                            "field {name} no longer has code {codes}, which the new version "
                            "rejects (unknown_code:{name})",
                            "field {name} no longer has codes {codes}, which the new version "
                            "rejects (unknown_code:{name})", len(only))).format(
                                name=name, codes=", ".join(only)))
        required = not (before is None or before.optional or after is None or after.optional)
        fields[name] = Field(name, template.type, not required, codes)
    before_types = list(old.output.codes) if old.output else []
    after_types = list(new.output.codes) if new.output else []
    for only, added in (([c for c in after_types if c not in before_types], True),
                        ([c for c in before_types if c not in after_types], False)):
        if only:
            notes.append((ngettext("type {types} is new", "the types {types} are new", len(only))
                          if added else
                          ngettext("type {types} is gone", "the types {types} are gone",
                                   len(only))).format(types=", ".join(only)))
    return Schema(fields), tuple(notes)


def reading_rules(version: Schema, merged: Schema, prefix: str) -> tuple[ir.CompiledRule, ...]:
    """Reject rules that hold exactly when the version cannot read a merged-valid record:
    a code outside its list, or a value it requires left out. Fields it does not declare it
    ignores."""
    rules = []
    for name, field in version.fields.items():
        shared = merged.fields[name]
        if field.codes is not None and set(field.codes) != set(shared.codes or ()):
            rules.append(ir.CompiledRule(
                f"{prefix}unknown_code:{name}", "reject",
                ir.compare("not_in_set", name, frozenset(field.codes))))
        if not field.optional and shared.optional:
            rules.append(ir.CompiledRule(
                f"{prefix}missing_value:{name}", "reject", ir.Not(ir.IsPresent(name))))
    return tuple(rules)
