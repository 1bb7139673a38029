"""The ``scorebug-tick`` planner: published games + the bot's messages → the writes to make.

Everything here is pure: no HTTP, no clock. The state of the previous tick
is read back from the bot's own messages in the live-scores channel:

* **One message per live game.** Its single embed is the compact scorebug.
  The first line of the embed footer is the message's identity and the voice
  record: ``game <text channel id>`` or
  ``game <id> · voice <voice channel id>: <status>``. The voice part says
  which status leaguectl last wrote to that voice channel (Discord's REST API
  cannot read a voice status back).
* **Final games get no message.** Their records ride in the footer of one
  live scorebug, the *holder*: the first game of the published order (the
  order of ``games``, stable across ticks) that is live, or whose sheet was
  not read this tick but whose scorebug is kept. Below its first line, one
  line per published final game: ``final <id> · voice <vid>: <status>``
  (``final <id>`` when no ``- FINAL`` status was written). The other
  scorebugs carry no ``final`` lines, so the channel holds exactly one bot
  message per live game.
* **The "Final scores" ledger**, a message of its own, holds those lines
  only when no scorebug can: when no game is live (the channel is hidden
  then), or when the lines would not fit in a footer (2048 characters; then
  all of them go to the ledger, none stay in the footer). Each ledger line is
  ``<#game> <#voice> BOS 4 @ 3 NYY - FINAL`` (``<#game> …`` without a voice
  record). The ledger is deleted as soon as a holder carries the lines, and
  when no final game is published.
* Any other message of the bot in the channel (e.g. scorebugs of the old
  bot loop, duplicates) is removed; messages of other authors are never
  touched.

Records are read from every scorebug footer and every ledger, so moving the
lines between places never rewrites a status already written. The order of
the writes keeps them safe across a crash: a voice status is written before
the message that records it, and the new place of the final lines is written
before the old one is stripped or deleted. A pass dying in between costs at
most one repeated status write, never a ``- FINAL`` left unwritten.

A game whose sheet could not be read this tick keeps its message, its
record and its voice status as they are, so a flaky sheet causes no churn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from leaguectl.scorebug.embed import (
    TeamLook,
    embed_signature,
    scorebug_embed,
    voice_status,
)
from leaguectl.scorebug.parse import Scorebug

JsonObject = dict[str, Any]

VIEW_CHANNEL = 1 << 10
FOOTER_LIMIT = 2048
"""Discord's limit on an embed footer's text, in UTF-16 code units."""
LEDGER_TITLE = "Final scores"
LEDGER_FOOTER = "final games · leaguectl"
_GAME_LINE = re.compile(r"^game (\d+)(?: · voice (\d+): (.+))?$")
_FINAL_LINE = re.compile(r"^final (\d+)(?: · voice (\d+): (.+))?$")
_LEDGER_LINE = re.compile(r"^<#(\d+)>(?: <#(\d+)>)?(?: (.+))?$")
_EMBED_KEYS = ("title", "description", "url", "color", "fields")
"""What a footer-only edit copies from the current embed (Discord's own additions are left out)."""


# --- what the bot's messages say -------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceRecord:
    """leaguectl wrote ``status`` to voice channel ``voice_channel_id``."""

    voice_channel_id: str
    status: str


@dataclass(frozen=True)
class FinalLine:
    """A published final game, and the ``- FINAL`` status written for it (when ``voice_channel_id`` is set).

    ``text`` is the final voice status; a line read back from a footer
    without a voice part has none.
    """

    game_id: str
    text: str
    voice_channel_id: str | None = None

    @property
    def record(self) -> VoiceRecord | None:
        return VoiceRecord(self.voice_channel_id, self.text) if self.voice_channel_id and self.text else None

    def without_record(self) -> FinalLine:
        """The line for a game whose ``- FINAL`` write just failed: the next tick tries again."""
        return FinalLine(self.game_id, self.text, None)

    def render(self) -> str:
        """The line in the "Final scores" ledger."""
        voice = f" <#{self.voice_channel_id}>" if self.voice_channel_id else ""
        text = f" {self.text}" if self.text else ""
        return f"<#{self.game_id}>{voice}{text}"

    def footer_line(self) -> str:
        """The line in the holder's footer."""
        record = self.record
        if record is None:
            return f"final {self.game_id}"
        return f"final {self.game_id} · voice {record.voice_channel_id}: {record.status}"


class Footer(NamedTuple):
    """What a scorebug footer says: its game, that game's voice record, and the final lines it holds."""

    game_id: str
    record: VoiceRecord | None
    finals: tuple[FinalLine, ...] = ()


@dataclass(frozen=True)
class ScorebugMessage:
    message_id: str
    game_id: str
    record: VoiceRecord | None
    embed: JsonObject
    finals: tuple[FinalLine, ...] = ()


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


def footer_text(game_id: str, record: VoiceRecord | None, finals: Sequence[FinalLine] = ()) -> str:
    """The scorebug footer: the identity line, then one line per final game it holds."""
    first = f"game {game_id}"
    if record is not None:
        first += f" · voice {record.voice_channel_id}: {record.status}"
    return "\n".join([first, *(line.footer_line() for line in finals)])


def footer_length(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def parse_footer(text: str) -> Footer | None:
    """The footer's game, voice record and final lines; None when its first line is not a scorebug's.

    Read line by line: a status never spans lines, and a line that is neither
    the identity nor a ``final`` line is ignored (the next edit drops it).
    """
    lines = [line.strip() for line in text.strip().splitlines()]
    first = _GAME_LINE.match(lines[0]) if lines else None
    if first is None:
        return None
    game_id, voice_id, status = first.groups()
    finals = []
    for line in lines[1:]:
        match = _FINAL_LINE.match(line)
        if match is not None:
            finals.append(FinalLine(match.group(1), match.group(3) or "", match.group(2)))
    return Footer(game_id, VoiceRecord(voice_id, status) if voice_id else None, tuple(finals))


def parse_ledger(description: str) -> tuple[FinalLine, ...]:
    lines = []
    for raw in description.splitlines():
        match = _LEDGER_LINE.match(raw.strip())
        if match:
            lines.append(FinalLine(game_id=match.group(1), text=match.group(3) or "", voice_channel_id=match.group(2)))
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
            scorebugs.append(ScorebugMessage(message_id, parsed.game_id, parsed.record, embed, parsed.finals))
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

    @property
    def final_line(self) -> FinalLine:
        return FinalLine(self.game_id, self.status, self.voice_channel_id)

    def embed(self, record: VoiceRecord | None, finals: Sequence[FinalLine] = ()) -> JsonObject:
        footer = footer_text(self.game_id, record, finals)
        return scorebug_embed(self.scorebug, self.away, self.home, footer=footer)


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
    finals: tuple[FinalLine, ...] = ()

    @property
    def game_id(self) -> str:
        return self.game.game_id

    @property
    def releases_finals(self) -> bool:
        """A new message holds nothing yet, so posting it never gives final lines up."""
        return False


@dataclass(frozen=True)
class EditScorebug:
    """Edit a live game's scorebug; ``releases_finals``: it held final lines and no longer will."""

    message_id: str
    game: Game
    current: JsonObject
    finals: tuple[FinalLine, ...] = ()
    releases_finals: bool = False

    @property
    def game_id(self) -> str:
        return self.game.game_id


@dataclass(frozen=True)
class RewriteFooter:
    """Edit only the footer of a scorebug whose sheet was not read: the final lines it holds change.

    The rest of the embed (the last known score) and its voice record are kept.
    """

    message_id: str
    game_id: str
    current: JsonObject
    record: VoiceRecord | None
    finals: tuple[FinalLine, ...] = ()
    releases_finals: bool = False

    def embed(self, finals: Sequence[FinalLine]) -> JsonObject:
        embed = {key: self.current[key] for key in _EMBED_KEYS if key in self.current}
        embed["footer"] = {"text": footer_text(self.game_id, self.record, finals)}
        return embed


ScorebugWrite = PostScorebug | EditScorebug | RewriteFooter


@dataclass(frozen=True)
class DeleteMessage:
    """Delete one bot message; ``holds_finals``: it carries final-game records."""

    message_id: str
    reason: str
    game_id: str | None = None
    holds_finals: bool = False


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
    """The writes of one tick, in the order they are applied.

    The ledger is written before the scorebugs and the holder's write comes
    first among those, so the new place of the final lines is written before
    anything releasing them (a strip, a delete).
    """

    voice: list[SetVoiceStatus] = field(default_factory=list)
    ledger: WriteLedger | None = None
    scorebugs: list[ScorebugWrite] = field(default_factory=list)
    deletes: list[DeleteMessage] = field(default_factory=list)
    visibility: SetVisibility | None = None
    unchanged: list[str] = field(default_factory=list)
    kept_unknown: list[str] = field(default_factory=list)
    finals: tuple[FinalLine, ...] = ()
    holder: str | None = None
    """The game whose scorebug carries ``finals``; None when they are in the ledger (or there are none)."""

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


def _all_lines(channel: ChannelView) -> Iterable[FinalLine]:
    """Every final line in the channel: holders' footers first, then ledgers."""
    for message in channel.scorebugs:
        yield from message.finals
    for ledger in channel.ledgers:
        yield from ledger.lines


def _records(game_id: str, channel: ChannelView | None) -> set[VoiceRecord]:
    """Every voice status the bot's messages say was written for this game."""
    if channel is None:
        return set()
    found = {m.record for m in channel.scorebugs if m.game_id == game_id and m.record is not None}
    found |= {line.record for line in _all_lines(channel) if line.game_id == game_id and line.record is not None}
    return found


def _primary_scorebugs(channel: ChannelView, plan: TickPlan) -> dict[str, ScorebugMessage]:
    """The oldest scorebug message per game; younger duplicates are deleted."""
    primary: dict[str, ScorebugMessage] = {}
    for message in channel.scorebugs:
        if message.game_id in primary:
            plan.deletes.append(
                DeleteMessage(message.message_id, "duplicate scorebug", message.game_id, bool(message.finals))
            )
        else:
            primary[message.game_id] = message
    return primary


def _known_lines(channel: ChannelView) -> dict[str, FinalLine]:
    lines: dict[str, FinalLine] = {}
    for line in _all_lines(channel):
        lines.setdefault(line.game_id, line)
    return lines


def _final_lines(
    games: Sequence[GameInput], primary: Mapping[str, ScorebugMessage], known: Mapping[str, FinalLine]
) -> tuple[FinalLine, ...]:
    """One line per published final game, in published order.

    A game whose sheet was not read keeps its known line, unless it still has
    a scorebug: then it is live, and an old final record of it must not stop
    a later ``- FINAL`` write.
    """
    lines = []
    for game in games:
        if isinstance(game, Game) and game.is_final:
            lines.append(game.final_line)
        elif isinstance(game, UnknownGame) and game.game_id not in primary and game.game_id in known:
            lines.append(known[game.game_id])
    return tuple(lines)


def _holder(games: Sequence[GameInput], primary: Mapping[str, ScorebugMessage]) -> GameInput | None:
    """The first game in published order that keeps a scorebug: live, or unread with its scorebug kept."""
    for game in games:
        if isinstance(game, Game) and not game.is_final:
            return game
        if isinstance(game, UnknownGame) and game.game_id in primary:
            return game
    return None


def _holder_fits(holder: GameInput, primary: Mapping[str, ScorebugMessage], finals: Sequence[FinalLine]) -> bool:
    existing = primary.get(holder.game_id)
    record = holder.wanted_record if isinstance(holder, Game) else existing.record if existing else None
    return footer_length(footer_text(holder.game_id, record, finals)) <= FOOTER_LIMIT


def _plan_voice(game: Game, channel: ChannelView | None, plan: TickPlan) -> None:
    wanted = game.wanted_record
    if wanted is not None and wanted not in _records(game.game_id, channel):
        plan.voice.append(SetVoiceStatus(game.game_id, wanted.voice_channel_id, wanted.status))


def _plan_live(game: Game, existing: ScorebugMessage | None, finals: tuple[FinalLine, ...], plan: TickPlan) -> None:
    wanted = game.embed(game.wanted_record, finals)
    if existing is None:
        plan.scorebugs.append(PostScorebug(game, finals))
    elif embed_signature(existing.embed) != embed_signature(wanted):
        releases = bool(existing.finals) and not finals
        plan.scorebugs.append(EditScorebug(existing.message_id, game, existing.embed, finals, releases))
    else:
        plan.unchanged.append(game.game_id)


def _plan_unread(existing: ScorebugMessage, finals: tuple[FinalLine, ...], plan: TickPlan) -> None:
    """An unread game's scorebug stays as it is, except for the final lines it holds or must give up."""
    wanted = footer_text(existing.game_id, existing.record, finals)
    if _footer(existing.embed) != wanted.strip():
        releases = bool(existing.finals) and not finals
        plan.scorebugs.append(
            RewriteFooter(existing.message_id, existing.game_id, existing.embed, existing.record, finals, releases)
        )


def _plan_ledger(channel: ChannelView, lines: Sequence[FinalLine], color: int, plan: TickPlan) -> None:
    primary = channel.ledgers[0] if channel.ledgers else None
    for extra in channel.ledgers[1:]:
        plan.deletes.append(DeleteMessage(extra.message_id, "duplicate final-scores message", None, bool(extra.lines)))
    if not lines:
        if primary is not None:
            reason = "final games are held by a scorebug" if plan.finals else "no final games published"
            plan.deletes.append(DeleteMessage(primary.message_id, reason, None, bool(primary.lines)))
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
    plan.finals = _final_lines(games, primary, _known_lines(channel))
    holder = _holder(games, primary)
    if holder is not None and plan.finals and _holder_fits(holder, primary, plan.finals):
        plan.holder = holder.game_id
    published = {game.game_id for game in games}
    any_live = False
    for game in games:
        existing = primary.get(game.game_id)
        held = plan.finals if game.game_id == plan.holder else ()
        if isinstance(game, UnknownGame):
            plan.kept_unknown.append(game.game_id)
            if existing is not None:
                any_live = True
                _plan_unread(existing, held, plan)
        elif game.is_final:
            if existing is not None:
                plan.deletes.append(
                    DeleteMessage(existing.message_id, "game is final", game.game_id, bool(existing.finals))
                )
        else:
            any_live = True
            _plan_live(game, existing, held, plan)
    plan.scorebugs.sort(key=lambda write: write.game_id != plan.holder)
    for game_id, message in primary.items():
        if game_id not in published:
            plan.deletes.append(
                DeleteMessage(message.message_id, "scorecard no longer published", game_id, bool(message.finals))
            )
    plan.deletes.extend(DeleteMessage(message_id, "not a current scorebug") for message_id in channel.strays)
    _plan_ledger(channel, plan.finals if plan.holder is None else (), ledger_color, plan)
    _plan_visibility(channel, any_live, plan)
    return plan
