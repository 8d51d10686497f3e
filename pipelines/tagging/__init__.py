"""The tagging pipeline: a spaCy Language built from config/keywords.yaml, and a Tagger for posts."""

from __future__ import annotations

from pipelines.tagging.pipeline import PIPE_NAMES, Tagger, build_pipeline, build_tagger

__all__ = ["PIPE_NAMES", "Tagger", "build_pipeline", "build_tagger"]
