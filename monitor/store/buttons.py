"""Inline buttons: opaque ids that stand for an action (kept in the database so they survive a restart),
and claims that let exactly one press of a decision win, across processes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store import schema
from monitor.store.database import Store

PREFIX = "pc:"
"""Callback data is PREFIX + a 16-character random id: 19 bytes, well under Telegram's 64."""


@dataclass(frozen=True)
class Button:
    """What a pressed button's id stands for."""

    token: str
    kind: str
    chat_id: int
    payload: dict[str, Any]
    created_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def new_tokens(store: Store, chat_id: int, items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Store one button per (kind, payload) for `chat_id`; returns their callback data, in order."""
    now = _now()
    rows = [
        {"token": secrets.token_urlsafe(12), "kind": kind, "chat_id": chat_id, "payload": payload, "created_at": now}
        for kind, payload in items
    ]
    if rows:
        with store.engine.begin() as conn:
            conn.execute(insert(schema.button_tokens), rows)
    return [PREFIX + row["token"] for row in rows]


def lookup(store: Store, data: str | None) -> Button | None:
    """The button behind callback data, or None (not ours, forged, or pruned)."""
    if not data or not data.startswith(PREFIX) or len(data) > 64:
        return None
    t = schema.button_tokens
    with store.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.token == data[len(PREFIX) :])).mappings().first()
    if row is None:
        return None
    return Button(row["token"], row["kind"], int(row["chat_id"]), dict(row["payload"]), row["created_at"])


def claim(store: Store, key: str, user_id: int) -> bool:
    """Take the decision `key` (INSERT on a primary key); False if someone already took it."""
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(schema.button_claims).values(claim=key[:160], user_id=user_id, at=_now()))
    except IntegrityError:
        return False
    return True


def settle(store: Store, key: str, outcome: str) -> None:
    """Record what a won claim did (shown to whoever presses later)."""
    t = schema.button_claims
    with store.engine.begin() as conn:
        conn.execute(update(t).where(t.c.claim == key[:160]).values(outcome=outcome[:255]))


def release(store: Store, key: str) -> None:
    """Give a claim back (the edit failed: another press may try again)."""
    t = schema.button_claims
    with store.engine.begin() as conn:
        conn.execute(delete(t).where(t.c.claim == key[:160]))


def claim_outcome(store: Store, key: str) -> str | None:
    """What the winning press of `key` did ('' while it is still running), None if unclaimed."""
    t = schema.button_claims
    with store.engine.connect() as conn:
        row = conn.execute(select(t.c.outcome).where(t.c.claim == key[:160])).first()
    return None if row is None else (row[0] or "")


def claimed(store: Store, keys: list[str]) -> set[str]:
    """Which of `keys` are claimed."""
    if not keys:
        return set()
    t = schema.button_claims
    with store.engine.connect() as conn:
        return {row[0] for row in conn.execute(select(t.c.claim).where(t.c.claim.in_([k[:160] for k in keys])))}


KEEP = timedelta(days=60)
"""Buttons and claims are forgotten after this (a press then says the button expired, as it would anyway)."""


def prune(store: Store, older_than: timedelta = KEEP) -> int:
    """Forget buttons and claims older than `older_than`; returns how many buttons went."""
    t, c = schema.button_tokens, schema.button_claims
    cutoff = _now() - older_than
    with store.engine.begin() as conn:
        conn.execute(delete(c).where(c.c.at < cutoff))
        return conn.execute(delete(t).where(t.c.created_at < cutoff)).rowcount
