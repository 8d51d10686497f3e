"""Webhook mode: PTB's own webhook server behind `telegram.mode: webhook`, with Telegram's secret-token header."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from monitor.bot import answers
from monitor.bot.app import RunOptions, make_runtime, serve
from monitor.cli.context import STATE
from monitor.cli.main import app
from monitor.config import ConfigError, load_config
from monitor.store import Store
from tests.bot_fixtures import db_url, fake  # noqa: F401 (fixtures)
from tests.bot_harness import CHAT, MEMBER, STRANGER, TOKEN, RunningBot, until, utc_now, write_config
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.timeout(60)
SECRET = "webhook-Secret_0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webhook_config(tmp_path: Path, fake: FakeTelegram, port: int, **webhook: Any) -> Path:
    path = write_config(tmp_path / "config", fake.url, slot=utc_now())
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["telegram"]["mode"] = "webhook"
    doc["telegram"]["webhook"] = {"listen": "127.0.0.1", "port": port, "path": "tg-hook",
                                  "public_url": f"http://127.0.0.1:{port}/tg-hook", **webhook}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


async def start_webhook_bot(config_path: Path, fake: FakeTelegram, database_url: str, env: dict[str, str]) -> RunningBot:
    """`pulse run` in webhook mode, started once Telegram was told the webhook (setWebhook)."""
    env = {"PULSE_DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN, **env}
    config = await asyncio.to_thread(load_config, config_path, env)
    runtime = await asyncio.to_thread(make_runtime, config, env, Store(database_url))
    stop = asyncio.Event()
    options = RunOptions(config_poll_seconds=0.1, shutdown_grace=3, backoff=0.05, catch_up_at_start=False)
    task = asyncio.create_task(serve(runtime, TOKEN, stop, options))
    await until(lambda: task.done() or (fake.webhook is not None and runtime.scheduler.scheduler.running), what="webhook set")
    if task.done():
        task.result()
    return RunningBot(runtime, task, stop)


async def test_updates_posted_with_the_secret_are_answered_others_refused(tmp_path, fake: FakeTelegram, db_url) -> None:
    port = free_port()
    bot = await start_webhook_bot(webhook_config(tmp_path, fake, port), fake, db_url, {"TELEGRAM_WEBHOOK_SECRET": SECRET})
    try:
        hook = fake.calls_to("setWebhook")[-1].params
        assert hook["url"] == f"http://127.0.0.1:{port}/tg-hook"
        assert hook["secret_token"] == SECRET
        assert hook["allowed_updates"] == ["message", "callback_query"] and int(hook["max_connections"]) == 40
        assert not fake.calls_to("getUpdates")  # no polling in webhook mode
        status = await asyncio.to_thread(fake.deliver_to_webhook, fake.command_update("/help", chat_id=CHAT, user_id=MEMBER))
        assert status == 200
        await until(lambda: fake.sent_texts(CHAT), what="/help answered")
        assert fake.sent_texts(CHAT) == [answers.HELP]
        # Without the header, or with another secret, PTB's server refuses the request: nothing is handled.
        for secret in (None, "guessed-secret"):
            update = fake.command_update("/help", chat_id=CHAT, user_id=MEMBER)
            assert await asyncio.to_thread(fake.deliver_to_webhook, update, secret=secret) == 403
        status = await asyncio.to_thread(fake.deliver_to_webhook, fake.command_update("/help", chat_id=STRANGER))
        assert status == 200  # accepted, then refused by the allow-list as in polling mode
        await asyncio.to_thread(fake.deliver_to_webhook, fake.command_update("/help", chat_id=CHAT, user_id=MEMBER))
        await until(lambda: len(fake.sent_texts(CHAT)) == 2, what="second /help answered")
        await asyncio.sleep(0.2)
        assert len(fake.sent_texts(CHAT)) == 2  # the two refused posts were never answered
    finally:
        await bot.stop()
    with socket.socket() as s:  # the webhook server is closed with the bot
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_webhook_mode_needs_a_public_url(tmp_path, fake: FakeTelegram) -> None:
    path = webhook_config(tmp_path, fake, 8443, public_url=None)
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert "set telegram.webhook.public_url" in str(error.value.problems[0])


@pytest.mark.parametrize(("secret", "message"), [
    (None, "TELEGRAM_WEBHOOK_SECRET is not set"),
    ("has spaces and ünïcode", "must be 1-256 characters of A-Z, a-z, 0-9, _ and -"),
])
def test_pulse_run_refuses_webhook_mode_without_a_usable_secret(tmp_path, fake: FakeTelegram, monkeypatch,
                                                                secret: str | None, message: str) -> None:
    path = webhook_config(tmp_path, fake, free_port())
    monkeypatch.setenv("PULSE_DOTENV", str(tmp_path / "none"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{tmp_path / 'pulse.db'}")
    if secret is None:
        monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    else:
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    monkeypatch.setattr(STATE, "config_path", None)
    result = CliRunner().invoke(app, ["--config", str(path), "run"])
    assert result.exit_code == 1 and message in result.output
    assert not fake.calls  # nothing was sent to Telegram
    assert not (tmp_path / "pulse.db").exists()


def test_a_reload_that_switches_the_mode_says_it_needs_a_restart(tmp_path, fake: FakeTelegram) -> None:
    from monitor.bot.reload import describe_change

    polling = load_config(write_config(tmp_path / "a", fake.url, slot=utc_now()), {})
    webhook = load_config(webhook_config(tmp_path / "b", fake, 8443), {})
    message = describe_change(polling, webhook)
    assert "Settings changed: " in message and "telegram" in message
    assert "telegram.mode/webhook and metrics take effect after a restart" in message
    assert "after a restart" not in describe_change(polling, polling)


def test_doctor_checks_the_webhook_secret(tmp_path, fake: FakeTelegram) -> None:
    from monitor.doctor import run_checks

    path = webhook_config(tmp_path, fake, 8443)
    env = {"PULSE_DATABASE_URL": f"sqlite:///{tmp_path / 'pulse.db'}", "TELEGRAM_BOT_TOKEN": TOKEN}
    missing = [c for c in run_checks(path, env) if c.name == "telegram webhook"]
    assert [c.status for c in missing] == ["fail"] and "TELEGRAM_WEBHOOK_SECRET is not set" in missing[0].detail
    good = [c for c in run_checks(path, {**env, "TELEGRAM_WEBHOOK_SECRET": SECRET}) if c.name == "telegram webhook"]
    assert good[0].status == "ok" and SECRET not in good[0].line()
    assert "127.0.0.1:8443/tg-hook" in good[0].detail
