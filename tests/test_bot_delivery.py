"""Sender retries and once-per-chat digest delivery, against FakeTelegram with the real PTB Bot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram import Bot

from monitor.bot.delivery import (
    Album,
    Photo,
    Sender,
    Undeliverable,
    bot_api_url,
    bot_file_url,
    send_digest_once,
    send_digest_once_sync,
)
from monitor.bot.reload import describe_errors
from monitor.config import ConfigError, ConfigProblem
from monitor.store import Store
from monitor.store import deliveries
from tests.fakes.server import Reply
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.timeout(30)

TOKEN = "999:delivery-test"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=bot_api_url(fake.url), base_file_url=bot_file_url(fake.url)) as b:
        yield b


def _sender(bot: Bot, tmp_path: Path, **kwargs) -> Sender:  # noqa: ANN003
    waits: list[float] = []

    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)

    sender = Sender(bot, dead_letter=tmp_path / "undelivered.jsonl", sleep=record_sleep, **kwargs)
    sender.waits = waits  # type: ignore[attr-defined]
    return sender


async def test_network_errors_are_retried_with_growing_backoff(fake: FakeTelegram, bot: Bot, tmp_path: Path) -> None:
    fake.fail_next(f"/bot{TOKEN}/sendMessage", Reply(drop=True), times=2)
    sender = _sender(bot, tmp_path, backoff=0.5)
    (message,) = await sender.send_text(7, "hello &amp; bye")
    assert message.text == "hello &amp; bye"
    assert sender.waits == [0.5, 1.0]
    assert len(fake.requests_to(f"/bot{TOKEN}/sendMessage")) == 3


async def test_flood_control_waits_retry_after_and_gives_up_beyond_the_limit(fake: FakeTelegram, bot: Bot, tmp_path: Path) -> None:
    fake.flood("sendMessage", retry_after=3)
    sender = _sender(bot, tmp_path, max_retry_after=10)
    await sender.send_text(7, "one")
    assert sender.waits == [pytest.approx(3.1)]
    fake.flood("sendMessage", retry_after=3600)
    with pytest.raises(Undeliverable, match="flood control asks to wait 3600s"):
        await sender.send_text(7, "two")
    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["one", "one", "two"]


async def test_a_rejected_message_is_recorded_not_retried(fake: FakeTelegram, bot: Bot, tmp_path: Path) -> None:
    fake.fail_next(
        f"/bot{TOKEN}/sendMessage",
        Reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: can't parse entities"}),
    )
    sender = _sender(bot, tmp_path)
    assert await sender.reply(7, "<b>broken") is False
    assert len(fake.requests_to(f"/bot{TOKEN}/sendMessage")) == 1 and sender.waits == []
    (record,) = [json.loads(line) for line in (tmp_path / "undelivered.jsonl").read_text().splitlines()]
    assert (record["chat_id"], record["kind"], record["parts"]) == (7, "reply", ["<b>broken"])
    assert "Can't parse entities" in record["error"]


async def test_photos_and_albums_are_uploaded(fake: FakeTelegram, bot: Bot, tmp_path: Path) -> None:
    sender = _sender(bot, tmp_path)
    one = await sender.send_part(7, Photo(PNG, caption="Volume &lt;2026&gt;", filename="v.png"))
    ids = await sender.send_part(7, Album((Photo(PNG, "a", "a.png"), Photo(PNG + b"1", "b", "b.png"))))
    assert isinstance(one, int) and isinstance(ids, list) and len(ids) == 2
    (photo,) = fake.calls_to("sendPhoto")
    assert photo.params["caption"] == "Volume &lt;2026&gt;" and photo.params["parse_mode"] == "HTML"
    assert list(photo.files.values()) == [PNG]
    (album,) = fake.calls_to("sendMediaGroup")
    assert [m["caption"] for m in album.params["media"]] == ["a", "b"]
    assert sorted(album.files.values()) == sorted([PNG, PNG + b"1"])


async def test_digest_goes_once_per_chat_and_a_failed_chat_resumes(fake: FakeTelegram, bot: Bot, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'd.db'}")
    parts = ["<b>part 1</b>", "part 2", Photo(PNG, "chart")]
    sender = _sender(bot, tmp_path)
    # chat 2 rejects its second part for good (e.g. bot removed mid-way)
    original = fake._api_sendMessage
    rejected: list[int] = []

    def flaky(params, files):  # noqa: ANN001, ANN202
        if params["chat_id"] == 2 and params["text"] == "part 2" and not rejected:
            rejected.append(1)
            raise RuntimeError("fake rejects")  # the fake answers 500: a server error, retried
        return original(params, files)

    fake._api_sendMessage = flaky  # type: ignore[method-assign]
    outcomes = await send_digest_once(sender, store, week="2026-W47", chat_ids=[1, 2], parts=parts, owner="t")
    assert [(o.chat_id, o.status, o.parts_sent) for o in outcomes] == [(1, "sent", 3), (2, "sent", 3)]
    assert [c.params["text"] for c in fake.calls_to("sendMessage", chat_id=2)] == ["<b>part 1</b>", "part 2", "part 2"]

    fake.fail_next(f"/bot{TOKEN}/sendPhoto", Reply(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked"}))
    outcomes = await send_digest_once(sender, store, week="2026-W48", chat_ids=[1, 2], parts=parts, owner="t")
    assert [(o.chat_id, o.status, o.parts_sent) for o in outcomes] == [(1, "failed", 2), (2, "sent", 3)]
    row = next(r for r in deliveries.digest_rows(store, week="2026-W48") if r["chat_id"] == 1)
    assert row["status"] == "failed" and len(row["message_ids"]) == 2 and "kicked" in row["error"]

    before = len(fake.calls)
    outcomes = await send_digest_once(sender, store, week="2026-W48", chat_ids=[1, 2], parts=parts, owner="t2")
    assert [(o.chat_id, o.status, o.parts_sent) for o in outcomes] == [(1, "sent", 1), (2, "skipped", 0)]
    assert [c.method for c in fake.calls[before:]] == ["sendPhoto"]  # only the missing part went out
    store.close()


def test_send_digest_once_sync_for_the_cli(fake: FakeTelegram, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'cli.db'}")
    kwargs = dict(token=TOKEN, api_base_url=fake.url, store=store, week="2026-W47", chat_ids=[5], parts=["hi"], owner="cli")
    assert [o.status for o in send_digest_once_sync(**kwargs)] == ["sent"]
    assert [o.status for o in send_digest_once_sync(**kwargs)] == ["skipped"]
    assert fake.sent_texts(5) == ["hi"]
    store.close()


async def test_a_digest_part_that_may_have_arrived_is_never_sent_twice(fake: FakeTelegram, bot: Bot, tmp_path: Path) -> None:
    """A dropped connection after the request went out: recorded as possibly delivered, skipped on resume."""
    store = Store(f"sqlite:///{tmp_path / 'u.db'}")
    parts = ["one", "two", "three"]
    sender = _sender(bot, tmp_path)
    fake.fail_next(f"/bot{TOKEN}/sendMessage", Reply(drop=True))  # "one" went out, the answer never came
    (outcome,) = await send_digest_once(sender, store, week="2026-W47", chat_ids=[3], parts=parts, owner="a")
    assert (outcome.status, outcome.parts_sent) == ("failed", 0)
    assert "may have been delivered" in (outcome.error or "")
    row = deliveries.digest_rows(store)[0]
    assert row["message_ids"] == [None] and sender.waits == []  # not retried, placeholder kept

    (outcome,) = await send_digest_once(sender, store, week="2026-W47", chat_ids=[3], parts=parts, owner="b")
    assert (outcome.status, outcome.parts_sent) == ("sent", 2)
    assert fake.sent_texts(3) == ["two", "three"]  # "one" was not repeated
    assert len(fake.requests_to(f"/bot{TOKEN}/sendMessage")) == 3
    assert deliveries.digest_rows(store)[0]["message_ids"][0] is None
    store.close()


async def test_the_sender_gets_every_piece_accepted(fake: FakeTelegram, bot: Bot, tmp_path: Path) -> None:
    sender = _sender(bot, tmp_path)
    problems = [ConfigProblem("keywords.yaml", n, "entities", "bad &amp; worse") for n in range(400)]
    for text in ("😀" * 2000 + " &amp; " + "😀" * 2000, describe_errors(ConfigError(problems))):
        messages = await sender.send_text(7, text)
        assert len(messages) >= 2
    assert not (tmp_path / "undelivered.jsonl").exists()
    assert all(c.params["parse_mode"] == "HTML" for c in fake.calls_to("sendMessage"))
