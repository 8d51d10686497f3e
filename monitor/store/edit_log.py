"""The log of watchlist edits made from the chat (who, when, what, the file before/after) and ignored terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store import schema
from monitor.store.database import Store

HISTORY = 10


@dataclass(frozen=True)
class ChatEdit:
    """One logged edit."""

    id: int
    at: datetime
    user_id: int
    user_name: str | None
    chat_id: int
    action: str  # watch | unwatch | ignore | unignore | undo
    target: str
    detail: str | None
    before_text: str | None
    after_text: str | None
    undone_by: int | None


def _now() -> datetime:
    return datetime.now(UTC)


def _edit(row) -> ChatEdit:  # noqa: ANN001
    return ChatEdit(**{name: row[name] for name in ChatEdit.__dataclass_fields__})


def record_edit(
    store: Store,
    *,
    user_id: int,
    user_name: str | None,
    chat_id: int,
    action: str,
    target: str,
    detail: str | None = None,
    before_text: str | None = None,
    after_text: str | None = None,
    undoes: int | None = None,
    at: datetime | None = None,
) -> int:
    """Log an edit; with `undoes`, mark that earlier edit as reverted by this one (same transaction)."""
    t = schema.chat_edits
    with store.engine.begin() as conn:
        new_id = int(
            conn.execute(
                insert(t).values(
                    at=at or _now(), user_id=user_id, user_name=(user_name or "")[:128] or None, chat_id=chat_id,
                    action=action, target=target[:255], detail=detail, before_text=before_text, after_text=after_text,
                )
            ).inserted_primary_key[0]
        )
        if undoes is not None:
            conn.execute(update(t).where(t.c.id == undoes).values(undone_by=new_id))
    return new_id


def last_undoable(store: Store) -> ChatEdit | None:
    """The newest edit that is not an undo and has not been undone."""
    t = schema.chat_edits
    query = select(t).where(t.c.action != "undo", t.c.undone_by.is_(None)).order_by(t.c.id.desc()).limit(1)
    with store.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return _edit(row) if row else None


def history(store: Store, limit: int = HISTORY) -> list[ChatEdit]:
    """The newest `limit` edits, newest first."""
    t = schema.chat_edits
    with store.engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.id.desc()).limit(limit)).mappings().all()
    return [_edit(row) for row in rows]


def ignore_term(store: Store, term: str, user_id: int) -> bool:
    """Keep `term` out of suggestions; False if it already was."""
    shown = " ".join(term.split())[:255]
    try:
        with store.engine.begin() as conn:
            conn.execute(
                insert(schema.ignored_terms).values(term=shown.casefold(), shown=shown, at=_now(), user_id=user_id)
            )
    except IntegrityError:
        return False
    return True


def unignore_term(store: Store, term: str) -> bool:
    """Let `term` be suggested again; False if it was not ignored."""
    t = schema.ignored_terms
    with store.engine.begin() as conn:
        return conn.execute(delete(t).where(t.c.term == " ".join(term.split()).casefold())).rowcount > 0


def ignored_terms(store: Store) -> list[str]:
    """Every ignored term (as first written), oldest first."""
    t = schema.ignored_terms
    with store.engine.connect() as conn:
        return [row[0] for row in conn.execute(select(t.c.shown).order_by(t.c.at, t.c.term))]
