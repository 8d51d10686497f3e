"""`pulse doctor`: checks a deployment and says, per check, ok or fail and how to fix it.

Offline checks: the config is valid, the database is reachable and migrated, each enabled
source has its credentials and has succeeded within twice its interval (the container health
check), Telegram has a token when chats are configured. With `online`, also what
`monitor.doctor_online` asks the services: source credentials accepted, Telegram token valid,
the bot a member of each configured chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import text
from sqlalchemy.engine import make_url

from monitor.config import AppConfig, ConfigError, load_config
from monitor.secrets import redact, secret_values

log = logging.getLogger(__name__)

Status = Literal["ok", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    """The outcome of one check; `fix` says what to do when it failed."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        """One line: `ok   name: detail`, or `FAIL name: detail -> fix: …`."""
        label = {"ok": "ok  ", "fail": "FAIL", "skip": "skip"}[self.status]
        out = f"{label} {self.name}: {self.detail}"
        if self.status == "fail" and self.fix:
            out += f" -> fix: {self.fix}"
        return out


def short_error(exc: BaseException, secrets: list[str], limit: int = 200) -> str:
    """The exception as one line of at most `limit` characters, every secret value redacted."""
    message = " ".join(str(exc).split()) or exc.__class__.__name__
    message = redact(message, secrets)
    return message if len(message) <= limit else message[: limit - 1] + "…"


# -- config and database ---------------------------------------------------------------------


def check_config(config_path: Path | str | None, env: Mapping[str, str]) -> tuple[Check, AppConfig | None]:
    """Loads the config; fails with its first problems."""
    try:
        config = load_config(config_path, env)
    except ConfigError as exc:
        first = "; ".join(str(p) for p in exc.problems[:3])
        more = f" (and {len(exc.problems) - 3} more)" if len(exc.problems) > 3 else ""
        return (
            Check("config", "fail", f"{len(exc.problems)} problem(s): {first}{more}",
                  "run `pulse config check` and correct the lines it names"),
            None,
        )
    return Check("config", "ok", f"{config.settings_path} and {config.keywords_path} are valid"), config


def check_database(url: str, secrets: list[str]) -> list[Check]:
    """Reachable (SELECT 1) and migrated (revision equals the newest shipped)."""
    from monitor.store.database import make_engine
    from monitor.store.migrate import current_revision_of, head_revision

    shown = make_url(url).render_as_string(hide_password=True)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        reach_fix = "check storage.url / PULSE_DATABASE_URL and that its folder exists and is writable"
    else:
        reach_fix = "check PULSE_DATABASE_URL (host, port, user, password, database) and that PostgreSQL is running"
    if backend == "sqlite":
        database = make_url(url).database or ""
        if database and database != ":memory:" and not database.startswith("file:") and not Path(database).exists():
            return [Check("database", "fail", f"{shown}: file {database} does not exist yet",
                          "check storage.url / PULSE_DATABASE_URL, or create it with `pulse db upgrade`")]
    try:
        engine = make_engine(url)
    except Exception as exc:  # noqa: BLE001 - a malformed URL or missing driver
        return [Check("database", "fail", f"{shown}: {short_error(exc, secrets)}", reach_fix)]
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = current_revision_of(conn)
    except Exception as exc:  # noqa: BLE001
        return [Check("database", "fail", f"cannot connect to {shown}: {short_error(exc, secrets)}", reach_fix)]
    finally:
        engine.dispose()
    checks = [Check("database", "ok", f"{shown} reachable")]
    head = head_revision()
    if revision == head:
        checks.append(Check("schema", "ok", f"migrated (revision {revision})"))
    elif revision is None:
        checks.append(Check("schema", "fail", "database is empty (no schema yet)",
                            "run `pulse db upgrade` (or start `pulse run`, which migrates on start)"))
    else:
        checks.append(Check("schema", "fail", f"at revision {revision}, the code expects {head}",
                            "run `pulse db upgrade` (back up the database first)"))
    return checks


# -- sources ---------------------------------------------------------------------------------


def check_sources(config: AppConfig, env: Mapping[str, str], *, online: bool, secrets: list[str]) -> list[Check]:
    """Credentials of each enabled source: present, and with `online` accepted."""
    from monitor.doctor_online import check_source_online
    from monitor.sources import specs

    enabled = config.enabled_sources()
    if not enabled:
        return [Check("sources", "fail", "no source is enabled",
                      "set `enabled: true` under at least one entry of `sources:` in pulse.yaml")]
    known = specs()
    checks: list[Check] = []
    for name in enabled:
        spec = known[name]
        missing = spec.missing_credentials(env)
        if missing:
            checks.append(Check(f"source {name}", "fail", f"{', '.join(missing)} not set",
                                f"set {', '.join(missing)} in .env (or the environment); see .env.example"))
            if online:
                checks.append(Check(f"source {name} online", "skip", "not checked (credentials missing)"))
            continue
        needed = ", ".join(spec.required_env) or "none needed"
        checks.append(Check(f"source {name}", "ok", f"credentials present ({needed})"))
        if online:
            checks.append(check_source_online(name, spec, config, env, secrets))
    return checks


def check_freshness(config: AppConfig, secrets: list[str], now: datetime | None = None) -> list[Check]:
    """Each enabled source has succeeded within twice its interval (never run yet: skipped)."""
    from monitor.store.database import make_engine
    from monitor.store.health import source_runs, staleness

    now = now or datetime.now(UTC)
    intervals = {name: config.sources[name].interval_minutes for name in config.enabled_sources()}
    if not intervals:
        return []
    engine = make_engine(config.database_url)
    try:
        runs = source_runs(engine)
    except Exception as exc:  # noqa: BLE001 - reported as this check's failure
        return [Check("collection", "fail", f"cannot read collector runs: {short_error(exc, secrets)}",
                      "check the database (see the database check above)")]
    finally:
        engine.dispose()
    checks = []
    for state in staleness(runs, intervals):
        name, every = f"collection {state.source}", _span(state.interval)
        age = state.age(now)
        if age is None:
            checks.append(Check(name, "skip", f"no run recorded yet (every {every})"))
        elif state.stale(now):
            what = f"last success {_span(age)} ago" if state.succeeded else f"no success in {_span(age)} of runs"
            checks.append(Check(name, "fail", f"{what}, more than twice its interval ({every})",
                                f"see `pulse db stats` and the log for {state.source!r}; is `pulse run` running?"))
        else:
            checks.append(Check(name, "ok", f"last success {_span(age)} ago (every {every})"))
    return checks


def _span(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


# -- Telegram --------------------------------------------------------------------------------


def _chats(config: AppConfig) -> list[int]:
    telegram = config.settings.telegram
    chats = list(dict.fromkeys(telegram.chat_ids))
    if telegram.admin_chat_id is not None and telegram.admin_chat_id not in chats:
        chats.append(telegram.admin_chat_id)
    return chats


def check_telegram(config: AppConfig, env: Mapping[str, str], *, online: bool, secrets: list[str]) -> list[Check]:
    """Token present when chats are configured; with `online`, token valid and bot in each chat."""
    from monitor.doctor_online import telegram_online

    chats = _chats(config)
    token = env.get("TELEGRAM_BOT_TOKEN", "")
    if not chats:
        skip = [Check("telegram", "skip", "no telegram.chat_ids configured: digests are only written to files")]
        if online and token:  # a token that is set is checked for real, chats or not
            return skip + asyncio.run(telegram_online(config.settings.telegram.api_base_url, token, [], secrets))
        return skip
    if not token:
        return [Check("telegram", "fail", f"TELEGRAM_BOT_TOKEN not set ({len(chats)} chat(s) configured)",
                      "create a bot with @BotFather and set TELEGRAM_BOT_TOKEN in .env")]
    checks = [Check("telegram", "ok", f"token present, {len(chats)} chat(s) configured")]
    if online:
        checks.extend(asyncio.run(telegram_online(config.settings.telegram.api_base_url, token, chats, secrets)))
    return checks


def check_webhook(config: AppConfig, env: Mapping[str, str]) -> list[Check]:
    """In webhook mode: TELEGRAM_WEBHOOK_SECRET is set and acceptable to Telegram."""
    telegram = config.settings.telegram
    if telegram.mode != "webhook":
        return []
    from monitor.bot.updates import WEBHOOK_SECRET_ENV, webhook_secret_problem

    problem = webhook_secret_problem(env)
    if problem:
        return [Check("telegram webhook", "fail", problem, f"set {WEBHOOK_SECRET_ENV} in .env, e.g. to `openssl rand -hex 32`")]
    hook = telegram.webhook
    return [Check("telegram webhook", "ok", f"serves {hook.listen}:{hook.port}/{hook.path} for {hook.public_url}, secret set")]


# -- all together ----------------------------------------------------------------------------


def run_checks(config_path: Path | str | None, env: Mapping[str, str], *, online: bool = False) -> list[Check]:
    """Every check, in order; later checks are skipped when the config cannot be loaded."""
    secrets = secret_values(env)
    config_check, config = check_config(config_path, env)
    checks = [config_check]
    if config is None:
        database_url = env.get("PULSE_DATABASE_URL")
        if database_url:
            checks.extend(check_database(database_url, secrets))
        checks.append(Check("sources", "skip", "not checked (config invalid)"))
        checks.append(Check("telegram", "skip", "not checked (config invalid)"))
        return checks
    database = check_database(config.database_url, secrets)
    checks.extend(database)
    checks.extend(check_sources(config, env, online=online, secrets=secrets))
    if all(check.status == "ok" for check in database):
        checks.extend(check_freshness(config, secrets))
    checks.extend(check_telegram(config, env, online=online, secrets=secrets))
    checks.extend(check_webhook(config, env))
    return checks
