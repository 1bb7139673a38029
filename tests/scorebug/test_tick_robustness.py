"""scorebug-tick against the sandbox when the world is hostile or busy.

What members read, the bot's other messages, a long channel, unpublished
games' voice statuses, broken sheets, teams and files, two hosts at once,
Discord's nonce window, and an upgrade from leaguectl 0.1.0.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from leaguectl.scorebug import tick as tick_module
from tests.conftest import SandboxCli
from tests.scorebug.cells import full_sheet, live_cells
from tests.scorebug.test_tick_sandbox import (
    GAMES,
    GUILD,
    LIVE,
    OTHER_USER,
    START,
    bot_messages,
    channel_id,
    everyone_can_view,
    ledgers,
    mutating,
    scenario,
    scorebugs,
    tick,
    voice_statuses,
    voice_writes,
)

SNOWFLAKE = re.compile(r"\d{17,20}")
GAME_1_FINAL = live_cells(1, 2, 4, 3, header="BOS @ NYY FINAL", half="Bot", inning=9)
GAME_2_FINAL = live_cells(3, 4, 1, 2, header="POR @ WV FINAL", half="Top", inning=9)


@pytest.fixture
def cli(sandbox_cli_factory: Callable[..., SandboxCli]) -> SandboxCli:
    return sandbox_cli_factory(scenario(), START)


def visible_texts(message: Any) -> list[str]:
    """Every text Discord shows of a message: content, and each embed's title, description, fields, footer, author."""
    texts = [message.content]
    for embed in message.embeds:
        texts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for field in embed.get("fields") or []:
            texts += [str(field.get("name") or ""), str(field.get("value") or "")]
        texts += [
            str((embed.get("footer") or {}).get("text") or ""),
            str((embed.get("author") or {}).get("name") or ""),
        ]
    return [text for text in texts if text]


def test_nothing_a_member_reads_in_the_live_channel_shows_an_id_or_a_record(cli: SandboxCli) -> None:
    seen: dict[str, list[str]] = {}

    def snapshot() -> None:
        for message in bot_messages(cli):
            seen.setdefault(message.id, []).extend(visible_texts(message))

    tick(cli)  # two live scorebugs, one holding game 3's final record
    snapshot()
    cli.sandbox.set_sheet("sheet-one", full_sheet(GAME_1_FINAL))
    cli.sandbox.set_sheet("sheet-two", full_sheet(GAME_2_FINAL))
    tick(cli, minutes=3)  # every game final: the "Final scores" message in the hidden channel
    snapshot()
    assert len(ledgers(cli)) == 1 and seen
    texts = [text for message_texts in seen.values() for text in message_texts]
    assert [text for text in texts if SNOWFLAKE.search(text)] == []
    assert not any(word in text for text in texts for word in ("voice ", "game 2", "final 2", "leaguectl"))
    assert ledgers(cli)[0].embeds[0]["description"].splitlines() == [
        "BOS 4 @ 3 NYY - FINAL",
        "POR 1 @ 2 WV - FINAL",
        "NYY 6 @ 5 POR - FINAL",
    ]
    for message in bot_messages(cli):  # the records are in the link, which opens a channel of the guild
        assert str(message.embeds[0]["url"]).startswith(f"https://discord.com/channels/{GUILD}/")


def test_the_bots_other_messages_in_the_live_channel_survive_every_tick(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    rules = {
        "channel": LIVE,
        "author": "bot",
        "content": "Live scores only. Chat in #general.",
        "timestamp": "2026-07-01T12:00:00Z",
    }
    notice = {
        "channel": LIVE,
        "author": "bot",
        "embeds": [{"title": "Playoff bracket", "description": "Seeds are final.", "footer": {"text": "game 1 of 7"}}],
        "timestamp": "2026-07-02T12:00:00Z",
    }
    cli = sandbox_cli_factory(scenario(extra_messages=[rules, notice]), START)
    kept = {m.id: (m.content, m.embeds) for m in bot_messages(cli)}
    tick(cli)
    cli.sandbox.set_sheet("sheet-one", full_sheet(GAME_1_FINAL))
    tick(cli, minutes=3)
    cli.sandbox.state.scorecards.clear()
    report = tick(cli, minutes=6)
    assert report["exit_code"] == 0, report
    assert {m.id: (m.content, m.embeds) for m in bot_messages(cli)} == kept
    assert scorebugs(cli) == {} and not everyone_can_view(cli)


def test_scorebugs_under_150_newer_messages_are_still_found_and_edited_in_place(cli: SandboxCli) -> None:
    tick(cli)
    before = {m.id for m in bot_messages(cli)}
    state = cli.sandbox.state
    for number in range(150):
        state.add_message(
            LIVE, f"what a game {number}", author=OTHER_USER, timestamp=START + timedelta(seconds=10 + number)
        )
    cli.sandbox.set_sheet("sheet-one", full_sheet(live_cells(1, 2, 4, 5, win="70%", first="A. Runner")))
    cli.sandbox.clear_log()
    report = tick(cli, minutes=5)
    assert report["exit_code"] == 0, report
    assert {m.id for m in bot_messages(cli)} == before
    assert sorted(str(e.route) for e in mutating(cli)) == [
        "PATCH /channels/{channel_id}/messages/{message_id}",
        "PUT /channels/{channel_id}/voice-status",
    ]
    pages = [e for e in cli.sandbox.request_log if e.method == "GET" and e.path.endswith("/messages")]
    assert len(pages) == 2 and report["warnings"] == []


def test_the_search_of_a_very_long_channel_is_bounded_and_says_so(
    cli: SandboxCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tick_module, "SCAN_LIMIT", 120)
    tick(cli)
    for number in range(130):
        cli.sandbox.state.add_message(
            LIVE, f"chat {number}", author=OTHER_USER, timestamp=START + timedelta(seconds=number)
        )
    cli.sandbox.clear_log()
    report = tick(cli, minutes=3)
    pages = [e for e in cli.sandbox.request_log if e.method == "GET" and e.path.endswith("/messages")]
    assert len(pages) == 2
    assert any("only the newest 120 messages of #live-sba-scores" in w["message"] for w in report["warnings"])


def test_a_game_the_bot_unpublishes_has_its_scorebug_removed_and_its_voice_status_cleared(cli: SandboxCli) -> None:
    tick(cli)
    assert voice_statuses(cli)["game-1"] == "BOS 4 @ 3 NYY" and voice_statuses(cli)["game-3"].endswith("- FINAL")
    state = cli.sandbox.state
    state.scorecards[:] = [card for card in state.scorecards if card.text_channel_id == channel_id(cli, "game-2")]
    cli.sandbox.clear_log()
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0, report
    assert voice_statuses(cli) == {"game-1": None, "game-2": "POR 0 @ 2 WV", "game-3": None}
    assert set(scorebugs(cli)) == {channel_id(cli, "game-2")} and len(bot_messages(cli)) == 1
    assert voice_writes(cli) == ["game-1-voice", "game-3-voice"]
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


def test_a_voice_channel_deleted_with_its_game_needs_no_clearing(cli: SandboxCli) -> None:
    tick(cli)
    state = cli.sandbox.state
    del state.discord.channels[channel_id(cli, "game-1-voice")]
    state.scorecards[:] = [card for card in state.scorecards if card.text_channel_id != channel_id(cli, "game-1")]
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0, report
    assert channel_id(cli, "game-1") not in scorebugs(cli)


def test_a_600_digit_score_and_a_600_character_team_name_stop_only_their_own_game(cli: SandboxCli) -> None:
    cli.sandbox.state.league.teams[4]["abbrev"] = "W" * 600
    cli.sandbox.set_sheet("sheet-one", full_sheet({**live_cells(), "D5": "6" * 600}))
    report = tick(cli)
    assert report["exit_code"] == 1
    (error,) = report["errors"]
    assert error["item"] == "#game-1" and "away score in D5" in error["message"] and "fix the cell" in error["message"]
    assert len(error["message"]) < 300
    assert set(scorebugs(cli)) == {channel_id(cli, "game-2")}
    wv = scorebugs(cli)[channel_id(cli, "game-2")]
    assert "W" * 11 + "…" in wv["fields"][0]["value"] and all(len(f["value"]) <= 1024 for f in wv["fields"])
    assert voice_statuses(cli)["game-2"] == "POR 0 @ 2 " + "W" * 11 + "…"
    assert voice_statuses(cli)["game-3"] == "NYY 6 @ 5 POR - FINAL"


def test_a_garbage_voice_file_is_one_error_and_the_scorebugs_still_update(cli: SandboxCli) -> None:
    tick(cli)
    broken = cli.workdir / "broken-voice.json"
    broken.write_text('{"voice_channels": [1, 2', encoding="utf-8")
    cli.extra_env["VOICE_CHANNELS_FILE"] = str(broken)
    cli.sandbox.set_sheet("sheet-one", full_sheet(live_cells(1, 2, 7, 3)))
    cli.sandbox.state.scorecards.pop()  # game 3 unpublished meanwhile: its status is not cleared blindly
    cli.sandbox.clear_log()
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 1
    (error,) = report["errors"]
    assert error["message"].startswith("VOICE_CHANNELS_FILE: ") and "broken-voice.json" in error["message"]
    assert "BOS  7" in scorebugs(cli)[channel_id(cli, "game-1")]["fields"][1]["value"]
    assert voice_writes(cli) == []
    assert voice_statuses(cli)["game-1"] == "BOS 4 @ 3 NYY" and voice_statuses(cli)["game-3"].endswith("FINAL")


def test_a_scorecards_file_with_bad_and_duplicate_entries_still_shows_the_good_games(cli: SandboxCli) -> None:
    env = cli.env()
    data = json.loads(Path(env["SCORECARDS_FILE"]).read_text(encoding="utf-8"))
    good = data["scorecards"]
    body = ", ".join(f'"{key}": {json.dumps(value)}' for key, value in good.items())
    first = next(iter(good))
    text = f'{{"scorecards": {{{body}, "{first}": {json.dumps(good[first])}, "junk": 7, "": {{"sheet_url": []}}}}}}'
    path = cli.workdir / "hostile-scorecards.json"
    path.write_text(text, encoding="utf-8")
    cli.extra_env["SCORECARDS_FILE"] = str(path)
    report = tick(cli)
    assert report["exit_code"] == 1
    assert sorted(e["item"] for e in report["errors"]) == ["''", "'junk'"]
    assert any("repeats the key" in w["message"] for w in report["warnings"])
    assert set(scorebugs(cli)) == {channel_id(cli, "game-1"), channel_id(cli, "game-2")}


def test_two_ticks_at_once_on_two_hosts_leave_one_scorebug_per_game(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = sandbox_cli_factory(scenario(), START)
    tick(alone)
    cli = sandbox_cli_factory(scenario(), START)
    other_dir = tmp_path / "second-host"
    other_dir.mkdir()
    second = SandboxCli(sandbox=cli.sandbox, workdir=other_dir, extra_env={})  # its own LOCK_DIR
    both_have_read = threading.Barrier(2)
    real_read = tick_module.read_live_channel

    def read_then_wait(*args: Any) -> Any:
        view = real_read(*args)
        both_have_read.wait(timeout=30)  # both passes plan from the same empty channel
        return view

    monkeypatch.setattr(tick_module, "read_live_channel", read_then_wait)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda host=host: results.append(host.run("scorebug-tick", at=START).exit_code))
        for host in (cli, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [0, 0]
    posts = [e for e in cli.sandbox.request_log if e.method == "POST" and e.path.endswith("/messages")]
    assert len(posts) == 4  # each host posted both scorebugs...
    assert len(bot_messages(cli)) == len(scorebugs(cli)) == 2  # ...and Discord kept one of each
    assert cli.sandbox.state.normalized_snapshot() == alone.sandbox.state.normalized_snapshot()


def test_a_scorebug_deleted_by_a_moderator_inside_discords_nonce_window_is_posted_again(cli: SandboxCli) -> None:
    tick(cli)
    game = channel_id(cli, "game-2")
    state = cli.sandbox.state
    gone = next(m for m in bot_messages(cli) if (m.embeds[0].get("url") or "").split("#")[0].endswith(game))
    del state.discord.messages[gone.id]
    report = tick(cli, minutes=2)
    assert report["exit_code"] == 0, report
    assert set(scorebugs(cli)) == {channel_id(cli, "game-1"), game} and len(bot_messages(cli)) == 2


def test_the_scorebugs_of_leaguectl_0_1_are_taken_over_without_rewriting_a_voice_status(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = sandbox_cli_factory(scenario(), START)
    tick(cli)
    g1, g1v, g3, g3v = (channel_id(cli, n) for n in ("game-1", "game-1-voice", "game-3", "game-3-voice"))
    for message in bot_messages(cli):  # what 0.1.0 wrote: records in a visible footer, no link
        embed = message.embeds[0]
        game = str(embed.pop("url")).split("#")[0].rsplit("/", 1)[1]
        voice = g1v if game == g1 else channel_id(cli, "game-2-voice")
        status = "BOS 4 @ 3 NYY" if game == g1 else "POR 0 @ 2 WV"
        footer = f"game {game} · voice {voice}: {status}"
        if game == g1:
            footer += f"\nfinal {g3} · voice {g3v}: NYY 6 @ 5 POR - FINAL"
        embed["footer"] = {"text": footer}
    cli.sandbox.clear_log()
    report = tick(cli, minutes=3)
    assert report["exit_code"] == 0, report
    assert voice_writes(cli) == []
    assert sorted(a["kind"] for a in report["actions"]) == ["edit-scorebug", "edit-scorebug"]
    assert all("footer" not in embed for embed in scorebugs(cli).values()) and len(bot_messages(cli)) == 2
    cli.sandbox.clear_log()
    tick(cli, minutes=6)
    assert mutating(cli) == []


def test_an_overwrite_changed_during_the_pass_is_kept_when_the_channel_is_shown(
    cli: SandboxCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_messages = 1 << 11
    real_read_games = tick_module.read_games

    def admin_edits_meanwhile(*args: Any) -> Any:
        games = real_read_games(*args)
        cli.sandbox.state.channel(LIVE).permission_overwrites[GUILD]["deny"] = str(1024 | send_messages)
        return games

    monkeypatch.setattr(tick_module, "read_games", admin_edits_meanwhile)
    report = tick(cli)
    assert report["exit_code"] == 0, report
    overwrite = cli.sandbox.state.overwrites(LIVE)[GUILD]
    assert everyone_can_view(cli) and int(overwrite["deny"]) == send_messages


def test_text_in_the_inning_and_probability_cells_falls_back_to_the_bots_defaults(cli: SandboxCli) -> None:
    for key, _ in GAMES.values():
        cli.sandbox.set_sheet(key, full_sheet({**live_cells(), "G5": "x" * 600, "D8": "1e999"}))
    report = tick(cli)
    assert report["exit_code"] == 0, report
    assert [row["state"] for row in report["details"]["games"]] == ["live", "live", "live"]


def test_a_huge_scorecards_file_costs_fifty_sheet_reads_and_a_bounded_report(cli: SandboxCli) -> None:
    data = json.loads(Path(cli.env()["SCORECARDS_FILE"]).read_text(encoding="utf-8"))
    entries = dict(data["scorecards"])
    template = next(iter(entries.values()))
    for number in range(60):
        channel = str(300000000000000000 + number)
        entries[channel] = {**template, "text_channel_id": channel}
    for number in range(500):
        entries[f"junk-{number}"] = number
    path = cli.workdir / "huge-scorecards.json"
    path.write_text(json.dumps({"scorecards": entries}), encoding="utf-8")
    cli.extra_env["SCORECARDS_FILE"] = str(path)
    cli.sandbox.clear_log()
    report = tick(cli)
    assert report["exit_code"] == 1
    sheet_reads = [e for e in cli.sandbox.request_log if e.service == "sheets" and e.method == "GET"]
    assert len(sheet_reads) == 50
    assert len(report["errors"]) == 22  # 20 entries, "500 - 20 more", "only the first 50 are read"
    assert any("480 more unusable" in e["message"] for e in report["errors"])
    assert any("only the first 50 are read" in e["message"] for e in report["errors"])
    assert len(report["details"]["games"]) == 50
    assert set(scorebugs(cli)) >= {channel_id(cli, "game-1"), channel_id(cli, "game-2")}
