"""Deciding freeze-begin (pure): whether to enter a new week, and what is left to do.

The marker. "This league week was entered" is read only from external state:
the bot's own freeze announcement ``Week W Freeze Period Begins`` in the
transaction-log channel, minted at or after this league week's Monday 00:00
less :data:`~leaguectl.transactions.week.CLOCK_TOLERANCE` (snowflake time,
Discord's clock), together with the live ``current`` row. The tolerance is
what keeps a host whose clock runs a little ahead of Discord's from missing
the announcement it posted "just before" Monday in Discord's time.

The announcement is posted *first*, before the week is incremented. That makes
it a write-ahead record of the decision "league week M enters week W", and
every later state is read against it:

==============================  ============================  ===================================
announcement of W this week      ``current``                   decision
==============================  ============================  ===================================
none                             freeze off, week N            enter: announce W=N+1, PATCH N+1/on
none                             freeze on, week N             stop with an error: last week's thaw
                                                               did not finish (nothing is changed)
yes                              week W-1                      resume: PATCH W/on (crashed before)
yes                              week W (freeze on or off)     resume: no PATCH; an admin who
                                                               cleared the freeze is obeyed
yes                              any other week                leave alone: an admin moved the week
==============================  ============================  ===================================

After the week is W, the new week's regular transactions are executed (each
is idempotent: a player already on the target team is done) and the weekly
info is posted unless the bot's weekly-info messages of this league week are
already there. So 60 runs in the hour, reruns after a crash at any point, and
admin overrides all converge: the week is incremented at most once per league
week, because only a run that finds no announcement of this week increments,
and it announces before it increments.

Why not PATCH first and announce afterwards: a crash between the two leaves
``week N+1, freeze on`` and no announcement, which looks exactly like a freeze
left on by a thaw that never ran, and the two need opposite answers (resume vs.
stop). With the announcement first, "freeze on, no announcement" can only mean
the latter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from leaguectl.models import Current, Transaction
from leaguectl.transactions.markers import BotMessage
from leaguectl.transactions.messages import is_weekly_info_text, weekly_info_messages
from leaguectl.transactions.week import LeagueWeek

__all__ = [
    "EntryAction",
    "EntryDecision",
    "MoveKind",
    "PlayerMoveDecision",
    "WeeklyInfoPlan",
    "decide_entry",
    "decide_player_move",
    "gate",
    "plan_weekly_info",
    "select_regular",
]


class EntryAction(Enum):
    SKIP = "skip"  # nothing to do, on purpose (exit 0)
    STOP = "stop"  # refuse: the state needs a human or another command first (exit 1)
    ENTER = "enter"  # announce W, then increment
    RESUME = "resume"  # W was announced this league week; finish what is left


@dataclass(frozen=True)
class EntryDecision:
    action: EntryAction
    reason: str
    week: int | None = None
    announce: bool = False
    patch_current: bool = False


def gate(
    *, now: datetime, league_week: LeagueWeek, window_hours: int, force: bool, offseason: bool
) -> EntryDecision | None:
    """The checks that need no request: offseason and the time window. None means go on."""
    if offseason:
        return EntryDecision(EntryAction.SKIP, "offseason: OFFSEASON_FLAG is on")
    if not force and not league_week.in_window(now, window_hours):
        end = league_week.window_end(window_hours).astimezone(league_week.zone)
        return EntryDecision(
            EntryAction.SKIP,
            f"outside the freeze-begin window (Monday 00:00 to {end:%a %H:%M} league time, "
            f"FREEZE_WINDOW_HOURS={window_hours}); use --force to act anyway",
        )
    return None


def decide_entry(
    current: Current, announced_weeks: Sequence[int], *, begun_before: datetime | None = None
) -> EntryDecision:
    """Decide what freeze-begin does this pass, from the live ``current`` row and the marker.

    ``announced_weeks``: weeks of the bot's freeze announcements minted in this
    league week (from its Monday 00:00 less the clock tolerance), oldest first.
    ``begun_before``: when the bot announced the freeze of ``current.week`` in
    an earlier week, if it did (only used to word the advice).
    """
    if announced_weeks:
        return _resume(announced_weeks[0], current)
    if current.freeze:
        return EntryDecision(EntryAction.STOP, _unthawed_advice(current, begun_before))
    week = current.week + 1
    return EntryDecision(
        EntryAction.ENTER,
        f"entering week {week} (from week {current.week})",
        week=week,
        announce=True,
        patch_current=True,
    )


def _unthawed_advice(current: Current, begun_before: datetime | None) -> str:
    """Freeze on and no freeze begun this league week: the state really is inconsistent; say how to finish it."""
    week = current.week
    if begun_before is not None:
        return (
            f"week {week}'s freeze (begun {begun_before:%Y-%m-%d %H:%M} UTC) was never thawed: the freeze flag is "
            f"still on. Run `leaguectl thaw --force` to resolve week {week}'s claims, then freeze-begin again "
            "(within its window, or with --force)"
        )
    return (
        f"the freeze flag is on for week {week}, but leaguectl began no freeze this league week or last: "
        f"the last thaw did not finish, or the flag was set by hand. Run `leaguectl thaw --force` to resolve "
        f"week {week}'s frozen claims and clear it, then freeze-begin again (within its window, or with --force)"
    )


def _resume(week: int, current: Current) -> EntryDecision:
    if current.week == week - 1:
        return EntryDecision(
            EntryAction.RESUME,
            f"week {week} was announced this league week but current is still week {current.week}: "
            "finishing the increment",
            week=week,
            patch_current=True,
        )
    if current.week == week:
        state = "on" if current.freeze else "off (cleared by hand; left off)"
        return EntryDecision(
            EntryAction.RESUME,
            f"week {week} was already entered this league week (freeze {state})",
            week=week,
        )
    return EntryDecision(
        EntryAction.SKIP,
        f"week {week} was announced this league week but current is now week {current.week}: "
        "an admin changed the week; leaving everything as it is",
    )


# --- executing the new week's transactions ---------------------------------------


def select_regular(rows: Iterable[Transaction], *, season: int, week: int) -> tuple[list[Transaction], list[str]]:
    """The rows freeze-begin may execute (not frozen, not cancelled, of ``week``), in id order.

    Returns the rows and a reason for each row set aside, whatever the API's filters did.
    """
    chosen: list[Transaction] = []
    problems: list[str] = []
    for row in sorted(rows, key=lambda r: r.id):
        if row.frozen or row.cancelled:
            problems.append(f"transaction {row.id} ({row.moveid}) is {'frozen' if row.frozen else 'cancelled'}")
        elif row.week != week or row.season != season:
            problems.append(f"transaction {row.id} ({row.moveid}) is season {row.season} week {row.week}")
        else:
            chosen.append(row)
    return chosen, problems


class MoveKind(Enum):
    MOVE = "move"  # the player is on the old team: move them
    DONE = "done"  # already on the new team (an earlier run, or by hand)
    CONFLICT = "conflict"  # on neither team: someone else moved them; report, do not touch


@dataclass(frozen=True)
class PlayerMoveDecision:
    row: Transaction
    kind: MoveKind
    team_id: int | None

    def describe(self) -> str:
        row = self.row
        what = f"{row.player.name} ({row.oldteam.abbrev} → {row.newteam.abbrev})"
        if self.kind is MoveKind.CONFLICT:
            return (
                f"{what}: player is on team id {self.team_id}, neither {row.oldteam.abbrev} "
                f"(id {row.oldteam.id}) nor {row.newteam.abbrev} (id {row.newteam.id}); not moved"
            )
        return what


def decide_player_move(row: Transaction, team_id: int | None) -> PlayerMoveDecision:
    """What to do with one row, given the team the player is on right now."""
    if team_id == row.newteam.id:
        return PlayerMoveDecision(row, MoveKind.DONE, team_id)
    if team_id == row.oldteam.id:
        return PlayerMoveDecision(row, MoveKind.MOVE, team_id)
    return PlayerMoveDecision(row, MoveKind.CONFLICT, team_id)


# --- weekly info -------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyInfoPlan:
    """Delete these of our messages, then post these texts in order.

    ``replaced_ids``: the messages of *this* league week among ``delete_ids``
    (posts that came out wrong); the new posts' nonces depend on them.
    """

    delete_ids: tuple[str, ...]
    post: tuple[str, ...]
    replaced_ids: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return not self.delete_ids and not self.post


def plan_weekly_info(
    messages: Sequence[BotMessage], *, league_week: LeagueWeek, week: int, weeks_per_season: int
) -> WeeklyInfoPlan:
    """Replace the bot's earlier weekly-info messages by this week's two, unless already posted.

    ``messages``: the bot's recent messages in the weekly-info channel, oldest
    first. Messages of other authors never get here, so they are kept; the
    bot's messages that are not weekly info are kept too. Posted once: if the
    bot's weekly-info messages minted this league week are exactly this week's
    two (or just the first, after a crash between them), only the rest is done.
    "This league week" is read with the clock tolerance (:meth:`LeagueWeek.holds_marker`):
    a host ahead of Discord posts its Monday 00:00 info a little before Monday in Discord's time.
    """
    if not 1 <= week <= weeks_per_season:
        return WeeklyInfoPlan((), ())
    wanted = weekly_info_messages(week)
    ours = [message for message in messages if is_weekly_info_text(message.content)]
    this_week = [message for message in ours if league_week.holds_marker(message.created)]
    older = tuple(message.id for message in ours if not league_week.holds_marker(message.created))
    contents = tuple(message.content for message in this_week)
    if contents == wanted:
        return WeeklyInfoPlan(older, ())
    if contents == wanted[:1]:
        return WeeklyInfoPlan(older, wanted[1:])
    replaced = tuple(message.id for message in this_week)
    return WeeklyInfoPlan(tuple(message.id for message in ours), wanted, replaced)
