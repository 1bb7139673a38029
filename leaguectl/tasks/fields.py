"""Task fields: the original tool's, the ones leaguectl adds, their order and small helpers.

A task is the JSON object of one tasks-channel message, kept as a plain dict so that every
field leaguectl does not know survives a rewrite untouched; its fields are read in one place,
:mod:`leaguectl.tasks.model`.

Fields leaguectl writes besides the tool's (all optional; absent means "nothing to say"):

``timezone``
    IANA zone of the task's wall times (``tasks add`` always writes it).
``status``
    ``running``: a one-time task claimed by a pass (see ``claimed_at``);
    ``paused``: stopped by ``tasks pause`` or after too many failures (``active`` is false);
    ``missed``: a one-time task kept after it was missed (``active`` is false);
    ``done``: a one-time task that ran but whose message could not be deleted.
``last_run``
    The slot the latest run was started for (written with the claim).
``attempts`` / ``last_error``
    Consecutive failed runs and the latest error; cleared by the next claim.
``retry_of``
    While a failed run waits for its retry (at ``next_run``): the slot being retried.
``claimed_at`` / ``paused_at``
    When a pass claimed the one-time task / when the task was paused.
``replaces``
    Id of the message this one replaced when Discord refused an edit (a list when it replaced a
    replacement); an older message with such an id is a leftover copy, deleted instead of run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

TaskDict = dict[str, Any]

TOOL_FIELDS = (
    "task_name",
    "description",
    "schedule",
    "time",
    "specific_date",
    "day_of_month",
    "month",
    "day_of_week",
    "action_type",
    "action_target",
    "action_template",
    "one_time",
    "created_at",
    "first_run",
    "next_run",
    "active",
)
"""The Unified Discord Tool's fields, in the order it writes them (task-channel.md §1.1)."""

STATE_FIELDS = (
    "timezone",
    "status",
    "last_run",
    "attempts",
    "last_error",
    "retry_of",
    "claimed_at",
    "paused_at",
    "replaces",
)
"""Fields leaguectl adds, written after the tool's and any unknown ones."""

ACTION_TYPES = ("user_reminder", "channel_post", "self_task")
CONTENT_LIMIT = 2000
"""Discord's limit on a message's content."""
LAST_ERROR_LIMIT = 300
"""Longest ``last_error`` kept in a task (the message must stay under 2000 characters)."""


def snowflake(value: object) -> str | None:
    """A Discord id from ``"123"``, ``123``, ``<@123>``, ``<@!123>``, ``<#123>``; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].lstrip("@#!&")
    if 15 <= len(text) <= 21 and text.isascii() and text.isdigit():
        return text
    return None


MAX_REPLACED = 5


def replaced_ids(value: object) -> list[str]:
    """The ids a task's ``replaces`` names (one id or a list of them)."""
    items = value if isinstance(value, list) else [value]
    return [found for found in (snowflake(item) for item in items) if found is not None]


def with_replaced(task: Mapping[str, Any], message_id: str) -> TaskDict:
    """``task`` re-posted in place of ``message_id``, still naming the copies it replaced before."""
    ids = list(dict.fromkeys([message_id, *replaced_ids(task.get("replaces"))]))[:MAX_REPLACED]
    return {**task, "replaces": ids[0] if len(ids) == 1 else ids}


def stamp(moment: datetime, zone: tzinfo) -> str:
    """An instant as local ISO 8601 with offset, to the second (``2026-11-23T09:00:00+01:00``)."""
    return moment.astimezone(UTC).replace(microsecond=0).astimezone(zone).isoformat()


def canonical_order(task: Mapping[str, Any]) -> TaskDict:
    """The task with the tool's fields first, unknown fields next, leaguectl's last."""
    ordered: TaskDict = {key: task[key] for key in TOOL_FIELDS if key in task}
    known = set(TOOL_FIELDS) | set(STATE_FIELDS)
    ordered.update((key, value) for key, value in task.items() if key not in known)
    ordered.update((key, task[key]) for key in STATE_FIELDS if key in task)
    return ordered


def short_error(text: str, limit: int = LAST_ERROR_LIMIT) -> str:
    """One line, at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"

