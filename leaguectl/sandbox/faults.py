"""Faults a test injects into the sandbox: which request fails, and how.

A fault is armed by `Sandbox.inject_failure` and fires on the k-th counted
request from then on: "500" and "drop" count writes (a failed write), while
"trickle" and "ratelimit" model a slow or busy server and count reads too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from leaguectl.sandbox.web import Response

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FaultKind = Literal["500", "drop", "trickle", "ratelimit"]
FAULT_KINDS: tuple[str, ...] = ("500", "drop", "trickle", "ratelimit")
# Faults that model a slow or busy server rather than a failed write: they count reads too.
ANY_METHOD_FAULTS = frozenset({"trickle", "ratelimit"})
TRICKLE_INTERVAL = 5.0
"""Seconds between two bytes of a trickled answer (issue 16: "one byte every 5 s")."""
RATELIMIT_RETRY_AFTER = 3600.0


@dataclass
class Fault:
    """One armed fault: fires when ``remaining`` counted requests have come, ``times`` times in a row."""

    remaining: int
    kind: FaultKind
    service: str | None
    times: int = 1
    interval: float = TRICKLE_INTERVAL
    retry_after: float = RATELIMIT_RETRY_AFTER

    def counts(self, service: str, method: str) -> bool:
        """Whether a request of ``service`` with ``method`` counts toward this fault."""
        if self.service not in (None, service):
            return False
        return self.kind in ANY_METHOD_FAULTS or (method in MUTATING and service != "oauth")


def rate_limited(retry_after: float) -> Response:
    """Discord's answer to a request over a rate limit (an injected "ratelimit" fault)."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": "user"}
    return Response.json(429, body, headers)
