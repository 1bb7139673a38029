"""One ``scorebug-tick`` pass: read the files, the sheets and the channel; plan; apply; report.

Reads: ``SCORECARDS_FILE`` and ``VOICE_CHANNELS_FILE`` (fresh every run), one
Sheets request per published scorecard (at most :data:`~.plan.MAX_GAMES`),
each team once per pass from the league API, and from Discord the bot's user,
the guild's channels and up to :data:`SCAN_LIMIT` of the live-scores
channel's newest messages. Writes only what :func:`~.plan.plan_tick` says
differs, so an unchanged game costs no Discord write; :class:`~.apply.Applier`
makes the writes.

Every entry, sheet and team is one item: a bad one is reported (naming the
game's channel, the cell or the file entry, and what to do) and the other
games still update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leaguectl.scorebug.apply import Applier, default_color
from leaguectl.scorebug.embed import TeamLook
from leaguectl.scorebug.files import (
    VOICE_CHANNELS_SETTING,
    PublishedScorecard,
    VoiceFile,
    load_scorecards,
    load_voice_links,
    shown_key,
)
from leaguectl.scorebug.names import Labels, channel_names
from leaguectl.scorebug.plan import (
    MAX_GAMES,
    ChannelView,
    Game,
    GameInput,
    UnknownGame,
    VoiceLinks,
    plan_tick,
    read_channel,
)

if TYPE_CHECKING:
    from leaguectl.models import Team
    from leaguectl.passrun import PassContext
    from leaguectl.sheets import ScorecardReader


SCAN_LIMIT = 1000
"""How many of the live-scores channel's newest messages are searched for leaguectl's own (10 requests)."""
VOICE_CHANNEL_TYPES = (2,)


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
