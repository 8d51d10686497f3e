"""Sending to Telegram with retries (429 retry_after, network errors), and the once-per-chat digest."""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from monitor.metrics import telegram_error
from monitor.store import Store
from monitor.store import deliveries
from monitor.telegram_split import split_message

log = logging.getLogger(__name__)

T = TypeVar("T")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Photo:
    """A PNG to send, with an optional HTML caption."""

    data: bytes
    caption: str | None = None
    filename: str = "chart.png"


@dataclass(frozen=True)
class Album:
    """Two to ten photos sent as one media group."""

    photos: tuple[Photo, ...]


@dataclass(frozen=True)
class Buttons:
    """An HTML message with an inline keyboard under it (e.g. the digest's "tags?" buttons)."""

    html: str
    markup: InlineKeyboardMarkup


Part = str | Photo | Album | Buttons
"""One unit of a digest: an HTML message, a photo, an album, or a message with buttons."""


class Undeliverable(Exception):
    """A message could not be sent after every retry (or Telegram refused it for good).

    `certain` is False when the last attempt may have reached Telegram (no answer came back).
    """

    def __init__(self, message: str, *, certain: bool = True):
        super().__init__(message)
        self.certain = certain


def maybe_delivered(exc: TelegramError) -> bool:
    """True if a failed request may still have been processed by Telegram (sent, but no answer).

    Telegram's own error answers (4xx, 5xx, flood control) and failures to connect are certain
    non-deliveries; read/write timeouts and dropped connections are not.
    """
    if isinstance(exc, RetryAfter | BadRequest | Forbidden | InvalidToken):
        return False
    cause = exc.__cause__
    if cause is None:  # PTB raised it from an HTTP status Telegram sent
        return False
    return not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


class Sender:
    """Sends messages, photos and albums; retries flood control and network errors with backoff.

    A message that still cannot be sent is logged and appended to `dead_letter` (JSON Lines), so it
    is recorded rather than lost.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        attempts: int = 5,
        max_retry_after: float = 600,
        backoff: float = 1.0,
        dead_letter: Path | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.bot = bot
        self.attempts = attempts
        self.max_retry_after = max_retry_after
        self.backoff = backoff
        self.dead_letter = dead_letter
        self._sleep = sleep

    async def _call(self, what: str, call: Callable[[], Awaitable[T]], *, at_most_once: bool = False) -> T:
        """Run one Bot API call with retries. `at_most_once`: never retry a request that may have
        been delivered (a digest part: a missing part is recorded, a repeated one cannot be undone)."""
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                try:
                    return await call()
                except TelegramError as exc:
                    telegram_error(what.split(" ", 1)[0], exc)
                    raise
            except RetryAfter as exc:
                with warnings.catch_warnings():  # PTB 22 deprecates the int form; accept both
                    warnings.simplefilter("ignore")
                    wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                if seconds > self.max_retry_after or attempt == self.attempts:
                    raise Undeliverable(f"{what}: flood control asks to wait {seconds:g}s") from exc
                log.warning("flood control what=%s retry_after=%g attempt=%d", what, seconds, attempt)
                await self._sleep(seconds + 0.1)
            except (BadRequest, Forbidden, InvalidToken) as exc:  # BadRequest subclasses NetworkError
                raise Undeliverable(f"{what}: {exc.__class__.__name__}: {exc.message}") from exc
            except (TimedOut, NetworkError) as exc:
                uncertain = maybe_delivered(exc)
                if at_most_once and uncertain:
                    raise Undeliverable(f"{what}: {exc.__class__.__name__}: {exc.message} (may have been delivered)", certain=False) from exc
                if attempt == self.attempts:
                    raise Undeliverable(f"{what}: {exc.__class__.__name__}: {exc.message}", certain=not uncertain) from exc
                log.warning("send failed what=%s error=%r attempt=%d retry_in=%g", what, str(exc), attempt, delay)
                await self._sleep(delay)
                delay = min(delay * 2, 60.0)
            except TelegramError as exc:  # ChatMigrated, Conflict, EndPointNotFound…: Telegram said no
                raise Undeliverable(f"{what}: {exc.__class__.__name__}: {exc.message}") from exc
        raise Undeliverable(f"{what}: no attempts left")  # pragma: no cover - loop always returns/raises

    async def send_text(
        self, chat_id: int, html: str, *, at_most_once: bool = False, markup: InlineKeyboardMarkup | None = None
    ) -> list[Message]:
        """Send an HTML message, split (between lines, tags kept whole) if longer than Telegram allows;
        `markup` (an inline keyboard) goes under the last piece."""
        out = []
        pieces = split_message(html)
        for index, piece in enumerate(pieces):
            keyboard = markup if index == len(pieces) - 1 else None
            out.append(
                await self._call(
                    f"sendMessage chat={chat_id}",
                    lambda piece=piece, keyboard=keyboard: self.bot.send_message(
                        chat_id, piece, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, reply_markup=keyboard
                    ),
                    at_most_once=at_most_once,
                )
            )
        return out

    async def send_photo(self, chat_id: int, photo: Photo, *, at_most_once: bool = False) -> Message:
        """Send one PNG with an optional HTML caption."""
        return await self._call(
            f"sendPhoto chat={chat_id}",
            lambda: self.bot.send_photo(
                chat_id, photo.data, caption=photo.caption, parse_mode=ParseMode.HTML, filename=photo.filename
            ),
            at_most_once=at_most_once,
        )

    async def send_album(self, chat_id: int, album: Album, *, at_most_once: bool = False) -> list[Message]:
        """Send 2–10 photos as one media group (one photo goes as a plain photo)."""
        if len(album.photos) == 1:
            return [await self.send_photo(chat_id, album.photos[0], at_most_once=at_most_once)]
        media = [
            InputMediaPhoto(p.data, caption=p.caption, parse_mode=ParseMode.HTML, filename=p.filename)
            for p in album.photos[:10]
        ]
        return list(
            await self._call(
                f"sendMediaGroup chat={chat_id}", lambda: self.bot.send_media_group(chat_id, media), at_most_once=at_most_once
            )
        )

    async def send_part(self, chat_id: int, part: Part, *, at_most_once: bool = False) -> int | list[int]:
        """Send one digest part; returns its message id (or ids)."""
        if isinstance(part, Photo):
            return (await self.send_photo(chat_id, part, at_most_once=at_most_once)).message_id
        if isinstance(part, Album):
            return [m.message_id for m in await self.send_album(chat_id, part, at_most_once=at_most_once)]
        if isinstance(part, Buttons):
            messages = await self.send_text(chat_id, part.html, at_most_once=at_most_once, markup=part.markup)
            return messages[-1].message_id if len(messages) == 1 else [m.message_id for m in messages]
        messages = await self.send_text(chat_id, part, at_most_once=at_most_once)
        return messages[0].message_id if len(messages) == 1 else [m.message_id for m in messages]

    async def reply(self, chat_id: int, html: str, *, markup: InlineKeyboardMarkup | None = None) -> bool:
        """Send a command answer (with an inline keyboard under it, if given); on failure record it and
        return False instead of raising."""
        try:
            await self.send_text(chat_id, html, markup=markup)
            return True
        except Undeliverable as exc:
            self.record_undeliverable(chat_id, "reply", [html], str(exc))
            return False

    def record_undeliverable(self, chat_id: int, kind: str, parts: Sequence[Part], error: str) -> None:
        """Log a message that could not be sent and append it to the dead-letter file."""
        log.error("undeliverable chat=%s kind=%s parts=%d error=%r", chat_id, kind, len(parts), error)
        if self.dead_letter is None:
            return
        try:
            self.dead_letter.parent.mkdir(parents=True, exist_ok=True)
            with self.dead_letter.open("a", encoding="utf-8") as out:
                record = {
                    "at": datetime.now(UTC).isoformat(),
                    "chat_id": chat_id,
                    "kind": kind,
                    "error": error,
                    "parts": [p if isinstance(p, str) else p.html if isinstance(p, Buttons) else f"<{type(p).__name__}>" for p in parts],
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            log.error("cannot write dead-letter file path=%s error=%r", self.dead_letter, str(exc))


@dataclass
class DigestOutcome:
    """What happened to one chat's digest."""

    chat_id: int
    status: str  # sent | skipped | failed | lost
    parts_sent: int = 0
    error: str | None = None


async def send_digest_once(
    sender: Sender,
    store: Store,
    *,
    week: str,
    chat_ids: Sequence[int],
    parts: Sequence[Part],
    owner: str,
    stale_after: timedelta = timedelta(minutes=15),
    max_attempts: int = 5,
) -> list[DigestOutcome]:
    """Deliver a rendered digest to each chat at most once per (week, chat), across processes.

    Claims each (week, chat) in the database first; resumes after parts an earlier, interrupted
    attempt recorded; marks the row sent, or failed (retried later while attempts remain). Used by
    `pulse run`'s weekly job, `/digest`-free paths and `pulse digest --send`.
    """
    outcomes = []
    for chat_id in chat_ids:
        claim = await asyncio.to_thread(
            deliveries.claim_digest, store, week, chat_id, owner, stale_after=stale_after, max_attempts=max_attempts
        )
        if claim is None:
            log.info("digest not claimed week=%s chat=%s (sent or in progress elsewhere)", week, chat_id)
            outcomes.append(DigestOutcome(chat_id, "skipped"))
            continue
        if claim.uncertain:
            log.warning("digest resumed after a crash mid-send week=%s chat=%s skipped_parts=%d", week, chat_id, claim.done_parts)
        outcomes.append(await _send_claimed(sender, store, claim, parts))
    return outcomes


async def _send_claimed(sender: Sender, store: Store, claim: deliveries.DigestClaim, parts: Sequence[Part]) -> DigestOutcome:
    sent = 0
    index = claim.done_parts
    try:
        for index in range(claim.done_parts, len(parts)):
            await asyncio.to_thread(deliveries.begin_part, store, claim)
            try:
                ids = await sender.send_part(claim.chat_id, parts[index], at_most_once=True)
            except Undeliverable as exc:
                if exc.certain:
                    await asyncio.to_thread(deliveries.part_not_sent, store, claim)
                else:  # keep the placeholder: this part is never sent again
                    log.warning("digest part may have been delivered week=%s chat=%s part=%d", claim.week, claim.chat_id, index)
                raise
            await asyncio.to_thread(deliveries.part_sent, store, claim, ids)
            sent += 1
        await asyncio.to_thread(deliveries.finish_digest, store, claim)
        log.info("digest sent week=%s chat=%s parts=%d", claim.week, claim.chat_id, sent)
        return DigestOutcome(claim.chat_id, "sent", sent)
    except deliveries.ClaimLost as exc:
        log.error("digest claim lost week=%s chat=%s error=%r", claim.week, claim.chat_id, str(exc))
        return DigestOutcome(claim.chat_id, "lost", sent, str(exc))
    except Undeliverable as exc:
        sender.record_undeliverable(claim.chat_id, f"digest {claim.week}", list(parts[index:]), str(exc))
        await asyncio.to_thread(deliveries.fail_digest, store, claim, str(exc))
        return DigestOutcome(claim.chat_id, "failed", sent, str(exc))
    except asyncio.CancelledError:
        # Shutting down mid-send: release the claim at once (the in-flight placeholder stays, so
        # that part is never repeated) so the next start resumes instead of waiting for staleness.
        try:
            deliveries.fail_digest(store, claim, "interrupted by shutdown")
        except Exception:  # noqa: BLE001 - best effort while cancelling
            log.exception("could not release digest claim week=%s chat=%s", claim.week, claim.chat_id)
        raise


def send_digest_once_sync(
    *,
    token: str,
    api_base_url: str,
    store: Store,
    week: str,
    chat_ids: Sequence[int],
    parts: Sequence[Part],
    owner: str,
    attempts: int = 5,
    dead_letter: Path | None = None,
    stale_after: timedelta = timedelta(minutes=15),
    max_attempts: int = 5,
) -> list[DigestOutcome]:
    """Blocking wrapper for `pulse digest --send`: builds a Bot on `api_base_url` and sends once."""

    async def main() -> list[DigestOutcome]:
        bot = Bot(token, base_url=bot_api_url(api_base_url), base_file_url=bot_file_url(api_base_url))
        async with bot:
            sender = Sender(bot, attempts=attempts, dead_letter=dead_letter)
            return await send_digest_once(
                sender, store, week=week, chat_ids=chat_ids, parts=parts, owner=owner,
                stale_after=stale_after, max_attempts=max_attempts,
            )

    return asyncio.run(main())


def bot_api_url(api_base_url: str) -> str:
    """'https://api.telegram.org' -> 'https://api.telegram.org/bot' (PTB appends the token)."""
    return api_base_url.rstrip("/") + "/bot"


def bot_file_url(api_base_url: str) -> str:
    """Base URL for file downloads on the same server."""
    return api_base_url.rstrip("/") + "/file/bot"
