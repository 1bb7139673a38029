"""The exact texts and embeds of the weekly transaction cycle (reference/league.md §3.4–3.5).

Every user-visible string here reproduces the reference bot byte for byte,
because GMs and admins know these messages. Parsers live next to their
builders: freeze-begin and thaw recognise their own earlier messages (their
idempotency markers) by rebuilding the exact text, never by fuzzy matching.

One deliberate addition: a thaw winner's transaction-log embed carries the
footer ``Move <moveid>``. It is the durable marker that says "this move was
already logged" when a thaw is resumed after a crash, and it lets admins trace
a log entry back to the league API rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leaguectl.models import Team, Transaction

__all__ = [
    "DIVISION_WEEKS",
    "INFO_COLOR",
    "WEEKLY_INFO_NOTICE",
    "cancellation_dm",
    "freeze_announcement",
    "is_weekly_info_text",
    "log_embed_moveid",
    "parse_freeze_announcement",
    "parse_thaw_announcement",
    "thaw_announcement",
    "transaction_log_embed",
    "weekly_info_messages",
    "weekly_info_season_line",
]

#: EmbedColors.INFO of the reference, used when a team has no readable colour.
INFO_COLOR = 0x17A2B8
#: Weeks whose second game is played at night (the reference's "division weeks").
DIVISION_WEEKS = frozenset({1, 3, 6, 14, 16, 18})
#: Last week of spring and last week of summer (reference constants, independent of WEEKS_PER_SEASON).
SPRING_LAST_WEEK = 5
SUMMER_LAST_WEEK = 14

WEEKLY_INFO_NOTICE = (
    "Each team has manage permissions in their home ballpark. They may pin messages and rename the channel.\n"
    "\n"
    "**Make sure your ballpark starts with your team abbreviation.**"
)
_NIGHT = "🌙 Night"
_DAY = "🌞 Day"
_WEEKLY_INFO_SEASON = re.compile(r"\*\*Season\*\*: [^\n]+\n\*\*Time of Day\*\*: [^\n]+")

_FREEZE_STARS = 32
_THAW_STARS = 30
_FREEZE_TITLE = "Freeze Period Begins"
_THAW_TITLE = "Freeze Period Ends"
_ANNOUNCEMENT_WEEK = re.compile(r"\A```\n\*+\n *Week (\d+) Freeze Period (?:Begins|Ends)\n\*+\n```\Z")

_FIELD_VALUE_LIMIT = 1024
_MOVE_FOOTER_PREFIX = "Move "


# --- announcements ------------------------------------------------------------


def _announcement(week: int, stars: int, title: str) -> str:
    lines = ["```", "*" * stars, f"{f'Week {week}':>9} {title}", "*" * stars, "```"]
    return "\n".join(lines)


def freeze_announcement(week: int) -> str:
    """The Monday announcement: a code block, 32 asterisks, ``Week N`` right-aligned to 9."""
    return _announcement(week, _FREEZE_STARS, _FREEZE_TITLE)


def thaw_announcement(week: int) -> str:
    """The Saturday announcement: like the freeze one with 30 asterisks and "Ends"."""
    return _announcement(week, _THAW_STARS, _THAW_TITLE)


def _parse_announcement(content: str, build: Any) -> int | None:
    found = _ANNOUNCEMENT_WEEK.match(content)
    if not found:
        return None
    week = int(found.group(1))
    return week if build(week) == content else None


def parse_freeze_announcement(content: str) -> int | None:
    """The week of an exact freeze announcement, else None."""
    return _parse_announcement(content, freeze_announcement)


def parse_thaw_announcement(content: str) -> int | None:
    """The week of an exact thaw announcement, else None."""
    return _parse_announcement(content, thaw_announcement)


# --- weekly info ----------------------------------------------------------------


def weekly_info_season_line(week: int) -> str:
    """Message 2 of the weekly info: the season and the four games' time of day."""
    if week <= SPRING_LAST_WEEK:
        season = "🌼 **Spring**"
    elif week > SUMMER_LAST_WEEK:
        season = "🍂 **Fall**"
    else:
        season = "🏖️ **Summer**"
    second = _NIGHT if week in DIVISION_WEEKS else _DAY
    games = " / ".join((_NIGHT, second, _NIGHT, _DAY))
    return f"**Season**: {season}\n**Time of Day**: {games}"


def weekly_info_messages(week: int) -> tuple[str, str]:
    """Both weekly-info messages of ``week``, in posting order."""
    return (WEEKLY_INFO_NOTICE, weekly_info_season_line(week))


def is_weekly_info_text(content: str) -> bool:
    """Whether a message of ours is a weekly-info message (of any week)."""
    return content == WEEKLY_INFO_NOTICE or _WEEKLY_INFO_SEASON.fullmatch(content) is not None


# --- thaw: transaction log and cancellation DM ----------------------------------------


def _logged_team(row: Transaction) -> Team:
    """The team a log entry is about: the acquirer unless it is FA or an injured list."""

    def eligible(team: Team) -> bool:
        return team.abbrev.upper() != "FA" and "IL" not in team.abbrev

    if eligible(row.newteam):
        return row.newteam
    if eligible(row.oldteam):
        return row.oldteam
    return row.newteam


def _move_lines(rows: Sequence[Transaction]) -> list[str]:
    return [
        f"**{row.player.name}** ({row.player.wara:.2f}) from {row.oldteam.abbrev} to {row.newteam.abbrev}\n"
        for row in rows
    ]


def _move_fields(rows: Sequence[Transaction]) -> list[dict[str, Any]]:
    """One ``Player Moves`` field; a very long move continues in further fields of the same name."""
    values: list[str] = []
    current = ""
    for line in _move_lines(rows):
        if current and len(current) + len(line) > _FIELD_VALUE_LIMIT:
            values.append(current)
            current = ""
        current += line
    values.append(current)
    return [{"name": "Player Moves", "value": value, "inline": False} for value in values]


def transaction_log_embed(moveid: str, rows: Sequence[Transaction], now: datetime) -> dict[str, Any]:
    """The transaction-log embed of one accepted move (rows in id order)."""
    if not rows:
        raise ValueError(f"move {moveid} has no rows to log")
    first = rows[0]
    team = _logged_team(first)
    return {
        "title": f"Week {first.week} Transaction",
        "description": team.sname,
        "color": team.color_int(INFO_COLOR),
        "fields": _move_fields(rows),
        "footer": {"text": f"{_MOVE_FOOTER_PREFIX}{moveid}"},
        "timestamp": now.isoformat(),
    }


def log_embed_moveid(embed: object) -> str | None:
    """The moveid a transaction-log embed of ours was posted for, else None."""
    if not isinstance(embed, dict):
        return None
    footer = embed.get("footer")
    text = footer.get("text") if isinstance(footer, dict) else None
    if isinstance(text, str) and text.startswith(_MOVE_FOOTER_PREFIX) and len(text) > len(_MOVE_FOOTER_PREFIX):
        return text[len(_MOVE_FOOTER_PREFIX) :]
    return None


def _name_list(names: Sequence[str]) -> str:
    bold = [f"**{name}**" for name in names]
    if len(bold) <= 1:
        return "".join(bold)
    return f"{', '.join(bold[:-1])} and {bold[-1]}"


def cancellation_dm(player_names: Sequence[str]) -> str:
    """The DM to a GM whose move lost: names the player(s) another team was granted."""
    if not player_names:
        raise ValueError("a cancellation DM names at least one player")
    return (
        f"Your transaction for {_name_list(player_names)} has been cancelled because another team "
        "successfully claimed them during the freeze period."
    )
