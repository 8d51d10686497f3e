"""The one small interface every collector implements, and the data it hands to the runner."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import Field

from monitor.config.base import StrictModel
from monitor.config.watchlist import Watchlist
from monitor.posts import Post


class SourceOptions(StrictModel):
    """Options every source section in `config/pulse.yaml` has; collectors subclass it."""

    enabled: bool = False
    interval_minutes: float = Field(default=60, ge=0.05)  # fractions for tests and busy sources (0.5 = 30 s)
    api_base_url: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=2.0, ge=0)
    max_backoff_seconds: float = Field(default=60.0, ge=0)


@dataclass(frozen=True)
class Query:
    """One thing a collector fetches; `key` names its checkpoint (e.g. 'r/CDrama', 'q:Labubu')."""

    key: str
    text: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass
class Batch:
    """One page of results. The runner stores `posts`, then saves `checkpoint` if it is set.

    A collector sets `checkpoint` only once every post up to it has been yielded, so a crash
    never moves a checkpoint past posts that were not stored.
    """

    posts: list[Post] = field(default_factory=list)
    checkpoint: str | None = None
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


class SourceUnavailable(Exception):
    """The source cannot be used for this run (no credentials, rate-limited, down); says why."""


class Collector(ABC):
    """Fetches public posts from one source. Blocking: the runner calls it off the event loop."""

    name: ClassVar[str]
    options_model: ClassVar[type[SourceOptions]] = SourceOptions
    required_env: ClassVar[tuple[str, ...]] = ()
    default_api_base_url: ClassVar[str | None] = None

    def __init__(self, options: SourceOptions, watchlist: Watchlist, env: Mapping[str, str]):
        self.options = options
        self.watchlist = watchlist
        self.env = env

    @property
    def api_base_url(self) -> str | None:
        """The configured base URL, or the real service's."""
        return (self.options.api_base_url or self.default_api_base_url or "").rstrip("/") or None

    @classmethod
    def missing_credentials(cls, env: Mapping[str, str]) -> list[str]:
        """Names of required environment variables that are unset or empty."""
        return [name for name in cls.required_env if not env.get(name)]

    @abstractmethod
    def queries(self) -> list[Query]:
        """What to fetch this run, built from the options and the watchlist."""

    @abstractmethod
    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        """Yield pages of posts newer than `checkpoint`; raise SourceUnavailable to stop the source."""

    def close(self) -> None:
        """Release network sessions; called once after a run."""
