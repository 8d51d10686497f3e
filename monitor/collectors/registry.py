"""Collectors registered by name; every module in `monitor.collectors` is discovered."""

from __future__ import annotations

import importlib
import pkgutil

from monitor.collectors.base import Collector

_REGISTRY: dict[str, type[Collector]] = {}
_INFRASTRUCTURE = {"base", "registry", "runner", "http", "retry"}
_loaded = False


def register(cls: type[Collector]) -> type[Collector]:
    """Class decorator: make a collector available under its `name`."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise RuntimeError(f"two collectors are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    import monitor.collectors as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in _INFRASTRUCTURE and not module.name.startswith("_"):
            importlib.import_module(f"monitor.collectors.{module.name}")
    _loaded = True


def available() -> dict[str, type[Collector]]:
    """All registered collectors by name."""
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def get(name: str) -> type[Collector]:
    """The collector class registered as `name`; KeyError if none."""
    return available()[name]
