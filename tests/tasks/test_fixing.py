"""A broken task is fixable: found by the name `tasks list` shows, by id or prefix; reported once per problem.

Also: no task can create tasks by posting into the tasks channel, and leaguectl's own notices
there are never read as tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leaguectl.tasks.message import parse_content
from tests.conftest import SandboxCli
from tests.tasks.helpers import (
    BOB,
    FAN,
    TASKS,
    layout_a,
    naive,
    scenario,
    task_message,
    tool_task,
)

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
BROKEN = "📋 **Task: Broken task**\n├─ Schedule: daily\n\n```json\n{\"task_name\": \"Broken task\", \"schedule\": \n```"


def _cli(factory: Factory, *tasks: dict[str, Any] | str, **env: str) -> SandboxCli:
    contents = [task if isinstance(task, str) else layout_a(task) for task in tasks]
    return factory(scenario([task_message(content, now=NOW, minutes_ago=90) for content in contents], **env), NOW)


def _later(name: str, hours: int = 5) -> dict[str, Any]:
    return tool_task(name, "daily", naive(NOW + timedelta(hours=hours)), time="14:00")


def _notices(cli: SandboxCli) -> list[str]:
    return [message.content for message in cli.sandbox.state.messages("tasks")
            if message.content.startswith("⚠️ **leaguectl could not run a task**")]


def _task_id(cli: SandboxCli, marker: str) -> str:
    return next(message.id for message in cli.sandbox.state.messages("tasks") if marker in message.content)


# ------------------------------------------------------------------------------- addressing


def test_a_malformed_task_is_found_by_the_name_tasks_list_shows(sandbox_cli_factory: Factory) -> None:
    cli = _cli(sandbox_cli_factory, BROKEN, _later("Later"))
    _, listed = cli.run_json("tasks", "list", at=NOW)
    assert "Broken task" in [row["name"] for row in listed["details"]["tasks"]]
    shown, report = cli.run_json("tasks", "show", "broken task", at=NOW)
    assert shown.exit_code == 1 and report["details"]["task"]["status"] == "invalid"
    assert "leaguectl tasks remove" in report["details"]["task"]["fix"]
    removed, _ = cli.run_json("tasks", "remove", "Broken task", at=NOW)
    assert removed.exit_code == 0
    assert all("Broken task" not in message.content for message in cli.sandbox.state.messages("tasks"))


@pytest.mark.parametrize("ref", ["Lat", "later", "  LATER  "])
def test_a_unique_prefix_or_any_capitalisation_of_the_name_finds_the_task(sandbox_cli_factory: Factory,
                                                                          ref: str) -> None:
    cli = _cli(sandbox_cli_factory, _later("Later"), _later("Report"))
    result, report = cli.run_json("tasks", "pause", ref, at=NOW)
    assert result.exit_code == 0, report
    paused = [parse_content(m.content) for m in cli.sandbox.state.messages("tasks")]
    assert [task["task_name"] for task in paused if isinstance(task, dict) and task.get("status") == "paused"] == [
        "Later"]


def test_a_unique_prefix_of_the_message_id_finds_the_task(sandbox_cli_factory: Factory) -> None:
    cli = _cli(sandbox_cli_factory, _later("Only"))
    message_id = _task_id(cli, "Only")
    result, report = cli.run_json("tasks", "show", message_id[:-2], at=NOW)
    assert result.exit_code == 0 and report["details"]["task"]["id"] == message_id


def test_an_ambiguous_reference_names_the_candidates_and_the_way_out(sandbox_cli_factory: Factory) -> None:
    cli = _cli(sandbox_cli_factory, _later("Remind GMs"), _later("Recap"), _later("Lineups"))
    result, report = cli.run_json("tasks", "remove", "Re", at=NOW)
    message = report["errors"][0]["message"]
    assert result.exit_code == 64
    assert "'Remind GMs'" in message and "'Recap'" in message and "Lineups" not in message
    assert _task_id(cli, "Recap") in message and "message id" in message
    assert len(cli.sandbox.state.messages("tasks")) == 3


def test_an_unknown_reference_points_to_tasks_list(sandbox_cli_factory: Factory) -> None:
    cli = _cli(sandbox_cli_factory, _later("Lineups"))
    result, report = cli.run_json("tasks", "resume", "Nothing like it", at=NOW)
    assert result.exit_code == 64 and "leaguectl tasks list" in report["errors"][0]["message"]


# ------------------------------------------------------------------------------- reported once per problem


def test_a_broken_task_fails_the_first_pass_only_until_its_problem_changes(sandbox_cli_factory: Factory) -> None:
    broken = tool_task("Mondays", "every_monday", naive(NOW - timedelta(minutes=1)))
    cli = _cli(sandbox_cli_factory, broken, _later("Good"))
    first, report = cli.run_json("run-due-tasks", at=NOW)
    assert first.exit_code == 1 and report["errors"][0]["field"] == "schedule"
    [notice] = _notices(cli)
    task_id = _task_id(cli, '"Mondays"')
    assert task_id in notice and "weekly with day_of_week monday" in notice and "```" not in notice
    assert parse_content(notice) is None  # never a task, for leaguectl or the original scheduler

    again, report = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=1))
    assert again.exit_code == 0 and report["errors"] == []
    assert "Mondays" in report["warnings"][0]["message"] and "reported before" in report["warnings"][0]["message"]
    assert len(_notices(cli)) == 1
    assert report["details"]["tasks"]["tasks"] == 2  # the notice is not counted as a task

    message = next(m for m in cli.sandbox.state.messages("tasks") if m.id == task_id)
    message.content = message.content.replace('"every_monday"', '"every_tuesday"')  # someone edits it
    changed, report = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=2))
    assert changed.exit_code == 1 and "every_tuesday" in report["errors"][0]["message"]
    [notice] = _notices(cli)
    assert "tuesday" in notice

    cli.run_json("tasks", "remove", "Mondays", at=NOW + timedelta(minutes=3))
    fixed, report = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=4))
    assert fixed.exit_code == 0 and report["warnings"] == [] and _notices(cli) == []


def test_a_notice_written_by_someone_else_does_not_silence_a_problem(sandbox_cli_factory: Factory) -> None:
    broken = tool_task("Mondays", "every_monday", naive(NOW - timedelta(minutes=1)))
    cli = _cli(sandbox_cli_factory, broken)
    cli.run_json("run-due-tasks", at=NOW)
    [notice] = [m for m in cli.sandbox.state.messages("tasks") if m.content.startswith("⚠️")]
    notice.author_id = FAN  # the same text, but not the bot's
    again, report = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=10))
    assert again.exit_code == 1 and report["errors"][0]["field"] == "schedule"


def test_a_task_failing_the_same_way_is_an_error_once_then_warnings_until_it_is_paused(
    sandbox_cli_factory: Factory,
) -> None:
    task = tool_task("DM Bob", "daily", naive(NOW - timedelta(seconds=30)), time="08:59", action_type="user_reminder",
                     target=BOB)
    cli = _cli(sandbox_cli_factory, task)
    codes = []
    at = NOW
    for _ in range(5):
        result, report = cli.run_json("run-due-tasks", at=at)
        codes.append(result.exit_code)
        at += timedelta(minutes=16)  # past every backoff (1, 2, 4, 8 minutes)
    assert codes == [1, 0, 0, 0, 1]
    assert "paused after 5 failed attempts" in report["errors"][0]["message"]


# ------------------------------------------------------------------------------- tasks never create tasks


def test_a_task_posting_into_the_tasks_channel_is_refused(sandbox_cli_factory: Factory) -> None:
    inner = layout_a(tool_task("Spawned", "minutely", naive(NOW - timedelta(minutes=5))))
    spawner = tool_task("Spawner", "daily", naive(NOW - timedelta(minutes=1)), time="08:59", target=TASKS,
                        template=inner)
    cli = _cli(sandbox_cli_factory, spawner)
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1 and report["errors"][0]["field"] == "action_target"
    assert "tasks channel" in report["errors"][0]["message"]
    names = [parse_content(m.content) for m in cli.sandbox.state.messages("tasks")]
    assert [task["task_name"] for task in names if isinstance(task, dict)] == ["Spawner"]


def test_a_self_task_whose_heartbeat_log_is_the_tasks_channel_is_refused(sandbox_cli_factory: Factory) -> None:
    task = tool_task("Self", "daily", naive(NOW - timedelta(minutes=1)), time="08:59", action_type="self_task",
                     target=None)
    cli = _cli(sandbox_cli_factory, task, HEARTBEAT_LOG_CHANNEL_ID=TASKS)
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1 and "HEARTBEAT_LOG_CHANNEL_ID is the tasks channel" in report["errors"][0]["message"]


def test_tasks_add_refuses_the_tasks_channel_as_target(sandbox_cli_factory: Factory) -> None:
    cli = _cli(sandbox_cli_factory)
    result, report = cli.run_json("tasks", "add", "Loop", "--schedule", "daily", "--time", "09:00", "--target",
                                  "tasks", "--message", "hi", at=NOW)
    assert result.exit_code == 64 and "--target" in report["errors"][0]["message"]
    assert cli.sandbox.state.messages("tasks") == []
