"""`pulse collect`: run the collectors once, with progress and a summary table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.context import STATE, console, err_console, load_or_exit, open_store

if TYPE_CHECKING:  # imported on use, so that `pulse --help` stays fast
    from rich.table import Table

    from monitor.collectors.runner import ProgressCallback, SourceReport
    from monitor.config import AppConfig
    from monitor.store import Store


def render_reports(reports: list[SourceReport]) -> Table:
    """The summary table: one row per source query."""
    from rich.table import Table

    table = Table(title="Collection summary")
    for column in ("source", "query", "new", "updated", "skipped", "errors"):
        table.add_column(column, justify="right" if column in {"new", "updated", "skipped", "errors"} else "left")
    for report in reports:
        if not report.queries:
            table.add_row(report.source, f"[{report.status}] {report.message or ''}", "0", "0", "0", "0")
        for q in report.queries:
            table.add_row(report.source, q.query, str(q.new), str(q.updated), str(q.skipped), str(q.errors))
    return table


def _run_leased(config: AppConfig, store: Store, names: list[str], progress: ProgressCallback) -> list[SourceReport]:
    """Each source under its lease: a source another process is collecting right now is skipped, with the reason."""
    from monitor.collectors.leased_run import collect_under_lease
    from monitor.collectors.runner import SourceReport
    from monitor.store.leases import Leases, process_owner

    leases = Leases(store, process_owner(), expiry=config.settings.schedules.lease_seconds)
    reports = []
    try:
        for name in names:
            run = collect_under_lease(name, config, store, STATE.env, leases, scheduled=False, progress=progress)
            reports.append(run.report or SourceReport(source=name, status="skipped", message=run.reason))
    finally:
        leases.close()
    return reports


def collect(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fetch and normalise, store nothing.")] = False,
) -> None:
    """Run the enabled collectors (or --source NAME) once and store new posts."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from monitor.collectors.runner import run_sources
    from monitor.sources import specs

    config = load_or_exit()
    names = source or config.enabled_sources()
    unknown = [n for n in names if n not in specs()]
    if unknown:
        err_console.print(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(specs())}")
        raise typer.Exit(2)
    not_configured = [n for n in names if n not in config.sources]
    if not_configured:
        err_console.print(f"source(s) without a section in {config.settings_path}: {', '.join(not_configured)}")
        raise typer.Exit(2)
    if not names:
        err_console.print("no source is enabled; enable one under `sources:` in the config")
        raise typer.Exit(1)
    store = None if dry_run else open_store(config, create=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("collecting", total=None)

        def progress(src: str, query: str, fetched: int) -> None:
            bar.update(task, description=f"{src} {query}: {fetched} posts")

        reports = run_sources(config, store, STATE.env, names, progress=progress) if store is None else _run_leased(config, store, names, progress)
    console.print(render_reports(reports))
    for report in reports:
        if report.status != "ok":
            err_console.print(f"{report.source}: {report.status}: {report.message}", highlight=False, soft_wrap=True)
    if store:
        store.close()
    if all(r.status in {"failed", "skipped"} for r in reports):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `collect`."""
    app.command("collect")(collect)
