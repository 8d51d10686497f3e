"""Builders of tagged posts for the trends and digest tests (inserted through the real Store API)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from monitor.config.settings import Settings
from monitor.config.watchlist import Watchlist
from monitor.posts import Post, PostTags
from monitor.store import Store, schema


@dataclass
class Spec:
    """One post to insert, with its tags."""

    created_at: datetime
    categories: Sequence[str] = ()
    entities: Sequence[str] = ()
    interests: Sequence[str] = ()
    text: str = "a post"
    author: str | None = "someone"
    engagement: float = 1.0
    lang: str | None = "en"
    title: str | None = None
    url: str | None = None
    source: str = "test"
    ext_id: str | None = None
    extra: dict = field(default_factory=dict)


def add_posts(store: Store, specs: Iterable[Spec]) -> int:
    """Insert posts and their tags; returns how many."""
    specs = list(specs)
    posts = []
    for n, spec in enumerate(specs):
        ext = spec.ext_id or f"p{n}-{spec.created_at.timestamp():.0f}-{id(spec)}"
        spec.ext_id = ext
        posts.append(
            Post(
                source=spec.source,
                id=ext,
                url=spec.url,
                author=spec.author,
                title=spec.title,
                text=spec.text,
                created_at=spec.created_at,
                lang=spec.lang,
                metrics={"score": spec.engagement},
            )
        )
    store.upsert_posts(posts)
    t = schema.posts
    with store.engine.connect() as conn:
        ids = {ext: pid for ext, pid in conn.execute(select(t.c.external_id, t.c.id).where(t.c.source.in_({s.source for s in specs})))}
    tagged = [
        (ids[s.ext_id], s.created_at, PostTags(list(s.categories), list(s.entities), list(s.interests), s.lang))
        for s in specs
    ]
    for start in range(0, len(tagged), 500):
        store.save_tags(tagged[start : start + 500])
    return len(specs)


def at(week_monday: datetime, day: int = 2, hour: int = 12) -> datetime:
    """A UTC time `day` days and `hour` hours after a Monday 00:00 UTC."""
    return week_monday + timedelta(days=day, hours=hour)


def monday(iso: str) -> datetime:
    """Monday 00:00 UTC of an ISO week '2026-W47'."""
    year, week = iso.split("-W")
    return datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=UTC)


def watchlist() -> Watchlist:
    """A small watchlist: three categories, three interests, five entities."""
    return Watchlist.model_validate(
        {
            "categories": {
                "drama": {"label": "Dramas", "cues": ["cdrama", "short drama"]},
                "game": {"label": "Games", "cues": ["gacha game"]},
                "toy": {"label": "Toys", "cues": ["blind box"]},
            },
            "interests": {
                "travel": {"label": "Travel", "phrases": {"en": ["visit china"]}},
                "food": {"label": "Food", "phrases": {"en": ["hot pot"]}},
                "shopping": {"label": "Shopping", "phrases": {"en": ["sold out"]}},
            },
            "entities": [
                {"name": "ReelShort", "category": "drama", "hashtags": ["reelshort"]},
                {"name": "Hidden Love", "category": "drama", "aliases": ["偷偷藏不住"]},
                {"name": "Genshin Impact", "category": "game", "aliases": ["Genshin"]},
                {"name": "Labubu", "category": "toy", "hashtags": ["labubu"]},
                {"name": "Pop Mart", "category": "toy", "aliases": ["PopMart"]},
            ],
        }
    )


def settings(**digest) -> Settings:
    """Settings in UTC with optional digest overrides."""
    return Settings.model_validate({"timezone": "UTC", "digest": digest})


def fill_known_weeks(store: Store) -> None:
    """Weeks 43–46 steady; week 47: toys ×4 (Labubu spike on Thu 19 Nov), shopping share 20 % → 60 %,
    game 1 → 3, a new term ('zimomo drop'), HTML in post text, posts at the Berlin week edges."""
    specs: list[Spec] = []
    for week in (43, 44, 45, 46):
        start = monday(f"2026-W{week}")
        for i in range(20):
            specs.append(Spec(start + timedelta(days=i % 7, hours=10), ["drama"], ["ReelShort"], text="reelshort finale tonight", author=f"d{i}", lang="es"))
        for i in range(10):
            interests = ["shopping"] if i < 2 else []
            specs.append(Spec(start + timedelta(days=i % 7, hours=11), ["toy"], ["Labubu"], interests, text="labubu plush shelf photo", author=f"t{i}"))
    specs.append(Spec(monday("2026-W46") + timedelta(days=2, hours=9), ["game"], ["Genshin Impact"], author="g0"))
    week = monday("2026-W47")
    for i in range(20):
        specs.append(Spec(week + timedelta(days=i % 7, hours=10), ["drama"], ["ReelShort"], text="reelshort finale tonight", author=f"d{i}", lang="es"))
    for i in range(40):
        # 30 of 40 on Thursday 19 November: the spike. Shopping on 24 of 40 (60 % vs 20 % before).
        when = week + timedelta(days=3, hours=8, minutes=i) if i < 30 else week + timedelta(days=i % 3, hours=12)
        specs.append(
            Spec(
                when,
                ["toy"],
                ["Labubu"],
                ["shopping"] if i < 24 else [],
                text=f"queued for the zimomo drop <b>sold</b> & gone #{i}",
                author=f"t{i % 8}",
                engagement=float(i),
                url=f"https://example.org/toy/{i}",
            )
        )
    for i in range(3):
        specs.append(Spec(week + timedelta(days=1, hours=9 + i), ["game"], ["Genshin Impact"], author="g1"))
    # Edge of the week in Berlin: Sunday 23:30 UTC before W47 is Monday 00:30 local (inside W47);
    # Sunday 23:30 UTC at the end of W47 is already W48 locally (outside).
    specs.append(Spec(week - timedelta(minutes=30), ["drama"], ["Hidden Love"], author="edge-in", text="hidden love rewatch"))
    specs.append(Spec(week + timedelta(days=7) - timedelta(minutes=30), ["drama"], ["Hidden Love"], author="edge-out"))
    add_posts(store, specs)
