"""Discord-style rate limiting on the sandbox clock.

Buckets are fixed windows that open on the first request, keyed by
(bucket name, top-level resource id) like Discord's per-route limits, plus one
global window of 50 requests per second. A request over a limit is answered
with 429 and does not use up anything. Times in headers are rounded up to the
millisecond, so a client that waits exactly `X-RateLimit-Reset-After` always
lands in the new window.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from leaguectl.sandbox.clock import SandboxClock

EPSILON = 1e-9


@dataclass(frozen=True)
class BucketSpec:
    name: str
    limit: int
    window: float

    @property
    def bucket_hash(self) -> str:
        return hashlib.sha1(self.name.encode()).hexdigest()[:32]


GLOBAL = BucketSpec("global", 50, 1.0)
GENEROUS = BucketSpec("unlimited", 10000, 1.0)


@dataclass
class _Window:
    reset_at: float
    remaining: int


@dataclass
class Decision:
    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False
    scope: str = "user"


@dataclass
class RateLimiter:
    clock: SandboxClock
    enabled: bool = True
    _windows: dict[tuple[str, str], _Window] = field(default_factory=dict)

    def reset(self) -> None:
        self._windows.clear()

    def _window(self, key: tuple[str, str], spec: BucketSpec, now: float) -> _Window:
        window = self._windows.get(key)
        if window is None or now >= window.reset_at - EPSILON:
            window = _Window(reset_at=now + spec.window, remaining=spec.limit)
            self._windows[key] = window
        return window

    def _headers(self, spec: BucketSpec, window: _Window, now: float) -> dict[str, str]:
        reset_after = _ceil_ms(max(0.0, window.reset_at - now))
        wall = self.clock.now().timestamp()
        return {
            "X-RateLimit-Limit": str(spec.limit),
            "X-RateLimit-Remaining": str(window.remaining),
            "X-RateLimit-Reset": f"{wall + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": spec.bucket_hash,
        }

    def acquire(self, spec: BucketSpec, major: str) -> Decision:
        """Take one request from the global window and the route's bucket."""
        now = self.clock.monotonic()
        if not self.enabled:
            window = _Window(reset_at=now + GENEROUS.window, remaining=GENEROUS.limit - 1)
            return Decision(True, self._headers(GENEROUS, window, now))
        glob = self._window(("global", ""), GLOBAL, now)
        bucket = self._window((spec.name, major), spec, now)
        headers = self._headers(spec, bucket, now)
        if glob.remaining <= 0:
            retry = _ceil_ms(glob.reset_at - now)
            return Decision(False, headers, retry_after=retry, is_global=True, scope="global")
        if bucket.remaining <= 0:
            return Decision(False, headers, retry_after=_ceil_ms(bucket.reset_at - now))
        glob.remaining -= 1
        bucket.remaining -= 1
        return Decision(True, self._headers(spec, bucket, now))


def _ceil_ms(seconds: float) -> float:
    return math.ceil(round(seconds * 1000, 6)) / 1000
