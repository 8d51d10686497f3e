"""Reads YAML while remembering the line of every value, so errors can point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.config.problems import ConfigError, ConfigProblem

Location = tuple[str | int, ...]

MAX_FILE_BYTES = 4 * 1024 * 1024
"""A config file larger than this is refused unread (the shipped ones are < 200 KB)."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists accepted (the shipped files use 6)."""
MAX_VALUES = 300_000
"""Most values a file may hold once aliases are expanded: bounds an alias bomb of a few KB."""


@dataclass
class YamlDocument:
    """Parsed YAML data plus the 1-based line of each key path."""

    path: Path
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, loc: Location) -> int | None:
        """Line of the deepest known prefix of `loc` (pydantic locations may go deeper)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first defined on line {seen[key]})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _index_lines(node: yaml.Node, loc: Location, out: dict[Location, int]) -> None:
    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*loc, key)
            out[child] = key_node.start_mark.line + 1
            _index_lines(value_node, child, out)
            # a nested value's own line wins for deeper paths, the key line for the key itself
            out[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            out[child] = item.start_mark.line + 1
            _index_lines(item, child, out)


def _check_bounds(root: yaml.Node) -> tuple[str, int | None] | None:
    """(why, line) if the composed document is too deep or expands too far (no recursion, aliases counted once)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if not children_done:
            if id(node) in sizes:
                continue
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + sum(sizes.get(id(child), 1) for child in children)
        if size > MAX_VALUES:
            return f"expands to more than {MAX_VALUES:,} values (aliases repeating aliases?)", None
        sizes[id(node)] = size
    return None


def read_yaml(path: Path, display_name: str | None = None) -> YamlDocument:
    """Parse `path` within the bounds above; raise ConfigError naming file and line on unreadable or invalid YAML."""
    name = display_name or str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError([ConfigProblem(name, None, "", f"file larger than {MAX_FILE_BYTES:,} bytes")])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(name, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(name, None, "", f"cannot read file: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        too_big = _check_bounds(node) if node is not None else None
        if too_big:
            raise ConfigError([ConfigProblem(name, too_big[1], "", f"YAML {too_big[0]}")])
        data = yaml.load(text, Loader=_StrictLoader) if node is not None else None
    except RecursionError:
        raise ConfigError([ConfigProblem(name, None, "", f"YAML nested deeper than {MAX_DEPTH} levels")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{problem} ({exc.context})"
        raise ConfigError([ConfigProblem(name, line, "", f"YAML syntax error: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem(name, None, "", f"YAML error: {exc}")]) from None
    lines: dict[Location, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return YamlDocument(path=path, data=data, lines=lines)
