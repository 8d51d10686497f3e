"""A fake Bluesky PDS/AppView: createSession, refreshSession and app.bsky.feed.searchPosts."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(did: str, lifetime: timedelta, scope: str = "com.atproto.appPass", serial: int = 0) -> str:
    """An unsigned-looking JWT with the claims the client reads (`exp`, `sub`)."""
    now = int(time.time())
    header = _b64({"typ": "at+jwt", "alg": "ES256K"})
    payload = _b64({"scope": scope, "sub": did, "iat": now, "exp": now + int(lifetime.total_seconds()),
                    "aud": "did:web:fake.pds", "jti": f"t{serial}"})
    return f"{header}.{payload}.c2lnbmF0dXJl"


def post_view(
    rkey: str,
    text: str,
    indexed_at: datetime,
    *,
    handle: str = "fan.bsky.social",
    did: str = "did:plc:fanfanfanfanfanfanfanfan",
    created_at: datetime | None = None,
    counts: tuple[int, int, int, int] = (5, 2, 1, 0),
    langs: list[str] | None = None,
) -> dict[str, Any]:
    """A real-shaped app.bsky.feed.defs#postView."""
    created = created_at or indexed_at
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreib2rxk3rh6kzwq" + rkey.ljust(20, "a")[:20],
        "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0].title(), "labels": [],
                   "createdAt": "2024-01-01T00:00:00.000Z"},
        "record": {"$type": "app.bsky.feed.post", "text": text, "langs": langs or ["en"],
                   "createdAt": created.isoformat(timespec="milliseconds").replace("+00:00", "Z")},
        "replyCount": counts[2],
        "repostCount": counts[1],
        "likeCount": counts[0],
        "quoteCount": counts[3],
        "bookmarkCount": 0,
        "indexedAt": indexed_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "labels": [],
    }


class FakeBluesky(FakeServer):
    """`results[q]` holds post views; served newest `indexedAt` first with an offset cursor."""

    def __init__(self, handle: str = "pulse.bsky.social", password: str = "app-pass-1234") -> None:
        super().__init__()
        self.handle, self.password = handle, password
        self.did = "did:plc:pulsepulsepulsepulsepuls"
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.access_lifetime = timedelta(hours=2)
        self.valid_access: set[str] = set()
        self.valid_refresh: set[str] = set()
        self.serial = 0
        self.raw_body: str | None = None
        self.route("POST", "/xrpc/com.atproto.server.createSession", self._create_session, exact=True)
        self.route("POST", "/xrpc/com.atproto.server.refreshSession", self._refresh_session, exact=True)
        self.route("GET", "/xrpc/app.bsky.feed.searchPosts", self._search, exact=True)

    def _tokens(self) -> dict[str, Any]:
        self.serial += 1
        access = make_jwt(self.did, self.access_lifetime, serial=self.serial)
        refresh = make_jwt(self.did, timedelta(days=60), scope="com.atproto.refresh", serial=self.serial)
        self.valid_access.add(access)
        self.valid_refresh.add(refresh)
        # No didDoc: the client would switch its base URL to the PDS named there.
        return {"accessJwt": access, "refreshJwt": refresh, "handle": self.handle, "did": self.did,
                "active": True, "email": "pulse@example.org", "emailConfirmed": True}

    def revoke_access_tokens(self) -> None:
        """Make the server reject every access token issued so far (as after a server-side reset)."""
        self.valid_access.clear()

    def _create_session(self, rec: Recorded) -> Reply:
        body = json.loads(rec.body or b"{}")
        if body.get("identifier") != self.handle or body.get("password") != self.password:
            return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
        return Reply(200, self._tokens())

    def _refresh_session(self, rec: Recorded) -> Reply:
        token = _bearer(rec)
        if token not in self.valid_refresh:
            return Reply(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
        self.valid_refresh.discard(token)
        return Reply(200, self._tokens())

    def _search(self, rec: Recorded) -> Reply:
        token = _bearer(rec)
        if not token:
            return Reply(403, {"error": "Forbidden", "message": "search requires auth"})
        if token not in self.valid_access:
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if self.raw_body is not None:
            return Reply(200, self.raw_body)
        query = rec.param("q") or ""
        items = sorted(self.results.get(query, []), key=lambda p: str(p.get("indexedAt", "")), reverse=True)
        since = rec.param("since")
        if since:
            cutoff = datetime.fromisoformat(since.replace("Z", "+00:00"))
            items = [p for p in items if _when(p) is None or _when(p) >= cutoff]
        offset = int(rec.param("cursor") or 0)
        limit = int(rec.param("limit") or 25)
        page = items[offset:offset + limit]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(items)}
        if offset + limit < len(items):
            body["cursor"] = str(offset + limit)
        return Reply(200, body)


def _bearer(rec: Recorded) -> str:
    """The bearer token, whatever the header's case (atproto lower-cases some header names)."""
    for name, value in rec.headers.items():
        if name.lower() == "authorization":
            return value.removeprefix("Bearer ")
    return ""


def _when(post: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(post.get("indexedAt")).replace("Z", "+00:00"))
    except ValueError:
        return None


def at(minutes: int) -> datetime:
    """A fixed test time plus `minutes`."""
    return datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)
