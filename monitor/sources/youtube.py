"""The `youtube` source: YouTube Data API v3 within a daily quota; options and credentials."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from monitor.sources import SourceOptions, SourceSpec, register_source


class YoutubeOptions(SourceOptions):
    """Quota budget and what to fetch; the key comes from YOUTUBE_API_KEY."""

    daily_quota: int = Field(default=10_000, ge=0)  # the project's quota per day
    units_per_run: int = Field(default=1_000, ge=0)  # 1,000 = ten searches
    quota_timezone: str = "America/Los_Angeles"  # YouTube quotas reset at midnight Pacific time
    max_results: int = Field(default=50, ge=1, le=50)
    max_pages_per_query: int = Field(default=1, ge=1)
    initial_lookback_days: int = Field(default=7, ge=1)
    video_details: bool = True  # videos.list (1 unit per 50 videos): statistics, full description
    comments_per_video: int = Field(default=0, ge=0, le=100)  # top-level comments; 0 = none
    max_comment_videos: int = Field(default=10, ge=0)  # videos whose comments are read per run
    relevance_language: str | None = None  # e.g. "en"
    region_code: str | None = None  # e.g. "US"

    @field_validator("quota_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


SPEC = register_source(
    SourceSpec("youtube", YoutubeOptions, "monitor.collectors.youtube:YoutubeCollector",
               required_env=("YOUTUBE_API_KEY",))
)
