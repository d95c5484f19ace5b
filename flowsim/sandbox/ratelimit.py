"""LINE's rate limit: so many requests per second per channel, on each endpoint (token buckets).

Decision: a bucket holds one second's worth of requests (a burst of
``rate`` requests is allowed after a quiet second) and refills continuously
from the wall clock (the monotonic one: the simulated clock may be frozen).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    __slots__ = ("rate", "tokens", "stamp")

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = now

    def take(self, now: float) -> bool:
        tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if tokens < 1.0:
            self.tokens = tokens
            return False
        self.tokens = tokens - 1.0
        return True


class RateLimiter:
    """One bucket per (channel, endpoint); ``rate=None`` turns the limit off."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def allow(self, channel: str, endpoint: str) -> bool:
        if self.rate is None:
            return True
        now = self._clock()
        bucket = self._buckets.get((channel, endpoint))
        if bucket is None:
            bucket = self._buckets[(channel, endpoint)] = TokenBucket(self.rate, now)
        return bucket.take(now)

    def clear(self) -> None:
        self._buckets.clear()
