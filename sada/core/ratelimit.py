"""In-process token buckets keyed by API key, IP or account.

Per process: with several API processes each enforces its own share. A shared
limiter (Redis) belongs with the broker-backed deployment.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sada.core.errors import RateLimited


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, rate_per_second: float, burst: int, *, max_keys: int = 100_000) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, cost: float = 1.0) -> None:
        """Take `cost` tokens or raise RateLimited with the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()
                bucket = _Bucket(tokens=float(self.burst), updated=now)
                self._buckets[key] = bucket
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return
            wait = (cost - bucket.tokens) / self.rate if self.rate > 0 else 3600.0
        raise RateLimited(f"rate limit exceeded; retry in {wait:.1f} s", retry_after=wait)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
