"""The `reddit` source: Reddit subreddits and site-wide search, app-only OAuth; options and credentials."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from monitor.sources import SourceOptions, SourceSpec, register_source

DEFAULT_SUBREDDITS = [
    "CDrama", "shortdramas", "Genshin_Impact", "blackmythwukong", "Labubu",
    "popmart", "China", "travelchina", "ChineseLanguage", "chinesefood",
]
DEFAULT_USER_AGENT = "python:culture-pulse:0.1.0 (public trend monitor; https://github.com/culture-pulse)"


class RedditOptions(SourceOptions):
    """`sources.reddit` in pulse.yaml."""

    auth_base_url: str | None = None  # token endpoint host; default: api_base_url if set, else www.reddit.com
    user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=10)
    subreddits: list[str] = Field(default_factory=lambda: list(DEFAULT_SUBREDDITS))
    search: bool = True  # site-wide search for each entity query of the watchlist
    search_time_filter: Literal["hour", "day", "week", "month", "year", "all"] = "week"
    page_size: int = Field(default=100, ge=1, le=100)
    max_pages_per_query: int = Field(default=10, ge=1, le=100)
    include_comments: bool = False  # top-level comments of matching submissions
    comments_per_submission: int = Field(default=20, ge=1, le=500)
    max_rate_limit_wait_seconds: float = Field(default=60.0, ge=0)
    max_failed_queries: int = Field(default=3, ge=1)  # consecutive query failures before giving up the run

    @field_validator("subreddits")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        names = [name.strip().removeprefix("/").removeprefix("r/") for name in value]
        for name in names:
            if not name or not all(c.isalnum() or c == "_" for c in name):
                raise ValueError(f"{name!r} is not a subreddit name (letters, digits, _; no r/ needed)")
        return names


SPEC = register_source(
    SourceSpec("reddit", RedditOptions, "monitor.collectors.reddit:RedditCollector",
               required_env=("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"))
)
