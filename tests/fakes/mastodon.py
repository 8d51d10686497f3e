"""A fake Mastodon instance: /api/v2/instance/, public hashtag timelines, Link paging, rate-limit headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeServer, Recorded, Reply


def status(
    local_id: int,
    *,
    origin: str,
    origin_id: int | None = None,
    acct: str = "fan",
    html: str = "<p>hello</p>",
    created_at: datetime | None = None,
    language: str | None = "en",
    counts: tuple[int, int, int] = (1, 2, 3),
    local: bool = True,
) -> dict[str, Any]:
    """A real-shaped Status as seen on some instance. `origin` is the author's home domain:
    the canonical `uri` depends only on it and `origin_id`, so two instances can show one post."""
    origin_id = local_id if origin_id is None else origin_id
    created = created_at or datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=local_id % 1000)
    return {
        "id": str(local_id),
        "uri": f"https://{origin}/users/{acct}/statuses/{origin_id}",
        "url": f"https://{origin}/@{acct}/{origin_id}",
        "created_at": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "account": {
            "id": "1" + str(abs(hash(acct)) % 10**8),
            "username": acct,
            "acct": acct if local else f"{acct}@{origin}",
            "display_name": acct.title(),
            "url": f"https://{origin}/@{acct}",
        },
        "content": html,
        "spoiler_text": "",
        "visibility": "public",
        "sensitive": False,
        "language": language,
        "replies_count": counts[0],
        "reblogs_count": counts[1],
        "favourites_count": counts[2],
        "reblog": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
    }


class FakeMastodon(FakeServer):
    """Statuses per tag (any order; served newest first). Every answer carries X-RateLimit-* headers."""

    def __init__(self, domain: str = "fake.social", *, hashtags_public: bool = True) -> None:
        super().__init__()
        self.domain = domain
        self.tags: dict[str, list[dict[str, Any]]] = {}
        self.hashtags_public = hashtags_public
        self.rate_limit = 300
        self.remaining = 300
        self.reset_in = timedelta(minutes=5)
        self.raw_body: str | None = None  # serve this instead of a timeline (malformed JSON)
        self.route("GET", "/api/v2/instance", self._instance)
        self.route("GET", "/api/v1/timelines/tag/", self._timeline)

    def rate_headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers (the Date header comes from http.server)."""
        reset = datetime.now(UTC) + self.reset_in
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }

    def _instance(self, rec: Recorded) -> Reply:
        access = "public" if self.hashtags_public else "authenticated"
        return Reply(200, {
            "domain": self.domain,
            "title": "Fake Social",
            "version": "4.4.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "fake",
            "configuration": {
                "timelines_access": {
                    "live_feeds": {"local": "public", "remote": "public"},
                    "hashtag_feeds": {"local": access, "remote": access},
                    "trending_link_feeds": {"local": "public", "remote": "public"},
                }
            },
        }, self.rate_headers())

    def _timeline(self, rec: Recorded) -> Reply:
        self.remaining = max(0, self.remaining - 1)
        tag = rec.path[len("/api/v1/timelines/tag/"):].lower()
        if self.raw_body is not None:
            return Reply(200, self.raw_body, self.rate_headers())
        items = sorted(self.tags.get(tag, []), key=lambda s: int(s["id"]), reverse=True)
        limit = min(int(rec.param("limit") or 20), 40)
        for name, keep in (("since_id", lambda s, v: int(s["id"]) > v),
                           ("min_id", lambda s, v: int(s["id"]) > v),
                           ("max_id", lambda s, v: int(s["id"]) < v)):
            value = rec.param(name)
            if value:
                items = [s for s in items if keep(s, int(value))]
        if rec.param("min_id"):
            items = items[-limit:]
        else:
            items = items[:limit]
        headers = self.rate_headers()
        if items:
            base = f"{self.url}/api/v1/timelines/tag/{tag}"
            common = {"limit": str(limit)} if rec.param("limit") else {}
            next_url = f"{base}?{urlencode({**common, 'max_id': items[-1]['id']})}"
            prev_url = f"{base}?{urlencode({**common, 'min_id': items[0]['id']})}"
            headers["Link"] = f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
        return Reply(200, items, headers)
