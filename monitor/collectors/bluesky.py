"""Bluesky collector: `app.bsky.feed.searchPosts` for watchlist queries, logged in with an app password."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from monitor.collectors.base import Batch, Collector, Query, SourceUnavailable, SourceUnreachable
from monitor.collectors.registry import register
from monitor.collectors.retry import RetryPolicy, call_with_retries
from monitor.collectors.session_store import SessionStore
from monitor.posts import Post
from monitor.sources.bluesky import SPEC, BlueskyOptions

if TYPE_CHECKING:
    from atproto import Client

log = logging.getLogger(__name__)
T = TypeVar("T")
# atproto takes seconds to import; it is imported where it is used so that loading the collector
# registry (every CLI command) stays fast.


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _error_name(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    return getattr(content, "error", None)


def post_url(handle: str | None, did: str, uri: str) -> str:
    """The bsky.app link of a post (by handle when it is valid, else by DID)."""
    rkey = uri.rsplit("/", 1)[-1]
    who = handle if handle and handle != "handle.invalid" else did
    return f"https://bsky.app/profile/{who}/post/{rkey}"


@register
class BlueskyCollector(Collector):
    """One query per watchlist search query, sort=latest, cursor pages up to `max_pages`.

    The checkpoint is the newest `indexedAt` seen; it is sent as `since` and paging stops once a
    page reaches it. Pages are read with the client's `invoke_query` and each post validated with
    atproto's own `PostView` model, so one malformed post is skipped instead of losing its page.
    """

    name = SPEC.name
    options_model = BlueskyOptions
    required_env = SPEC.required_env
    default_api_base_url = "https://bsky.social"

    def __init__(self, options: BlueskyOptions, watchlist, env):  # noqa: ANN001
        super().__init__(options, watchlist, env)
        self.options: BlueskyOptions = options
        self.sleep: Callable[[float], None] = time.sleep
        self._client: Client | None = None
        self._relogins = 0

    def queries(self) -> list[Query]:
        return [Query(key=f"q:{text}", text=text) for text in self.watchlist.search_texts()]

    # -- session ----------------------------------------------------------------------------

    def _policy(self) -> RetryPolicy:
        o = self.options
        return RetryPolicy(o.max_retries, o.backoff_seconds, o.max_backoff_seconds)

    def _classify(self, exc: Exception) -> float | None:
        from atproto.exceptions import NetworkError, RateLimitExceededError, RequestException

        if isinstance(exc, RateLimitExceededError):
            if exc.retry_after is not None:
                return exc.retry_after
            if exc.reset_at is not None:
                return max(0.0, (exc.reset_at - datetime.now(UTC)).total_seconds())
            return 0.0
        if isinstance(exc, NetworkError):  # transport failures, timeouts, 502
            return 0.0
        if isinstance(exc, RequestException) and exc.response is not None and exc.response.status_code >= 500:
            return 0.0
        return None

    def _sessions(self) -> SessionStore | None:
        return SessionStore.open(self.store, self.name, self.env["BLUESKY_HANDLE"], self.env)

    def _new_client(self) -> Client:
        from atproto import Client
        from atproto_client.request import Request

        return Client(base_url=self.api_base_url, request=Request(timeout=self.options.timeout_seconds))

    def _login(self, *, use_stored: bool = True) -> Client:
        """A logged-in client: the stored session (refreshed by the library when it nears expiry,
        and stored again), else a password login (createSession), whose session is then stored."""
        if self._client is not None:
            return self._client
        from atproto.exceptions import AtProtocolError, BadRequestError, UnauthorizedError

        sessions = self._sessions()
        client = self._new_client()
        stored = sessions.load() if sessions is not None and use_stored else None
        if stored:
            try:
                client.login(session_string=stored, fetch_bsky_profile=False)  # no request: refreshed on first use
            except (ValueError, AtProtocolError):
                log.warning("stored bluesky session unusable, logging in with the app password")
                stored, client = None, self._new_client()
        if sessions is not None:

            def keep(event: Any, _session: Any) -> None:  # a new or refreshed session replaces the stored one
                if event.value != "import":
                    sessions.save(client.export_session_string())

            client.on_session_change(keep)
        if not stored:
            try:
                call_with_retries(
                    lambda: client.login(self.env["BLUESKY_HANDLE"], self.env["BLUESKY_APP_PASSWORD"], fetch_bsky_profile=False),
                    self._policy(), self._classify, what="bluesky login", sleep=self.sleep,
                )
            except (UnauthorizedError, BadRequestError) as exc:
                raise SourceUnavailable(f"Bluesky login failed for {self.env['BLUESKY_HANDLE']!r}: {exc}") from exc
            except AtProtocolError as exc:
                raise SourceUnavailable(f"Bluesky login failed: {type(exc).__name__}: {exc}") from exc
        self._client = client
        return client

    def check_online(self) -> str:
        """A password login (createSession) at `api_base_url`; a stored session is neither used nor changed."""
        from atproto.exceptions import AtProtocolError, BadRequestError, NetworkError, UnauthorizedError

        client = self._new_client()
        try:
            client.login(self.env["BLUESKY_HANDLE"], self.env["BLUESKY_APP_PASSWORD"], fetch_bsky_profile=False)
        except (UnauthorizedError, BadRequestError) as exc:
            raise SourceUnavailable(f"Bluesky refused the login of {self.env['BLUESKY_HANDLE']!r} ({_error_name(exc) or exc})") from exc
        except NetworkError as exc:
            if exc.response is None:
                raise SourceUnreachable(f"cannot reach {self.api_base_url}: {type(exc.__cause__ or exc).__name__}") from exc
            raise SourceUnavailable(f"Bluesky answered {exc.response.status_code}") from exc
        except AtProtocolError as exc:
            raise SourceUnavailable(f"Bluesky login failed: {type(exc).__name__}") from exc
        finally:
            client.request.close()
        return f"app password accepted for {self.env['BLUESKY_HANDLE']}"

    def _search(self, params: Any) -> dict[str, Any]:
        from atproto.exceptions import (
            BadRequestError,
            InvokeTimeoutError,
            NetworkError,
            RateLimitExceededError,
            UnauthorizedError,
        )

        def call() -> Any:
            client = self._login()
            try:
                return client.invoke_query("app.bsky.feed.searchPosts", params=params, output_encoding="application/json")
            except (UnauthorizedError, BadRequestError) as exc:
                # The library refreshes the session before it expires; a token the server still
                # rejects (revoked, clock skew) gets one fresh login per run.
                if _error_name(exc) in {"ExpiredToken", "InvalidToken"} and self._relogins < 1:
                    self._relogins += 1
                    log.info("bluesky session rejected, logging in again error=%s", _error_name(exc))
                    self._client = None
                    return self._login(use_stored=False).invoke_query(
                        "app.bsky.feed.searchPosts", params=params, output_encoding="application/json"
                    )
                raise

        try:
            response = call_with_retries(call, self._policy(), self._classify, what="bluesky search", sleep=self.sleep)
        except RateLimitExceededError as exc:
            raise SourceUnavailable(f"Bluesky rate limit: {exc} (reset at {exc.reset_at})") from exc
        except UnauthorizedError as exc:
            raise SourceUnavailable(f"Bluesky refused the session: {exc}") from exc
        except NetworkError as exc:
            if exc.response is None and not isinstance(exc, InvokeTimeoutError):
                raise SourceUnavailable(f"cannot reach {self.api_base_url}: {exc.__cause__ or exc}") from exc
            raise
        if not isinstance(response.content, dict):
            raise ValueError(f"searchPosts answered {type(response.content).__name__}, expected a JSON object")
        return response.content

    # -- fetching ---------------------------------------------------------------------------

    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        from atproto import models
        from atproto.exceptions import AtProtocolError

        since = _parse_time(checkpoint)
        newest = since
        cursor: str | None = None
        for page_number in range(1, self.options.max_pages + 1):
            params = models.AppBskyFeedSearchPosts.Params(
                q=query.text,
                sort="latest",
                limit=self.options.page_size,
                cursor=cursor,
                since=checkpoint or None,
                lang=self.options.lang,
            )
            content = self._search(params)
            raw_posts = content.get("posts")
            if not isinstance(raw_posts, list):
                raise ValueError("searchPosts answer has no posts list")
            posts: list[Post] = []
            errors: list[str] = []
            skipped = 0
            reached = False
            for raw in raw_posts:
                try:
                    post, indexed = self._post(raw)
                except (AtProtocolError, ValueError, TypeError, KeyError, AttributeError) as exc:
                    skipped += 1
                    if len(errors) < 5:
                        errors.append(f"post skipped ({type(exc).__name__}: {str(exc)[:200]})")
                    continue
                if since is not None and indexed < since:
                    reached = True
                    continue
                if newest is None or indexed > newest:
                    newest = indexed
                posts.append(post)
            yield Batch(posts=posts, skipped=skipped, errors=errors)
            cursor = content.get("cursor") or None
            if reached or not cursor or not raw_posts:
                break
            if page_number == self.options.max_pages and since is not None:
                log.info("page budget reached query=%r pages=%d: older posts skipped", query.text, page_number)
        if newest is not None and newest != since:
            yield Batch(checkpoint=newest.isoformat())

    def _post(self, raw: Any) -> tuple[Post, datetime]:
        from atproto import models
        from atproto_client.models.utils import get_or_create

        view = get_or_create(raw, models.AppBskyFeedDefs.PostView, strict=True)
        record = view.record
        text = getattr(record, "text", None)
        if text is None and isinstance(record, dict):
            text = record.get("text")
        created_raw = getattr(record, "created_at", None) or (record.get("createdAt") if isinstance(record, dict) else None)
        langs = getattr(record, "langs", None) or (record.get("langs") if isinstance(record, dict) else None)
        indexed = _parse_time(view.indexed_at)
        if indexed is None:
            raise ValueError(f"bad indexedAt {view.indexed_at!r}")
        created = _parse_time(created_raw) or indexed
        if not isinstance(text, str):
            raise ValueError("record has no text")
        metrics = {
            "likes": view.like_count,
            "reposts": view.repost_count,
            "replies": view.reply_count,
            "quotes": view.quote_count,
        }
        return (
            Post(
                source=self.name,
                id=view.uri,
                url=post_url(view.author.handle, view.author.did, view.uri),
                author=view.author.handle or view.author.did,
                text=text,
                created_at=created,
                lang=(langs[0][:16] if langs else None),
                metrics=metrics,
            ),
            indexed,
        )

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.request.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            self._client = None
