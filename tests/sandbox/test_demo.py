"""The built-in demo league is loadable, internally consistent and sets up every pass."""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leaguectl.sandbox import Sandbox, SandboxClock, demo_scenario
from leaguectl.sandbox.scenario_file import DEMO_FILE
from tests.sandbox.world import http

REPO = Path(__file__).resolve().parents[2]

NOW = datetime(2026, 11, 22, 23, 50, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return demo_scenario(NOW)


@pytest.fixture(scope="module")
def demo(scenario: dict[str, Any]) -> Any:
    with Sandbox(scenario, clock=SandboxClock(NOW)) as sandbox:
        yield sandbox


def league(scenario: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return list(scenario["league"][key])


def test_the_demo_is_plain_json_and_the_same_for_the_same_now(scenario: dict[str, Any]) -> None:
    assert json.loads(json.dumps(scenario)) == scenario == demo_scenario(NOW)


def test_the_demo_league_is_package_data_found_through_importlib_resources() -> None:
    from importlib import resources

    resource = resources.files("leaguectl.sandbox").joinpath(DEMO_FILE)
    assert resource.is_file()
    assert tomllib.loads(resource.read_text(encoding="utf-8"))["timezone"] == "America/New_York"
    # ... and a built wheel carries it: pyproject's package-data globs cover every file beside it
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["leaguectl"]
    package = REPO / "leaguectl"
    shipped = [p for p in (package / "sandbox").rglob("*") if p.is_file() and p.suffix in (".toml", ".json")]
    assert package / "sandbox" / DEMO_FILE in shipped
    included = {path for glob in globs for path in package.glob(glob)}  # what setuptools' globs pick up
    assert set(shipped) <= included


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 11, 23, 5, 0, tzinfo=UTC), datetime(2026, 11, 25, 12, 0, tzinfo=UTC)],
    ids=["exactly-monday", "wednesday"],
)
def test_freeze_begin_is_the_next_monday_midnight_in_league_time(now: datetime) -> None:
    timeline = demo_scenario(now)["demo"]["timeline"]
    monday = datetime.fromisoformat(timeline["freeze_begin"]).astimezone(NEW_YORK)
    assert (monday.weekday(), monday.hour, monday.minute) == (0, 0, 0)
    assert timedelta(0) <= monday - now < timedelta(days=7)
    saturday = datetime.fromisoformat(timeline["thaw"]).astimezone(NEW_YORK)
    assert (saturday.weekday(), saturday.hour) == (5, 0)
    Sandbox(demo_scenario(now))


def test_the_live_current_row_is_season_13_week_10_unfrozen_with_id_11(demo: Sandbox) -> None:
    current = demo.state.current()
    assert (current["id"], current["season"], current["week"], current["freeze"]) == (11, 13, 10, False)
    assert [row["id"] for row in demo.state.current_rows()] == [1, 11]


def test_eight_teams_with_minor_league_affiliates_gms_and_a_free_agent_team(
    scenario: dict[str, Any], demo: Sandbox
) -> None:
    teams = [t for t in league(scenario, "teams") if t["season"] == 13]
    majors = [t for t in teams if not t["abbrev"].endswith("MiL") and t["abbrev"] != "FA"]
    assert sorted(t["abbrev"] for t in majors) == sorted(["NYY", "BOS", "WV", "POR", "DEN", "SEA", "CHI", "MIA"])
    assert {f"{t['abbrev']}MiL" for t in majors} <= {t["abbrev"] for t in teams}
    assert demo.state.team_by_abbrev("FA")["id"] == 547
    assert all(t["id"] != 1 for t in teams)
    assert any(str(t["color"]).startswith("#") for t in majors)
    gms = {str(t[key]) for t in majors for key in ("gmid", "gmid2") if t.get(key)}
    assert all(demo.state.user(gm).member for gm in gms)
    assert any(demo.state.user(gm).dms_closed for gm in gms)
    assert all(t["gmid"] for t in teams if t["abbrev"] != "FA")


def test_standings_are_distinct_but_for_one_tie(scenario: dict[str, Any]) -> None:
    records = [(row["wins"], row["losses"]) for row in league(scenario, "standings")]
    assert len(records) == 8
    assert len(set(records)) == 7


def test_every_transaction_references_existing_players_and_teams(demo: Sandbox) -> None:
    teams = demo.state.league.teams
    for row in demo.state.transactions():
        assert row["player_id"] in demo.state.league.players, row
        assert row["oldteam_id"] in teams and row["newteam_id"] in teams, row
    assert len(demo.state.league.players) >= 30
    assert all(p["team_id"] in teams for p in demo.state.league.players.values())


def week_11(demo: Sandbox, frozen: bool) -> dict[str, list[dict[str, Any]]]:
    moves: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in demo.state.transactions(week=11, frozen=frozen, cancelled=False):
        moves[row["moveid"]].append(row)
    return dict(moves)


def test_the_frozen_claims_cover_every_thaw_case(demo: Sandbox) -> None:
    claims = week_11(demo, frozen=True)
    fa = 547
    claimants: dict[int, set[str]] = defaultdict(set)
    for moveid, rows in claims.items():
        for row in rows:
            if row["newteam_id"] != fa:
                claimants[row["player_id"]].add(moveid)
    assert len([p for p, moves in claimants.items() if len(moves) > 1]) >= 4
    assert any(len(rows) == 2 and all(r["oldteam_id"] == fa for r in rows) for rows in claims.values())
    assert any(demo.state.team(r["newteam_id"])["abbrev"].endswith("MiL") for rows in claims.values() for r in rows)
    assert any(all(r["newteam_id"] == fa for r in rows) for rows in claims.values())
    assert demo.state.transactions(week=11, frozen=True, cancelled=True)


def test_the_trades_for_week_11_are_unfrozen_and_their_players_are_still_on_the_old_team(demo: Sandbox) -> None:
    trades = week_11(demo, frozen=False)
    assert len(trades) == 2 and all(moveid.startswith("Trade-") for moveid in trades)
    for rows in trades.values():
        for row in rows:
            assert demo.state.player(row["player_id"])["team_id"] == row["oldteam_id"]


def win_pct(demo: Sandbox, team_id: int) -> float:
    abbrev = demo.state.team(team_id)["abbrev"].removesuffix("MiL")
    parent = demo.state.team_by_abbrev(abbrev, 13)["id"]
    row = next(s for s in demo.state.standings() if s["team_id"] == parent)
    return float(row["wins"] / (row["wins"] + row["losses"]))


def move_team(rows: list[dict[str, Any]]) -> int:
    """The acquiring team of a move; the dropping team for a drop-only move."""
    return next((int(r["newteam_id"]) for r in rows if r["newteam_id"] != 547), int(rows[0]["oldteam_id"]))


def resolve(demo: Sandbox, order: list[str]) -> tuple[set[str], set[str]]:
    """SPEC §2.2 by hand: moves in priority order, a move wins only if none of its players is taken."""
    claims = week_11(demo, frozen=True)
    granted: set[int] = set()
    accepted, cancelled = set(), set()
    for moveid in order:
        players = {r["player_id"] for r in claims[moveid] if demo.state.team(r["newteam_id"])["abbrev"] != "FA"}
        if players & granted:
            cancelled.add(moveid)
        else:
            accepted.add(moveid)
            granted |= players
    return accepted, cancelled


def test_the_documented_thaw_outcome_follows_from_the_standings(scenario: dict[str, Any], demo: Sandbox) -> None:
    expect = scenario["demo"]["expect"]["thaw"]
    claims = week_11(demo, frozen=True)
    tie = expect["tie"]["moveids"]
    assert win_pct(demo, move_team(claims[tie[0]])) == win_pct(demo, move_team(claims[tie[1]]))
    order = sorted(claims, key=lambda m: win_pct(demo, move_team(claims[m])))
    for tie_order in (tie, list(reversed(tie))):
        ranked = [m for m in order if m not in tie]
        position = min(order.index(moveid) for moveid in tie)
        ranked[position:position] = tie_order
        accepted, cancelled = resolve(demo, ranked)
        assert accepted - set(tie) == set(expect["accepted_moveids"])
        assert cancelled - set(tie) == set(expect["cancelled_moveids"])
        assert len(accepted & set(tie)) == 1


def test_the_documented_freeze_begin_outcome_is_the_trades(scenario: dict[str, Any], demo: Sandbox) -> None:
    expect = scenario["demo"]["expect"]["freeze_begin"]
    assert set(expect["executed_moveids"]) == set(week_11(demo, frozen=False))
    moved = {str(r["player_id"]): r["newteam_id"] for rows in week_11(demo, frozen=False).values() for r in rows}
    assert expect["player_teams_after"] == moved


def test_two_scorecards_are_live_and_one_final_with_linked_voice_channels(demo: Sandbox, tmp_path: Path) -> None:
    env = demo.env(tmp_path)
    cards = json.loads(Path(env["SCORECARDS_FILE"]).read_text())["scorecards"]
    voice = json.loads(Path(env["VOICE_CHANNELS_FILE"]).read_text())["voice_channels"]
    assert {v["text_channel_id"] for v in voice.values()} == set(cards)
    headers = []
    for channel, card in cards.items():
        key = re.search(r"/d/([^/]+)", card["sheet_url"]).group(1)  # type: ignore[union-attr]
        grid = demo.state.sheet(key).tabs["Scorebug"]
        headers.append(grid[1][1])
        assert int(grid[4][1]) in demo.state.league.teams and int(grid[5][1]) in demo.state.league.teams
        assert demo.state.channel(channel).name.startswith("gameday-")  # type: ignore[union-attr]
    assert sorted(h.endswith("FINAL") for h in headers) == [False, False, True]
    assert all(demo.state.channel(v).is_voice for v in voice)


def test_stale_commands_match_the_documented_cleanup(scenario: dict[str, Any], demo: Sandbox) -> None:
    expect = scenario["demo"]["expect"]["cleanup"]
    commands = {c["name"]: c for c in demo.state.custom_commands()}
    creators = {c["id"]: c for c in demo.state.creators()}

    def unused_days(name: str) -> float:
        # never used counts from creation (SPEC §2.4)
        last = datetime.fromisoformat(commands[name]["last_used"] or commands[name]["created_at"]).replace(tzinfo=UTC)
        return (NOW - last) / timedelta(days=1)

    def warning_dms(name: str) -> list[datetime]:
        user = str(creators[commands[name]["creator_id"]]["discord_id"])
        return [m.timestamp for m in demo.state.dm_messages(user) if f"**{name}**" in json.dumps(m.embeds)]

    for name in expect["warn"]:
        assert 60 <= unused_days(name) < 84 or commands[name]["last_used"] is None
        assert not commands[name]["warning_sent"] and commands[name]["is_active"]
    for name in expect["delete"]:
        assert unused_days(name) >= 90 and commands[name]["warning_sent"]
        assert warning_dms(name) and all(NOW - sent >= timedelta(days=7) for sent in warning_dms(name))
    for name in expect["warn_again_no_warning_found"]:
        assert commands[name]["warning_sent"] and not warning_dms(name)
    unreachable = {str(creators[commands[n]["creator_id"]]["discord_id"]) for n in expect["unreachable_creator"]}
    assert {demo.state.user(u).dms_closed or not demo.state.user(u).member for u in unreachable} == {True}
    assert commands["neverused"]["last_used"] is None and commands["retired"]["is_active"] is False


def task_json(content: str) -> dict[str, Any]:
    match = re.search(r"```json\n(.*?)\n```", content, re.S)
    data = json.loads(match.group(1) if match else content)
    assert isinstance(data, dict)
    return data


def test_the_tasks_channel_holds_tasks_of_several_kinds_and_two_to_refuse(
    scenario: dict[str, Any], demo: Sandbox
) -> None:
    bot = demo.state.discord.bot_id
    messages = demo.state.messages("tasks")
    parsed, broken = [], []
    for message in messages:
        try:
            parsed.append((message.author_id, task_json(message.content)))
        except ValueError:
            broken.append(message)
    assert len(broken) == 1 and broken[0].author_id == bot
    assert [author for author, _ in parsed].count(bot) == len(parsed) - 1
    schedules = {task["schedule"].split("_")[0] for _, task in parsed}
    assert {"daily", "weekly", "monthly", "every", "in", "on"} <= schedules
    assert any(s.startswith("RRULE:") for s in schedules) and "0 18 * * 5" in schedules
    assert any(not task["active"] for _, task in parsed)
    assert any("```json" not in m.content for m in messages)
    for _, task in parsed:
        assert {"task_name", "schedule", "next_run", "action_type", "action_target"} <= set(task)
    assert len(scenario["demo"]["tasks"]) == len(messages)


def test_env_names_the_tasks_and_heartbeat_channels_and_the_league_zone(demo: Sandbox, tmp_path: Path) -> None:
    env = demo.env(tmp_path)
    assert env["TASKS_CHANNEL_ID"] == demo.state.channel("tasks").id
    assert env["HEARTBEAT_LOG_CHANNEL_ID"] == demo.state.channel("heartbeat-log").id
    assert env["LEAGUE_TIMEZONE"] == "America/New_York"


def test_the_demo_league_is_served_over_http(demo: Sandbox, tmp_path: Path) -> None:
    env = demo.env(tmp_path)
    with http(env["LEAGUE_API_URL"], {"Authorization": f"Bearer {env['LEAGUE_API_TOKEN']}"}) as client:
        body = client.get("/v3/transactions", params={"season": 13, "week_start": 10, "week_end": 11, "frozen": "true"})
        assert body.json()["count"] >= 14
        assert client.get("/v3/current").json()["id"] == 11
    channels = {"transaction-log", "weekly-info", "live-sba-scores", "admin", "bot-logs", "tasks", "heartbeat-log"}
    assert channels <= {c.name for c in demo.state.guild_channels()}
    assert demo.state.overwrites("live-sba-scores")[env["GUILD_ID"]]["deny"] == "1024"
