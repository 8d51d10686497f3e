"""Running `pulse` in-process through its real entry point, and counting stored posts, for the fault tests."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from monitor.cli.main import run
from monitor.store import schema


def invoke(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """(exit status, stdout + stderr) of `pulse ARGV`, through the same `run()` as the console script."""
    try:
        run(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def stored_posts(url: str) -> int:
    """Rows in `posts` at `url`."""
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.posts)).scalar_one()
    engine.dispose()
    return count
