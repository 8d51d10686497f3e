"""Benchmark: fill a store with N tagged synthetic posts over 52 weeks, then time one week's full digest.

    .venv/bin/python bench/digest.py                      # 1,000,000 posts in /tmp/pulse-bench.db
    .venv/bin/python bench/digest.py --posts 200000 --db /tmp/small.db
    PULSE_BENCH_POSTGRES_URL=postgresql+psycopg://… .venv/bin/python bench/digest.py

The database is re-used when it already holds the requested number of posts (delete it to refill).
The digest is measured in a fresh child process (imports included, then a second warm run in the
same process) and reports wall time per stage and peak RSS (ru_maxrss) of that process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_WEEK = "2026-W47"
FILLER = (
    "finally watched the new episode and the ending was wild honestly cannot stop thinking about it "
    "my friend sent me this and now i am hooked the soundtrack is amazing the costumes look incredible "
    "anyone else waiting for the next update the translation is better than expected this season "
    "the story keeps getting better the animation quality is stunning who else is collecting these "
    "the fandom is growing so fast in my country streaming numbers look huge the main character "
    "deserves better writing but the plot twist was worth it graphics team did a great job "
    "subtitles arrived late again but worth the wait recommend it to everyone"
).split()
OPENERS = ["omg", "thread:", "hot take:", "ok so", "quick review:", "update:", "question:", "psa:", ""]
LANGS = [("en", 70), ("es", 9), ("pt", 7), ("id", 5), ("fr", 4), ("de", 3), ("ja", 2)]
CATEGORY_WEIGHTS = {"drama": 30, "game": 26, "toy": 16, "animation": 9, "film": 7, "literature": 6, "music": 6}
INTEREST_RATES = {  # P(interest | category)
    "drama": {"travel": 0.05, "food": 0.04, "language": 0.06, "shopping": 0.02, "business": 0.05, "study": 0.01},
    "game": {"travel": 0.02, "shopping": 0.08, "business": 0.07, "language": 0.02, "food": 0.01, "study": 0.005},
    "toy": {"shopping": 0.35, "business": 0.06, "travel": 0.03, "food": 0.01},
    "animation": {"travel": 0.03, "food": 0.03, "language": 0.03, "business": 0.04, "shopping": 0.03},
    "film": {"travel": 0.04, "business": 0.08, "language": 0.02, "shopping": 0.01},
    "literature": {"language": 0.08, "study": 0.02, "shopping": 0.03, "business": 0.02},
    "music": {"travel": 0.06, "language": 0.05, "shopping": 0.04, "food": 0.01},
}
INTEREST_PHRASE = {
    "travel": "planning a trip to china next year",
    "food": "then we had hot pot after",
    "study": "thinking about a scholarship to study in china",
    "language": "started to learn chinese because of this",
    "business": "their revenue and market share keep growing",
    "shopping": "bought two more boxes, sold out everywhere",
}


def _weekly_share_boost(entity: str, week_index: int, weeks: int) -> float:
    """Built-in trends: Labubu surges in the last weeks, Black Myth: Wukong fades."""
    to_end = weeks - 1 - week_index
    if entity == "Labubu":
        return {0: 3.0, 1: 1.6, 2: 1.2}.get(to_end, 1.0)
    if entity == "Black Myth: Wukong":
        return max(0.3, 1.0 - 0.05 * max(0, 12 - to_end))
    return 1.0


def generate(n_posts: int, weeks: int, watchlist, seed: int = 42) -> Iterator[tuple[tuple, list[tuple]]]:  # noqa: ANN001
    """(post row, tag rows) in time order; ids start at 1."""
    from pipelines.trends.weeks import IsoWeek

    rng = random.Random(seed)
    end_week = IsoWeek.parse(TARGET_WEEK)
    first = datetime.combine(end_week.shift(-(weeks - 1)).monday, datetime.min.time(), tzinfo=UTC)
    toy_boost = 1.5  # the last week has 50 % more toy posts on top of everything else
    extra = CATEGORY_WEIGHTS["toy"] * (toy_boost - 1) / sum(CATEGORY_WEIGHTS.values())
    per_week = [n_posts / weeks * (0.85 + 0.3 * i / weeks) * (1 + extra * (i == weeks - 1)) for i in range(weeks)]
    scale = n_posts / sum(per_week)
    counts = [round(c * scale) for c in per_week]
    counts[-1] += n_posts - sum(counts)
    cats = list(CATEGORY_WEIGHTS)
    by_cat = {c: [e for e in watchlist.entities if e.category == c] for c in cats}
    langs, lang_w = zip(*LANGS, strict=True)
    spike_day = first + timedelta(weeks=weeks - 1, days=3)  # Thursday of the target week
    post_id = 0
    for w, n_week in enumerate(counts):
        week_start = first + timedelta(weeks=w)
        cat_w = [CATEGORY_WEIGHTS[c] * (toy_boost if c == "toy" and weeks - 1 - w == 0 else 1.0) for c in cats]
        ent_w = {
            c: [(1.0 / (rank + 1)) * _weekly_share_boost(e.name, w, weeks) for rank, e in enumerate(by_cat[c])]
            for c in cats
        }
        offsets = sorted(rng.random() * 7 * 86400 for _ in range(n_week))
        for offset in offsets:
            post_id += 1
            created = week_start + timedelta(seconds=offset)
            cat = rng.choices(cats, cat_w)[0]
            entity = None
            if by_cat[cat] and rng.random() < 0.8:
                entity = rng.choices(by_cat[cat], ent_w[cat])[0]
            if w == weeks - 1 and abs((created - spike_day).total_seconds()) < 43200 and rng.random() < 0.05:
                cat, entity = "animation", watchlist.entity("Ne Zha 2") or entity
            interests = [i for i, p in INTEREST_RATES[cat].items() if rng.random() < p * (2.0 if cat == "drama" and i == "travel" and w == weeks - 1 else 1.0)]
            name = entity.name if entity else watchlist.categories[cat].cues[0] if watchlist.categories[cat].cues else cat
            words = rng.sample(FILLER, 9)
            parts = [rng.choice(OPENERS), name, *words[:5]]
            if entity and entity.name == "Labubu" and w == weeks - 1 and rng.random() < 0.4:
                parts += ["the new sky dream series", "#skydream"]
            parts += [INTEREST_PHRASE[i] for i in interests]
            parts += words[5:]
            text = " ".join(p for p in parts if p)
            lang = rng.choices(langs, lang_w)[0]
            engagement = float(int(rng.paretovariate(1.3) * 3))
            stamp = created.strftime("%Y-%m-%d %H:%M:%S.%f")
            post = (
                post_id, "bench", f"b{post_id}", f"https://example.org/p/{post_id}", f"user{rng.randrange(60000)}",
                None, text, lang, stamp, stamp, stamp, json.dumps({"score": engagement}), engagement, stamp,
            )
            tags = [(post_id, "category", cat, stamp)]
            if entity:
                tags.append((post_id, "entity", entity.name, stamp))
            tags += [(post_id, "interest", i, stamp) for i in interests]
            yield post, tags


POST_COLUMNS = (
    "id, source, external_id, url, author, title, text, lang, created_at, collected_at, updated_at, metrics, engagement, tagged_at"
)


def fill_sqlite(path: Path, n_posts: int, weeks: int, watchlist) -> float:  # noqa: ANN001
    """Fill through the Store API that `pulse import` (upsert_posts) and `pulse tag` (save_tags) use,
    so the planner statistics are whatever the product itself keeps: no ANALYZE here."""
    from sqlalchemy import select

    from monitor.posts import Post, PostTags
    from monitor.store import Store, schema

    store = Store(f"sqlite:///{path}")
    started = time.perf_counter()
    posts: list[Post] = []
    tags: dict[str, tuple[datetime, PostTags]] = {}

    def flush() -> None:
        store.upsert_posts(posts)
        p = schema.posts
        with store.engine.connect() as conn:
            ids = dict(conn.execute(select(p.c.external_id, p.c.id).where(p.c.source == "bench", p.c.external_id.in_(list(tags)))).all())
        store.save_tags([(ids[ext], created, t) for ext, (created, t) in tags.items()])
        posts.clear()
        tags.clear()

    for row, tag_rows in generate(n_posts, weeks, watchlist):
        created = datetime.fromisoformat(row[8]).replace(tzinfo=UTC)
        posts.append(
            Post(source=row[1], id=row[2], url=row[3], author=row[4], text=row[6], lang=row[7], created_at=created,
                 metrics=json.loads(row[11]))
        )
        by_kind: dict[str, list[str]] = {"category": [], "entity": [], "interest": []}
        for _, kind, label, _ in tag_rows:
            by_kind[kind].append(label)
        tags[row[2]] = (created, PostTags(by_kind["category"], by_kind["entity"], by_kind["interest"], row[7]))
        if len(posts) >= 5_000:
            flush()
            print(f"  {row[0]:,} posts", file=sys.stderr, end="\r")
    flush()
    store.close()
    return time.perf_counter() - started


def fill_postgres(url: str, n_posts: int, weeks: int, watchlist) -> float:  # noqa: ANN001
    from monitor.store import Store

    store = Store(url)
    started = time.perf_counter()
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("TRUNCATE post_tags, posts RESTART IDENTITY CASCADE")
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:  # tags wait on disk, not in memory
            with cur.copy(f"COPY posts ({POST_COLUMNS}) FROM STDIN") as posts_copy:
                for post, post_tags in generate(n_posts, weeks, watchlist):
                    row = list(post)
                    for i in (8, 9, 10, 13):
                        row[i] = row[i] + "+00"
                    posts_copy.write_row(row)
                    spool.writelines(f"{t[0]}\t{t[1]}\t{t[2]}\t{t[3]}+00\n" for t in post_tags)
            spool.seek(0)
            with cur.copy("COPY post_tags (post_id, kind, label, created_at) FROM STDIN") as tags_copy:
                while chunk := spool.read(1 << 20):
                    tags_copy.write(chunk)
        cur.execute("SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT max(id) FROM posts))")
        raw.commit()
        # VACUUM sets the visibility map, so index-only scans do not visit the heap (as after autovacuum).
        raw.driver_connection.autocommit = True
        cur = raw.driver_connection.cursor()
        cur.execute("VACUUM ANALYZE posts")
        cur.execute("VACUUM ANALYZE post_tags")
    finally:
        raw.close()
        store.close()
    return time.perf_counter() - started


def _post_count(url: str) -> int:
    from monitor.store import Store

    store = Store(url)
    try:
        return store.count_posts()
    finally:
        store.close()


def measure(url: str, week: str, out: Path | None, keywords: Path) -> dict:
    """Run in a fresh process: time the full digest (figures, charts, all renderings), twice."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    from monitor.config import load_watchlist
    from monitor.config.settings import Settings
    from monitor.digest import render_charts, render_html, render_markdown, render_telegram
    from monitor.store import Store
    from pipelines.trends import build_weekly_report

    imports = time.perf_counter() - started
    watchlist = load_watchlist(keywords)
    settings = Settings.model_validate({"timezone": "Europe/Berlin"})
    store = Store(url, migrate=False)
    runs = []
    for _ in range(2):
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        report = build_weekly_report(store, watchlist, settings, week)
        t1 = time.perf_counter()
        charts = render_charts(report)
        t2 = time.perf_counter()
        messages = render_telegram(report)
        markdown = render_markdown(report, [(c.name, c.caption) for c in charts])
        page = render_html(report, charts)
        t3 = time.perf_counter()
        runs.append(
            {"figures_s": t1 - t0, "charts_s": t2 - t1, "render_s": t3 - t2, "total_s": t3 - t0, "cpu_s": time.process_time() - cpu0}
        )
    store.close()
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{week}.md").write_text(markdown, encoding="utf-8")
        (out / f"{week}.html").write_text(page, encoding="utf-8")
        (out / f"{week}.telegram.txt").write_text("\n\n----- message -----\n\n".join(messages), encoding="utf-8")
        for chart in charts:
            (out / chart.name).write_bytes(chart.png)
    peak_mb = _peak_rss_mb()
    return {
        "imports_s": imports,
        "load": load,
        "cold": runs[0],
        "warm": runs[1],
        "peak_rss_mb": peak_mb,
        "posts_in_week": report.total.count,
        "messages": len(messages),
        "suggested": [t.term for t in report.suggested_keywords],
        "movers": [f"{m.label} {m.direction}" for m in report.movers()][:8],
        "spikes": [a.spike.key for a in report.spikes],
    }


def _peak_rss_mb() -> float:
    """Peak RSS of this process. VmHWM on Linux: unlike ru_maxrss it is not inherited from the
    parent across fork+exec (the parent may have been big while filling the database)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure_in_child(url: str, week: str, out: Path | None, keywords: Path) -> dict:
    cmd = [sys.executable, __file__, "--measure", url, "--week", week, "--keywords", str(keywords)]
    if out:
        cmd += ["--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print(label: str, result: dict) -> None:
    cold, warm = result["cold"], result["warm"]
    print(f"{label}: week {TARGET_WEEK} with {result['posts_in_week']:,} posts")
    print(f"  imports (pipelines, monitor.digest with matplotlib, sqlalchemy): {result['imports_s']:.2f} s")
    print(f"  load average at start (2 cores): {result['load']}")
    for name, run in (("first run ", cold), ("second run", warm)):
        print(
            f"  {name}: total {run['total_s']:.2f} s = figures {run['figures_s']:.2f} s + charts {run['charts_s']:.2f} s"
            f" + text renderings {run['render_s']:.2f} s (CPU time of this process {run['cpu_s']:.2f} s)"
        )
    print(f"  peak RSS of the digest process: {result['peak_rss_mb']:.0f} MB")
    print(f"  telegram messages: {result['messages']}; movers: {', '.join(result['movers']) or '-'}")
    print(f"  suggested keywords: {', '.join(result['suggested']) or '-'}; spikes: {', '.join(result['spikes']) or '-'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--db", type=Path, default=Path("/tmp/pulse-bench.db"))
    parser.add_argument("--out", type=Path, default=None, help="also write the rendered digest here")
    parser.add_argument("--keywords", type=Path, default=ROOT / "config" / "keywords.yaml", help="watchlist to use")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--week", default=TARGET_WEEK, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.week, args.out, args.keywords)))
        return

    from monitor.config import load_watchlist

    watchlist = load_watchlist(args.keywords)
    url = f"sqlite:///{args.db}"
    if args.db.exists() and _post_count(url) == args.posts:
        print(f"re-using {args.db} ({args.posts:,} posts)")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        seconds = fill_sqlite(args.db, args.posts, args.weeks, watchlist)
        size = args.db.stat().st_size / 1e6
        print(f"filled SQLite with {args.posts:,} posts over {args.weeks} weeks in {seconds:.1f} s ({size:.0f} MB)")
    _print("SQLite", _measure_in_child(url, args.week, args.out, args.keywords))

    pg_url = os.environ.get("PULSE_BENCH_POSTGRES_URL")
    if pg_url:
        if _post_count(pg_url) != args.posts:
            seconds = fill_postgres(pg_url, args.posts, args.weeks, watchlist)
            print(f"filled PostgreSQL with {args.posts:,} posts in {seconds:.1f} s")
        _print("PostgreSQL", _measure_in_child(pg_url, args.week, None, args.keywords))
    else:
        print("PostgreSQL: skipped (set PULSE_BENCH_POSTGRES_URL to a database the benchmark may fill)")


if __name__ == "__main__":
    main()
