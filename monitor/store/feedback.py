"""Tag corrections from the chat, stored as labelled examples (the labelled-post format of `tests/data/`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from monitor.store import schema
from monitor.store.database import Store

GROUPS = ("categories", "entities", "interests")
KIND_GROUP = {"category": "categories", "entity": "entities", "interest": "interests"}


@dataclass(frozen=True)
class StoredPost:
    """The fields of a stored post a correction keeps (so it survives the post being pruned)."""

    post_id: int | None
    source: str
    external_id: str
    url: str | None
    title: str | None
    text: str
    lang: str | None
    created_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def stored_post(store: Store, post_id: int) -> StoredPost | None:
    """A stored post by row id, or None."""
    t = schema.posts
    with store.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.id == post_id)).mappings().first()
    if row is None:
        return None
    return StoredPost(row["id"], row["source"], row["external_id"], row["url"], row["title"], row["text"] or "", row["lang"], row["created_at"])


def current_gold(store: Store, post: StoredPost, tagger_tags: dict[str, list[str]]) -> dict[str, Any]:
    """The post's gold labels so far: its latest correction, else what the tagger gave it."""
    t = schema.tag_feedback
    query = (
        select(t.c.gold)
        .where(t.c.source == post.source, t.c.external_id == post.external_id)
        .order_by(t.c.id.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is not None:
        return dict(row[0])
    return {
        "categories": sorted(tagger_tags.get("category", [])),
        "entities": sorted(tagger_tags.get("entity", [])),
        "interests": sorted(tagger_tags.get("interest", [])),
        "lang": post.lang,
    }


def apply_change(gold: dict[str, Any], kind: str, label: str, present: bool) -> dict[str, Any]:
    """Gold with `label` of `kind` added (present) or removed."""
    group = KIND_GROUP[kind]
    labels = [x for x in gold.get(group, []) if x != label]
    if present:
        labels.append(label)
    return {**gold, group: sorted(labels)}


def record_correction(
    store: Store, post: StoredPost, *, change: str, gold: dict[str, Any], user_id: int, user_name: str | None
) -> int:
    """Store one correction (the post's gold labels after it); returns its id."""
    with store.engine.begin() as conn:
        return int(
            conn.execute(
                insert(schema.tag_feedback).values(
                    post_id=post.post_id, source=post.source, external_id=post.external_id, url=post.url,
                    title=post.title, text=post.text, lang=post.lang, post_created_at=post.created_at, change=change,
                    gold=gold, user_id=user_id, user_name=(user_name or "")[:128] or None, at=_now(),
                )
            ).inserted_primary_key[0]
        )


def labelled_examples(store: Store) -> Iterator[dict[str, Any]]:
    """One labelled post per corrected post (its latest gold), in the format of `tests/data/labelled_posts.jsonl`
    plus who corrected it and when (`labelled_by`, `labelled_at`, `corrections`)."""
    t = schema.tag_feedback
    with store.engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.source, t.c.external_id, t.c.id)).mappings().all()
    grouped: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        grouped.setdefault((row["source"], row["external_id"]), []).append(row)
    for (source, external_id), items in grouped.items():
        last = items[-1]
        line: dict[str, Any] = {
            "source": source,
            "id": f"fb-{source}-{external_id}"[:255],
            "url": last["url"],
            "author": None,
            "text": last["text"],
            "created_at": last["post_created_at"].isoformat(),
            "lang": last["lang"],
            "metrics": {},
        }
        if last["title"]:
            line["title"] = last["title"]
        gold = dict(last["gold"])
        line["gold"] = {group: list(gold.get(group, [])) for group in GROUPS} | {"lang": gold.get("lang")}
        line["labelled_by"] = sorted({str(r["user_name"] or r["user_id"]) for r in items})
        line["labelled_at"] = last["at"].isoformat()
        line["corrections"] = [r["change"] for r in items]
        yield line
