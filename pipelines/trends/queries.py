"""SQL aggregation over the store (SQLAlchemy Core, SQLite and PostgreSQL): indexed GROUP BY, never all posts.

Every query is bounded by a [start, end) range on an indexed `created_at` column:
tag counts and joins use the covering index (kind, label, created_at, post_id) (migration 0003)
with `label IN (...)`, post counts use ix_posts_created_at_source; every count is per source (migration 0004), and only the top posts and a bounded,
evenly spread text sample (every k-th row id, at most `digest.terms_sample` posts per period,
text cut to 1,200 characters) are fetched. Pruned weeks come from `weekly_aggregates`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection, Select, and_, case, func, literal, select

from monitor.store import schema
from pipelines.trends.duplicates import collapse, duplicate_keys

Window = tuple[datetime, datetime]

_SNIPPET_CHARS = 400
_SAMPLE_TEXT_CHARS = 1200


@dataclass(frozen=True)
class PostRow:
    """A post as the digest needs it (text cut to a snippet)."""

    id: int
    url: str | None
    title: str | None
    text: str
    author: str | None
    source: str
    engagement: float
    created_at: datetime
    lang: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    similar: int = 0  # near-duplicates folded into this post (same title or same normalised text)


def _tag_range(kind: str, labels: Sequence[str], window: Window):  # noqa: ANN202
    t = schema.post_tags
    return and_(t.c.kind == kind, t.c.label.in_(list(labels)), t.c.created_at >= window[0], t.c.created_at < window[1])


SourceCounts = dict[tuple[str, str], int]  # (label, source) -> posts


def tag_counts(conn: Connection, kind: str, labels: Sequence[str], window: Window) -> SourceCounts:
    """Posts per (label, source) of one kind in a window (pairs never seen are absent); index-only."""
    if not labels:
        return {}
    t = schema.post_tags
    query = select(t.c.label, t.c.source, func.count()).where(_tag_range(kind, labels, window)).group_by(t.c.label, t.c.source)
    return {(label, source or ""): int(n) for label, source, n in conn.execute(query)}


def tag_counts_by_window(conn: Connection, kind: str, labels: Sequence[str], windows: Sequence[Window]) -> list[SourceCounts]:
    """tag_counts for each window, in order.

    One small query per window on purpose: on SQLite a range COUNT grouped by the index's own
    label order needs no temporary B-tree for the label, which measured 3-4x faster than one
    query bucketing all windows with a CASE expression (0.05 s vs 0.21 s for 10 weeks of 1M posts).
    """
    return [tag_counts(conn, kind, labels, w) for w in windows]


def post_counts_by_window(conn: Connection, windows: Sequence[Window]) -> list[dict[str, int]]:
    """Posts per source created in each window, in order (covering range scans on ix_posts_created_at_source)."""
    return [post_counts(conn, w) for w in windows]


def _posts_by(conn: Connection, column: str, window: Window) -> dict[str | None, int]:
    """value of one posts column -> posts created in a window."""
    p = schema.posts
    query = (
        select(p.c[column], func.count())
        .where(p.c.created_at >= window[0], p.c.created_at < window[1])
        .group_by(p.c[column])
    )
    return {value: int(n) for value, n in conn.execute(query)}


def post_counts(conn: Connection, window: Window) -> dict[str, int]:
    """source -> posts created in a window."""
    return {source or "": n for source, n in _posts_by(conn, "source", window).items()}


def post_count(conn: Connection, window: Window) -> int:
    """Posts created in a window."""
    p = schema.posts
    query = select(func.count()).select_from(p).where(p.c.created_at >= window[0], p.c.created_at < window[1])
    return int(conn.execute(query).scalar_one())


def collector_runs(conn: Connection, window: Window) -> list[tuple[str, datetime, str]]:
    """(source, started_at, status) of the collector runs started in a window (a small table)."""
    r = schema.collector_runs
    query = select(r.c.source, r.c.started_at, r.c.status).where(r.c.started_at >= window[0], r.c.started_at < window[1])
    return [(source, started, status) for source, started, status in conn.execute(query)]


def pruned_counts(conn: Connection, kinds: Sequence[str], windows: Sequence[Window]) -> list[dict[tuple[str, str], int]]:
    """Per window, (kind, label) -> posts already pruned from the store but kept in `weekly_aggregates`
    (`pulse db prune`); kind 'total' / label '*' counts all posts. Windows must be whole weeks."""
    out: list[dict[tuple[str, str], int]] = [{} for _ in windows]
    if not windows:
        return out
    agg = schema.weekly_aggregates
    query = select(agg.c.week_start, agg.c.kind, agg.c.label, agg.c.posts).where(
        agg.c.kind.in_(list(kinds)), agg.c.week_start >= windows[0][0], agg.c.week_start < windows[-1][1]
    )
    starts = [w[0] for w in windows]
    for start, kind, label, n in conn.execute(query):
        index = bisect_right(starts, start) - 1
        if index >= 0 and start < windows[index][1]:
            key = (kind, label)
            out[index][key] = out[index].get(key, 0) + int(n)
    return out


def label_activity(
    conn: Connection, kind: str, labels: Sequence[str], window: Window
) -> dict[str, tuple[int, float]]:
    """label -> (distinct authors, summed engagement) in a window."""
    if not labels:
        return {}
    t, p = schema.post_tags, schema.posts
    query = (
        select(t.c.label, func.count(p.c.author.distinct()), func.coalesce(func.sum(p.c.engagement), 0.0))
        .select_from(t.join(p, p.c.id == t.c.post_id))
        .where(_tag_range(kind, labels, window))
        .group_by(t.c.label)
    )
    return {label: (int(a), float(e)) for label, a, e in conn.execute(query)}


def category_interest_query(categories: Sequence[str], interests: Sequence[str], window: Window) -> Select:
    """SELECT category, interest, source, count(*) of posts carrying both in a window (see category_interest_counts)."""
    i = schema.post_tags.alias("i")
    c = schema.post_tags.alias("c")
    return (
        select(c.c.label, i.c.label, i.c.source, func.count())
        .select_from(i.join(c, and_(c.c.post_id == i.c.post_id, c.c.kind == "category")))
        .where(
            i.c.kind == "interest",
            i.c.label.in_(list(interests)),
            i.c.created_at >= window[0],
            i.c.created_at < window[1],
            c.c.label.in_(list(categories)),
        )
        .group_by(c.c.label, i.c.label, i.c.source)
    )


def category_interest_counts(
    conn: Connection, categories: Sequence[str], interests: Sequence[str], window: Window
) -> dict[tuple[str, str, str], int]:
    """(category, interest, source) -> posts carrying both, in a window.

    Driven from the interest tags (far fewer rows than category tags: most posts show no
    interest), each joined to its post's category tags through the primary key; both sides are
    index-only. 2.4x faster than category-first on the 1M-post benchmark, and 2,700x faster than
    the plan SQLite picks without planner statistics (which the store keeps, see store/statistics.py).
    """
    if not categories or not interests:
        return {}
    query = category_interest_query(categories, interests, window)
    return {(cat, interest, source or ""): int(n) for cat, interest, source, n in conn.execute(query)}


def _post_rows(conn: Connection, ids: Sequence[int]) -> dict[int, PostRow]:
    if not ids:
        return {}
    p = schema.posts
    query = select(
        p.c.id,
        p.c.url,
        func.substr(p.c.title, 1, _SNIPPET_CHARS),
        func.substr(p.c.text, 1, _SNIPPET_CHARS),
        p.c.author,
        p.c.source,
        p.c.engagement,
        p.c.created_at,
        p.c.lang,
        p.c.metrics,
    ).where(p.c.id.in_(list(ids)))
    return {
        row[0]: PostRow(row[0], row[1], row[2], row[3] or "", row[4], row[5], float(row[6]), row[7], row[8], dict(row[9] or {}))
        for row in conn.execute(query)
    }


CANDIDATES = (4, 20, 100)  # top lists rank this many times `limit` posts per round, so near-duplicates can be folded


def _winners(conn: Connection, ranked, limit: int) -> dict[str, list[PostRow]]:  # noqa: ANN001 - a subquery
    """label -> its best `limit` posts from a ranked (label, id, engagement, rn) subquery, near-duplicates
    folded. A label whose candidates collapsed below `limit` is read again, deeper (up to 100 × limit)."""
    out: dict[str, list[PostRow]] = {}
    pending: set[str] | None = None  # None: every label
    for factor in CANDIDATES:
        depth = limit * factor
        query = select(ranked.c.label, ranked.c.id).where(ranked.c.rn <= depth)
        if pending is not None:
            query = query.where(ranked.c.label.in_(sorted(pending)))
        query = query.order_by(ranked.c.label, ranked.c.engagement.desc(), ranked.c.id)
        candidates = [(label, int(pid)) for label, pid in conn.execute(query)]
        rows = _post_rows(conn, [pid for _, pid in candidates])
        by_label: dict[str, list[PostRow]] = {}
        for label, pid in candidates:
            by_label.setdefault(label, []).append(rows[pid])
        pending = set()
        for label, posts in by_label.items():
            kept = collapse(posts, lambda r: duplicate_keys(r.title, r.text), limit)
            out[label] = [replace(row, similar=n) for row, n in kept]
            if len(kept) < limit and len(posts) == depth:  # more posts exist below the candidates read
                pending.add(label)
        if not pending:
            break
    return out


def top_posts(
    conn: Connection, kind: str, labels: Sequence[str], window: Window, limit: int
) -> dict[str, list[PostRow]]:
    """label -> its `limit` most engaging posts in a window (ties: lower id first), near-duplicates
    folded into the best of them (`similar`).

    The ranking reads only (label, id, engagement); text is fetched for the candidates only.
    """
    if not labels:
        return {}
    t, p = schema.post_tags, schema.posts
    ranked = (
        select(
            t.c.label.label("label"),
            p.c.id.label("id"),
            p.c.engagement.label("engagement"),
            func.row_number().over(partition_by=t.c.label, order_by=(p.c.engagement.desc(), p.c.id)).label("rn"),
        )
        .select_from(t.join(p, p.c.id == t.c.post_id))
        .where(_tag_range(kind, labels, window))
        .subquery()
    )
    return _winners(conn, ranked, limit)


def top_pair_posts(
    conn: Connection, pairs: Sequence[tuple[str, str]], window: Window, limit: int
) -> dict[tuple[str, str], list[PostRow]]:
    """(category, interest) -> the most engaging posts carrying both in a window (examples of an interest shift)."""
    if not pairs:
        return {}
    i, c, p = schema.post_tags.alias("i"), schema.post_tags.alias("c"), schema.posts
    interests = sorted({interest for _, interest in pairs})
    categories = sorted({category for category, _ in pairs})
    key = c.c.label + "\x1f" + i.c.label
    ranked = (
        select(
            key.label("label"),
            p.c.id.label("id"),
            p.c.engagement.label("engagement"),
            func.row_number().over(partition_by=key, order_by=(p.c.engagement.desc(), p.c.id)).label("rn"),
        )
        .select_from(i.join(c, and_(c.c.post_id == i.c.post_id, c.c.kind == "category")).join(p, p.c.id == i.c.post_id))
        .where(
            i.c.kind == "interest",
            i.c.label.in_(interests),
            i.c.created_at >= window[0],
            i.c.created_at < window[1],
            c.c.label.in_(categories),
        )
        .subquery()
    )
    wanted = set(pairs)
    out = {}
    for label, rows in _winners(conn, ranked, limit).items():
        pair = tuple(label.split("\x1f", 1))
        if pair in wanted:
            out[pair] = rows
    return out


def language_counts(conn: Connection, window: Window) -> dict[str, int]:
    """lang -> posts in a window ('und' for unknown)."""
    out: dict[str, int] = {}
    for lang, n in _posts_by(conn, "lang", window).items():
        key = lang or "und"
        out[key] = out.get(key, 0) + n
    return out


def sample_texts(conn: Connection, window: Window, limit: int, total: int | None = None) -> list[tuple[str | None, str]]:
    """(author, title + text) of at most `limit` posts spread evenly over a window.

    Deterministic sample: every k-th row id (k = ceil(total / limit)), so the same data gives the
    same sample; each text is cut to 1,200 characters. Memory stays O(limit).
    """
    if limit <= 0:
        return []
    if total is None:
        total = post_count(conn, window)
    if total == 0:
        return []
    step = max(1, math.ceil(total / limit))
    p = schema.posts
    query = select(
        p.c.author, func.substr(p.c.title, 1, 300), func.substr(p.c.text, 1, _SAMPLE_TEXT_CHARS)
    ).where(p.c.created_at >= window[0], p.c.created_at < window[1])
    if step > 1:
        query = query.where(p.c.id % step == 0)
    query = query.order_by(p.c.id).limit(limit)
    return [(author, f"{title}\n{text or ''}" if title else (text or "")) for author, title, text in conn.execute(query)]


def tag_freshness(conn: Connection, window: Window, changed_at: datetime | None) -> tuple[int, int]:
    """(posts never tagged, posts tagged before `changed_at`) among the posts created in a window."""
    p = schema.posts
    stale = func.sum(case((p.c.tagged_at < changed_at, 1), else_=0)) if changed_at is not None else literal(0)
    query = select(func.sum(case((p.c.tagged_at.is_(None), 1), else_=0)), stale).where(
        p.c.created_at >= window[0], p.c.created_at < window[1]
    )
    untagged, old = conn.execute(query).one()
    return int(untagged or 0), int(old or 0)


def category_language_counts(conn: Connection, categories: Sequence[str], window: Window) -> dict[tuple[str, str], int]:
    """(category, language) -> posts in a window ('und' for unknown language)."""
    if not categories:
        return {}
    t, p = schema.post_tags, schema.posts
    query = (
        select(t.c.label, p.c.lang, func.count())
        .select_from(t.join(p, p.c.id == t.c.post_id))
        .where(_tag_range("category", categories, window))
        .group_by(t.c.label, p.c.lang)
    )
    out: dict[tuple[str, str], int] = {}
    for label, lang, n in conn.execute(query):
        key = (label, lang or "und")
        out[key] = out.get(key, 0) + int(n)
    return out


def ignored_terms(conn: Connection) -> list[str]:
    """Terms the team said no to from the chat (`/suggest` → ignore): left out of suggestions."""
    return [row[0] for row in conn.execute(select(schema.ignored_terms.c.shown))]


def corrections_between(conn: Connection, window: Window) -> int:
    """Tag corrections made from the chat during a window (for the digest's footer)."""
    t = schema.tag_feedback
    return int(conn.execute(select(func.count()).where(t.c.at >= window[0], t.c.at < window[1])).scalar_one())
