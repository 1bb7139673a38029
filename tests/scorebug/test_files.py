"""The bot's JSON files: tolerant reads, clear errors, atomic updates that never clobber another writer."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    assert load_voice_links(path, no_sleep).links == {"11": "71"}


def test_an_unreadable_voice_file_is_a_problem_naming_voice_channels_file_not_an_empty_one(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text("[]", encoding="utf-8")
    loaded = load_voice_links(path, no_sleep)
    assert loaded.links == {} and loaded.problem is not None
    assert loaded.problem.startswith("VOICE_CHANNELS_FILE: ") and "v.json" in loaded.problem


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


# --- hostile files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"\xff\xfe garbage", "not UTF-8"),
        (b'{"scorecards": ', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"scorecards": {"1": ' + b"9" * 5000 + b"}}", "not usable JSON"),
        (b'{"scorecards": []}', "must be an object"),
        (b'"just text"', "must hold a JSON object"),
    ],
)
def test_a_garbage_scorecards_file_is_a_config_error_naming_it(tmp_path: Path, raw: bytes, why: str) -> None:
    path = tmp_path / "scorecards.json"
    path.write_bytes(raw)
    with pytest.raises(ConfigError, match=why) as caught:
        load_scorecards(path, no_sleep)
    assert caught.value.setting == "SCORECARDS_FILE"


def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "scorecards.json"
    path.write_bytes(b'{"scorecards": {}, "pad": "' + b"x" * (17 * 1024 * 1024) + b'"}')
    with pytest.raises(ConfigError, match="larger than 16 MiB"):
        load_scorecards(path, no_sleep)


def test_entries_with_wrong_types_or_huge_values_are_each_one_bad_entry_saying_what_to_do(tmp_path: Path) -> None:
    scorecards = {
        "11": card("11"),
        "12": {**card("12"), "sheet_url": 12},
        "13": {**card("13"), "sheet_url": "https://docs.google.com/spreadsheets/d/" + "k" * 5000},
        "14": {**card("14"), "sheet_url": "not a sheet at all"},
        "15": {**card("15"), "text_channel_id": ["15"]},
        "16": {**card("16"), "text_channel_id": "99999999999999999999"},
        "x" * 10_000: card("x"),
        "17": None,
        "18": {**card("18"), "published_at": {"nested": True}, "publisher_id": 42},
    }
    loaded = load_scorecards(write(tmp_path / "s.json", {"scorecards": scorecards}), no_sleep)
    assert [c.text_channel_id for c in loaded.cards] == ["11", "18"]
    assert (loaded.cards[1].published_at, loaded.cards[1].publisher_id) == ("", "")
    problems = {b.key[:5]: b.problem for b in loaded.bad}
    assert sorted(problems) == ["12", "13", "14", "15", "16", "17", "xxxxx"]
    assert "publish the sheet again" in problems["12"] and "5039 characters" in problems["13"]
    assert "neither a Google Sheets URL nor a key" in problems["14"]
    assert "not a Discord channel id" in problems["15"] and "not a Discord channel id" in problems["16"]
    assert "not an object" in problems["17"]


def test_a_channel_published_twice_keeps_its_first_entry_and_repeated_keys_are_noted(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    entries = [("11", card("11")), ("dup", card("11")), ("12", card("12", "A")), ("12", card("12", "B"))]
    body = ", ".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in entries)
    path.write_text(f'{{"scorecards": {{{body}}}}}', encoding="utf-8")
    loaded = load_scorecards(path, no_sleep)
    assert [(c.text_channel_id, c.sheet_url) for c in loaded.cards] == [("11", card("11")["sheet_url"]), ("12", "B")]
    assert [(b.key, "already published by entry '11'" in b.problem) for b in loaded.bad] == [("dup", True)]
    assert loaded.duplicates == ("12",)


def test_bad_voice_entries_are_listed_and_their_channels_are_uncertain(tmp_path: Path) -> None:
    section = {
        "71": {"channel_id": "71", "text_channel_id": "11"},
        "72": "garbage",
        "73": {"channel_id": "73", "text_channel_id": {"id": 12}},
        "zz": {"channel_id": "zz", "text_channel_id": "13"},
        "74": {"channel_id": 74, "text_channel_id": 14},
    }
    loaded = load_voice_links(write(tmp_path / "v.json", {"voice_channels": section}), no_sleep)
    assert loaded.links == {"11": "71", "14": "74"}
    assert sorted(b.key for b in loaded.bad) == ["72", "73", "zz"]
    assert loaded.uncertain == frozenset({"72", "73"})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=25,
)
SECTION = st.dictionaries(
    st.text(max_size=20) | st.sampled_from(["11", "12", "71"]),
    JSON | st.fixed_dictionaries({"text_channel_id": JSON, "sheet_url": JSON, "channel_id": JSON}),
    max_size=6,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(JSON, st.fixed_dictionaries({"scorecards": JSON | SECTION, "voice_channels": JSON | SECTION})))
def test_any_json_in_the_bot_files_gives_entries_or_the_documented_errors(tmp_path_factory: Any, data: Any) -> None:
    path = tmp_path_factory.mktemp("bot") / "file.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        cards = load_scorecards(path, no_sleep)
    except ConfigError as exc:
        assert exc.setting == "SCORECARDS_FILE"
    else:
        assert all(c.text_channel_id.isdigit() and c.sheet_url for c in cards.cards)
    voice = load_voice_links(path, no_sleep)
    assert voice.problem is None or voice.problem.startswith("VOICE_CHANNELS_FILE")
    assert all(text.isdigit() and channel.isdigit() for text, channel in voice.links.items())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_bytes_in_the_bot_files_give_entries_or_the_documented_errors(tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("bot") / "file.json"
    path.write_bytes(raw)
    try:
        load_scorecards(path, no_sleep)
    except ConfigError as exc:
        assert exc.setting == "SCORECARDS_FILE"
    assert load_voice_links(path, no_sleep).links is not None
