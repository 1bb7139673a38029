"""Tasks whose wall times depend on ``TASKS_DEFAULT_TIMEZONE``.

A task without a ``timezone`` field (every task the original tool wrote) reads its naive
times (``time``, a naive ``next_run``, calendar schedules) in the default zone, so changing
``TASKS_DEFAULT_TIMEZONE`` (or ``LEAGUE_TIMEZONE``, which it follows when it is not set) moves
them. ``tasks add`` always writes ``timezone``, so the tasks it creates never move.
:func:`tasks_on_default_zone` lists the tasks that would: ``tasks list`` marks them, and it is
the function ``doctor`` can call (read-only: it only reads the tasks channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from leaguectl.schedule import Schedule, ScheduleKind
from leaguectl.tasks.model import TaskHead, read_task, schedule_of

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from leaguectl.discord_rest import DiscordClient


@dataclass(frozen=True, slots=True)
class ZoneDependent:
    """A task read in the default zone: its message, its name (as listed) and the zone it gets."""

    message_id: str
    name: str
    zone: str


def depends_on_default_zone(head: TaskHead, schedule: Schedule | None) -> bool:
    """True when changing the default zone would move this task's runs.

    A ``timezone`` field, an RRULE whose DTSTART names its zone (``TZID``), or an elapsed-time
    schedule (minutely, hourly, every_N_minutes|hours, in_N_seconds|minutes|hours) whose
    ``next_run`` carries its offset make a task independent of the default.
    """
    zone_field = head.fields.get("timezone")
    if zone_field is not None and not (isinstance(zone_field, str) and not zone_field.strip()):
        return False
    if schedule is None:
        return True
    if schedule.kind is ScheduleKind.RRULE and "TZID=" in schedule.text.upper():
        return False
    elapsed = schedule.elapsed_interval is not None or (
        schedule.kind is ScheduleKind.IN and schedule.unit is not None and schedule.unit.elapsed)
    return not (elapsed and _has_offset(head.next_run_value))


def _has_offset(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is not None
    except ValueError:
        return False


def tasks_on_default_zone(discord: DiscordClient, channel_id: str, default_zone: ZoneInfo) -> list[ZoneDependent]:
    """Every task of the tasks channel whose wall times come from ``default_zone`` (only reads)."""
    found: list[ZoneDependent] = []
    for raw in discord.iter_messages(channel_id):
        entry = read_task(raw, default_zone)
        if isinstance(entry, TaskHead) and depends_on_default_zone(entry, schedule_of(entry)):
            found.append(ZoneDependent(entry.message_id, entry.label, default_zone.key))
    return found
