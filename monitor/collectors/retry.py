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
