"""Rate limits keyed by API key, IP or account: in-process, or shared through Redis.

The embedded default keeps token buckets in the process. With SADA_REDIS_URL set
(`use_shared_storage(url)`, called when the app starts) every limiter counts in Redis through
the `limits` library (sliding window counters: `burst` hits per `burst / rate` seconds), so N
API nodes enforce one limit together and a sign-in lockout on one node holds on all.
If Redis stops answering, requests are let through (logged): an outage of the limiter must
not become an outage of the API.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from sada.core.errors import RateLimited

log = logging.getLogger(__name__)

_shared: dict[str, Any] = {}  # {"limiter": SlidingWindowCounterRateLimiter, "url": str}
_shared_lock = threading.Lock()


def use_shared_storage(url: str | None, *, prefix: str = "sada") -> None:
    """Count every limiter of this process in Redis at `url` (None: back to in-process)."""
    with _shared_lock:
        if not url:
            _shared.clear()
            return
        if _shared.get("url") == url:
            return
        from limits.storage import storage_from_string
        from limits.strategies import SlidingWindowCounterRateLimiter

        storage = storage_from_string(url, key_prefix=prefix)
        _shared.update(limiter=SlidingWindowCounterRateLimiter(storage), url=url)


def shared_storage_ok() -> bool | None:
    """None without shared storage; else whether Redis answers (for readiness)."""
    limiter = _shared.get("limiter")
    if limiter is None:
        return None
    try:
        return bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 - unreachable is an answer
        return False


def shared_counters() -> Any | None:
    """The shared `limits` storage (incr/get/get_expiry/clear), or None when counting in-process.

    For counters that are not plain rate limits, such as the sign-in failure backoff.
    """
    limiter = _shared.get("limiter")
    return None if limiter is None else limiter.storage


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`burst` hits at once, refilled at `rate` per second; `namespace` separates limiters."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        namespace: str | None = None,
    ) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.max_keys = max_keys
        self.namespace = namespace or f"rl:{rate_per_second:g}:{burst}"
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._item: Any = None

    def hit(self, key: str, cost: float = 1.0) -> None:
        """Take `cost` tokens or raise RateLimited with the seconds to wait."""
        shared = _shared.get("limiter")
        if shared is not None:
            self._hit_shared(shared, key, cost)
            return
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

    def _hit_shared(self, shared: Any, key: str, cost: float) -> None:
        from limits import RateLimitItemPerSecond

        if self._item is None:
            window = max(1, math.ceil(self.burst / self.rate)) if self.rate > 0 else 3600
            self._item = RateLimitItemPerSecond(max(1, self.burst), window)
        try:
            allowed = shared.hit(self._item, self.namespace, key, cost=max(1, round(cost)))
            if allowed:
                return
            stats = shared.get_window_stats(self._item, self.namespace, key)
            wait = max(0.1, stats.reset_time - time.time())
        except Exception as exc:  # noqa: BLE001 - the limiter's outage is not the API's
            log.warning("shared rate limiter unavailable, letting the request through: %s", exc)
            return
        raise RateLimited(f"rate limit exceeded; retry in {wait:.1f} s", retry_after=wait)

    def reset(self) -> None:
        """Forget this process's buckets (shared counters expire on their own)."""
        with self._lock:
            self._buckets.clear()
