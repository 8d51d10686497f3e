"""Secrets never reach the log: not in exception text, not URL-encoded, not as a database password."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.logging_setup import configure_logging, protect
from monitor.secrets import url_password

TOKEN = "123456:AAH/secret+token=value"
PASSWORD = "p@ss w0rd/with:odd&chars"
DB_URL = f"postgresql+psycopg://pulse:{quote(PASSWORD, safe='')}@127.0.0.1:1/pulse"


@pytest.fixture
def log_lines():  # noqa: ANN201
    configure_logging(1, {"TELEGRAM_BOT_TOKEN": TOKEN, "PULSE_DATABASE_URL": DB_URL})
    buffer = io.StringIO()
    logging.getLogger().handlers[0].setStream(buffer)  # the real handler and formatter, written to a buffer
    yield buffer.getvalue
    logging.getLogger().handlers.clear()


def _secret_forms() -> list[str]:
    return [TOKEN, quote(TOKEN, safe=""), quote_plus(TOKEN), PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD)]


def test_exception_text_and_traceback_are_redacted(log_lines):
    log = logging.getLogger("test")
    try:
        raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        log.exception("send failed")
    out = log_lines()
    assert "send failed" in out and "RuntimeError" in out and "***" in out
    assert not any(form in out for form in _secret_forms())


def test_url_encoded_forms_and_the_database_password_are_redacted(log_lines):
    log = logging.getLogger("test")
    log.warning("form body token=%s", quote_plus(TOKEN))
    log.warning("path /bot%s/x", quote(TOKEN, safe=""))
    log.warning("connecting to %s as pulse with %s", DB_URL, PASSWORD)
    out = log_lines()
    assert out.count("***") >= 4
    assert not any(form in out for form in _secret_forms())


def test_a_password_in_storage_url_is_protected_once_the_config_is_loaded(log_lines):
    protect(url_password("postgresql+psycopg://u:hunter2hunter2@db/x"))
    logging.getLogger("test").warning("dsn=postgresql+psycopg://u:hunter2hunter2@db/x")
    assert "hunter2hunter2" not in log_lines()


def test_url_password_reads_encoded_and_plain_forms():
    assert url_password(DB_URL) == PASSWORD
    assert url_password("sqlite:///data/pulse.db") is None
    assert url_password("garbage://user:pw123456@") in ("pw123456", None)


def test_pulse_reports_an_unreachable_database_without_its_password(tmp_path: Path, config_dir: Path, monkeypatch):
    monkeypatch.setenv("PULSE_DATABASE_URL", DB_URL)
    result = CliRunner().invoke(app, ["--config", str(config_dir / "pulse.yaml"), "-vv", "db", "stats"])
    assert result.exit_code != 0
    assert not any(form in result.output for form in _secret_forms())
