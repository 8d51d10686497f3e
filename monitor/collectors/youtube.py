"""YouTube collector: Data API v3 search for watchlist queries, within a daily quota budget."""

from __future__ import annotations

import html
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from monitor.collectors import _requests as http
from monitor.collectors.base import Batch, Collector, Query, SourceUnavailable, SourceUnreachable
from monitor.collectors.registry import register
from monitor.collectors.retry import RetryPolicy
from monitor.posts import Post
from monitor.sources.youtube import SPEC, YoutubeOptions

log = logging.getLogger(__name__)

SEARCH_COST = 100  # units per search.list call (documented quota costs)
LIST_COST = 1  # videos.list, commentThreads.list
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
_KEY_REASONS = {"keyInvalid", "keyExpired", "accessNotConfigured", "forbidden", "ipRefererBlocked", "API_KEY_INVALID"}


class _OutOfBudget(Exception):
    """The next call would go over this run's budget or the day's quota."""


def _reason(exc: http.HttpStatusError) -> str | None:
    try:
        body = exc.response.json()
        errors = body.get("error", {}).get("errors") or []
        if errors and isinstance(errors[0], dict):
            return errors[0].get("reason")
        details = body.get("error", {}).get("details") or []
        for detail in details:
            if isinstance(detail, dict) and detail.get("reason"):
                return detail["reason"]
    except (ValueError, AttributeError):
        return None
    return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register
class YoutubeCollector(Collector):
    """Searches videos (type=video, order=date, publishedAfter) per watchlist query.

    The whole source keeps one checkpoint ("search"), JSON with the quota day, the units spent on
    it, each query's newest publishedAt and where the next run starts, so a run that cannot afford
    every query carries on with the rest next time. Units are counted before every attempt
    (retries included) and saved with every page, so a crash cannot undercount them.
    The key is sent in the X-Goog-Api-Key header, never in a URL that could end up in a message.
    """

    name = SPEC.name
    options_model = YoutubeOptions
    required_env = SPEC.required_env
    default_api_base_url = "https://www.googleapis.com/youtube/v3"

    def __init__(self, options: YoutubeOptions, watchlist, env):  # noqa: ANN001
        super().__init__(options, watchlist, env)
        self.options: YoutubeOptions = options
        self.session = requests.Session()
        self.session.headers["User-Agent"] = http.USER_AGENT
        self.sleep: Callable[[float], None] = time.sleep
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._state: dict[str, Any] = {}
        self._run_units = 0
        self._comment_videos = 0

    def _texts(self) -> list[str]:
        return self.watchlist.search_texts()

    def queries(self) -> list[Query]:
        return [Query(key="search", text="watchlist")]

    # -- quota ------------------------------------------------------------------------------

    def _quota_day(self) -> str:
        return self.now().astimezone(ZoneInfo(self.options.quota_timezone)).date().isoformat()

    def _load(self, checkpoint: str | None) -> None:
        try:
            state = json.loads(checkpoint) if checkpoint else {}
        except ValueError:
            state = {}
        if not isinstance(state, dict):
            state = {}
        day = self._quota_day()
        if state.get("day") != day:
            state["day"], state["units"] = day, 0
        state.setdefault("after", {})
        state.setdefault("next", 0)
        self._state = state

    def _affordable(self, cost: int) -> bool:
        return (
            self._run_units + cost <= self.options.units_per_run
            and int(self._state["units"]) + cost <= self.options.daily_quota
        )

    def _charge(self, cost: int) -> None:
        if self._state.get("day") != self._quota_day():  # the quota day turned during the run
            self._state["day"], self._state["units"] = self._quota_day(), 0
        if not self._affordable(cost):
            raise _OutOfBudget(f"{cost} units would exceed the budget")
        self._run_units += cost
        self._state["units"] = int(self._state["units"]) + cost

    def _checkpoint(self) -> str:
        return json.dumps(self._state, sort_keys=True)

    # -- HTTP -------------------------------------------------------------------------------

    def _get(self, endpoint: str, params: dict[str, str], cost: int) -> dict[str, Any]:
        response = http.get(
            self.session,
            f"{self.api_base_url}/{endpoint}",
            params=params,
            headers={"X-Goog-Api-Key": self.env["YOUTUBE_API_KEY"]},
            timeout=self.options.timeout_seconds,
            policy=http.policy_for(self.options),
            sleep=self.sleep,
            before_attempt=lambda: self._charge(cost),
            what=f"youtube {endpoint}",
        )
        try:
            body = response.json()
        except ValueError:
            raise ValueError(f"{endpoint}: answer is not JSON") from None
        if not isinstance(body, dict):
            raise ValueError(f"{endpoint}: expected a JSON object")
        return body

    def check_online(self) -> str:
        """`i18nLanguages` with the key (1 quota unit): the cheapest authenticated call."""
        try:
            http.get(
                self.session, f"{self.api_base_url}/i18nLanguages", params={"part": "snippet", "hl": "en"},
                headers={"X-Goog-Api-Key": self.env["YOUTUBE_API_KEY"]}, timeout=self.options.timeout_seconds,
                policy=RetryPolicy(0, 0.0, 0.0), sleep=self.sleep, what="youtube i18nLanguages",
            )
        except http.HttpStatusError as exc:
            raise SourceUnavailable(f"YouTube refused the API key ({_reason(exc) or exc.status})") from exc
        except requests.ConnectionError as exc:
            raise SourceUnreachable(f"cannot reach {self.api_base_url}: {type(exc).__name__}") from exc
        return "API key accepted (1 quota unit spent)"

    # -- fetching ---------------------------------------------------------------------------

    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        self._load(checkpoint)
        texts = self._texts()
        if not texts:
            return
        start = int(self._state.get("next") or 0) % len(texts)
        for offset in range(len(texts)):
            index = (start + offset) % len(texts)
            if not self._affordable(SEARCH_COST):
                log.info("youtube budget reached run_units=%d day_units=%s next=%r",
                         self._run_units, self._state["units"], texts[index])
                break
            try:
                yield from self._search(texts[index])
            except _OutOfBudget:
                yield Batch(checkpoint=self._checkpoint())
                break
            except http.HttpStatusError as exc:
                reason = _reason(exc)
                if reason in _QUOTA_REASONS:
                    self._state["units"] = max(int(self._state["units"]), self.options.daily_quota)
                    yield Batch(checkpoint=self._checkpoint())
                    raise SourceUnavailable(f"YouTube quota exhausted for today ({reason})") from exc
                if reason in _KEY_REASONS or exc.status in (401,):
                    yield Batch(checkpoint=self._checkpoint())
                    raise SourceUnavailable(f"YouTube rejected the API key ({reason or exc.status})") from exc
                yield Batch(errors=[f"{texts[index]!r}: {exc} ({reason or 'no reason'})"], checkpoint=self._checkpoint())
            except requests.ConnectionError as exc:
                yield Batch(checkpoint=self._checkpoint())
                raise SourceUnavailable(f"cannot reach {self.api_base_url}: {type(exc).__name__}") from exc
            except (requests.RequestException, ValueError) as exc:
                yield Batch(errors=[f"{texts[index]!r}: {type(exc).__name__}: {str(exc)[:200]}"],
                            checkpoint=self._checkpoint())
            self._state["next"] = (index + 1) % len(texts)
            yield Batch(checkpoint=self._checkpoint())

    def _search(self, text: str) -> Iterator[Batch]:
        after_raw = self._state["after"].get(text)
        after = _time(after_raw) or (self.now() - timedelta(days=self.options.initial_lookback_days))
        newest = after
        page_token: str | None = None
        for _page in range(self.options.max_pages_per_query):
            if not self._affordable(SEARCH_COST):
                break
            params = {
                "part": "snippet",
                "q": text,
                "type": "video",
                "order": "date",
                "publishedAfter": _rfc3339(after),
                "maxResults": str(self.options.max_results),
            }
            if self.options.relevance_language:
                params["relevanceLanguage"] = self.options.relevance_language
            if self.options.region_code:
                params["regionCode"] = self.options.region_code
            if page_token:
                params["pageToken"] = page_token
            body = self._get("search", params, SEARCH_COST)
            posts, skipped, errors = self._videos(body.get("items"), text)
            strictly_new = [p for p in posts if _time(after_raw) is None or p.created_at > after]
            for post in posts:
                newest = max(newest, post.created_at)
            posts = self._with_details(posts, errors)
            comments, bad_comments = self._comments(strictly_new, errors)
            yield Batch(posts=posts + comments, skipped=skipped + bad_comments, errors=errors,
                        checkpoint=self._checkpoint())
            page_token = body.get("nextPageToken") or None
            if not page_token:
                break
        self._state["after"][text] = _rfc3339(newest) if newest > after else after_raw or _rfc3339(after)

    def _videos(self, items: Any, text: str) -> tuple[list[Post], int, list[str]]:
        if not isinstance(items, list):
            raise ValueError("search answer has no items list")
        posts: list[Post] = []
        errors: list[str] = []
        skipped = 0
        for item in items:
            try:
                video_id = item["id"]["videoId"]
                snippet = item["snippet"]
                created = _time(snippet["publishedAt"])
                if not video_id or created is None:
                    raise ValueError("no video id or publishedAt")
                posts.append(Post(
                    source=self.name,
                    id=str(video_id),
                    url=f"https://www.youtube.com/watch?v={video_id}",
                    author=(snippet.get("channelTitle") or snippet.get("channelId") or None),
                    title=html.unescape(snippet.get("title") or "") or None,
                    text=html.unescape(snippet.get("description") or ""),
                    created_at=created,
                ))
            except (KeyError, TypeError, ValueError) as exc:
                skipped += 1
                if len(errors) < 5:
                    errors.append(f"{text!r}: item skipped ({type(exc).__name__}: {exc})"[:300])
        return posts, skipped, errors

    def _with_details(self, posts: list[Post], errors: list[str]) -> list[Post]:
        """Statistics, full description and language from videos.list (one unit per 50 videos)."""
        if not self.options.video_details or not posts or not self._affordable(LIST_COST):
            return posts
        try:
            body = self._get("videos", {"part": "snippet,statistics", "id": ",".join(p.id for p in posts[:50]),
                                        "maxResults": "50"}, LIST_COST)
        except (_OutOfBudget, http.HttpStatusError, requests.RequestException, ValueError) as exc:
            errors.append(f"videos.list failed: {type(exc).__name__}: {str(exc)[:200]}")
            return posts
        details = {i.get("id"): i for i in body.get("items") or [] if isinstance(i, dict)}
        out = []
        for post in posts:
            item = details.get(post.id)
            if not item:
                out.append(post)
                continue
            stats = item.get("statistics") or {}
            snippet = item.get("snippet") or {}
            lang = snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage")
            out.append(post.model_copy(update={
                "text": snippet.get("description") or post.text,
                "lang": lang.split("-")[0].lower()[:16] if isinstance(lang, str) and lang else None,
                "metrics": {k: v for k, v in {
                    "views": _count(stats.get("viewCount")),
                    "likes": _count(stats.get("likeCount")),
                    "comments": _count(stats.get("commentCount")),
                }.items() if v is not None},
            }))
        return out

    def _comments(self, videos: list[Post], errors: list[str]) -> tuple[list[Post], int]:
        """Top-level comments of new videos (commentThreads.list, one unit per video); (posts, skipped)."""
        out: list[Post] = []
        skipped = 0
        if not self.options.comments_per_video:
            return out, skipped
        for video in videos:
            if self._comment_videos >= self.options.max_comment_videos or not self._affordable(LIST_COST):
                break
            self._comment_videos += 1
            try:
                body = self._get("commentThreads", {
                    "part": "snippet", "videoId": video.id, "maxResults": str(self.options.comments_per_video),
                    "order": "relevance", "textFormat": "plainText",
                }, LIST_COST)
            except http.HttpStatusError as exc:
                if _reason(exc) not in {"commentsDisabled", "videoNotFound"}:
                    errors.append(f"comments of {video.id}: {exc} ({_reason(exc)})")
                continue
            except (_OutOfBudget, requests.RequestException, ValueError) as exc:
                errors.append(f"comments of {video.id}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            for thread in body.get("items") or []:
                try:
                    top = thread["snippet"]["topLevelComment"]
                    snippet = top["snippet"]
                    created = _time(snippet["publishedAt"])
                    if created is None:
                        raise ValueError("no publishedAt")
                    out.append(Post(
                        source=self.name,
                        id=f"comment:{top['id']}",
                        url=f"https://www.youtube.com/watch?v={video.id}&lc={top['id']}",
                        author=snippet.get("authorDisplayName"),
                        text=snippet.get("textOriginal") or snippet.get("textDisplay") or "",
                        created_at=created,
                        metrics={"likes": _count(snippet.get("likeCount")) or 0,
                                 "replies": _count(thread["snippet"].get("totalReplyCount")) or 0},
                    ))
                except (KeyError, TypeError, ValueError) as exc:
                    skipped += 1
                    if len(errors) < 10:
                        errors.append(f"comment skipped ({type(exc).__name__}: {exc})"[:300])
        return out, skipped

    def close(self) -> None:
        self.session.close()
