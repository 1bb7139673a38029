"""The scorebug-tick planner: what to write given the games and the bot's own messages."""

from __future__ import annotations

from typing import Any

from leaguectl.scorebug.embed import TeamLook
from leaguectl.scorebug.parse import parse_scorebug
from leaguectl.scorebug.plan import (
    FOOTER_LIMIT,
    LEDGER_FOOTER,
    VIEW_CHANNEL,
    ChannelView,
    DeleteMessage,
    EditScorebug,
    FinalLine,
    Footer,
    Game,
    PostScorebug,
    RewriteFooter,
    SetVoiceStatus,
    UnknownGame,
    VoiceRecord,
    footer_length,
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


def scorebug_message(
    message_id: str, g: Game, record: VoiceRecord | None, finals: tuple[FinalLine, ...] = ()
) -> dict[str, Any]:
    return message(message_id, g.embed(record, finals))


def ledger_message(message_id: str, lines: list[FinalLine]) -> dict[str, Any]:
    return message(message_id, ledger_embed(lines, COLOR))


def channel(messages: list[dict[str, Any]], *, visible: bool | None = True, allow: int = 0) -> ChannelView:
    overwrites = []
    if visible is not None:
        bits = {"allow": str(allow | VIEW_CHANNEL), "deny": "0"} if visible else {"allow": "0", "deny": "1024"}
        overwrites.append({"id": GUILD, "type": 0, **bits})
    return read_channel("500", messages, BOT, overwrites, GUILD)


def footer_of(embed: dict[str, Any]) -> str:
    return str(embed["footer"]["text"])


# --- footers ---------------------------------------------------------------------------------------


def test_footer_round_trips_the_game_the_voice_record_and_the_final_lines() -> None:
    record = VoiceRecord("77", "BOS 4 @ 3 NYY")
    finals = (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", "73"), FinalLine("14", "", None))
    assert parse_footer(footer_text("12", record)) == Footer("12", record, ())
    assert parse_footer(footer_text("12", None)) == Footer("12", None, ())
    assert parse_footer(footer_text("12", record, finals)) == Footer("12", record, finals)
    assert parse_footer("Powered by something") is None


def test_the_footers_first_line_is_the_identity_and_each_final_game_gets_a_line_of_its_own() -> None:
    finals = (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", "73"), FinalLine("14", "POR 1 @ 2 WV - FINAL"))
    assert footer_text("12", VoiceRecord("72", "BOS 1 @ 3 NYY"), finals).splitlines() == [
        "game 12 · voice 72: BOS 1 @ 3 NYY",
        "final 13 · voice 73: BOS 4 @ 3 NYY - FINAL",
        "final 14",
    ]


def test_a_footer_is_parsed_line_by_line_so_the_voice_status_never_swallows_the_final_lines() -> None:
    parsed = parse_footer("game 12 · voice 72: BOS 1 @ 3 NYY\nfinal 13 · voice 73: BOS 4 @ 3 NYY - FINAL\n")
    assert parsed is not None
    assert parsed.record == VoiceRecord("72", "BOS 1 @ 3 NYY")
    assert parsed.finals == (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", "73"),)


def test_lines_of_a_footer_that_are_neither_identity_nor_final_are_ignored() -> None:
    parsed = parse_footer("game 12\nsomething else\nfinal 13")
    assert parsed == Footer("12", None, (FinalLine("13", "", None),))
    assert parse_footer("final 13\ngame 12") is None


# --- the first ticks -------------------------------------------------------------------------------


def test_first_tick_posts_one_scorebug_per_live_game_sets_voices_and_shows_the_channel() -> None:
    games = [game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)]
    plan = plan_tick(games, channel([], visible=False), ledger_color=COLOR)
    assert [type(a) for a in plan.scorebugs] == [PostScorebug, PostScorebug]
    assert plan.voice == [
        SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY"),
        SetVoiceStatus("12", "72", "BOS 1 @ 3 NYY"),
        SetVoiceStatus("13", "73", "BOS 4 @ 3 NYY - FINAL"),
    ]
    assert plan.visibility is not None and plan.visibility.visible
    assert plan.visibility.allow & VIEW_CHANNEL and not plan.visibility.deny & VIEW_CHANNEL


def test_the_final_games_ride_in_the_first_live_scorebug_and_no_ledger_is_posted() -> None:
    games = [game("13", "73", final=True), game("11", "71"), game("12", "72", away_score=1)]
    plan = plan_tick(games, channel([], visible=False), ledger_color=COLOR)
    assert plan.ledger is None and plan.holder == "11"
    assert plan.finals == (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", "73"),)
    holder, other = plan.scorebugs
    assert holder.game_id == "11" and holder.finals == plan.finals
    assert other.game_id == "12" and other.finals == ()


def test_an_unchanged_tick_plans_nothing() -> None:
    live, other, final = game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", live, live.wanted_record, (final.final_line,)),
            scorebug_message("1002", other, other.wanted_record),
        ]
    )
    plan = plan_tick([live, other, final], view, ledger_color=COLOR)
    assert plan.is_empty
    assert plan.unchanged == ["11", "12"] and plan.holder == "11"


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


def test_a_changed_score_of_the_holder_is_one_edit_that_keeps_its_final_lines() -> None:
    before, after, final = game("11", "71"), game("11", "71", home_score=5), game("13", "73", final=True)
    view = channel([scorebug_message("1001", before, before.wanted_record, (final.final_line,))])
    plan = plan_tick([after, final], view, ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 5 NYY")]
    (edit,) = plan.scorebugs
    assert isinstance(edit, EditScorebug) and edit.finals == (final.final_line,) and not edit.releases_finals
    assert footer_of(after.embed(after.wanted_record, edit.finals)).splitlines()[1].startswith("final 13 ")
    assert not plan.deletes and plan.ledger is None


def test_a_change_that_does_not_touch_the_voice_text_writes_no_voice_status() -> None:
    before, after = game("11", "71"), game("11", "71", outs=2)
    plan = plan_tick([after], channel([scorebug_message("1001", before, before.wanted_record)]), ledger_color=COLOR)
    assert plan.voice == [] and len(plan.scorebugs) == 1


# --- games ending ----------------------------------------------------------------------------------


def test_a_live_game_going_final_is_deleted_and_the_holder_gains_its_line() -> None:
    holder, ending, ended = game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", holder, holder.wanted_record, (ended.final_line,)),
            scorebug_message("1002", ending, ending.wanted_record),
        ]
    )
    now_final = game("12", "72", away_score=1, final=True)
    plan = plan_tick([holder, now_final, ended], view, ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("12", "72", "BOS 1 @ 3 NYY - FINAL")]
    (edit,) = plan.scorebugs
    assert isinstance(edit, EditScorebug) and edit.message_id == "1001"
    assert edit.finals == (now_final.final_line, ended.final_line)  # published order
    assert plan.deletes == [DeleteMessage("1002", "game is final", "12")]
    assert plan.ledger is None and plan.visibility is None


def test_when_the_holder_goes_final_the_next_live_game_takes_the_lines_and_the_old_holder_is_deleted() -> None:
    first, second, ended = game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", first, first.wanted_record, (ended.final_line,)),
            scorebug_message("1002", second, second.wanted_record),
        ]
    )
    first_final = game("11", "71", final=True)
    plan = plan_tick([first_final, second, ended], view, ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY - FINAL")]  # 13's FINAL is not written again
    assert plan.holder == "12"
    (edit,) = plan.scorebugs
    assert isinstance(edit, EditScorebug) and edit.message_id == "1002"
    assert edit.finals == (first_final.final_line, ended.final_line)
    assert plan.deletes == [DeleteMessage("1001", "game is final", "11", holds_finals=True)]
    assert plan.ledger is None and plan.visibility is None


def test_when_the_last_live_game_goes_final_the_lines_move_to_a_ledger_in_the_hidden_channel() -> None:
    live, ended = game("11", "71"), game("13", "73", final=True)
    view = channel([scorebug_message("1001", live, live.wanted_record, (ended.final_line,))])
    final = game("11", "71", final=True)
    plan = plan_tick([final, ended], view, ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY - FINAL")]
    assert plan.holder is None
    assert plan.ledger is not None and plan.ledger.message_id is None
    assert plan.ledger.lines == (FinalLine("11", "BOS 4 @ 3 NYY - FINAL", "71"), ended.final_line)
    assert plan.deletes == [DeleteMessage("1001", "game is final", "11", holds_finals=True)]
    assert plan.visibility is not None and not plan.visibility.visible


def test_a_recorded_final_status_is_not_written_again() -> None:
    final, live = game("13", "73", final=True), game("11", "71")
    in_ledger = channel([ledger_message("1002", [final.final_line])], visible=False)
    assert plan_tick([final], in_ledger, ledger_color=COLOR).is_empty
    in_footer = channel([scorebug_message("1001", live, live.wanted_record, (final.final_line,))])
    assert plan_tick([live, final], in_footer, ledger_color=COLOR).is_empty


def test_a_game_without_a_voice_channel_is_listed_as_final_without_a_voice_record() -> None:
    final, live = game("13", None, final=True), game("11", "71")
    plan = plan_tick([final], channel([], visible=False), ledger_color=COLOR)
    assert plan.voice == []
    assert plan.ledger is not None and plan.ledger.lines == (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", None),)
    with_live = plan_tick([live, final], channel([], visible=False), ledger_color=COLOR)
    assert footer_of(live.embed(live.wanted_record, with_live.scorebugs[0].finals)).splitlines()[1] == "final 13"


def test_a_live_game_appearing_again_takes_the_lines_from_the_ledger_which_is_deleted() -> None:
    ended, live = game("13", "73", final=True), game("11", "71")
    view = channel([ledger_message("1002", [ended.final_line])], visible=False)
    plan = plan_tick([ended, live], view, ledger_color=COLOR)
    assert plan.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY")]
    (post,) = plan.scorebugs
    assert isinstance(post, PostScorebug) and post.finals == (ended.final_line,)
    assert plan.ledger is None
    assert plan.deletes == [DeleteMessage("1002", "final games are held by a scorebug", None, holds_finals=True)]
    assert plan.visibility is not None and plan.visibility.visible


def test_final_lines_that_do_not_fit_one_footer_all_go_to_the_ledger() -> None:
    live = game("11", "71")
    finals = [game(str(10**17 + n), str(2 * 10**17 + n), final=True) for n in range(40)]
    assert footer_length(footer_text("11", live.wanted_record, [g.final_line for g in finals])) > FOOTER_LIMIT
    view = channel([scorebug_message("1001", live, live.wanted_record, (finals[0].final_line,))])
    plan = plan_tick([live, *finals], view, ledger_color=COLOR)
    assert plan.holder is None
    assert plan.ledger is not None and len(plan.ledger.lines) == 40
    (strip,) = plan.scorebugs
    assert isinstance(strip, EditScorebug) and strip.finals == () and strip.releases_finals
    assert plan.visibility is None  # the live game keeps the channel shown


def test_final_lines_that_fit_again_move_back_into_the_holder() -> None:
    live, ended = game("11", "71"), game("13", "73", final=True)
    view = channel([scorebug_message("1001", live, live.wanted_record), ledger_message("1002", [ended.final_line])])
    plan = plan_tick([live, ended], view, ledger_color=COLOR)
    assert plan.holder == "11" and plan.voice == []
    (edit,) = plan.scorebugs
    assert isinstance(edit, EditScorebug) and edit.finals == (ended.final_line,)
    assert [d.message_id for d in plan.deletes] == ["1002"]


def test_a_scorebug_that_is_no_longer_the_holder_gives_up_its_final_lines() -> None:
    earlier, later, ended = game("10", "70"), game("11", "71"), game("13", "73", final=True)
    view = channel([scorebug_message("1001", later, later.wanted_record, (ended.final_line,))])
    plan = plan_tick([earlier, later, ended], view, ledger_color=COLOR)
    assert plan.holder == "10"
    post, strip = plan.scorebugs  # the new holder is written before the old one gives the lines up
    assert isinstance(post, PostScorebug) and post.finals == (ended.final_line,)
    assert isinstance(strip, EditScorebug) and strip.finals == () and strip.releases_finals
    assert plan.voice == [SetVoiceStatus("10", "70", "BOS 4 @ 3 NYY")]


# --- unpublishing, strays, unreadable sheets --------------------------------------------------------


def test_unpublishing_everything_removes_the_bots_messages_and_hides_the_channel() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", live, live.wanted_record, (final.final_line,)),
            ledger_message("1002", [final.final_line]),
            message("1003", {"title": "chat"}, author="555"),
        ]
    )
    plan = plan_tick([], view, ledger_color=COLOR)
    assert sorted(d.message_id for d in plan.deletes) == ["1001", "1002"]
    assert plan.visibility is not None and not plan.visibility.visible
    assert plan.voice == [] and plan.scorebugs == [] and plan.ledger is None


def test_the_last_final_game_unpublished_leaves_the_holder_without_final_lines() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    view = channel([scorebug_message("1001", live, live.wanted_record, (final.final_line,))])
    plan = plan_tick([live], view, ledger_color=COLOR)
    (edit,) = plan.scorebugs
    assert isinstance(edit, EditScorebug) and edit.finals == ()
    assert footer_of(live.embed(live.wanted_record)) == "game 11 · voice 71: BOS 4 @ 3 NYY"
    assert plan.voice == [] and plan.deletes == [] and plan.ledger is None


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
    view = channel([scorebug_message("1001", live, live.wanted_record, (final.final_line,))])
    plan = plan_tick([UnknownGame("11"), UnknownGame("13")], view, ledger_color=COLOR)
    assert plan.is_empty
    assert plan.kept_unknown == ["11", "13"] and plan.holder == "11"


def test_an_unreadable_holder_keeps_holding_and_only_its_footer_changes_when_a_game_ends() -> None:
    held, ending = game("11", "71"), game("12", "72", away_score=1)
    view = channel(
        [scorebug_message("1001", held, held.wanted_record), scorebug_message("1002", ending, ending.wanted_record)]
    )
    ended = game("12", "72", away_score=1, final=True)
    plan = plan_tick([UnknownGame("11"), ended], view, ledger_color=COLOR)
    assert plan.holder == "11" and plan.ledger is None
    (rewrite,) = plan.scorebugs
    assert isinstance(rewrite, RewriteFooter) and rewrite.message_id == "1001"
    embed = rewrite.embed(rewrite.finals)
    kept = held.embed(held.wanted_record)
    assert {k: v for k, v in embed.items() if k != "footer"} == {k: v for k, v in kept.items() if k != "footer"}
    assert footer_of(embed).splitlines() == [
        "game 11 · voice 71: BOS 4 @ 3 NYY",
        "final 12 · voice 72: BOS 1 @ 3 NYY - FINAL",
    ]
    assert plan.deletes == [DeleteMessage("1002", "game is final", "12")]


def test_an_unreadable_game_with_a_scorebug_is_live_so_an_old_final_line_of_it_is_dropped() -> None:
    live, holder = game("11", "71"), game("10", "70")
    stale = FinalLine("11", "BOS 4 @ 3 NYY - FINAL", "71")
    view = channel(
        [scorebug_message("1000", holder, holder.wanted_record, (stale,)), scorebug_message("1001", live, None)]
    )
    plan = plan_tick([holder, UnknownGame("11")], view, ledger_color=COLOR)
    assert plan.finals == ()
    (edit,) = plan.scorebugs
    assert isinstance(edit, EditScorebug) and edit.message_id == "1000" and edit.finals == ()


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
    lines = [
        FinalLine("13", "BOS 4 @ 3 NYY - FINAL", "73"),
        FinalLine("14", "POR 1 @ 2 WV - FINAL"),
        FinalLine("15", ""),
    ]
    view = channel([ledger_message("1002", lines)])
    assert len(view.ledgers) == 1 and view.ledgers[0].lines == tuple(lines)
    assert ledger_embed(lines, COLOR)["footer"]["text"] == LEDGER_FOOTER


def test_the_last_final_game_unpublished_removes_the_ledger() -> None:
    final = game("13", "73", final=True)
    view = channel([ledger_message("1002", [FinalLine("13", final.status, "73")])], visible=False)
    plan = plan_tick([], view, ledger_color=COLOR)
    assert [d.message_id for d in plan.deletes] == ["1002"] and plan.ledger is None
