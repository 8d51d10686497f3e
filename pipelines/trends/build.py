"""Builds a WeeklyReport (and mid-week spike alerts) from the store: the entry points callers use."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection

from monitor.config.settings import Settings
from monitor.config.watchlist import Watchlist
from pipelines.trends import queries
from pipelines.trends.queries import PostRow, Window
from pipelines.trends.report import (
    CategorySection,
    InterestShare,
    LabelTrend,
    LanguageShare,
    SpikeAlert,
    TopPost,
    WeeklyReport,
)
from pipelines.trends.spikes import Spike, SpikeRule, spikes_in_series
from pipelines.trends.stats import compare_counts, compare_shares
from pipelines.trends.terms import EmergingTerm, TermDoc, emerging_terms, extract_terms, watched_forms
from pipelines.trends.weeks import IsoWeek, day_window, latest_complete_week, local_date

log = logging.getLogger(__name__)

BASELINE_WEEKS = 4


def to_top_post(row: PostRow) -> TopPost:
    """A stored post row as shown in the digest (one-line snippet, raw text)."""
    snippet = " ".join((row.text or "").split())
    title = " ".join(row.title.split()) if row.title else None
    return TopPost(row.url, title, snippet, row.author, row.source, row.engagement, row.created_at, row.lang)


def spike_rule(settings: Settings) -> SpikeRule:
    """The spike parameters configured under `digest:`."""
    d = settings.digest
    return SpikeRule(
        baseline_days=d.spike_baseline_days, k=d.spike_k, min_count=d.spike_min_count, cooldown_days=d.spike_cooldown_days
    )


def _trend(
    kind: str,
    key: str,
    label: str,
    category: str | None,
    counts: Sequence[int],
    active: Sequence[bool],
    activity: tuple[int, float],
    settings: Settings,
) -> LabelTrend:
    """counts/active: per week, oldest first, the last one is the report week."""
    min_count, alpha = settings.digest.min_count, settings.digest.significance
    current = counts[-1]
    prev_weeks = 1 if len(counts) >= 2 and active[-2] else 0
    vs_previous = compare_counts(
        current, counts[-2] if prev_weeks else 0, prev_weeks, min_count=min_count, alpha=alpha
    )
    base = [c for c, a in zip(counts[-1 - BASELINE_WEEKS : -1], active[-1 - BASELINE_WEEKS : -1], strict=True) if a]
    vs_baseline = compare_counts(current, sum(base), len(base), min_count=min_count, alpha=alpha)
    return LabelTrend(kind, key, label, category, current, activity[0], activity[1], vs_previous, vs_baseline)


def _plus_pruned(
    live: list[dict[str, int]], pruned: list[dict[tuple[str, str], int]], kind: str
) -> list[dict[str, int]]:
    """Live tag counts per window plus the counts of pruned posts of the same weeks."""
    out = []
    for counts, kept in zip(live, pruned, strict=True):
        merged = dict(counts)
        for (k, label), n in kept.items():
            if k == kind:
                merged[label] = merged.get(label, 0) + n
        out.append(merged)
    return out


def _watched_terms(watchlist: Watchlist) -> set[str]:
    phrases: list[str] = []
    for key, category in watchlist.categories.items():
        phrases += [key, category.label, *category.cues]
    for key, interest in watchlist.interests.items():
        phrases += [key, interest.label]
        for items in interest.phrases.values():
            phrases += items
    for entity in watchlist.entities:
        phrases += [entity.name, *entity.aliases, *entity.hashtags, *entity.queries]
    return watched_forms(phrases)


def _term_docs(rows: Sequence[tuple[str | None, str]]) -> list[TermDoc]:
    return [TermDoc(extract_terms(text), author) for author, text in rows]


def _daily_entity_counts(
    conn: Connection, entities: Sequence[str], days: Sequence[date], tz: str
) -> dict[str, list[int]]:
    series = {name: [0] * len(days) for name in entities}
    per_day = queries.tag_counts_by_window(conn, "entity", entities, [day_window(day, tz) for day in days])
    for i, counts in enumerate(per_day):
        for name, n in counts.items():
            series[name][i] = n
    return series


def _spikes(
    conn: Connection, watchlist: Watchlist, settings: Settings, days: Sequence[date], report_days: set[date]
) -> list[Spike]:
    names = [e.name for e in watchlist.entities]
    series = _daily_entity_counts(conn, names, days, settings.timezone)
    rule = spike_rule(settings)
    found: list[Spike] = []
    for entity in watchlist.entities:
        for spike in spikes_in_series(entity.name, entity.category, days, series[entity.name], rule):
            if spike.day in report_days:
                found.append(spike)
    found.sort(key=lambda s: (s.day, -s.count, s.entity))
    return found


def _spike_alert(conn: Connection, watchlist: Watchlist, spike: Spike, settings: Settings, limit: int) -> SpikeAlert:
    window = day_window(spike.day, settings.timezone)
    rows = queries.top_posts(conn, "entity", [spike.entity], window, limit).get(spike.entity, [])
    category = watchlist.categories.get(spike.category or "")
    return SpikeAlert(spike, category.label if category else (spike.category or ""), tuple(to_top_post(r) for r in rows), settings.timezone)


def build_weekly_report(
    store,  # noqa: ANN001 - monitor.store.Store (kept untyped to avoid importing the engine set-up)
    watchlist: Watchlist,
    settings: Settings,
    week: IsoWeek | str | None = None,
    *,
    now: datetime | None = None,
) -> WeeklyReport:
    """Compute one ISO week's report from the store.

    week: an IsoWeek or '2026-W47'; default: the latest complete week at `now` (default: the
    current time) in `settings.timezone`. Reads only indexed aggregates, the top posts, and a
    text sample of at most `settings.digest.terms_sample` posts for this week and as many for the
    four weeks before (for suggested keywords). Deterministic: the same stored data gives an
    equal report.
    """
    tz = settings.timezone
    opts = settings.digest
    if isinstance(week, str):
        week = IsoWeek.parse(week)
    if week is None:
        week = latest_complete_week(now or datetime.now(UTC), tz)
    n_weeks = max(opts.chart_weeks, BASELINE_WEEKS + 1)
    weeks = [*week.previous(n_weeks - 1), week]
    windows: list[Window] = [w.window(tz) for w in weeks]
    current: Window = windows[-1]
    baseline: Window = (windows[-1 - BASELINE_WEEKS][0], current[0])

    # Suggested keywords (text sample + tokenising, mostly Python) run on a second thread with
    # their own connection while this one waits on the aggregate queries (the database drivers
    # release the GIL): about 0.2-0.3 s less per digest on two cores. Same result either way.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-terms") as pool:
        if _in_memory(store):
            terms_job = None
            terms_result = _suggestions(store, watchlist, settings, current, baseline)
        else:
            terms_job = pool.submit(_suggestions, store, watchlist, settings, current, baseline)
        figures = _aggregates(store, watchlist, settings, week, windows, baseline)
        if terms_job is not None:
            terms_result = terms_job.result()
    suggested, docs_now, docs_base = terms_result
    return _assemble(watchlist, settings, week, weeks, current, figures, suggested, (docs_now, docs_base))


def _in_memory(store) -> bool:  # noqa: ANN001
    url = store.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _suggestions(
    store, watchlist: Watchlist, settings: Settings, current: Window, baseline: Window  # noqa: ANN001
) -> tuple[list[EmergingTerm], int, int]:
    """(suggested keywords, posts sampled this week, posts sampled from the baseline weeks)."""
    opts = settings.digest
    with store.engine.connect() as conn:
        sample_now = queries.sample_texts(conn, current, opts.terms_sample)
        sample_base = queries.sample_texts(conn, baseline, opts.terms_sample)
    docs_now, docs_base = _term_docs(sample_now), _term_docs(sample_base)
    suggested = emerging_terms(
        docs_now,
        docs_base,
        watched=_watched_terms(watchlist),
        min_docs=opts.terms_min_docs,
        limit=opts.suggest_limit,
    )
    return suggested, len(docs_now), len(docs_base)


@dataclass(frozen=True)
class _Figures:
    """What the aggregate queries return for one report (windows oldest first)."""

    totals: list[int]
    active: list[bool]
    cat_counts: list[dict[str, int]]
    ent_counts: list[dict[str, int]]
    cat_activity: dict[str, tuple[int, float]]
    ent_activity: dict[str, tuple[int, float]]
    conv_now: dict[tuple[str, str], int]
    conv_base: dict[tuple[str, str], int]
    tops: dict[str, list[PostRow]]
    langs: dict[str, int]
    alerts: tuple[SpikeAlert, ...]


def _aggregates(
    store,  # noqa: ANN001
    watchlist: Watchlist,
    settings: Settings,
    week: IsoWeek,
    windows: Sequence[Window],
    baseline: Window,
) -> _Figures:
    opts = settings.digest
    current = windows[-1]
    cat_keys = list(watchlist.categories)
    interest_keys = list(watchlist.interests)
    entity_names = [e.name for e in watchlist.entities]
    spike_days = [week.monday + timedelta(days=i) for i in range(-opts.spike_baseline_days, 7)]
    with store.engine.connect() as conn:
        pruned = queries.pruned_counts(conn, ["total", "category", "entity"], windows)
        live_totals = queries.post_counts_by_window(conn, windows)
        totals = [n + p.get(("total", "*"), 0) for n, p in zip(live_totals, pruned, strict=True)]
        active = [t > 0 for t in totals]
        cat_counts = _plus_pruned(queries.tag_counts_by_window(conn, "category", cat_keys, windows), pruned, "category")
        ent_windows = windows[-1 - BASELINE_WEEKS :]
        ent_counts = _plus_pruned(
            queries.tag_counts_by_window(conn, "entity", entity_names, ent_windows), pruned[-1 - BASELINE_WEEKS :], "entity"
        )
        cat_activity = queries.label_activity(conn, "category", cat_keys, current)
        ent_activity = queries.label_activity(conn, "entity", entity_names, current)
        conv_now = queries.category_interest_counts(conn, cat_keys, interest_keys, current)
        conv_base = queries.category_interest_counts(conn, cat_keys, interest_keys, baseline)
        tops = queries.top_posts(conn, "category", cat_keys, current, opts.top_posts)
        langs = queries.language_counts(conn, current)
        spikes = _spikes(conn, watchlist, settings, spike_days, set(week.days()))
        alerts = tuple(_spike_alert(conn, watchlist, s, settings, 3) for s in spikes)
    return _Figures(totals, active, cat_counts, ent_counts, cat_activity, ent_activity, conv_now, conv_base, tops, langs, alerts)


def _assemble(
    watchlist: Watchlist,
    settings: Settings,
    week: IsoWeek,
    weeks: Sequence[IsoWeek],
    current: Window,
    f: _Figures,
    suggested: Sequence[EmergingTerm],
    docs: tuple[int, int],
) -> WeeklyReport:
    opts = settings.digest
    tz = settings.timezone
    cat_keys = list(watchlist.categories)
    interest_keys = list(watchlist.interests)
    totals, active, cat_counts, ent_counts = f.totals, f.active, f.cat_counts, f.ent_counts
    cat_activity, ent_activity, conv_now, conv_base, tops, langs = (
        f.cat_activity, f.ent_activity, f.conv_now, f.conv_base, f.tops, f.langs
    )
    total_activity = (0, 0.0)
    total = _trend("total", "total", "All posts", None, totals, active, total_activity, settings)
    ent_active = active[-1 - BASELINE_WEEKS :]
    sections: list[CategorySection] = []
    for key in cat_keys:
        series = [c.get(key, 0) for c in cat_counts]
        trend = _trend(
            "category", key, watchlist.categories[key].label, key, series, active, cat_activity.get(key, (0, 0.0)), settings
        )
        entities = []
        for entity in watchlist.entities_in(key):
            counts = [c.get(entity.name, 0) for c in ent_counts]
            if not any(counts):
                continue
            entities.append(
                _trend(
                    "entity", entity.name, entity.name, key, counts, ent_active,
                    ent_activity.get(entity.name, (0, 0.0)), settings,
                )
            )
        entities.sort(key=lambda t: (-t.count, -t.vs_baseline.baseline, t.key))
        base_total = sum(s for s, a in zip(series[-1 - BASELINE_WEEKS : -1], active[-1 - BASELINE_WEEKS : -1], strict=True) if a)
        interests = []
        for ikey in interest_keys:
            hits, base_hits = conv_now.get((key, ikey), 0), conv_base.get((key, ikey), 0)
            p, direction = compare_shares(
                hits, trend.count, base_hits, base_total, min_count=opts.min_count, alpha=opts.significance
            )
            interests.append(
                InterestShare(
                    ikey,
                    watchlist.interests[ikey].label,
                    hits,
                    hits / trend.count if trend.count else 0.0,
                    base_hits,
                    base_hits / base_total if base_total else 0.0,
                    p,
                    direction,
                )
            )
        sections.append(
            CategorySection(
                trend,
                tuple(series[-opts.chart_weeks :]),
                tuple(entities),
                tuple(to_top_post(r) for r in tops.get(key, [])),
                tuple(interests),
            )
        )

    n_posts = totals[-1]
    languages = tuple(
        LanguageShare(lang, n, n / n_posts if n_posts else 0.0)
        for lang, n in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    log.info("weekly_report week=%s posts=%d sample_now=%d sample_base=%d", week, n_posts, docs[0], docs[1])
    return WeeklyReport(
        week=week,
        timezone=tz,
        start=current[0],
        end=current[1],
        chart_weeks=tuple(weeks[-opts.chart_weeks :]),
        total=total,
        total_series=tuple(totals[-opts.chart_weeks :]),
        categories=tuple(sections),
        interest_labels=tuple((k, watchlist.interests[k].label) for k in interest_keys),
        suggested_keywords=tuple(suggested),
        terms_docs=docs,
        spikes=f.alerts,
        languages=languages,
        min_count=opts.min_count,
        significance=opts.significance,
    )


def find_spikes(
    store,  # noqa: ANN001 - monitor.store.Store
    watchlist: Watchlist,
    settings: Settings,
    *,
    now: datetime | None = None,
    days: int = 2,
    top_posts: int = 3,
) -> list[SpikeAlert]:
    """Spikes on the last `days` local calendar days up to `now` (today's partial count included).

    For the mid-week alert job: send each alert whose `key` is not yet in `sent_alerts`. Today's
    count is partial, so a spike found today is real; yesterday is re-checked on its full count.
    """
    now = now or datetime.now(UTC)
    today = local_date(now, settings.timezone)
    rule = spike_rule(settings)
    all_days = [today - timedelta(days=i) for i in range(rule.baseline_days + days - 1, -1, -1)]
    recent = set(all_days[-days:])
    with store.engine.connect() as conn:
        spikes = _spikes(conn, watchlist, settings, all_days, recent)
        return [
            replace(_spike_alert(conn, watchlist, s, settings, top_posts), partial_day=s.day == today) for s in spikes
        ]


__all__ = ["build_weekly_report", "find_spikes", "latest_complete_week", "spike_rule", "to_top_post"]
