"""The `rss` source: RSS/Atom feeds and news-search feeds; options and credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.sources import USER_AGENT, SourceOptions, SourceSpec, register_source


class RssOptions(SourceOptions):
    """Feeds to poll. `search_feeds` are URL templates with `{query}`, filled with each watchlist query."""

    feeds: list[str] = []
    search_feeds: list[str] = []
    max_search_queries: int | None = Field(default=None, ge=0)  # None: every watchlist query
    max_entries_per_feed: int = Field(default=200, ge=1)
    feed_backoff_minutes: float = Field(default=30.0, ge=0)  # after a feed's first failed run
    max_feed_backoff_hours: float = Field(default=24.0, ge=0)
    max_feed_bytes: int = Field(default=10_000_000, ge=1000)
    per_host_delay_seconds: float = Field(default=1.0, ge=0)  # politeness between requests to one host
    user_agent: str = USER_AGENT

    @field_validator("search_feeds")
    @classmethod
    def _has_placeholder(cls, value: list[str]) -> list[str]:
        for template in value:
            if "{query}" not in template:
                raise ValueError(f"search feed {template!r} has no {{query}} placeholder")
        return value

    @model_validator(mode="after")
    def _urls_resolvable(self) -> RssOptions:
        for url in [*self.feeds, *self.search_feeds]:
            scheme = urlsplit(url).scheme
            if scheme not in ("http", "https") and not (url.startswith("/") and self.api_base_url):
                raise ValueError(f"feed {url!r} must be an http(s) URL (or a /path with api_base_url set)")
        return self


SPEC = register_source(
    SourceSpec("rss", RssOptions, "monitor.collectors.rss:RssCollector", required_env=())
)
