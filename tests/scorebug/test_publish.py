"""scorecards list|publish|unpublish against the sandbox, and the round trip through scorebug-tick."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SandboxCli
from tests.scorebug.cells import full_sheet, live_cells
from tests.scorebug.test_tick_sandbox import LIVE, bot_messages, scenario, scorebugs

AT = datetime(2026, 7, 4, 19, 0, tzinfo=UTC)
URL = "https://docs.google.com/spreadsheets/d/sheet-one/edit#gid=0"


@pytest.fixture
def cli(sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path) -> SandboxCli:
    world = scenario()
    world["scorecards"] = []
    world["sheets"]["closed"] = {"tabs": {"Scorebug": full_sheet(live_cells())}, "readable": False}
    world["sheets"]["no-teams"] = {"tabs": {"Scorebug": full_sheet({"B2": "not a scorecard"})}}
    world["sheets"]["other-tab"] = {"tabs": {"Sheet1": [["x"]]}}
    path = tmp_path / "data" / "scorecards.json"
    path.parent.mkdir()
    return sandbox_cli_factory(world, AT, SCORECARDS_FILE=str(path))


def file_of(cli: SandboxCli) -> Path:
    return Path(cli.extra_env["SCORECARDS_FILE"])


def published(cli: SandboxCli) -> dict[str, Any]:
    path = file_of(cli)
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["scorecards"]
    return data


def game_id(cli: SandboxCli, name: str = "game-1") -> str:
    return str(cli.sandbox.state.channel(name).id)


def test_publish_writes_the_bots_layout_for_the_named_channel(cli: SandboxCli) -> None:
    result, report = cli.run_json("scorecards", "publish", "#game-1", URL, at=AT)
    assert result.exit_code == 0, report
    entry = published(cli)[game_id(cli)]
    assert entry == {
        "text_channel_id": game_id(cli),
        "sheet_url": URL,
        "published_at": entry["published_at"],
        "last_updated": entry["published_at"],
        "publisher_id": cli.sandbox.state.discord.bot_id,
    }
    assert abs(datetime.fromisoformat(entry["published_at"]) - AT) < timedelta(seconds=5)
    assert file_of(cli).read_text(encoding="utf-8").startswith('{\n  "scorecards": {\n')
    assert [a["kind"] for a in report["actions"]] == ["publish-scorecard"]


@pytest.mark.parametrize("reference", ["<#{id}>", "{id}", "game-1"])
def test_a_channel_can_be_given_by_id_mention_or_name(cli: SandboxCli, reference: str) -> None:
    result = cli.run("scorecards", "publish", reference.format(id=game_id(cli)), "sheet-one", at=AT)
    assert result.exit_code == 0
    assert list(published(cli)) == [game_id(cli)]


@pytest.mark.parametrize(
    ("sheet", "why"),
    [("closed", "share it with"), ("no-teams", "does not describe a game"), ("other-tab", "no Scorebug tab")],
)
def test_a_sheet_that_does_not_open_or_parse_is_not_published(cli: SandboxCli, sheet: str, why: str) -> None:
    result, report = cli.run_json("scorecards", "publish", "game-1", sheet, at=AT)
    assert result.exit_code == 1
    assert why in report["errors"][0]["message"]
    assert not file_of(cli).exists()


def test_an_unknown_channel_is_a_usage_error(cli: SandboxCli) -> None:
    result = cli.run("scorecards", "publish", "no-such-channel", URL, at=AT)
    assert result.exit_code == 64
    assert not file_of(cli).exists()


def test_publishing_the_same_sheet_again_changes_nothing(cli: SandboxCli) -> None:
    cli.run("scorecards", "publish", "game-1", URL, at=AT)
    before = file_of(cli).read_bytes()
    result, report = cli.run_json("scorecards", "publish", "game-1", URL, at=AT)
    assert result.exit_code == 0 and report["actions"] == [] and report["skipped"]
    assert file_of(cli).read_bytes() == before


def test_dry_run_publish_validates_but_writes_nothing(cli: SandboxCli) -> None:
    result, report = cli.run_json("--dry-run", "scorecards", "publish", "game-1", URL, at=AT)
    assert result.exit_code == 0 and [a["kind"] for a in report["actions"]] == ["publish-scorecard"]
    assert not file_of(cli).exists()


def test_unpublish_by_id_removes_only_that_channel(cli: SandboxCli) -> None:
    cli.run("scorecards", "publish", "game-1", URL, at=AT)
    cli.run("scorecards", "publish", "game-2", "sheet-two", at=AT)
    result = cli.run("scorecards", "unpublish", game_id(cli), at=AT)
    assert result.exit_code == 0
    assert list(published(cli)) == [game_id(cli, "game-2")]
    again, report = cli.run_json("scorecards", "unpublish", game_id(cli), at=AT)
    assert again.exit_code == 0 and report["actions"] == [] and report["skipped"]


def test_list_shows_what_is_published(cli: SandboxCli) -> None:
    cli.run("scorecards", "publish", "game-1", URL, at=AT)
    result, report = cli.run_json("scorecards", "list", at=AT)
    assert result.exit_code == 0
    bot = cli.sandbox.state.discord.bot_id
    assert report["details"]["scorecards"] == [
        {
            "channel": "#game-1",
            "channel_id": game_id(cli),
            "sheet_url": URL,
            "published_at": published(cli)[game_id(cli)]["published_at"],
            "publisher": "@" + cli.sandbox.state.user(bot).username,
            "publisher_id": bot,
        }
    ]
    text = cli.run("scorecards", "list", at=AT).stdout
    assert "channel=#game-1" in text and f"channel={game_id(cli)} " not in text


def test_publish_then_tick_shows_the_game_and_unpublish_then_tick_removes_it_and_clears_its_voice_status(
    cli: SandboxCli,
) -> None:
    assert cli.run("scorecards", "publish", "game-1", URL, at=AT).exit_code == 0
    assert cli.run("scorebug-tick", at=AT).exit_code == 0
    assert list(scorebugs(cli)) == [game_id(cli)]
    assert cli.sandbox.state.voice_status("game-1-voice") == "BOS 4 @ 3 NYY"
    result, report = cli.run_json("scorecards", "unpublish", "game-1", at=AT)
    assert result.exit_code == 0 and "#game-1" in report["summary"] and "voice status" in report["summary"]
    cli.sandbox.clear_log()
    result, report = cli.run_json("scorebug-tick", at=AT + timedelta(minutes=3))
    assert result.exit_code == 0, report
    assert bot_messages(cli) == []
    assert cli.sandbox.state.voice_status("game-1-voice") is None
    assert [(a["kind"], a["target"]) for a in report["actions"] if "voice" in a["kind"]] == [
        ("clear-voice-status", "#game-1-voice")
    ]
    cli.sandbox.clear_log()
    assert cli.run("scorebug-tick", at=AT + timedelta(minutes=6)).exit_code == 0
    assert not [e for e in cli.sandbox.request_log if e.mutating]
    overwrite = cli.sandbox.state.overwrites(LIVE)[cli.sandbox.state.discord.guild_id]
    assert int(overwrite["deny"]) & 1024


def test_a_bare_key_is_stored_as_the_sheets_full_url_the_bot_can_open(cli: SandboxCli) -> None:
    assert cli.run("scorecards", "publish", "game-1", "sheet-one", at=AT).exit_code == 0
    assert published(cli)[game_id(cli)]["sheet_url"] == "https://docs.google.com/spreadsheets/d/sheet-one/edit"


@pytest.mark.parametrize(
    "url", ["https://evil.example/spreadsheets/d/sheet-one/edit", "ftp://docs.google.com/spreadsheets/d/x"]
)
def test_a_url_that_is_not_google_sheets_is_a_usage_error(cli: SandboxCli, url: str) -> None:
    result = cli.run("scorecards", "publish", "game-1", url, at=AT)
    assert result.exit_code == 64 and "not a Google Sheets URL" in result.stdout + result.stderr
    assert not file_of(cli).exists()


def test_a_sheet_published_for_another_channel_is_refused_naming_that_channel(cli: SandboxCli) -> None:
    assert cli.run("scorecards", "publish", "game-1", URL, at=AT).exit_code == 0
    before = file_of(cli).read_bytes()
    cli.sandbox.clear_log()
    result, report = cli.run_json("scorecards", "publish", "game-2", "sheet-one", at=AT)
    assert result.exit_code == 1
    (error,) = report["errors"]
    assert error["item"] == "#game-2" and "already published for #game-1" in error["message"]
    assert "unpublish" in error["message"]
    assert file_of(cli).read_bytes() == before
    assert not [e for e in cli.sandbox.request_log if e.service == "sheets"]  # refused before reading the sheet


def test_the_same_sheet_in_another_form_for_the_same_channel_is_already_published(cli: SandboxCli) -> None:
    cli.run("scorecards", "publish", "game-1", URL, at=AT)
    result, report = cli.run_json("scorecards", "publish", "#game-1", "sheet-one", at=AT)
    assert result.exit_code == 0 and report["actions"] == [] and report["skipped"][0]["item"] == "#game-1"
    assert published(cli)[game_id(cli)]["sheet_url"] == URL


@pytest.mark.parametrize(
    "args",
    [("scorecards", "publish", "game-2", "sheet-two"), ("scorecards", "unpublish", "game-1"), ("scorebug-tick",)],
)
def test_dry_run_makes_no_mutating_request_and_leaves_the_bots_files_alone(
    cli: SandboxCli, args: tuple[str, ...]
) -> None:
    voice = cli.workdir / "bot-voice-channels.json"
    voice.write_bytes(Path(cli.env()["VOICE_CHANNELS_FILE"]).read_bytes())  # the harness rewrites its own copy
    cli.extra_env["VOICE_CHANNELS_FILE"] = str(voice)
    assert cli.run("scorecards", "publish", "game-1", URL, at=AT).exit_code == 0
    assert cli.run("scorebug-tick", at=AT).exit_code == 0
    cli.sandbox.set_sheet("sheet-one", full_sheet(live_cells(1, 2, 9, 3)))
    files = [file_of(cli), voice]
    before = [(path.read_bytes(), path.stat().st_mtime_ns) for path in files]
    cli.sandbox.clear_log()
    result, report = cli.run_json("--dry-run", *args, at=AT + timedelta(minutes=3))
    assert result.exit_code == 0, report
    assert report["actions"]  # the plan is reported...
    assert [(e.method, e.path) for e in cli.sandbox.request_log if e.mutating] == []  # ...and nothing is done
    assert [(path.read_bytes(), path.stat().st_mtime_ns) for path in files] == before


def test_list_works_without_discord_and_says_why_channels_are_shown_by_id(cli: SandboxCli) -> None:
    cli.run("scorecards", "publish", "game-1", URL, at=AT)
    cli.extra_env["DISCORD_BOT_TOKEN"] = ""
    result, report = cli.run_json("scorecards", "list", at=AT)
    assert result.exit_code == 0, report
    assert [row["channel"] for row in report["details"]["scorecards"]] == [f"channel {game_id(cli)}"]
    (warning,) = report["warnings"]
    assert "channel names are not shown" in warning["message"] and "DISCORD_BOT_TOKEN" in warning["message"]
