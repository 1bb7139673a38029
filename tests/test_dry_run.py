"""``--dry-run`` changes nothing (SPEC §3.4): zero mutating requests and untouched bot files, for every
scheduled command, every mutating ``tasks``/``scorecards`` subcommand and the ``alert`` helper."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SandboxCli, invoke

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday; the demo week starts on the next Monday


def _demo(factory: Callable[..., SandboxCli], **env: str) -> tuple[SandboxCli, dict[str, Any]]:
    from leaguectl.sandbox import demo_scenario

    scenario = demo_scenario(START)
    return factory(scenario, START, **env), scenario


def _bot_files(runtime: Any) -> dict[str, str]:
    return {
        name: hashlib.sha256(Path(runtime.environ[name]).read_bytes()).hexdigest()
        for name in ("SCORECARDS_FILE", "VOICE_CHANNELS_FILE")
    }


def _a_bot_task_id(cli: SandboxCli) -> str:
    bot = cli.sandbox.state.discord.bot_id
    message = next(m for m in cli.sandbox.state.messages("tasks") if m.author_id == bot and "Task:" in m.content)
    return str(message.id)


def _moment(scenario: dict[str, Any], name: str) -> datetime:
    timeline = scenario["demo"]["timeline"]
    value = timeline[name][0] if isinstance(timeline[name], list) else timeline[name]
    return datetime.fromisoformat(value)


def _assert_changes_nothing(cli: SandboxCli, at: datetime, *args: str) -> dict[str, Any]:
    cli.sandbox.clock.set(at)
    runtime = cli.runtime()  # writes the sandbox's bot files; the pass must leave them as they are
    files = _bot_files(runtime)
    cli.sandbox.clear_log()
    result = invoke(["--dry-run", "--json", "--now", at.isoformat(), *args], runtime=runtime)
    report = json.loads(result.stdout)
    assert result.exit_code in (0, 1), (result.exit_code, report.get("errors"), result.stderr)
    assert report["dry_run"] is True
    mutating = [(e.method, e.path) for e in cli.sandbox.request_log if e.mutating]
    assert mutating == [], f"{' '.join(args)} under --dry-run sent {mutating}"
    assert _bot_files(runtime) == files
    return report


SCHEDULED = [
    ("freeze-begin", "freeze_begin"),
    ("thaw", "thaw"),
    ("scorebug-tick", "scorebug_ticks"),
    ("cleanup-commands", "cleanup"),
]


@pytest.mark.parametrize(("command", "moment"), SCHEDULED)
def test_scheduled_commands_change_nothing_under_dry_run(
    sandbox_cli_factory: Callable[..., SandboxCli], command: str, moment: str
) -> None:
    cli, scenario = _demo(sandbox_cli_factory)
    if command == "thaw":  # the week's freeze, for real, so that thaw has claims to settle
        assert cli.run("freeze-begin", at=_moment(scenario, "freeze_begin")).exit_code == 0
    report = _assert_changes_nothing(cli, _moment(scenario, moment), command)
    assert report["actions"], f"{command}: the demo week gives it work to plan"


def test_run_due_tasks_changes_nothing_under_dry_run(sandbox_cli_factory: Callable[..., SandboxCli]) -> None:
    cli, scenario = _demo(sandbox_cli_factory)
    due = max(datetime.fromisoformat(task["due_at"]) for task in scenario["demo"]["tasks"] if task.get("due_at"))
    report = _assert_changes_nothing(cli, due, "run-due-tasks")
    assert report["actions"]


@pytest.mark.parametrize(
    "args",
    [
        ("tasks", "add", "Dry reminder", "--schedule", "daily", "--time", "09:00", "--message", "hi",
         "--target", "heartbeat-log"),
        ("tasks", "pause", "{task}"),
        ("tasks", "resume", "{task}"),
        ("tasks", "remove", "{task}"),
        ("scorecards", "publish", "gameday-1", "1sbxDemoGame2PORatWV0000000000000000000000"),
        ("scorecards", "unpublish", "gameday-2"),
    ],
)
def test_tasks_and_scorecards_subcommands_change_nothing_under_dry_run(
    sandbox_cli_factory: Callable[..., SandboxCli], args: tuple[str, ...]
) -> None:
    cli, _ = _demo(sandbox_cli_factory)
    task = _a_bot_task_id(cli)
    _assert_changes_nothing(cli, START, *(arg.format(task=task) for arg in args))


@pytest.mark.parametrize("channel", ["owner", "admin"])
def test_alert_helper_posts_nothing_and_opens_no_dm_under_dry_run(
    sandbox_cli_factory: Callable[..., SandboxCli], channel: str
) -> None:
    cli, _ = _demo(sandbox_cli_factory, ALERT_CHANNEL=channel, MONITOR_SERVICE_RESULT="timeout")
    report = _assert_changes_nothing(cli, START, "alert", "--unit", "leaguectl-thaw.service")
    (action,) = report["actions"]
    assert action["outcome"].startswith("would send")
    # without --dry-run the same alert is really sent (the test above would notice a silent no-op)
    _, report = cli.run_json("alert", "--unit", "leaguectl-thaw.service", at=START)
    assert report["actions"][0]["outcome"] == "sent"
    assert [e for e in cli.sandbox.request_log if e.mutating]
