"""The model of `config/keywords.yaml`: categories, interests, watched entities and tagging rules."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from monitor.config.base import StrictModel, StrList
from monitor.config.catalogue import CatalogueSettings
from monitor.config.user_regex import compile_user_regex

REGEX_PREFIX = "re:"
GROUP_PREFIX = "@"
STEM_SUFFIX = "*"
"""`путешеств*`: any word that starts with the stem (inflected forms in any language)."""
BUILTIN_GROUPS = frozenset({"culture"})
"""`@culture` in a context list is satisfied when the post got at least one category."""

_LANG_KEY = re.compile(r"^(any|[a-z]{2,3})$")


def check_pattern(value: str) -> str:
    """A phrase, `stem*`, `re:<regex>` or `@group`; reject what can never match or does not compile."""
    text = value.strip()
    if text.startswith(REGEX_PREFIX):
        body = text[len(REGEX_PREFIX) :]
        if not body.strip():
            raise ValueError(f"empty regular expression in {value!r}")
        compiled = compile_user_regex(body)  # RE2: ValueError for what it cannot run in linear time
        if compiled.fullmatch(""):
            raise ValueError(f"regular expression {body!r} matches the empty string")
        return text
    if text.endswith(STEM_SUFFIX):
        stem = text[: -len(STEM_SUFFIX)]
        letters = sum(ch.isalpha() for ch in stem)
        if " " in stem or STEM_SUFFIX in stem or letters < 3 or not all(ch.isalpha() or ch in "-'" for ch in stem):
            raise ValueError(f"word stem {value!r} must be one word of at least 3 letters followed by * (e.g. путешеств*)")
        return text
    if text.startswith(GROUP_PREFIX):
        if not re.fullmatch(r"@[a-z0-9_]+", text):
            raise ValueError(f"group reference {value!r} must look like @name (lowercase, digits, _)")
        return text
    if not any(ch.isalnum() for ch in text):
        raise ValueError(f"pattern {value!r} has no letter or digit, it would match nothing useful")
    return text


def _check_patterns(values: list[str]) -> list[str]:
    return [check_pattern(v) for v in values]


Patterns = Annotated[StrList, AfterValidator(_check_patterns)]
"""A list of phrases (case-insensitive), `re:` regular expressions or `@group` references."""


def _check_lang_keys(value: dict[str, list[str]]) -> dict[str, list[str]]:
    for key in value:
        if not _LANG_KEY.match(key):
            raise ValueError(f"language key {key!r} must be 'any' or a language code such as en, pt, zh")
    return value


PhrasesByLang = Annotated[dict[str, Patterns], AfterValidator(_check_lang_keys)]
"""Phrases per language code ('any' for all); every language is matched in every post."""


class Rules(StrictModel):
    """Global matching rules."""

    exclude: Patterns = []
    """Phrases that cancel any match they overlap ('fast travel', 'fine china')."""
    exclude_window: int = Field(default=6, ge=0, le=200)
    """How many tokens either side of a match an item's own `exclude` phrase still cancels it."""
    origin_group: str = "origin"
    """The group of words that say a work is Chinese ("Chinese", "Taiwanese", "Hong Kong", 中国…)."""
    origin_before: int = Field(default=2, ge=0, le=10)
    """A category noun counts when an origin word ends at most this many tokens before it
    ("Chinese fantasy shows", "Taiwanese idol drama")…"""
    origin_after: int = Field(default=0, ge=0, le=10)
    """…or starts at most this many tokens after it ("drama chino", "séries chinoises", "phim Trung Quốc")."""


class Category(StrictModel):
    """A kind of cultural product; cues show it even when no watched entity is named."""

    label: str
    description: str = ""
    cues: Patterns = []
    nouns: Patterns = []
    """Words for this kind of work (drama, series, show…): they show the category next to an origin
    word (see `rules.origin_group`), never alone."""
    exclude: Patterns = []
    yields_to: StrList = []
    """Categories that take this one's place: its cues and nouns are dropped when the post gets one of
    these from anything else (an animated film is animation, not film). Entities and works keep it."""


class Interest(StrictModel):
    """A real-life interest a post can show.

    `phrases` show it on their own; `weak` phrases only count when one of `context` (phrases,
    `@group`, `@culture`) is also in the post; `requires_context` makes every phrase weak (money
    talk is business for this bot only next to Chinese culture, places or companies); `exclude`
    cancels a match nearby.
    """

    label: str
    description: str = ""
    phrases: PhrasesByLang = {}
    weak: PhrasesByLang = {}
    requires_context: bool = False
    context: Patterns = []
    tie: Patterns = []
    """When set, the interest counts only if one of these (`@group`s, `@culture`) is in the post too:
    buying concert tickets is shopping for this bot only when something ties it to China."""
    weak_yields_to: StrList = []
    """Interests whose presence cancels this one's weak phrases: a student living in Beijing who
    "visits" a campus is `study`, and only a trip phrase makes it `travel` too."""
    exclude: Patterns = []


class Entity(StrictModel):
    """A watched title, franchise, brand, app or person.

    `ambiguous` spellings (the name itself may be one) count only with context: a `context` phrase,
    another entity of the same category or a cue of that category in the post. `requires_context`
    makes every spelling ambiguous (its phrases are context too). `exclude` cancels a match nearby.
    """

    name: str
    category: str
    aliases: Patterns = []
    ambiguous: Patterns = []
    context: Patterns = []
    hashtags: StrList = []
    queries: StrList = []
    requires_context: Patterns = []
    exclude: Patterns = []

    @field_validator("hashtags")
    @classmethod
    def _strip_hash(cls, value: list[str]) -> list[str]:
        out = [tag.lstrip("#") for tag in value]
        for tag in out:
            if not tag or not all(ch.isalnum() or ch == "_" for ch in tag):
                raise ValueError(f"hashtag {tag!r} may only contain letters, digits and _")
        return out

    def search_queries(self) -> list[str]:
        """What collectors search for: explicit queries, else the name."""
        return list(self.queries) or [self.name]


class ModelSettings(StrictModel):
    """Which tagger decides categories and interests: the keyword `rules`, the learned `model`, or
    `both` (the model reading the words and what the rules found). Watched entities always come from
    the rules. `file` replaces the bundled model (`pulse train --output`); relative to this file."""

    mode: Literal["rules", "model", "both"] = "both"
    file: str | None = None


class Watchlist(StrictModel):
    """Everything in `config/keywords.yaml`."""

    rules: Rules = Rules()
    groups: dict[str, Patterns] = {}
    categories: dict[str, Category] = Field(min_length=1)
    interests: dict[str, Interest] = {}
    entities: list[Entity] = []
    catalogue: CatalogueSettings = CatalogueSettings()
    model: ModelSettings = ModelSettings()
    """Known Chinese works beyond the watchlist: they give categories, never watched entities."""

    def entity(self, name: str) -> Entity | None:
        """The entity with this canonical name, if watched."""
        for entity in self.entities:
            if entity.name == name:
                return entity
        return None

    def entities_in(self, category: str) -> list[Entity]:
        """Watched entities of one category, in config order."""
        return [e for e in self.entities if e.category == category]

    def search_texts(self) -> list[str]:
        """Every entity's search queries, first spelling kept, duplicates (any case) dropped."""
        seen: dict[str, str] = {}
        for entity in self.entities:
            for text in entity.search_queries():
                seen.setdefault(text.casefold(), text)
        return list(seen.values())

    def hashtags(self) -> list[str]:
        """All distinct hashtags (without '#'), for hashtag-timeline sources."""
        out: list[str] = []
        for entity in self.entities:
            for tag in entity.hashtags:
                if tag.lower() not in (t.lower() for t in out):
                    out.append(tag)
        return out


def _group_refs(watchlist: Watchlist) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, reference) of every `@group` used anywhere."""
    refs: list[tuple[tuple[str | int, ...], str]] = []

    def scan(loc: tuple[str | int, ...], values: list[str]) -> None:
        for i, value in enumerate(values):
            if value.startswith(GROUP_PREFIX):
                refs.append(((*loc, i), value))

    scan(("rules", "exclude"), watchlist.rules.exclude)
    for name, values in watchlist.groups.items():
        scan(("groups", name), values)
    for name, cat in watchlist.categories.items():
        scan(("categories", name, "cues"), cat.cues)
        scan(("categories", name, "nouns"), cat.nouns)
        scan(("categories", name, "exclude"), cat.exclude)
    for name, interest in watchlist.interests.items():
        for field in ("phrases", "weak"):
            for lang, values in getattr(interest, field).items():
                scan(("interests", name, field, lang), values)
        scan(("interests", name, "context"), interest.context)
        scan(("interests", name, "tie"), interest.tie)
        scan(("interests", name, "exclude"), interest.exclude)
    for index, entity in enumerate(watchlist.entities):
        for field in ("aliases", "ambiguous", "context", "requires_context", "exclude"):
            scan(("entities", index, field), getattr(entity, field))
    return refs


def cross_check(watchlist: Watchlist) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems a single field cannot see: unknown categories and groups, duplicate names."""
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
    for name, category in watchlist.categories.items():
        for index, other in enumerate(category.yields_to):
            if other not in watchlist.categories or other == name:
                problems.append((("categories", name, "yields_to", index), f"unknown category {other!r} (known: {known})"))
    for name, interest in watchlist.interests.items():
        for index, other in enumerate(interest.weak_yields_to):
            if other not in watchlist.interests or other == name:
                problems.append((("interests", name, "weak_yields_to", index), f"unknown interest {other!r}"))
    groups = set(watchlist.groups)
    if any(c.nouns for c in watchlist.categories.values()) and watchlist.rules.origin_group not in groups:
        problems.append(
            (("rules", "origin_group"), f"category nouns need the group {watchlist.rules.origin_group!r} under groups:")
        )
    for loc, ref in _group_refs(watchlist):
        name = ref[len(GROUP_PREFIX) :]
        if loc[0] == "groups":
            problems.append((loc, f"a group cannot refer to another group ({ref})"))
            continue
        allowed_builtin = name in BUILTIN_GROUPS and loc[0] == "interests" and loc[2] in ("context", "tie")
        if name not in groups and not allowed_builtin:
            where = "only in interest context" if name in BUILTIN_GROUPS else f"defined: {', '.join(sorted(groups)) or 'none'}"
            problems.append((loc, f"unknown group {ref!r} ({where})"))
    return problems
