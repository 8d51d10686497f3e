"""Structured (key=value) logging, quiet by default, with secrets removed from every line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from monitor.secrets import redact, secret_forms, secret_values


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=… logger=… msg="…"`, one line per record, secrets removed from all of it (exception text too)."""

    def __init__(self, secrets: list[str] | None = None):
        super().__init__()
        self.secrets = list(secrets or [])

    def format(self, record: logging.LogRecord) -> str:
        return redact(self._line(record), self.secrets)

    def _line(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\n", "\\n")
        line = (
            f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} level={record.levelname.lower()} "
            f"logger={record.name} msg=\"{message}\""
        )
        if record.exc_info:
            line += " exc=" + repr(self.formatException(record.exc_info))
        return line


def configure_logging(verbosity: int, env: Mapping[str, str]) -> None:
    """verbosity: -1 quiet (errors), 0 default (warnings), 1 info, 2 debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter(secret_values(env)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Client libraries log request URLs (which can carry tokens) at INFO/DEBUG: keep them quieter.
    for noisy in ("httpx", "httpcore", "urllib3", "prawcore", "telegram", "apscheduler", "tweepy", "matplotlib"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def protect(*values: str | None) -> None:
    """Also redact these values (e.g. the password of the configured storage URL) from every log line."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, KeyValueFormatter):
            known = set(handler.formatter.secrets)
            added = [form for form in secret_forms(v for v in values if v) if form not in known]
            handler.formatter.secrets = sorted([*handler.formatter.secrets, *added], key=len, reverse=True)
