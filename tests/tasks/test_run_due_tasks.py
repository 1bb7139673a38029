"""run-due-tasks end to end against the sandbox: runs, claims, crashes, trust, formats, failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leaguectl.discord_rest import snowflake_at
from leaguectl.sandbox.state import Message
from leaguectl.tasks.message import parse_content
from tests.conftest import SandboxCli
from tests.tasks.helpers import (
    ALICE,
    BOB,
    BOT,
    FAN,
    GENERAL,
    HELPER,
    layout_a,
    layout_c,
    naive,
    scenario,
    task_message,
    tool_task,
)

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def start(factory: Factory, messages: list[dict[str, Any]], at: datetime = NOW, **env: str) -> SandboxCli:
    return factory(scenario(messages), at, **env)


def seeded(content: str, *, author: str = "bot", at: datetime = NOW, minutes_ago: int = 90,
           **extra: Any) -> dict[str, Any]:
    return task_message(content, author=author, now=at, minutes_ago=minutes_ago, **extra)


def tasks(cli: SandboxCli) -> dict[str, tuple[Message, dict[str, Any]]]:
    """Task name → (message, task) for every parseable task in the tasks channel."""
    found: dict[str, tuple[Message, dict[str, Any]]] = {}
    for message in cli.sandbox.state.messages("tasks"):
        task = parse_content(message.content)
        if isinstance(task, dict):
            found[str(task.get("task_name"))] = (message, task)
    return found


def posts(cli: SandboxCli, channel: str = "general") -> list[str]:
    return [message.content for message in cli.sandbox.state.messages(channel)]


def mutating(cli: SandboxCli) -> list[tuple[str, str, int]]:
    """Writes to messages (opening a DM channel, which the ops hooks may do, changes nothing)."""
    return [(entry.method, entry.route or entry.path, entry.status) for entry in cli.sandbox.request_log
            if entry.mutating and entry.route != "POST /users/@me/channels"]


def due_daily(name: str, *, minutes_ago: int = 1, template: str = "hello", **fields: Any) -> dict[str, Any]:
    slot = NOW - timedelta(minutes=minutes_ago)
    return tool_task(name, "daily", naive(slot), time=naive(slot)[11:16], template=template, **fields)


# ------------------------------------------------------------------------------- one-time and recurring


def test_a_one_time_task_runs_once_and_its_message_is_deleted(sandbox_cli_factory: Factory) -> None:
    task = tool_task("Roster check", "in_5_minutes", naive(NOW - timedelta(seconds=30)),
                     action_type="user_reminder", target=ALICE, template="Set your roster!")
    cli = start(sandbox_cli_factory, [seeded(layout_a(task))])
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0, result.stdout
    assert [m.content for m in cli.sandbox.state.dm_messages(ALICE)] == ["Set your roster!"]
    assert tasks(cli) == {}
    assert len(cli.sandbox.state.deleted_messages("tasks")) == 1
    assert [action["kind"] for action in report["actions"]] == ["run"]
    again, _ = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=1))
    assert again.exit_code == 0
    assert len(cli.sandbox.state.dm_messages(ALICE)) == 1


def test_a_recurring_task_advances_from_its_slot_and_keeps_local_time_across_dst(sandbox_cli_factory: Factory) -> None:
    saturday = datetime(2026, 3, 28, 8, 0, 30, tzinfo=UTC)  # 09:00:30 CET; DST starts Sunday 02:00
    task = tool_task("Lineups", "daily", "2026-03-28T09:00:00", time="09:00", template="Lineups are due")
    cli = start(sandbox_cli_factory, [seeded(layout_a(task), at=saturday)], at=saturday)
    cli.run_json("run-due-tasks", at=saturday)
    assert tasks(cli)["Lineups"][1]["next_run"] == "2026-03-29T09:00:00+02:00"
    cli.run_json("run-due-tasks", at=datetime(2026, 3, 29, 6, 59, tzinfo=UTC))
    assert len(posts(cli)) == 1
    cli.run_json("run-due-tasks", at=datetime(2026, 3, 29, 7, 0, 30, tzinfo=UTC))  # 09:00:30 CEST
    assert posts(cli) == ["Lineups are due", "Lineups are due"]
    assert tasks(cli)["Lineups"][1]["next_run"] == "2026-03-30T09:00:00+02:00"
    cli.run_json("run-due-tasks", at=datetime(2026, 3, 29, 8, 0, 30, tzinfo=UTC))  # +24 h would fire here
    assert len(posts(cli)) == 2


def test_a_task_overdue_for_days_runs_once_and_skips_to_the_next_future_slot(sandbox_cli_factory: Factory) -> None:
    task = tool_task("Daily", "daily", "2026-02-25T09:00:00", time="09:00")
    cli = start(sandbox_cli_factory, [seeded(layout_a(task))])
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=5))
    assert posts(cli) == ["hello"]
    assert tasks(cli)["Daily"][1]["next_run"] == "2026-03-03T09:00:00+01:00"


def test_250_task_messages_every_due_one_runs_even_with_identical_texts(sandbox_cli_factory: Factory) -> None:
    messages = []
    for number in range(250):
        due = number < 200
        slot = NOW - timedelta(minutes=number + 1) if due else NOW + timedelta(hours=number)
        task = tool_task(f"Task {number}", "daily", naive(slot), time=naive(slot)[11:16], template="same text")
        messages.append(seeded(layout_a(task), minutes_ago=300 - number))
    cli = start(sandbox_cli_factory, messages)
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0, report["errors"]
    assert report["details"]["tasks"]["messages"] == 250
    assert posts(cli) == ["same text"] * 200
    state = tasks(cli)
    assert len(state) == 250
    for number in range(200):
        next_run = datetime.fromisoformat(state[f"Task {number}"][1]["next_run"])
        assert NOW < next_run <= NOW + timedelta(days=1)
    again, report = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=1))
    assert again.exit_code == 0 and len(posts(cli)) == 200


def test_two_runs_in_the_same_minute_fire_nothing_twice(sandbox_cli_factory: Factory) -> None:
    once = tool_task("Once", "in_2_minutes", naive(NOW - timedelta(seconds=10)), action_type="user_reminder",
                     target=ALICE, template="ping")
    cli = start(sandbox_cli_factory, [seeded(layout_a(due_daily("Daily", minutes_ago=0))), seeded(layout_a(once))])
    first, _ = cli.run_json("run-due-tasks", at=NOW + timedelta(seconds=5))
    second, report = cli.run_json("run-due-tasks", at=NOW + timedelta(seconds=40))
    assert first.exit_code == 0 and second.exit_code == 0
    assert posts(cli) == ["hello"]
    assert len(cli.sandbox.state.dm_messages(ALICE)) == 1
    assert report["actions"] == []


def test_a_crash_between_claim_and_action_never_fires_the_task_twice(sandbox_cli_factory: Factory) -> None:
    cli = start(sandbox_cli_factory, [seeded(layout_a(due_daily("Daily")))])
    # Mutating request 1 is the claim; every later one fails: the action's POST and its retries,
    # then the attempt to record the failure and its retries, so the pass dies after the claim.
    for k in range(2, 12):
        cli.sandbox.inject_failure(k, "500", service="discord")
    crashed, _ = cli.run_json("run-due-tasks", at=NOW)
    assert crashed.exit_code == 69
    assert cli.sandbox.pending_failures == 0
    assert tasks(cli)["Daily"][1]["next_run"] == "2026-03-03T08:59:00+01:00"
    rerun, report = cli.run_json("run-due-tasks", at=NOW + timedelta(seconds=30))
    assert rerun.exit_code == 0
    assert len(posts(cli)) <= 1
    assert posts(cli) == []  # at-most-once: the claimed run is lost, never repeated
    assert report["actions"] == []


def test_a_crash_after_a_one_time_claim_is_paused_with_a_note_later(sandbox_cli_factory: Factory) -> None:
    once = tool_task("Once", "in_5_minutes", naive(NOW - timedelta(seconds=10)), template="ping")
    cli = start(sandbox_cli_factory, [seeded(layout_a(once))])
    for k in range(2, 12):
        cli.sandbox.inject_failure(k, "500", service="discord")
    assert cli.run_json("run-due-tasks", at=NOW)[0].exit_code == 69
    assert tasks(cli)["Once"][1]["status"] == "running"
    assert cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=1))[1]["actions"] == []
    result, _ = cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=20))
    assert result.exit_code == 1
    task = tasks(cli)["Once"][1]
    assert task["active"] is False and task["status"] == "paused" and "may not have run" in task["last_error"]
    assert posts(cli) == []


# ------------------------------------------------------------------------------- trust and bad input


def test_an_untrusted_authors_task_is_reported_and_not_run(sandbox_cli_factory: Factory) -> None:
    content = layout_a(due_daily("Free beer", template="@everyone free beer"))
    cli = start(sandbox_cli_factory, [seeded(content, author=FAN)])
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0
    assert posts(cli) == []
    message = cli.sandbox.state.messages("tasks")[0]
    assert message.content == content
    assert [entry["item"] for entry in report["skipped"]] == [message.id]
    assert "Free beer" in report["skipped"][0]["reason"]
    assert mutating(cli) == []


def test_a_trusted_users_task_runs_and_is_reposted_by_the_bot(sandbox_cli_factory: Factory) -> None:
    cli = start(sandbox_cli_factory, [seeded(layout_a(due_daily("Helper's task")), author=HELPER)],
                TASKS_TRUSTED_USERS=HELPER)
    old_id = cli.sandbox.state.messages("tasks")[0].id
    result, _ = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0
    assert posts(cli) == ["hello"]
    message, task = tasks(cli)["Helper's task"]
    assert message.author_id == BOT and task["replaces"] == old_id
    assert [m.id for m in cli.sandbox.state.messages("tasks")] == [message.id]


def test_malformed_json_is_kept_and_reported_with_its_id_and_field(sandbox_cli_factory: Factory) -> None:
    broken = layout_a(due_daily("Broken")).replace('"active": true\n}', '"active": true,\n')
    bad_schedule = layout_a({**due_daily("Weird"), "schedule": "every_monday"})
    cli = start(sandbox_cli_factory, [seeded(broken), seeded(bad_schedule), seeded(layout_a(due_daily("Fine")))])
    before = {m.id: m.content for m in cli.sandbox.state.messages("tasks")}
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1
    assert posts(cli) == ["hello"]
    by_item = {error["item"]: error for error in report["errors"]}
    broken_id, weird_id, fine_id = list(before)
    assert by_item[broken_id]["field"] == "json" and "Broken" in by_item[broken_id]["message"]
    assert by_item[weird_id]["field"] == "schedule" and "every_monday" in by_item[weird_id]["message"]
    after = {m.id: m.content for m in cli.sandbox.state.messages("tasks")}
    assert after[broken_id] == before[broken_id] and after[weird_id] == before[weird_id]
    assert after[fine_id] != before[fine_id]


def test_everyone_and_user_mentions_in_a_template_never_ping(sandbox_cli_factory: Factory) -> None:
    template = f"@everyone @here lineups are due <@{ALICE}>"
    cli = start(sandbox_cli_factory, [seeded(layout_a(due_daily("Loud", template=template)))])
    cli.run_json("run-due-tasks", at=NOW)
    [post] = cli.sandbox.state.messages("general")
    assert post.content == template
    assert post.mentions_pinged == []
    assert post.allowed_mentions == {"parse": []}
    [task_message_after] = cli.sandbox.state.messages("tasks")
    assert task_message_after.mentions_pinged == []


def test_a_dm_closed_user_is_recorded_in_the_task_and_the_run_continues(sandbox_cli_factory: Factory) -> None:
    closed = due_daily("Bob reminder", action_type="user_reminder", target=BOB, template="hi bob")
    cli = start(sandbox_cli_factory, [seeded(layout_a(closed)), seeded(layout_a(due_daily("Post")))])
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1
    assert posts(cli) == ["hello"]
    task = tasks(cli)["Bob reminder"][1]
    assert task["attempts"] == 1
    assert "dms-closed" in task["last_error"]
    assert task["retry_of"] == "2026-03-02T08:59:00+01:00"
    assert task["next_run"] == "2026-03-02T09:01:00+01:00"
    assert any("dms-closed" in error["message"] for error in report["errors"])


def test_repeated_failures_pause_the_task_after_the_maximum_attempts(sandbox_cli_factory: Factory) -> None:
    closed = due_daily("Bob reminder", action_type="user_reminder", target=BOB, template="hi bob")
    cli = start(sandbox_cli_factory, [seeded(layout_a(closed))], TASKS_MAX_ATTEMPTS="3")
    moment = NOW
    for _ in range(3):
        cli.run_json("run-due-tasks", at=moment)
        task = tasks(cli)["Bob reminder"][1]
        moment = datetime.fromisoformat(task["next_run"]).astimezone(UTC) + timedelta(seconds=1)
    assert task["active"] is False and task["status"] == "paused" and task["attempts"] == 3
    result, report = cli.run_json("run-due-tasks", at=moment + timedelta(days=2))
    assert result.exit_code == 0 and report["actions"] == []


def test_a_refused_edit_posts_the_new_message_before_deleting_the_old(sandbox_cli_factory: Factory) -> None:
    cli = start(sandbox_cli_factory, [seeded(layout_a(due_daily("Old")), edit_limited=True)])
    old_id = cli.sandbox.state.messages("tasks")[0].id
    result, _ = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0
    message, task = tasks(cli)["Old"]
    assert message.id != old_id and task["replaces"] == old_id
    assert task["next_run"] == "2026-03-03T08:59:00+01:00"
    assert posts(cli) == ["hello"]
    calls = mutating(cli)
    assert calls[0] == ("PATCH", "PATCH /channels/{channel_id}/messages/{message_id}", 400)
    repost = calls.index(("POST", "POST /channels/{channel_id}/messages", 200))
    delete = calls.index(("DELETE", "DELETE /channels/{channel_id}/messages/{message_id}", 204))
    assert repost < delete


def test_a_leftover_copy_of_a_reposted_task_is_deleted_not_run(sandbox_cli_factory: Factory) -> None:
    old_id = snowflake_at(NOW - timedelta(hours=3))
    new_id = snowflake_at(NOW - timedelta(hours=2))
    old = seeded(layout_a(due_daily("Copy")), id=old_id)
    newer_task = {**due_daily("Copy"), "next_run": "2026-03-03T08:59:00+01:00", "replaces": old_id}
    cli = start(sandbox_cli_factory, [old, seeded(layout_a(newer_task), id=new_id)])
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0
    assert posts(cli) == []
    assert [m.id for m in cli.sandbox.state.messages("tasks")] == [new_id]
    assert [action["kind"] for action in report["actions"]] == ["delete-leftover"]


# ------------------------------------------------------------------------------- formats and actions


def test_a_task_in_the_original_tools_exact_format_runs(sandbox_cli_factory: Factory) -> None:
    slot = NOW - timedelta(seconds=20)
    task = tool_task("Good morning ☀️", "in_2_minutes", naive(slot) + ".143101",
                     action_type="user_reminder", target=ALICE, template="Good morning! ☀️",
                     created_at=naive(slot - timedelta(minutes=2)) + ".143101")
    content = layout_a(task, default_target=True)
    assert "\\u2600" in content
    cli = start(sandbox_cli_factory, [seeded(content)])
    result, _ = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0
    assert [m.content for m in cli.sandbox.state.dm_messages(ALICE)] == ["Good morning! ☀️"]
    assert tasks(cli) == {}


def test_a_task_reposted_by_the_original_scheduler_with_a_utc_next_run_runs(sandbox_cli_factory: Factory) -> None:
    task = {**due_daily("Nudge", template="📈 standings"), "next_run": "2026-03-02T07:59:00.000Z",
            "timezone": "America/New_York", "time": "02:59"}
    cli = start(sandbox_cli_factory, [seeded(layout_c(task))])
    cli.run_json("run-due-tasks", at=NOW)
    assert posts(cli) == ["📈 standings"]
    assert tasks(cli)["Nudge"][1]["next_run"] == "2026-03-03T02:59:00-05:00"


def test_a_self_task_without_letta_posts_to_the_heartbeat_log(sandbox_cli_factory: Factory) -> None:
    task = due_daily("Heartbeat", action_type="self_task", target="YOUR_HEARTBEAT_LOG_CHANNEL_ID_HERE",
                     template="Check the channels")
    cli = start(sandbox_cli_factory, [seeded(layout_a(task))])
    cli.run_json("run-due-tasks", at=NOW)
    assert posts(cli, "heartbeat-log") == ["Check the channels"]


def test_missed_one_time_tasks_are_removed_or_kept_paused(sandbox_cli_factory: Factory) -> None:
    late = tool_task("Late", "tomorrow_at_06:00", naive(NOW - timedelta(hours=3)), template="too late")
    cli = start(sandbox_cli_factory, [seeded(layout_a(late))])
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0 and posts(cli) == [] and tasks(cli) == {}
    assert "missed" in report["warnings"][0]["message"]
    kept = start(sandbox_cli_factory, [seeded(layout_a(late))], TASKS_KEEP_MISSED="true")
    kept.run_json("run-due-tasks", at=NOW)
    task = tasks(kept)["Late"][1]
    assert task["status"] == "missed" and task["active"] is False and posts(kept) == []


def test_dry_run_reports_the_plan_and_changes_nothing(sandbox_cli_factory: Factory) -> None:
    cli = start(sandbox_cli_factory, [seeded(layout_a(due_daily("Daily")))])
    before = [m.content for m in cli.sandbox.state.messages("tasks")]
    result, report = cli.run_json("run-due-tasks", "--dry-run", at=NOW)
    assert result.exit_code == 0 and report["dry_run"] is True
    assert [action["kind"] for action in report["actions"]] == ["run"]
    assert mutating(cli) == []
    assert [m.content for m in cli.sandbox.state.messages("tasks")] == before


def test_a_missing_tasks_channel_setting_is_a_configuration_error(sandbox_cli_factory: Factory) -> None:
    cli = start(sandbox_cli_factory, [], TASKS_CHANNEL_ID="")
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 78
    assert "TASKS_CHANNEL_ID" in json.dumps(report["errors"])


@pytest.mark.parametrize("channel", [GENERAL])
def test_the_report_counts_the_channels_tasks(sandbox_cli_factory: Factory, channel: str) -> None:
    later = tool_task("Later", "daily", naive(NOW + timedelta(hours=2)), time="11:00", target=channel)
    paused = {**due_daily("Off"), "active": False}
    cli = start(sandbox_cli_factory, [seeded(layout_a(later)), seeded(layout_a(paused)), seeded("just chatting")])
    _, report = cli.run_json("run-due-tasks", at=NOW)
    assert report["details"]["tasks"] == {"messages": 3, "tasks": 2, "not-due": 1, "paused": 1}
    assert "next: 'Later'" in report["summary"]


def test_a_trusted_users_one_time_task_runs_once_even_when_its_old_copy_cannot_be_deleted(
    sandbox_cli_factory: Factory,
) -> None:
    once = tool_task("Helper ping", "in_2_minutes", naive(NOW - timedelta(seconds=10)), action_type="user_reminder",
                     target=ALICE, template="from helper")
    world = scenario([seeded(layout_a(once), author=HELPER)])
    world["discord"]["channels"][0]["bot_denied"] = ["manage_messages"]
    cli = sandbox_cli_factory(world, NOW, TASKS_TRUSTED_USERS=HELPER)
    first, report = cli.run_json("run-due-tasks", at=NOW)
    assert first.exit_code == 0, report["errors"]
    assert report["warnings"]
    for later in (timedelta(minutes=1), timedelta(minutes=30)):
        assert cli.run_json("run-due-tasks", at=NOW + later)[0].exit_code == 0
    assert [m.content for m in cli.sandbox.state.dm_messages(ALICE)] == ["from helper"]
    copies = cli.sandbox.state.messages("tasks")
    assert len(copies) == 2
    done = [parse_content(m.content) for m in copies if m.author_id == BOT]
    assert len(done) == 1 and isinstance(done[0], dict) and done[0]["status"] == "done"


def test_trusted_roles_are_looked_up_once_per_author() -> None:
    from leaguectl.tasks.runner import Trust

    lookups: list[str] = []

    def roles_of(user_id: str) -> set[str]:
        lookups.append(user_id)
        return {"900"} if user_id == HELPER else {"1"}

    trust = Trust(BOT, [], ["900"], roles_of)
    assert trust.allows(BOT) and trust.allows(HELPER) and trust.allows(HELPER)
    assert not trust.allows(FAN) and not trust.allows(FAN)
    assert lookups == [HELPER, FAN]
    assert not Trust(BOT, [], [], roles_of).allows(HELPER)


def test_a_replacement_of_a_replacement_still_marks_the_first_leftover(sandbox_cli_factory: Factory) -> None:
    old_id = snowflake_at(NOW - timedelta(hours=3))
    new_id = snowflake_at(NOW - timedelta(hours=2))
    leftover = seeded(layout_a(due_daily("Chain")), author=HELPER, id=old_id)
    current = seeded(layout_a({**due_daily("Chain"), "replaces": old_id}), id=new_id, edit_limited=True)
    world = scenario([leftover, current])
    world["discord"]["channels"][0]["bot_denied"] = ["manage_messages"]
    cli = sandbox_cli_factory(world, NOW, TASKS_TRUSTED_USERS=HELPER)
    result, _ = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0
    assert posts(cli) == ["hello"]
    [newest] = [m for m in cli.sandbox.state.messages("tasks") if m.id not in (old_id, new_id)]
    task = parse_content(newest.content)
    assert isinstance(task, dict) and task["replaces"] == [new_id, old_id]
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=2))
    assert posts(cli) == ["hello"]
    assert [m.id for m in cli.sandbox.state.messages("tasks")] == [old_id, newest.id]
