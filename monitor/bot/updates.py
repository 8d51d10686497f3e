"""How updates reach `pulse run`: long polling (getUpdates) or a webhook, both python-telegram-bot's own.

In webhook mode PTB's updater calls setWebhook with `telegram.webhook.public_url` and the secret
token from TELEGRAM_WEBHOOK_SECRET, and serves `listen:port/path` with its tornado server, which
answers 403 to any request whose `X-Telegram-Bot-Api-Secret-Token` header is missing or wrong.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

from telegram.ext import Application

from monitor.config.settings import TelegramSettings
from monitor.metrics import telegram_error

log = logging.getLogger(__name__)

WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token


def webhook_secret_problem(env: Mapping[str, str]) -> str | None:
    """Why TELEGRAM_WEBHOOK_SECRET cannot be used (unset, or characters Telegram refuses), else None."""
    secret = env.get(WEBHOOK_SECRET_ENV, "")
    if not secret:
        return f"telegram.mode is webhook but {WEBHOOK_SECRET_ENV} is not set (environment or .env)"
    if not _SECRET_FORMAT.fullmatch(secret):
        return f"{WEBHOOK_SECRET_ENV} must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
    return None


async def start_updates(
    application: Application,
    telegram: TelegramSettings,
    env: Mapping[str, str],
    *,
    poll_timeout: float,
    allowed_updates: Sequence[str],
) -> None:
    """Start receiving updates the configured way (`telegram.mode`); the updater stops either."""
    updater = application.updater
    assert updater is not None
    if telegram.mode == "webhook":
        problem = webhook_secret_problem(env)
        if problem:
            raise ValueError(problem)
        hook = telegram.webhook
        await updater.start_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=hook.path,
            webhook_url=hook.public_url,
            secret_token=env[WEBHOOK_SECRET_ENV],
            allowed_updates=list(allowed_updates),
            max_connections=hook.max_connections,
            bootstrap_retries=5,
        )
        log.info("webhook serving listen=%s port=%d path=/%s public_url=%s", hook.listen, hook.port, hook.path, hook.public_url)
        return
    await updater.start_polling(
        timeout=poll_timeout,
        bootstrap_retries=5,
        allowed_updates=list(allowed_updates),
        error_callback=_polling_error,
    )


def _polling_error(exc: Exception) -> None:
    telegram_error("getUpdates", exc)
    log.warning("polling error error=%r", str(exc))
