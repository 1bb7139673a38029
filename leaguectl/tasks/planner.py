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

Speed. Most tasks are not due, so the planner first looks at the task head's ``due_hint``
(``next_run`` read with ``datetime.fromisoformat`` alone, see :mod:`leaguectl.tasks.model`) and
stops there when it is in the future; the schedule, the action and the rendering are parsed
only for due tasks (a bad schedule is reported when the task falls due, and always by
``tasks list``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from leaguectl.schedule import DueStatus, Schedule, ScheduleError, due_runs, parse_timestamp
from leaguectl.tasks.fields import short_error, stamp
from leaguectl.tasks.model import (
    REMOVE,
    State,
    Task,
    TaskHead,
    TaskProblem,
    changed,
    display,
    error_field,
    new_problem,
    parse_task,
    problem_of,
    schedule_of,
)
from leaguectl.tasks.render import TaskTooLong, render

if TYPE_CHECKING:
    from leaguectl.settings import Settings

NONCE_LENGTH = 25


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
    tasks_channel_id: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            default_zone=settings.tasks_default_timezone,
            grace=timedelta(seconds=max(0, settings.tasks_misfire_grace_seconds)),
            max_attempts=max(1, settings.tasks_max_attempts),
            keep_missed=settings.tasks_keep_missed,
            heartbeat_channel_id=settings.heartbeat_log_channel_id,
            letta_configured=bool(settings.letta_api_url and settings.letta_agent_id),
            tasks_channel_id=settings.tasks_channel_id,
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

    task: Task
    slot: datetime
    next_slot: datetime | None
    late_by: timedelta
    action: ActionSpec
    claim: TaskHead
    claim_content: str

    @property
    def message_id(self) -> str:
        return self.task.message_id

    @property
    def name(self) -> str:
        return self.task.name

    @property
    def schedule(self) -> Schedule:
        return self.task.schedule

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
    """What a pass does with one task message; ``name`` is the task's label for reports."""

    verdict: Verdict
    message_id: str
    name: str = ""
    reason: str = ""
    field: str | None = None
    due_at: datetime | None = None
    run: RunPlan | None = None
    update: TaskHead | None = None
    update_content: str | None = None
    problem: TaskProblem | None = None
    zone: ZoneInfo | None = None  # the task's zone, for showing ``due_at``


def run_nonce(message_id: str, slot: datetime) -> str:
    """The nonce of a run's post: the task's message and the slot (its identity across hosts and retries)."""
    digest = hashlib.sha256(f"{message_id}|{slot.astimezone(UTC).isoformat()}".encode()).hexdigest()
    return "t" + digest[: NONCE_LENGTH - 1]


# ---------------------------------------------------------------------------------- planning


def plan_message(
    entry: TaskHead | TaskProblem,
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
        return _plan(entry, trusted=trusted, now=now, policy=policy, superseded_by=superseded_by)
    except (ArithmeticError, ValueError, TypeError, LookupError, RecursionError) as exc:
        fields = entry.fields if isinstance(entry, TaskHead) else None
        return _invalid(new_problem(entry.message_id, entry.author_id, entry.name, error_field(str(exc)),
                                    f"cannot be scheduled: {exc}", fields))


def _plan(
    entry: TaskHead | TaskProblem, *, trusted: bool, now: datetime, policy: Policy, superseded_by: str | None
) -> Decision:
    message_id, name = entry.message_id, entry.label
    if not trusted:
        return Decision(Verdict.UNTRUSTED, message_id, name, f"written by {entry.author_id or 'unknown'}, "
                        "who is neither the bot nor a trusted user or role")
    if superseded_by is not None:
        return Decision(Verdict.SUPERSEDED, message_id, name, f"replaced by message {superseded_by}")
    if isinstance(entry, TaskProblem):
        return _invalid(entry)
    if entry.state.stopped:
        return Decision(Verdict.PAUSED, message_id, name, "paused (active is false)")
    if entry.state is State.RUNNING:
        return _plan_claimed(entry, now, policy)
    if entry.due_hint is not None and entry.due_hint > now:
        return Decision(Verdict.NOT_DUE, message_id, name, due_at=entry.due_hint, zone=entry.zone)
    task = parse_task(entry)
    if isinstance(task, TaskProblem):
        return _invalid(task)
    return _plan_due(task, now, policy)


def _invalid(problem: TaskProblem) -> Decision:
    return Decision(Verdict.INVALID, problem.message_id, problem.label, problem.problem, field=problem.field,
                    problem=problem)


def _plan_claimed(head: TaskHead, now: datetime, policy: Policy) -> Decision:
    claimed_value = head.fields.get("claimed_at")
    claimed_at: datetime | None
    try:
        claimed_at = parse_timestamp(claimed_value, UTC, "claimed_at")
    except (ScheduleError, OverflowError):
        claimed_at = None
    if claimed_at is not None and now - claimed_at < policy.stale_claim_after:
        return Decision(Verdict.IN_PROGRESS, head.message_id, head.label,
                        f"claimed by another pass at {claimed_at:%H:%M:%S} UTC")
    when = display(claimed_value, 40) if claimed_value else "an unknown time"
    note = (
        f"a pass claimed this run at {when} and stopped before finishing; the action may not have "
        "run. `leaguectl tasks resume` runs it again, `leaguectl tasks remove` drops it"
    )
    update = paused(head.rewritten(changed(head.fields, status=REMOVE)), now, head.default_zone, note)
    return _with_update(Decision(Verdict.STALE_CLAIM, head.message_id, head.label, note), update)


def _plan_due(task: Task, now: datetime, policy: Policy) -> Decision:
    message_id, name = task.message_id, task.head.label
    due_at = task.next_run
    if due_at is None:
        return _invalid(problem_of(task.head, "next_run", "is missing (`leaguectl tasks resume` sets it)"))
    try:
        action = action_spec(task, policy)
    except NoTarget as error:
        return _invalid(problem_of(task.head, "action_target", str(error)))
    if due_at > now:
        return Decision(Verdict.NOT_DUE, message_id, name, due_at=due_at, zone=task.zone)
    schedule = task.schedule
    slot = due_at if task.retry_of is None else min(task.retry_of, due_at)
    decision = due_runs(schedule, due_at if schedule.one_time else slot, now, policy.grace)
    if decision.status is DueStatus.MISSED:
        return _plan_missed(task, decision.late_by, now, policy)
    claim = claimed(task, slot, decision.next_run, now)
    try:
        content = render(claim, schedule=schedule, next_run=decision.next_run or due_at)
    except TaskTooLong as exc:
        return _invalid(problem_of(task.head, "message", str(exc)))
    run = RunPlan(task, slot, decision.next_run, now - slot, action, claim, content)
    return Decision(Verdict.RUN, message_id, name, due_at=due_at, run=run, zone=task.zone)


def _plan_missed(task: Task, late_by: timedelta, now: datetime, policy: Policy) -> Decision:
    minutes = int(late_by.total_seconds() // 60)
    reason = (
        f"missed: due {stamp(now - late_by, task.zone)}, {minutes} min ago, later than the "
        f"{int(policy.grace.total_seconds())} s grace (TASKS_MISFIRE_GRACE_SECONDS)"
    )
    decision = Decision(Verdict.MISSED, task.message_id, task.head.label, reason, due_at=now - late_by)
    if not policy.keep_missed:
        return decision
    kept = paused(task.head, now, task.zone, reason, status=State.MISSED)
    return _with_update(decision, kept, task.schedule)


def _with_update(decision: Decision, update: TaskHead, schedule: Schedule | None = None) -> Decision:
    try:
        content = render(update, schedule=schedule or schedule_of(update))
    except TaskTooLong as exc:
        return _invalid(problem_of(update, "message", str(exc)))
    return Decision(
        decision.verdict, decision.message_id, decision.name, decision.reason, decision.field, decision.due_at,
        update=update, update_content=content,
    )


# ---------------------------------------------------------------------------------- actions


class NoTarget(ValueError):
    """A task whose action has nowhere to go under the current settings."""


def action_spec(task: Task, policy: Policy) -> ActionSpec:
    """Where and what a task sends, given the settings (the heartbeat log, the Letta agent).

    ``self_task`` without a channel of its own goes to the agent when Letta is configured,
    else to the heartbeat log, as in the tool's "smart default". No action may post into the
    tasks channel: the bot's post would be read as a task by the next pass, so a task could
    create tasks (raises :class:`NoTarget`).
    """
    action = task.action
    if action.kind == "user_reminder":
        return ActionSpec(action.kind, action.text, user_id=action.target_id)
    if action.kind == "channel_post":
        _refuse_tasks_channel(action.target_id, policy, "its channel")
        return ActionSpec(action.kind, action.text, channel_id=action.target_id)
    channel = action.target_id or policy.heartbeat_channel_id
    if not policy.letta_configured and channel is None:
        raise NoTarget(
            "self_task has nowhere to go: give a channel id, or set HEARTBEAT_LOG_CHANNEL_ID, "
            "or LETTA_API_URL and LETTA_AGENT_ID"
        )
    _refuse_tasks_channel(channel, policy, "its channel" if action.target_id else "HEARTBEAT_LOG_CHANNEL_ID")
    return ActionSpec(action.kind, action.text, channel_id=channel, letta=policy.letta_configured)


def _refuse_tasks_channel(channel_id: str | None, policy: Policy, what: str) -> None:
    if channel_id is not None and channel_id == policy.tasks_channel_id:
        raise NoTarget(f"{what} is the tasks channel, where the bot's post would be read as a new task; "
                       "choose another channel")


# ---------------------------------------------------------------------------------- updates


def claimed(task: Task, slot: datetime, next_slot: datetime | None, now: datetime) -> TaskHead:
    """The task as written before its action runs (see the module docstring)."""
    zone = task.zone
    if next_slot is None:
        fields = changed(task.head.fields, last_error=REMOVE, retry_of=REMOVE, last_run=stamp(slot, zone),
                         status=State.RUNNING.value, claimed_at=stamp(now, zone))
    else:
        fields = changed(task.head.fields, attempts=REMOVE, last_error=REMOVE, retry_of=REMOVE, claimed_at=REMOVE,
                         status=REMOVE, last_run=stamp(slot, zone), next_run=stamp(next_slot, zone))
    return task.head.rewritten(fields)


def retry_delay(attempts: int, policy: Policy) -> timedelta:
    """Capped exponential backoff: base, 2 x base, 4 x base, ... up to the cap."""
    exponent = min(max(0, attempts - 1), 20)
    delay: timedelta = policy.retry_base * (2**exponent)
    return min(delay, policy.retry_cap)


@dataclass(frozen=True)
class FailureUpdate:
    task: TaskHead
    outcome: str  # "retry", "next-slot" or "paused"
    retry_at: datetime | None = None


def after_failure(plan: RunPlan, error: str, now: datetime, policy: Policy) -> FailureUpdate:
    """The task to write after its action failed: attempts, last_error, retry or pause."""
    zone = plan.task.zone
    attempts = plan.task.head.attempts + 1
    failed = plan.claim.rewritten(changed(plan.claim.fields, status=REMOVE, claimed_at=REMOVE, retry_of=REMOVE,
                                          attempts=attempts, last_error=short_error(error)))
    if attempts >= policy.max_attempts:
        note = short_error(f"{error} (paused after {attempts} failed attempts; `leaguectl tasks resume` re-enables it)")
        return FailureUpdate(paused(failed, now, zone, note), "paused")
    retry_at = now + retry_delay(attempts, policy)
    if plan.next_slot is not None and retry_at >= plan.next_slot:
        return FailureUpdate(failed, "next-slot")
    retry = changed(failed.fields, next_run=stamp(retry_at, zone), retry_of=stamp(plan.slot, zone))
    return FailureUpdate(failed.rewritten(retry), "retry", retry_at)


def paused(head: TaskHead, now: datetime, zone: ZoneInfo, note: str | None = None,
           status: State = State.PAUSED) -> TaskHead:
    """The task paused: ``active`` false (so the original scheduler skips it too)."""
    extra = {} if note is None else {"last_error": short_error(note)}
    return head.rewritten(changed(head.fields, claimed_at=REMOVE, active=False, status=status.value,
                                  paused_at=stamp(now, zone), **extra))


def finished(claim: TaskHead, now: datetime, zone: ZoneInfo) -> TaskHead:
    """A one-time task that ran but whose message could not be deleted."""
    return claim.rewritten(changed(claim.fields, claimed_at=REMOVE, active=False, status=State.DONE.value,
                                   paused_at=stamp(now, zone)))
