"""`pulse db stats`, `pulse db prune` (weekly aggregates survive) and `pulse doctor [--online]`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from monitor.cli.context import STATE
from monitor.cli.db_commands import parse_age
from monitor.cli.main import app
from monitor import sources
from monitor.collectors.base import Collector, SourceOptions, SourceUnavailable
from monitor.posts import Post, PostTags
from monitor.store import Store, schema
from monitor.store.maintenance import database_stats, prune, prune_cutoff, week_start, weekly_counts
from monitor.store.migrate import head_revision
from tests.fakes.server import FakeServer, Recorded, Reply

runner = CliRunner()
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


def _post(i: int, created: datetime, score: float = 1) -> Post:
    return Post(source="reddit", id=f"p{i}", text=f"post {i}", created_at=created, metrics={"score": score})


def _fill(store: Store, specs: list[tuple[datetime, list[str], float]]) -> None:
    """One post per (created_at, entities, score), tagged with those entities."""
    store.upsert_posts([_post(i, created, score) for i, (created, _, score) in enumerate(specs)])
    store.save_tags([
        (store.post_row_id("reddit", f"p{i}"), created, PostTags(entities=entities, categories=["toys"]))
        for i, (created, entities, _) in enumerate(specs)
    ])


def _as_map(counts) -> dict[tuple[str, str, str], tuple[int, float]]:  # noqa: ANN001
    return {(c.week, c.kind, c.label): (c.posts, c.engagement) for c in counts}


# -- retention in the store ----------------------------------------------------------------------


def test_week_start_is_monday_midnight_in_the_config_timezone():
    # Monday 2026-03-30 00:30 Berlin (after the DST switch) is still Sunday 22:30 UTC.
    moment = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
    assert week_start(moment, BERLIN) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert week_start(moment, ZoneInfo("UTC")) == datetime(2026, 3, 23, 0, 0, tzinfo=UTC)
    # The cutoff is a week start: a week is pruned whole or not at all.
    cutoff = prune_cutoff(timedelta(days=365), BERLIN, NOW)
    assert cutoff.astimezone(BERLIN).weekday() == 0 and cutoff.astimezone(BERLIN).hour == 0
    assert NOW - timedelta(days=372) < cutoff <= NOW - timedelta(days=365)


def test_prune_deletes_old_posts_and_tags_but_weekly_counts_survive(store):
    old = NOW - timedelta(days=500)
    specs = [
        (old, ["Labubu"], 10),
        (old + timedelta(hours=5), ["Labubu", "Pop Mart"], 4),
        (old + timedelta(days=7), ["Black Myth: Wukong"], 2),
        (old + timedelta(days=7, hours=1), [], 1),
        (NOW - timedelta(days=30), ["Labubu"], 3),  # recent: kept
        (NOW - timedelta(days=1), ["Pop Mart"], 5),  # recent: kept
    ]
    _fill(store, specs)
    run_id = store.start_run("reddit")
    with store.engine.begin() as conn:  # an old collector run
        conn.execute(schema.collector_runs.update().values(started_at=old))
    store.start_run("reddit")
    before = _as_map(weekly_counts(store, BERLIN))

    result = prune(store, timedelta(days=365), BERLIN, now=NOW)

    assert (result.posts, result.tags, result.runs) == (4, 8, 1)  # tags: 2+3+2+1 (category toys each)
    assert len(result.weeks) == 2
    assert store.count_posts() == 2
    with store.engine.connect() as conn:
        assert conn.execute(select(schema.post_tags.c.post_id).distinct()).all().__len__() == 2
        assert [r.id for r in conn.execute(select(schema.collector_runs.c.id))] != [run_id]
        agg_rows = conn.execute(select(schema.weekly_aggregates)).mappings().all()
    old_week = week_start(old, BERLIN)
    labubu = [r for r in agg_rows if r["label"] == "Labubu"]
    assert [(r["week_start"], r["posts"], r["engagement"]) for r in labubu] == [(old_week, 2, 14.0)]
    totals = sorted((r["week"], r["posts"]) for r in agg_rows if r["kind"] == "total")
    assert [n for _, n in totals] == [2, 2]
    # The weekly view over aggregates + live posts is exactly what it was before the prune.
    assert _as_map(weekly_counts(store, BERLIN)) == before

    again = prune(store, timedelta(days=365), BERLIN, now=NOW)  # nothing left to prune: no double counting
    assert (again.posts, again.tags) == (0, 0)
    assert _as_map(weekly_counts(store, BERLIN)) == before


def test_a_late_old_post_is_added_to_the_existing_aggregate(store):
    old = NOW - timedelta(days=500)
    _fill(store, [(old, ["Labubu"], 1)])
    prune(store, timedelta(days=365), BERLIN, now=NOW)
    # A backfill brings another post of that same old week after the first prune.
    store.upsert_posts([_post(99, old + timedelta(hours=1), 2)])
    store.save_tags([(store.post_row_id("reddit", "p99"), old + timedelta(hours=1), PostTags(entities=["Labubu"]))])
    prune(store, timedelta(days=365), BERLIN, now=NOW)
    labubu = [c for c in weekly_counts(store, BERLIN, kinds=["entity"]) if c.label == "Labubu"]
    assert [(c.posts, c.engagement) for c in labubu] == [(2, 3.0)]


def test_dry_run_changes_nothing(store):
    old = NOW - timedelta(days=400)
    _fill(store, [(old, ["Labubu"], 1), (NOW, ["Labubu"], 1)])
    result = prune(store, timedelta(days=365), BERLIN, now=NOW, dry_run=True)
    assert (result.posts, result.tags, result.dry_run) == (1, 2, True)
    assert store.count_posts() == 2
    with store.engine.connect() as conn:
        assert conn.execute(select(schema.weekly_aggregates)).all() == []


def test_weekly_counts_range_selects_weeks(store):
    w1 = week_start(NOW - timedelta(days=14), BERLIN)
    _fill(store, [(w1 + timedelta(hours=1), ["Labubu"], 1), (w1 + timedelta(days=7, hours=1), ["Labubu"], 1)])
    counts = weekly_counts(store, BERLIN, since=w1, until=w1 + timedelta(days=7), kinds=["entity"])
    assert [(c.week_start, c.label, c.posts) for c in counts] == [(w1, "Labubu", 1)]


def test_stats_counts_rows_size_and_span(store):
    _fill(store, [(NOW - timedelta(days=3), ["Labubu"], 1), (NOW, [], 1)])
    store.set_checkpoint("reddit", "r/x", "1")
    info = database_stats(store)
    assert info.migrated and info.revision == head_revision()
    assert info.tables["posts"] == 2 and info.tables["post_tags"] == 3 and info.tables["checkpoints"] == 1
    assert info.tables["weekly_aggregates"] == 0
    assert info.oldest_post == NOW - timedelta(days=3) and info.newest_post == NOW
    assert info.size_bytes and info.size_bytes > 10_000
    assert "pulse:pulse@" not in info.url  # password hidden


def test_parse_age():
    assert parse_age("365d") == timedelta(days=365)
    assert parse_age("52w") == timedelta(weeks=52)
    assert parse_age("2y") == timedelta(days=730)
    for bad in ("365", "0d", "-3d", "1m", ""):
        with pytest.raises(ValueError):
            parse_age(bad)


# -- CLI -----------------------------------------------------------------------------------------


def _write_config(config_dir: Path, **changes) -> Path:  # noqa: ANN003
    path = config_dir / "pulse.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        data[key] = value
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


class _Env:
    """Environment variables for the CLI under test (it reads the environment at each call)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self._mp = monkeypatch

    def __setitem__(self, name: str, value: str) -> None:
        self._mp.setenv(name, value)

    def update(self, **values: str) -> None:
        for name, value in values.items():
            self._mp.setenv(name, value)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> _Env:
    """A clean environment for the CLI: no .env file, none of the variables the tests set."""
    monkeypatch.setenv("PULSE_DOTENV", str(tmp_path / "no.env"))
    for name in ("PULSE_DATABASE_URL", "PULSE_CONFIG", "TELEGRAM_BOT_TOKEN", "DOCTOR_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(STATE, "config_path", None)
    return _Env(monkeypatch)


def test_cli_stats_and_prune(database_url, config_dir, cli_env):
    cli_env["PULSE_DATABASE_URL"] = database_url
    cfg = str(_write_config(config_dir, sources={}))
    store = Store(database_url)
    now = datetime.now(UTC)
    _fill(store, [(now - timedelta(days=800), ["Labubu"], 1), (now - timedelta(days=2), ["Labubu"], 1)])
    store.close()

    result = runner.invoke(app, ["--config", cfg, "db", "stats"])
    assert result.exit_code == 0, result.output
    assert f"schema {head_revision()} (newest)" in result.output
    assert re.search(r"posts\s+2 rows", result.output)
    assert re.search(r"post_tags\s+4 rows", result.output)
    assert "oldest post: " in result.output and "size: " in result.output

    refused = runner.invoke(app, ["--config", cfg, "db", "prune", "--older-than", "14d"])
    assert refused.exit_code == 2 and "keep at least 77d" in refused.output

    dry = runner.invoke(app, ["--config", cfg, "db", "prune", "--older-than", "365d", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 1 posts, 2 tags" in dry.output

    done = runner.invoke(app, ["--config", cfg, "db", "prune", "--older-than", "365d", "--vacuum"])
    assert done.exit_code == 0, done.output
    assert "removed 1 posts, 2 tags" in done.output and "weekly_aggregates" in done.output

    after = runner.invoke(app, ["--config", cfg, "db", "stats"])
    assert re.search(r"posts\s+1 rows", after.output)
    assert re.search(r"weekly_aggregates\s+3 rows", after.output)  # total, category toys, entity Labubu
    assert "weekly aggregates of pruned posts: 1 week(s)" in after.output


def test_cli_prune_rejects_a_bad_age(config_dir, cli_env, tmp_path):
    cli_env["PULSE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(app, ["--config", str(config_dir / "pulse.yaml"), "db", "prune", "--older-than", "1 year"])
    assert result.exit_code == 2 and "expected an age such as 365d" in result.output


# -- doctor: collectors and a fake Telegram ------------------------------------------------------


class _TokenCollector(Collector):
    """A source that needs DOCTOR_API_TOKEN and can check it online ('good' is accepted)."""

    name = "doctor_api"
    required_env = ("DOCTOR_API_TOKEN",)

    def queries(self):  # noqa: ANN201
        return []

    def fetch(self, query, checkpoint):  # noqa: ANN001, ANN201
        return iter(())

    def check_online(self) -> str:
        if self.env.get("DOCTOR_API_TOKEN") != "good":
            raise SourceUnavailable("401 Unauthorized: invalid token")
        return "token accepted for account @pulse"


class _PlainCollector(_TokenCollector):
    """A source without an online check."""

    name = "doctor_plain"
    required_env = ()
    check_online = None  # type: ignore[assignment]


@pytest.fixture
def doctor_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    known = sources.specs()  # load the real ones first
    assert "rss" in known
    monkeypatch.setitem(sources._SPECS, "doctor_api", sources.SourceSpec("doctor_api", SourceOptions, _TokenCollector, ("DOCTOR_API_TOKEN",)))
    monkeypatch.setitem(sources._SPECS, "doctor_plain", sources.SourceSpec("doctor_plain", SourceOptions, _PlainCollector))


GOOD_TOKEN = "123456:GOOD-token-abcdef"
BOT = {"id": 4242, "is_bot": True, "first_name": "Pulse", "username": "pulse_doctor_bot"}


class TinyTelegram(FakeServer):
    """getMe, getChat and getChatMember for one valid token and a few chats."""

    CHATS: Mapping[int, tuple[dict, str]] = {
        -1001: ({"id": -1001, "type": "supergroup", "title": "C-drama fans"}, "member"),
        -1002: ({"id": -1002, "type": "channel", "title": "Pulse channel"}, "member"),
        -1003: ({"id": -1003, "type": "channel", "title": "Admin channel"}, "administrator"),
        -1004: ({"id": -1004, "type": "group", "title": "Old group"}, "left"),
    }

    def __init__(self) -> None:
        super().__init__()
        self.route("*", "/bot", self._api)

    def _api(self, rec: Recorded) -> Reply:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", rec.path)
        if not match:
            return Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = match.groups()
        if token != GOOD_TOKEN:
            return Reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        params = {k: v[0] for k, v in rec.form().items()}
        if not params and rec.body.startswith(b"{"):
            params = json.loads(rec.body)
        if method == "getMe":
            return Reply(200, {"ok": True, "result": BOT})
        chat = self.CHATS.get(int(params.get("chat_id", 0)))
        if chat is None:
            return Reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
        if method == "getChat":
            return Reply(200, {"ok": True, "result": {**chat[0], "accent_color_id": 0, "max_reaction_count": 11}})
        if method == "getChatMember":
            member = {"status": chat[1], "user": BOT}
            if chat[1] == "administrator":
                member.update({k: True for k in (
                    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                    "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                    "can_delete_stories", "can_post_messages", "can_edit_messages")})
            return Reply(200, {"ok": True, "result": member})
        return Reply(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {method} unsupported"})


@pytest.fixture
def telegram() -> Iterator[TinyTelegram]:
    with TinyTelegram() as fake:
        yield fake


def _doctor(config_dir: Path, *args: str, **changes) -> tuple[int, list[str]]:  # noqa: ANN003
    cfg = str(_write_config(config_dir, **changes))
    result = runner.invoke(app, ["--config", cfg, "doctor", *args])
    return result.exit_code, result.output.strip().splitlines()


def _line(lines: list[str], name: str) -> str:
    found = [line for line in lines if line[5:].startswith(f"{name}:")]
    assert len(found) == 1, (name, lines)
    return found[0]


def test_doctor_all_good_offline(config_dir, cli_env, tmp_path, doctor_sources):
    db = f"sqlite:///{tmp_path / 'pulse.db'}"
    Store(db).close()
    cli_env.update(PULSE_DATABASE_URL=db, DOCTOR_API_TOKEN="good", TELEGRAM_BOT_TOKEN=GOOD_TOKEN)
    code, lines = _doctor(
        config_dir,
        sources={"doctor_api": {"enabled": True}, "doctor_plain": {"enabled": True}, "rss": {"enabled": False}},
        telegram={"chat_ids": [-1001]},
    )
    assert code == 0, lines
    assert _line(lines, "config").startswith("ok ")
    assert _line(lines, "database").startswith("ok ")
    assert _line(lines, "schema").startswith("ok ") and head_revision() in _line(lines, "schema")
    assert _line(lines, "source doctor_api").startswith("ok ")
    assert _line(lines, "source doctor_plain").startswith("ok ")
    assert "source rss" not in "\n".join(lines)  # disabled sources are not checked
    assert _line(lines, "telegram").startswith("ok ")
    assert lines[-1] == "all checks passed"
    assert not any("online" in line for line in lines)  # nothing asked online without --online


def test_doctor_failures_each_say_the_fix(config_dir, cli_env, tmp_path, doctor_sources):
    (tmp_path / "empty.db").touch()  # a database, but never migrated
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    cli_env.update(PULSE_DATABASE_URL=db)
    code, lines = _doctor(
        config_dir, sources={"doctor_api": {"enabled": True}}, telegram={"chat_ids": [-1001]}
    )
    assert code == 1
    schema_line = _line(lines, "schema")
    assert schema_line.startswith("FAIL") and "fix: run `pulse db upgrade`" in schema_line
    source_line = _line(lines, "source doctor_api")
    assert source_line.startswith("FAIL") and "DOCTOR_API_TOKEN not set" in source_line
    assert "fix: set DOCTOR_API_TOKEN" in source_line
    telegram_line = _line(lines, "telegram")
    assert telegram_line.startswith("FAIL") and "fix: create a bot with @BotFather" in telegram_line
    assert lines[-1] == "2 ok or skipped, 3 failed"


def test_doctor_unreachable_postgres_and_no_sources(config_dir, cli_env):
    cli_env["PULSE_DATABASE_URL"] = "postgresql+psycopg://pulse:s3cret-pw@127.0.0.1:1/pulse?connect_timeout=2"
    code, lines = _doctor(config_dir, sources={})
    assert code == 1
    database_line = _line(lines, "database")
    assert database_line.startswith("FAIL") and "cannot connect" in database_line
    assert "fix: check PULSE_DATABASE_URL" in database_line
    assert "s3cret-pw" not in "\n".join(lines)
    assert _line(lines, "sources").startswith("FAIL sources: no source is enabled")


def test_doctor_missing_sqlite_file_is_not_created(config_dir, cli_env, tmp_path):
    missing = tmp_path / "nowhere" / "pulse.db"
    cli_env["PULSE_DATABASE_URL"] = f"sqlite:///{missing}"
    code, lines = _doctor(config_dir)
    assert code == 1
    database_line = _line(lines, "database")
    assert database_line.startswith("FAIL") and "does not exist yet" in database_line and "pulse db upgrade" in database_line
    assert not missing.parent.exists()  # checking changed nothing


def test_doctor_invalid_config_fails_first_and_skips_the_rest(config_dir, cli_env, tmp_path):
    cli_env["PULSE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    code, lines = _doctor(config_dir, timezone="Mars/Olympus")
    assert code == 1
    config_line = _line(lines, "config")
    assert config_line.startswith("FAIL") and "unknown timezone" in config_line and "pulse.yaml:" in config_line
    assert "fix: run `pulse config check`" in config_line
    assert _line(lines, "sources").startswith("skip") and _line(lines, "telegram").startswith("skip")


def test_doctor_online_checks_credentials_token_and_membership(config_dir, cli_env, tmp_path, doctor_sources, telegram):
    db = f"sqlite:///{tmp_path / 'pulse.db'}"
    Store(db).close()
    cli_env.update(PULSE_DATABASE_URL=db, DOCTOR_API_TOKEN="expired", TELEGRAM_BOT_TOKEN=GOOD_TOKEN)
    code, lines = _doctor(
        config_dir,
        "--online",
        sources={"doctor_api": {"enabled": True}, "doctor_plain": {"enabled": True}},
        telegram={"api_base_url": telegram.url, "chat_ids": [-1001, -1002, -1003, -1004, -1009], "admin_chat_id": -1001},
    )
    assert code == 1
    api = _line(lines, "source doctor_api online")
    assert api.startswith("FAIL") and "401 Unauthorized: invalid token" in api and "fix: check the doctor_api credentials" in api
    plain = _line(lines, "source doctor_plain online")
    assert plain == "skip source doctor_plain online: not checked (this collector has no online check)"
    assert _line(lines, "telegram token").startswith("ok   telegram token: valid, bot @pulse_doctor_bot")
    assert _line(lines, "telegram chat -1001").startswith("ok ")
    channel = _line(lines, "telegram chat -1002")
    assert channel.startswith("FAIL") and "not an administrator" in channel
    assert "fix: make @pulse_doctor_bot an administrator" in channel
    assert _line(lines, "telegram chat -1003").startswith("ok ")
    left = _line(lines, "telegram chat -1004")
    assert left.startswith("FAIL") and "not a member" in left and "fix: add @pulse_doctor_bot" in left
    missing = _line(lines, "telegram chat -1009")
    assert missing.startswith("FAIL") and "chat not found" in missing.lower() and "telegram.chat_ids" in missing
    assert sum(1 for line in lines if line.startswith("FAIL")) == 4
    # The bot was asked with the configured token at the configured base URL, and never echoed it.
    assert telegram.requests_to(f"/bot{GOOD_TOKEN}/getMe")
    assert GOOD_TOKEN not in "\n".join(lines)


def test_doctor_online_with_a_good_source_and_a_revoked_telegram_token(config_dir, cli_env, tmp_path, doctor_sources, telegram):
    db = f"sqlite:///{tmp_path / 'pulse.db'}"
    Store(db).close()
    cli_env.update(PULSE_DATABASE_URL=db, DOCTOR_API_TOKEN="good", TELEGRAM_BOT_TOKEN="999999:REVOKED-token-xyz")
    code, lines = _doctor(
        config_dir, "--online",
        sources={"doctor_api": {"enabled": True}},
        telegram={"api_base_url": telegram.url, "chat_ids": [-1001]},
    )
    assert code == 1
    assert _line(lines, "source doctor_api online") == "ok   source doctor_api online: token accepted for account @pulse"
    token_line = _line(lines, "telegram token")
    assert token_line.startswith("FAIL") and "fix: the token is wrong or revoked" in token_line
    assert "REVOKED-token" not in "\n".join(lines)
    assert not any(line[5:].startswith("telegram chat") for line in lines)


def test_doctor_online_checks_a_made_up_token_even_without_chats(config_dir, cli_env, tmp_path, doctor_sources, telegram):
    db = f"sqlite:///{tmp_path / 'pulse.db'}"
    Store(db).close()
    cli_env.update(PULSE_DATABASE_URL=db, TELEGRAM_BOT_TOKEN="123456:made-up-token")
    code, lines = _doctor(config_dir, "--online", sources={}, telegram={"api_base_url": telegram.url, "chat_ids": []})
    assert code == 1
    assert _line(lines, "telegram token").startswith("FAIL") and "made-up" not in "\n".join(lines)
    assert telegram.requests_to("/bot123456:made-up-token/getMe")
