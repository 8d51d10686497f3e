"""Wording shared by every renderer: numbers, changes, dates, snippets (plain text, unescaped)."""

from __future__ import annotations

from datetime import date

from monitor.untrusted import one_line
from pipelines.trends.coverage import Gap
from pipelines.trends.report import Audience, InterestShare, LabelTrend, TopPost, WeeklyReport
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


def p_value(p: float, name: str = "p") -> str:
    """'p<0.001' or 'p=0.004' (name 'q' for a Benjamini–Hochberg adjusted value)."""
    return f"{name}<0.001" if p < 0.001 else f"{name}={p:.3f}"


def points(delta_pp: float) -> str:
    """A change in percentage points: '+3 pts', '-12 pts', '±0 pts' (never '-0')."""
    rounded = round(delta_pp)
    return "±0 pts" if rounded == 0 else f"{rounded:+d} pts"


def share_of(c: Change, min_posts: int) -> str:
    """'62% of 64 posts (4-wk avg 33% of 30)'; 'few posts (n=12)' under the minimum; '' without posts."""
    if c.total == 0:
        return ""
    if c.total < min_posts:
        return f"few posts (n={count(c.total)})"
    now = f"{percent(c.share or 0.0)} of {count(c.total)} posts"
    if c.baseline_weeks == 0 or c.baseline_total * c.baseline_weeks < min_posts:
        return now
    what = "last week" if c.baseline_weeks == 1 else f"{c.baseline_weeks}-wk avg"
    return f"{now} ({what} {percent(c.baseline_share or 0.0)} of {count(c.baseline_total)}, {points(c.delta_pp)})"


def interest_cell(share: InterestShare, min_posts: int) -> str:
    """'60% (+40 pts)' or 'few posts (n=6)'."""
    if share.n < min_posts:
        return f"few posts (n={count(share.n)})"
    return f"{percent(share.share)} ({points(share.delta_pp)})"


def interest_move(share: InterestShare) -> str:
    """'60% of 40 posts (was 20% of 160, q<0.001)'."""
    return (
        f"{percent(share.share)} of {count(share.n)} posts (was {percent(share.baseline_share)} of "
        f"{count(share.baseline_n)}, {p_value(share.q_value, 'q')})"
    )


def change(c: Change, what: str) -> str:
    """'+35% vs 4-wk avg' when the baseline is big enough, otherwise 'was 1' (never '+200%' on tiny counts)."""
    if c.baseline_weeks == 0:
        return f"no {what} data"
    if c.pct is not None:
        return f"{c.pct:+.0f}% vs {what}"
    return f"{what}: {number(c.baseline)}"


def share_cells(t: LabelTrend, min_posts: int) -> tuple[str, str]:
    """Table cells (share with its n, change in points): '62% of 64', '+29 pts'; 'few posts (n=6)', '–'."""
    c = t.deciding
    if c.total == 0:
        return "–", "–"
    if c.total < min_posts:
        return f"few posts (n={count(c.total)})", "–"
    moved = points(c.delta_pp) if c.baseline_weeks and c.baseline_total * c.baseline_weeks >= min_posts else "–"
    return f"{percent(c.share or 0.0)} of {count(c.total)}", moved


def volume_line(t: LabelTrend) -> str:
    """'1,240 posts, +35% vs 4-wk avg, +12% vs last week' (counts of the compared sources)."""
    parts = [f"{count(t.count)} posts"]
    if t.vs_baseline.baseline_weeks >= 2:
        parts.append(change(t.vs_baseline, f"{t.vs_baseline.baseline_weeks}-wk avg"))
    parts.append(change(t.vs_previous, "last week"))
    return ", ".join(parts)


def headline(report: WeeklyReport) -> str:
    """'1,240 posts, +35% vs 4-wk avg, …', the change measured on the compared sources when some are left out."""
    line = volume_line(report.total)
    if report.excluded_sources and report.compared_sources:
        line += f" (changes: {', '.join(report.compared_sources)} only)"
    return line


def trend_line(t: LabelTrend, min_posts: int) -> str:
    """'40 posts, 62% of 64 posts (4-wk avg 33% of 30, +29 pts)': the raw count, then the share."""
    share = share_of(t.deciding, min_posts)
    return f"{count(t.count)} posts" + (f", {share}" if share else "")


def slow_line(t: LabelTrend) -> str:
    """'rising for 8 weeks (share +15%/week, q=0.002)'."""
    slow = t.slow
    if slow is None:
        return ""
    return (
        f"{slow.direction} for {slow.weeks} weeks (share {slow.weekly_change * 100:+.0f}%/week, "
        f"{p_value(slow.q_value, 'q')})"
    )


def direction_word(t: LabelTrend) -> str:
    """'▲ rising', '▼ falling' or ''."""
    return f"{ARROW[t.direction]} {t.direction}" if t.direction != "steady" else ""


def evidence(t: LabelTrend) -> str:
    """The test behind the call, e.g. 'q<0.001' (Benjamini–Hochberg adjusted)."""
    return p_value(t.deciding.q_value, "q")


def _days(gap: Gap) -> str:
    first, last = gap.first.strftime("%a"), gap.last.strftime("%a")
    return first if gap.first == gap.last else f"{first}–{last}"


def coverage_notes(report: WeeklyReport) -> list[str]:
    """What was not collected this week and what the figures leave out, one sentence each."""
    notes: list[str] = []
    if report.unfinished:
        notes.append("Incomplete week: it has not ended yet; no rise, fall or spike is claimed from it.")
    for gap in report.gaps:
        if gap.state == "future":
            continue
        what = "was down" if gap.state == "down" else "was only partly collected"
        tail = "; figures exclude it" if gap.source in report.excluded_sources else ""
        notes.append(f"{gap.source} {what} {_days(gap)}{tail}.")
    gapped = {g.source for g in report.gaps}
    for source in report.excluded_sources:
        if source not in gapped:
            notes.append(f"{source} is left out of comparisons: not collected on every day of the baseline weeks.")
    if not report.comparable:
        notes.append(
            "No comparison this week: no source was collected on every day of this week and of an earlier week."
        )
    elif report.gaps and not report.unfinished:
        notes.insert(0, "Incomplete week.")
    return notes + tagging_notes(report)


def tagging_notes(report: WeeklyReport) -> list[str]:
    """Tags that are out of date or missing for this week's posts, with the command that fixes them."""
    notes = []
    since = report.first_day.isoformat()
    if report.stale_posts and report.keywords_changed is not None:
        changed = report.keywords_changed.strftime("%Y-%m-%d %H:%M UTC")
        notes.append(
            f"keywords.yaml changed on {changed}, after {count(report.stale_posts)} of this week's posts were "
            f"tagged: their tags are out of date (re-tag with `pulse tag --since {since}`)."
        )
    if report.untagged_posts:
        notes.append(f"{count(report.untagged_posts)} of this week's posts are not tagged yet (run `pulse tag --since {since}`).")
    return notes


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


def metrics_text(post: TopPost) -> str:
    """The platform's own figures, named: 'score 120, num_comments 30' (or 'no figures')."""
    return ", ".join(f"{name} {compact(value)}" for name, value in post.metrics) or "no figures"


def post_byline(post: TopPost) -> str:
    """'author · reddit · score 120, num_comments 30 · +2 similar' (one line, without bidi controls)."""
    who = clip(post.author or "", 60) or "unknown"
    similar = f" · +{post.similar} similar" if post.similar else ""
    return f"{who} · {one_line(post.source)} · {metrics_text(post)}{similar}"


def example_tail(post: TopPost) -> str:
    """'(reddit, es)': where an example post comes from."""
    return f"({post.source}{', ' + post.lang if post.lang else ''})"


def ranking_note() -> str:
    """What orders the top posts."""
    return (
        "Top posts: ranked by interactions (score, likes, replies, reposts, comments; views excluded), "
        "each shown with its platform's own figures; near-duplicates (same title or text) are folded into one."
    )


def quiet_sentence(report: WeeklyReport) -> str:
    """The one-line verdict of a quiet week."""
    return (
        f"Quiet week: nothing moved beyond normal week-to-week variation "
        f"({count(report.total.count)} posts; calls need ≥{report.min_count} posts and "
        f"q<{report.significance:g})."
    )


def no_movers(report: WeeklyReport) -> str:
    """What 'What moved' says when nothing is listed."""
    if not report.comparable:
        return "No rise or fall is claimed: this week cannot be compared (see the coverage note)."
    return "Nothing rose or fell beyond normal variation."


def method_note(report: WeeklyReport) -> str:
    """One sentence on how 'rising'/'falling' and suggestions are decided."""
    now, base = report.terms_docs
    sources = ", ".join(report.compared_sources) or "none"
    return (
        f"Rising/falling: a label's share of the posts of the sources collected on every day of both periods "
        f"({sources}) vs up to 4 earlier weeks, G² test, Benjamini–Hochberg q<{report.significance:g} over all "
        f"labels, ≥{report.min_count} posts; slow trends: log-linear Poisson fit of the share over 6–8 weeks. "
        f"Shares on fewer than {report.min_posts} posts show as 'few posts'. {ranking_note()} "
        f"Suggested keywords: G² and log-ratio on {count(now)} sampled posts vs {count(base)} from the 4 weeks before. "
        f"Weeks run Monday–Sunday in {report.timezone}."
    )


def language_mix(report: WeeklyReport, limit: int) -> str:
    """'en 69% · es 31% (of 64 posts)', or 'few posts (n=12)'."""
    n = sum(l.posts for l in report.languages)
    if n < report.min_posts:
        return f"few posts (n={count(n)})"
    return " · ".join(f"{l.lang} {percent(l.share)}" for l in report.languages[:limit]) + f" (of {count(n)} posts)"


AUDIENCE_MIN_PTS = 5.0  # a language's share must move this much (in points) to be named


def audience_line(audience: Audience | None, min_posts: int) -> str:
    """'Who is talking (n=40): es +9 pts (31%), en -9 pts (62%); mostly youtube (55%)' with the n rules."""
    if audience is None or audience.n == 0:
        return ""
    if audience.n < min_posts:
        return f"Who is talking: few posts (n={count(audience.n)})"
    parts = []
    if audience.baseline_n >= min_posts:
        moved = [(lang, now, before) for lang, now, before in audience.languages if abs(now - before) * 100 >= AUDIENCE_MIN_PTS]
        parts = [f"{lang} {points((now - before) * 100)} ({percent(now)})" for lang, now, before in moved[:3]]
    if not parts:
        top = sorted(audience.languages, key=lambda x: (-x[1], x[0]))[:2]
        parts = [f"{lang} {percent(now)}" for lang, now, _ in top if now > 0]
    source, share = audience.sources[0] if audience.sources else ("", 0.0)
    platform = f"; mostly {source} ({percent(share)})" if share > 0.5 else (
        "; " + ", ".join(f"{s} {percent(v)}" for s, v in audience.sources[:2]) if audience.sources else ""
    )
    return f"Who is talking (n={count(audience.n)}): " + ", ".join(parts) + platform
