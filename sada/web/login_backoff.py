"""Sign-in backoff: failed sign-ins slow the next try down, per account and address and per
account from anywhere, in this process or in the shared limiter storage (Redis) so every
node sees the same failures. Used by `sada.web.core.limit_login` and friends."""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time

from sada.core.errors import RateLimited
from sada.core.ratelimit import shared_counters

log = logging.getLogger(__name__)


class LoginBackoff:
    """Failed sign-ins slow the next try down, growing with each failure; never a hard lock.

    Per account and address: after `FREE` failures each new try waits 1, 2, 4 ... seconds
    (at most 15 minutes), so one attacker is slowed to a crawl. Per account from anywhere:
    after `FREE_ACCOUNT` failures a wait of at most `ACCOUNT_CAP` seconds, so a distributed
    guesser is slowed too but the owner is never kept out for long. A successful sign-in
    clears both. (Each address also has the plain rate limit of `limit_login`.)

    With SADA_REDIS_URL the counters live in the shared limiter storage, so failures on one
    node slow the next try on every node (keys are hashes: no email in Redis). If Redis does
    not answer, this process's own counters are used.
    """

    FREE = 3
    CAP = 15 * 60.0
    FREE_ACCOUNT = 20
    ACCOUNT_CAP = 30.0
    MAX_ENTRIES = 50_000
    REMEMBER_SECONDS = 86_400  # shared failure counts expire a day after the first failure

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # key -> (failures, time of the last failure)
        self._failures: dict[str, tuple[int, float]] = {}

    def _rules(self, ip: str | None, email: str) -> list[tuple[str, int, float]]:
        return [
            (f"{email}|{ip}", self.FREE, self.CAP),
            (email, self.FREE_ACCOUNT, self.ACCOUNT_CAP),
        ]

    @staticmethod
    def _shared_key(kind: str, key: str) -> str:
        return f"login-{kind}:" + hashlib.sha256(key.encode()).hexdigest()[:32]

    def _wait(self, key: str, free: int, cap: float, now: float) -> float:
        count, last = self._failures.get(key, (0, 0.0))
        if count < free:
            return 0.0
        return max(0.0, last + min(cap, 2.0 ** (count - free)) - now)

    def check(self, ip: str | None, email: str) -> None:
        store = shared_counters()
        wait: float | None = None
        if store is not None:
            try:
                wait = 0.0
                for key, _free, _cap in self._rules(ip, email):
                    block = self._shared_key("block", key)
                    if int(store.get(block) or 0) > 0:
                        wait = max(wait, float(store.get_expiry(block)) - time.time(), 1.0)
            except Exception as exc:  # noqa: BLE001 - fall back to this process's counters
                log.warning("shared sign-in backoff unavailable: %s", type(exc).__name__)
                wait = None
        if wait is None:
            now = time.monotonic()
            with self._lock:
                wait = max(self._wait(k, free, cap, now) for k, free, cap in self._rules(ip, email))
        if wait > 0:
            raise RateLimited(f"too many failed sign-ins; retry in {wait:.0f} s", retry_after=wait)

    def failed(self, ip: str | None, email: str) -> None:
        store = shared_counters()
        if store is not None:
            try:
                for key, free, cap in self._rules(ip, email):
                    count = int(store.incr(self._shared_key("fail", key), self.REMEMBER_SECONDS))
                    if count >= free:
                        block = self._shared_key("block", key)
                        store.clear(block)
                        store.incr(block, max(1, math.ceil(min(cap, 2.0 ** (count - free)))))
                return
            except Exception as exc:  # noqa: BLE001 - fall back to this process's counters
                log.warning("shared sign-in backoff unavailable: %s", type(exc).__name__)
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > self.MAX_ENTRIES:
                self._failures.clear()
            for key, _free, _cap in self._rules(ip, email):
                count, _last = self._failures.get(key, (0, 0.0))
                self._failures[key] = (count + 1, now)

    def succeeded(self, ip: str | None, email: str) -> None:
        store = shared_counters()
        keys = [key for key, _free, _cap in self._rules(ip, email)]
        if store is not None:
            try:
                for key in keys:
                    store.clear(self._shared_key("fail", key))
                    store.clear(self._shared_key("block", key))
            except Exception as exc:  # noqa: BLE001 - the local counters are cleared below
                log.warning("shared sign-in backoff unavailable: %s", type(exc).__name__)
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
