"""The model of `config/keywords.yaml`: categories, interests and the watched entities."""

from __future__ import annotations

from pydantic import Field, field_validator

from monitor.config.base import StrictModel, StrList


class Category(StrictModel):
    """A kind of cultural product; cues show it even when no watched entity is named."""

    label: str
    description: str = ""
    cues: StrList = []
    exclude: StrList = []


class Interest(StrictModel):
    """A real-life interest a post can show; phrases per language code ('any' for all)."""

    label: str
    description: str = ""
    phrases: dict[str, StrList] = {}
    exclude: StrList = []


class Entity(StrictModel):
    """A watched title, franchise, brand, app or person."""

    name: str
    category: str
    aliases: StrList = []
    hashtags: StrList = []
    queries: StrList = []
    requires_context: StrList = []
    exclude: StrList = []

    @field_validator("hashtags")
    @classmethod
    def _strip_hash(cls, value: list[str]) -> list[str]:
        return [tag.lstrip("#") for tag in value]

    def search_queries(self) -> list[str]:
        """What collectors search for: explicit queries, else the name."""
        return list(self.queries) or [self.name]


class Watchlist(StrictModel):
    """Everything in `config/keywords.yaml`."""

    categories: dict[str, Category] = Field(min_length=1)
    interests: dict[str, Interest] = {}
    entities: list[Entity] = []

    def entity(self, name: str) -> Entity | None:
        """The entity with this canonical name, if watched."""
        for entity in self.entities:
            if entity.name == name:
                return entity
        return None

    def entities_in(self, category: str) -> list[Entity]:
        """Watched entities of one category, in config order."""
        return [e for e in self.entities if e.category == category]

    def hashtags(self) -> list[str]:
        """All distinct hashtags (without '#'), for hashtag-timeline sources."""
        out: list[str] = []
        for entity in self.entities:
            for tag in entity.hashtags:
                if tag.lower() not in (t.lower() for t in out):
                    out.append(tag)
        return out


def cross_check(watchlist: Watchlist) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems a single field cannot see: unknown categories, duplicate entity names."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: dict[str, int] = {}
    known = ", ".join(sorted(watchlist.categories))
    for index, entity in enumerate(watchlist.entities):
        if entity.category not in watchlist.categories:
            problems.append((("entities", index, "category"), f"unknown category {entity.category!r} (known: {known})"))
        key = entity.name.casefold()
        if key in seen:
            problems.append((("entities", index, "name"), f"{entity.name!r} is already entities[{seen[key]}]"))
        else:
            seen[key] = index
    return problems
