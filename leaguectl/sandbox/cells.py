"""Sheet tabs given by A1 cell names (`{"B2": "BOS @ NYY"}`), as scenario files and set_sheet accept them.

Writing a Scorebug tab as 20 rows of 19 cells is unreadable; naming the cells
that matter is not. The sandbox stores rows from A1, so cells become the
smallest grid that holds them.
"""

from __future__ import annotations

import re
from typing import Any

from leaguectl.sandbox.errors import ScenarioError

_A1_CELL = re.compile(r"([A-Z]{1,2})([1-9][0-9]{0,3})")
MAX_CELL_ROW = 1000
"""Cells given by A1 name reach at most row 1000 and column ZZ (a bound on the grid they make)."""


def sheet_grid(values: Any, where: str) -> list[list[Any]]:
    """A tab's values: rows from A1 (a list of lists), or a table of A1 cells such as {"B2": "BOS @ NYY"}.

    Cells make the smallest grid that holds them, the rest filled with "" (the
    Sheets API trims trailing empty cells, so readers see the same values).
    """
    if isinstance(values, list):
        if not all(isinstance(row, list) for row in values):
            raise ScenarioError(f"{where}: every row must be a list of cells")
        return [list(row) for row in values]
    if not isinstance(values, dict):
        raise ScenarioError(f"{where}: expected rows (a list of lists) or a table of A1 cells, got {values!r}")
    placed: dict[tuple[int, int], Any] = {}
    for name, value in values.items():
        match = _A1_CELL.fullmatch(str(name))
        if not match or int(match[2]) > MAX_CELL_ROW:
            raise ScenarioError(f"{where}: {name!r} is not a cell name from A1 to ZZ{MAX_CELL_ROW}")
        placed[(int(match[2]) - 1, _column_number(match[1]))] = value
    rows = 1 + max((row for row, _ in placed), default=-1)
    columns = 1 + max((column for _, column in placed), default=-1)
    grid: list[list[Any]] = [[""] * columns for _ in range(rows)]
    for (row, column), value in placed.items():
        grid[row][column] = value
    return grid


def _column_number(letters: str) -> int:
    """0 for A, 25 for Z, 26 for AA."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


