"""``--dry-run`` makes no mutating request in any tasks command, whatever the channel holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import SandboxCli
from tests.tasks.helpers import ALICE, BOB, FAN, layout_a, naive, scenario, task_message, tool_task

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _busy_channel(factory: Factory) -> SandboxCli:
    """Something for every kind of write: runs, a failure, a broken task, a stale claim, a missed task."""
    due = naive(NOW - timedelta(minutes=1))
    tasks = [
        tool_task("Post", "daily", due, time="08:59", template="post"),
        tool_task("DM", "in_5_minutes", due, action_type="user_reminder", target=ALICE),
        tool_task("Closed DMs", "daily", due, time="08:59", action_type="user_reminder", target=BOB),
        tool_task("Broken", "every_monday", due),
        {**tool_task("Stale", "in_5_minutes", due), "status": "running", "claimed_at": "2026-03-02T07:00:00+01:00"},
        tool_task("Missed", "tomorrow_at_06:00", naive(NOW - timedelta(hours=3))),
        tool_task("Paused", "daily", naive(NOW + timedelta(hours=2)), time="11:00", active=False),
        tool_task("Later", "daily", naive(NOW + timedelta(hours=2)), time="11:00"),
    ]
    messages = [task_message(layout_a(task), now=NOW, minutes_ago=90) for task in tasks]
    messages.append(task_message(layout_a(tool_task("Fan's", "daily", due, time="08:59")), author=FAN, now=NOW))
    return factory(scenario(messages, TASKS_KEEP_MISSED="true"), NOW)


COMMANDS = [
    ("run-due-tasks",),
    ("tasks", "add", "New", "--schedule", "daily", "--time", "10:00", "--target", "general", "--message", "hi"),
    ("tasks", "list"),
    ("tasks", "show", "Broken"),
    ("tasks", "remove", "Later"),
    ("tasks", "pause", "Later"),
    ("tasks", "resume", "Paused"),
    ("tasks", "resume", "Stale"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(command[:2]) for command in COMMANDS])
@pytest.mark.parametrize("where", ["before", "after"])
def test_dry_run_makes_no_mutating_request(sandbox_cli_factory: Factory, command: tuple[str, ...],
                                           where: str) -> None:
    cli = _busy_channel(sandbox_cli_factory)
    before = cli.sandbox.state.normalized_snapshot()
    cli.sandbox.clear_log()
    args = ("--dry-run", *command) if where == "before" else (*command, "--dry-run")
    if command[0] == "tasks" and command[1] in ("list", "show"):
        args = command  # read-only commands take no --dry-run of their own
    result = cli.run(*args, at=NOW)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    assert [entry for entry in cli.sandbox.request_log if entry.mutating] == []
    assert cli.sandbox.state.normalized_snapshot() == before


def test_a_dry_run_pass_reports_what_it_would_do(sandbox_cli_factory: Factory) -> None:
    cli = _busy_channel(sandbox_cli_factory)
    result, report = cli.run_json("--dry-run", "run-due-tasks", at=NOW)
    assert result.exit_code == 1 and report["dry_run"]
    kinds = sorted(action["kind"] for action in report["actions"])
    assert kinds == ["keep-missed", "notice", "run", "run", "run"]
