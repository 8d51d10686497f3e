"""`pulse doctor --online`: ask each service whether the credentials are accepted, at its configured URL.

Sources: a collector opts in with `check_online()` (one cheap authenticated request: Reddit's token
request, X's usage endpoint, a Bluesky login, a YouTube call of 1 quota unit) and raises
SourceUnreachable or SourceUnavailable. Telegram: getMe, then getChat and getChatMember for each
chat. Messages carry the exception's text with every secret value redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from monitor.config import AppConfig
from monitor.doctor import Check, short_error
from monitor.sources import SourceSpec

log = logging.getLogger(__name__)


def check_source_online(name: str, spec: SourceSpec, config: AppConfig, env: Mapping[str, str], secrets: list[str]) -> Check:
    """One source's credentials, asked at its `api_base_url` (or the real service's)."""
    from monitor.collectors.base import SourceUnreachable

    label = f"source {name} online"
    try:
        cls = spec.load()
    except ImportError as exc:
        return Check(label, "fail", f"collector cannot be loaded: {short_error(exc, secrets)}", "reinstall: pip install .")
    if not callable(getattr(cls, "check_online", None)):
        return Check(label, "skip", "not checked (this collector has no online check)")
    collector = None
    try:
        collector = cls(config.sources[name], config.watchlist, env)
        outcome = collector.check_online()
    except SourceUnreachable as exc:
        return Check(label, "fail", short_error(exc, secrets),
                     f"check network access to that host, and `api_base_url` under sources.{name} in pulse.yaml")
    except Exception as exc:  # noqa: BLE001 - whatever the API said, it is this check's answer
        return Check(label, "fail", f"rejected or unreachable: {short_error(exc, secrets)}",
                     f"check the {name} credentials in .env are current and the API is reachable")
    finally:
        if collector is not None:
            try:
                collector.close()
            except Exception:  # noqa: BLE001
                log.debug("collector close failed source=%s", name)
    detail = outcome if isinstance(outcome, str) and outcome else "credentials accepted"
    return Check(label, "ok", detail)


async def telegram_online(api_base_url: str, token: str, chats: list[int], secrets: list[str]) -> list[Check]:
    """getMe with the token, then getChat and getChatMember for each chat, at `api_base_url`."""
    from telegram import Bot
    from telegram.constants import ChatMemberStatus, ChatType
    from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut
    from telegram.request import HTTPXRequest

    base = api_base_url.rstrip("/")
    request = HTTPXRequest(connect_timeout=10, read_timeout=15, write_timeout=15, pool_timeout=5)
    bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)
    try:
        try:
            me = await bot.get_me()
        except InvalidToken as exc:
            return [Check("telegram token", "fail", f"rejected by {base}: {short_error(exc, secrets)}",
                          "the token is wrong or revoked: get the current one from @BotFather (/token)")]
        except (NetworkError, TimedOut) as exc:  # InvalidToken and BadRequest are answers, not network failures
            if isinstance(exc, BadRequest):
                return [Check("telegram token", "fail", f"rejected by {base}: {short_error(exc, secrets)}",
                              "check the token and telegram.api_base_url")]
            return [Check("telegram token", "fail", f"cannot reach {base}: {short_error(exc, secrets)}",
                          "check network access to telegram.api_base_url and retry")]
        except TelegramError as exc:
            return [Check("telegram token", "fail", f"cannot check at {base}: {short_error(exc, secrets)}",
                          "check network access to telegram.api_base_url and retry")]
        checks = [Check("telegram token", "ok", f"valid, bot @{me.username} (id {me.id})")]
        for chat_id in chats:
            name = f"telegram chat {chat_id}"
            try:
                chat = await bot.get_chat(chat_id)
                member = await bot.get_chat_member(chat_id, me.id)
            except BadRequest as exc:
                checks.append(Check(name, "fail", f"not reachable: {short_error(exc, secrets)}",
                                    f"add @{me.username} to the chat, or correct the id in telegram.chat_ids "
                                    "(group ids are negative, supergroups and channels start with -100)"))
                continue
            except Forbidden as exc:
                checks.append(Check(name, "fail", f"forbidden: {short_error(exc, secrets)}",
                                    f"add @{me.username} to the chat again (it was removed or blocked)"))
                continue
            except TelegramError as exc:
                checks.append(Check(name, "fail", f"cannot check: {short_error(exc, secrets)}",
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
