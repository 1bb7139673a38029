"""Turn the ``Scorebug!B2:S20`` cells of a scorecard into a typed :class:`Scorebug`.

The rules are the league bot's (league.md §3.8.1), so a scorecard that works
with ``/scorebug`` works here: blank or unreadable numbers fall back to a
default instead of failing, except the two team ids, without which there is
no game to show. Unlike the bot, numbers are bounded (a score 0-999, an inning
0-99, outs 0-3, a win probability 0-100 %): a cell outside its range is an
error naming the cell, for that game only, because no text built from it
would be true or fit Discord's limits.

The answer of the Sheets API is external data: any JSON may come in, and
:func:`parse_scorebug` returns a :class:`Scorebug` or raises
:class:`ScorebugParseError`, nothing else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SCOREBUG_TAB = "Scorebug"
FIRST_ROW = 2
FIRST_COLUMN = "B"
ROWS = 19  # rows 2..20
COLUMNS = 18  # columns B..S
SCOREBUG_RANGE = f"{SCOREBUG_TAB}!B2:S20"

Grid = list[list[str]]

_CELL = re.compile(r"^([A-Z])(\d+)$")


class ScorebugParseError(ValueError):
    """The cells do not describe a game; the message names the cell and what to fix."""


@dataclass(frozen=True)
class Player:
    """A name and its link, as the sheet gives them (either may be empty)."""

    name: str = ""
    url: str = ""


@dataclass(frozen=True)
class Scorebug:
    """One scorecard's state. ``win_percentage`` is the HOME team's win probability (0-100)."""

    away_team_id: int
    home_team_id: int
    header: str = ""
    away_score: int = 0
    home_score: int = 0
    which_half: str = ""
    inning: int = 1
    outs: int = 0
    win_percentage: float = 50.0
    pitcher: Player = Player()
    pitcher_stats: str = ""
    batter: Player = Player()
    batter_stats: str = ""
    on_deck: str = ""
    in_hole: str = ""
    catcher: Player = Player()
    on_first: Player = Player()
    on_second: Player = Player()
    on_third: Player = Player()
    summary: tuple[tuple[str, str], ...] = ()

    @property
    def is_final(self) -> bool:
        """The scorecard's header ends in ``FINAL`` once the game is over."""
        return self.header.rstrip().endswith("FINAL")

    @property
    def is_top(self) -> bool:
        return self.which_half.strip() == "Top"


MAX_TEAM_ID = 2_147_483_647
MAX_SCORE = 999
MAX_INNING = 99
MAX_OUTS = 3
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_LONGEST_NUMBER = 40
"""Longer numeric text is not read as a number at all (it is no score, and converting it costs time)."""


def cell_text(value: object, name: str) -> str:
    """One cell as text, the way a FORMATTED_VALUE read shows it; other answers are a parse error.

    Blank (null) is ``''``; numbers and booleans as Sheets formats them
    (``3``, ``41.2``, ``TRUE``). A list, an object or a number too long to
    print is not a cell value: the answer is not what was asked for.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        if abs(value) >= 10**_LONGEST_NUMBER:
            digits = int(value.bit_length() * math.log10(2)) + 1
            raise ScorebugParseError(f"cell {name} holds a number of about {digits} digits, not a value to show")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    raise ScorebugParseError(f"cell {name} holds a {type(value).__name__}, not a value; the sheet answer is malformed")


def _cell_name(row: int, column: int) -> str:
    return f"{chr(ord(FIRST_COLUMN) + column)}{FIRST_ROW + row}"


def pad_grid(values: object) -> Grid:
    """The answer's rows as text, padded with ``''`` to the full 19 x 18 range.

    The Sheets API drops trailing empty rows and cells (and ``values`` itself
    when the range is blank); the parser indexes the grid by cell name, so it
    needs every cell present. A ``null`` row is an empty one. Anything that is
    not rows of cells within B2:S20 is a :class:`ScorebugParseError`.
    """
    if values is None:
        values = []
    if not isinstance(values, list):
        raise ScorebugParseError(f"the sheet answered {type(values).__name__} instead of rows of cells")
    if len(values) > ROWS:
        raise ScorebugParseError(f"the sheet answered {len(values)} rows; {SCOREBUG_RANGE} has {ROWS}")
    grid: Grid = []
    for number, row in enumerate(values):
        if row is None:
            row = []
        if not isinstance(row, list):
            raise ScorebugParseError(f"row {FIRST_ROW + number} of the answer is a {type(row).__name__}, not cells")
        if len(row) > COLUMNS:
            raise ScorebugParseError(
                f"row {FIRST_ROW + number} of the answer has {len(row)} cells; {SCOREBUG_RANGE} has {COLUMNS}"
            )
        cells = [cell_text(value, _cell_name(number, column)) for column, value in enumerate(row)]
        grid.append(cells + [""] * (COLUMNS - len(cells)))
    grid.extend([""] * COLUMNS for _ in range(ROWS - len(grid)))
    return grid


def cell(grid: Grid, name: str) -> str:
    """The text of a cell named like ``D5`` inside the B2:S20 grid."""
    match = _CELL.match(name)
    if match is None:
        raise ValueError(f"not a cell name: {name!r}")
    row = int(match.group(2)) - FIRST_ROW
    column = ord(match.group(1)) - ord(FIRST_COLUMN)
    if not (0 <= row < ROWS and 0 <= column < COLUMNS):
        raise ValueError(f"cell {name} is outside {SCOREBUG_RANGE}")
    return grid[row][column]


def _shown(text: str) -> str:
    """A cell's text for an error message: short, one line."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 24 else f"{flat[:20]}… ({len(flat)} characters)")


def _bounded_int(grid: Grid, name: str, what: str, default: int, low: int, high: int) -> int:
    """The bot's rule (blank or not a number → ``default``), but a number out of range is an error.

    A 600-digit score is not a score: showing it as 0 would mislead, showing
    it would break the scorebug, so the game is reported with the cell to fix.
    """
    text = cell(grid, name).strip()
    if not _INTEGER.match(text):
        return default
    if len(text) > _LONGEST_NUMBER or not low <= int(text) <= high:
        raise ScorebugParseError(f"{what} in {name} is {_shown(text)}, not {low}-{high}; fix the cell")
    return int(text)


def _team_id(grid: Grid, name: str, side: str) -> int:
    text = cell(grid, name).strip()
    if not text:
        raise ScorebugParseError(f"{side} team id in {name} is blank; enter the team's league id there")
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not 0 < int(text) <= MAX_TEAM_ID:
        raise ScorebugParseError(f"{side} team id in {name} is {_shown(text)}, not a team id; enter the league id")
    return int(text)


def parse_win_percentage(text: str) -> float:
    """``'41.2%'`` → 41.2; blank, unreadable or non-finite → 50.0 (an even game)."""
    cleaned = text.strip().replace("%", "").strip()
    if len(cleaned) > _LONGEST_NUMBER:
        return 50.0
    try:
        value = float(cleaned)
    except ValueError:
        return 50.0
    return value if math.isfinite(value) else 50.0


def _win_percentage(grid: Grid) -> float:
    value = parse_win_percentage(cell(grid, "D8"))
    if not 0.0 <= value <= 100.0:
        raise ScorebugParseError(f"home win probability in D8 is {_shown(cell(grid, 'D8'))}, not 0-100%; fix the cell")
    return value


def _player(grid: Grid, name_cell: str, url_cell: str) -> Player:
    return Player(name=cell(grid, name_cell).strip(), url=cell(grid, url_cell).strip())


def _summary(grid: Grid) -> tuple[tuple[str, str], ...]:
    lines = []
    for row in range(3, 21):
        play, text = cell(grid, f"R{row}").strip(), cell(grid, f"S{row}").strip()
        if play or text:
            lines.append((play, text))
    return tuple(lines)


def parse_scorebug(values: object) -> Scorebug:
    """Parse the B2:S20 values (as the API returns them, possibly trimmed) into a scorebug.

    Anything may come in (the answer is external data); what comes out is a
    :class:`Scorebug` or a :class:`ScorebugParseError` naming the cell.
    """
    grid = pad_grid(values)
    return Scorebug(
        away_team_id=_team_id(grid, "B5", "away"),
        home_team_id=_team_id(grid, "B6", "home"),
        header=cell(grid, "B2").strip(),
        away_score=_bounded_int(grid, "D5", "away score", 0, 0, MAX_SCORE),
        home_score=_bounded_int(grid, "D6", "home score", 0, 0, MAX_SCORE),
        which_half=cell(grid, "F5").strip(),
        inning=_bounded_int(grid, "G5", "inning", 1, 0, MAX_INNING),
        outs=_bounded_int(grid, "F6", "outs", 0, 0, MAX_OUTS),
        win_percentage=_win_percentage(grid),
        pitcher=_player(grid, "K3", "L3"),
        pitcher_stats=cell(grid, "M3").strip(),
        batter=_player(grid, "K4", "L4"),
        batter_stats=cell(grid, "M4").strip(),
        on_deck=cell(grid, "K5").strip(),
        in_hole=cell(grid, "K6").strip(),
        catcher=_player(grid, "K11", "L11"),
        on_first=_player(grid, "K12", "L12"),
        on_second=_player(grid, "K13", "L13"),
        on_third=_player(grid, "K14", "L14"),
        summary=_summary(grid),
    )
