"""The small world the sandbox tests run in, and clients for it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from leaguectl.sandbox import Sandbox, SandboxClock

START = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
BOT = "900000000000000001"
OWNER = "900000000000000002"
GM = "900000000000000010"
CLOSED = "900000000000000011"
LEFT = "900000000000000012"
GUILD = "900000000000000100"
TEXT = "900000000000000201"
VOICE = "900000000000000202"
HIDDEN = "900000000000000203"
MUTED = "900000000000000204"
DISCORD_TOKEN = "test-bot-token"
LEAGUE_TOKEN = "test-league-token"


def small_scenario() -> dict[str, Any]:
    """A guild with a few channels and users, a tiny league and one spreadsheet."""
    return {
        "now": START.isoformat(),
        "timezone": "America/New_York",
        "env": {"TASKS_TRUSTED_USERS": OWNER},
        "discord": {
            "bot_token": DISCORD_TOKEN,
            "guild": {"id": GUILD, "name": "Test League"},
            "bot": {"id": BOT, "username": "bot"},
            "owner": {"id": OWNER, "username": "owner"},
            "users": [
                {"id": GM, "username": "gm"},
                {"id": CLOSED, "username": "closed", "dms_closed": True},
                {"id": LEFT, "username": "left", "member": False},
            ],
            "channels": [
                {"id": TEXT, "name": "general"},
                {"id": VOICE, "name": "Game Voice", "type": "voice"},
                {"id": HIDDEN, "name": "secret", "bot_denied": ["view"]},
                {"id": MUTED, "name": "readonly", "bot_denied": ["send", "manage_messages", "voice_status"]},
            ],
            "messages": [{"channel": "general", "author": GM, "content": "hello from a human"}],
            "tasks_channel": "general",
        },
        "league": {
            "api_token": LEAGUE_TOKEN,
            "current": [
                {"id": 1, "week": 20, "season": 3, "freeze": False},
                {"id": 11, "week": 10, "season": 13, "freeze": False},
            ],
            "teams": [
                {
                    "id": 499,
                    "abbrev": "WV",
                    "sname": "Black Bears",
                    "lname": "WV Black Bears",
                    "season": 13,
                    "gmid": int(GM),
                },
                {"id": 500, "abbrev": "NY", "sname": "Yankees", "lname": "New York Yankees", "season": 13},
                {"id": 501, "abbrev": "WVMiL", "sname": "Black Bears MiL", "lname": "WV MiL", "season": 13},
                {"id": 547, "abbrev": "FA", "sname": "Free Agents", "lname": "Free Agents", "season": 13},
                {"id": 400, "abbrev": "WV", "sname": "Black Bears", "lname": "WV Black Bears", "season": 12},
            ],
            "players": [
                {"id": 12472, "name": "Mike Trout", "wara": 2.5, "season": 13, "pos_1": "CF", "team_id": 547},
                {"id": 12473, "name": "Ronald Acuna", "wara": 2.0, "season": 13, "pos_1": "OF", "team_id": 500},
            ],
            "transactions": [
                {
                    "id": 1,
                    "week": 11,
                    "season": 13,
                    "moveid": "Season-013-Week-11-19-13:04:41",
                    "player_id": 12472,
                    "oldteam_id": 547,
                    "newteam_id": 499,
                    "frozen": True,
                },
                {
                    "id": 2,
                    "week": 11,
                    "season": 13,
                    "moveid": "Season-013-Week-11-19-13:04:41",
                    "player_id": 12473,
                    "oldteam_id": 500,
                    "newteam_id": 547,
                    "frozen": True,
                },
                {
                    "id": 3,
                    "week": 11,
                    "season": 13,
                    "moveid": "Trade-abc",
                    "player_id": 12473,
                    "oldteam_id": 500,
                    "newteam_id": 499,
                },
                {
                    "id": 4,
                    "week": 0,
                    "season": 13,
                    "moveid": "keeper-1",
                    "player_id": 12473,
                    "oldteam_id": 547,
                    "newteam_id": 500,
                },
                {
                    "id": 5,
                    "week": 11,
                    "season": 13,
                    "moveid": "Season-013-Week-11-99",
                    "player_id": 12472,
                    "oldteam_id": 547,
                    "newteam_id": 500,
                    "frozen": True,
                    "cancelled": True,
                },
            ],
            "standings": [
                {"team_id": 499, "wins": 30, "losses": 70},
                {"team_id": 500, "wins": 70, "losses": 30},
            ],
            "creators": [
                {"id": 7, "discord_id": int(GM), "username": "gm", "created_at": "2025-01-01T00:00:00"},
                {"id": 8, "discord_id": int(OWNER), "username": "owner", "created_at": "2025-01-01T00:00:00"},
            ],
            "custom_commands": [
                {
                    "id": 101,
                    "name": "oldcmd",
                    "content": "old",
                    "creator_id": 7,
                    "created_at": "2026-01-01T00:00:00",
                    "last_used": "2026-08-01T00:00:00",
                    "use_count": 5,
                },
                {
                    "id": 102,
                    "name": "warnedcmd",
                    "content": "warned",
                    "creator_id": 7,
                    "created_at": "2026-01-01T00:00:00",
                    "last_used": "2026-07-01T00:00:00",
                    "use_count": 3,
                    "warning_sent": True,
                },
                {
                    "id": 103,
                    "name": "fresh",
                    "content": "new",
                    "creator_id": 8,
                    "created_at": "2026-11-01T00:00:00",
                    "last_used": "2026-11-20T00:00:00",
                    "use_count": 1,
                },
                {"id": 104, "name": "never", "content": "x", "creator_id": 8, "created_at": "2026-01-01T00:00:00"},
                {
                    "id": 105,
                    "name": "gone",
                    "content": "y",
                    "creator_id": 8,
                    "created_at": "2026-01-01T00:00:00",
                    "last_used": "2026-01-02T00:00:00",
                    "is_active": False,
                },
            ],
        },
        "sheets": {
            "sheet-key-1": {
                "title": "Scorecard",
                "tabs": {
                    "Scorebug": [[], ["", "BOS @ NYY", ""], [], ["", "", ""], ["", 502, "", 4], ["", 501, "", 3.0]],
                    "My Tab": [["a", "b"], ["c"]],
                },
            },
            "locked-key": {"tabs": {"Scorebug": [["x"]]}, "readable": False},
        },
        "scorecards": [{"text_channel": "general", "sheet_key": "sheet-key-1", "publisher_id": GM}],
        "voice_links": [{"voice_channel": "Game Voice", "text_channel": "general", "creator_id": GM}],
    }


class PatientTransport(httpx.BaseTransport):
    """Waits out a bucket (on the sandbox clock) whenever a response says none is left.

    Deliberately simple: it waits before the next request whatever its route,
    which is never too early. Used so functional tests need not think about limits.
    """

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.inner = httpx.HTTPTransport(verify=False)
        self.wait = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.wait:
            self.clock.advance(self.wait)
            self.wait = 0.0
        response = self.inner.handle_request(request)
        if response.headers.get("X-RateLimit-Remaining") == "0":
            self.wait = float(response.headers["X-RateLimit-Reset-After"])
        return response

    def close(self) -> None:
        self.inner.close()


def discord_client(sandbox: Sandbox, patient: bool = True) -> httpx.Client:
    headers = {"Authorization": f"Bot {DISCORD_TOKEN}", "User-Agent": "DiscordBot (test, 1)"}
    transport = PatientTransport(sandbox.clock) if patient else httpx.HTTPTransport(verify=False)
    return httpx.Client(base_url=sandbox.discord_url, headers=headers, timeout=5, transport=transport)


def http(base_url: str = "", headers: dict[str, str] | None = None) -> httpx.Client:
    """A client for the sandbox's plain-http loopback server.

    `verify=False` because there is no TLS to verify, and it spares loading the CA
    bundle (about 60 ms per client), which keeps the suite fast.
    """
    return httpx.Client(base_url=base_url, headers=headers or {}, timeout=5, verify=False)
