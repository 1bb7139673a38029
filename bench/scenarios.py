"""Benchmark worlds in the sandbox scenario schema (``leaguectl/sandbox/README.md``), built in code.

* :func:`quiet_league`: the demo league with nothing to do (no published games, no task due);
* :func:`tasks_channel`: a guild whose tasks channel holds ``count`` task messages, none due;
* :func:`contested_thaw`: a frozen week with ``moves`` claims, every player claimed by two teams;
* :func:`stale_commands`: ``creators`` creators, each with stale custom commands to warn about.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

JSON = dict[str, Any]

GUILD = "1190000000000000000"
BOT = "1190000000000000001"
OWNER = "1190000000000000002"
USER_BASE = 1190000000000100000
CHANNEL_BASE = 1190000000000000200
TASKS = str(CHANNEL_BASE + 7)
GENERAL = str(CHANNEL_BASE + 1)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SEASON = 13
WEEK = 11
FREE_AGENTS = 900

THAW_AT = datetime(2026, 3, 14, 0, 0, tzinfo=NEW_YORK).astimezone(UTC)
"""A Saturday 00:00 league time (the thaw's slot)."""
CLEANUP_AT = THAW_AT + timedelta(minutes=30)
_CHANNELS = ("general", "transaction-log", "weekly-info", "live-sba-scores", "admin", "bot-logs", "tasks")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _user(number: int, role: str) -> JSON:
    return {"id": str(USER_BASE + number), "username": f"{role}{number:03d}", "global_name": f"{role.title()} {number}"}


def guild(now: datetime, users: list[JSON], messages: list[JSON] | None = None) -> JSON:
    """A guild with the league's usual channels, a bot, an owner and ``users``."""
    channels = [
        {"id": str(CHANNEL_BASE + number), "name": name, "type": "text"}
        for number, name in enumerate(_CHANNELS, start=1)
    ]
    return {
        "now": iso(now),
        "timezone": "America/New_York",
        "env": {"OFFSEASON_FLAG": "false"},
        "discord": {
            "guild": {"id": GUILD, "name": "leaguectl bench"},
            "application_id": "1190000000000000003",
            "bot": {"id": BOT, "username": "Bench Bot"},
            "owner": {"id": OWNER, "username": "owner"},
            "users": users,
            "channels": channels,
            "messages": messages or [],
            "tasks_channel": "tasks",
        },
    }


# ------------------------------------------------------------------------------- tasks


_SCHEDULES = ("daily", "weekly", "every_2_hours", "cron:0 9 * * MON", "RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9")


def task_message(number: int, next_run: datetime) -> str:
    """A task in the Unified Discord Tool's layout: a header, then the task as indented JSON."""
    local = next_run.astimezone(BERLIN).replace(tzinfo=None)
    schedule = _SCHEDULES[number % len(_SCHEDULES)]
    task = {
        "task_name": f"Reminder {number}",
        "description": "Weekly lineup reminder for the league",
        "schedule": schedule,
        "time": "09:00",
        "specific_date": None,
        "day_of_month": None,
        "month": None,
        "day_of_week": "monday",
        "action_type": "channel_post",
        "action_target": GENERAL,
        "action_template": f"Good morning! Lineups lock at noon (reminder {number}).",
        "one_time": False,
        "created_at": "2026-01-05T10:11:12.345678",
        "first_run": "2026-01-05T10:11:12.345678",
        "next_run": local.isoformat(),
        "active": True,
    }
    header = [
        f"📋 **Task: {task['task_name']}**",
        f"├─ Description: {task['description']}",
        f"├─ Schedule: {schedule} at 09:00 (runs at: {local:%Y-%m-%d %H:%M:%S})",
        "├─ One-time: No",
        f"└─ Action: channel_post → {GENERAL}",
    ]
    return "\n".join(header) + f"\n\n```json\n{json.dumps(task, indent=2)}\n```"


def task_messages(count: int, now: datetime) -> list[JSON]:
    """``count`` bot-authored task messages, none due before ``now + 1 hour``, posted over past weeks."""
    messages = []
    for number in range(count):
        next_run = now + timedelta(hours=1, minutes=number % 10_000)
        posted = now - timedelta(days=20) + timedelta(seconds=number * 7)
        messages.append(
            {"channel": "tasks", "author": "bot", "content": task_message(number, next_run), "timestamp": iso(posted)}
        )
    return messages


def tasks_channel(count: int, now: datetime) -> JSON:
    """A guild whose tasks channel holds ``count`` task messages, none of them due at ``now``."""
    return guild(now, [], task_messages(count, now))


def quiet_league(now: datetime, tasks: int = 12) -> JSON:
    """The demo league at rest: no published scorecards and ``tasks`` task messages, none due."""
    from leaguectl.sandbox import demo_scenario

    scenario = demo_scenario(now)
    scenario.pop("demo", None)
    scenario["scorecards"] = []
    discord = scenario["discord"]
    discord["messages"] = [m for m in discord["messages"] if m.get("channel") not in ("tasks", "live-sba-scores")]
    for message in task_messages(tasks, now):
        discord["messages"].append({**message, "channel": discord["tasks_channel"]})
    return scenario


# ------------------------------------------------------------------------------- thaw


def contested_thaw(moves: int, teams: int = 20) -> JSON:
    """A frozen week: ``moves`` one-player claims, each free agent claimed by exactly two teams.

    Records are all different, so each contest has one winner: ``moves / 2`` moves are
    granted (one transaction-log embed each) and ``moves / 2`` cancelled (one DM to the
    losing team's GM each). Current week 11, freeze on; the thaw runs at :data:`THAW_AT`.
    """
    from leaguectl.transactions.messages import freeze_announcement

    if moves % 2:
        raise ValueError("moves must be even: every player is claimed twice")
    gms = [_user(number, "gm") for number in range(1, teams + 1)]
    team_rows = [{"id": FREE_AGENTS, "abbrev": "FA", "sname": "Free Agents", "lname": "Free Agents", "season": SEASON}]
    standings = []
    for number, gm in enumerate(gms, start=1):
        team_id = FREE_AGENTS + number
        team_rows.append(
            {
                "id": team_id,
                "abbrev": f"T{number:02d}",
                "sname": f"Team {number}",
                "lname": f"Bench Team {number}",
                "season": SEASON,
                "gmid": int(gm["id"]),
            }
        )
        standings.append({"team_id": team_id, "wins": 10 + number, "losses": 40 - number})
    players: list[JSON] = []
    rows: list[JSON] = []
    monday = THAW_AT - timedelta(days=5)
    for index in range(moves // 2):
        player_id = 13001 + index
        players.append(
            {
                "id": player_id,
                "name": f"Player {index}",
                "wara": 1.5,
                "season": SEASON,
                "pos_1": "SP",
                "team_id": FREE_AGENTS,
            }
        )
        for claimant in (index % teams, (index + 7) % teams):
            number = len(rows)
            rows.append(
                {
                    "id": 40001 + number,
                    "week": WEEK,
                    "season": SEASON,
                    "moveid": f"Season-{SEASON:03d}-Week-{WEEK}-{int(monday.timestamp()) + 60 * number}",
                    "player_id": player_id,
                    "oldteam_id": FREE_AGENTS,
                    "newteam_id": FREE_AGENTS + 1 + claimant,
                    "frozen": True,
                    "cancelled": False,
                }
            )
    begins = {
        "channel": "transaction-log",
        "author": "bot",
        "content": freeze_announcement(WEEK),
        "timestamp": iso(monday + timedelta(seconds=2)),
    }
    scenario = guild(THAW_AT, gms, [begins])
    scenario["league"] = {
        "current": [{"id": 1, "week": WEEK, "season": SEASON, "freeze": True}],
        "teams": team_rows,
        "players": players,
        "transactions": rows,
        "standings": standings,
    }
    return scenario


# ------------------------------------------------------------------------------- cleanup


def stale_commands(creators: int, per_creator: int = 2) -> JSON:
    """``creators`` reachable creators, each with ``per_creator`` commands unused for 65+ days (warn)."""
    users = [_user(number, "creator") for number in range(1, creators + 1)]
    creator_rows: list[JSON] = []
    commands: list[JSON] = []
    for number, user in enumerate(users, start=1):
        creator_rows.append(
            {
                "id": number,
                "discord_id": int(user["id"]),
                "username": user["username"],
                "display_name": user["global_name"],
                "created_at": "2025-01-05T12:00:00",
            }
        )
        for extra in range(per_creator):
            commands.append(
                {
                    "id": 1000 + len(commands),
                    "name": f"cmd{number:03d}x{extra}",
                    "content": f"Custom command {number}/{extra}",
                    "creator_id": number,
                    "created_at": "2025-03-01T12:00:00",
                    "last_used": iso(CLEANUP_AT - timedelta(days=65 + extra)),
                    "use_count": 3,
                    "warning_sent": False,
                    "is_active": True,
                }
            )
    scenario = guild(CLEANUP_AT, users)
    scenario["league"] = {
        "current": [{"id": 1, "week": WEEK, "season": SEASON, "freeze": False}],
        "creators": creator_rows,
        "custom_commands": commands,
    }
    return scenario
