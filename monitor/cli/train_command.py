"""`pulse train`: rebuilds the learned tagger from the labelled files (fixed seed, reproducible)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import console, err_console, load_or_exit, print_config_errors


def train(
    gold: Annotated[
        list[Path] | None,
        typer.Option(help="Labelled JSONL file(s); their development halves are the training data (repeatable)."),
    ] = None,
    extra: Annotated[
        list[Path] | None,
        typer.Option(
            help="More labelled JSONL file(s) added to the --gold files (e.g. from `pulse feedback export`); "
            "read like any labelled file (repeatable)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (cross-validation folds, solver).")] = 13,
    output: Annotated[Path | None, typer.Option(help="Model file to write (default: the bundled model).")] = None,
    keywords: Annotated[Path | None, typer.Option(help="Keywords file (default: the one pulse.yaml names).")] = None,
) -> None:
    """Train the classifier for categories and interests on the dev halves; per-label thresholds from dev only."""
    from rich.table import Table

    from monitor.config import ConfigError, load_watchlist
    from pipelines.tagging.classifier import BUNDLED
    from pipelines.tagging.training import DEFAULT_GOLD
    from pipelines.tagging.training import train as train_model

    files = [*(gold or DEFAULT_GOLD), *(extra or [])]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        err_console.print(f"labelled file not found: {', '.join(missing)}", highlight=False)
        raise typer.Exit(2)
    try:
        watchlist = load_watchlist(keywords) if keywords else load_or_exit().watchlist
    except ConfigError as exc:
        print_config_errors(exc)
        raise typer.Exit(1) from None
    with console.status("training…"):
        try:
            classifier, reports = train_model(watchlist, files, seed=seed, on_step=lambda m: err_console.print(m, highlight=False))
        except ValueError as exc:
            err_console.print(f"cannot train: {exc}", highlight=False)
            raise typer.Exit(1) from None
    table = Table(title="out-of-fold scores on the development halves", title_justify="left", show_edge=False)
    for column in ("variant", "label", "positives", "threshold", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column in ("variant", "label") else "right")
    for r in reports:
        table.add_row(r.variant, r.label, str(r.positives), f"{r.threshold:.3f}", f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}")
    console.print(table)
    target = output or BUNDLED
    classifier.save(target)
    console.print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {classifier.meta['training_posts']} posts, seed {seed})", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `train`."""
    app.command("train")(train)
