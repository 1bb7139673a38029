"""The scorebug-tick planner: what to write given the games and the bot's own messages."""

from __future__ import annotations

from typing import Any

from leaguectl.scorebug.embed import TeamLook
from leaguectl.scorebug.parse import parse_scorebug
from leaguectl.scorebug.plan import (
    LEDGER_FOOTER,
    VIEW_CHANNEL,
    ChannelView,
    EditScorebug,
    FinalLine,
    Game,
    PostScorebug,
    SetVoiceStatus,
    UnknownGame,
    VoiceRecord,
    footer_text,
    ledger_embed,
    parse_footer,
    plan_tick,
    read_channel,
)
from tests.scorebug.cells import b2s20, live_cells

BOT = "900"
GUILD = "100"
BOS, NYY, POR, WV = TeamLook("BOS", 1), TeamLook("NYY", 2), TeamLook("POR", 3), TeamLook("WV", 4)
COLOR = 0xA6CE39


def game(game_id: str, voice: str | None = None, *, final: bool = False, **cells: Any) -> Game:
    data = live_cells(header="FINAL" if final else "Top 7", **cells)
    return Game(game_id, parse_scorebug(b2s20(data)), BOS, NYY, voice)


def message(message_id: str, embed: dict[str, Any], author: str = BOT, content: str = "") -> dict[str, Any]:
    return {"id": message_id, "author": {"id": author}, "content": content, "embeds": [embed]}


def scorebug_message(message_id: str, g: Game, record: VoiceRecord | None) -> dict[str, Any]:
    return message(message_id, g.embed(record))


def ledger_message(message_id: str, lines: list[FinalLine]) -> dict[str, Any]:
    return message(message_id, ledger_embed(lines, COLOR))


def channel(messages: list[dict[str, Any]], *, visible: bool | None = True, allow: int = 0) -> ChannelView:
    overwrites = []
    if visible is not None:
        bits = {"allow": str(allow | VIEW_CHANNEL), "deny": "0"} if visible else {"allow": "0", "deny": "1024"}
        overwrites.append({"id": GUILD, "type": 0, **bits})
    return read_channel("500", messages, BOT, overwrites, GUILD)


def test_footer_round_trips_the_game_and_the_voice_record() -> None:
    record = VoiceRecord("77", "BOS 4 @ 3 NYY")
    assert parse_footer(footer_text("12", record)) == ("12", record)
    assert parse_footer(footer_text("12", None)) == ("12", None)
    assert parse_footer("Powered by something") is None


def test_first_tick_posts_one_scorebug_per_live_game_sets_voices_and_shows_the_channel() -> None:
    games = [game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)]
    plan = plan_tick(games, channel([], visible=False), ledger_color=COLOR)
    assert [type(a) for a in plan.scorebugs] == [PostScorebug, PostScorebug]
    assert plan.voice == [
        SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY"),
        SetVoiceStatus("12", "72", "BOS 1 @ 3 NYY"),
        SetVoiceStatus("13", "73", "BOS 4 @ 3 NYY - FINAL"),
    ]
    assert plan.ledger is not None and plan.ledger.message_id is None
    assert plan.ledger.lines == (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", "73"),)
    assert plan.visibility is not None and plan.visibility.visible
    assert plan.visibility.allow & VIEW_CHANNEL and not plan.visibility.deny & VIEW_CHANNEL


def test_an_unchanged_tick_plans_nothing() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", live, live.wanted_record),
            ledger_message("1002", [FinalLine("13", final.status, "73")]),
        ]
    )
    plan = plan_tick([live, final], view, ledger_color=COLOR)
    assert plan.is_empty
    assert plan.unchanged == ["11"]


def test_a_changed_score_is_one_edit_and_one_voice_write() -> None:
    before, after = game("11", "71"), game("11", "71", home_score=5)
    other = game("12", "72", away_score=1)
    view = channel(
        [scorebug_message("1001", before, before.wanted_record), scorebug_message("1002", other, other.wanted_record)]
    )
    plan = plan_tick([after, other], view, ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 5 NYY")]
    assert len(plan.scorebugs) == 1 and isinstance(plan.scorebugs[0], EditScorebug)
    assert plan.scorebugs[0].message_id == "1001"
    assert not plan.deletes and plan.visibility is None and plan.ledger is None


def test_a_change_that_does_not_touch_the_voice_text_writes_no_voice_status() -> None:
    before, after = game("11", "71"), game("11", "71", outs=2)
    plan = plan_tick([after], channel([scorebug_message("1001", before, before.wanted_record)]), ledger_color=COLOR)
    assert plan.voice == [] and len(plan.scorebugs) == 1


def test_a_game_going_final_writes_final_records_it_and_removes_its_scorebug() -> None:
    live, final = game("11", "71"), game("11", "71", final=True)
    plan = plan_tick([final], channel([scorebug_message("1001", live, live.wanted_record)]), ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY - FINAL")]
    assert plan.ledger is not None and plan.ledger.lines == (FinalLine("11", "BOS 4 @ 3 NYY - FINAL", "71"),)
    assert [(d.message_id, d.reason) for d in plan.deletes] == [("1001", "game is final")]
    assert plan.visibility is not None and not plan.visibility.visible


def test_a_recorded_final_status_is_not_written_again() -> None:
    final = game("13", "73", final=True)
    view = channel([ledger_message("1002", [FinalLine("13", final.status, "73")])], visible=False)
    assert plan_tick([final], view, ledger_color=COLOR).is_empty


def test_a_game_without_a_voice_channel_is_listed_as_final_without_a_voice_record() -> None:
    final = game("13", None, final=True)
    plan = plan_tick([final], channel([], visible=False), ledger_color=COLOR)
    assert plan.voice == []
    assert plan.ledger is not None and plan.ledger.lines == (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", None),)


def test_unpublishing_everything_removes_the_bots_messages_and_hides_the_channel() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", live, live.wanted_record),
            ledger_message("1002", [FinalLine("13", final.status, "73")]),
            message("1003", {"title": "chat"}, author="555"),
        ]
    )
    plan = plan_tick([], view, ledger_color=COLOR)
    assert sorted(d.message_id for d in plan.deletes) == ["1001", "1002"]
    assert plan.visibility is not None and not plan.visibility.visible
    assert plan.voice == [] and plan.scorebugs == []


def test_other_authors_messages_are_never_read_as_the_bots() -> None:
    live = game("11", "71")
    forged = message("1003", live.embed(live.wanted_record), author="555")
    view = channel([forged])
    assert view.scorebugs == () and view.strays == ()
    plan = plan_tick([live], view, ledger_color=COLOR)
    assert [type(a) for a in plan.scorebugs] == [PostScorebug]
    assert all(d.message_id != "1003" for d in plan.deletes)


def test_stray_and_duplicate_bot_messages_are_removed_keeping_the_oldest_scorebug() -> None:
    live = game("11", "71")
    view = channel(
        [
            scorebug_message("1005", live, live.wanted_record),
            scorebug_message("1001", live, live.wanted_record),
            message("1002", {"title": "old loop scorebug"}),
            {"id": "1003", "author": {"id": BOT}, "content": "plain text", "embeds": []},
        ]
    )
    plan = plan_tick([live], view, ledger_color=COLOR)
    assert sorted((d.message_id, d.reason) for d in plan.deletes) == [
        ("1002", "not a current scorebug"),
        ("1003", "not a current scorebug"),
        ("1005", "duplicate scorebug"),
    ]
    assert plan.scorebugs == [] and plan.voice == []


def test_an_unreadable_game_keeps_its_scorebug_its_final_line_and_the_channel_visible() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", live, live.wanted_record),
            ledger_message("1002", [FinalLine("13", final.status, "73")]),
        ]
    )
    plan = plan_tick([UnknownGame("11"), UnknownGame("13")], view, ledger_color=COLOR)
    assert plan.is_empty
    assert plan.kept_unknown == ["11", "13"]


def test_without_the_live_channel_every_linked_game_gets_its_voice_status() -> None:
    games = [game("11", "71"), game("13", "73", final=True), game("14")]
    plan = plan_tick(games, None, ledger_color=COLOR)
    assert [v.voice_channel_id for v in plan.voice] == ["71", "73"]
    assert plan.scorebugs == [] and plan.ledger is None and plan.visibility is None


def test_a_voice_channel_linked_anew_gets_the_status_even_if_the_score_did_not_change() -> None:
    before = game("11", None)
    after = game("11", "71")
    plan = plan_tick([after], channel([scorebug_message("1001", before, None)]), ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY")]
    assert len(plan.scorebugs) == 1


def test_showing_the_channel_keeps_the_other_bits_of_the_everyone_overwrite() -> None:
    send_messages = 1 << 11
    view = read_channel("500", [], BOT, [{"id": GUILD, "allow": str(send_messages), "deny": "1024"}], GUILD)
    plan = plan_tick([game("11")], view, ledger_color=COLOR)
    assert plan.visibility is not None
    assert plan.visibility.allow == send_messages | VIEW_CHANNEL and plan.visibility.deny == 0


def test_a_channel_already_shown_is_not_shown_again_and_one_without_overwrite_is_hidden_explicitly() -> None:
    assert plan_tick([game("11")], channel([], visible=True), ledger_color=COLOR).visibility is None
    hidden = plan_tick([], channel([], visible=None), ledger_color=COLOR).visibility
    assert hidden is not None and not hidden.visible and hidden.deny == VIEW_CHANNEL


def test_the_ledger_is_recognised_by_its_footer_and_its_lines_parse_back() -> None:
    lines = [FinalLine("13", "BOS 4 @ 3 NYY - FINAL", "73"), FinalLine("14", "POR 1 @ 2 WV - FINAL")]
    view = channel([ledger_message("1002", lines)])
    assert len(view.ledgers) == 1 and view.ledgers[0].lines == tuple(lines)
    assert ledger_embed(lines, COLOR)["footer"]["text"] == LEDGER_FOOTER


def test_the_last_final_game_unpublished_removes_the_ledger() -> None:
    final = game("13", "73", final=True)
    view = channel([ledger_message("1002", [FinalLine("13", final.status, "73")])], visible=False)
    plan = plan_tick([], view, ledger_color=COLOR)
    assert [d.message_id for d in plan.deletes] == ["1002"] and plan.ledger is None
