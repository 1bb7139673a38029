"""Simulated league API v3 (the "database" API of the reference bot).

Served under `{base}/league/v3`. Envelopes, query conventions and model field
names follow reference/league.md §1-§2: list endpoints answer
`{"count": N, "<endpoint>": [...]}`, transactions nest `player`/`oldteam`/
`newteam`, PATCH on transactions and players takes query parameters while
PATCH on `current` takes a JSON body. Unknown query parameters are ignored (as
the real server does), so `GET transactions?week=10` is *not* a week filter.

`PUT custom_commands/{id}` replaces the row: fields missing from the body are
nulled or reset to their defaults, so a partial PUT visibly damages the row.
`PATCH custom_commands/{id}` is not offered (405).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from leaguectl.sandbox.clock import naive_utc
from leaguectl.sandbox.scenario_load import COMMAND_DEFAULTS, CURRENT_DEFAULTS
from leaguectl.sandbox.state import SandboxState
from leaguectl.sandbox.web import BodyError, Request, Response, Route, Router

JSON = dict[str, Any]
TRUE_WORDS = ("true", "True", "1")
FALSE_WORDS = ("false", "False", "0")
CURRENT_FIELDS = ("week", "season", "freeze", *[k for k in CURRENT_DEFAULTS if k != "freeze"])


class LeagueError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail

    def response(self) -> Response:
        return Response.json(self.status, {"detail": self.detail})


def _bool(request: Request, name: str) -> bool | None:
    raw = request.arg(name)
    if raw is None:
        return None
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise LeagueError(422, f"query parameter {name}: {raw!r} is not a valid boolean")


def _int(request: Request, name: str) -> int | None:
    raw = request.arg(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise LeagueError(422, f"query parameter {name}: {raw!r} is not a valid integer") from exc


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _time_arg(request: Request, name: str) -> datetime | None:
    raw = request.arg(name)
    try:
        return _time(raw)
    except ValueError as exc:
        raise LeagueError(422, f"query parameter {name}: {raw!r} is not a valid datetime") from exc


def _path_id(request: Request, name: str = "id") -> int:
    try:
        return int(request.params[name])
    except ValueError as exc:
        raise LeagueError(422, f"path parameter {name}: {request.params[name]!r} is not a valid integer") from exc


class LeagueService:
    name = "league"
    prefix = "/league/v3"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router()
        r = self.router
        r.add("GET", "/current", self.get_current)
        r.add("GET", "/current/{id}", self.get_current_row)
        r.add("PATCH", "/current/{id}", self.patch_current)
        r.add("GET", "/transactions", self.list_transactions)
        r.add("PATCH", "/transactions/{moveid}", self.patch_transactions)
        r.add("GET", "/players", self.list_players)
        r.add("GET", "/players/{id}", self.get_player)
        r.add("PATCH", "/players/{id}", self.patch_player)
        r.add("GET", "/teams", self.list_teams)
        r.add("GET", "/teams/{id}", self.get_team)
        r.add("GET", "/standings", self.get_standings)
        r.add("GET", "/custom_commands", self.list_commands)
        r.add("GET", "/custom_commands/creators", self.list_creators)
        r.add("GET", "/custom_commands/{id}", self.get_command)
        r.add("PUT", "/custom_commands/{id}", self.put_command)
        r.add("DELETE", "/custom_commands/{id}", self.delete_command)

    # ------------------------------------------------------------ pipeline

    def authorize(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.state.league.token}":
            return Response.json(401, {"detail": "Unauthorized"})
        return None

    def not_found(self) -> Response:
        return Response.json(404, {"detail": "Not Found"})

    def method_not_allowed(self) -> Response:
        return Response.json(405, {"detail": "Method Not Allowed"})

    def server_error(self) -> Response:
        return Response.json(500, {"detail": "Internal Server Error"})

    def admit(self, route: Route | None, params: dict[str, str]) -> tuple[Response | None, dict[str, str]]:
        return None, {}

    def call(self, route: Route, request: Request) -> Response:
        try:
            return route.handler(request)
        except LeagueError as exc:
            return exc.response()
        except BodyError as exc:
            return Response.json(422, {"detail": str(exc)})

    # ------------------------------------------------------------ renderers

    def team_json(self, team_id: int | None) -> JSON | None:
        team = self.state.league.teams.get(team_id) if team_id is not None else None
        return None if team is None else dict(team)

    def player_json(self, player: JSON) -> JSON:
        return {**player, "team": self.team_json(player.get("team_id"))}

    def transaction_json(self, row: JSON) -> JSON:
        player = self.state.league.players.get(row["player_id"])
        return {
            "id": row["id"],
            "week": row["week"],
            "season": row["season"],
            "moveid": row["moveid"],
            "player": None if player is None else self.player_json(player),
            "oldteam": self.team_json(row["oldteam_id"]),
            "newteam": self.team_json(row["newteam_id"]),
            "cancelled": row["cancelled"],
            "frozen": row["frozen"],
            "cancelled_at": row.get("cancelled_at"),
        }

    def creator_json(self, creator: JSON) -> JSON:
        owned = [c for c in self.state.league.custom_commands.values() if c.get("creator_id") == creator["id"]]
        return {
            **creator,
            "total_commands": len(owned),
            "active_commands": sum(1 for c in owned if c.get("is_active")),
        }

    def command_json(self, command: JSON) -> JSON:
        creator = self.state.league.creators.get(command.get("creator_id"))  # type: ignore[arg-type]
        return {**command, "creator": None if creator is None else self.creator_json(creator)}

    # ------------------------------------------------------------ current

    def _current_row(self, request: Request) -> JSON:
        row_id = _path_id(request)
        for row in self.state.league.current:
            if row["id"] == row_id:
                return row
        raise LeagueError(404, f"Current id {row_id} not found")

    def get_current(self, request: Request) -> Response:
        season = _int(request, "season")
        rows = [r for r in self.state.league.current if season is None or r["season"] == season]
        if not rows:
            raise LeagueError(404, "No current row found")
        return Response.json(200, dict(max(rows, key=lambda row: (row["season"], row["id"]))))

    def get_current_row(self, request: Request) -> Response:
        return Response.json(200, dict(self._current_row(request)))

    def patch_current(self, request: Request) -> Response:
        row = self._current_row(request)
        body = request.json_object()
        changes: JSON = {}
        for key in CURRENT_FIELDS:
            if key not in body:
                continue
            value = body[key]
            if key == "freeze":
                if not isinstance(value, bool):
                    raise LeagueError(422, f"freeze: {value!r} is not a valid boolean")
            elif key != "bet_week" and (isinstance(value, bool) or not isinstance(value, int)):
                raise LeagueError(422, f"{key}: {value!r} is not a valid integer")
            changes[key] = value
        row.update(changes)
        return Response.json(200, dict(row))

    # ------------------------------------------------------------ transactions

    def list_transactions(self, request: Request) -> Response:
        season = _int(request, "season")
        week_start = _int(request, "week_start")
        week_end = _int(request, "week_end")
        frozen = _bool(request, "frozen")
        cancelled = _bool(request, "cancelled")
        player_id = _int(request, "player_id")
        moveid = request.arg("moveid")
        rows = [
            row
            for row in sorted(self.state.league.transactions, key=lambda r: r["id"])
            if (season is None or row["season"] == season)
            and (week_start is None or row["week"] >= week_start)
            and (week_end is None or row["week"] <= week_end)
            and (frozen is None or row["frozen"] == frozen)
            and (cancelled is None or row["cancelled"] == cancelled)
            and (player_id is None or row["player_id"] == player_id)
            and (moveid is None or row["moveid"] == moveid)
        ]
        payload = {"count": len(rows), "transactions": [self.transaction_json(row) for row in rows]}
        return Response.json(200, payload)

    def patch_transactions(self, request: Request) -> Response:
        moveid = request.params["moveid"]
        rows = [row for row in self.state.league.transactions if row["moveid"] == moveid]
        if not rows:
            raise LeagueError(404, f"No transactions found with moveid {moveid}")
        cancelled = _bool(request, "cancelled")
        frozen = _bool(request, "frozen")
        cancelled_at = request.arg("cancelled_at")
        for row in rows:
            if cancelled is not None:
                row["cancelled"] = cancelled
            if frozen is not None:
                row["frozen"] = frozen
            if cancelled_at is not None:
                row["cancelled_at"] = cancelled_at or None
        return Response.json(200, f"Updated {len(rows)} transactions")

    # ------------------------------------------------------------ players / teams

    def _player(self, request: Request) -> JSON:
        player_id = _path_id(request)
        player = self.state.league.players.get(player_id)
        if player is None:
            raise LeagueError(404, f"Player id {player_id} not found")
        return player

    def list_players(self, request: Request) -> Response:
        season = _int(request, "season")
        team_id = _int(request, "team_id")
        name = request.arg("name")
        rows = [
            self.player_json(p)
            for _, p in sorted(self.state.league.players.items())
            if (season is None or p["season"] == season)
            and (team_id is None or p.get("team_id") == team_id)
            and (name is None or p["name"].lower() == name.lower())
        ]
        return Response.json(200, {"count": len(rows), "players": rows})

    def get_player(self, request: Request) -> Response:
        return Response.json(200, self.player_json(self._player(request)))

    def patch_player(self, request: Request) -> Response:
        player = self._player(request)
        team_id = _int(request, "team_id")
        if team_id is not None:
            if team_id not in self.state.league.teams:
                raise LeagueError(404, f"Team id {team_id} not found")
            player["team_id"] = team_id
        return Response.json(200, self.player_json(player))

    def list_teams(self, request: Request) -> Response:
        season = _int(request, "season")
        abbrev = request.arg("team_abbrev")
        owner = _int(request, "owner_id")
        rows = [
            dict(t)
            for _, t in sorted(self.state.league.teams.items())
            if (season is None or t["season"] == season)
            and (abbrev is None or t["abbrev"].lower() == abbrev.lower())
            and (owner is None or owner in (t.get("gmid"), t.get("gmid2")))
        ]
        return Response.json(200, {"count": len(rows), "teams": rows})

    def get_team(self, request: Request) -> Response:
        team = self.team_json(_path_id(request))
        if team is None:
            raise LeagueError(404, f"Team id {request.params['id']} not found")
        return Response.json(200, team)

    def get_standings(self, request: Request) -> Response:
        mode = self.state.league.standings_mode
        if mode == "error":
            raise LeagueError(500, "Internal Server Error")
        season = _int(request, "season")
        rows = []
        if mode == "ok":
            for row in self.state.league.standings:
                team = self.team_json(row["team_id"])
                if season is None or (team is not None and team["season"] == season):
                    rows.append({**{k: v for k, v in row.items() if k != "team_id"}, "team": team})
        return Response.json(200, {"count": len(rows), "standings": rows})

    # ------------------------------------------------------------ custom commands

    def _command(self, request: Request) -> JSON:
        command_id = _path_id(request)
        command = self.state.league.custom_commands.get(command_id)
        if command is None:
            raise LeagueError(404, f"Custom command id {command_id} not found")
        return command

    def _command_filter(self, request: Request) -> Callable[[JSON], bool]:
        name = request.arg("name")
        is_active = _bool(request, "is_active")
        warning_sent = _bool(request, "warning_sent")
        creator_id = _int(request, "creator_id")
        used_before = _time_arg(request, "last_used__lt")
        created_since = _time_arg(request, "created_at__gte")

        def stored_time(row: JSON, key: str) -> datetime | None:
            """A row's timestamp, or None when absent or unreadable (a scenario may hold a broken row)."""
            try:
                return _time(row.get(key))
            except (ValueError, TypeError):
                return None

        def keep(row: JSON) -> bool:
            name_text = row.get("name")
            return (
                (name is None or (name_text if isinstance(name_text, str) else "").lower() == name.lower())
                and (is_active is None or row.get("is_active") == is_active)
                and (warning_sent is None or row.get("warning_sent") == warning_sent)
                and (creator_id is None or row.get("creator_id") == creator_id)
                and (
                    used_before is None
                    or ((used := stored_time(row, "last_used")) is not None and used < used_before)
                )
                and (
                    created_since is None
                    or ((created := stored_time(row, "created_at")) is not None and created >= created_since)
                )
            )

        return keep

    def _sorted(self, rows: list[JSON], request: Request) -> list[JSON]:
        sort = request.arg("sort")
        if not sort:
            return rows
        key = sort.lstrip("-")
        present = [r for r in rows if r.get(key) is not None]
        missing = [r for r in rows if r.get(key) is None]
        return sorted(present, key=lambda r: r[key], reverse=sort.startswith("-")) + missing

    def list_commands(self, request: Request) -> Response:
        keep = self._command_filter(request)
        rows = [self.command_json(c) for _, c in sorted(self.state.league.custom_commands.items()) if keep(c)]
        rows = self._sorted(rows, request)
        total = len(rows)
        payload: JSON = {"count": total}
        page = _int(request, "page")
        page_size = _int(request, "page_size")
        limit = _int(request, "limit")
        offset = _int(request, "offset") or 0
        if page is not None or page_size is not None:
            size = max(1, page_size or 25)
            number = max(1, page or 1)
            rows = rows[(number - 1) * size : number * size]
            pages = max(1, math.ceil(total / size))
            payload.update(
                {
                    "total_count": total,
                    "page": number,
                    "page_size": size,
                    "total_pages": pages,
                    "has_more": number < pages,
                }
            )
        else:
            if limit is None:
                limit = self.state.league.custom_commands_default_limit
            rows = rows[offset:] if limit is None else rows[offset : offset + max(0, limit)]
        payload["custom_commands"] = rows
        return Response.json(200, payload)

    def list_creators(self, request: Request) -> Response:
        creator_id = _int(request, "id")
        discord_id = _int(request, "discord_id")
        rows = [
            self.creator_json(c)
            for _, c in sorted(self.state.league.creators.items())
            if (creator_id is None or c["id"] == creator_id)
            and (discord_id is None or int(c["discord_id"]) == discord_id)
        ]
        rows = self._sorted(rows, request)
        limit = _int(request, "limit")
        total = len(rows)
        if limit is not None:
            rows = rows[: max(0, limit)]
        return Response.json(200, {"count": total, "creators": rows})

    def get_command(self, request: Request) -> Response:
        return Response.json(200, self.command_json(self._command(request)))

    def put_command(self, request: Request) -> Response:
        command = self._command(request)
        body = request.json_object()
        replacement: JSON = {"id": command["id"], "name": None, "content": None, **COMMAND_DEFAULTS}
        replacement["created_at"] = command["created_at"]
        checks: dict[str, Callable[[Any], bool]] = {
            "name": lambda v: v is None or isinstance(v, str),
            "content": lambda v: v is None or isinstance(v, str),
            "creator_id": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
            "last_used": lambda v: v is None or isinstance(v, str),
            "created_at": lambda v: isinstance(v, str),
            "use_count": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "warning_sent": lambda v: isinstance(v, bool),
            "is_active": lambda v: isinstance(v, bool),
            "tags": lambda v: v is None or (isinstance(v, list) and all(isinstance(t, str) for t in v)),
        }
        for key, valid in checks.items():
            if key not in body:
                continue
            if not valid(body[key]):
                raise LeagueError(422, f"{key}: {body[key]!r} has the wrong type")
            replacement[key] = body[key]
        for key in ("last_used", "created_at"):
            try:
                _time(replacement[key])
            except ValueError as exc:
                raise LeagueError(422, f"{key}: {replacement[key]!r} is not a valid datetime") from exc
        creator_id = replacement["creator_id"]
        if creator_id is not None and creator_id not in self.state.league.creators:
            raise LeagueError(422, f"creator_id {creator_id} does not exist")
        replacement["updated_at"] = naive_utc(self.state.clock.now())
        command.clear()
        command.update(replacement)
        return Response.json(200, self.command_json(command))

    def delete_command(self, request: Request) -> Response:
        command = self._command(request)
        del self.state.league.custom_commands[command["id"]]
        return Response.json(200, f"Custom command {command['id']} deleted")
