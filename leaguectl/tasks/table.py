"""The ``tasks list`` table: rich on a terminal, aligned plain text otherwise (pipes, logs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

COLUMNS = (
    ("name", "Name"),
    ("schedule", "Schedule"),
    ("zone", "Zone"),
    ("next_run_local", "Next run (local)"),
    ("next_run_utc", "Next run (UTC)"),
    ("status", "Status"),
    ("last_error", "Last error"),
    ("id", "Message"),
)
_STATUS_STYLES = {"active": "green", "retrying": "yellow", "running": "yellow", "paused": "dim",
                  "missed": "magenta", "invalid": "bold red", "untrusted": "red"}


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _shown(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the table shows them: a zone taken from TASKS_DEFAULT_TIMEZONE is marked."""
    return [{**item, "zone": f"{item['zone']} (default)"} if item.get("zone_from_default") and item.get("zone")
            else item for item in rows]


def write_table(stream: TextIO, rows: Sequence[dict[str, Any]], *, rich: bool) -> None:
    if not rows:
        stream.write("no tasks in the tasks channel\n")
        return
    shown = _shown(rows)
    if rich:
        _write_rich(stream, shown)
    else:
        _write_plain(stream, shown)
    _write_fixes(stream, rows)


def _write_fixes(stream: TextIO, rows: Sequence[dict[str, Any]]) -> None:
    """After the table: how to fix each task that cannot run."""
    broken = [item for item in rows if item.get("fix")]
    if not broken:
        return
    stream.write("\nTo fix:\n")
    for item in broken:
        stream.write(f"  {item['name']} (message {item['id']}): {item['last_error']}\n    fix: {item['fix']}\n")


def _write_plain(stream: TextIO, rows: Sequence[dict[str, Any]]) -> None:
    cells = [[_cell(item.get(key)) for key, _ in COLUMNS] for item in rows]
    headers = [title for _, title in COLUMNS]
    widths = [max(len(headers[i]), *(len(line[i]) for line in cells)) for i in range(len(COLUMNS))]
    for line in (headers, *cells):
        stream.write("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() + "\n")


def _write_rich(stream: TextIO, rows: Sequence[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Tasks", show_lines=False)
    for key, title in COLUMNS:
        table.add_column(title, overflow="fold", no_wrap=key in ("id", "next_run_utc"))
    for item in rows:
        # Text cells are never parsed as markup, so a task named "[bold]" prints as written.
        cells = [
            Text(_cell(item.get(key)), style=_STATUS_STYLES.get(_cell(item.get(key)), "") if key == "status" else "")
            for key, _ in COLUMNS
        ]
        table.add_row(*cells)
    Console(file=stream).print(table)
