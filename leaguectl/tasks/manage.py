"""``leaguectl tasks add|list|show|remove|pause|resume``: manage the tasks channel by hand.

Tasks are written exactly as ``run-due-tasks`` writes them (the canonical layout of
``message``), in the original tool's field set plus ``timezone``, and authored by the bot, so
the original scheduler and leaguectl can both read them. A task is named by its message id or
its ``task_name`` (case-insensitive); a name shared by several tasks must be given by id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

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
)
from leaguectl.tasks.fields import TaskDict, short_error, snowflake, stamp
from leaguectl.tasks.model import (
    REMOVE,
    State,
    Task,
    TaskHead,
    TaskProblem,
    changed,
    parse_task,
    read_schedule,
    read_task,
    schedule_of,
    task_head,
)
from leaguectl.tasks.planner import NoTarget, Policy, action_spec, paused
from leaguectl.tasks.render import TaskTooLong, render
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
    try:
        zone = parse_zone(new.timezone, "--timezone") if new.timezone else policy.default_zone
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
    except ValueError as error:
        raise UsageError(f"{error}") from None
    fields["one_time"] = schedule.one_time
    fields["first_run"] = stamp(first, zone)
    fields["next_run"] = stamp(first, zone)
    task = parse_task(task_head(fields, default_zone=zone))
    if isinstance(task, TaskProblem):
        option = _OPTION_FIELDS.get(task.field)
        raise UsageError(f"{option}: {task.problem}" if option else task.problem)
    try:
        action_spec(task, policy)
    except NoTarget as error:
        raise UsageError(f"--target: {error}") from None
    return BuiltTask(task, first)


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
        content = render(built.task.head, schedule=built.schedule)
    except TaskTooLong as error:
        raise UsageError(str(error)) from None
    name = built.task.name
    for entry in _task_entries(pc, channel_id):
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
        posted = pc.discord.create_message(channel_id, content=content)
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


def _task_entries(pc: PassContext, channel_id: str) -> Iterator[TaskHead | TaskProblem]:
    default_zone = pc.settings.tasks_default_timezone
    for raw in pc.discord.iter_messages(channel_id):
        entry = read_task(raw, default_zone)
        if entry is not None:
            yield entry


@dataclass(frozen=True)
class TaskView:
    """One task as ``tasks list``/``show`` present it: read in full, or its problem."""

    entry: TaskHead | TaskProblem
    trusted: bool
    task: Task | None
    status: str
    problem: str | None

    @property
    def head(self) -> TaskHead | None:
        return self.entry if isinstance(self.entry, TaskHead) else None

    @property
    def message_id(self) -> str:
        return self.entry.message_id

    @property
    def name(self) -> str:
        return self.entry.name or "(malformed)"


def view(entry: TaskHead | TaskProblem, trusted: bool) -> TaskView:
    """Read everything about a task (the full parse: listings are by hand, not every minute)."""
    if isinstance(entry, TaskProblem):
        return TaskView(entry, trusted, None, "invalid", f"{entry.field}: {entry.problem}")
    task = parse_task(entry)
    if isinstance(task, TaskProblem):
        return TaskView(entry, trusted, None, "invalid", f"{task.field}: {task.problem}")
    if task.next_run is None:
        return TaskView(entry, trusted, None, "invalid", "next_run: is missing")
    return TaskView(entry, trusted, task, entry.status_label(trusted), None)


def row(item: TaskView) -> dict[str, Any]:
    """A listing row (also the ``--json`` shape)."""
    head, task = item.head, item.task
    schedule = task.schedule if task is not None else (schedule_of(head) if head is not None else None)
    zone = schedule.zone if schedule is not None else None
    local = utc = None
    if task is not None and task.next_run is not None:
        local = f"{task.next_run.astimezone(task.zone):%Y-%m-%d %H:%M %Z}"
        utc = f"{task.next_run:%Y-%m-%d %H:%M} UTC"
    error = item.problem or (head.last_error if head is not None else None)
    return {
        "id": item.message_id,
        "name": item.name,
        "schedule": describe(schedule) if schedule is not None else (head.schedule_value if head else None),
        "zone": zone.key if zone is not None else None,
        "next_run_local": local,
        "next_run_utc": utc,
        "status": item.status,
        "attempts": head.attempts if head is not None else 0,
        "last_error": short_error(str(error), 120) if error else None,
        "action": head.action_kind if head is not None else None,
        "author": item.entry.author_id,
    }


def _sort_key(item: dict[str, Any]) -> tuple[int, str, str]:
    return (0 if item["next_run_utc"] else 1, item["next_run_utc"] or "", item["name"])


def list_tasks(pc: PassContext, *, as_json: bool) -> None:
    """``tasks list``: rows in ``report.details["tasks"]`` (JSON) or a table on stdout."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    trust = trust_for(pc)
    rows = sorted((row(view(entry, trust.allows(entry.author_id))) for entry in _task_entries(pc, channel_id)),
                  key=_sort_key)
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

    write_table(pc.runtime.stdout, rows, rich=pc.runtime.stdout_is_terminal())


# ---------------------------------------------------------------------------------- one task


@dataclass(frozen=True)
class Found:
    entry: TaskHead | TaskProblem
    trust: Trust


def find_task(pc: PassContext, ref: str) -> Found:
    """The task message named by id or (case-insensitive) name; UsageError if none or several."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    trust = trust_for(pc)
    wanted = ref.strip()
    by_id = wanted.isascii() and wanted.isdigit()
    matches: list[TaskHead] = []
    for entry in _task_entries(pc, channel_id):
        if by_id and entry.message_id == wanted:
            return Found(entry, trust)
        if isinstance(entry, TaskHead) and entry.name.lower() == wanted.lower():
            matches.append(entry)
    if not matches:
        raise UsageError(f"no task {'message ' if by_id else 'named '}{wanted!r} in the tasks channel "
                         "(see `leaguectl tasks list`)")
    if len(matches) > 1:
        ids = ", ".join(entry.message_id for entry in matches)
        raise UsageError(f"{len(matches)} tasks are named {wanted!r} (messages {ids}); give the message id")
    return Found(matches[0], trust)


def show_task(pc: PassContext, ref: str) -> None:
    """``tasks show``: the task's row, JSON and next runs, in the report's details."""
    found = find_task(pc, ref)
    entry = found.entry
    item = view(entry, found.trust.allows(entry.author_id))
    details = pc.report.details
    details["task"] = row(item)
    if isinstance(entry, TaskHead):
        details["json"] = dict(entry.fields)
        state = entry.status_text()
        if state:
            details["task"]["state"] = state
    task = item.task
    if task is not None and task.next_run is not None:
        try:
            details["next_runs"] = preview_rows(task.schedule, task.next_run)
        except (ValueError, ArithmeticError) as error:
            pc.report.error(f"task {item.name!r}: its next runs cannot be computed: {error}", item=entry.message_id)
    if item.problem:
        pc.report.error(f"task {item.name!r} is malformed: {item.problem}", item=entry.message_id)
    pc.report.summary = f"{item.name!r} ({item.status})"


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
