"""The ``scorebug-tick`` planner: published games + the bot's messages → the writes to make.

Everything here is pure: no HTTP, no clock. The state of the previous tick
is read back from the bot's own messages in the live-scores channel:

* **One message per live game.** Its single embed is the compact scorebug;
  the embed footer is the message's identity and the voice record:
  ``game <text channel id>`` or ``game <id> · voice <voice channel id>: <status>``.
  The voice part says which status leaguectl last wrote to that voice channel
  (Discord's REST API cannot read a voice status back).
* **One "Final scores" message** while any published game is final. Each
  line is ``<#game> <#voice> BOS 4 @ 3 NYY - FINAL`` (``<#game> …`` without a
  voice channel): the final score, and the record that the ``- FINAL``
  status was written to that voice channel. Final games get no scorebug.
* Any other message of the bot in the channel (e.g. scorebugs of the old
  bot loop, duplicates) is removed; messages of other authors are never
  touched.

A game whose sheet could not be read this tick keeps its message, its
record and its voice status as they are, so a flaky sheet causes no churn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from leaguectl.scorebug.embed import (
    TeamLook,
    embed_signature,
    scorebug_embed,
    voice_status,
)
from leaguectl.scorebug.parse import Scorebug

JsonObject = dict[str, Any]

VIEW_CHANNEL = 1 << 10
LEDGER_TITLE = "Final scores"
LEDGER_FOOTER = "final games · leaguectl"
_FOOTER = re.compile(r"^game (\d+)(?: · voice (\d+): (.*))?$", re.DOTALL)
_LEDGER_LINE = re.compile(r"^<#(\d+)>(?: <#(\d+)>)? (.+)$")


# --- what the bot's messages say -------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceRecord:
    """leaguectl wrote ``status`` to voice channel ``voice_channel_id``."""

    voice_channel_id: str
    status: str


@dataclass(frozen=True)
class ScorebugMessage:
    message_id: str
    game_id: str
    record: VoiceRecord | None
    embed: JsonObject


@dataclass(frozen=True)
class FinalLine:
    """One line of the "Final scores" message."""

    game_id: str
    text: str
    voice_channel_id: str | None = None

    @property
    def record(self) -> VoiceRecord | None:
        return VoiceRecord(self.voice_channel_id, self.text) if self.voice_channel_id else None

    def render(self) -> str:
        voice = f" <#{self.voice_channel_id}>" if self.voice_channel_id else ""
        return f"<#{self.game_id}>{voice} {self.text}"


@dataclass(frozen=True)
class LedgerMessage:
    message_id: str
    lines: tuple[FinalLine, ...]
    embed: JsonObject


@dataclass(frozen=True)
class ChannelView:
    """The live-scores channel as this tick found it."""

    channel_id: str
    scorebugs: tuple[ScorebugMessage, ...] = ()
    ledgers: tuple[LedgerMessage, ...] = ()
    strays: tuple[str, ...] = ()
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


def footer_text(game_id: str, record: VoiceRecord | None) -> str:
    if record is None:
        return f"game {game_id}"
    return f"game {game_id} · voice {record.voice_channel_id}: {record.status}"


def parse_footer(text: str) -> tuple[str, VoiceRecord | None] | None:
    """(game id, voice record) from a scorebug footer; None when it is not one."""
    match = _FOOTER.match(text.strip())
    if match is None:
        return None
    game_id, voice_id, status = match.groups()
    return game_id, (VoiceRecord(voice_id, status) if voice_id else None)


def parse_ledger(description: str) -> tuple[FinalLine, ...]:
    lines = []
    for raw in description.splitlines():
        match = _LEDGER_LINE.match(raw.strip())
        if match:
            lines.append(FinalLine(game_id=match.group(1), text=match.group(3), voice_channel_id=match.group(2)))
    return tuple(lines)


def _first_embed(message: Mapping[str, Any]) -> JsonObject | None:
    embeds = message.get("embeds")
    if isinstance(embeds, list) and embeds and isinstance(embeds[0], dict):
        return embeds[0]
    return None


def _footer(embed: Mapping[str, Any]) -> str:
    footer = embed.get("footer")
    text = footer.get("text") if isinstance(footer, dict) else None
    return text.strip() if isinstance(text, str) else ""


def read_channel(
    channel_id: str,
    messages: Iterable[Mapping[str, Any]],
    bot_user_id: str,
    overwrites: Iterable[Mapping[str, Any]],
    everyone_id: str,
) -> ChannelView:
    """Sort the channel's messages into the bot's scorebugs, ledgers and strays; read the overwrite."""
    scorebugs: list[ScorebugMessage] = []
    ledgers: list[LedgerMessage] = []
    strays: list[str] = []
    for message in messages:
        author = message.get("author")
        if not isinstance(author, dict) or str(author.get("id")) != bot_user_id:
            continue
        message_id = str(message["id"])
        embed = _first_embed(message)
        parsed = parse_footer(_footer(embed)) if embed is not None and len(message.get("embeds") or []) == 1 else None
        if embed is not None and parsed is not None and not (message.get("content") or "").strip():
            scorebugs.append(ScorebugMessage(message_id, parsed[0], parsed[1], embed))
        elif embed is not None and _footer(embed) == LEDGER_FOOTER:
            description = embed.get("description")
            lines = parse_ledger(description if isinstance(description, str) else "")
            ledgers.append(LedgerMessage(message_id, lines, embed))
        else:
            strays.append(message_id)
    allow: int | None = None
    deny: int | None = None
    for overwrite in overwrites:
        if str(overwrite.get("id")) == everyone_id:
            allow = int(overwrite.get("allow") or 0)
            deny = int(overwrite.get("deny") or 0)
    return ChannelView(
        channel_id=channel_id,
        scorebugs=tuple(sorted(scorebugs, key=lambda m: int(m.message_id))),
        ledgers=tuple(sorted(ledgers, key=lambda m: int(m.message_id))),
        strays=tuple(strays),
        everyone_allow=allow,
        everyone_deny=deny,
    )


# --- what the sheets say ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Game:
    """A published game whose scorecard was read and whose teams are known."""

    game_id: str
    scorebug: Scorebug
    away: TeamLook
    home: TeamLook
    voice_channel_id: str | None = None

    @property
    def is_final(self) -> bool:
        return self.scorebug.is_final

    @property
    def status(self) -> str:
        """The voice-channel status: ``AWAY a @ h HOME`` (+ `` - FINAL``)."""
        return voice_status(self.scorebug, self.away.abbrev, self.home.abbrev)

    @property
    def wanted_record(self) -> VoiceRecord | None:
        return VoiceRecord(self.voice_channel_id, self.status) if self.voice_channel_id else None

    def embed(self, record: VoiceRecord | None) -> JsonObject:
        return scorebug_embed(self.scorebug, self.away, self.home, footer=footer_text(self.game_id, record))


@dataclass(frozen=True)
class UnknownGame:
    """A published game whose state is unknown this tick (unreadable sheet, bad data)."""

    game_id: str


GameInput = Game | UnknownGame


# --- the plan --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetVoiceStatus:
    game_id: str
    voice_channel_id: str
    status: str


@dataclass(frozen=True)
class PostScorebug:
    game: Game


@dataclass(frozen=True)
class EditScorebug:
    message_id: str
    game: Game
    current: JsonObject


@dataclass(frozen=True)
class DeleteMessage:
    message_id: str
    reason: str
    game_id: str | None = None


@dataclass(frozen=True)
class WriteLedger:
    """Create (``message_id`` None) or edit the "Final scores" message."""

    message_id: str | None
    lines: tuple[FinalLine, ...]
    current: JsonObject | None = None


@dataclass(frozen=True)
class SetVisibility:
    visible: bool
    allow: int
    deny: int


@dataclass
class TickPlan:
    """The writes of one tick, in the order they are applied."""

    voice: list[SetVoiceStatus] = field(default_factory=list)
    scorebugs: list[PostScorebug | EditScorebug] = field(default_factory=list)
    ledger: WriteLedger | None = None
    deletes: list[DeleteMessage] = field(default_factory=list)
    visibility: SetVisibility | None = None
    unchanged: list[str] = field(default_factory=list)
    kept_unknown: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.voice or self.scorebugs or self.ledger or self.deletes or self.visibility)


def ledger_embed(lines: Sequence[FinalLine], color: int) -> JsonObject:
    return {
        "title": LEDGER_TITLE,
        "description": "\n".join(line.render() for line in lines),
        "color": color,
        "footer": {"text": LEDGER_FOOTER},
    }


def _records(game_id: str, channel: ChannelView | None) -> set[VoiceRecord]:
    """Every voice status the bot's messages say was written for this game."""
    if channel is None:
        return set()
    found = {m.record for m in channel.scorebugs if m.game_id == game_id and m.record is not None}
    for ledger in channel.ledgers:
        found |= {line.record for line in ledger.lines if line.game_id == game_id and line.record is not None}
    return found


def _primary_scorebugs(channel: ChannelView, plan: TickPlan) -> dict[str, ScorebugMessage]:
    """The oldest scorebug message per game; younger duplicates are deleted."""
    primary: dict[str, ScorebugMessage] = {}
    for message in channel.scorebugs:
        if message.game_id in primary:
            plan.deletes.append(DeleteMessage(message.message_id, "duplicate scorebug", message.game_id))
        else:
            primary[message.game_id] = message
    return primary


def _known_lines(channel: ChannelView) -> dict[str, FinalLine]:
    lines: dict[str, FinalLine] = {}
    for ledger in channel.ledgers:
        for line in ledger.lines:
            lines.setdefault(line.game_id, line)
    return lines


def _plan_voice(game: Game, channel: ChannelView | None, plan: TickPlan) -> None:
    wanted = game.wanted_record
    if wanted is not None and wanted not in _records(game.game_id, channel):
        plan.voice.append(SetVoiceStatus(game.game_id, wanted.voice_channel_id, wanted.status))


def _plan_live(game: Game, existing: ScorebugMessage | None, plan: TickPlan) -> None:
    wanted = game.embed(game.wanted_record)
    if existing is None:
        plan.scorebugs.append(PostScorebug(game))
    elif embed_signature(existing.embed) != embed_signature(wanted):
        plan.scorebugs.append(EditScorebug(existing.message_id, game, existing.embed))
    else:
        plan.unchanged.append(game.game_id)


def _plan_ledger(channel: ChannelView, lines: list[FinalLine], color: int, plan: TickPlan) -> None:
    primary = channel.ledgers[0] if channel.ledgers else None
    for extra in channel.ledgers[1:]:
        plan.deletes.append(DeleteMessage(extra.message_id, "duplicate final-scores message"))
    if not lines:
        if primary is not None:
            plan.deletes.append(DeleteMessage(primary.message_id, "no final games published"))
        return
    if primary is None:
        plan.ledger = WriteLedger(None, tuple(lines))
    elif embed_signature(primary.embed) != embed_signature(ledger_embed(lines, color)):
        plan.ledger = WriteLedger(primary.message_id, tuple(lines), primary.embed)


def _plan_visibility(channel: ChannelView, visible: bool, plan: TickPlan) -> None:
    if channel.visible is visible:
        return
    allow = channel.everyone_allow or 0
    deny = channel.everyone_deny or 0
    if visible:
        allow, deny = allow | VIEW_CHANNEL, deny & ~VIEW_CHANNEL
    else:
        allow, deny = allow & ~VIEW_CHANNEL, deny | VIEW_CHANNEL
    plan.visibility = SetVisibility(visible, allow, deny)


def plan_tick(games: Sequence[GameInput], channel: ChannelView | None, *, ledger_color: int) -> TickPlan:
    """Plan one tick. ``channel`` None: the live-scores channel is missing; only voice statuses are planned.

    Voice statuses are planned from the records in the bot's messages, so
    without the channel every linked game's status is written again.
    """
    plan = TickPlan()
    for game in games:
        if isinstance(game, Game):
            _plan_voice(game, channel, plan)
    if channel is None:
        return plan
    primary = _primary_scorebugs(channel, plan)
    known_lines = _known_lines(channel)
    final_lines: list[FinalLine] = []
    published = {game.game_id for game in games}
    any_live = False
    for game in games:
        existing = primary.get(game.game_id)
        if isinstance(game, UnknownGame):
            plan.kept_unknown.append(game.game_id)
            any_live = any_live or existing is not None
            if game.game_id in known_lines:
                final_lines.append(known_lines[game.game_id])
        elif game.is_final:
            final_lines.append(FinalLine(game.game_id, game.status, game.voice_channel_id))
            if existing is not None:
                plan.deletes.append(DeleteMessage(existing.message_id, "game is final", game.game_id))
        else:
            any_live = True
            _plan_live(game, existing, plan)
    for game_id, message in primary.items():
        if game_id not in published:
            plan.deletes.append(DeleteMessage(message.message_id, "scorecard no longer published", game_id))
    plan.deletes.extend(DeleteMessage(message_id, "not a current scorebug") for message_id in channel.strays)
    _plan_ledger(channel, final_lines, ledger_color, plan)
    _plan_visibility(channel, any_live, plan)
    return plan
