"""Writing task messages: edit in place, or post a replacement first and delete the old one after.

Discord refuses some edits: 30046 (too many edits of a message older than an hour) and 50005
(a message written by someone else, such as a trusted user's task). The task is then posted
anew, carrying ``replaces: <old id>``, and only after that post succeeded is the old message
deleted, never the other way round: a failure between the two leaves two copies, never none.
The old copy is recognised on the next pass by the ``replaces`` of a newer trusted message and
deleted instead of run (see ``runner``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from leaguectl.discord_rest import CANNOT_EDIT_OTHERS, EDIT_LIMIT_OLD_MESSAGE, DiscordError, identity_nonce
from leaguectl.schedule import Schedule
from leaguectl.tasks.fields import with_replaced
from leaguectl.tasks.model import TaskHead
from leaguectl.tasks.render import render

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient

REFUSED_EDIT_CODES = frozenset({EDIT_LIMIT_OLD_MESSAGE, CANNOT_EDIT_OTHERS})
_TRANSITION_FIELDS = ("next_run", "last_run", "status", "attempts", "retry_of", "active")
"""What a rewrite changes about a task's state: with the old message id, the identity of a re-post
(two passes re-posting the same claim at once send the same nonce; times of processing are not in it)."""


@dataclass(frozen=True)
class Written:
    """Where the task lives now (``task`` is the value written, with its message id).

    ``leftover`` is an old copy that could not be deleted.
    """

    message_id: str
    task: TaskHead
    reposted: bool = False
    leftover: str | None = None
    leftover_problem: str | None = None


def write_task(
    discord: DiscordClient,
    channel_id: str,
    task: TaskHead,
    *,
    schedule: Schedule | None,
    content: str | None = None,
) -> Written:
    """Put ``task`` into its message (edit, else post-new-then-delete-old).

    ``content`` is the already rendered task when the caller has it. Raises ``TaskTooLong``
    before any write when the replacement would not fit, and ``DiscordError`` for other refusals.
    """
    message_id = task.message_id
    text = content if content is not None else render(task, schedule=schedule)
    try:
        discord.edit_message(channel_id, message_id, content=text)
    except DiscordError as error:
        if error.code not in REFUSED_EDIT_CODES:
            raise
    else:
        return Written(message_id, task)
    replacement = task.rewritten(with_replaced(task.fields, message_id))
    new_text = render(replacement, schedule=schedule)
    nonce = identity_nonce("task-repost", message_id, *(repr(task.fields.get(key)) for key in _TRANSITION_FIELDS))
    posted = discord.create_message(channel_id, content=new_text, nonce=nonce)
    new_id = str(posted["id"])
    replacement = replace(replacement, message_id=new_id)
    try:
        discord.delete_message(channel_id, message_id, reason="task re-posted by leaguectl (edit refused)")
    except DiscordError as error:
        return Written(new_id, replacement, reposted=True, leftover=message_id, leftover_problem=str(error))
    return Written(new_id, replacement, reposted=True)
