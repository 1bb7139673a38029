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

:class:`LeagueClient` holds the endpoints; it is built on
:class:`~leaguectl.league_transport.LeagueTransport` (the request loop: auth,
retries, decoding, typed errors), and re-exports the errors and
:class:`~leaguectl.league_types.RejectedRow` of :mod:`leaguectl.league_types`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from leaguectl.league_transport import LeagueTransport, preview
from leaguectl.league_types import (
    LeagueAuthError,
    LeagueDataError,
    LeagueError,
    LeagueRateLimited,
    LeagueUnavailable,
    NotFound,
    RejectedRow,
)
from leaguectl.models import (
    Current,
    CustomCommand,
    CustomCommandCreator,
    Player,
    Team,
    TeamStandings,
    Transaction,
)

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

COMMANDS_PAGE_SIZE = 100
MAX_PAGES = 1000
_UPDATED_COUNT = re.compile(r"(\d+)")
_WRITABLE_COMMAND_FIELDS = frozenset(
    {"name", "content", "creator_id", "last_used", "use_count", "warning_sent", "is_active", "tags", "updated_at"}
)


def _segment(value: str | int) -> str:
    """One path segment, percent-encoded with nothing considered safe (``:`` → ``%3A``)."""
    return quote(str(value), safe="")


def _flag(value: bool) -> str:
    return "true" if value else "false"


class LeagueClient(LeagueTransport):
    """Synchronous league API client; one request at a time, every call typed."""

    def __repr__(self) -> str:
        return f"LeagueClient(base_url={self._base_url!r})"

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
        raise self._data_error(method, path, f"cannot read an updated-row count from {preview(body)}")

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



def _is_paginated(body: Mapping[str, Any]) -> bool:
    return "has_more" in body or "total_pages" in body


def _has_more(body: Mapping[str, Any], page: int) -> bool:
    if "has_more" in body:
        return body["has_more"] is True
    total_pages = body.get("total_pages")
    return isinstance(total_pages, int) and not isinstance(total_pages, bool) and page < total_pages
