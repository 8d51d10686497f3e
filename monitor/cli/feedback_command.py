"""`pulse feedback export FILE`: the tag corrections made from the chat, as a labelled JSON Lines file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from monitor.atomic_file import write_atomic
from monitor.cli.context import console, load_or_exit, open_store

feedback_app = typer.Typer(help="Tag corrections made from the chat.", no_args_is_help=True)


@feedback_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write (replaced whole).", dir_okay=False)],
) -> None:
    """Write one labelled post per corrected post (its latest labels), readable by `pulse eval --gold` and `pulse train --extra`."""
    from monitor.store.feedback import labelled_examples

    config = load_or_exit()
    store = open_store(config)
    try:
        lines = [json.dumps(item, ensure_ascii=False) + "\n" for item in labelled_examples(store)]
    finally:
        store.close()
    write_atomic(file, "".join(lines))
    console.print(f"wrote {len(lines)} labelled posts to {file}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `feedback` command group."""
    app.add_typer(feedback_app, name="feedback")
