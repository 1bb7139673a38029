"""The outside world a pass talks to: clock, sleeper, HTTP transport, streams, environment.

Commands never read the real clock or sleep directly; they use the
:class:`Runtime` handed to them, so tests swap in a fake clock and a sleeper
that only advances it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    import httpx


class Clock(Protocol):
    """Wall-clock and monotonic time."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes backwards."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ShiftedClock:
    """Real time moved so that the pass starts at ``start`` (``--now``).

    Time keeps flowing during the pass so that rate-limit waits and durations
    stay meaningful, but the wall clock reads as if the pass began at ``start``.
    """

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._base = base or SystemClock()
        self._start = start.astimezone(UTC)
        self._mono0 = self._base.monotonic()

    @property
    def start(self) -> datetime:
        """The ``--now`` instant itself: the pass's reference time (SPEC §3.4 ``now``)."""
        return self._start

    @property
    def base(self) -> Clock:
        """The clock underneath: the host's real clock (or a test's)."""
        return self._base

    def now(self) -> datetime:
        from datetime import timedelta

        return self._start + timedelta(seconds=self._base.monotonic() - self._mono0)

    def monotonic(self) -> float:
        return self._base.monotonic()


class FakeClock:
    """A clock that moves only when told to; ``sleep`` advances it. For tests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 1000.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))


@dataclass
class HttpStats:
    """Counters reported in every pass report (SPEC §3.4 ``stats``)."""

    http_requests: int = 0
    rate_limited: int = 0
    mutating_requests: int = 0


def _real_sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


DEFAULT_REQUEST_TIMEOUT = 30.0
"""Total deadline of one HTTP request until settings say otherwise (``REQUEST_TIMEOUT_SECONDS``)."""
CONNECT_TIMEOUT = 10.0


@dataclass
class Runtime:
    """Everything a pass needs from the outside world, injected.

    ``request_timeout`` is the total deadline of every HTTP request (connect, send and
    the whole answer); the pass runner sets it from ``REQUEST_TIMEOUT_SECONDS``.
    """

    clock: Clock = field(default_factory=SystemClock)
    sleep: Callable[[float], None] = _real_sleep
    transport: httpx.BaseTransport | None = None
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stats: HttpStats = field(default_factory=HttpStats)
    terminate_requested: bool = False
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    _tls_context: Any = field(default=None, init=False, repr=False, compare=False)
    _items_finishing: int = field(default=0, init=False, repr=False, compare=False)

    def checkpoint(self) -> None:
        """Raise :class:`~leaguectl.errors.Terminated` once SIGTERM has arrived.

        Called between items and before each HTTP request, so a pass stops at a
        safe point: the current request finishes, no new one starts. Inside
        :meth:`finishing_item` it does not raise: the item's requests all run.
        """
        if self.terminate_requested and not self._items_finishing:
            from leaguectl.errors import Terminated

            raise Terminated("stopped by SIGTERM; the next run resumes where this one stopped")

    @contextmanager
    def finishing_item(self) -> Iterator[None]:
        """Hold SIGTERM until the item in progress is done (e.g. a task's claim, action and finish).

        The next checkpoint after the block stops the pass.
        """
        self._items_finishing += 1
        try:
            yield
        finally:
            self._items_finishing -= 1

    def http_client(
        self,
        *,
        base_url: str = "",
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        service: str = "",
    ) -> httpx.Client:
        """An ``httpx.Client`` on this runtime's transport (a mock in tests), observed and bounded.

        Every request of the client must be complete, body included, within ``timeout``
        seconds (default: :attr:`request_timeout`) and is logged at DEBUG under
        ``service`` (see :mod:`leaguectl.transport`).
        """
        import httpx

        from leaguectl.transport import observe

        if self._tls_context is None:  # one CA store per pass, loaded at the first handshake (leaguectl/tls.py)
            from leaguectl.tls import deferred_httpx_context

            self._tls_context = deferred_httpx_context()
        deadline = self.request_timeout if timeout is None else timeout
        client = httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(deadline, connect=min(CONNECT_TIMEOUT, deadline)),
            transport=self.transport,
            verify=self._tls_context,
            follow_redirects=False,
        )
        return observe(client, deadline=deadline, service=service)

    def wall_clock_now(self) -> datetime:
        """The host's clock, whatever ``--now`` says (a report's ``started_at``)."""
        clock = self.clock
        return clock.base.now() if isinstance(clock, ShiftedClock) else clock.now()

    def stdout_is_terminal(self) -> bool:
        isatty = getattr(self.stdout, "isatty", None)
        return bool(isatty and isatty())

    def terminal_width(self) -> int:
        """Columns of the terminal stdout is on: ``COLUMNS`` when set, else the terminal's size, else 80."""
        columns = self.environ.get("COLUMNS", "").strip()
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        try:
            return os.get_terminal_size(self.stdout.fileno()).columns
        except (AttributeError, OSError, ValueError):
            return 80
