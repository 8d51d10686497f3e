"""Collector classes by source name, imported on first use (`monitor.sources` says which class)."""

from __future__ import annotations

from monitor.collectors.base import Collector
from monitor.sources import specs

_REGISTRY: dict[str, type[Collector]] = {}


def register(cls: type[Collector]) -> type[Collector]:
    """Class decorator: the collector of the source `cls.name` (its module is imported by `get`)."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise RuntimeError(f"two collectors are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def get(name: str) -> type[Collector]:
    """The collector class of source `name` (imports its module and client library); KeyError if none."""
    if name not in _REGISTRY:
        _REGISTRY[name] = specs()[name].load()
    return _REGISTRY[name]


def available() -> dict[str, type[Collector]]:
    """Every collector class by name: imports them all (and their client libraries); prefer `specs()`."""
    return {name: get(name) for name in sorted({*specs(), *_REGISTRY})}
