"""Task messages exactly as the Unified Discord Tool and its scheduler write them.

Written from reading letta-ai/awesome-letta (``discord_tools/unified_discord_tool.py`` and
``discord_tools/taskScheduler.ts``) at three commits:

* ``fc0ef94`` (pull request 3, the version the scheduler guide refers to, "AL3"): 16 fields,
  header ``├─ Schedule: {schedule}[ at {time}] (runs at: …)`` / ``├─ One-time:`` /
  ``└─ Action: {type} → {target}`` (or the "(default)" texts when no target was given),
  ``json.dumps(task, indent=2)`` (so emoji as ``\\uXXXX`` escapes);
* ``c309b9e`` (pull request 1, "AL1"): the same 16 fields, target defaulting to the user id,
  header ``├─ Schedule: {schedule_desc} (One-time|Recurring)`` / ``├─ Next Run: …`` /
  ``└─ Action: Discord DM → User … | Discord Channel → … | (nothing)``;
* ``4bdfa7a`` (the first version): 9 fields, no ``next_run`` at all;

and ``taskScheduler.ts`` at ``fc0ef94``, which deletes a recurring task after running it and
posts it again: ``JSON.stringify(task, null, 2)`` (raw UTF-8) with ``message_id`` removed,
``next_run`` as ``toISOString()`` (UTC, milliseconds, ``Z``) and ``active: true``, under the
header ``├─ Schedule: {schedule} (Recurring)`` / ``├─ Next Run: {UTC}`` /
``└─ Action: Discord DM → User … | Discord Channel → … | Internal Agent Task``; a message over
1900 characters becomes ``📋 **Task: …**``, ``Next Run: …`` and the compact JSON cut at 1500
characters.

The tool computes ``next_run`` from ``datetime.now()`` (naive, the host's local time) by its own
rules, reproduced in :func:`tool_next_run`; the seed document's own example header is
``layout_seed``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

USER = "1200000000000000001"
CHANNEL = "1300000000000000002"
HEARTBEAT = "1300000000000000003"
PLACEHOLDER_USER = "YOUR_USER_ID_HERE"
PLACEHOLDER_HEARTBEAT = "YOUR_HEARTBEAT_LOG_CHANNEL_ID_HERE"
TOOL_NOW = datetime(2026, 3, 1, 22, 43, 38, 143101)
"""``datetime.now()`` on the tool's host (Berlin) when it created the tasks: a Sunday evening."""

ADVERTISED_SCHEDULES = (
    "daily", "weekly", "monthly", "yearly", "hourly", "minutely", "in_10_minutes", "in_2_hours", "in_30_seconds",
    "every_15_minutes", "every_3_hours", "every_2_days", "every_2_weeks", "today_at_23:30", "tomorrow_at_07:30",
    "on_date",
)
"""Every value ``unified_discord_tool.json`` advertises (``in_X_…``/``every_X_…`` with an X)."""

_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}


def _hh_mm(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def _next_month(moment: datetime) -> datetime:
    return moment.replace(year=moment.year + 1, month=1) if moment.month == 12 else moment.replace(
        month=moment.month + 1)


def _on_day(moment: datetime, day: int) -> datetime:
    """The tool's loop: the first month from ``moment``'s on that has ``day``."""
    while True:
        try:
            return moment.replace(day=day)
        except ValueError:
            moment = _next_month(moment)


def tool_next_run(schedule: str, now: datetime = TOOL_NOW, *, time: str | None = None,
                  specific_date: str | None = None, day_of_month: int | None = None, month: int | None = None,
                  day_of_week: str | None = None) -> datetime:
    """``next_run`` as AL3's ``_create_task`` sets it (naive local time)."""
    clock = _hh_mm(time) if time else None
    if schedule == "on_date" and specific_date:
        if "." in specific_date:
            day, month_number, year = map(int, specific_date.split("."))
        else:
            year, month_number, day = map(int, specific_date.split("-"))
        moment = datetime(year, month_number, day)
        return moment.replace(hour=clock[0], minute=clock[1]) if clock else moment
    count = schedule.split("_")[1] if schedule.startswith(("in_", "every_")) else ""
    for prefix, unit in (("in_", "minutes"), ("in_", "hours"), ("in_", "seconds"), ("every_", "minutes"),
                         ("every_", "hours"), ("every_", "days"), ("every_", "weeks")):
        if schedule.startswith(prefix) and schedule.endswith("_" + unit):
            return now + timedelta(**{unit: int(count)})
    if schedule.startswith(("today_at_", "tomorrow_at_")):
        hour, minute = _hh_mm(schedule.rsplit("_", 1)[1])
        day = now if schedule.startswith("today_") else now + timedelta(days=1)
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if schedule in ("hourly", "minutely"):
        return now + (timedelta(hours=1) if schedule == "hourly" else timedelta(minutes=1))
    if schedule == "daily":
        if not clock:
            return now + timedelta(days=1)
        moment = now.replace(hour=clock[0], minute=clock[1], second=0, microsecond=0)
        return moment if moment > now else moment + timedelta(days=1)
    if schedule == "weekly":
        if not day_of_week:
            return now + timedelta(weeks=1)
        ahead = _WEEKDAYS[day_of_week.lower()] - now.weekday()
        moment = now + timedelta(days=ahead + 7 if ahead <= 0 else ahead)
        return moment.replace(hour=clock[0], minute=clock[1], second=0, microsecond=0) if clock else moment
    if schedule == "monthly":
        if not day_of_month:
            return (now.replace(day=1) + timedelta(days=32)).replace(day=1)
        moment = _on_day(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0), day_of_month)
        moment = moment.replace(hour=clock[0], minute=clock[1]) if clock else moment
        return moment if moment > now else _on_day(_next_month(moment.replace(day=1)), day_of_month)
    if schedule == "yearly":
        if not (month and day_of_month):
            return now.replace(year=now.year + 1)
        moment = now.replace(month=month, day=day_of_month, hour=0, minute=0, second=0, microsecond=0)
        moment = moment.replace(hour=clock[0], minute=clock[1]) if clock else moment
        return moment if moment > now else moment.replace(year=now.year + 1)
    return now + timedelta(days=1)  # the tool's fallback: on_date without a date, secondly, every_monday, ...


def al3_task(name: str, schedule: str, *, description: str | None = None, time: str | None = None,
             specific_date: str | None = None, day_of_month: int | None = None, month: int | None = None,
             day_of_week: str | None = None, action_type: str | None = "channel_post",
             action_target: str | None = CHANNEL, action_template: str | None = "Hello ☀️",
             default_user: str = PLACEHOLDER_USER, heartbeat: str = PLACEHOLDER_HEARTBEAT,
             now: datetime = TOOL_NOW) -> dict[str, Any]:
    """The 16-field task AL3 writes (its smart default target when none is given)."""
    next_run = tool_next_run(schedule, now, time=time, specific_date=specific_date, day_of_month=day_of_month,
                             month=month, day_of_week=day_of_week)
    default = default_user if action_type == "user_reminder" else heartbeat
    return {
        "task_name": name,
        "description": description,
        "schedule": schedule,
        "time": time,
        "specific_date": specific_date,
        "day_of_month": day_of_month,
        "month": month,
        "day_of_week": day_of_week,
        "action_type": action_type,
        "action_target": action_target or default,
        "action_template": action_template,
        "one_time": schedule.startswith(("in_", "tomorrow_", "today_at_")) or schedule == "on_date",
        "created_at": now.isoformat(),
        "first_run": now.isoformat(),
        "next_run": next_run.isoformat(),
        "active": True,
    }


def layout_al3(task: dict[str, Any], *, target_given: bool = True) -> str:
    """AL3's message: header with ``(runs at: …)`` and ``One-time``, then ``json.dumps(indent=2)``."""
    info = task["schedule"] + (f" at {task['time']}" if task["time"] else "")
    info += f" (runs at: {datetime.fromisoformat(task['next_run']):%Y-%m-%d %H:%M:%S})"
    if target_given:
        action = f"{task['action_type']} → {task['action_target']}"
    elif task["action_type"] == "user_reminder":
        action = f"{task['action_type']} → 💬 User's DMs (default)"
    else:
        action = f"{task['action_type']} → 🧠 Heartbeat Log (default)"
    header = (f"📋 **Task: {task['task_name']}**\n├─ Description: {task['description']}\n├─ Schedule: {info}\n"
              f"├─ One-time: {'Yes' if task['one_time'] else 'No'}\n└─ Action: {action}")
    return f"{header}\n\n```json\n{json.dumps(task, indent=2)}\n```"


def layout_al1(task: dict[str, Any]) -> str:
    """AL1's message: ``schedule_desc (One-time|Recurring)``, ``Next Run``, the DM/Channel action text."""
    desc = f"on {task['specific_date']}" if task["specific_date"] else task["schedule"]
    if task["day_of_week"]:
        desc += f" ({task['day_of_week']}s)"
    if task["day_of_month"] and not task["specific_date"]:
        desc += f" (day {task['day_of_month']})"
    if task["month"] and not task["specific_date"]:
        desc += f" ({_MONTHS[task['month']]})"
    if task["time"]:
        desc += f" at {task['time']}"
    action = {"user_reminder": f"Discord DM → User {task['action_target']}",
              "channel_post": f"Discord Channel → {task['action_target']}"}.get(task["action_type"] or "", "")
    header = (f"📋 **Task: {task['task_name']}**\n├─ Description: {task['description']}\n"
              f"├─ Schedule: {desc} ({'One-time' if task['one_time'] else 'Recurring'})\n"
              f"├─ Next Run: {datetime.fromisoformat(task['next_run']):%Y-%m-%d %H:%M}\n└─ Action: {action}")
    return f"{header}\n\n```json\n{json.dumps(task, indent=2)}\n```"


def first_version_task(name: str, schedule: str, *, time: str | None = "09:00",
                       action_type: str = "channel_post", action_target: str = CHANNEL) -> dict[str, Any]:
    """The 9 fields of the tool's first version (``4bdfa7a``): no ``next_run``."""
    return {"task_name": name, "description": None, "schedule": schedule, "time": time, "action_type": action_type,
            "action_target": action_target, "action_template": "Hello", "created_at": TOOL_NOW.isoformat(),
            "active": True}


def layout_first_version(task: dict[str, Any]) -> str:
    header = (f"📋 **Task: {task['task_name']}**\n├─ Description: {task['description']}\n"
              f"├─ Schedule: {task['schedule']} at {task['time'] or 'default time'}\n"
              f"└─ Action: {task['action_type']} → {task['action_target']}")
    return f"{header}\n\n```json\n{json.dumps(task, indent=2)}\n```"


def rescheduled(task: dict[str, Any], next_run_utc: datetime) -> dict[str, Any]:
    """The task the TypeScript scheduler re-posts: ``message_id`` gone, UTC ``next_run``, active."""
    updated = dict(task)
    updated["next_run"] = next_run_utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{next_run_utc.microsecond // 1000:03d}Z"
    updated["active"] = True
    return updated


def layout_scheduler(task: dict[str, Any]) -> str:
    """``updateRecurringTask``'s message, with its fallback for messages over 1900 characters."""
    kind = task.get("action_type") or ""
    target = task.get("action_target") or ""
    action = {"user_reminder": f"Discord DM → User {target}", "channel_post": f"Discord Channel → {target}"}.get(
        kind, "Internal Agent Task")
    pretty = task["next_run"][:16].replace("T", " ")
    text = (f"📋 **Task: {task.get('task_name') or ''}**\n├─ Description: {task.get('description') or ''}\n"
            f"├─ Schedule: {task.get('schedule') or ''} (Recurring)\n├─ Next Run: {pretty}\n└─ Action: {action}\n\n"
            f"```json\n{json.dumps(task, indent=2, ensure_ascii=False)}\n```")
    if len(text) > 1900:
        compact = json.dumps(task, ensure_ascii=False, separators=(",", ":"))[:1500]
        text = f"📋 **Task: {task.get('task_name') or ''}**\nNext Run: {pretty}\n\n```json\n{compact}\n```"
    return text


def layout_seed(task: dict[str, Any]) -> str:
    """The seed document's example header (TASK_SCHEDULER_IMPLEMENTATION.md)."""
    header = (f"📋 **Task: {task['task_name']}**\n├─ Schedule: {task['schedule']} at {task['time']}\n"
              f"├─ Next Run: {task['next_run'].replace('T', ' ')[:19]}\n"
              f"└─ Action: {task['action_type']} → {task['action_target']}")
    return f"{header}\n\n```json\n{json.dumps(task, indent=2)}\n```"
