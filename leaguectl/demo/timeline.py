"""When each pass of the demo week runs, read from the scenario's `demo` section.

The demo scenario (`leaguectl/sandbox/scenarios/demo.toml`) says when the
week's passes happen (`demo.timeline`) and when each task of the tasks channel
falls due and whether it runs (`demo.tasks`). `plan_week` turns that into an ordered list of steps:
run-due-tasks once per cluster of due times (so every schedule kind visibly
fires), freeze-begin on Monday 00:00 league time, two scorebug ticks with the
sheets edited between them, thaw on Saturday 00:00 and cleanup-commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

JSON = dict[str, Any]

TASK_RUNS = "run"
"""`demo.tasks[].outcome`: the task runs when due."""
TASK_IGNORED = "ignored"
"""`demo.tasks[].outcome`: the task is left exactly as it is (paused, or an untrusted author's)."""
TASK_MALFORMED = "malformed"
"""`demo.tasks[].outcome`: the message is reported as an error on every pass and kept."""

TASK_RUN_DELAY = timedelta(minutes=1)
"""run-due-tasks runs this long after a task falls due (it is scheduled every minute)."""
TASK_CLUSTER = timedelta(minutes=15)
"""Tasks due within this span of each other are picked up by one run-due-tasks pass."""


@dataclass(frozen=True)
class Step:
    """One pass of the week: `command` at `at`; `sheets` are written to the sandbox first."""

    command: str
    at: datetime
    why: str
    sheets: dict[str, list[list[Any]]] = field(default_factory=dict)
    tasks_due: tuple[str, ...] = ()
    """Names of the tasks expected to run in this pass (run-due-tasks only)."""
    expect_edit: bool = False
    """A scorebug-tick after a sheet edit: an edited scorebug message must show."""


def _time(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"demo timeline: {value!r} has no UTC offset")
    return moment


def _ceil_minute(moment: datetime) -> datetime:
    floored = moment.replace(second=0, microsecond=0)
    return floored if floored == moment else floored + timedelta(minutes=1)


def task_runs(tasks: list[JSON], start: datetime, end: datetime) -> list[tuple[datetime, tuple[str, ...]]]:
    """(moment, names of tasks due) for run-due-tasks passes between `start` and `end`.

    Only tasks the scenario expects to run (`outcome = "run"`) and that fall due
    before `end` count; tasks due before `start` are picked up at `start`.
    Due times within `TASK_CLUSTER` of the first of a cluster share one pass, run
    one minute after the last of them.
    """
    due: list[tuple[datetime, str]] = []
    for task in tasks:
        if not task.get("due_at") or task.get("outcome") != TASK_RUNS:
            continue
        moment = max(_time(task["due_at"]), start)
        if moment < end:
            due.append((moment, str(task["name"])))
    due.sort()
    clusters: list[tuple[datetime, datetime, list[str]]] = []
    for moment, name in due:
        if clusters and moment - clusters[-1][0] <= TASK_CLUSTER:
            first, _, names = clusters[-1]
            clusters[-1] = (first, moment, [*names, name])
        else:
            clusters.append((moment, moment, [name]))
    runs = []
    for _, last, names in clusters:
        at = _ceil_minute(last + TASK_RUN_DELAY)
        runs.append((min(at, end - timedelta(seconds=1)), tuple(names)))
    return runs


def plan_week(demo: JSON) -> list[Step]:
    """The week's passes in time order, from a scenario's `demo` section."""
    timeline = demo["timeline"]
    start = _time(timeline["start"])
    freeze = _time(timeline["freeze_begin"])
    thaw = _time(timeline["thaw"])
    steps = [
        Step("freeze-begin", freeze, "Monday 00:00 league time: the week begins and the freeze starts"),
        Step("thaw", thaw, "Saturday 00:00 league time: claims are resolved and the freeze ends"),
        Step("cleanup-commands", _time(timeline["cleanup"]), "the daily custom-command cleanup"),
    ]
    ticks = [_time(t) for t in timeline.get("scorebug_ticks", [])]
    for number, tick in enumerate(ticks):
        if number == 0:
            steps.append(Step("scorebug-tick", tick, "games are on: scorebugs and voice statuses appear"))
        else:
            steps.append(
                Step(
                    "scorebug-tick",
                    tick,
                    "three minutes later the scorekeepers updated their sheets",
                    sheets=dict(demo.get("second_tick_sheets") or {}),
                    expect_edit=True,
                )
            )
    for at, names in task_runs(list(demo.get("tasks") or []), start, thaw):
        listed = ", ".join(names)
        steps.append(Step("run-due-tasks", at, f"due: {listed}", tasks_due=names))
    order = {"freeze-begin": 0, "thaw": 0, "scorebug-tick": 1, "run-due-tasks": 2, "cleanup-commands": 3}
    return sorted(steps, key=lambda step: (step.at, order.get(step.command, 9)))
