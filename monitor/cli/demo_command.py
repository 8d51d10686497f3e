"""`pulse demo`: the whole chain on the bundled sample corpus, no network, no credentials."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from monitor.atomic_file import write_atomic
from monitor.cli.context import STATE, console, err_console, load_or_exit

if TYPE_CHECKING:
    from pipelines.trends import IsoWeek


def demo(
    database: Annotated[Path, typer.Option(help="SQLite file to (re)create for the demo.")] = Path("data/demo.db"),
    out: Annotated[Path, typer.Option(help="Folder for the digest files.")] = Path("out"),
    show: Annotated[bool, typer.Option("--show/--no-show", help="Print the digest when done.")] = True,
) -> None:
    """Collect the bundled sample corpus into a fresh SQLite database, tag it, write the latest week's digest."""
    from rich.markdown import Markdown
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from monitor.collectors.runner import run_source
    from monitor.digest import render_charts, render_html, render_markdown, save_charts
    from monitor.sources.jsonl_file import JsonlFileOptions
    from monitor.store import Store
    from pipelines.tagging import build_tagger
    from pipelines.tagging.store_tagging import tag_stored_posts
    from pipelines.trends import IsoWeek, build_weekly_report

    config = load_or_exit()
    for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        stale.unlink(missing_ok=True)
    config = dataclasses.replace(
        config,
        database_url=f"sqlite:///{database}",
        sources={"jsonl_file": JsonlFileOptions(enabled=True, paths=["sample"])},
    )
    store = Store(config.database_url)
    try:
        with Progress(
            TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err_console, transient=False,
        ) as bar:
            collect_task = bar.add_task("collect", total=None)
            report = run_source(
                "jsonl_file", config, store, STATE.env,
                progress=lambda _s, _q, n: bar.update(collect_task, completed=n),
            )
            if report.status not in {"ok", "partial"}:
                err_console.print(f"collecting the sample failed: {report.message}", highlight=False)
                raise typer.Exit(1)
            total = store.count_posts()
            bar.update(collect_task, total=total, completed=total)

            tag_task = bar.add_task("tag", total=total)
            tagger = build_tagger(config.watchlist, batch_size=config.settings.tagging.batch_size)
            tag_stored_posts(store, tagger, on_progress=lambda n: bar.advance(tag_task, n))

            digest_task = bar.add_task("digest", total=1)
            newest = store.newest_post_time()
            if newest is None:
                err_console.print("the sample corpus is empty", highlight=False)
                raise typer.Exit(1)
            week = IsoWeek.of(newest.astimezone(ZoneInfo(config.settings.timezone)).date())
            weekly = build_weekly_report(store, config.watchlist, config.settings, week)
            out.mkdir(parents=True, exist_ok=True)
            charts = render_charts(weekly)
            chart_paths = save_charts(charts, out)
            markdown = render_markdown(weekly, [(c.name, c.caption) for c in charts])
            md_path = out / f"digest-{week}.md"
            html_path = out / f"digest-{week}.html"
            write_atomic(md_path, markdown)
            write_atomic(html_path, render_html(weekly, charts))
            bar.advance(digest_task)
    finally:
        store.close()
    if show:
        console.print(Markdown(markdown))
    console.print(
        f"\nDemo done: {total} sample posts collected and tagged into {database}.\n"
        f"Digest for {week}: {md_path} and {html_path}"
        + (f", charts: {', '.join(str(p) for p in chart_paths)}" if chart_paths else ""),
        highlight=False,
    )
    console.print(next_steps(database, week), highlight=False, markup=False)


def next_steps(database: Path, week: IsoWeek) -> str:
    """What to try after the demo, on the demo's database (a plain `pulse digest` would read config/pulse.yaml's)."""
    url = f"sqlite:///{database}"
    return (
        "\nNext, on the demo database (`pulse` is .venv/bin/pulse; `source .venv/bin/activate` puts it on PATH):\n"
        f"  export PULSE_DATABASE_URL={url}\n"
        f"  .venv/bin/pulse digest --week {week} --format telegram\n"
        "  .venv/bin/pulse db stats\n"
        f"  .venv/bin/pulse export --week {week} > {week}.jsonl\n"
        "Without PULSE_DATABASE_URL, pulse uses storage.url from config/pulse.yaml (a different, empty database)."
    )


def register(app: typer.Typer) -> None:
    """Add `demo`."""
    app.command("demo")(demo)
