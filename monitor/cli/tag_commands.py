"""`pulse tag` and `pulse eval`: tagging posts (file or store) and scoring the tagger on a gold file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.context import console, err_console, load_or_exit, open_store, print_config_errors

if TYPE_CHECKING:  # imported on use, so that `pulse --help` stays fast
    from rich.progress import Progress

    from monitor.post_lines import LineError

def _tagger(keywords: Path | None, workers: int = 1, batch_size: int = 256):  # noqa: ANN202
    """A Tagger for --keywords, else for the keywords file of the loaded config."""
    from monitor.config import ConfigError
    from pipelines.tagging import build_tagger

    path = keywords if keywords is not None else load_or_exit().keywords_path
    try:
        return build_tagger(path, workers=workers, batch_size=batch_size)
    except ConfigError as exc:
        print_config_errors(exc)
        raise typer.Exit(1) from None


def _progress() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("tagging"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def _tag_file(tagger, source: Path, output: Path | None) -> None:  # noqa: ANN001
    from monitor.post_lines import open_jsonl, read_posts

    errors: list[LineError] = []
    try:
        handle = open_jsonl(source)
    except OSError as exc:
        err_console.print(f"cannot open {source}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with handle:
            posts = (post for _, post in read_posts(handle, errors))
            buffered = []
            for post in posts:
                buffered.append(post)
                if len(buffered) >= 4096:
                    count += _write_tagged(tagger, buffered, out)
                    buffered = []
            count += _write_tagged(tagger, buffered, out)
    finally:
        if output:
            out.close()
    for error in errors[:50]:
        err_console.print(f"{source}:{error.line}: {error.message}", highlight=False, soft_wrap=True)
    if len(errors) > 50:
        err_console.print(f"… and {len(errors) - 50} more bad lines", highlight=False)
    err_console.print(f"tagged {count} posts, {len(errors)} skipped", highlight=False)


def _write_tagged(tagger, posts: list, out) -> int:  # noqa: ANN001
    from monitor.posts import write_post_line

    for post, tags in zip(posts, tagger.tag_posts(posts), strict=True):
        write_post_line(out, post, tags.as_dict())
    return len(posts)


def _tag_store(keywords: Path | None, workers: int, since: str | None, until: str | None) -> None:
    from monitor.cli.data_commands import parse_day
    from pipelines.tagging.store_tagging import tag_stored_posts

    config = load_or_exit()
    tagger = _tagger(keywords or config.keywords_path, workers, config.settings.tagging.batch_size)
    start, end = parse_day(since), parse_day(until)
    store = open_store(config)
    try:
        total = store.count_posts_between(start, end)
        with _progress() as bar:
            task = bar.add_task("tag", total=total)
            done = tag_stored_posts(store, tagger, start, end, on_progress=lambda n: bar.advance(task, n))
    finally:
        store.close()
    console.print(f"tagged {done} posts", highlight=False)


def tag(
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="Tag this JSONL file instead of the store (no database).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="With --input: file to write (default stdout).")] = None,
    since: Annotated[str | None, typer.Option(help="Store mode: first day (inclusive), e.g. 2026-11-01.")] = None,
    until: Annotated[str | None, typer.Option(help="Store mode: last day (exclusive).")] = None,
    keywords: Annotated[Path | None, typer.Option(help="Keywords file (default: the one pulse.yaml names).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes.")] = 1,
) -> None:
    """Tag posts: a JSONL file (--input, fields added to each line) or the stored posts (all or --since)."""
    if input is not None:
        _tag_file(_tagger(keywords, workers), input, output)
    else:
        if output is not None:
            err_console.print("--output needs --input", highlight=False)
            raise typer.Exit(2)
        _tag_store(keywords, workers, since, until)


def _print_group(name: str, group) -> None:  # noqa: ANN001
    from rich.table import Table

    table = Table(title=name, title_justify="left", show_edge=False)
    for column in ("label", "precision", "recall", "F1", "support", "FP", "FN"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, c in sorted(group.labels.items(), key=lambda kv: (kv[1].f1, kv[0])):
        table.add_row(label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", str(c.support), str(c.fp), str(c.fn))
    m = group.micro
    table.add_row("[bold]micro[/bold]", f"{m.precision:.3f}", f"{m.recall:.3f}", f"[bold]{m.f1:.3f}[/bold]", str(m.support), str(m.fp), str(m.fn))
    console.print(table)


def evaluate(
    gold: Annotated[Path, typer.Option(help="Labelled JSONL file (posts with a `gold` field).")] = Path(
        "tests/data/labelled_posts.jsonl"
    ),
    split: Annotated[str, typer.Option(help="dev, heldout or all (fixed halves by a hash of the id).")] = "all",
    keywords: Annotated[Path | None, typer.Option(help="Keywords file (default: the one pulse.yaml names).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the micro scores as JSON only.")] = False,
    worst: Annotated[int, typer.Option(help="How many worst labels to list per group.")] = 5,
    compare: Annotated[
        bool, typer.Option("--compare", help="Rules, model and both side by side on each half of each --gold file.")
    ] = False,
) -> None:
    """Precision, recall and F1 per label and micro-averaged, language accuracy, worst labels."""
    from pipelines.tagging.evaluation import SPLITS, run_evaluation

    if compare:
        _compare(gold, keywords)
        return

    if split not in SPLITS:
        err_console.print(f"--split must be one of {', '.join(SPLITS)}", highlight=False)
        raise typer.Exit(2)
    tagger = _tagger(keywords)
    try:
        result = run_evaluation(tagger, gold, split)
    except (OSError, ValueError) as exc:
        err_console.print(f"cannot evaluate: {exc}", highlight=False)
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(json.dumps(result.summary()))
        return
    console.print(f"split {split}: {result.posts} posts", highlight=False)
    for name, group in result.groups.items():
        _print_group(name, group)
    console.print(f"language accuracy {result.lang_accuracy:.3f} ({result.lang_correct}/{result.lang_total})", highlight=False)
    console.print("[bold]worst labels[/bold]")
    for name, group in result.groups.items():
        for label, c in group.worst(worst):
            fps = ", ".join(group.false_positives.get(label, [])[:4])
            fns = ", ".join(group.false_negatives.get(label, [])[:4])
            console.print(
                f"  {name}/{label}: F1 {c.f1:.2f}, {c.fp} false positive(s) {fps and '(' + fps + ')'}, "
                f"{c.fn} missed {fns and '(' + fns + ')'}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
    if result.lang_confusions:
        pairs = sorted(result.lang_confusions.items(), key=lambda kv: -kv[1])[:worst]
        console.print("  language: " + ", ".join(f"{g}→{p} ×{n}" for (g, p), n in pairs), highlight=False)
    console.print(
        "micro F1: " + ", ".join(f"{n} {g.micro.f1:.3f}" for n, g in result.groups.items()), highlight=False
    )


def _compare(gold: Path, keywords: Path | None) -> None:
    from rich.table import Table

    from pipelines.tagging.evaluation import compare_modes
    from pipelines.tagging.training import DEFAULT_GOLD

    files = [gold] if gold != DEFAULT_GOLD[0] else [f for f in DEFAULT_GOLD if f.is_file()]
    watchlist = _tagger(keywords).watchlist
    try:
        rows = compare_modes(watchlist, files)
    except (OSError, ValueError) as exc:
        err_console.print(f"cannot evaluate: {exc}", highlight=False)
        raise typer.Exit(1) from None
    table = Table(title="micro P / R / F1 by tagging mode", title_justify="left", show_edge=False)
    for column in ("file", "half", "posts", "mode", "categories", "entities", "interests"):
        table.add_column(column, justify="left" if column in ("file", "half", "mode") else "right")
    for name, split, mode, result in rows:
        cells = [f"{g.micro.precision:.2f} / {g.micro.recall:.2f} / [bold]{g.micro.f1:.3f}[/bold]" for g in result.groups.values()]
        table.add_row(name, split, str(result.posts), mode, *cells)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `tag` and `eval`."""
    app.command("tag")(tag)
    app.command("eval")(evaluate)
