"""The runtime's HTTP layer: a total deadline and a DEBUG line for every request of every client.

Every client (Discord, league API, Sheets and its OAuth token request, Letta, health
pings) gets its ``httpx.Client`` from :meth:`leaguectl.runtime.Runtime.http_client`,
which wraps the client's transports here, so both behaviours exist exactly once.

**Total deadline (SPEC §1.7).** httpx's timeouts bound each socket operation, so a
server that sends one byte every few seconds keeps a request alive forever. Here the
request's deadline (``REQUEST_TIMEOUT_SECONDS``, measured on the real monotonic clock)
is set when the request starts, and every connect, TLS handshake, write and read of
the connection is given at most the time that remains: connect + send + headers + the
whole body end by the deadline, however the server trickles. A request past its
deadline fails as ``httpx.ReadTimeout`` (or ``ConnectTimeout``/``WriteTimeout``), a
transport failure each client already retries per its own policy.

The deadline reaches the socket through a wrapper around httpcore's network backend,
installed into each connection pool of the client (httpx offers no public hook for
that; ``tests/test_transport.py`` fails if the attributes used here ever move).

**Request log (DEBUG, ``-vv``).** One line per request: method, route template and
its major id (``GET /channels/{channel_id}/messages channel_id=123``), status,
duration, Discord's rate-limit bucket/remaining/reset-after when present, attempt
number. Clients name the route with :func:`route_extensions`; a request without a
name is logged by its path with numeric ids replaced by ``{id}``. Never a body,
never a header value, never a query string (it may carry a secret), and the line is
scrubbed of every registered secret.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

from leaguectl.logs import log_event

if TYPE_CHECKING:
    import ssl
    from collections.abc import Iterable

log = logging.getLogger("leaguectl.http")

ROUTE_KEY = "leaguectl.route"
MAJOR_KEY = "leaguectl.major"
ATTEMPT_KEY = "leaguectl.attempt"
DEADLINE_SETTING = "REQUEST_TIMEOUT_SECONDS"

# (monotonic instant the request must be done by, its total seconds) of the request in progress
_deadline: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "leaguectl_request_deadline", default=None
)


def route_extensions(route: str, major: str | None = None, attempt: int = 1) -> dict[str, Any]:
    """The ``extensions`` a client attaches to a request so that its log line names the route.

    ``route`` is ``"METHOD /template/{param}"``; ``major`` the top-level id (``channel_id=123``).
    """
    extensions: dict[str, Any] = {ROUTE_KEY: route, ATTEMPT_KEY: attempt}
    if major and major != "-":
        extensions[MAJOR_KEY] = major
    return extensions


def attempt_extensions(attempt: int) -> dict[str, Any]:
    """For a client whose paths need no template of their own: only the attempt number (1 = first try)."""
    return {ATTEMPT_KEY: attempt}


# --- the deadline at the socket -----------------------------------------------------------------


def _remaining(timeout: float | None, failure: type[Exception]) -> float | None:
    """``timeout`` capped by what is left of the current request's deadline; past it, ``failure``."""
    current = _deadline.get()
    if current is None:
        return timeout
    until, total = current
    left = until - time.monotonic()
    if left <= 0:
        raise failure(f"no complete answer within {total:g} s ({DEADLINE_SETTING})")
    return left if timeout is None else min(timeout, left)


def _capped_call(timeout: float | None, failure: type[Exception], call: Any, *args: Any) -> Any:
    """Run a socket operation within the deadline; its own timeout then says which limit it hit."""
    capped = _remaining(timeout, failure)
    try:
        return call(*args, capped)
    except failure:
        current = _deadline.get()
        if current is not None and (timeout is None or capped is None or capped < timeout):
            raise failure(f"no complete answer within {current[1]:g} s ({DEADLINE_SETTING})") from None
        raise


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = _capped_call(timeout, httpcore.ReadTimeout, self._inner.read, max_bytes)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _capped_call(timeout, httpcore.WriteTimeout, self._inner.write, buffer)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        capped = _remaining(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, capped))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with :class:`DeadlineStream` connections."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        capped = _remaining(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.connect_tcp(host, port, capped, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        capped = _remaining(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.connect_unix_socket(path, capped, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline(transport: httpx.BaseTransport) -> bool:
    """Give an httpx network transport's connection pool deadline-bound connections.

    Returns False for transports without a pool (mocks in tests), which have no
    socket to bound.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if pool is None or backend is None:
        return False
    if not isinstance(backend, DeadlineBackend):
        pool._network_backend = DeadlineBackend(backend)
    return True


# --- the observing transport --------------------------------------------------------------------


class ObservedTransport(httpx.BaseTransport):
    """Runs each request under its total deadline and logs it at DEBUG when it is done."""

    def __init__(self, inner: httpx.BaseTransport, *, deadline: float, service: str) -> None:
        self._inner = inner
        self._deadline = deadline
        self._service = service
        install_deadline(inner)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        window = (started + self._deadline, self._deadline)
        token = _deadline.set(window)
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as error:
            self._log(request, started, None, error)
            raise
        finally:
            _deadline.reset(token)
        if response.is_closed:  # answered in full already (a mock transport in tests): nothing left to bound
            self._log(request, started, response, None)
            return response
        response.stream = _ObservedBody(response.stream, window, lambda error: self._log(
            request, started, response, error
        ))
        return response

    def close(self) -> None:
        self._inner.close()

    def _log(
        self, request: httpx.Request, started: float, response: httpx.Response | None, error: Exception | None
    ) -> None:
        if not log.isEnabledFor(logging.DEBUG):
            return
        fields = request_fields(request, self._service)
        fields["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        if response is not None:
            fields["status"] = response.status_code
            fields.update(rate_limit_fields(response.headers))
        if error is not None:
            fields["failure"] = f"{type(error).__name__}: {error}"
        log_event(log, logging.DEBUG, "http_request", request_line(fields), fields)


class _ObservedBody(httpx.SyncByteStream):
    """The response body, read under the request's deadline; logs the request once it is done."""

    def __init__(self, inner: Any, window: tuple[float, float], done: Any) -> None:
        self._inner = inner
        self._window = window
        self._done = done
        self._logged = False

    def __iter__(self) -> Iterator[bytes]:
        token = _deadline.set(self._window)
        try:
            yield from self._inner
        except httpx.TransportError as error:
            self._finish(error)
            raise
        finally:
            _deadline.reset(token)

    def close(self) -> None:
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()
        finally:
            self._finish(None)

    def _finish(self, error: Exception | None) -> None:
        if not self._logged:
            self._logged = True
            self._done(error)


# --- what a request line says -------------------------------------------------------------------


def request_fields(request: httpx.Request, service: str) -> dict[str, Any]:
    """Method, route template, major id and attempt of a request: never its query, headers or body."""
    extensions = request.extensions
    route = extensions.get(ROUTE_KEY)
    fields: dict[str, Any] = {"service": service or request.url.host}
    if isinstance(route, str):
        fields["route"] = route
        major = extensions.get(MAJOR_KEY)
        if isinstance(major, str):
            fields["major"] = major
    else:
        template, ids = path_template(request.url.path)
        fields["route"] = f"{request.method} {template}"
        if ids:
            fields["major"] = " ".join(ids)
    fields["method"] = request.method
    attempt = extensions.get(ATTEMPT_KEY)
    fields["attempt"] = attempt if isinstance(attempt, int) else 1
    return fields


def path_template(path: str) -> tuple[str, list[str]]:
    """``/v3/players/12001`` → ``/v3/players/{id}`` and ``["id=12001"]``: numeric ids become parameters."""
    parts = path.split("/")
    ids = [f"id={part}" for part in parts if part.isdigit()]
    return "/".join("{id}" if part.isdigit() else part for part in parts), ids


def rate_limit_fields(headers: httpx.Headers) -> dict[str, Any]:
    """Discord's bucket, remaining requests and seconds until reset, when the answer carries them."""
    fields: dict[str, Any] = {}
    for header, key in (
        ("X-RateLimit-Bucket", "bucket"),
        ("X-RateLimit-Remaining", "remaining"),
        ("X-RateLimit-Reset-After", "reset_after"),
    ):
        value = headers.get(header)
        if value is not None:
            fields[key] = value[:64]
    return fields


def request_line(fields: dict[str, Any]) -> str:
    """The text form: ``http GET /channels/{channel_id}/messages channel_id=123 -> 200 in 12.3 ms``."""
    parts = [str(fields["route"])]
    if fields.get("major"):
        parts.append(str(fields["major"]))
    outcome = f"-> {fields['status']}" if "status" in fields else "-> failed"
    parts.append(f"{outcome} in {fields['duration_ms']:g} ms")
    if "bucket" in fields or "remaining" in fields:
        parts.append(
            f"(bucket {fields.get('bucket', '-')}, remaining {fields.get('remaining', '-')}, "
            f"reset after {fields.get('reset_after', '-')} s)"
        )
    if fields.get("attempt", 1) > 1:
        parts.append(f"attempt {fields['attempt']}")
    if "failure" in fields:
        parts.append(f"({fields['failure']})")
    return "http " + " ".join(parts)


def observe(client: httpx.Client, *, deadline: float, service: str) -> httpx.Client:
    """Wrap every transport of ``client`` (its own and any proxy mounts httpx made from the environment)."""
    client._transport = ObservedTransport(client._transport, deadline=deadline, service=service)
    client._mounts = {
        pattern: None if mounted is None else ObservedTransport(mounted, deadline=deadline, service=service)
        for pattern, mounted in client._mounts.items()
    }
    return client
