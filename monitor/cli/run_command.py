"""`pulse run`: the long-running bot (long polling) and schedule, until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from monitor.cli.context import STATE, err_console, load_or_exit, open_store


def run(
    poll_timeout: Annotated[
        int | None, typer.Option("--poll-timeout", help="Long-polling timeout in seconds (default: telegram.poll_timeout_seconds).")
    ] = None,
    no_catch_up: Annotated[
        bool, typer.Option("--no-catch-up", help="Do not send a missed digest at start (it is still sent on schedule).")
    ] = False,
) -> None:
    """Run the Telegram bot and the schedule (collection, weekly digest, spike alerts, config reload)."""
    from monitor.bot.app import EXIT_DEADLINE, RunOptions, make_runtime, run_until_signal

    config = load_or_exit()
    token = STATE.env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        err_console.print("[red]error[/red] TELEGRAM_BOT_TOKEN is not set (environment or .env)", highlight=False)
        raise typer.Exit(1)
    if not config.settings.telegram.chat_ids:
        err_console.print("[yellow]warning[/yellow] telegram.chat_ids is empty: nobody will get answers or digests", highlight=False)
    if config.settings.telegram.mode == "webhook":
        from monitor.bot.updates import webhook_secret_problem

        if problem := webhook_secret_problem(STATE.env):
            err_console.print(f"[red]error[/red] {problem}", highlight=False)
            raise typer.Exit(1)
    store = open_store(config, create=True)
    runtime = make_runtime(config, STATE.env, store)
    options = RunOptions(poll_timeout=poll_timeout, catch_up_at_start=not no_catch_up)
    asyncio.run(run_until_signal(runtime, token, options, exit_deadline=EXIT_DEADLINE))


def register(app: typer.Typer) -> None:
    """Add `run`."""
    app.command("run")(run)
