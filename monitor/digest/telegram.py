"""The digest as Telegram messages (HTML parse mode): escaped, ≤ 4,096 UTF-16 units each, split at sections."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from monitor.digest import text
from monitor.digest.text import ARROW
from monitor.untrusted import safe_url
from monitor.telegram_split import MAX_MESSAGE, split_message, tg_length
from pipelines.trends.report import CategorySection, LabelTrend, SpikeAlert, TopPost, WeeklyReport

_AUTHOR_CHARS = 40
_HEADLINE_CHARS = 110


def esc(value: str) -> str:
    """Escape untrusted text for Telegram HTML (&, <, >, and quotes)."""
    return escape(value, quote=True)


def _link(url: str | None, label_html: str) -> str:
    url = safe_url(url)
    return f'<a href="{esc(url)}">{label_html}</a>' if url else label_html


def post_line(n: int, post: TopPost) -> str:
    """'1. <a href=…>headline</a> — author · source · 1.2k' (all untrusted parts escaped)."""
    headline = esc(text.post_headline(post, _HEADLINE_CHARS))
    who = esc(text.clip(post.author or "unknown", _AUTHOR_CHARS))
    similar = f" · +{post.similar} similar" if post.similar else ""
    return f"{n}. {_link(post.url, headline)} — {who} · {esc(post.source)} · {esc(text.metrics_text(post))}{similar}"


def example_line(post: TopPost) -> str:
    """'  ↳ <a href=…>headline</a> (reddit, es)': one post behind a line of 'What moved'."""
    return f"  ↳ {_link(post.url, esc(text.post_headline(post, 80)))} <i>{esc(text.example_tail(post))}</i>"


def _examples(report: WeeklyReport, key: str) -> list[str]:
    return [example_line(p) for p in report.examples_for(key)[:1]]


def _trend_head(t: LabelTrend) -> str:
    arrow = ARROW[t.direction]
    return f"{arrow + ' ' if arrow else ''}<b>{esc(t.label)}</b>"


def header_section(report: WeeklyReport) -> str:
    """Title line and total volume."""
    return (
        f"<b>Culture Pulse · {report.week}</b> ({esc(text.week_span(report))})\n"
        f"{esc(text.headline(report))}"
        + "".join(f"\n⚠ {esc(note)}" for note in text.coverage_notes(report))
    )


def movers_section(report: WeeklyReport) -> str:
    """Rising/falling categories, titles and interest shares."""
    lines = ["<b>What moved</b>"]
    for t in report.movers():
        section = report.category(t.category) if t.kind == "entity" and t.category else None
        where = f" ({esc(section.label)})" if section else ""
        lines.append(f"{_trend_head(t)}{where}: {esc(text.trend_line(t, report.min_posts))} <i>{esc(text.evidence(t))}</i>")
        lines += _examples(report, f"{t.kind}:{t.key}")
    for t in report.slow_movers():
        lines.append(f"{ARROW[t.slow.direction]} <b>{esc(t.label)}</b>: {esc(text.slow_line(t))}")
        lines += _examples(report, f"{t.kind}:{t.key}")
    for section, share in report.interest_movers():
        lines.append(
            f"{ARROW[share.direction]} <b>{esc(section.label)} → {esc(share.label)}</b>: {esc(text.interest_move(share))}"
        )
        lines += _examples(report, f"interest:{section.key}:{share.interest}")
    if len(lines) == 1:
        lines.append(esc(text.no_movers(report)))
    return "\n".join(lines)


def spikes_section(report: WeeklyReport) -> str:
    """Daily spikes during the week (empty string when none)."""
    if not report.spikes:
        return ""
    lines = ["<b>Spikes</b>"]
    for alert in report.spikes:
        s = alert.spike
        lines.append(
            f"⚡ <b>{esc(s.entity)}</b> {esc(text.day(s.day))}: {s.count} posts "
            f"(usual {text.number(s.baseline_mean)}/day)"
        )
        lines += [example_line(p) for p in alert.top_posts[:1]]
    return "\n".join(lines)


def category_section(section: CategorySection, min_posts: int, top_n: int | None = None) -> str:
    """One category: volume and change, its titles, its top posts with links."""
    t = section.trend
    lines = [f"{_trend_head(t)} — {esc(text.trend_line(t, min_posts))}"]
    audience = text.audience_line(section.audience, min_posts)
    if audience:
        lines.append(f"<i>{esc(audience)}</i>")
    if section.shown_entities():
        names = ", ".join(
            f"{esc(e.label)} {text.count(e.count)}{(' ' + ARROW[e.direction]) if e.direction != 'steady' else ''}"
            for e in section.shown_entities(6)
        )
        lines.append(f"Titles: {names}")
    posts = section.top_posts if top_n is None else section.top_posts[:top_n]
    lines += [post_line(n, post) for n, post in enumerate(posts, start=1)]
    return "\n".join(lines)


def conversion_section(report: WeeklyReport) -> str:
    """Per category, the interests its posts show (share, change in points vs the 4 weeks before)."""
    lines = ["<b>Interest conversion</b> <i>(share of a category's posts, change in points)</i>"]
    for section in report.categories:
        n = section.interests[0].n if section.interests else 0
        if n == 0:
            continue
        if n < report.min_posts:
            lines.append(f"<b>{esc(section.label)}</b>: few posts (n={n})")
            continue
        shown = [i for i in section.interests if i.share >= 0.01 or i.direction != "steady"]
        if not shown:
            continue
        cells = ", ".join(
            f"{esc(i.label)} {text.interest_cell(i, report.min_posts)}{(' ' + ARROW[i.direction]) if i.direction != 'steady' else ''}"
            for i in shown
        )
        lines.append(f"<b>{esc(section.label)}</b> (n={text.count(n)}): {cells}")
    return "\n".join(lines) if len(lines) > 1 else ""


def suggestions_section(report: WeeklyReport) -> str:
    """Suggested keywords (emerging terms not on the watchlist)."""
    if not report.suggested_keywords:
        return "<b>Suggested keywords</b>\nNo new term stood out this week."
    lines = ["<b>Suggested keywords</b> <i>(not watched yet)</i>"]
    for term in report.suggested_keywords:
        lines.append(
            f"<code>{esc(term.term)}</code> {term.docs} posts, {term.authors} authors "
            f"({text.percent(term.share)} vs {text.percent(term.baseline_share)})"
            + (f" — also {esc(', '.join(term.related[:4]))}" if term.related else "")
            + (f" — catalogued: {esc(term.catalogued)}" if term.catalogued else "")
        )
    return "\n".join(lines)


def languages_section(report: WeeklyReport) -> str:
    """Language mix of the week's posts."""
    if not report.languages:
        return ""
    return "<b>Languages</b>: " + esc(text.language_mix(report, 8))


def pack(sections: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join sections into as few messages as fit in `limit`, breaking only between sections.

    A section longer than `limit` on its own goes through `split_message` (between lines; a
    single overlong line, such as a post with a 4 kB URL, is cut without breaking its HTML).
    """
    messages: list[str] = []
    current = ""
    for section in (s.strip() for s in sections):
        if not section:
            continue
        for piece in split_message(section, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if tg_length(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def render_telegram(report: WeeklyReport, limit: int = MAX_MESSAGE) -> list[str]:
    """The weekly digest as Telegram HTML messages, each within `limit` characters.

    Send with parse_mode=HTML; charts (from `render_charts`) go separately as an album. A quiet week
    gives one short message that says so.
    """
    if report.quiet:
        quiet = f"{header_section(report)}\n\n{esc(text.quiet_sentence(report))}"
        extra = [suggestions_section(report)] if report.suggested_keywords else []
        return pack([quiet, *extra, languages_section(report) + _corrections_note(report)], limit)
    sections = [header_section(report), movers_section(report), spikes_section(report)]
    sections += [category_section(s, report.min_posts) for s in report.categories if s.trend.count]
    sections += [conversion_section(report), suggestions_section(report), languages_section(report)]
    sections.append(f"<i>{esc(text.method_note(report))}</i>" + _corrections_note(report))
    return pack(sections, limit)


def _corrections_note(report: WeeklyReport) -> str:
    """'Tag corrections from the chat this week: 3.' (nothing when there were none)."""
    if not report.corrections:
        return ""
    return f"\n<i>Tag corrections from the chat this week: {report.corrections}.</i>"


def render_trends(report: WeeklyReport, category: str | None = None) -> list[str]:
    """/trends [category]: this week's movers, or one category's figures and titles."""
    if category:
        section = report.category(category)
        if section is None:
            known = ", ".join(s.key for s in report.categories)
            return [f"Unknown category {esc(category)}. Known: {esc(known)}"]
        return pack([header_section(report), category_section(section, report.min_posts, top_n=0)])
    return pack([header_section(report), movers_section(report), spikes_section(report)])


def render_top(report: WeeklyReport, category: str | None = None, limit: int = 5) -> list[str]:
    """/top [category]: most engaging posts of the week with links, per category."""
    sections = report.categories if category is None else [s for s in [report.category(category)] if s]
    if not sections:
        return [f"Unknown category {esc(category or '')}."]
    body = [
        f"<b>{esc(s.label)}</b>\n" + "\n".join(post_line(n, p) for n, p in enumerate(s.top_posts[:limit], 1))
        for s in sections
        if s.top_posts
    ]
    return pack([f"<b>Top posts · {report.week}</b>", *(body or ["No posts this week."])])


def render_suggest(report: WeeklyReport) -> list[str]:
    """/suggest: emerging terms not on the watchlist."""
    return pack([suggestions_section(report)])


def render_spike_alert(alert: SpikeAlert) -> str:
    """A short mid-week alert: one entity, the figure, the top posts behind it (HTML, ≤ 4,096)."""
    s = alert.spike
    where = f" ({esc(alert.label)})" if alert.label else ""
    lines = [
        f"⚡ <b>Spike: {esc(s.entity)}</b>{where}",
        f"{s.count} posts {'so far today, ' if alert.partial_day else 'on '}{esc(text.day(s.day))} — "
        f"usually {text.number(s.baseline_mean)}/day "
        f"(alert above {text.number(s.threshold)}).",
    ]
    lines += [post_line(n, post) for n, post in enumerate(alert.top_posts, start=1)]
    return pack(["\n".join(lines)])[0]
