"""End to end: the real python-telegram-bot Application against FakeTelegram, asserting on its requests."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.bot import answers, reports
from monitor.bot.delivery import Album, Buttons, Photo
from monitor.bot.jobs import digest_week_for, last_digest_slot
from monitor.config import load_config
from monitor.store import Store
from monitor.store import deliveries
from pipelines.trends import IsoWeek, latest_complete_week
from tests.bot_harness import (
    ADMIN_CHAT,
    ADMIN_USER,
    CHAT,
    MEMBER,
    STRANGER,
    TOKEN,
    seed_week,
    start_bot,
    until,
    utc_now,
    write_config,
)
from tests.bot_fixtures import db_url, fake  # noqa: F401 (fixtures)
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.timeout(60)


def _config(tmp_path: Path, fake: FakeTelegram, *, slot_hours_ago: float = 72, **options) -> Path:
    """Config whose digest slot was `slot_hours_ago` hours ago (default: outside the grace period)."""
    slot = utc_now() - timedelta(hours=slot_hours_ago)
    return write_config(tmp_path / "config", fake.url, slot=slot, **options)


def _expected_digest(config_path: Path, db_url: str, week: IsoWeek) -> list:
    config = load_config(config_path, {"PULSE_DATABASE_URL": db_url})
    store = Store(db_url)
    try:
        return reports.digest_parts(store, config, week)
    finally:
        store.close()


def _digest_requests(fake: FakeTelegram, chat: int, token: str = TOKEN) -> list[tuple[str, object]]:
    """(method, text/caption) of every send to `chat`, in order."""
    out = []
    for call in fake.calls:
        if call.token != token or call.params.get("chat_id") != chat:
            continue
        if call.method == "sendMessage":
            out.append(("sendMessage", call.params["text"]))
        elif call.method == "sendPhoto":
            out.append(("sendPhoto", call.params.get("caption")))
        elif call.method == "sendMediaGroup":
            out.append(("sendMediaGroup", [m.get("caption") for m in call.params["media"]]))
    return out


def _as_requests(parts: list) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for part in parts:
        if isinstance(part, Photo):
            out.append(("sendPhoto", part.caption))
        elif isinstance(part, Album):
            out.append(("sendMediaGroup", [p.caption for p in part.photos]))
        elif isinstance(part, Buttons):  # its "tags?" button ids are new on every render: compare the text
            out.append(("sendMessage", part.html))
        else:
            out.append(("sendMessage", part))
    return out


async def test_start_registers_commands_and_long_polls(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    bot = await start_bot(_config(tmp_path, fake), fake, db_url)
    try:
        methods = [c.method for c in fake.calls]
        assert methods[:1] == ["getMe"]
        assert "deleteWebhook" in methods
        (commands,) = fake.calls_to("setMyCommands")
        assert [(c["command"], c["description"]) for c in commands.params["commands"]] == answers.COMMANDS
        poll = fake.calls_to("getUpdates")[0]
        assert poll.params["timeout"] == 1 and poll.params["allowed_updates"] == ["message", "callback_query"]
        assert all(c.token == TOKEN for c in fake.calls)
    finally:
        await bot.stop()
    assert bot.task.done() and bot.task.exception() is None


async def test_help_and_keywords_from_allowed_chat(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    bot = await start_bot(_config(tmp_path, fake), fake, db_url)
    try:
        fake.send_command("/help", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.sent_texts(CHAT), what="help answer")
        fake.send_command("/keywords toy", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: len(fake.sent_texts(CHAT)) == 2, what="keywords answer")
        help_text, keywords_text = fake.sent_texts(CHAT)
        assert help_text == answers.HELP
        assert keywords_text == "<b>Toys</b> (toy)\nCues: blind box, designer toy\n• Labubu – aka labubus; #labubu"
        assert {c.params["parse_mode"] for c in fake.calls_to("sendMessage")} == {"HTML"}
    finally:
        await bot.stop()


async def test_digest_command_from_allowed_chat(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = _config(tmp_path, fake)
    seed_week(db_url, IsoWeek.parse("2026-W40"))
    bot = await start_bot(config_path, fake, db_url)
    try:
        fake.send_command("/digest 2026-W40", chat_id=CHAT, user_id=MEMBER)
        expected = _as_requests(_expected_digest(config_path, db_url, IsoWeek.parse("2026-W40")))
        assert [m for m, _ in expected][-1] in ("sendPhoto", "sendMediaGroup") and "6 posts" in str(expected)
        await until(lambda: len(_digest_requests(fake, CHAT)) >= len(expected), what="digest parts")
        assert _digest_requests(fake, CHAT) == expected
        fake.send_command("/digest last-week", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: len(_digest_requests(fake, CHAT)) > len(expected), what="bad week answer")
        assert fake.sent_texts(CHAT)[-1] == "not an ISO week: &#x27;last-week&#x27; (expected e.g. 2026-W47)"
        assert deliveries.digest_rows(bot.runtime.store) == []  # on-demand digests are not the weekly one
    finally:
        await bot.stop()


@pytest.mark.parametrize("refusal", ["Sorry, this is a <private> bot.", None], ids=["polite", "silent"])
async def test_stranger_gets_at_most_one_refusal(
    tmp_path: Path, fake: FakeTelegram, db_url: str, refusal: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="monitor.bot.access")
    bot = await start_bot(_config(tmp_path, fake, refusal=refusal), fake, db_url)
    try:
        for text in ("/digest", "/status", "/reload"):
            fake.send_command(text, chat_id=STRANGER, user_id=STRANGER, chat_type="private")
        fake.send_command("/help", chat_id=CHAT, user_id=MEMBER)  # processed after the stranger's three
        await until(lambda: fake.sent_texts(CHAT), what="member answer")
        await until(lambda: len([r for r in caplog.records if "refused" in r.getMessage()]) == 3, what="3 refusals logged")
        expected = ["Sorry, this is a &lt;private&gt; bot."] if refusal else []
        assert fake.sent_texts(STRANGER) == expected
        assert [c.method for c in fake.calls if c.params.get("chat_id") == STRANGER] == ["sendMessage"] * len(expected)
        logged = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert all(f"chat={STRANGER}" in m and "reason=chat_not_allowed" in m for m in logged)
    finally:
        await bot.stop()


async def test_reload_is_for_admins_only(tmp_path: Path, fake: FakeTelegram, db_url: str, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.WARNING, logger="monitor.bot.access")
    bot = await start_bot(_config(tmp_path, fake), fake, db_url)
    try:
        before = bot.runtime.snapshot
        fake.send_command("/reload", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.sent_texts(CHAT), what="refusal")
        assert fake.sent_texts(CHAT) == ["/reload is for admins only."]
        assert fake.sent_texts(ADMIN_CHAT) == [] and bot.runtime.snapshot is before
        assert any("reason=not_admin" in r.getMessage() and f"user={MEMBER}" in r.getMessage() for r in caplog.records)

        fake.send_command("/reload", chat_id=CHAT, user_id=ADMIN_USER)
        await until(lambda: fake.sent_texts(ADMIN_CHAT), what="admin notice")
        assert fake.sent_texts(ADMIN_CHAT)[0] == "<b>Config reloaded.</b>\nWatchlist unchanged."
        await until(lambda: len(fake.sent_texts(CHAT)) == 2, what="reply to admin in the chat")
        assert bot.runtime.snapshot is not before
    finally:
        await bot.stop()


async def test_broken_keywords_edit_keeps_old_config_and_reports_the_line(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = _config(tmp_path, fake)
    bot = await start_bot(config_path, fake, db_url)
    try:
        keywords = config_path.parent / "keywords.yaml"
        text = keywords.read_text()
        broken = text.replace("  - {name: ReelShort, category: drama}", "  - {name: ReelShort, category: dramas}")
        assert broken != text
        line = broken.splitlines().index("  - {name: ReelShort, category: dramas}") + 1
        keywords.write_text(broken)
        await until(lambda: fake.sent_texts(ADMIN_CHAT), what="error report")
        (report,) = fake.sent_texts(ADMIN_CHAT)
        problem = f"keywords.yaml:{line}: entities[2].category: unknown category &#x27;dramas&#x27; (known: drama, game, toy)"
        assert problem in report, report
        assert report.startswith("<b>Config not reloaded</b>; the previous config stays in force.")
        assert [e.name for e in bot.runtime.config.watchlist.entities] == ["Labubu", "Genshin Impact", "ReelShort"]

        fake.send_command("/keywords drama", chat_id=CHAT, user_id=MEMBER)  # the old config keeps working
        await until(lambda: fake.sent_texts(CHAT), what="keywords answer")
        assert "• ReelShort" in fake.sent_texts(CHAT)[0]
    finally:
        await bot.stop()


async def test_valid_keywords_edit_is_swapped_in_and_reported(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = _config(tmp_path, fake)
    bot = await start_bot(config_path, fake, db_url)
    try:
        old_tagger = bot.runtime.snapshot.tagger
        keywords = config_path.parent / "keywords.yaml"
        edited = keywords.read_text().replace(
            "  - {name: ReelShort, category: drama}", "  - {name: Black Myth: Wukong, category: game, aliases: [wukong]}"
        ).replace("{name: Black Myth: Wukong", "{name: 'Black Myth: Wukong'")
        keywords.write_text(edited)
        await until(lambda: len(fake.sent_texts(ADMIN_CHAT)) >= 2, what="reload notice and re-tag notice")
        notice, retagged = fake.sent_texts(ADMIN_CHAT)[:2]
        assert notice == (
            "<b>Config reloaded.</b>\nEntities added: Black Myth: Wukong\nEntities removed: ReelShort\n"
            "Re-tagging posts of the last 28 days…"
        )
        assert retagged == "Re-tagged 0 posts of the last 28 days."
        assert [e.name for e in bot.runtime.config.watchlist.entities] == ["Labubu", "Genshin Impact", "Black Myth: Wukong"]
        assert bot.runtime.snapshot.tagger is not old_tagger
        assert bot.runtime.snapshot.tagger.tag_text("wukong looks amazing").entities == ["Black Myth: Wukong"]
    finally:
        await bot.stop()


async def test_missed_digest_is_sent_once_across_restarts(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = _config(tmp_path, fake, slot_hours_ago=1)
    config = load_config(config_path, {"PULSE_DATABASE_URL": db_url})
    from zoneinfo import ZoneInfo

    slot = last_digest_slot(utc_now(), config.settings.schedules.digest, ZoneInfo("UTC"))
    week = digest_week_for(slot, ZoneInfo("UTC"))
    seed_week(db_url, week)
    expected = _as_requests(_expected_digest(config_path, db_url, week))
    assert len(expected) >= 2

    bot = await start_bot(config_path, fake, db_url)  # back after downtime spanning the slot
    await until(lambda: len(_digest_requests(fake, CHAT)) >= len(expected), what="catch-up digest")
    await until(lambda: [r["status"] for r in deliveries.digest_rows(bot.runtime.store, week=str(week))] == ["sent"], what="sent")
    await bot.stop()
    rows = deliveries.digest_rows(Store(db_url), week=str(week))
    assert [(r["chat_id"], r["status"], len(r["message_ids"])) for r in rows] == [(CHAT, "sent", len(expected))]

    for _ in range(2):  # restart after sending: nothing goes out again
        bot = await start_bot(config_path, fake, db_url)
        await until(lambda: bot.runtime.jobs.get("digest-check") and bot.runtime.jobs["digest-check"].last_end, what="check ran")
        await bot.stop()
    assert _digest_requests(fake, CHAT) == expected


async def test_digest_outside_grace_period_is_not_sent(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    bot = await start_bot(_config(tmp_path, fake, slot_hours_ago=30, grace_hours=24), fake, db_url)
    try:
        await until(lambda: bot.runtime.jobs.get("digest-check") and bot.runtime.jobs["digest-check"].last_end, what="check ran")
        assert bot.runtime.jobs["digest-check"].last_error is None
        assert _digest_requests(fake, CHAT) == [] and deliveries.digest_rows(bot.runtime.store) == []
    finally:
        await bot.stop()


async def test_restart_during_sending_resumes_without_repeating(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = _config(tmp_path, fake, slot_hours_ago=2)
    from zoneinfo import ZoneInfo

    config = load_config(config_path, {"PULSE_DATABASE_URL": db_url})
    week = digest_week_for(last_digest_slot(utc_now(), config.settings.schedules.digest, ZoneInfo("UTC")), ZoneInfo("UTC"))
    seed_week(db_url, week)
    store = Store(db_url)
    expected = _as_requests(_expected_digest(config_path, db_url, week))
    assert len(expected) >= 2, expected
    # A process died 20 minutes ago right after sending part 1 (id 555): nothing more was recorded.
    dead = deliveries.claim_digest(store, str(week), CHAT, "dead-host:1", now=utc_now() - timedelta(minutes=20))
    deliveries.begin_part(store, dead)
    deliveries.part_sent(store, dead, 555)
    from sqlalchemy import update

    from monitor.store import schema

    with store.engine.begin() as conn:  # make the claim look abandoned
        conn.execute(update(schema.sent_digests).values(claimed_at=utc_now() - timedelta(minutes=20)))
    store.close()

    bot = await start_bot(config_path, fake, db_url)
    try:
        await until(lambda: len(_digest_requests(fake, CHAT)) >= len(expected) - 1, what="remaining parts")
        await until(lambda: deliveries.digest_rows(bot.runtime.store)[0]["status"] == "sent", what="marked sent")
        assert _digest_requests(fake, CHAT) == expected[1:]
        row = deliveries.digest_rows(bot.runtime.store)[0]
        assert row["message_ids"][0] == 555 and len(row["message_ids"]) == len(expected) and row["attempts"] == 2
    finally:
        await bot.stop()


async def test_two_instances_on_one_database_send_one_digest(tmp_path: Path, database_url: str) -> None:
    """Runs on SQLite and (with PULSE_TEST_DATABASE_URL) PostgreSQL."""
    db_url = database_url
    with FakeTelegram() as fake_a, FakeTelegram() as fake_b:
        path_a = write_config(tmp_path / "a", fake_a.url, slot=utc_now() - timedelta(hours=1))
        path_b = write_config(tmp_path / "b", fake_b.url, slot=utc_now() - timedelta(hours=1))
        seed_week(db_url, latest_complete_week(utc_now() - timedelta(hours=1), "UTC"))
        bots = await asyncio.gather(start_bot(path_a, fake_a, db_url), start_bot(path_b, fake_b, db_url))
        try:
            await until(
                lambda: all(b.runtime.jobs.get("digest-check") and b.runtime.jobs["digest-check"].last_end for b in bots),
                what="both checked",
            )
            await until(lambda: deliveries.digest_rows(bots[0].runtime.store)[0]["status"] == "sent", what="sent")
            sends = [_digest_requests(fake_a, CHAT), _digest_requests(fake_b, CHAT)]
            assert sorted(len(s) for s in sends)[0] == 0  # one instance sent nothing
            winner = sends[0] or sends[1]
            assert len(winner) >= 2 and len(winner) == len(deliveries.digest_rows(bots[0].runtime.store)[0]["message_ids"])
        finally:
            await asyncio.gather(*(b.stop() for b in bots))


async def test_flood_control_is_waited_out(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    bot = await start_bot(_config(tmp_path, fake), fake, db_url)
    try:
        fake.flood("sendMessage", retry_after=1)
        started = time.monotonic()
        fake.send_command("/keywords game", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: len(fake.calls_to("sendMessage", chat_id=CHAT)) == 2, what="retried send")
        elapsed = time.monotonic() - started
        first, second = fake.calls_to("sendMessage", chat_id=CHAT)
        assert first.params == second.params and "Genshin Impact" in second.params["text"]
        assert elapsed >= 1.0
    finally:
        await bot.stop()


async def test_search_and_status_escape_and_report(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    from monitor.posts import Post

    store = Store(db_url)
    store.upsert_posts(
        [
            Post(source="jsonl_file", id="x1", url="https://example.org/a?b=1&c=2", text="<b>Labubu</b> & <script>alert(1)</script>", created_at=utc_now() - timedelta(days=1)),
            Post(source="jsonl_file", id="x2", text="nothing to see", created_at=utc_now() - timedelta(days=1)),
            Post(source="jsonl_file", id="x3", text="old labubu post", created_at=utc_now() - timedelta(days=90)),
        ]
    )
    store.close()
    bot = await start_bot(_config(tmp_path, fake), fake, db_url)
    try:
        fake.send_command("/search LABUBU <i>", chat_id=CHAT, user_id=MEMBER)
        fake.send_command("/search labubu", chat_id=CHAT, user_id=MEMBER)
        fake.send_command("/status", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: len(fake.sent_texts(CHAT)) == 3, what="answers")
        texts = fake.sent_texts(CHAT)
        no_match = next(t for t in texts if "&lt;i&gt;" in t)
        assert no_match.endswith("<i>No matching posts.</i>")
        found = next(t for t in texts if t.startswith("<b>Search</b> “labubu”"))
        assert '<a href="https://example.org/a?b=1&amp;c=2">&lt;b&gt;Labubu&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</a>' in found
        assert "<script>" not in found and "old labubu" not in found
        status = next(t for t in texts if t.startswith("<b>Status</b>"))
        assert "<b>Database</b>: 3 posts" in status and "(sqlite)" in status
        assert "<b>Tags</b>: " in status and ("not tagged yet" in status or "up to date with keywords.yaml" in status)
        assert "• digest:" in status and "• digest-check:" in status
    finally:
        await bot.stop()


async def test_a_crashing_job_is_logged_and_the_bot_keeps_answering(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    bot = await start_bot(_config(tmp_path, fake), fake, db_url)
    try:

        async def explode(runtime) -> None:  # noqa: ANN001
            raise RuntimeError("collector blew up")

        await bot.runtime.scheduler.run_job("collect:boom", explode)
        assert bot.runtime.jobs["collect:boom"].last_error == "RuntimeError: collector blew up"
        fake.send_command("/status", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.sent_texts(CHAT), what="status")
        assert "• collect:boom (1× failed): RuntimeError: collector blew up" in fake.sent_texts(CHAT)[0]
    finally:
        await bot.stop()
    assert bot.task.exception() is None


async def test_trends_top_suggest_use_the_digest_renderers(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    from monitor.digest import render_suggest, render_top, render_trends

    config_path = _config(tmp_path, fake)
    week = latest_complete_week(utc_now(), "UTC")
    seed_week(db_url, week)
    config = load_config(config_path, {"PULSE_DATABASE_URL": db_url})
    store = Store(db_url)
    report = reports.weekly_report(store, config, week)
    store.close()
    expected = [*render_trends(report, "toy"), *render_top(report, None, limit=5), *render_suggest(report)]
    bot = await start_bot(config_path, fake, db_url)
    try:
        for command in ("/trends toy", "/top", "/suggest"):  # one at a time: answers keep their order
            count = len(fake.sent_texts(CHAT))
            fake.send_command(command, chat_id=CHAT, user_id=MEMBER)
            await until(lambda count=count: len(fake.sent_texts(CHAT)) > count, what=command)
        await until(lambda: len(fake.sent_texts(CHAT)) >= len(expected), what="all answers")
        assert fake.sent_texts(CHAT) == expected
        assert "Labubu" in fake.sent_texts(CHAT)[1]
    finally:
        await bot.stop()


async def test_spike_alert_goes_out_once_per_chat(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    from monitor.bot import jobs
    from monitor.digest import render_spike_alert
    from pipelines.trends import find_spikes
    from tests.bot_harness import seed_posts_at

    from datetime import datetime, time as clock
    from zoneinfo import ZoneInfo

    from pipelines.trends.weeks import local_date

    path = _config(tmp_path, fake)
    text = path.read_text().replace("send_spike_alerts: false", "send_spike_alerts: true")
    path.write_text(text)
    config = load_config(path, {"PULSE_DATABASE_URL": db_url})
    now = utc_now()
    zone = ZoneInfo(config.settings.timezone)
    midnight = datetime.combine(local_date(now, zone), clock.min, tzinfo=zone)
    # A source with a month of ordinary days (collection had begun: a spike needs a baseline), then 8 posts now,
    # all on today's local date (just after midnight the minutes before would fall on yesterday and split the spike).
    history = [(now - timedelta(days=d, hours=1), f"rainy day number {d} at the office") for d in range(1, 36)]
    burst = [max(now - timedelta(minutes=5 + i), midnight + timedelta(seconds=i)) for i in range(8)]
    seed_posts_at(db_url, [*history, *((at, f"Labubu drop #{i} sold out in minutes") for i, at in enumerate(burst))])
    store = Store(db_url)
    (alert,) = find_spikes(store, config.watchlist, config.settings)
    store.close()
    bot = await start_bot(path, fake, db_url)
    try:
        assert "spikes" in {job_id for job_id, _ in bot.runtime.scheduler.next_jobs()}
        await bot.runtime.scheduler.run_job("spikes", jobs.check_spikes)
        await bot.runtime.scheduler.run_job("spikes", jobs.check_spikes)  # the same spike again: no repeat
        assert fake.sent_texts(CHAT) == [render_spike_alert(alert)]
        assert "Labubu" in fake.sent_texts(CHAT)[0] and fake.sent_texts(ADMIN_CHAT) == []
    finally:
        await bot.stop()


async def test_settings_edit_changes_the_allow_list_live(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    path = _config(tmp_path, fake)
    bot = await start_bot(path, fake, db_url)
    try:
        newcomer = -1009
        fake.send_command("/help", chat_id=newcomer, user_id=MEMBER)
        await until(lambda: fake.sent_texts(newcomer), what="refusal")
        assert fake.sent_texts(newcomer) == ["Sorry, this is a private bot."]
        path.write_text(path.read_text().replace(f"  - {CHAT}\n", f"  - {CHAT}\n  - {newcomer}\n"))
        await until(lambda: fake.sent_texts(ADMIN_CHAT), what="reload notice")
        assert fake.sent_texts(ADMIN_CHAT) == ["<b>Config reloaded.</b>\nWatchlist unchanged.\nSettings changed: telegram"]
        assert bot.runtime.config.settings.telegram.chat_ids == [CHAT, newcomer]
        fake.send_command("/help", chat_id=newcomer, user_id=MEMBER)
        await until(lambda: len(fake.sent_texts(newcomer)) == 2, what="answer to the newly allowed chat")
        assert fake.sent_texts(newcomer)[1] == answers.HELP
    finally:
        await bot.stop()


async def test_the_cron_job_sends_the_slot_digest_and_the_check_then_finds_it_sent(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    from monitor.bot import jobs

    path = _config(tmp_path, fake, slot_hours_ago=0.02)  # the slot was a minute ago
    week = latest_complete_week(utc_now() - timedelta(minutes=1), "UTC")
    seed_week(db_url, week)
    bot = await start_bot(path, fake, db_url, catch_up_at_start=False)
    try:
        assert bot.runtime.jobs == {}  # nothing ran at start
        await bot.runtime.scheduler.run_job("digest", jobs.deliver_scheduled_digest)  # what the cron trigger runs
        sent = _digest_requests(fake, CHAT)
        assert len(sent) >= 2
        await bot.runtime.scheduler.run_job("digest-check", jobs.deliver_due_digest)
        assert _digest_requests(fake, CHAT) == sent
        assert [(r["week"], r["status"]) for r in deliveries.digest_rows(bot.runtime.store)] == [(str(week), "sent")]
    finally:
        await bot.stop()


def test_pulse_run_without_a_token_exits_with_a_message(tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from monitor.cli.main import app

    path = _config(tmp_path, fake)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("PULSE_DOTENV", str(tmp_path / "absent.env"))  # the CLI reads the environment per run
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["--config", str(path), "run"])
    assert result.exit_code == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in result.output
    assert fake.calls == []
