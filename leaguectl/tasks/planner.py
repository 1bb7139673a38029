"""What one ``run-due-tasks`` pass does with each task message: pure decisions, no I/O.

For every message the planner returns a :class:`Decision`. A due task comes with a
:class:`RunPlan` holding the exact task JSON to write as the **claim** (and its rendered
message), so the runner only has to write, act and finish.

Claim (the at-most-once rule, docs/tasks.md). Before its action runs, a due task is rewritten:

* recurring: ``next_run`` becomes the next slot after now (computed from the scheduled slot,
  never from now), ``last_run`` the slot being run; ``attempts``/``last_error``/``retry_of`` go;
* one-time (or a series that has ended): ``status: "running"`` and ``claimed_at``.

A later pass therefore sees the task not due (or claimed) and never runs that slot again, even
if this pass dies between the claim and the action: a crash there loses the run, it never
doubles it. A one-time claim left behind by a dead pass (older than ``stale_claim_after``) is
paused with a note saying the action may not have run.

Failure. A failed action is written into the task: ``attempts`` + 1, ``last_error``, and a
retry at now + min(1 min x 2^(attempts-1), 1 h) (``next_run``, with ``retry_of`` naming the
slot) unless the task's next regular slot comes first. At ``TASKS_MAX_ATTEMPTS`` consecutive
failures the task is paused (``active: false``, ``status: "paused"``) with the error.

Misfire. A recurring task overdue by many periods runs once and moves to the first slot after
now. A one-time task later than ``TASKS_MISFIRE_GRACE_SECONDS`` is missed: removed, or kept
paused with a note when ``TASKS_KEEP_MISSED``.

Speed. Most tasks are not due, so the planner first reads ``next_run`` with
``datetime.fromisoformat`` alone and stops there when it is in the future; the schedule, the
action and the rendering are parsed only for due tasks (a bad schedule is reported when the
task falls due, and always by ``tasks list``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from leaguectl.schedule import (
    DueStatus,
    Schedule,
    ScheduleError,
    due_runs,
    parse_schedule,
    parse_timestamp,
    stored_next_run,
)
from leaguectl.tasks.fields import (
    ACTION_TYPES,
    STATE_FIELDS,
    TOOL_FIELDS,
    Status,
    TaskDict,
    attempts_of,
    is_paused,
    short_error,
    snowflake,
    stamp,
    task_name,
    without,
    zone_for,
)
from leaguectl.tasks.message import CONTENT_LIMIT, TaskFormatError, TaskMessage, TaskTooLong, render

if TYPE_CHECKING:
    from leaguectl.settings import Settings

NONCE_LENGTH = 25
# Naive next_run values of an RRULE with its own DTSTART;TZID are read in that zone by the
# full parse; the fast path reads them in the task zone, so it needs this much slack.
_ZONE_SLACK = timedelta(hours=27)


@dataclass(frozen=True)
class Policy:
    """The settings a plan depends on (so planner tests need no Settings)."""

    default_zone: ZoneInfo
    grace: timedelta = timedelta(hours=1)
    max_attempts: int = 5
    keep_missed: bool = False
    heartbeat_channel_id: str | None = None
    letta_configured: bool = False
    retry_base: timedelta = timedelta(minutes=1)
    retry_cap: timedelta = timedelta(hours=1)
    stale_claim_after: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            default_zone=settings.tasks_default_timezone,
            grace=timedelta(seconds=max(0, settings.tasks_misfire_grace_seconds)),
            max_attempts=max(1, settings.tasks_max_attempts),
            keep_missed=settings.tasks_keep_missed,
            heartbeat_channel_id=settings.heartbeat_log_channel_id,
            letta_configured=bool(settings.letta_api_url and settings.letta_agent_id),
        )


class Verdict(StrEnum):
    UNTRUSTED = "untrusted"  # written by someone not trusted: reported, ignored
    INVALID = "invalid"  # malformed: reported with the field, message untouched
    SUPERSEDED = "superseded"  # a leftover copy of a task re-posted elsewhere: delete it
    PAUSED = "paused"
    IN_PROGRESS = "in-progress"  # a one-time task another pass claimed moments ago
    STALE_CLAIM = "stale-claim"  # a one-time claim whose pass never finished: pause with a note
    NOT_DUE = "not-due"
    RUN = "run"
    MISSED = "missed"


@dataclass(frozen=True)
class ActionSpec:
    """Where a run goes: a DM, a channel post, or the agent (Letta) with a heartbeat fallback."""

    kind: str
    text: str
    user_id: str | None = None
    channel_id: str | None = None
    letta: bool = False


@dataclass(frozen=True)
class RunPlan:
    """A due task: the slot to run, the next one, the action, and the claim to write first."""

    message_id: str
    name: str
    task: TaskDict
    schedule: Schedule
    slot: datetime
    next_slot: datetime | None
    late_by: timedelta
    action: ActionSpec
    claim: TaskDict
    claim_content: str

    @property
    def finishes(self) -> bool:
        """True when this is the task's last run (one-time, or a series that has ended)."""
        return self.next_slot is None

    @property
    def nonce(self) -> str:
        """Per (task message, slot): a retry of this run is deduplicated, other runs are not."""
        return run_nonce(self.message_id, self.slot)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    message_id: str
    name: str = ""
    reason: str = ""
    field: str | None = None
    due_at: datetime | None = None
    run: RunPlan | None = None
    update: TaskDict | None = None
    update_content: str | None = None


def run_nonce(message_id: str, slot: datetime) -> str:
    digest = hashlib.sha256(f"{message_id}|{slot.astimezone(UTC).isoformat()}".encode()).hexdigest()
    return "t" + digest[: NONCE_LENGTH - 1]


# ---------------------------------------------------------------------------------- planning


def plan_message(
    message: TaskMessage,
    *,
    trusted: bool,
    now: datetime,
    policy: Policy,
    superseded_by: str | None = None,
) -> Decision:
    """Decide what this pass does with one task message (see the module docstring).

    Whatever a task's fields hold, the answer is a decision: values out of any sensible range
    (year 1, ``every_99999999999_weeks``) make the task invalid, never the pass fail.
    """
    try:
        return _plan(message, trusted=trusted, now=now, policy=policy, superseded_by=superseded_by)
    except (ArithmeticError, ValueError, TypeError) as exc:
        field = error_field(str(exc))
        return Decision(Verdict.INVALID, message.id, message.name, f"cannot be scheduled: {exc}", field=field)


def _plan(
    message: TaskMessage, *, trusted: bool, now: datetime, policy: Policy, superseded_by: str | None
) -> Decision:
    task = message.task
    name = message.name
    if not trusted:
        return Decision(Verdict.UNTRUSTED, message.id, name, f"written by {message.author_id or 'unknown'}, "
                        "who is neither the bot nor a trusted user or role")
    if superseded_by is not None:
        return Decision(Verdict.SUPERSEDED, message.id, name, f"replaced by message {superseded_by}")
    if task is None:
        error = message.error or TaskFormatError("json", "no task found")
        return Decision(Verdict.INVALID, message.id, name, error.problem, field=error.field)
    if is_paused(task):
        return Decision(Verdict.PAUSED, message.id, name, "paused (active is false)")
    if task.get("status") == Status.RUNNING.value:
        return _plan_claimed(message.id, task, name, now, policy)
    quick = quick_due_at(task, policy.default_zone)
    if quick is not None and quick > now:
        return Decision(Verdict.NOT_DUE, message.id, name, due_at=quick)
    return _plan_due(message.id, task, name, now, policy)


def quick_due_at(task: Mapping[str, Any], default_zone: ZoneInfo) -> datetime | None:
    """A cheap lower bound of ``next_run`` (UTC), or None when only the full parse can tell."""
    value = task.get("next_run")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
        zone = zone_for(task, default_zone)
        instant = moment.replace(tzinfo=zone, fold=0).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    schedule = task.get("schedule")
    if isinstance(schedule, str) and "TZID" in schedule.upper():
        return instant - _ZONE_SLACK
    return instant


def _plan_claimed(message_id: str, task: TaskDict, name: str, now: datetime, policy: Policy) -> Decision:
    claimed_at: datetime | None
    try:
        claimed_at = parse_timestamp(task.get("claimed_at"), UTC, "claimed_at")
    except ScheduleError:
        claimed_at = None
    if claimed_at is not None and now - claimed_at < policy.stale_claim_after:
        return Decision(Verdict.IN_PROGRESS, message_id, name, f"claimed by another pass at {claimed_at:%H:%M:%S} UTC")
    when = task.get("claimed_at") or "an unknown time"
    note = (
        f"a pass claimed this run at {when} and stopped before finishing; the action may not have "
        "run. `leaguectl tasks resume` runs it again, `leaguectl tasks remove` drops it"
    )
    update = pause(without(task, "status"), now, policy.default_zone, note)
    return _with_update(Decision(Verdict.STALE_CLAIM, message_id, name, note), update, policy)


def _plan_due(message_id: str, task: TaskDict, name: str, now: datetime, policy: Policy) -> Decision:
    try:
        schedule = parse_schedule(task, policy.default_zone)
        due_at = _in_range("next_run", task, lambda: stored_next_run(task, schedule))
        if due_at is None:
            raise TaskFormatError("next_run", "is missing (`leaguectl tasks resume` sets it)")
        retry_of = task.get("retry_of")
        retry_slot = None if retry_of is None else _in_range(
            "retry_of", task, lambda: parse_timestamp(retry_of, schedule.zone, "retry_of"))
        action = action_spec(task, policy)
    except TaskFormatError as exc:
        return Decision(Verdict.INVALID, message_id, name, exc.problem, field=exc.field)
    except ValueError as exc:
        field = error_field(str(exc))
        return Decision(Verdict.INVALID, message_id, name, str(exc), field=field)
    if due_at > now:
        return Decision(Verdict.NOT_DUE, message_id, name, due_at=due_at)
    slot = due_at if retry_slot is None else min(retry_slot, due_at)
    if schedule.one_time:
        decision = due_runs(schedule, due_at, now, policy.grace)
    else:
        decision = due_runs(schedule, slot, now, policy.grace)
    if decision.status is DueStatus.MISSED:
        return _plan_missed(message_id, task, name, schedule, decision.late_by, now, policy)
    claim = claim_task(task, schedule, slot, decision.next_run, now)
    try:
        content = render(claim, schedule=schedule, zone=schedule.zone, next_run=decision.next_run or due_at)
    except TaskTooLong as exc:
        return Decision(Verdict.INVALID, message_id, name, str(exc), field="message")
    run = RunPlan(message_id, name, task, schedule, slot, decision.next_run, now - slot, action, claim, content)
    return Decision(Verdict.RUN, message_id, name, due_at=due_at, run=run)


def _in_range(field: str, task: Mapping[str, Any], read: Callable[[], datetime | None]) -> datetime | None:
    """``read()``, with a timestamp too close to year 1 or 9999 reported against ``field``."""
    try:
        return read()
    except OverflowError:
        raise TaskFormatError(field, f"{task.get(field)!r} is out of range") from None


def _plan_missed(
    message_id: str, task: TaskDict, name: str, schedule: Schedule, late_by: timedelta, now: datetime, policy: Policy
) -> Decision:
    minutes = int(late_by.total_seconds() // 60)
    reason = (
        f"missed: due {stamp(now - late_by, schedule.zone)}, {minutes} min ago, later than the "
        f"{int(policy.grace.total_seconds())} s grace (TASKS_MISFIRE_GRACE_SECONDS)"
    )
    decision = Decision(Verdict.MISSED, message_id, name, reason, due_at=now - late_by)
    if not policy.keep_missed:
        return decision
    kept = pause(task, now, schedule.zone, reason)
    kept["status"] = Status.MISSED.value
    return _with_update(decision, kept, policy, schedule)


def _with_update(decision: Decision, update: TaskDict, policy: Policy, schedule: Schedule | None = None) -> Decision:
    zone = schedule.zone if schedule else zone_or_default(update, policy.default_zone)
    try:
        content = render(update, schedule=schedule or schedule_or_none(update, policy.default_zone), zone=zone)
    except TaskTooLong as exc:
        return Decision(Verdict.INVALID, decision.message_id, decision.name, str(exc), field="message")
    return Decision(
        decision.verdict, decision.message_id, decision.name, decision.reason, decision.field, decision.due_at,
        update=update, update_content=content,
    )


def zone_or_default(task: Mapping[str, Any], default: ZoneInfo) -> ZoneInfo:
    try:
        return zone_for(task, default)
    except ScheduleError:
        return default


def schedule_or_none(task: Mapping[str, Any], default: ZoneInfo) -> Schedule | None:
    """The task's schedule when it parses, for headers of tasks being paused or kept."""
    try:
        return parse_schedule(task, default)
    except (ValueError, ArithmeticError, TypeError):
        return None


_ERROR_FIELDS = frozenset(TOOL_FIELDS) | frozenset(STATE_FIELDS)


def error_field(message: str) -> str:
    """The field a ScheduleError names (its first word), ``schedule`` when it names none."""
    first = message.split(" ", 1)[0]
    return first if first in _ERROR_FIELDS else "schedule"


# ---------------------------------------------------------------------------------- actions


def action_spec(task: Mapping[str, Any], policy: Policy) -> ActionSpec:
    """Where and what a task sends; raises :class:`TaskFormatError` naming the bad field.

    ``action_type`` null (the tool has no default) means ``self_task``, whose default target
    is the heartbeat log, as in the tool's "smart default".
    """
    kind = task.get("action_type")
    if kind is None or (isinstance(kind, str) and not kind.strip()):
        kind = "self_task"
    if not isinstance(kind, str) or kind.strip() not in ACTION_TYPES:
        raise TaskFormatError("action_type", f"{kind!r} is not one of {', '.join(ACTION_TYPES)}")
    kind = kind.strip()
    target = task.get("action_target")
    target_id = snowflake(target)
    if kind == "user_reminder":
        if target_id is None:
            raise TaskFormatError("action_target", f"{target!r} is not a Discord user id")
        return ActionSpec(kind, _post_text(task, "⏰ Reminder"), user_id=target_id)
    if kind == "channel_post":
        if target_id is None:
            raise TaskFormatError("action_target", f"{target!r} is not a Discord channel id")
        return ActionSpec(kind, _post_text(task, "⏰ Reminder"), channel_id=target_id)
    channel = target_id or policy.heartbeat_channel_id
    if not policy.letta_configured and channel is None:
        raise TaskFormatError(
            "action_target",
            "self_task has nowhere to go: give a channel id, or set HEARTBEAT_LOG_CHANNEL_ID, "
            "or LETTA_API_URL and LETTA_AGENT_ID",
        )
    return ActionSpec(kind, _post_text(task, "🧠 Scheduled task"), channel_id=channel, letta=policy.letta_configured)


def _post_text(task: Mapping[str, Any], label: str) -> str:
    """The message a run posts: ``action_template``, else the name and description."""
    template = task.get("action_template")
    if isinstance(template, str) and template.strip():
        text = template
    else:
        description = task.get("description")
        text = f"{label}: {task_name(task)}"
        if isinstance(description, str) and description.strip():
            text += f"\n{description.strip()}"
    if len(text) > CONTENT_LIMIT:
        raise TaskFormatError("action_template", f"is {len(text)} characters; Discord allows {CONTENT_LIMIT}")
    return text


# ---------------------------------------------------------------------------------- updates


def claim_task(task: TaskDict, schedule: Schedule, slot: datetime, next_slot: datetime | None,
               now: datetime) -> TaskDict:
    """The task as written before its action runs (see the module docstring)."""
    zone = schedule.zone
    claimed = without(task, "attempts", "last_error", "retry_of", "claimed_at", "status")
    claimed["last_run"] = stamp(slot, zone)
    if next_slot is None:
        claimed["status"] = Status.RUNNING.value
        claimed["claimed_at"] = stamp(now, zone)
        if "attempts" in task:
            claimed["attempts"] = task["attempts"]
    else:
        claimed["next_run"] = stamp(next_slot, zone)
    return claimed


def retry_delay(attempts: int, policy: Policy) -> timedelta:
    """Capped exponential backoff: base, 2 x base, 4 x base, ... up to the cap."""
    exponent = min(max(0, attempts - 1), 20)
    delay: timedelta = policy.retry_base * (2**exponent)
    return min(delay, policy.retry_cap)


@dataclass(frozen=True)
class FailureUpdate:
    task: TaskDict
    outcome: str  # "retry", "next-slot" or "paused"
    retry_at: datetime | None = None


def after_failure(plan: RunPlan, error: str, now: datetime, policy: Policy) -> FailureUpdate:
    """The task to write after its action failed: attempts, last_error, retry or pause."""
    zone = plan.schedule.zone
    attempts = attempts_of(plan.task) + 1
    updated = without(plan.claim, "status", "claimed_at", "retry_of")
    updated["attempts"] = attempts
    updated["last_error"] = short_error(error)
    if attempts >= policy.max_attempts:
        note = short_error(f"{error} (paused after {attempts} failed attempts; `leaguectl tasks resume` re-enables it)")
        return FailureUpdate(pause(updated, now, zone, note), "paused")
    retry_at = now + retry_delay(attempts, policy)
    if plan.next_slot is not None and retry_at >= plan.next_slot:
        return FailureUpdate(updated, "next-slot")
    updated["next_run"] = stamp(retry_at, zone)
    updated["retry_of"] = stamp(plan.slot, zone)
    return FailureUpdate(updated, "retry", retry_at)


def pause(task: Mapping[str, Any], now: datetime, zone: ZoneInfo, note: str | None = None) -> TaskDict:
    """The task paused: ``active`` false (so the original scheduler skips it too)."""
    paused = without(task, "claimed_at")
    paused["active"] = False
    paused["status"] = Status.PAUSED.value
    paused["paused_at"] = stamp(now, zone)
    if note:
        paused["last_error"] = short_error(note)
    return paused


def finished(claim: Mapping[str, Any], now: datetime, zone: ZoneInfo) -> TaskDict:
    """A one-time task that ran but whose message could not be deleted."""
    done = without(claim, "claimed_at")
    done["active"] = False
    done["status"] = Status.DONE.value
    done["paused_at"] = stamp(now, zone)
    return done
