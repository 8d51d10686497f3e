"""Prometheus metrics of `pulse run`, served on `metrics.listen` when `metrics.enabled` (prometheus-client).

Two kinds of series:

* from the database, read at scrape time (so they are the same whichever process is scraped, and
  survive restarts): last successful run, runs and errors per source, whether an enabled source is
  stale (no success for twice its interval), posts stored per source, the tagging backlog, weekly
  digests per chat and status;
* from this process: Telegram API errors (by method and error) and the process's own memory, CPU
  and open files (prometheus-client's process collector).

A scrape reads the database at most every `CACHE_SECONDS` (30 s); a database that does not answer makes
`pulse_database_up` 0 instead of failing the scrape.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
"""This process's metrics (not prometheus-client's global registry: nothing else registers here)."""
ProcessCollector(registry=REGISTRY)  # process_resident_memory_bytes, process_cpu_seconds_total, …

TELEGRAM_ERRORS = Counter(
    "pulse_telegram_api_errors",
    "Telegram Bot API calls that failed (each attempt), by method and error.",
    ["method", "error"],
    registry=REGISTRY,
)
CACHE_SECONDS = 30.0
"""A scrape reads the database at most this often (1M posts on SQLite: ~0.3 s of queries)."""


def telegram_error(method: str, exc: BaseException) -> None:
    """Count one failed Bot API call (`method` like sendMessage, getUpdates)."""
    TELEGRAM_ERRORS.labels(method=method, error=type(exc).__name__).inc()


@dataclass(frozen=True)
class DatabaseView:
    """What the store collector reads: the runtime's engine, config and clock (swapped on reload)."""

    engine: Any
    config: Callable[[], Any]  # -> AppConfig currently in force
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


class StoreCollector:
    """A prometheus-client collector whose series come from the database at scrape time."""

    def __init__(self, view: DatabaseView, cache_seconds: float = CACHE_SECONDS):
        self.view = view
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Metric]] | None = None

    def describe(self) -> list[Metric]:
        """Nothing up front: registering must not query the database."""
        return []

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] >= self.cache_seconds:
                self._cached = (now, self._read())
            metrics = self._cached[1]
        yield from metrics

    def _read(self) -> list[Metric]:
        up = GaugeMetricFamily("pulse_database_up", "1 if the database answered the last metrics query.")
        try:
            metrics = self._from_database()
        except Exception as exc:  # noqa: BLE001 - a scrape reports the outage instead of failing
            log.warning("metrics: database query failed error=%r", type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *metrics]

    def _from_database(self) -> list[Metric]:
        from monitor.store.health import digest_outcomes, posts_per_source, source_runs, staleness, tagging_backlog

        engine, config, now = self.view.engine, self.view.config(), self.view.clock()
        runs = source_runs(engine)
        last = GaugeMetricFamily("pulse_source_last_success_timestamp_seconds",
                                 "When the newest ok/partial collector run of a source finished (Unix time).", labels=["source"])
        total = CounterMetricFamily("pulse_source_runs", "Recorded collector runs by outcome.", labels=["source", "status"])
        errors = CounterMetricFamily("pulse_source_errors", "Errors counted by collector runs (failed queries, skipped posts).",
                                     labels=["source"])
        for source, record in sorted(runs.items()):
            if record.last_success is not None:
                last.add_metric([source], record.last_success.timestamp())
            for status, count in sorted(record.by_status.items()):
                total.add_metric([source, status], count)
            errors.add_metric([source], record.errors)
        stale = GaugeMetricFamily("pulse_source_stale", "1 if an enabled source has not succeeded for over twice its interval.",
                                  labels=["source"])
        intervals = {name: config.sources[name].interval_minutes for name in config.enabled_sources()}
        for state in staleness(runs, intervals):
            stale.add_metric([state.source], 1 if state.stale(now) else 0)
        posts = GaugeMetricFamily("pulse_posts_stored", "Posts in the store, by source.", labels=["source"])
        for source, count in sorted(posts_per_source(engine).items()):
            posts.add_metric([source], count)
        window = timedelta(days=config.settings.tagging.retag_window_days)
        untagged, outdated = tagging_backlog(engine, config.keywords_changed_at(), now - window)
        backlog = GaugeMetricFamily("pulse_tagging_backlog_posts",
                                    "Posts not tagged by the current keywords: never tagged, or tagged before the last "
                                    "keywords edit within the re-tag window.", labels=["reason"])
        backlog.add_metric(["untagged"], untagged)
        backlog.add_metric(["keywords_changed"], outdated)
        digests = CounterMetricFamily("pulse_digests", "Weekly digests recorded per chat: sent, failed or claimed (sending).",
                                      labels=["chat_id", "status"])
        for (chat, status), count in sorted(digest_outcomes(engine).items()):
            digests.add_metric([str(chat), status], count)
        return [last, total, errors, stale, posts, backlog, digests]


class MetricsServer:
    """The endpoint: prometheus-client's threaded HTTP server on `host:port` with this registry."""

    def __init__(self, listen: str, view: DatabaseView):
        self.host, _, port = listen.rpartition(":")
        self.port = int(port)
        self.collector = StoreCollector(view)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Register the database collector and start serving (a port in use raises OSError)."""
        from prometheus_client import start_http_server

        REGISTRY.register(self.collector)
        try:
            self._server, self._thread = start_http_server(self.port, addr=self.host.strip("[]"), registry=REGISTRY)
        except Exception:
            REGISTRY.unregister(self.collector)
            raise
        self.port = self._server.server_address[1]  # port 0: the one the system chose
        log.info("metrics endpoint listening listen=%s:%d", self.host, self.port)

    def stop(self) -> None:
        """Stop serving and unregister (a restarted server in the same process registers again)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            REGISTRY.unregister(self.collector)
