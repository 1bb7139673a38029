"""``leaguectl status``: last run of each command (metrics file) and next run (systemd or computed)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from leaguectl.ops.metrics import read_series

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
