"""Exactly-once bookkeeping for digests and alerts: claim a (week, chat) row, record every sent part.

Policy for the weekly digest of one (week, chat):

* A sender first *claims* the row: an INSERT guarded by the unique (week, chat_id) constraint, so of
  two processes racing on the same database (SQLite or PostgreSQL) exactly one wins.
* Before each part goes out, a `null` placeholder is appended to `message_ids` (committed); after
  Telegram answers it becomes the message id (or a list of ids for an album). A part whose
  placeholder survives a crash *may* have been delivered, so it is never sent again.
* `sent` rows are final. A `claimed` row whose `claimed_at` (refreshed with every part) is older
  than `stale_after` belongs to a dead process and may be re-claimed; so may a `failed` row while
  `attempts < max_attempts`. A re-claim resumes after the parts already recorded: restarting
  before sending sends everything, during sending sends only the rest, after sending sends nothing.
* Every update after the claim is conditional on the owner, so a process that lost its claim
  (because it stalled past `stale_after`) cannot overwrite the new owner's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store import schema
from monitor.store.database import Store

PartIds = int | list[int] | None
"""What `message_ids` holds per part: a message id, album ids, or None (sent but not confirmed)."""


class ClaimLost(Exception):
    """Another process took over this digest row; stop sending."""


@dataclass
class DigestClaim:
    """A won claim on one (week, chat) digest; `parts` mirrors the row's `message_ids`."""

    row_id: int
    week: str
    chat_id: int
    owner: str
    attempt: int
    parts: list[PartIds] = field(default_factory=list)

    @property
    def done_parts(self) -> int:
        """Parts delivered (or possibly delivered) by earlier attempts: skip that many."""
        return len(self.parts)

    @property
    def uncertain(self) -> bool:
        """True if an earlier owner died while a part was in flight."""
        return any(entry is None for entry in self.parts)


def _now() -> datetime:
    return datetime.now(UTC)


def claim_digest(
    store: Store,
    week: str,
    chat_id: int,
    owner: str,
    *,
    now: datetime | None = None,
    stale_after: timedelta = timedelta(minutes=15),
    max_attempts: int = 5,
) -> DigestClaim | None:
    """Claim the digest of `week` for `chat_id`; None if it is sent, being sent, or given up."""
    now = now or _now()
    t = schema.sent_digests
    try:
        with store.engine.begin() as conn:
            result = conn.execute(
                insert(t).values(
                    week=week, chat_id=chat_id, status="claimed", claimed_at=now, message_ids=[], attempts=1, owner=owner
                )
            )
            return DigestClaim(int(result.inserted_primary_key[0]), week, chat_id, owner, 1, [])
    except IntegrityError:
        pass  # the row exists: decide below whether it may be taken over

    with store.engine.begin() as conn:
        row = conn.execute(select(t).where(t.c.week == week, t.c.chat_id == chat_id)).mappings().one_or_none()
        if row is None:  # deleted in between: let the next call insert it
            return None
        if row["status"] == "sent":
            return None
        if row["status"] == "claimed" and row["claimed_at"] > now - stale_after:
            return None
        if row["status"] == "failed" and row["attempts"] >= max_attempts:
            return None
        if row["status"] not in ("claimed", "failed"):
            return None
        # Compare-and-swap on (status, attempts, claimed_at): only one re-claimer can match.
        result = conn.execute(
            update(t)
            .where(
                and_(
                    t.c.id == row["id"],
                    t.c.status == row["status"],
                    t.c.attempts == row["attempts"],
                    t.c.claimed_at == row["claimed_at"],
                )
            )
            .values(status="claimed", owner=owner, claimed_at=now, attempts=row["attempts"] + 1, error=None)
        )
        if result.rowcount != 1:
            return None
    return DigestClaim(row["id"], week, chat_id, owner, row["attempts"] + 1, list(row["message_ids"] or []))


def _write(store: Store, claim: DigestClaim, **values: Any) -> None:
    t = schema.sent_digests
    with store.engine.begin() as conn:
        result = conn.execute(
            update(t)
            .where(t.c.id == claim.row_id, t.c.owner == claim.owner, t.c.status == "claimed")
            .values(**values)
        )
    if result.rowcount != 1:
        raise ClaimLost(f"digest {claim.week} for chat {claim.chat_id} was taken over by another process")


def begin_part(store: Store, claim: DigestClaim) -> None:
    """Record that the next part is about to be sent (a None placeholder), refreshing the claim."""
    claim.parts.append(None)
    _write(store, claim, message_ids=list(claim.parts), claimed_at=_now())


def part_sent(store: Store, claim: DigestClaim, ids: int | list[int]) -> None:
    """Replace the in-flight placeholder with the message id(s) Telegram returned."""
    claim.parts[-1] = ids
    _write(store, claim, message_ids=list(claim.parts), claimed_at=_now())


def part_not_sent(store: Store, claim: DigestClaim) -> None:
    """Drop the placeholder: the send certainly failed (Telegram answered with an error)."""
    if claim.parts and claim.parts[-1] is None:
        claim.parts.pop()
    _write(store, claim, message_ids=list(claim.parts))


def finish_digest(store: Store, claim: DigestClaim) -> None:
    """Mark the digest sent; the row is final from now on."""
    _write(store, claim, status="sent", sent_at=_now(), message_ids=list(claim.parts), error=None)


def fail_digest(store: Store, claim: DigestClaim, error: str) -> None:
    """Mark this attempt failed (re-claimable while attempts remain), keeping recorded parts."""
    _write(store, claim, status="failed", error=error[:2000], message_ids=list(claim.parts))


def chats_needing_digest(store: Store, week: str, chat_ids: list[int], *, max_attempts: int = 5) -> list[int]:
    """Chats whose digest for `week` is neither sent nor given up (a cheap check before rendering)."""
    t = schema.sent_digests
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.c.chat_id, t.c.status, t.c.attempts).where(t.c.week == week)).all()
    final = {chat for chat, status, attempts in rows if status == "sent" or (status == "failed" and attempts >= max_attempts)}
    return [chat for chat in chat_ids if chat not in final]


def digest_rows(store: Store, *, week: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Latest sent_digests rows (newest first), for /status and tests."""
    t = schema.sent_digests
    query = select(t).order_by(t.c.id.desc()).limit(limit)
    if week is not None:
        query = query.where(t.c.week == week)
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings().all()]


# -- alerts -----------------------------------------------------------------------------------


def claim_alert(store: Store, alert_key: str, chat_id: int) -> bool:
    """Claim one alert for one chat; False if it was already claimed (by anyone, ever)."""
    try:
        with store.engine.begin() as conn:
            conn.execute(
                insert(schema.sent_alerts).values(alert_key=alert_key, chat_id=chat_id, status="claimed", claimed_at=_now())
            )
        return True
    except IntegrityError:
        return False


def finish_alert(store: Store, alert_key: str, chat_id: int, *, error: str | None = None) -> None:
    """Mark a claimed alert sent, or failed with the error."""
    t = schema.sent_alerts
    values: dict[str, Any] = {"status": "failed", "error": error[:2000]} if error else {"status": "sent", "sent_at": _now()}
    with store.engine.begin() as conn:
        conn.execute(update(t).where(t.c.alert_key == alert_key, t.c.chat_id == chat_id).values(**values))
