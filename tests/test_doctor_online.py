"""`pulse doctor --online` against the fakes (good and bad credentials, no server) and the freshness check."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update
from typer.testing import CliRunner

from monitor.cli.context import STATE
from monitor.cli.main import app
from monitor.doctor import Check, run_checks
from monitor.store import Store, schema
from tests.fakes.bluesky import FakeBluesky
from tests.fakes.reddit import FakeReddit
from tests.fakes.telegram import FakeTelegram
from tests.fakes.x_api import FakeX
from tests.fakes.youtube import FakeYouTube

KEYWORDS = "categories:\n  toy: {label: Toys}\nentities:\n  - {name: Labubu, category: toy, queries: [Labubu]}\n"
TOKEN = "123456:DOCTOR-token-abcdef"
GOOD = {
    "REDDIT_CLIENT_ID": "fake-client-id",
    "REDDIT_CLIENT_SECRET": "fake-client-secret",
    "X_BEARER_TOKEN": "fake-bearer",
    "BLUESKY_HANDLE": "pulse.bsky.social",
    "BLUESKY_APP_PASSWORD": "app-pass-1234",
    "YOUTUBE_API_KEY": "yt-test-key-123456",
    "TELEGRAM_BOT_TOKEN": TOKEN,
}
BAD = {
    "REDDIT_CLIENT_SECRET": "wrong-reddit-secret-77",
    "X_BEARER_TOKEN": "wrong-bearer-88",
    "BLUESKY_APP_PASSWORD": "wrong-app-pass-99",
    "YOUTUBE_API_KEY": "wrong-yt-key-00",
}
FAST = {"max_retries": 0, "timeout_seconds": 3}


class Fakes:
    """One fake per service, all started."""

    def __init__(self) -> None:
        self.reddit, self.x, self.bluesky, self.youtube, self.telegram = (
            FakeReddit(), FakeX(), FakeBluesky(), FakeYouTube(), FakeTelegram())

    def all(self) -> list:  # noqa: ANN201
        return [self.reddit, self.x, self.bluesky, self.youtube, self.telegram]


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    servers = Fakes()
    for fake in servers.all():
        fake.start()
    servers.telegram.valid_token = TOKEN
    yield servers
    for fake in servers.all():
        fake.stop()


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def write_config(folder: Path, fakes: Fakes, *, database: str, dead: bool = False, interval: int = 60) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keywords.yaml").write_text(KEYWORDS, encoding="utf-8")
    url = (lambda fake: _dead_url()) if dead else (lambda fake: fake.url)
    sources = {
        "reddit": {"enabled": True, "api_base_url": url(fakes.reddit), **FAST},
        "x": {"enabled": True, "api_base_url": url(fakes.x), **FAST},
        "bluesky": {"enabled": True, "api_base_url": url(fakes.bluesky), **FAST},
        "youtube": {"enabled": True, "api_base_url": f"{url(fakes.youtube)}/youtube/v3", **FAST},
        "rss": {"enabled": True, "interval_minutes": interval, "feeds": ["http://127.0.0.1:9/feed"]},
    }
    settings = {
        "storage": {"url": database},
        "sources": sources,
        "telegram": {"api_base_url": url(fakes.telegram), "chat_ids": []},
    }
    path = folder / "pulse.yaml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'pulse.db'}"
    Store(url).close()
    return url


def test_good_credentials_are_accepted_by_every_service(tmp_path: Path, fakes: Fakes, database: str) -> None:
    before = len(fakes.bluesky.requests_to("/xrpc/com.atproto.server.createSession"))
    checks = by_name(run_checks(write_config(tmp_path / "c", fakes, database=database), GOOD, online=True))
    assert checks["source reddit online"].status == "ok" and "token granted" in checks["source reddit online"].detail
    assert checks["source x online"].detail == "bearer token accepted (0 of 10000 posts read this cycle)"
    assert checks["source bluesky online"].status == "ok"
    assert checks["source youtube online"].detail == "API key accepted (1 quota unit spent)"
    assert checks["source rss online"].status == "skip"  # nothing to check: no credentials
    assert checks["telegram token"].status == "ok" and "@pulse_test_bot" in checks["telegram token"].detail
    # each check is one request to that service's configured URL
    assert len(fakes.bluesky.requests_to("/xrpc/com.atproto.server.createSession")) == before + 1
    assert fakes.x.requests_to("/2/usage/tweets") and not fakes.x.requests_to("/2/tweets/search/recent")
    assert fakes.youtube.requests_to("/youtube/v3/i18nLanguages")[-1].headers["X-Goog-Api-Key"] == GOOD["YOUTUBE_API_KEY"]


def test_bad_credentials_fail_with_the_fix_and_never_show_the_secret(tmp_path: Path, fakes: Fakes, database: str) -> None:
    env = {**GOOD, **BAD, "TELEGRAM_BOT_TOKEN": "999:WRONG-telegram-token"}
    checks = run_checks(write_config(tmp_path / "c", fakes, database=database), env, online=True)
    found = by_name(checks)
    for name in ("reddit", "x", "bluesky", "youtube"):
        check = found[f"source {name} online"]
        assert check.status == "fail", check
        assert f"check the {name} credentials" in check.fix
    assert "refused the app credentials" in found["source reddit online"].detail
    assert "refused the bearer token (HTTP 401)" in found["source x online"].detail
    assert "Bluesky refused the login of '***' (AuthenticationRequired)" in found["source bluesky online"].detail
    assert "keyInvalid" in found["source youtube online"].detail
    assert found["telegram token"].status == "fail" and "@BotFather" in found["telegram token"].fix
    printed = "\n".join(check.line() for check in checks)
    for secret in [*BAD.values(), "WRONG-telegram-token"]:
        assert secret not in printed


def test_unreachable_hosts_say_cannot_reach_where(tmp_path: Path, fakes: Fakes, database: str) -> None:
    checks = by_name(run_checks(write_config(tmp_path / "c", fakes, database=database, dead=True), GOOD, online=True))
    for name in ("reddit", "x", "bluesky", "youtube"):
        check = checks[f"source {name} online"]
        assert check.status == "fail" and check.detail.startswith("cannot reach http://127.0.0.1:"), check
        assert "check network access" in check.fix
    assert checks["telegram token"].detail.startswith("cannot reach http://127.0.0.1:")


def _record_run(url: str, source: str, status: str, started: datetime) -> None:
    store = Store(url)
    try:
        run_id = store.start_run(source)
        store.finish_run(run_id, status=status)
        with store.engine.begin() as conn:
            conn.execute(update(schema.collector_runs).where(schema.collector_runs.c.id == run_id)
                         .values(started_at=started, finished_at=started + timedelta(seconds=5)))
    finally:
        store.close()


def test_freshness_fails_a_source_without_success_for_twice_its_interval(tmp_path: Path, fakes: Fakes,
                                                                          database: str) -> None:
    path = write_config(tmp_path / "c", fakes, database=database, interval=60)
    env = {**GOOD}
    assert by_name(run_checks(path, env))["collection rss"].status == "skip"  # never run: not stale yet
    now = datetime.now(UTC)
    _record_run(database, "rss", "ok", now - timedelta(minutes=100))
    _record_run(database, "rss", "failed", now - timedelta(minutes=30))
    fresh = by_name(run_checks(path, env))["collection rss"]
    assert fresh.status == "ok" and "last success 99 min ago" in fresh.detail
    _record_run(database, "x", "ok", now - timedelta(minutes=130))  # x's interval is the default 60 min
    _record_run(database, "x", "partial", now - timedelta(minutes=119))  # partial: still counts as working
    assert by_name(run_checks(path, env))["collection x"].status == "ok"
    _record_run(database, "reddit", "failed", now - timedelta(minutes=125))
    _record_run(database, "reddit", "failed", now - timedelta(minutes=5))
    stale = by_name(run_checks(path, env))["collection reddit"]
    assert stale.status == "fail" and "no success in 2.1 h of runs" in stale.detail
    assert "more than twice its interval (60 min)" in stale.detail


def test_pulse_doctor_exits_1_on_a_stale_source(tmp_path: Path, fakes: Fakes, database: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path / "c", fakes, database=database, interval=30)
    _record_run(database, "rss", "ok", datetime.now(UTC) - timedelta(hours=3))
    monkeypatch.setenv("PULSE_DOTENV", str(tmp_path / "none"))
    monkeypatch.delenv("PULSE_DATABASE_URL", raising=False)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(STATE, "config_path", None)
    result = CliRunner().invoke(app, ["--config", str(path), "doctor"])
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if "collection rss" in line)
    assert line.startswith("FAIL collection rss: last success 3.0 h ago") and "is `pulse run` running?" in line
