"""The live-scores channel as a ``scorebug-tick`` found it (pure).

leaguectl's own messages in it, sorted by :mod:`.identify` into scorebugs,
ledgers and orphans (every other message is counted and left alone), and the
@everyone overwrite that decides whether members see the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from leaguectl.scorebug.identify import LedgerMessage, OrphanScorebug, ScorebugMessage, identify

VIEW_CHANNEL = 1 << 10


@dataclass(frozen=True)
class ChannelView:
    """The live-scores channel: leaguectl's messages in it and the @everyone overwrite."""

    channel_id: str
    guild_id: str
    scorebugs: tuple[ScorebugMessage, ...] = ()
    ledgers: tuple[LedgerMessage, ...] = ()
    orphans: tuple[str, ...] = ()
    left_alone: int = 0
    """Messages of the bot that are not leaguectl's: never touched."""
    everyone_allow: int | None = None
    everyone_deny: int | None = None

    @property
    def visible(self) -> bool | None:
        """True/False when the @everyone overwrite allows/denies viewing; None when it says nothing."""
        if self.everyone_deny is not None and self.everyone_deny & VIEW_CHANNEL:
            return False
        if self.everyone_allow is not None and self.everyone_allow & VIEW_CHANNEL:
            return True
        return None


def _bits(value: object) -> int:
    """A permission bit set as Discord sends it (a decimal string); anything else counts as none."""
    text = str(value or 0)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 20 else 0


def everyone_overwrite(overwrites: object, guild_id: str) -> tuple[int | None, int | None]:
    """(allow, deny) of the channel's @everyone overwrite (its id is the guild's); (None, None) without one."""
    allow: int | None = None
    deny: int | None = None
    for overwrite in overwrites if isinstance(overwrites, list | tuple) else ():
        if isinstance(overwrite, Mapping) and str(overwrite.get("id")) == guild_id:
            allow, deny = _bits(overwrite.get("allow")), _bits(overwrite.get("deny"))
    return allow, deny


def read_channel(
    channel_id: str,
    messages: Iterable[Mapping[str, Any]],
    bot_user_id: str,
    overwrites: object,
    guild_id: str,
) -> ChannelView:
    """Sort the bot's messages into leaguectl's scorebugs, ledgers and orphans; read the overwrite."""
    scorebugs: list[ScorebugMessage] = []
    ledgers: list[LedgerMessage] = []
    orphans: list[str] = []
    left_alone = 0
    for message in messages:
        found = identify(message, guild_id=guild_id, channel_id=channel_id, bot_user_id=bot_user_id)
        if isinstance(found, ScorebugMessage):
            scorebugs.append(found)
        elif isinstance(found, LedgerMessage):
            ledgers.append(found)
        elif isinstance(found, OrphanScorebug):
            orphans.append(found.message_id)
        elif isinstance(message.get("author"), dict) and str(message["author"].get("id")) == bot_user_id:
            left_alone += 1
    allow, deny = everyone_overwrite(overwrites, guild_id)
    return ChannelView(
        channel_id=channel_id,
        guild_id=guild_id,
        scorebugs=tuple(sorted(scorebugs, key=lambda m: (len(m.message_id), m.message_id))),
        ledgers=tuple(sorted(ledgers, key=lambda m: (len(m.message_id), m.message_id))),
        orphans=tuple(orphans),
        left_alone=left_alone,
        everyone_allow=allow,
        everyone_deny=deny,
    )
