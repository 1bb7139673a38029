"""Scenario and task-message builders for the tasks tests (the original tool's exact layouts)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
BOT = "1100000000000000001"
OWNER = "1100000000000000002"
ALICE = "1200000000000000001"  # DMs open
BOB = "1200000000000000002"  # DMs closed
FAN = "1200000000000000003"  # not trusted
HELPER = "1200000000000000004"  # listed in TASKS_TRUSTED_USERS by some tests
TASKS = "1300000000000000001"
GENERAL = "1300000000000000002"
HEARTBEAT = "1300000000000000003"


def tool_task(
    name: str,
    schedule: str,
    next_run: str,
    *,
    action_type: str | None = "channel_post",
    target: str | None = GENERAL,
    template: str | None = "hello",
    description: str | None = None,
    created_at: str = "2026-02-20T10:11:12.345678",
    **fields: Any,
) -> dict[str, Any]:
    """A task dict with exactly the tool's 16 fields in its order (task-channel.md §1.1)."""
    one_time = schedule.startswith(("in_", "tomorrow_", "today_at_")) or schedule == "on_date"
    task: dict[str, Any] = {
        "task_name": name,
        "description": description,
        "schedule": schedule,
        "time": fields.pop("time", None),
        "specific_date": fields.pop("specific_date", None),
        "day_of_month": fields.pop("day_of_month", None),
        "month": fields.pop("month", None),
        "day_of_week": fields.pop("day_of_week", None),
        "action_type": action_type,
        "action_target": target,
        "action_template": template,
        "one_time": one_time,
        "created_at": created_at,
        "first_run": created_at,
        "next_run": next_run,
        "active": fields.pop("active", True),
    }
    task.update(fields)
    return task


def layout_a(task: dict[str, Any], *, default_target: bool = False) -> str:
    """The Unified Discord Tool's message (AL3 `_create_task`), json.dumps(indent=2) with ASCII escapes."""
    runs_at = datetime.fromisoformat(task["next_run"]).strftime("%Y-%m-%d %H:%M:%S")
    at = f" at {task['time']}" if task.get("time") else ""
    if default_target:
        target = "💬 User's DMs (default)" if task["action_type"] == "user_reminder" else "🧠 Heartbeat Log (default)"
    else:
        target = task["action_target"]
    lines = [
        f"📋 **Task: {task['task_name']}**",
        f"├─ Description: {task['description']}",
        f"├─ Schedule: {task['schedule']}{at} (runs at: {runs_at})",
        f"├─ One-time: {'Yes' if task['one_time'] else 'No'}",
        f"└─ Action: {task['action_type']} → {target}",
    ]
    return "\n".join(lines) + f"\n\n```json\n{json.dumps(task, indent=2)}\n```"


def layout_b(task: dict[str, Any]) -> str:
    """The AL1 / LDB27 `create_scheduled_task` layout (Next Run line, Recurring/One-time)."""
    kind = "One-time" if task["one_time"] else "Recurring"
    next_run = datetime.fromisoformat(task["next_run"]).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"📋 **Task: {task['task_name']}**",
        f"├─ Description: {task['description']}",
        f"├─ Schedule: {task['schedule']} ({kind})",
        f"├─ Next Run: {next_run}",
        f"└─ Action: Discord Channel → {task['action_target']}",
    ]
    return "\n".join(lines) + f"\n\n```json\n{json.dumps(task, indent=2)}\n```"


def layout_c(task: dict[str, Any]) -> str:
    """What the TypeScript scheduler re-posts: JSON.stringify(task, null, 2), raw UTF-8, UTC next_run."""
    lines = [
        f"📋 **Task: {task['task_name']}**",
        f"├─ Description: {task['description']}",
        f"├─ Schedule: {task['schedule']} (Recurring)",
        f"├─ Next Run: {task['next_run'][:16].replace('T', ' ')}",
        "└─ Action: Internal Agent Task",
    ]
    return "\n".join(lines) + f"\n\n```json\n{json.dumps(task, indent=2, ensure_ascii=False)}\n```"


def layout_d(task: dict[str, Any]) -> str:
    """The seed document's own example header."""
    lines = [
        f"📋 **Task: {task['task_name']}**",
        f"├─ Schedule: {task['schedule']} at {task.get('time')}",
        f"├─ Next Run: {task['next_run'].replace('T', ' ')}",
        f"└─ Action: {task['action_type']} → {task['action_target']}",
    ]
    return "\n".join(lines) + f"\n\n```json\n{json.dumps(task, indent=2)}\n```"


def naive(moment: datetime, zone: ZoneInfo = BERLIN) -> str:
    """A naive local ISO string, as the original tool writes next_run."""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat()


def scenario(messages: list[dict[str, Any]] | None = None, **env: str) -> dict[str, Any]:
    """A guild with a tasks channel; its league keeps Berlin time, so naive task times are Berlin's."""
    return {
        "timezone": "Europe/Berlin",
        "discord": {
            "bot": {"id": BOT, "username": "League Bot"},
            "owner": {"id": OWNER, "username": "commissioner"},
            "users": [
                {"id": ALICE, "username": "alice"},
                {"id": BOB, "username": "bob", "dms_closed": True},
                {"id": FAN, "username": "fan"},
                {"id": HELPER, "username": "helper"},
            ],
            "channels": [
                {"id": TASKS, "name": "tasks"},
                {"id": GENERAL, "name": "general"},
                {"id": HEARTBEAT, "name": "heartbeat-log"},
            ],
            "tasks_channel": "tasks",
            "heartbeat_channel": "heartbeat-log",
            "messages": messages or [],
        },
        "env": env,
    }


def task_message(content: str, *, author: str = "bot", minutes_ago: int = 60, now: datetime | None = None,
                 **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"channel": "tasks", "author": author, "content": content, **extra}
    if now is not None:
        message["timestamp"] = (now - timedelta(minutes=minutes_ago)).isoformat()
    return message


def tasks_in(cli: Any) -> dict[str, dict[str, Any]]:
    """The tasks channel's task messages by task name, with ``_id``, ``_author`` and ``_content`` added."""
    from leaguectl.tasks.message import parse_content

    found = {}
    for message in cli.sandbox.state.messages("tasks"):
        task = parse_content(message.content)
        if isinstance(task, dict):
            extra = {"_id": message.id, "_author": message.author_id, "_content": message.content}
            found[str(task["task_name"])] = {**task, **extra}
    return found
