"""The head of a task: what every pass reads of every task message, cheaply.

:func:`read_task` finds the task JSON of a message (:mod:`leaguectl.tasks.message`) and reads
its name, state, zone, attempts, the copies it ``replaces`` and a cheap lower bound of
``next_run`` into a :class:`TaskHead`, or a :class:`~leaguectl.tasks.problems.TaskProblem`.
The rest of a task is read by :mod:`leaguectl.tasks.parse`; :mod:`leaguectl.tasks.model` is
the public face of both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from leaguectl.schedule import ScheduleError, parse_zone
from leaguectl.tasks.fields import replaced_ids, snowflake
from leaguectl.tasks.message import TaskFormatError, read_message
from leaguectl.tasks.problems import LABEL_LIMIT, TaskProblem, display, new_problem, valid_unicode

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


@dataclass(frozen=True, slots=True)
class TaskHead:
    """What every pass reads of every task message (see :mod:`leaguectl.tasks.model`).

    ``fields`` is the task's JSON object as read, never changed; ``zone`` is its ``timezone``
    field, else the default zone (also when the field is bad: ``zone_error`` then says why).
    ``due_hint`` is a lower bound of ``next_run`` (UTC) for an active task, or None when only
    :func:`~leaguectl.tasks.parse.parse_task` can tell.
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
        """The same message holding ``fields`` (a change of this task, see :func:`~leaguectl.tasks.model.changed`)."""
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
