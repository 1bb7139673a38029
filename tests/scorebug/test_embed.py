"""The compact embed of league.md §3.8.2: bar strings, colour rule, game-state lines, voice status."""

from __future__ import annotations

import pytest

from leaguectl.scorebug.embed import (
    EVEN_GAME_COLOR,
    TeamLook,
    embed_signature,
    game_state_block,
    game_state_lines,
    scorebug_embed,
    voice_status,
    win_probability_bar,
)
from leaguectl.scorebug.parse import parse_scorebug
from tests.scorebug.cells import b2s20, live_cells

LINK = "https://discord.com/channels/1/2#lc1.sb"
BOS = TeamLook("BOS", 0xBD3039)
NYY = TeamLook("NYY", 0x003087)


@pytest.mark.parametrize(
    ("win", "expected"),
    [
        (75, "POR ░░░▓▓▓▓▓▓▓► WV  75.0%"),
        (25, "75.0% POR ◄▓▓▓▓▓▓▓▓░░ WV"),
        (50, "50.0% POR =▓▓▓▓▓▓▓▓▓▓= WV  50.0%"),
        (55, "POR ░░░░░▓▓▓▓▓► WV  55.0%"),
        (30, "70.0% POR ◄▓▓▓▓▓▓▓░░░ WV"),
        (95, "POR ░▓▓▓▓▓▓▓▓▓► WV  95.0%"),
        (5, "95.0% POR ◄▓▓▓▓▓▓▓▓▓▓ WV"),
        (0, "100.0% POR ◄▓▓▓▓▓▓▓▓▓▓ WV"),
        (100, "POR ▓▓▓▓▓▓▓▓▓▓► WV  100.0%"),
        (66.7, "POR ░░░░▓▓▓▓▓▓► WV  66.7%"),
    ],
)
def test_win_probability_bar_matches_the_reference_outputs(win: float, expected: str) -> None:
    assert win_probability_bar(win, "POR", "WV") == expected


def test_a_longer_bar_keeps_its_proportions() -> None:
    bar = win_probability_bar(75, "POR", "WV", length=20)
    assert bar.count("░") == 5 and bar.count("▓") == 15


@pytest.mark.parametrize("win", [-10.0, 130.0])
def test_out_of_range_probabilities_still_draw_ten_blocks(win: float) -> None:
    bar = win_probability_bar(win, "POR", "WV")
    assert bar.count("░") + bar.count("▓") == 10


def test_the_verified_live_example_renders_exactly() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(first="Runner A", third="Runner C")))
    assert win_probability_bar(scorebug.win_percentage, "BOS", "NYY") == "58.8% BOS ◄▓▓▓▓▓▓░░░░ NYY"
    assert game_state_lines(scorebug, "BOS", "NYY") == ("BOS  4    ○       ▲ 7", "NYY  3  ●   ●   1 Out")


def test_bottom_half_points_down_and_counts_outs_in_plural() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(half="Bot", inning=3, outs=2, second="Runner B")))
    first, second = game_state_lines(scorebug, "BOS", "NYY")
    assert first == "BOS  4    ●       ▼ 3"
    assert second == "NYY  3  ○   ○  2 Outs"


@pytest.mark.parametrize(("half", "inning_text"), [("Bot", "F/9"), ("Top", "F/8")])
def test_a_final_game_shows_the_last_inning_and_no_outs(half: str, inning_text: str) -> None:
    scorebug = parse_scorebug(b2s20(live_cells(header="BOS @ NYY FINAL", half=half, inning=9, outs=3)))
    first, second = game_state_lines(scorebug, "BOS", "NYY")
    assert first == "BOS  4    ○" + inning_text.rjust(10)
    assert second == "NYY  3  ○   ○" + " " * 8


def test_the_game_state_is_a_code_block_of_two_lines() -> None:
    scorebug = parse_scorebug(b2s20(live_cells()))
    assert game_state_block(scorebug, "BOS", "NYY") == "```\nBOS  4    ○       ▲ 7\nNYY  3  ○   ○   1 Out\n```"


def test_two_letter_abbreviations_and_two_digit_scores_centre_like_the_bot() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(away_score=10, home_score=0)))
    first, second = game_state_lines(scorebug, "WV", "POR")
    assert first.startswith(" WV 10 ") and second.startswith("POR  0 ")


@pytest.mark.parametrize(("win", "color"), [("75%", 0x003087), ("25%", 0xBD3039), ("50%", EVEN_GAME_COLOR)])
def test_the_colour_is_the_favoured_teams_by_win_probability_not_by_score(win: str, color: int) -> None:
    scorebug = parse_scorebug(b2s20(live_cells(away_score=9, home_score=0, win=win)))
    assert scorebug_embed(scorebug, BOS, NYY)["color"] == color


def test_the_embed_has_the_header_as_title_and_the_two_fields_in_order() -> None:
    scorebug = parse_scorebug(b2s20(live_cells()))
    embed = scorebug_embed(scorebug, BOS, NYY, url=LINK)
    assert embed["title"] == "BOS @ NYY - Top 7"
    assert [(f["name"], f["inline"]) for f in embed["fields"]] == [("Win Probability", False), ("Game State", False)]
    assert embed["fields"][0]["value"] == "58.8% BOS ◄▓▓▓▓▓▓░░░░ NYY"
    assert "description" not in embed and "timestamp" not in embed and "footer" not in embed
    assert embed["url"] == LINK


def test_voice_status_says_final_only_once_the_game_is_over() -> None:
    live = parse_scorebug(b2s20(live_cells()))
    final = parse_scorebug(b2s20(live_cells(header="FINAL")))
    assert voice_status(live, "BOS", "NYY") == "BOS 4 @ 3 NYY"
    assert voice_status(final, "BOS", "NYY") == "BOS 4 @ 3 NYY - FINAL"


def test_embeds_compare_equal_after_discord_adds_its_own_keys() -> None:
    scorebug = parse_scorebug(b2s20(live_cells()))
    sent = scorebug_embed(scorebug, BOS, NYY, url=LINK)
    echoed = {**sent, "type": "rich", "content_scan_version": 0, "title": sent["title"] + " "}
    assert embed_signature(echoed) == embed_signature(sent)
    changed = scorebug_embed(parse_scorebug(b2s20(live_cells(away_score=5))), BOS, NYY, url=LINK)
    assert embed_signature(changed) != embed_signature(sent)
    relinked = scorebug_embed(scorebug, BOS, NYY, url=LINK + ".f1")
    assert embed_signature(relinked) != embed_signature(sent)


def test_an_overlong_header_is_cut_visibly_to_discords_title_limit() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(header="x" * 600)))
    assert scorebug_embed(scorebug, BOS, NYY)["title"] == "x" * 255 + "…"


def test_a_blank_header_gives_the_matchup_as_title() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(header="")))
    assert scorebug_embed(scorebug, BOS, NYY)["title"] == "BOS @ NYY"


def test_a_hostile_team_abbreviation_is_one_short_line_that_cannot_break_the_scorebug() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(header="", win="75%")))
    long = TeamLook("W" * 600, 1)
    tricky = TeamLook("`x`\n*<@1>\u202e\x00", 2)
    embed = scorebug_embed(scorebug, long, tricky)
    assert long.label == "W" * 11 + "…"
    assert tricky.label == "`x` *<@1>"
    bar, state = embed["fields"][0]["value"], embed["fields"][1]["value"]
    assert bar.endswith(" \\`x\\` \\*\\<@1\\>  75.0%")
    assert state.count("`") == 6 and "'x' *<@1>" in state
    assert len(embed["title"]) <= 256 and all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert len(voice_status(scorebug, long.label, tricky.label)) <= 500


def test_the_voice_status_is_cut_to_discords_limit_whatever_it_is_given() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(header="FINAL")))
    status = voice_status(scorebug, "A" * 400, "B" * 400)
    assert len(status) == 500 and status.endswith("…")
