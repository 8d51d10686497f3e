"""Bluesky's session kept between runs, encrypted with PULSE_SESSION_SECRET: refreshed, not a new login each run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from monitor.collectors.bluesky import BlueskyCollector
from monitor.collectors.session_store import SessionStore
from monitor.store import schema
from tests.fakes.bluesky import FakeBluesky, at, post_view
from tests.test_collect_bluesky import ENV, make_config, run

CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
KEY = Fernet.generate_key().decode()


@pytest.fixture
def bsky():
    with FakeBluesky() as fake:
        fake.results["Labubu"] = [post_view("3kaaa", "my labubu", at(1))]
        yield fake


def stored_value(store) -> str | None:  # noqa: ANN001
    """The one stored session of the source (its key names no account)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.checkpoints.c.key, schema.checkpoints.c.value)
                            .where(schema.checkpoints.c.source == "bluesky", schema.checkpoints.c.key.like("session:%"))).all()
    assert len(rows) <= 1 and all(ENV["BLUESKY_HANDLE"] not in key for key, _ in rows)
    return rows[0][1] if rows and rows[0][1] else None


def test_three_runs_log_in_once_and_the_session_is_encrypted(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    env = {**ENV, "PULSE_SESSION_SECRET": KEY}
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    for _ in range(3):
        assert run(config, store, env=env).status == "ok"
    assert len(bsky.requests_to(CREATE)) == 1  # later runs reuse the stored session
    assert len(bsky.requests_to("/xrpc/app.bsky.feed.searchPosts")) == 6
    value = stored_value(store)
    assert value and value.startswith("gAAAA")  # a Fernet token
    for secret in (*bsky.valid_access, *bsky.valid_refresh, ENV["BLUESKY_APP_PASSWORD"], bsky.did):
        assert secret not in value
    plain = Fernet(KEY.encode()).decrypt(value.encode()).decode()
    assert any(token in plain for token in bsky.valid_access)  # the session the server knows


def test_an_expiring_session_is_refreshed_and_the_refreshed_one_stored(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    bsky.access_lifetime = timedelta(minutes=10)  # atproto refreshes 15 minutes before expiry: every run
    env = {**ENV, "PULSE_SESSION_SECRET": KEY}
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    assert run(config, store, env=env).status == "ok"
    first = stored_value(store)
    refreshes = len(bsky.requests_to(REFRESH))
    assert run(config, store, env=env).status == "ok"
    assert run(config, store, env=env).status == "ok"
    assert len(bsky.requests_to(CREATE)) == 1
    assert len(bsky.requests_to(REFRESH)) >= refreshes + 2  # refreshed in each run instead of a login
    assert stored_value(store) != first  # refresh tokens are single-use: the new one is kept


def test_without_a_key_nothing_is_stored_and_each_run_logs_in(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    for _ in range(2):
        assert run(config, store, env=ENV).status == "ok"
    assert len(bsky.requests_to(CREATE)) == 2
    assert stored_value(store) is None


def test_a_revoked_or_undecryptable_session_falls_back_to_a_login(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    env = {**ENV, "PULSE_SESSION_SECRET": KEY}
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    assert run(config, store, env=env).status == "ok"
    bsky.revoke_access_tokens()  # the stored access token is now rejected
    bsky.valid_refresh.clear()
    assert run(config, store, env=env).status == "ok"
    assert len(bsky.requests_to(CREATE)) == 2
    other_key = {**env, "PULSE_SESSION_SECRET": Fernet.generate_key().decode()}  # the key was rotated
    assert run(config, store, env=other_key).status == "ok"
    assert len(bsky.requests_to(CREATE)) == 3
    assert Fernet(other_key["PULSE_SESSION_SECRET"].encode()).decrypt(stored_value(store).encode())


def test_session_store_needs_a_valid_key(store) -> None:  # noqa: ANN001
    assert SessionStore.open(store, "bluesky", "a", {}) is None
    assert SessionStore.open(store, "bluesky", "a", {"PULSE_SESSION_SECRET": "not-a-fernet-key"}) is None
    assert SessionStore.open(None, "bluesky", "a", {"PULSE_SESSION_SECRET": KEY}) is None  # dry run: no store
    sessions = SessionStore.open(store, "bluesky", "a", {"PULSE_SESSION_SECRET": KEY})
    assert sessions is not None and sessions.load() is None
    sessions.save("session-string")
    assert sessions.load() == "session-string"


def test_doctor_online_check_does_not_touch_the_stored_session(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    env = {**ENV, "PULSE_SESSION_SECRET": KEY}
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    assert run(config, store, env=env).status == "ok"
    before = stored_value(store)
    collector = BlueskyCollector(config.sources["bluesky"], config.watchlist, env)
    collector.store = store
    assert collector.check_online() == "app password accepted for pulse.bsky.social"
    assert stored_value(store) == before
