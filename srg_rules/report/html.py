"""A report as one self-contained HTML page: tables and inline SVG charts, nothing to run
(the only script element is the summary as JSON data) and no request at view time.

Place in the pipeline: the last step of ``srg-rules report`` and of the studio's run. Input:
:class:`~srg_rules.report.figures.Figures` and the names of the files. Output: the page's text.

Charts are inline SVG written here, not Vega-Lite: a page of bars needs no chart grammar, the
file stays small (no 800 kB of JavaScript inlined), it opens in any browser with scripts off,
prints, and every figure is a number in the page's text that a test can read. Every count
carries ``data-measure`` (the measure's name in the CSV layout) and each group's row
``data-group`` (its values as JSON), so the page's figures can be checked against
``srg-rules run --summary-json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from .. import __version__
from ..decision import Status
from ..summary import Summary
from .figures import Figures, RuleCount
from .words import say

__all__ = ["render_html"]

COLOURS = {"included": "#2e7d32", "excluded": "#9e9e9e", "rejected": "#c62828"}
BAR = "#1f5fa8"

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
    """The whole page."""
    s = _Say(lang)
    summary = fig.summary
    title = s("Report of a delivery")
    parts = [f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f"<title>{escape(title)}: {escape(fig.title or rulebook)}</title>\n"
             f"<style>{STYLE}</style>\n</head>\n<body>\n",
             f"<h1>{escape(title)}</h1>\n"]
    book = escape(rulebook)
    if fig.title:
        book += f" ({escape(fig.title)}"
        book += f", {s('version')} {escape(fig.version)})" if fig.version else ")"
    parts.append(f'<p class="meta">{s("rulebook")}: <code>{book}</code></p>\n'
                 f'<p class="meta">{s("data")}: <code>{escape(data)}</code></p>\n')
    parts.append(f'<section id="delivery" data-scope="delivery">\n<h2>{s("The delivery")}</h2>\n')
    parts.append(_counts_block(summary, fig.labels, s))
    parts.append("</section>\n")
    parts.append(_rules_section(fig, s))
    parts.append(_problems_section(fig, s))
    parts.append(_groups_section(summary, fig.labels, s))
    made = s("Made by srg-rules {version}. The figures are those of srg-rules run --summary-json.",
             version=__version__)
    parts.append(f"<footer>{escape(made)}</footer>\n")
    parts.append('<script type="application/json" id="srg-summary">'
                 + json.dumps(summary.as_dict(), ensure_ascii=False).replace("</", "<\\/")
                 + "</script>\n</body>\n</html>\n")
    return "".join(parts)


class _Say:
    """:func:`say` for one language, and its number formats."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, message: str, **params: object) -> str:
        return say(message, self.lang, **params)

    def n(self, count: int) -> str:
        text = f"{count:,}"
        return text.replace(",", ".") if self.lang == "nl" else text

    def pct(self, part: int, whole: int) -> str:
        if not whole:
            return ""
        text = f"{100 * part / whole:.1f}%"
        return text.replace(".", ",") if self.lang == "nl" else text


def _cell(s: _Say, measure: str, count: int) -> str:
    zero = ' class="n zero"' if count == 0 else ' class="n"'
    return f'<td{zero} data-measure="{escape(measure)}">{s.n(count)}</td>'


def _counts_block(summary: Summary, labels: Mapping[str, str | None], s: _Say) -> str:
    """Records read, the statuses (with their bar), the types (with their bars), warnings."""
    out = ["<table>\n"]
    if summary.source_rows is not None:
        out.append(f"<tr><th>{s('source rows read')}</th>"
                   f"{_cell(s, 'source_rows', summary.source_rows)}</tr>\n")
        out.append(f"<tr><th>{s('provisions made of them')}</th>"
                   f"{_cell(s, 'records', summary.records)}</tr>\n")
    else:
        out.append(f"<tr><th>{s('records read')}</th>{_cell(s, 'records', summary.records)}</tr>\n")
    out.append("</table>\n")
    statuses = [(status.value, summary.statuses[status.value]) for status in Status]
    out.append(_stacked_bar(statuses, summary.records, s, width=640, height=28))
    out.append(f'<table>\n<tr><th>{s("status")}</th><th class="n">{s("count")}</th>'
               f'<th class="n">{s("share")}</th></tr>\n')
    for status, count in statuses:
        out.append(f'<tr><td><span class="sw" style="background:{COLOURS[status]}"></span>'
                   f"{s(status)} <code>{status}</code></td>{_cell(s, 'status:' + status, count)}"
                   f'<td class="n">{s.pct(count, summary.records)}</td></tr>\n')
    out.append("</table>\n")
    if summary.types:
        out.append(f"<h3>{s('Included records by type')}</h3>\n")
        rows = _types(summary)
        out.append(_bars([(code if code is not None else "-", count) for code, count in rows], s))
        out.append(f'<table>\n<tr><th>{s("type")}</th><th>{s("label")}</th>'
                   f'<th class="n">{s("count")}</th></tr>\n')
        for code, count in rows:
            label = labels.get(code) if code is not None else s("no type (unclassified)")
            shown = escape(code) if code is not None else "-"
            measure = "type:" + (code if code is not None else "none")
            out.append(f"<tr><td><code>{shown}</code></td><td>{escape(label or '')}</td>"
                       f"{_cell(s, measure, count)}</tr>\n")
        out.append("</table>\n")
    return "".join(out)


def _types(summary: Summary) -> list[tuple[str | None, int]]:
    return sorted(summary.types.items(), key=lambda item: (item[0] is None, item[0] or ""))


def _by_count(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _rules_section(fig: Figures, s: _Say) -> str:
    out = [f'<section id="rules">\n<h2>{s("Rules")}</h2>\n<p class="note">'
           f'{s("Each rule and the records it decided (a record decided by two rules counts under both).")}'
           "</p>\n"]
    most = max([rule.count for rule in fig.rules] + [1])
    out.append(f'<table>\n<tr><th>{s("rule")}</th><th>{s("kind")}</th><th>{s("because")}</th>'
               f'<th class="n">{s("records")}</th><th></th></tr>\n')
    for rule in fig.rules:
        measure = ("warning:" if rule.verb == "warn" else "reason:") + rule.id
        out.append(f'<tr data-rule="{escape(rule.id)}"><td><code>{escape(rule.id)}</code>'
                   f"{_where(rule, s)}</td><td>{s(rule.verb)}</td>"
                   f'<td class="because">{escape(rule.because or "")}'
                   f"{(' <em>(' + s('implied by the rulebook') + ')</em>') if rule.implicit else ''}"
                   f"</td>{_cell(s, measure, rule.count)}<td>{_inline_bar(rule.count, most)}</td></tr>\n")
    out.append("</table>\n")
    out.append(f'<h3 id="unused">{s("Rules that decided no record")}</h3>\n')
    unused = fig.unused
    if not unused:
        out.append(f'<p class="note">{s("Every rule decided at least one record of this delivery.")}</p>\n')
    else:
        out.append(f'<p class="note">{s("These rules decided no record of this delivery (a rule that matched a record another rule decided is not counted).")}</p>\n<ul>\n')
        for rule in unused:
            because = f": {escape(rule.because)}" if rule.because else ""
            out.append(f'<li data-unused="{escape(rule.id)}"><code>{escape(rule.id)}</code> '
                       f"({s(rule.verb)}{_where(rule, s, bare=True)}){because}</li>\n")
        out.append("</ul>\n")
    out.append("</section>\n")
    return "".join(out)


def _where(rule: RuleCount, s: _Say, bare: bool = False) -> str:
    if rule.line is None:
        return ""
    place = f"{rule.path}:{rule.line}" if rule.path else f"{s('line')} {rule.line}"
    return f", {escape(place)}" if bare else f'<br><small class="note">{escape(place)}</small>'


def _problems_section(fig: Figures, s: _Say) -> str:
    out = [f'<section id="problems">\n<h2>{s("Problems in the records")}</h2>\n']
    if not fig.field_problems:
        out.append(f'<p class="note">{s("No record had a field problem.")}</p>\n')
    else:
        out.append(f'<table>\n<tr><th>{s("field")}</th><th>{s("problem")}</th>'
                   f'<th class="n">{s("records")}</th></tr>\n')
        for reason, field, code, count in fig.field_problems:
            out.append(f"<tr><td><code>{escape(field)}</code></td><td>{_problem_words(code, s)} "
                       f"<code>{escape(code)}</code></td>{_cell(s, 'reason:' + reason, count)}</tr>\n")
        out.append("</table>\n")
    if fig.other_reasons:
        out.append(f'<h3>{s("Other reasons")}</h3>\n<table>\n<tr><th>{s("reason")}</th>'
                   f'<th>{s("meaning")}</th><th class="n">{s("records")}</th></tr>\n')
        for reason, count in fig.other_reasons:
            out.append(f"<tr><td><code>{escape(reason)}</code></td><td>{_reason_words(reason, s)}"
                       f"</td>{_cell(s, 'reason:' + reason, count)}</tr>\n")
        out.append("</table>\n")
    out.append("</section>\n")
    return "".join(out)


def _problem_words(code: str, s: _Say) -> str:
    if code == "missing_value":
        return s("a value is required")
    if code == "unknown_code":
        return s("not in the code list")
    return s("not a valid value of its type")


def _reason_words(reason: str, s: _Say) -> str:
    words = {"no_include_matched": "no include rule matched",
             "unclassified": "included without a type",
             "ambiguous_type": "classify rules give different types",
             "malformed_row": "the row could not be read as a record"}
    if reason in words:
        return s(words[reason])
    code, _, field = reason.partition(":")
    if code == "duplicate":
        return escape(s("the same key occurs more than once in the delivery ({fields})", fields=field))
    if code == "not_in_force":
        return s("the value is not in force on the record's date")
    return ""


def _groups_section(summary: Summary, labels: Mapping[str, str | None], s: _Say) -> str:
    out = [f'<section id="groups">\n<h2>{s("Per group")}</h2>\n']
    if not summary.by:
        out.append(f'<p class="note">{s("No group fields: the rulebook has none of the default ones; name some with --by.")}</p>\n</section>\n')
        return "".join(out)
    out.append(f"<h3>{escape(s('By {fields}', fields=', '.join(summary.by)))}</h3>\n")
    keys = sorted(summary.groups)
    out.append(_group_chart(summary, keys, s))
    statuses = [status.value for status in Status]
    head = "".join(f"<th>{escape(name)}</th>" for name in summary.by)
    out.append(f'<table id="group-table">\n<tr>{head}<th class="n">{s("records")}</th>'
               + "".join(f'<th class="n">{s(status)}</th>' for status in statuses)
               + f"<th>{s('details')}</th></tr>\n")
    for key in keys:
        group = summary.groups[key]
        values = json.dumps(dict(zip(summary.by, key)), ensure_ascii=False)
        cells = "".join(f"<td>{escape(text) if text else s('(missing)')}</td>" for text in key)
        out.append(f"<tr data-group=\"{escape(values)}\">{cells}"
                   + _cell(s, "records", group.records)
                   + "".join(_cell(s, "status:" + status, group.statuses[status]) for status in statuses)
                   + f"<td>{_group_details(group, labels, s)}</td></tr>\n")
    out.append("</table>\n</section>\n")
    return "".join(out)


def _group_details(group: Summary, labels: Mapping[str, str | None], s: _Say) -> str:
    parts = []
    if group.types:
        parts.append(f"<b>{s('types')}</b><ul>" + "".join(
            f"<li><code>{escape(code if code is not None else '-')}</code> "
            f"{escape((labels.get(code) if code is not None else s('no type (unclassified)')) or '')}: "
            f"<span data-measure=\"type:{escape(code if code is not None else 'none')}\">{s.n(count)}</span></li>"
            for code, count in _types(group)) + "</ul>")
    if group.reasons:
        parts.append(f"<b>{s('reasons')}</b><ul>" + "".join(
            f"<li><code>{escape(reason)}</code>: <span data-measure=\"reason:{escape(reason)}\">"
            f"{s.n(count)}</span></li>" for reason, count in _by_count(group.reasons)) + "</ul>")
    if group.warnings:
        parts.append(f"<b>{s('Warnings (the decision stands)')}</b><ul>" + "".join(
            f"<li><code>{escape(warning)}</code>: <span data-measure=\"warning:{escape(warning)}\">"
            f"{s.n(count)}</span></li>" for warning, count in _by_count(group.warnings)) + "</ul>")
    if not parts:
        return ""
    return f"<details><summary>{s('details')}</summary>{''.join(parts)}</details>"


def _stacked_bar(parts: Sequence[tuple[str, int]], total: int, s: _Say, *, width: int,
                 height: int) -> str:
    """One bar split by status, with a legend."""
    out = [f'<svg role="img" aria-label="{escape(s("status"))}" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}">']
    x = 0.0
    for status, count in parts:
        if not total or not count:
            continue
        w = width * count / total
        out.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
                   f'fill="{COLOURS[status]}"><title>{escape(s(status))}: {s.n(count)} '
                   f"({s.pct(count, total)})</title></rect>")
        x += w
    out.append("</svg>\n")
    legend = "".join(f'<span><span class="sw" style="background:{COLOURS[status]}"></span>'
                     f"{escape(s(status))} {s.pct(count, total)}</span>" for status, count in parts)
    return "".join(out) + f'<div class="legend">{legend}</div>\n'


def _bars(rows: Iterable[tuple[str, int]], s: _Say) -> str:
    """Horizontal bars, one a row, labelled with the count."""
    rows = list(rows)
    most = max([count for _, count in rows] + [1])
    label_w, bar_w, row_h = 120, 420, 22
    height = row_h * len(rows) + 4
    out = [f'<svg role="img" width="{label_w + bar_w + 70}" height="{height}" '
           f'viewBox="0 0 {label_w + bar_w + 70} {height}">']
    for i, (label, count) in enumerate(rows):
        y = i * row_h + 2
        w = bar_w * count / most
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                   f'<rect x="{label_w}" y="{y + 3}" width="{w:.2f}" height="{row_h - 6}" '
                   f'fill="{BAR}"><title>{escape(label)}: {s.n(count)}</title></rect>'
                   f'<text x="{label_w + w + 5:.2f}" y="{y + 15}">{s.n(count)}</text>')
    out.append("</svg>\n")
    return "".join(out)


def _inline_bar(count: int, most: int) -> str:
    w = 120 * count / most
    return (f'<svg width="122" height="12" viewBox="0 0 122 12" aria-hidden="true">'
            f'<rect x="0" y="1" width="{w:.2f}" height="10" fill="{BAR}"/></svg>')


CHART_GROUPS = 40
"""The most groups the chart shows (those with the most records); the table has them all."""


def _group_chart(summary: Summary, keys: Sequence[tuple[str, ...]], s: _Say) -> str:
    """A bar per group, split by status, as long as the group's records."""
    note = ""
    if len(keys) > CHART_GROUPS:
        biggest = sorted(keys, key=lambda key: -summary.groups[key].records)[:CHART_GROUPS]
        keys = sorted(biggest)
        note = (f'<p class="note">{escape(s("The {count} groups with the most records; the table below has all {total}.", count=CHART_GROUPS, total=len(summary.groups)))}</p>\n')
    most = max([summary.groups[key].records for key in keys] + [1])
    label_w, bar_w, row_h = 170, 440, 22
    height = row_h * len(keys) + 4
    out = [f'<svg role="img" aria-label="{escape(s("Per group"))}" width="{label_w + bar_w + 70}" '
           f'height="{height}" viewBox="0 0 {label_w + bar_w + 70} {height}">']
    for i, key in enumerate(keys):
        group = summary.groups[key]
        y = i * row_h + 2
        label = " / ".join(text or s("(missing)") for text in key)
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        x = float(label_w)
        for status in Status:
            count = group.statuses[status.value]
            if not count:
                continue
            w = bar_w * count / most
            out.append(f'<rect x="{x:.2f}" y="{y + 3}" width="{w:.2f}" height="{row_h - 6}" '
                       f'fill="{COLOURS[status.value]}"><title>{escape(label)}: '
                       f"{escape(s(status.value))} {s.n(count)}</title></rect>")
            x += w
        out.append(f'<text x="{x + 5:.2f}" y="{y + 15}">{s.n(group.records)}</text>')
    out.append("</svg>\n")
    legend = "".join(f'<span><span class="sw" style="background:{COLOURS[status.value]}"></span>'
                     f"{escape(s(status.value))}</span>" for status in Status)
    return note + "".join(out) + f'<div class="legend">{legend}</div>\n'
