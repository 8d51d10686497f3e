"""The digest as Markdown (for files, the demo and the README-style archive)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.digest import text
from monitor.digest.text import ARROW
from monitor.untrusted import safe_url
from pipelines.trends.report import CategorySection, TopPost, WeeklyReport

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(value: str) -> str:
    """Escape Markdown punctuation so post text cannot format, link or break tables."""
    return _MD_SPECIAL.sub(r"\\\1", value)


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _post_line(n: int, post: TopPost) -> str:
    head = md_escape(text.post_headline(post))
    url = safe_url(post.url)
    head = f"[{head}]({_url(url)})" if url else head
    return f"{n}. {head} — {md_escape(text.post_byline(post))}"


def _examples(posts: Sequence[TopPost]) -> list[str]:
    out = []
    for post in posts[:2]:
        head = md_escape(text.post_headline(post, 80))
        head = f"[{head}]({_url(post.url)})" if post.url else head
        out.append(f"  - e.g. {head} {md_escape(text.example_tail(post))}")
    return out


def _movers(report: WeeklyReport) -> list[str]:
    lines = ["## What moved", ""]
    movers = report.movers()
    for t in movers:
        where = f" ({md_escape(report.category(t.category).label)})" if t.kind == "entity" and t.category and report.category(t.category) else ""
        lines.append(f"- {ARROW[t.direction]} **{md_escape(t.label)}**{where}: {text.trend_line(t, report.min_posts)} ({text.evidence(t)})")
        lines += _examples(report.examples_for(f"{t.kind}:{t.key}"))
    for t in report.slow_movers():
        lines.append(f"- {ARROW[t.slow.direction]} **{md_escape(t.label)}**: {text.slow_line(t)}")
        lines += _examples(report.examples_for(f"{t.kind}:{t.key}"))
    for section, share in report.interest_movers():
        lines.append(
            f"- {ARROW[share.direction]} **{md_escape(section.label)} → {md_escape(share.label)}**: {text.interest_move(share)}"
        )
        lines += _examples(report.examples_for(f"interest:{section.key}:{share.interest}"))
    if not movers and not report.interest_movers() and not report.slow_movers():
        lines.append(f"- {md_escape(text.no_movers(report))}")
    return lines


def _spikes(report: WeeklyReport) -> list[str]:
    if not report.spikes:
        return []
    lines = ["## Spikes", ""]
    for alert in report.spikes:
        s = alert.spike
        lines.append(
            f"- **{md_escape(s.entity)}** on {text.day(s.day)}: {s.count} posts "
            f"(usual {text.number(s.baseline_mean)}/day, alert above {text.number(s.threshold)})"
        )
        lines += _examples(alert.top_posts)
    return [*lines, ""]


def _table(report: WeeklyReport) -> list[str]:
    lines = [
        "## Categories",
        "",
        "| Category | Posts | Share | Share change | Authors | Trend |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for s in report.categories:
        t = s.trend
        share, change = text.share_cells(t, report.min_posts)
        lines.append(
            f"| {md_escape(t.label)} | {text.count(t.count)} | {share} | {change} | {text.count(t.authors)} | "
            f"{ARROW[t.direction] or '·'} |"
        )
    return [*lines, ""]


def _section(s: CategorySection, top_n: int, min_posts: int) -> list[str]:
    lines = [f"### {md_escape(s.label)}", "", f"{text.trend_line(s.trend, min_posts)}. {text.direction_word(s.trend)}".rstrip(), ""]
    audience = text.audience_line(s.audience, min_posts)
    if audience:
        lines += [f"_{md_escape(audience)}_", ""]
    if s.shown_entities():
        names = ", ".join(
            f"{md_escape(e.label)} {text.count(e.count)}{(' ' + ARROW[e.direction]) if e.direction != 'steady' else ''}"
            for e in s.shown_entities(8)
        )
        lines += [f"Titles: {names}", ""]
    for n, post in enumerate(s.top_posts[:top_n], start=1):
        lines.append(_post_line(n, post))
    if s.top_posts:
        lines.append("")
    return lines


def _conversion(report: WeeklyReport) -> list[str]:
    if not report.interest_labels:
        return []
    head = "| Category | " + " | ".join(md_escape(label) for _, label in report.interest_labels) + " |"
    lines = ["## Interest conversion", "", "Share of each category's posts that show a real-life interest (change vs the 4 weeks before, in points).", "", head, "|---|" + "---:|" * len(report.interest_labels)]
    for s in report.categories:
        n = s.interests[0].n if s.interests else 0
        if n == 0:
            continue
        cells = []
        for share in s.interests:
            mark = ARROW[share.direction]
            cells.append(f"{text.interest_cell(share, report.min_posts)}{(' ' + mark) if mark else ''}")
        lines.append(f"| {md_escape(s.label)} (n={text.count(n)}) | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _suggestions(report: WeeklyReport) -> list[str]:
    lines = ["## Suggested keywords", ""]
    if not report.suggested_keywords:
        return [*lines, "No new term stood out this week.", ""]
    lines.append("Not on the watchlist yet; add the useful ones to `config/keywords.yaml`.")
    lines.append("")
    for term in report.suggested_keywords:
        lines.append(
            f"- `{term.term.replace('`', '')}` ({term.kind}): {term.docs} posts, {term.authors} authors "
            f"({text.percent(term.share)} vs {text.percent(term.baseline_share)} before, G² {term.g2:.0f})"
            + (f"; same posts: {md_escape(', '.join(term.related[:4]))}" if term.related else "")
            + (f"; catalogued: {md_escape(term.catalogued)}" if term.catalogued else "")
        )
    return [*lines, ""]


def _languages(report: WeeklyReport) -> list[str]:
    if not report.languages:
        return []
    return ["## Language mix", "", md_escape(text.language_mix(report, 8)), ""]


def render_markdown(report: WeeklyReport, charts: Sequence[tuple[str, str]] = ()) -> str:
    """The digest as one Markdown document.

    charts: (file name, caption) pairs to reference as images, e.g. from `save_charts`.
    A quiet week gives a short document that says so.
    """
    lines = [
        f"# Culture Pulse — {report.week} ({text.week_span(report)})",
        "",
        f"**{text.headline(report)}** (all categories).",
        "",
    ]
    notes = text.coverage_notes(report)
    if notes:
        lines += [*(f"> ⚠ {md_escape(note)}" for note in notes), ""]
    if report.quiet:
        lines += [text.quiet_sentence(report), ""]
        lines += _suggestions(report) if report.suggested_keywords else []
        lines += _languages(report)
        lines += ["---", "", f"_{md_escape(text.method_note(report))}_", ""]
        return "\n".join(lines)
    lines += _movers(report) + [""]
    lines += _spikes(report)
    for name, caption in charts:
        lines += [f"![{md_escape(caption)}]({_url(name)})", ""]
    lines += _table(report)
    for s in report.categories:
        if s.trend.count or s.trend.vs_baseline.baseline:
            lines += _section(s, len(s.top_posts), report.min_posts)
    lines += _conversion(report)
    lines += _suggestions(report)
    lines += _languages(report)
    lines += ["---", "", f"_{md_escape(text.method_note(report))}_", ""]
    return "\n".join(lines)
