"""`pulse run` without the bot role: the schedule (collection, tagging) and config reload, no Telegram."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from monitor.bot.reload import ConfigReloader
from monitor.bot.roles import describe
from monitor.bot.runtime import Runtime
from monitor.bot.scheduler import PulseScheduler

if TYPE_CHECKING:
    from monitor.bot.app import RunOptions

log = logging.getLogger(__name__)


async def serve_workers(runtime: Runtime, stop: asyncio.Event, options: RunOptions) -> None:
    """Run the jobs of `runtime.roles` until `stop` is set, then stop them and close the database."""
    scheduler = PulseScheduler(
        runtime, catch_up_at_start=False, first_collection_delay=timedelta(seconds=options.first_collection_delay)
    )
    reloader = ConfigReloader(runtime, poll_seconds=options.config_poll_seconds)
    runtime.scheduler, runtime.reloader = scheduler, reloader
    watcher: asyncio.Task | None = None
    try:
        scheduler.start()
        watcher = asyncio.create_task(reloader.watch(), name="config-watcher")
        log.info("pulse run started owner=%s roles=%s", runtime.owner, describe(runtime.roles))
        await stop.wait()
    finally:
        runtime.stopping.set()  # tagging in threads stops at its next batch
        log.info("pulse run stopping")
        if watcher is not None:
            watcher.cancel()
        await scheduler.shutdown(timeout=options.shutdown_grace)
        runtime.close()
        log.info("pulse run stopped")
