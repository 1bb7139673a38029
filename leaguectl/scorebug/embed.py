"""The compact scorebug embed, its win-probability bar and the voice-channel status text.

Formats are the league bot's (league.md §3.8.2 and §3.8.3), character for
character, so the channel looks the same after the switch to leaguectl.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leaguectl.scorebug.parse import Player, Scorebug

EVEN_GAME_COLOR = 0x17A2B8
"""Embed colour when neither team is favoured (win probability exactly 50%)."""

BAR_LENGTH = 10
DARK = "▓"
LIGHT = "░"
OCCUPIED = "●"
EMPTY = "○"
FINAL_SUFFIX = " - FINAL"
TITLE_LIMIT = 256
"""Discord's embed title limit; a longer sheet header is cut rather than failing the post."""

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class TeamLook:
    """What the embed needs from a team: its abbreviation and colour."""

    abbrev: str
    color: int


def win_probability_bar(win_percentage: float, away: str, home: str, length: int = BAR_LENGTH) -> str:
    """The bar of the ``Win Probability`` field; ``win_percentage`` is the home team's.

    Dark blocks lean toward the favoured side and the arrow points from it:
    ``POR ░░░▓▓▓▓▓▓▓► WV  75.0%``, ``75.0% POR ◄▓▓▓▓▓▓▓▓░░ WV``,
    ``50.0% POR =▓▓▓▓▓▓▓▓▓▓= WV  50.0%``. Values outside 0-100 keep the bar
    at ``length`` blocks.
    """
    home_blocks = min(max(int(win_percentage / 100 * length), 0), length)
    away_blocks = length - home_blocks
    if win_percentage > 50:
        return f"{away} {LIGHT * away_blocks}{DARK * home_blocks}► {home}  {win_percentage:.1f}%"
    if win_percentage < 50:
        return f"{100 - win_percentage:.1f}% {away} ◄{DARK * away_blocks}{LIGHT * home_blocks} {home}"
    return f"{win_percentage:.1f}% {away} ={DARK * length}= {home}  {win_percentage:.1f}%"


def _base(runner: Player) -> str:
    return OCCUPIED if runner.name else EMPTY


def inning_text(scorebug: Scorebug) -> str:
    """``▲ 7`` / ``▼ 7`` while live; ``F/9`` once final (``F/8`` when it ended in a top half)."""
    if scorebug.is_final:
        last = scorebug.inning if scorebug.which_half.strip() == "Bot" else scorebug.inning - 1
        return f"F/{last}"
    return f"{'▲' if scorebug.is_top else '▼'} {scorebug.inning}"


def outs_text(scorebug: Scorebug) -> str:
    """``1 Out`` / ``2 Outs``; empty once final."""
    if scorebug.is_final:
        return ""
    return f"{scorebug.outs} Out" if scorebug.outs == 1 else f"{scorebug.outs} Outs"


def game_state_lines(scorebug: Scorebug, away: str, home: str) -> tuple[str, str]:
    """The two lines of the ``Game State`` block: score, bases diamond, inning and outs."""
    first = f"{away:^4}{scorebug.away_score:^3}   {_base(scorebug.on_second)}{inning_text(scorebug):>10}"
    second = (
        f"{home:^4}{scorebug.home_score:^3} {_base(scorebug.on_third)}   {_base(scorebug.on_first)}"
        f"{outs_text(scorebug):>8}"
    )
    return first, second


def game_state_block(scorebug: Scorebug, away: str, home: str) -> str:
    first, second = game_state_lines(scorebug, away, home)
    return f"```\n{first}\n{second}\n```"


def embed_color(scorebug: Scorebug, away: TeamLook, home: TeamLook) -> int:
    """The favoured team's colour (by win probability, not by score); even → :data:`EVEN_GAME_COLOR`."""
    if scorebug.win_percentage > 50:
        return home.color
    if scorebug.win_percentage < 50:
        return away.color
    return EVEN_GAME_COLOR


def scorebug_embed(scorebug: Scorebug, away: TeamLook, home: TeamLook, *, footer: str | None = None) -> JsonObject:
    """The compact embed: header as title, colour by win probability, bar and game state fields."""
    embed: JsonObject = {}
    if scorebug.header:
        embed["title"] = scorebug.header[:TITLE_LIMIT]
    embed["color"] = embed_color(scorebug, away, home)
    embed["fields"] = [
        {
            "name": "Win Probability",
            "value": win_probability_bar(scorebug.win_percentage, away.abbrev, home.abbrev),
            "inline": False,
        },
        {"name": "Game State", "value": game_state_block(scorebug, away.abbrev, home.abbrev), "inline": False},
    ]
    if footer:
        embed["footer"] = {"text": footer}
    return embed


def voice_status(scorebug: Scorebug, away: str, home: str) -> str:
    """``BOS 4 @ 3 NYY`` while live, ``BOS 4 @ 3 NYY - FINAL`` once final."""
    text = f"{away} {scorebug.away_score} @ {scorebug.home_score} {home}"
    return text + FINAL_SUFFIX if scorebug.is_final else text


def embed_signature(embed: object) -> tuple[Any, ...]:
    """What makes two embeds look the same, ignoring what Discord adds (``type``, proxies, ...).

    Texts are compared stripped, because Discord trims embed text.
    """
    if not isinstance(embed, dict):
        return ()

    def text(value: object) -> str:
        return value.strip() if isinstance(value, str) else ""

    fields = embed.get("fields") if isinstance(embed.get("fields"), list) else []
    footer = embed.get("footer") if isinstance(embed.get("footer"), dict) else {}
    color = embed.get("color")
    return (
        text(embed.get("title")),
        text(embed.get("description")),
        text(embed.get("url")),
        color if isinstance(color, int) else None,
        tuple(
            (text(f.get("name")), text(f.get("value")), bool(f.get("inline", False)))
            for f in (fields or [])
            if isinstance(f, dict)
        ),
        text((footer or {}).get("text")),
    )
