"""The ``scorebug-tick`` planner: published games + leaguectl's own messages → the writes to make.

Everything here is pure: no HTTP, no clock. The state of the previous tick
is read back from leaguectl's own messages in the live-scores channel
(:mod:`.identify`), whose records ride in each embed's title link, invisible
to league members (:mod:`.marker`):

* **One message per live game.** Its single embed is the compact scorebug;
  its marker names the game and records the voice status leaguectl last
  wrote for it (Discord's REST API cannot read a voice status back).
* **Final games get no message.** Their records ride in the marker of one
  live scorebug, the *holder*: the first game of the published order (the
  order of ``games``, stable across ticks) that is live, or whose sheet was
  not read this tick but whose scorebug is kept. The other scorebugs hold no
  final games, so the channel holds exactly one message per live game.
* **The "Final scores" message** (the *ledger*) holds the final games only
  when no scorebug can: when no game is live and the channel is hidden. It
  lists them readably (``#game-3 NYY 6 @ 5 POR - FINAL``) and is deleted as
  soon as a holder takes them, or when no final game is published.
* **Voice statuses** are written only when they differ from the record, and
  a status leaguectl wrote is cleared once no published game wants it any
  more (the game was unpublished, or its voice link changed or went away).
* Orphaned scorebugs of the bot's own loop and younger duplicates of a
  scorebug are removed; every other message is left alone.

Records are read from every scorebug and every ledger, so moving them between
places never rewrites a status already written. The order of the writes keeps
them safe across a crash: a voice status is written (or cleared) before the
message that records it, and the new place of the final records is written
before the old one is stripped or deleted. A pass dying in between costs at
most one repeated status write, never a ``- FINAL`` left unwritten.

A game whose sheet could not be read this tick keeps its message, its
record and its voice status as they are, so a flaky sheet causes no churn.

The planner's inputs and writes are plain data in :mod:`.plan_types`; the
channel as this tick found it is read in :mod:`.channel`. Both are re-exported
here, the planner's one public face.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from leaguectl.scorebug.channel import VIEW_CHANNEL, ChannelView, everyone_overwrite, read_channel
from leaguectl.scorebug.embed import embed_signature
from leaguectl.scorebug.identify import FinalLine, ScorebugMessage
from leaguectl.scorebug.marker import LEDGER, SCOREBUG, URL_LIMIT, Marker, VoiceRecord
from leaguectl.scorebug.plan_types import (
    DeleteMessage,
    EditScorebug,
    Game,
    GameInput,
    PostScorebug,
    RewriteRecords,
    ScorebugWrite,
    SetVisibility,
    SetVoiceStatus,
    TickPlan,
    UnknownGame,
    VoiceLinks,
    WriteLedger,
    ledger_embed,
)

__all__ = [
    "MAX_GAMES",
    "VIEW_CHANNEL",
    "ChannelView",
    "DeleteMessage",
    "EditScorebug",
    "Game",
    "GameInput",
    "PostScorebug",
    "RewriteRecords",
    "ScorebugWrite",
    "SetVisibility",
    "SetVoiceStatus",
    "TickPlan",
    "UnknownGame",
    "VoiceLinks",
    "WriteLedger",
    "everyone_overwrite",
    "ledger_embed",
    "plan_tick",
    "read_channel",
    "visibility_change",
]

MAX_GAMES = 50
"""Scorecards read per tick (the Sheets quota is 60 reads a minute); the records of this many always fit one url."""


def _all_lines(channel: ChannelView) -> Iterable[FinalLine]:
    """Every final record in the channel: holders first, then ledgers."""
    for message in channel.scorebugs:
        yield from message.finals
    for ledger in channel.ledgers:
        yield from ledger.lines


def _all_records(channel: ChannelView | None) -> list[tuple[str, VoiceRecord]]:
    """(game, record) of every voice status the channel's messages say leaguectl wrote."""
    if channel is None:
        return []
    found = [(m.game_id, m.record) for m in channel.scorebugs if m.record is not None]
    found += [(line.game_id, line.record) for line in _all_lines(channel) if line.record is not None]
    return found


def _previous_records(channel: ChannelView | None) -> dict[str, VoiceRecord]:
    """game → the record it has now: its scorebug's (a game with a scorebug is live), else its final record."""
    previous: dict[str, VoiceRecord] = {}
    if channel is None:
        return previous
    for message in channel.scorebugs:
        if message.record is not None:
            previous.setdefault(message.game_id, message.record)
    for line in _all_lines(channel):
        if line.record is not None:
            previous.setdefault(line.game_id, line.record)
    return previous


def _wanted_records(
    games: Sequence[GameInput], previous: Mapping[str, VoiceRecord], voice: VoiceLinks
) -> dict[str, VoiceRecord | None]:
    """What each game's record should be: the status it wants, or (unknown state or links) the one it has."""
    return {
        game.game_id: game.wanted_record if isinstance(game, Game) and voice.known else previous.get(game.game_id)
        for game in games
    }


def _plan_voice(games: Sequence[GameInput], channel: ChannelView | None, voice: VoiceLinks, plan: TickPlan) -> None:
    """Write each wanted status not recorded yet; clear each recorded one that no game wants any more."""
    if not voice.known:
        return
    recorded = _all_records(channel)
    for game in games:
        wanted = plan.records.get(game.game_id)
        if isinstance(game, Game) and wanted is not None and (game.game_id, wanted) not in recorded:
            plan.voice.append(SetVoiceStatus(game.game_id, wanted.voice_channel_id, game.status))
    wanted_channels = {record.voice_channel_id for record in plan.records.values() if record is not None}
    owners: dict[str, str] = {}
    for game_id, record in recorded:
        owners.setdefault(record.voice_channel_id, game_id)
    for voice_id, game_id in sorted(owners.items()):
        if voice_id not in wanted_channels and voice_id not in voice.uncertain and voice_id in voice.existing:
            plan.voice.append(SetVoiceStatus(game_id, voice_id, None))


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
    """game → its final line, preferring one that shows the score (a ledger's) over a bare record."""
    lines: dict[str, FinalLine] = {}
    for line in _all_lines(channel):
        known = lines.get(line.game_id)
        if known is None or (not known.text and line.text and line.record == known.record):
            lines[line.game_id] = line
    return lines


def _final_lines(
    games: Sequence[GameInput],
    primary: Mapping[str, ScorebugMessage],
    known: Mapping[str, FinalLine],
    records: Mapping[str, VoiceRecord | None],
) -> tuple[FinalLine, ...]:
    """One line per published final game, in published order.

    A game whose sheet was not read keeps its known line, unless it still has
    a scorebug: then it is live, and an old final record of it must not stop
    a later ``- FINAL`` write.
    """
    lines = []
    for game in games:
        if isinstance(game, Game) and game.is_final:
            lines.append(game.final_line(records.get(game.game_id)))
        elif isinstance(game, UnknownGame) and game.game_id not in primary and game.game_id in known:
            lines.append(known[game.game_id])
    return tuple(lines)


def _fitting(lines: tuple[FinalLine, ...], marker: Marker) -> tuple[tuple[FinalLine, ...], tuple[FinalLine, ...]]:
    """The lines whose records fit in ``marker``'s url (in order), and those that do not."""
    kept: list[FinalLine] = []
    length = len(Marker(marker.kind, marker.guild_id, marker.channel_id, marker.record).url())
    for index, line in enumerate(lines):
        length += 1 + len(line.as_record().token())
        if length > URL_LIMIT:
            return tuple(kept), lines[index:]
        kept.append(line)
    return tuple(kept), ()


def _holder(games: Sequence[GameInput], primary: Mapping[str, ScorebugMessage]) -> GameInput | None:
    """The first game in published order that keeps a scorebug: live, or unread with its scorebug kept."""
    for game in games:
        if isinstance(game, Game) and not game.is_final:
            return game
        if isinstance(game, UnknownGame) and game.game_id in primary:
            return game
    return None


def _place_finals(
    games: Sequence[GameInput], channel: ChannelView, primary: Mapping[str, ScorebugMessage], plan: TickPlan
) -> None:
    """Choose where the final records go (the holder, else the ledger) and keep what fits there."""
    finals = _final_lines(games, primary, _known_lines(channel), plan.records)
    holder = _holder(games, primary)
    if holder is not None and finals:
        plan.holder = holder.game_id
        marker = Marker(SCOREBUG, channel.guild_id, holder.game_id, plan.records.get(holder.game_id))
    else:
        marker = Marker(LEDGER, channel.guild_id, channel.channel_id)
    plan.finals, plan.dropped_finals = _fitting(finals, marker)


def _plan_live(game: Game, existing: ScorebugMessage | None, guild_id: str, plan: TickPlan) -> None:
    held = plan.finals if game.game_id == plan.holder else ()
    wanted = game.embed(guild_id, plan.records.get(game.game_id), held)
    if existing is None:
        plan.scorebugs.append(PostScorebug(game, held))
    elif embed_signature(existing.embed) != embed_signature(wanted):
        releases = bool(existing.finals) and not held
        plan.scorebugs.append(EditScorebug(existing.message_id, game, existing.embed, held, releases))
    else:
        plan.unchanged.append(game.game_id)


def _plan_unread(existing: ScorebugMessage, guild_id: str, plan: TickPlan) -> None:
    """An unread game's scorebug shows what it showed; only its records change (or an old footer goes)."""
    held = plan.finals if existing.game_id == plan.holder else ()
    rewrite = RewriteRecords(
        existing.message_id, existing.game_id, existing.embed, held, bool(existing.finals) and not held
    )
    if embed_signature(existing.embed) != embed_signature(rewrite.embed(guild_id, existing.record, held)):
        plan.scorebugs.append(rewrite)


def _plan_ledger(channel: ChannelView, color: int, plan: TickPlan) -> None:
    lines = plan.finals if plan.holder is None else ()
    primary = channel.ledgers[0] if channel.ledgers else None
    for extra in channel.ledgers[1:]:
        plan.deletes.append(DeleteMessage(extra.message_id, "duplicate final-scores message", None, bool(extra.lines)))
    if not lines:
        if primary is not None:
            reason = "final games are held by a scorebug" if plan.finals else "no final games published"
            plan.deletes.append(DeleteMessage(primary.message_id, reason, None, bool(primary.lines)))
        return
    if primary is None:
        plan.ledger = WriteLedger(None, lines)
    elif embed_signature(primary.embed) != embed_signature(
        ledger_embed(channel.guild_id, channel.channel_id, lines, color)
    ):
        plan.ledger = WriteLedger(primary.message_id, lines, primary.embed)


def _plan_visibility(channel: ChannelView, visible: bool, plan: TickPlan) -> None:
    if channel.visible is visible:
        return
    plan.visibility = visibility_change(channel.everyone_allow or 0, channel.everyone_deny or 0, visible)


def visibility_change(allow: int, deny: int, visible: bool) -> SetVisibility:
    """The @everyone overwrite that shows (or hides) the channel, keeping its other bits."""
    if visible:
        return SetVisibility(True, allow | VIEW_CHANNEL, deny & ~VIEW_CHANNEL)
    return SetVisibility(False, allow & ~VIEW_CHANNEL, deny | VIEW_CHANNEL)


def _plan_games(
    games: Sequence[GameInput], channel: ChannelView, primary: dict[str, ScorebugMessage], plan: TickPlan
) -> bool:
    """The scorebug writes and deletions of the published games; True when one of them is live."""
    any_live = False
    for game in games:
        existing = primary.get(game.game_id)
        if isinstance(game, UnknownGame):
            plan.kept_unknown.append(game.game_id)
            if existing is not None:
                any_live = True
                _plan_unread(existing, channel.guild_id, plan)
        elif game.is_final:
            if existing is not None:
                plan.deletes.append(
                    DeleteMessage(existing.message_id, "game is final", game.game_id, bool(existing.finals))
                )
        else:
            any_live = True
            _plan_live(game, existing, channel.guild_id, plan)
    plan.scorebugs.sort(key=lambda write: write.game_id != plan.holder)
    return any_live


def plan_tick(
    games: Sequence[GameInput],
    channel: ChannelView | None,
    *,
    ledger_color: int,
    voice: VoiceLinks | None = None,
) -> TickPlan:
    """Plan one tick. ``channel`` None: the live-scores channel is missing; only voice statuses are planned.

    Voice statuses are planned from the records in leaguectl's messages, so
    without the channel every linked game's status is written again. A
    recorded status is cleared only on a channel in ``voice.existing``.
    """
    voice = voice or VoiceLinks()
    plan = TickPlan()
    plan.previous = _previous_records(channel)
    plan.records = _wanted_records(games, plan.previous, voice)
    _plan_voice(games, channel, voice, plan)
    if channel is None:
        return plan
    primary = _primary_scorebugs(channel, plan)
    _place_finals(games, channel, primary, plan)
    any_live = _plan_games(games, channel, primary, plan)
    published = {game.game_id for game in games}
    for game_id, message in primary.items():
        if game_id not in published:
            plan.deletes.append(
                DeleteMessage(message.message_id, "scorecard no longer published", game_id, bool(message.finals))
            )
    plan.deletes.extend(DeleteMessage(message_id, "scorebug of the bot's own loop") for message_id in channel.orphans)
    _plan_ledger(channel, ledger_color, plan)
    _plan_visibility(channel, any_live, plan)
    return plan
