"""The ``tasks list`` table: fitted to the terminal with colours, aligned plain text otherwise (pipes, logs).

On a terminal the table never wraps a row: the least useful columns are
dropped first (UTC time, zone, last error, schedule), then long cells are cut
with "…" (see :mod:`leaguectl.tables`). The name, status, local next run and
message id (what ``tasks show/remove/pause`` take) stay as long as anything fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from leaguectl.tables import Column, fitted_lines, plain_lines

COLUMNS = (
    Column("name", "Name", keep=100, min_width=12, max_width=40),
    Column("schedule", "Schedule", keep=50, min_width=14, max_width=48),
    Column("zone", "Zone", keep=20, min_width=16),
    Column("next_run_local", "Next run (local)", keep=80, min_width=21),
    Column("next_run_utc", "Next run (UTC)", keep=10, min_width=20),
    Column("status", "Status", keep=90, min_width=9),
    Column("last_error", "Last error", keep=30, min_width=12, max_width=60),
    Column("id", "Message", keep=70, min_width=19),
)
_STATUS_STYLES = {"active": "green", "retrying": "yellow", "running": "yellow", "paused": "dim",
                  "missed": "magenta", "invalid": "bold red", "untrusted": "red"}


def _cell(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _shown(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the table shows them: a zone taken from TASKS_DEFAULT_TIMEZONE is marked."""
    return [{**item, "zone": f"{item['zone']} (default)"} if item.get("zone_from_default") and item.get("zone")
            else item for item in rows]


def _cells(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    return [{column.key: _cell(item.get(column.key)) for column in COLUMNS} for item in _shown(rows)]


def write_table(stream: TextIO, rows: Sequence[dict[str, Any]], *, rich: bool, width: int = 80) -> None:
    """Write the tasks table: fitted to ``width`` with colours when ``rich``, else every column in full.

    Under the table, each task that cannot run is listed with its problem and the fix.
    """
    if not rows:
        stream.write("no tasks in the tasks channel\n")
        return
    cells = _cells(rows)
    if rich:
        _write_rich(stream, cells, width)
    else:
        stream.write("\n".join(plain_lines(COLUMNS, cells)) + "\n")
    _write_fixes(stream, rows)


def _write_fixes(stream: TextIO, rows: Sequence[dict[str, Any]]) -> None:
    """After the table: how to fix each task that cannot run (never cut: it is what to do)."""
    broken = [item for item in rows if item.get("fix")]
    if not broken:
        return
    stream.write("\nTo fix:\n")
    for item in broken:
        stream.write(f"  {item['name']} (message {item['id']}): {item['last_error']}\n    fix: {item['fix']}\n")


def _write_rich(stream: TextIO, cells: list[dict[str, str]], width: int) -> None:
    from rich.console import Console
    from rich.text import Text

    fitted, lines = fitted_lines(COLUMNS, cells, width)
    console = Console(file=stream, width=width, force_terminal=True, highlight=False)
    gap = "  "
    console.print(Text(gap.join(lines[0]).rstrip(), style="bold"), no_wrap=True, crop=True)
    console.print(Text(gap.join("─" * size for _, size in fitted)), no_wrap=True, crop=True)
    for row, texts in zip(cells, lines[1:], strict=True):
        # Text cells are never parsed as markup, so a task named "[bold]" prints as written.
        line = Text()
        for index, ((column, _), text) in enumerate(zip(fitted, texts, strict=True)):
            if index:
                line.append(gap)
            style = _STATUS_STYLES.get(row["status"], "") if column.key == "status" else ""
            line.append(text, style=style)
        line.rstrip()
        console.print(line, no_wrap=True, crop=True)
