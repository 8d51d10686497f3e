"""The post model every source ends at (with the limits the database enforces) and the tags a post gets."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

# Metrics that measure reach rather than interaction are left out of engagement.
_REACH_METRICS = frozenset({"views", "impressions", "impression_count", "view_count", "upvote_ratio"})

MAX_METRIC = 1e15
"""No count on any platform comes near this; larger values are corrupt input (and would sum to infinity)."""


class Post(BaseModel):
    """One public post, normalised; nothing downstream knows which API it came from."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # Lengths are those of the `posts` columns (PostgreSQL enforces them, SQLite does not).
    source: str = Field(min_length=1, max_length=32)
    id: str = Field(min_length=1, max_length=255)
    url: str | None = None
    author: str | None = Field(default=None, max_length=255)
    title: str | None = None
    text: str
    created_at: AwareDatetime
    lang: str | None = Field(default=None, max_length=16)
    metrics: dict[str, float] = {}

    @field_validator("source", "id", "url", "author", "title", "text", "lang", mode="after")
    @classmethod
    def _storable_text(cls, value: str | None) -> str | None:
        if value is not None:
            _check_storable(value)
        return value

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("created_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("date out of range") from None

    @field_validator("metrics", mode="before")
    @classmethod
    def _numeric_metrics(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("expected an object of numbers")
        out: dict[str, float] = {}
        for key, number in value.items():
            if number is None:  # unknown: left out
                continue
            if not isinstance(key, str) or len(key) > 64:
                raise ValueError(f"metric name {str(key)[:70]!r} is not a text of at most 64 characters")
            _check_storable(key)
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise ValueError(f"metric {key!r} is {type(number).__name__}, expected a number")
            try:
                as_float = float(number)
            except OverflowError:
                raise ValueError(f"metric {key!r} is too large") from None
            if not math.isfinite(as_float):
                raise ValueError(f"metric {key!r} is {number}, expected a finite number")
            if abs(as_float) > MAX_METRIC:
                raise ValueError(f"metric {key!r} is out of range (at most {MAX_METRIC:.0e})")
            out[key] = as_float
        return out

    @property
    def engagement(self) -> float:
        """Interactions (score, likes, replies, reposts, comments…), reach metrics excluded."""
        return float(sum(v for k, v in self.metrics.items() if k not in _REACH_METRICS))

    @property
    def full_text(self) -> str:
        """Title and body together, as the tagger reads them."""
        return f"{self.title}\n{self.text}" if self.title else self.text

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON Lines representation (optional fields left out when empty)."""
        data = self.model_dump(mode="json", exclude_none=True)
        data["created_at"] = self.created_at.isoformat()
        return data


def _check_storable(value: str) -> None:
    """Raise ValueError for text no database can store: NUL characters, lone surrogates."""
    if "\x00" in value:
        raise ValueError(f"contains a NUL character at position {value.index(chr(0))}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"contains a lone surrogate (U+{ord(value[exc.start]):04X}) at position {exc.start}") from None


@dataclass
class PostTags:
    """What the tagger found in one post; `spans` explain each label."""

    categories: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    lang: str | None = None
    spans: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written by `pulse tag`."""
        return {
            "categories": self.categories,
            "entities": self.entities,
            "interests": self.interests,
            "lang": self.lang,
            "spans": self.spans,
        }


def write_post_line(out: IO[str], post: Post, extra: dict[str, Any] | None = None) -> None:
    """Write one post (plus extra fields such as tags) as a JSON line."""
    data = post.to_json_dict()
    if extra:
        data.update(extra)
    out.write(json.dumps(data, ensure_ascii=False, sort_keys=False) + "\n")
