"""The bot's own Discord messages, read as idempotency markers.

leaguectl keeps no local state: whether a step of freeze-begin or thaw is
already done is read back from what the bot posted. This module turns raw
Discord message objects into :class:`BotMessage` (only messages authored by
the bot itself) and reads them through the channel history after a given
instant, using snowflake times so the answer does not depend on clocks of
other machines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from leaguectl.transactions.messages import log_embed_moveid, parse_freeze_announcement, parse_thaw_announcement

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient

__all__ = ["BotMessage", "bot_messages", "messages_since", "read_bot_messages"]


@dataclass(frozen=True)
class BotMessage:
    """A message the bot itself authored."""

    id: str
    created: datetime
    content: str
    embeds: tuple[Mapping[str, Any], ...] = field(default=())

    @property
    def freeze_week(self) -> int | None:
        return parse_freeze_announcement(self.content)

    @property
    def thaw_week(self) -> int | None:
        return parse_thaw_announcement(self.content)

    @property
    def logged_moveids(self) -> tuple[str, ...]:
        found = (log_embed_moveid(embed) for embed in self.embeds)
        return tuple(moveid for moveid in found if moveid is not None)


def bot_messages(raw: Iterable[Mapping[str, Any]], bot_id: str) -> list[BotMessage]:
    """The messages in ``raw`` authored by ``bot_id``, oldest first."""
    from leaguectl.discord_limits import snowflake_time

    found: list[BotMessage] = []
    for message in raw:
        author = message.get("author")
        if not isinstance(author, Mapping) or str(author.get("id")) != bot_id:
            continue
        embeds = message.get("embeds")
        found.append(
            BotMessage(
                id=str(message["id"]),
                created=snowflake_time(str(message["id"])),
                content=str(message.get("content") or ""),
                embeds=tuple(e for e in embeds if isinstance(e, Mapping)) if isinstance(embeds, list) else (),
            )
        )
    return sorted(found, key=lambda m: int(m.id))


def read_bot_messages(
    discord: DiscordClient, channel_id: str, bot_id: str, *, since: datetime, limit: int | None = None
) -> list[BotMessage]:
    """The bot's messages in a channel minted at or after ``since``, oldest first."""
    from leaguectl.discord_limits import snowflake_at

    after = str(max(0, int(snowflake_at(since)) - 1))  # exclusive bound: keep messages minted at ``since``
    found = bot_messages(discord.iter_messages(channel_id, after=after, limit=limit), bot_id)
    return [message for message in found if message.created >= since]


def messages_since(messages: Sequence[BotMessage], moment: datetime) -> list[BotMessage]:
    """The messages created at or after ``moment``."""
    return [message for message in messages if message.created >= moment]
