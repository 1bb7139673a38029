"""The records the simulated world is made of: users, channels, messages, league rows, sheets.

Plain dataclasses and the constants that describe them (Discord's channel types,
what a scenario may deny the bot). `SandboxState` in `state.py` holds them and
is what tests read; they live here so the loaders and the API-object builders
beside it can use them without importing the state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
