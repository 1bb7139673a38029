"""What the ``scorebug-tick`` planner works on and what it returns (plain data).

In: the published games (:class:`Game`, or :class:`UnknownGame` when a sheet
could not be read) and what is known of voice channels (:class:`VoiceLinks`).
Out: a :class:`TickPlan`, the writes of one tick in the order they are applied,
and the "Final scores" message they may write (:func:`ledger_embed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from leaguectl.scorebug.embed import TeamLook, scorebug_embed, voice_status
from leaguectl.scorebug.identify import LEDGER_TITLE, FinalLine
from leaguectl.scorebug.marker import LEDGER, SCOREBUG, Marker, VoiceRecord
from leaguectl.scorebug.parse import Scorebug

JsonObject = dict[str, Any]

_VISIBLE_KEYS = ("title", "description", "color", "fields")
"""What a records-only edit copies from the current embed (its footer and Discord's additions are left out)."""


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
        return voice_status(self.scorebug, self.away.label, self.home.label)

    @property
    def wanted_record(self) -> VoiceRecord | None:
        return VoiceRecord.of(self.voice_channel_id, self.status) if self.voice_channel_id else None

    def final_line(self, record: VoiceRecord | None) -> FinalLine:
        return FinalLine(self.game_id, self.status, record)

    def embed(self, guild_id: str, record: VoiceRecord | None, finals: Sequence[FinalLine] = ()) -> JsonObject:
        marker = Marker(SCOREBUG, guild_id, self.game_id, record, tuple(line.as_record() for line in finals))
        return scorebug_embed(self.scorebug, self.away, self.home, url=marker.url())


@dataclass(frozen=True)
class UnknownGame:
    """A published game whose state is unknown this tick (unreadable sheet, bad data, over the limit)."""

    game_id: str


GameInput = Game | UnknownGame


@dataclass(frozen=True)
class VoiceLinks:
    """What this tick knows about voice channels, beyond each game's own link.

    ``known`` is False when ``VOICE_CHANNELS_FILE`` could not be read: then no
    status is written or cleared and every record is kept as it is.
    ``existing``: the guild's voice channels (a deleted one needs no clearing).
    ``uncertain``: voice channels of unusable file entries, never cleared.
    """

    known: bool = True
    existing: frozenset[str] = frozenset()
    uncertain: frozenset[str] = frozenset()


# --- the plan --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetVoiceStatus:
    """Write ``status`` to a voice channel; ``status`` None clears the status leaguectl wrote there."""

    game_id: str | None
    voice_channel_id: str
    status: str | None


@dataclass(frozen=True)
class PostScorebug:
    game: Game
    finals: tuple[FinalLine, ...] = ()

    @property
    def game_id(self) -> str:
        return self.game.game_id

    @property
    def releases_finals(self) -> bool:
        """A new message holds nothing yet, so posting it never gives final records up."""
        return False


@dataclass(frozen=True)
class EditScorebug:
    """Edit a live game's scorebug; ``releases_finals``: it held final records and no longer will."""

    message_id: str
    game: Game
    current: JsonObject
    finals: tuple[FinalLine, ...] = ()
    releases_finals: bool = False

    @property
    def game_id(self) -> str:
        return self.game.game_id


@dataclass(frozen=True)
class RewriteRecords:
    """Edit only the records of a scorebug whose sheet was not read (the final games it holds change).

    What members see (the last known score) is kept; a footer of leaguectl 0.1.0 goes.
    """

    message_id: str
    game_id: str
    current: JsonObject
    finals: tuple[FinalLine, ...] = ()
    releases_finals: bool = False

    def embed(self, guild_id: str, record: VoiceRecord | None, finals: Sequence[FinalLine]) -> JsonObject:
        embed = {key: self.current[key] for key in _VISIBLE_KEYS if key in self.current}
        embed["url"] = Marker(SCOREBUG, guild_id, self.game_id, record, tuple(f.as_record() for f in finals)).url()
        return embed


ScorebugWrite = PostScorebug | EditScorebug | RewriteRecords


@dataclass(frozen=True)
class DeleteMessage:
    """Delete one of leaguectl's messages; ``holds_finals``: it carries final-game records."""

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
    first among those, so the new place of the final records is written
    before anything releasing them (a strip, a delete).
    """

    voice: list[SetVoiceStatus] = field(default_factory=list)
    ledger: WriteLedger | None = None
    scorebugs: list[ScorebugWrite] = field(default_factory=list)
    deletes: list[DeleteMessage] = field(default_factory=list)
    visibility: SetVisibility | None = None
    unchanged: list[str] = field(default_factory=list)
    kept_unknown: list[str] = field(default_factory=list)
    finals: tuple[FinalLine, ...] = ()
    dropped_finals: tuple[FinalLine, ...] = ()
    """Final games whose records did not fit Discord's url limit (only with far more than MAX_GAMES published)."""
    holder: str | None = None
    """The game whose scorebug carries ``finals``; None when they are in the ledger (or there are none)."""
    records: dict[str, VoiceRecord | None] = field(default_factory=dict)
    """game → the voice record its message should carry after this tick (if every write succeeds)."""
    previous: dict[str, VoiceRecord] = field(default_factory=dict)
    """game → the voice record found in the channel before this tick."""

    @property
    def is_empty(self) -> bool:
        return not (self.voice or self.scorebugs or self.ledger or self.deletes or self.visibility)

    def record_after_failure(self, game_id: str) -> VoiceRecord | None:
        """The record to keep when this tick's status write for the game failed: the old one, same channel only."""
        old, wanted = self.previous.get(game_id), self.records.get(game_id)
        return (
            old if old is not None and wanted is not None and old.voice_channel_id == wanted.voice_channel_id else None
        )


def ledger_embed(guild_id: str, channel_id: str, lines: Sequence[FinalLine], color: int) -> JsonObject:
    """The "Final scores" message: the final games as members read them; the records in its link."""
    marker = Marker(LEDGER, guild_id, channel_id, None, tuple(line.as_record() for line in lines))
    return {
        "title": LEDGER_TITLE,
        "url": marker.url(),
        "description": "\n".join(line.render() for line in lines),
        "color": color,
    }
