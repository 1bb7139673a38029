"""Channels as people read them (``#gameday-1``) in reports, logs and ``scorecards list``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from leaguectl.scorebug.embed import plain_line

NAME_LIMIT = 100
"""Discord's limit on a channel name."""


def channel_names(channels: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """channel id → name, for the guild's channels as ``GET /guilds/{id}/channels`` lists them."""
    names: dict[str, str] = {}
    for channel in channels:
        name = channel.get("name")
        if isinstance(name, str) and name.strip():
            names[str(channel.get("id"))] = plain_line(name, NAME_LIMIT)
    return names


def channel_label(names: Mapping[str, str], channel_id: str) -> str:
    """``#name`` for a channel of the guild; the id, said as such, for one the guild does not have (any more)."""
    name = names.get(channel_id)
    return f"#{name}" if name else f"channel {channel_id} (not in the guild)"


@dataclass
class Labels:
    """Channel ids → how a person reads them in this pass's report (``#gameday-1``)."""

    names: dict[str, str]

    def __call__(self, channel_id: str | None) -> str | None:
        return channel_label(self.names, channel_id) if channel_id else None
