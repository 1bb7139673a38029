"""healthchecks.io-style pings: ``<url>/start`` before, ``<url>`` on success, ``<url>/fail`` on failure.

A ping that fails (dead server, timeout, 5xx) only logs a warning: monitoring
must never make a pass fail.
"""

from __future__ import annotations

import logging

from leaguectl.redact import scrub
from leaguectl.runtime import Runtime

log = logging.getLogger("leaguectl.ops")

PING_TIMEOUT_SECONDS = 10.0
MAX_BODY_BYTES = 10_000


def ping(runtime: Runtime, url: str, kind: str, *, run_id: str, body: str = "") -> bool:
    """Send one ping; ``kind`` is "start", "success" or "fail". Returns False (and warns) on failure."""
    import httpx

    target = url.rstrip("/") + {"start": "/start", "success": "", "fail": "/fail"}[kind]
    data = body.encode("utf-8")[-MAX_BODY_BYTES:]
    try:
        with httpx.Client(transport=runtime.transport, timeout=PING_TIMEOUT_SECONDS) as client:
            response = client.post(target, params={"rid": run_id}, content=data)
        if response.status_code >= 400:
            log.warning("health ping (%s) answered HTTP %s", kind, response.status_code)
            return False
    except httpx.HTTPError as exc:
        log.warning("health ping (%s) failed: %s", kind, scrub(f"{type(exc).__name__}: {exc}"))
        return False
    return True
