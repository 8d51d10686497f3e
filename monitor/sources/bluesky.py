"""The `bluesky` source: Bluesky search, logged in with an app password; options and credentials."""

from __future__ import annotations

from pydantic import Field

from monitor.sources import SourceOptions, SourceSpec, register_source


class BlueskyOptions(SourceOptions):
    """Search settings; the account comes from BLUESKY_HANDLE / BLUESKY_APP_PASSWORD."""

    page_size: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=3, ge=1)  # per query per run
    lang: str | None = None  # only posts in this language (e.g. "en"); None: all


SPEC = register_source(
    SourceSpec("bluesky", BlueskyOptions, "monitor.collectors.bluesky:BlueskyCollector",
               required_env=("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"))
)
