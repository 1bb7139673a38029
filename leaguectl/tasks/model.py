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

The code lives in modules beside this one, by job; this module is their public face (import
from here):

``problems``
    :class:`TaskProblem` and the display-safe text helpers (:func:`display`, ...).
``head``
    :class:`State`, :class:`TaskHead`, :func:`read_task`, :func:`task_head`, :func:`task_zone`.
``parse``
    :class:`Task`, :class:`TaskAction`, :func:`parse_task`, :func:`read_schedule`,
    :func:`schedule_of`, :func:`problem_of`, :func:`error_field`.

Changes (:func:`changed`, :data:`REMOVE`) are made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from leaguectl.tasks.fields import TaskDict
from leaguectl.tasks.head import UNNAMED, State, TaskHead, read_task, task_head, task_zone
from leaguectl.tasks.parse import (
    Task,
    TaskAction,
    error_field,
    parse_task,
    problem_of,
    read_schedule,
    schedule_of,
)
from leaguectl.tasks.problems import (
    LABEL_LIMIT,
    PROBLEM_LIMIT,
    TaskProblem,
    display,
    has_lone_surrogate,
    new_problem,
    valid_unicode,
)

__all__ = [
    "LABEL_LIMIT",
    "PROBLEM_LIMIT",
    "REMOVE",
    "UNNAMED",
    "State",
    "Task",
    "TaskAction",
    "TaskHead",
    "TaskProblem",
    "changed",
    "display",
    "error_field",
    "has_lone_surrogate",
    "new_problem",
    "parse_task",
    "problem_of",
    "read_schedule",
    "read_task",
    "schedule_of",
    "task_head",
    "task_zone",
    "valid_unicode",
]

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
