"""`pulse import` and `pulse export`: posts in and out as JSON Lines."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from monitor.cli.context import console, err_console, load_or_exit, open_store
from monitor.posts import LineError, open_jsonl, read_posts, write_post_line


def parse_day(value: str | None) -> datetime | None:
    """'2026-11-01' or a full ISO timestamp → aware UTC datetime."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date like 2026-11-01, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def import_posts(
    file: Annotated[Path, typer.Argument(help="JSONL file (.jsonl or .jsonl.gz): project format or Reddit dump lines.")],
) -> None:
    """Load posts from a JSON Lines file; bad lines are reported with their numbers and skipped."""
    config = load_or_exit()
    store = open_store(config)
    errors: list[LineError] = []
    new = updated = 0
    try:
        handle = open_jsonl(file)
    except OSError as exc:
        err_console.print(f"cannot open {file}: {exc}")
        raise typer.Exit(1) from None
    with handle, Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task("import", total=None)
        batch = []
        for _, post in read_posts(handle, errors):
            batch.append(post)
            if len(batch) >= 2000:
                counts = store.upsert_posts(batch)
                new, updated = new + counts.new, updated + counts.updated
                bar.advance(task, len(batch))
                batch = []
        counts = store.upsert_posts(batch)
        new, updated = new + counts.new, updated + counts.updated
        bar.advance(task, len(batch))
    for error in errors[:50]:
        err_console.print(f"{file}:{error.line}: {error.message}", highlight=False, soft_wrap=True)
    if len(errors) > 50:
        err_console.print(f"… and {len(errors) - 50} more bad lines", highlight=False)
    console.print(f"imported {new} new, {updated} updated, {len(errors)} skipped", highlight=False)
    store.close()


def export_posts(
    since: Annotated[str | None, typer.Option(help="First day (inclusive), e.g. 2026-11-01.")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (exclusive).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write stored posts as JSON Lines, in creation order."""
    config = load_or_exit()
    store = open_store(config)
    start, end = parse_day(since), parse_day(until)
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
    err_console.print(f"exported {count} posts", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `import` and `export`."""
    app.command("import")(import_posts)
    app.command("export")(export_posts)


__all__ = ["date", "register"]
