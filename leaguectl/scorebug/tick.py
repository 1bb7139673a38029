"""One ``scorebug-tick`` pass: read the files, the sheets and the channel; plan; apply; report.

Reads: ``SCORECARDS_FILE`` and ``VOICE_CHANNELS_FILE`` (fresh every run), one
Sheets request per published scorecard, each team once per pass from the
league API, and from Discord the bot's user, the guild's channels and the
newest :data:`SCAN_LIMIT` messages of the live-scores channel. Writes only
what :func:`~leaguectl.scorebug.plan.plan_tick` says differs, so an unchanged
game costs no Discord write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from leaguectl.scorebug.embed import TeamLook, embed_signature
from leaguectl.scorebug.files import PublishedScorecard, load_scorecards, load_voice_links
from leaguectl.scorebug.plan import (
    ChannelView,
    DeleteMessage,
    EditScorebug,
    FinalLine,
    Game,
    GameInput,
    RewriteFooter,
    ScorebugWrite,
    SetVisibility,
    TickPlan,
    UnknownGame,
    WriteLedger,
    ledger_embed,
    plan_tick,
    read_channel,
)

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient
    from leaguectl.models import Team
    from leaguectl.passrun import PassContext
    from leaguectl.sheets import ScorecardReader

log = logging.getLogger("leaguectl.scorebug")

SCAN_LIMIT = 100
"""How many of the live-scores channel's newest messages are searched for the bot's own."""
VOICE_CHANNEL_TYPES = (2,)
SHOW_REASON = "Active games in progress"
HIDE_REASON = "No active games"


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


def read_games(pc: PassContext, voice_channel_ids: set[str]) -> list[GameInput]:
    """Read every published scorecard; a game that cannot be shown becomes an :class:`UnknownGame`."""
    cards = load_scorecards(pc.settings.scorecards_file, pc.runtime.sleep)
    for bad in cards.bad:
        pc.report.error(f"SCORECARDS_FILE entry {bad.key!r}: {bad.problem}", item=bad.key)
    if not cards.cards:
        return []
    links = load_voice_links(pc.settings.voice_channels_file, pc.runtime.sleep)
    from leaguectl.sheets import ScorecardReader

    reader = ScorecardReader(
        credentials=pc.settings.google_sheets_credentials, api_url=pc.settings.sheets_api_url, runtime=pc.runtime
    )
    teams = TeamCache(pc.league.get_team)
    games: list[GameInput] = []
    try:
        for card in cards.cards:
            pc.checkpoint()
            voice_id = links.get(card.text_channel_id)
            if voice_id is not None and voice_id not in voice_channel_ids:
                pc.report.skip(
                    f"linked voice channel {voice_id} is not a voice channel of the guild", item=card.text_channel_id
                )
                voice_id = None
            games.append(_read_game(pc, reader, teams, card, voice_id))
    finally:
        reader.close()
    return games


def _read_game(
    pc: PassContext, reader: ScorecardReader, teams: TeamCache, card: PublishedScorecard, voice_id: str | None
) -> GameInput:
    from leaguectl.scorebug.parse import ScorebugParseError
    from leaguectl.sheets import SheetError, read_scorebug

    game_id = card.text_channel_id
    try:
        scorebug = read_scorebug(reader, card.sheet_url)
    except SheetError as exc:
        pc.report.warn(f"scorecard not read, its scorebug is left as it was: {exc}", item=game_id)
        return UnknownGame(game_id)
    except ScorebugParseError as exc:
        pc.report.error(f"scorecard {card.sheet_url}: {exc}", item=game_id)
        return UnknownGame(game_id)
    away, home = teams.get(scorebug.away_team_id), teams.get(scorebug.home_team_id)
    if isinstance(away, str) or isinstance(home, str):
        problems = [
            f"{side} team (cell {cell_name}): {problem}"
            for side, cell_name, problem in (("away", "B5", away), ("home", "B6", home))
            if isinstance(problem, str)
        ]
        pc.report.error(f"scorecard {card.sheet_url}: {'; '.join(problems)}", item=game_id)
        return UnknownGame(game_id)
    color = default_color(pc)
    return Game(
        game_id=game_id,
        scorebug=scorebug,
        away=_team_look(away, color),
        home=_team_look(home, color),
        voice_channel_id=voice_id,
    )


def read_live_channel(pc: PassContext, live: dict[str, Any] | None) -> ChannelView | None:
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
            f"cannot read the live-scores channel {channel_id} ({exc}); give the bot View Channel and "
            "Read Message History there (its own overwrite, so hiding the channel does not lock it out). "
            "Voice statuses are still set",
            item=channel_id,
        )
        return None
    overwrites = live.get("permission_overwrites") or []
    return read_channel(channel_id, messages, bot_id, overwrites, pc.guild_id)


def run_tick(pc: PassContext) -> None:
    discord = pc.discord
    channels = discord.guild_channels(pc.guild_id)
    live = discord.resolve_channel(pc.guild_id, pc.settings.live_scores_channel)
    voice_channel_ids = {str(c.get("id")) for c in channels if c.get("type") in VOICE_CHANNEL_TYPES}
    games = read_games(pc, voice_channel_ids)
    channel = read_live_channel(pc, live)
    plan = plan_tick(games, channel, ledger_color=default_color(pc))
    _report_games(pc, games)
    Applier(pc, discord, channel).apply(plan)
    live_count = sum(1 for g in games if isinstance(g, Game) and not g.is_final)
    final_count = sum(1 for g in games if isinstance(g, Game) and g.is_final)
    unknown = len(games) - live_count - final_count
    writes = len(pc.report.actions)
    pc.report.summary = f"{live_count} live, {final_count} final, {unknown} unread; " + (
        f"{writes} change{'s' if writes != 1 else ''}" if writes else "nothing changed"
    )


def _report_games(pc: PassContext, games: list[GameInput]) -> None:
    rows = []
    for game in games:
        if isinstance(game, Game):
            state = "final" if game.is_final else "live"
            row = {"game": game.game_id, "state": state, "score": game.status}
            if game.voice_channel_id:
                row["voice"] = game.voice_channel_id
            rows.append(row)
        else:
            rows.append({"game": game.game_id, "state": "unread"})
    if rows:
        pc.report.details["games"] = rows


class Applier:
    """Executes a :class:`TickPlan`; under ``--dry-run`` it only reports.

    When the write that should carry the final-game records (the holder's
    scorebug or the ledger) is refused, the writes that would give those
    records up elsewhere (strips, deletions) wait for a later tick, so a
    refusal never costs a record.
    """

    def __init__(self, pc: PassContext, discord: DiscordClient, channel: ChannelView | None) -> None:
        self.pc = pc
        self.discord = discord
        self.channel = channel
        self.voice_failed: set[str] = set()
        self.carrier_failed = False

    def apply(self, plan: TickPlan) -> None:
        for write in plan.voice:
            self._guarded(write.game_id, partial(self._voice, write.game_id, write.voice_channel_id, write.status))
        if plan.ledger is not None and not self._guarded(None, partial(self._ledger, plan.ledger)):
            self.carrier_failed = True
        for action in plan.scorebugs:
            if action.releases_finals and self._keep_records(action.game_id):
                continue
            if not self._guarded(action.game_id, partial(self._scorebug, action)) and action.finals:
                self.carrier_failed = True
        deletes = [d for d in plan.deletes if not (d.holds_finals and self._keep_records(d.game_id, d.message_id))]
        if deletes:
            self._guarded(None, partial(self._deletes, deletes))
        if plan.visibility is not None and self.channel is not None:
            self._guarded(None, partial(self._visibility, plan.visibility))

    def _keep_records(self, item: str | None, message_id: str | None = None) -> bool:
        """True (and reported) when final records must stay where they are this tick."""
        if self.carrier_failed:
            self.pc.report.skip(
                "kept: it holds final-game records and their new place could not be written",
                item=item,
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

    def _voice(self, game_id: str, voice_id: str, status: str) -> None:
        from leaguectl.discord_rest import DiscordError

        if not self.pc.dry_run:
            try:
                self.discord.set_voice_status(voice_id, status)
            except DiscordError:
                self.voice_failed.add(game_id)
                raise
        self.pc.report.action("set-voice-status", voice_id, game=game_id, status=status)

    def _written(self, lines: tuple[FinalLine, ...]) -> tuple[FinalLine, ...]:
        """The final lines as recorded: no voice record where this pass failed to write it."""
        return tuple(line.without_record() if line.game_id in self.voice_failed else line for line in lines)

    def _scorebug(self, action: ScorebugWrite) -> None:
        finals = self._written(action.finals)
        detail: dict[str, Any] = {"finals": len(finals)} if finals else {}
        if isinstance(action, RewriteFooter):
            embed = action.embed(finals)
            if embed_signature(action.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(action.message_id, embed)
            self.pc.report.action("edit-scorebug-footer", action.message_id, game=action.game_id, **detail)
            return
        game = action.game
        record = None if game.game_id in self.voice_failed else game.wanted_record
        embed = game.embed(record, finals)
        if isinstance(action, EditScorebug):
            if embed_signature(action.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(action.message_id, embed)
            self.pc.report.action("edit-scorebug", action.message_id, game=game.game_id, score=game.status, **detail)
            return
        message_id = "(new)"
        if not self.pc.dry_run:
            message_id = self._post(embed, "scorebug", game.game_id)
        self.pc.report.action("post-scorebug", message_id, game=game.game_id, score=game.status, **detail)

    def _edit_or_repost(self, message_id: str, embed: dict[str, Any]) -> None:
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
        self._post(embed, "scorebug-repost", message_id)

    def _post(self, embed: dict[str, Any], *identity: str) -> str:
        """Post one embed whose nonce is its identity in this channel (SPEC §1.8); its message id."""
        from leaguectl.discord_rest import identity_nonce

        nonce = identity_nonce(*identity, self.channel_id)
        return str(self.discord.create_message(self.channel_id, embeds=[embed], nonce=nonce)["id"])

    def _ledger(self, ledger: WriteLedger) -> None:
        lines = self._written(ledger.lines)
        embed = ledger_embed(lines, default_color(self.pc))
        if ledger.message_id is not None:
            if ledger.current is not None and embed_signature(ledger.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(ledger.message_id, embed)
            self.pc.report.action("edit-final-scores", ledger.message_id, games=len(lines))
            return
        message_id = "(new)"
        if not self.pc.dry_run:
            message_id = self._post(embed, "final-scores", *sorted(line.game_id for line in lines))
        self.pc.report.action("post-final-scores", message_id, games=len(lines))

    def _deletes(self, deletes: list[DeleteMessage]) -> None:
        if not self.pc.dry_run:
            self.discord.delete_messages(
                self.channel_id, [d.message_id for d in deletes], now=self.pc.now, reason="scorebug no longer current"
            )
        for delete in deletes:
            self.pc.report.action("delete-message", delete.message_id, game=delete.game_id, reason=delete.reason)

    def _visibility(self, change: SetVisibility) -> None:
        if not self.pc.dry_run:
            self.discord.set_permission_overwrite(
                self.channel_id,
                self.pc.guild_id,
                allow=change.allow,
                deny=change.deny,
                kind=0,
                reason=SHOW_REASON if change.visible else HIDE_REASON,
            )
        self.pc.report.action("show-channel" if change.visible else "hide-channel", self.channel_id)
