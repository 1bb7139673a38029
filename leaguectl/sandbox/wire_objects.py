"""The Discord API's message and channel objects, built from the world's records.

What the simulated Discord answers with, and what `SandboxState.snapshot()`
lists: the message object (author, mentions worked out from what pinged) and
the channel object (DM or guild, with the bot's own member overwrite).
"""

from __future__ import annotations

import copy

from leaguectl.sandbox.clock import iso
from leaguectl.sandbox.world import (
    DENIED_PERMISSION_BITS,
    DM_TYPE,
    JSON,
    TEXT_TYPES,
    Channel,
    DiscordState,
    Message,
    User,
)


def message_json(discord: DiscordState, message: Message) -> JSON:
    """The Discord API's message object."""
    author = discord.users.get(message.author_id) or User(message.author_id, "unknown")
    everyone = any(p in ("everyone", "here") for p in message.mentions_pinged)
    mentioned = [
        discord.users[p[5:]].to_json()
        for p in message.mentions_pinged
        if p.startswith("user:") and p[5:] in discord.users
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


def overwrites_json(discord: DiscordState, channel: Channel) -> list[JSON]:
    """Stored overwrites, plus the bot's member overwrite: explicit access, minus `bot_denied`.

    The explicit allow mirrors how leagues set up their bot: it keeps its access to a
    channel it hides from @everyone.
    """
    overwrites: list[JSON] = list(copy.deepcopy(channel.permission_overwrites).values())
    deny = sum(DENIED_PERMISSION_BITS[name] for name in channel.bot_denied)
    allow = sum(DENIED_PERMISSION_BITS.values()) & ~deny
    overwrites.append({"id": discord.bot_id, "type": 1, "allow": str(allow), "deny": str(deny)})
    return overwrites


def channel_json(discord: DiscordState, channel: Channel) -> JSON:
    """The Discord API's channel object."""
    last = [m for m in discord.messages.values() if m.channel_id == channel.id]
    last_id = max((int(m.id) for m in last), default=None)
    if channel.is_dm:
        recipient = discord.users.get(channel.recipient_id or "")
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
        "permission_overwrites": overwrites_json(discord, channel),
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
