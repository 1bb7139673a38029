"""Task time zones that fit the league: the default follows LEAGUE_TIMEZONE, and nothing moves silently."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leaguectl.settings import load_settings
from leaguectl.tasks.zones import tasks_on_default_zone
from tests.conftest import SandboxCli
from tests.tasks.helpers import BOT, GENERAL, layout_a, naive, task_message, tool_task
from tests.tasks.helpers import scenario as tasks_scenario

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
BASE_ENV = {"DISCORD_BOT_TOKEN": "x", "GUILD_ID": "1", "LEAGUE_API_URL": "http://league", "LEAGUE_API_TOKEN": "y"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "Europe/Berlin"),
        ({"LEAGUE_TIMEZONE": "America/New_York"}, "America/New_York"),
        ({"LEAGUE_TIMEZONE": "America/New_York", "TASKS_DEFAULT_TIMEZONE": "America/Chicago"}, "America/Chicago"),
        ({"TASKS_DEFAULT_TIMEZONE": "Asia/Tokyo"}, "Asia/Tokyo"),
    ],
)
def test_the_task_default_zone_follows_the_league_zone_unless_set(env: dict[str, str], expected: str) -> None:
    assert load_settings({**BASE_ENV, **env}).tasks_default_timezone.key == expected


def _league(factory: Factory, messages: list[dict[str, Any]], zone: str = "America/New_York",
            **env: str) -> SandboxCli:
    world = tasks_scenario(messages, **env)
    world["timezone"] = zone
    return factory(world, NOW)


def test_tasks_add_in_a_us_league_uses_the_league_zone_and_writes_it(sandbox_cli_factory: Factory) -> None:
    cli = _league(sandbox_cli_factory, [])
    result, report = cli.run_json("tasks", "add", "Lineups", "--schedule", "daily", "--time", "09:00", "--target",
                                  GENERAL, "--message", "Lineups!", at=NOW)
    assert result.exit_code == 0, report
    assert report["details"]["task"]["timezone"] == "America/New_York"
    assert report["details"]["preview"][0]["local"] == "2026-03-02 09:00 EST (America/New_York)"


def test_changing_the_default_moves_only_the_tasks_tasks_list_marks(sandbox_cli_factory: Factory) -> None:
    tool = tool_task("Tool task", "daily", "2026-03-03T09:00:00", time="09:00")
    cli = _league(sandbox_cli_factory, [task_message(layout_a(tool), now=NOW)])
    cli.run_json("tasks", "add", "Added", "--schedule", "daily", "--time", "09:00", "--target", GENERAL, at=NOW)
    _, before = cli.run_json("tasks", "list", at=NOW)
    rows = {row["name"]: row for row in before["details"]["tasks"]}
    assert rows["Tool task"]["zone_from_default"] and not rows["Added"]["zone_from_default"]
    assert "1 take their wall times from TASKS_DEFAULT_TIMEZONE (America/New_York)" in before["summary"]
    assert "America/New_York (default)" in cli.run("tasks", "list", at=NOW).stdout

    cli.extra_env["TASKS_DEFAULT_TIMEZONE"] = "Europe/Berlin"
    _, after = cli.run_json("tasks", "list", at=NOW)
    moved = {row["name"]: row["next_run_utc"] for row in after["details"]["tasks"]}
    assert moved["Added"] == rows["Added"]["next_run_utc"] == "2026-03-02 14:00 UTC"
    assert moved["Tool task"] != rows["Tool task"]["next_run_utc"]


def test_the_summary_shows_the_next_run_in_the_tasks_own_zone(sandbox_cli_factory: Factory) -> None:
    tokyo = tool_task("Tokyo", "daily", "2026-03-03T09:00:00", time="09:00", timezone="Asia/Tokyo")
    cli = _league(sandbox_cli_factory, [task_message(layout_a(tokyo), now=NOW)])
    _, report = cli.run_json("run-due-tasks", at=NOW)
    assert "'Tokyo' at 2026-03-03 09:00 JST (00:00 UTC)" in report["summary"]


class _Channel:
    """Only what ``tasks_on_default_zone`` uses of the Discord client: reading the channel."""

    def __init__(self, contents: list[str]) -> None:
        self.contents = contents
        self.reads: list[str] = []

    def iter_messages(self, channel_id: str) -> Iterator[dict[str, Any]]:
        self.reads.append(channel_id)
        for number, content in enumerate(self.contents):
            yield {"id": str(1_400_000_000_000_000_000 + number), "author": {"id": BOT}, "content": content}


def test_doctor_can_list_the_tasks_whose_wall_times_depend_on_the_default() -> None:
    slot = naive(NOW + timedelta(hours=1))
    channel = _Channel([
        layout_a(tool_task("Naive", "daily", slot, time="09:00")),
        layout_a(tool_task("Pinned", "daily", slot, time="09:00", timezone="Europe/Berlin")),
        layout_a(tool_task("Elapsed", "every_2_hours", "2026-03-02T13:00:00+00:00")),
        layout_a(tool_task("Own zone", "DTSTART;TZID=Asia/Tokyo:20260302T090000 RRULE:FREQ=DAILY", slot)),
        "just chatter",
    ])
    found = tasks_on_default_zone(channel, "1300000000000000001", NEW_YORK)  # type: ignore[arg-type]
    assert [(item.name, item.zone) for item in found] == [("Naive", "America/New_York")]
    assert channel.reads == ["1300000000000000001"]
