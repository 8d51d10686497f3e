"""The state `pulse run` shares between handlers and jobs: config snapshot, store, sender, job records."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from monitor.bot.roles import ALL_ROLES
from monitor.config import AppConfig
from monitor.store import Store
from monitor.store.leases import Leases, process_owner

log = logging.getLogger(__name__)

TaggerFactory = Callable[[Any], Any]
"""watchlist -> tagger with `tag_posts(posts) -> list[PostTags]` (pipelines.tagging.build_tagger)."""


def default_tagger_factory(watchlist: Any) -> Any:
    """`pipelines.tagging.build_tagger`, imported late because spaCy is slow to import."""
    from pipelines.tagging import build_tagger

    return build_tagger(watchlist)


@dataclass(frozen=True)
class Snapshot:
    """A config and the tagger built from its watchlist; replaced as a whole on reload."""

    config: AppConfig
    tagger: Any | None
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class JobRecord:
    """Last outcome of one named job, for /status."""

    last_start: datetime | None = None
    last_end: datetime | None = None
    last_error: str | None = None
    runs: int = 0
    failures: int = 0


@dataclass
class Runtime:
    """Everything a handler or job needs. `snapshot` is swapped atomically by the reloader."""

    snapshot: Snapshot
    store: Store
    env: Mapping[str, str]
    tagger_factory: TaggerFactory = default_tagger_factory
    owner: str = field(default_factory=process_owner)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    jobs: dict[str, JobRecord] = field(default_factory=dict)
    refused_chats: set[int] = field(default_factory=set)
    sender: Any = None  # monitor.bot.delivery.Sender, set once the Application exists
    scheduler: Any = None  # monitor.bot.scheduler.PulseScheduler
    reloader: Any = None  # monitor.bot.reload.ConfigReloader
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set on SIGTERM: work running in threads (tagging) stops at its next batch."""
    roles: frozenset[str] = ALL_ROLES
    """What this process does (`pulse run --role`): collect, tag, bot."""
    tagging: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while this process tags its backlog: one pass at a time in a process (processes share the work in the database)."""
    lease_turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while this process tries to take a collection lease (one attempt at a time, see jobs.collect_source)."""
    collecting: int = 0
    """Collections running in this process right now."""
    _leases: Leases | None = None

    @property
    def leases(self) -> Leases:
        """Collection leases of this process on its store (expiry from the config in force)."""
        if self._leases is None:
            self._leases = Leases(self.store, self.owner)
        self._leases.expiry = self.config.settings.schedules.lease_seconds
        return self._leases

    def close(self) -> None:
        """Release database resources: the lease engine and the store's pool."""
        if self._leases is not None:
            self._leases.close()
        self.store.close()

    @property
    def config(self) -> AppConfig:
        """The config currently in force."""
        return self.snapshot.config

    def job(self, name: str) -> JobRecord:
        """The record of a job, created on first use."""
        return self.jobs.setdefault(name, JobRecord())


class PulseContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Handler context with a typed `runtime` (kept in bot_data under 'runtime')."""

    @property
    def runtime(self) -> Runtime:
        """The shared Runtime of this process."""
        return self.bot_data["runtime"]


PulseApplication = Application[ExtBot, PulseContext, dict, dict, dict, Any]
