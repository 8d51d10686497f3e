"""Reddit through praw: subreddit `new` listings and site-wide search, read-only app auth."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import praw
import prawcore
import requests
from prawcore.sessions import FiniteRetryStrategy

from monitor.collectors.base import Batch, Collector, Query, SourceUnavailable, SourceUnreachable
from monitor.collectors.registry import register
from monitor.collectors.retry import RateLimitWaits, RetryPolicy, call_with_retries
from monitor.posts import Post
from monitor.sources.reddit import SPEC, RedditOptions

log = logging.getLogger(__name__)
T = TypeVar("T")

_GONE_TEXT = frozenset({"[deleted]", "[removed]"})


class _NoPrawRetries(FiniteRetryStrategy):
    """prawcore's own retries sleep 0–4 s outside our control; retries are done by `RetryPolicy`."""

    def __init__(self) -> None:
        super().__init__(retries=0)

    def _sleep_seconds(self) -> float | None:
        return None


class _Requestor(prawcore.Requestor):
    """Applies the configured timeout (praw 8 otherwise always passes prawcore's 16 s default) and
    keeps the latest x-ratelimit-* headers, so a run can stop instead of sleeping out a long reset."""

    def __init__(self, *args: Any, limits: dict[str, float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        response = super().request(*args, timeout=self.timeout, **kwargs)
        headers = response.headers
        if "x-ratelimit-remaining" in headers and "x-ratelimit-reset" in headers:
            try:
                self._limits["remaining"] = float(headers["x-ratelimit-remaining"])
                self._limits["reset_at"] = time.monotonic() + float(headers["x-ratelimit-reset"])
            except ValueError:
                pass
        return response


class _QueryFailed(Exception):
    """A query could not be fetched after retries; the runner records it and moves on."""


@dataclass
class _Position:
    """Checkpoint of one listing: the newest post stored (`stop`), plus where an unfinished
    walk down the listing resumes (`after`, with the newest post seen when it started)."""

    stop: tuple[float, str] | None = None
    after: str | None = None
    newest: tuple[float, str] | None = None

    @classmethod
    def load(cls, value: str | None) -> _Position:
        if not value:
            return cls()
        try:
            raw = json.loads(value)
            stop = (float(raw["stop"][0]), str(raw["stop"][1])) if raw.get("stop") else None
            newest = (float(raw["newest"][0]), str(raw["newest"][1])) if raw.get("newest") else None
            return cls(stop=stop, after=raw.get("after"), newest=newest)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            log.warning("unreadable reddit checkpoint, starting fresh value=%r", value[:100])
            return cls()

    def dump(self) -> str:
        data: dict[str, Any] = {"stop": list(self.stop) if self.stop else None}
        if self.after:
            data["after"] = self.after
            data["newest"] = list(self.newest) if self.newest else None
        return json.dumps(data)


def _created(data: dict[str, Any]) -> float:
    value = data["created_utc"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("created_utc is not a number")
    return float(value)


def _gone(data: dict[str, Any], text_field: str) -> bool:
    """Deleted by its author or removed by moderators / Reddit."""
    return bool(data.get("removed_by_category")) or str(data.get(text_field) or "").strip() in _GONE_TEXT


def _metric(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def submission_to_post(data: dict[str, Any]) -> Post:
    """Normalise a `t3` data object; ValueError/KeyError/TypeError if a needed field is missing."""
    name = data.get("name") or f"t3_{data['id']}"
    permalink = data["permalink"]
    if not isinstance(permalink, str) or not isinstance(data["title"], str):
        raise ValueError("permalink/title is not text")
    metrics = {"score": _metric(data, "score"), "comments": _metric(data, "num_comments"), "upvote_ratio": _metric(data, "upvote_ratio")}
    return Post(
        source="reddit",
        id=name,
        url=f"https://www.reddit.com{permalink}",
        author=data.get("author"),
        title=data["title"],
        text=data.get("selftext") or "",
        created_at=datetime.fromtimestamp(_created(data), tz=UTC),
        metrics={k: v for k, v in metrics.items() if v is not None},
    )


def comment_to_post(data: dict[str, Any]) -> Post:
    """Normalise a `t1` data object."""
    name = data.get("name") or f"t1_{data['id']}"
    permalink = data["permalink"]
    if not isinstance(permalink, str):
        raise ValueError("permalink is not text")
    score = _metric(data, "score")
    return Post(
        source="reddit",
        id=name,
        url=f"https://www.reddit.com{permalink}",
        author=data.get("author"),
        text=str(data["body"]),
        created_at=datetime.fromtimestamp(_created(data), tz=UTC),
        metrics={"score": score} if score is not None else {},
    )


def _listing_children(raw: Any) -> tuple[list[Any], str | None]:
    if not isinstance(raw, dict) or raw.get("kind") != "Listing" or not isinstance(raw.get("data"), dict):
        raise _QueryFailed(f"unexpected response shape (expected a Listing): {str(raw)[:120]}")
    children = raw["data"].get("children")
    if not isinstance(children, list):
        raise _QueryFailed("Listing without a children list")
    after = raw["data"].get("after")
    return children, after if isinstance(after, str) and after else None


@register
class RedditCollector(Collector):
    """Reads configured subreddits (`new`) and searches site-wide for the watchlist's queries."""

    name = SPEC.name
    options_model = RedditOptions
    required_env = SPEC.required_env
    default_api_base_url = "https://oauth.reddit.com"
    default_auth_base_url = "https://www.reddit.com"
    options: RedditOptions

    _RETRY_EXCEPTIONS: ClassVar = (
        prawcore.ServerError, prawcore.RequestException, prawcore.BadJSON, prawcore.InvalidToken,
    )

    def __init__(self, options: RedditOptions, watchlist, env, *, sleep: Callable[[float], None] = time.sleep):  # noqa: ANN001
        super().__init__(options, watchlist, env)
        self._sleep = sleep
        self._reddit: praw.Reddit | None = None
        self._failed_in_a_row = 0
        self._rate_limits = RateLimitWaits(
            "Reddit", self.options.max_rate_limit_wait_seconds, self.options.max_retries, sleep
        )
        self._limits: dict[str, float] = {}
        self._terms = sorted(
            {t.casefold() for e in watchlist.entities for t in (e.name, *e.aliases, *e.search_queries()) if len(t) >= 3}
        )

    # -- set-up ------------------------------------------------------------------------------
    @property
    def auth_base_url(self) -> str:
        """Where the token comes from: `auth_base_url`, else a configured `api_base_url`, else Reddit."""
        configured = self.options.auth_base_url or self.options.api_base_url or self.default_auth_base_url
        return configured.rstrip("/")

    @property
    def reddit(self) -> praw.Reddit:
        """The praw client, created on first use (read-only application auth)."""
        if self._reddit is None:
            reddit = praw.Reddit(
                client_id=self.env["REDDIT_CLIENT_ID"],
                client_secret=self.env["REDDIT_CLIENT_SECRET"],
                user_agent=self.options.user_agent,
                check_for_updates=False,
                oauth_url=self.api_base_url,
                reddit_url=self.auth_base_url,
                short_url=self.auth_base_url,
                requestor_class=_Requestor,
                requestor_kwargs={"timeout": self.options.timeout_seconds, "limits": self._limits},
            )
            reddit.read_only = True
            for core in {reddit._core, reddit._read_only_core}:  # noqa: SLF001
                if core is not None and hasattr(core, "_retry_strategy_class"):
                    core._retry_strategy_class = _NoPrawRetries  # noqa: SLF001
            self._reddit = reddit
        return self._reddit

    def close(self) -> None:
        if self._reddit is not None:
            for core in {self._reddit._core, self._reddit._read_only_core}:  # noqa: SLF001
                if core is not None:
                    core.close()
            self._reddit = None

    def check_online(self) -> str:
        """One app-only token request (`POST {auth_base_url}/api/v1/access_token`) through prawcore."""
        requestor = prawcore.Requestor(
            user_agent=self.options.user_agent, oauth_url=self.api_base_url, reddit_url=self.auth_base_url,
            timeout=self.options.timeout_seconds,
        )
        try:
            authenticator = prawcore.TrustedAuthenticator(
                client_id=self.env["REDDIT_CLIENT_ID"], client_secret=self.env["REDDIT_CLIENT_SECRET"], requestor=requestor
            )
            authorizer = prawcore.ReadOnlyAuthorizer(authenticator=authenticator)
            authorizer.refresh()
        except (prawcore.ResponseException, prawcore.OAuthException) as exc:
            raise SourceUnavailable(f"Reddit refused the app credentials: {exc}") from exc
        except prawcore.RequestException as exc:
            raise SourceUnreachable(f"cannot reach {self.auth_base_url}: {type(exc.original_exception).__name__}") from exc
        finally:
            requestor.close()
        return f"token granted (scope {', '.join(sorted(authorizer.scopes or [])) or 'none'})"

    # -- queries -----------------------------------------------------------------------------
    def queries(self) -> list[Query]:
        out = [Query(key=f"r/{sub}", text=sub, params={"kind": "subreddit"}) for sub in dict.fromkeys(self.options.subreddits)]
        if self.options.search:
            seen: set[str] = set()
            for entity in self.watchlist.entities:
                for text in entity.search_queries():
                    if text.casefold() not in seen:
                        seen.add(text.casefold())
                        out.append(Query(key=f"search:{text}"[:255], text=text, params={"kind": "search", "entity": entity.name}))
        return out

    def _request(self, query: Query, after: str | None) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"limit": self.options.page_size}
        if after:
            params["after"] = after
        if query.params.get("kind") == "search":
            text = f'"{query.text}"' if " " in query.text and '"' not in query.text else query.text
            params.update(q=text, restrict_sr=False, sort="new", syntax="lucene", t=self.options.search_time_filter)
            return "r/all/search/", params
        return f"r/{query.text}/new", params

    # -- fetching ----------------------------------------------------------------------------
    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        position = _Position.load(checkpoint)
        stop, after, newest = position.stop, position.after, position.newest
        search = query.params.get("kind") == "search"
        for page in range(1, self.options.max_pages_per_query + 1):
            path, params = self._request(query, after)
            raw = self._call(lambda: self.reddit.request(method="GET", path=path, params=params), what=f"{query.key} page {page}")
            children, next_after = _listing_children(raw)
            batch = Batch()
            reached = False
            for child in children:
                data = child.get("data") if isinstance(child, dict) else None
                if not isinstance(data, dict) or child.get("kind") != "t3":
                    batch.skipped += 1
                    batch.errors.append(f"{query.key}: malformed item skipped: {str(child)[:80]}")
                    continue
                try:
                    key = (_created(data), str(data.get("name") or f"t3_{data['id']}"))
                except (KeyError, ValueError, TypeError) as exc:
                    batch.skipped += 1
                    batch.errors.append(f"{query.key}: malformed item skipped ({type(exc).__name__}: {exc})")
                    continue
                if stop and (key[1] == stop[1] or key[0] < stop[0]):
                    reached = True
                    break
                if newest is None or key[0] > newest[0]:
                    newest = key
                if _gone(data, "selftext"):
                    batch.skipped += 1
                    continue
                try:
                    post = submission_to_post(data)
                except (KeyError, ValueError, TypeError) as exc:
                    batch.skipped += 1
                    batch.errors.append(f"{query.key}: malformed item {key[1]} skipped ({type(exc).__name__}: {str(exc)[:120]})")
                    continue
                batch.posts.append(post)
                if self.options.include_comments and (search or self._matches(post)):
                    self._add_comments(data, batch)
            self._failed_in_a_row = 0
            done = reached or next_after is None or not children
            if done:
                batch.checkpoint = _Position(stop=newest or stop).dump()
            else:
                batch.checkpoint = _Position(stop=stop, after=next_after, newest=newest).dump()
            yield batch
            if done:
                return
            after = next_after
        log.info("page budget reached source=reddit query=%r pages=%d (resumes next run)", query.key, self.options.max_pages_per_query)

    def _matches(self, post: Post) -> bool:
        text = post.full_text.casefold()
        return any(term in text for term in self._terms)

    def _add_comments(self, data: dict[str, Any], batch: Batch) -> None:
        path = f"comments/{data['id']}/"
        params = {"limit": self.options.comments_per_submission, "depth": 1, "sort": "new"}
        try:
            raw = self._call(lambda: self.reddit.request(method="GET", path=path, params=params), what=f"comments {data['id']}")
            children, _ = _listing_children(raw[1] if isinstance(raw, list) and len(raw) == 2 else raw)
        except _QueryFailed as exc:
            batch.errors.append(f"comments of {data.get('name')}: {exc}")
            return
        for child in children:
            if not isinstance(child, dict) or child.get("kind") != "t1":
                continue  # "more" stubs: only the first page of top-level comments is read
            body = child.get("data")
            if not isinstance(body, dict):
                batch.skipped += 1
                continue
            if _gone(body, "body"):
                batch.skipped += 1
                continue
            try:
                batch.posts.append(comment_to_post(body))
            except (KeyError, ValueError, TypeError) as exc:
                batch.skipped += 1
                batch.errors.append(f"comment of {data.get('name')} skipped ({type(exc).__name__}: {str(exc)[:120]})")

    # -- errors, retries, rate limits --------------------------------------------------------------
    def _policy(self) -> RetryPolicy:
        o = self.options
        return RetryPolicy(max_retries=o.max_retries, base_seconds=o.backoff_seconds, max_seconds=o.max_backoff_seconds)

    @staticmethod
    def _reset_seconds(exc: prawcore.ResponseException) -> float | None:
        headers = exc.response.headers
        for name in ("x-ratelimit-reset", "retry-after"):
            value = headers.get(name)
            if value is not None:
                try:
                    return max(0.0, float(value))
                except ValueError:
                    return None
        return None

    def _classify(self, exc: Exception) -> float | None:
        if isinstance(exc, prawcore.TooManyRequests):
            return None if self._reset_seconds(exc) is not None else 0.0
        if isinstance(exc, prawcore.RequestException):
            return 0.0 if isinstance(exc.original_exception, requests.RequestException) else None
        if isinstance(exc, self._RETRY_EXCEPTIONS):
            return 0.0
        if isinstance(exc, prawcore.ResponseException) and exc.response.status_code >= 500:
            return 0.0  # e.g. the token endpoint answering 5xx
        return None

    def _call(self, fn: Callable[[], T], *, what: str) -> T:
        """One API call with bounded retries; 429s wait for the reset or give up the run."""
        self._check_allowance(what)
        while True:
            try:
                return call_with_retries(fn, self._policy(), self._classify, what=f"reddit {what}", sleep=self._sleep)
            except prawcore.TooManyRequests as exc:
                reset = self._reset_seconds(exc)
                reason = self._rate_limits.wait_or_reason(reset, what, header="a reset header", retries=self.options.max_retries)
                if reason is not None:
                    raise SourceUnavailable(reason) from None
            except prawcore.RequestException as exc:
                raise SourceUnavailable(
                    f"cannot reach Reddit at {self.api_base_url}: {type(exc.original_exception).__name__}: "
                    f"{str(exc.original_exception)[:200]} (after {self.options.max_retries} retries)"
                ) from None
            except prawcore.OAuthException as exc:
                raise SourceUnavailable(f"Reddit rejected the app credentials: {exc}") from None
            except prawcore.ResponseException as exc:
                status = exc.response.status_code
                url = exc.response.url or ""
                if "/api/v1/access_token" in url and status in (400, 401, 403):
                    raise SourceUnavailable(
                        f"Reddit rejected the app credentials (HTTP {status} from the token endpoint); "
                        "check REDDIT_CLIENT_ID / REDDIT_CLIENT_SECRET"
                    ) from None
                self._query_failed(f"HTTP {status} at {what}", server=status >= 500 or isinstance(exc, prawcore.BadJSON))
            except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as exc:
                self._query_failed(f"{type(exc).__name__} at {what}: {str(exc)[:200]}", server=False)

    def _check_allowance(self, what: str) -> None:
        """praw sleeps until the reset when no requests are left; past the max wait, end the run."""
        if self._limits.get("remaining", 1.0) >= 1:
            return
        wait = self._limits["reset_at"] - time.monotonic()
        if wait > self.options.max_rate_limit_wait_seconds:
            raise SourceUnavailable(
                f"Reddit rate limit used up before {what}: resets in {wait:.0f}s "
                f"(max wait {self.options.max_rate_limit_wait_seconds:.0f}s); gave up for this run"
            )

    def _query_failed(self, message: str, *, server: bool) -> None:
        if server:
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= self.options.max_failed_queries:
                raise SourceUnavailable(f"Reddit keeps failing ({message}); gave up for this run after {self._failed_in_a_row} queries")
        raise _QueryFailed(message)
