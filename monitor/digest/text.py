"""Wording shared by every renderer: numbers, changes, dates, snippets (plain text, unescaped)."""

from __future__ import annotations

from datetime import date

from monitor.untrusted import one_line
from pipelines.trends.report import LabelTrend, TopPost, WeeklyReport
from pipelines.trends.stats import Change

ARROW = {"rising": "▲", "falling": "▼", "steady": ""}


def count(n: int | float) -> str:
    """1234 -> '1,234'."""
    return f"{round(n):,}"


def number(x: float) -> str:
    """A mean count: '2', '2.3', '1,240'."""
    return f"{x:,.1f}".rstrip("0").rstrip(".")


def compact(x: float) -> str:
    """Engagement in short form: 950, 1.2k, 3.4M."""
    if abs(x) >= 1_000_000:
        return f"{x / 1_000_000:.1f}M"
    if abs(x) >= 10_000:
        return f"{x / 1_000:.0f}k"
    if abs(x) >= 1_000:
        return f"{x / 1_000:.1f}k"
    return f"{x:.0f}"


def percent(share: float) -> str:
    """0.123 -> '12%' (one decimal under 10 %)."""
    value = share * 100
    return f"{value:.1f}%" if 0 < value < 10 else f"{value:.0f}%"


def p_value(p: float) -> str:
    """'p<0.001' or 'p=0.004'."""
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def change(c: Change, what: str) -> str:
    """'+35% vs 4-wk avg' when the baseline is big enough, otherwise 'was 1' (never '+200%' on tiny counts)."""
    if c.baseline_weeks == 0:
        return f"no {what} data"
    if c.pct is not None:
        return f"{c.pct:+.0f}% vs {what}"
    return f"{what}: {number(c.baseline)}"


def change_cells(t: LabelTrend) -> tuple[str, str]:
    """Table cells (vs last week, vs 4-wk avg): '+12%' when the baseline is big enough, else 'was 3' / 'avg 2'."""
    prev = f"{t.vs_previous.pct:+.0f}%" if t.vs_previous.pct is not None else f"was {number(t.vs_previous.baseline)}"
    base = f"{t.vs_baseline.pct:+.0f}%" if t.vs_baseline.pct is not None else f"avg {number(t.vs_baseline.baseline)}"
    return prev, base


def trend_line(t: LabelTrend) -> str:
    """'1,240 posts, +35% vs 4-wk avg, +12% vs last week'."""
    parts = [f"{count(t.count)} posts"]
    if t.vs_baseline.baseline_weeks >= 2:
        parts.append(change(t.vs_baseline, f"{t.vs_baseline.baseline_weeks}-wk avg"))
    parts.append(change(t.vs_previous, "last week"))
    return ", ".join(parts)


def direction_word(t: LabelTrend) -> str:
    """'▲ rising', '▼ falling' or ''."""
    return f"{ARROW[t.direction]} {t.direction}" if t.direction != "steady" else ""


def evidence(t: LabelTrend) -> str:
    """The test behind the call, e.g. 'p<0.001'."""
    c = t.vs_baseline if t.vs_baseline.baseline_weeks >= 2 else t.vs_previous
    return p_value(c.p_value)


def day(d: date) -> str:
    """'Thu 19 Nov'."""
    return d.strftime("%a %d %b").replace(" 0", " ")


def week_span(report: WeeklyReport) -> str:
    """'16–22 Nov 2026' or '30 Nov – 6 Dec 2026'."""
    first, last = report.first_day, report.last_day
    if first.month == last.month:
        return f"{first.day}–{last.day} {last.strftime('%b %Y')}"
    if first.year == last.year:
        return f"{first.day} {first.strftime('%b')} – {last.day} {last.strftime('%b %Y')}"
    return f"{first.day} {first.strftime('%b %Y')} – {last.day} {last.strftime('%b %Y')}"


def clip(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters at a word boundary, with an ellipsis (one line, no bidi controls)."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def post_headline(post: TopPost, limit: int = 110) -> str:
    """Title if there is one, else the start of the text (plain, unescaped)."""
    return clip(post.title or post.snippet or "(no text)", limit)


def post_byline(post: TopPost) -> str:
    """'@author · reddit · 1.2k' (author and source on one line, without bidi controls)."""
    who = clip(post.author or "", 60) or "unknown"
    return f"{who} · {one_line(post.source)} · {compact(post.engagement)} engagement"


def quiet_sentence(report: WeeklyReport) -> str:
    """The one-line verdict of a quiet week."""
    return (
        f"Quiet week: nothing moved beyond normal week-to-week variation "
        f"({count(report.total.count)} posts; calls need ≥{report.min_count} posts and "
        f"p<{report.significance:g})."
    )


def method_note(report: WeeklyReport) -> str:
    """One sentence on how 'rising'/'falling' and suggestions are decided."""
    now, base = report.terms_docs
    return (
        f"Rising/falling: exact Poisson test vs the mean of up to 4 earlier weeks, p<{report.significance:g} "
        f"and ≥{report.min_count} posts; percentages only when the baseline has ≥{report.min_count} posts. "
        f"Suggested keywords: G² and log-ratio on {count(now)} sampled posts vs {count(base)} from the 4 weeks before. "
        f"Weeks run Monday–Sunday in {report.timezone}."
    )
