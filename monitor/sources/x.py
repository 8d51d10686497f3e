"""The `x` source: X (API v2 recent search), metered per request; options and credentials."""

from __future__ import annotations

from pydantic import Field, field_validator

from monitor.sources import SourceOptions, SourceSpec, register_source


class XOptions(SourceOptions):
    """`sources.x` in pulse.yaml. The API is metered: `max_pages_per_run` caps the cost of a run."""

    languages: list[str] = []  # adds lang:xx (several: (lang:en OR lang:ja)); empty = any language
    exclude_retweets: bool = True  # adds -is:retweet
    entities: list[str] = []  # watched entity names to search for; empty = every entity
    group_entities: bool = True  # pack entities of one category into a query (fewer metered requests)
    max_query_length: int = Field(default=512, ge=64, le=4096)
    max_results: int = Field(default=100, ge=10, le=100)  # tweets per page
    max_pages_per_run: int = Field(default=20, ge=1)  # pages over all queries in one run
    max_pages_per_query: int = Field(default=5, ge=1)
    max_rate_limit_wait_seconds: float = Field(default=900.0, ge=0)  # 0: never wait for a 429 reset
    max_failed_queries: int = Field(default=3, ge=1)

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not code.isalpha() or not 2 <= len(code) <= 3:
                raise ValueError(f"{code!r} is not a language code such as en or ja")
        return value


SPEC = register_source(
    SourceSpec("x", XOptions, "monitor.collectors.x:XCollector", required_env=("X_BEARER_TOKEN",))
)
