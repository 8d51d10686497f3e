"""Loads and validates `pulse.yaml` and the watchlist it points at; errors name file, line, field."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from monitor.config.database_url import check_database_url
from monitor.config.partial import validate_partially
from monitor.config.problems import ConfigError, ConfigProblem, problems_from_validation, sort_problems
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
    """Validate a keywords file on its own; ConfigError lists every problem, sorted by line."""
    name = _display(path)
    doc = read_yaml(path, name)
    if not isinstance(doc.data, dict):
        raise ConfigError([ConfigProblem(name, 1, "", "expected a mapping with categories, interests and entities")])
    watchlist, error, kept, dropped = validate_partially(Watchlist, doc.data)
    problems = problems_from_validation(error, doc, name) if error else []
    if watchlist is not None:
        for loc, msg in cross_check(watchlist):
            if len(loc) >= 2 and str(loc[0]) in kept and isinstance(loc[1], int):
                loc = (loc[0], kept[str(loc[0])][loc[1]], *loc[2:])
            if any(f"{key!r}" in msg for key in dropped):
                continue  # refers to something already reported as invalid
            problems.append(ConfigProblem(name, doc.line_of(loc), _loc(loc), msg))
        files, file_problems = _catalogue_files(watchlist, path.parent, doc, name)
        problems += file_problems
    if problems or watchlist is None:
        raise ConfigError(sort_problems(problems))
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
    """Load and validate everything; raise ConfigError listing every problem of both files, by file and line."""
    from monitor.sources import specs

    env = os.environ if env is None else env
    settings_path = resolve_config_path(path)
    name = _display(settings_path)
    problems: list[ConfigProblem] = []
    data: dict = {}
    try:
        doc = read_yaml(settings_path, name)
        data = {} if doc.data is None else doc.data
        if not isinstance(data, dict):
            problems.append(ConfigProblem(name, 1, "", "expected a mapping of settings"))
            data = {}
    except ConfigError as exc:  # a syntax error stops this file only
        problems.extend(exc.problems)
        doc = None
    settings, error, _, _ = validate_partially(Settings, data)
    if error is not None and doc is not None:
        problems.extend(problems_from_validation(error, doc, name))

    sources = {}
    collectors = specs()  # options models only: no collector (nor its client library) is imported
    raw_sources = data.get("sources") if isinstance(data.get("sources"), dict) else {}
    for source_name, raw in raw_sources.items():
        loc = ("sources", source_name)
        if source_name not in collectors:
            known = ", ".join(collectors)
            problems.append(ConfigProblem(name, doc.line_of(loc) if doc else None, _loc(loc), f"unknown source (known: {known})"))
            continue
        try:
            sources[source_name] = collectors[source_name].options_model.model_validate(raw)
        except ValidationError as exc:
            if doc is not None:
                problems.extend(problems_from_validation(exc, doc, name, prefix=loc))

    keywords_file = settings.keywords_file if settings is not None else str(data.get("keywords_file") or "keywords.yaml")
    keywords_path = Path(keywords_file) if Path(keywords_file).is_absolute() else settings_path.parent / keywords_file
    try:
        watchlist = load_watchlist(keywords_path)
    except ConfigError as exc:
        problems.extend(exc.problems)
        watchlist = None

    database_url = settings.storage.url if settings is not None else None
    override = env.get("PULSE_DATABASE_URL")
    try:
        database_url = check_database_url(override) if override else database_url
    except ValueError as exc:
        problems.append(ConfigProblem("PULSE_DATABASE_URL", None, "", str(exc)))
    if problems or settings is None or watchlist is None or database_url is None:
        raise ConfigError(sort_problems(problems))

    warnings = []
    for source_name, options in sources.items():
        if options.enabled:
            missing = collectors[source_name].missing_credentials(env)
            if missing:
                warnings.append(
                    f"source {source_name!r} is enabled but {', '.join(missing)} is not set "
                    f"(environment or .env); it will be skipped"
                )
    return AppConfig(settings, watchlist, sources, settings_path, keywords_path, database_url, warnings)
