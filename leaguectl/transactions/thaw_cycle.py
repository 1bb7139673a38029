"""What earlier thaw passes of this freeze already wrote, and whether a thaw is left to complete.

Read from the bot's own transaction-log messages (markers), so a rerun after a
crash, on this host or another, sees the same cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from leaguectl.transactions.markers import BotMessage
from leaguectl.transactions.week import CLOCK_TOLERANCE, league_week


@dataclass(frozen=True)
class ThawCycle:
    """The markers of one freeze cycle, read from the bot's transaction-log messages.

    A cycle starts with the freeze announcement of the current week (the last
    one the bot posted, if it is in the history read), else at the start of
    this league week less :data:`CLOCK_TOLERANCE`. DMs and log embeds minted at
    or after ``start`` belong to this cycle's thaw. The start is a Discord time
    (a snowflake's) whenever the announcement is found, so the host clock does
    not move it.
    """

    week: int
    start: datetime
    begun_at: datetime | None
    announced: bool
    logged: frozenset[str]


def thaw_cycle(history: Sequence[BotMessage], *, week: int, fallback_start: datetime) -> ThawCycle:
    """The cycle of week ``week`` in ``history`` (the bot's messages, oldest first)."""
    begun = [message for message in history if message.freeze_week == week]
    begun_at = begun[-1].created if begun else None
    start = begun_at if begun_at is not None else fallback_start
    in_cycle = [message for message in history if message.created >= start]
    return ThawCycle(
        week=week,
        start=start,
        begun_at=begun_at,
        announced=any(message.thaw_week == week for message in in_cycle),
        logged=frozenset(moveid for message in in_cycle for moveid in message.logged_moveids),
    )


def completion_when_freeze_off(cycle: ThawCycle, now: datetime, zone: tzinfo) -> tuple[bool, str]:
    """With the freeze flag already off: whether to post the thaw announcement, and why.

    A thaw clears the flag only after every move is settled, so with the flag
    off the only step an interrupted thaw can have left is its announcement.
    It is posted when this cycle shows the thaw's own work (a log embed of a
    granted move), or when the week's freeze was begun and the thaw time
    (Saturday 00:00 league time) has passed: a freeze that is over gets its
    end announced once. Otherwise (e.g. an admin cleared the flag on Monday and
    thaw is forced before Saturday) nothing is done.
    """
    week = cycle.week
    if cycle.announced:
        return False, f"freeze is off and the end of week {week}'s freeze was already announced; nothing to do"
    if cycle.logged:
        return True, f"an interrupted thaw of week {week} logged its moves but did not announce the end of the freeze"
    # The announcement's time is Discord's: a host clock up to CLOCK_TOLERANCE ahead may have posted it
    # just before Monday 00:00, and it still belongs to the week that Monday starts.
    if cycle.begun_at is not None and now >= league_week(cycle.begun_at + CLOCK_TOLERANCE, zone).thaw_time:
        return True, f"week {week}'s freeze is off after the thaw time but its end was not announced"
    return False, f"freeze is already off and no interrupted thaw of week {week} is left to complete"
