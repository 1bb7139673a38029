"""thaw: one pass of the Saturday step (SPEC §2.2).

Read everything, decide everything (:mod:`leaguectl.transactions.thaw_plan`),
then apply in an order that keeps the decision reproducible after a crash:

0. Offseason and the time window (Saturday 00:00 to the next Monday 00:00
   league time, unless ``--force``), before any request.
1. Read ``GET current``; the bot's transaction-log messages of this and last
   league week (the markers); the frozen, not cancelled transactions of weeks
   current..current+1 (an API error ends the pass: it never reads as "no
   transactions"; a row that does not fit the model is that row's error, and
   the moves it may affect are held); the standings once, only if some player
   is contested (unavailable → error before any change; a team without a
   usable row → its contests are held).
2. Losers, for each cancelled move: DM each GM of the acquiring team (the
   parent team's GMs when a minor-league row has none) **before** cancelling.
   The DM is its own marker: a rerun looks in that GM's DM channel for the
   same text minted in this freeze cycle and does not send it twice. A closed
   DM is reported as skipped. Then one ``PATCH transactions/{moveid}``
   cancel. Every loser is cancelled before any winner is unfrozen: removing a
   loser never changes another decision, so a rerun decides the same.
3. Winners, for each granted move: post its transaction-log embed (footer
   ``Move <moveid>``) **before** unfreezing; a rerun finds the embed and does
   not post it again. Then one ``PATCH transactions/{moveid}`` unfreeze.
4. Clear the freeze flag (``PATCH current/{id}`` + re-read) only when every
   move is settled and none is held, then post the thaw announcement once.

Every message carries a nonce made of its identity (guild, season, week, move,
recipient), so a second host running the same thaw at the same moment gets
Discord's copy back instead of posting again.

With the freeze flag already off, only the announcement of an interrupted
thaw can be missing; see :func:`~leaguectl.transactions.thaw_cycle.completion_when_freeze_off`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from leaguectl.errors import ServiceUnavailable
from leaguectl.transactions.common import (
    TextChannel,
    bot_user_id,
    discord_errors_as_exit_codes,
    find_text_channel,
    is_item_failure,
    patch_current_confirmed,
    read_current,
)
from leaguectl.transactions.markers import read_bot_messages
from leaguectl.transactions.messages import cancellation_dm, thaw_announcement, transaction_log_embed
from leaguectl.transactions.thaw_plan import (
    BrokenRow,
    BrokenStandings,
    Move,
    MoveDecision,
    ThawCycle,
    ThawPlan,
    completion_when_freeze_off,
    needs_standings,
    plan_thaw,
    thaw_cycle,
)
from leaguectl.transactions.week import LeagueWeek, league_week

if TYPE_CHECKING:
    from leaguectl.league_api import RejectedRow
    from leaguectl.models import Current
    from leaguectl.passrun import PassContext

__all__ = ["StandingsUnavailable", "run_thaw", "thaw_gate"]


class StandingsUnavailable(ServiceUnavailable):
    """Standings cannot be read at all; the thaw stops before changing anything."""


def run_thaw(pc: PassContext, *, force: bool = False) -> None:
    """One thaw pass; see the module docstring for the steps."""
    with discord_errors_as_exit_codes():
        _thaw(pc, force=force)


def thaw_gate(now: datetime, week: LeagueWeek, *, force: bool, offseason: bool) -> str | None:
    """Why thaw does nothing before any request (offseason, outside its window), or None to go on."""
    if offseason:
        return "offseason: OFFSEASON_FLAG is on"
    if not force and not week.in_thaw_window(now):
        opens = week.thaw_time.astimezone(week.zone)
        return (
            f"outside the thaw window (Saturday 00:00 to Monday 00:00 league time; this week's opens "
            f"{opens:%a %Y-%m-%d %H:%M}); use --force to thaw anyway"
        )
    return None


def _thaw(pc: PassContext, *, force: bool) -> None:
    settings, report = pc.settings, pc.report
    now = pc.now
    this_week = league_week(now, settings.league_timezone)
    early = thaw_gate(now, this_week, force=force, offseason=settings.offseason_flag)
    if early is not None:
        report.skip(early)
        report.summary = early
        return
    bot_id = bot_user_id(pc.discord)
    log_channel = find_text_channel(pc, "transaction_log_channel")
    current = read_current(pc)
    history = read_bot_messages(pc.discord, log_channel.id, bot_id, since=this_week.previous().marker_start)
    cycle = thaw_cycle(history, week=current.week, fallback_start=this_week.marker_start)
    if not current.freeze:
        _complete(pc, cycle, log_channel, now, current)
        return
    plan = _plan(pc, current)
    _report_plan(pc, plan)
    if not _cancel_losers(pc, plan, cycle, bot_id, now, current):
        report.summary = "thaw stopped before granting any move: a loser could not be settled; rerun to finish"
        return
    if not _grant_winners(pc, plan, cycle, log_channel, now, current):
        report.summary = "thaw incomplete: a granted move could not be settled; the freeze stays on; rerun to finish"
        return
    verb = "would thaw" if pc.dry_run else "thawed"
    counts = f"{len(plan.accepted)} move(s) granted, {len(plan.cancelled)} cancelled"
    if not plan.complete:
        report.summary = (
            f"thaw of week {current.week} incomplete: {counts}, {len(plan.held)} held until their rows are fixed; "
            "the freeze stays on"
        )
        return
    pc.checkpoint()
    if not pc.dry_run:
        patch_current_confirmed(pc.league, current, freeze=False)
    report.action("patch-current", f"current/{current.id}", freeze=False, week=current.week)
    _announce(pc, cycle, log_channel, current)
    report.summary = f"{verb} week {current.week}: {counts}"


def _complete(pc: PassContext, cycle: ThawCycle, channel: TextChannel, now: datetime, current: Current) -> None:
    post, reason = completion_when_freeze_off(cycle, now, pc.settings.league_timezone)
    pc.report.details["decision"] = reason
    if not post:
        pc.report.skip(reason)
        pc.report.summary = reason
        return
    _announce(pc, cycle, channel, current)
    pc.report.summary = f"completed the thaw of week {cycle.week}: {reason}"


def broken_transaction(rejected: RejectedRow) -> BrokenRow:
    """What can still be read of a transaction row that does not fit the model."""
    return BrokenRow(
        row_id=rejected.row_id,
        moveid=rejected.text_at("moveid"),
        player_id=rejected.int_at("player", "id") or rejected.int_at("player_id"),
        problem=str(rejected.error),
    )


def _plan(pc: PassContext, current: Current) -> ThawPlan:
    from leaguectl.league_api import LeagueDataError, LeagueUnavailable

    season, week = current.season, current.week
    rejected: list[RejectedRow] = []
    rows = pc.league.transactions(
        season=season, week_start=week, week_end=week + 1, frozen=True, cancelled=False, rejected=rejected
    )
    broken = [broken_transaction(row) for row in rejected]
    standings_rejected: list[RejectedRow] = []
    standings = []
    if needs_standings(rows, season=season, week=week):
        try:
            standings = pc.league.standings(season, rejected=standings_rejected)
        except (LeagueUnavailable, LeagueDataError) as exc:
            raise StandingsUnavailable(
                f"standings of season {season} cannot be read ({exc}); the thaw stops rather than guessing "
                "who picks first; nothing was changed"
            ) from exc
    broken_standings = [BrokenStandings(abbrev=row.text_at("team", "abbrev"), problem=str(row.error))
                        for row in standings_rejected]
    for row in standings_rejected:
        pc.report.error(
            f"{row.describe()}; contests that may involve this team are held; fix the standings row, then rerun",
            item=f"standings row {row.index}",
        )
    for bad in broken:
        where = f"move {bad.moveid}" if bad.moveid else "no readable moveid"
        pc.report.error(
            f"transaction row {bad.row_id} ({where}) cannot be read: {bad.problem}. Its move and every move "
            "that may contest the same player are held (neither granted nor cancelled, still frozen); "
            "fix the row in the league API or cancel the move, then rerun thaw",
            item=bad.moveid or f"transaction row {bad.row_id}",
        )
    return plan_thaw(
        rows, standings, season=season, week=week, key=pc.settings.tiebreak_key, broken=broken,
        broken_standings=broken_standings,
    )


def _report_plan(pc: PassContext, plan: ThawPlan) -> None:
    report = pc.report
    for ignored in plan.ignored:
        row = ignored.row
        report.skip(f"transaction {row.id} ({row.player.name}): {ignored.reason}", item=row.moveid)
    for note in plan.notes:
        report.warn(note, item="standings")
    for held in plan.held:
        if held.move is None:
            continue  # every row of it is unreadable: reported with the rows
        report.error(
            f"held, neither granted nor cancelled: {held.label}: " + "; ".join(held.reasons),
            item=held.moveid,
            team=held.move.owner.abbrev,
        )
    report.details["priority"] = plan.priority_table()
    report.details["teams"] = [
        {
            "team": priority.abbrev,
            "record": f"{priority.wins}-{priority.losses}",
            "win_pct": round(priority.win_pct, 3),
            "tiebreak": round(priority.tiebreak, 6),
        }
        for priority in plan.priorities
    ]
    report.details["contests"] = [
        {
            "player": contest.player.name,
            "claimed_by": _claimant_teams(contest.claimants),
            "granted_to": contest.winner.owner.label if contest.winner else ("held" if contest.held else "nobody"),
        }
        for contest in plan.contests
    ]


def _claimant_teams(moves: Sequence[Move]) -> str:
    """``NY (2 moves), BOS, WV``: the teams claiming one player, in claim order."""
    counts: dict[str, int] = {}
    for move in moves:
        counts[move.owner.abbrev] = counts.get(move.owner.abbrev, 0) + 1
    return ", ".join(f"{team} ({count} moves)" if count > 1 else team for team, count in counts.items())


def _gm_ids(decision: MoveDecision) -> tuple[int, ...]:
    team = decision.move.team
    own = team.gm_ids if team is not None else ()
    if own or decision.priority is None:
        return own
    return decision.priority.parent.gm_ids


def _cancel_losers(
    pc: PassContext, plan: ThawPlan, cycle: ThawCycle, bot_id: str, now: datetime, current: Current
) -> bool:
    """DM, then cancel, each losing move. False when one could not be settled (winners must wait)."""
    from leaguectl.discord_rest import DiscordError

    settled = True
    for decision in plan.cancelled:
        pc.checkpoint()
        move = decision.move
        names = [player.name for player in decision.contested_players]
        text = cancellation_dm(names)
        gms = _gm_ids(decision)
        if not gms:
            pc.report.warn(f"{move.owner.label} has no GM to notify", item=move.moveid)
        try:
            for gm in gms:
                _notify(pc, str(gm), text, decision, cycle, bot_id, current)
        except DiscordError as exc:
            pc.report.error(f"could not DM the GMs, so the move was not cancelled yet: {exc}", item=move.moveid)
            settled = False
            continue
        try:
            if not pc.dry_run:
                updated = pc.league.cancel_move(move.moveid, cancelled_at=now)
                if updated == 0:
                    pc.report.warn("the cancel updated no rows", item=move.moveid)
        except Exception as exc:
            if not is_item_failure(exc):
                raise
            pc.report.error(f"could not cancel {move.label}: {exc}", item=move.moveid)
            settled = settled and _vanished(exc)  # a move that is gone can never be granted by a rerun
            continue
        pc.report.action(
            "cancel-move",
            move.label,
            team=move.owner.label,
            lost=", ".join(names),
            lost_to="; ".join(winner.owner.label for winner in decision.lost_to),
            moveid=move.moveid,
        )
    return settled


def _notify(
    pc: PassContext, gm: str, text: str, decision: MoveDecision, cycle: ThawCycle, bot_id: str, current: Current
) -> None:
    """One cancellation DM to one GM, unless this cycle already sent it; closed DMs are a skip."""
    from leaguectl.discord_rest import CANNOT_DM, NO_MUTUAL_GUILDS, UNKNOWN_USER, DiscordError, identity_nonce

    move = decision.move
    target = f"GM of {move.owner.abbrev} (user {gm})"
    players = ", ".join(player.name for player in decision.contested_players)
    if pc.dry_run:
        pc.report.action("dm", target, players=players, moveid=move.moveid, text=text)
        return
    try:
        channel = pc.discord.open_dm(gm)
    except DiscordError as exc:
        if exc.code in (CANNOT_DM, NO_MUTUAL_GUILDS, UNKNOWN_USER):
            pc.report.skip(f"{target} cannot be DMed ({exc.message})", item=move.moveid)
            return
        raise
    earlier = read_bot_messages(pc.discord, channel, bot_id, since=cycle.start)
    if any(message.content == text for message in earlier):
        pc.report.skip(f"{target} was already told about {players}", item=move.moveid)
        return
    nonce = identity_nonce("thaw-dm", pc.guild_id, current.season, cycle.week, move.moveid, gm)
    result = pc.discord.send_dm(gm, content=text, nonce=nonce)
    if not result.delivered:
        pc.report.skip(f"{target} not DMed: {result.reason}", item=move.moveid)
        return
    pc.report.action("dm", target, players=players, moveid=move.moveid, text=text)


def _grant_winners(
    pc: PassContext, plan: ThawPlan, cycle: ThawCycle, channel: TextChannel, now: datetime, current: Current
) -> bool:
    """Log, then unfreeze, each granted move. False when one could not be settled."""
    from leaguectl.discord_rest import DiscordError, identity_nonce

    settled = True
    for decision in plan.accepted:
        pc.checkpoint()
        move = decision.move
        if move.moveid in cycle.logged:
            pc.report.skip(f"{move.label} is already in {channel.label}", item=move.moveid)
        else:
            try:
                if not pc.dry_run:
                    pc.discord.create_message(
                        channel.id,
                        embeds=[transaction_log_embed(move.moveid, move.rows, now)],
                        nonce=identity_nonce("thaw-log", pc.guild_id, current.season, cycle.week, move.moveid),
                    )
            except DiscordError as exc:
                pc.report.error(f"could not log the move, so it was not unfrozen yet: {exc}", item=move.moveid)
                settled = False
                continue
            pc.report.action("log-move", channel.label, move=move.label, moveid=move.moveid)
        try:
            if not pc.dry_run:
                updated = pc.league.unfreeze_move(move.moveid)
                if updated == 0:
                    pc.report.warn("the unfreeze updated no rows", item=move.moveid)
        except Exception as exc:
            if not is_item_failure(exc):
                raise
            pc.report.error(f"could not unfreeze {move.label}: {exc}", item=move.moveid)
            settled = settled and _vanished(exc)
            continue
        pc.report.action("unfreeze-move", move.label, team=move.owner.label, moveid=move.moveid)
    return settled


def _vanished(exc: Exception) -> bool:
    from leaguectl.league_api import NotFound

    return isinstance(exc, NotFound)


def _announce(pc: PassContext, cycle: ThawCycle, channel: TextChannel, current: Current) -> None:
    if cycle.announced:
        pc.report.skip(f"the end of week {cycle.week}'s freeze was already announced", item=channel.label)
        return
    if not pc.dry_run:
        from leaguectl.discord_rest import identity_nonce

        nonce = identity_nonce("thaw-announce", pc.guild_id, current.season, cycle.week)
        pc.discord.create_message(channel.id, content=thaw_announcement(cycle.week), nonce=nonce)
    pc.report.action("announce", channel.label, week=cycle.week, text="freeze ends")
