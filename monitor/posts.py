"""The post model every source ends at, the tags a post gets, and the JSON Lines file format."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

# Metrics that measure reach rather than interaction are left out of engagement.
_REACH_METRICS = frozenset({"views", "impressions", "impression_count", "view_count", "upvote_ratio"})


class Post(BaseModel):
    """One public post, normalised; nothing downstream knows which API it came from."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    source: str = Field(min_length=1, max_length=32)
    id: str = Field(min_length=1, max_length=255)
    url: str | None = None
    author: str | None = None
    title: str | None = None
    text: str = ""
    created_at: AwareDatetime
    lang: str | None = None
    metrics: dict[str, float] = {}

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("created_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @field_validator("metrics", mode="before")
    @classmethod
    def _numeric_metrics(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("expected an object of numbers")
        return {k: v for k, v in value.items() if isinstance(v, int | float) and not isinstance(v, bool)}

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


@dataclass
class LineError:
    """A JSONL line that was skipped, and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _from_pushshift(raw: dict[str, Any]) -> dict[str, Any]:
    """Map a Reddit dump line (Pushshift / Arctic Shift submission or comment) to the post format."""
    is_comment = "body" in raw and "title" not in raw
    permalink = raw.get("permalink")
    ext_id = raw.get("name") or (("t1_" if is_comment else "t3_") + str(raw.get("id")))
    return {
        "source": "reddit",
        "id": ext_id,
        "url": f"https://www.reddit.com{permalink}" if permalink else raw.get("url"),
        "author": raw.get("author"),
        "title": None if is_comment else raw.get("title"),
        "text": raw.get("body") if is_comment else (raw.get("selftext") or ""),
        "created_at": datetime.fromtimestamp(float(raw["created_utc"]), tz=UTC),
        "metrics": {"score": raw.get("score"), "comments": raw.get("num_comments")},
    }


def _looks_like_pushshift(raw: dict[str, Any]) -> bool:
    return "created_utc" in raw and "subreddit" in raw and "source" not in raw


def parse_post_line(line: str) -> Post:
    """Parse one JSONL line (project format or Reddit dump); raise ValueError with a reason."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object")
    try:
        if _looks_like_pushshift(raw):
            raw = _from_pushshift(raw)
        return Post.model_validate(raw)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "line"
            parts.append(f"{where}: {err['msg']}")
        raise ValueError("; ".join(parts)) from None
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"unrecognised Reddit dump line: {exc}") from None


def read_posts(lines: Iterable[str], errors: list[LineError]) -> Iterator[tuple[int, Post]]:
    """Yield (line number, post) for good lines; append a LineError for each bad one."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, parse_post_line(line)
        except ValueError as exc:
            errors.append(LineError(number, str(exc)))


def open_jsonl(path: Path) -> IO[str]:
    """Open a .jsonl or .jsonl.gz file for reading text."""
    if path.suffix == ".gz":
        import gzip

        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def write_post_line(out: IO[str], post: Post, extra: dict[str, Any] | None = None) -> None:
    """Write one post (plus extra fields such as tags) as a JSON line."""
    data = post.to_json_dict()
    if extra:
        data.update(extra)
    out.write(json.dumps(data, ensure_ascii=False, sort_keys=False) + "\n")
