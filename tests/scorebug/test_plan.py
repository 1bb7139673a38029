"""The scorebug-tick planner: what to write given the games and leaguectl's own messages."""

from __future__ import annotations

from typing import Any

from leaguectl.scorebug.embed import TeamLook
from leaguectl.scorebug.identify import FinalLine
from leaguectl.scorebug.marker import parse_marker
from leaguectl.scorebug.parse import parse_scorebug
from leaguectl.scorebug.plan import (
    VIEW_CHANNEL,
    ChannelView,
    DeleteMessage,
    EditScorebug,
    Game,
    GameInput,
    PostScorebug,
    RewriteRecords,
    SetVoiceStatus,
    TickPlan,
    UnknownGame,
    VoiceLinks,
    ledger_embed,
    plan_tick,
    read_channel,
)
from tests.scorebug.cells import b2s20, live_cells

BOT = "900"
GUILD = "100"
LIVE = "500"
BOS, NYY = TeamLook("BOS", 1), TeamLook("NYY", 2)
COLOR = 0xA6CE39
VOICES = VoiceLinks(existing=frozenset({"70", "71", "72", "73", "74"}))


def game(game_id: str, voice: str | None = None, *, final: bool = False, **cells: Any) -> Game:
    data = live_cells(header="FINAL" if final else "Top 7", **cells)
    return Game(game_id, parse_scorebug(b2s20(data)), BOS, NYY, voice)


def line(g: Game) -> FinalLine:
    """The final line of a game whose ``- FINAL`` status was written."""
    return g.final_line(g.wanted_record)


def message(message_id: str, embed: dict[str, Any], author: str = BOT, content: str = "") -> dict[str, Any]:
    return {"id": message_id, "author": {"id": author}, "content": content, "embeds": [embed]}


def scorebug_message(message_id: str, g: Game, recorded: bool = True, finals: tuple[FinalLine, ...] = ()) -> Any:
    return message(message_id, g.embed(GUILD, g.wanted_record if recorded else None, finals))


def ledger_message(message_id: str, lines: list[FinalLine]) -> dict[str, Any]:
    return message(message_id, ledger_embed(GUILD, LIVE, lines, COLOR))


def channel(messages: list[dict[str, Any]], *, visible: bool | None = True, allow: int = 0) -> ChannelView:
    overwrites = []
    if visible is not None:
        bits = {"allow": str(allow | VIEW_CHANNEL), "deny": "0"} if visible else {"allow": "0", "deny": "1024"}
        overwrites.append({"id": GUILD, "type": 0, **bits})
    return read_channel(LIVE, messages, BOT, overwrites, GUILD)


def plan(games: list[GameInput], view: ChannelView | None, voice: VoiceLinks = VOICES) -> TickPlan:
    return plan_tick(games, view, ledger_color=COLOR, voice=voice)


def held(write: Any) -> list[str]:
    """The games whose final records a planned scorebug write carries."""
    return [f.game_id for f in write.finals]


# --- the first ticks -------------------------------------------------------------------------------


def test_first_tick_posts_one_scorebug_per_live_game_sets_voices_and_shows_the_channel() -> None:
    games: list[GameInput] = [game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)]
    p = plan(games, channel([], visible=False))
    assert [type(a) for a in p.scorebugs] == [PostScorebug, PostScorebug]
    assert p.voice == [
        SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY"),
        SetVoiceStatus("12", "72", "BOS 1 @ 3 NYY"),
        SetVoiceStatus("13", "73", "BOS 4 @ 3 NYY - FINAL"),
    ]
    assert p.visibility is not None and p.visibility.visible
    assert p.visibility.allow & VIEW_CHANNEL and not p.visibility.deny & VIEW_CHANNEL


def test_the_final_games_ride_in_the_first_live_scorebugs_link_and_no_ledger_is_posted() -> None:
    ended = game("13", "73", final=True)
    p = plan([ended, game("11", "71"), game("12", "72", away_score=1)], channel([], visible=False))
    assert p.ledger is None and p.holder == "11"
    assert p.finals == (line(ended),)
    holder, other = p.scorebugs
    assert holder.game_id == "11" and held(holder) == ["13"]
    assert other.game_id == "12" and held(other) == []
    assert isinstance(holder, PostScorebug)
    marker = parse_marker(holder.game.embed(GUILD, holder.game.wanted_record, holder.finals)["url"])
    assert marker is not None and [f.as_record() for f in p.finals] == list(marker.finals)


def test_an_unchanged_tick_plans_nothing() -> None:
    live, other, final = game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)
    view = channel([scorebug_message("1001", live, finals=(line(final),)), scorebug_message("1002", other)])
    p = plan([live, other, final], view)
    assert p.is_empty
    assert p.unchanged == ["11", "12"] and p.holder == "11"


def test_a_changed_score_is_one_edit_and_one_voice_write() -> None:
    before, after, other = game("11", "71"), game("11", "71", home_score=5), game("12", "72", away_score=1)
    p = plan([after, other], channel([scorebug_message("1001", before), scorebug_message("1002", other)]))
    assert p.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 5 NYY")]
    assert len(p.scorebugs) == 1 and isinstance(p.scorebugs[0], EditScorebug)
    assert p.scorebugs[0].message_id == "1001"
    assert not p.deletes and p.visibility is None and p.ledger is None


def test_a_changed_score_of_the_holder_is_one_edit_that_keeps_its_final_records() -> None:
    before, after, final = game("11", "71"), game("11", "71", home_score=5), game("13", "73", final=True)
    p = plan([after, final], channel([scorebug_message("1001", before, finals=(line(final),))]))
    assert p.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 5 NYY")]
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug) and held(edit) == ["13"] and not edit.releases_finals
    assert not p.deletes and p.ledger is None


def test_a_change_that_does_not_touch_the_voice_text_writes_no_voice_status() -> None:
    before, after = game("11", "71"), game("11", "71", outs=2)
    p = plan([after], channel([scorebug_message("1001", before)]))
    assert p.voice == [] and len(p.scorebugs) == 1


# --- games ending ----------------------------------------------------------------------------------


def test_a_live_game_going_final_is_deleted_and_the_holder_gains_its_record() -> None:
    holder, ending, ended = game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)
    view = channel([scorebug_message("1001", holder, finals=(line(ended),)), scorebug_message("1002", ending)])
    now_final = game("12", "72", away_score=1, final=True)
    p = plan([holder, now_final, ended], view)
    assert p.voice == [SetVoiceStatus("12", "72", "BOS 1 @ 3 NYY - FINAL")]
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug) and edit.message_id == "1001"
    assert held(edit) == ["12", "13"]  # published order
    assert p.deletes == [DeleteMessage("1002", "game is final", "12")]
    assert p.ledger is None and p.visibility is None


def test_when_the_holder_goes_final_the_next_live_game_takes_the_records_and_the_old_holder_is_deleted() -> None:
    first, second, ended = game("11", "71"), game("12", "72", away_score=1), game("13", "73", final=True)
    view = channel([scorebug_message("1001", first, finals=(line(ended),)), scorebug_message("1002", second)])
    first_final = game("11", "71", final=True)
    p = plan([first_final, second, ended], view)
    assert p.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY - FINAL")]  # 13's FINAL is not written again
    assert p.holder == "12"
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug) and edit.message_id == "1002" and held(edit) == ["11", "13"]
    assert p.deletes == [DeleteMessage("1001", "game is final", "11", holds_finals=True)]
    assert p.ledger is None and p.visibility is None


def test_when_the_last_live_game_goes_final_the_records_move_to_a_ledger_in_the_hidden_channel() -> None:
    live, ended = game("11", "71"), game("13", "73", final=True)
    final = game("11", "71", final=True)
    p = plan([final, ended], channel([scorebug_message("1001", live, finals=(line(ended),))]))
    assert p.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY - FINAL")]
    assert p.holder is None
    assert p.ledger is not None and p.ledger.message_id is None
    assert [(x.game_id, x.record) for x in p.ledger.lines] == [("11", final.wanted_record), ("13", ended.wanted_record)]
    assert p.deletes == [DeleteMessage("1001", "game is final", "11", holds_finals=True)]
    assert p.visibility is not None and not p.visibility.visible


def test_a_recorded_final_status_is_not_written_again() -> None:
    final, live = game("13", "73", final=True), game("11", "71")
    assert plan([final], channel([ledger_message("1002", [line(final)])], visible=False)).is_empty
    assert plan([live, final], channel([scorebug_message("1001", live, finals=(line(final),))])).is_empty


def test_a_game_without_a_voice_channel_is_listed_as_final_without_a_voice_record() -> None:
    final, live = game("13", None, final=True), game("11", "71")
    p = plan([final], channel([], visible=False))
    assert p.voice == []
    assert p.ledger is not None and p.ledger.lines == (FinalLine("13", "BOS 4 @ 3 NYY - FINAL", None),)
    with_live = plan([live, final], channel([], visible=False))
    assert [(f.game_id, f.record) for f in with_live.scorebugs[0].finals] == [("13", None)]


def test_a_live_game_appearing_again_takes_the_records_from_the_ledger_which_is_deleted() -> None:
    ended, live = game("13", "73", final=True), game("11", "71")
    p = plan([ended, live], channel([ledger_message("1002", [line(ended)])], visible=False))
    assert p.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY")]
    (post,) = p.scorebugs
    assert isinstance(post, PostScorebug) and held(post) == ["13"]
    assert p.ledger is None
    assert p.deletes == [DeleteMessage("1002", "final games are held by a scorebug", None, holds_finals=True)]
    assert p.visibility is not None and p.visibility.visible


def test_a_scorebug_that_is_no_longer_the_holder_gives_up_its_final_records() -> None:
    earlier, later, ended = game("10", "70"), game("11", "71"), game("13", "73", final=True)
    p = plan([earlier, later, ended], channel([scorebug_message("1001", later, finals=(line(ended),))]))
    assert p.holder == "10"
    post, strip = p.scorebugs  # the new holder is written before the old one gives the records up
    assert isinstance(post, PostScorebug) and held(post) == ["13"]
    assert isinstance(strip, EditScorebug) and strip.finals == () and strip.releases_finals
    assert p.voice == [SetVoiceStatus("10", "70", "BOS 4 @ 3 NYY")]


def test_fifty_final_games_with_the_longest_ids_fit_the_holders_link() -> None:
    top = str((1 << 64) - 1)
    live = Game(top, game("1").scorebug, BOS, NYY, top)
    finals = [game(str((1 << 64) - 2 - n), str((1 << 64) - 100 - n), final=True) for n in range(49)]
    big_guild = plan_tick([live, *finals], read_channel(top, [], BOT, [], top), ledger_color=COLOR)
    assert big_guild.holder == top and len(big_guild.finals) == 49 and big_guild.dropped_finals == ()
    (post,) = big_guild.scorebugs
    assert isinstance(post, PostScorebug)
    assert len(live.embed(top, live.wanted_record, post.finals)["url"]) <= 2048


def test_final_records_beyond_the_link_limit_are_dropped_not_sent() -> None:
    live = game("11", "71")
    finals = [game(str(10**19 + n), str(10**19 + 500 + n), final=True) for n in range(80)]
    p = plan([live, *finals], channel([]))
    assert 0 < len(p.finals) < 80 and len(p.finals) + len(p.dropped_finals) == 80
    (post,) = p.scorebugs
    assert isinstance(post, PostScorebug)
    assert len(live.embed(GUILD, live.wanted_record, post.finals)["url"]) <= 2048


# --- unpublishing and voice statuses that nobody wants any more --------------------------------------


def test_unpublishing_everything_clears_the_voice_statuses_removes_the_scorebugs_and_hides_the_channel() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    view = channel(
        [
            scorebug_message("1001", live, finals=(line(final),)),
            ledger_message("1002", [line(final)]),
            message("1003", {"title": "chat"}, author="555"),
        ]
    )
    p = plan([], view)
    assert p.voice == [SetVoiceStatus("11", "71", None), SetVoiceStatus("13", "73", None)]
    assert sorted(d.message_id for d in p.deletes) == ["1001", "1002"]
    assert p.visibility is not None and not p.visibility.visible
    assert p.scorebugs == [] and p.ledger is None


def test_an_unpublished_final_game_has_its_final_status_cleared_and_its_record_dropped() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    p = plan([live], channel([scorebug_message("1001", live, finals=(line(final),))]))
    assert p.voice == [SetVoiceStatus("13", "73", None)]
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug) and edit.finals == ()
    assert p.deletes == [] and p.ledger is None


def test_a_voice_link_that_changed_writes_the_new_channel_and_clears_the_old_one() -> None:
    before, after = game("11", "71"), game("11", "72")
    p = plan([after], channel([scorebug_message("1001", before)]))
    assert p.voice == [SetVoiceStatus("11", "72", "BOS 4 @ 3 NYY"), SetVoiceStatus("11", "71", None)]


def test_a_voice_link_that_went_away_clears_the_status() -> None:
    before, after = game("11", "71"), game("11", None)
    p = plan([after], channel([scorebug_message("1001", before)]))
    assert p.voice == [SetVoiceStatus("11", "71", None)]
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug)


def test_a_deleted_or_uncertain_voice_channel_is_not_cleared() -> None:
    view = channel([scorebug_message("1001", game("11", "71")), scorebug_message("1002", game("12", "72"))])
    p = plan([], view, VoiceLinks(existing=frozenset({"72"}), uncertain=frozenset({"72"})))
    assert p.voice == []
    assert sorted(d.message_id for d in p.deletes) == ["1001", "1002"]


def test_an_unreadable_voice_file_writes_and_clears_nothing_and_keeps_every_record() -> None:
    live, ended = game("11", "71", home_score=5), game("13", "73", final=True)
    view = channel([scorebug_message("1001", game("11", "71"), finals=(line(ended),))])
    p = plan([live, ended], view, VoiceLinks(known=False))
    assert p.voice == []
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug)
    assert p.records == {"11": game("11", "71").wanted_record, "13": ended.wanted_record}


def test_a_voice_channel_linked_anew_gets_the_status_even_if_the_score_did_not_change() -> None:
    p = plan([game("11", "71")], channel([scorebug_message("1001", game("11", None))]))
    assert p.voice == [SetVoiceStatus("11", "71", "BOS 4 @ 3 NYY")]
    assert len(p.scorebugs) == 1


# --- which messages are leaguectl's -----------------------------------------------------------------


def test_other_authors_messages_are_never_read_as_leaguectls() -> None:
    live = game("11", "71")
    view = channel([message("1003", live.embed(GUILD, live.wanted_record), author="555")])
    assert view.scorebugs == () and view.left_alone == 0
    p = plan([live], view)
    assert [type(a) for a in p.scorebugs] == [PostScorebug]
    assert all(d.message_id != "1003" for d in p.deletes)


def test_the_bots_other_messages_are_left_alone_and_only_duplicates_and_orphans_are_removed() -> None:
    live = game("11", "71")
    rules = {"id": "1003", "author": {"id": BOT}, "content": "Scores only here, please.", "embeds": []}
    announcement = message("1004", {"title": "Playoffs start Monday", "description": "Good luck!"})
    lookalike = message("1006", {"title": "Standings", "url": "https://discord.com/channels/100/11#lc1.sb"})
    bot_loop = message(
        "1002",
        {
            "title": "CHI @ MIA",
            "fields": [
                {"name": "Win Probability", "value": "50.0% CHI =▓▓▓▓▓▓▓▓▓▓= MIA  50.0%"},
                {"name": "Game State", "value": "```\nCHI  2    ○       ▲ 5\nMIA  2  ○   ○   0 Outs\n```"},
            ],
        },
    )
    view = channel(
        [scorebug_message("1005", live), scorebug_message("1001", live), bot_loop, rules, announcement, lookalike]
    )
    assert view.left_alone == 3
    p = plan([live], view)
    assert sorted((d.message_id, d.reason) for d in p.deletes) == [
        ("1002", "scorebug of the bot's own loop"),
        ("1005", "duplicate scorebug"),
    ]
    assert p.scorebugs == [] and p.voice == []


def test_a_scorebug_marked_for_another_guild_is_not_leaguectls_here() -> None:
    live = game("11", "71")
    view = channel([message("1001", live.embed("999", live.wanted_record))])
    assert view.scorebugs == () and view.left_alone == 1


def test_a_scorebug_of_leaguectl_0_1_is_taken_over_without_writing_its_voice_status_again() -> None:
    live, ended = game("11", "71"), game("13", "73", final=True)
    old = {
        **{k: v for k, v in live.embed(GUILD, None).items() if k != "url"},
        "footer": {"text": "game 11 · voice 71: BOS 4 @ 3 NYY\nfinal 13 · voice 73: BOS 4 @ 3 NYY - FINAL"},
    }
    ledger = {
        "title": "Final scores",
        "description": "<#14> <#74> X 1 @ 2 Y - FINAL",
        "footer": {"text": "final games · leaguectl"},
    }
    view = channel([message("1001", old), message("1002", ledger)])
    assert [m.game_id for m in view.scorebugs] == ["11"] and len(view.ledgers) == 1
    p = plan([live, ended], view)
    assert p.voice == [SetVoiceStatus("14", "74", None)]  # game 14 is no longer published
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug) and held(edit) == ["13"]
    assert "footer" not in live.embed(GUILD, live.wanted_record, edit.finals)
    assert [d.message_id for d in p.deletes] == ["1002"]


# --- unreadable sheets ------------------------------------------------------------------------------


def test_an_unreadable_game_keeps_its_scorebug_its_final_record_and_the_channel_visible() -> None:
    live, final = game("11", "71"), game("13", "73", final=True)
    p = plan([UnknownGame("11"), UnknownGame("13")], channel([scorebug_message("1001", live, finals=(line(final),))]))
    assert p.is_empty
    assert p.kept_unknown == ["11", "13"] and p.holder == "11"


def test_an_unreadable_holder_keeps_holding_and_only_its_records_change_when_a_game_ends() -> None:
    kept, ending = game("11", "71"), game("12", "72", away_score=1)
    view = channel([scorebug_message("1001", kept), scorebug_message("1002", ending)])
    ended = game("12", "72", away_score=1, final=True)
    p = plan([UnknownGame("11"), ended], view)
    assert p.holder == "11" and p.ledger is None
    (rewrite,) = p.scorebugs
    assert isinstance(rewrite, RewriteRecords) and rewrite.message_id == "1001"
    embed = rewrite.embed(GUILD, kept.wanted_record, rewrite.finals)
    shown = kept.embed(GUILD, kept.wanted_record)
    assert {k: v for k, v in embed.items() if k != "url"} == {k: v for k, v in shown.items() if k != "url"}
    marker = parse_marker(embed["url"])
    assert marker is not None and marker.record == kept.wanted_record
    assert [(f.game_id, f.record) for f in marker.finals] == [("12", ended.wanted_record)]
    assert p.deletes == [DeleteMessage("1002", "game is final", "12")]


def test_an_unreadable_game_with_a_scorebug_is_live_so_an_old_final_record_of_it_is_dropped() -> None:
    live, holder = game("11", "71"), game("10", "70")
    stale = FinalLine("11", "BOS 4 @ 3 NYY - FINAL", game("11", "71", final=True).wanted_record)
    view = channel([scorebug_message("1000", holder, finals=(stale,)), scorebug_message("1001", live, recorded=False)])
    p = plan([holder, UnknownGame("11")], view)
    assert p.finals == ()
    (edit,) = p.scorebugs
    assert isinstance(edit, EditScorebug) and edit.message_id == "1000" and edit.finals == ()


def test_without_the_live_channel_every_linked_game_gets_its_voice_status() -> None:
    p = plan([game("11", "71"), game("13", "73", final=True), game("14")], None)
    assert [v.voice_channel_id for v in p.voice] == ["71", "73"]
    assert p.scorebugs == [] and p.ledger is None and p.visibility is None


# --- visibility and the ledger ------------------------------------------------------------------------


def test_showing_the_channel_keeps_the_other_bits_of_the_everyone_overwrite() -> None:
    send_messages = 1 << 11
    view = read_channel(LIVE, [], BOT, [{"id": GUILD, "allow": str(send_messages), "deny": "1024"}], GUILD)
    p = plan([game("11")], view)
    assert p.visibility is not None
    assert p.visibility.allow == send_messages | VIEW_CHANNEL and p.visibility.deny == 0


def test_a_channel_already_shown_is_not_shown_again_and_one_without_overwrite_is_hidden_explicitly() -> None:
    assert plan([game("11")], channel([], visible=True)).visibility is None
    hidden = plan([], channel([], visible=None)).visibility
    assert hidden is not None and not hidden.visible and hidden.deny == VIEW_CHANNEL


def test_the_ledger_shows_channels_and_scores_and_its_records_read_back() -> None:
    lines = [
        FinalLine("13", "BOS 4 @ 3 NYY - FINAL", game("13", "73", final=True).wanted_record),
        FinalLine("14", "POR 1 @ 2 WV - FINAL"),
    ]
    view = channel([ledger_message("1002", lines)])
    assert len(view.ledgers) == 1 and view.ledgers[0].lines == tuple(lines)
    embed = ledger_embed(GUILD, LIVE, lines, COLOR)
    assert embed["description"].splitlines() == ["BOS 4 @ 3 NYY - FINAL", "POR 1 @ 2 WV - FINAL"]
    assert "footer" not in embed


def test_the_last_final_game_unpublished_removes_the_ledger() -> None:
    final = game("13", "73", final=True)
    p = plan([], channel([ledger_message("1002", [line(final)])], visible=False))
    assert [d.message_id for d in p.deletes] == ["1002"] and p.ledger is None
    assert p.voice == [SetVoiceStatus("13", "73", None)]
