"""Reading a scenario's values, and loading every part of the world but the Discord guild.

Timestamps (naive = UTC), ids, required keys and the defaults a scenario may
leave out (league rows, tokens, the guild's ids); the league database, the
spreadsheets, and the scorecards and voice links (which name guild channels,
looked up through the `ChannelRef` they are given). The Discord guild, whose
entries refer to each other by name, is loaded by `SandboxState` itself.
Every mistake is a `ScenarioError` naming the entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from leaguectl.sandbox.cells import sheet_grid
from leaguectl.sandbox.clock import SandboxClock
from leaguectl.sandbox.errors import ScenarioError
from leaguectl.sandbox.world import JSON, Channel, LeagueState, Scorecard, SheetsState, Spreadsheet, VoiceLink

ChannelRef = Callable[[Any, str], Channel]
"""Finds a scenario's channel reference (id or name) in the loaded guild, or raises ScenarioError."""

DEFAULT_DISCORD_TOKEN = "sandbox-discord-token"
DEFAULT_LEAGUE_TOKEN = "sandbox-league-token"
DEFAULT_GUILD_ID = "1100000000000000000"
DEFAULT_BOT_ID = "1100000000000000001"
DEFAULT_OWNER_ID = "1100000000000000002"
STANDINGS_MODES = ("ok", "error", "empty")


def parse_time(value: Any, where: str) -> datetime:
    """Parse an ISO timestamp from a scenario; naive values are taken as UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ScenarioError(f"{where}: {value!r} is not an ISO 8601 timestamp") from exc
    else:
        raise ScenarioError(f"{where}: expected an ISO timestamp, got {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def need(entry: JSON, key: str, where: str) -> Any:
    """``entry[key]``, or a ScenarioError naming the entry and the missing key."""
    if key not in entry:
        raise ScenarioError(f"{where}: missing required key {key!r}")
    return entry[key]


def int_id(value: Any, where: str) -> int:
    """A league id (int or digit string) as an int; anything else is a ScenarioError."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ScenarioError(f"{where}: id {value!r} is not an integer")
    try:
        return int(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: id {value!r} is not an integer") from exc


def fixed_snowflake(seed: str) -> str:
    """A stable snowflake-sized id for scenario entities that omit one."""
    digest = int(hashlib.sha256(seed.encode()).hexdigest()[:10], 16)
    return str((1 << 60) + digest)


TEAM_DEFAULTS: JSON = {
    "gmid": None,
    "gmid2": None,
    "manager1_id": None,
    "manager2_id": None,
    "division_id": None,
    "stadium": None,
    "thumbnail": None,
    "color": None,
    "dice_color": None,
    "salary_cap": None,
}
CURRENT_DEFAULTS: JSON = {
    "freeze": False,
    "bet_week": "sheets",
    "trade_deadline": 14,
    "pick_trade_start": 15,
    "pick_trade_end": 18,
    "playoffs_begin": 19,
}
STANDINGS_NUMBERS = (
    "run_diff",
    "home_wins",
    "home_losses",
    "away_wins",
    "away_losses",
    "last8_wins",
    "last8_losses",
    "streak_num",
    "one_run_wins",
    "one_run_losses",
    "pythag_wins",
    "pythag_losses",
    "div1_wins",
    "div1_losses",
    "div2_wins",
    "div2_losses",
    "div3_wins",
    "div3_losses",
    "div4_wins",
    "div4_losses",
)
COMMAND_DEFAULTS: JSON = {
    "creator_id": None,
    "updated_at": None,
    "last_used": None,
    "use_count": 0,
    "warning_sent": False,
    "is_active": True,
    "tags": None,
}


def load_league(data: JSON) -> LeagueState:
    """The league database from the scenario's ``league`` entry: flat rows, defaults filled in."""
    league = LeagueState(token=str(data.get("api_token", DEFAULT_LEAGUE_TOKEN)))
    mode = data.get("standings_mode", "ok")
    if mode not in STANDINGS_MODES:
        raise ScenarioError(f"league.standings_mode: {mode!r} is not one of {STANDINGS_MODES}")
    league.standings_mode = mode
    league.custom_commands_default_limit = data.get("custom_commands_default_limit")
    for number, row in enumerate(data.get("current") or []):
        where = f"league.current[{number}]"
        for key in ("id", "week", "season"):
            need(row, key, where)
        league.current.append({"id": int_id(row["id"], where), **CURRENT_DEFAULTS, **row})
    for number, row in enumerate(data.get("teams") or []):
        where = f"league.teams[{number}]"
        for key in ("id", "abbrev", "sname", "lname", "season"):
            need(row, key, where)
        league.teams[int_id(row["id"], where)] = {**TEAM_DEFAULTS, **row}
    for number, row in enumerate(data.get("players") or []):
        where = f"league.players[{number}]"
        for key in ("id", "name", "wara", "season", "pos_1"):
            need(row, key, where)
        league.players[int_id(row["id"], where)] = {"team_id": None, **row}
    for number, row in enumerate(data.get("transactions") or []):
        where = f"league.transactions[{number}]"
        for key in ("id", "week", "season", "moveid", "player_id", "oldteam_id", "newteam_id"):
            need(row, key, where)
        league.transactions.append({"cancelled": False, "frozen": False, "cancelled_at": None, **row})
    for number, row in enumerate(data.get("standings") or []):
        where = f"league.standings[{number}]"
        for key in ("team_id", "wins", "losses"):
            need(row, key, where)
        defaults: JSON = dict.fromkeys(STANDINGS_NUMBERS, 0)
        defaults.update({"id": number + 1, "streak_wl": "w", "div_gb": None, "wc_gb": None})
        defaults.update({"div_e_num": None, "wc_e_num": None})
        league.standings.append({**defaults, **row})
    for number, row in enumerate(data.get("creators") or []):
        where = f"league.creators[{number}]"
        for key in ("id", "discord_id", "username", "created_at"):
            need(row, key, where)
        league.creators[int_id(row["id"], where)] = {"display_name": None, **row}
    for number, row in enumerate(data.get("custom_commands") or []):
        where = f"league.custom_commands[{number}]"
        for key in ("id", "name", "content", "created_at"):
            need(row, key, where)
        league.custom_commands[int_id(row["id"], where)] = {**COMMAND_DEFAULTS, **row}
    return league


def load_sheets(data: JSON) -> SheetsState:
    """The spreadsheets from the scenario's ``sheets`` entry (each needs at least one tab)."""
    sheets = SheetsState()
    for key, entry in data.items():
        tabs = entry.get("tabs") or {}
        if not tabs:
            raise ScenarioError(f"sheets[{key!r}]: needs at least one tab under 'tabs'")
        sheets.spreadsheets[str(key)] = Spreadsheet(
            key=str(key),
            title=str(entry.get("title", key)),
            tabs={str(name): sheet_grid(grid, f"sheets[{key!r}].tabs[{name!r}]") for name, grid in tabs.items()},
            readable=bool(entry.get("readable", True)),
        )
    return sheets


def load_scorecards(data: list[JSON], channel_ref: ChannelRef, owner_id: str, clock: SandboxClock) -> list[Scorecard]:
    """The published scorecards (bot file `scorecards.json`); the owner published any that do not say."""
    cards = []
    for number, entry in enumerate(data):
        where = f"scorecards[{number}]"
        cards.append(
            Scorecard(
                text_channel_id=channel_ref(need(entry, "text_channel", where), where).id,
                sheet_key=str(need(entry, "sheet_key", where)),
                publisher_id=str(entry.get("publisher_id", owner_id)),
                published_at=parse_time(entry.get("published_at", clock.now()), where),
            )
        )
    return cards


def load_voice_links(data: list[JSON], channel_ref: ChannelRef, owner_id: str, clock: SandboxClock) -> list[VoiceLink]:
    """The bot's voice-channel links (bot file `voice_channels.json`); the owner created any that do not say."""
    links = []
    for number, entry in enumerate(data):
        where = f"voice_links[{number}]"
        links.append(
            VoiceLink(
                voice_channel_id=channel_ref(need(entry, "voice_channel", where), where).id,
                text_channel_id=channel_ref(need(entry, "text_channel", where), where).id,
                creator_id=str(entry.get("creator_id", owner_id)),
                type=str(entry.get("type", "public")),
                created_at=parse_time(entry.get("created_at", clock.now()), where),
            )
        )
    return links
