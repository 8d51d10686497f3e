"""Loads and validates `pulse.yaml` and the watchlist it points at; errors name file, line, field."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from monitor.config.problems import ConfigError, ConfigProblem, problems_from_validation
from monitor.config.settings import Settings
from monitor.config.watchlist import Watchlist, cross_check
from monitor.config.yaml_source import read_yaml

DEFAULT_CONFIG = Path("config/pulse.yaml")

__all__ = ["AppConfig", "ConfigError", "ConfigProblem", "DEFAULT_CONFIG", "load_config", "resolve_config_path"]


@dataclass
class AppConfig:
    """A validated configuration: settings, watchlist and each source's options."""

    settings: Settings
    watchlist: Watchlist
    sources: dict  # name -> SourceOptions subclass instance
    settings_path: Path
    keywords_path: Path
    database_url: str
    warnings: list[str] = field(default_factory=list)

    def enabled_sources(self) -> list[str]:
        """Names of sources switched on in config."""
        return [name for name, options in self.sources.items() if options.enabled]

    def keywords_changed_at(self) -> datetime | None:
        """When the keywords file was last modified (UTC), or None when it cannot be read."""
        try:
            return datetime.fromtimestamp(self.keywords_path.stat().st_mtime, UTC)
        except OSError:
            return None


def resolve_config_path(explicit: str | Path | None = None) -> Path:
    """--config wins, then PULSE_CONFIG, then config/pulse.yaml."""
    if explicit:
        return Path(explicit)
    if os.environ.get("PULSE_CONFIG"):
        return Path(os.environ["PULSE_CONFIG"])
    return DEFAULT_CONFIG


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_watchlist(path: Path) -> Watchlist:
    """Validate a keywords file on its own."""
    name = _display(path)
    doc = read_yaml(path, name)
    if not isinstance(doc.data, dict):
        raise ConfigError([ConfigProblem(name, 1, "", "expected a mapping with categories, interests and entities")])
    try:
        watchlist = Watchlist.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, doc, name)) from None
    problems = [ConfigProblem(name, doc.line_of(loc), _loc(loc), msg) for loc, msg in cross_check(watchlist)]
    files, file_problems = _catalogue_files(watchlist, path.parent, doc, name)
    problems += file_problems
    if problems:
        raise ConfigError(problems)
    if files != list(watchlist.catalogue.files):
        watchlist = watchlist.model_copy(update={"catalogue": watchlist.catalogue.model_copy(update={"files": files})})
    model_file = watchlist.model.file
    if model_file and not Path(model_file).is_absolute():
        resolved = str((path.parent / model_file).resolve())
        watchlist = watchlist.model_copy(update={"model": watchlist.model.model_copy(update={"file": resolved})})
    if watchlist.model.file and not Path(watchlist.model.file).is_file():
        loc = ("model", "file")
        raise ConfigError([ConfigProblem(name, doc.line_of(loc), _loc(loc), f"model file {model_file!r} not found")])
    return watchlist


def _catalogue_files(watchlist: Watchlist, base: Path, doc, name: str) -> tuple[list[str], list[ConfigProblem]]:  # noqa: ANN001
    """The `catalogue.files` as absolute paths (relative ones from the keywords file's folder), each validated."""
    from monitor.config.catalogue import CatalogueEntry

    files, problems = [], []
    for index, raw in enumerate(watchlist.catalogue.files):
        loc = ("catalogue", "files", index)
        file = Path(raw) if Path(raw).is_absolute() else base / raw
        files.append(str(file.resolve()))
        if not file.is_file():
            problems.append(ConfigProblem(name, doc.line_of(loc), _loc(loc), f"catalogue file {raw!r} not found"))
            continue
        try:
            entries = read_yaml(file, _display(file))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(entries.data, list):
            problems.append(ConfigProblem(_display(file), 1, "", "expected a list of catalogue entries"))
            continue
        for position, item in enumerate(entries.data):
            try:
                CatalogueEntry.model_validate(item)
            except ValidationError as exc:
                problems.extend(problems_from_validation(exc, entries, _display(file), prefix=(position,)))
    return files, problems


def _loc(loc: tuple[str | int, ...]) -> str:
    from monitor.config.problems import format_location

    return format_location(loc)


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    """Load and validate everything; raise ConfigError listing every problem found."""
    from monitor.collectors import registry

    env = os.environ if env is None else env
    settings_path = resolve_config_path(path)
    name = _display(settings_path)
    doc = read_yaml(settings_path, name)
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(name, 1, "", "expected a mapping of settings")])
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, doc, name)) from None

    problems: list[ConfigProblem] = []
    sources = {}
    collectors = registry.available()
    for source_name, raw in settings.sources.items():
        loc = ("sources", source_name)
        if source_name not in collectors:
            known = ", ".join(collectors)
            problems.append(ConfigProblem(name, doc.line_of(loc), _loc(loc), f"unknown source (known: {known})"))
            continue
        try:
            sources[source_name] = collectors[source_name].options_model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, doc, name, prefix=loc))

    keywords_path = (settings_path.parent / settings.keywords_file) if not Path(settings.keywords_file).is_absolute() else Path(settings.keywords_file)
    try:
        watchlist = load_watchlist(keywords_path)
    except ConfigError as exc:
        problems.extend(exc.problems)
        watchlist = None
    if problems:
        raise ConfigError(problems)

    warnings = []
    for source_name, options in sources.items():
        if options.enabled:
            missing = collectors[source_name].missing_credentials(env)
            if missing:
                warnings.append(
                    f"source {source_name!r} is enabled but {', '.join(missing)} is not set "
                    f"(environment or .env); it will be skipped"
                )
    database_url = env.get("PULSE_DATABASE_URL") or settings.storage.url
    return AppConfig(settings, watchlist, sources, settings_path, keywords_path, database_url, warnings)
