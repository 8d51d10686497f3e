"""The model of a catalogue entry (a known Chinese work or name) and of the `catalogue:` keywords section."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monitor.config.base import StrictModel, StrList

CATALOGUE_CATEGORIES = ("drama", "game", "toy", "animation", "film", "literature", "music")


class CatalogueEntry(StrictModel):
    """One real work, app, studio, platform, brand or artist from mainland China, Hong Kong or Taiwan.

    `aliases` are other names fans use (Chinese, pinyin, translated titles). `ambiguous: true` means
    the name or a Latin-script alias is also an ordinary word ("Hero", "Eternal Love"): those
    spellings count only next to the same category (a cue, a watched entity or another work).
    """

    name: str = Field(min_length=1)
    category: Literal[CATALOGUE_CATEGORIES]  # type: ignore[valid-type]
    kind: str = ""
    origin: Literal["cn", "hk", "tw"] = "cn"
    year: int | None = Field(default=None, ge=1900, le=2100)
    aliases: StrList = []
    ambiguous: bool = False


class CatalogueSettings(StrictModel):
    """Which catalogue the tagger uses: the bundled one, extra YAML files and extra entries.

    Files are lists of entries in the format of `pipelines/tagging/catalogue/*.yaml`; a relative path
    is read from the keywords file's folder.
    """

    builtin: bool = True
    files: StrList = []
    entries: list[CatalogueEntry] = []
