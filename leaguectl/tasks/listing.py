"""``tasks list|show`` and how every ``tasks`` command finds the task it is given.

A task is addressed by what ``tasks list`` shows: its name (case-insensitive; a malformed
task by the name in its header), its message id, or a prefix of either that only one task has.
An ambiguous or unknown reference is refused with the candidates and the way out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leaguectl.errors import UsageError
from leaguectl.schedule import Schedule, describe, preview
from leaguectl.tasks.model import (
    Task,
    TaskHead,
    TaskProblem,
    display,
    parse_task,
    problem_of,
    read_task,
    schedule_of,
    valid_unicode,
)
from leaguectl.tasks.runner import Trust, trust_for
from leaguectl.tasks.zones import depends_on_default_zone

if TYPE_CHECKING:
    from datetime import datetime

    from leaguectl.passrun import PassContext

PREVIEW_RUNS = 5
CANDIDATES_SHOWN = 10


def task_entries(pc: PassContext, channel_id: str) -> Iterator[TaskHead | TaskProblem]:
    """Every task message of the channel, newest first (chatter and notices are skipped)."""
    default_zone = pc.settings.tasks_default_timezone
    for raw in pc.discord.iter_messages(channel_id):
        entry = read_task(raw, default_zone)
        if entry is not None:
            yield entry


def preview_rows(schedule: Schedule, start: datetime, n: int = PREVIEW_RUNS) -> list[dict[str, str]]:
    """The next ``n`` runs from ``start``, in the task's zone and in UTC (fewer at the calendar's end)."""
    rows = []
    for moment in preview(schedule, start, n):
        try:
            local = moment.astimezone(schedule.zone)
        except OverflowError:  # the last hours of year 9999 east of UTC
            break
        rows.append({
            "local": f"{local:%Y-%m-%d %H:%M %Z} ({schedule.zone.key})",
            "utc": f"{moment:%Y-%m-%d %H:%M} UTC",
        })
    return rows


# ---------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class TaskView:
    """One task as ``tasks list``/``show`` present it: read in full, or its problem."""

    entry: TaskHead | TaskProblem
    trusted: bool
    task: Task | None
    status: str
    problem: TaskProblem | None

    @property
    def head(self) -> TaskHead | None:
        return self.entry if isinstance(self.entry, TaskHead) else None

    @property
    def message_id(self) -> str:
        return self.entry.message_id

    @property
    def label(self) -> str:
        return self.entry.label or "(malformed)"


def view(entry: TaskHead | TaskProblem, trusted: bool) -> TaskView:
    """Read everything about a task (the full parse: listings are by hand, not every minute)."""
    if isinstance(entry, TaskProblem):
        return TaskView(entry, trusted, None, "invalid", entry)
    task = parse_task(entry)
    if isinstance(task, TaskProblem):
        return TaskView(entry, trusted, None, "invalid", task)
    if task.next_run is None:
        return TaskView(entry, trusted, None, "invalid", problem_of(entry, "next_run", "is missing"))
    return TaskView(entry, trusted, task, entry.status_label(trusted), None)


def row(item: TaskView) -> dict[str, Any]:
    """A listing row (also the ``--json`` shape); every text is one line of valid Unicode."""
    head, task = item.head, item.task
    schedule = task.schedule if task is not None else (schedule_of(head) if head is not None else None)
    zone = schedule.zone if schedule is not None else (head.zone if head is not None else None)
    local = utc = None
    if task is not None and task.next_run is not None:
        local = f"{task.next_run.astimezone(task.zone):%Y-%m-%d %H:%M %Z}"
        utc = f"{task.next_run:%Y-%m-%d %H:%M} UTC"
    problem = item.problem
    error = problem.describe() if problem is not None else (head.last_error if head is not None else None)
    return {
        "id": item.message_id,
        "name": item.label,
        "schedule": describe(schedule) if schedule is not None else (
            display(head.schedule_value, 80) if head is not None else None),
        "zone": zone.key if zone is not None else None,
        "zone_from_default": head is not None and depends_on_default_zone(head, schedule),
        "next_run_local": local,
        "next_run_utc": utc,
        "status": item.status,
        "attempts": head.attempts if head is not None else 0,
        "last_error": display(error, 120) if error else None,
        "fix": problem.fix if problem is not None else None,
        "action": display(head.action_kind, 40) if head is not None else None,
        "author": item.entry.author_id,
    }


def _sort_key(item: dict[str, Any]) -> tuple[int, str, str]:
    return (0 if item["next_run_utc"] else 1, item["next_run_utc"] or "", item["name"])


def list_tasks(pc: PassContext, *, as_json: bool) -> None:
    """``tasks list``: rows in ``report.details["tasks"]`` (JSON) or a table on stdout."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    trust = trust_for(pc)
    rows = sorted((row(view(entry, trust.allows(entry.author_id))) for entry in task_entries(pc, channel_id)),
                  key=_sort_key)
    counts: dict[str, int] = {}
    for item in rows:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    breakdown = ", ".join(f"{number} {status}" for status, number in sorted(counts.items()))
    noun = "task" if len(rows) == 1 else "tasks"
    pc.report.summary = f"{len(rows)} {noun}" + (f" ({breakdown})" if breakdown else "")
    on_default = sum(1 for item in rows if item["zone_from_default"])
    if on_default:
        default = pc.settings.tasks_default_timezone.key
        pc.report.summary += (f"; {on_default} take their wall times from TASKS_DEFAULT_TIMEZONE ({default}), so "
                              "changing that setting moves them (marked 'default' in the zone column)")
    if as_json:
        pc.report.details["tasks"] = rows
        return
    from leaguectl.tasks.table import write_table

    runtime = pc.runtime
    write_table(runtime.stdout, rows, rich=runtime.stdout_is_terminal(), width=runtime.terminal_width())


# ---------------------------------------------------------------------------------- one task


@dataclass(frozen=True)
class Found:
    entry: TaskHead | TaskProblem
    trust: Trust


def find_task(pc: PassContext, ref: str) -> Found:
    """The task ``ref`` names (see the module docstring); UsageError naming candidates or the fix."""
    channel_id = str(pc.settings.require("tasks_channel_id"))
    trust = trust_for(pc)
    entries = list(task_entries(pc, channel_id))
    return Found(match_task(entries, ref), trust)


def match_task(entries: list[TaskHead | TaskProblem], ref: str) -> TaskHead | TaskProblem:
    """The one entry ``ref`` names: an id, a name, or a unique prefix of either (in that order)."""
    wanted = ref.strip()
    if not wanted:
        raise UsageError("TASK: give a task name, a message id, or a prefix of either (see `leaguectl tasks list`)")
    lowered = wanted.casefold()
    for entry in entries:
        if entry.message_id == wanted:
            return entry
    named = [entry for entry in entries if entry.name.casefold() == lowered]
    if len(named) == 1:
        return named[0]
    if named:
        raise UsageError(f"{len(named)} tasks are named {display(wanted, 80)!r}: {_candidates(named)}; "
                         "give the message id")
    prefixed = [entry for entry in entries
                if entry.message_id.startswith(wanted) or entry.name.casefold().startswith(lowered)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise UsageError(f"{display(wanted, 80)!r} matches {len(prefixed)} tasks: {_candidates(prefixed)}; "
                         "give more of the name, or the message id")
    raise UsageError(f"no task named {display(wanted, 80)!r} in the tasks channel (no message id or name starts "
                     "with it either); `leaguectl tasks list` shows every task with its name and message id")


def _candidates(entries: list[TaskHead | TaskProblem]) -> str:
    shown = [f"{entry.label or '(malformed)'!r} (message {entry.message_id})" for entry in
             entries[:CANDIDATES_SHOWN]]
    more = len(entries) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def show_task(pc: PassContext, ref: str) -> None:
    """``tasks show``: the task's row, JSON and next runs, in the report's details."""
    found = find_task(pc, ref)
    entry = found.entry
    item = view(entry, found.trust.allows(entry.author_id))
    details = pc.report.details
    details["task"] = row(item)
    if isinstance(entry, TaskHead):
        details["json"] = printable(entry.fields)
        state = entry.status_text()
        if state:
            details["task"]["state"] = display(state, 400)
    task = item.task
    if task is not None and task.next_run is not None:
        try:
            details["next_runs"] = preview_rows(task.schedule, task.next_run)
        except (ValueError, ArithmeticError) as error:
            pc.report.error(f"task {item.label!r}: its next runs cannot be computed: {error}", item=entry.message_id)
    if item.problem is not None:
        pc.report.error(f"task {item.label!r} is malformed: {item.problem.describe()}; fix: {item.problem.fix}",
                        item=entry.message_id, field=item.problem.field)
    pc.report.summary = f"{item.label!r} ({item.status})"


def printable(value: Any) -> Any:
    """``value`` (a task's JSON) with every string made valid Unicode, for printing."""
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {printable(key): printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [printable(item) for item in value]
    return value
