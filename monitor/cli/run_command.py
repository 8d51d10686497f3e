"""`pulse run`: the long-running bot (long polling) and schedule, until SIGTERM/SIGINT; `--role` splits it."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from monitor.cli.context import STATE, err_console, load_or_exit, open_store

ROLE_HELP = (
    "What this process does: collect, tag, bot, or all (default; repeat or comma-separate, e.g. --role collect,tag). "
    "On PostgreSQL any number of collect and tag processes share the work; run one bot process per token."
)


def run(
    poll_timeout: Annotated[
        int | None, typer.Option("--poll-timeout", help="Long-polling timeout in seconds (default: telegram.poll_timeout_seconds).")
    ] = None,
    no_catch_up: Annotated[
        bool, typer.Option("--no-catch-up", help="Do not send a missed digest at start (it is still sent on schedule).")
    ] = False,
    role: Annotated[list[str] | None, typer.Option("--role", "-r", help=ROLE_HELP)] = None,
    first_collection_delay: Annotated[
        float,
        typer.Option(
            "--first-collection-delay",
            min=0,
            help="Seconds after start before each source's first run; later runs follow the clock-aligned ticks of its interval.",
        ),
    ] = 20.0,
) -> None:
    """Run the Telegram bot and the schedule (collection, weekly digest, spike alerts, config reload)."""
    from monitor.bot.app import EXIT_DEADLINE, RunOptions, make_runtime, run_until_signal
    from monitor.bot.roles import ALL_ROLES, parse_roles

    try:
        roles = parse_roles(role)
    except ValueError as exc:
        err_console.print(f"[red]error[/red] --role: {exc}", highlight=False)
        raise typer.Exit(2) from None
    config = load_or_exit()
    token = STATE.env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if "bot" in roles:
        if not token:
            err_console.print(
                "[red]error[/red] TELEGRAM_BOT_TOKEN is not set (environment or .env); "
                "a process without the bot role needs none: --role collect,tag",
                highlight=False,
            )
            raise typer.Exit(1)
        if not config.settings.telegram.chat_ids:
            err_console.print("[yellow]warning[/yellow] telegram.chat_ids is empty: nobody will get answers or digests", highlight=False)
    if "bot" in roles and config.settings.telegram.mode == "webhook":
        from monitor.bot.updates import webhook_secret_problem

        if problem := webhook_secret_problem(STATE.env):
            err_console.print(f"[red]error[/red] {problem}", highlight=False)
            raise typer.Exit(1)
    store = open_store(config, create=True)
    if store.dialect != "postgresql" and roles != ALL_ROLES:
        err_console.print(
            "[yellow]warning[/yellow] roles split on SQLite: run all of them in one process; "
            "several processes need PostgreSQL (see README, Running on several machines)",
            highlight=False,
        )
    runtime = make_runtime(config, STATE.env, store, roles=roles)
    options = RunOptions(
        poll_timeout=poll_timeout, catch_up_at_start=not no_catch_up, first_collection_delay=first_collection_delay
    )
    asyncio.run(run_until_signal(runtime, token, options, exit_deadline=EXIT_DEADLINE))


def register(app: typer.Typer) -> None:
    """Add `run`."""
    app.command("run")(run)
