"""scorebug-tick end to end against the sandbox: messages, voice statuses, visibility, failures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leaguectl.sandbox.state import Scorecard
from leaguectl.scorebug.marker import SCOREBUG, FinalRecord, Marker, VoiceRecord, parse_marker
from tests.conftest import SandboxCli
from tests.scorebug.cells import full_sheet, live_cells

START = datetime(2026, 7, 4, 19, 0, tzinfo=UTC)
GUILD = "100000000000000001"
LIVE = "live-sba-scores"
OTHER_USER = "300000000000000001"
TEAMS = [
    {"id": 1, "abbrev": "BOS", "sname": "Sox", "lname": "Boston Sox", "season": 12, "color": "#BD3039"},
    {"id": 2, "abbrev": "NYY", "sname": "Yanks", "lname": "New York Yanks", "season": 12, "color": "003087"},
    {"id": 3, "abbrev": "POR", "sname": "Pioneers", "lname": "Portland Pioneers", "season": 12, "color": None},
    {"id": 4, "abbrev": "WV", "sname": "Black Bears", "lname": "West Virginia Black Bears", "season": 12},
]
GAMES = {
    "game-1": ("sheet-one", live_cells(1, 2, 4, 3, win="41.2%", first="A. Runner")),
    "game-2": ("sheet-two", live_cells(3, 4, 0, 2, header="POR @ WV - Bot 3", half="Bot", inning=3, win="80%")),
    "game-3": ("sheet-three", live_cells(2, 3, 6, 5, header="NYY @ POR FINAL", half="Bot", inning=9, win="0%")),
}


def scenario(*, with_live_channel: bool = True, extra_messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    channels: list[dict[str, Any]] = []
    if with_live_channel:
        channels.append(
            {"name": LIVE, "id": "200000000000000001", "permission_overwrites": [{"id": GUILD, "deny": "1024"}]}
        )
    for number, name in enumerate(GAMES, start=1):
        channels.append({"name": name, "id": f"20000000000000001{number}"})
        channels.append({"name": f"{name}-voice", "id": f"20000000000000002{number}", "type": "voice"})
    return {
        "discord": {
            "guild": {"id": GUILD},
            "users": [{"id": OTHER_USER, "username": "fan"}],
            "channels": channels,
            "messages": extra_messages or [],
        },
        "league": {"current": [{"id": 1, "week": 5, "season": 12}], "teams": TEAMS},
        "sheets": {key: {"tabs": {"Scorebug": full_sheet(cells)}} for key, cells in GAMES.values()},
        "scorecards": [{"text_channel": name, "sheet_key": key} for name, (key, _) in GAMES.items()],
        "voice_links": [{"voice_channel": f"{name}-voice", "text_channel": name} for name in GAMES],
    }


@pytest.fixture
def cli(sandbox_cli_factory: Callable[..., SandboxCli]) -> SandboxCli:
    return sandbox_cli_factory(scenario(), START)


def bot_messages(cli: SandboxCli) -> list[Any]:
    state = cli.sandbox.state
    return [m for m in state.messages(LIVE) if m.author_id == state.discord.bot_id]


def marker(message: Any) -> Marker | None:
    """The records leaguectl keeps in a message's embed link (None: not one of its messages)."""
    return parse_marker(message.embeds[0].get("url")) if message.embeds else None


def scorebugs(cli: SandboxCli) -> dict[str, dict[str, Any]]:
    """game channel id → the embed of its scorebug message."""
    found = {}
    for message in bot_messages(cli):
        found_marker = marker(message)
        if found_marker is not None and found_marker.kind == SCOREBUG:
            found[found_marker.channel_id] = message.embeds[0]
    return found


def scorebug_marker(cli: SandboxCli, game: str) -> Marker:
    found = parse_marker(scorebugs(cli)[channel_id(cli, game)]["url"])
    assert found is not None
    return found


def held(cli: SandboxCli, game: str) -> list[FinalRecord]:
    """The final games whose records ride in the scorebug of game channel ``game`` (a name)."""
    return list(scorebug_marker(cli, game).finals)


def own_record(cli: SandboxCli, game: str, status: str) -> VoiceRecord:
    return VoiceRecord.of(channel_id(cli, f"{game}-voice"), status)


def final_record(cli: SandboxCli, game: str, status: str) -> FinalRecord:
    return FinalRecord(channel_id(cli, game), own_record(cli, game, status))


def ledgers(cli: SandboxCli) -> list[Any]:
    return [m for m in bot_messages(cli) if m.embeds and m.embeds[0].get("title") == "Final scores"]


def routes(cli: SandboxCli) -> list[str]:
    return sorted(str(e.route) for e in mutating(cli))


def voice_writes(cli: SandboxCli) -> list[str]:
    """Which voice channels got a status write since the log was cleared."""
    names = {channel_id(cli, f"{name}-voice"): f"{name}-voice" for name in GAMES}
    return sorted(
        names[e.path.split("/channels/")[-1].split("/")[0]] for e in mutating(cli) if "voice-status" in e.path
    )


def voice_statuses(cli: SandboxCli) -> dict[str, str | None]:
    return {name: cli.sandbox.state.voice_status(f"{name}-voice") for name in GAMES}


def mutating(cli: SandboxCli) -> list[Any]:
    """Mutating Discord requests on the guild's channels (failure alerts go to the owner's DMs)."""
    guild_channels = {c.id for c in cli.sandbox.state.guild_channels()}
    return [
        e
        for e in cli.sandbox.request_log
        if e.mutating and e.service == "discord" and e.path.split("/channels/")[-1].split("/")[0] in guild_channels
    ]


def everyone_can_view(cli: SandboxCli) -> bool:
    overwrite = cli.sandbox.state.overwrites(LIVE)[GUILD]
    return bool(int(overwrite["allow"]) & 1024) and not int(overwrite["deny"]) & 1024


def channel_id(cli: SandboxCli, name: str) -> str:
    return str(cli.sandbox.state.channel(name).id)


def tick(cli: SandboxCli, minutes: int = 0) -> dict[str, Any]:
    result, report = cli.run_json("scorebug-tick", at=START + timedelta(minutes=minutes))
    assert result.exit_code == report["exit_code"]
    return report


def test_two_live_games_and_one_final_give_two_scorebugs_and_three_voice_statuses(cli: SandboxCli) -> None:
    report = tick(cli)
    assert report["exit_code"] == 0, report
    games = scorebugs(cli)
    assert set(games) == {channel_id(cli, "game-1"), channel_id(cli, "game-2")}
    assert voice_statuses(cli) == {
        "game-1": "BOS 4 @ 3 NYY",
        "game-2": "POR 0 @ 2 WV",
        "game-3": "NYY 6 @ 5 POR - FINAL",
    }
    first = games[channel_id(cli, "game-1")]
    assert first["title"] == "BOS @ NYY - Top 7"
    assert first["color"] == 0xBD3039  # away favoured at 41.2% home
    assert first["fields"][0]["value"] == "58.8% BOS ◄▓▓▓▓▓▓░░░░ NYY"
    assert first["fields"][1]["value"] == "```\nBOS  4    ○       ▲ 7\nNYY  3  ○   ●   1 Out\n```"
    assert games[channel_id(cli, "game-2")]["color"] == 0xA6CE39  # WV has no colour: the default
    assert everyone_can_view(cli)
    assert len(bot_messages(cli)) == 2  # one message per live game, nothing else


def test_the_final_games_record_rides_in_the_first_live_scorebugs_link(cli: SandboxCli) -> None:
    tick(cli)
    assert scorebug_marker(cli, "game-1").record == own_record(cli, "game-1", "BOS 4 @ 3 NYY")
    assert held(cli, "game-1") == [final_record(cli, "game-3", "NYY 6 @ 5 POR - FINAL")]
    assert scorebug_marker(cli, "game-2").record == own_record(cli, "game-2", "POR 0 @ 2 WV")
    assert held(cli, "game-2") == []
    assert ledgers(cli) == []
    assert all("footer" not in embed for embed in scorebugs(cli).values())


def test_a_second_tick_with_unchanged_sheets_sends_no_mutating_discord_request(cli: SandboxCli) -> None:
    tick(cli)
    cli.sandbox.clear_log()
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0
    assert mutating(cli) == []
    assert report["actions"] == []


def test_one_changed_score_is_exactly_one_edit_and_one_voice_status_write(cli: SandboxCli) -> None:
    tick(cli)
    before = {m.id for m in bot_messages(cli)}
    cli.sandbox.set_sheet("sheet-one", full_sheet(live_cells(1, 2, 4, 5, win="70%", first="A. Runner")))
    cli.sandbox.clear_log()
    tick(cli, minutes=3)
    routes = sorted(str(e.route) for e in mutating(cli))
    assert routes == ["PATCH /channels/{channel_id}/messages/{message_id}", "PUT /channels/{channel_id}/voice-status"]
    assert {m.id for m in bot_messages(cli)} == before
    assert voice_statuses(cli)["game-1"] == "BOS 4 @ 5 NYY"
    assert scorebugs(cli)[channel_id(cli, "game-1")]["color"] == 0x003087


def test_a_game_going_final_loses_its_scorebug_and_its_voice_says_final(cli: SandboxCli) -> None:
    tick(cli)
    final = live_cells(3, 4, 1, 2, header="POR @ WV FINAL", half="Top", inning=9)
    cli.sandbox.set_sheet("sheet-two", full_sheet(final))
    cli.sandbox.clear_log()
    tick(cli, minutes=3)
    assert set(scorebugs(cli)) == {channel_id(cli, "game-1")} and len(bot_messages(cli)) == 1
    assert voice_statuses(cli)["game-2"] == "POR 1 @ 2 WV - FINAL"
    assert voice_writes(cli) == ["game-2-voice"]
    assert routes(cli) == [
        "DELETE /channels/{channel_id}/messages/{message_id}",
        "PATCH /channels/{channel_id}/messages/{message_id}",
        "PUT /channels/{channel_id}/voice-status",
    ]
    assert held(cli, "game-1") == [
        final_record(cli, "game-2", "POR 1 @ 2 WV - FINAL"),
        final_record(cli, "game-3", "NYY 6 @ 5 POR - FINAL"),
    ]
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


GAME_1_FINAL = live_cells(1, 2, 4, 3, header="BOS @ NYY FINAL", half="Bot", inning=9)
GAME_2_FINAL = live_cells(3, 4, 1, 2, header="POR @ WV FINAL", half="Top", inning=9)


def test_when_the_holder_goes_final_the_next_live_scorebug_takes_the_final_records(cli: SandboxCli) -> None:
    tick(cli)
    old_holder = next(m.id for m in bot_messages(cli) if (marker(m) or Marker("", "", "")).finals)
    cli.sandbox.set_sheet("sheet-one", full_sheet(GAME_1_FINAL))
    cli.sandbox.clear_log()
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0, report
    assert voice_writes(cli) == ["game-1-voice"]  # game-3's FINAL is not written again
    assert routes(cli) == [
        "DELETE /channels/{channel_id}/messages/{message_id}",
        "PATCH /channels/{channel_id}/messages/{message_id}",
        "PUT /channels/{channel_id}/voice-status",
    ]
    assert old_holder not in {m.id for m in bot_messages(cli)} and len(bot_messages(cli)) == 1
    assert held(cli, "game-2") == [
        final_record(cli, "game-1", "BOS 4 @ 3 NYY - FINAL"),
        final_record(cli, "game-3", "NYY 6 @ 5 POR - FINAL"),
    ]
    assert voice_statuses(cli)["game-1"] == "BOS 4 @ 3 NYY - FINAL"
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


def test_when_the_last_live_game_ends_the_records_move_to_a_ledger_in_the_hidden_channel(cli: SandboxCli) -> None:
    tick(cli)
    cli.sandbox.set_sheet("sheet-one", full_sheet(GAME_1_FINAL))
    cli.sandbox.set_sheet("sheet-two", full_sheet(GAME_2_FINAL))
    cli.sandbox.clear_log()
    tick(cli, minutes=3)
    assert voice_writes(cli) == ["game-1-voice", "game-2-voice"]
    assert not everyone_can_view(cli)
    assert scorebugs(cli) == {}
    (ledger,) = ledgers(cli)
    assert bot_messages(cli) == [ledger]
    finals = (
        ("game-1", "BOS 4 @ 3 NYY - FINAL"),
        ("game-2", "POR 1 @ 2 WV - FINAL"),
        ("game-3", "NYY 6 @ 5 POR - FINAL"),
    )
    assert ledger.embeds[0]["description"].splitlines() == [status for _, status in finals]
    ledger_marker = marker(ledger)
    assert ledger_marker is not None and list(ledger_marker.finals) == [final_record(cli, n, s) for n, s in finals]
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


def test_a_live_game_again_takes_the_records_from_the_ledger_which_is_deleted(cli: SandboxCli) -> None:
    tick(cli)
    cli.sandbox.set_sheet("sheet-one", full_sheet(GAME_1_FINAL))
    cli.sandbox.set_sheet("sheet-two", full_sheet(GAME_2_FINAL))
    tick(cli, minutes=3)
    assert len(ledgers(cli)) == 1
    cli.sandbox.set_sheet("sheet-two", full_sheet(live_cells(3, 4, 1, 2, header="POR @ WV - Bot 9", half="Bot")))
    cli.sandbox.clear_log()
    report = tick(cli, minutes=6)
    assert report["exit_code"] == 0, report
    assert voice_writes(cli) == ["game-2-voice"]  # the FINALs of games 1 and 3 are not written again
    assert ledgers(cli) == [] and len(bot_messages(cli)) == 1 and everyone_can_view(cli)
    assert held(cli, "game-2") == [
        final_record(cli, "game-1", "BOS 4 @ 3 NYY - FINAL"),
        final_record(cli, "game-3", "NYY 6 @ 5 POR - FINAL"),
    ]
    assert voice_statuses(cli)["game-2"] == "POR 1 @ 2 WV"
    cli.sandbox.clear_log()
    tick(cli, minutes=9)
    assert mutating(cli) == []


def test_a_pass_dying_after_a_final_voice_write_costs_one_repeated_write_and_no_lost_record(cli: SandboxCli) -> None:
    tick(cli)
    cli.sandbox.set_sheet("sheet-one", full_sheet(GAME_1_FINAL))
    for k in range(2, 7):  # the FINAL status is written; moving the records to game-2 fails through every retry
        cli.sandbox.inject_failure(k, "500", service="discord")
    dying = tick(cli, minutes=3)
    assert dying["exit_code"] == 69
    assert voice_statuses(cli)["game-1"] == "BOS 4 @ 3 NYY - FINAL"
    cli.sandbox.clear_log()
    resumed = tick(cli, minutes=6)
    assert resumed["exit_code"] == 0, resumed
    assert voice_writes(cli) == ["game-1-voice"]  # its record was never saved; game-3's still was
    assert len(bot_messages(cli)) == 1
    assert held(cli, "game-2") == [
        final_record(cli, "game-1", "BOS 4 @ 3 NYY - FINAL"),
        final_record(cli, "game-3", "NYY 6 @ 5 POR - FINAL"),
    ]
    cli.sandbox.clear_log()
    tick(cli, minutes=9)
    assert mutating(cli) == []


def test_a_refused_ledger_post_keeps_the_old_holder_so_its_records_survive(cli: SandboxCli) -> None:
    tick(cli)
    cli.sandbox.set_sheet("sheet-one", full_sheet(GAME_1_FINAL))
    cli.sandbox.set_sheet("sheet-two", full_sheet(GAME_2_FINAL))
    live = cli.sandbox.state.channel(LIVE)
    live.bot_denied.add("send")
    refused = tick(cli, minutes=3)
    assert refused["exit_code"] == 1
    assert set(scorebugs(cli)) == {channel_id(cli, "game-1")}  # game-2's scorebug held nothing: it is gone
    assert any("holds final-game records" in s["reason"] for s in refused["skipped"])
    live.bot_denied.discard("send")
    cli.sandbox.clear_log()
    resumed = tick(cli, minutes=6)
    assert resumed["exit_code"] == 0, resumed
    assert voice_writes(cli) == ["game-1-voice", "game-2-voice"]  # not game-3: the kept holder still recorded it
    assert scorebugs(cli) == {} and len(ledgers(cli)) == 1 and len(bot_messages(cli)) == 1
    cli.sandbox.clear_log()
    tick(cli, minutes=9)
    assert mutating(cli) == []


def test_unpublishing_every_game_removes_the_bots_messages_hides_the_channel_and_keeps_others(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    chat = {"channel": LIVE, "author": OTHER_USER, "content": "what a game", "timestamp": "2026-07-04T18:00:00Z"}
    cli = sandbox_cli_factory(scenario(extra_messages=[chat]), START)
    tick(cli)
    assert everyone_can_view(cli) and len(bot_messages(cli)) == 2
    cli.sandbox.state.scorecards.clear()
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0
    assert bot_messages(cli) == []
    assert [m.content for m in cli.sandbox.state.messages(LIVE)] == ["what a game"]
    assert not everyone_can_view(cli)
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


def test_an_unreadable_sheet_is_a_warning_and_the_other_games_still_update(cli: SandboxCli) -> None:
    tick(cli)
    kept = scorebugs(cli)[channel_id(cli, "game-1")]
    cli.sandbox.state.sheets.spreadsheets["sheet-one"].readable = False
    cli.sandbox.set_sheet("sheet-two", full_sheet(live_cells(3, 4, 7, 2, header="POR @ WV - Bot 4", half="Bot")))
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0
    assert [(w["item"], w["channel"]) for w in report["warnings"]] == [("#game-1", channel_id(cli, "game-1"))]
    assert "share it with" in report["warnings"][0]["message"]
    assert scorebugs(cli)[channel_id(cli, "game-1")] == kept
    assert voice_statuses(cli)["game-2"] == "POR 7 @ 2 WV"


def test_an_unreadable_holder_keeps_its_scorebug_and_only_its_records_take_a_game_that_ends(cli: SandboxCli) -> None:
    tick(cli)
    kept = scorebugs(cli)[channel_id(cli, "game-1")]
    cli.sandbox.state.sheets.spreadsheets["sheet-one"].readable = False
    cli.sandbox.set_sheet("sheet-two", full_sheet(GAME_2_FINAL))
    cli.sandbox.clear_log()
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0, report
    assert voice_writes(cli) == ["game-2-voice"]
    assert routes(cli) == [
        "DELETE /channels/{channel_id}/messages/{message_id}",
        "PATCH /channels/{channel_id}/messages/{message_id}",
        "PUT /channels/{channel_id}/voice-status",
    ]
    now = scorebugs(cli)[channel_id(cli, "game-1")]
    assert {k: v for k, v in now.items() if k != "url"} == {k: v for k, v in kept.items() if k != "url"}
    assert held(cli, "game-1") == [
        final_record(cli, "game-2", "POR 1 @ 2 WV - FINAL"),
        final_record(cli, "game-3", "NYY 6 @ 5 POR - FINAL"),
    ]
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


def test_a_bad_team_id_is_an_error_for_that_game_only(cli: SandboxCli) -> None:
    cli.sandbox.set_sheet("sheet-one", full_sheet(live_cells(1, 99)))
    report = tick(cli)
    assert report["exit_code"] == 1
    assert [e["item"] for e in report["errors"]] == ["#game-1"]
    assert "home team (cell B6): team 99 is not in the league" in report["errors"][0]["message"]
    assert set(scorebugs(cli)) == {channel_id(cli, "game-2")}


def test_without_the_live_channel_voice_statuses_are_still_set(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = sandbox_cli_factory(scenario(with_live_channel=False), START)
    report = tick(cli)
    assert report["exit_code"] == 0
    assert any("live-scores channel" in w["message"] for w in report["warnings"])
    assert voice_statuses(cli)["game-3"] == "NYY 6 @ 5 POR - FINAL"
    assert voice_statuses(cli)["game-1"] == "BOS 4 @ 3 NYY"


def test_dry_run_reports_the_plan_and_changes_nothing(cli: SandboxCli) -> None:
    result, report = cli.run_json("--dry-run", "scorebug-tick", at=START)
    assert result.exit_code == 0
    kinds = sorted(a["kind"] for a in report["actions"])
    assert kinds.count("post-scorebug") == 2 and kinds.count("set-voice-status") == 3
    assert "show-channel" in kinds and "post-final-scores" not in kinds
    holder = next(a for a in report["actions"] if a["kind"] == "post-scorebug" and a.get("finals"))
    assert holder["target"] == "#game-1" and holder["game_channel"] == channel_id(cli, "game-1")
    assert holder["finals"] == 1
    assert mutating(cli) == []
    assert voice_statuses(cli) == dict.fromkeys(GAMES)


def test_a_dropped_post_is_retried_without_a_duplicate(cli: SandboxCli) -> None:
    cli.sandbox.inject_failure(4, "drop", service="discord")
    tick(cli)
    assert len(scorebugs(cli)) == 2 and len(bot_messages(cli)) == 2


def test_a_tick_that_fails_midway_is_completed_by_the_next_without_duplicates(cli: SandboxCli) -> None:
    for k in range(4, 12):  # the first scorebug post fails through every retry
        cli.sandbox.inject_failure(k, "500", service="discord")
    first = tick(cli)
    assert first["exit_code"] != 0
    assert len(scorebugs(cli)) < 2
    second = tick(cli, minutes=3)
    assert second["exit_code"] == 0, second
    assert len(scorebugs(cli)) == 2 and len(bot_messages(cli)) == 2
    assert voice_statuses(cli)["game-3"] == "NYY 6 @ 5 POR - FINAL"
    assert held(cli, "game-1") == [final_record(cli, "game-3", "NYY 6 @ 5 POR - FINAL")]
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


def test_scorecards_published_after_a_tick_are_picked_up_by_the_next(cli: SandboxCli) -> None:
    state = cli.sandbox.state
    removed = state.scorecards.pop(0)
    tick(cli)
    assert channel_id(cli, "game-1") not in scorebugs(cli)
    state.scorecards.insert(0, Scorecard(removed.text_channel_id, removed.sheet_key, "1", START))
    tick(cli, minutes=3)
    assert channel_id(cli, "game-1") in scorebugs(cli)


def test_a_corrupt_scorecards_file_is_a_config_error_naming_it_and_nothing_changes(cli: SandboxCli) -> None:
    path = cli.workdir / "broken.json"
    path.write_text('{"scorecards": {', encoding="utf-8")
    cli.extra_env["SCORECARDS_FILE"] = str(path)
    result, report = cli.run_json("scorebug-tick", at=START)
    assert result.exit_code == 78
    assert "SCORECARDS_FILE" in report["errors"][0]["message"] and "broken.json" in report["errors"][0]["message"]
    assert bot_messages(cli) == [] and voice_statuses(cli) == dict.fromkeys(GAMES)
    assert not everyone_can_view(cli)


def test_a_pass_without_scorecards_needs_neither_gspread_nor_google_auth(
    cli: SandboxCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    tick(cli)
    cli.extra_env["SCORECARDS_FILE"] = str(cli.workdir / "nothing-here.json")
    heavy = ("gspread", "google.auth", "google.oauth2", "requests")
    for name in [m for m in sys.modules if m in heavy or m.startswith(tuple(f"{h}." for h in heavy))] + list(heavy):
        monkeypatch.setitem(sys.modules, name, None)  # importing it (or a submodule) now raises ImportError
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0, report
    assert bot_messages(cli) == [] and not everyone_can_view(cli)


def test_a_scorebug_discord_refuses_to_edit_any_more_is_replaced(cli: SandboxCli) -> None:
    tick(cli)
    game = channel_id(cli, "game-1")
    old = next(m for m in bot_messages(cli) if (marker(m) or Marker("", "", "")).channel_id == game)
    old.edit_limited = True
    cli.sandbox.set_sheet("sheet-one", full_sheet(live_cells(1, 2, 5, 3, first="A. Runner")))
    report = tick(cli, minutes=63)
    assert report["exit_code"] == 0, report
    assert old.id not in {m.id for m in bot_messages(cli)}
    assert "BOS  5" in scorebugs(cli)[game]["fields"][1]["value"]
    assert len(scorebugs(cli)) == 2


def test_the_tick_never_writes_the_bots_files(cli: SandboxCli) -> None:
    env = cli.env()
    for name in ("SCORECARDS_FILE", "VOICE_CHANNELS_FILE"):
        copy = cli.workdir / f"bot-{name.lower()}.json"
        copy.write_bytes(Path(env[name]).read_bytes())
        cli.extra_env[name] = str(copy)
    before = {name: Path(cli.extra_env[name]).read_bytes() for name in ("SCORECARDS_FILE", "VOICE_CHANNELS_FILE")}
    tick(cli)
    tick(cli, minutes=3)
    after = {name: Path(cli.extra_env[name]).read_bytes() for name in before}
    assert after == before
    assert len(scorebugs(cli)) == 2


def test_a_refused_voice_status_is_retried_each_tick_without_touching_the_scorebug_again(cli: SandboxCli) -> None:
    voice = cli.sandbox.state.channel("game-1-voice")
    voice.bot_denied.add("voice_status")
    first = tick(cli)
    assert first["exit_code"] == 1
    assert [e["item"] for e in first["errors"]] == ["#game-1"]
    assert len(scorebugs(cli)) == 2 and voice_statuses(cli)["game-2"] == "POR 0 @ 2 WV"
    cli.sandbox.clear_log()
    tick(cli, minutes=3)
    assert [str(e.route) for e in mutating(cli)] == ["PUT /channels/{channel_id}/voice-status"]
    voice.bot_denied.discard("voice_status")
    cli.sandbox.clear_log()
    third = tick(cli, minutes=6)
    assert third["exit_code"] == 0
    assert voice_statuses(cli)["game-1"] == "BOS 4 @ 3 NYY"
    assert sorted(str(e.route) for e in mutating(cli)) == [
        "PATCH /channels/{channel_id}/messages/{message_id}",
        "PUT /channels/{channel_id}/voice-status",
    ]
    cli.sandbox.clear_log()
    tick(cli, minutes=9)
    assert mutating(cli) == []


def test_a_live_channel_the_bot_cannot_read_is_an_error_and_voice_statuses_still_update(cli: SandboxCli) -> None:
    cli.sandbox.state.channel(LIVE).bot_denied.add("view")
    report = tick(cli)
    assert report["exit_code"] == 1
    assert "View Channel" in report["errors"][0]["message"]
    assert voice_statuses(cli)["game-3"] == "NYY 6 @ 5 POR - FINAL"
