"""Retrying HTTP GETs with `requests` for the sources that speak plain HTTP (RSS/Atom, YouTube)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from monitor.collectors.base import SourceOptions
from monitor.sources import USER_AGENT  # noqa: F401 - re-exported: collectors send it
from monitor.collectors.retry import RetryPolicy, call_with_retries


class HttpStatusError(Exception):
    """A non-2xx answer (other than 304); keeps the response for its status, headers and body."""

    def __init__(self, response: requests.Response):
        self.response = response
        self.status = response.status_code
        super().__init__(f"HTTP {response.status_code} from {_short_url(response.url)}")


def _short_url(url: str) -> str:
    return url.split("?", 1)[0]


def policy_for(options: SourceOptions) -> RetryPolicy:
    """The retry policy a source section configures."""
    return RetryPolicy(options.max_retries, options.backoff_seconds, options.max_backoff_seconds)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or HTTP date), if it said so."""
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def is_connection_failure(exc: BaseException) -> bool:
    """True when no connection could be made (refused, DNS, connect timeout); a slow answer is not."""
    return isinstance(exc, requests.ConnectionError)


def classify(exc: Exception) -> float | None:
    """For `call_with_retries`: retry network failures, 429 and 5xx (honouring Retry-After)."""
    if isinstance(exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError):
        return 0.0
    if isinstance(exc, HttpStatusError):
        if exc.status == 429 or exc.status >= 500:
            wait = retry_after_seconds(exc.response.headers)
            return wait if wait else 0.0
    return None


def get(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    before_attempt: Callable[[], None] | None = None,
    what: str = "GET",
) -> requests.Response:
    """GET with bounded retries; returns 2xx and 304 answers, raises HttpStatusError for the rest.

    `before_attempt` runs before every attempt, retries included (quota accounting); it may raise
    to stop.
    """

    def attempt() -> requests.Response:
        if before_attempt is not None:
            before_attempt()
        response = session.get(url, params=params, headers=dict(headers or {}), timeout=timeout)
        if response.status_code >= 400:
            raise HttpStatusError(response)
        return response

    return call_with_retries(attempt, policy, classify, what=what, sleep=sleep)
