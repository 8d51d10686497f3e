"""RSS/Atom collector: fixed feeds and news-search feeds built from the watchlist, fetched politely."""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urljoin, urlsplit

import requests

from monitor.collectors import _requests as http
from monitor.collectors._html import html_to_text
from monitor.collectors.base import Batch, Collector, Query, SourceUnavailable
from monitor.collectors.registry import register
from monitor.posts import Post
from monitor.sources.rss import SPEC, RssOptions

log = logging.getLogger(__name__)

_MAX_ID = 255


def _state(checkpoint: str | None) -> dict[str, Any]:
    if not checkpoint:
        return {}
    try:
        value = json.loads(checkpoint)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def entry_id(entry: Any) -> str | None:
    """The entry's own id when usable, else a hash of its link (None when it has neither)."""
    raw = (entry.get("id") or "").strip()
    if raw and len(raw) <= _MAX_ID:
        return raw
    basis = raw or (entry.get("link") or "").strip()
    if not basis:
        return None
    return "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _lang(feed: Any) -> str | None:
    code = (feed.get("language") or "").strip().lower()
    return code.split("-")[0].split("_")[0][:16] or None


@register
class RssCollector(Collector):
    """Polls RSS/Atom feeds with conditional GET; one query and one checkpoint per feed URL.

    The checkpoint is JSON: ETag / Last-Modified of the last good answer, and the feed's failure
    count with the time before which it is not tried again.
    """

    name = SPEC.name
    options_model = RssOptions

    def __init__(self, options: RssOptions, watchlist, env):  # noqa: ANN001
        super().__init__(options, watchlist, env)
        self.options: RssOptions = options
        self.session = requests.Session()
        self.session.headers["User-Agent"] = options.user_agent
        self.sleep: Callable[[float], None] = time.sleep
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._dead_hosts: dict[str, str] = {}
        self._answered = 0
        self._hosts: set[str] = set()
        self._last_request: dict[str, float] = {}

    # -- queries ----------------------------------------------------------------------------

    def _resolve(self, url: str) -> str:
        if url.startswith("/") and self.api_base_url:
            return urljoin(self.api_base_url + "/", url.lstrip("/"))
        return url

    def queries(self) -> list[Query]:
        out: dict[str, Query] = {}
        for url in self.options.feeds:
            resolved = self._resolve(url)
            out.setdefault(resolved, Query(key=self._key(resolved), text=resolved, params={"kind": "feed"}))
        texts = self.watchlist.search_texts()
        if self.options.max_search_queries is not None:
            texts = texts[: self.options.max_search_queries]
        for template in self.options.search_feeds:
            for text in texts:
                resolved = self._resolve(template.replace("{query}", quote_plus(text)))
                out.setdefault(resolved, Query(key=self._key(resolved), text=resolved, params={"kind": "search", "query": text}))
        self._hosts = {urlsplit(q.text).netloc for q in out.values()}
        return list(out.values())

    @staticmethod
    def _key(url: str) -> str:
        key = "feed:" + url
        if len(key) <= _MAX_ID:
            return key
        return "feed:" + url[:180] + "#" + hashlib.sha256(url.encode()).hexdigest()[:32]

    # -- fetching ---------------------------------------------------------------------------

    def fetch(self, query: Query, checkpoint: str | None) -> Iterator[Batch]:
        url = query.text
        host = urlsplit(url).netloc
        state = _state(checkpoint)
        now = self.now()
        retry_at = _parse_time(state.get("retry_at"))
        if retry_at and now < retry_at:
            log.debug("feed backing off url=%s until=%s", url, retry_at.isoformat())
            return
        if host in self._dead_hosts:
            # Another feed on this host failed to connect in this run (recorded there): don't
            # spend retries, or this feed's back-off, on the same host again.
            log.debug("feed skipped url=%s reason=host unreachable (%s)", url, self._dead_hosts[host])
            return
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("modified"):
            headers["If-Modified-Since"] = state["modified"]
        self._pace(host)
        try:
            response = http.get(
                self.session, url, headers=headers, timeout=self.options.timeout_seconds,
                policy=http.policy_for(self.options), sleep=self.sleep, what=f"rss {host}",
            )
            if response.status_code == 304:
                self._answered += 1
                log.debug("feed not modified url=%s", url)
                yield Batch(checkpoint=self._good_state(state.get("etag"), state.get("modified")))
                return
            if len(response.content) > self.options.max_feed_bytes:
                raise ValueError(f"feed larger than {self.options.max_feed_bytes} bytes")
            import feedparser  # imported on use: loading the collector registry stays fast

            parsed = feedparser.parse(
                response.content,
                response_headers={k.lower(): v for k, v in response.headers.items()},
            )
            if parsed.get("bozo") and not parsed.entries and not parsed.get("version"):
                raise ValueError(f"not a feed: {parsed.get('bozo_exception')!r}"[:300])
        except (requests.RequestException, http.HttpStatusError, ValueError) as exc:
            yield self._failed(url, host, state, exc)
            return
        self._answered += 1
        posts, skipped, errors = self._posts(parsed, url)
        yield Batch(
            posts=posts,
            skipped=skipped,
            errors=errors,
            checkpoint=self._good_state(response.headers.get("ETag"), response.headers.get("Last-Modified")),
        )

    def _pace(self, host: str) -> None:
        """Keep `per_host_delay_seconds` between two feeds of one host (news search feeds share one)."""
        last = self._last_request.get(host)
        if last is not None:
            wait = self.options.per_host_delay_seconds - (time.monotonic() - last)
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = time.monotonic()

    def _posts(self, parsed: Any, url: str) -> tuple[list[Post], int, list[str]]:
        feed = parsed.get("feed", {})
        lang = _lang(feed)
        feed_title = html_to_text(feed.get("title")) or None
        posts: list[Post] = []
        errors: list[str] = []
        skipped = 0
        for entry in parsed.entries[: self.options.max_entries_per_feed]:
            ext_id = entry_id(entry)
            created = _entry_time(entry)
            if ext_id is None or created is None:
                skipped += 1
                if len(errors) < 5:
                    errors.append(f"{url}: entry skipped ({'no id or link' if ext_id is None else 'no date'})")
                continue
            content = entry.get("content") or []
            body = content[0].get("value") if content else entry.get("summary")
            source = entry.get("source") or {}
            try:
                posts.append(
                    Post(
                        source=self.name,
                        id=ext_id,
                        url=entry.get("link") or None,
                        author=((entry.get("author") or source.get("title") or feed_title or "")[:255] or None),
                        title=html_to_text(entry.get("title")) or None,
                        text=html_to_text(body),
                        created_at=created,
                        lang=lang,
                    )
                )
            except ValueError as exc:
                skipped += 1
                if len(errors) < 5:
                    errors.append(f"{url}: entry skipped ({exc})"[:300])
        # Only entries that could not be used count as errors in the run record; keep them brief.
        return posts, skipped, errors

    @staticmethod
    def _good_state(etag: str | None, modified: str | None) -> str:
        return json.dumps({"etag": etag, "modified": modified, "failures": 0, "retry_at": None})

    def _failed(self, url: str, host: str, state: dict[str, Any], exc: Exception) -> Batch:
        failures = int(state.get("failures") or 0) + 1
        minutes = self.options.feed_backoff_minutes * (2 ** (failures - 1))
        delay = timedelta(minutes=min(minutes, self.options.max_feed_backoff_hours * 60))
        if isinstance(exc, http.HttpStatusError):
            asked = http.retry_after_seconds(exc.response.headers)
            if asked:
                delay = max(delay, timedelta(seconds=asked))
        retry_at = self.now() + delay
        reason = str(exc)[:300]
        log.warning("feed failed url=%s failures=%d retry_at=%s error=%r", url, failures, retry_at.isoformat(), reason)
        if http.is_connection_failure(exc):
            self._dead_hosts[host] = type(exc).__name__
            if not self._answered and len(self._dead_hosts) >= min(2, len(self._hosts) or 1):
                raise SourceUnavailable(
                    f"cannot reach feed hosts ({', '.join(sorted(self._dead_hosts))}): {reason}"
                )
        new_state = {
            "etag": state.get("etag"),
            "modified": state.get("modified"),
            "failures": failures,
            "retry_at": retry_at.isoformat(),
            "last_error": reason,
        }
        return Batch(errors=[f"{url}: {reason} (failure {failures}, next try after {retry_at:%Y-%m-%d %H:%M} UTC)"],
                     checkpoint=json.dumps(new_state))

    def close(self) -> None:
        self.session.close()
