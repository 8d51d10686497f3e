"""The Application, built in one place with every handler wired, and the life cycle of `pulse run`."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from telegram import BotCommand, Update
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from monitor.bot import answers, control_commands, handlers
from monitor.bot.access import ACCESS_GROUP, access_handler
from monitor.bot.delivery import Sender, bot_api_url, bot_file_url
from monitor.bot.memory import limit_malloc_arenas, use_small_worker_pool
from monitor.bot.reload import ConfigReloader
from monitor.bot.roles import ALL_ROLES
from monitor.bot.runtime import PulseApplication, PulseContext, Runtime, Snapshot, TaggerFactory, default_tagger_factory
from monitor.bot.scheduler import PulseScheduler
from monitor.bot.updates import start_updates
from monitor.config import AppConfig
from monitor.metrics import DatabaseView, MetricsServer, telegram_error
from monitor.store import Store

log = logging.getLogger(__name__)

COMMAND_HANDLERS: dict[str, Callable] = {
    "start": handlers.help_command,
    "help": handlers.help_command,
    "digest": handlers.digest_command,
    "trends": handlers.trends_command,
    "top": handlers.top_command,
    "search": handlers.search_command,
    "keywords": handlers.keywords_command,
    "suggest": handlers.suggest_command,
    "status": handlers.status_command,
    "reload": handlers.reload_command,
}
COMMAND_HANDLERS.update(control_commands.COMMAND_HANDLERS)  # the chat as control room (issue 15)


@dataclass
class RunOptions:
    """Knobs of the life cycle (tests shorten them)."""

    poll_timeout: float | None = None  # None: telegram.poll_timeout_seconds
    config_poll_seconds: float | None = None  # None: schedules.config_poll_seconds
    shutdown_grace: float = 5.0  # seconds running jobs get to finish on SIGTERM (the whole exit: EXIT_DEADLINE)
    catch_up_at_start: bool = True
    backoff: float = 1.0  # first retry delay for network errors
    first_collection_delay: float = 20.0  # seconds after start before each source's first collection


def build_application(runtime: Runtime, token: str, *, backoff: float = 1.0) -> PulseApplication:
    """The PTB Application on the configured Bot API server, with the allow-list and all commands."""
    base = runtime.config.settings.telegram.api_base_url
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(bot_api_url(base))
        .base_file_url(bot_file_url(base))
        .context_types(ContextTypes(context=PulseContext))
        .concurrent_updates(8)  # a slow /digest must not hold up /status
        .read_timeout(20)
        .write_timeout(30)
        .get_updates_read_timeout(runtime.config.settings.telegram.poll_timeout_seconds + 10)
        .build()
    )
    application.bot_data["runtime"] = runtime
    telegram = runtime.config.settings.telegram
    runtime.sender = Sender(
        application.bot,
        attempts=telegram.send_attempts,
        max_retry_after=telegram.max_retry_after_seconds,
        backoff=backoff,
        dead_letter=Path(runtime.config.settings.digest.out_dir) / "undelivered.jsonl",
    )
    application.add_handler(access_handler(), group=ACCESS_GROUP)
    for command, callback in COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(command, callback))
    control_commands.register(application)
    application.add_error_handler(handlers.error_handler)
    return application


async def serve(runtime: Runtime, token: str, stop: asyncio.Event, options: RunOptions | None = None) -> None:
    """Run the bot and the schedule until `stop` is set, then shut down in order and close the DB."""
    options = options or RunOptions()
    application = build_application(runtime, token, backoff=options.backoff)
    scheduler = PulseScheduler(
        runtime,
        catch_up_at_start=options.catch_up_at_start,
        first_collection_delay=timedelta(seconds=options.first_collection_delay),
    )
    reloader = ConfigReloader(runtime, poll_seconds=options.config_poll_seconds)
    runtime.scheduler, runtime.reloader = scheduler, reloader
    poll_timeout = options.poll_timeout if options.poll_timeout is not None else runtime.config.settings.telegram.poll_timeout_seconds
    watcher: asyncio.Task | None = None
    metrics: MetricsServer | None = None
    try:
        if not await _initialize(application, stop, options.backoff):
            return
        async with application:  # initialize() (already done: idempotent) ... shutdown()
            try:
                try:  # the menu is a nicety: a failure here must not stop the bot
                    await application.bot.set_my_commands([BotCommand(name, text) for name, text in answers.COMMANDS])
                except TelegramError as exc:
                    log.warning("setMyCommands failed error=%r", str(exc))
                await application.start()
                await start_updates(application, runtime.config.settings.telegram, runtime.env,
                                    poll_timeout=poll_timeout, allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
                scheduler.start()
                metrics = start_metrics(runtime)
                watcher = asyncio.create_task(reloader.watch(), name="config-watcher")
                log.info("pulse run started owner=%s chats=%s", runtime.owner, runtime.config.settings.telegram.chat_ids)
                await stop.wait()
            finally:
                runtime.stopping.set()  # tagging in threads stops at its next batch
                log.info("pulse run stopping")
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()  # no new commands from here on
                if watcher is not None:
                    watcher.cancel()
                await scheduler.shutdown(timeout=options.shutdown_grace)
                if metrics is not None:
                    metrics.stop()
                if application.running:
                    await application.stop()  # waits for handlers still running
    finally:
        runtime.close()
        log.info("pulse run stopped")


def start_metrics(runtime: Runtime) -> MetricsServer | None:
    """The Prometheus endpoint, when `metrics.enabled` (its address is read at start only)."""
    settings = runtime.config.settings.metrics
    if not settings.enabled:
        return None
    server = MetricsServer(settings.listen, DatabaseView(runtime.store.engine, lambda: runtime.config, runtime.clock))
    server.start()
    return server


async def _initialize(application: PulseApplication, stop: asyncio.Event, backoff: float) -> bool:
    """getMe until Telegram answers (the network may be down at boot); False if stopped meanwhile."""
    delay = backoff
    while True:
        try:
            await application.initialize()
            return True
        except (NetworkError, TimedOut) as exc:  # InvalidToken is not retried: it will not heal
            if isinstance(exc, BadRequest):
                raise
            telegram_error("getMe", exc)
            log.warning("telegram unreachable at start error=%r retry_in=%g", str(exc), delay)
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
            return False
        except TimeoutError:
            delay = min(delay * 2, 300.0)


def install_signal_handlers(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop` (a second signal is ignored; the shutdown is already on)."""
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))


def make_runtime(
    config: AppConfig,
    env: Mapping[str, str],
    store: Store,
    *,
    tagger_factory: TaggerFactory | None = None,
    roles: frozenset[str] = ALL_ROLES,
) -> Runtime:
    """A Runtime with the tagger built from the config's watchlist (slow: spaCy); none without the tag role."""
    factory = (tagger_factory or default_tagger_factory) if "tag" in roles else _no_tagger
    return Runtime(snapshot=Snapshot(config, factory(config.watchlist)), store=store, env=env, tagger_factory=factory, roles=roles)


def _no_tagger(_watchlist: object) -> None:
    """The tagger of a process without the tag role: none (spaCy is never loaded)."""
    return None


EXIT_DEADLINE = 9.0
"""Seconds from SIGTERM to the end of the process, whatever a thread (a collector, a query) is doing."""


def _exit_now(deadline: float) -> None:
    log.warning("still busy %gs after the stop signal: exiting without waiting (every write is a transaction)", deadline)
    logging.shutdown()
    os._exit(0)


async def _arm_exit_deadline(stop: asyncio.Event, runtime: Runtime, deadline: float) -> None:
    """Once `stop` is set: tell threads to stop, and end the process at `deadline` if it has not ended."""
    await stop.wait()
    runtime.stopping.set()
    timer = threading.Timer(deadline, _exit_now, args=(deadline,))
    timer.daemon = True  # a clean exit before the deadline does not wait for it
    timer.start()


async def run_until_signal(
    runtime: Runtime, token: str, options: RunOptions | None = None, *, exit_deadline: float | None = None
) -> None:
    """`pulse run`: serve until SIGTERM or SIGINT; with `exit_deadline`, the process ends that many seconds after it."""
    stop = asyncio.Event()
    install_signal_handlers(stop)
    if exit_deadline is not None:  # the real process (the CLI): also bound its memory
        limit_malloc_arenas()
        use_small_worker_pool(asyncio.get_running_loop())
    if "bot" in runtime.roles:
        main = serve(runtime, token, stop, options)
    else:
        from monitor.bot.workers import serve_workers

        main = serve_workers(runtime, stop, options or RunOptions())
    if exit_deadline is None:
        await main
        return
    deadline = asyncio.create_task(_arm_exit_deadline(stop, runtime, exit_deadline), name="exit-deadline")
    try:
        await main
    finally:
        stop.set()
        await deadline
