"""``leaguectl status``: next runs computed in the league zone, last runs from the metrics file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from leaguectl.ops.metrics import PassOutcome, write_outcome
from leaguectl.ops.status import collect, computed_next_run
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
