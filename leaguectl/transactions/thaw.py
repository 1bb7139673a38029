"""thaw: one pass of the Saturday step (SPEC §2.2).

Read everything, decide everything (:mod:`leaguectl.transactions.thaw_plan`),
then apply in an order that keeps the decision reproducible after a crash:

1. Read ``GET current``; the bot's transaction-log messages of this and last
   league week (the markers); the frozen, not cancelled transactions of weeks
   current..current+1 (an API error ends the pass: it never reads as "no
   transactions"); the standings once, only if some player is contested
   (unavailable, or missing a contesting team → error before any change).
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
   move is settled, then post the thaw announcement once.

With the freeze flag already off, only the announcement of an interrupted
thaw can be missing; see :func:`~leaguectl.transactions.thaw_plan.completion_when_freeze_off`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from leaguectl.errors import ServiceUnavailable
from leaguectl.transactions.common import (
    bot_user_id,
    discord_errors_as_exit_codes,
    find_text_channel,
    patch_current_confirmed,
)
from leaguectl.transactions.markers import read_bot_messages
from leaguectl.transactions.messages import cancellation_dm, thaw_announcement, transaction_log_embed
from leaguectl.transactions.thaw_plan import (
    MissingStandings,
    MoveDecision,
    ThawCycle,
    ThawPlan,
    completion_when_freeze_off,
    needs_standings,
    plan_thaw,
    thaw_cycle,
)
from leaguectl.transactions.week import league_week

if TYPE_CHECKING:
    from leaguectl.models import Current
    from leaguectl.passrun import PassContext

__all__ = ["StandingsUnavailable", "run_thaw"]


class StandingsUnavailable(ServiceUnavailable):
    """Standings cannot decide a contest; the thaw stops before changing anything."""


def run_thaw(pc: PassContext) -> None:
    """One thaw pass; see the module docstring for the steps."""
    with discord_errors_as_exit_codes():
        _thaw(pc)


def _thaw(pc: PassContext) -> None:
    settings, report = pc.settings, pc.report
    if settings.offseason_flag:
        report.skip("offseason: OFFSEASON_FLAG is on")
        report.summary = "offseason: nothing to do"
        return
    now = pc.now
    bot_id = bot_user_id(pc.discord)
    log_channel = str(find_text_channel(pc, "transaction_log_channel")["id"])
    current = pc.league.get_current()
    this_week = league_week(now, settings.league_timezone)
    history = read_bot_messages(pc.discord, log_channel, bot_id, since=this_week.previous().start)
    cycle = thaw_cycle(history, week=current.week, fallback_start=this_week.start)
    if not current.freeze:
        _complete(pc, cycle, log_channel, now)
        return
    plan = _plan(pc, current)
    _report_plan(pc, plan)
    if not _cancel_losers(pc, plan, cycle, bot_id, now):
        report.summary = "thaw stopped before granting any move: a loser could not be settled; rerun to finish"
        return
    if not _grant_winners(pc, plan, cycle, log_channel, now):
        report.summary = "thaw incomplete: a granted move could not be settled; the freeze stays on; rerun to finish"
        return
    pc.checkpoint()
    if not pc.dry_run:
        patch_current_confirmed(pc.league, current, freeze=False)
    report.action("patch-current", f"current/{current.id}", freeze=False)
    _announce(pc, cycle, log_channel)
    verb = "would thaw" if pc.dry_run else "thawed"
    report.summary = (
        f"{verb} week {current.week}: {len(plan.accepted)} move(s) granted, {len(plan.cancelled)} cancelled"
    )


def _complete(pc: PassContext, cycle: ThawCycle, log_channel: str, now: datetime) -> None:
    post, reason = completion_when_freeze_off(cycle, now, pc.settings.league_timezone)
    pc.report.details["decision"] = reason
    if not post:
        pc.report.skip(reason)
        pc.report.summary = reason
        return
    _announce(pc, cycle, log_channel)
    pc.report.summary = f"completed the thaw of week {cycle.week}: {reason}"


def _plan(pc: PassContext, current: Current) -> ThawPlan:
    season, week = current.season, current.week
    rows = pc.league.transactions(season=season, week_start=week, week_end=week + 1, frozen=True, cancelled=False)
    standings = pc.league.standings(season) if needs_standings(rows, season=season, week=week) else []
    try:
        return plan_thaw(rows, standings, season=season, week=week, key=pc.settings.tiebreak_key)
    except MissingStandings as exc:
        raise StandingsUnavailable(f"standings of season {season}: {exc}; nothing was changed") from None


def _report_plan(pc: PassContext, plan: ThawPlan) -> None:
    report = pc.report
    for ignored in plan.ignored:
        row = ignored.row
        report.skip(f"transaction {row.id} ({row.player.name}): {ignored.reason}", item=row.moveid)
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
            "player": f"{contest.player.name} ({contest.player.id})",
            "claimants": ", ".join(contest.claimants),
            "winner": contest.winner or "nobody",
        }
        for contest in plan.contests
    ]


def _gm_ids(decision: MoveDecision) -> tuple[int, ...]:
    team = decision.move.team
    own = team.gm_ids if team is not None else ()
    if own or decision.priority is None:
        return own
    return decision.priority.parent.gm_ids


def _cancel_losers(pc: PassContext, plan: ThawPlan, cycle: ThawCycle, bot_id: str, now: datetime) -> bool:
    """DM, then cancel, each losing move. False when one could not be settled (winners must wait)."""
    from leaguectl.discord_rest import DiscordError
    from leaguectl.league_api import NotFound

    settled = True
    for decision in plan.cancelled:
        pc.checkpoint()
        moveid = decision.move.moveid
        names = [player.name for player in decision.contested_players]
        text = cancellation_dm(names)
        gms = _gm_ids(decision)
        if not gms:
            pc.report.warn("the acquiring team has no GM to notify", item=moveid)
        try:
            for gm in gms:
                _notify(pc, str(gm), text, moveid, cycle, bot_id)
        except DiscordError as exc:
            pc.report.error(f"could not DM the GMs, so the move was not cancelled yet: {exc}", item=moveid)
            settled = False
            continue
        try:
            if not pc.dry_run:
                updated = pc.league.cancel_move(moveid, cancelled_at=now)
                if updated == 0:
                    pc.report.warn("the cancel updated no rows", item=moveid)
        except NotFound as exc:
            pc.report.error(f"move vanished before it could be cancelled: {exc}", item=moveid)
            continue
        team = decision.move.team
        pc.report.action(
            "cancel-move",
            f"transactions/{moveid}",
            team=team.abbrev if team else None,
            lost=", ".join(names),
            lost_to=", ".join(decision.lost_to),
        )
    return settled


def _notify(pc: PassContext, gm: str, text: str, moveid: str, cycle: ThawCycle, bot_id: str) -> None:
    """One cancellation DM to one GM, unless this cycle already sent it; closed DMs are a skip."""
    from leaguectl.discord_rest import CANNOT_DM, NO_MUTUAL_GUILDS, UNKNOWN_USER, DiscordError, identity_nonce

    target = f"user {gm}"
    if pc.dry_run:
        pc.report.action("dm", target, moveid=moveid, text=text)
        return
    try:
        channel = pc.discord.open_dm(gm)
    except DiscordError as exc:
        if exc.code in (CANNOT_DM, NO_MUTUAL_GUILDS, UNKNOWN_USER):
            pc.report.skip(f"GM {gm} cannot be DMed ({exc.message})", item=moveid)
            return
        raise
    earlier = read_bot_messages(pc.discord, channel, bot_id, since=cycle.start)
    if any(message.content == text for message in earlier):
        pc.report.skip(f"GM {gm} was already told", item=moveid)
        return
    nonce = identity_nonce("thaw-dm", pc.guild_id, cycle.week, moveid, gm)
    result = pc.discord.send_dm(gm, content=text, nonce=nonce)
    if not result.delivered:
        pc.report.skip(f"GM {gm} not DMed: {result.reason}", item=moveid)
        return
    pc.report.action("dm", target, moveid=moveid, text=text)


def _grant_winners(pc: PassContext, plan: ThawPlan, cycle: ThawCycle, log_channel: str, now: datetime) -> bool:
    """Log, then unfreeze, each granted move. False when one could not be settled."""
    from leaguectl.discord_rest import DiscordError, identity_nonce
    from leaguectl.league_api import NotFound

    settled = True
    target = f"#{pc.settings.transaction_log_channel}"
    for decision in plan.accepted:
        pc.checkpoint()
        move = decision.move
        if move.moveid in cycle.logged:
            pc.report.skip("already in the transaction log", item=move.moveid)
        else:
            try:
                if not pc.dry_run:
                    pc.discord.create_message(
                        log_channel,
                        embeds=[transaction_log_embed(move.moveid, move.rows, now)],
                        nonce=identity_nonce("thaw-log", pc.guild_id, move.moveid),
                    )
            except DiscordError as exc:
                pc.report.error(f"could not log the move, so it was not unfrozen yet: {exc}", item=move.moveid)
                settled = False
                continue
            pc.report.action("log-move", target, moveid=move.moveid, rows=len(move.rows))
        try:
            if not pc.dry_run:
                updated = pc.league.unfreeze_move(move.moveid)
                if updated == 0:
                    pc.report.warn("the unfreeze updated no rows", item=move.moveid)
        except NotFound as exc:
            pc.report.error(f"move vanished before it could be unfrozen: {exc}", item=move.moveid)
            continue
        pc.report.action("unfreeze-move", f"transactions/{move.moveid}", players=len(move.rows))
    return settled


def _announce(pc: PassContext, cycle: ThawCycle, log_channel: str) -> None:
    target = f"#{pc.settings.transaction_log_channel}"
    if cycle.announced:
        pc.report.skip(f"the end of week {cycle.week}'s freeze was already announced", item=target)
        return
    if not pc.dry_run:
        from leaguectl.discord_rest import identity_nonce

        nonce = identity_nonce("thaw-announce", pc.guild_id, cycle.week)
        pc.discord.create_message(log_channel, content=thaw_announcement(cycle.week), nonce=nonce)
    pc.report.action("announce", target, week=cycle.week, text="freeze ends")
