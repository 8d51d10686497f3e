"""What the schedule runs: collection + tagging, the exactly-once weekly digest, spike alerts."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.bot import reports
from monitor.bot.delivery import DigestOutcome, send_digest_once
from monitor.bot.runtime import Runtime
from monitor.bot.tagging_jobs import tag_untagged
from monitor.collectors.leased_run import collect_under_lease, take_lease
from monitor.config.settings import DigestSchedule
from monitor.store import deliveries
from pipelines.trends import IsoWeek, latest_complete_week

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CATCH_UP_FLOOR = timedelta(minutes=10)
LEASE_SPREAD_SECONDS = 0.5
"""Per collection already running here, how long a process waits before taking another source's lease."""
CLAIM_EXPIRY_FLOOR = 5.0
"""Seconds a claimed tagging batch may sit idle before PostgreSQL ends the claimer (a frozen process)."""
"""Even with missed_grace_hours=0, a digest whose job fired a little late still goes out."""


def _slot_on(day: date, schedule: DigestSchedule, tz: ZoneInfo) -> datetime:
    hour, minute = (int(x) for x in schedule.time.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def last_digest_slot(now: datetime, schedule: DigestSchedule, tz: ZoneInfo) -> datetime:
    """The most recent scheduled digest time at or before `now` (aware, in `tz`)."""
    local = now.astimezone(tz)
    back = (local.weekday() - WEEKDAYS.index(schedule.weekday)) % 7
    slot = _slot_on(local.date() - timedelta(days=back), schedule, tz)
    if slot > local:
        slot = _slot_on(local.date() - timedelta(days=back + 7), schedule, tz)
    return slot


def digest_week_for(slot: datetime, tz: ZoneInfo) -> IsoWeek:
    """The week a digest sent at `slot` covers: the latest week complete at that moment."""
    return latest_complete_week(slot, tz)


def due_digest_week(now: datetime, schedule: DigestSchedule, tz: ZoneInfo) -> IsoWeek | None:
    """The week whose digest should go out now (within the grace period after its slot), if any."""
    slot = last_digest_slot(now, schedule, tz)
    grace = max(timedelta(hours=schedule.missed_grace_hours), CATCH_UP_FLOOR)
    return digest_week_for(slot, tz) if now - slot <= grace else None


async def deliver_digest_for_week(runtime: Runtime, week: IsoWeek) -> list[DigestOutcome]:
    """Send `week`'s digest to every configured chat that has not had it (claimed in the DB first)."""
    config = runtime.config
    schedule = config.settings.schedules.digest
    chats = list(config.settings.telegram.chat_ids)
    pending = await asyncio.to_thread(
        deliveries.chats_needing_digest, runtime.store, str(week), chats, max_attempts=schedule.max_attempts
    )
    if not pending:
        log.debug("digest already delivered week=%s", week)
        return []
    parts = await asyncio.to_thread(reports.digest_parts, runtime.store, config, week, runtime.clock())
    outcomes = await send_digest_once(
        runtime.sender,
        runtime.store,
        week=str(week),
        chat_ids=pending,
        parts=parts,
        owner=runtime.owner,
        stale_after=timedelta(minutes=schedule.stale_claim_minutes),
        max_attempts=schedule.max_attempts,
    )
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        chats = ", ".join(str(o.chat_id) for o in failed)
        await notify_admin(
            runtime, f"Weekly digest {week}: could not deliver to {chats} ({html.escape(failed[0].error or '')}); will retry."
        )
    return outcomes


async def deliver_scheduled_digest(runtime: Runtime) -> list[DigestOutcome]:
    """The cron job: the digest of the slot that just passed (the week is derived from the slot)."""
    tz = ZoneInfo(runtime.config.settings.timezone)
    slot = last_digest_slot(runtime.clock(), runtime.config.settings.schedules.digest, tz)
    return await deliver_digest_for_week(runtime, digest_week_for(slot, tz))


async def deliver_due_digest(runtime: Runtime) -> list[DigestOutcome]:
    """Start-up catch-up and periodic retry: send the last slot's digest if within the grace period."""
    settings = runtime.config.settings
    week = due_digest_week(runtime.clock(), settings.schedules.digest, ZoneInfo(settings.timezone))
    if week is None:
        return []
    return await deliver_digest_for_week(runtime, week)


async def collect_source(runtime: Runtime, name: str) -> None:
    """Run one collector under its lease (blocking, in a thread), then tag what it stored (tag role).

    Processes spread the sources of one tick: attempts to take a lease go one at a time in a process,
    and a process already running N collections waits N × LEASE_SPREAD_SECONDS first, so an idle
    process (which tries at once) takes the next source.
    """
    snapshot = runtime.snapshot
    if name not in snapshot.config.enabled_sources():
        return
    leases = runtime.leases
    async with runtime.lease_turn:
        if runtime.collecting and leases.shared:
            await asyncio.sleep(runtime.collecting * LEASE_SPREAD_SECONDS)
        lease = await asyncio.to_thread(take_lease, name, snapshot.config, leases)
        if lease is not None:
            runtime.collecting += 1
    try:
        run = await asyncio.to_thread(
            collect_under_lease, name, snapshot.config, runtime.store, runtime.env, leases, scheduled=True, lease=lease
        )
    finally:
        if lease is not None:
            runtime.collecting -= 1
    if run.report is None:
        return
    log.info("collection done source=%s status=%s new=%d owner=%s", name, run.report.status, run.report.total("new"), runtime.owner)
    if "tag" in runtime.roles:
        await tag_new_posts(runtime, wait=True)


async def tag_new_posts(runtime: Runtime, *, wait: bool = False) -> int:
    """Tag stored posts that were never tagged, with the tagger currently in force (shared with other processes).

    One pass at a time per process: the periodic job skips while a pass runs (that pass drains the
    backlog); after a collection (`wait`) the pass waits its turn, so the posts just stored are tagged.
    """
    snapshot = runtime.snapshot
    if snapshot.tagger is None or (runtime.tagging.locked() and not wait):
        return 0
    async with runtime.tagging:
        settings = snapshot.config.settings
        return await asyncio.to_thread(
            tag_untagged,
            runtime.store,
            snapshot.tagger,
            batch_size=settings.tagging.batch_size,
            stop=runtime.stopping,
            claim_expiry=max(settings.schedules.lease_seconds, CLAIM_EXPIRY_FLOOR),
        )


async def check_spikes(runtime: Runtime) -> int:
    """Send each new spike alert once per chat; returns how many messages went out."""
    config = runtime.config
    if not config.settings.telegram.send_spike_alerts:
        return 0
    alerts = await asyncio.to_thread(reports.spike_alerts, runtime.store, config, runtime.clock())
    sent = 0
    for key, message in alerts:
        for chat_id in config.settings.telegram.chat_ids:
            if not await asyncio.to_thread(deliveries.claim_alert, runtime.store, key, chat_id):
                continue
            ok = await runtime.sender.reply(chat_id, message)
            await asyncio.to_thread(
                deliveries.finish_alert, runtime.store, key, chat_id, error=None if ok else "undeliverable (see log)"
            )
            sent += ok
    return sent


async def notify_admin(runtime: Runtime, html_text: str) -> bool:
    """Send a message to the admin chat, if one is configured."""
    chat = runtime.config.settings.telegram.admin_chat_id
    if chat is None or runtime.sender is None:
        log.warning("admin notice (no admin chat configured) text=%r", html_text)
        return False
    return await runtime.sender.reply(chat, html_text)
