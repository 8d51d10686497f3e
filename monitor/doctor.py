"""`pulse doctor`: checks a deployment and says, per check, ok or fail and how to fix it.

Offline checks: the config is valid, the database is reachable and migrated, each enabled
source has its credentials, Telegram has a token when chats are configured. With `online`,
also: each enabled source's credentials are accepted (a collector opts in by defining a
`check_online()` method that returns None or a short text on success and raises on failure),
the Telegram token is valid (getMe) and the bot is a member of each configured chat (getChat,
getChatMember), talking to the configured `telegram.api_base_url`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
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


def _short(exc: BaseException, secrets: list[str], limit: int = 200) -> str:
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
        return [Check("database", "fail", f"{shown}: {_short(exc, secrets)}", reach_fix)]
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = current_revision_of(conn)
    except Exception as exc:  # noqa: BLE001
        return [Check("database", "fail", f"cannot connect to {shown}: {_short(exc, secrets)}", reach_fix)]
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
    from monitor.collectors import registry

    enabled = config.enabled_sources()
    if not enabled:
        return [Check("sources", "fail", "no source is enabled",
                      "set `enabled: true` under at least one entry of `sources:` in pulse.yaml")]
    collectors = registry.available()
    checks: list[Check] = []
    for name in enabled:
        cls = collectors[name]
        missing = cls.missing_credentials(env)
        if missing:
            checks.append(Check(f"source {name}", "fail", f"{', '.join(missing)} not set",
                                f"set {', '.join(missing)} in .env (or the environment); see .env.example"))
            if online:
                checks.append(Check(f"source {name} online", "skip", "not checked (credentials missing)"))
            continue
        needed = ", ".join(cls.required_env) or "none needed"
        checks.append(Check(f"source {name}", "ok", f"credentials present ({needed})"))
        if online:
            checks.append(_check_source_online(name, cls, config, env, secrets))
    return checks


def _check_source_online(name: str, cls, config: AppConfig, env: Mapping[str, str], secrets: list[str]) -> Check:  # noqa: ANN001
    if not callable(getattr(cls, "check_online", None)):
        return Check(f"source {name} online", "skip", "not checked (this collector has no online check)")
    collector = None
    try:
        collector = cls(config.sources[name], config.watchlist, env)
        outcome = collector.check_online()
    except Exception as exc:  # noqa: BLE001 - whatever the API said, it is this check's answer
        return Check(f"source {name} online", "fail", f"rejected or unreachable: {_short(exc, secrets)}",
                     f"check the {name} credentials in .env are current and the API is reachable")
    finally:
        if collector is not None:
            try:
                collector.close()
            except Exception:  # noqa: BLE001
                log.debug("collector close failed source=%s", name)
    detail = outcome if isinstance(outcome, str) and outcome else "credentials accepted"
    return Check(f"source {name} online", "ok", detail)


# -- Telegram --------------------------------------------------------------------------------


def _chats(config: AppConfig) -> list[int]:
    telegram = config.settings.telegram
    chats = list(dict.fromkeys(telegram.chat_ids))
    if telegram.admin_chat_id is not None and telegram.admin_chat_id not in chats:
        chats.append(telegram.admin_chat_id)
    return chats


def check_telegram(config: AppConfig, env: Mapping[str, str], *, online: bool, secrets: list[str]) -> list[Check]:
    """Token present when chats are configured; with `online`, token valid and bot in each chat."""
    chats = _chats(config)
    token = env.get("TELEGRAM_BOT_TOKEN", "")
    if not chats:
        skip = [Check("telegram", "skip", "no telegram.chat_ids configured: digests are only written to files")]
        if online and token:  # a token that is set is checked for real, chats or not
            return skip + asyncio.run(_telegram_online(config.settings.telegram.api_base_url, token, [], secrets))
        return skip
    if not token:
        return [Check("telegram", "fail", f"TELEGRAM_BOT_TOKEN not set ({len(chats)} chat(s) configured)",
                      "create a bot with @BotFather and set TELEGRAM_BOT_TOKEN in .env")]
    checks = [Check("telegram", "ok", f"token present, {len(chats)} chat(s) configured")]
    if online:
        checks.extend(asyncio.run(_telegram_online(config.settings.telegram.api_base_url, token, chats, secrets)))
    return checks


async def _telegram_online(api_base_url: str, token: str, chats: list[int], secrets: list[str]) -> list[Check]:
    from telegram import Bot
    from telegram.constants import ChatMemberStatus, ChatType
    from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    base = api_base_url.rstrip("/")
    request = HTTPXRequest(connect_timeout=10, read_timeout=15, write_timeout=15, pool_timeout=5)
    bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)
    try:
        try:
            me = await bot.get_me()
        except InvalidToken as exc:
            return [Check("telegram token", "fail", f"rejected by {base}: {_short(exc, secrets)}",
                          "the token is wrong or revoked: get the current one from @BotFather (/token)")]
        except TelegramError as exc:
            return [Check("telegram token", "fail", f"cannot check at {base}: {_short(exc, secrets)}",
                          "check network access to telegram.api_base_url and retry")]
        checks = [Check("telegram token", "ok", f"valid, bot @{me.username} (id {me.id})")]
        for chat_id in chats:
            name = f"telegram chat {chat_id}"
            try:
                chat = await bot.get_chat(chat_id)
                member = await bot.get_chat_member(chat_id, me.id)
            except BadRequest as exc:
                checks.append(Check(name, "fail", f"not reachable: {_short(exc, secrets)}",
                                    f"add @{me.username} to the chat, or correct the id in telegram.chat_ids "
                                    "(group ids are negative, supergroups and channels start with -100)"))
                continue
            except Forbidden as exc:
                checks.append(Check(name, "fail", f"forbidden: {_short(exc, secrets)}",
                                    f"add @{me.username} to the chat again (it was removed or blocked)"))
                continue
            except TelegramError as exc:
                checks.append(Check(name, "fail", f"cannot check: {_short(exc, secrets)}",
                                    "check network access to telegram.api_base_url and retry"))
                continue
            title = chat.title or chat.username or chat.first_name or str(chat_id)
            status = member.status
            if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
                checks.append(Check(name, "fail", f"bot is not a member of {title!r} (status {status})",
                                    f"add @{me.username} to {title!r}"))
            elif chat.type == ChatType.CHANNEL and status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
                checks.append(Check(name, "fail", f"bot is in channel {title!r} but not an administrator",
                                    f"make @{me.username} an administrator of {title!r} with the right to post"))
            else:
                checks.append(Check(name, "ok", f"bot is {status} of {chat.type} {title!r}"))
        return checks
    finally:
        try:
            await bot.shutdown()
        except Exception:  # noqa: BLE001
            log.debug("telegram bot shutdown failed")


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
    checks.extend(check_database(config.database_url, secrets))
    checks.extend(check_sources(config, env, online=online, secrets=secrets))
    checks.extend(check_telegram(config, env, online=online, secrets=secrets))
    return checks
