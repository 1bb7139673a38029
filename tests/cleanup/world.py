"""A small league for cleanup's end-to-end tests: creators, command rows, earlier passes' messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from leaguectl.cleanup.messages import Listed, SummaryFacts, summary_embeds, warning_messages
from leaguectl.cleanup.planner import CommandDecision, Thresholds, decide
from leaguectl.cleanup.records import RecordIndex, records_in_message
from leaguectl.models import CustomCommand

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
BOT_ID = "1100000000000000001"
ALICE, BOB, CAROL, DAVE = "1300000000000000001", "1300000000000000002", "1300000000000000003", "1300000000000000004"
USERS = [
    {"id": ALICE, "username": "alice"},
    {"id": BOB, "username": "bob"},
    {"id": CAROL, "username": "carol", "dms_closed": True},
    {"id": DAVE, "username": "dave", "member": False},
]
CREATORS = [
    {"id": 1, "discord_id": int(ALICE), "username": "alice", "created_at": "2025-01-01T00:00:00"},
    {"id": 2, "discord_id": int(BOB), "username": "bob", "created_at": "2025-01-01T00:00:00"},
    {"id": 3, "discord_id": int(CAROL), "username": "carol", "created_at": "2025-01-01T00:00:00"},
    {"id": 4, "discord_id": int(DAVE), "username": "dave", "created_at": "2025-01-01T00:00:00"},
]
UTC_ZONE = UTC


def naive(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def row(
    command_id: int, name: str, creator_id: int, idle: int | None, *, warned: bool = False, created: int = 400
) -> dict[str, Any]:
    return {
        "id": command_id,
        "name": name,
        "content": f"content of {name}",
        "creator_id": creator_id,
        "created_at": naive(NOW - timedelta(days=created)),
        "last_used": None if idle is None else naive(NOW - timedelta(days=idle)),
        "use_count": command_id,
        "warning_sent": warned,
        "is_active": True,
        "tags": ["fun"],
    }


def earlier_decision(command: dict[str, Any], at: datetime) -> CommandDecision:
    """The decision a pass at ``at`` made about ``command`` (a warning, for the worlds below)."""
    decision = decide(CustomCommand.from_api(command), RecordIndex(), at, UTC_ZONE, Thresholds())
    assert decision is not None
    return decision


def warning_dm(user_id: str, command: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The DM a pass at ``at`` would have sent, built by the real message builder."""
    embeds = warning_messages([earlier_decision(command, at)], now=at, zone=UTC_ZONE)[0].embeds
    return {"user": user_id, "author": "bot", "timestamp": at.isoformat(), "embeds": embeds}


def admin_summary(commands: list[dict[str, Any]], at: datetime, *, dm: bool = True) -> dict[str, Any]:
    """The admin summary a pass at ``at`` that warned ``commands`` would have posted."""
    listed = [Listed(earlier_decision(command, at), "someone", dm=dm) for command in commands]
    facts = SummaryFacts(
        today=at.date(), warned=listed, deleted=[], unreachable=[], active_commands=9, total_creators=4
    )
    embeds = summary_embeds(facts, now=at, zone=UTC_ZONE)[0]
    return {"channel": "admin", "author": "bot", "timestamp": (at + timedelta(seconds=5)).isoformat(), "embeds": embeds}


def scenario(commands: list[dict[str, Any]], dms: list[dict[str, Any]] | None = None, **discord: Any) -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "discord": {
            "users": USERS,
            "channels": [{"name": "general"}, {"name": "admin"}],
            "dms": dms or [],
            **discord,
        },
        "league": {"creators": CREATORS, "custom_commands": commands},
    }


def full_scenario() -> dict[str, Any]:
    delta = row(20, "delta", 2, 91, warned=True)
    return scenario(
        [
            row(10, "alpha", 1, 61),
            row(11, "beta", 1, 75),
            row(12, "gamma", 1, 10),
            row(13, "theta", 1, 95, warned=True),  # warned, but no warning DM anywhere
            row(14, "iota", 1, None, created=70),  # never used: counts from its creation
            delta,
            row(21, "epsilon", 2, 91),
            row(30, "zeta", 3, 65),
            row(40, "eta", 4, 65),
        ],
        dms=[warning_dm(BOB, delta, NOW - timedelta(days=8))],
        messages=[admin_summary([delta], NOW - timedelta(days=8))],
    )


def bot_messages(state: Any, user_id: str) -> list[Any]:
    return [m for m in state.dm_messages(user_id) if m.author_id == BOT_ID]


def marked_ids(message: Any, kind: str) -> set[int]:
    data = {"id": message.id, "author": {"id": message.author_id}, "embeds": message.embeds}
    return {r.command_id for r in records_in_message(data, bot_id=BOT_ID, source="dm") if r.kind == kind}


def command_rows(state: Any) -> dict[int, dict[str, Any]]:
    return {c["id"]: c for c in state.custom_commands()}


Factory = Callable[..., Any]


def admin_messages(state: Any, since: datetime | None = None) -> list[Any]:
    """The bot's messages in #admin (the summaries), oldest first; only those from ``since`` when given."""
    return [m for m in state.messages("admin") if m.author_id == BOT_ID and (since is None or m.timestamp >= since)]


def summarised_ids(state: Any, kind: str) -> set[int]:
    """Every command id the admin summaries record as ``kind``."""
    return {i for message in admin_messages(state) for i in marked_ids(message, kind)}
