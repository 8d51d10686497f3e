"""The `mastodon` source: Mastodon public hashtag timelines; options and credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from monitor.sources import USER_AGENT, SourceOptions, SourceSpec, register_source


class MastodonOptions(SourceOptions):
    """Instances whose public hashtag timelines are read; no account or token is needed."""

    instances: list[str] = []  # empty: just api_base_url (default https://mastodon.social)
    hashtags: list[str] = []  # extra tags besides the watchlist's hashtags
    use_watchlist_hashtags: bool = True
    page_size: int = Field(default=40, ge=1, le=40)
    max_pages: int = Field(default=5, ge=1)  # per (instance, hashtag) per run
    rate_limit_reserve: int = Field(default=5, ge=0)  # stop this many requests before the limit
    user_agent: str = USER_AGENT

    @field_validator("instances")
    @classmethod
    def _http_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                raise ValueError(f"instance {url!r} must be a URL such as https://mastodon.social")
        return [url.rstrip("/") for url in value]

    @field_validator("hashtags")
    @classmethod
    def _strip_hash(cls, value: list[str]) -> list[str]:
        return [tag.lstrip("#") for tag in value]


SPEC = register_source(
    SourceSpec("mastodon", MastodonOptions, "monitor.collectors.mastodon:MastodonCollector",
               required_env=())
)
