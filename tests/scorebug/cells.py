"""Build scorecard cell grids for tests: by cell name, as the Sheets API or the sandbox holds them."""

from __future__ import annotations

from typing import Any


def b2s20(cells: dict[str, Any]) -> list[list[object]]:
    """The B2:S20 values with ``cells`` set (e.g. ``{"B5": "3"}``), trailing blanks trimmed like the API."""
    grid: list[list[object]] = [[""] * 18 for _ in range(19)]
    for name, value in cells.items():
        grid[int(name[1:]) - 2][ord(name[0]) - ord("B")] = value
    trimmed = []
    for row in grid:
        end = len(row)
        while end and row[end - 1] == "":
            end -= 1
        trimmed.append(row[:end])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def full_sheet(cells: dict[str, Any]) -> list[list[object]]:
    """A whole tab from A1 (for the sandbox), with ``cells`` set."""
    grid: list[list[object]] = [[""] * 19 for _ in range(20)]
    for name, value in cells.items():
        grid[int(name[1:]) - 1][ord(name[0]) - ord("A")] = value
    return grid


def live_cells(
    away_id: int = 1,
    home_id: int = 2,
    away_score: int | str = 4,
    home_score: int | str = 3,
    *,
    header: str = "BOS @ NYY - Top 7",
    half: str = "Top",
    inning: int | str = 7,
    outs: int | str = 1,
    win: str = "41.2%",
    first: str = "",
    second: str = "",
    third: str = "",
) -> dict[str, Any]:
    return {
        "B2": header,
        "B5": str(away_id),
        "B6": str(home_id),
        "D5": str(away_score),
        "D6": str(home_score),
        "F5": half,
        "G5": str(inning),
        "F6": str(outs),
        "D8": win,
        "K12": first,
        "K13": second,
        "K14": third,
    }
