"""``tasks list`` on a terminal: fitted to its width, one line per task; plain text keeps every column."""

from __future__ import annotations

import io
import re

import pytest

from leaguectl.tasks.table import write_table

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROWS = [
    {
        "name": f"A rather long task name number {n}",
        "schedule": "RRULE FREQ=WEEKLY;BYDAY=WE;BYHOUR=19;BYMINUTE=0",
        "zone": "America/New_York",
        "next_run_local": "2026-03-11 19:00 EDT",
        "next_run_utc": "2026-03-11 23:00 UTC",
        "status": "untrusted" if n == 1 else "active",
        "last_error": "json: invalid JSON: Expecting property name enclosed in double quotes (line 20)",
        "id": f"147546320142336000{n}",
    }
    for n in range(3)
]


def _rich(width: int) -> list[str]:
    stream = io.StringIO()
    write_table(stream, ROWS, rich=True, width=width)
    return [_ANSI.sub("", line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160, 240])
def test_no_row_wraps_and_no_line_is_wider_than_the_terminal(width: int) -> None:
    lines = _rich(width)
    assert len(lines) == 2 + len(ROWS)
    assert all(len(line) <= width for line in lines)
    assert all(line.startswith("A rather") for line in lines[2:])


def test_a_narrow_terminal_drops_the_least_useful_columns_first() -> None:
    wide, medium, narrow = _rich(240)[0], _rich(80)[0], _rich(40)[0]
    assert "Next run (UTC)" in wide and "Zone" in wide
    assert "Next run (UTC)" not in medium and "Zone" not in medium
    assert "Status" in medium and "Next run (local)" in medium
    assert narrow.split()[0] == "Name" and "Status" in narrow


def test_long_cells_are_cut_visibly_and_kept_readable() -> None:
    lines = _rich(100)
    assert any("…" in line for line in lines[2:])
    assert all("2026-03-11 19:00 EDT" in line for line in lines[2:])  # a time is never cut
    assert "untrusted" in lines[3]


def test_without_a_terminal_every_column_is_printed_in_full() -> None:
    stream = io.StringIO()
    write_table(stream, ROWS, rich=False, width=40)
    text = stream.getvalue()
    assert "\x1b[" not in text and "…" not in text
    assert "Next run (UTC)" in text and ROWS[0]["last_error"] in text


def test_an_empty_channel_says_so() -> None:
    stream = io.StringIO()
    write_table(stream, [], rich=True, width=80)
    assert stream.getvalue() == "no tasks in the tasks channel\n"
