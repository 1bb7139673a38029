"""Writing task messages: edit in place, or post a replacement first and delete the old one after.

Discord refuses some edits: 30046 (too many edits of a message older than an hour) and 50005
(a message written by someone else, such as a trusted user's task). The task is then posted
anew, carrying ``replaces: <old id>``, and only after that post succeeded is the old message
deleted, never the other way round: a failure between the two leaves two copies, never none.
The old copy is recognised on the next pass by the ``replaces`` of a newer trusted message and
deleted instead of run (see ``runner``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from leaguectl.discord_rest import CANNOT_EDIT_OTHERS, EDIT_LIMIT_OLD_MESSAGE, DiscordError
from leaguectl.schedule import Schedule
from leaguectl.tasks.fields import with_replaced
from leaguectl.tasks.message import render

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient

REFUSED_EDIT_CODES = frozenset({EDIT_LIMIT_OLD_MESSAGE, CANNOT_EDIT_OTHERS})


@dataclass(frozen=True)
class Written:
    """Where the task lives now; ``leftover`` is an old copy that could not be deleted."""

    message_id: str
    task: Mapping[str, Any]
    reposted: bool = False
    leftover: str | None = None
    leftover_problem: str | None = None


def write_task(
    discord: DiscordClient,
    channel_id: str,
    message_id: str,
    task: Mapping[str, Any],
    *,
    schedule: Schedule | None,
    zone: ZoneInfo,
    content: str | None = None,
) -> Written:
    """Put ``task`` into the message ``message_id`` (edit, else post-new-then-delete-old).

    ``content`` is the already rendered task when the caller has it. Raises ``TaskTooLong``
    before any write when the replacement would not fit, and ``DiscordError`` for other refusals.
    """
    text = content if content is not None else render(task, schedule=schedule, zone=zone)
    try:
        discord.edit_message(channel_id, message_id, content=text)
    except DiscordError as error:
        if error.code not in REFUSED_EDIT_CODES:
            raise
    else:
        return Written(message_id, task)
    replacement = with_replaced(task, message_id)
    new_text = render(replacement, schedule=schedule, zone=zone)
    nonce = "r" + hashlib.sha256(f"{message_id}\n{new_text}".encode()).hexdigest()[:24]
    posted = discord.create_message(channel_id, content=new_text, nonce=nonce)
    new_id = str(posted["id"])
    try:
        discord.delete_message(channel_id, message_id, reason="task re-posted by leaguectl (edit refused)")
    except DiscordError as error:
        return Written(new_id, replacement, reposted=True, leftover=message_id, leftover_problem=str(error))
    return Written(new_id, replacement, reposted=True)
