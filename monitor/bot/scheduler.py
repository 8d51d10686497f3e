"""The schedule of `pulse run`: an APScheduler AsyncIOScheduler on the bot's event loop.

Why an AsyncIOScheduler with the *memory* job store, not PTB's JobQueue or a SQLAlchemyJobStore:

* PTB's JobQueue wraps the same APScheduler but its jobs carry the Application and cannot be
  pickled into a persistent job store; a plain AsyncIOScheduler gives us the triggers directly,
  runs coroutine jobs on the bot's loop and keeps the schedule independent of the Telegram layer.
* A persistent job store would not make the digest exactly-once anyway: APScheduler saves the next
  run time as soon as it hands a job off (a crash mid-send loses that run), two processes sharing
  the job table would both run it, and re-adding a stored job with `replace_existing=True` (which a
  config reload needs, to move the digest time) silently drops a missed run. The `sent_digests`
  table is the real guard, so the schedule is rebuilt from config at every start and reload, and
  missed runs are caught up explicitly: a "digest-check" job runs at start and every few minutes
  and sends the last slot's digest if it is within `missed_grace_hours` and not yet sent.

Several processes on one PostgreSQL run this same schedule for their roles (`--role`): collection
fires on clock-aligned ticks, the same instants everywhere, and the source's lease plus its run
records (`monitor.collectors.leased_run`) let exactly one process run each tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.bot import jobs
from monitor.bot.runtime import Runtime
from monitor.store.run_slots import EPOCH

log = logging.getLogger(__name__)

DIGEST_CHECK_MINUTES = 10
FIRST_COLLECTION_DELAY = timedelta(seconds=20)

JobFn = Callable[[Runtime], Awaitable[object]]


class PulseScheduler:
    """Owns the AsyncIOScheduler, (re)builds the jobs from config, and stops them cleanly."""

    def __init__(
        self, runtime: Runtime, *, catch_up_at_start: bool = True, first_collection_delay: timedelta = FIRST_COLLECTION_DELAY
    ):
        self.runtime = runtime
        self.first_collection_delay = first_collection_delay
        self.scheduler = AsyncIOScheduler(
            timezone=ZoneInfo(runtime.config.settings.timezone),
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self.catch_up_at_start = catch_up_at_start
        self._running: set[asyncio.Task] = set()

    # -- job wrapper ------------------------------------------------------------------------
    async def run_job(self, name: str, fn: JobFn, *args: object) -> None:
        """Run one job: record it for /status; an exception is logged, never propagated."""
        record = self.runtime.job(name)
        record.last_start = datetime.now(UTC)
        record.runs += 1
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await fn(self.runtime, *args)
            record.last_error = None
        except asyncio.CancelledError:
            log.warning("job cancelled job=%s", name)
            raise
        except Exception as exc:  # a crash in one job must not kill the process
            record.failures += 1
            record.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("job failed job=%s", name)
        finally:
            record.last_end = datetime.now(UTC)
            if task is not None:
                self._running.discard(task)

    def _add(self, job_id: str, trigger: object, fn: JobFn, *args: object, record: str | None = None, **options: object) -> None:
        # Memory store: replacing by id is safe (nothing persisted to lose) and is how reload works.
        # `record`: the /status line the runs count under (the start-up run of a source under its tick job).
        self.scheduler.add_job(
            self.run_job, trigger, args=(record or job_id, fn, *args), id=job_id, name=job_id, replace_existing=True, **options
        )

    # -- building the schedule from config ----------------------------------------------------
    def build(self) -> None:
        """(Re)create every job from the config currently in force."""
        config = self.runtime.config
        settings = config.settings
        tz = ZoneInfo(settings.timezone)
        now = datetime.now(UTC)
        wanted: set[str] = set()

        if "bot" in self.runtime.roles:
            self._add_bot_jobs(wanted)
        if "tag" in self.runtime.roles:
            self._add("tag-backlog", IntervalTrigger(seconds=settings.schedules.tag_poll_seconds, timezone=tz), jobs.tag_new_posts)
            wanted.add("tag-backlog")
        if "collect" in self.runtime.roles:
            for name in config.enabled_sources():
                self._add_collection(name, now, wanted)

        for job in self.scheduler.get_jobs():
            if job.id not in wanted and not job.id.startswith("collect-start:"):
                job.remove()
                log.info("job removed job=%s", job.id)

    def _add_bot_jobs(self, wanted: set[str]) -> None:
        settings = self.runtime.config.settings
        tz = ZoneInfo(settings.timezone)
        digest = settings.schedules.digest
        hour, minute = (int(x) for x in digest.time.split(":"))
        self._add(
            "digest",
            CronTrigger(day_of_week=digest.weekday, hour=hour, minute=minute, timezone=tz),
            jobs.deliver_scheduled_digest,
            misfire_grace_time=max(int(digest.missed_grace_hours * 3600), 60),
        )
        wanted.add("digest")
        self._add("digest-check", IntervalTrigger(minutes=DIGEST_CHECK_MINUTES, timezone=tz), jobs.deliver_due_digest)
        wanted.add("digest-check")
        if settings.telegram.send_spike_alerts:
            self._add("spikes", IntervalTrigger(minutes=settings.schedules.spike_check_minutes, timezone=tz), jobs.check_spikes)
            wanted.add("spikes")

    def _add_collection(self, name: str, now: datetime, wanted: set[str]) -> None:
        """`collect:NAME` fires on the clock-aligned ticks of its interval (the same instants in every
        process, see `run_slots`), and `collect-start:NAME` once shortly after start; the source's lease
        and run records make one of the processes run each tick."""
        job_id = f"collect:{name}"
        interval = timedelta(minutes=self.runtime.config.sources[name].interval_minutes)
        wanted.add(job_id)
        existing = self.scheduler.get_job(job_id)
        if existing is not None and getattr(existing.trigger, "interval", None) == interval:
            return  # unchanged: keep its next run time
        seconds = interval.total_seconds()
        trigger = IntervalTrigger(seconds=seconds, start_date=EPOCH, timezone=UTC)
        self._add(job_id, trigger, jobs.collect_source, name, misfire_grace_time=max(1, int(seconds / 2)))
        start_id = f"collect-start:{name}"
        self._add(start_id, DateTrigger(run_date=now + self.first_collection_delay), jobs.collect_source, name, record=job_id)
        wanted.add(start_id)

    def start(self) -> None:
        """Build the jobs and start; must be called with the bot's event loop running."""
        self.build()
        self.scheduler.start()
        if self.catch_up_at_start and "bot" in self.runtime.roles:
            self.scheduler.get_job("digest-check").modify(next_run_time=datetime.now(UTC))
        log.info("scheduler started jobs=%s", ",".join(j.id for j in self.scheduler.get_jobs()))

    def next_jobs(self) -> list[tuple[str, datetime | None]]:
        """(job id, next run time) for /status."""
        return [(job.id, job.next_run_time) for job in self.scheduler.get_jobs()]

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Stop scheduling; let running jobs finish for up to `timeout` seconds, then cancel them."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        running = [t for t in self._running if not t.done()]
        if not running:
            return
        log.info("waiting for running jobs count=%d timeout=%s", len(running), timeout)
        _, pending = await asyncio.wait(running, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=2.0)
            log.warning("cancelled jobs still running at shutdown count=%d", len(pending))
