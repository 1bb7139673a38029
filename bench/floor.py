"""The least time Discord's rate limits allow for a set of requests, from the sandbox's bucket specs.

A bucket of ``limit`` requests per ``window`` seconds (a fixed window opened by its first
request) admits ``n`` requests no sooner than ``(ceil(n / limit) - 1) * window`` seconds
after the first; the global limit does the same over all Discord requests. Buckets can be
used in parallel, so the floor of a pass is the largest of these, whatever order the pass
sends its requests in. Only admitted requests count (a 429 consumes nothing).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DISCORD_PREFIX = "/discord/api/v10"


@dataclass(frozen=True)
class BucketUse:
    """How many requests one bucket (name, top-level id) admitted, and the time they need at least."""

    bucket: str
    major: str
    limit: int
    window: float
    requests: int

    @property
    def floor(self) -> float:
        return (math.ceil(self.requests / self.limit) - 1) * self.window


def _major(template: str, path: str, parameter: str | None) -> str:
    """The value of ``parameter`` in ``path`` matched against the route ``template``."""
    if parameter is None:
        return ""
    names = template.split(" ", 1)[1].strip("/").split("/")
    values = path[len(DISCORD_PREFIX) :].strip("/").split("/")
    for name, value in zip(names, values, strict=False):
        if name == "{" + parameter + "}":
            return value
    return ""


def bucket_uses(log: Iterable[Mapping[str, Any]]) -> list[BucketUse]:
    """Admitted Discord requests of a sandbox request log, grouped by rate-limit bucket."""
    from leaguectl.sandbox.discord_sim import BUCKETS, FALLBACK_BUCKET
    from leaguectl.sandbox.ratelimit import GLOBAL

    counts: Counter[tuple[str, str]] = Counter()
    specs = {}
    total = 0
    for entry in log:
        if entry["service"] != "discord" or entry["rate_limited"] or entry["status"] == 401:
            continue
        template = entry["route"]
        spec, parameter = BUCKETS.get(template, (FALLBACK_BUCKET, None)) if template else (FALLBACK_BUCKET, None)
        key = (spec.name, _major(template, entry["path"], parameter) if template else "")
        counts[key] += 1
        specs[key] = spec
        total += 1
    uses = [
        BucketUse(name, major, specs[(name, major)].limit, specs[(name, major)].window, count)
        for (name, major), count in counts.items()
    ]
    if total:
        uses.append(BucketUse("global", "", GLOBAL.limit, GLOBAL.window, total))
    return sorted(uses, key=lambda use: (-use.floor, use.bucket, use.major))


def rate_limit_floor(log: Iterable[Mapping[str, Any]]) -> tuple[float, BucketUse | None]:
    """The floor in seconds and the bucket that sets it (None when no Discord request was made)."""
    uses = bucket_uses(log)
    return (uses[0].floor, uses[0]) if uses else (0.0, None)
