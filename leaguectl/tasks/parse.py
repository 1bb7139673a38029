"""The full task: a head's schedule, stored instants and action, read once.

:func:`parse_task` (due tasks, and every task in ``tasks list|show``) reads the rest of a
:class:`~leaguectl.tasks.head.TaskHead`: the schedule and the fields it uses, ``next_run``
and ``retry_of`` as instants, and the action. The result is a :class:`Task`, or a
:class:`~leaguectl.tasks.problems.TaskProblem` naming the field and the fix.
:mod:`leaguectl.tasks.model` is the public face.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from leaguectl.schedule import (
    Schedule,
    ScheduleError,
    ScheduleKind,
    parse_schedule,
    parse_timestamp,
    stored_next_run,
)
from leaguectl.tasks.fields import ACTION_TYPES, CONTENT_LIMIT, STATE_FIELDS, TOOL_FIELDS, snowflake
from leaguectl.tasks.head import TaskHead
from leaguectl.tasks.message import TaskFormatError
from leaguectl.tasks.problems import TaskProblem, has_lone_surrogate, new_problem


@dataclass(frozen=True, slots=True)
class TaskAction:
    """What a run sends: ``kind`` is user_reminder, channel_post or self_task."""

    kind: str
    target_id: str | None
    text: str
    template: str | None


@dataclass(frozen=True, slots=True)
class Task:
    """A task read in full: its head, schedule, stored instants and action."""

    head: TaskHead
    schedule: Schedule
    next_run: datetime | None
    retry_of: datetime | None
    action: TaskAction

    @property
    def message_id(self) -> str:
        return self.head.message_id

    @property
    def name(self) -> str:
        return self.head.name

    @property
    def zone(self) -> ZoneInfo:
        """The zone of the task's wall times (an RRULE's DTSTART;TZID, else the head's zone)."""
        return self.schedule.zone


def parse_task(head: TaskHead) -> Task | TaskProblem:
    """Read the rest of a task (see :mod:`leaguectl.tasks.model`); a problem names the field and the fix."""
    if head.zone_error is not None:
        return problem_of(head, "timezone", head.zone_error)
    try:
        schedule, next_run = read_schedule(head)
        retry_value = head.fields.get("retry_of")
        retry_of = None if retry_value is None else _in_range(
            "retry_of", retry_value, lambda: parse_timestamp(retry_value, schedule.zone, "retry_of"))
        action = _action(head)
    except TaskFormatError as error:
        return problem_of(head, error.field, error.problem)
    except ValueError as error:
        return problem_of(head, error_field(str(error)), str(error))
    except (ArithmeticError, TypeError, LookupError, RecursionError) as error:
        return problem_of(head, error_field(str(error)), f"cannot be scheduled: {error}")
    return Task(head, schedule, next_run, retry_of, action)


def read_schedule(head: TaskHead) -> tuple[Schedule, datetime | None]:
    """The task's schedule and its stored ``next_run`` (None if absent); raises ValueError naming the field."""
    if head.zone_error is not None:
        raise ScheduleError(head.zone_error)
    fields = _schedule_fields(head)
    schedule = parse_schedule(fields, head.zone)
    value = head.fields.get("next_run")
    next_run = _in_range("next_run", value, lambda: stored_next_run(fields, schedule))
    return schedule, next_run


def _schedule_fields(head: TaskHead) -> Mapping[str, Any]:
    """The fields the schedule is read from: the task's, except for ``on_date`` without a date.

    The Unified Discord Tool writes ``on_date`` without ``specific_date`` when none was given
    and then sets ``next_run`` itself (one day after creation); its scheduler runs such a task
    once, at that ``next_run``. So does leaguectl: the date and time come from a valid stored
    ``next_run`` (nothing is written back). Without one, ``specific_date`` is required.
    """
    fields = head.fields
    value = fields.get("schedule")
    if not (isinstance(value, str) and value.strip().lower() == ScheduleKind.ON_DATE.value):
        return fields
    date_value = fields.get("specific_date")
    if date_value is not None and not (isinstance(date_value, str) and not date_value.strip()):
        return fields
    try:
        moment = parse_timestamp(fields.get("next_run"), head.zone, "next_run").astimezone(head.zone)
    except (ValueError, OverflowError):
        return fields
    return {**fields, "specific_date": moment.date().isoformat(), "time": f"{moment:%H:%M:%S}"}


def schedule_of(head: TaskHead) -> Schedule | None:
    """The task's schedule when it parses (for the header of a task being paused or kept), else None."""
    if head.zone_error is not None:
        return None
    try:
        return parse_schedule(_schedule_fields(head), head.zone)
    except (ValueError, ArithmeticError, TypeError, LookupError, RecursionError):
        return None


def problem_of(head: TaskHead, field: str, problem: str) -> TaskProblem:
    return new_problem(head.message_id, head.author_id, head.name, field, problem, head.fields)


def _in_range(field: str, value: object, read: Callable[[], datetime | None]) -> datetime | None:
    """``read()``, with a timestamp too close to year 1 or 9999 reported against ``field``."""
    try:
        return read()
    except OverflowError:
        raise TaskFormatError(field, f"{value!r} is out of range") from None


_ERROR_FIELDS = frozenset(TOOL_FIELDS) | frozenset(STATE_FIELDS)


def error_field(message: str) -> str:
    """The field a ScheduleError names (its first word), ``schedule`` when it names none."""
    first = message.split(" ", 1)[0]
    return first if first in _ERROR_FIELDS else "schedule"


def _action(head: TaskHead) -> TaskAction:
    """Where and what a task sends; raises :class:`TaskFormatError` naming the bad field.

    ``action_type`` null (the tool has no default) means ``self_task``; where a self task goes
    without a channel of its own depends on the settings (the planner decides).
    """
    fields = head.fields
    kind = fields.get("action_type")
    if kind is None or (isinstance(kind, str) and not kind.strip()):
        kind = "self_task"
    if not isinstance(kind, str) or kind.strip() not in ACTION_TYPES:
        raise TaskFormatError("action_type", f"{kind!r} is not one of {', '.join(ACTION_TYPES)}")
    kind = kind.strip()
    target = fields.get("action_target")
    target_id = snowflake(target)
    if kind == "user_reminder" and target_id is None:
        raise TaskFormatError("action_target", f"{target!r} is not a Discord user id")
    if kind == "channel_post" and target_id is None:
        raise TaskFormatError("action_target", f"{target!r} is not a Discord channel id")
    label = "🧠 Scheduled task" if kind == "self_task" else "⏰ Reminder"
    template = fields.get("action_template")
    template = template if isinstance(template, str) and template.strip() else None
    for field, text in (("action_template", template), ("description", head.description)):
        if text is not None and has_lone_surrogate(text):
            raise TaskFormatError(field, "holds a broken character (a lone UTF-16 surrogate such as \\ud83d, half "
                                         "of an emoji escape) that no Discord message can carry")
    return TaskAction(kind, target_id, _post_text(head, template, label), template)


def _post_text(head: TaskHead, template: str | None, label: str) -> str:
    """The message a run posts: ``action_template``, else the name and description."""
    if template is not None:
        text = template
    else:
        text = f"{label}: {head.name}"
        if head.description:
            text += f"\n{head.description}"
    if len(text) > CONTENT_LIMIT:
        raise TaskFormatError("action_template", f"is {len(text)} characters; Discord allows {CONTENT_LIMIT}")
    return text
