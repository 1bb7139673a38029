"""Task messages: find the task JSON in a message's text (every layout the original tool used).

The header above the JSON changed with every version of the original tool
(task-channel.md §1.2-1.3), so it is ignored: a message that starts with ``{`` is bare JSON
(even when its strings hold a code fence); else the task is the first ```` ```json ```` block,
else the first fenced block. ``\\u`` escapes (the tool writes emoji that way) and ``null``
values are plain JSON. A block that does not parse is tried up to the next few closing fences,
because the original tool did not escape backticks inside strings. A message with neither a
fence nor a leading ``{`` and no task header is not a task (chatter); anything else that does
not give a JSON object is a malformed task, reported with the field ``json``. Integers longer
than 4300 digits and nesting deeper than :data:`MAX_DEPTH` are malformed too.

This module only finds the JSON object; :mod:`leaguectl.tasks.model` reads its fields, and
:mod:`leaguectl.tasks.render` writes tasks back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leaguectl.tasks.fields import TaskDict

_FENCE = "```"
_JSON_FENCE = "```json"
_HEADER_MARK = "**Task:"
_MAX_FENCE_TRIES = 8


class TaskFormatError(ValueError):
    """A message that should hold a task does not; ``field`` names what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True, slots=True)
class TaskMessage:
    """One message of the tasks channel: who wrote it, and its task object or why it has none."""

    id: str
    author_id: str
    task: TaskDict | None
    error: TaskFormatError | None = None
    title: str | None = None  # the header's task name, kept for malformed tasks


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
    if content[:1] == "{" or content.lstrip()[:1] == "{":
        bare = _load(content.strip())
        if not isinstance(bare, TaskFormatError) or _FENCE not in content:
            return bare  # bare JSON, also when its strings hold a code fence
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


MAX_DEPTH = 16
"""Deepest nesting of arrays and objects a task may hold (the tool's tasks are flat)."""


def _load(text: str) -> TaskDict | TaskFormatError:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return TaskFormatError("json", f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    except RecursionError:
        return TaskFormatError("json", f"invalid JSON: nested more than {MAX_DEPTH} levels deep")
    except ValueError as exc:  # an integer of more than 4300 digits
        return TaskFormatError("json", f"invalid JSON: {' '.join(str(exc).split()[:8])}")
    if not isinstance(value, dict):
        return TaskFormatError("json", f"the JSON is {type(value).__name__}, not an object")
    if _too_deep(value):
        return TaskFormatError("json", f"invalid JSON: nested more than {MAX_DEPTH} levels deep")
    return value


def _too_deep(task: TaskDict) -> bool:
    """True when arrays and objects nest deeper than :data:`MAX_DEPTH` (checked without recursion)."""
    pending: list[tuple[object, int]] = [(value, 1) for value in task.values() if isinstance(value, dict | list)]
    while pending:
        value, depth = pending.pop()
        if depth >= MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
