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


def write_table(stream: TextIO, rows: Sequence[dict[str, Any]], *, rich: bool) -> None:
    if not rows:
        stream.write("no tasks in the tasks channel\n")
        return
    if rich:
        _write_rich(stream, rows)
    else:
        _write_plain(stream, rows)


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
