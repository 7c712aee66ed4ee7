"""A report as one self-contained HTML page: tables and inline SVG charts, nothing to run
(the only script element is the summary as JSON data) and no request at view time.

Place in the pipeline: the last step of ``srg-rules report`` and of the studio's run. Input:
:class:`~srg_rules.report.figures.Figures` and the names of the files. Output: the page's text.

Charts are inline SVG written here, not Vega-Lite: a page of bars needs no chart grammar, the
file stays small (no 800 kB of JavaScript inlined), it opens in any browser with scripts off,
prints, and every figure is a number in the page's text that a test can read. Every word
comes from the message catalog (``_()``, docs/i18n.md), in the language :func:`render_html`
is asked for; a word is never inside an f-string, where Babel's extraction would not see it.
Every count carries ``data-measure`` (the measure's name in the CSV layout) and each group's row
``data-group`` (its values as JSON), so the page's figures can be checked against
``srg-rules run --summary-json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from .. import __version__
from ..decision import Status
from ..i18n import N_, language, speaking
from ..i18n import gettext as _
from ..summary import Summary
from .figures import Figures, RuleCount

__all__ = ["render_html"]

COLOURS = {"included": "#2e7d32", "excluded": "#9e9e9e", "rejected": "#c62828"}
BAR = "#1f5fa8"

# Words for codes the page shows beside the code itself (marked for the catalog here,
# translated where shown).
STATUS_WORDS = {"included": N_("included"), "excluded": N_("excluded"),
                "rejected": N_("rejected")}
VERB_WORDS = {"reject": N_("reject"), "include": N_("include"), "exclude": N_("exclude"),
              "classify": N_("classify"), "warn": N_("warn")}
REASON_WORDS = {"no_include_matched": N_("no include rule matched"),
                "unclassified": N_("included without a type"),
                "ambiguous_type": N_("classify rules give different types"),
                "malformed_row": N_("the row could not be read as a record")}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:70rem;padding:0 1rem;color:#1b1b1b;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;
border-bottom:2px solid #1f5fa8;padding-bottom:.2rem}h3{font-size:1.05rem}
.meta{color:#555;margin:.1rem 0}table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.92em}
.zero{color:#777}.because{color:#333;max-width:34rem}.note{color:#555}
.legend span{display:inline-block;margin-right:1rem}.sw{display:inline-block;width:.8rem;
height:.8rem;margin-right:.3rem;vertical-align:-.05rem}details{margin:.2rem 0}
footer{margin-top:2rem;color:#777;font-size:.85rem}svg text{font-size:12px}
@media print{details{display:block}}
"""


def render_html(fig: Figures, rulebook: str, data: str, lang: str = "en") -> str:
    """The whole page, its words in ``lang``."""
    with speaking(lang):
        return _page(fig, rulebook, data)


def _page(fig: Figures, rulebook: str, data: str) -> str:
    summary = fig.summary
    title = _("Report of a delivery")
    parts = [f'<!DOCTYPE html>\n<html lang="{language()}">\n<head>\n<meta charset="utf-8">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f"<title>{escape(title)}: {escape(fig.title or rulebook)}</title>\n"
             f"<style>{STYLE}</style>\n</head>\n<body>\n",
             f"<h1>{escape(title)}</h1>\n"]
    book = escape(rulebook)
    if fig.title:
        version = _("version")
        book += f" ({escape(fig.title)}"
        book += f", {version} {escape(fig.version)})" if fig.version else ")"
    rulebook_word, data_word, delivery = _("rulebook"), _("data"), _("The delivery")
    parts.append(f'<p class="meta">{rulebook_word}: <code>{book}</code></p>\n'
                 f'<p class="meta">{data_word}: <code>{escape(data)}</code></p>\n')
    parts.append(f'<section id="delivery" data-scope="delivery">\n<h2>{delivery}</h2>\n')
    parts.append(_counts_block(summary, fig.labels))
    parts.append("</section>\n")
    parts.append(_rules_section(fig))
    parts.append(_problems_section(fig))
    parts.append(_groups_section(summary, fig.labels))
    made = _("Made by srg-rules {version}. The figures are those of srg-rules run "
             "--summary-json.").format(version=__version__)
    parts.append(f"<footer>{escape(made)}</footer>\n")
    parts.append('<script type="application/json" id="srg-summary">'
                 + json.dumps(summary.as_dict(), ensure_ascii=False).replace("</", "<\\/")
                 + "</script>\n</body>\n</html>\n")
    return "".join(parts)


def _n(count: int) -> str:
    """A count as the language writes it (a point between thousands in Dutch)."""
    text = f"{count:,}"
    return text.replace(",", ".") if language() == "nl" else text


def _pct(part: int, whole: int) -> str:
    if not whole:
        return ""
    text = f"{100 * part / whole:.1f}%"
    return text.replace(".", ",") if language() == "nl" else text


def _status(status: str) -> str:
    return _(STATUS_WORDS[status])


def _verb(verb: str) -> str:
    return _(VERB_WORDS[verb])


def _no_type() -> str:
    return _("no type (unclassified)")


def _cell(measure: str, count: int) -> str:
    zero = ' class="n zero"' if count == 0 else ' class="n"'
    return f'<td{zero} data-measure="{escape(measure)}">{_n(count)}</td>'


def _counts_block(summary: Summary, labels: Mapping[str, str | None]) -> str:
    """Records read, the statuses (with their bar), the types (with their bars), warnings."""
    out = ["<table>\n"]
    if summary.source_rows is not None:
        rows_read, made = _("source rows read"), _("provisions made of them")
        out.append(f"<tr><th>{rows_read}</th>{_cell('source_rows', summary.source_rows)}</tr>\n")
        out.append(f"<tr><th>{made}</th>{_cell('records', summary.records)}</tr>\n")
    else:
        read = _("records read")
        out.append(f"<tr><th>{read}</th>{_cell('records', summary.records)}</tr>\n")
    out.append("</table>\n")
    statuses = [(status.value, summary.statuses[status.value]) for status in Status]
    out.append(_stacked_bar(statuses, summary.records, width=640, height=28))
    status_word, count_word, share = _("status"), _("count"), _("share")
    out.append(f'<table>\n<tr><th>{status_word}</th><th class="n">{count_word}</th>'
               f'<th class="n">{share}</th></tr>\n')
    for status, count in statuses:
        out.append(f'<tr><td><span class="sw" style="background:{COLOURS[status]}"></span>'
                   f"{_status(status)} <code>{status}</code></td>{_cell('status:' + status, count)}"
                   f'<td class="n">{_pct(count, summary.records)}</td></tr>\n')
    out.append("</table>\n")
    if summary.types:
        by_type, type_word, label_word = _("Included records by type"), _("type"), _("label")
        out.append(f"<h3>{by_type}</h3>\n")
        rows = _types(summary)
        out.append(_bars([(code if code is not None else "-", count) for code, count in rows]))
        out.append(f'<table>\n<tr><th>{type_word}</th><th>{label_word}</th>'
                   f'<th class="n">{count_word}</th></tr>\n')
        for code, count in rows:
            label = labels.get(code) if code is not None else _no_type()
            shown = escape(code) if code is not None else "-"
            measure = "type:" + (code if code is not None else "none")
            out.append(f"<tr><td><code>{shown}</code></td><td>{escape(label or '')}</td>"
                       f"{_cell(measure, count)}</tr>\n")
        out.append("</table>\n")
    return "".join(out)


def _types(summary: Summary) -> list[tuple[str | None, int]]:
    return sorted(summary.types.items(), key=lambda item: (item[0] is None, item[0] or ""))


def _by_count(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _rules_section(fig: Figures) -> str:
    heading = _("Rules")
    note = _("Each rule and the records it decided (a record decided by two rules counts under "
             "both).")
    out = [f'<section id="rules">\n<h2>{heading}</h2>\n<p class="note">{note}</p>\n']
    most = max([rule.count for rule in fig.rules] + [1])
    rule_word, kind, because_word, records = _("rule"), _("kind"), _("because"), _("records")
    out.append(f'<table>\n<tr><th>{rule_word}</th><th>{kind}</th><th>{because_word}</th>'
               f'<th class="n">{records}</th><th></th></tr>\n')
    implied = " <em>(" + _("implied by the rulebook") + ")</em>"
    for rule in fig.rules:
        measure = ("warning:" if rule.verb == "warn" else "reason:") + rule.id
        out.append(f'<tr data-rule="{escape(rule.id)}"><td><code>{escape(rule.id)}</code>'
                   f"{_where(rule)}</td><td>{_verb(rule.verb)}</td>"
                   f'<td class="because">{escape(rule.because or "")}'
                   f"{implied if rule.implicit else ''}"
                   f"</td>{_cell(measure, rule.count)}<td>{_inline_bar(rule.count, most)}</td></tr>\n")
    out.append("</table>\n")
    unused_heading = _("Rules that decided no record")
    out.append(f'<h3 id="unused">{unused_heading}</h3>\n')
    unused = fig.unused
    if not unused:
        every = _("Every rule decided at least one record of this delivery.")
        out.append(f'<p class="note">{every}</p>\n')
    else:
        these = _("These rules decided no record of this delivery (a rule that matched a record "
                  "another rule decided is not counted).")
        out.append(f'<p class="note">{these}</p>\n<ul>\n')
        for rule in unused:
            because = f": {escape(rule.because)}" if rule.because else ""
            out.append(f'<li data-unused="{escape(rule.id)}"><code>{escape(rule.id)}</code> '
                       f"({_verb(rule.verb)}{_where(rule, bare=True)}){because}</li>\n")
        out.append("</ul>\n")
    out.append("</section>\n")
    return "".join(out)


def _where(rule: RuleCount, bare: bool = False) -> str:
    if rule.line is None:
        return ""
    place = f"{rule.path}:{rule.line}" if rule.path else _("line") + f" {rule.line}"
    return f", {escape(place)}" if bare else f'<br><small class="note">{escape(place)}</small>'


def _problems_section(fig: Figures) -> str:
    heading = _("Problems in the records")
    out = [f'<section id="problems">\n<h2>{heading}</h2>\n']
    records = _("records")
    if not fig.field_problems:
        none = _("No record had a field problem.")
        out.append(f'<p class="note">{none}</p>\n')
    else:
        field_word, problem = _("field"), _("problem")
        out.append(f'<table>\n<tr><th>{field_word}</th><th>{problem}</th>'
                   f'<th class="n">{records}</th></tr>\n')
        for reason, field, code, count in fig.field_problems:
            out.append(f"<tr><td><code>{escape(field)}</code></td><td>{_problem_words(code)} "
                       f"<code>{escape(code)}</code></td>{_cell('reason:' + reason, count)}</tr>\n")
        out.append("</table>\n")
    if fig.other_reasons:
        other, reason_word, meaning = _("Other reasons"), _("reason"), _("meaning")
        out.append(f'<h3>{other}</h3>\n<table>\n<tr><th>{reason_word}</th>'
                   f'<th>{meaning}</th><th class="n">{records}</th></tr>\n')
        for reason, count in fig.other_reasons:
            out.append(f"<tr><td><code>{escape(reason)}</code></td><td>{_reason_words(reason)}"
                       f"</td>{_cell('reason:' + reason, count)}</tr>\n")
        out.append("</table>\n")
    out.append("</section>\n")
    return "".join(out)


def _problem_words(code: str) -> str:
    if code == "missing_value":
        return _("a value is required")
    if code == "unknown_code":
        return _("not in the code list")
    return _("not a valid value of its type")


def _reason_words(reason: str) -> str:
    if reason in REASON_WORDS:
        return escape(_(REASON_WORDS[reason]))
    code, _sep, field = reason.partition(":")
    if code == "duplicate":
        return escape(_("the same key occurs more than once in the delivery ({fields})").format(
            fields=field))
    if code == "not_in_force":
        return escape(_("the value is not in force on the record's date"))
    return ""


def _groups_section(summary: Summary, labels: Mapping[str, str | None]) -> str:
    heading = _("Per group")
    out = [f'<section id="groups">\n<h2>{heading}</h2>\n']
    if not summary.by:
        none = _("No group fields: the rulebook has none of the default ones; name some with "
                 "--by.")
        out.append(f'<p class="note">{none}</p>\n</section>\n')
        return "".join(out)
    by = _("By {fields}").format(fields=", ".join(summary.by))
    out.append(f"<h3>{escape(by)}</h3>\n")
    keys = sorted(summary.groups)
    out.append(_group_chart(summary, keys))
    statuses = [status.value for status in Status]
    head = "".join(f"<th>{escape(name)}</th>" for name in summary.by)
    records, details, missing = _("records"), _("details"), _("(missing)")
    out.append(f'<table id="group-table">\n<tr>{head}<th class="n">{records}</th>'
               + "".join(f'<th class="n">{_status(status)}</th>' for status in statuses)
               + f"<th>{details}</th></tr>\n")
    for key in keys:
        group = summary.groups[key]
        values = json.dumps(dict(zip(summary.by, key)), ensure_ascii=False)
        cells = "".join(f"<td>{escape(text) if text else missing}</td>" for text in key)
        out.append(f"<tr data-group=\"{escape(values)}\">{cells}"
                   + _cell("records", group.records)
                   + "".join(_cell("status:" + status, group.statuses[status]) for status in statuses)
                   + f"<td>{_group_details(group, labels)}</td></tr>\n")
    out.append("</table>\n</section>\n")
    return "".join(out)


def _group_details(group: Summary, labels: Mapping[str, str | None]) -> str:
    parts = []
    if group.types:
        types_word = _("types")
        parts.append(f"<b>{types_word}</b><ul>" + "".join(
            f"<li><code>{escape(code if code is not None else '-')}</code> "
            f"{escape((labels.get(code) if code is not None else _no_type()) or '')}: "
            f"<span data-measure=\"type:{escape(code if code is not None else 'none')}\">{_n(count)}</span></li>"
            for code, count in _types(group)) + "</ul>")
    if group.reasons:
        reasons_word = _("reasons")
        parts.append(f"<b>{reasons_word}</b><ul>" + "".join(
            f"<li><code>{escape(reason)}</code>: <span data-measure=\"reason:{escape(reason)}\">"
            f"{_n(count)}</span></li>" for reason, count in _by_count(group.reasons)) + "</ul>")
    if group.warnings:
        warnings_word = _("Warnings (the decision stands)")
        parts.append(f"<b>{warnings_word}</b><ul>" + "".join(
            f"<li><code>{escape(warning)}</code>: <span data-measure=\"warning:{escape(warning)}\">"
            f"{_n(count)}</span></li>" for warning, count in _by_count(group.warnings)) + "</ul>")
    if not parts:
        return ""
    details = _("details")
    return f"<details><summary>{details}</summary>{''.join(parts)}</details>"


def _stacked_bar(parts: Sequence[tuple[str, int]], total: int, *, width: int,
                 height: int) -> str:
    """One bar split by status, with a legend."""
    status_word = _("status")
    out = [f'<svg role="img" aria-label="{escape(status_word)}" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}">']
    x = 0.0
    for status, count in parts:
        if not total or not count:
            continue
        w = width * count / total
        out.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
                   f'fill="{COLOURS[status]}"><title>{escape(_status(status))}: {_n(count)} '
                   f"({_pct(count, total)})</title></rect>")
        x += w
    out.append("</svg>\n")
    legend = "".join(f'<span><span class="sw" style="background:{COLOURS[status]}"></span>'
                     f"{escape(_status(status))} {_pct(count, total)}</span>"
                     for status, count in parts)
    return "".join(out) + f'<div class="legend">{legend}</div>\n'


def _bars(rows: Iterable[tuple[str, int]]) -> str:
    """Horizontal bars, one a row, labelled with the count."""
    rows = list(rows)
    most = max([count for _label, count in rows] + [1])
    label_w, bar_w, row_h = 120, 420, 22
    height = row_h * len(rows) + 4
    out = [f'<svg role="img" width="{label_w + bar_w + 70}" height="{height}" '
           f'viewBox="0 0 {label_w + bar_w + 70} {height}">']
    for i, (label, count) in enumerate(rows):
        y = i * row_h + 2
        w = bar_w * count / most
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                   f'<rect x="{label_w}" y="{y + 3}" width="{w:.2f}" height="{row_h - 6}" '
                   f'fill="{BAR}"><title>{escape(label)}: {_n(count)}</title></rect>'
                   f'<text x="{label_w + w + 5:.2f}" y="{y + 15}">{_n(count)}</text>')
    out.append("</svg>\n")
    return "".join(out)


def _inline_bar(count: int, most: int) -> str:
    w = 120 * count / most
    return (f'<svg width="122" height="12" viewBox="0 0 122 12" aria-hidden="true">'
            f'<rect x="0" y="1" width="{w:.2f}" height="10" fill="{BAR}"/></svg>')


CHART_GROUPS = 40
"""The most groups the chart shows (those with the most records); the table has them all."""


def _group_chart(summary: Summary, keys: Sequence[tuple[str, ...]]) -> str:
    """A bar per group, split by status, as long as the group's records."""
    note = ""
    if len(keys) > CHART_GROUPS:
        biggest = sorted(keys, key=lambda key: -summary.groups[key].records)[:CHART_GROUPS]
        keys = sorted(biggest)
        shown = _("The {count} groups with the most records; the table below has all "
                  "{total}.").format(count=CHART_GROUPS, total=len(summary.groups))
        note = f'<p class="note">{escape(shown)}</p>\n'
    most = max([summary.groups[key].records for key in keys] + [1])
    label_w, bar_w, row_h = 170, 440, 22
    height = row_h * len(keys) + 4
    per_group, missing = _("Per group"), _("(missing)")
    out = [f'<svg role="img" aria-label="{escape(per_group)}" width="{label_w + bar_w + 70}" '
           f'height="{height}" viewBox="0 0 {label_w + bar_w + 70} {height}">']
    for i, key in enumerate(keys):
        group = summary.groups[key]
        y = i * row_h + 2
        label = " / ".join(text or missing for text in key)
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        x = float(label_w)
        for status in Status:
            count = group.statuses[status.value]
            if not count:
                continue
            w = bar_w * count / most
            out.append(f'<rect x="{x:.2f}" y="{y + 3}" width="{w:.2f}" height="{row_h - 6}" '
                       f'fill="{COLOURS[status.value]}"><title>{escape(label)}: '
                       f"{escape(_status(status.value))} {_n(count)}</title></rect>")
            x += w
        out.append(f'<text x="{x + 5:.2f}" y="{y + 15}">{_n(group.records)}</text>')
    out.append("</svg>\n")
    legend = "".join(f'<span><span class="sw" style="background:{COLOURS[status.value]}"></span>'
                     f"{escape(_status(status.value))}</span>" for status in Status)
    return note + "".join(out) + f'<div class="legend">{legend}</div>\n'
