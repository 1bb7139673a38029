"""Task messages: read the task JSON out of a message, and write tasks in one canonical layout.

Reading (task-channel.md §1.2-1.3). The header above the JSON changed with every version of
the original tool, so it is ignored: the task is the first ```` ```json ```` block, else the
first fenced block, else the whole message when it is bare JSON. ``\\u`` escapes (four hex digits) (the tool
writes emoji that way) and ``null`` values are plain JSON. A block that does not parse is tried
up to the next few closing fences, because the original tool did not escape backticks inside
strings. A message with neither a fence nor a leading ``{`` and no task header is not a task
(chatter); anything else that does not give a JSON object is a malformed task, reported with
the field ``json``.

Writing. One layout, whatever the task was written in before::

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
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from json.encoder import encode_basestring
from typing import Any

from leaguectl.schedule import Schedule, describe, parse_timestamp
from leaguectl.tasks.fields import TaskDict, attempts_of, canonical_order, short_error, snowflake, task_name

CONTENT_LIMIT = 2000
_FENCE = "```"
_JSON_FENCE = "```json"
_HEADER_MARK = "**Task:"
_MAX_FENCE_TRIES = 8
_HEADER_TEXT_LIMIT = 150


class TaskFormatError(ValueError):
    """A message that should hold a task does not; ``field`` names what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class TaskTooLong(ValueError):
    """The canonical rendering of a task exceeds Discord's 2000 characters."""

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(
            f"the task message would be {length} characters, over Discord's {CONTENT_LIMIT}; "
            "shorten action_template or description"
        )


@dataclass(frozen=True, slots=True)
class TaskMessage:
    """One message of the tasks channel: who wrote it, and its task or why it has none."""

    id: str
    author_id: str
    task: TaskDict | None
    error: TaskFormatError | None = None
    title: str | None = None  # the header's task name, kept for malformed tasks

    @property
    def name(self) -> str:
        if self.task is not None:
            return task_name(self.task)
        return self.title or ""


def read_message(message: Mapping[str, Any]) -> TaskMessage | None:
    """The task in a Discord message object, or None when the message is not a task at all."""
    content = message.get("content")
    parsed = parse_content(content if isinstance(content, str) else "")
    if parsed is None:
        return None
    author = message.get("author")
    author_id = str(author.get("id", "")) if isinstance(author, Mapping) else ""
    message_id = str(message.get("id", ""))
    if isinstance(parsed, TaskFormatError):
        return TaskMessage(message_id, author_id, None, parsed, header_title(content))
    return TaskMessage(message_id, author_id, parsed)


def parse_content(content: str) -> TaskDict | TaskFormatError | None:
    """The task object of a message's text; a :class:`TaskFormatError`; None for chatter."""
    start = content.find(_JSON_FENCE)
    if start < 0 and _FENCE in content:
        start = content.lower().find(_JSON_FENCE)
    if start >= 0:
        return _parse_fenced(content, start + len(_JSON_FENCE))
    fence = content.find(_FENCE)
    if fence >= 0:
        parsed = _parse_fenced(content, _after_language_tag(content, fence + len(_FENCE)))
        if isinstance(parsed, TaskFormatError) and _HEADER_MARK not in content:
            return None  # a code block in a chat message, not a task
        return parsed
    stripped = content.strip()
    if stripped.startswith("{"):
        return _load(stripped)
    if _HEADER_MARK in content:
        return TaskFormatError("json", "the message has a task header but no ```json block")
    return None


def header_title(content: object) -> str | None:
    """The name in a ``📋 **Task: name**`` header line, if there is one."""
    if not isinstance(content, str):
        return None
    start = content.find(_HEADER_MARK)
    if start < 0:
        return None
    start += len(_HEADER_MARK)
    end = content.find("**", start)
    line_end = content.find("\n", start)
    if end < 0 or (0 <= line_end < end):
        return None
    return content[start:end].strip() or None


def _after_language_tag(content: str, begin: int) -> int:
    """Skip a fence's language tag (```` ```js ````) up to its newline."""
    newline = content.find("\n", begin)
    if newline < 0:
        return begin
    tag = content[begin:newline].strip()
    return newline + 1 if tag and tag.isalnum() else begin


def _parse_fenced(content: str, begin: int) -> TaskDict | TaskFormatError:
    end = content.find(_FENCE, begin)
    if end < 0:
        parsed = _load(content[begin:])
        if isinstance(parsed, TaskFormatError):
            return TaskFormatError("json", f"the ```json block is not closed and does not parse ({parsed.problem})")
        return parsed
    first = _load(content[begin:end])
    tries = 1
    while isinstance(first, TaskFormatError) and tries < _MAX_FENCE_TRIES:
        end = content.find(_FENCE, end + len(_FENCE))
        if end < 0:
            break
        candidate = _load(content[begin:end])
        if not isinstance(candidate, TaskFormatError):
            return candidate
        tries += 1
    return first


def _load(text: str) -> TaskDict | TaskFormatError:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return TaskFormatError("json", f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    except RecursionError:
        return TaskFormatError("json", "invalid JSON: nested too deeply")
    if not isinstance(value, dict):
        return TaskFormatError("json", f"the JSON is {type(value).__name__}, not an object")
    return value


# ------------------------------------------------------------------------------------ writing


def render(
    task: Mapping[str, Any], *, schedule: Schedule | None, zone: tzinfo, next_run: datetime | None = None
) -> str:
    """The canonical message for ``task``; raises :class:`TaskTooLong` past 2000 characters.

    ``schedule`` (when the task has a valid one) describes it in the header; ``zone`` is the
    zone the header's local times are shown in; ``next_run``, when the caller knows the
    instant, saves parsing the task's ``next_run`` again.
    """
    ordered = canonical_order(task)
    header = _header_lines(ordered, schedule, zone, next_run)
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


def _header_lines(
    task: Mapping[str, Any], schedule: Schedule | None, zone: tzinfo, next_run: datetime | None
) -> list[str]:
    lines = [f"📋 **Task: {_inline(task_name(task), 100)}**"]
    description = task.get("description")
    if isinstance(description, str) and description.strip():
        lines.append(f"├─ Description: {_inline(description)}")
    lines.append(f"├─ Schedule: {_schedule_text(task, schedule)}")
    shown_zone = schedule.zone if schedule else zone
    next_text = when_text(next_run, shown_zone) if next_run is not None else _next_run_text(task, shown_zone)
    lines.append(f"├─ Next Run: {next_text}")
    status = status_text(task)
    if status:
        lines.append(f"├─ Status: {_inline(status, 250)}")
    lines.append(f"└─ Action: {_inline(action_text(task))}")
    return lines


def _schedule_text(task: Mapping[str, Any], schedule: Schedule | None) -> str:
    if schedule is None:
        return _inline(task.get("schedule"), 80)
    return f"{_inline(describe(schedule), 100)} ({schedule.zone.key})"


def _next_run_text(task: Mapping[str, Any], zone: tzinfo) -> str:
    value = task.get("next_run")
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


def status_text(task: Mapping[str, Any]) -> str:
    """Status, attempts and last error in a few words; empty for a plain active task."""
    parts: list[str] = []
    status = task.get("status")
    if isinstance(status, str) and status:
        parts.append(status)
    elif task.get("active") is False:
        parts.append("inactive")
    attempts = attempts_of(task)
    if attempts:
        parts.append(f"{attempts} failed attempt{'s' if attempts != 1 else ''}")
    if task.get("retry_of"):
        parts.append(f"retrying the run of {task['retry_of']}")
    error = task.get("last_error")
    if isinstance(error, str) and error:
        parts.append(f"last error: {error}")
    return " · ".join(parts)


def action_text(task: Mapping[str, Any]) -> str:
    """What the task does, for the header and listings."""
    kind = task.get("action_type") or "self_task"
    target = task.get("action_target")
    target_id = snowflake(target)
    if kind == "user_reminder":
        return f"user_reminder → DM to user {target_id or target}"
    if kind == "channel_post":
        return f"channel_post → <#{target_id}>" if target_id else f"channel_post → {target}"
    if kind == "self_task":
        return f"self_task → <#{target_id}>" if target_id else "self_task → agent / heartbeat log"
    return f"{kind} → {target}"
