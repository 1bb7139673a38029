"""The pure planner: due or not, the claim to write, misfires, failures and backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leaguectl.tasks.message import parse_content
from leaguectl.tasks.model import task_head
from leaguectl.tasks.planner import (
    Decision,
    Policy,
    RunPlan,
    Verdict,
    after_failure,
    plan_message,
    retry_delay,
    run_nonce,
)
from tests.tasks.helpers import ALICE, BERLIN, BOT, GENERAL, HEARTBEAT, tool_task

POLICY = Policy(default_zone=BERLIN, heartbeat_channel_id=HEARTBEAT)


def plan(task: dict[str, Any], now: datetime, *, policy: Policy = POLICY, trusted: bool = True,
         message_id: str = "1400000000000000001") -> Decision:
    head = task_head(task, default_zone=policy.default_zone, message_id=message_id, author_id=BOT)
    return plan_message(head, trusted=trusted, now=now, policy=policy)


def run_of(decision: Decision) -> RunPlan:
    assert decision.verdict is Verdict.RUN, decision
    assert decision.run is not None
    return decision.run


def test_a_daily_task_at_its_slot_is_claimed_with_the_next_days_slot() -> None:
    task = tool_task("Daily", "daily", "2026-03-02T09:00:00", time="09:00")
    run = run_of(plan(task, datetime(2026, 3, 2, 8, 0, 20, tzinfo=UTC)))
    assert run.claim.fields["next_run"] == "2026-03-03T09:00:00+01:00"
    assert run.claim.fields["last_run"] == "2026-03-02T09:00:00+01:00"
    assert not run.finishes
    assert parse_content(run.claim_content) == run.claim.fields


def test_the_next_run_is_computed_from_the_slot_and_keeps_local_time_across_dst() -> None:
    task = tool_task("Daily", "daily", "2026-03-28T09:00:00", time="09:00")
    run = run_of(plan(task, datetime(2026, 3, 28, 8, 0, 45, tzinfo=UTC)))
    assert run.claim.fields["next_run"] == "2026-03-29T09:00:00+02:00"


def test_a_task_overdue_by_many_days_runs_once_and_moves_to_the_next_future_slot() -> None:
    task = tool_task("Daily", "daily", "2026-02-20T09:00:00", time="09:00")
    run = run_of(plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)))
    assert run.slot == datetime(2026, 2, 20, 8, 0, tzinfo=UTC)
    assert run.claim.fields["next_run"] == "2026-03-03T09:00:00+01:00"


def test_a_midnight_task_just_run_is_not_due_again_the_same_minute() -> None:
    task = tool_task("Midnight", "daily", "2026-07-16T00:30:00", time="00:30")
    run = run_of(plan(task, datetime(2026, 7, 15, 22, 30, 5, tzinfo=UTC)))
    again = {**run.claim.fields}
    assert plan(again, datetime(2026, 7, 15, 22, 30, 40, tzinfo=UTC)).verdict is Verdict.NOT_DUE
    assert again["next_run"] == "2026-07-17T00:30:00+02:00"


def test_a_future_task_is_not_due() -> None:
    task = tool_task("Later", "weekly", "2026-03-09T09:00:00", time="09:00", day_of_week="monday")
    decision = plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert decision.verdict is Verdict.NOT_DUE
    assert decision.due_at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def test_a_one_time_task_is_claimed_as_running_and_finishes() -> None:
    task = tool_task("Once", "in_5_minutes", "2026-03-02T09:05:00.123456", action_type="user_reminder", target=ALICE)
    now = datetime(2026, 3, 2, 8, 5, 30, tzinfo=UTC)
    run = run_of(plan(task, now))
    assert run.finishes
    assert run.claim.fields["status"] == "running"
    assert run.claim.fields["claimed_at"] == "2026-03-02T09:05:30+01:00"
    assert run.claim.fields["next_run"] == task["next_run"]
    assert run.action.kind == "user_reminder" and run.action.user_id == ALICE


def test_a_one_time_task_later_than_the_grace_is_missed_and_removed_by_default() -> None:
    task = tool_task("Once", "tomorrow_at_09:00", "2026-03-02T09:00:00")
    decision = plan(task, datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC))
    assert decision.verdict is Verdict.MISSED
    assert decision.update is None
    assert "missed" in decision.reason and "grace" in decision.reason


def test_a_missed_one_time_task_is_kept_paused_with_a_note_when_configured() -> None:
    task = tool_task("Once", "tomorrow_at_09:00", "2026-03-02T09:00:00")
    policy = Policy(default_zone=BERLIN, keep_missed=True)
    decision = plan(task, datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC), policy=policy)
    assert decision.verdict is Verdict.MISSED
    assert decision.update is not None
    assert decision.update.fields["active"] is False and decision.update.fields["status"] == "missed"
    assert "missed" in decision.update.fields["last_error"]
    assert decision.update_content is not None and parse_content(decision.update_content) == decision.update.fields


def test_a_one_time_task_within_the_grace_still_runs() -> None:
    task = tool_task("Once", "tomorrow_at_09:00", "2026-03-02T09:00:00")
    assert plan(task, datetime(2026, 3, 2, 8, 59, tzinfo=UTC)).verdict is Verdict.RUN


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"schedule": "every_monday"}, "schedule"),
        ({"schedule": None}, "schedule"),
        ({"time": "25:00"}, "time"),
        ({"next_run": None}, "next_run"),
        ({"next_run": "tomorrow"}, "next_run"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"action_type": "send_email"}, "action_type"),
        ({"action_type": "user_reminder", "action_target": "YOUR_USER_ID_HERE"}, "action_target"),
        ({"action_target": "general"}, "action_target"),
        ({"action_template": "x" * 2001}, "action_template"),
        ({"action_template": "x" * 1900, "description": "d" * 200}, "message"),
    ],
)
def test_bad_fields_of_a_due_task_are_invalid_naming_the_field(changes: dict[str, Any], field: str) -> None:
    task = {**tool_task("Bad", "daily", "2026-03-02T09:00:00", time="09:00"), **changes}
    decision = plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert decision.verdict is Verdict.INVALID, decision
    assert decision.field == field
    assert decision.run is None and decision.update is None


def test_a_self_task_with_nowhere_to_go_is_invalid() -> None:
    task = tool_task("Self", "daily", "2026-03-02T09:00:00", time="09:00", action_type="self_task", target=None)
    decision = plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC), policy=Policy(default_zone=BERLIN))
    assert decision.verdict is Verdict.INVALID and decision.field == "action_target"


def test_a_null_action_type_is_a_self_task_to_the_heartbeat_log() -> None:
    task = tool_task("Self", "daily", "2026-03-02T09:00:00", time="09:00", action_type=None,
                     target="YOUR_HEARTBEAT_LOG_CHANNEL_ID_HERE")
    run = run_of(plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)))
    assert run.action.kind == "self_task" and run.action.channel_id == HEARTBEAT and not run.action.letta


def test_untrusted_tasks_are_reported_not_run() -> None:
    task = tool_task("Free beer", "daily", "2026-03-02T09:00:00", time="09:00")
    assert plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC), trusted=False).verdict is Verdict.UNTRUSTED


@pytest.mark.parametrize("flag", [{"active": False}, {"active": "false"}, {"status": "paused"}, {"paused": True}])
def test_inactive_and_paused_tasks_are_skipped(flag: dict[str, Any]) -> None:
    task = {**tool_task("Off", "daily", "2026-03-02T09:00:00", time="09:00"), **flag}
    assert plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)).verdict is Verdict.PAUSED


def test_a_fresh_claim_of_another_pass_is_left_alone_and_a_stale_one_is_paused() -> None:
    task = {**tool_task("Once", "in_5_minutes", "2026-03-02T09:00:00"), "status": "running",
            "claimed_at": "2026-03-02T09:00:10+01:00"}
    fresh = plan(task, datetime(2026, 3, 2, 8, 5, tzinfo=UTC))
    assert fresh.verdict is Verdict.IN_PROGRESS
    stale = plan(task, datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    assert stale.verdict is Verdict.STALE_CLAIM
    assert stale.update is not None and stale.update.fields["active"] is False
    assert "may not have run" in stale.update.fields["last_error"]


def test_the_fast_path_does_not_parse_the_schedule_of_tasks_that_are_not_due() -> None:
    task = tool_task("Later", "every_monday", "2099-01-01T09:00:00")
    assert plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)).verdict is Verdict.NOT_DUE


def test_a_naive_next_run_of_an_rrule_with_its_own_zone_is_read_in_that_zone() -> None:
    rule = "DTSTART;TZID=America/New_York:20260302T090000\nRRULE:FREQ=DAILY"
    task = tool_task("NY", rule, "2026-03-03T09:00:00")
    assert plan(task, datetime(2026, 3, 3, 13, 59, tzinfo=UTC)).verdict is Verdict.NOT_DUE
    run = run_of(plan(task, datetime(2026, 3, 3, 14, 0, 30, tzinfo=UTC)))
    assert run.claim.fields["next_run"] == "2026-03-04T09:00:00-05:00"


# ------------------------------------------------------------------------------- failures


def _due_daily(**extra: Any) -> RunPlan:
    task = {**tool_task("Daily", "daily", "2026-03-02T09:00:00", time="09:00"), **extra}
    return run_of(plan(task, datetime(2026, 3, 2, 8, 0, 30, tzinfo=UTC)))


def test_a_failure_is_recorded_with_attempts_error_and_a_retry_of_the_slot() -> None:
    run = _due_daily()
    now = datetime(2026, 3, 2, 8, 1, tzinfo=UTC)
    failure = after_failure(run, "Discord refused: Missing Access", now, POLICY)
    assert failure.outcome == "retry"
    assert failure.task.fields["attempts"] == 1
    assert failure.task.fields["last_error"] == "Discord refused: Missing Access"
    assert failure.task.fields["next_run"] == "2026-03-02T09:02:00+01:00"
    assert failure.task.fields["retry_of"] == "2026-03-02T09:00:00+01:00"


def test_the_retry_runs_the_failed_slot_and_then_returns_to_the_series() -> None:
    run = _due_daily()
    failure = after_failure(run, "boom", datetime(2026, 3, 2, 8, 1, tzinfo=UTC), POLICY)
    retry = run_of(plan(dict(failure.task.fields), datetime(2026, 3, 2, 8, 2, 5, tzinfo=UTC)))
    assert retry.slot == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert retry.nonce == run.nonce
    assert retry.claim.fields["next_run"] == "2026-03-03T09:00:00+01:00"
    assert "retry_of" not in retry.claim.fields and "attempts" not in retry.claim.fields
    assert "last_error" not in retry.claim.fields


def test_backoff_doubles_and_is_capped() -> None:
    delays = [retry_delay(n, POLICY) for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=1)


def test_a_retry_later_than_the_next_slot_is_replaced_by_the_next_slot() -> None:
    task = tool_task("Often", "every_5_minutes", "2026-03-02T09:00:00", attempts=4)
    run = run_of(plan(task, datetime(2026, 3, 2, 8, 0, 30, tzinfo=UTC)))
    failure = after_failure(run, "boom", datetime(2026, 3, 2, 8, 1, tzinfo=UTC), Policy(default_zone=BERLIN,
                                                                                          max_attempts=9))
    assert failure.outcome == "next-slot"
    assert failure.task.fields["next_run"] == "2026-03-02T09:05:00+01:00"
    assert failure.task.fields["attempts"] == 5 and "retry_of" not in failure.task.fields


def test_the_last_allowed_failure_pauses_the_task_with_the_error() -> None:
    run = _due_daily(attempts=4)
    failure = after_failure(run, "DM to user 1 not delivered (dms-closed)", datetime(2026, 3, 2, 8, 1, tzinfo=UTC),
                            POLICY)
    assert failure.outcome == "paused"
    assert failure.task.fields["active"] is False and failure.task.fields["status"] == "paused"
    assert failure.task.fields["attempts"] == 5
    assert "dms-closed" in failure.task.fields["last_error"] and "paused after 5" in failure.task.fields["last_error"]


def test_a_failed_one_time_task_is_no_longer_running_and_waits_for_its_retry() -> None:
    task = tool_task("Once", "in_5_minutes", "2026-03-02T09:00:00", action_type="user_reminder", target=ALICE)
    run = run_of(plan(task, datetime(2026, 3, 2, 8, 0, 30, tzinfo=UTC)))
    failure = after_failure(run, "boom", datetime(2026, 3, 2, 8, 1, tzinfo=UTC), POLICY)
    assert "status" not in failure.task.fields and "claimed_at" not in failure.task.fields
    retry = run_of(plan(dict(failure.task.fields), datetime(2026, 3, 2, 8, 2, 30, tzinfo=UTC)))
    assert retry.finishes and retry.slot == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_nonces_differ_per_message_and_slot_and_fit_discords_limit() -> None:
    slot = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    nonces = {run_nonce("1", slot), run_nonce("2", slot), run_nonce("1", slot + timedelta(days=1))}
    assert len(nonces) == 3
    assert all(len(nonce) <= 25 for nonce in nonces)
    assert run_nonce("1", slot) == run_nonce("1", slot.astimezone(BERLIN))


def test_a_channel_post_targets_its_channel() -> None:
    run = _due_daily()
    assert run.action.kind == "channel_post" and run.action.channel_id == GENERAL and run.action.text == "hello"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"next_run": "0001-01-01T00:00:00"}, "next_run"),
        ({"schedule": "every_99999999999_weeks"}, "schedule"),
    ],
)
def test_values_out_of_range_make_the_task_invalid_not_the_pass_fail(changes: dict[str, Any], field: str) -> None:
    task = {**tool_task("Huge", "daily", "2026-03-02T09:00:00", time="09:00"), **changes}
    decision = plan(task, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert decision.verdict is Verdict.INVALID
    assert decision.field == field
