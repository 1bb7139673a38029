"""The sandbox's own clock and the Discord snowflakes derived from it.

Everything time-dependent in the simulator (message timestamps, snowflake ids,
rate-limit windows, the 14-day bulk-delete rule, OAuth token expiry) reads this
clock, so a test can place the whole simulated world at "Monday 00:00" and make
a five-second rate-limit wait cost no real time at all.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

DISCORD_EPOCH_MS = 1420070400000
"""Milliseconds of 2015-01-01T00:00:00Z, the zero point of Discord snowflakes."""


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"sandbox clock needs an aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)


class SandboxClock:
    """A settable, thread-safe clock.

    Manual mode (the default) only moves when told to: `advance(seconds)` or
    `set(dt)`. Tests hand `advance` to leaguectl's sleeper so honouring a
    `retry_after` of five seconds is instant. Real mode moves with real
    (monotonic) time from the last point it was set to; `leaguectl sandbox`
    uses it so a human can watch rate-limit windows expire.

    `monotonic()` never goes backwards: setting the wall clock forward moves it
    forward by the same amount, setting it back leaves it where it was.
    """

    def __init__(self, start: datetime, manual: bool = True) -> None:
        self._lock = threading.Lock()
        self.manual = manual
        self._wall = _require_aware(start)
        self._mono = 0.0
        self._real_anchor = time.monotonic()

    def _elapsed_real(self) -> float:
        return 0.0 if self.manual else time.monotonic() - self._real_anchor

    def now(self) -> datetime:
        """Current simulated time, aware, in UTC."""
        with self._lock:
            return self._wall + timedelta(seconds=self._elapsed_real())

    def monotonic(self) -> float:
        """Seconds on a never-decreasing scale; rate-limit windows use it."""
        with self._lock:
            return self._mono + self._elapsed_real()

    def advance(self, seconds: float) -> None:
        """Move time forward (also in real mode, on top of real time)."""
        if seconds < 0:
            raise ValueError(f"cannot advance the clock by a negative amount ({seconds})")
        with self._lock:
            self._wall += timedelta(seconds=seconds)
            self._mono += seconds

    def set(self, dt: datetime) -> None:
        """Jump to `dt`; real mode then keeps running from there."""
        target = _require_aware(dt)
        with self._lock:
            elapsed = self._elapsed_real()
            current = self._wall + timedelta(seconds=elapsed)
            forward = (target - current).total_seconds()
            self._mono += elapsed + max(0.0, forward)
            self._wall = target
            self._real_anchor = time.monotonic()

    def __repr__(self) -> str:
        mode = "manual" if self.manual else "real"
        return f"SandboxClock({self.now().isoformat()}, {mode})"


def snowflake_base(moment: datetime) -> int:
    """The smallest snowflake of the millisecond `moment` falls in."""
    ms = int(_require_aware(moment).timestamp() * 1000)
    return (ms - DISCORD_EPOCH_MS) << 22


def snowflake_time(snowflake: str | int) -> datetime:
    """When a snowflake was made (UTC, millisecond precision)."""
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class SnowflakeMinter:
    """Makes unique snowflakes for given moments (increment bits break ties)."""

    def __init__(self) -> None:
        self._used: set[int] = set()

    def reserve(self, snowflake: str | int) -> None:
        self._used.add(int(snowflake))

    def mint(self, moment: datetime) -> str:
        candidate = snowflake_base(moment)
        while candidate in self._used:
            candidate += 1
        self._used.add(candidate)
        return str(candidate)


def iso(moment: datetime) -> str:
    """Discord-style ISO 8601 timestamp with microseconds and +00:00."""
    return _require_aware(moment).isoformat(timespec="microseconds")


def naive_utc(moment: datetime) -> str:
    """ISO 8601 without offset, in UTC: how the league API stores timestamps."""
    return _require_aware(moment).replace(tzinfo=None).isoformat()
