"""Secrets from the environment or a git-ignored `.env`, and a log filter that hides them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

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


def url_password(url: str | None) -> str | None:
    """The password inside a URL such as postgresql+psycopg://user:password@host/db, decoded; None if none."""
    if not url or "@" not in url:
        return None
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password or None
    except Exception:  # noqa: BLE001 - not a parseable URL: fall back to the text between ':' and '@'
        match = re.search(r"://[^:/@]*:([^@]*)@", url)
        return match.group(1) if match else None


def secret_forms(values: Iterable[str]) -> list[str]:
    """Each value as written and URL-encoded (quote, quote_plus), longest first, for redaction."""
    forms = set()
    for value in values:
        if value and len(value) >= 6:
            forms.update({value, quote(value, safe=""), quote_plus(value)})
    return sorted(forms, key=len, reverse=True)


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of every secret-looking variable and passwords in *_URL variables, in every form they are written."""
    values = [
        value for name, value in env.items() if value and (name in SECRET_NAMES or _SECRET_HINT.search(name))
    ]
    values += [password for name, value in env.items() if name.endswith("_URL") and (password := url_password(value))]
    return secret_forms(values)


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret value in `text` with `***`."""
    for value in secrets:
        if value in text:
            text = text.replace(value, "***")
    return text
