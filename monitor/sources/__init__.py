"""Sources by name: each module here registers one source's options model, credentials and collector path.

Config validation and `pulse doctor` read these specs; the collector module (and its client library:
praw, tweepy, atproto…) is imported only when the source is run or checked online.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import Field

from monitor.config.base import StrictModel

if TYPE_CHECKING:
    from monitor.collectors.base import Collector

USER_AGENT = "CulturePulse/0.1 (+https://github.com/culture-pulse; public posts monitor)"
"""What the plain-HTTP sources (RSS, Mastodon, YouTube) send as User-Agent unless configured."""


class SourceOptions(StrictModel):
    """Options every source section in `config/pulse.yaml` has; each source subclasses it."""

    enabled: bool = False
    interval_minutes: float = Field(default=60, ge=0.05)  # fractions for tests and busy sources (0.5 = 30 s)
    api_base_url: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=2.0, ge=0)
    max_backoff_seconds: float = Field(default=60.0, ge=0)


@dataclass(frozen=True)
class SourceSpec:
    """A source's name, options model, required environment variables and its collector class.

    `collector` is a `"module:Class"` path (imported on first `load()`) or the class itself.
    """

    name: str
    options_model: type[SourceOptions]
    collector: str | Any
    required_env: tuple[str, ...] = ()

    def missing_credentials(self, env: Mapping[str, str]) -> list[str]:
        """Names of required environment variables that are unset or empty."""
        return [name for name in self.required_env if not env.get(name)]

    def load(self) -> type[Collector]:
        """The collector class (imports its module, and so its client library)."""
        if not isinstance(self.collector, str):
            return self.collector
        module, _, attribute = self.collector.partition(":")
        return getattr(importlib.import_module(module), attribute)


_SPECS: dict[str, SourceSpec] = {}
_loaded = False


def register_source(spec: SourceSpec) -> SourceSpec:
    """Make a source known under its name (each module of this package calls it once)."""
    if spec.name in _SPECS and _SPECS[spec.name] != spec:
        raise RuntimeError(f"two sources are named {spec.name!r}")
    _SPECS[spec.name] = spec
    return spec


def specs() -> dict[str, SourceSpec]:
    """Every registered source by name (imports this package's small modules, no collector)."""
    global _loaded
    if not _loaded:
        import monitor.sources as package

        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"monitor.sources.{module.name}")
        _loaded = True
    return dict(sorted(_SPECS.items()))
