"""Compatibility with the Unified Discord Tool: its task messages, as it and its scheduler write them.

The fixtures (``tests/tasks/unified_tool.py``) reproduce, from reading the tool's sources, every
schedule value it advertises and every action, in each header layout it has used. Each one is
read as written, is not due before the ``next_run`` the tool set, runs once when due, and is
rewritten so that both leaguectl and the original scheduler can read it again. What leaguectl
does not run (``secondly``, ``every_monday``, placeholder targets, the first version's missing
``next_run``) is reported with the fix, in ``run-due-tasks`` and in ``tasks list``/``show``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leaguectl.tasks.message import parse_content
from leaguectl.tasks.model import TaskHead, TaskProblem, read_task
from leaguectl.tasks.planner import Decision, Policy, Verdict, plan_message
from tests.conftest import SandboxCli
from tests.tasks.helpers import BERLIN, BOT, scenario, task_message
from tests.tasks.unified_tool import (
    ADVERTISED_SCHEDULES,
    CHANNEL,
    HEARTBEAT,
    PLACEHOLDER_HEARTBEAT,
    PLACEHOLDER_USER,
    TOOL_NOW,
    USER,
    al3_task,
    first_version_task,
    layout_al1,
    layout_al3,
    layout_first_version,
    layout_scheduler,
    layout_seed,
    rescheduled,
)

Factory = Callable[..., SandboxCli]
POLICY = Policy(default_zone=BERLIN, heartbeat_channel_id=HEARTBEAT)
FIELDS_FOR = {
    "daily": {"time": "09:00"}, "weekly": {"day_of_week": "monday", "time": "18:00"},
    "monthly": {"day_of_month": 15, "time": "12:00"}, "yearly": {"month": 7, "day_of_month": 4, "time": "10:00"},
    "on_date": {"specific_date": "2026-03-05", "time": "08:30"},
}
ACTIONS = {
    "user_reminder": {"action_type": "user_reminder", "action_target": USER},
    "channel_post": {"action_type": "channel_post", "action_target": CHANNEL},
    "self_task": {"action_type": "self_task", "action_target": None, "heartbeat": HEARTBEAT},
    "null action": {"action_type": None, "action_target": None, "heartbeat": HEARTBEAT},
}
LAYOUTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "AL3": layout_al3, "AL3 default target": lambda task: layout_al3(task, target_given=False),
    "AL1": layout_al1, "seed example": layout_seed,
}


def _entry(content: str, message_id: str = "1400000000000000001") -> TaskHead | TaskProblem | None:
    return read_task({"id": message_id, "author": {"id": BOT}, "content": content}, BERLIN)


def _due_at(task: dict[str, Any]) -> datetime:
    """The tool's naive next_run (Berlin, as its scheduler reads it) as an aware instant."""
    moment = datetime.fromisoformat(task["next_run"])
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=BERLIN).astimezone(UTC)


def _plan(content: str, now: datetime) -> Decision:
    entry = _entry(content)
    assert isinstance(entry, TaskHead), entry
    return plan_message(entry, trusted=True, now=now, policy=POLICY)


def _fixtures() -> dict[str, dict[str, Any]]:
    tasks = {}
    for schedule in ADVERTISED_SCHEDULES:
        for action, spec in ACTIONS.items():
            spec = dict(spec)
            heartbeat = spec.pop("heartbeat", PLACEHOLDER_HEARTBEAT)
            tasks[f"{schedule} / {action}"] = al3_task(f"{schedule} {action}", schedule, heartbeat=heartbeat,
                                                       **FIELDS_FOR.get(schedule, {}), **spec)
    return tasks


FIXTURES = _fixtures()


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("fixture", list(FIXTURES))
def test_every_schedule_and_action_in_every_layout_is_read_exactly_as_written(fixture: str, layout: str) -> None:
    task = FIXTURES[fixture]
    entry = _entry(LAYOUTS[layout](task))
    assert isinstance(entry, TaskHead)
    assert dict(entry.fields) == task
    assert entry.name == task["task_name"]


@pytest.mark.parametrize("fixture", list(FIXTURES))
def test_every_advertised_schedule_waits_for_the_tools_next_run_then_runs_once(fixture: str) -> None:
    task = FIXTURES[fixture]
    content = layout_al3(task)
    due = _due_at(task)
    if due > TOOL_NOW.replace(tzinfo=BERLIN):
        assert _plan(content, due - timedelta(seconds=1)).verdict is Verdict.NOT_DUE
    decision = _plan(content, due + timedelta(seconds=30))
    assert decision.verdict is Verdict.RUN, decision
    run = decision.run
    assert run is not None
    claim = parse_content(run.claim_content)
    assert isinstance(claim, dict)
    assert {key: value for key, value in claim.items() if key in task and key != "next_run"} == {
        key: value for key, value in task.items() if key != "next_run"}
    if task["one_time"]:
        assert run.finishes and claim["status"] == "running"
    else:
        assert not run.finishes
        assert _plan(run.claim_content, due + timedelta(seconds=31)).verdict is Verdict.NOT_DUE
    expected = {"user_reminder": ("user_reminder", USER, None), "channel_post": ("channel_post", None, CHANNEL)}
    kind, user, channel = expected.get(task["action_type"] or "", ("self_task", None, HEARTBEAT))
    assert (run.action.kind, run.action.user_id, run.action.channel_id) == (kind, user, channel)


def test_on_date_without_a_date_runs_once_at_the_next_run_the_tool_set() -> None:
    task = al3_task("Tomorrow-ish", "on_date")  # the tool: silently now + 1 day
    assert task["specific_date"] is None and task["one_time"] is True
    due = _due_at(task)
    assert _plan(layout_al3(task), due - timedelta(seconds=1)).verdict is Verdict.NOT_DUE
    decision = _plan(layout_al3(task), due + timedelta(seconds=5))
    assert decision.verdict is Verdict.RUN and decision.run is not None and decision.run.finishes
    assert decision.run.slot == due


def test_on_date_without_a_date_or_a_valid_next_run_asks_for_the_date() -> None:
    content = layout_al3(al3_task("Lost", "on_date")).replace('"next_run": "2026-03-02T22:43:38.143101"',
                                                              '"next_run": "someday"')
    decision = _plan(content, TOOL_NOW.replace(tzinfo=BERLIN))
    assert decision.verdict is Verdict.INVALID and decision.field == "specific_date"
    assert decision.problem is not None and "--date" in decision.problem.fix


@pytest.mark.parametrize(
    ("schedule", "advice"),
    [
        ("secondly", "minutely"),
        ("every_monday", "weekly with day_of_week monday"),
        ("every_day", "use schedule daily"),
        ("foo_bar", "use one of daily, weekly"),
    ],
)
def test_values_the_tool_accepts_but_leaguectl_does_not_run_say_how_to_fix_them(schedule: str, advice: str) -> None:
    task = al3_task("Odd", schedule)
    decision = _plan(layout_al3(task), _due_at(task) + timedelta(seconds=30))
    assert decision.verdict is Verdict.INVALID and decision.field == "schedule"
    assert decision.problem is not None and advice in decision.problem.fix


@pytest.mark.parametrize("action_type", ["user_reminder", "channel_post"])
def test_the_tools_placeholder_targets_are_reported_with_the_fix(action_type: str) -> None:
    task = al3_task("No target", "daily", time="09:00", action_type=action_type, action_target=None)
    assert task["action_target"] in (PLACEHOLDER_USER, PLACEHOLDER_HEARTBEAT)
    decision = _plan(layout_al3(task, target_given=False), _due_at(task) + timedelta(seconds=30))
    assert decision.verdict is Verdict.INVALID and decision.field == "action_target"
    assert decision.problem is not None and "action_target" in decision.problem.fix


@pytest.mark.parametrize("fixture", [name for name in FIXTURES if not FIXTURES[name]["one_time"]])
def test_a_task_reposted_by_the_original_scheduler_runs_at_its_utc_next_run(fixture: str) -> None:
    due = datetime(2026, 3, 10, 8, 0, 0, 512000, tzinfo=UTC)
    task = rescheduled(FIXTURES[fixture], due)
    content = layout_scheduler(task)
    assert "\\u" not in content.split("```json", 1)[1]  # raw UTF-8, as JSON.stringify writes it
    assert _plan(content, due - timedelta(seconds=1)).verdict is Verdict.NOT_DUE
    assert _plan(content, due + timedelta(seconds=1)).verdict is Verdict.RUN


def test_the_schedulers_cut_fallback_is_a_json_problem_named_by_its_header() -> None:
    long = rescheduled(al3_task("Long", "daily", time="09:00", action_template="x" * 1700),
                       datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    cut = layout_scheduler(long)
    assert cut.startswith("📋 **Task: Long**\nNext Run:")
    problem = _entry(cut)
    assert isinstance(problem, TaskProblem) and problem.field == "json" and problem.name == "Long"
    assert "leaguectl tasks remove 1400000000000000001" in problem.fix


def test_the_first_versions_task_without_next_run_is_reported_until_resumed() -> None:
    task = first_version_task("Old", "daily")
    entry = _entry(layout_first_version(task))
    assert isinstance(entry, TaskHead) and dict(entry.fields) == task
    decision = plan_message(entry, trusted=True, now=TOOL_NOW.replace(tzinfo=BERLIN), policy=POLICY)
    assert decision.verdict is Verdict.INVALID and decision.field == "next_run"
    assert decision.problem is not None and "leaguectl tasks resume" in decision.problem.fix


# ------------------------------------------------------------------------------- end to end


def _cli(factory: Factory, contents: list[str], at: datetime) -> SandboxCli:
    messages = [task_message(content, now=at, minutes_ago=90) for content in contents]
    return factory(scenario(messages, HEARTBEAT_LOG_CHANNEL_ID=HEARTBEAT), at)


def test_a_channel_of_the_tools_tasks_in_every_layout_runs_each_once(sandbox_cli_factory: Factory) -> None:
    due = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    naive_due = due.astimezone(BERLIN).replace(tzinfo=None).isoformat()
    contents = []
    for number, (name, layout) in enumerate(LAYOUTS.items()):
        task = {**al3_task(f"{name} post", "daily", time="09:00", action_template=f"post {number}"),
                "next_run": naive_due}
        contents.append(layout(task))
    contents.append(layout_scheduler(rescheduled(al3_task("re-posted", "every_2_days", action_template="post r"),
                                                 due)))
    contents.append(layout_al3({**al3_task("one day", "on_date", action_template="post o"), "next_run": naive_due}))
    cli = _cli(sandbox_cli_factory, contents, due + timedelta(seconds=20))
    first, report = cli.run_json("run-due-tasks", at=due + timedelta(seconds=20))
    assert first.exit_code == 0, report["errors"]
    again, _ = cli.run_json("run-due-tasks", at=due + timedelta(seconds=50))
    assert again.exit_code == 0
    posted = sorted(message.content for message in cli.sandbox.state.messages("general"))
    assert posted == sorted([f"post {number}" for number in range(len(LAYOUTS))] + ["post r", "post o"])
    left = [parse_content(message.content) for message in cli.sandbox.state.messages("tasks")]
    assert all(isinstance(task, dict) and task["next_run"] > "2026-03-03" for task in left)
    assert len(left) == len(LAYOUTS) + 1  # the one-time on_date task is gone


def test_tasks_list_and_show_say_how_to_fix_unknown_schedules(sandbox_cli_factory: Factory) -> None:
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    odd = {**al3_task("Mondays", "every_monday"), "next_run": "2026-03-02T08:00:00"}
    fast = {**al3_task("Fast", "secondly"), "next_run": "2026-03-02T08:00:00"}
    cli = _cli(sandbox_cli_factory, [layout_al3(odd), layout_al3(fast)], at)
    listed, report = cli.run_json("tasks", "list", at=at)
    assert listed.exit_code == 0
    fixes = {row["name"]: row["fix"] for row in report["details"]["tasks"]}
    assert "weekly with day_of_week monday" in fixes["Mondays"] and "minutely" in fixes["Fast"]
    text = cli.run("tasks", "list", at=at).stdout
    assert "To fix:" in text and "--day-of-week monday" in text
    shown = cli.run("tasks", "show", "Mondays", at=at)
    assert shown.exit_code == 1 and "weekly with day_of_week monday" in shown.stdout + shown.stderr
    shown_json = json.loads(cli.run("--json", "tasks", "show", "Fast", at=at).stdout)
    assert shown_json["details"]["task"]["status"] == "invalid"
