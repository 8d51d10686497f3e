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
    return tuple(e for path in sorted(BUILTIN_DIR.glob("*.yaml")) for e in read_entries(path))


def merge(groups: Iterable[Iterable[CatalogueEntry]]) -> list[CatalogueEntry]:
    """One entry per canonical name (case-insensitive); a later group's entry replaces an earlier one."""
    by_name: dict[str, CatalogueEntry] = {}
    for group in groups:
        for entry in group:
            by_name.pop(entry.name.casefold(), None)
            by_name[entry.name.casefold()] = entry
    return list(by_name.values())


def load_catalogue(settings: CatalogueSettings) -> list[CatalogueEntry]:
    """Bundled entries (unless switched off), then each extra file, then inline entries."""
    groups: list[Iterable[CatalogueEntry]] = [builtin_entries()] if settings.builtin else []
    groups += [read_entries(Path(f)) for f in settings.files]
    groups.append(settings.entries)
    return merge(groups)
