"""`pulse import` and `pulse export`: posts in and out as JSON Lines."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli import failures
from monitor.cli.context import console, err_console, load_or_exit, open_store


def parse_day(value: str | None, zone: ZoneInfo | None = None) -> datetime | None:
    """'2026-11-01' (midnight in `zone`, UTC if None) or a full ISO timestamp → aware UTC datetime."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date like 2026-11-01, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone or UTC)
    return parsed.astimezone(UTC)


def import_posts(
    file: Annotated[Path, typer.Argument(help="JSONL file (.jsonl or .jsonl.gz): project format or Reddit dump lines.")],
    allow_bad_lines: Annotated[
        bool, typer.Option("--allow-bad-lines", help="Exit 0 even when lines were rejected (they are still reported).")
    ] = False,
) -> None:
    """Load posts from a JSON Lines file; bad lines are reported with their numbers and skipped.

    Exit status: 0 every line stored; 3 some lines rejected, the others stored; 4 the database
    failed (down, read-only, full) after storing the lines before; 6 the file cannot be opened.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from monitor.importer import import_file

    config = load_or_exit()
    store = open_store(config, create=True)
    with Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task("import", total=None)
        try:
            result = import_file(file, store, lambda n: bar.advance(task, n))
        except OSError as exc:
            err_console.print(f"error: cannot open {file}: {exc.strerror or exc}", highlight=False, markup=False)
            raise typer.Exit(failures.EXIT_FILESYSTEM) from None
        finally:
            store.close()
    for error in result.errors[:50]:
        err_console.print(f"{file}:{error.line}: {error.message}", highlight=False, soft_wrap=True, markup=False)
    if len(result.errors) > 50:
        err_console.print(f"… and {len(result.errors) - 50} more bad lines", highlight=False)
    duplicates = f", {result.duplicates} repeated in the file (stored once)" if result.duplicates else ""
    console.print(
        f"imported {result.new} new, {result.updated} updated, {len(result.errors)} skipped{duplicates}", highlight=False
    )
    if result.stopped:
        err_console.print(f"error: import stopped {result.stopped}", highlight=False, markup=False, soft_wrap=True)
        err_console.print("  the lines before it are stored: fix the cause and run it again (nothing is stored twice)",
                          highlight=False, markup=False)
        raise typer.Exit(failures.EXIT_DATABASE)
    if result.errors and not allow_bad_lines:
        raise typer.Exit(failures.EXIT_BAD_LINES)


def export_posts(
    since: Annotated[str | None, typer.Option(help="First day (inclusive), e.g. 2026-11-01, from midnight in the configured timezone.")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (exclusive), midnight in the configured timezone.")] = None,
    week: Annotated[str | None, typer.Option(help="An ISO week, e.g. 2026-W47: exactly the posts that week's digest counts.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write stored posts as JSON Lines, in creation order (days and weeks in the configured timezone)."""
    from monitor.posts import write_post_line
    from pipelines.trends.weeks import IsoWeek

    config = load_or_exit()
    zone = ZoneInfo(config.settings.timezone)
    if week is not None and (since or until):
        raise typer.BadParameter("give --week or --since/--until, not both")
    if week is not None:
        try:
            start, end = IsoWeek.parse(week).window(zone)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    else:
        start, end = parse_day(since, zone), parse_day(until, zone)
    store = open_store(config)
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        for _, post in store.iter_posts(start, end):
            write_post_line(out, post)
            count += 1
    finally:
        if output:
            out.close()
        store.close()
    span = f" created {_local(start, zone)} – {_local(end, zone)} ({zone.key})" if start or end else ""
    err_console.print(f"exported {count} posts{span}", highlight=False)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "…"


def register(app: typer.Typer) -> None:
    """Add `import` and `export`."""
    app.command("import")(import_posts)
    app.command("export")(export_posts)


__all__ = ["date", "register"]
