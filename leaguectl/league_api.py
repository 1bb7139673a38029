"""Client for the league ("database") REST API v3, returning typed models.

Facts carried over from the reference bot (reference/league.md §1), and the
deliberate differences:

* URLs are ``{base_url}/v3/<endpoint>``, bearer auth. Path segments (moveids
  with ``:`` or spaces) are percent-encoded with nothing left safe; query
  values are encoded by httpx (the reference sent a raw ``+`` in
  ``cancelled_at``). Booleans are sent as ``true``/``false``.
* List endpoints answer ``{"count": N, "<name>": [...]}``. A missing envelope
  key, a body that is not JSON, or a ``count`` larger than the list (a
  silently truncated page) is an error: "the API failed" never reads as
  "there is nothing to do".
* One row that does not fit its model is one bad item, not a failed request
  (SPEC §1.6): list methods take a ``rejected`` list, receive every such row
  there as a :class:`RejectedRow` (its index, whatever ids could be read, the
  model error) and return the good rows. Without ``rejected`` a bad row fails
  the whole call, so a caller can never lose a row without asking to.
* A 404 where the reference returned ``None`` raises :class:`NotFound`; the
  caller decides what absence means. DELETE of a missing row returns False.
* GETs are retried with capped exponential backoff on 5xx, 429 and connection
  errors; writes are never retried (a lost response may hide a done write).
* The league API stores naive timestamps. ``api_timezone`` (UTC by default) is
  the zone they are read in, and the zone of naive timestamps sent in filters
  such as ``last_used__lt``. ``cancelled_at`` is sent as aware UTC ISO 8601,
  as the reference did.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar
from urllib.parse import quote

import httpx

from leaguectl import __version__
from leaguectl.errors import (
    ExitCode,
    LeaguectlError,
    PermissionProblem,
    RateLimitedTooLong,
    ServiceUnavailable,
)
from leaguectl.models import (
    Current,
    CustomCommand,
    CustomCommandCreator,
    ModelError,
    Player,
    Team,
    TeamStandings,
    Transaction,
)
from leaguectl.redact import register_secret, scrub
from leaguectl.transport import attempt_extensions

if TYPE_CHECKING:
    from leaguectl.runtime import Runtime

__all__ = [
    "COMMANDS_PAGE_SIZE",
    "LeagueAuthError",
    "LeagueClient",
    "LeagueDataError",
    "LeagueError",
    "LeagueRateLimited",
    "LeagueUnavailable",
    "NotFound",
    "RejectedRow",
]

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
COMMANDS_PAGE_SIZE = 100
MAX_PAGES = 1000
_DETAIL_LIMIT = 300
_UPDATED_COUNT = re.compile(r"(\d+)")
_WRITABLE_COMMAND_FIELDS = frozenset(
    {"name", "content", "creator_id", "last_used", "use_count", "warning_sent", "is_active", "tags", "updated_at"}
)


@dataclass(frozen=True)
class RejectedRow:
    """A list row that did not fit its model: reported as one bad item, never as a failed pass.

    ``raw`` is the row as served (a mapping when it was one), so a caller can still read
    identifying fields the model could not (a move's ``moveid`` when its ``player`` is null)
    and decide conservatively about what the row would have affected.
    """

    endpoint: str
    index: int
    error: ModelError
    raw: Mapping[str, Any] | None

    @property
    def row_id(self) -> object:
        return self.error.row_id

    def field_text(self, name: str) -> str | None:
        """A scalar field of the raw row as short text, or None when absent or not a scalar."""
        return self.text_at(name)

    def text_at(self, *path: str) -> str | None:
        """A scalar at a nested path of the raw row (``("team", "abbrev")``) as short text, else None."""
        value: Any = self.raw
        for key in path:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int):
            return None
        if isinstance(value, int):
            return str(value) if abs(value) < 10**40 else None
        text = value.strip()
        return text[:100] if text else None

    def int_at(self, *path: str) -> int | None:
        """An integer id at a nested path of the raw row (``("player", "id")``), else None."""
        text = self.text_at(*path)
        if text is None or not text.lstrip("+-").isascii() or not text.lstrip("+-").isdigit():
            return None
        return int(text)

    def describe(self) -> str:
        """One line naming the row and the problem, e.g. ``transactions row 3 (Transaction id 7): …``."""
        return f"{self.endpoint} row {self.index}: {self.error}"


class LeagueError(LeaguectlError):
    """The league API refused or failed a request. ``status`` is None when no HTTP answer came."""

    exit_code = ExitCode.SOFTWARE

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None) -> None:
        self.status = status
        self.detail = detail
        super().__init__(message)


class LeagueUnavailable(LeagueError, ServiceUnavailable):
    """Unreachable, or 5xx after the retries: exit 69."""

    exit_code = ExitCode.UNAVAILABLE


class LeagueAuthError(LeagueError, PermissionProblem):
    """401/403: the token is wrong or lacks rights; retrying will not help (exit 78)."""

    exit_code = ExitCode.CONFIG


class LeagueRateLimited(LeagueError, RateLimitedTooLong):
    """429 that outlasted the retries: try again next run (exit 75)."""

    exit_code = ExitCode.TEMPFAIL


class LeagueDataError(LeagueError):
    """The API answered 2xx with something unusable: not JSON, no envelope, a row that fits no model.

    Exit 69: the service is up but not answering usefully; the message names the row and field.
    """

    exit_code = ExitCode.UNAVAILABLE


class NotFound(LeagueError):
    """404 on an object path. Callers that expect absence catch it.

    Left uncaught it exits 78: an endpoint the league must have answering 404
    usually means ``LEAGUE_API_URL`` points at the wrong place.
    """

    exit_code = ExitCode.CONFIG


class _ApiModel(Protocol):
    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = ...) -> Self: ...


M = TypeVar("M", bound=_ApiModel)


def _segment(value: str | int) -> str:
    """One path segment, percent-encoded with nothing considered safe (``:`` → ``%3A``)."""
    return quote(str(value), safe="")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _backoff(attempt: int, retry_after: str | None) -> float:
    """Seconds before retry ``attempt`` (0-based): ``Retry-After`` if given, else capped doubling."""
    if retry_after is not None:
        try:
            return min(max(float(retry_after), 0.0), BACKOFF_CAP_SECONDS)
        except ValueError:
            pass
    return float(min(BACKOFF_BASE_SECONDS * 2**attempt, BACKOFF_CAP_SECONDS))


class LeagueClient:
    """Synchronous league API client; one request at a time, every call typed."""

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

    def __repr__(self) -> str:
        return f"LeagueClient(base_url={self._base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ current

    def get_current(self) -> Current:
        """The live ``current`` row (its ``id`` is the one to PATCH; never assume 1)."""
        return self._one("GET", "current", Current, self._get_json("current"))

    def patch_current(self, current_id: int, *, week: int | None = None, freeze: bool | None = None) -> Current:
        """PATCH ``current/{id}`` with a JSON body holding only the given keys."""
        body: dict[str, Any] = {}
        if week is not None:
            body["week"] = week
        if freeze is not None:
            body["freeze"] = freeze
        if not body:
            raise ValueError("patch_current needs week and/or freeze")
        path = f"current/{_segment(current_id)}"
        return self._one("PATCH", path, Current, self._send_json("PATCH", path, json=body))

    # ------------------------------------------------------------- transactions

    def transactions(
        self,
        *,
        season: int,
        week_start: int,
        week_end: int,
        frozen: bool | None = None,
        cancelled: bool | None = None,
        rejected: list[RejectedRow] | None = None,
    ) -> list[Transaction]:
        """Transactions of weeks ``week_start..week_end`` (never the inexact ``week=`` filter)."""
        params: dict[str, str | int] = {"season": season, "week_start": week_start, "week_end": week_end}
        if frozen is not None:
            params["frozen"] = _flag(frozen)
        if cancelled is not None:
            params["cancelled"] = _flag(cancelled)
        return self._list("transactions", "transactions", Transaction, params, rejected)

    def cancel_move(self, moveid: str, *, cancelled_at: datetime) -> int:
        """Cancel every row of ``moveid``; returns how many rows the API says it updated."""
        if cancelled_at.tzinfo is None:
            raise ValueError("cancelled_at must be an aware datetime")
        params = {"cancelled": "true", "cancelled_at": cancelled_at.astimezone(UTC).isoformat()}
        return self._patch_move(moveid, params)

    def unfreeze_move(self, moveid: str) -> int:
        """Unfreeze every row of ``moveid``; returns how many rows the API says it updated."""
        return self._patch_move(moveid, {"frozen": "false"})

    def _patch_move(self, moveid: str, params: dict[str, str]) -> int:
        path = f"transactions/{_segment(moveid)}"
        body = self._send_json("PATCH", path, params=params)
        return self._updated_count("PATCH", path, body)

    def _updated_count(self, method: str, path: str, body: Any) -> int:
        """Rows updated, from ``"Updated N transactions"``, a bare number, or a dict."""
        if isinstance(body, bool):
            pass
        elif isinstance(body, int):
            return body
        elif isinstance(body, str):
            found = _UPDATED_COUNT.search(body)
            if found:
                return int(found.group(1))
        elif isinstance(body, Mapping):
            for key in ("count", "updated", "rows"):
                value = body.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
            if "id" in body:
                return 1
        raise self._data_error(method, path, f"cannot read an updated-row count from {_preview(body)}")

    # ------------------------------------------------------------ players, teams

    def get_player(self, player_id: int) -> Player:
        path = f"players/{_segment(player_id)}"
        return self._one("GET", path, Player, self._get_json(path))

    def move_player(self, player_id: int, team_id: int) -> None:
        """``PATCH players/{id}?team_id=…``, the working form of the reference's broken Monday move."""
        self._request("PATCH", f"players/{_segment(player_id)}", params={"team_id": team_id})

    def standings(self, season: int, *, rejected: list[RejectedRow] | None = None) -> list[TeamStandings]:
        return self._list("standings", "standings", TeamStandings, {"season": season}, rejected)

    def teams(self, season: int, *, rejected: list[RejectedRow] | None = None) -> list[Team]:
        return self._list("teams", "teams", Team, {"season": season}, rejected)

    def get_team(self, team_id: int) -> Team:
        path = f"teams/{_segment(team_id)}"
        return self._one("GET", path, Team, self._get_json(path))

    # ---------------------------------------------------------- custom commands

    def custom_commands(
        self,
        *,
        is_active: bool | None = None,
        warning_sent: bool | None = None,
        last_used_before: datetime | None = None,
        name: str | None = None,
        creator_id: int | None = None,
        rejected: list[RejectedRow] | None = None,
    ) -> list[CustomCommand]:
        """Every matching custom command, across all pages the server reports."""
        params: dict[str, str | int] = {}
        if is_active is not None:
            params["is_active"] = _flag(is_active)
        if warning_sent is not None:
            params["warning_sent"] = _flag(warning_sent)
        if last_used_before is not None:
            params["last_used__lt"] = self._naive_api_time(last_used_before)
        if name is not None:
            params["name"] = name
        if creator_id is not None:
            params["creator_id"] = creator_id
        return self._paged_commands(params, rejected)

    def _paged_commands(
        self, filters: dict[str, str | int], rejected: list[RejectedRow] | None
    ) -> list[CustomCommand]:
        """Follow ``has_more``/``total_pages`` when the server paginates, else check ``count``.

        reference/league.md §1.3 RISK: the server may paginate ``custom_commands``
        by default; reading only page 1 would hide stale commands. A large
        ``page_size`` keeps it to one request in the usual case.
        """
        commands: dict[int, CustomCommand] = {}
        page = 1
        while True:
            params = {**filters, "page": page, "page_size": COMMANDS_PAGE_SIZE}
            body = self._get_json("custom_commands", params=params)
            before = len(rejected) if rejected is not None else 0
            items = self._items("custom_commands", "custom_commands", CustomCommand, body, rejected)
            for command in items:
                commands.setdefault(command.id, command)
            received = len(items) + (len(rejected) - before if rejected is not None else 0)
            if not _is_paginated(body):
                self._check_complete("custom_commands", "custom_commands", body, received)
                break
            if not _has_more(body, page):
                break
            if not received:
                raise self._data_error(
                    "GET", "custom_commands", f"page {page} is empty although the server reports more pages"
                )
            page += 1
            if page > MAX_PAGES:
                raise self._data_error("GET", "custom_commands", f"more than {MAX_PAGES} pages")
        return list(commands.values())

    def get_custom_command(self, command_id: int) -> CustomCommand:
        path = f"custom_commands/{_segment(command_id)}"
        return self._one("GET", path, CustomCommand, self._get_json(path))

    def update_custom_command(self, command: CustomCommand, **changes: Any) -> CustomCommand:
        """Re-read the row, apply ``changes``, PUT the whole row back so no field is nulled.

        The reference PUT only the changed key, which risks a server nulling the rest.
        """
        return self._put_command(command.id, changes)

    def mark_command_warned(self, command_id: int) -> CustomCommand:
        return self._put_command(command_id, {"warning_sent": True})

    def delete_custom_command(self, command_id: int) -> bool:
        """True when deleted now, False when it was already gone (404)."""
        try:
            self._request("DELETE", f"custom_commands/{_segment(command_id)}")
        except NotFound:
            return False
        return True

    def creators(
        self,
        *,
        creator_id: int | None = None,
        discord_id: int | None = None,
        rejected: list[RejectedRow] | None = None,
    ) -> list[CustomCommandCreator]:
        params: dict[str, str | int] = {}
        if creator_id is not None:
            params["id"] = creator_id
        if discord_id is not None:
            params["discord_id"] = discord_id
        return self._list("custom_commands/creators", "creators", CustomCommandCreator, params, rejected)

    def _put_command(self, command_id: int, changes: Mapping[str, Any]) -> CustomCommand:
        unknown = set(changes) - _WRITABLE_COMMAND_FIELDS
        if unknown:
            raise TypeError(f"not a writable custom command field: {', '.join(sorted(unknown))}")
        path = f"custom_commands/{_segment(command_id)}"
        fresh = self._one("GET", path, CustomCommand, self._get_json(path))
        row = dict(fresh.raw)
        row.update({key: self._json_value(value) for key, value in changes.items()})
        body = self._send_json("PUT", path, json=row)
        if isinstance(body, Mapping) and "id" in body:
            return self._one("PUT", path, CustomCommand, body)
        return self._one("GET", path, CustomCommand, self._get_json(path))

    def _json_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return self._naive_api_time(value)
        if isinstance(value, tuple):
            return list(value)
        return value

    def _naive_api_time(self, moment: datetime) -> str:
        """ISO 8601 without offset, in the API's zone, as its naive columns hold."""
        if moment.tzinfo is None:
            raise ValueError("datetimes sent to the league API must be aware")
        return moment.astimezone(self._tz).replace(tzinfo=None).isoformat()

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
            raise self._data_error("GET", path, f"expected an object with a '{key}' list, got {_preview(body)}")
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
            raise self._data_error(method, path, f"expected an object, got {_preview(body)}")
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
                method, path, f"HTTP {response.status_code} body is not JSON: {_preview(response.text)}"
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


def _is_paginated(body: Mapping[str, Any]) -> bool:
    return "has_more" in body or "total_pages" in body


def _has_more(body: Mapping[str, Any], page: int) -> bool:
    if "has_more" in body:
        return body["has_more"] is True
    total_pages = body.get("total_pages")
    return isinstance(total_pages, int) and not isinstance(total_pages, bool) and page < total_pages


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return _preview(response.text) or "(empty body)"
    if isinstance(body, Mapping) and "detail" in body:
        return _preview(body["detail"])
    return _preview(body)


def _preview(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."
