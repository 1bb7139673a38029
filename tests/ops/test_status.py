"""``leaguectl status``: next runs computed in the league zone, last runs from the metrics file."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leaguectl.ops.metrics import PassOutcome, write_outcome
from leaguectl.ops.status import ago, collect, computed_next_run, until
from leaguectl.runtime import FakeClock, Runtime
from tests.conftest import invoke

NY = ZoneInfo("America/New_York")


def test_freeze_begin_next_run_is_monday_midnight_league_time_across_dst() -> None:
    # Sunday 2026-03-08 is the US spring-forward day; the next Monday 00:00 is EDT (UTC-4).
    now = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    assert computed_next_run("freeze-begin", now, NY) == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    # Exactly at Monday 00:00 the next run is a week later.
    monday = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    assert computed_next_run("freeze-begin", monday, NY) == datetime(2026, 3, 16, 4, 0, tzinfo=UTC)
    assert computed_next_run("thaw", now, NY) == datetime(2026, 3, 14, 4, 0, tzinfo=UTC)


def test_interval_commands_next_run_on_the_grid() -> None:
    now = datetime(2026, 11, 22, 10, 4, 30, tzinfo=UTC)
    assert computed_next_run("scorebug-tick", now, NY) == datetime(2026, 11, 22, 10, 6, tzinfo=UTC)
    assert computed_next_run("run-due-tasks", now, NY) == datetime(2026, 11, 22, 10, 5, tzinfo=UTC)


def test_status_reads_last_runs_from_the_metrics_file(tmp_path: Path) -> None:
    metrics = tmp_path / "leaguectl.prom"
    write_outcome(metrics, PassOutcome("thaw", 1_790_000_000.0, 1_790_000_002.5, 69, 0, 1, 3, 0))
    rows = {row.command: row for row in collect(metrics, datetime(2026, 11, 22, tzinfo=UTC), NY)}
    assert rows["thaw"].last_exit_code == 69
    assert rows["thaw"].consecutive_failures == 1
    assert rows["thaw"].last_duration == 2.5
    assert rows["run-due-tasks"].last_start is None


def test_status_command_lists_every_scheduled_command_as_json(tmp_path: Path) -> None:
    import json

    result = invoke(["--json", "status"], {"METRICS_FILE": str(tmp_path / "none.prom")})
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["details"]["commands"]
    assert [row["command"] for row in rows] == [
        "freeze-begin", "thaw", "scorebug-tick", "cleanup-commands", "run-due-tasks",
    ]


# --- the view ---------------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _status_output(tmp_path: Path, stdout: io.StringIO, width: int) -> str:
    metrics = tmp_path / "leaguectl.prom"
    now = NOW.timestamp()
    write_outcome(metrics, PassOutcome("thaw", now - 7200, now - 7197.5, 69, 0, 1, 3, 0))
    write_outcome(metrics, PassOutcome("run-due-tasks", now - 180, now - 179.2, 0, 1, 0, 3, 0))
    clock = FakeClock(NOW)
    environ = {"METRICS_FILE": str(metrics), "COLUMNS": str(width), "LEAGUE_TIMEZONE": "America/New_York"}
    runtime = Runtime(clock=clock, sleep=clock.sleep, stdout=stdout, stderr=io.StringIO(), environ=environ)
    result = invoke(["status"], runtime=runtime)
    assert result.exit_code == 0 and result.stderr == ""
    return result.stdout


def test_status_on_a_terminal_is_a_table_with_relative_times_and_failures_in_red(tmp_path: Path) -> None:
    output = _status_output(tmp_path, _Terminal(), 120)
    lines = output.splitlines()
    plain = [_ANSI.sub("", line) for line in lines]
    assert plain[0].split() == ["Command", "Last", "run", "Result", "Duration", "Failures", "Next", "run",
                                "(league", "time)"]
    assert set(plain[1].replace(" ", "")) == {"─"}
    rows = {line.split()[0]: line for line in plain[2:7]}
    assert rows["thaw"].split()[1:6] == ["2", "h", "ago", "unavailable", "(exit"]
    assert "2.5 s" in rows["thaw"] and "in 6 d (Sat 00:00 EST, computed)" in rows["thaw"]
    assert "3 min ago" in rows["run-due-tasks"] and " ok " in rows["run-due-tasks"]
    assert rows["freeze-begin"].split()[1:3] == ["never", "-"]
    assert "in 17 h (Mon 00:00 EST" in rows["freeze-begin"]
    red = [_ANSI.sub("", line).split()[0] for line in lines if "\x1b[1;31m" in line]
    assert red == ["thaw"]
    assert plain[-1] == "status: failing: thaw"
    assert all(len(line) <= 120 for line in plain)


def test_status_on_a_narrow_terminal_keeps_one_line_per_command(tmp_path: Path) -> None:
    output = _status_output(tmp_path, _Terminal(), 50)
    plain = [_ANSI.sub("", line) for line in output.splitlines()]
    assert len(plain) == 2 + 5 + 1  # header, rule, one line per command, summary
    assert all(len(line) <= 50 for line in plain)
    assert plain[0].split()[:3] == ["Command", "Last", "run"] and "Result" in plain[0]
    assert "Duration" not in plain[0]  # the least useful columns went first


def test_status_without_a_terminal_is_plain_aligned_columns(tmp_path: Path) -> None:
    output = _status_output(tmp_path, io.StringIO(), 40)
    assert "\x1b[" not in output
    lines = output.splitlines()
    assert "Duration" in lines[0] and "Next run (league time)" in lines[0]  # every column, whatever the width
    start = lines[0].index("Result")
    assert all(line[start:].startswith(("-", "ok", "unavailable")) for line in lines[1:6])


@pytest.mark.parametrize(
    ("seconds", "past", "future"),
    [(5, "5 s ago", "in 5 s"), (180, "3 min ago", "in 3 min"), (7200, "2 h ago", "in 2 h"),
     (3 * 86400, "3 d ago", "in 3 d")],
)
def test_times_read_as_how_long_ago_or_until(seconds: int, past: str, future: str) -> None:
    assert ago(NOW - timedelta(seconds=seconds), NOW) == past
    assert until(NOW + timedelta(seconds=seconds), NOW) == future
