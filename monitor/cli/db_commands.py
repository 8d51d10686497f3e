"""`pulse db …` and `pulse doctor`: database upkeep and deployment checks."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from monitor.cli.context import STATE, console, err_console, load_or_exit, open_store, require_existing_database

db_app = typer.Typer(help="Database schema, statistics and retention.", no_args_is_help=True)

_AGE = re.compile(r"\s*(\d+)\s*([dwy])\s*")
_UNIT_DAYS = {"d": 1, "w": 7, "y": 365}


def parse_age(value: str) -> timedelta:
    """'365d', '52w' or '2y' -> timedelta; ValueError otherwise."""
    match = _AGE.fullmatch(value.lower())
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"expected an age such as 365d, 52w or 2y, got {value!r}")
    return timedelta(days=int(match.group(1)) * _UNIT_DAYS[match.group(2)])


def _size(num: int | None) -> str:
    if num is None:
        return "unknown"
    size = float(num)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{num} B"


def _say(line: str) -> None:
    console.print(line, highlight=False, markup=False, soft_wrap=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply database migrations up to the newest schema."""
    config = load_or_exit()
    store = open_store(config, create=True)
    store.close()
    _say("database is at the newest schema")


@db_app.command("stats")
def stats() -> None:
    """Rows per table, size on disk, schema revision, oldest and newest post."""
    from monitor.store import Store
    from monitor.store.maintenance import database_stats

    config = load_or_exit()
    require_existing_database(config.database_url)  # a mistyped path creates nothing
    store = Store(config.database_url, migrate=False)
    try:
        info = database_stats(store)
    finally:
        store.close()
    state = "newest" if info.migrated else f"behind: newest is {info.head}, run `pulse db upgrade`"
    _say(f"database: {info.url} ({info.dialect}), schema {info.revision or 'none'} ({state})")
    _say(f"size: {_size(info.size_bytes)}")
    for name, rows in info.tables.items():
        _say(f"  {name:<18} {'missing' if rows < 0 else f'{rows:,} rows'}")
    if info.oldest_post is not None:
        _say(f"oldest post: {info.oldest_post.isoformat()}")
        _say(f"newest post: {info.newest_post.isoformat() if info.newest_post else '-'}")
    else:
        _say("no posts stored")
    if info.aggregated_weeks:
        _say(f"weekly aggregates of pruned posts: {info.aggregated_weeks} week(s)")


@db_app.command("prune")
def prune(
    older_than: Annotated[str, typer.Option("--older-than", help="Age of posts to remove: 365d, 52w, 2y.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be removed.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Allow an age shorter than the digest needs.")] = False,
    vacuum: Annotated[bool, typer.Option("--vacuum", help="Give the freed space back afterwards (VACUUM).")] = False,
) -> None:
    """Delete posts (and their tags) older than an age; weekly counts are kept as aggregates.

    Whole weeks only (weeks start Monday in the configured timezone). Sent digests, alerts and
    checkpoints are kept, so nothing is sent or fetched twice after a prune.
    """
    from monitor.store.maintenance import prune as prune_posts
    from monitor.store.maintenance import vacuum as vacuum_database

    try:
        age = parse_age(older_than)
    except ValueError as exc:
        err_console.print(f"error: --older-than: {exc}", highlight=False)
        raise typer.Exit(2) from None
    config = load_or_exit()
    settings = config.settings
    needed_days = max(7 * (settings.digest.chart_weeks + 1), settings.tagging.retag_window_days)
    if age < timedelta(days=needed_days) and not force:
        err_console.print(
            f"error: --older-than {older_than} would remove posts the digest still uses "
            f"(chart_weeks={settings.digest.chart_weeks}, retag_window_days={settings.tagging.retag_window_days}: "
            f"keep at least {needed_days}d); pass --force to do it anyway",
            highlight=False,
        )
        raise typer.Exit(2)
    store = open_store(config)
    try:
        result = prune_posts(store, age, ZoneInfo(settings.timezone), dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        weeks = sorted(result.weeks)
        span = f" in {len(weeks)} week(s) {weeks[0]} … {weeks[-1]}" if weeks else ""
        _say(
            f"{verb} {result.posts:,} posts, {result.tags:,} tags and {result.runs:,} collector runs "
            f"created before {result.cutoff.isoformat()}{span}"
        )
        if not dry_run and result.posts:
            _say("their weekly counts are kept in weekly_aggregates")
        if vacuum and not dry_run:
            vacuum_database(store)
            _say("vacuumed")
    finally:
        store.close()


def doctor(
    online: Annotated[
        bool, typer.Option("--online", help="Also ask the APIs: credentials accepted, bot token valid, bot in each chat.")
    ] = False,
) -> None:
    """Check this deployment: one line per check, ok or FAIL with the fix; exit 1 on any failure."""
    from monitor.doctor import run_checks

    checks = run_checks(STATE.config_path, STATE.env, online=online)
    for check in checks:
        _say(check.line())
    failed = sum(1 for c in checks if c.status == "fail")
    _say(f"{len(checks) - failed} ok or skipped, {failed} failed" if failed else "all checks passed")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `db` command group and `doctor`."""
    app.add_typer(db_app, name="db")
    app.command("doctor")(doctor)
