"""Mastodon collector: public hashtag timelines of the watchlist's hashtags on several instances."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import requests

from monitor.collectors import _requests as http
from monitor.collectors._html import html_to_text
from monitor.collectors.base import Batch, Collector, Query, SourceUnavailable
from monitor.collectors.registry import register
from monitor.collectors.retry import call_with_retries
from monitor.posts import Post
from monitor.sources.mastodon import SPEC, MastodonOptions

if TYPE_CHECKING:
    from mastodon import Mastodon

log = logging.getLogger(__name__)
T = TypeVar("T")
# Mastodon.py is imported where it is used, so loading the collector registry stays fast.


class _InstanceStopped(Exception):
    """This instance is not asked again in this run (rate limit far away, unreachable, closed)."""


def id_order(status_id: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: numeric snowflakes compare by value, flake ids by text."""
    return (len(status_id), status_id) if status_id.isdigit() else (0, status_id)


def _created(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


@register
class MastodonCollector(Collector):
    """Reads `timeline_hashtag` per (instance, tag); the checkpoint is the newest status id seen.

    Posts are keyed by their ActivityPub `uri`, so a post seen through two instances is stored once.
    Mastodon.py runs with `ratelimit_method="throw"`: its "wait" mode would sleep up to five minutes
    per call and loop without bound on a 429 without reset headers. Waits are decided here instead,
    from the X-RateLimit-* headers Mastodon.py parses, and capped by `max_backoff_seconds`.
    """

    name = SPEC.name
    options_model = MastodonOptions
    default_api_base_url = "https://mastodon.social"

    def __init__(self, options: MastodonOptions, watchlist, env):  # noqa: ANN001
        super().__init__(options, watchlist, env)
        self.options: MastodonOptions = options
        self.sleep: Callable[[float], None] = time.sleep
        self._clients: dict[str, Mastodon] = {}
        self._stopped: dict[str, str] = {}
        self._answered: set[str] = set()
        self._checked: set[str] = set()
        self._last_response: dict[str, requests.Response] = {}

    def _instances(self) -> list[str]:
        return self.options.instances or [self.api_base_url or "https://mastodon.social"]

    def _tags(self) -> list[str]:
        tags: list[str] = list(self.watchlist.hashtags()) if self.options.use_watchlist_hashtags else []
        for tag in self.options.hashtags:
            if tag.lower() not in (t.lower() for t in tags):
                tags.append(tag)
        return tags

    def queries(self) -> list[Query]:
        return [
            Query(key=f"{urlsplit(instance).netloc}#{tag.lower()}", text=tag, params={"instance": instance})
            for instance in self._instances()
            for tag in self._tags()
        ]

    # -- client and calls -------------------------------------------------------------------

    def _client(self, instance: str) -> Mastodon:
        api = self._clients.get(instance)
        if api is None:
            from mastodon import Mastodon

            api = Mastodon(
                api_base_url=instance,
                ratelimit_method="throw",
                request_timeout=self.options.timeout_seconds,
                user_agent=self.options.user_agent,
            )
            api.session.hooks["response"].append(self._remember(urlsplit(instance).netloc))
            self._clients[instance] = api
        return api

    def _remember(self, host: str) -> Callable[..., None]:
        def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            self._last_response[host] = response

        return hook

    def _call(self, api: Mastodon, host: str, fn: Callable[[], T]) -> T:
        from mastodon.errors import MastodonNetworkError, MastodonRatelimitError, MastodonServerError

        def guarded() -> T:
            self._respect_rate_limit(api, host)
            return fn()

        def classify(exc: Exception) -> float | None:
            if isinstance(exc, MastodonRatelimitError):
                last = self._last_response.get(host)
                if last is not None and last.status_code == 429:
                    # Only the 429's own headers count; without them, the usual backoff.
                    asked = http.retry_after_seconds(last.headers)
                    if asked is not None:
                        return asked
                    if "X-RateLimit-Reset" not in last.headers:
                        return 0.0
                reset = api.ratelimit_reset
                return max(0.0, reset - time.time()) if reset else 0.0
            if isinstance(exc, MastodonNetworkError | MastodonServerError):
                return 0.0
            return None

        try:
            result = call_with_retries(guarded, http.policy_for(self.options), classify, what=f"mastodon {host}", sleep=self.sleep)
        except MastodonRatelimitError as exc:
            reset = api.ratelimit_reset
            until = datetime.fromtimestamp(reset, UTC).strftime("%H:%M:%S UTC") if reset else "unknown"
            raise _InstanceStopped(f"rate-limited until {until}") from exc
        except MastodonNetworkError as exc:
            if isinstance(exc.__context__, requests.ConnectionError):  # refused, DNS, connect timeout; not a slow answer
                raise _InstanceStopped(f"unreachable: {exc}"[:300]) from exc
            raise
        return result

    def _respect_rate_limit(self, api: Mastodon, host: str) -> None:
        remaining, reset = api.ratelimit_remaining, api.ratelimit_reset
        if remaining is None or remaining > self.options.rate_limit_reserve or not reset:
            return
        wait = reset - time.time()
        if wait <= 0:
            return
        if wait > self.options.max_backoff_seconds:
            from mastodon.errors import MastodonRatelimitError

            raise MastodonRatelimitError(f"{remaining} requests left until the reset in {wait:.0f} s")
        log.info("rate limit pause instance=%s remaining=%d wait=%.1f", host, remaining, wait)
        self.sleep(wait)

    # -- fetching ---------------------------------------------------------------------------

    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        instance = str(query.params["instance"])
        host = urlsplit(instance).netloc
        tag = query.text
        if host in self._stopped:  # already recorded once as an error of this run
            log.debug("tag skipped instance=%s tag=%s reason=%r", host, tag, self._stopped[host])
            return
        api = self._client(instance)
        since = checkpoint or None
        try:
            if host not in self._checked:
                # Reads /api/v2/instance once; on any failure Mastodon.py answers True.
                if not self._call(api, host, lambda: api.timeline_is_available("hashtag")):
                    raise _InstanceStopped("hashtag timelines are not public on this instance")
                self._checked.add(host)
            page = self._call(api, host, lambda: api.timeline_hashtag(tag, since_id=since, limit=self.options.page_size))
            self._answered.add(host)
            newest = since
            pages = 0
            while page:
                pages += 1
                posts, skipped, errors, ids = self._convert(page, host, since)
                if ids:
                    top = max(ids, key=id_order)
                    if newest is None or id_order(top) > id_order(newest):
                        newest = top
                reached = since is not None and any(id_order(i) <= id_order(since) for i in ids)
                yield Batch(posts=posts, skipped=skipped, errors=errors)
                if reached or len(page) < self.options.page_size:
                    break
                if pages >= self.options.max_pages:
                    if since is not None:
                        log.info("page budget reached instance=%s tag=%s pages=%d: older posts skipped", host, tag, pages)
                    break
                page = self._call(api, host, lambda page=page: api.fetch_next(page))
        except _InstanceStopped as exc:
            self._stop(host, str(exc))
            yield Batch(errors=[f"{host} #{tag}: {exc}"])
            return
        if newest is not None and newest != since:
            yield Batch(checkpoint=newest)

    def _stop(self, host: str, reason: str) -> None:
        self._stopped[host] = reason
        log.warning("instance stopped for this run instance=%s reason=%r", host, reason)
        hosts = {urlsplit(i).netloc for i in self._instances()}
        if not self._answered and set(self._stopped) >= hosts:
            raise SourceUnavailable("; ".join(f"{h}: {r}" for h, r in sorted(self._stopped.items())))

    def _convert(self, page: list[Any], host: str, since: str | None) -> tuple[list[Post], int, list[str], list[str]]:
        posts: list[Post] = []
        errors: list[str] = []
        ids: list[str] = []
        skipped = 0
        for status in page:
            try:
                status_id = str(status["id"])
                ids.append(status_id)
                if since is not None and id_order(status_id) <= id_order(since):
                    continue  # a later page went past the checkpoint
                posts.append(self._post(status, host))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                skipped += 1
                if len(errors) < 5:
                    errors.append(f"{host}: status skipped ({type(exc).__name__}: {exc})"[:300])
        return posts, skipped, errors, ids

    def _post(self, status: Any, host: str) -> Post:
        uri = status["uri"]
        if not isinstance(uri, str) or not uri:
            raise ValueError("no uri")
        created = _created(status["created_at"])
        if created is None:
            raise ValueError(f"bad created_at {status['created_at']!r}")
        account = status.get("account") or {}
        acct = account.get("acct") or account.get("username")
        if acct and "@" not in acct:  # local to the instance that served it: add the home domain
            acct = f"{acct}@{urlsplit(uri).netloc or host}"
        spoiler = html_to_text(status.get("spoiler_text"))
        body = html_to_text(status.get("content"))
        lang = status.get("language")
        return Post(
            source=self.name,
            id=uri if len(uri) <= 255 else "sha256:" + hashlib.sha256(uri.encode()).hexdigest(),
            url=status.get("url") or uri,
            author=acct[:255] if acct else None,
            text=f"{spoiler}\n\n{body}" if spoiler else body,
            created_at=created,
            lang=lang[:16] if isinstance(lang, str) and lang else None,
            metrics={
                "replies": status.get("replies_count"),
                "reposts": status.get("reblogs_count"),
                "likes": status.get("favourites_count"),
            },
        )

    def close(self) -> None:
        for api in self._clients.values():
            try:
                api.session.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        self._clients.clear()
