"""Runs collectors once: queries → pages → store → checkpoint, with a run record per source."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from monitor.collectors import registry
from monitor.collectors.base import Collector, SourceUnavailable
from monitor.config import AppConfig
from monitor.posts import Post
from monitor.store import Store

log = logging.getLogger(__name__)


@dataclass
class QueryReport:
    """What one query of one source did in this run."""

    source: str
    query: str
    fetched: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    messages: list[str] = field(default_factory=list)


@dataclass
class SourceReport:
    """What one source did in this run."""

    source: str
    status: str = "ok"  # ok | partial | failed | skipped
    message: str | None = None
    queries: list[QueryReport] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        """Sum of one counter over the queries."""
        return sum(getattr(q, attribute) for q in self.queries)


def _screen(posts: list[Post], qr: QueryReport) -> list[Post]:
    """The import's validation again before the store: a post the store would reject is skipped, not its batch."""
    good = []
    for post in posts:
        try:
            good.append(Post.model_validate(dict(post)))
        except ValueError as exc:
            qr.skipped += 1
            qr.errors += 1
            qr.messages.append(f"post {post.id!r} skipped: {' '.join(str(exc).splitlines()[:3])}"[:300])
    return good


ProgressCallback = Callable[[str, str, int], None]
"""Called as (source, query key, posts fetched so far in this query)."""


def run_source(
    name: str,
    config: AppConfig,
    store: Store | None,
    env: Mapping[str, str],
    *,
    progress: ProgressCallback | None = None,
    collector: Collector | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> SourceReport:
    """Run one source once. Never raises for source failures: they end up in the report and runs table.

    With `store=None` (dry run) nothing is written and checkpoints are not read. `keep_going` is asked
    before each page is stored (a lost lease: the run stops there, as a failed or partial run).
    """
    report = SourceReport(source=name)
    cls = registry.get(name)
    missing = cls.missing_credentials(env)
    run_id = store.start_run(name) if store else None
    if missing:
        report.status = "skipped"
        report.message = f"missing credentials: {', '.join(missing)} (set them in the environment or .env)"
        log.warning("source skipped source=%s reason=%r", name, report.message)
        if store and run_id is not None:
            store.finish_run(run_id, status="skipped", message=report.message)
        return report
    collector = collector or cls(config.sources[name], config.watchlist, env)
    collector.store = store
    try:
        for query in collector.queries():
            qr = QueryReport(source=name, query=query.key)
            report.queries.append(qr)
            checkpoint = store.get_checkpoint(name, query.key) if store else None
            try:
                for batch in collector.fetch(query, checkpoint):
                    if keep_going is not None and not keep_going():
                        raise SourceUnavailable("run stopped: this process no longer holds the source's lease")
                    qr.fetched += len(batch.posts)
                    qr.skipped += batch.skipped
                    qr.errors += len(batch.errors)
                    qr.messages.extend(batch.errors)
                    if store:
                        posts = _screen(batch.posts, qr)
                        if posts:
                            counts = store.upsert_posts(posts)
                            qr.new += counts.new
                            qr.updated += counts.updated
                        if batch.checkpoint is not None:
                            store.set_checkpoint(name, query.key, batch.checkpoint)
                    if progress:
                        progress(name, query.key, qr.fetched)
            except SourceUnavailable:
                raise
            except Exception as exc:  # one query failing must not stop the others
                qr.errors += 1
                qr.messages.append(f"{type(exc).__name__}: {exc}")
                log.warning("query failed source=%s query=%r error=%r", name, query.key, str(exc))
    except SourceUnavailable as exc:
        report.status = "failed" if not any(q.fetched for q in report.queries) else "partial"
        report.message = str(exc)
        log.warning("source stopped source=%s reason=%r", name, str(exc))
    except Exception as exc:
        report.status = "failed"
        report.message = f"{type(exc).__name__}: {exc}"
        log.exception("source crashed source=%s", name)
    finally:
        collector.close()
    if report.status == "ok" and report.total("errors"):
        report.status = "partial"
    if report.message is None and report.total("errors"):
        report.message = "; ".join(m for q in report.queries for m in q.messages[:3])[:2000]
    if store and run_id is not None:
        store.finish_run(
            run_id,
            status=report.status,
            message=report.message,
            fetched=report.total("fetched"),
            new=report.total("new"),
            updated=report.total("updated"),
            skipped=report.total("skipped"),
            errors=report.total("errors"),
            details=[q.__dict__ for q in report.queries],
        )
    log.info(
        "source finished source=%s status=%s fetched=%d new=%d",
        name, report.status, report.total("fetched"), report.total("new"),
    )
    return report


def run_sources(
    config: AppConfig,
    store: Store | None,
    env: Mapping[str, str],
    names: list[str] | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> list[SourceReport]:
    """Run the named (default: enabled) sources one after another; one failing never stops another."""
    selected = names if names is not None else config.enabled_sources()
    return [run_source(name, config, store, env, progress=progress) for name in selected]
