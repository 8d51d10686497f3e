"""A fake Telegram Bot API server: long-polled getUpdates, sends, commands, button presses, 429s on demand."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

BOT_ID = 777000
BOT_USERNAME = "pulse_test_bot"


@dataclass
class Call:
    """One Bot API call the fake received, with its parameters decoded."""

    token: str
    method: str
    params: dict[str, Any]
    files: dict[str, bytes]


def _decode(rec: Recorded) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Parameters of a form-encoded, multipart or JSON Bot API request."""
    ctype = rec.headers.get("Content-Type") or rec.headers.get("content-type") or ""
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if ctype.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + rec.body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = payload
            else:
                params[name] = payload.decode("utf-8")
    elif ctype.startswith("application/json"):
        params = json.loads(rec.body or b"{}")
    else:
        params = {k: v[0] for k, v in rec.form().items()}
    for key in ("chat_id", "offset", "timeout", "limit", "message_thread_id", "message_id"):
        if isinstance(params.get(key), str) and re.fullmatch(r"-?\d+", params[key]):
            params[key] = int(params[key])
    for key in ("media", "commands", "allowed_updates", "reply_markup", "entities"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params, files


_TG_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "span", "blockquote", "tg-emoji"}
_TG_TOKEN = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^<>]*>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|[<>&]|[^<>&]+")


class BadRequest(Exception):
    """What Telegram answers with 400 Bad Request."""


class Conflict(Exception):
    """What Telegram answers with 409 Conflict."""


def check_html(text: str, limit: int = 4096) -> None:
    """Refuse what Telegram refuses in parse_mode=HTML: unknown or unbalanced tags, raw < or &, over 4,096 UTF-16 units."""
    stack: list[str] = []
    plain = 0
    for match in _TG_TOKEN.finditer(text):
        token = match.group(0)
        if match.group(2):
            name = match.group(2).lower()
            if name not in _TG_TAGS:
                raise BadRequest(f"can't parse entities: unsupported start tag \"{name}\" at byte offset {match.start()}")
            if match.group(1):
                if not stack or stack[-1] != name:
                    raise BadRequest(f"can't parse entities: unmatched end tag at byte offset {match.start()}, expected \"</{stack[-1] if stack else ''}>\"")
                stack.pop()
            else:
                stack.append(name)
        elif match.group(3):
            plain += 1
        elif token in "<>&":
            raise BadRequest(f"can't parse entities: unexpected {token!r} at byte offset {match.start()}")
        else:
            plain += len(token.encode("utf-16-le")) // 2
    if stack:
        raise BadRequest(f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\"")
    if plain > limit:
        raise BadRequest("message is too long")


def _check_markup(markup: dict[str, Any]) -> None:
    """Refuse an inline keyboard Telegram would refuse: callback data of 1-64 bytes, button text required."""
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise BadRequest("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise BadRequest("BUTTON_DATA_INVALID")


class FakeTelegram(FakeServer):
    """Bot API at `{url}/bot{token}/{method}`; tests enqueue updates with `send_command`.

    Every call is kept in `calls` (decoded). `flood(method, retry_after, times)` answers the next
    calls of that method with 429 and `parameters.retry_after`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1000
        self._cond = threading.Condition()
        self._floods: dict[str, list[dict[str, Any]]] = {}
        self._delays: dict[str, list[float]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        """Every message the bot sent, by (chat_id, message_id), as the Bot API returned it (with its
        current `reply_markup` after editMessageReplyMarkup)."""
        self._open_queries: dict[str, float] = {}  # callback query id -> when it was sent to the bot
        self.query_timeout = 15.0
        """Telegram refuses answerCallbackQuery this long after the press ("query is too old")."""
        self.valid_token: str | None = None  # set: any other token gets 401 Unauthorized, as Telegram answers
        self.webhook: dict[str, Any] | None = None  # the last setWebhook's parameters, until deleteWebhook
        self.route("POST", "/bot", self._bot_api)
        self.route("GET", "/bot", self._bot_api)

    # -- what tests use ---------------------------------------------------------------------
    def send_command(self, text: str, *, chat_id: int, user_id: int | None = None, chat_type: str = "group") -> int:
        """Queue a message update as if user `user_id` wrote `text` in chat `chat_id`; returns update_id."""
        update = self.command_update(text, chat_id=chat_id, user_id=user_id, chat_type=chat_type)
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()
        return update["update_id"]

    def command_update(self, text: str, *, chat_id: int, user_id: int | None = None, chat_type: str = "group") -> dict[str, Any]:
        """A message update as if user `user_id` wrote `text` in chat `chat_id` (not queued)."""
        user_id = chat_id if user_id is None else user_id
        entities = []
        if text.startswith("/"):
            length = len(text.split()[0])
            entities.append({"type": "bot_command", "offset": 0, "length": length})
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"user{user_id}"
        else:
            chat["title"] = f"chat{chat_id}"
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._next_message_id += 1
            return {
                "update_id": update_id,
                "message": {
                    "message_id": self._next_message_id,
                    "date": int(time.time()),
                    "chat": chat,
                    "from": {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"},
                    "text": text,
                    "entities": entities,
                },
            }

    def deliver_to_webhook(self, update: dict[str, Any], *, secret: str | None = "as-registered") -> int:
        """POST `update` to the registered webhook URL as Telegram does (JSON, with the secret token
        header unless `secret` is None; by default the one given to setWebhook); returns the HTTP status."""
        import urllib.error
        import urllib.request

        assert self.webhook is not None, "no webhook set (setWebhook was not called)"
        headers = {"Content-Type": "application/json"}
        token = self.webhook.get("secret_token") if secret == "as-registered" else secret
        if token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        request = urllib.request.Request(self.webhook["url"], data=json.dumps(update).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def press_button(
        self,
        data: str,
        *,
        chat_id: int,
        message_id: int,
        user_id: int,
        chat_type: str = "group",
        text: str | None = None,
    ) -> str:
        """Queue a callback_query update as if `user_id` pressed a button with callback `data` under message
        `message_id` of chat `chat_id` (the message need not exist: a forged press); returns the query id."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat["first_name" if chat_type == "private" else "title"] = f"chat{chat_id}"
        sent = self.messages.get((chat_id, message_id))
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Pulse", "username": BOT_USERNAME},
            "text": sent.get("text", "") if sent else (text or ""),
        }
        if sent and sent.get("reply_markup"):
            message["reply_markup"] = sent["reply_markup"]
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            query_id = f"{update_id}{message_id}{user_id}"
            self._open_queries[query_id] = time.monotonic()
            self._updates.append(
                {
                    "update_id": update_id,
                    "callback_query": {
                        "id": query_id,
                        "from": {"id": user_id, "is_bot": False, "first_name": f"user{user_id}", "username": f"user{user_id}"},
                        "message": message,
                        "chat_instance": f"ci{chat_id}",
                        "data": data,
                    },
                }
            )
            self._cond.notify_all()
        return query_id

    def buttons(self, chat_id: int, message_id: int) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button now under a sent message, row by row."""
        markup = (self.messages.get((chat_id, message_id)) or {}).get("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]

    def with_buttons(self, chat_id: int) -> list[dict[str, Any]]:
        """Sent messages of a chat that carry an inline keyboard now, oldest first."""
        with self._lock:
            items = sorted(self.messages.items())
        return [m for (chat, _), m in items if chat == chat_id and (m.get("reply_markup") or {}).get("inline_keyboard")]

    def answers(self, query_id: str | None = None) -> list[dict[str, Any]]:
        """Parameters of answerCallbackQuery calls (for one query, if given)."""
        return [c.params for c in self.calls_to("answerCallbackQuery") if query_id is None or c.params.get("callback_query_id") == query_id]

    def flood(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 Too Many Requests."""
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }
        with self._lock:
            self._floods.setdefault(method, []).extend([body] * times)

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next `times` calls of `method` normally, but only after `seconds`."""
        with self._lock:
            self._delays.setdefault(method, []).extend([seconds] * times)

    def calls_to(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        """Recorded calls of one method (optionally to one chat), in order."""
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of every sendMessage call (to one chat, if given)."""
        return [c.params.get("text", "") for c in self.calls_to("sendMessage", chat_id=chat_id)]

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.02) -> Any:  # noqa: ANN001
        """Poll `predicate()` until it returns something truthy; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s; calls: {[(c.method, c.params) for c in self.calls][-12:]}")

    # -- the API ----------------------------------------------------------------------------
    def _bot_api(self, rec: Recorded) -> Reply:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", rec.path)
        if not match:
            return Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = match.groups()
        if self.valid_token is not None and token != self.valid_token:
            return Reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        params, files = _decode(rec)
        with self._lock:
            self.calls.append(Call(token, method, params, files))
            pending = self._floods.get(method)
            flood = pending.pop(0) if pending else None
            delays = self._delays.get(method) if flood is None else None
            delay = delays.pop(0) if delays else 0.0
        if flood is not None:
            return Reply(429, flood)
        if delay:
            time.sleep(delay)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return Reply(404, {"ok": False, "error_code": 404, "description": f"Not Found: method {method}"})
        try:
            if method == "sendMessage" and params.get("parse_mode") == "HTML":
                check_html(str(params.get("text", "")))
            return Reply(200, {"ok": True, "result": handler(params, files)})
        except BadRequest as exc:
            return Reply(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
        except Conflict as exc:
            return Reply(409, {"ok": False, "error_code": 409, "description": str(exc)})

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        with self._cond:
            self._next_message_id += 1
            message_id = self._next_message_id
        chat_id = params.get("chat_id")
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "group", "title": f"chat{chat_id}"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Pulse", "username": BOT_USERNAME},
            **extra,
        }
        if params.get("reply_markup"):
            _check_markup(params["reply_markup"])
            message["reply_markup"] = params["reply_markup"]
        with self._lock:
            self.messages[(chat_id, message_id)] = message
        return message

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        with self._lock:
            sent = self._open_queries.pop(query_id, None)
        if sent is None or time.monotonic() - sent > self.query_timeout:
            raise BadRequest("query is too old and response timeout expired or query id is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise BadRequest("MESSAGE_TOO_LONG")
        return True

    def _api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        text = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            check_html(text)
        return self._edit(params, text)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return self._edit(params, None)

    def _edit(self, params: dict[str, Any], text: str | None) -> dict[str, Any]:
        """Replace a sent message's keyboard (and text); refused as Telegram does when nothing changes."""
        key = (params.get("chat_id"), params.get("message_id"))
        markup = params.get("reply_markup") or None
        with self._lock:
            message = self.messages.get(key)
            if message is None:
                raise BadRequest("message to edit not found")
            if (text is None or message.get("text") == text) and (message.get("reply_markup") or None) == markup:
                raise BadRequest(
                    "message is not modified: specified new message content and reply markup are exactly the same "
                    "as a current content and reply markup of the message"
                )
            if text is not None:
                message["text"] = text
            if markup:
                _check_markup(markup)
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            return {**message, "edit_date": int(time.time())}

    def _api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Pulse",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            raise BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = params
        return True

    def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        return True

    def _api_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise Conflict("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                ready = [u for u in self._updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    return ready
                self._cond.wait(min(remaining, 0.5))

    def _api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return self._message(params, text=params.get("text", ""))

    def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        photo = [{"file_id": f"photo{len(self.calls)}", "file_unique_id": f"u{len(self.calls)}", "width": 800, "height": 600}]
        extra: dict[str, Any] = {"photo": photo}
        if params.get("caption"):
            extra["caption"] = params["caption"]
        return self._message(params, **extra)

    def _api_sendMediaGroup(self, params: dict[str, Any], files: dict[str, bytes]) -> list[dict[str, Any]]:
        out = []
        for index, item in enumerate(params.get("media") or []):
            photo = [{"file_id": f"album{len(self.calls)}_{index}", "file_unique_id": f"a{index}", "width": 800, "height": 600}]
            extra: dict[str, Any] = {"photo": photo, "media_group_id": f"g{len(self.calls)}"}
            if item.get("caption"):
                extra["caption"] = item["caption"]
            out.append(self._message(params, **extra))
        return out
