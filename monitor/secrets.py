"""Secrets from the environment or a git-ignored `.env`, and a log filter that hides them."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

SECRET_NAMES = (
    "REDDIT_CLIENT_ID",
    "REDDIT_CLIENT_SECRET",
    "X_BEARER_TOKEN",
    "TELEGRAM_BOT_TOKEN",
    "BLUESKY_HANDLE",
    "BLUESKY_APP_PASSWORD",
    "YOUTUBE_API_KEY",
    "MASTODON_ACCESS_TOKEN",
)
_SECRET_HINT = re.compile(r"(TOKEN|SECRET|PASSWORD|API_KEY|CLIENT_ID)$")


def load_environment(dotenv_path: Path | None = None) -> dict[str, str]:
    """The process environment, with values from `.env` filling in what is unset."""
    path = dotenv_path or Path(os.environ.get("PULSE_DOTENV", ".env"))
    merged: dict[str, str] = {}
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)
    return merged


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of every secret-looking variable, longest first (for redaction)."""
    values = {
        value
        for name, value in env.items()
        if value and len(value) >= 6 and (name in SECRET_NAMES or _SECRET_HINT.search(name))
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret value in `text` with `***`."""
    for value in secrets:
        if value in text:
            text = text.replace(value, "***")
    return text


class RedactingFilter(logging.Filter):
    """Logging filter that removes secret values from every record's final message."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            cleaned = redact(message, self.secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True
