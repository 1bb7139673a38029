"""The sandbox's own surface: clock, env(), snapshots, loading, and the HTTP control endpoints."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from leaguectl.sandbox import Sandbox, SandboxClock, ScenarioError
from tests.sandbox.world import GM, START, TEXT, VOICE, discord_client, http, small_scenario


def test_a_manual_clock_moves_only_when_told(clock: SandboxClock) -> None:
    before, mono = clock.now(), clock.monotonic()
    time.sleep(0.01)
    assert (clock.now(), clock.monotonic()) == (before, mono)
    clock.advance(2.5)
    assert clock.now() == before + timedelta(seconds=2.5) and clock.monotonic() == mono + 2.5


def test_setting_the_clock_back_never_moves_monotonic_time_back(clock: SandboxClock) -> None:
    mono = clock.monotonic()
    clock.set(START + timedelta(hours=1))
    assert clock.monotonic() == mono + 3600
    clock.set(START)
    assert clock.now() == START and clock.monotonic() == mono + 3600


def test_a_real_clock_runs_from_the_point_it_was_set() -> None:
    clock = SandboxClock(START, manual=False)
    time.sleep(0.02)
    assert clock.now() > START and clock.monotonic() > 0
    clock.set(START + timedelta(days=1))
    assert timedelta(days=1) <= clock.now() - START < timedelta(days=1, seconds=5)


def test_the_clock_refuses_naive_times_and_going_backwards_by_advance(clock: SandboxClock) -> None:
    with pytest.raises(ValueError):
        SandboxClock(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_the_clock_is_safe_to_advance_from_several_threads(clock: SandboxClock) -> None:
    def tick() -> None:
        for _ in range(500):
            clock.advance(0.001)

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert abs(clock.now() - (START + timedelta(seconds=2))) < timedelta(microseconds=10)


def test_env_points_every_setting_at_the_sandbox_and_writes_the_bots_files(sandbox: Sandbox, tmp_path: Path) -> None:
    env = sandbox.env(tmp_path)
    assert env["DISCORD_API_URL"] == f"{sandbox.base_url}/discord/api/v10"
    assert env["LEAGUE_API_URL"] == f"{sandbox.base_url}/league"
    assert env["SHEETS_API_URL"] == f"{sandbox.base_url}/sheets/v4"
    assert (env["DISCORD_BOT_TOKEN"], env["LEAGUE_API_TOKEN"]) == ("test-bot-token", "test-league-token")
    assert (env["GUILD_ID"], env["TASKS_CHANNEL_ID"]) == ("900000000000000100", TEXT)
    assert (env["LEAGUE_TIMEZONE"], env["TASKS_TRUSTED_USERS"]) == ("America/New_York", "900000000000000002")
    assert "HEARTBEAT_LOG_CHANNEL_ID" not in env
    creds = json.loads(Path(env["GOOGLE_SHEETS_CREDENTIALS"]).read_text())
    assert creds["type"] == "service_account" and creds["token_uri"] == sandbox.oauth_token_url
    assert creds["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert Path(env["GOOGLE_SHEETS_CREDENTIALS"]).stat().st_mode & 0o077 == 0
    cards = json.loads(Path(env["SCORECARDS_FILE"]).read_text())["scorecards"]
    assert cards[TEXT]["sheet_url"].startswith("https://docs.google.com/spreadsheets/d/sheet-key-1/")
    assert (cards[TEXT]["text_channel_id"], cards[TEXT]["publisher_id"]) == (TEXT, GM)
    voice = json.loads(Path(env["VOICE_CHANNELS_FILE"]).read_text())["voice_channels"]
    assert voice[VOICE]["text_channel_id"] == TEXT and voice[VOICE]["name"] == "Game Voice"
    assert sandbox.env(tmp_path)["GOOGLE_SHEETS_CREDENTIALS"] == env["GOOGLE_SHEETS_CREDENTIALS"]


def test_urls_need_a_started_sandbox_and_stop_frees_the_port() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError):
        _ = sandbox.base_url
    with sandbox:
        url = sandbox.base_url
        assert http().get(f"{url}/_sandbox/state").status_code == 200
    with pytest.raises(httpx.ConnectError):
        http().get(f"{url}/_sandbox/state")


def test_an_empty_scenario_is_a_minimal_guild(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox({})
    assert sandbox.clock.now() == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert sandbox.state.guild_channels() == []
    headers = {"Authorization": "Bot sandbox-discord-token"}
    assert http().get(f"{sandbox.discord_url}/users/@me", headers=headers).json()["bot"] is True


def test_scenario_mistakes_name_the_offending_entry() -> None:
    scenario = small_scenario()
    scenario["discord"]["messages"] = [{"channel": "nope", "content": "x"}]
    with pytest.raises(ScenarioError, match=r"nope"):
        Sandbox(scenario)
    scenario = small_scenario()
    del scenario["league"]["transactions"][0]["moveid"]
    with pytest.raises(ScenarioError, match=r"league.transactions\[0\].*moveid"):
        Sandbox(scenario)


def test_load_replaces_the_world_and_sets_the_clock(sandbox: Sandbox, discord: httpx.Client) -> None:
    discord.post(f"/channels/{TEXT}/messages", json={"content": "gone after load"})
    scenario = small_scenario()
    scenario["now"] = "2027-01-01T00:00:00+00:00"
    sandbox.load(scenario)
    assert [m.content for m in sandbox.state.messages("general")] == ["hello from a human"]
    assert sandbox.clock.now() == datetime(2027, 1, 1, tzinfo=UTC)


def test_snapshot_is_json_and_normalized_snapshots_ignore_ids_and_times(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    states = []
    for offset in (0, 3600):
        sandbox = make_sandbox(clock=SandboxClock(START + timedelta(seconds=offset)))
        with discord_client(sandbox) as client:
            client.post(
                f"/channels/{TEXT}/messages", json={"content": "x", "embeds": [{"title": "t", "timestamp": "now"}]}
            )
            client.put(f"/channels/{VOICE}/voice-status", json={"status": "BOS 1 @ 0 NYY"})
        json.dumps(sandbox.state.snapshot())
        states.append(sandbox.state.normalized_snapshot())
    assert states[0] == states[1]
    assert states[0]["voice_status"] == {"Game Voice": "BOS 1 @ 0 NYY"}


def test_the_http_control_surface_drives_a_sandbox_from_another_process(sandbox: Sandbox) -> None:
    control = http(f"{sandbox.base_url}/_sandbox")
    assert control.post("/clock", json={"now": "2026-11-28T05:00:00+00:00"}).json()["now"].startswith("2026-11-28")
    assert control.post("/clock", json={"advance": 60}).json()["now"].startswith("2026-11-28T05:01")
    assert control.post("/fault", json={"k": 1, "kind": "500"}).json() == {"pending": 1}
    with discord_client(sandbox) as client:
        assert client.post(f"/channels/{TEXT}/messages", json={"content": "x"}).status_code == 500
    log = control.get("/log").json()
    assert [(e["method"], e["status"], e["service"], e["mutating"]) for e in log] == [("POST", 500, "discord", True)]
    assert control.delete("/log").status_code == 204 and control.get("/log").json() == []
    state = control.get("/state").json()
    assert state["league"]["current"][1]["id"] == 11
    assert "messages" in control.get("/state", params={"normalized": 1}).json()
    assert control.post("/sheets/new-key", json={"values": [["a"]]}).status_code == 204
    assert sandbox.state.sheet("new-key").tabs == {"Scorebug": [["a"]]}
    assert control.post("/ban", json={"on": True}).json() == {"banned": True}
    assert control.post("/scenario", json=small_scenario()).json()["loaded"] is True
    assert sandbox.state.discord.banned is False
    assert control.post("/fault", json={"k": 0, "kind": "500"}).status_code == 400
    assert control.get("/nope").status_code == 404
    assert sandbox.request_log == []
