"""The one small interface every collector implements, and the data it hands to the runner."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from monitor.config.watchlist import Watchlist
from monitor.posts import Post
from monitor.sources import SourceOptions

if TYPE_CHECKING:
    from monitor.store import Store

__all__ = ["Batch", "Collector", "Query", "SourceOptions", "SourceUnavailable"]


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


class SourceUnreachable(SourceUnavailable):
    """The source's API could not be reached at all (DNS, connection refused, timeout); says where."""


class Collector(ABC):
    """Fetches public posts from one source. Blocking: the runner calls it off the event loop."""

    name: ClassVar[str]
    options_model: ClassVar[type[SourceOptions]] = SourceOptions
    required_env: ClassVar[tuple[str, ...]] = ()
    default_api_base_url: ClassVar[str | None] = None
    store: Store | None = None
    """The store of this run (set by the runner; None in a dry run): for state kept between runs."""

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

    # A collector may also define `check_online(self) -> str | None` for `pulse doctor --online`: one
    # cheap authenticated request to `api_base_url`; a short text (e.g. the account) on success, and
    # SourceUnreachable (cannot connect) or SourceUnavailable (credentials refused) on failure.
