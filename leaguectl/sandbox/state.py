"""The simulated world: Discord guild, league database and spreadsheets.

`SandboxState` is built from a scenario dict (schema in `README.md` next to
this file) and mutated by the HTTP handlers. Tests read it through the helper
methods at the bottom of `SandboxState` (`messages("transaction-log")`,
`current()`, `transactions(moveid=...)`, ...) and compare whole worlds with
`snapshot()` / `normalized_snapshot()`.

League rows are kept flat, the way a database keeps them (`player_id`,
`oldteam_id`, ...); the league handlers nest them into API objects on the way
out. Discord ids are strings, league ids are ints, as on the wire.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from leaguectl.sandbox.cells import sheet_grid
from leaguectl.sandbox.clock import SandboxClock, SnowflakeMinter, iso, snowflake_time
from leaguectl.sandbox.discord_rules import compute_pings
from leaguectl.sandbox.errors import ScenarioError as ScenarioError  # re-exported: its historical home

CHANNEL_TYPES = {"text": 0, "dm": 1, "voice": 2, "category": 4, "announcement": 5, "stage": 13, "forum": 15}
TEXT_TYPES = (0, 5)
VOICE_TYPES = (2, 13)
DM_TYPE = 1
DENIABLE = ("view", "send", "history", "manage_messages", "manage_roles", "voice_status")
DENIED_PERMISSION_BITS = {
    "view": 1 << 10,
    "send": 1 << 11,
    "history": 1 << 16,
    "manage_messages": 1 << 13,
    "manage_roles": 1 << 28,
    "voice_status": 1 << 48,
}
"""What a scenario can deny the bot per channel (`bot_denied`): see README."""

DEFAULT_DISCORD_TOKEN = "sandbox-discord-token"
DEFAULT_LEAGUE_TOKEN = "sandbox-league-token"
DEFAULT_GUILD_ID = "1100000000000000000"
DEFAULT_BOT_ID = "1100000000000000001"
DEFAULT_OWNER_ID = "1100000000000000002"
STANDINGS_MODES = ("ok", "error", "empty")

JSON = dict[str, Any]


@dataclass
class User:
    id: str
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_closed: bool = False
    member: bool = True
    joined_at: str | None = None

    def to_json(self) -> JSON:
        data: JSON = {
            "id": self.id,
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Channel:
    id: str
    type: int
    name: str | None
    guild_id: str | None
    position: int = 0
    parent_id: str | None = None
    topic: str | None = None
    permission_overwrites: dict[str, JSON] = field(default_factory=dict)
    bot_denied: set[str] = field(default_factory=set)
    voice_status: str | None = None
    recipient_id: str | None = None

    @property
    def is_dm(self) -> bool:
        return self.type == DM_TYPE

    @property
    def is_voice(self) -> bool:
        return self.type in VOICE_TYPES

    @property
    def accepts_messages(self) -> bool:
        return self.type in TEXT_TYPES or self.is_dm


@dataclass
class Message:
    id: str
    channel_id: str
    author_id: str
    content: str
    embeds: list[JSON]
    timestamp: datetime
    edited_timestamp: datetime | None = None
    nonce: str | int | None = None
    allowed_mentions: JSON | None = None
    mentions_pinged: list[str] = field(default_factory=list)
    edit_limited: bool = False
    pinned: bool = False
    flags: int = 0


@dataclass
class DiscordState:
    token: str
    guild_id: str
    guild_name: str
    application_id: str
    bot_id: str
    owner_id: str
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    deleted: list[Message] = field(default_factory=list)
    nonces: dict[tuple[str, str, str], tuple[str, datetime]] = field(default_factory=dict)
    tasks_channel_id: str | None = None
    heartbeat_channel_id: str | None = None
    banned: bool = False

    @property
    def bot_role_id(self) -> str:
        """The bot's managed role (simulated; one past the guild id's neighbourhood)."""
        return str(int(self.guild_id) + 999)


@dataclass
class LeagueState:
    token: str
    current: list[JSON] = field(default_factory=list)
    teams: dict[int, JSON] = field(default_factory=dict)
    players: dict[int, JSON] = field(default_factory=dict)
    transactions: list[JSON] = field(default_factory=list)
    standings: list[JSON] = field(default_factory=list)
    standings_mode: str = "ok"
    creators: dict[int, JSON] = field(default_factory=dict)
    custom_commands: dict[int, JSON] = field(default_factory=dict)
    custom_commands_default_limit: int | None = None


@dataclass
class Spreadsheet:
    key: str
    title: str
    tabs: dict[str, list[list[Any]]]
    readable: bool = True


@dataclass
class SheetsState:
    spreadsheets: dict[str, Spreadsheet] = field(default_factory=dict)
    tokens: dict[str, datetime] = field(default_factory=dict)


@dataclass
class Scorecard:
    text_channel_id: str
    sheet_key: str
    publisher_id: str
    published_at: datetime


@dataclass
class VoiceLink:
    voice_channel_id: str
    text_channel_id: str
    creator_id: str
    type: str
    created_at: datetime


# --------------------------------------------------------------------- helpers


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


def _need(entry: JSON, key: str, where: str) -> Any:
    if key not in entry:
        raise ScenarioError(f"{where}: missing required key {key!r}")
    return entry[key]


def _int_id(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ScenarioError(f"{where}: id {value!r} is not an integer")
    try:
        return int(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: id {value!r} is not an integer") from exc


def _fixed_snowflake(seed: str) -> str:
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
        self.league = self._load_league(scenario.get("league") or {})
        self.sheets = self._load_sheets(scenario.get("sheets") or {})
        self.scorecards = self._load_scorecards(scenario.get("scorecards") or [])
        self.voice_links = self._load_voice_links(scenario.get("voice_links") or [])
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
            application_id=str(data.get("application_id", _need(bot, "id", "discord.bot"))),
            bot_id=str(_need(bot, "id", "discord.bot")),
            owner_id=str(_need(owner, "id", "discord.owner")),
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
            self._seed_message(self._channel_ref(_need(message, "channel", where), where).id, message, where)
        for number, dm in enumerate(data.get("dms") or []):
            where = f"discord.dms[{number}]"
            channel = self.open_dm(self._user_ref(_need(dm, "user", where), where))
            self._seed_message(channel.id, dm, where)
        for key, attr in (("tasks_channel", "tasks_channel_id"), ("heartbeat_channel", "heartbeat_channel_id")):
            if data.get(key) is not None:
                setattr(state, attr, self._channel_ref(data[key], f"discord.{key}").id)
        return state

    def _add_user(self, data: JSON, where: str) -> None:
        user_id = str(_need(data, "id", where))
        self.minter.reserve(user_id)
        self.discord.users[user_id] = User(
            id=user_id,
            username=str(_need(data, "username", where)),
            global_name=data.get("global_name"),
            bot=bool(data.get("bot", False)),
            dms_closed=bool(data.get("dms_closed", False)),
            member=bool(data.get("member", True)),
            joined_at=data.get("joined_at"),
        )

    def _add_channel(self, data: JSON, number: int, where: str) -> None:
        name = str(_need(data, "name", where))
        kind = data.get("type", "text")
        channel_type = CHANNEL_TYPES.get(kind) if isinstance(kind, str) else kind
        if not isinstance(channel_type, int) or channel_type == DM_TYPE:
            raise ScenarioError(f"{where}: unknown channel type {kind!r}")
        denied = set(data.get("bot_denied") or [])
        unknown = denied - set(DENIABLE)
        if unknown:
            raise ScenarioError(f"{where}: bot_denied has unknown entries {sorted(unknown)}; allowed: {DENIABLE}")
        channel_id = str(data.get("id") or _fixed_snowflake(f"channel:{name}:{number}"))
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

    def _load_league(self, data: JSON) -> LeagueState:
        league = LeagueState(token=str(data.get("api_token", DEFAULT_LEAGUE_TOKEN)))
        mode = data.get("standings_mode", "ok")
        if mode not in STANDINGS_MODES:
            raise ScenarioError(f"league.standings_mode: {mode!r} is not one of {STANDINGS_MODES}")
        league.standings_mode = mode
        league.custom_commands_default_limit = data.get("custom_commands_default_limit")
        for number, row in enumerate(data.get("current") or []):
            where = f"league.current[{number}]"
            for key in ("id", "week", "season"):
                _need(row, key, where)
            league.current.append({"id": _int_id(row["id"], where), **CURRENT_DEFAULTS, **row})
        for number, row in enumerate(data.get("teams") or []):
            where = f"league.teams[{number}]"
            for key in ("id", "abbrev", "sname", "lname", "season"):
                _need(row, key, where)
            league.teams[_int_id(row["id"], where)] = {**TEAM_DEFAULTS, **row}
        for number, row in enumerate(data.get("players") or []):
            where = f"league.players[{number}]"
            for key in ("id", "name", "wara", "season", "pos_1"):
                _need(row, key, where)
            league.players[_int_id(row["id"], where)] = {"team_id": None, **row}
        for number, row in enumerate(data.get("transactions") or []):
            where = f"league.transactions[{number}]"
            for key in ("id", "week", "season", "moveid", "player_id", "oldteam_id", "newteam_id"):
                _need(row, key, where)
            league.transactions.append({"cancelled": False, "frozen": False, "cancelled_at": None, **row})
        for number, row in enumerate(data.get("standings") or []):
            where = f"league.standings[{number}]"
            for key in ("team_id", "wins", "losses"):
                _need(row, key, where)
            defaults: JSON = dict.fromkeys(STANDINGS_NUMBERS, 0)
            defaults.update({"id": number + 1, "streak_wl": "w", "div_gb": None, "wc_gb": None})
            defaults.update({"div_e_num": None, "wc_e_num": None})
            league.standings.append({**defaults, **row})
        for number, row in enumerate(data.get("creators") or []):
            where = f"league.creators[{number}]"
            for key in ("id", "discord_id", "username", "created_at"):
                _need(row, key, where)
            league.creators[_int_id(row["id"], where)] = {"display_name": None, **row}
        for number, row in enumerate(data.get("custom_commands") or []):
            where = f"league.custom_commands[{number}]"
            for key in ("id", "name", "content", "created_at"):
                _need(row, key, where)
            league.custom_commands[_int_id(row["id"], where)] = {**COMMAND_DEFAULTS, **row}
        return league

    def _load_sheets(self, data: JSON) -> SheetsState:
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

    def _load_scorecards(self, data: list[JSON]) -> list[Scorecard]:
        cards = []
        for number, entry in enumerate(data):
            where = f"scorecards[{number}]"
            cards.append(
                Scorecard(
                    text_channel_id=self._channel_ref(_need(entry, "text_channel", where), where).id,
                    sheet_key=str(_need(entry, "sheet_key", where)),
                    publisher_id=str(entry.get("publisher_id", self.discord.owner_id)),
                    published_at=parse_time(entry.get("published_at", self.clock.now()), where),
                )
            )
        return cards

    def _load_voice_links(self, data: list[JSON]) -> list[VoiceLink]:
        links = []
        for number, entry in enumerate(data):
            where = f"voice_links[{number}]"
            links.append(
                VoiceLink(
                    voice_channel_id=self._channel_ref(_need(entry, "voice_channel", where), where).id,
                    text_channel_id=self._channel_ref(_need(entry, "text_channel", where), where).id,
                    creator_id=str(entry.get("creator_id", self.discord.owner_id)),
                    type=str(entry.get("type", "public")),
                    created_at=parse_time(entry.get("created_at", self.clock.now()), where),
                )
            )
        return links

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
        channel_id = _fixed_snowflake(f"dm:{user_id}")
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
        """The Discord API's message object."""
        author = self.discord.users.get(message.author_id) or User(message.author_id, "unknown")
        everyone = any(p in ("everyone", "here") for p in message.mentions_pinged)
        mentioned = [
            self.discord.users[p[5:]].to_json()
            for p in message.mentions_pinged
            if p.startswith("user:") and p[5:] in self.discord.users
        ]
        data: JSON = {
            "id": message.id,
            "type": 0,
            "channel_id": message.channel_id,
            "author": author.to_json(),
            "content": message.content,
            "embeds": copy.deepcopy(message.embeds),
            "attachments": [],
            "components": [],
            "timestamp": iso(message.timestamp),
            "edited_timestamp": None if message.edited_timestamp is None else iso(message.edited_timestamp),
            "tts": False,
            "mention_everyone": everyone,
            "mentions": mentioned,
            "mention_roles": [p[5:] for p in message.mentions_pinged if p.startswith("role:")],
            "pinned": message.pinned,
            "flags": message.flags,
        }
        if message.nonce is not None:
            data["nonce"] = message.nonce
        return data

    def _overwrites_json(self, channel: Channel) -> list[JSON]:
        """Stored overwrites, plus the bot's member overwrite: explicit access, minus `bot_denied`.

        The explicit allow mirrors how leagues set up their bot: it keeps its access to a
        channel it hides from @everyone.
        """
        overwrites: list[JSON] = list(copy.deepcopy(channel.permission_overwrites).values())
        deny = sum(DENIED_PERMISSION_BITS[name] for name in channel.bot_denied)
        allow = sum(DENIED_PERMISSION_BITS.values()) & ~deny
        overwrites.append({"id": self.discord.bot_id, "type": 1, "allow": str(allow), "deny": str(deny)})
        return overwrites

    def channel_json(self, channel: Channel) -> JSON:
        """The Discord API's channel object."""
        last = [m for m in self.discord.messages.values() if m.channel_id == channel.id]
        last_id = max((int(m.id) for m in last), default=None)
        if channel.is_dm:
            recipient = self.discord.users.get(channel.recipient_id or "")
            return {
                "id": channel.id,
                "type": DM_TYPE,
                "last_message_id": None if last_id is None else str(last_id),
                "flags": 0,
                "recipients": [] if recipient is None else [recipient.to_json()],
            }
        data: JSON = {
            "id": channel.id,
            "type": channel.type,
            "guild_id": channel.guild_id,
            "name": channel.name,
            "position": channel.position,
            "parent_id": channel.parent_id,
            "permission_overwrites": self._overwrites_json(channel),
            "nsfw": False,
            "flags": 0,
        }
        if channel.type in TEXT_TYPES:
            data["topic"] = channel.topic
            data["last_message_id"] = None if last_id is None else str(last_id)
            data["rate_limit_per_user"] = 0
        if channel.is_voice:
            data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
        return data

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
