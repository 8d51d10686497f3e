"""The model of `config/pulse.yaml`: storage, timezone, schedules, sources, Telegram, digest."""

from __future__ import annotations

import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from monitor.config.base import StrictModel
from monitor.config.database_url import check_database_url

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class StorageSettings(StrictModel):
    """Where posts live: any SQLAlchemy URL; PULSE_DATABASE_URL overrides it."""

    url: str = "sqlite:///data/pulse.db"

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        return check_database_url(value)


class DigestSchedule(StrictModel):
    """When the weekly digest goes out, in the configured timezone."""

    weekday: Weekday = "mon"
    time: str = "09:00"
    missed_grace_hours: int = Field(default=24, ge=0)
    stale_claim_minutes: int = Field(default=15, ge=1)  # a 'claimed' digest row older than this was abandoned
    max_attempts: int = Field(default=5, ge=1)  # sending attempts per (week, chat) before giving up

    @field_validator("time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("expected a time as HH:MM, e.g. 09:00")
        return value


class Schedules(StrictModel):
    """Intervals and times of the recurring jobs."""

    digest: DigestSchedule = DigestSchedule()
    spike_check_minutes: int = Field(default=60, ge=5)
    config_poll_seconds: float = Field(default=5.0, gt=0, le=3600)  # how often pulse run checks config files
    # PostgreSQL: a collection lease whose holder stopped answering passes on after this many seconds
    lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    tag_poll_seconds: float = Field(default=60.0, gt=0, le=86400)  # how often a tagging process looks for untagged posts


class WebhookSettings(StrictModel):
    """`telegram.mode: webhook`: Telegram posts updates to `public_url`, which a reverse proxy forwards to
    `listen:port/path`. The secret token comes from TELEGRAM_WEBHOOK_SECRET, never from here."""

    listen: str = "127.0.0.1"  # the address the bot's own HTTP server binds (0.0.0.0 in a container)
    port: int = Field(default=8443, ge=1, le=65535)
    path: str = "telegram"  # URL path the bot serves, e.g. telegram -> http://listen:port/telegram
    public_url: str | None = None  # what Telegram calls, e.g. https://pulse.example.org/telegram
    max_connections: int = Field(default=40, ge=1, le=100)

    @field_validator("public_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("expected the public https:// URL Telegram posts to, e.g. https://pulse.example.org/telegram")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return value.strip("/")


class TelegramSettings(StrictModel):
    """Which chats the bot serves; the token comes from TELEGRAM_BOT_TOKEN, never from here."""

    api_base_url: str = "https://api.telegram.org"
    chat_ids: list[int] = []
    admin_chat_id: int | None = None
    admin_user_ids: list[int] = []
    refusal_message: str | None = None
    send_spike_alerts: bool = True
    poll_timeout_seconds: int = Field(default=30, ge=0, le=600)  # long-polling getUpdates timeout
    send_attempts: int = Field(default=5, ge=1, le=20)  # per message, for network errors and 429s
    max_retry_after_seconds: int = Field(default=600, ge=1)  # a longer 429 wait gives up (message recorded)
    mode: Literal["polling", "webhook"] = "polling"  # how updates arrive: long polling, or Telegram posts them
    webhook: WebhookSettings = WebhookSettings()

    @model_validator(mode="after")
    def _webhook_has_url(self) -> TelegramSettings:
        if self.mode == "webhook" and not self.webhook.public_url:
            raise ValueError("telegram.mode is webhook: set telegram.webhook.public_url (the https:// URL Telegram posts to)")
        return self


class DigestSettings(StrictModel):
    """How the digest is computed and rendered."""

    out_dir: str = "out"
    top_posts: int = Field(default=5, ge=1, le=20)
    chart_weeks: int = Field(default=10, ge=4, le=26)
    min_count: int = Field(default=5, ge=1)
    min_posts: int = Field(default=20, ge=1)  # a share (percentage) needs this many posts, else "few posts"
    significance: float = Field(default=0.01, gt=0, lt=1)
    suggest_limit: int = Field(default=10, ge=0, le=50)  # suggested keywords shown
    terms_sample: int = Field(default=2500, ge=100)  # posts read per period for emerging terms
    terms_min_docs: int = Field(default=5, ge=2)  # a suggested keyword needs this many posts
    spike_k: float = Field(default=3.0, gt=0)  # spike: count > mean + k·σ of the baseline days
    spike_min_count: int = Field(default=5, ge=1)
    spike_cooldown_days: int = Field(default=3, ge=0)
    spike_baseline_days: int = Field(default=28, ge=7, le=90)


class TaggingSettings(StrictModel):
    """Tagging options; a keyword edit re-tags posts of the last `retag_window_days`."""

    retag_window_days: int = Field(default=28, ge=0)
    batch_size: int = Field(default=256, ge=1, le=5000)


class MetricsSettings(StrictModel):
    """An optional Prometheus endpoint of `pulse run` (text format on every path of `listen`)."""

    enabled: bool = False
    listen: str = "127.0.0.1:9464"  # host:port; 0.0.0.0:9464 to be scraped from other hosts

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("expected host:port, e.g. 127.0.0.1:9464")
        return value


class Settings(StrictModel):
    """Everything in `config/pulse.yaml`. Source sections are validated by their collector."""

    timezone: str = "UTC"
    keywords_file: str = "keywords.yaml"
    storage: StorageSettings = StorageSettings()
    schedules: Schedules = Schedules()
    sources: dict[str, dict[str, Any]] = {}
    telegram: TelegramSettings = TelegramSettings()
    digest: DigestSettings = DigestSettings()
    tagging: TaggingSettings = TaggingSettings()
    metrics: MetricsSettings = MetricsSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    @field_validator("sources", mode="before")
    @classmethod
    def _sections_are_mappings(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("expected a mapping of source name to its options")
        return {name: ({} if options is None else options) for name, options in value.items()}
