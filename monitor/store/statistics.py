"""Planner statistics kept fresh by the store itself: ANALYZE after bulk writes and migrations.

Without statistics SQLite's planner guesses join orders, and on a store filled by `pulse import`
+ `pulse tag` it picked the wrong outer loop for the digest's category × interest join (16 min
instead of 2.6 s on 300k posts). Every write path of `Store` calls `refresh_if_stale`, which costs
two index lookups per table and analyses a table only when its size moved by a quarter (SQLite:
sampled ANALYZE with `analysis_limit`; PostgreSQL: ANALYZE when `n_mod_since_analyze` is large,
in case autovacuum has not caught up yet).
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

TABLES = ("posts", "post_tags")
GROWTH = 0.25  # re-analyse a table when its row count moved by this share since the last ANALYZE
MIN_ROWS = 500  # tables smaller than this are never worth analysing again
ANALYSIS_LIMIT = 2000  # rows SQLite samples per index (approximate ANALYZE, fast on millions of rows)


def _sqlite_recorded(conn: Connection, table: str) -> int | None:
    """Rows of `table` when it was last analysed, or None. With `analysis_limit` each index's entry
    carries its own estimate (the first number of `stat`); the largest is the closest."""
    has_stats = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")).first()
    if not has_stats:
        return None
    rows = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}).scalars().all()
    return max((int(str(stat).split()[0]) for stat in rows), default=None)


def _sqlite_rows(conn: Connection, table: str) -> int:
    """Upper estimate of the rows of a rowid table in O(log n): its largest rowid."""
    return int(conn.execute(text(f"SELECT coalesce(max(rowid), 0) FROM {table}")).scalar_one())  # noqa: S608 - fixed names


def stale_tables(conn: Connection) -> list[str]:
    """Tables whose statistics are missing or out of date."""
    stale = []
    if conn.dialect.name == "sqlite":
        for table in TABLES:
            rows, recorded = _sqlite_rows(conn, table), _sqlite_recorded(conn, table)
            if rows >= MIN_ROWS and (recorded is None or abs(rows - recorded) > GROWTH * max(recorded, 1)):
                stale.append(table)
    elif conn.dialect.name == "postgresql":
        query = text(
            "SELECT c.relname, c.reltuples, coalesce(s.n_mod_since_analyze, 0) FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = ANY(:names) AND c.relkind = 'r'"
        )
        for name, reltuples, modified in conn.execute(query, {"names": list(TABLES)}):
            if modified >= MIN_ROWS and (reltuples < 0 or modified > GROWTH * max(reltuples, 1)):
                stale.append(name)
    return sorted(stale)


def analyze(engine: Engine, tables: list[str]) -> None:
    """ANALYZE the given tables (SQLite: sampled, with `analysis_limit`)."""
    if not tables:
        return
    started = time.perf_counter()
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        for table in tables:
            conn.exec_driver_sql(f"ANALYZE {table}")
    log.info("analyze tables=%s seconds=%.2f", ",".join(tables), time.perf_counter() - started)


def refresh_if_stale(engine: Engine) -> list[str]:
    """Analyse the tables whose statistics are stale; returns their names (empty: nothing to do)."""
    with engine.connect() as conn:
        tables = stale_tables(conn)
    analyze(engine, tables)
    return tables
