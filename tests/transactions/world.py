"""A small league for end-to-end freeze/thaw tests against the sandbox.

League time is America/New_York. Season 12, live ``current`` row id 11 (an
old season's row has id 1). Teams WV (worst record), NY, BOS and WV's minor
league team WVMiL (no GMs of its own). One NY co-GM has closed DMs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from leaguectl.transactions.messages import freeze_announcement, weekly_info_messages

ZONE = ZoneInfo("America/New_York")
SEASON = 12
#: Monday 00:00 league time of the league week the tests enter (05:00 UTC).
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=ZONE)
SATURDAY = datetime(2026, 11, 28, 0, 0, tzinfo=ZONE)
LAST_MONDAY = MONDAY - timedelta(days=7)

WV_GM, WV_CO, NY_GM, NY_CO, BOS_GM = "1200000000000000101", "1200000000000000102", "1200000000000000103", \
    "1200000000000000104", "1200000000000000105"
FA_ID, WV_ID, NY_ID, BOS_ID, WVMIL_ID = 547, 499, 500, 502, 513

TEAMS: list[dict[str, Any]] = [
    {"id": FA_ID, "abbrev": "FA", "sname": "Free Agents", "lname": "Free Agents", "season": SEASON},
    {"id": WV_ID, "abbrev": "WV", "sname": "Black Bears", "lname": "West Virginia Black Bears", "season": SEASON,
     "gmid": int(WV_GM), "gmid2": int(WV_CO), "color": "2f4f4f"},
    {"id": NY_ID, "abbrev": "NY", "sname": "Yankees", "lname": "New York Yankees", "season": SEASON,
     "gmid": int(NY_GM), "gmid2": int(NY_CO), "color": "#0c2340"},
    {"id": BOS_ID, "abbrev": "BOS", "sname": "Pilgrims", "lname": "Boston Pilgrims", "season": SEASON,
     "gmid": int(BOS_GM)},
    {"id": WVMIL_ID, "abbrev": "WVMiL", "sname": "Black Bears MiL", "lname": "West Virginia Minors",
     "season": SEASON},
]
STANDINGS: list[dict[str, Any]] = [
    {"team_id": WV_ID, "wins": 30, "losses": 70},
    {"team_id": NY_ID, "wins": 70, "losses": 30},
    {"team_id": BOS_ID, "wins": 50, "losses": 50},
]

# player id -> (name, team id)
PLAYERS: dict[int, tuple[str, int]] = {
    1: ("Mike Trout", FA_ID),
    2: ("Ronald Acuna", FA_ID),
    3: ("Mookie Betts", FA_ID),
    4: ("Aaron Judge", NY_ID),
    5: ("Rafael Devers", BOS_ID),
    6: ("Buck Ferreira", WV_ID),
    7: ("Lyle Donnelly", FA_ID),
    8: ("Otis Varga", BOS_ID),
}


def players() -> list[dict[str, Any]]:
    return [
        {"id": pid, "name": name, "wara": 1.0 + pid / 10, "season": SEASON, "pos_1": "CF", "team_id": team}
        for pid, (name, team) in PLAYERS.items()
    ]


def tx(row_id: int, moveid: str, player_id: int, old: int, new: int, *, week: int, frozen: bool,
       cancelled: bool = False) -> dict[str, Any]:
    return {"id": row_id, "week": week, "season": SEASON, "moveid": moveid, "player_id": player_id,
            "oldteam_id": old, "newteam_id": new, "frozen": frozen, "cancelled": cancelled}


def regular_transactions(week: int) -> list[dict[str, Any]]:
    """Week ``week``'s unfrozen moves: a two-player trade and a move whose player went elsewhere (conflict)."""
    return [
        tx(1, "Trade-ny-bos", 4, NY_ID, BOS_ID, week=week, frozen=False),
        tx(2, "Trade-ny-bos", 5, BOS_ID, NY_ID, week=week, frozen=False),
        tx(3, "Claim-wv", 8, NY_ID, WV_ID, week=week, frozen=False),  # Otis Varga is on BOS: conflict
        tx(4, "Frozen-claim", 1, FA_ID, WV_ID, week=week, frozen=True),  # not executed on Monday
        tx(5, "Cancelled", 6, WV_ID, FA_ID, week=week, frozen=False, cancelled=True),  # never executed
    ]


def frozen_claims(week: int) -> list[dict[str, Any]]:
    """Claims for the thaw: contests of two and three teams, a MiL claim, a two-player loser, drops."""
    return [
        # Mike Trout: NY, BOS and WV claim -> WV (worst) wins
        tx(11, "NY-trout", 1, FA_ID, NY_ID, week=week, frozen=True),
        tx(12, "BOS-trout", 1, FA_ID, BOS_ID, week=week, frozen=True),
        tx(13, "WV-trout", 1, FA_ID, WV_ID, week=week + 1, frozen=True),
        # Ronald Acuna: WVMiL (parent WV, worst) vs BOS -> WVMiL wins
        tx(14, "WVMiL-acuna", 2, FA_ID, WVMIL_ID, week=week, frozen=True),
        tx(15, "BOS-acuna", 2, FA_ID, BOS_ID, week=week, frozen=True),
        # NY's two-player move loses Trout, so Betts (uncontested) is cancelled with it
        tx(16, "NY-two", 1, FA_ID, NY_ID, week=week, frozen=True),
        tx(17, "NY-two", 3, FA_ID, NY_ID, week=week, frozen=True),
        # a drop-only move, granted
        tx(18, "WV-drop", 6, WV_ID, FA_ID, week=week, frozen=True),
        # a cancelled row claiming Lyle Donnelly contests nothing; BOS's claim on him is uncontested
        tx(19, "WV-cancelled", 7, FA_ID, WV_ID, week=week, frozen=True, cancelled=True),
        tx(20, "BOS-donnelly", 7, FA_ID, BOS_ID, week=week, frozen=True),
    ]


def scenario(
    *,
    week: int = 10,
    freeze: bool = False,
    transactions: list[dict[str, Any]] | None = None,
    standings_mode: str = "ok",
    offseason: bool = False,
    messages: list[dict[str, Any]] | None = None,
    entered_at: datetime = LAST_MONDAY,
    standings: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``current`` is ``week`` with ``freeze``; the bot announced that week's freeze at ``entered_at``.

    The defaults are the world just before Monday; thaw tests pass ``entered_at=MONDAY``.
    """
    info = weekly_info_messages(week)
    seeded = [
        {"channel": "transaction-log", "author": "bot", "content": freeze_announcement(week),
         "timestamp": (entered_at + timedelta(seconds=1)).isoformat()},
        {"channel": "weekly-info", "author": "owner", "content": "Reminder: playoff vote closes Friday.",
         "timestamp": (LAST_MONDAY - timedelta(days=1)).isoformat()},
        {"channel": "weekly-info", "author": "bot", "content": info[0],
         "timestamp": (LAST_MONDAY + timedelta(seconds=2)).isoformat()},
        {"channel": "weekly-info", "author": "bot", "content": info[1],
         "timestamp": (LAST_MONDAY + timedelta(seconds=3)).isoformat()},
    ]
    return {
        "timezone": "America/New_York",
        "env": {"OFFSEASON_FLAG": "true" if offseason else "false", "THAW_TIEBREAK_SECRET": "sandbox-tiebreak"},
        "discord": {
            "users": [
                {"id": WV_GM, "username": "wv_gm"},
                {"id": WV_CO, "username": "wv_co"},
                {"id": NY_GM, "username": "ny_gm"},
                {"id": NY_CO, "username": "ny_co", "dms_closed": True},
                {"id": BOS_GM, "username": "bos_gm"},
            ],
            "channels": [
                {"name": "general"},
                {"name": "transaction-log"},
                {"name": "weekly-info"},
            ],
            "messages": seeded + (messages or []),
        },
        "league": {
            "current": [
                {"id": 1, "week": 22, "season": 3, "freeze": False},
                {"id": 11, "week": week, "season": SEASON, "freeze": freeze},
            ],
            "teams": TEAMS,
            "players": players(),
            "transactions": regular_transactions(week + 1) if transactions is None else transactions,
            "standings": STANDINGS if standings is None else standings,
            "standings_mode": standings_mode,
        },
    }


def league_and_channels(sandbox: Any) -> dict[str, Any]:
    """The normalized end state without the owner's DMs (where failure alerts of crashed runs go)."""
    snapshot: dict[str, Any] = sandbox.state.normalized_snapshot()
    snapshot["messages"].pop(f"dm:{sandbox.state.discord.owner_id}", None)
    return snapshot


def thaw_scenario(**options: Any) -> dict[str, Any]:
    """Saturday of week 11: the freeze began on Monday; the frozen claims of weeks 11..12 wait."""
    options.setdefault("transactions", frozen_claims(11))
    options.setdefault("freeze", True)
    return scenario(week=11, entered_at=MONDAY, **options)


def league_service(cli: Any) -> Any:
    """The sandbox's simulated league API (to change how it renders rows, for hostile-data tests)."""
    return cli.sandbox._services["league"]


def serve_instead(cli: Any, route: str, answer: Callable[[Any], Any]) -> None:
    """Make the sandbox's league API answer ``route`` (e.g. ``"GET /transactions"``) with ``answer``.

    The sandbox has no switch for an answer the real API might give only when it misbehaves
    (a broken envelope, a row that is not an object), so such tests replace the route's handler.
    """
    router = league_service(cli).router
    router.routes = [replace(r, handler=answer) if r.name == route else r for r in router.routes]
