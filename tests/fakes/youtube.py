"""A fake YouTube Data API v3: search.list, videos.list, commentThreads.list, with a quota meter."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

COSTS = {"search": 100, "videos": 1, "commentThreads": 1, "i18nLanguages": 1}


def video(video_id: str, title: str, published: datetime, *, channel: str = "Fan Channel",
          description: str = "short description…", views: int = 1000, likes: int = 50, comments: int = 7,
          audio_lang: str | None = "en") -> dict[str, Any]:
    """Everything the fake knows about one video."""
    return {"id": video_id, "title": title, "published": published, "channel": channel,
            "description": description, "views": views, "likes": likes, "comments": comments,
            "audio_lang": audio_lang}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(code: int, reason: str, message: str = "error") -> dict[str, Any]:
    """The error body Google APIs send."""
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "youtube", "reason": reason}]}}


class FakeYouTube(FakeServer):
    """Serves under /youtube/v3. `results[q]` lists videos; `comments[video_id]` lists threads.

    `units` counts quota like Google does (also for failed calls); past `quota` every call gets
    403 quotaExceeded.
    """

    def __init__(self, api_key: str = "yt-test-key-123456", quota: int = 10_000) -> None:
        super().__init__()
        self.api_key, self.quota = api_key, quota
        self.units = 0
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.comments_disabled: set[str] = set()
        self.raw_items: dict[str, list[Any]] = {}  # extra raw search items per query (malformed)
        for endpoint in COSTS:
            self.route("GET", f"/youtube/v3/{endpoint}", self._metered(endpoint), exact=True)

    def _metered(self, endpoint: str):  # noqa: ANN202
        handler = getattr(self, f"_{endpoint}")

        def serve(rec: Recorded) -> Reply:
            if rec.headers.get("X-Goog-Api-Key") != self.api_key:
                return Reply(400, error(400, "keyInvalid", "API key not valid. Please pass a valid API key."))
            if self.units + COSTS[endpoint] > self.quota:
                return Reply(403, error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota."))
            self.units += COSTS[endpoint]
            return handler(rec)

        return serve

    def _all_videos(self) -> dict[str, dict[str, Any]]:
        return {v["id"]: v for vs in self.results.values() for v in vs}

    def _search(self, rec: Recorded) -> Reply:
        if rec.param("type") != "video" or rec.param("part") != "snippet":
            return Reply(400, error(400, "invalidParameter"))
        query = rec.param("q") or ""
        items = sorted(self.results.get(query, []), key=lambda v: v["published"], reverse=True)
        after = rec.param("publishedAfter")
        if after:
            cutoff = datetime.fromisoformat(after.replace("Z", "+00:00"))
            items = [v for v in items if v["published"] >= cutoff]
        offset = int(rec.param("pageToken") or 0)
        limit = int(rec.param("maxResults") or 5)
        page = items[offset:offset + limit]
        body: dict[str, Any] = {
            "kind": "youtube#searchListResponse",
            "etag": "fake",
            "regionCode": "US",
            "pageInfo": {"totalResults": len(items), "resultsPerPage": limit},
            "items": [
                {
                    "kind": "youtube#searchResult",
                    "etag": "e",
                    "id": {"kind": "youtube#video", "videoId": v["id"]},
                    "snippet": {
                        "publishedAt": _iso(v["published"]),
                        "channelId": "UC" + v["channel"].replace(" ", "")[:20],
                        "title": html.escape(v["title"]).replace("&#x27;", "&#39;"),  # as YouTube does
                        "description": v["description"][:40],
                        "thumbnails": {},
                        "channelTitle": v["channel"],
                        "liveBroadcastContent": "none",
                        "publishTime": _iso(v["published"]),
                    },
                }
                for v in page
            ] + (self.raw_items.get(query, []) if offset == 0 else []),
        }
        if offset + limit < len(items):
            body["nextPageToken"] = str(offset + limit)
        return Reply(200, body)

    def _videos(self, rec: Recorded) -> Reply:
        known = self._all_videos()
        ids = [i for i in (rec.param("id") or "").split(",") if i in known]
        items = []
        for video_id in ids:
            v = known[video_id]
            snippet = {"publishedAt": _iso(v["published"]), "title": v["title"], "description": v["description"],
                       "channelTitle": v["channel"]}
            if v["audio_lang"]:
                snippet["defaultAudioLanguage"] = v["audio_lang"]
            items.append({"kind": "youtube#video", "id": video_id, "snippet": snippet, "statistics": {
                "viewCount": str(v["views"]), "likeCount": str(v["likes"]), "favoriteCount": "0",
                "commentCount": str(v["comments"])}})
        return Reply(200, {"kind": "youtube#videoListResponse", "items": items,
                           "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}})

    def _i18nLanguages(self, rec: Recorded) -> Reply:  # noqa: N802 - the API's name
        return Reply(200, {"kind": "youtube#i18nLanguageListResponse", "items": [
            {"kind": "youtube#i18nLanguage", "id": "en", "snippet": {"hl": "en", "name": "English"}}]})

    def _commentThreads(self, rec: Recorded) -> Reply:  # noqa: N802 - the API's name
        video_id = rec.param("videoId") or ""
        if video_id in self.comments_disabled:
            return Reply(403, error(403, "commentsDisabled", "The video has disabled comments."))
        limit = int(rec.param("maxResults") or 20)
        return Reply(200, {"kind": "youtube#commentThreadListResponse", "items": self.comments.get(video_id, [])[:limit]})


def comment_thread(comment_id: str, video_id: str, text: str, published: datetime, likes: int = 3,
                   replies: int = 1) -> dict[str, Any]:
    """A real-shaped commentThread with its top-level comment."""
    return {
        "kind": "youtube#commentThread",
        "id": comment_id,
        "snippet": {
            "videoId": video_id,
            "topLevelComment": {
                "kind": "youtube#comment",
                "id": comment_id,
                "snippet": {
                    "videoId": video_id,
                    "textDisplay": text,
                    "textOriginal": text,
                    "authorDisplayName": "@viewer",
                    "likeCount": likes,
                    "publishedAt": _iso(published),
                    "updatedAt": _iso(published),
                },
            },
            "canReply": True,
            "totalReplyCount": replies,
            "isPublic": True,
        },
    }


def at(hours: float) -> datetime:
    """A fixed test time plus `hours`."""
    return datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(hours=hours)
