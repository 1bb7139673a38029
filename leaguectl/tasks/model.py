"""The typed task value: each task message is read once, here, into a value or a problem.

Nothing else in leaguectl reads a task's fields. Reading is in two steps, so a one-minute
pass over a channel of thousands of tasks stays cheap (most are not due):

:func:`read_task` (every message of the channel)
    finds the task JSON (:mod:`leaguectl.tasks.message`) and reads what every pass needs of
    every task: its name, state (active, paused, running, ...), zone, attempts, the copies it
    ``replaces`` and a cheap lower bound of ``next_run`` (``due_hint``). The result is a
    :class:`TaskHead`, or a :class:`TaskProblem` naming the message, the field, the problem and
    what to do.
:func:`parse_task` (due tasks, and every task in ``tasks list|show``)
    reads the rest of a head once: the schedule and the fields it uses, ``next_run`` and
    ``retry_of`` as instants, and the action. The result is a :class:`Task`, or a
    :class:`TaskProblem`.

The values are immutable. A change (a claim, a pause, a recorded failure) is made with
:func:`changed` on the task's original JSON object, so every field leaguectl does not know
survives untouched, and :meth:`TaskHead.rewritten` gives the value of the changed task, which
is what :mod:`leaguectl.tasks.render` writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from leaguectl.schedule import (
    Schedule,
    ScheduleError,
    ScheduleKind,
    parse_schedule,
    parse_timestamp,
    parse_zone,
    stored_next_run,
)
from leaguectl.tasks.fields import (
    ACTION_TYPES,
    CONTENT_LIMIT,
    STATE_FIELDS,
    TOOL_FIELDS,
    TaskDict,
    replaced_ids,
    short_error,
    snowflake,
)
from leaguectl.tasks.fixes import fix_for
from leaguectl.tasks.message import TaskFormatError, read_message

# Naive next_run values of an RRULE with its own DTSTART;TZID are read in that zone by the
# full parse; the due hint reads them in the task zone, so it needs this much slack.
_ZONE_SLACK = timedelta(hours=27)
_FALSE_WORDS = frozenset({"false", "no", "0", "off"})
UNNAMED = "(unnamed)"


class State(StrEnum):
    """What a pass does with a task before looking at its schedule."""

    ACTIVE = "active"
    PAUSED = "paused"  # active false, paused true, or status paused
    RUNNING = "running"  # a one-time task claimed by a pass
    MISSED = "missed"  # a one-time task kept after it was missed (inactive)
    DONE = "done"  # a one-time task that ran but whose message could not be deleted (inactive)

    @property
    def stopped(self) -> bool:
        """True for the states in which a task never runs."""
        return self in (State.PAUSED, State.MISSED, State.DONE)


_STOPPED_STATUSES: Final = {State.PAUSED.value: State.PAUSED, State.MISSED.value: State.MISSED,
                            State.DONE.value: State.DONE}


# ---------------------------------------------------------------------------------- problems


PROBLEM_LIMIT = 300
"""Longest problem text kept (values quoted in it can be anything a message holds)."""
LABEL_LIMIT = 80
"""Longest task name shown in reports, logs and listings."""


@dataclass(frozen=True, slots=True)
class TaskProblem:
    """Why a task message cannot be run: the message, the field, the problem, what to do.

    Every text in it is one line of valid Unicode (see :func:`display`), whatever the message held.
    """

    message_id: str
    author_id: str
    name: str
    field: str
    problem: str
    fix: str = ""

    @property
    def label(self) -> str:
        return display(self.name, LABEL_LIMIT)

    def describe(self) -> str:
        """``field: problem`` for reports and listings."""
        return f"{self.field}: {self.problem}"


def new_problem(message_id: str, author_id: str, name: str, field: str, problem: str,
                fields: Mapping[str, Any] | None) -> TaskProblem:
    """A :class:`TaskProblem` with display-safe texts and the advice of :mod:`leaguectl.tasks.fixes`."""
    text = display(_LONG_WORD.sub(_shortened, display(problem, 4 * PROBLEM_LIMIT)), PROBLEM_LIMIT)
    return TaskProblem(message_id, author_id, display(name, 10 * LABEL_LIMIT), field, text,
                       fix_for(field, text, fields, message_id))


_LONG_WORD = re.compile(r"\S{61,}")


def _shortened(match: re.Match[str]) -> str:
    """A long quoted value inside a problem, cut in its middle so the words after it survive."""
    word = match[0]
    return f"{word[:40]}…{word[-12:]}"


def display(value: object, limit: int) -> str:
    """Any value as one line of valid Unicode, at most ``limit`` characters (lone surrogates become U+FFFD)."""
    text = value if isinstance(value, str) else _short_repr(value, limit)
    if not text.isascii():
        text = valid_unicode(text)
    return short_error(text, limit)


def _short_repr(value: object, limit: int) -> str:
    """``str(value)`` without building huge texts from huge containers or numbers."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"<a number of about {int(value.bit_length() * 0.30103)} digits>"
    if isinstance(value, dict | list) and len(value) > limit:
        return f"<{type(value).__name__} of {len(value)} items>"
    text = str(value)
    return text[: limit * 2]


def valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (from ``\\ud83d`` escapes) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone surrogate, which no Discord message can carry."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# ---------------------------------------------------------------------------------- the head


@dataclass(frozen=True, slots=True)
class TaskHead:
    """What every pass reads of every task message (see the module docstring).

    ``fields`` is the task's JSON object as read, never changed; ``zone`` is its ``timezone``
    field, else the default zone (also when the field is bad: ``zone_error`` then says why).
    ``due_hint`` is a lower bound of ``next_run`` (UTC) for an active task, or None when only
    :func:`parse_task` can tell.
    """

    message_id: str
    author_id: str
    fields: Mapping[str, Any]
    default_zone: ZoneInfo
    name: str
    state: State
    zone: ZoneInfo
    zone_error: str | None
    attempts: int
    replaces: tuple[str, ...]
    due_hint: datetime | None

    @property
    def label(self) -> str:
        """The name as reports and listings show it (one line, at most 80 characters)."""
        return display(self.name, LABEL_LIMIT)

    def rewritten(self, fields: Mapping[str, Any]) -> TaskHead:
        """The same message holding ``fields`` (a change of this task, see :func:`changed`)."""
        return task_head(fields, default_zone=self.default_zone, message_id=self.message_id,
                         author_id=self.author_id)

    # Presentation: read only when a task is rendered or listed.

    @property
    def description(self) -> str | None:
        description = self.fields.get("description")
        return description.strip() if isinstance(description, str) and description.strip() else None

    @property
    def schedule_value(self) -> object:
        """The ``schedule`` field as written (for tasks whose schedule does not parse)."""
        return self.fields.get("schedule")

    @property
    def next_run_value(self) -> object:
        """The ``next_run`` field as written."""
        return self.fields.get("next_run")

    @property
    def last_error(self) -> str | None:
        error = self.fields.get("last_error")
        return error if isinstance(error, str) and error else None

    @property
    def retrying(self) -> bool:
        """True while a failed run waits for its retry (``retry_of`` is set)."""
        return bool(self.fields.get("retry_of"))

    @property
    def action_kind(self) -> str:
        """``action_type`` as written, ``self_task`` when null (the tool's default)."""
        kind = self.fields.get("action_type")
        return str(kind) if kind else "self_task"

    def status_text(self) -> str:
        """Status, attempts and last error in a few words; empty for a plain active task."""
        parts: list[str] = []
        status = self.fields.get("status")
        if isinstance(status, str) and status:
            parts.append(status)
        elif self.fields.get("active") is False:
            parts.append("inactive")
        if self.attempts:
            parts.append(f"{self.attempts} failed attempt{'s' if self.attempts != 1 else ''}")
        if self.retrying:
            parts.append(f"retrying the run of {self.fields['retry_of']}")
        if self.last_error:
            parts.append(f"last error: {self.last_error}")
        return " · ".join(parts)

    def status_label(self, trusted: bool) -> str:
        """One word for listings: untrusted, the status as written, paused, retrying or active."""
        if not trusted:
            return "untrusted"
        status = self.fields.get("status")
        if isinstance(status, str) and status:
            return status
        if self.state.stopped:
            return State.PAUSED.value
        if self.retrying:
            return "retrying"
        return State.ACTIVE.value

    def action_text(self) -> str:
        """What the task does, for the header and listings."""
        kind = self.fields.get("action_type") or "self_task"
        target = self.fields.get("action_target")
        target_id = snowflake(target)
        if kind == "user_reminder":
            return f"user_reminder → DM to user {target_id or target}"
        if kind == "channel_post":
            return f"channel_post → <#{target_id}>" if target_id else f"channel_post → {target}"
        if kind == "self_task":
            return f"self_task → <#{target_id}>" if target_id else "self_task → agent / heartbeat log"
        return f"{kind} → {target}"


def task_head(
    fields: Mapping[str, Any], *, default_zone: ZoneInfo, message_id: str = "", author_id: str = ""
) -> TaskHead:
    """Read the head of a task object (cheap: a few dictionary lookups)."""
    zone, zone_error = _zone(fields.get("timezone"), default_zone)
    state = _state(fields)
    due_hint = _due_hint(fields, zone) if state is State.ACTIVE and zone_error is None else None
    return TaskHead(message_id, author_id, fields, default_zone, _name(fields), state, zone, zone_error,
                    _attempts(fields), _replaces(fields), due_hint)


def read_task(message: Mapping[str, Any], default_zone: ZoneInfo) -> TaskHead | TaskProblem | None:
    """The task in a Discord message object: its head, its problem, or None when it is chatter."""
    found = read_message(message)
    if found is None:
        return None
    if found.task is None:
        error = found.error or TaskFormatError("json", "no task found")
        return new_problem(found.id, found.author_id, found.title or "", error.field, error.problem, None)
    return task_head(found.task, default_zone=default_zone, message_id=found.id, author_id=found.author_id)


def _name(fields: Mapping[str, Any]) -> str:
    """The task's name, valid Unicode (a lone surrogate becomes U+FFFD); ``(unnamed)`` when absent."""
    name = fields.get("task_name")
    if isinstance(name, str) and name.strip():
        return valid_unicode(name.strip())
    return UNNAMED


def _zone(value: object, default: ZoneInfo) -> tuple[ZoneInfo, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default, None
    try:
        return task_zone(value), None
    except ScheduleError as error:
        return default, str(error)


_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")


def task_zone(value: object, field: str = "timezone") -> ZoneInfo:
    """An IANA zone from a task (or ``--timezone``); any other value is a ScheduleError naming ``field``.

    Names that cannot be zone names (over 64 characters, odd characters) are refused before
    the zone database is asked: it would try to open them as files.
    """
    if isinstance(value, str) and (len(value.strip()) > 64 or not _ZONE_NAME.fullmatch(value.strip())):
        raise ScheduleError(f"{field} {display(value, 80)!r} is not a known IANA time zone")
    try:
        return parse_zone(value, field)
    except OSError:
        raise ScheduleError(f"{field} {display(value, 80)!r} is not a known IANA time zone") from None


def _inactive(fields: Mapping[str, Any]) -> bool:
    """``active`` false (also ``"false"``), or ``paused`` true.

    The original scheduler treats only the boolean ``false`` as inactive (bug 9); a string
    ``"false"`` here means inactive too.
    """
    active = fields.get("active", True)
    if active is False or active == 0 or (isinstance(active, str) and active.strip().lower() in _FALSE_WORDS):
        return True
    return fields.get("paused") is True


def _state(fields: Mapping[str, Any]) -> State:
    status = fields.get("status")
    stopped = _STOPPED_STATUSES.get(status) if isinstance(status, str) else None
    if stopped is not None:
        return stopped
    if _inactive(fields):
        return State.PAUSED
    return State.RUNNING if status == State.RUNNING.value else State.ACTIVE


def _attempts(fields: Mapping[str, Any]) -> int:
    value = fields.get("attempts")
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(0, value)


def _replaces(fields: Mapping[str, Any]) -> tuple[str, ...]:
    if "replaces" not in fields:
        return ()
    return tuple(replaced_ids(fields["replaces"]))


def _due_hint(fields: Mapping[str, Any], zone: ZoneInfo) -> datetime | None:
    """A cheap lower bound of ``next_run`` (UTC): ``datetime.fromisoformat`` and nothing else."""
    value = fields.get("next_run")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
        instant = moment.replace(tzinfo=zone, fold=0).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    schedule = fields.get("schedule")
    if isinstance(schedule, str) and "TZID" in schedule.upper():
        return instant - _ZONE_SLACK
    return instant


# ---------------------------------------------------------------------------------- the full task


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
    """Read the rest of a task (see the module docstring); a problem names the field and the fix."""
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


# ---------------------------------------------------------------------------------- changes


class _Remove:
    """The value of a field :func:`changed` removes."""

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Final = _Remove()


def changed(fields: Mapping[str, Any], **changes: object) -> TaskDict:
    """A copy of ``fields`` with ``changes`` applied (``REMOVE`` drops a field); other fields untouched."""
    result: TaskDict = {key: value for key, value in fields.items() if changes.get(key) is not REMOVE}
    result.update((key, value) for key, value in changes.items() if value is not REMOVE)
    return result
