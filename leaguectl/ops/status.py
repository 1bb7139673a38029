"""``leaguectl status``: last run of each command (metrics file) and next run (systemd or computed).

On a terminal the rows are a table fitted to its width, times relative to now
("3 min ago", "in 2 h", the next run also in league time) and failing commands
in red; without a terminal the same columns are plain aligned text; ``--json``
gives the raw values (``details.commands``).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from leaguectl.ops.metrics import read_series
from leaguectl.tables import Column, fitted_lines, plain_lines

SCHEDULED = ("freeze-begin", "thaw", "scorebug-tick", "cleanup-commands", "run-due-tasks")


@dataclass(frozen=True)
class CommandStatus:
    command: str
    last_start: datetime | None
    last_exit_code: int | None
    last_success: datetime | None
    last_duration: float | None
    consecutive_failures: int
    next_run: datetime
    next_run_source: str


def _weekly(now: datetime, zone: ZoneInfo, weekday: int, hour: int = 0) -> datetime:
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    candidate = datetime.combine(day, time(hour), tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(day + timedelta(days=7), time(hour), tzinfo=zone)
    return candidate.astimezone(UTC)


def _daily(now: datetime, zone: ZoneInfo, hour: int) -> datetime:
    local = now.astimezone(zone)
    candidate = datetime(local.year, local.month, local.day, hour, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), candidate.time(), tzinfo=zone)
    return candidate.astimezone(UTC)


def _every_minutes(now: datetime, minutes: int) -> datetime:
    base = now.astimezone(UTC).replace(second=0, microsecond=0)
    step = minutes - base.minute % minutes
    return base + timedelta(minutes=step)


def computed_next_run(command: str, now: datetime, league_zone: ZoneInfo) -> datetime:
    """When the shipped timers would next start ``command`` (wall-clock in the league zone)."""
    if command == "freeze-begin":
        return _weekly(now, league_zone, 0)
    if command == "thaw":
        return _weekly(now, league_zone, 5)
    if command == "cleanup-commands":
        return _daily(now, league_zone, 4)
    if command == "scorebug-tick":
        return _every_minutes(now, 3)
    return _every_minutes(now, 1)


def systemd_next_run(command: str) -> datetime | None:
    """The timer's next elapse from systemd, when systemctl knows the timer."""
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return None
    try:
        result = subprocess.run(
            [systemctl, "show", f"leaguectl-{command}.timer", "--property=NextElapseUSecRealtime",
             "--value", "--timestamp=unix"],
            capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = result.stdout.strip()
    if result.returncode != 0 or not value.startswith("@"):
        return None
    try:
        return datetime.fromtimestamp(float(value[1:]), UTC)
    except ValueError:
        return None


def _when(value: float | None) -> datetime | None:
    return None if value is None or value <= 0 else datetime.fromtimestamp(value, UTC)


def collect(metrics_file: Path | None, now: datetime, league_zone: ZoneInfo) -> list[CommandStatus]:
    """Status rows for every scheduled command."""
    series = read_series(metrics_file) if metrics_file is not None else {}
    rows = []
    for command in SCHEDULED:
        values = series.get(command, {})
        from_systemd = systemd_next_run(command)
        exit_code = values.get("last_exit_code")
        rows.append(
            CommandStatus(
                command=command,
                last_start=_when(values.get("last_start_timestamp_seconds")),
                last_exit_code=None if exit_code is None else int(exit_code),
                last_success=_when(values.get("last_success_timestamp_seconds")),
                last_duration=values.get("last_duration_seconds"),
                consecutive_failures=int(values.get("consecutive_failures", 0)),
                next_run=from_systemd or computed_next_run(command, now, league_zone),
                next_run_source="systemd" if from_systemd else "computed",
            )
        )
    return rows


# --- the view ----------------------------------------------------------------------------------

_EXIT_NAMES = {0: "ok", 1: "items failed", 64: "usage", 69: "unavailable", 70: "bug", 75: "retry later",
               78: "config", 143: "stopped"}
STATUS_COLUMNS = (
    Column("command", "Command", keep=100, min_width=12),
    Column("last_run", "Last run", keep=90, min_width=9),
    Column("result", "Result", keep=95, min_width=12),
    Column("duration", "Duration", keep=40, min_width=8),
    Column("failures", "Failures", keep=60, min_width=8),
    Column("next_run", "Next run (league time)", keep=80, min_width=12),
)


def ago(moment: datetime, now: datetime) -> str:
    """``3 min ago``: how long before ``now`` (``in 2 h`` when it is ahead)."""
    seconds = (now - moment).total_seconds()
    return f"{_span(seconds)} ago" if seconds >= 0 else f"in {_span(-seconds)}"


def until(moment: datetime, now: datetime) -> str:
    """``in 2 h``: how long after ``now`` (``… ago`` when it has passed)."""
    seconds = (moment - now).total_seconds()
    return f"in {_span(seconds)}" if seconds >= 0 else f"{_span(-seconds)} ago"


def _span(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def result_text(exit_code: int | None) -> str:
    """``ok`` or ``unavailable (exit 69)``; ``-`` when the command never ran."""
    if exit_code is None:
        return "-"
    name = _EXIT_NAMES.get(exit_code, "failed")
    return "ok" if exit_code == 0 else f"{name} (exit {exit_code})"


def display_rows(rows: list[CommandStatus], now: datetime, league_zone: ZoneInfo) -> list[dict[str, str]]:
    """Each command's status as table cells: times relative to ``now``, next run in league time."""
    cells = []
    for row in rows:
        local = row.next_run.astimezone(league_zone)
        source = "" if row.next_run_source == "systemd" else ", computed"
        cells.append(
            {
                "command": row.command,
                "last_run": "never" if row.last_start is None else ago(row.last_start, now),
                "result": result_text(row.last_exit_code),
                "duration": "-" if row.last_duration is None else f"{row.last_duration:.1f} s",
                "failures": str(row.consecutive_failures),
                "next_run": f"{until(row.next_run, now)} ({local:%a %H:%M %Z}{source})",
            }
        )
    return cells


def write_status(
    stream: TextIO, rows: list[CommandStatus], now: datetime, league_zone: ZoneInfo, *, rich: bool, width: int
) -> None:
    """The status table: fitted and coloured on a terminal (failing commands in red), plain columns otherwise."""
    cells = display_rows(rows, now, league_zone)
    if not rich:
        stream.write("\n".join(plain_lines(STATUS_COLUMNS, cells)) + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    fitted, lines = fitted_lines(STATUS_COLUMNS, cells, width)
    console = Console(file=stream, width=width, force_terminal=True, highlight=False)
    console.print(Text("  ".join(lines[0]).rstrip(), style="bold"), no_wrap=True, crop=True)
    console.print(Text("  ".join("─" * size for _, size in fitted)), no_wrap=True, crop=True)
    for row, texts in zip(rows, lines[1:], strict=True):
        failing = row.consecutive_failures > 0 or (row.last_exit_code not in (None, 0, 75, 143))
        console.print(Text("  ".join(texts).rstrip(), style="bold red" if failing else ""), no_wrap=True, crop=True)
