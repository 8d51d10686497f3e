"""X (Twitter) through tweepy's v2 recent search, with since_id checkpoints and a page budget."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import requests
import tweepy

from monitor.collectors.base import Batch, Collector, Query, SourceUnavailable, SourceUnreachable
from monitor.collectors.registry import register
from monitor.collectors.retry import RateLimitWaits, RetryPolicy, call_with_retries
from monitor.posts import Post
from monitor.sources.x import SPEC, XOptions

log = logging.getLogger(__name__)
T = TypeVar("T")

TWITTER_HOST = "https://api.twitter.com"
_TWEET_FIELDS = ["created_at", "public_metrics", "lang", "author_id"]
_METRICS = {
    "like_count": "likes",
    "retweet_count": "reposts",
    "reply_count": "replies",
    "quote_count": "quotes",
    "bookmark_count": "bookmarks",
    "impression_count": "impressions",
}


class RewritingSession(requests.Session):
    """tweepy hard-codes https://api.twitter.com: send its requests to the configured base URL."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str) and url.startswith(TWITTER_HOST):
            url = self.base_url + url[len(TWITTER_HOST):]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


class _QueryFailed(Exception):
    """A query could not be fetched after retries; the runner records it and moves on."""


@dataclass
class _Position:
    """`since_id` of the newest stored tweet; while paging is unfinished also the `next_token`
    to resume from and the newest id seen so far (which becomes since_id when paging ends)."""

    since_id: str | None = None
    next_token: str | None = None
    newest_id: str | None = None

    @classmethod
    def load(cls, value: str | None) -> _Position:
        if not value:
            return cls()
        try:
            raw = json.loads(value)
            return cls(raw.get("since_id"), raw.get("next_token"), raw.get("newest_id"))
        except (ValueError, AttributeError):
            log.warning("unreadable x checkpoint, starting fresh value=%r", value[:100])
            return cls()

    def dump(self) -> str:
        data = {"since_id": self.since_id}
        if self.next_token:
            data.update(next_token=self.next_token, newest_id=self.newest_id)
        return json.dumps(data)


def _newer(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if int(a) >= int(b) else b


def _term(text: str) -> str:
    text = text.replace('"', "")
    return text if text.isalnum() else f'"{text}"'


def tweet_to_post(item: dict[str, Any], users: dict[str, str]) -> Post:
    """Normalise a v2 tweet object; KeyError/ValueError/TypeError if a needed field is missing."""
    ident = str(int(item["id"]))
    username = users.get(str(item.get("author_id")))
    created = datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))
    metrics = item.get("public_metrics") or {}
    lang = item.get("lang")
    return Post(
        source="x",
        id=ident,
        url=f"https://x.com/{username}/status/{ident}" if username else f"https://x.com/i/web/status/{ident}",
        author=username,
        text=str(item["text"]),
        created_at=created,
        lang=lang if isinstance(lang, str) and lang not in ("und", "zxx", "qme", "qst", "qht") else None,
        metrics={name: metrics[key] for key, name in _METRICS.items() if key in metrics},
    )


@register
class XCollector(Collector):
    """Recent search (last 7 days) for the watchlist, newest first, resumable across runs."""

    name = SPEC.name
    options_model = XOptions
    required_env = SPEC.required_env
    default_api_base_url = TWITTER_HOST
    options: XOptions

    def __init__(self, options: XOptions, watchlist, env, *, sleep: Callable[[float], None] = time.sleep):  # noqa: ANN001
        super().__init__(options, watchlist, env)
        self._sleep = sleep
        self._client: tweepy.Client | None = None
        self._pages_used = 0
        self._budget_logged = False
        self._failed_in_a_row = 0
        self._rate_limits = RateLimitWaits(
            "X", self.options.max_rate_limit_wait_seconds, self.options.max_retries, sleep
        )

    @property
    def client(self) -> tweepy.Client:
        """The tweepy client (app-only bearer auth, raw dict responses, no unbounded 429 waits)."""
        if self._client is None:
            client = tweepy.Client(bearer_token=self.env["X_BEARER_TOKEN"], return_type=dict, wait_on_rate_limit=False)
            client.session = RewritingSession(self.api_base_url or TWITTER_HOST, self.options.timeout_seconds)
            client.user_agent = f"culture-pulse/0.1 {client.user_agent}"
            self._client = client
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.session.close()
            self._client = None

    def check_online(self) -> str:
        """`GET /2/usage/tweets` with the bearer token: authenticated, and reads no posts (nothing billed)."""
        try:
            response = self.client.request("GET", "/2/usage/tweets", user_auth=False)
            body = response.json()
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise SourceUnavailable(f"X refused the bearer token (HTTP {exc.response.status_code})") from exc
        except tweepy.TweepyException as exc:
            raise SourceUnavailable(f"X answered {type(exc).__name__}: {exc}") from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise SourceUnreachable(f"cannot reach {self.api_base_url}: {type(exc).__name__}") from exc
        except ValueError:
            body = None
        usage = body.get("data") if isinstance(body, dict) else None
        if isinstance(usage, dict) and "project_usage" in usage:
            return f"bearer token accepted ({usage['project_usage']} of {usage.get('project_cap', '?')} posts read this cycle)"
        return "bearer token accepted"

    # -- queries -----------------------------------------------------------------------------
    def _suffix(self) -> str:
        parts = []
        if self.options.exclude_retweets:
            parts.append("-is:retweet")
        langs = [f"lang:{code}" for code in self.options.languages]
        if len(langs) == 1:
            parts.append(langs[0])
        elif langs:
            parts.append("(" + " OR ".join(langs) + ")")
        return (" " + " ".join(parts)) if parts else ""

    def queries(self) -> list[Query]:
        wanted = {n.casefold() for n in self.options.entities}
        entities = [e for e in self.watchlist.entities if not wanted or e.name.casefold() in wanted]
        unknown = wanted - {e.name.casefold() for e in entities}
        if unknown:
            log.warning("x entities not in the watchlist, ignored names=%r", sorted(unknown))
        suffix = self._suffix()
        budget = self.options.max_query_length - len(suffix) - 2
        groups: list[tuple[str, list[str], list[str]]] = []  # (category, names, terms)
        for entity in entities:
            terms = list(dict.fromkeys(_term(t) for t in entity.search_queries()))
            last = groups[-1] if groups else None
            if (
                self.options.group_entities
                and last is not None
                and last[0] == entity.category
                and len(" OR ".join(last[2] + terms)) <= budget
            ):
                last[1].append(entity.name)
                last[2].extend(t for t in terms if t not in last[2])
            else:
                groups.append((entity.category, [entity.name], terms))
        out = []
        for _category, names, terms in groups:
            core = " OR ".join(terms)
            text = (f"({core})" if len(terms) > 1 else core) + suffix
            if len(text) > self.options.max_query_length:
                log.warning("x query too long, skipped entities=%r length=%d", names, len(text))
                continue
            key = f"q:{text}"
            if len(key) > 255:
                key = f"q:{text[:200]}#{hashlib.sha1(text.encode()).hexdigest()[:12]}"
            out.append(Query(key=key, text=text, params={"entities": names}))
        if out:
            # Rotate the start so that a small page budget reaches every query over time.
            slot = int(time.time() // (self.options.interval_minutes * 60)) % len(out)
            out = out[slot:] + out[:slot]
        return out

    # -- fetching ----------------------------------------------------------------------------
    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        position = _Position.load(checkpoint)
        since_id, token, newest = position.since_id, position.next_token, position.newest_id
        for page in range(1, self.options.max_pages_per_query + 1):
            if self._pages_used >= self.options.max_pages_per_run:
                if not self._budget_logged:
                    log.warning("page budget used up source=x pages=%d; later queries wait for the next run", self._pages_used)
                    self._budget_logged = True
                return
            params: dict[str, Any] = {
                "max_results": self.options.max_results,
                "tweet_fields": _TWEET_FIELDS,
                "expansions": ["author_id"],
                "user_fields": ["username", "name"],
            }
            if since_id:
                params["since_id"] = since_id
            if token:
                params["next_token"] = token
            try:
                self._pages_used += 1
                raw = self._call(lambda: self.client.search_recent_tweets(query.text, **params), what=f"{query.key} page {page}")
            except tweepy.BadRequest as exc:
                if token:  # an expired next_token: walk down from the top again
                    log.warning("next_token rejected source=x query=%r; restarting from since_id", query.key)
                    token = None
                    continue
                if since_id and "since_id" in str(exc):  # older than the 7-day search window
                    log.warning("since_id rejected source=x query=%r; searching the whole window", query.key)
                    since_id = None
                    continue
                raise _QueryFailed(f"HTTP 400 for {query.key}: {str(exc)[:300]}") from None
            batch, page_newest, next_token = self._parse(query, raw)
            newest = _newer(newest, page_newest)
            self._failed_in_a_row = 0
            if next_token is None:
                batch.checkpoint = _Position(since_id=_newer(newest, since_id)).dump()
                yield batch
                return
            batch.checkpoint = _Position(since_id=since_id, next_token=next_token, newest_id=newest).dump()
            yield batch
            token = next_token
        log.info("page budget reached source=x query=%r (resumes next run)", query.key)

    def _parse(self, query: Query, raw: Any) -> tuple[Batch, str | None, str | None]:
        if not isinstance(raw, dict) or not isinstance(raw.get("meta", {}), dict):
            raise _QueryFailed(f"unexpected response shape for {query.key}: {str(raw)[:120]}")
        meta = raw.get("meta") or {}
        includes = raw.get("includes") if isinstance(raw.get("includes"), dict) else {}
        users = {
            str(u["id"]): str(u["username"])
            for u in includes.get("users") or []
            if isinstance(u, dict) and "id" in u and "username" in u
        }
        batch = Batch()
        newest: str | None = None
        data = raw.get("data") or []
        for item in data if isinstance(data, list) else []:
            if not isinstance(item, dict):
                batch.skipped += 1
                batch.errors.append(f"{query.key}: malformed item skipped: {str(item)[:80]}")
                continue
            try:
                post = tweet_to_post(item, users)
            except (KeyError, ValueError, TypeError) as exc:
                batch.skipped += 1
                batch.errors.append(f"{query.key}: malformed tweet {str(item.get('id'))[:30]} skipped ({type(exc).__name__}: {str(exc)[:120]})")
                continue
            newest = _newer(newest, post.id)
            batch.posts.append(post)
        meta_newest = meta.get("newest_id")
        if isinstance(meta_newest, str) and meta_newest.isdigit():
            newest = _newer(newest, meta_newest)
        next_token = meta.get("next_token")
        return batch, newest, next_token if isinstance(next_token, str) and next_token else None

    # -- errors, retries, rate limits --------------------------------------------------------------
    def _policy(self) -> RetryPolicy:
        o = self.options
        return RetryPolicy(max_retries=o.max_retries, base_seconds=o.backoff_seconds, max_seconds=o.max_backoff_seconds)

    @staticmethod
    def _reset_in(exc: tweepy.TooManyRequests) -> float | None:
        value = exc.response.headers.get("x-rate-limit-reset")
        try:
            return max(0.0, float(value) - time.time()) if value is not None else None
        except ValueError:
            return None

    def _classify(self, exc: Exception) -> float | None:
        if isinstance(exc, tweepy.TooManyRequests):
            return None if self._reset_in(exc) is not None else 0.0
        if isinstance(exc, tweepy.TwitterServerError | requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError):
            return 0.0
        if isinstance(exc, ValueError) and not isinstance(exc, tweepy.HTTPException):
            return 0.0  # a body that is not JSON (requests' JSONDecodeError)
        return None

    def _call(self, fn: Callable[[], T], *, what: str) -> T:
        """One API call with bounded retries; a 429 waits for x-rate-limit-reset or gives up the run."""
        while True:
            try:
                return call_with_retries(fn, self._policy(), self._classify, what=f"x {what}", sleep=self._sleep)
            except tweepy.TooManyRequests as exc:
                reset = self._reset_in(exc)
                reason = self._rate_limits.wait_or_reason(reset, what, header="x-rate-limit-reset", retries=self.options.max_retries)
                if reason is not None:
                    raise SourceUnavailable(reason) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise SourceUnavailable(
                    f"cannot reach X at {self.api_base_url}: {type(exc).__name__} "
                    f"(after {self.options.max_retries} retries)"
                ) from None
            except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
                raise SourceUnavailable(
                    f"X refused the bearer token (HTTP {exc.response.status_code}): check X_BEARER_TOKEN "
                    "and the app's API access level"
                ) from None
            except tweepy.BadRequest:
                raise
            except tweepy.TwitterServerError as exc:
                self._query_failed(f"HTTP {exc.response.status_code} at {what}", server=True)
            except tweepy.HTTPException as exc:
                self._query_failed(f"HTTP {exc.response.status_code} at {what}: {str(exc)[:200]}", server=False)
            except ValueError as exc:
                self._query_failed(f"response is not JSON at {what}: {str(exc)[:120]}", server=True)

    def _query_failed(self, message: str, *, server: bool) -> None:
        if server:
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= self.options.max_failed_queries:
                raise SourceUnavailable(f"X keeps failing ({message}); gave up for this run after {self._failed_in_a_row} queries")
        raise _QueryFailed(message)
