"""What to do about a broken task: the "fix" half of every task problem.

A task written by the bot (the original tool, ``tasks add``) cannot be edited by hand in
Discord, so the way to change it is to remove it and add it again; a task written by a trusted
user can also be fixed by editing that message. The advice names the task by its message id,
which ``tasks show|remove|pause|resume`` accept, and, for schedule values the original tool's
users wrote that leaguectl does not run (``secondly``, ``every_monday`` ...), the value to use
instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from leaguectl.schedule import WEEKDAY_NAMES

SCHEDULE_VALUES = (
    "daily, weekly, monthly, yearly, hourly, minutely, every_N_minutes|hours|days|weeks, "
    "in_N_minutes|hours|days|weeks, today_at_HH:MM, tomorrow_at_HH:MM, on_date, 'cron:0 9 * * MON', "
    "'RRULE:FREQ=WEEKLY;BYDAY=MO'"
)
_PLAIN_EVERY = {"minute": "minutely", "hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly",
                "year": "yearly"}
_SUB_MINUTE = re.compile(r"(?i)secondly|every_\d+_seconds?|every_second")
_EVERY_WEEKDAY = re.compile(r"(?i)every_?(mon|tue|wed|thu|fri|sat|sun)[a-z]*")
_EVERY_UNIT = re.compile(r"(?i)every_(minute|hour|day|week|month|year)s?")
_IN_LONG = re.compile(r"(?i)in_(\d+)_(months?|years?)")
_WEEKDAYS = re.compile(r"(?i)(every_)?weekdays?")


def fix_for(field: str, problem: str, fields: Mapping[str, Any] | None, message_id: str) -> str:
    """One sentence saying how to fix ``field`` of the task in message ``message_id``."""
    change = _change_for(field, problem, fields)
    if field == "next_run" and "missing" in problem:
        return f"{change}: `leaguectl tasks resume {message_id}`"
    if field == "message" or field.startswith("json") or fields is None:
        return f"{change}; or remove it: `leaguectl tasks remove {message_id}`"
    return (f"{change}, then re-create the task (`leaguectl tasks remove {message_id}`, then `leaguectl tasks add`), "
            "or edit its message if you wrote it")


def _change_for(field: str, problem: str, fields: Mapping[str, Any] | None) -> str:
    value = None if fields is None else fields.get(field)
    if field == "json":
        return "repair the ```json block of the message (if you wrote it)"
    if field == "schedule":
        return _schedule_change(value, problem)
    if field == "next_run":
        return "give it a next run" if "missing" in problem else "write next_run as YYYY-MM-DDTHH:MM[:SS]"
    if field == "time":
        return "write time as HH:MM (00:00-23:59)"
    if field == "timezone":
        return "use an IANA zone such as Europe/Berlin or America/New_York (or no timezone field)"
    if field == "specific_date" and "required" in problem:
        return "set specific_date (`--schedule on_date --date YYYY-MM-DD --time HH:MM`)"
    if field == "specific_date":
        return "write specific_date as YYYY-MM-DD (or DD.MM.YYYY)"
    if field == "day_of_week":
        return "write day_of_week as monday ... sunday (or 0 = Monday ... 6 = Sunday)"
    if field == "day_of_month":
        return "write day_of_month as 1-31"
    if field == "month":
        return "write month as 1-12"
    if field == "action_type":
        return "use action_type user_reminder, channel_post or self_task"
    if field == "action_target":
        return "set action_target to a Discord user id (user_reminder) or a channel id other than the tasks channel"
    if field in ("action_template", "description") and "surrogate" in problem:
        return f"replace the broken character in {field} (write the emoji itself, or its full \\ud83d\\ude00 pair)"
    if field in ("action_template", "description", "message"):
        return "shorten task_name, action_template or description"
    return f"correct {field}"


def _schedule_change(value: object, problem: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if _SUB_MINUTE.fullmatch(text) or "FREQ=SECONDLY" in text.upper() or "more often than once a minute" in problem:
        return "leaguectl runs a task at most once a minute: use schedule minutely (or every_N_minutes)"
    weekday = _EVERY_WEEKDAY.fullmatch(text)
    if weekday is not None:
        name = next(day for day in WEEKDAY_NAMES if day.startswith(weekday[1].lower()))
        return f"use schedule weekly with day_of_week {name} (`--schedule weekly --day-of-week {name}`)"
    if _WEEKDAYS.fullmatch(text):
        return "use schedule 'cron:0 9 * * MON-FRI' (cron's day-of-week 1-5 is Monday-Friday)"
    unit = _EVERY_UNIT.fullmatch(text)
    if unit is not None:
        return f"use schedule {_PLAIN_EVERY[unit[1].lower()]}"
    if _IN_LONG.fullmatch(text):
        return "use schedule on_date with specific_date (`--schedule on_date --date YYYY-MM-DD`)"
    if text.lower() == "on_date":
        return "set specific_date (`--schedule on_date --date YYYY-MM-DD --time HH:MM`)"
    return f"use one of {SCHEDULE_VALUES}"
