"""The compact scorebug embed, its win-probability bar and the voice-channel status text.

Formats are the league bot's (league.md §3.8.2 and §3.8.3), character for
character, so the channel looks the same after the switch to leaguectl.

Every text is built to fit Discord's limits whatever the sheet or the league
API say: team abbreviations are shown as one plain line of at most
:data:`ABBREV_LIMIT` characters, the header as a title of at most 256, both
cut visibly with "…"; scores and innings are bounded by the parser. Text from
external data never steers the rendering: markdown is escaped where Discord
renders it, and a backtick cannot end the ``Game State`` code block.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from leaguectl.discord_fit import fit_text
from leaguectl.discord_limits import EMBED_TITLE_LIMIT, VOICE_STATUS_LIMIT
from leaguectl.scorebug.parse import Player, Scorebug

EVEN_GAME_COLOR = 0x17A2B8
"""Embed colour when neither team is favoured (win probability exactly 50%)."""

BAR_LENGTH = 10
DARK = "▓"
LIGHT = "░"
OCCUPIED = "●"
EMPTY = "○"
FINAL_SUFFIX = " - FINAL"
ABBREV_LIMIT = 12
"""A team abbreviation longer than this (real ones have 2-5 letters) is cut with "…"."""
TITLE_LIMIT = EMBED_TITLE_LIMIT

JsonObject = dict[str, Any]

_KEPT_FORMAT_CHARACTERS = frozenset({"\u200d"})
"""The zero-width joiner holds emoji sequences together; every other control or format character goes."""
_MARKDOWN = re.compile(r"([\\*_~|`>#\[\]()<])")


def plain_line(text: str, limit: int) -> str:
    """External text as one plain line: control/format characters dropped, whitespace collapsed, cut with "…"."""
    kept = (
        char if char in _KEPT_FORMAT_CHARACTERS or not unicodedata.category(char).startswith("C") else " "
        for char in text
    )
    line = " ".join("".join(kept).split())
    return fit_text(line, limit) if line else ""


def markdown_safe(text: str) -> str:
    """``text`` shown literally where Discord renders markdown (field values, descriptions)."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return "\\" + escaped if escaped.startswith(("-", "+")) else escaped


def code_safe(text: str) -> str:
    """``text`` that cannot close a code block."""
    return text.replace("`", "'")


@dataclass(frozen=True)
class TeamLook:
    """What the embed needs from a team: its abbreviation and colour."""

    abbrev: str
    color: int

    @property
    def label(self) -> str:
        """The abbreviation as shown: one plain line of at most :data:`ABBREV_LIMIT` characters."""
        return plain_line(self.abbrev, ABBREV_LIMIT) or "?"


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


def scorebug_title(scorebug: Scorebug, away: TeamLook, home: TeamLook) -> str:
    """The sheet's header (cut to Discord's limit); ``AWAY @ HOME`` when the header is blank."""
    return plain_line(scorebug.header, TITLE_LIMIT) or f"{away.label} @ {home.label}"


def scorebug_embed(scorebug: Scorebug, away: TeamLook, home: TeamLook, *, url: str | None = None) -> JsonObject:
    """The compact embed: header as title, colour by win probability, bar and game state fields.

    ``url`` is the title's link, which also carries leaguectl's records
    (:mod:`leaguectl.scorebug.marker`); nothing else in the embed is bookkeeping.
    """
    embed: JsonObject = {"title": scorebug_title(scorebug, away, home)}
    if url:
        embed["url"] = url
    embed["color"] = embed_color(scorebug, away, home)
    bar = win_probability_bar(scorebug.win_percentage, markdown_safe(away.label), markdown_safe(home.label))
    state = game_state_block(scorebug, code_safe(away.label), code_safe(home.label))
    embed["fields"] = [
        {"name": "Win Probability", "value": bar, "inline": False},
        {"name": "Game State", "value": state, "inline": False},
    ]
    return embed


def voice_status(scorebug: Scorebug, away: str, home: str) -> str:
    """``BOS 4 @ 3 NYY`` while live, ``BOS 4 @ 3 NYY - FINAL`` once final (at most 500 characters)."""
    text = f"{away} {scorebug.away_score} @ {scorebug.home_score} {home}"
    return fit_text(text + FINAL_SUFFIX if scorebug.is_final else text, VOICE_STATUS_LIMIT)


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
