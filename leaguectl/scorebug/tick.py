"""One ``scorebug-tick`` pass: read the files, the sheets and the channel; plan; apply; report.

Reads: ``SCORECARDS_FILE`` and ``VOICE_CHANNELS_FILE`` (fresh every run), one
Sheets request per published scorecard (at most :data:`~.plan.MAX_GAMES`),
each team once per pass from the league API, and from Discord the bot's user,
the guild's channels and up to :data:`SCAN_LIMIT` of the live-scores
channel's newest messages. Writes only what :func:`~.plan.plan_tick` says
differs, so an unchanged game costs no Discord write.

Every entry, sheet and team is one item: a bad one is reported (naming the
game's channel, the cell or the file entry, and what to do) and the other
games still update.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from leaguectl.scorebug.embed import TeamLook, embed_signature
from leaguectl.scorebug.files import (
    VOICE_CHANNELS_SETTING,
    PublishedScorecard,
    VoiceFile,
    load_scorecards,
    load_voice_links,
    shown_key,
)
from leaguectl.scorebug.identify import FinalLine
from leaguectl.scorebug.names import channel_label, channel_names
from leaguectl.scorebug.plan import (
    MAX_GAMES,
    ChannelView,
    DeleteMessage,
    EditScorebug,
    Game,
    GameInput,
    RewriteRecords,
    ScorebugWrite,
    SetVisibility,
    SetVoiceStatus,
    TickPlan,
    UnknownGame,
    VoiceLinks,
    WriteLedger,
    everyone_overwrite,
    ledger_embed,
    plan_tick,
    read_channel,
    visibility_change,
)

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient
    from leaguectl.models import Team
    from leaguectl.passrun import PassContext
    from leaguectl.scorebug.marker import VoiceRecord
    from leaguectl.sheets import ScorecardReader

log = logging.getLogger("leaguectl.scorebug")

SCAN_LIMIT = 1000
"""How many of the live-scores channel's newest messages are searched for leaguectl's own (10 requests)."""
VOICE_CHANNEL_TYPES = (2,)
SHOW_REASON = "Active games in progress"
HIDE_REASON = "No active games"
CLEAR_REASON = "Scorecard no longer published"


@dataclass
class TeamCache:
    """Each team fetched at most once per pass; a missing or unreadable team is remembered with why."""

    fetch: Callable[[int], Team]
    teams: dict[int, Team | str] = field(default_factory=dict)

    def get(self, team_id: int) -> Team | str:
        """The team, or the reason it cannot be used (not in the league, bad row)."""
        if team_id not in self.teams:
            from leaguectl.league_api import LeagueDataError, NotFound

            try:
                self.teams[team_id] = self.fetch(team_id)
            except NotFound:
                self.teams[team_id] = f"team {team_id} is not in the league"
            except LeagueDataError as exc:
                self.teams[team_id] = f"team {team_id} is unreadable ({exc})"
        return self.teams[team_id]


def _team_look(team: Team, default_color: int) -> TeamLook:
    return TeamLook(abbrev=team.abbrev, color=team.color_int(default_color))


def default_color(pc: PassContext) -> int:
    try:
        return int(pc.settings.default_embed_color.strip().removeprefix("#"), 16)
    except ValueError:
        return 0xA6CE39


@dataclass
class Labels:
    """Channel ids → how a person reads them in this pass's report (``#gameday-1``)."""

    names: dict[str, str]

    def __call__(self, channel_id: str | None) -> str | None:
        return channel_label(self.names, channel_id) if channel_id else None


MAX_REPORTED_ENTRIES = 20
"""A file with thousands of bad entries is reported by its first ones and a count, not thousands of lines a tick."""


def _report_file_problems(pc: PassContext, setting: str, bad: Any, duplicates: tuple[str, ...], *, error: bool) -> None:
    record = pc.report.error if error else pc.report.warn
    repeated = list(dict.fromkeys(duplicates))
    for key in repeated[:MAX_REPORTED_ENTRIES]:
        pc.report.warn(
            f"{setting} repeats the key {shown_key(key)}: the last one is used, as the bot reads it; remove the other"
        )
    for entry in list(bad)[:MAX_REPORTED_ENTRIES]:
        record(f"{setting} entry {shown_key(entry.key)}: {entry.problem}", item=shown_key(entry.key))
    hidden = max(len(bad) - MAX_REPORTED_ENTRIES, 0) + max(len(repeated) - MAX_REPORTED_ENTRIES, 0)
    if hidden:
        record(f"{setting} has {hidden} more unusable or repeated entries; fix the file")


def read_voice(pc: PassContext, voice_channel_ids: set[str]) -> tuple[VoiceFile, VoiceLinks]:
    """The voice links, and what the planner may do with voice statuses."""
    voice_file = load_voice_links(pc.settings.voice_channels_file, pc.runtime.sleep)
    if voice_file.problem is not None:
        pc.report.error(
            f"{voice_file.problem}; every voice status is left as it is until the file can be read again",
            item=VOICE_CHANNELS_SETTING,
        )
    _report_file_problems(pc, VOICE_CHANNELS_SETTING, voice_file.bad, voice_file.duplicates, error=False)
    links = VoiceLinks(
        known=voice_file.problem is None, existing=frozenset(voice_channel_ids), uncertain=voice_file.uncertain
    )
    return voice_file, links


def read_games(pc: PassContext, voice_file: VoiceFile, voice_channel_ids: set[str], label: Labels) -> list[GameInput]:
    """Read every published scorecard; a game that cannot be shown becomes an :class:`UnknownGame`."""
    cards = load_scorecards(pc.settings.scorecards_file, pc.runtime.sleep)
    _report_file_problems(pc, "SCORECARDS_FILE", cards.bad, cards.duplicates, error=True)
    if not cards.cards:
        return []
    read, beyond = cards.cards[:MAX_GAMES], cards.cards[MAX_GAMES:]
    if beyond:
        pc.report.error(
            f"SCORECARDS_FILE publishes {len(cards.cards)} scorecards; only the first {MAX_GAMES} are read each tick "
            f"(the Sheets quota), the other {len(beyond)} scorebugs stay as they are. Unpublish finished games"
        )
    from leaguectl.sheets import ScorecardReader

    reader = ScorecardReader(
        credentials=pc.settings.google_sheets_credentials, api_url=pc.settings.sheets_api_url, runtime=pc.runtime
    )
    teams = TeamCache(pc.league.get_team)
    games: list[GameInput] = []
    try:
        for card in read:
            pc.checkpoint()
            voice_id = voice_file.links.get(card.text_channel_id)
            if voice_id is not None and voice_id not in voice_channel_ids:
                pc.report.skip(
                    f"its linked voice channel {voice_id} is not a voice channel of the guild (VOICE_CHANNELS_FILE)",
                    item=label(card.text_channel_id),
                    channel=card.text_channel_id,
                )
                voice_id = None
            games.append(_read_game(pc, reader, teams, card, voice_id, label))
    finally:
        reader.close()
    return games + [UnknownGame(card.text_channel_id) for card in beyond]


def _read_game(
    pc: PassContext,
    reader: ScorecardReader,
    teams: TeamCache,
    card: PublishedScorecard,
    voice_id: str | None,
    label: Labels,
) -> GameInput:
    from leaguectl.scorebug.parse import ScorebugParseError
    from leaguectl.sheets import SheetError, UnexpectedAnswer, read_scorebug, spreadsheet_key

    game_id = card.text_channel_id
    where = {"item": label(game_id), "channel": game_id, "sheet": spreadsheet_key(card.sheet_url)}
    try:
        scorebug = read_scorebug(reader, card.sheet_url)
    except UnexpectedAnswer as exc:
        pc.report.error(f"scorecard not read, its scorebug is left as it was: {exc}", **where)
        return UnknownGame(game_id)
    except SheetError as exc:
        pc.report.warn(f"scorecard not read, its scorebug is left as it was: {exc}", **where)
        return UnknownGame(game_id)
    except ScorebugParseError as exc:
        pc.report.error(f"scorecard {where['sheet']}, Scorebug tab: {exc}; its scorebug is left as it was", **where)
        return UnknownGame(game_id)
    away, home = teams.get(scorebug.away_team_id), teams.get(scorebug.home_team_id)
    if isinstance(away, str) or isinstance(home, str):
        problems = [
            f"{side} team (cell {cell_name}): {problem}"
            for side, cell_name, problem in (("away", "B5", away), ("home", "B6", home))
            if isinstance(problem, str)
        ]
        pc.report.error(f"scorecard {where['sheet']}: {'; '.join(problems)}; fix the cell", **where)
        return UnknownGame(game_id)
    color = default_color(pc)
    return Game(
        game_id=game_id,
        scorebug=scorebug,
        away=_team_look(away, color),
        home=_team_look(home, color),
        voice_channel_id=voice_id,
    )


def read_live_channel(pc: PassContext, live: dict[str, Any] | None, label: Labels) -> ChannelView | None:
    if live is None:
        pc.report.warn(
            f"live-scores channel {pc.settings.live_scores_channel!r} not found (LIVE_SCORES_CHANNEL); "
            "voice statuses are still set, and rewritten every tick until the channel exists"
        )
        return None
    from leaguectl.discord_rest import MISSING_ACCESS, MISSING_PERMISSIONS, DiscordError

    discord = pc.discord
    bot_id = str(discord.current_user()["id"])
    channel_id = str(live["id"])
    try:
        messages = list(discord.iter_messages(channel_id, limit=SCAN_LIMIT))
    except DiscordError as exc:
        if exc.code not in (MISSING_ACCESS, MISSING_PERMISSIONS):
            raise
        pc.report.error(
            f"cannot read the live-scores channel {label(channel_id)} ({exc}); give the bot View Channel and "
            "Read Message History there (its own overwrite, so hiding the channel does not lock it out). "
            "Voice statuses are still set",
            item=label(channel_id),
        )
        return None
    if len(messages) >= SCAN_LIMIT:
        pc.report.warn(
            f"only the newest {SCAN_LIMIT} messages of {label(channel_id)} were searched for leaguectl's scorebugs; "
            "an older one is not found and its game gets a new one. Delete old chat there",
            item=label(channel_id),
        )
    return read_channel(channel_id, messages, bot_id, live.get("permission_overwrites"), pc.guild_id)


def run_tick(pc: PassContext) -> None:
    discord = pc.discord
    channels = discord.guild_channels(pc.guild_id)
    label = Labels(channel_names(channels))
    live = discord.resolve_channel(pc.guild_id, pc.settings.live_scores_channel)
    voice_channel_ids = {str(c.get("id")) for c in channels if c.get("type") in VOICE_CHANNEL_TYPES}
    voice_file, voice = read_voice(pc, voice_channel_ids)
    games = read_games(pc, voice_file, voice_channel_ids, label)
    channel = read_live_channel(pc, live, label)
    plan = plan_tick(games, channel, ledger_color=default_color(pc), voice=voice)
    _report_games(pc, games[:MAX_GAMES], label)
    for line in plan.dropped_finals:
        pc.report.warn(
            "too many final games published to record them all; its '- FINAL' status may be written again",
            item=label(line.game_id),
        )
    Applier(pc, discord, channel, plan, label).apply()
    live_count = sum(1 for g in games if isinstance(g, Game) and not g.is_final)
    final_count = sum(1 for g in games if isinstance(g, Game) and g.is_final)
    unknown = len(games) - live_count - final_count
    writes = len(pc.report.actions)
    pc.report.summary = f"{live_count} live, {final_count} final, {unknown} unread; " + (
        f"{writes} change{'s' if writes != 1 else ''}" if writes else "nothing changed"
    )


def _report_games(pc: PassContext, games: list[GameInput], label: Labels) -> None:
    rows = []
    for game in games:
        row: dict[str, Any] = {"game": label(game.game_id), "channel": game.game_id}
        if isinstance(game, Game):
            row.update(state="final" if game.is_final else "live", score=game.status)
            if game.voice_channel_id:
                row["voice"] = label(game.voice_channel_id)
        else:
            row["state"] = "unread"
        rows.append(row)
    if rows:
        pc.report.details["games"] = rows


class Applier:
    """Executes a :class:`TickPlan`; under ``--dry-run`` it only reports.

    When the write that should carry the final-game records (the holder's
    scorebug or the ledger) is refused, the writes that would give those
    records up elsewhere (strips, deletions) wait for a later tick, so a
    refusal never costs a record.
    """

    def __init__(
        self, pc: PassContext, discord: DiscordClient, channel: ChannelView | None, plan: TickPlan, label: Labels
    ) -> None:
        self.pc = pc
        self.discord = discord
        self.channel = channel
        self.plan = plan
        self.label = label
        self.voice_failed: set[str] = set()
        self.carrier_failed = False

    def apply(self) -> None:
        plan = self.plan
        for write in plan.voice:
            self._guarded(self.label(write.game_id), partial(self._voice, write))
        if plan.ledger is not None and not self._guarded(self._live_label, partial(self._ledger, plan.ledger)):
            self.carrier_failed = True
        for action in plan.scorebugs:
            if action.releases_finals and self._keep_records(action.game_id):
                continue
            if not self._guarded(self.label(action.game_id), partial(self._scorebug, action)) and action.finals:
                self.carrier_failed = True
        deletes = [d for d in plan.deletes if not (d.holds_finals and self._keep_records(d.game_id, d.message_id))]
        if deletes:
            self._guarded(self._live_label, partial(self._deletes, deletes))
        if plan.visibility is not None and self.channel is not None:
            self._guarded(self._live_label, partial(self._visibility, plan.visibility))

    @property
    def _live_label(self) -> str | None:
        return self.label(self.channel.channel_id) if self.channel is not None else None

    def _keep_records(self, game_id: str | None, message_id: str | None = None) -> bool:
        """True (and reported) when final records must stay where they are this tick."""
        if self.carrier_failed:
            self.pc.report.skip(
                "kept: it holds final-game records and their new place could not be written",
                item=self.label(game_id) or self._live_label,
                message=message_id,
            )
        return self.carrier_failed

    def _guarded(self, item: str | None, step: Callable[[], None]) -> bool:
        """Run one write; a refusal by Discord is an error for that item, and the pass goes on."""
        from leaguectl.discord_rest import DiscordError

        self.pc.checkpoint()
        try:
            step()
        except DiscordError as exc:
            self.pc.report.error(f"Discord refused: {exc}", item=item)
            return False
        return True

    @property
    def channel_id(self) -> str:
        assert self.channel is not None
        return self.channel.channel_id

    @property
    def guild_id(self) -> str:
        return self.pc.guild_id

    def _voice(self, write: SetVoiceStatus) -> None:
        from leaguectl.discord_rest import DiscordError
        from leaguectl.discord_types import UNKNOWN_CHANNEL

        where = {"voice_channel": write.voice_channel_id, "game": self.label(write.game_id)}
        target = self.label(write.voice_channel_id) or write.voice_channel_id
        if write.status is None:
            if not self.pc.dry_run:
                try:
                    self.discord.set_voice_status(write.voice_channel_id, None, reason=CLEAR_REASON)
                except DiscordError as exc:
                    if exc.code != UNKNOWN_CHANNEL:
                        raise
                    self.pc.report.skip("voice channel deleted meanwhile: no status to clear", item=target, **where)
                    return
            self.pc.report.action("clear-voice-status", target, **where)
            return
        if not self.pc.dry_run:
            try:
                self.discord.set_voice_status(write.voice_channel_id, write.status)
            except DiscordError:
                if write.game_id is not None:
                    self.voice_failed.add(write.game_id)
                raise
        self.pc.report.action("set-voice-status", target, status=write.status, **where)

    def _record(self, game_id: str) -> VoiceRecord | None:
        """The record a game's message carries after this tick's writes."""
        if game_id in self.voice_failed:
            return self.plan.record_after_failure(game_id)
        return self.plan.records.get(game_id)

    def _written(self, lines: tuple[FinalLine, ...]) -> tuple[FinalLine, ...]:
        """The final lines as recorded: the old record where this pass failed to write the new one."""
        return tuple(
            line.with_record(self._record(line.game_id)) if line.game_id in self.voice_failed else line
            for line in lines
        )

    def _scorebug(self, action: ScorebugWrite) -> None:
        finals = self._written(action.finals)
        game_id = action.game_id
        where: dict[str, Any] = {"game_channel": game_id}
        if finals:
            where["finals"] = len(finals)
        if isinstance(action, RewriteRecords):
            embed = action.embed(self.guild_id, self._record(game_id), finals)
            if embed_signature(action.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(action.message_id, embed, game_id)
            self.pc.report.action(
                "edit-scorebug-records", self.label(game_id) or game_id, message=action.message_id, **where
            )
            return
        game = action.game
        embed = game.embed(self.guild_id, self._record(game_id), finals)
        where["score"] = game.status
        if isinstance(action, EditScorebug):
            if embed_signature(action.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(action.message_id, embed, game_id)
            self.pc.report.action("edit-scorebug", self.label(game_id) or game_id, message=action.message_id, **where)
            return
        message_id = "(new)"
        if not self.pc.dry_run:
            message_id = self._post(embed, "scorebug", game_id)
        self.pc.report.action("post-scorebug", self.label(game_id) or game_id, message=message_id, **where)

    def _edit_or_repost(self, message_id: str, embed: dict[str, Any], *identity: str) -> None:
        """Edit in place; repost when the message vanished or Discord refuses more edits of it.

        Discord caps edits of messages older than an hour (30046), which a long
        game reaches. The old message is deleted before the new one is posted,
        so a crash in between leaves no duplicate: the next tick posts it.
        """
        from leaguectl.discord_rest import EDIT_LIMIT_OLD_MESSAGE, UNKNOWN_MESSAGE, DiscordError

        try:
            self.discord.edit_message(self.channel_id, message_id, embeds=[embed])
            return
        except DiscordError as exc:
            if exc.code == EDIT_LIMIT_OLD_MESSAGE:
                self.discord.delete_message(self.channel_id, message_id, reason="edit limit reached; reposted")
            elif exc.code != UNKNOWN_MESSAGE:
                raise
        self._post(embed, "repost", *identity, message_id)

    def _post(self, embed: dict[str, Any], *identity: str) -> str:
        """Post one embed whose nonce is its identity in this channel (SPEC §1.8); its message id.

        Two passes at once post it once: Discord answers the second with the
        first. When that first message was deleted meanwhile (a game ended and
        came back within Discord's nonce window), Discord answers 10008; the
        post is made once more under a second identity, the same on every host.
        """
        from leaguectl.discord_rest import UNKNOWN_MESSAGE, DiscordError, identity_nonce

        nonce = identity_nonce(*identity, self.channel_id)
        try:
            message = self.discord.create_message(self.channel_id, embeds=[embed], nonce=nonce)
        except DiscordError as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise
            nonce = identity_nonce(*identity, self.channel_id, "again")
            message = self.discord.create_message(self.channel_id, embeds=[embed], nonce=nonce)
        return str(message["id"])

    def _ledger(self, ledger: WriteLedger) -> None:
        lines = self._written(ledger.lines)
        embed = ledger_embed(self.guild_id, self.channel_id, lines, default_color(self.pc))
        target = self._live_label or self.channel_id
        if ledger.message_id is not None:
            if ledger.current is not None and embed_signature(ledger.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(ledger.message_id, embed, "final-scores")
            self.pc.report.action("edit-final-scores", target, message=ledger.message_id, games=len(lines))
            return
        message_id = "(new)"
        if not self.pc.dry_run:
            message_id = self._post(embed, "final-scores", *sorted(line.game_id for line in lines))
        self.pc.report.action("post-final-scores", target, message=message_id, games=len(lines))

    def _deletes(self, deletes: list[DeleteMessage]) -> None:
        if not self.pc.dry_run:
            self.discord.delete_messages(
                self.channel_id, [d.message_id for d in deletes], now=self.pc.now, reason="scorebug no longer current"
            )
        for delete in deletes:
            target = self.label(delete.game_id) or self._live_label or self.channel_id
            self.pc.report.action("delete-message", target, message=delete.message_id, reason=delete.reason)

    def _visibility(self, change: SetVisibility) -> None:
        """Show or hide the channel, from the overwrite as it is right now.

        The overwrite is replaced whole, so it is read again just before (GET
        channel): a change an admin made to @everyone's other permissions
        during the pass is kept, and a channel another pass already switched
        is left alone.
        """
        fresh = self.discord.get_channel(self.channel_id)
        if fresh is None:
            self.pc.report.skip("the live-scores channel was deleted during the pass", item=self._live_label)
            return
        allow, deny = everyone_overwrite(fresh.get("permission_overwrites"), self.guild_id)
        view = ChannelView(self.channel_id, self.guild_id, everyone_allow=allow, everyone_deny=deny)
        if view.visible is change.visible:
            return
        target = visibility_change(allow or 0, deny or 0, change.visible)
        if not self.pc.dry_run:
            self.discord.set_permission_overwrite(
                self.channel_id,
                self.guild_id,
                allow=target.allow,
                deny=target.deny,
                kind=0,
                reason=SHOW_REASON if change.visible else HIDE_REASON,
            )
        self.pc.report.action(
            "show-channel" if change.visible else "hide-channel",
            self._live_label or self.channel_id,
            channel=self.channel_id,
        )
