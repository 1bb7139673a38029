"""Which of the bot's messages in the live-scores channel are leaguectl's, and what they record.

The bot user posts other things there too (a rules notice, an announcement, an
embed of another feature): those are never edited or deleted. A message is
leaguectl's only when it is positively identified:

* **a scorebug** or **the "Final scores" message** of this version: one embed
  whose ``url`` is a marker of :mod:`leaguectl.scorebug.marker` for this guild
  (a scorebug's marker names its game's channel, the "Final scores" marker the
  live-scores channel itself);
* **a scorebug or "Final scores" message of leaguectl 0.1.0**, which kept its
  records in a visible footer (``game <id> · voice <id>: <status>``,
  ``final games · leaguectl``): read once, then rewritten in the new form, so
  an upgrade rewrites no voice status;
* **a scorebug of the league bot's own loop** (league.md §3.8.2): exactly the
  compact shape (one embed, no text, no footer, no link, the fields
  ``Win Probability`` and ``Game State`` with its code block). It names no
  game, so it is an *orphan*: removed, as the bot's loop would have.

Everything else is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from leaguectl.scorebug.embed import markdown_safe
from leaguectl.scorebug.marker import LEDGER, SCOREBUG, FinalRecord, VoiceRecord, parse_marker

JsonObject = dict[str, Any]

SCOREBUG_FIELDS = ("Win Probability", "Game State")
LEDGER_TITLE = "Final scores"
UNKNOWN_FINAL_TEXT = "final score not read"
LEGACY_LEDGER_FOOTER = "final games · leaguectl"
_LEGACY_GAME_LINE = re.compile(r"^game (\d{1,20})(?: · voice (\d{1,20}): (.+))?$")
_LEGACY_FINAL_LINE = re.compile(r"^final (\d{1,20})(?: · voice (\d{1,20}): (.+))?$")
_LEGACY_LEDGER_LINE = re.compile(r"^<#(\d{1,20})>(?: <#(\d{1,20})>)?(?: (.+))?$")


@dataclass(frozen=True)
class FinalLine:
    """A published final game: the final status shown in the ledger, and what was written for it.

    ``record`` says which ``- FINAL`` status was written to which voice channel
    (None: no voice channel, or the write failed and is retried). ``text`` is
    empty when it was read back from a marker, which keeps only the record.
    """

    game_id: str
    text: str = ""
    record: VoiceRecord | None = None

    def as_record(self) -> FinalRecord:
        return FinalRecord(self.game_id, self.record)

    def with_record(self, record: VoiceRecord | None) -> FinalLine:
        return replace(self, record=record)

    def render(self) -> str:
        """The line in the "Final scores" message: the final score, as members read it (no ids, no mentions)."""
        return markdown_safe(self.text) if self.text else UNKNOWN_FINAL_TEXT


@dataclass(frozen=True)
class ScorebugMessage:
    """A scorebug of leaguectl: its game, the voice status recorded for it, the final games it holds."""

    message_id: str
    game_id: str
    record: VoiceRecord | None
    embed: JsonObject
    finals: tuple[FinalLine, ...] = ()


@dataclass(frozen=True)
class LedgerMessage:
    """leaguectl's "Final scores" message, which holds the final games when no scorebug can."""

    message_id: str
    lines: tuple[FinalLine, ...]
    embed: JsonObject


@dataclass(frozen=True)
class OrphanScorebug:
    """A compact scorebug of the league bot's own loop: no game, no records; removed."""

    message_id: str


Identified = ScorebugMessage | LedgerMessage | OrphanScorebug


def _only_embed(message: Mapping[str, Any]) -> JsonObject | None:
    """The message's single embed when it has no text and exactly one embed; else None."""
    content = message.get("content")
    if isinstance(content, str) and content.strip():
        return None
    embeds = message.get("embeds")
    if isinstance(embeds, list) and len(embeds) == 1 and isinstance(embeds[0], dict):
        return embeds[0]
    return None


def _text(embed: Mapping[str, Any], key: str) -> str:
    value = embed.get(key)
    return value.strip() if isinstance(value, str) else ""


def _footer(embed: Mapping[str, Any]) -> str:
    footer = embed.get("footer")
    return _text(footer, "text") if isinstance(footer, dict) else ""


def _field_names(embed: Mapping[str, Any]) -> tuple[str, ...]:
    fields = embed.get("fields")
    if not isinstance(fields, list):
        return ()
    return tuple(_text(f, "name") if isinstance(f, dict) else "" for f in fields)


def _has_scorebug_fields(embed: Mapping[str, Any]) -> bool:
    fields = embed.get("fields")
    if _field_names(embed) != SCOREBUG_FIELDS or not isinstance(fields, list):
        return False
    state = fields[1].get("value") if isinstance(fields[1], dict) else None
    return isinstance(state, str) and state.strip().startswith("```")


def identify(message: Mapping[str, Any], *, guild_id: str, channel_id: str, bot_user_id: str) -> Identified | None:
    """What ``message`` is, if it is one of leaguectl's (or the bot loop's scorebug); None otherwise."""
    author = message.get("author")
    message_id = message.get("id")
    if not isinstance(author, dict) or str(author.get("id")) != bot_user_id:
        return None
    if not (isinstance(message_id, str) and message_id.isascii() and message_id.isdigit()):
        return None
    embed = _only_embed(message)
    if embed is None:
        return None
    marker = parse_marker(embed.get("url"))
    if marker is not None:
        if marker.guild_id != guild_id:
            return None
        if marker.kind == SCOREBUG and _has_scorebug_fields(embed):
            finals = tuple(FinalLine(f.game_id, "", f.record) for f in marker.finals)
            return ScorebugMessage(message_id, marker.channel_id, marker.record, embed, finals)
        if marker.kind == LEDGER and marker.channel_id == channel_id and _text(embed, "title") == LEDGER_TITLE:
            shown = _ledger_texts(_text(embed, "description"), len(marker.finals))
            lines = tuple(FinalLine(f.game_id, text, f.record) for f, text in zip(marker.finals, shown, strict=True))
            return LedgerMessage(message_id, lines, embed)
        return None
    if embed.get("url"):
        return None
    return _legacy(message_id, embed)


def _legacy(message_id: str, embed: JsonObject) -> Identified | None:
    """A message of leaguectl 0.1.0 (records in the footer) or of the bot's own scorebug loop."""
    footer = _footer(embed)
    if footer == LEGACY_LEDGER_FOOTER and _text(embed, "title") == LEDGER_TITLE:
        return LedgerMessage(message_id, _legacy_ledger_lines(_text(embed, "description")), embed)
    if not _has_scorebug_fields(embed):
        return None
    if not footer:
        return OrphanScorebug(message_id)
    lines = [line.strip() for line in footer.splitlines()]
    first = _LEGACY_GAME_LINE.match(lines[0])
    if first is None:
        return None
    game_id, voice_id, status = first.groups()
    record = VoiceRecord.of(voice_id, status) if voice_id and status else None
    finals = []
    for line in lines[1:]:
        match = _LEGACY_FINAL_LINE.match(line)
        if match is not None:
            final_id, final_voice, final_status = match.groups()
            final_record = VoiceRecord.of(final_voice, final_status) if final_voice and final_status else None
            finals.append(FinalLine(final_id, final_status or "", final_record))
    return ScorebugMessage(message_id, game_id, record, embed, tuple(finals))


def _legacy_ledger_lines(description: str) -> tuple[FinalLine, ...]:
    lines = []
    for raw in description.splitlines():
        match = _LEGACY_LEDGER_LINE.match(raw.strip())
        if match is not None:
            game_id, voice_id, status = match.groups()
            record = VoiceRecord.of(voice_id, status) if voice_id and status else None
            lines.append(FinalLine(game_id, status or "", record))
    return tuple(lines)


def _ledger_texts(description: str, count: int) -> list[str]:
    """The final score shown on each line of a "Final scores" message (escapes undone), in record order.

    The lines are written in the order of the records in the link; when their
    number does not match, none is trusted.
    """
    lines = [line.strip() for line in description.splitlines()]
    if len(lines) != count:
        return [""] * count
    return ["" if line == UNKNOWN_FINAL_TEXT else re.sub(r"\\(.)", r"\1", line) for line in lines]
