"""The bot's JSON files: tolerant reads, clear errors, atomic updates that never clobber another writer."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from leaguectl.errors import ConfigError
from leaguectl.scorebug.files import (
    ConcurrentChange,
    JsonObject,
    load_scorecards,
    load_voice_links,
    update_scorecards,
)


def no_sleep(seconds: float) -> None:
    return None


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def card(channel_id: str, url: str = "https://docs.google.com/spreadsheets/d/K/edit") -> dict[str, str]:
    return {
        "text_channel_id": channel_id,
        "sheet_url": url,
        "published_at": "2026-07-04T18:00:00+00:00",
        "last_updated": "2026-07-04T18:00:00+00:00",
        "publisher_id": "42",
    }


def test_a_missing_scorecards_file_means_no_games(tmp_path: Path) -> None:
    assert load_scorecards(tmp_path / "absent.json", no_sleep).cards == ()


def test_a_corrupt_file_is_a_config_error_naming_the_setting_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "scorecards.json"
    path.write_text('{"scorecards": {"1": ', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"scorecards\.json is not valid JSON") as caught:
        load_scorecards(path, no_sleep)
    assert caught.value.setting == "SCORECARDS_FILE"


def test_a_file_caught_half_written_is_read_again_after_a_pause(tmp_path: Path) -> None:
    path = tmp_path / "scorecards.json"
    path.write_text('{"scorecards": {"1', encoding="utf-8")
    pauses: list[float] = []

    def writer_finishes(seconds: float) -> None:
        pauses.append(seconds)
        write(path, {"scorecards": {"11": card("11")}})

    assert [c.text_channel_id for c in load_scorecards(path, writer_finishes).cards] == ["11"]
    assert pauses == [1.0]


def test_a_bad_entry_is_reported_and_the_others_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json", {"scorecards": {"11": card("11"), "12": {"text_channel_id": "12"}, "x": "?"}})
    loaded = load_scorecards(path, no_sleep)
    assert [c.text_channel_id for c in loaded.cards] == ["11"]
    assert sorted(b.key for b in loaded.bad) == ["12", "x"]


def test_voice_links_take_the_first_voice_channel_of_a_text_channel(tmp_path: Path) -> None:
    def link(voice: str, text: str | None) -> dict[str, Any]:
        return {"channel_id": voice, "guild_id": "1", "name": "v", "type": "public", "text_channel_id": text}

    path = write(
        tmp_path / "v.json",
        {"voice_channels": {"71": link("71", "11"), "72": link("72", "11"), "73": link("73", None)}},
    )
    assert load_voice_links(path, no_sleep) == {"11": "71"}


def test_voice_file_errors_name_voice_channels_file(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_voice_links(path, no_sleep)
    assert caught.value.setting == "VOICE_CHANNELS_FILE"


def add(channel_id: str) -> Any:
    def change(section: JsonObject) -> tuple[None, bool]:
        section[channel_id] = card(channel_id)
        return None, True

    return change


def test_an_update_keeps_other_entries_unknown_keys_and_the_file_mode(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json", {"scorecards": {"11": {**card("11"), "extra": 1}}, "schema": 3})
    os.chmod(path, 0o640)
    update_scorecards(path, add("12"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == 3 and data["scorecards"]["11"]["extra"] == 1 and set(data["scorecards"]) == {"11", "12"}
    assert path.stat().st_mode & 0o777 == 0o640
    assert path.read_text(encoding="utf-8").startswith('{\n  "scorecards": {\n    "11": {')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_a_change_made_by_another_writer_meanwhile_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json", {"scorecards": {"11": card("11")}})
    calls: list[int] = []

    def change(section: JsonObject) -> tuple[None, bool]:
        calls.append(len(calls))
        if len(calls) == 1:  # the bot publishes game 13 while we are preparing our write
            write(path, {"scorecards": {"11": card("11"), "13": card("13")}})
        section["12"] = card("12")
        return None, True

    update_scorecards(path, change)
    assert set(json.loads(path.read_text(encoding="utf-8"))["scorecards"]) == {"11", "12", "13"}
    assert len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_a_file_that_never_stops_changing_is_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json", {"scorecards": {}})

    def change(section: JsonObject) -> tuple[None, bool]:
        path.write_text(json.dumps({"scorecards": {}, "n": os.urandom(4).hex()}), encoding="utf-8")
        section["12"] = card("12")
        return None, True

    with pytest.raises(ConcurrentChange):
        update_scorecards(path, change)
    assert "12" not in json.loads(path.read_text(encoding="utf-8"))["scorecards"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_a_corrupt_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{broken", encoding="utf-8")
    with pytest.raises(ConfigError, match="SCORECARDS_FILE"):
        update_scorecards(path, add("12"))
    assert path.read_text(encoding="utf-8") == "{broken"


def test_updating_in_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        update_scorecards(tmp_path / "nope" / "s.json", add("12"))


def test_a_new_file_is_created_in_the_bots_layout(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    update_scorecards(path, add("12"))
    assert json.loads(path.read_text(encoding="utf-8")) == {"scorecards": {"12": card("12")}}
