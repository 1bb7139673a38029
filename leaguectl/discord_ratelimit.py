"""Routes and the rate-limit model of the Discord client.

A route is (method, path template); compiled, it carries its top-level id.
The limiter keys bucket state by (X-RateLimit-Bucket learned for the route,
top-level id) and decides how long to wait before each request.

Waiting is driven only by what Discord tells us (``X-RateLimit-Reset-After``,
a 429's ``retry_after``), always through the runtime's clock and sleeper so
tests never really sleep. A wait longer than ``max_wait`` ends the pass with
exit 75 instead of blocking a cron slot; the next run picks the work up again.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from leaguectl.discord_limits import require_snowflake
from leaguectl.errors import RateLimitedTooLong
from leaguectl.runtime import Runtime

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("leaguectl.discord")

#: Requests allowed in any one-second window. Discord's global limit is 50/s;
#: staying a little under it absorbs window alignment between us and Discord.
GLOBAL_REQUESTS_PER_SECOND: Final = 45


# --- routes ------------------------------------------------------------------------

#: Path parameters that Discord rate-limits independently ("top-level resources").
_MAJOR_PARAMETERS: Final = ("channel_id", "guild_id", "webhook_id")


@dataclass(frozen=True)
class Route:
    """An endpoint: method and path template, e.g. ``GET /channels/{channel_id}/messages``."""

    method: str
    template: str

    def compile(self, **params: str) -> CompiledRoute:
        """Fill in the ids (validated as snowflakes) and note the top-level id."""
        for name, value in params.items():
            require_snowflake(name, value)
        major = next((f"{name}={params[name]}" for name in _MAJOR_PARAMETERS if name in params), "-")
        return CompiledRoute(self, self.template.format(**params), major)


@dataclass(frozen=True)
class CompiledRoute:
    """A route with its ids filled in; ``major`` keys its rate-limit state."""

    route: Route
    path: str
    major: str

    def __str__(self) -> str:
        return f"{self.route.method} {self.path}"


# --- rate limiting -------------------------------------------------------------------


@dataclass
class _BucketState:
    """What Discord last told us about one bucket for one top-level id."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float = 0.0  # on the runtime's monotonic clock


class RateLimiter:
    """Per-bucket, global and proactive-rate waits for a strictly sequential client.

    Every wait goes through the runtime's sleeper and is computed from the
    runtime's monotonic clock, never from Discord's absolute ``X-RateLimit-Reset``
    (cron hosts drift). A wait longer than ``max_wait`` raises
    :class:`~leaguectl.errors.RateLimitedTooLong` before sleeping.
    """

    def __init__(self, runtime: Runtime, max_wait: float) -> None:
        self._clock = runtime.clock
        self._sleep = runtime.sleep
        self._max_wait = max_wait
        self._bucket_ids: dict[tuple[str, str], str] = {}
        self._buckets: dict[tuple[str, str], _BucketState] = {}
        self._global_until = 0.0
        self._recent_sends: deque[float] = deque(maxlen=GLOBAL_REQUESTS_PER_SECOND)

    def bucket_key(self, route: CompiledRoute) -> tuple[str, str]:
        """The single place a bucket key is made, for storing and lookup alike.

        Before Discord names the route's bucket the key is the route itself;
        afterwards it is ``(X-RateLimit-Bucket, top-level id)``, so routes that
        share a bucket share state and two channels never do.
        """
        route_id = (route.route.method, route.route.template)
        bucket = self._bucket_ids.get(route_id, f"route:{route.route.method} {route.route.template}")
        return (bucket, route.major)

    def state_for(self, route: CompiledRoute) -> _BucketState:
        return self._buckets.setdefault(self.bucket_key(route), _BucketState())

    def before_send(self, route: CompiledRoute) -> None:
        """Wait out a global block, an exhausted bucket, then the proactive global rate."""
        now = self._clock.monotonic()
        if self._global_until > now:
            self._wait(self._global_until - now, route, "global rate limit")
            self._global_until = 0.0
        state = self._buckets.get(self.bucket_key(route))
        if state is not None and state.remaining is not None and state.remaining <= 0:
            now = self._clock.monotonic()
            if state.reset_at > now:
                self._wait(state.reset_at - now, route, f"bucket {self.bucket_key(route)[0]} exhausted")
            state.remaining = state.limit
        if len(self._recent_sends) == self._recent_sends.maxlen:
            elapsed = self._clock.monotonic() - self._recent_sends[0]
            if elapsed < 1.0:
                self._wait(1.0 - elapsed, route, f"keeping under {GLOBAL_REQUESTS_PER_SECOND} requests/s")
        self._recent_sends.append(self._clock.monotonic())
        if state is not None and state.remaining is not None:
            state.remaining -= 1

    def update(self, route: CompiledRoute, headers: httpx.Headers) -> None:
        """Learn the route's bucket and its remaining budget from response headers."""
        bucket = headers.get("X-RateLimit-Bucket")
        if bucket:
            self._bucket_ids[(route.route.method, route.route.template)] = bucket
        limit = _int_header(headers, "X-RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        reset_after = _float_header(headers, "X-RateLimit-Reset-After")
        if not bucket and remaining is None:
            return
        state = self.state_for(route)
        if limit is not None:
            state.limit = limit
        if remaining is not None:
            state.remaining = remaining
        if reset_after is not None:
            state.reset_at = self._clock.monotonic() + max(0.0, reset_after)

    def block_route(self, route: CompiledRoute, seconds: float) -> None:
        """A 429 on this bucket: nothing more on it until ``retry_after`` has passed."""
        state = self.state_for(route)
        state.remaining = 0
        state.reset_at = self._clock.monotonic() + seconds

    def block_global(self, seconds: float) -> None:
        """A global 429: every route waits until it has passed."""
        self._global_until = max(self._global_until, self._clock.monotonic() + seconds)

    def _wait(self, seconds: float, route: CompiledRoute, why: str) -> None:
        if seconds > self._max_wait:
            raise RateLimitedTooLong(
                f"Discord rate limit on {route} ({why}): waiting {seconds:.2f} s would exceed "
                f"the {self._max_wait:g} s cap; stopping so the next run can continue"
            )
        # Waits of over a second are worth an admin's attention (docs/logging.md); shorter ones are routine.
        level = logging.WARNING if seconds > 1.0 else logging.DEBUG
        logger.log(level, "rate limit: waiting %.3f s before %s (%s)", seconds, route, why)
        self._sleep(seconds)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = _float_header(headers, name)
    return None if value is None else int(value)


def _float_header(headers: httpx.Headers, name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None
