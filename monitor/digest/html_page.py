"""The digest as one standalone HTML page (inline CSS; charts embedded as data URIs or linked by file name)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from monitor.digest import text
from monitor.digest.charts import Chart, category_colour
from monitor.digest.text import ARROW
from monitor.untrusted import safe_url
from pipelines.trends.report import CategorySection, TopPost, WeeklyReport

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;max-width:860px;margin:0 auto;
padding:16px;color:#1a1a1a;line-height:1.45;font-size:17px;overflow-wrap:anywhere}
figure{margin:1em 0}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;font-size:.95em}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}img{max-width:100%;height:auto}
.rising{color:#0072B2;font-weight:600}.falling{color:#D55E00;font-weight:600}.muted{color:#666;font-size:.9em}
.warn{background:#FFF4E0;border-left:4px solid #E69F00;padding:4px 8px}.cat{border-left:6px solid var(--c);padding-left:10px;margin:1.2em 0}code{background:#f3f3f3;padding:1px 4px}
@media (max-width:600px){body{padding:10px;font-size:16px}
table.reflow,table.reflow tbody,table.reflow tr,table.reflow td{display:block}table.reflow thead{display:none}
table.reflow tr{border-bottom:1px solid #ddd;padding:6px 0}
table.reflow td{border:0;padding:1px 2px;display:flex;justify-content:space-between;gap:12px;text-align:right}
table.reflow td::before{content:attr(data-label);color:#666;text-align:left}
table.reflow td:first-child::before{content:none}table.reflow td.secondary{display:none}}
""".strip()


def _e(value: str) -> str:
    return escape(value, quote=True)


def _dir(direction: str) -> str:
    return f' class="{direction}"' if direction != "steady" else ""


def _post(post: TopPost) -> str:
    head = _e(text.post_headline(post, 140))
    url = safe_url(post.url)
    if url:
        head = f'<a href="{_e(url)}" rel="nofollow noopener">{head}</a>'
    return f'<li>{head} <span class="muted">— {_e(text.post_byline(post))}</span></li>'


def _examples(posts) -> str:  # noqa: ANN001 - a sequence of TopPost
    items = []
    for post in posts[:2]:
        head = _e(text.post_headline(post, 80))
        if post.url and post.url.startswith(("https://", "http://")):
            head = f'<a href="{_e(post.url)}" rel="nofollow noopener">{head}</a>'
        items.append(f'<li class="muted">e.g. {head} {_e(text.example_tail(post))}</li>')
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _movers(report: WeeklyReport) -> list[str]:
    items = []
    for t in report.movers():
        section = report.category(t.category) if t.kind == "entity" and t.category else None
        where = f" ({_e(section.label)})" if section else ""
        items.append(
            f"<li><span{_dir(t.direction)}>{ARROW[t.direction]} {_e(t.label)}</span>{where}: "
            f"{_e(text.trend_line(t, report.min_posts))} <span class=\"muted\">{_e(text.evidence(t))}</span>"
            f"{_examples(report.examples_for(f'{t.kind}:{t.key}'))}</li>"
        )
    for t in report.slow_movers():
        items.append(
            f"<li><span{_dir(t.slow.direction)}>{ARROW[t.slow.direction]} {_e(t.label)}</span>: {_e(text.slow_line(t))}"
            f"{_examples(report.examples_for(f'{t.kind}:{t.key}'))}</li>"
        )
    for section, share in report.interest_movers():
        items.append(
            f"<li><span{_dir(share.direction)}>{ARROW[share.direction]} {_e(section.label)} → {_e(share.label)}</span>: "
            f"{_e(text.interest_move(share))}{_examples(report.examples_for(f'interest:{section.key}:{share.interest}'))}</li>"
        )
    if not items:
        items.append(f"<li>{_e(text.no_movers(report))}</li>")
    return ["<h2>What moved</h2>", "<ul>", *items, "</ul>"]


def _spikes(report: WeeklyReport) -> list[str]:
    if not report.spikes:
        return []
    items = [
        f"<li><b>{_e(a.spike.entity)}</b> {_e(text.day(a.spike.day))}: {a.spike.count} posts "
        f"(usual {text.number(a.spike.baseline_mean)}/day){_examples(a.top_posts)}</li>"
        for a in report.spikes
    ]
    return ["<h2>Spikes</h2>", "<ul>", *items, "</ul>"]


def _img(chart: Chart, embed: bool) -> str:
    src = f"data:image/png;base64,{base64.b64encode(chart.png).decode()}" if embed else _e(chart.name)
    return f'<figure><img src="{src}" alt="{_e(chart.caption)}"><figcaption class="muted">{_e(chart.caption)}</figcaption></figure>'


def _table(report: WeeklyReport) -> list[str]:
    rows = [
        "<h2>Categories</h2>",
        '<table class="reflow"><thead><tr><th>Category</th><th>Posts</th><th>Share</th><th>Share change</th>'
        "<th>Authors</th></tr></thead><tbody>",
    ]
    for s in report.categories:
        t = s.trend
        share, change = text.share_cells(t, report.min_posts)
        rows.append(
            f'<tr><td style="color:{category_colour(s.key)}"><b>{_e(t.label)}</b></td><td data-label="Posts"{_dir(t.direction)}>'
            f"{text.count(t.count)}{' ' + ARROW[t.direction] if t.direction != 'steady' else ''}</td>"
            f'<td data-label="Share">{share}</td><td data-label="Share change">{change}</td>'
            f'<td data-label="Authors" class="secondary">{text.count(t.authors)}</td></tr>'
        )
    return [*rows, "</tbody></table>"]


def _section(s: CategorySection, min_posts: int) -> list[str]:
    out = [
        f'<div class="cat" style="--c:{category_colour(s.key)}">',
        f"<h3>{_e(s.label)}</h3>",
        f"<p>{_e(text.trend_line(s.trend, min_posts))}"
        + (f" <span{_dir(s.trend.direction)}>{_e(text.direction_word(s.trend))}</span>" if s.trend.direction != "steady" else "")
        + "</p>",
    ]
    audience = text.audience_line(s.audience, min_posts)
    if audience:
        out.append(f'<p class="muted">{_e(audience)}</p>')
    if s.shown_entities():
        names = ", ".join(
            f"<span{_dir(e.direction)}>{_e(e.label)} {text.count(e.count)} {ARROW[e.direction]}</span>"
            if e.direction != "steady"
            else f"{_e(e.label)} {text.count(e.count)}"
            for e in s.shown_entities(8)
        )
        out.append(f"<p>Titles: {names}</p>")
    if s.top_posts:
        out += ["<ol>", *(_post(p) for p in s.top_posts), "</ol>"]
    return [*out, "</div>"]


def _conversion(report: WeeklyReport) -> list[str]:
    if not report.interest_labels:
        return []
    head = "".join(f"<th>{_e(label)}</th>" for _, label in report.interest_labels)
    rows = [
        "<h2>Interest conversion</h2>",
        '<p class="muted">Share of each category\'s posts showing a real-life interest; change vs the 4 weeks before, in points.</p>',
        f'<table class="reflow"><thead><tr><th>Category</th>{head}</tr></thead><tbody>',
    ]
    for s in report.categories:
        n = s.interests[0].n if s.interests else 0
        if n == 0:
            continue
        cells = "".join(
            f'<td data-label="{_e(i.label)}"{_dir(i.direction)}>{_e(text.interest_cell(i, report.min_posts))}'
            f"{' ' + ARROW[i.direction] if i.direction != 'steady' else ''}</td>"
            for i in s.interests
        )
        rows.append(f"<tr><td>{_e(s.label)} <span class=\"muted\">n={text.count(n)}</span></td>{cells}</tr>")
    return [*rows, "</tbody></table>"]


def _suggestions(report: WeeklyReport) -> list[str]:
    if not report.suggested_keywords:
        return ["<h2>Suggested keywords</h2>", "<p>No new term stood out this week.</p>"]
    items = [
        f"<li><code>{_e(t.term)}</code> ({t.kind}): {t.docs} posts, {t.authors} authors — "
        f"{text.percent(t.share)} vs {text.percent(t.baseline_share)} before, G² {t.g2:.0f}"
        + (f"; same posts: {_e(', '.join(t.related[:4]))}" if t.related else "")
        + (f"; catalogued: {_e(t.catalogued)}" if t.catalogued else "")
        + "</li>"
        for t in report.suggested_keywords
    ]
    return ["<h2>Suggested keywords</h2>", "<p>Not on the watchlist yet; add useful ones to <code>config/keywords.yaml</code>.</p>", "<ul>", *items, "</ul>"]


def _languages(report: WeeklyReport) -> list[str]:
    if not report.languages:
        return []
    return ["<h2>Language mix</h2>", f"<p>{_e(text.language_mix(report, 10))}</p>"]


def render_html(report: WeeklyReport, charts: Sequence[Chart] = (), *, embed: bool = True) -> str:
    """A standalone HTML page of the digest.

    charts: from `render_charts`; embedded as base64 data URIs (embed=True) or referenced by
    their file names (embed=False, e.g. next to PNGs written by `save_charts`).
    """
    title = f"Culture Pulse — {report.week}"
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">{_e(text.week_span(report))} · weeks Monday–Sunday, {_e(report.timezone)}</p>',
        f"<p><b>{_e(text.headline(report))}</b> (all categories).</p>",
    ]
    body += [f'<p class="warn">⚠ {_e(note)}</p>' for note in text.coverage_notes(report)]
    if report.quiet:
        body.append(f"<p>{_e(text.quiet_sentence(report))}</p>")
        body += (_suggestions(report) if report.suggested_keywords else []) + _languages(report)
    else:
        body += _movers(report) + _spikes(report)
        body += [_img(c, embed) for c in charts]
        body += _table(report)
        for s in report.categories:
            if s.trend.count or s.trend.vs_baseline.baseline:
                body += _section(s, report.min_posts)
        body += _conversion(report) + _suggestions(report) + _languages(report)
    body.append(f'<hr><p class="muted">{_e(text.method_note(report))}</p>')
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
