"""A served sandbox follows each pass's clock, so `--now` against it means what it says.

`leaguectl sandbox` runs its simulated clock on real time. A pass run with
`--now` next Monday would otherwise post its freeze announcement with today's
time, and its rerun would not find this week's announcement: "the last thaw
did not finish", exit 1, an alert. So the sandbox's export lines include
`LEAGUECTL_SANDBOX_URL`, and a pass that sees it first sets the sandbox's
clock to its own now (the `--now` instant, or the real time) with the
documented control request `POST /_sandbox/clock`. Nothing is added to any
request to Discord, the league API or Sheets: the only extra request goes to
the loopback sandbox, and only when that variable names one.

A dry run sends nothing (it changes nothing, and reads do not depend on the
sandbox's clock). If the sandbox cannot take the clock, the pass stops before
it starts (exit 69 or 78), so no pass ever runs on two clocks and nothing is
alerted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from leaguectl.errors import ConfigError, ServiceUnavailable
from leaguectl.runtime import Runtime

SANDBOX_URL_ENV = "LEAGUECTL_SANDBOX_URL"
"""Set by `leaguectl sandbox`'s export lines to its base URL, e.g. http://127.0.0.1:8765."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CLOCK_TIMEOUT_SECONDS = 5.0


def sandbox_url(environ: Mapping[str, str]) -> str | None:
    """The served sandbox named by LEAGUECTL_SANDBOX_URL, checked to be one on this machine; else None."""
    value = environ.get(SANDBOX_URL_ENV, "").strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme != "http"
        or parts.hostname not in LOOPBACK_HOSTS
        or port is None
        or parts.path.strip("/")
        or parts.query
        or parts.username
    ):
        raise ConfigError(
            SANDBOX_URL_ENV,
            f"{value!r} is not a sandbox on this machine (http://127.0.0.1:PORT, as `leaguectl sandbox` "
            "exports it); unset it unless you mean to use a served sandbox",
        )
    return value.rstrip("/")


def follow_pass_clock(runtime: Runtime, now: datetime) -> None:
    """Set the served sandbox's clock to `now`; a sandbox that does not answer stops the pass (exit 69)."""
    base = sandbox_url(runtime.environ)
    if base is None:
        return
    import httpx

    try:
        with runtime.http_client(base_url=base, timeout=CLOCK_TIMEOUT_SECONDS) as client:
            response = client.post("/_sandbox/clock", json={"now": now.isoformat()})
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(
            f"the sandbox at {base} ({SANDBOX_URL_ENV}) did not take the pass's clock: {type(exc).__name__}. "
            f"Is `leaguectl sandbox` still running? Unset {SANDBOX_URL_ENV} to run without it"
        ) from None
    if response.status_code != 200:
        raise ServiceUnavailable(
            f"the sandbox at {base} ({SANDBOX_URL_ENV}) refused the pass's clock: HTTP {response.status_code}; "
            f"is that address a `leaguectl sandbox`? Unset {SANDBOX_URL_ENV} to run without it"
        )
