"""Bounded retries with exponential backoff and full jitter, shared by every collector."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a failing call."""

    max_retries: int = 3
    base_seconds: float = 2.0
    max_seconds: float = 60.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full-jitter delay before retry number `attempt` (1-based), capped at `max_seconds`."""
        ceiling = min(self.max_seconds, self.base_seconds * (2 ** (attempt - 1)))
        return (rng or random).uniform(0, ceiling)


class GiveUp(Exception):
    """Raised by a `classify` function to stop retrying at once (wraps the original error)."""


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    classify: Callable[[Exception], float | None],
    *,
    what: str = "request",
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fn`; on an exception, `classify(exc)` says whether to retry.

    `classify` returns None for "do not retry" (the exception propagates), 0 for "retry after the
    usual backoff", or a positive number of seconds the server asked us to wait (Retry-After / a
    rate-limit reset), which is used instead of the backoff when it is not longer than the cap.
    """
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            wait = classify(exc)
            attempt += 1
            if wait is None or attempt > policy.max_retries:
                raise
            if wait > policy.max_seconds:
                raise
            delay = wait if wait > 0 else policy.delay(attempt)
            log.info("retrying what=%s attempt=%d delay=%.2f error=%r", what, attempt, delay, str(exc)[:200])
            sleep(delay)


@dataclass
class RateLimitWaits:
    """Decides, within one run, whether to wait for a rate-limit reset or give up the run.

    A 429 without a reset time, a reset further away than `max_wait_seconds`, or more than
    `max_waits` waits in one run end the run (the caller raises SourceUnavailable with the reason).
    """

    service: str
    max_wait_seconds: float
    max_waits: int
    sleep: Callable[[float], None] = time.sleep
    waits: int = 0

    def wait_or_reason(self, reset: float | None, what: str, *, header: str, retries: int) -> str | None:
        """Sleep until the reset and return None, or return why the run should stop."""
        if reset is None:
            return (
                f"rate limited by {self.service} (HTTP 429 without {header}) at {what}; "
                f"gave up for this run after {retries} retries"
            )
        if reset > self.max_wait_seconds or self.waits >= self.max_waits:
            return (
                f"rate limited by {self.service} at {what}: reset in {reset:.0f}s "
                f"(max wait {self.max_wait_seconds:.0f}s); gave up for this run"
            )
        self.waits += 1
        log.warning("rate limited source=%s what=%r wait=%.1f", self.service, what, reset)
        self.sleep(reset + 0.05)
        return None
