"""The simulated world: Discord guild, league database and spreadsheets.

`SandboxState` is built from a scenario dict (schema in `README.md` next to
this file) and mutated by the HTTP handlers. Tests read it through the helper
methods at the bottom of `SandboxState` (`messages("transaction-log")`,
`current()`, `transactions(moveid=...)`, ...) and compare whole worlds with
`snapshot()` / `normalized_snapshot()`.

League rows are kept flat, the way a database keeps them (`player_id`,
`oldteam_id`, ...); the league handlers nest them into API objects on the way
out. Discord ids are strings, league ids are ints, as on the wire.

This module is the state and the public face of its parts, one job each:
`world` (the records: users, channels, messages, league and sheets state),
`scenario_load` (a scenario's values and defaults, and loading all but the guild) and
`wire_objects` (Discord's message and channel objects built from the records).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from leaguectl.sandbox.cells import sheet_grid
from leaguectl.sandbox.clock import SandboxClock, SnowflakeMinter, iso, snowflake_time
from leaguectl.sandbox.discord_rules import compute_pings
from leaguectl.sandbox.errors import ScenarioError  # re-exported: its historical home
from leaguectl.sandbox.scenario_load import (
    DEFAULT_BOT_ID,
    DEFAULT_DISCORD_TOKEN,
    DEFAULT_GUILD_ID,
    DEFAULT_OWNER_ID,
    fixed_snowflake,
    load_league,
    load_scorecards,
    load_sheets,
    load_voice_links,
    need,
    parse_time,
)
from leaguectl.sandbox.wire_objects import channel_json, message_json
from leaguectl.sandbox.world import (
    CHANNEL_TYPES,
    DENIABLE,
    DM_TYPE,
    JSON,
    TEXT_TYPES,
    Channel,
    DiscordState,
    Message,
    Scorecard,
    Spreadsheet,
    User,
    VoiceLink,
)

__all__ = [
    "Channel",
    "DiscordState",
    "Message",
    "SandboxState",
    "ScenarioError",
    "Scorecard",
    "Spreadsheet",
    "User",
    "VoiceLink",
]

# ----------------------------------------------------------------- the state


class SandboxState:
    """Everything the three simulated services know, plus read helpers for tests."""

    def __init__(self, scenario: JSON | None, clock: SandboxClock) -> None:
        scenario = copy.deepcopy(scenario or {})
        self.clock = clock
        self.minter = SnowflakeMinter()
        self.timezone: str = str(scenario.get("timezone", "UTC"))
        self.extra_env: dict[str, str] = {str(k): str(v) for k, v in (scenario.get("env") or {}).items()}
        self.discord = self._load_discord(scenario.get("discord") or {})
        self.league = load_league(scenario.get("league") or {})
        self.sheets = load_sheets(scenario.get("sheets") or {})
        owner_id = self.discord.owner_id
        self.scorecards = load_scorecards(scenario.get("scorecards") or [], self._channel_ref, owner_id, clock)
        self.voice_links = load_voice_links(scenario.get("voice_links") or [], self._channel_ref, owner_id, clock)
        self.demo: JSON = scenario.get("demo") or {}

    # ------------------------------------------------------------ loading

    def _load_discord(self, data: JSON) -> DiscordState:
        guild = data.get("guild") or {}
        bot = data.get("bot") or {"id": DEFAULT_BOT_ID, "username": "League Bot"}
        owner = data.get("owner") or {"id": DEFAULT_OWNER_ID, "username": "commissioner"}
        guild_id = str(guild.get("id", DEFAULT_GUILD_ID))
        state = DiscordState(
            token=str(data.get("bot_token", DEFAULT_DISCORD_TOKEN)),
            guild_id=guild_id,
            guild_name=str(guild.get("name", "Sandbox League")),
            application_id=str(data.get("application_id", need(bot, "id", "discord.bot"))),
            bot_id=str(need(bot, "id", "discord.bot")),
            owner_id=str(need(owner, "id", "discord.owner")),
        )
        self.discord = state
        self._add_user({**bot, "bot": True}, "discord.bot")
        self._add_user(owner, "discord.owner")
        for number, user in enumerate(data.get("users") or []):
            self._add_user(user, f"discord.users[{number}]")
        channels = data.get("channels") or []
        for number, channel in enumerate(channels):
            self._add_channel(channel, number, f"discord.channels[{number}]")
        for channel in channels:
            parent = channel.get("parent")
            if parent is not None:
                self.channel(str(channel.get("id") or channel["name"])).parent_id = self._channel_ref(
                    parent, "parent"
                ).id
        for number, message in enumerate(data.get("messages") or []):
            where = f"discord.messages[{number}]"
            self._seed_message(self._channel_ref(need(message, "channel", where), where).id, message, where)
        for number, dm in enumerate(data.get("dms") or []):
            where = f"discord.dms[{number}]"
            channel = self.open_dm(self._user_ref(need(dm, "user", where), where))
            self._seed_message(channel.id, dm, where)
        for key, attr in (("tasks_channel", "tasks_channel_id"), ("heartbeat_channel", "heartbeat_channel_id")):
            if data.get(key) is not None:
                setattr(state, attr, self._channel_ref(data[key], f"discord.{key}").id)
        return state

    def _add_user(self, data: JSON, where: str) -> None:
        user_id = str(need(data, "id", where))
        self.minter.reserve(user_id)
        self.discord.users[user_id] = User(
            id=user_id,
            username=str(need(data, "username", where)),
            global_name=data.get("global_name"),
            bot=bool(data.get("bot", False)),
            dms_closed=bool(data.get("dms_closed", False)),
            member=bool(data.get("member", True)),
            joined_at=data.get("joined_at"),
        )

    def _add_channel(self, data: JSON, number: int, where: str) -> None:
        name = str(need(data, "name", where))
        kind = data.get("type", "text")
        channel_type = CHANNEL_TYPES.get(kind) if isinstance(kind, str) else kind
        if not isinstance(channel_type, int) or channel_type == DM_TYPE:
            raise ScenarioError(f"{where}: unknown channel type {kind!r}")
        denied = set(data.get("bot_denied") or [])
        unknown = denied - set(DENIABLE)
        if unknown:
            raise ScenarioError(f"{where}: bot_denied has unknown entries {sorted(unknown)}; allowed: {DENIABLE}")
        channel_id = str(data.get("id") or fixed_snowflake(f"channel:{name}:{number}"))
        self.minter.reserve(channel_id)
        overwrites = {
            str(item["id"]): {
                "id": str(item["id"]),
                "type": int(item.get("type", 0)),
                "allow": str(item.get("allow", "0")),
                "deny": str(item.get("deny", "0")),
            }
            for item in data.get("permission_overwrites") or []
        }
        self.discord.channels[channel_id] = Channel(
            id=channel_id,
            type=channel_type,
            name=name,
            guild_id=self.discord.guild_id,
            position=int(data.get("position", number)),
            topic=data.get("topic"),
            permission_overwrites=overwrites,
            bot_denied=denied,
            voice_status=data.get("voice_status"),
        )

    def _channel_ref(self, ref: Any, where: str) -> Channel:
        try:
            return self.channel(ref)
        except KeyError as exc:
            raise ScenarioError(f"{where}: unknown channel {ref!r}") from exc

    def _user_ref(self, ref: Any, where: str) -> str:
        aliases = {"bot": self.discord.bot_id, "owner": self.discord.owner_id}
        user_id = aliases.get(str(ref), str(ref))
        if user_id not in self.discord.users:
            raise ScenarioError(f"{where}: unknown user {ref!r}")
        return user_id

    def _seed_message(self, channel_id: str, data: JSON, where: str) -> Message:
        author = self._user_ref(data.get("author", "bot"), where)
        when = parse_time(data["timestamp"], where) if "timestamp" in data else self.clock.now()
        message_id = str(data["id"]) if "id" in data else self.minter.mint(when)
        self.minter.reserve(message_id)
        allowed = data.get("allowed_mentions")
        content = str(data.get("content") or "")
        message = Message(
            id=message_id,
            channel_id=channel_id,
            author_id=author,
            content=content,
            embeds=list(data.get("embeds") or []),
            timestamp=when,
            allowed_mentions=allowed,
            mentions_pinged=compute_pings(content, allowed),
            edit_limited=bool(data.get("edit_limited", False)),
            pinned=bool(data.get("pinned", False)),
        )
        self.discord.messages[message_id] = message
        return message

    # ------------------------------------------------------ Discord reads

    def channel(self, ref: str | int) -> Channel:
        """A channel by id or by exact name (text channels win over others)."""
        key = str(ref)
        if key in self.discord.channels:
            return self.discord.channels[key]
        named = [c for c in self.discord.channels.values() if c.name == key]
        if not named:
            raise KeyError(f"no channel with id or name {key!r}")
        named.sort(key=lambda c: (c.type not in TEXT_TYPES, c.position))
        return named[0]

    def channel_by_name(self, name: str) -> Channel:
        return self.channel(name)

    def guild_channels(self) -> list[Channel]:
        channels = [c for c in self.discord.channels.values() if not c.is_dm]
        return sorted(channels, key=lambda c: (c.position, int(c.id)))

    def messages(self, channel: str | int) -> list[Message]:
        """Messages of a channel (id or name), oldest first."""
        channel_id = self.channel(channel).id
        found = [m for m in self.discord.messages.values() if m.channel_id == channel_id]
        return sorted(found, key=lambda m: int(m.id))

    def dm_channel(self, user_id: str | int) -> Channel | None:
        for channel in self.discord.channels.values():
            if channel.is_dm and channel.recipient_id == str(user_id):
                return channel
        return None

    def dm_messages(self, user_id: str | int) -> list[Message]:
        """Messages in the bot's DM channel with `user_id`, oldest first."""
        channel = self.dm_channel(user_id)
        return [] if channel is None else self.messages(channel.id)

    def voice_status(self, channel: str | int) -> str | None:
        return self.channel(channel).voice_status

    def overwrites(self, channel: str | int) -> dict[str, JSON]:
        return copy.deepcopy(self.channel(channel).permission_overwrites)

    def deleted_messages(self, channel: str | int | None = None) -> list[Message]:
        """Messages deleted since the scenario loaded (optionally of one channel)."""
        if channel is None:
            return list(self.discord.deleted)
        channel_id = self.channel(channel).id
        return [m for m in self.discord.deleted if m.channel_id == channel_id]

    def user(self, user_id: str | int) -> User:
        return self.discord.users[str(user_id)]

    # ------------------------------------------------- Discord mutations

    def open_dm(self, user_id: str) -> Channel:
        """The DM channel with `user_id`, created on first use (like Discord)."""
        existing = self.dm_channel(user_id)
        if existing is not None:
            return existing
        channel_id = fixed_snowflake(f"dm:{user_id}")
        self.minter.reserve(channel_id)
        channel = Channel(id=channel_id, type=DM_TYPE, name=None, guild_id=None, recipient_id=user_id)
        self.discord.channels[channel_id] = channel
        return channel

    def add_message(
        self,
        channel: str | int,
        content: str = "",
        *,
        author: str | int = "bot",
        embeds: list[JSON] | None = None,
        timestamp: datetime | None = None,
        edit_limited: bool = False,
    ) -> Message:
        """Seed a message directly (test setup); `author` may be "bot" or "owner"."""
        data: JSON = {"author": str(author), "content": content, "embeds": embeds or []}
        data["edit_limited"] = edit_limited
        if timestamp is not None:
            data["timestamp"] = timestamp
        return self._seed_message(self.channel(channel).id, data, "add_message")

    def add_dm(self, user_id: str | int, content: str = "", **kwargs: Any) -> Message:
        return self.add_message(self.open_dm(str(user_id)).id, content, **kwargs)

    def new_message_id(self) -> str:
        return self.minter.mint(self.clock.now())

    # ------------------------------------------------------- league reads

    def current(self) -> JSON:
        """The live `current` row: the one with the latest season."""
        if not self.league.current:
            raise KeyError("the scenario has no current rows")
        return copy.deepcopy(max(self.league.current, key=lambda row: (row["season"], row["id"])))

    def current_rows(self) -> list[JSON]:
        return copy.deepcopy(self.league.current)

    def team(self, team_id: int) -> JSON:
        return copy.deepcopy(self.league.teams[int(team_id)])

    def team_by_abbrev(self, abbrev: str, season: int | None = None) -> JSON:
        for team in self.league.teams.values():
            if team["abbrev"].lower() == abbrev.lower() and season in (None, team["season"]):
                return copy.deepcopy(team)
        raise KeyError(f"no team {abbrev!r}")

    def player(self, player_id: int) -> JSON:
        return copy.deepcopy(self.league.players[int(player_id)])

    def transactions(
        self,
        *,
        moveid: str | None = None,
        week: int | None = None,
        frozen: bool | None = None,
        cancelled: bool | None = None,
        player_id: int | None = None,
    ) -> list[JSON]:
        """Flat transaction rows (player_id/oldteam_id/newteam_id), filtered."""
        wanted = {"moveid": moveid, "week": week, "frozen": frozen, "cancelled": cancelled, "player_id": player_id}
        return [
            copy.deepcopy(row)
            for row in self.league.transactions
            if all(value is None or row[key] == value for key, value in wanted.items())
        ]

    def standings(self) -> list[JSON]:
        return copy.deepcopy(self.league.standings)

    def custom_commands(self) -> list[JSON]:
        return [copy.deepcopy(row) for _, row in sorted(self.league.custom_commands.items())]

    def custom_command(self, name: str) -> JSON | None:
        for row in self.league.custom_commands.values():
            if row.get("name") == name:
                return copy.deepcopy(row)
        return None

    def creators(self) -> list[JSON]:
        return [copy.deepcopy(row) for _, row in sorted(self.league.creators.items())]

    # ------------------------------------------------------- sheets

    def sheet(self, key: str) -> Spreadsheet:
        return self.sheets.spreadsheets[key]

    def set_sheet(
        self, key: str, values: list[list[Any]] | dict[str, Any], tab: str = "Scorebug", readable: bool | None = None
    ) -> None:
        """Create or replace one tab: rows from A1, or a table of A1 cells (see `sheet_grid`)."""
        grid = sheet_grid(values, f"sheet {key!r} tab {tab!r}")
        sheet = self.sheets.spreadsheets.get(key)
        if sheet is None:
            sheet = Spreadsheet(key=key, title=key, tabs={})
            self.sheets.spreadsheets[key] = sheet
        sheet.tabs[tab] = grid
        if readable is not None:
            sheet.readable = readable

    # ------------------------------------------------------- snapshots

    def message_json(self, message: Message) -> JSON:
        """The Discord API's message object (see `wire_objects`)."""
        return message_json(self.discord, message)

    def channel_json(self, channel: Channel) -> JSON:
        """The Discord API's channel object (see `wire_objects`)."""
        return channel_json(self.discord, channel)

    def snapshot(self) -> JSON:
        """Everything, JSON-able (ids and timestamps included)."""
        d = self.discord
        channels = []
        for channel in sorted(d.channels.values(), key=lambda c: int(c.id)):
            data = self.channel_json(channel)
            data["voice_status"] = channel.voice_status
            data["bot_denied"] = sorted(channel.bot_denied)
            data["messages"] = [
                {
                    **self.message_json(m),
                    "mentions_pinged": list(m.mentions_pinged),
                    "allowed_mentions": m.allowed_mentions,
                }
                for m in self.messages(channel.id)
            ]
            channels.append(data)
        return {
            "now": iso(self.clock.now()),
            "timezone": self.timezone,
            "discord": {
                "guild": {"id": d.guild_id, "name": d.guild_name},
                "application_id": d.application_id,
                "bot_id": d.bot_id,
                "owner_id": d.owner_id,
                "tasks_channel_id": d.tasks_channel_id,
                "heartbeat_channel_id": d.heartbeat_channel_id,
                "users": [
                    {**u.to_json(), "dms_closed": u.dms_closed, "member": u.member}
                    for u in sorted(d.users.values(), key=lambda u: int(u.id))
                ],
                "channels": channels,
            },
            "league": {
                "current": self.current_rows(),
                "teams": [copy.deepcopy(t) for _, t in sorted(self.league.teams.items())],
                "players": [copy.deepcopy(p) for _, p in sorted(self.league.players.items())],
                "transactions": sorted(self.transactions(), key=lambda row: row["id"]),
                "standings": self.standings(),
                "standings_mode": self.league.standings_mode,
                "creators": self.creators(),
                "custom_commands": self.custom_commands(),
            },
            "sheets": {
                key: {"title": s.title, "readable": s.readable, "tabs": copy.deepcopy(s.tabs)}
                for key, s in sorted(self.sheets.spreadsheets.items())
            },
            "scorecards": [
                {"text_channel_id": c.text_channel_id, "sheet_key": c.sheet_key, "publisher_id": c.publisher_id}
                for c in self.scorecards
            ],
        }

    def normalized_snapshot(self) -> JSON:
        """The end state without volatile values, for "converges to the same state".

        Messages lose ids, timestamps, nonces and embed timestamps and are keyed by
        channel name (DMs by `dm:<user id>`); league rows lose `cancelled_at` and
        `updated_at` (kept as "was it set"); the clock is dropped.
        """
        messages: JSON = {}
        for channel in self.discord.channels.values():
            key = f"dm:{channel.recipient_id}" if channel.is_dm else str(channel.name)
            listed = [
                {
                    "author_id": m.author_id,
                    "content": m.content,
                    "embeds": [{k: v for k, v in e.items() if k != "timestamp"} for e in m.embeds],
                    "mentions_pinged": list(m.mentions_pinged),
                    "pinned": m.pinned,
                }
                for m in self.messages(channel.id)
            ]
            if listed or not channel.is_dm:
                messages[key] = listed
        transactions = []
        for row in sorted(self.transactions(), key=lambda r: r["id"]):
            row["cancelled_at"] = row.get("cancelled_at") is not None
            transactions.append(row)
        commands = []
        for row in self.custom_commands():
            row["updated_at"] = row.get("updated_at") is not None
            commands.append(row)
        return {
            "messages": messages,
            "voice_status": {str(c.name): c.voice_status for c in self.guild_channels() if c.is_voice},
            "overwrites": {
                str(c.name): sorted(c.permission_overwrites.values(), key=lambda o: str(o["id"]))
                for c in self.guild_channels()
            },
            "league": {
                "current": self.current_rows(),
                "players": {pid: p.get("team_id") for pid, p in sorted(self.league.players.items())},
                "transactions": transactions,
                "custom_commands": commands,
            },
        }

    def recent_nonce(self, author_id: str, channel_id: str, nonce: str, window: timedelta) -> str | None:
        """Id of the message `author_id` created in `channel_id` with `nonce` within `window`, if any."""
        hit = self.discord.nonces.get((author_id, channel_id, nonce))
        if hit is None or self.clock.now() - hit[1] > window:
            return None
        return hit[0]

    def message_age(self, message_id: str) -> timedelta:
        return self.clock.now() - snowflake_time(message_id)
