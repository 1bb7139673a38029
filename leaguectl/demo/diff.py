"""What a pass changed, in a league admin's words, from two sandbox snapshots.

The demo judges passes by their effect on the simulated world, not by their own
report: `diff_snapshots(before, after)` compares two `SandboxState.snapshot()`
dicts and lists new/edited/deleted messages per channel, DMs, voice statuses,
channel visibility, and league rows (current week and freeze, players moved,
moves cancelled/unfrozen, custom commands warned or deleted).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

VIEW_CHANNEL = 1 << 10
PREVIEW_WIDTH = 90
SHORT_DESCRIPTION = 32
"""An embed description longer than this gives way to the first field in previews (the field says more)."""
MAX_LINES_PER_PLACE = 12
"""More changes than this at one place (channel, DM, league table) are summarised as "… and N more"."""

_MENTION = re.compile(r"<@!?(\d+)>")
_CHANNEL_MENTION = re.compile(r"<#(\d+)>")
_MARKUP = re.compile(r"\*\*|__|~~|`+|\|\|")
_TREE = re.compile(r"^[\s├└│─>•]+")


@dataclass(frozen=True)
class Change:
    """One change: `area` is "guild", "dm" or "league"; `place` where; `kind` what happened; `text` a preview."""

    area: str
    place: str
    kind: str
    text: str = ""

    def to_json(self) -> dict[str, str]:
        return {"area": self.area, "place": self.place, "kind": self.kind, "text": self.text}


# ----------------------------------------------------------------- previews


@dataclass(frozen=True)
class Names:
    """Display names for ids met in previews: users, channels, teams, creators."""

    users: Mapping[str, str]
    channels: Mapping[str, str]
    teams: Mapping[int, str]
    creators: Mapping[int, str]

    @classmethod
    def of(cls, *snapshots: JSON) -> Names:
        users: dict[str, str] = {}
        channels: dict[str, str] = {}
        teams: dict[int, str] = {}
        creators: dict[int, str] = {}
        for snap in snapshots:
            for user in snap["discord"]["users"]:
                users[str(user["id"])] = str(user.get("global_name") or user["username"])
            for channel in snap["discord"]["channels"]:
                if channel.get("name"):
                    channels[str(channel["id"])] = str(channel["name"])
            for team in snap["league"]["teams"]:
                teams[int(team["id"])] = str(team["abbrev"])
            for creator in snap["league"]["creators"]:
                creators[int(creator["id"])] = str(creator.get("username") or creator.get("display_name"))
        return cls(users, channels, teams, creators)

    def user(self, user_id: Any) -> str:
        return self.users.get(str(user_id), str(user_id))

    def team(self, team_id: Any) -> str:
        try:
            return self.teams.get(int(team_id), str(team_id))
        except (TypeError, ValueError):
            return str(team_id)


def clean_line(line: str, names: Names | None = None) -> str:
    """One line of Discord markdown as plain words: no bold/code marks, tree glyphs or raw mentions."""
    if names is not None:
        line = _MENTION.sub(lambda m: "@" + names.user(m.group(1)), line)
        line = _CHANNEL_MENTION.sub(lambda m: "#" + names.channels.get(m.group(1), m.group(1)), line)
    line = _MARKUP.sub("", line)
    line = _TREE.sub("", line)
    return " ".join(line.split())


def _meaningful_lines(text: str, names: Names | None) -> list[str]:
    """Lines with at least one letter or digit (skips code fences and rules of stars)."""
    lines = (clean_line(raw, names) for raw in text.splitlines())
    return [line for line in lines if any(ch.isalnum() for ch in line)]


def shorten(text: str, width: int = PREVIEW_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _embed_preview(embed: JSON, names: Names | None) -> str:
    parts = [clean_line(str(embed.get("title") or ""), names)]
    description = _meaningful_lines(str(embed.get("description") or ""), names)
    if description and (len(description[0]) <= SHORT_DESCRIPTION or not embed.get("fields")):
        parts.append(description[0])
    for field in embed.get("fields") or []:
        value = _meaningful_lines(str(field.get("value") or ""), names)
        if value:
            parts.append(f"{clean_line(str(field.get('name') or ''), names)}: {value[0]}")
            break
    return " — ".join(part for part in parts if part)


def preview(message: JSON, names: Names | None = None) -> str:
    """A one-line preview of a Discord message: its first real line of text, else its first embed."""
    lines = _meaningful_lines(str(message.get("content") or ""), names)
    if lines:
        return shorten(lines[0])
    embeds = message.get("embeds") or []
    if embeds:
        return shorten(_embed_preview(embeds[0], names))
    return "(empty message)"


def edit_preview(old: JSON, new: JSON, names: Names | None = None) -> str:
    """What an edit changed: the message's first line, then its first changed line (or the new embed)."""
    old_lines = _meaningful_lines(str(old.get("content") or ""), names)
    new_lines = _meaningful_lines(str(new.get("content") or ""), names)
    if old_lines != new_lines and new_lines:
        title = new_lines[0]
        changed = next((line for line in new_lines if line not in old_lines), None)
        if changed is None or changed == title:
            return shorten(title)
        return shorten(f"{title} — {changed}")
    embeds = new.get("embeds") or []
    if embeds:
        return shorten(_embed_preview(embeds[0], names))
    return shorten(new_lines[0]) if new_lines else "(now empty)"


# ----------------------------------------------------------------- Discord


def _channel_place(channel: JSON, names: Names) -> tuple[str, str]:
    """(area, place) of a channel: DMs are "DM to <name>", voice channels are marked."""
    if channel.get("type") == 1:
        recipients = channel.get("recipients") or []
        who = names.user(recipients[0]["id"]) if recipients else "someone"
        return "dm", f"DM to {who}"
    name = str(channel.get("name") or channel["id"])
    return "guild", (f"🔊 {name}" if channel.get("type") in (2, 13) else f"#{name}")


def _message_changed(old: JSON, new: JSON) -> bool:
    return bool(old.get("content") != new.get("content") or old.get("embeds") != new.get("embeds"))


def _everyone_hidden(channel: JSON, guild_id: str) -> bool:
    for overwrite in channel.get("permission_overwrites") or []:
        if str(overwrite.get("id")) == guild_id:
            return bool(int(overwrite.get("deny") or 0) & VIEW_CHANNEL)
    return False


def _discord_changes(before: JSON, after: JSON, names: Names) -> list[Change]:
    changes: list[Change] = []
    guild_id = str(after["discord"]["guild"]["id"])
    old_channels = {str(c["id"]): c for c in before["discord"]["channels"]}
    for channel in after["discord"]["channels"]:
        area, place = _channel_place(channel, names)
        old = old_channels.get(str(channel["id"]))
        if old is None and area == "guild":
            changes.append(Change(area, place, "channel created"))
        old_messages = {str(m["id"]): m for m in (old or {}).get("messages", [])}
        new_messages = {str(m["id"]): m for m in channel.get("messages", [])}
        for message_id, message in new_messages.items():
            previous = old_messages.get(message_id)
            if previous is None:
                changes.append(Change(area, place, "sent" if area == "dm" else "new", preview(message, names)))
            elif _message_changed(previous, message):
                changes.append(Change(area, place, "edited", edit_preview(previous, message, names)))
        for message_id, message in old_messages.items():
            if message_id not in new_messages:
                changes.append(Change(area, place, "deleted", preview(message, names)))
        if old is None:
            continue
        if old.get("voice_status") != channel.get("voice_status"):
            status = channel.get("voice_status")
            changes.append(Change(area, place, "status", str(status) if status else "(cleared)"))
        if old.get("permission_overwrites") != channel.get("permission_overwrites"):
            hidden_before, hidden_after = _everyone_hidden(old, guild_id), _everyone_hidden(channel, guild_id)
            if hidden_before != hidden_after:
                changes.append(Change(area, place, "hidden" if hidden_after else "shown", "to @everyone"))
            else:
                changes.append(Change(area, place, "permissions changed"))
    new_ids = {str(c["id"]) for c in after["discord"]["channels"]}
    for channel_id, channel in old_channels.items():
        area, place = _channel_place(channel, names)
        if channel_id not in new_ids and area == "guild":
            changes.append(Change(area, place, "channel deleted"))
    return changes


# ----------------------------------------------------------------- league


def _by_id(rows: Iterable[JSON]) -> dict[Any, JSON]:
    return {row["id"]: row for row in rows}


def _flag_words(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"{field} {'on' if value else 'off'}"
    return f"{field} {value}"


def _current_changes(before: JSON, after: JSON) -> list[Change]:
    changes: list[Change] = []
    old_rows = _by_id(before["league"]["current"])
    for row in after["league"]["current"]:
        old = old_rows.get(row["id"])
        if old is None:
            changes.append(Change("league", "current", "new row", f"season {row.get('season')}"))
            continue
        parts = []
        for key in sorted(set(row) | set(old)):
            if key in ("id", "updated_at") or old.get(key) == row.get(key):
                continue
            if key == "week":
                parts.append(f"week {old.get(key)} → {row.get(key)}")
            elif isinstance(row.get(key), bool):
                parts.append(f"{_flag_words(key, old.get(key))} → {'on' if row.get(key) else 'off'}")
            else:
                parts.append(f"{key} {old.get(key)!r} → {row.get(key)!r}")
        if parts:
            changes.append(Change("league", f"current (season {row.get('season')})", "updated", ", ".join(parts)))
    return changes


def _player_changes(before: JSON, after: JSON, names: Names) -> list[Change]:
    changes: list[Change] = []
    old_rows = _by_id(before["league"]["players"])
    for row in after["league"]["players"]:
        old = old_rows.get(row["id"])
        if old is not None and old.get("team_id") != row.get("team_id"):
            moved = f"{names.team(old.get('team_id'))} → {names.team(row.get('team_id'))}"
            changes.append(Change("league", "players", "moved", f"{row.get('name', row['id'])}: {moved}"))
    return changes


def _move_text(rows: list[JSON], players: Mapping[Any, JSON], names: Names) -> str:
    parts = []
    for row in rows:
        player = players.get(row.get("player_id"), {})
        who = player.get("name", f"player {row.get('player_id')}")
        parts.append(f"{who} {names.team(row.get('oldteam_id'))} → {names.team(row.get('newteam_id'))}")
    return ", ".join(parts)


def _transaction_changes(before: JSON, after: JSON, names: Names) -> list[Change]:
    old_rows = _by_id(before["league"]["transactions"])
    players = _by_id(after["league"]["players"])
    changed: dict[str, list[tuple[JSON | None, JSON]]] = defaultdict(list)
    for row in after["league"]["transactions"]:
        old = old_rows.get(row["id"])
        if old is None or old.get("cancelled") != row.get("cancelled") or old.get("frozen") != row.get("frozen"):
            changed[str(row.get("moveid"))].append((old, row))
    changes: list[Change] = []
    for pairs in changed.values():
        rows = [row for _, row in pairs]
        old = pairs[0][0]
        row = pairs[0][1]
        if old is None:
            kind = "new move"
        elif row.get("cancelled") and not old.get("cancelled"):
            kind = "cancelled"
        elif old.get("frozen") and not row.get("frozen"):
            kind = "unfrozen"
        elif row.get("frozen") and not old.get("frozen"):
            kind = "frozen"
        else:
            kind = "un-cancelled"
        changes.append(Change("league", "transactions", kind, _move_text(rows, players, names)))
    new_ids = {row["id"] for row in after["league"]["transactions"]}
    gone = [row for row_id, row in old_rows.items() if row_id not in new_ids]
    if gone:
        changes.append(Change("league", "transactions", "removed", _move_text(gone, players, names)))
    return changes


def _command_changes(before: JSON, after: JSON, names: Names) -> list[Change]:
    changes: list[Change] = []
    new_rows = _by_id(after["league"]["custom_commands"])

    def label(row: JSON) -> str:
        creator = names.creators.get(int(row.get("creator_id") or 0))
        return f"/{row.get('name')}" + (f" (by {creator})" if creator else "")

    for command_id, old in _by_id(before["league"]["custom_commands"]).items():
        row = new_rows.get(command_id)
        if row is None:
            changes.append(Change("league", "custom commands", "deleted", label(old)))
            continue
        if row.get("warning_sent") and not old.get("warning_sent"):
            changes.append(Change("league", "custom commands", "warned", label(row)))
        elif old.get("warning_sent") and not row.get("warning_sent"):
            changes.append(Change("league", "custom commands", "warning reset", label(row)))
        if old.get("is_active") and not row.get("is_active"):
            changes.append(Change("league", "custom commands", "deactivated", label(row)))
    old_ids = {row["id"] for row in before["league"]["custom_commands"]}
    for command_id, row in new_rows.items():
        if command_id not in old_ids:
            changes.append(Change("league", "custom commands", "created", label(row)))
    return changes


def _team_changes(before: JSON, after: JSON, names: Names) -> list[Change]:
    old_rows = _by_id(before["league"]["teams"])
    changes = []
    for row in after["league"]["teams"]:
        old = old_rows.get(row["id"])
        if old is not None and old != row:
            fields = sorted(key for key in set(row) | set(old) if old.get(key) != row.get(key))
            changes.append(Change("league", "teams", "updated", f"{names.team(row['id'])}: {', '.join(fields)}"))
    return changes


# ----------------------------------------------------------------- entry point


def diff_snapshots(before: JSON, after: JSON) -> list[Change]:
    """Every change from `before` to `after` (two `SandboxState.snapshot()` dicts), guild first."""
    names = Names.of(before, after)
    return [
        *_discord_changes(before, after, names),
        *_current_changes(before, after),
        *_player_changes(before, after, names),
        *_transaction_changes(before, after, names),
        *_command_changes(before, after, names),
        *_team_changes(before, after, names),
    ]


def condensed(changes: list[Change], limit: int = MAX_LINES_PER_PLACE) -> list[Change]:
    """At most `limit` changes per (area, place); the rest become one "… and N more" line."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    result: list[Change] = []
    for change in changes:
        key = (change.area, change.place)
        counts[key] += 1
        if counts[key] <= limit:
            result.append(change)
    for (area, place), count in counts.items():
        if count > limit:
            position = max(i for i, c in enumerate(result) if (c.area, c.place) == (area, place))
            result.insert(position + 1, Change(area, place, "…", f"and {count - limit} more"))
    return result
