"""The `jsonl_file` source: JSON Lines files (the bundled sample corpus, exports); options and credentials."""

from __future__ import annotations

from pydantic import Field

from monitor.sources import SourceOptions, SourceSpec, register_source


class JsonlFileOptions(SourceOptions):
    """Files to read; `sample` stands for the bundled synthetic corpus."""

    paths: list[str] = Field(default_factory=lambda: ["sample"])
    batch_size: int = Field(default=1000, ge=1)


SPEC = register_source(
    SourceSpec("jsonl_file", JsonlFileOptions, "monitor.collectors.jsonl_file:JsonlFileCollector",
               required_env=())
)
