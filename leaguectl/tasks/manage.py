"""``leaguectl tasks add|list|show|remove|pause|resume``: manage the tasks channel by hand.

Tasks are written exactly as ``run-due-tasks`` writes them (the canonical layout of
``message``), in the original tool's field set plus ``timezone``, and authored by the bot, so
the original scheduler and leaguectl can both read them. A task is named by its message id or
its ``task_name`` (case-insensitive); a name shared by several tasks must be given by id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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
    parse_zone,
    pin_fields,
    preview,
    stored_next_run,
)
from leaguectl.tasks.fields import (
    Status,
    TaskDict,
    attempts_of,
    is_paused,
    short_error,
    snowflake,
    stamp,
    task_name,
    without,
)
from leaguectl.tasks.message import TaskFormatError, TaskMessage, TaskTooLong, read_message, render, status_text
from leaguectl.tasks.planner import Policy, action_spec, pause, schedule_or_none, zone_or_default
from leaguectl.tasks.runner import Trust, trust_for
from leaguectl.tasks.store import write_task

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

PREVIEW_RUNS = 5


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
    task: TaskDict
    schedule: Schedule
    first: datetime


def build_task(new: NewTask, *, now: datetime, policy: Policy) -> BuiltTask:
    """Validate ``new`` and build the task in the tool's field order; raises UsageError."""
    name = new.name.strip()
    if not name:
        raise UsageError("NAME: a task needs a name")
    try:
        zone = parse_zone(new.timezone, "--timezone") if new.timezone else policy.default_zone
        task: TaskDict = {
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
        schedule = parse_schedule(task, zone)
        first = first_run(schedule, now)
        task.update((key, value) for key, value in pin_fields(schedule, first).items() if task.get(key) is None)
        schedule = parse_schedule(task, zone)
        action_spec(task, policy)
    except TaskFormatError as error:
        raise UsageError(f"{_option(error.field)}: {error.problem}") from None
    except ValueError as error:
        raise UsageError(f"{error}") from None
    task["one_time"] = schedule.one_time
    task["first_run"] = stamp(first, zone)
    task["next_run"] = stamp(first, zone)
    return BuiltTask(task, schedule, first)


def _option(field: str) -> str:
    return {"action_target": "--target", "action_type": "--action", "action_template": "--message"}.get(field, field)


def preview_rows(schedule: Schedule, start: datetime, n: int = PREVIEW_RUNS) -> list[dict[str, str]]:
    """The next ``n`` runs from ``start``, in the task's zone and in UTC."""
    rows = []
    for moment in preview(schedule, start, n):
        local = moment.astimezone(schedule.zone)
        rows.append({
            "local": f"{local:%Y-%m-%d %H:%M %Z} ({schedule.zone.key})",
            "utc": f"{moment:%Y-%m-%d %H:%M} UTC",
        })
    return rows


def add_task(pc: PassContext, new: NewTask) -> None:
    """``tasks add``: validate, preview, refuse a duplicate name, post in the canonical layout."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    policy = Policy.from_settings(pc.settings)
    new = _resolved_target(pc, new)
    built = build_task(new, now=pc.now, policy=policy)
    try:
        content = render(built.task, schedule=built.schedule, zone=built.schedule.zone)
    except TaskTooLong as error:
        raise UsageError(str(error)) from None
    name = built.task["task_name"]
    for message in _task_messages(pc, channel_id):
        if message.task is not None and task_name(message.task).lower() == name.lower():
            raise UsageError(f"a task named {name!r} already exists (message {message.id}); choose another name "
                             "or remove it first")
    pc.report.details["preview"] = preview_rows(built.schedule, built.first)
    pc.report.details["task"] = built.task
    facts = {"schedule": describe(built.schedule), "zone": built.schedule.zone.key,
             "next_run": stamp(built.first, built.schedule.zone)}
    if pc.dry_run:
        pc.report.action("create", f"task {name!r}", **facts)
    else:
        from leaguectl.discord_rest import identity_nonce

        posted = pc.discord.create_message(
            channel_id, content=content, nonce=identity_nonce("tasks-add", channel_id, name.lower())
        )
        pc.report.action("create", f"task {name!r}", message=str(posted["id"]), **facts)
    pc.report.summary = f"{'would create' if pc.dry_run else 'created'} task {name!r}: {describe(built.schedule)}"


def _resolved_target(pc: PassContext, new: NewTask) -> NewTask:
    """A channel given by name becomes its id (channel_post and self_task)."""
    target = new.target
    if target is None or snowflake(target) is not None or new.action.strip() == "user_reminder":
        return new
    channel = pc.discord.resolve_channel(pc.guild_id, target.lstrip("#"))
    if channel is None:
        raise UsageError(f"--target: no text channel named {target!r} in the guild")
    return NewTask(**{**new.__dict__, "target": str(channel["id"])})


# ---------------------------------------------------------------------------------- reading


def _task_messages(pc: PassContext, channel_id: str) -> Iterator[TaskMessage]:
    for raw in pc.discord.iter_messages(channel_id):
        message = read_message(raw)
        if message is not None:
            yield message


@dataclass(frozen=True)
class TaskView:
    """One task as ``tasks list``/``show`` present it."""

    message: TaskMessage
    trusted: bool
    schedule: Schedule | None
    next_run: datetime | None
    status: str
    problem: str | None

    @property
    def name(self) -> str:
        return self.message.name or "(malformed)"

    @property
    def zone(self) -> ZoneInfo | None:
        return self.schedule.zone if self.schedule is not None else None


def view(message: TaskMessage, trusted: bool, default_zone: ZoneInfo) -> TaskView:
    """Parse everything about a task (the full parse: listings are by hand, not every minute)."""
    task = message.task
    if task is None:
        problem = str(message.error) if message.error else "no task found"
        return TaskView(message, trusted, None, None, "invalid", problem)
    try:
        schedule = parse_schedule(task, default_zone)
        next_run = stored_next_run(task, schedule)
        if next_run is None:
            raise TaskFormatError("next_run", "is missing")
    except (TaskFormatError, ValueError, ArithmeticError, TypeError) as error:
        return TaskView(message, trusted, schedule_or_none(task, default_zone), None, "invalid", str(error))
    return TaskView(message, trusted, schedule, next_run, _status(task, trusted), None)


def _status(task: Mapping[str, Any], trusted: bool) -> str:
    if not trusted:
        return "untrusted"
    status = task.get("status")
    if isinstance(status, str) and status:
        return status
    if is_paused(task):
        return Status.PAUSED.value
    if task.get("retry_of"):
        return "retrying"
    return "active"


def row(item: TaskView) -> dict[str, Any]:
    """A listing row (also the ``--json`` shape)."""
    task = item.message.task or {}
    zone = item.zone
    local = utc = None
    if item.next_run is not None and zone is not None:
        local = f"{item.next_run.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        utc = f"{item.next_run:%Y-%m-%d %H:%M} UTC"
    error = item.problem or task.get("last_error")
    return {
        "id": item.message.id,
        "name": item.name,
        "schedule": describe(item.schedule) if item.schedule is not None else task.get("schedule"),
        "zone": zone.key if zone is not None else None,
        "next_run_local": local,
        "next_run_utc": utc,
        "status": item.status,
        "attempts": attempts_of(task),
        "last_error": short_error(str(error), 120) if error else None,
        "action": task.get("action_type") or ("self_task" if task else None),
        "author": item.message.author_id,
    }


def _sort_key(item: dict[str, Any]) -> tuple[int, str, str]:
    return (0 if item["next_run_utc"] else 1, item["next_run_utc"] or "", item["name"])


def list_tasks(pc: PassContext, *, as_json: bool) -> None:
    """``tasks list``: rows in ``report.details["tasks"]`` (JSON) or a table on stdout."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    trust = trust_for(pc)
    default_zone = pc.settings.tasks_default_timezone
    rows = sorted((row(view(message, trust.allows(message.author_id), default_zone))
                   for message in _task_messages(pc, channel_id)), key=_sort_key)
    counts: dict[str, int] = {}
    for item in rows:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    breakdown = ", ".join(f"{number} {status}" for status, number in sorted(counts.items()))
    noun = "task" if len(rows) == 1 else "tasks"
    pc.report.summary = f"{len(rows)} {noun}" + (f" ({breakdown})" if breakdown else "")
    if as_json:
        pc.report.details["tasks"] = rows
        return
    from leaguectl.tasks.table import write_table

    runtime = pc.runtime
    write_table(runtime.stdout, rows, rich=runtime.stdout_is_terminal(), width=runtime.terminal_width())


# ---------------------------------------------------------------------------------- one task


@dataclass(frozen=True)
class Found:
    message: TaskMessage
    trust: Trust


def find_task(pc: PassContext, ref: str) -> Found:
    """The task message named by id or (case-insensitive) name; UsageError if none or several."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    trust = trust_for(pc)
    wanted = ref.strip()
    by_id = wanted.isascii() and wanted.isdigit()
    matches: list[TaskMessage] = []
    for message in _task_messages(pc, channel_id):
        if by_id and message.id == wanted:
            return Found(message, trust)
        if message.task is not None and task_name(message.task).lower() == wanted.lower():
            matches.append(message)
    if not matches:
        raise UsageError(f"no task {'message ' if by_id else 'named '}{wanted!r} in the tasks channel "
                         "(see `leaguectl tasks list`)")
    if len(matches) > 1:
        ids = ", ".join(message.id for message in matches)
        raise UsageError(f"{len(matches)} tasks are named {wanted!r} (messages {ids}); give the message id")
    return Found(matches[0], trust)


def show_task(pc: PassContext, ref: str) -> None:
    """``tasks show``: the task's row, JSON and next runs, in the report's details."""
    found = find_task(pc, ref)
    message = found.message
    item = view(message, found.trust.allows(message.author_id), pc.settings.tasks_default_timezone)
    details = pc.report.details
    details["task"] = row(item)
    if message.task is not None:
        details["json"] = message.task
        state = status_text(message.task)
        if state:
            details["task"]["state"] = state
    if item.schedule is not None and item.next_run is not None:
        try:
            details["next_runs"] = preview_rows(item.schedule, item.next_run)
        except (ValueError, ArithmeticError) as error:
            pc.report.error(f"task {item.name!r}: its next runs cannot be computed: {error}", item=message.id)
    if item.problem:
        pc.report.error(f"task {item.name!r} is malformed: {item.problem}", item=message.id)
    pc.report.summary = f"{item.name!r} ({item.status})"


def change_task(pc: PassContext, ref: str, verb: str) -> None:
    """``tasks remove|pause|resume``."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    found = find_task(pc, ref)
    message = found.message
    name = message.name or f"message {message.id}"
    if verb == "remove":
        if not pc.dry_run:
            pc.discord.delete_message(channel_id, message.id, reason="leaguectl tasks remove")
        pc.report.action("remove", f"task {name!r}", message=message.id)
        pc.report.summary = f"{'would remove' if pc.dry_run else 'removed'} task {name!r}"
        return
    task = message.task
    if task is None:
        raise UsageError(f"task message {message.id} is malformed ({message.error}); fix it or remove it")
    if not found.trust.allows(message.author_id):
        raise UsageError(f"task {name!r} was written by {message.author_id}, who is not trusted, so run-due-tasks "
                         "ignores it; remove it, or trust its author (TASKS_TRUSTED_USERS)")
    default_zone = pc.settings.tasks_default_timezone
    updated = _paused(task, pc.now, default_zone) if verb == "pause" else _resumed(task, pc.now, default_zone)
    if updated is None:
        pc.report.skip(f"task {name!r} is already {'paused' if verb == 'pause' else 'active'}", item=message.id)
        pc.report.summary = f"task {name!r}: nothing to change"
        return
    schedule = schedule_or_none(updated, default_zone)
    zone = schedule.zone if schedule is not None else zone_or_default(updated, default_zone)
    facts: dict[str, Any] = {"message": message.id}
    if verb == "resume" and updated.get("next_run"):
        facts["next_run"] = updated["next_run"]
    if not pc.dry_run:
        try:
            written = write_task(pc.discord, channel_id, message.id, updated, schedule=schedule, zone=zone)
        except TaskTooLong as error:
            raise UsageError(f"task {name!r}: {error}") from None
        if written.message_id != message.id:
            facts["new_message"] = written.message_id
    pc.report.action(verb, f"task {name!r}", **facts)
    pc.report.summary = f"{'would ' + verb if pc.dry_run else verb + 'd'} task {name!r}"


def _paused(task: TaskDict, now: datetime, default_zone: ZoneInfo) -> TaskDict | None:
    if is_paused(task):
        return None
    return pause(without(task, "status"), now, zone_or_default(task, default_zone))


def _resumed(task: TaskDict, now: datetime, default_zone: ZoneInfo) -> TaskDict | None:
    """Active again, errors cleared; a missing or past ``next_run`` moves to the next slot.

    Applies to paused tasks, claims left behind, tasks waiting for a retry, and tasks without a
    ``next_run`` (the original tool's first version wrote none).

    A one-time task whose time has passed (a kept missed task, a stale claim) is due at once:
    the next ``run-due-tasks`` pass runs it.
    """
    stuck = task.get("status") == Status.RUNNING.value or bool(task.get("retry_of")) or task.get("next_run") is None
    if not is_paused(task) and not stuck:
        return None
    resumed = without(task, "status", "paused_at", "claimed_at", "attempts", "last_error", "retry_of", "paused")
    resumed["active"] = True
    try:
        schedule = parse_schedule(resumed, default_zone)
        stored = stored_next_run(resumed, schedule)
    except ValueError as error:
        raise UsageError(f"task {task_name(task)!r} cannot be resumed: {error}") from None
    zone = schedule.zone
    if stored is not None and stored > now:
        return resumed
    if schedule.one_time:
        resumed["next_run"] = stamp(now, zone)
        return resumed
    if stored is None:
        resumed["next_run"] = stamp(first_run(schedule, now), zone)
        return resumed
    decision = due_runs(schedule, stored, now, timedelta(0))
    if decision.status is DueStatus.DUE and decision.next_run is not None:
        resumed["next_run"] = stamp(decision.next_run, zone)
    return resumed

