"""The league API's request loop: auth, retries and backoff, decoding, typed errors.

:class:`LeagueTransport` is what :class:`~leaguectl.league_api.LeagueClient`
is built on: it sends one request at a time with bearer auth, retries GETs on
5xx, 429 and connection errors with capped exponential backoff (writes are
never retried: a lost response may hide a done write), decodes JSON, turns
list answers into models (a row that does not fit goes to ``rejected`` when
the caller asks, else fails the call) and maps statuses to the typed errors of
:mod:`leaguectl.league_types`, with the token never in a message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, tzinfo
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

import httpx

from leaguectl import __version__
from leaguectl.league_types import (
    LeagueAuthError,
    LeagueDataError,
    LeagueError,
    LeagueRateLimited,
    LeagueUnavailable,
    NotFound,
    RejectedRow,
)
from leaguectl.models import ModelError
from leaguectl.redact import register_secret, scrub
from leaguectl.transport import attempt_extensions

if TYPE_CHECKING:
    from leaguectl.runtime import Runtime

log = logging.getLogger("leaguectl.league_api")  # the name it had before the split: log filters keep working

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
_DETAIL_LIMIT = 300


class _ApiModel(Protocol):
    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = ...) -> Self: ...


M = TypeVar("M", bound=_ApiModel)


def _backoff(attempt: int, retry_after: str | None) -> float:
    """Seconds before retry ``attempt`` (0-based): ``Retry-After`` if given, else capped doubling."""
    if retry_after is not None:
        try:
            return min(max(float(retry_after), 0.0), BACKOFF_CAP_SECONDS)
        except ValueError:
            pass
    return float(min(BACKOFF_BASE_SECONDS * 2**attempt, BACKOFF_CAP_SECONDS))


class LeagueTransport:
    """Authenticated, retrying requests to the league API; the endpoints live in the client."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        runtime: Runtime,
        max_retries: int = 3,
        api_timezone: tzinfo = UTC,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        register_secret(token)
        self._token = token
        self._runtime = runtime
        self._max_retries = max_retries
        self._tz = api_timezone
        self._base_url = base_url.rstrip("/")
        self._http = runtime.http_client(
            service="league",
            base_url=f"{self._base_url}/v3/",
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"leaguectl/{__version__}",
                "Accept": "application/json",
            },
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --------------------------------------------------------------- plumbing

    def _list(
        self,
        path: str,
        key: str,
        model: type[M],
        params: Mapping[str, str | int],
        rejected: list[RejectedRow] | None = None,
    ) -> list[M]:
        body = self._get_json(path, params=params)
        before = len(rejected) if rejected is not None else 0
        items = self._items(path, key, model, body, rejected)
        bad = len(rejected) - before if rejected is not None else 0
        self._check_complete(path, key, body, len(items) + bad)
        return items

    def _items(
        self, path: str, key: str, model: type[M], body: Any, rejected: list[RejectedRow] | None = None
    ) -> list[M]:
        """The rows of a list answer as models; a row that does not fit goes to ``rejected`` when given."""
        rows = body.get(key) if isinstance(body, Mapping) else None
        if not isinstance(rows, list):
            raise self._data_error("GET", path, f"expected an object with a '{key}' list, got {preview(body)}")
        parsed: list[M] = []
        for index, row in enumerate(rows):
            try:
                parsed.append(model.from_api(row, naive_tz=self._tz))
            except ModelError as exc:
                if rejected is None:
                    where = f"item {index}: " if exc.row_id is None else ""
                    raise self._data_error("GET", path, f"{where}{exc}") from exc
                raw = row if isinstance(row, Mapping) else None
                rejected.append(RejectedRow(endpoint=path, index=index, error=exc, raw=raw))
        return parsed

    def _check_complete(self, path: str, key: str, body: Mapping[str, Any], received: int) -> None:
        """A ``count`` above the rows received means the server cut the list short."""
        total = body.get("total_count", body.get("count"))
        if isinstance(total, int) and not isinstance(total, bool) and total > received:
            raise self._data_error(
                "GET", path, f"returned {received} of {total} {key} without pagination; refusing a partial list"
            )

    def _one(self, method: str, path: str, model: type[M], body: Any) -> M:
        if not isinstance(body, Mapping):
            raise self._data_error(method, path, f"expected an object, got {preview(body)}")
        try:
            return model.from_api(body, naive_tz=self._tz)
        except ModelError as exc:
            raise self._data_error(method, path, str(exc)) from exc

    def _get_json(self, path: str, *, params: Mapping[str, str | int] | None = None) -> Any:
        return self._decode("GET", path, self._request("GET", path, params=params))

    def _send_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> Any:
        return self._decode(method, path, self._request(method, path, params=params, json=json))

    def _decode(self, method: str, path: str, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self._data_error(
                method, path, f"HTTP {response.status_code} body is not JSON: {preview(response.text)}"
            ) from None

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send one request; GETs are retried on 5xx, 429 and connection errors."""
        retries = self._max_retries if method == "GET" else 0
        attempt = 0
        while True:
            self._count(method)
            try:
                response = self._http.request(
                    method, path, params=params, json=json, extensions=attempt_extensions(attempt + 1)
                )
            except httpx.TransportError as exc:
                if attempt < retries:
                    self._wait(method, path, attempt, None, type(exc).__name__)
                    attempt += 1
                    continue
                raise LeagueUnavailable(
                    self._redact(
                        f"League API {method} {path}: unreachable after {attempt + 1} attempt(s): "
                        f"{type(exc).__name__}: {exc}"
                    ),
                ) from None
            retryable = response.status_code >= 500 or response.status_code == 429
            if retryable and attempt < retries:
                self._wait(method, path, attempt, response.headers.get("Retry-After"), str(response.status_code))
                attempt += 1
                continue
            if response.is_success:
                return response
            raise self._status_error(method, path, response, attempt + 1)

    def _count(self, method: str) -> None:
        self._runtime.checkpoint()  # after SIGTERM no new request starts
        self._runtime.stats.http_requests += 1
        if method != "GET":
            self._runtime.stats.mutating_requests += 1

    def _wait(self, method: str, path: str, attempt: int, retry_after: str | None, why: str) -> None:
        delay = _backoff(attempt, retry_after)
        log.warning("league API %s %s: %s; retrying in %.1fs", method, path, why, delay)
        self._runtime.sleep(delay)

    def _status_error(self, method: str, path: str, response: httpx.Response, attempts: int) -> LeagueError:
        status = response.status_code
        detail = self._redact(_error_detail(response))
        after = f" after {attempts} attempts" if attempts > 1 else ""
        message = self._redact(f"League API {method} {path}: HTTP {status}{after}: {detail}")
        if status in (401, 403):
            hint = "check LEAGUE_API_TOKEN" if status == 401 else "the token lacks permission"
            return LeagueAuthError(f"{message} ({hint})", status=status, detail=detail)
        if status == 404:
            return NotFound(message, status=status, detail=detail)
        if status == 429:
            return LeagueRateLimited(message, status=status, detail=detail)
        if status >= 500:
            return LeagueUnavailable(message, status=status, detail=detail)
        return LeagueError(message, status=status, detail=detail)

    def _data_error(self, method: str, path: str, problem: str) -> LeagueDataError:
        detail = self._redact(problem)
        return LeagueDataError(f"League API {method} {path}: {detail}", detail=detail)

    def _redact(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "********")
        return scrub(text)


def _error_detail(response: httpx.Response) -> str:
    """What an error answer says: its ``detail`` when it has one, else the body, shortened."""
    try:
        body = response.json()
    except ValueError:
        return preview(response.text) or "(empty body)"
    if isinstance(body, Mapping) and "detail" in body:
        return preview(body["detail"])
    return preview(body)


def preview(value: Any) -> str:
    """A value as error messages show it: its text, cut to a few hundred characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."
