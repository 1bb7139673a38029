"""Writing tasks: one canonical layout under Discord's 2000 characters, from the typed value.

One layout, whatever the task was written in before::

    📋 **Task: {name}**
    ├─ Description: {description}
    ├─ Schedule: {schedule in words} ({zone})
    ├─ Next Run: {local} ({UTC})
    ├─ Status: {status, attempts, last error}      (only when there is one)
    └─ Action: {action}

    ```json
    {the task, indent 2, keys in the tool's order}
    ```

Backticks inside JSON strings are written as ``\\u0060`` so no string can close the fence. When
this is longer than Discord's 2000 characters, the header shrinks to its first line, then the
JSON loses its indentation; when even that is too long the task cannot be written
(:class:`TaskTooLong`) and the caller leaves the message as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from json.encoder import encode_basestring
from typing import Any

from leaguectl.schedule import Schedule, describe, parse_timestamp
from leaguectl.tasks.fields import CONTENT_LIMIT, canonical_order, short_error
from leaguectl.tasks.model import TaskHead

_HEADER_TEXT_LIMIT = 150


class TaskTooLong(ValueError):
    """The canonical rendering of a task exceeds Discord's 2000 characters."""

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(
            f"the task message would be {length} characters, over Discord's {CONTENT_LIMIT}; "
            "shorten task_name, action_template or description"
        )


def render(head: TaskHead, *, schedule: Schedule | None, next_run: datetime | None = None) -> str:
    """The canonical message for the task ``head``; raises :class:`TaskTooLong` past 2000 characters.

    ``schedule`` (when the task has a valid one) describes it in the header and gives the zone
    its times are shown in (else the task's zone); ``next_run``, when the caller knows the
    instant, saves parsing the task's ``next_run`` again.
    """
    ordered = canonical_order(head.fields)
    header = _header_lines(head, schedule, next_run)
    shortest = 0
    for lines, indent in ((header, 2), (header[:1], 2), (header[:1], None)):
        text = "\n".join(lines) + "\n\n```json\n" + _json_text(ordered, indent) + "\n```"
        if len(text) <= CONTENT_LIMIT:
            return text
        shortest = len(text)
    raise TaskTooLong(shortest)


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_SCALAR = json.JSONEncoder(ensure_ascii=False)
_LITERALS: dict[bool | None, str] = {None: "null", True: "true", False: "false"}


def _json_text(task: Mapping[str, Any], indent: int | None) -> str:
    """``json.dumps(task, indent=indent, ensure_ascii=False)``, built faster, with backticks escaped.

    The standard library drops to its pure-Python encoder whenever ``indent`` is set; a task is
    a flat object, so each value is encoded by the C encoder and the lines are joined here
    (nested values fall back to ``json.dumps`` with the same indentation).
    """
    if indent:
        pad = " " * indent
        lines = [f"{pad}{encode_basestring(key)}: {_indented_value(value, indent)}" for key, value in task.items()]
        text = "{\n" + ",\n".join(lines) + "\n}" if lines else "{}"
    else:
        text = _COMPACT.encode(task)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a \\ud800-\\udfff escape: keep it escaped
            separators = (",", ": ") if indent else (",", ":")
            text = json.dumps(task, indent=indent, ensure_ascii=True, separators=separators)
    return text.replace("`", "\\u0060")


def _indented_value(value: Any, indent: int) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None or isinstance(value, bool):
        return _LITERALS[value]
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, dict | list) and value:
        return json.dumps(value, indent=indent, ensure_ascii=False).replace("\n", "\n" + " " * indent)
    return _SCALAR.encode(value)


def _inline(value: object, limit: int = _HEADER_TEXT_LIMIT) -> str:
    """Header-safe text: one line, no backticks (they could open a fence), not too long."""
    text = short_error(str(value), limit).replace("`", "'")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _header_lines(head: TaskHead, schedule: Schedule | None, next_run: datetime | None) -> list[str]:
    lines = [f"📋 **Task: {_inline(head.name, 100)}**"]
    if head.description:
        lines.append(f"├─ Description: {_inline(head.description)}")
    lines.append(f"├─ Schedule: {_schedule_text(head, schedule)}")
    shown_zone = schedule.zone if schedule else head.zone
    next_text = when_text(next_run, shown_zone) if next_run is not None else _next_run_text(head, shown_zone)
    lines.append(f"├─ Next Run: {next_text}")
    status = head.status_text()
    if status:
        lines.append(f"├─ Status: {_inline(status, 250)}")
    lines.append(f"└─ Action: {_inline(head.action_text())}")
    return lines


def _schedule_text(head: TaskHead, schedule: Schedule | None) -> str:
    if schedule is None:
        return _inline(head.schedule_value, 80)
    return f"{_inline(describe(schedule), 100)} ({schedule.zone.key})"


def _next_run_text(head: TaskHead, zone: tzinfo) -> str:
    value = head.next_run_value
    if value is None:
        return "—"
    try:
        moment = parse_timestamp(value, zone, "next_run")
    except ValueError:
        return _inline(value, 40)
    return when_text(moment, zone)


def when_text(moment: datetime, zone: tzinfo) -> str:
    """``2026-11-23 09:00 CET (08:00 UTC)``; the UTC date is shown when it differs."""
    local = moment.astimezone(zone)
    utc = moment.astimezone(UTC)
    utc_text = f"{utc:%H:%M} UTC" if utc.date() == local.date() else f"{utc:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({utc_text})"
