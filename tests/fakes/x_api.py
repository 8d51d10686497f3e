"""A fake X API v2 recent search: data/includes/meta, since_id, next_token, rate-limit headers."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

BASE_ID = 1_990_000_000_000_000_000  # snowflake-sized ids, as numeric strings on the wire
BASE_TIME = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
_DEFAULT_FIELDS = ("id", "text", "edit_history_tweet_ids")


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=3).digest(), "big")


def tweet(query: str, index: int, *, tweet_id: int | None = None, text: str | None = None) -> dict[str, Any]:
    """A deterministic, full tweet object (every field; the fake trims to what was asked for)."""
    seed = _seed(query)
    ident = tweet_id if tweet_id is not None else BASE_ID + seed * 1_000_000 + (999_999 - index)
    author = 1000 + (seed + index) % 50
    return {
        "id": str(ident),
        "text": text or f"{query} tweet {index}: loving this",
        "edit_history_tweet_ids": [str(ident)],
        "author_id": str(author),
        "created_at": (BASE_TIME - timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lang": "en" if index % 3 else "ja",
        "public_metrics": {
            "retweet_count": index % 7,
            "reply_count": index % 5,
            "like_count": (seed + index) % 300,
            "quote_count": index % 2,
            "bookmark_count": 0,
            "impression_count": 1000 + index,
        },
    }


def user(author_id: str) -> dict[str, Any]:
    """The `includes.users` entry of an author."""
    return {"id": author_id, "name": f"Fan {author_id}", "username": f"fan_{author_id}"}


class FakeX(FakeServer):
    """Serves `/2/tweets/search/recent`. `results[query]` (newest first) is what a query matches;
    unknown queries get `default_count` generated tweets."""

    def __init__(self, *, bearer_token: str = "fake-bearer", default_count: int = 25, reset_in: int = 900) -> None:
        super().__init__()
        self.bearer_token = bearer_token
        self.default_count = default_count
        self.reset_in = reset_in
        self.results: dict[str, list[Any]] = {}
        self._data_lock = threading.Lock()
        self._defaults = (default_count, reset_in)
        self.route("GET", "/2/tweets/search/recent", self._search, exact=True)
        self.route("GET", "/2/usage/tweets", self._usage, exact=True)
        self.posts_read = 0  # what /2/usage/tweets reports as this cycle's usage

    def reset(self) -> None:
        """Forget results, recorded requests and queued faults (one server shared by many tests)."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()
        with self._data_lock:
            self.results.clear()
        self.default_count, self.reset_in = self._defaults

    def results_for(self, query: str) -> list[Any]:
        """The (mutable) list of tweets a query matches, newest first, generated on first use."""
        with self._data_lock:
            if query not in self.results:
                self.results[query] = [tweet(query, i) for i in range(self.default_count)]
            return self.results[query]

    def add_new(self, query: str, count: int) -> list[dict[str, Any]]:
        """Prepend `count` tweets newer than any the query has (tweets arriving)."""
        items = self.results_for(query)
        newest = max((int(t["id"]) for t in items if isinstance(t, dict) and str(t.get("id", "")).isdigit()), default=BASE_ID)
        fresh = [tweet(query, -1 - n, tweet_id=newest + count - n) for n in range(count)]
        items[:0] = fresh
        return fresh

    def rate_headers(self, remaining: int = 440) -> dict[str, str]:
        """x-rate-limit-* headers as X sends them (reset is epoch seconds)."""
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(time.time()) + self.reset_in),
        }

    def _usage(self, rec: Recorded) -> Reply:
        """The project's usage this billing cycle (app-only bearer; reads no posts)."""
        if rec.headers.get("Authorization") != f"Bearer {self.bearer_token}":
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        return Reply(200, {"data": {"cap_reset_day": 5, "project_id": "1", "project_cap": "10000",
                                    "project_usage": str(self.posts_read)}})

    def _search(self, rec: Recorded) -> Reply:
        if rec.headers.get("Authorization") != f"Bearer {self.bearer_token}":
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        query = rec.param("query")
        if not query:
            return Reply(400, {"errors": [{"message": "query is required"}], "title": "Invalid Request"})
        max_results = int(rec.param("max_results") or 10)
        if not 10 <= max_results <= 100:
            return Reply(400, {"errors": [{"message": "max_results must be between 10 and 100"}], "title": "Invalid Request"})
        items = list(self.results_for(query))
        since_id, until_id = rec.param("since_id"), rec.param("until_id")

        def ident(item: Any) -> int | None:
            try:
                return int(item["id"])
            except (TypeError, KeyError, ValueError):
                return None

        if since_id:
            items = [t for t in items if ident(t) is None or ident(t) > int(since_id)]
        if until_id:
            items = [t for t in items if ident(t) is None or ident(t) < int(until_id)]
        start = 0
        token = rec.param("next_token")
        if token:
            if not token.startswith("nt_") or not token[3:].isdigit():
                return Reply(400, {"errors": [{"message": "invalid next_token"}], "title": "Invalid Request"})
            start = int(token[3:])
        chunk = items[start : start + max_results]
        fields = set(_DEFAULT_FIELDS) | set((rec.param("tweet.fields") or "").split(","))
        expansions = set((rec.param("expansions") or "").split(","))
        if "author_id" in expansions:
            fields.add("author_id")
        data = [{k: v for k, v in t.items() if k in fields} if isinstance(t, dict) else t for t in chunk]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        ids = [ident(t) for t in chunk if ident(t) is not None]
        if ids:
            meta["newest_id"], meta["oldest_id"] = str(max(ids)), str(min(ids))
        if start + max_results < len(items):
            meta["next_token"] = f"nt_{start + max_results}"
        body: dict[str, Any] = {"meta": meta}
        if data:
            body["data"] = data
        if "author_id" in expansions and data:
            authors = dict.fromkeys(t["author_id"] for t in chunk if isinstance(t, dict) and "author_id" in t)
            body["includes"] = {"users": [user(a) for a in authors]}
        return Reply(200, body, self.rate_headers())
