"""Fitting a table to a terminal: drop the least useful columns, cut long cells, never wrap a row.

A table that rich wraps into a narrow terminal turns every row into a column of
two-letter fragments. Here each column says how important it is (``keep``) and
how narrow it may get (``min_width``): on a narrow terminal the least important
columns go first, then long cells are cut with "…"; every row stays one line.
Output that is not a terminal (pipes, logs, cron mail) keeps every column in
full, aligned with spaces (:func:`plain_lines`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

GAP = 2
"""Spaces between two columns."""
ELLIPSIS = "…"


@dataclass(frozen=True)
class Column:
    """One column: ``keep`` ranks it (higher stays longer), ``min_width`` is its narrowest readable width."""

    key: str
    title: str
    keep: int
    min_width: int
    max_width: int | None = None


def natural_width(column: Column, rows: Sequence[Mapping[str, str]]) -> int:
    """The width the column's longest cell (or title) needs, capped by ``max_width``."""
    width = max([len(column.title), *(len(row.get(column.key, "")) for row in rows)])
    return min(width, column.max_width) if column.max_width else width


def _total(widths: Sequence[int]) -> int:
    return sum(widths) + GAP * max(0, len(widths) - 1)


def fit_columns(
    columns: Sequence[Column], rows: Sequence[Mapping[str, str]], width: int
) -> list[tuple[Column, int]]:
    """The columns that fit in ``width`` characters, in their order, each with its width.

    Columns are dropped, least important first, until their narrowest forms fit;
    then the widest cells are shortened, never below a column's ``min_width``. The
    most important column always stays.
    """
    natural = {column.key: natural_width(column, rows) for column in columns}
    chosen = list(columns)

    def narrowest(column: Column) -> int:
        return min(natural[column.key], column.min_width)

    while len(chosen) > 1 and _total([narrowest(c) for c in chosen]) > width:
        chosen.remove(min(chosen, key=lambda column: column.keep))
    widths = {column.key: natural[column.key] for column in chosen}
    excess = _total(list(widths.values())) - width
    while excess > 0:
        shrinkable = [c for c in chosen if widths[c.key] > narrowest(c)]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda column: widths[column.key] - narrowest(column))
        widths[widest.key] -= 1
        excess -= 1
    return [(column, widths[column.key]) for column in chosen]


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut visibly with "…"."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + ELLIPSIS if width > 0 else ""


def plain_lines(columns: Sequence[Column], rows: Sequence[Mapping[str, str]]) -> list[str]:
    """Every column in full, aligned with spaces: for pipes, logs and mail."""
    widths = [natural_width(Column(c.key, c.title, c.keep, c.min_width), rows) for c in columns]
    lines = []
    for cells in ([c.title for c in columns], *([row.get(c.key, "") for c in columns] for row in rows)):
        padded = (text.ljust(width) for text, width in zip(cells, widths, strict=True))
        lines.append((" " * GAP).join(padded).rstrip())
    return lines


def fitted_lines(
    columns: Sequence[Column], rows: Sequence[Mapping[str, str]], width: int
) -> tuple[list[tuple[Column, int]], list[list[str]]]:
    """The fitted columns and each row's cells cut to them (header first)."""
    fitted = fit_columns(columns, rows, width)
    header = [cut(column.title, size).ljust(size) for column, size in fitted]
    body = [[cut(row.get(column.key, ""), size).ljust(size) for column, size in fitted] for row in rows]
    return fitted, [header, *body]
