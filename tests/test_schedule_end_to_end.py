"""Hostile schedules end to end: ``tasks add`` refuses them as usage errors, ``run-due-tasks`` reports them per message.

Issue 16.3's example (``DTSTART:20200101T000000`` + ``FREQ=SECONDLY;COUNT=1000000000``) made
both commands run for minutes. Now such a schedule is invalid (it fires more than once a
minute); a legal one with a billion runs from 1900 costs no more than any other; and one bad
task never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.conftest import SandboxCli
from tests.tasks.helpers import layout_a, naive, scenario, task_message, tasks_in, tool_task

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
FLOOD = "DTSTART:20200101T000000 RRULE:FREQ=SECONDLY;COUNT=1000000000"
BILLION_MINUTES = "DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;COUNT=1000000000"
NEVER = "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"




def test_tasks_add_refuses_a_rule_firing_every_second_as_a_usage_error(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(scenario([]), NOW)
    result, report = cli.run_json("tasks", "add", "Flood", "-s", FLOOD, "--target", "general", "-m", "x", at=NOW)
    assert result.exit_code == 64
    assert "fires more often than once a minute" in str(report["errors"])
    for schedule in ("every_30_seconds", "RRULE:FREQ=MINUTELY;BYSECOND=0,30", "@reboot", NEVER):
        again, report = cli.run_json("tasks", "add", "Flood", "-s", schedule, "--target", "general", at=NOW)
        assert again.exit_code == 64, (schedule, report)
    assert cli.sandbox.state.messages("tasks") == []


def test_tasks_add_takes_a_billion_minutes_from_1900_and_previews_them(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(scenario([]), NOW)
    result, report = cli.run_json("tasks", "add", "Ticker", "-s", BILLION_MINUTES, "--target", "general", at=NOW)
    assert result.exit_code == 0, report
    runs = [datetime.strptime(row["utc"], "%Y-%m-%d %H:%M UTC") for row in report["details"]["preview"]]
    assert runs[0] - NOW.replace(tzinfo=None) <= timedelta(minutes=1)
    assert runs == [runs[0] + timedelta(minutes=k) for k in range(5)]


def test_run_due_tasks_reports_each_bad_schedule_and_runs_the_others(sandbox_cli_factory: Factory) -> None:
    due = naive(NOW - timedelta(minutes=1))
    messages = [
        task_message(layout_a(tool_task("Flood", FLOOD, due)), now=NOW),
        task_message(layout_a(tool_task("Never", NEVER, due)), now=NOW),
        task_message(layout_a(tool_task("Ticker", BILLION_MINUTES, due, template="tick")), now=NOW),
        task_message(layout_a(tool_task("Lineups", "daily", due, time=due[11:16], template="lineups")), now=NOW),
    ]
    cli = sandbox_cli_factory(scenario(messages), NOW)
    before = tasks_in(cli)
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1
    errors = {error["item"]: error for error in report["errors"]}
    for name, text in (("Flood", "fires more often than once a minute"), ("Never", "never runs")):
        error = errors[before[name]["_id"]]
        assert error["field"] == "schedule" and text in error["message"]
        assert tasks_in(cli)[name]["_content"] == before[name]["_content"]
    assert sorted(message.content for message in cli.sandbox.state.messages("general")) == ["lineups", "tick"]
    assert tasks_in(cli)["Ticker"]["next_run"] == "2026-03-02T09:01:00+01:00"


def test_tasks_add_at_the_end_of_the_calendar_is_a_usage_error_or_a_short_preview(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(scenario([]), NOW)
    beyond = "DTSTART:99991231T235959Z RRULE:FREQ=YEARLY"  # 01:00 on 10000-01-01 in Berlin
    result, report = cli.run_json("tasks", "add", "Far", "-s", beyond, "--target", "general", "-m", "x", at=NOW)
    assert result.exit_code == 64, report
    assert "beyond the year 9999" in report["errors"][0]["message"]

    last_days = "DTSTART:99991230T000000Z RRULE:FREQ=DAILY"
    result, report = cli.run_json("tasks", "add", "Last", "-s", last_days, "--target", "general", "-m", "x", at=NOW)
    assert result.exit_code == 0, report
    assert [row["utc"] for row in report["details"]["preview"]] == ["9999-12-30 00:00 UTC", "9999-12-31 00:00 UTC"]
