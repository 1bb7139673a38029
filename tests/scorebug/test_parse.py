"""The Scorebug!B2:S20 cell rules of league.md §3.8.1, and what any other answer gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.scorebug.parse import (
    COLUMNS,
    ROWS,
    ScorebugParseError,
    cell,
    pad_grid,
    parse_scorebug,
    parse_win_percentage,
)
from tests.scorebug.cells import b2s20, live_cells


def test_a_live_scorecard_parses_into_every_field() -> None:
    cells = live_cells(first="Ann Runner", third="Cal Runner")
    cells.update({"K3": "Pat Pitcher", "L3": "https://p", "M3": "5.0 IP", "K4": "Bo Batter", "M4": "2-3"})
    cells.update({"K5": "Deck", "K6": "Hole", "K11": "Cat Cher", "L11": "https://c", "L12": "https://a"})
    scorebug = parse_scorebug(b2s20(cells))
    assert (scorebug.away_team_id, scorebug.home_team_id) == (1, 2)
    assert (scorebug.away_score, scorebug.home_score) == (4, 3)
    assert (scorebug.which_half, scorebug.inning, scorebug.outs) == ("Top", 7, 1)
    assert scorebug.win_percentage == pytest.approx(41.2)
    assert scorebug.header == "BOS @ NYY - Top 7"
    assert not scorebug.is_final
    assert scorebug.pitcher.name == "Pat Pitcher" and scorebug.pitcher.url == "https://p"
    assert scorebug.pitcher_stats == "5.0 IP" and scorebug.batter.name == "Bo Batter" and scorebug.batter_stats == "2-3"
    assert (scorebug.on_deck, scorebug.in_hole) == ("Deck", "Hole")
    assert scorebug.catcher.name == "Cat Cher" and scorebug.catcher.url == "https://c"
    assert scorebug.on_first.name == "Ann Runner" and scorebug.on_first.url == "https://a"
    assert scorebug.on_second.name == "" and scorebug.on_third.name == "Cal Runner"


@pytest.mark.parametrize("blank", ["", "  ", "n/a", "4.5"])
def test_blank_or_unreadable_scores_count_as_zero(blank: str) -> None:
    scorebug = parse_scorebug(b2s20(live_cells(away_score=blank, home_score=blank)))
    assert (scorebug.away_score, scorebug.home_score) == (0, 0)


def test_blank_inning_is_the_first_and_blank_outs_are_none() -> None:
    scorebug = parse_scorebug(b2s20(live_cells(inning="", outs="")))
    assert scorebug.inning == 1
    assert scorebug.outs == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("41.2%", 41.2), ("75", 75.0), (" 66.7 % ", 66.7), ("", 50.0), ("abc", 50.0), ("nan", 50.0), ("0%", 0.0)],
)
def test_win_probability_strips_the_percent_sign_and_defaults_to_even(text: str, expected: float) -> None:
    assert parse_win_percentage(text) == pytest.approx(expected)


@pytest.mark.parametrize("header", ["BOS 4 @ NYY 3 FINAL", "Game 12 - FINAL  "])
def test_a_header_ending_in_final_marks_the_game_final(header: str) -> None:
    assert parse_scorebug(b2s20(live_cells(header=header))).is_final


@pytest.mark.parametrize("header", ["FINAL score pending", "Top 9", "final", ""])
def test_other_headers_are_live_games(header: str) -> None:
    assert not parse_scorebug(b2s20(live_cells(header=header))).is_final


@pytest.mark.parametrize(
    ("cells", "where"),
    [({"B5": ""}, "B5"), ({"B6": "NYY"}, "B6"), ({"B5": "0"}, "B5"), ({"B6": "-3"}, "B6")],
)
def test_missing_or_bad_team_ids_are_a_parse_error_naming_the_cell(cells: dict[str, str], where: str) -> None:
    data = live_cells()
    data.update(cells)
    with pytest.raises(ScorebugParseError, match=where):
        parse_scorebug(b2s20(data))


def test_a_sheet_answered_without_values_is_not_a_game() -> None:
    with pytest.raises(ScorebugParseError, match="B5"):
        parse_scorebug(None)


def test_trimmed_api_values_are_padded_to_the_full_range() -> None:
    grid = pad_grid([["header"], [], ["", "x"]])
    assert len(grid) == ROWS and all(len(row) == COLUMNS for row in grid)
    assert cell(grid, "B2") == "header" and cell(grid, "C4") == "x" and cell(grid, "S20") == ""


def test_inning_summary_keeps_rows_with_a_play_or_a_text() -> None:
    cells = live_cells()
    cells.update({"R3": "1", "S3": "Single to left", "R4": "", "S4": "", "R5": "2", "S5": "Strikeout"})
    assert parse_scorebug(b2s20(cells)).summary == (("1", "Single to left"), ("2", "Strikeout"))


def test_numbers_from_an_unformatted_read_are_accepted() -> None:
    scorebug = parse_scorebug(b2s20({"B5": 7, "B6": 9, "D5": 2, "D8": 61.5}))
    assert (scorebug.away_team_id, scorebug.home_team_id, scorebug.away_score) == (7, 9, 2)
    assert scorebug.win_percentage == pytest.approx(61.5)


# --- hostile cells and answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell_name", "value", "what"),
    [
        ("D5", "6" * 600, "away score in D5"),
        ("D6", "-1", "home score in D6"),
        ("D6", "1000", "home score in D6"),
        ("G5", "100", "inning in G5"),
        ("F6", "4", "outs in F6"),
        ("D8", "150%", "home win probability in D8"),
        ("D8", "-5", "home win probability in D8"),
        ("B5", "9" * 600, "away team id in B5"),
        ("B6", "３", "home team id in B6"),
    ],
)
def test_a_number_out_of_its_range_is_an_error_naming_the_cell_and_the_fix(
    cell_name: str, value: str, what: str
) -> None:
    data = live_cells()
    data[cell_name] = value
    with pytest.raises(ScorebugParseError, match=what) as caught:
        parse_scorebug(b2s20(data))
    assert len(str(caught.value)) < 200  # a 600-digit cell is shown shortened, not whole


def test_a_600_character_header_parses_and_is_kept_whole_for_the_embed_to_cut() -> None:
    assert parse_scorebug(b2s20(live_cells(header="H" * 600))).header == "H" * 600


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"values": []}, "dict instead of rows"),
        ("rows", "str instead of rows"),
        ([["x"], "not a row"], "row 3 of the answer is a str"),
        ([[["nested"]]], "cell B2 holds a list"),
        ([[None, {"a": 1}]], "cell C2 holds a dict"),
        ([[10**50]], "cell B2 holds a number of about 51 digits"),
        ([[""] * 19], "row 2 of the answer has 19 cells"),
        ([[]] * 20, "the sheet answered 20 rows"),
    ],
)
def test_an_answer_that_is_not_rows_of_cells_is_a_parse_error(values: object, why: str) -> None:
    with pytest.raises(ScorebugParseError, match=why):
        parse_scorebug(values)


def test_null_rows_ragged_rows_and_non_string_cells_are_read_like_formatted_values() -> None:
    values: list[Any] = [
        ["BOS @ NYY"],
        None,
        None,
        [3, None, 4.0],
        [4, None, "3", None, True],
        None,
        [None, None, 50.0],
    ]
    scorebug = parse_scorebug(values)
    assert (scorebug.away_team_id, scorebug.home_team_id) == (3, 4)
    assert (scorebug.away_score, scorebug.home_score, scorebug.win_percentage) == (4, 3, 50.0)
    assert cell(pad_grid(values), "F6") == "TRUE"


CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "3", "41.2%", "FINAL", "Top", "Bot", "-1", "1e309", "٣", "6" * 600]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
ROW = st.one_of(st.none(), st.lists(CELL_VALUES, max_size=20), st.text(max_size=5), st.integers())
GRID = st.one_of(st.none(), st.lists(ROW, max_size=21), st.text(max_size=5), st.dictionaries(st.text(), ROW))


@settings(max_examples=300, deadline=None)
@given(GRID)
def test_any_answer_gives_a_scorebug_or_a_parse_error_and_nothing_else(values: object) -> None:
    try:
        scorebug = parse_scorebug(values)
    except ScorebugParseError as exc:
        assert str(exc)
        return
    assert 0 <= scorebug.away_score <= 999 and 0 <= scorebug.home_score <= 999
    assert 0 <= scorebug.outs <= 3 and 0 <= scorebug.inning <= 99
    assert 0.0 <= scorebug.win_percentage <= 100.0


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["B2", "B5", "B6", "D5", "D6", "F5", "G5", "F6", "D8", "K12"]), CELL_VALUES))
def test_any_scorecard_cells_give_a_scorebug_or_a_parse_error_naming_a_cell(cells: dict[str, Any]) -> None:
    data: dict[str, Any] = {"B5": "1", "B6": "2", **cells}
    try:
        parse_scorebug(b2s20(data))
    except ScorebugParseError as exc:
        assert any(name in str(exc) for name in cells)
