"""Problem notices: the record, kept in the tasks channel, of which task problems were reported.

A broken task stays broken until someone fixes it, and ``run-due-tasks`` runs every minute;
exiting 1 on every pass would mail the admin (cron) or fail the unit (systemd) every minute
for one message. So the first pass that finds a task's problem reports it as an error (exit 1)
and posts a **notice** in the tasks channel, as the bot, naming the task, the problem and the
fix, with a fingerprint of the problem. Later passes that find the same problem and its notice
report it as a warning (exit 0). A different problem (the task was edited, the settings
changed) has another fingerprint: it is an error again, and its notice replaces the old one.
When the task is fixed, removed or paused, its notice is deleted.

The record lives in Discord, so passes stay stateless: a pass on another host, or after the
local disk was wiped, sees the same notices. Notices are never tasks: they carry no code fence
and no task header, and a message is only taken for a notice when the bot wrote it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leaguectl.discord_rest import DiscordError, identity_nonce
from leaguectl.tasks.fields import CONTENT_LIMIT
from leaguectl.tasks.model import TaskProblem, display

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

NOTICE_TITLE = "⚠️ **leaguectl could not run a task**"
_MARK = "-# leaguectl task notice"
_RECORD = re.compile(r"-# leaguectl task notice · task (\d{1,25}) · problem ([0-9a-f]{12})\s*\Z")


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice found in the channel: its message, the task it is about, the problem's fingerprint."""

    message_id: str
    task_id: str
    fingerprint: str


def fingerprint(problem: TaskProblem) -> str:
    """Twelve hex digits naming the problem (field and text); equal problems give equal prints."""
    return hashlib.sha256(f"{problem.field}\n{problem.problem}".encode()).hexdigest()[:12]


def read_notice(message: Mapping[str, Any], bot_id: str) -> Notice | None:
    """The notice in a message written by the bot, or None."""
    author = message.get("author")
    if not isinstance(author, Mapping) or str(author.get("id", "")) != bot_id:
        return None
    content = message.get("content")
    if not isinstance(content, str) or not content.startswith(NOTICE_TITLE):
        return None
    record = _RECORD.search(content)
    if record is None:
        return None
    return Notice(str(message.get("id", "")), record[1], record[2])


def notice_text(problem: TaskProblem, *, guild_id: str | None, channel_id: str) -> str:
    """The notice for ``problem``: readable first, the machine record on its last, small line."""
    link = (f"https://discord.com/channels/{guild_id}/{channel_id}/{problem.message_id}" if guild_id
            else f"message {problem.message_id}")
    record = f"{_MARK} · task {problem.message_id} · problem {fingerprint(problem)}"
    lines = [
        f"{NOTICE_TITLE} · {_plain(problem.label or 'unnamed')}",
        f"Task message: {link}",
        f"Problem: {_plain(problem.describe())}",
        f"Fix: {_plain(problem.fix)}",
    ]
    text = "\n".join(lines)
    room = CONTENT_LIMIT - len(record) - 1
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text}\n{record}"


def _plain(text: str) -> str:
    """Text that can neither open a code fence nor look like a task header."""
    return display(text, 600).replace("`", "'").replace("**Task:", "Task:")


def update_notices(
    pc: PassContext, channel_id: str, problems: Iterable[TaskProblem], notices: Mapping[str, list[Notice]]
) -> None:
    """Post a notice for each new problem, and delete notices of problems that are gone or changed.

    The nonce of a notice is made of the task's message id and the fingerprint, so two passes
    at once post it once. Under ``--dry-run`` nothing is posted or deleted.
    """
    current: dict[str, str] = {}
    for problem in problems:
        print_ = fingerprint(problem)
        current[problem.message_id] = print_
        if any(notice.fingerprint == print_ for notice in notices.get(problem.message_id, ())):
            continue
        _post(pc, channel_id, problem, print_)
    for task_id, found in notices.items():
        keep = current.get(task_id)
        kept = False
        for notice in found:  # newest first: keep the newest notice of the current problem
            if notice.fingerprint == keep and not kept:
                kept = True
                continue
            _delete(pc, channel_id, notice)


def _post(pc: PassContext, channel_id: str, problem: TaskProblem, print_: str) -> None:
    label = f"task {problem.label!r}" if problem.label else "task"
    if pc.dry_run:
        pc.report.action("notice", label, message=problem.message_id, problem=print_)
        return
    text = notice_text(problem, guild_id=pc.settings.guild_id, channel_id=channel_id)
    try:
        posted = pc.discord.create_message(channel_id, content=text,
                                           nonce=identity_nonce("task-notice", problem.message_id, print_))
    except DiscordError as error:
        pc.report.error(f"{label}: its problem notice could not be posted ({error}); the next pass reports the "
                        "problem again", item=problem.message_id)
        return
    pc.report.action("notice", label, message=problem.message_id, notice=str(posted.get("id")), problem=print_)


def _delete(pc: PassContext, channel_id: str, notice: Notice) -> None:
    if not pc.dry_run:
        try:
            pc.discord.delete_message(channel_id, notice.message_id, reason="the task problem it named is gone")
        except DiscordError as error:
            pc.report.warn(f"an outdated task notice could not be deleted ({error})", item=notice.message_id)
            return
    pc.report.action("delete-notice", f"notice about message {notice.task_id}", message=notice.message_id)
