"""Cluster-wide leases: one holder at a time per name, on PostgreSQL session advisory locks.

Why advisory locks and not a lease table of our own: PostgreSQL already ties a session lock to its
connection, so a holder that crashes, is killed or loses its host gives the lock back when the server
drops the connection, with no expiry arithmetic, clock skew or fencing rows to get wrong.

What this module adds around `pg_try_advisory_lock`:

* Each lease gets its **own** connection (never a pooled one: a pooled connection handed back with
  the lock still held would keep it forever), opened with TCP keepalives and named
  `pulse <owner>` so other processes can say who holds it (`pg_locks` joined to
  `pg_stat_activity`). Releasing closes that connection, which frees the lock whatever happened.
* **Expiry.** The connection sets `idle_session_timeout` to the lease expiry and a heartbeat thread
  runs `SELECT 1` on it every third of that. A holder that hangs (stopped process, paused VM, lost
  host) stops the heartbeat, the server ends its session after `expiry` and the lock passes on.
* **Maximum hold.** A holder whose work runs past `max_hold` (a collector stuck in the network while
  the process is otherwise fine) stops its heartbeat and closes the connection itself; `lost` is set
  so the work can stop at its next step.

On SQLite (one process by design) a lease is a lock inside this process only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from monitor.store.database import Store

log = logging.getLogger(__name__)

APPLICATION_PREFIX = "pulse "
_local_locks: dict[tuple[str, str], threading.Lock] = {}
_local_guard = threading.Lock()


def process_owner() -> str:
    """'host:pid:random' naming this process in leases, digest claims and PostgreSQL's activity view."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lock_key(name: str) -> int:
    """The signed 64-bit advisory-lock key of a lease name (stable across processes and versions)."""
    digest = hashlib.blake2b(f"pulse:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass
class Lease:
    """A held lease; `lost` is set once it may have passed to someone else. Release it when done."""

    name: str
    owner: str
    expiry: float
    max_hold: float | None
    lost: threading.Event = field(default_factory=threading.Event)
    _connection: Connection | None = None
    _local: threading.Lock | None = None
    _released: threading.Event = field(default_factory=threading.Event)
    _io: threading.Lock = field(default_factory=threading.Lock)
    _heartbeat: threading.Thread | None = None
    acquired_at: float = field(default_factory=time.monotonic)

    @property
    def held(self) -> bool:
        """True while the lease is ours (not released, not lost)."""
        return not (self._released.is_set() or self.lost.is_set())

    def _start_heartbeat(self) -> None:
        self._heartbeat = threading.Thread(target=self._beat, name=f"lease-{self.name}", daemon=True)
        self._heartbeat.start()

    def _beat(self) -> None:
        interval = max(self.expiry / 3.0, 0.05)
        while not self._released.wait(interval):
            if self.max_hold is not None and time.monotonic() - self.acquired_at > self.max_hold:
                log.warning(
                    "lease given up name=%s owner=%s reason=%r",
                    self.name, self.owner, f"held longer than {self.max_hold:g}s: the work is stuck",
                )
                self.lost.set()
                self._close()
                return
            try:
                with self._io:
                    if self._connection is None:
                        return
                    self._connection.execute(text("SELECT 1"))
            except Exception as exc:  # noqa: BLE001 - the server ended the session: the lock is gone
                log.warning("lease lost name=%s owner=%s error=%r", self.name, self.owner, str(exc).splitlines()[0])
                self.lost.set()
                self._close()
                return

    def _close(self, *, unlock: bool = False) -> None:
        with self._io:
            connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if unlock:  # synchronous: the next try_acquire anywhere sees it free (a closing session frees it a moment later)
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(self.name)})
        except Exception:  # noqa: BLE001 - the session is gone, and its locks with it
            connection.invalidate()
        finally:
            connection.close()  # ends the session: PostgreSQL releases its advisory locks

    def release(self) -> None:
        """Give the lease back (idempotent)."""
        if self._released.is_set():
            return
        self._released.set()
        if self._local is not None:
            self._local.release()
            return
        self._close(unlock=not self.lost.is_set())
        if self._heartbeat is not None and self._heartbeat is not threading.current_thread():
            self._heartbeat.join(timeout=5)

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Leases:
    """Takes leases on one store; `owner` names this process in PostgreSQL's activity view."""

    def __init__(self, store: Store, owner: str, *, expiry: float = 60.0):
        self.store = store
        self.owner = owner
        self.expiry = expiry
        self._engine: Engine | None = None

    @property
    def shared(self) -> bool:
        """True when leases are cluster-wide (PostgreSQL); False for the in-process locks of SQLite."""
        return self.store.dialect == "postgresql"

    def _lock_engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(
                self.store.engine.url,
                poolclass=NullPool,  # one connection per lease, closed on release: never reused with a lock held
                isolation_level="AUTOCOMMIT",
                connect_args={
                    "application_name": (APPLICATION_PREFIX + self.owner)[:63],
                    "connect_timeout": 10,
                    "keepalives": 1,
                    "keepalives_idle": 10,
                    "keepalives_interval": 5,
                    "keepalives_count": 3,
                },
            )
        return self._engine

    def try_acquire(self, name: str, *, max_hold: float | None = None) -> Lease | None:
        """The lease `name` if nobody holds it, else None (never waits)."""
        if not self.shared:
            return self._try_local(name, max_hold)
        connection = self._lock_engine().connect()
        try:
            if connection.execute(text("SELECT current_setting('server_version_num')::int")).scalar_one() >= 140000:
                connection.execute(text(f"SET idle_session_timeout = {int(self.expiry * 1000)}"))
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)}).scalar_one()
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            return None
        lease = Lease(name, self.owner, self.expiry, max_hold, _connection=connection)
        lease._start_heartbeat()
        log.debug("lease acquired name=%s owner=%s", name, self.owner)
        return lease

    def _try_local(self, name: str, max_hold: float | None) -> Lease | None:
        with _local_guard:
            lock = _local_locks.setdefault((self.store.url, name), threading.Lock())
        if not lock.acquire(blocking=False):
            return None
        return Lease(name, self.owner, self.expiry, max_hold, _local=lock)

    def holder(self, name: str) -> str | None:
        """Who holds `name` now ('host:pid:id' of a pulse process, or 'pid N'), or None."""
        if not self.shared:
            with _local_guard:
                lock = _local_locks.get((self.store.url, name))
            return self.owner if lock is not None and lock.locked() else None
        key = lock_key(name)
        query = text(
            "SELECT a.application_name, l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND l.classid::bigint = :high AND l.objid::bigint = :low"
        )
        with self.store.engine.connect() as conn:
            row = conn.execute(query, {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF}).first()
        if row is None:
            return None
        name_, pid = row
        return name_.removeprefix(APPLICATION_PREFIX) if name_ else f"pid {pid}"

    def close(self) -> None:
        """Dispose of the lock engine (held leases keep their own connections until released)."""
        if self._engine is not None:
            self._engine.dispose()
