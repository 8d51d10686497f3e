"""Edits of the keywords file as a person would make them: one entity line added or removed, every other
byte kept; positions come from ruamel.yaml's round-trip parse, validation from the normal loader."""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from monitor.config import ConfigError, ConfigProblem, _display, load_watchlist
from monitor.config.watchlist import Watchlist
from monitor.untrusted import one_line

NOTE_MARK = "via Telegram"
"""Every comment line this module writes contains this (so /unwatch can drop it with its entity)."""


class EditError(Exception):
    """The edit cannot be made (e.g. the entity is not in the file); the message is for the chat."""


@dataclass(frozen=True)
class NewEntity:
    """An entity to watch, as /watch or a button gives it."""

    name: str
    category: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100_000  # never wrap a line
    return yaml


def _parse(text: str) -> CommentedMap:
    try:
        doc = _yaml().load(text)
    except YAMLError as exc:
        raise EditError(f"the keywords file is not valid YAML now ({one_line(str(exc))[:200]}); fix it by hand first") from None
    if not isinstance(doc, CommentedMap):
        raise EditError("the keywords file is not a mapping; fix it by hand first")
    return doc


_PLAIN = re.compile(r"[^\W_][\w .'&+-]*", re.UNICODE)
"""Values written unquoted; anything else is single-quoted (safe for both YAML 1.1 and 1.2 readers)."""


def _scalar(value: str) -> str:
    value = one_line(value)
    plain = _PLAIN.fullmatch(value) and not value.endswith(" ") and value.lower() not in _YAML11_WORDS
    return value if plain else SingleQuotedScalarString(value)


_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none"})


def _flow_line(entity: NewEntity) -> str:
    """'{name: X, category: toy, aliases: [a, b]}' quoted where YAML needs it (checked by reading it back)."""
    item = CommentedMap()
    item["name"] = _scalar(entity.name)
    item["category"] = _scalar(entity.category)
    if entity.aliases:
        aliases = CommentedSeq([_scalar(a) for a in entity.aliases])
        aliases.fa.set_flow_style()
        item["aliases"] = aliases
    item.fa.set_flow_style()
    out = io.StringIO()
    _yaml().dump([item], out)
    line = out.getvalue().strip().removeprefix("- ").strip()
    expected = {"name": one_line(entity.name), "category": one_line(entity.category)}
    if entity.aliases:
        expected["aliases"] = [one_line(a) for a in entity.aliases]
    if pyyaml.safe_load(line) != expected:  # the loader (PyYAML) must read back exactly what was meant
        raise EditError("this name or alias cannot be written safely; edit the file by hand")
    return line


def _entity_lines(text: str, doc: CommentedMap) -> tuple[CommentedSeq, list[tuple[int, int]]]:
    """The entities list and, per item, its first and last line (0-based, comments after it excluded)."""
    entities = doc.get("entities")
    if not isinstance(entities, CommentedSeq) or entities.fa.flow_style() or not entities:
        raise EditError("the keywords file has no block list under `entities:`; add the first entity by hand")
    lines = text.splitlines()
    starts = [entities.lc.item(i)[0] for i in range(len(entities))]
    keys = list(doc.keys())
    after = keys.index("entities") + 1
    end_of_list = doc.lc.key(keys[after])[0] if after < len(keys) else len(lines)
    spans = []
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else end_of_list
        last = stop - 1
        while last > start and (not lines[last].strip() or lines[last].lstrip().startswith("#")):
            last -= 1
        spans.append((start, last))
    return entities, spans


def add_entity(text: str, entity: NewEntity, note: str) -> str:
    """`text` with `entity` added after the last entity of its category (else at the end of the list),
    preceded by a comment line `# <note>`; nothing else changes."""
    doc = _parse(text)
    entities, spans = _entity_lines(text, doc)
    same = [i for i, item in enumerate(entities) if isinstance(item, dict) and item.get("category") == entity.category]
    at = spans[same[-1] if same else len(spans) - 1][1] + 1
    lines = text.splitlines(keepends=True)
    first = lines[spans[0][0]]
    indent = first[: len(first) - len(first.lstrip())]
    newline = "\r\n" if first.endswith("\r\n") else "\n"
    if at == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    comment = f"{indent}# {one_line(note)}{newline}"
    lines[at:at] = [comment, f"{indent}- {_flow_line(entity)}{newline}"]
    return "".join(lines)


def remove_entity(text: str, name: str) -> tuple[str, str]:
    """(`text` without the entity named `name` (any case) and a comment line this module wrote just above
    it, the entity's category)."""
    doc = _parse(text)
    entities, spans = _entity_lines(text, doc)
    match = [i for i, item in enumerate(entities) if isinstance(item, dict) and str(item.get("name", "")).casefold() == name.casefold()]
    if not match:
        raise EditError(f"{name!r} is not on the watchlist")
    index = match[0]
    start, last = spans[index]
    lines = text.splitlines(keepends=True)
    if start > 0 and lines[start - 1].lstrip().startswith("#") and NOTE_MARK in lines[start - 1]:
        start -= 1
    del lines[start : last + 1]
    return "".join(lines), str(entities[index].get("category", ""))


def validate_text(path: Path, text: str) -> Watchlist:
    """Validate `text` exactly as the keywords file at `path` would be (same loader, same folder for relative
    paths); ConfigError's problems name `path`'s file as a hand edit's would."""
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", prefix=f".{path.name}.", suffix=".check", dir=path.parent, delete=False
    ) as handle:
        handle.write(text)
        temp = Path(handle.name)
    try:
        return load_watchlist(temp)
    except ConfigError as exc:
        name = _display(path)
        raise ConfigError(
            [ConfigProblem(name if p.file == _display(temp) else p.file, p.line, p.field, p.message) for p in exc.problems]
        ) from None
    finally:
        temp.unlink(missing_ok=True)


def writable(path: Path) -> bool:
    """Whether the bot may replace `path`: the file and its folder writable (writes go through a rename; a
    read-only mount fails here even for root) and the file not marked read-only (no write bit at all:
    `chmod a-w` says "hands off" even to a bot running as root)."""
    try:
        marked = path.stat().st_mode & 0o222 == 0
    except OSError:
        return False
    return not marked and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
