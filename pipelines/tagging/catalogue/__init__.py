"""The catalogue of Chinese pop culture (package data here, plus the team's files and entries) as typed entries."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from monitor.config.catalogue import CatalogueEntry, CatalogueSettings

BUILTIN_DIR = Path(__file__).parent
"""The bundled catalogue: every `*.yaml` in this folder is a list of entries (see README.md here)."""

_ENTRIES = TypeAdapter(list[CatalogueEntry])


def read_entries(path: Path) -> list[CatalogueEntry]:
    """The entries of one catalogue file (a YAML list); ValueError names the file on any problem."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return _ENTRIES.validate_python(data or [])
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"catalogue file {path}: {exc}") from None


@lru_cache(maxsize=4)
def builtin_entries() -> tuple[CatalogueEntry, ...]:
    """The bundled catalogue, read once per process."""
    return tuple(merge(read_entries(path) for path in sorted(BUILTIN_DIR.glob("*.yaml"))))


def merge(groups: Iterable[Iterable[CatalogueEntry]]) -> list[CatalogueEntry]:
    """One entry per canonical name and category (case-insensitive); a later group's entry replaces an
    earlier one. The same title may be a novel, a drama and a film: those stay separate entries."""
    by_key: dict[tuple[str, str], CatalogueEntry] = {}
    for group in groups:
        for entry in group:
            key = (entry.name.casefold(), entry.category)
            by_key.pop(key, None)
            by_key[key] = entry
    return list(by_key.values())


def load_catalogue(settings: CatalogueSettings) -> list[CatalogueEntry]:
    """Bundled entries (unless switched off), then each extra file, then inline entries."""
    groups: list[Iterable[CatalogueEntry]] = [builtin_entries()] if settings.builtin else []
    groups += [read_entries(Path(f)) for f in settings.files]
    groups.append(settings.entries)
    return merge(groups)
