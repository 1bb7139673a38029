"""Carrying out a run: a DM, a channel post, or a message to the Letta agent.

Every Discord post carries the run's nonce (task message id + slot, see ``RunPlan.nonce``):
Discord's ``enforce_nonce`` then turns a retry of the same run into the message already posted,
while two tasks with the same text, or two slots of one task, still post twice. Mentions never
ping: the client sends ``allowed_mentions: {"parse": []}`` unless told otherwise, and nothing
here tells it otherwise, so ``@everyone`` in a template stays text.

Outcomes a task should record (a closed DM, an unknown channel, a missing permission, a 5xx
after retries, an unreachable Letta) come back as a failed :class:`ActionResult`; only what ends
the whole pass (an invalid token, a ban, SIGTERM) propagates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from leaguectl.discord_rest import CONTENT_LIMIT, DiscordBanned, DiscordError, InvalidPayload
from leaguectl.errors import RateLimitedTooLong, ServiceUnavailable
from leaguectl.schedule import describe
from leaguectl.tasks.render import when_text

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext
    from leaguectl.tasks.planner import RunPlan

log = logging.getLogger("leaguectl.tasks")

LETTA_TIMEOUT_SECONDS = 120.0
"""An agent may think for a while; a one-minute pass that runs longer makes the next one skip (lock)."""


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    detail: str
    posted_id: str | None = None


def perform(pc: PassContext, plan: RunPlan, now: datetime) -> ActionResult:
    """Run ``plan``'s action once; failures worth recording are returned, not raised."""
    spec = plan.action
    try:
        if spec.kind == "user_reminder" and spec.user_id is not None:
            return _direct_message(pc, spec.user_id, spec.text, plan.nonce)
        if spec.letta:
            return _letta(pc, plan, now)
        if spec.channel_id is None:
            return ActionResult(False, f"{spec.kind} has no target channel")
        return _post(pc, spec.channel_id, spec.text, plan.nonce)
    except DiscordBanned:
        raise
    except DiscordError as error:
        return ActionResult(False, f"Discord refused: {error.message} (HTTP {error.status}, code {error.code})")
    except (ServiceUnavailable, RateLimitedTooLong, InvalidPayload) as error:
        return ActionResult(False, str(error))


def _direct_message(pc: PassContext, user_id: str, text: str, nonce: str) -> ActionResult:
    result = pc.discord.send_dm(user_id, content=text, nonce=nonce)
    if not result.delivered:
        return ActionResult(False, f"DM to user {user_id} not delivered ({result.reason})")
    message_id = str(result.message["id"]) if result.message else None
    return ActionResult(True, f"DM to user {user_id}", message_id)


def _post(pc: PassContext, channel_id: str, text: str, nonce: str) -> ActionResult:
    message = pc.discord.create_message(channel_id, content=text, nonce=nonce)
    return ActionResult(True, f"posted in channel {channel_id}", str(message.get("id")))


# ---------------------------------------------------------------------------------- Letta


def letta_prompt(plan: RunPlan, now: datetime) -> str:
    """The agent's message: the task, when it was scheduled and what time it is, with zones."""
    task, zone = plan.task, plan.schedule.zone
    lines = ["[⏰ SCHEDULED TASK TRIGGERED]", f"Task: {plan.name}"]
    if task.head.description:
        lines.append(f"Description: {task.head.description}")
    if task.action.template is not None:
        lines.append(f"Instructions: {task.action.template.strip()}")
    lines.append(f"Scheduled for: {when_text(plan.slot, zone)} [{zone.key}]")
    lines.append(f"Current time: {when_text(now, zone)} [{zone.key}]")
    lines.append(f"Schedule: {describe(plan.schedule)}")
    if plan.next_slot is not None:
        lines.append(f"Next run: {when_text(plan.next_slot, zone)}")
    else:
        lines.append("This was the task's last run.")
    if plan.action.channel_id:
        lines.append(f"Your reply is posted to Discord channel {plan.action.channel_id}.")
    lines.append(f"Task message id: {plan.message_id}")
    return "\n".join(lines)


def _letta(pc: PassContext, plan: RunPlan, now: datetime) -> ActionResult:
    import httpx

    from leaguectl.transport import route_extensions

    settings = pc.settings
    base_url = str(settings.require("letta_api_url")).rstrip("/")
    agent_id = str(settings.require("letta_agent_id"))
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.letta_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.letta_api_key.reveal()}"
    body = {"messages": [{"role": "user", "content": letta_prompt(plan, now)}]}
    pc.runtime.checkpoint()
    pc.runtime.stats.http_requests += 1
    pc.runtime.stats.mutating_requests += 1
    route = route_extensions("POST /v1/agents/{agent_id}/messages", f"agent_id={agent_id}")
    with pc.runtime.http_client(
        base_url=base_url, headers=headers, timeout=LETTA_TIMEOUT_SECONDS, service="letta"
    ) as client:
        try:
            response = client.post(f"/v1/agents/{quote(agent_id, safe='')}/messages", json=body, extensions=route)
        except httpx.HTTPError as error:
            return ActionResult(False, f"Letta agent unreachable: {type(error).__name__}: {error}")
    if response.status_code >= 400:
        snippet = " ".join(response.text.split())[:200]
        return ActionResult(False, f"Letta answered HTTP {response.status_code}: {snippet}")
    reply = assistant_reply(_json_or_none(response))
    detail = f"sent to Letta agent {agent_id}"
    channel = plan.action.channel_id
    if reply and channel:
        detail += _post_reply(pc, channel, reply, plan.nonce)
    return ActionResult(True, detail)


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def assistant_reply(data: Any) -> str:
    """The agent's visible answer: the text of its ``assistant_message`` entries."""
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return ""
    parts: list[str] = []
    for message in data["messages"]:
        if not isinstance(message, dict) or message.get("message_type") != "assistant_message":
            continue
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(item.get("text")) for item in content if isinstance(item, dict) and item.get("text"))
    return "\n\n".join(part.strip() for part in parts if part.strip())


def _post_reply(pc: PassContext, channel_id: str, reply: str, nonce: str) -> str:
    """Post the agent's reply; a failure here does not fail the run (the agent got the task)."""
    text = reply if len(reply) <= CONTENT_LIMIT else reply[: CONTENT_LIMIT - 1] + "…"
    try:
        pc.discord.create_message(channel_id, content=text, nonce="a" + nonce[1:])
    except DiscordBanned:
        raise
    except (DiscordError, ServiceUnavailable, RateLimitedTooLong) as error:
        log.warning("the agent's reply could not be posted to %s: %s", channel_id, error)
        return f"; reply not posted to channel {channel_id} ({error})"
    return f"; reply posted in channel {channel_id}"
