"""tasks add|list|show|remove|pause|resume against the sandbox, and their round trip with run-due-tasks."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leaguectl.runtime import Runtime
from tests.conftest import SandboxCli, invoke
from tests.tasks.helpers import (
    ALICE,
    BOT,
    FAN,
    GENERAL,
    layout_a,
    naive,
    scenario,
    task_message,
    tasks_in,
    tool_task,
)

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # Monday 08:30 in Berlin




def posts(cli: SandboxCli, channel: str = "general") -> list[str]:
    return [message.content for message in cli.sandbox.state.messages(channel)]


def empty(factory: Factory, messages: list[dict[str, Any]] | None = None, **env: str) -> SandboxCli:
    return factory(scenario(messages or []), NOW, **env)


ADD_LINEUPS = ("tasks", "add", "Lineups", "--schedule", "daily", "--time", "09:00", "--target", "general",
               "--message", "Lineups are due!", "--description", "Daily lineup call")


# ------------------------------------------------------------------------------- add


def test_an_added_task_previews_five_runs_and_then_runs_at_its_time(sandbox_cli_factory: Factory) -> None:
    cli = empty(sandbox_cli_factory)
    result, report = cli.run_json(*ADD_LINEUPS, at=NOW)
    assert result.exit_code == 0, report
    preview = report["details"]["preview"]
    assert len(preview) == 5
    assert preview[0] == {"local": "2026-03-02 09:00 CET (Europe/Berlin)", "utc": "2026-03-02 08:00 UTC"}
    assert preview[4]["local"].startswith("2026-03-06 09:00")
    task = tasks_in(cli)["Lineups"]
    assert task["_author"] == BOT
    assert task["action_target"] == GENERAL and task["timezone"] == "Europe/Berlin"
    assert task["next_run"] == "2026-03-02T09:00:00+01:00" and task["one_time"] is False
    assert list(task)[:16] == ["task_name", "description", "schedule", "time", "specific_date", "day_of_month",
                               "month", "day_of_week", "action_type", "action_target", "action_template",
                               "one_time", "created_at", "first_run", "next_run", "active"]
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=29))
    assert posts(cli) == []
    ran, _ = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=30, seconds=20))
    assert ran.exit_code == 0
    assert posts(cli) == ["Lineups are due!"]
    assert tasks_in(cli)["Lineups"]["next_run"] == "2026-03-03T09:00:00+01:00"


def test_an_added_one_time_reminder_runs_once_and_disappears(sandbox_cli_factory: Factory) -> None:
    cli = empty(sandbox_cli_factory)
    result, _ = cli.run_json("tasks", "add", "Ping Alice", "-s", "in_10_minutes", "--action", "user_reminder",
                             "--target", f"<@{ALICE}>", "-m", "ping", at=NOW)
    assert result.exit_code == 0
    assert tasks_in(cli)["Ping Alice"]["one_time"] is True
    assert tasks_in(cli)["Ping Alice"]["action_target"] == ALICE
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=10, seconds=5))
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=11))
    assert [m.content for m in cli.sandbox.state.dm_messages(ALICE)] == ["ping"]
    assert tasks_in(cli) == {}


def test_a_weekly_task_without_a_weekday_is_pinned_to_its_first_runs_weekday(sandbox_cli_factory: Factory) -> None:
    cli = empty(sandbox_cli_factory)
    cli.run_json("tasks", "add", "Weekly", "-s", "weekly", "--time", "18:00", "--target", GENERAL, at=NOW)
    task = tasks_in(cli)["Weekly"]
    assert task["day_of_week"] == "monday" and task["next_run"] == "2026-03-02T18:00:00+01:00"


def _add_fails(cli: SandboxCli, *args: str) -> str:
    result, report = cli.run_json("tasks", "add", *args, at=NOW)
    assert result.exit_code == 64, report
    assert tasks_in(cli) == {} or "Lineups" in tasks_in(cli)
    return str(report["errors"])


def test_tasks_add_rejects_bad_input_naming_the_option(sandbox_cli_factory: Factory) -> None:
    cli = empty(sandbox_cli_factory)
    assert "--time" in _add_fails(cli, "X", "-s", "daily", "--time", "25:00", "--target", GENERAL)
    assert "in the past" in _add_fails(cli, "X", "-s", "today_at_07:00", "--target", GENERAL)
    assert "--action" in _add_fails(cli, "X", "-s", "daily", "--action", "email", "--target", GENERAL)
    assert "--target" in _add_fails(cli, "X", "-s", "daily", "--action", "user_reminder")
    assert "no text channel" in _add_fails(cli, "X", "-s", "daily", "--target", "nowhere")
    assert "schedule" in _add_fails(cli, "X", "-s", "every_monday", "--target", GENERAL)
    assert "--timezone" in _add_fails(cli, "X", "-s", "daily", "--tz", "Mars/Base", "--target", GENERAL)
    assert "2000" in _add_fails(cli, "X", "-s", "daily", "--target", GENERAL, "-m", "x" * 1990)
    assert cli.sandbox.state.messages("tasks") == []


def test_tasks_add_refuses_a_duplicate_name(sandbox_cli_factory: Factory) -> None:
    cli = empty(sandbox_cli_factory)
    cli.run_json(*ADD_LINEUPS, at=NOW)
    result, report = cli.run_json(*ADD_LINEUPS, at=NOW + timedelta(seconds=5))
    assert result.exit_code == 64 and "already exists" in str(report["errors"])
    assert len(cli.sandbox.state.messages("tasks")) == 1


def test_tasks_add_dry_run_previews_and_posts_nothing(sandbox_cli_factory: Factory) -> None:
    cli = empty(sandbox_cli_factory)
    result, report = cli.run_json(*ADD_LINEUPS, "--dry-run", at=NOW)
    assert result.exit_code == 0 and len(report["details"]["preview"]) == 5
    assert cli.sandbox.state.messages("tasks") == []


# ------------------------------------------------------------------------------- list and show


def _mixed(factory: Factory) -> SandboxCli:
    later = tool_task("Later", "daily", naive(NOW + timedelta(hours=3)), time="11:30")
    paused = {**tool_task("Off", "daily", naive(NOW + timedelta(hours=1)), time="09:30"), "active": False}
    fan = tool_task("Fan", "daily", naive(NOW + timedelta(hours=2)), time="10:30")
    messages = [
        task_message(layout_a(later), now=NOW),
        task_message(layout_a(paused), now=NOW),
        task_message(layout_a(fan), author=FAN, now=NOW),
        task_message("📋 **Task: Broken**\n```json\n{\"task_name\": \n```", now=NOW),
        task_message("hello, is this the tasks channel?", now=NOW),
    ]
    return empty(factory, messages)


def test_tasks_list_json_gives_a_row_per_task_with_local_and_utc_times(sandbox_cli_factory: Factory) -> None:
    cli = _mixed(sandbox_cli_factory)
    result, report = cli.run_json("tasks", "list", at=NOW)
    assert result.exit_code == 0
    rows = {row["name"]: row for row in report["details"]["tasks"]}
    assert set(rows) == {"Later", "Off", "Fan", "Broken"}
    assert rows["Later"]["next_run_local"] == "2026-03-02 11:30 CET"
    assert rows["Later"]["next_run_utc"] == "2026-03-02 10:30 UTC"
    assert rows["Later"]["zone"] == "Europe/Berlin" and rows["Later"]["schedule"] == "daily at 11:30"
    assert rows["Later"]["status"] == "active"
    assert rows["Off"]["status"] == "paused"
    assert rows["Fan"]["status"] == "untrusted"
    assert rows["Broken"]["status"] == "invalid" and "invalid JSON" in rows["Broken"]["last_error"]
    assert [row["name"] for row in report["details"]["tasks"]][:3] == ["Off", "Fan", "Later"]


def test_tasks_list_prints_a_plain_table_when_not_on_a_terminal(sandbox_cli_factory: Factory) -> None:
    cli = _mixed(sandbox_cli_factory)
    result = cli.run("tasks", "list", at=NOW)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["Name", "Schedule", "Zone"]
    assert any(line.startswith("Later ") and "2026-03-02 10:30 UTC" in line for line in lines)
    assert "nothing to do" not in result.stdout
    assert "4 tasks" in lines[-1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_tasks_list_draws_a_rich_table_on_a_terminal(sandbox_cli_factory: Factory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")
    cli = _mixed(sandbox_cli_factory)
    runtime = Runtime(clock=cli.sandbox.clock, sleep=cli.sandbox.clock.advance, stdout=_Terminal(),
                      stderr=io.StringIO(), environ=cli.env())
    result = invoke(["--now", NOW.isoformat(), "tasks", "list"], runtime=runtime)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "─────" in lines[1] and "\x1b[" in result.stdout  # the terminal form: a rule under bold headers, colours
    assert "Later" in result.stdout and "untrusted" in result.stdout


def test_tasks_show_by_name_or_id_gives_the_task_and_its_next_runs(sandbox_cli_factory: Factory) -> None:
    cli = _mixed(sandbox_cli_factory)
    result, report = cli.run_json("tasks", "show", "later", at=NOW)
    assert result.exit_code == 0
    assert report["details"]["json"]["task_name"] == "Later"
    assert len(report["details"]["next_runs"]) == 5
    message_id = report["details"]["task"]["id"]
    by_id, again = cli.run_json("tasks", "show", message_id, at=NOW)
    assert by_id.exit_code == 0 and again["details"]["task"]["name"] == "Later"
    text = cli.run("tasks", "show", "Later", at=NOW).stdout
    assert "next_runs:" in text and "nothing to do" not in text
    missing, report = cli.run_json("tasks", "show", "Nope", at=NOW)
    assert missing.exit_code == 64 and "no task named" in str(report["errors"])


# ------------------------------------------------------------------------------- remove, pause, resume


def test_a_paused_task_does_not_run_and_resumes_at_its_next_future_slot(sandbox_cli_factory: Factory) -> None:
    cli = empty(sandbox_cli_factory)
    cli.run_json(*ADD_LINEUPS, at=NOW)
    paused, report = cli.run_json("tasks", "pause", "Lineups", at=NOW + timedelta(minutes=1))
    assert paused.exit_code == 0 and report["actions"][0]["kind"] == "pause"
    assert tasks_in(cli)["Lineups"]["active"] is False
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=31))
    assert posts(cli) == []
    again, report = cli.run_json("tasks", "pause", "Lineups", at=NOW + timedelta(minutes=32))
    assert again.exit_code == 0 and report["skipped"]
    resumed, report = cli.run_json("tasks", "resume", "Lineups", at=NOW + timedelta(hours=2))
    assert resumed.exit_code == 0
    task = tasks_in(cli)["Lineups"]
    assert task["active"] is True and "status" not in task and "paused_at" not in task
    assert task["next_run"] == "2026-03-03T09:00:00+01:00"
    cli.run_json("run-due-tasks", at=datetime(2026, 3, 3, 8, 0, 10, tzinfo=UTC))
    assert posts(cli) == ["Lineups are due!"]


def test_resuming_a_kept_missed_one_time_task_runs_it_at_the_next_pass(sandbox_cli_factory: Factory) -> None:
    late = tool_task("Late", "tomorrow_at_06:00", naive(NOW - timedelta(hours=3)), template="better late")
    cli = empty(sandbox_cli_factory, [task_message(layout_a(late), now=NOW)], TASKS_KEEP_MISSED="1")
    cli.run_json("run-due-tasks", at=NOW)
    assert tasks_in(cli)["Late"]["status"] == "missed"
    cli.run_json("tasks", "resume", "Late", at=NOW + timedelta(minutes=1))
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=1, seconds=30))
    assert posts(cli) == ["better late"]
    assert tasks_in(cli) == {}


def test_tasks_remove_deletes_the_message_by_name_or_id(sandbox_cli_factory: Factory) -> None:
    cli = _mixed(sandbox_cli_factory)
    result, _ = cli.run_json("tasks", "remove", "Later", at=NOW)
    assert result.exit_code == 0 and "Later" not in tasks_in(cli)
    broken_id = next(m.id for m in cli.sandbox.state.messages("tasks") if "Broken" in m.content)
    cli.run_json("tasks", "remove", broken_id, at=NOW)
    assert all("Broken" not in m.content for m in cli.sandbox.state.messages("tasks"))
    dry, report = cli.run_json("--dry-run", "tasks", "remove", "Off", at=NOW)
    assert dry.exit_code == 0 and report["dry_run"] and "Off" in tasks_in(cli)


def test_an_untrusted_task_cannot_be_paused_or_resumed(sandbox_cli_factory: Factory) -> None:
    cli = _mixed(sandbox_cli_factory)
    result, report = cli.run_json("tasks", "pause", "Fan", at=NOW)
    assert result.exit_code == 64 and "not trusted" in str(report["errors"])


def test_a_name_shared_by_two_tasks_must_be_given_by_id(sandbox_cli_factory: Factory) -> None:
    twin = tool_task("Twin", "daily", naive(NOW + timedelta(hours=3)), time="11:30")
    cli = empty(sandbox_cli_factory, [task_message(layout_a(twin), now=NOW), task_message(layout_a(twin), now=NOW)])
    result, report = cli.run_json("tasks", "remove", "Twin", at=NOW)
    assert result.exit_code == 64 and "give the message id" in str(report["errors"])
    assert len(cli.sandbox.state.messages("tasks")) == 2


def test_resume_gives_a_task_without_next_run_its_first_run(sandbox_cli_factory: Factory) -> None:
    bare = {key: value for key, value in tool_task("Old style", "daily", "", time="09:00").items()
            if key != "next_run"}
    cli = empty(sandbox_cli_factory, [task_message(json.dumps(bare, indent=2), now=NOW)])
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1 and report["errors"][0]["field"] == "next_run"
    assert "next_run" not in tasks_in(cli)["Old style"]
    cli.run_json("tasks", "resume", "Old style", at=NOW)
    assert tasks_in(cli)["Old style"]["next_run"] == "2026-03-02T09:00:00+01:00"


def test_tasks_add_help_says_the_time_rules_precisely(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(["tasks", "add", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert result.exit_code == 0
    assert "moves forward by the gap's length (02:30 on Berlin's spring-forward day runs at 03:30 CEST)" in text
    assert "0 = Monday ... 6 = Sunday" in text and "day-of-week 0 and 7 are Sunday" in text
    assert "'DTSTART:...Z' line makes the rule run in UTC" in text
    assert "LEAGUE_TIMEZONE when only that is set" in text
