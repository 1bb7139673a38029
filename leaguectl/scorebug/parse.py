"""Turn the ``Scorebug!B2:S20`` cells of a scorecard into a typed :class:`Scorebug`.

The rules are the league bot's (league.md §3.8.1), so a scorecard that works
with ``/scorebug`` works here: blank or unreadable numbers fall back to a
default instead of failing, except the two team ids, without which there is
no game to show.
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
    """The cells do not describe a game (no team ids); the message says which cell."""


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


def pad_grid(values: list[list[object]] | None) -> Grid:
    """The sheet's rows as strings, padded with ``''`` to the full 19 x 18 range.

    The Sheets API drops trailing empty rows and cells; the parser indexes the
    grid by cell name, so it needs every cell present.
    """
    grid: Grid = []
    rows = list(values or [])[:ROWS]
    for row in rows:
        cells = ["" if cell is None else str(cell) for cell in list(row)[:COLUMNS]]
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


def _int_or(text: str, default: int) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return default


def _team_id(grid: Grid, name: str, side: str) -> int:
    text = cell(grid, name).strip()
    try:
        value = int(text)
    except ValueError:
        shown = repr(text) if text else "blank"
        raise ScorebugParseError(f"{side} team id in {name} is {shown}, not a team id") from None
    if value <= 0:
        raise ScorebugParseError(f"{side} team id in {name} is {value}, not a team id")
    return value


def parse_win_percentage(text: str) -> float:
    """``'41.2%'`` → 41.2; blank, unreadable or non-finite → 50.0 (an even game)."""
    try:
        value = float(text.strip().replace("%", "").strip())
    except ValueError:
        return 50.0
    return value if math.isfinite(value) else 50.0


def _player(grid: Grid, name_cell: str, url_cell: str) -> Player:
    return Player(name=cell(grid, name_cell).strip(), url=cell(grid, url_cell).strip())


def _summary(grid: Grid) -> tuple[tuple[str, str], ...]:
    lines = []
    for row in range(3, 21):
        play, text = cell(grid, f"R{row}").strip(), cell(grid, f"S{row}").strip()
        if play or text:
            lines.append((play, text))
    return tuple(lines)


def parse_scorebug(values: list[list[object]] | None) -> Scorebug:
    """Parse the B2:S20 values (as the API returns them, possibly trimmed) into a scorebug.

    Raises :class:`ScorebugParseError` when B5/B6 do not hold team ids.
    """
    grid = pad_grid(values)
    return Scorebug(
        away_team_id=_team_id(grid, "B5", "away"),
        home_team_id=_team_id(grid, "B6", "home"),
        header=cell(grid, "B2").strip(),
        away_score=_int_or(cell(grid, "D5"), 0),
        home_score=_int_or(cell(grid, "D6"), 0),
        which_half=cell(grid, "F5").strip(),
        inning=_int_or(cell(grid, "G5"), 1),
        outs=_int_or(cell(grid, "F6"), 0),
        win_percentage=parse_win_percentage(cell(grid, "D8")),
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
