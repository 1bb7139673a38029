"""freeze-begin: one pass of the Monday step (SPEC §2.1).

Order of the steps, and why (the decision table is in
:mod:`leaguectl.transactions.freeze_plan`):

1. Offseason and time-window checks, before any request.
2. Read ``GET current`` and the bot's freeze announcements in the
   transaction-log channel minted this league week.
3. Post the announcement ``Week W Freeze Period Begins`` (only when entering):
   the write-ahead marker that this league week enters week W.
4. ``PATCH current/{id}`` (id from this pass's ``GET current``, never 1) with
   ``week=W, freeze=true`` when current still shows W-1, then re-read and
   confirm; a mismatch ends the pass with an error.
5. Execute week W's ``frozen=false, cancelled=false`` transactions in row-id
   order: a fresh ``GET players/{id}`` per row; on the old team → ``PATCH
   players/{id}?team_id=``; already on the new team → done; elsewhere → a
   conflict reported for that row. Every rerun re-checks, so a row that failed
   is retried and a finished one is a no-op.
6. Weekly info for 1 ≤ W ≤ WEEKS_PER_SEASON: delete the bot's earlier
   weekly-info messages, post this week's two unless already there.

A crash between any two requests is completed by the next run; no step is
repeated because each one checks the external state it would change first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leaguectl.transactions.common import (
    TextChannel,
    bot_user_id,
    discord_errors_as_exit_codes,
    find_text_channel,
    is_item_failure,
    patch_current_confirmed,
    read_current,
)
from leaguectl.transactions.freeze_plan import (
    EntryAction,
    EntryDecision,
    MoveKind,
    decide_entry,
    decide_player_move,
    gate,
    plan_weekly_info,
    select_regular,
)
from leaguectl.transactions.markers import bot_messages, read_bot_messages
from leaguectl.transactions.messages import freeze_announcement, weekly_info_messages
from leaguectl.transactions.week import LeagueWeek, league_week

if TYPE_CHECKING:
    from leaguectl.league_api import RejectedRow
    from leaguectl.models import Current, Transaction
    from leaguectl.passrun import PassContext

__all__ = ["run_freeze_begin"]

#: How many recent weekly-info messages are searched for the bot's earlier posts.
WEEKLY_INFO_SCAN = 100


def run_freeze_begin(pc: PassContext, *, force: bool) -> None:
    """One freeze-begin pass; see the module docstring for the steps."""
    with discord_errors_as_exit_codes():
        _freeze_begin(pc, force=force)


def _freeze_begin(pc: PassContext, *, force: bool) -> None:
    settings, report = pc.settings, pc.report
    now = pc.now
    week = league_week(now, settings.league_timezone)
    report.details["league_week"] = {"monday": week.describe(), "start": week.start.isoformat()}
    early = gate(
        now=now,
        league_week=week,
        window_hours=settings.freeze_window_hours,
        force=force,
        offseason=settings.offseason_flag,
    )
    if early is not None:
        report.skip(early.reason)
        report.summary = early.reason
        return
    bot_id = bot_user_id(pc.discord)
    log_channel = find_text_channel(pc, "transaction_log_channel")
    current = read_current(pc)
    history = read_bot_messages(pc.discord, log_channel.id, bot_id, since=week.previous().marker_start)
    announced = [m.freeze_week for m in history if m.freeze_week is not None and m.created >= week.marker_start]
    earlier = {m.freeze_week: m.created for m in history if m.freeze_week is not None and m.created < week.marker_start}
    decision = decide_entry(current, announced, begun_before=earlier.get(current.week))
    if decision.action is EntryAction.SKIP:
        report.skip(decision.reason)
        report.summary = decision.reason
        return
    if decision.action is EntryAction.STOP:
        report.error(decision.reason, item=f"current/{current.id}")
        report.summary = "refused to begin a freeze"
        return
    target = decision.week
    assert target is not None  # ENTER and RESUME always name the week
    report.details["decision"] = decision.reason
    _enter(pc, decision, current, log_channel)
    pc.checkpoint()
    moved = _execute_transactions(pc, season=current.season, week=target)
    pc.checkpoint()
    _weekly_info(pc, week, target, current.season, bot_id)
    report.summary = _summary(pc, decision, target, moved)


def _summary(pc: PassContext, decision: EntryDecision, week: int, moved: int) -> str:
    """What this run did, in words; "resumed" only when an earlier run's work was finished here."""
    would = "would " if pc.dry_run else ""
    moves = f"{moved} player move(s)"
    if decision.action is EntryAction.ENTER:
        return f"{would}enter week {week}; {moves}" if pc.dry_run else f"entered week {week}; {moves}"
    if not pc.report.actions:
        failing = len(pc.report.errors)
        if failing:
            return f"week {week} was already entered; {failing} item(s) still need attention (see the errors)"
        return f"week {week} was already entered; nothing left to do"
    return f"{would}finish entering week {week} (resumed an earlier run); {moves}"


def _enter(pc: PassContext, decision: EntryDecision, current: Current, log_channel: TextChannel) -> None:
    """Announce (the marker) and increment, as far as the decision says."""
    target = decision.week
    assert target is not None
    if decision.announce:
        if not pc.dry_run:
            from leaguectl.discord_rest import identity_nonce

            nonce = identity_nonce("freeze-announce", pc.guild_id, current.season, target)
            pc.discord.create_message(log_channel.id, content=freeze_announcement(target), nonce=nonce)
        pc.report.action("announce", log_channel.label, week=target, text="freeze begins")
    if decision.patch_current:
        if not pc.dry_run:
            patch_current_confirmed(pc.league, current, week=target, freeze=True)
        pc.report.action("patch-current", f"current/{current.id}", week=target, freeze=True)
    else:
        pc.report.skip(f"current/{current.id} already shows week {target}", item=f"current/{current.id}")


def _held_by_broken_rows(pc: PassContext, rejected: list[RejectedRow]) -> set[str]:
    """Report each row that does not fit the model; returns the moveids whose other rows must wait.

    A move (a trade, an add/drop) is executed whole or not yet: a row that cannot be read
    holds the readable rows of its moveid, so a trade is never carried out by halves.
    """
    held: set[str] = set()
    for row in rejected:
        moveid = row.text_at("moveid")
        if moveid is not None:
            held.add(moveid)
        where = f"move {moveid}" if moveid else "no readable moveid"
        pc.report.error(
            f"transaction row {row.row_id} ({where}) cannot be read: {row.error}. It was not executed"
            + (", nor the other rows of its move" if moveid else "")
            + "; fix the row in the league API (or cancel the move), then rerun freeze-begin "
            "(it re-checks every row; use --force after the window)",
            item=moveid or f"transaction row {row.row_id}",
        )
    return held


def _execute_transactions(pc: PassContext, *, season: int, week: int) -> int:
    """Move each player of week ``week``'s regular transactions; returns how many moves (or would)."""
    rejected: list[RejectedRow] = []
    found = pc.league.transactions(
        season=season, week_start=week, week_end=week, frozen=False, cancelled=False, rejected=rejected
    )
    held = _held_by_broken_rows(pc, rejected)
    rows, problems = select_regular(found, season=season, week=week)
    for problem in problems:
        pc.report.warn(f"{problem}; the API returned it for a regular-transaction query, ignored")
    planned_team: dict[int, int] = {}  # dry run: where earlier rows of this pass would have put a player
    moved = 0
    for row in rows:
        pc.checkpoint()
        item = f"transaction {row.id} ({row.moveid})"
        if row.moveid in held:
            pc.report.skip(
                f"{row.player.name} ({row.oldteam.abbrev} → {row.newteam.abbrev}) waits: another row of its "
                "move cannot be read",
                item=item,
            )
            continue
        try:
            moved += _execute_row(pc, row, item, planned_team)
        except Exception as exc:
            if not is_item_failure(exc):
                raise
            pc.report.error(f"{row.player.name}: {exc}", item=item)
    return moved


def _execute_row(pc: PassContext, row: Transaction, item: str, planned_team: dict[int, int]) -> int:
    """Check where one row's player is now and move them if needed; 1 when moved (or would be)."""
    team_id = planned_team.get(row.player.id)
    if team_id is None:
        team_id = pc.league.get_player(row.player.id).team_id
    move = decide_player_move(row, team_id)
    if move.kind is MoveKind.DONE:
        pc.report.skip(f"{move.describe()}: already on {row.newteam.abbrev}", item=item)
        return 0
    if move.kind is MoveKind.CONFLICT:
        pc.report.error(f"conflict: {move.describe()}", item=item)
        return 0
    if not pc.dry_run:
        pc.league.move_player(row.player.id, row.newteam.id)
    else:
        planned_team[row.player.id] = row.newteam.id
    pc.report.action(
        "move-player",
        f"{row.player.name} ({row.oldteam.abbrev} → {row.newteam.abbrev})",
        player_id=row.player.id,
        moveid=row.moveid,
        team_id=row.newteam.id,
    )
    return 1


def _weekly_info(pc: PassContext, league_wk: LeagueWeek, week: int, season: int, bot_id: str) -> None:
    settings = pc.settings
    if not 1 <= week <= settings.weeks_per_season:
        pc.report.skip(f"no weekly info for week {week} (weeks 1..{settings.weeks_per_season} only)")
        return
    channel = find_text_channel(pc, "weekly_info_channel")
    recent = bot_messages(pc.discord.iter_messages(channel.id, limit=WEEKLY_INFO_SCAN), bot_id)
    plan = plan_weekly_info(recent, league_week=league_wk, week=week, weeks_per_season=settings.weeks_per_season)
    if plan.done:
        pc.report.skip(f"weekly info for week {week} already posted", item=channel.label)
        return
    if plan.delete_ids:
        if not pc.dry_run:
            pc.discord.delete_messages(channel.id, plan.delete_ids, now=pc.now, reason="replaced by this week's info")
        pc.report.action("delete-weekly-info", channel.label, messages=len(plan.delete_ids))
    parts = len(weekly_info_messages(week))
    first = parts - len(plan.post) + 1
    for number, text in enumerate(plan.post, start=first):
        pc.checkpoint()
        if not pc.dry_run:
            from leaguectl.discord_rest import identity_nonce

            # Part n of week w of season s: the same on every host and rerun, so a second host posting at
            # once gets Discord's copy back. Only when this week's own posts are being replaced (they were
            # wrong) does the nonce change, since Discord would otherwise answer with the deleted message.
            nonce = identity_nonce("weekly-info", pc.guild_id, season, week, number, *plan.replaced_ids)
            pc.discord.create_message(channel.id, content=text, nonce=nonce)
        pc.report.action("post-weekly-info", channel.label, week=week, part=f"{number}/{parts}")
