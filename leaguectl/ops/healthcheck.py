"""healthchecks.io-style pings: ``<url>/start`` before, ``<url>`` on success, ``<url>/fail`` on failure.

A ping that fails (dead server, timeout, 5xx) only logs a warning: monitoring
must never make a pass fail, nor hold it up. Every ping goes through the
runtime's HTTP layer with its own short total deadline, and all the pings of one
pass share one :class:`PingBudget` (:data:`PING_TIMEOUT_SECONDS`, or
``REQUEST_TIMEOUT_SECONDS`` when that is shorter): however slowly the ping
server answers and however many pings a pass sends, together they never keep
the pass alive longer than that. A ping is never retried.
"""

from __future__ import annotations

import logging
import time

from leaguectl.redact import scrub
from leaguectl.runtime import Runtime

log = logging.getLogger("leaguectl.ops")

PING_TIMEOUT_SECONDS = 10.0
MAX_BODY_BYTES = 10_000
_SUFFIX = {"start": "/start", "success": "", "fail": "/fail"}


class PingBudget:
    """The seconds all pings of one pass may spend together (real time spent pinging, not the pass's)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> PingBudget:
        """:data:`PING_TIMEOUT_SECONDS`, or the request deadline when that is shorter."""
        return cls(min(PING_TIMEOUT_SECONDS, runtime.request_timeout))

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.spent)

    def charge(self, started: float) -> None:
        """Count the time since ``started`` (``time.monotonic()``) against the budget."""
        self.spent += max(0.0, time.monotonic() - started)


def ping(
    runtime: Runtime, url: str, kind: str, *, run_id: str, body: str = "", budget: PingBudget | None = None
) -> bool:
    """Send one ping; ``kind`` is "start", "success" or "fail". Returns False (and warns) on failure."""
    import httpx

    from leaguectl.transport import route_extensions

    budget = budget or PingBudget.for_runtime(runtime)
    deadline = budget.remaining()
    if deadline <= 0:
        log.warning("health ping (%s) not sent: the pass's %g s for pings is used up", kind, budget.seconds)
        return False
    target = url.rstrip("/") + _SUFFIX[kind]
    data = body.encode("utf-8")[-MAX_BODY_BYTES:]
    # The ping URL is a secret (its path is the check's key): the log names the route, never the URL.
    route = route_extensions(f"POST HEALTHCHECK_URL{_SUFFIX[kind]}")
    started = time.monotonic()
    try:
        with runtime.http_client(timeout=deadline, service="healthcheck") as client:
            response = client.post(target, params={"rid": run_id}, content=data, extensions=route)
        if response.status_code >= 400:
            log.warning("health ping (%s) answered HTTP %s", kind, response.status_code)
            return False
    except httpx.HTTPError as exc:
        log.warning("health ping (%s) failed: %s", kind, scrub(f"{type(exc).__name__}: {exc}"))
        return False
    finally:
        budget.charge(started)
    return True
