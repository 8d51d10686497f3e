"""`pulse digest`: render one week's digest as Markdown, Telegram HTML or a standalone page; save or send it."""

from __future__ import annotations

import logging
import os
import socket
import sys
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from monitor.atomic_file import write_atomic
from monitor.cli.context import STATE, console, err_console, load_or_exit, open_store

log = logging.getLogger(__name__)

TELEGRAM_SEPARATOR = "\n\n----- next message -----\n\n"


class Format(str, Enum):
    """Output formats of `pulse digest`."""

    telegram = "telegram"
    markdown = "markdown"
    html = "html"


def _send(config, store, report) -> int:  # noqa: ANN001
    """Deliver through the bot's exactly-once path; returns the exit status."""
    try:
        from monitor.bot.delivery import send_digest_once_sync
        from monitor.bot.reports import render_digest
    except ImportError as exc:
        log.debug("bot delivery import failed error=%r", str(exc))
        err_console.print("error: sending is not available yet (the Telegram bot module is not installed)", highlight=False)
        return 2
    token = STATE.env.get("TELEGRAM_BOT_TOKEN")
    if not token:
        err_console.print("error: TELEGRAM_BOT_TOKEN is not set (environment or .env)", highlight=False)
        return 1
    chats = list(config.settings.telegram.chat_ids)
    if not chats:
        err_console.print("error: no telegram.chat_ids configured in pulse.yaml", highlight=False)
        return 1
    outcomes = send_digest_once_sync(
        token=token,
        api_base_url=config.settings.telegram.api_base_url,
        store=store,
        week=str(report.week),
        chat_ids=chats,
        parts=render_digest(report),
        owner=f"cli:{socket.gethostname()}:{os.getpid()}",
        stale_after=timedelta(minutes=config.settings.schedules.digest.stale_claim_minutes),
        max_attempts=config.settings.schedules.digest.max_attempts,
    )
    for outcome in outcomes:
        line = f"chat {outcome.chat_id}: {outcome.status}"
        if outcome.error:
            line += f" ({outcome.error})"
        console.print(line, highlight=False, markup=False)
    return 0 if all(o.status in ("sent", "skipped") for o in outcomes) else 1


def digest(
    week: Annotated[
        str | None,
        typer.Option("--week", help="ISO week, e.g. 2026-W47 (default: the latest ended week with posts; a future week exits 2)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="telegram, markdown or html.")] = Format.markdown,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the digest and its PNG charts into this folder.")
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Send it to the configured Telegram chats (once per week and chat).")
    ] = False,
) -> None:
    """Render one week's digest (figures, charts); print it, save it with --out, or send it with --send."""
    from monitor.digest import render_charts, render_html, render_markdown, render_telegram, save_charts
    from pipelines.trends import IsoWeek, build_weekly_report
    from pipelines.trends.weeks import FutureWeekError

    config = load_or_exit()
    try:
        iso_week = IsoWeek.parse(week) if week else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from None
    store = open_store(config)
    try:
        try:
            report = build_weekly_report(
                store, config.watchlist, config.settings, iso_week, keywords_changed=config.keywords_changed_at()
            )
        except FutureWeekError as exc:
            err_console.print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(2) from None
        charts = render_charts(report) if (out is not None or fmt is Format.html) else []
        if fmt is Format.telegram:
            body, suffix = TELEGRAM_SEPARATOR.join(render_telegram(report)) + "\n", "telegram.txt"
        elif fmt is Format.html:
            body, suffix = render_html(report, charts, embed=out is None), "html"
        else:
            body, suffix = render_markdown(report, [(c.name, c.caption) for c in charts] if out else ()), "md"
        if out is not None:
            paths = [*save_charts(charts, out)]
            target = out / f"{report.week}.{suffix}"
            write_atomic(target, body)
            paths.insert(0, target)
            for path in paths:
                console.print(f"wrote {path}", highlight=False, markup=False)
        elif not send:
            sys.stdout.write(body)
        if send:
            status = _send(config, store, report)
            if status:
                raise typer.Exit(status)
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    """Add `digest`."""
    app.command("digest")(digest)
