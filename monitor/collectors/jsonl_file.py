"""A collector that reads posts from JSON Lines files: the bundled sample corpus, or exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from monitor.collectors.base import Batch, Collector, Query
from monitor.collectors.registry import register
from monitor.sources.jsonl_file import SPEC, JsonlFileOptions
from monitor.post_lines import LineError, open_jsonl, read_posts

SAMPLE_CORPUS = Path(__file__).resolve().parent.parent / "sample_data" / "sample_posts.jsonl.gz"


@register
class JsonlFileCollector(Collector):
    """Reads posts in the project's JSONL format; the checkpoint is the last line read per file."""

    name = SPEC.name
    options_model = JsonlFileOptions

    def queries(self) -> list[Query]:
        out = []
        for entry in self.options.paths:
            path = SAMPLE_CORPUS if entry == "sample" else Path(entry)
            out.append(Query(key=f"file:{entry}", text=str(path)))
        return out

    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        done = int(checkpoint) if checkpoint and checkpoint.isdigit() else 0
        errors: list[LineError] = []
        batch = Batch()
        last_line = done
        with open_jsonl(Path(query.text)) as handle:
            for number, post in read_posts(handle, errors):
                if number <= done:
                    continue
                batch.posts.append(post)
                last_line = number
                if len(batch.posts) >= self.options.batch_size:
                    batch.checkpoint = str(last_line)
                    batch.errors, batch.skipped = [str(e) for e in errors], len(errors)
                    errors.clear()
                    yield batch
                    batch = Batch()
        batch.errors, batch.skipped = [str(e) for e in errors if e.line > done], len([e for e in errors if e.line > done])
        batch.checkpoint = str(last_line)
        yield batch
