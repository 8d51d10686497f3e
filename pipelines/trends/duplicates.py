"""Near-duplicate posts in top lists: the same title, or the same text once links, case and punctuation are gone."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_KEY_CHARS = 160  # the same first 160 letters and digits: the same post for a reader


def normalised(text: str | None) -> str:
    """Lowercase letters and digits only, links dropped, cut to the key length."""
    if not text:
        return ""
    return _NOT_WORD.sub("", _LINK.sub(" ", text).casefold())[:_KEY_CHARS]


def duplicate_keys(title: str | None, text: str | None) -> tuple[str, ...]:
    """The keys under which two posts count as the same: normalised title and normalised text (non-empty)."""
    return tuple(key for key in (f"t:{normalised(title)}" if normalised(title) else "", f"x:{normalised(text)}" if normalised(text) else "") if key)


def collapse(items: Sequence[T], keys: Callable[[T], tuple[str, ...]], limit: int) -> list[tuple[T, int]]:
    """The first `limit` items that share no key with an earlier kept item, each with how many later
    items were folded into it (input order is the ranking: best first)."""
    kept: list[list] = []
    owner: dict[str, int] = {}
    for item in items:
        item_keys = keys(item)
        hit = next((owner[k] for k in item_keys if k in owner), None)
        if hit is not None:
            kept[hit][1] += 1
            for k in item_keys:
                owner.setdefault(k, hit)
            continue
        kept.append([item, 0])
        for k in item_keys:
            owner[k] = len(kept) - 1
    return [(item, n) for item, n in kept[:limit]]
