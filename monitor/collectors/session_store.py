"""Login sessions kept between runs, encrypted at rest (Fernet) with PULSE_SESSION_SECRET, in the store.

A session is a secret: without PULSE_SESSION_SECRET nothing is stored and the source logs in on
every run. The ciphertext lives in the `checkpoints` table (key `session:` + a hash of the account), so every
process sharing the database shares the session. A value that no longer decrypts (the key was
changed) is dropped and the source logs in again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from monitor.store import Store

log = logging.getLogger(__name__)

KEY_ENV = "PULSE_SESSION_SECRET"
"""A Fernet key: `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`."""


def _fernet(env: Mapping[str, str]) -> Fernet | None:
    from cryptography.fernet import Fernet

    key = (env.get(KEY_ENV) or "").strip()
    if not key:
        return None
    try:
        return Fernet(key.encode())
    except ValueError:
        log.warning("%s is not a Fernet key (32 url-safe base64-encoded bytes): sessions are not stored", KEY_ENV)
        return None


class SessionStore:
    """One account's session string for one source: `load`, `save`, `forget`."""

    def __init__(self, store: Store, source: str, account: str, env: Mapping[str, str]):
        self.store = store
        self.source = source
        self.key = f"session:{hashlib.sha256(account.encode()).hexdigest()[:16]}"  # the account name is not stored
        self._fernet = _fernet(env)

    @classmethod
    def open(cls, store: Store | None, source: str, account: str, env: Mapping[str, str]) -> SessionStore | None:
        """A session store, or None when there is no database or no PULSE_SESSION_SECRET (nothing kept)."""
        if store is None:
            return None
        sessions = cls(store, source, account, env)
        if sessions._fernet is None:
            log.info("session not stored source=%s reason=%r", source, f"{KEY_ENV} not set")
            return None
        return sessions

    def load(self) -> str | None:
        """The stored session string, or None (none stored, or it does not decrypt with this key)."""
        from cryptography.fernet import InvalidToken

        assert self._fernet is not None
        token = self.store.get_checkpoint(self.source, self.key)
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            log.warning("stored session does not decrypt (key changed?), logging in again source=%s", self.source)
            self.forget()
            return None

    def save(self, session: str) -> None:
        """Encrypt and store the session string (replacing the previous one)."""
        assert self._fernet is not None
        self.store.set_checkpoint(self.source, self.key, self._fernet.encrypt(session.encode()).decode())

    def forget(self) -> None:
        """Drop the stored session (it was rejected)."""
        self.store.set_checkpoint(self.source, self.key, "")
