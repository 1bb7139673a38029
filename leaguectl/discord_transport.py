"""The Discord client's transport: one request at a time, rate limits honoured, retries, typed errors.

A pass needs a few dozen requests, not throughput, so the client is a
synchronous httpx client sending one request at a time. That keeps the rate
limiter free of the concurrency bugs that fill other libraries' changelogs:
an unknown bucket can never have two requests in flight, and every response
updates the limiter before the next request is considered.

Waiting is driven only by what Discord tells us (``X-RateLimit-Reset-After``,
a 429's ``retry_after``) and by the backoff for transient failures, always
through the runtime's clock and sleeper so tests never really sleep.
:class:`~leaguectl.discord_rest.DiscordClient` adds the endpoints on top.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

import httpx

import leaguectl
from leaguectl.discord_limits import AUDIT_REASON_LIMIT, check_text
from leaguectl.discord_ratelimit import CompiledRoute, RateLimiter
from leaguectl.discord_types import DiscordBanned, DiscordError, DiscordUnauthorized, JsonObject
from leaguectl.errors import RateLimitedTooLong, ServiceUnavailable
from leaguectl.redact import register_secret
from leaguectl.runtime import Runtime
from leaguectl.transport import route_extensions

logger = logging.getLogger("leaguectl.discord")

#: 429s tolerated for one request before giving up (another process is likely
#: sharing the token if this is ever reached).
MAX_RATE_LIMIT_RETRIES: Final = 3
BACKOFF_BASE_SECONDS: Final = 0.5
BACKOFF_CAP_SECONDS: Final = 8.0
RETRYABLE_STATUSES: Final = frozenset({500, 502, 503, 504, 524})


class DiscordTransport:
    """Authenticated, rate-limited, retrying requests to Discord; the endpoints live in the client."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        runtime: Runtime,
        max_wait: float = 60.0,
        max_retries: int = 4,
        user_agent_version: str = leaguectl.__version__,
    ) -> None:
        token = token.strip()
        if token.startswith("Bot "):
            token = token[len("Bot ") :].strip()
        self._token = token
        register_secret(token)
        self._base_url = base_url
        self._runtime = runtime
        self._max_retries = max_retries
        self._limiter = RateLimiter(runtime, max_wait)
        self._http = runtime.http_client(
            service="discord",
            base_url=base_url,
            headers={
                "Authorization": f"Bot {token}",
                "User-Agent": f"DiscordBot ({leaguectl.PROJECT_URL}, {user_agent_version})",
                "Content-Type": "application/json",
            },
        )

    def close(self) -> None:
        self._http.close()

    # --- the request loop ---

    def _get_object(self, route: CompiledRoute) -> JsonObject:
        return self._object(self._request(route), route)

    def _object(self, data: Any, route: CompiledRoute) -> JsonObject:
        if not isinstance(data, dict):
            raise self._unexpected(route, "expected a JSON object")
        return data

    def _request(
        self,
        route: CompiledRoute,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        retry_safe: bool | None = None,
        reason: str | None = None,
    ) -> Any:
        """Send one request, honouring rate limits and retrying what is safe to retry.

        ``retry_safe`` defaults to True for every method but POST; POSTs opt in
        when repeating them cannot duplicate anything (nonce-enforced messages,
        open-DM, bulk delete).
        """
        safe = route.route.method != "POST" if retry_safe is None else retry_safe
        headers = self._audit_headers(reason)
        failures = 0
        rate_limited = 0
        while True:
            self._limiter.before_send(route)
            self._count_request(route)
            # The request's log line names its route template and major id (leaguectl/transport.py).
            template = f"{route.route.method} {route.route.template}"
            label = route_extensions(template, route.major, attempt=failures + rate_limited + 1)
            try:
                response = self._http.request(
                    route.route.method, route.path, json=body, params=params, headers=headers, extensions=label
                )
            except httpx.TransportError as error:
                detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                failures = self._after_transient_failure(route, failures, safe, detail, error)
                continue
            self._limiter.update(route, response.headers)
            status = response.status_code
            if status == 429:
                rate_limited += 1
                self._after_rate_limit(route, response, rate_limited)
                continue
            if status == 401:
                raise DiscordUnauthorized(
                    f"Discord rejected the bot token (HTTP 401 on {route}); check DISCORD_BOT_TOKEN"
                )
            if status in RETRYABLE_STATUSES:
                failures = self._after_transient_failure(route, failures, safe, f"HTTP {status}", None)
                continue
            if status >= 400:
                raise self._error(route, response)
            return _parse_json(response)

    def _audit_headers(self, reason: str | None) -> dict[str, str] | None:
        if reason is None:
            return None
        check_text("reason", reason, AUDIT_REASON_LIMIT, strip=False)
        return {"X-Audit-Log-Reason": quote(reason, safe=" /")}

    def _count_request(self, route: CompiledRoute) -> None:
        self._runtime.checkpoint()  # after SIGTERM no new request starts
        stats = self._runtime.stats
        stats.http_requests += 1
        if route.route.method != "GET":
            stats.mutating_requests += 1

    def _after_rate_limit(self, route: CompiledRoute, response: httpx.Response, count: int) -> None:
        """Handle a 429: abort on a ban, else block the bucket (or everything) for ``retry_after``."""
        self._runtime.stats.rate_limited += 1
        data = _parse_json(response)
        retry_after = data.get("retry_after") if isinstance(data, dict) else None
        if isinstance(retry_after, bool) or not isinstance(retry_after, int | float):
            raise DiscordBanned(
                f"Discord answered 429 without a JSON retry_after on {route}: this looks like a "
                "temporary ban (Cloudflare or invalid-request limit); stopping the pass without retrying"
            )
        seconds = max(0.0, float(retry_after))
        scope = response.headers.get("X-RateLimit-Scope", "")
        is_global = (
            (isinstance(data, dict) and data.get("global") is True)
            or scope == "global"
            or response.headers.get("X-RateLimit-Global", "").lower() == "true"
        )
        logger.warning(
            "429 on %s %s (scope %s, bucket %s, global %s): retry after %.3f s: %s",
            route.route.method,
            route.route.template,
            scope or "-",
            response.headers.get("X-RateLimit-Bucket", "-"),
            is_global,
            seconds,
            data.get("message", "") if isinstance(data, dict) else "",
        )
        if count > MAX_RATE_LIMIT_RETRIES:
            raise RateLimitedTooLong(
                f"Discord kept rate limiting {route} ({count} times in a row); "
                "is another process using the same bot token?"
            )
        if is_global:
            self._limiter.block_global(seconds)
        else:
            self._limiter.block_route(route, seconds)

    def _after_transient_failure(
        self,
        route: CompiledRoute,
        failures: int,
        safe: bool,
        detail: str,
        cause: BaseException | None,
    ) -> int:
        """Back off before retrying a 5xx or connection failure; give up when not safe or exhausted."""
        if not safe:
            raise ServiceUnavailable(
                self._redact(f"Discord {route} failed ({detail}); not retried, as repeating it is unsafe")
            ) from cause
        failures += 1
        if failures > self._max_retries:
            raise ServiceUnavailable(
                self._redact(f"Discord {route} still failing ({detail}) after {failures} attempts")
            ) from cause
        delay = min(BACKOFF_BASE_SECONDS * 2 ** (failures - 1), BACKOFF_CAP_SECONDS)
        logger.warning("Discord %s failed (%s); retry %d in %.1f s", route, detail, failures, delay)
        self._runtime.sleep(delay)
        return failures

    def _error(self, route: CompiledRoute, response: httpx.Response) -> DiscordError:
        data = _parse_json(response)
        if isinstance(data, dict):
            raw_code = data.get("code")
            code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 0
            message = str(data.get("message") or response.reason_phrase)
            errors = tuple(self._redact(line) for line in _flatten_form_errors(data.get("errors")))
        else:
            code, errors = 0, ()
            message = response.text.strip()[:200] or response.reason_phrase
        return DiscordError(response.status_code, code, self._redact(message), errors=errors, route=str(route))

    def _unexpected(self, route: CompiledRoute, what: str) -> DiscordError:
        return DiscordError(200, 0, f"unexpected response: {what}", route=str(route))

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[redacted]") if self._token else text


# --- response helpers ----------------------------------------------------------------


def _parse_json(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _flatten_form_errors(tree: object, path: str = "") -> list[str]:
    """Turn a 50035 ``errors`` tree into ``path: CODE message`` lines."""
    if not isinstance(tree, Mapping):
        return []
    lines: list[str] = []
    for key, child in tree.items():
        if key == "_errors" and isinstance(child, list):
            where = path or "<request>"
            for item in child:
                if isinstance(item, Mapping):
                    lines.append(f"{where}: {item.get('code', '?')} {item.get('message', '')}".rstrip())
            continue
        segment = f"[{key}]" if str(key).isdigit() else (f".{key}" if path else str(key))
        lines.extend(_flatten_form_errors(child, path + segment))
    return lines
