"""A fake Reddit API: app-only OAuth token, subreddit `new`, site-wide search, comments, faults."""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

BASE_TIME = 1_795_000_000.0  # 2026-11-18, newest generated post; older ones step back a minute each
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number: int) -> str:
    """Reddit-style base36 id."""
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _ALPHABET[rest] + out
        if number == 0:
            return out


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big")


def submission(sub: str, index: int, *, title: str | None = None, created_utc: float | None = None) -> dict[str, Any]:
    """A deterministic, real-shaped `t3` data object (index 0 is the newest of its listing)."""
    number = _seed(sub) * 100_000 + index
    ident = base36(number)
    words = ["Labubu haul", "Pop Mart restock", "new cdrama", "Genshin update", "hot pot night"]
    permalink = f"/r/{sub}/comments/{ident}/post_{index}/"
    return {
        "id": ident,
        "name": f"t3_{ident}",
        "subreddit": sub,
        "subreddit_name_prefixed": f"r/{sub}",
        "title": title or f"{words[index % len(words)]} #{index} in r/{sub}",
        "selftext": f"Body of post {index} about {words[(index + 1) % len(words)]}.",
        "author": f"user_{number % 997}",
        "created_utc": created_utc if created_utc is not None else BASE_TIME - index * 60.0,
        "permalink": permalink,
        "url": f"https://www.reddit.com{permalink}",
        "score": (number * 7) % 500,
        "upvote_ratio": 0.9,
        "num_comments": index % 13,
        "over_18": False,
        "removed_by_category": None,
        "is_self": True,
    }


def comment(parent: dict[str, Any], index: int) -> dict[str, Any]:
    """A top-level `t1` comment of a submission."""
    ident = base36(_seed(parent["id"]) * 1000 + index)
    return {
        "id": ident,
        "name": f"t1_{ident}",
        "parent_id": parent["name"],
        "link_id": parent["name"],
        "subreddit": parent["subreddit"],
        "body": f"Comment {index} on {parent['title']}",
        "author": f"commenter_{index}",
        "created_utc": parent["created_utc"] + 30 + index,
        "permalink": f"{parent['permalink']}{ident}/",
        "score": index + 1,
        "replies": "",
    }


class FakeReddit(FakeServer):
    """Serves generated posts per listing; tests edit `listings` to shape what a run sees.

    Listing keys: `r/{sub}` for `/r/{sub}/new`, `search:{q}` for `/r/all/search/` (q without
    the quotes of a phrase search). A key not yet
    set gets `default_count` generated posts on first use.
    """

    def __init__(
        self,
        *,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",
        default_count: int = 30,
        comments_per_post: int = 3,
        ratelimit_remaining: float = 996.0,
        ratelimit_reset: int = 120,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.default_count = default_count
        self.comments_per_post = comments_per_post
        self.ratelimit_remaining = ratelimit_remaining
        self.ratelimit_reset = ratelimit_reset
        self.listings: dict[str, list[Any]] = {}
        self.tokens_issued = 0
        self._data_lock = threading.Lock()
        self._defaults = (default_count, comments_per_post, ratelimit_remaining, ratelimit_reset)
        self.route("POST", "/api/v1/access_token", self._token, exact=True)
        self.route("GET", "/r/", self._listing)
        self.route("GET", "/comments/", self._comments)

    def reset(self) -> None:
        """Forget listings, recorded requests and queued faults (one server shared by many tests)."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()
        with self._data_lock:
            self.listings.clear()
        self.default_count, self.comments_per_post, self.ratelimit_remaining, self.ratelimit_reset = self._defaults

    # -- what tests shape -------------------------------------------------------------------
    def listing(self, key: str) -> list[Any]:
        """The (mutable) item list of a listing, newest first, generated on first use."""
        with self._data_lock:
            if key not in self.listings:
                name = key.split(":", 1)[1] if key.startswith("search:") else key[2:]
                sub = "search_" + "".join(c for c in name if c.isalnum()) if key.startswith("search:") else name
                self.listings[key] = [
                    {"kind": "t3", "data": submission(sub, i, title=f"{name} post {i}" if key.startswith("search:") else None)}
                    for i in range(self.default_count)
                ]
            return self.listings[key]

    def add_new(self, key: str, count: int, *, start: int = 10_000) -> list[dict[str, Any]]:
        """Prepend `count` posts newer than everything in the listing (posts arriving)."""
        items = self.listing(key)
        newest = max((i["data"]["created_utc"] for i in items if isinstance(i, dict) and "data" in i), default=BASE_TIME)
        sub = key[2:] if key.startswith("r/") else "search_new"
        fresh = [
            {"kind": "t3", "data": submission(sub, start + n, created_utc=newest + 60.0 * (count - n))}
            for n in range(count)
        ]
        items[:0] = fresh
        return [f["data"] for f in fresh]

    def bump_scores(self, key: str, delta: int) -> None:
        """Change the score of every post of a listing (metrics moving between runs)."""
        for item in self.listing(key):
            if isinstance(item, dict) and isinstance(item.get("data"), dict) and "score" in item["data"]:
                item["data"]["score"] += delta

    # -- handlers -------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        used = 1000 - int(self.ratelimit_remaining)
        return {
            "x-ratelimit-remaining": f"{self.ratelimit_remaining:.1f}",
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(self.ratelimit_reset),
        }

    def _token(self, rec: Recorded) -> Reply:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if rec.headers.get("Authorization") != expected:
            return Reply(401, {"message": "Unauthorized", "error": 401})
        if rec.param("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        self.tokens_issued += 1
        return Reply(200, {"access_token": f"fake-token-{self.tokens_issued}", "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    def _authorised(self, rec: Recorded) -> bool:
        auth = rec.headers.get("Authorization", "")
        return auth.startswith("bearer fake-token-")

    def _page(self, items: list[Any], rec: Recorded) -> Reply:
        limit = max(1, min(100, int(rec.param("limit") or 25)))
        after = rec.param("after")
        start = 0
        if after:
            names = [i.get("data", {}).get("name") if isinstance(i, dict) and isinstance(i.get("data"), dict) else None for i in items]
            if after not in names:
                return Reply(200, {"kind": "Listing", "data": {"after": None, "before": None, "dist": 0, "children": []}}, self._headers())
            start = names.index(after) + 1
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        last = chunk[-1] if chunk else None
        last_name = last.get("data", {}).get("name") if isinstance(last, dict) and isinstance(last.get("data"), dict) else None
        body = {
            "kind": "Listing",
            "data": {"after": last_name if more else None, "before": None, "dist": len(chunk), "modhash": None, "children": chunk},
        }
        return Reply(200, body, self._headers())

    def _listing(self, rec: Recorded) -> Reply:
        if not self._authorised(rec):
            return Reply(401, {"message": "Unauthorized", "error": 401}, {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'})
        parts = rec.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "r" and parts[2] == "new":
            return self._page(self.listing(f"r/{parts[1]}"), rec)
        if rec.path == "/r/all/search/":
            query = (rec.param("q") or "").strip('"')
            return self._page(self.listing(f"search:{query}"), rec)
        return Reply(404, {"message": "Not Found", "error": 404})

    def _comments(self, rec: Recorded) -> Reply:
        if not self._authorised(rec):
            return Reply(401, {"message": "Unauthorized", "error": 401})
        ident = rec.path.strip("/").split("/")[1]
        with self._data_lock:
            found = next(
                (i["data"] for items in self.listings.values() for i in items
                 if isinstance(i, dict) and isinstance(i.get("data"), dict) and i["data"].get("id") == ident),
                None,
            )
        if found is None:
            return Reply(404, {"message": "Not Found", "error": 404})
        comments = [{"kind": "t1", "data": comment(found, n)} for n in range(self.comments_per_post)]
        comments.append({"kind": "more", "data": {"count": 5, "children": ["abc"], "name": "t1__"}})
        post_listing = {"kind": "Listing", "data": {"after": None, "children": [{"kind": "t3", "data": found}]}}
        comment_listing = {"kind": "Listing", "data": {"after": None, "children": comments}}
        return Reply(200, [post_listing, comment_listing], self._headers())
