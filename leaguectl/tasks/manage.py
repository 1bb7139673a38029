"""``leaguectl tasks add|remove|pause|resume``: change the tasks channel by hand.

Tasks are written exactly as ``run-due-tasks`` writes them (the canonical layout of
:mod:`leaguectl.tasks.render`), in the original tool's field set plus ``timezone``, and
authored by the bot, so the original scheduler and leaguectl can both read them. A task is
found as :mod:`leaguectl.tasks.listing` says: by name, message id, or a unique prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from leaguectl.discord_rest import UNKNOWN_MESSAGE, DiscordError, identity_nonce
from leaguectl.errors import UsageError
from leaguectl.schedule import (
    WEEKDAY_NAMES,
    DueStatus,
    Schedule,
    describe,
    due_runs,
    first_run,
    parse_date,
    parse_schedule,
    parse_time_of_day,
    parse_weekday,
    pin_fields,
)
from leaguectl.tasks.fields import TaskDict, snowflake, stamp
from leaguectl.tasks.listing import find_task, preview_rows, task_entries
from leaguectl.tasks.model import (
    REMOVE,
    State,
    Task,
    TaskHead,
    TaskProblem,
    changed,
    parse_task,
    read_schedule,
    schedule_of,
    task_head,
    task_zone,
)
from leaguectl.tasks.planner import NoTarget, Policy, action_spec, paused
from leaguectl.tasks.render import TaskTooLong, render
from leaguectl.tasks.store import write_task

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

NAME_LIMIT = 100
"""Longest task name ``tasks add`` writes (the header shows the name in full)."""


# ---------------------------------------------------------------------------------- add


@dataclass(frozen=True)
class NewTask:
    """What ``tasks add`` was given, before validation."""

    name: str
    schedule: str
    action: str = "channel_post"
    target: str | None = None
    message: str | None = None
    description: str | None = None
    time: str | None = None
    specific_date: str | None = None
    day_of_week: str | None = None
    day_of_month: int | None = None
    month: int | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class BuiltTask:
    task: Task
    first: datetime

    @property
    def schedule(self) -> Schedule:
        return self.task.schedule


_OPTION_FIELDS = {"action_target": "--target", "action_type": "--action", "action_template": "--message"}


def build_task(new: NewTask, *, now: datetime, policy: Policy) -> BuiltTask:
    """Validate ``new`` and build the task in the tool's field order; raises UsageError."""
    name = new.name.strip()
    if not name:
        raise UsageError("NAME: a task needs a name")
    if len(name) > NAME_LIMIT:
        raise UsageError(f"NAME: at most {NAME_LIMIT} characters (this one has {len(name)})")
    try:
        zone = task_zone(new.timezone, "--timezone") if new.timezone else policy.default_zone
        fields: TaskDict = {
            "task_name": name,
            "description": new.description,
            "schedule": new.schedule.strip(),
            "time": None if new.time is None else f"{parse_time_of_day(new.time, '--time'):%H:%M}",
            "specific_date": None if new.specific_date is None else parse_date(new.specific_date, "--date").isoformat(),
            "day_of_month": new.day_of_month,
            "month": new.month,
            "day_of_week": None if new.day_of_week is None else WEEKDAY_NAMES[parse_weekday(new.day_of_week,
                                                                                          "--day-of-week")],
            "action_type": new.action.strip(),
            "action_target": None if new.target is None else (snowflake(new.target) or new.target.strip()),
            "action_template": new.message,
            "one_time": False,
            "created_at": stamp(now, zone),
            "first_run": None,
            "next_run": None,
            "active": True,
            "timezone": zone.key,
        }
        schedule = parse_schedule(fields, zone)
        first = first_run(schedule, now)
        fields.update((key, value) for key, value in pin_fields(schedule, first).items() if fields.get(key) is None)
        schedule = parse_schedule(fields, zone)
        fields["first_run"] = fields["next_run"] = stamp(first, zone)
    except ValueError as error:
        raise UsageError(f"{error}") from None
    except OverflowError:
        raise UsageError(f"--schedule: its first run falls beyond the year 9999 in {zone.key}; "
                         "choose an earlier start") from None
    fields["one_time"] = schedule.one_time
    task = parse_task(task_head(fields, default_zone=zone))
    if isinstance(task, TaskProblem):
        option = _OPTION_FIELDS.get(task.field)
        raise UsageError(f"{option}: {task.problem}" if option else task.problem)
    try:
        action_spec(task, policy)
    except NoTarget as error:
        raise UsageError(f"--target: {error}") from None
    return BuiltTask(task, first)


def add_task(pc: PassContext, new: NewTask) -> None:
    """``tasks add``: validate, preview, refuse a duplicate name, post in the canonical layout."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    policy = Policy.from_settings(pc.settings)
    new = _resolved_target(pc, new)
    built = build_task(new, now=pc.now, policy=policy)
    try:
        render(built.task.head, schedule=built.schedule)  # refuse a task too long to write, before any request
    except TaskTooLong as error:
        raise UsageError(str(error)) from None
    name = built.task.name
    for entry in task_entries(pc, channel_id):
        if isinstance(entry, TaskHead) and entry.name.lower() == name.lower():
            raise UsageError(f"a task named {name!r} already exists (message {entry.message_id}); choose another "
                             "name or remove it first")
    pc.report.details["preview"] = preview_rows(built.schedule, built.first)
    pc.report.details["task"] = dict(built.task.head.fields)
    facts = {"schedule": describe(built.schedule), "zone": built.schedule.zone.key,
             "next_run": stamp(built.first, built.schedule.zone)}
    if pc.dry_run:
        pc.report.action("create", f"task {name!r}", **facts)
    else:
        posted = _post_new_task(pc, channel_id, built)
        pc.report.action("create", f"task {name!r}", message=str(posted["id"]), **facts)
    pc.report.summary = f"{'would create' if pc.dry_run else 'created'} task {name!r}: {describe(built.schedule)}"


_DEFINING_FIELDS = ("schedule", "time", "specific_date", "day_of_month", "month", "day_of_week", "action_type",
                    "action_target", "action_template", "description", "timezone")


def _post_new_task(pc: PassContext, channel_id: str, built: BuiltTask) -> dict[str, Any]:
    """Post the new task with a nonce made of its name and what it does (never the time).

    Two ``tasks add`` of the same task at once (two hosts, a retry) post it once. Discord keeps
    a nonce for a few minutes, so adding exactly the same task again right after removing it is
    refused until then (Discord answers "unknown message").
    """
    fields = built.task.head.fields
    nonce = identity_nonce("tasks-add", channel_id, built.task.name.casefold(),
                           *(repr(fields.get(key)) for key in _DEFINING_FIELDS))
    content = render(built.task.head, schedule=built.schedule)
    try:
        return pc.discord.create_message(channel_id, content=content, nonce=nonce)
    except DiscordError as error:
        if error.code != UNKNOWN_MESSAGE:
            raise
    raise UsageError(f"the same task was added and removed in the last few minutes, and Discord still holds its "
                     f"nonce; add {built.task.name!r} again in five minutes, or change it a little")


def _resolved_target(pc: PassContext, new: NewTask) -> NewTask:
    """A channel given by name becomes its id (channel_post and self_task)."""
    target = new.target
    if target is None or snowflake(target) is not None or new.action.strip() == "user_reminder":
        return new
    channel = pc.discord.resolve_channel(pc.guild_id, target.lstrip("#"))
    if channel is None:
        raise UsageError(f"--target: no text channel named {target!r} in the guild")
    return NewTask(**{**new.__dict__, "target": str(channel["id"])})


# ---------------------------------------------------------------------------------- changes


def change_task(pc: PassContext, ref: str, verb: str) -> None:
    """``tasks remove|pause|resume``."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    found = find_task(pc, ref)
    entry = found.entry
    name = entry.name or f"message {entry.message_id}"
    if verb == "remove":
        if not pc.dry_run:
            pc.discord.delete_message(channel_id, entry.message_id, reason="leaguectl tasks remove")
        pc.report.action("remove", f"task {name!r}", message=entry.message_id)
        pc.report.summary = f"{'would remove' if pc.dry_run else 'removed'} task {name!r}"
        return
    if isinstance(entry, TaskProblem):
        raise UsageError(f"task message {entry.message_id} is malformed ({entry.field}: {entry.problem}); "
                         "fix it or remove it")
    if not found.trust.allows(entry.author_id):
        raise UsageError(f"task {name!r} was written by {entry.author_id}, who is not trusted, so run-due-tasks "
                         "ignores it; remove it, or trust its author (TASKS_TRUSTED_USERS)")
    updated = _paused(entry, pc.now) if verb == "pause" else _resumed(entry, pc.now)
    if updated is None:
        pc.report.skip(f"task {name!r} is already {'paused' if verb == 'pause' else 'active'}", item=entry.message_id)
        pc.report.summary = f"task {name!r}: nothing to change"
        return
    facts: dict[str, Any] = {"message": entry.message_id}
    if verb == "resume" and updated.next_run_value:
        facts["next_run"] = updated.next_run_value
    if not pc.dry_run:
        try:
            written = write_task(pc.discord, channel_id, updated, schedule=schedule_of(updated))
        except TaskTooLong as error:
            raise UsageError(f"task {name!r}: {error}") from None
        if written.message_id != entry.message_id:
            facts["new_message"] = written.message_id
    pc.report.action(verb, f"task {name!r}", **facts)
    pc.report.summary = f"{'would ' + verb if pc.dry_run else verb + 'd'} task {name!r}"


def _paused(head: TaskHead, now: datetime) -> TaskHead | None:
    if head.state.stopped:
        return None
    return paused(head.rewritten(changed(head.fields, status=REMOVE)), now, head.zone)


def _resumed(head: TaskHead, now: datetime) -> TaskHead | None:
    """Active again, errors cleared; a missing or past ``next_run`` moves to the next slot.

    Applies to paused tasks, claims left behind, tasks waiting for a retry, and tasks without a
    ``next_run`` (the original tool's first version wrote none).

    A one-time task whose time has passed (a kept missed task, a stale claim) is due at once:
    the next ``run-due-tasks`` pass runs it.
    """
    stuck = head.state is State.RUNNING or head.retrying or head.next_run_value is None
    if not head.state.stopped and not stuck:
        return None
    resumed = head.rewritten(changed(head.fields, status=REMOVE, paused_at=REMOVE, claimed_at=REMOVE,
                                     attempts=REMOVE, last_error=REMOVE, retry_of=REMOVE, paused=REMOVE,
                                     active=True))
    try:
        schedule, stored = read_schedule(resumed)
    except ValueError as error:
        raise UsageError(f"task {head.name!r} cannot be resumed: {error}") from None
    zone = schedule.zone
    if stored is not None and stored > now:
        return resumed
    if schedule.one_time:
        return resumed.rewritten(changed(resumed.fields, next_run=stamp(now, zone)))
    if stored is None:
        return resumed.rewritten(changed(resumed.fields, next_run=stamp(first_run(schedule, now), zone)))
    decision = due_runs(schedule, stored, now, timedelta(0))
    if decision.status is DueStatus.DUE and decision.next_run is not None:
        return resumed.rewritten(changed(resumed.fields, next_run=stamp(decision.next_run, zone)))
    return resumed
