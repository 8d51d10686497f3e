"""Real faults, not mocks: a full disk (a small tmpfs) and a read-only filesystem under the database and the output."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from monitor.cli import failures
from tests.cli_helpers import invoke, stored_posts


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs mounted for this test (root only: skipped where mounting is not allowed)."""
    target = tmp_path / "small"
    target.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(target)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)



def _posts(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps({"source": "reddit", "id": f"p{n}", "text": f"Labubu haul number {n} " + "x" * 300,
                                  "created_at": "2026-11-20T10:00:00+00:00"}) + "\n")
    return path



def test_import_onto_a_full_disk_keeps_what_fit_and_says_so(small_fs, tmp_path, config_dir, capsys, monkeypatch):
    url = f"sqlite:///{small_fs / 'pulse.db'}"
    monkeypatch.setenv("PULSE_DATABASE_URL", url)
    posts = _posts(tmp_path / "posts.jsonl", 6000)  # ~2.4 MB of posts (and indexes) for a 2 MiB disk
    code, output = invoke(["--config", str(config_dir / "pulse.yaml"), "import", str(posts)], capsys)
    assert code == failures.EXIT_DATABASE, output
    assert "Traceback" not in output
    assert "error: import stopped at line" in output and "full" in output
    stored = stored_posts(url)
    assert 0 < stored < 6000  # the batches before the disk filled up are kept
    assert f"imported {stored} new" in output


def test_digest_files_onto_a_full_disk_leave_no_empty_file(small_fs, tmp_path, config_dir, capsys, monkeypatch):
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{tmp_path / 'pulse.db'}")
    cfg = str(config_dir / "pulse.yaml")
    assert invoke(["--config", cfg, "import", str(_posts(tmp_path / "posts.jsonl", 50))], capsys)[0] == 0
    (small_fs / "filler").write_bytes(b"\0" * (2 * 1024 * 1024 - 8192))  # leave 8 KiB: too little for a chart
    code, output = invoke(["--config", cfg, "digest", "--week", "2026-W47", "--out", str(small_fs / "out")], capsys)
    assert code == failures.EXIT_FILESYSTEM, output
    assert "Traceback" not in output and "No space left on device" in output
    leftovers = [p for p in (small_fs / "out").iterdir()] if (small_fs / "out").exists() else []
    assert all(p.stat().st_size > 0 for p in leftovers), leftovers
    assert not [p for p in leftovers if p.name.endswith(".tmp")]


def test_a_read_only_filesystem_reads_but_refuses_to_write(small_fs, tmp_path, config_dir, capsys, monkeypatch):
    url = f"sqlite:///{small_fs / 'pulse.db'}"
    monkeypatch.setenv("PULSE_DATABASE_URL", url)
    cfg = str(config_dir / "pulse.yaml")
    posts = _posts(tmp_path / "posts.jsonl", 20)
    assert invoke(["--config", cfg, "import", str(posts)], capsys)[0] == 0
    # WAL mode needs a writable folder even to read; checkpoint and switch to a rollback journal first
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    code, output = invoke(["--config", cfg, "import", str(posts)], capsys)
    assert code == failures.EXIT_DATABASE and "Traceback" not in output, output
    assert "read-only" in output or "readonly" in output
    code, output = invoke(["--config", cfg, "db", "stats"], capsys)
    assert "Traceback" not in output, output


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_postgresql_going_away_mid_import_loses_nothing_and_a_rerun_finishes(postgres_database_url, tmp_path, config_dir):
    """The database refuses connections halfway through an import; the run says where it stopped, the rerun completes."""
    import os
    import sys
    import time

    from sqlalchemy.engine import make_url

    url = postgres_database_url
    name = make_url(url).database
    posts = _posts(tmp_path / "posts.jsonl", 60_000)
    env = {**os.environ, "PULSE_DATABASE_URL": url, "PULSE_DOTENV": str(tmp_path / "none")}
    argv = [sys.executable, "-m", "monitor", "--config", str(config_dir / "pulse.yaml"), "import", str(posts)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    admin = create_engine(os.environ["PULSE_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")  # another database
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if stored_posts(url) >= 5000:
                    break
            except Exception:  # noqa: BLE001 - the schema may not exist yet
                pass
            time.sleep(0.05)
        with admin.connect() as conn:  # the server stops taking this database's clients, and drops the import's
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        output, _ = proc.communicate(timeout=120)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == failures.EXIT_DATABASE, output
    assert "Traceback" not in output and "error: import stopped at line" in output
    first_lost = int(output.split("error: import stopped at line ")[1].split(",")[0])
    stored = stored_posts(url)
    assert stored == first_lost - 1  # exactly the batches before the failure, each committed whole
    rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"imported {60_000 - stored} new, {stored} updated, 0 skipped" in rerun.stdout
    assert stored_posts(url) == 60_000
