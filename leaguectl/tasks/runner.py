"""The ``run-due-tasks`` pass: read the whole tasks channel, plan, then claim → act → finish.

Reading streams the channel 100 messages a page, newest first, planning each message as it
arrives; only decisions that need work (due, missed, stale, leftover copies) and problems to
report are kept, so memory grows with the due tasks, not with the channel.

Applying, per due task (oldest slot first), with a SIGTERM checkpoint before each:

1. **claim**: write the claim (the advanced ``next_run``, or ``status: running`` for a last
   run); if Discord refuses, the task is not run;
2. **act**: DM, channel post, or Letta;
3. **finish**: a last run's message is deleted (marked ``done`` if it cannot be); a failed run
   is written back with ``attempts``, ``last_error`` and its retry time, or paused.

A crash between 1 and 2 loses that run and never repeats it (at-most-once; docs/tasks.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from leaguectl.discord_rest import UNKNOWN_MESSAGE, DiscordError
from leaguectl.tasks.fields import short_error, stamp
from leaguectl.tasks.model import TaskHead, TaskProblem, changed, display, read_task
from leaguectl.tasks.notices import Notice, fingerprint, read_notice, update_notices
from leaguectl.tasks.planner import Decision, Policy, RunPlan, Verdict, after_failure, finished, plan_message
from leaguectl.tasks.render import TaskTooLong, when_text
from leaguectl.tasks.store import Written, write_task

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

log = logging.getLogger("leaguectl.tasks")

_WORK_ORDER = {Verdict.SUPERSEDED: 0, Verdict.STALE_CLAIM: 1, Verdict.MISSED: 2, Verdict.RUN: 3}


# ---------------------------------------------------------------------------------- trust


class Trust:
    """Who may write tasks: the bot, ``TASKS_TRUSTED_USERS``, members of ``TASKS_TRUSTED_ROLES``.

    Role membership is looked up once per author per pass (one guild-member request each).
    """

    def __init__(
        self,
        bot_id: str,
        users: Iterable[str],
        roles: Iterable[str],
        member_roles: Callable[[str], set[str]] | None = None,
    ) -> None:
        self.bot_id = bot_id
        self._trusted = {bot_id, *users}
        self._roles = set(roles)
        self._member_roles = member_roles
        self._cache: dict[str, bool] = {}

    def allows(self, author_id: str) -> bool:
        if author_id in self._trusted:
            return True
        if not self._roles or self._member_roles is None or not author_id:
            return False
        known = self._cache.get(author_id)
        if known is None:
            known = bool(self._member_roles(author_id) & self._roles)
            self._cache[author_id] = known
        return known


def trust_for(pc: PassContext) -> Trust:
    settings = pc.settings
    bot_id = str(pc.discord.current_user()["id"])

    def member_roles(user_id: str) -> set[str]:
        member = pc.discord.guild_member(pc.guild_id, user_id)
        roles = member.get("roles") if member else None
        return {str(role) for role in roles} if isinstance(roles, list) else set()

    return Trust(bot_id, settings.tasks_trusted_users, settings.tasks_trusted_roles, member_roles)


# ---------------------------------------------------------------------------------- scanning


@dataclass
class Scan:
    """What reading the channel found: counts, and the decisions that need work or a report."""

    messages: int = 0
    tasks: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    work: list[Decision] = field(default_factory=list)
    notes: list[Decision] = field(default_factory=list)
    next_due: tuple[datetime, str, ZoneInfo | None] | None = None
    notices: dict[str, list[Notice]] = field(default_factory=dict)

    def add(self, decision: Decision) -> None:
        self.tasks += 1
        self.counts[decision.verdict.value] = self.counts.get(decision.verdict.value, 0) + 1
        if decision.verdict in _WORK_ORDER:
            self.work.append(decision)
        elif decision.verdict is Verdict.NOT_DUE:
            due = decision.due_at
            if due is not None and (self.next_due is None or due < self.next_due[0]):
                self.next_due = (due, decision.name, decision.zone)
        elif decision.verdict is not Verdict.PAUSED:
            self.notes.append(decision)


def scan_channel(
    messages: Iterable[dict[str, Any]],
    trust: Callable[[str], bool],
    now: datetime,
    policy: Policy,
    checkpoint: Callable[[], None] | None = None,
    bot_id: str | None = None,
) -> Scan:
    """Plan every message of the channel (newest first, as Discord pages them).

    ``bot_id``: the bot's problem notices (see :mod:`leaguectl.tasks.notices`) are collected.
    """
    scan = Scan()
    replaced: dict[str, str] = {}
    for raw in messages:
        scan.messages += 1
        if checkpoint is not None and scan.messages % 100 == 0:
            checkpoint()
        notice = read_notice(raw, bot_id) if bot_id is not None else None
        if notice is not None:
            scan.notices.setdefault(notice.task_id, []).append(notice)
            continue
        entry = read_task(raw, policy.default_zone)
        if entry is None:
            continue
        trusted = trust(entry.author_id)
        if trusted and isinstance(entry, TaskHead):
            _note_replacement(entry, replaced)
        scan.add(plan_message(entry, trusted=trusted, now=now, policy=policy,
                              superseded_by=replaced.get(entry.message_id)))
    scan.work.sort(key=_work_key)
    return scan


def _note_replacement(head: TaskHead, replaced: dict[str, str]) -> None:
    """Remember ``replaces`` of trusted messages: the older copy they name is a leftover."""
    for old in head.replaces:
        if old != head.message_id:
            replaced.setdefault(old, head.message_id)


def _work_key(decision: Decision) -> tuple[int, float, str]:
    """Leftovers, stale claims and missed tasks first, then runs by slot (oldest first)."""
    slot = decision.run.slot.timestamp() if decision.run is not None else 0.0
    return (_WORK_ORDER[decision.verdict], slot, decision.message_id)


# ---------------------------------------------------------------------------------- the pass


@dataclass
class Tally:
    ran: int = 0
    failed: int = 0
    cleaned: int = 0


def run_due_tasks(pc: PassContext) -> None:
    """One pass over the tasks channel (see the module docstring)."""
    settings = pc.settings
    channel_id = str(settings.require("tasks_channel_id"))
    policy = Policy.from_settings(settings)
    now = pc.now
    trust = trust_for(pc)
    scan = scan_channel(pc.discord.iter_messages(channel_id), trust.allows, now, policy, pc.checkpoint,
                        bot_id=trust.bot_id)
    problems = _report_notes(pc, scan)
    tally = Tally()
    for decision in scan.work:
        pc.checkpoint()
        with pc.runtime.finishing_item():
            _apply_isolated(pc, channel_id, decision, policy, tally)
    pc.checkpoint()
    update_notices(pc, channel_id, problems, scan.notices)
    pc.report.summary = _summary(pc, scan, tally)
    pc.report.details["tasks"] = {"messages": scan.messages, "tasks": scan.tasks, **scan.counts}


def _report_notes(pc: PassContext, scan: Scan) -> list[TaskProblem]:
    """Report problems and skips; a problem already in a notice is a warning (exit 0), see ``notices``.

    Returns every current problem (each keeps or gets its notice).
    """
    report = pc.report
    problems: list[TaskProblem] = []
    for decision in scan.notes:
        label = f"task {decision.name!r}" if decision.name else "task"
        if decision.verdict is Verdict.INVALID and decision.problem is not None:
            problem = decision.problem
            problems.append(problem)
            text = f"{label} not run: {problem.describe()}; fix: {problem.fix}"
            print_ = fingerprint(problem)
            if any(notice.fingerprint == print_ for notice in scan.notices.get(problem.message_id, ())):
                report.warn(f"{text}; reported before (its notice is in the tasks channel), so this pass still "
                            "exits 0", item=problem.message_id, field=problem.field, problem=print_)
            else:
                report.error(f"{text}; message left as it is", item=problem.message_id, field=problem.field,
                             problem=print_)
        elif decision.verdict is Verdict.UNTRUSTED:
            report.skip(f"{label} ignored: {decision.reason}", item=decision.message_id)
        else:
            report.skip(f"{label}: {decision.reason}", item=decision.message_id)
    return problems


def _apply_isolated(pc: PassContext, channel_id: str, decision: Decision, policy: Policy, tally: Tally) -> None:
    """Apply one decision; a data problem in it is that task's error, never the end of the pass."""
    try:
        _apply(pc, channel_id, decision, policy, tally)
    except (ValueError, TypeError, LookupError, ArithmeticError, RecursionError) as error:
        label = f"task {decision.name!r}" if decision.name else "task"
        pc.report.error(f"{label}: could not be handled ({type(error).__name__}: {display(error, 200)}); the other "
                        "tasks went on", item=decision.message_id)


def _apply(pc: PassContext, channel_id: str, decision: Decision, policy: Policy, tally: Tally) -> None:
    if decision.verdict is Verdict.RUN and decision.run is not None:
        _run(pc, channel_id, decision.run, policy, tally)
    elif decision.verdict is Verdict.SUPERSEDED:
        _delete_leftover(pc, channel_id, decision, tally)
    elif decision.verdict is Verdict.MISSED:
        _handle_missed(pc, channel_id, decision)
    elif decision.verdict is Verdict.STALE_CLAIM:
        _handle_stale(pc, channel_id, decision)


def _run(pc: PassContext, channel_id: str, plan: RunPlan, policy: Policy, tally: Tally) -> None:
    """Claim, act, finish (module docstring); every outcome ends up in the report."""
    label = f"task {plan.name!r}"
    facts = _run_facts(plan)
    if pc.dry_run:
        pc.report.action("run", label, **facts)
        return
    written = _claim(pc, channel_id, plan, label)
    if written is None:
        return
    from leaguectl.tasks.actions import perform  # a pass that runs nothing never loads the actions

    result = perform(pc, plan, pc.now)
    if result.ok:
        tally.ran += 1
        if plan.finishes:
            _finish(pc, channel_id, written, plan, keep=written.leftover is not None)
        pc.report.action("run", label, result=result.detail, **facts)
        return
    tally.failed += 1
    _record_failure(pc, channel_id, written, plan, result.detail, policy)


def _run_facts(plan: RunPlan) -> dict[str, Any]:
    zone = plan.schedule.zone
    facts: dict[str, Any] = {
        "message": plan.message_id,
        "action": plan.action.kind,
        "slot": stamp(plan.slot, zone),
        "next_run": stamp(plan.next_slot, zone) if plan.next_slot else None,
    }
    if plan.late_by.total_seconds() >= 60:
        facts["late_minutes"] = int(plan.late_by.total_seconds() // 60)
    return facts


def _claim(pc: PassContext, channel_id: str, plan: RunPlan, label: str) -> Written | None:
    """Write the claim; None (reported) when it could not be written, so the task does not run."""
    try:
        written = write_task(pc.discord, channel_id, plan.claim, schedule=plan.schedule, content=plan.claim_content)
    except TaskTooLong as error:
        pc.report.error(f"{label} not run: {error}; message left as it is", item=plan.message_id, field="message")
        return None
    except DiscordError as error:
        if error.code == UNKNOWN_MESSAGE:
            pc.report.skip(f"{label}: its message was deleted before it could be claimed", item=plan.message_id)
        else:
            pc.report.error(f"{label} not run: claiming it failed: {error}", item=plan.message_id)
        return None
    _note_leftover(pc, label, written.leftover, written.leftover_problem)
    return written


def _carried(written: Written, task: TaskHead) -> TaskHead:
    """``task`` in the message the claim was written to; a re-posted task keeps naming the one it replaced."""
    fields = changed(task.fields, replaces=written.task.fields["replaces"]) if written.reposted else task.fields
    return replace(task, message_id=written.message_id).rewritten(fields)


def _record_failure(pc: PassContext, channel_id: str, written: Written, plan: RunPlan, error: str,
                    policy: Policy) -> None:
    """Write attempts, last_error and the retry (or the pause) into the task; report the failure."""
    label, zone = f"task {plan.name!r}", plan.schedule.zone
    failure = after_failure(plan, error, pc.now, policy)
    message_id = written.message_id
    if failure.outcome == "paused":
        outcome = f"paused after {failure.task.attempts} failed attempts"
    elif failure.retry_at is not None:
        outcome = f"retry at {when_text(failure.retry_at, zone)}"
    else:
        outcome = "next try at its next run"
    if failure.outcome != "paused" and plan.task.head.last_error == short_error(error):
        pc.report.warn(f"{label} failed again the same way: {error}; {outcome} (reported when it first failed, "
                       "so this pass still exits 0)", item=plan.message_id, attempts=failure.task.attempts)
    else:
        pc.report.error(f"{label} failed: {error}; {outcome}", item=plan.message_id, attempts=failure.task.attempts)
    try:
        rewritten = write_task(pc.discord, channel_id, _carried(written, failure.task), schedule=plan.schedule)
    except (DiscordError, TaskTooLong) as problem:
        pc.report.error(f"{label}: could not record the failure in its message: {problem}", item=message_id)
        return
    _note_leftover(pc, label, rewritten.leftover, rewritten.leftover_problem)


def _finish(pc: PassContext, channel_id: str, written: Written, plan: RunPlan, *, keep: bool = False) -> None:
    """Delete a task after its last run; mark it done when the delete is refused.

    ``keep``: an old copy of this task could not be deleted when it was re-posted; this message's
    ``replaces`` is what keeps that copy from running, so it is marked done, not deleted.
    """
    problem: object = "an old copy of it could not be deleted"
    message_id = written.message_id
    if not keep:
        try:
            pc.discord.delete_message(channel_id, message_id, reason="one-time task ran")
            return
        except DiscordError as error:
            problem = error
    try:
        write_task(pc.discord, channel_id, _carried(written, finished(plan.claim, pc.now, plan.schedule.zone)),
                   schedule=plan.schedule)
    except (DiscordError, TaskTooLong) as error:
        pc.report.error(f"task {plan.name!r} ran but its message could neither be deleted ({problem}) nor "
                        f"marked done ({error}); it stays claimed and is never run again", item=message_id)
        return
    pc.report.warn(f"task {plan.name!r} ran; its message could not be deleted ({problem}), so it is marked done",
                   item=message_id)


def _note_leftover(pc: PassContext, label: str, leftover: str | None, problem: str | None) -> None:
    if leftover is not None:
        pc.report.warn(f"{label}: Discord refused the edit, so the task was re-posted, but the old message "
                       f"could not be deleted ({problem}); the next pass deletes it instead of running it",
                       item=leftover)


def _delete_leftover(pc: PassContext, channel_id: str, decision: Decision, tally: Tally) -> None:
    label = f"task {decision.name!r}" if decision.name else "task"
    if not pc.dry_run:
        try:
            pc.discord.delete_message(channel_id, decision.message_id, reason="leftover copy of a re-posted task")
        except DiscordError as error:
            pc.report.warn(f"{label}: leftover copy ({decision.reason}) not deleted: {error}; it is never run",
                           item=decision.message_id)
            return
    tally.cleaned += 1
    pc.report.action("delete-leftover", label, message=decision.message_id, reason=decision.reason)


def _handle_missed(pc: PassContext, channel_id: str, decision: Decision) -> None:
    label = f"task {decision.name!r}"
    pc.report.warn(f"{label} {decision.reason}", item=decision.message_id)
    keep = decision.update is not None
    if not pc.dry_run:
        try:
            if decision.update is not None:
                pc.discord.edit_message(channel_id, decision.message_id, content=decision.update_content)
            else:
                pc.discord.delete_message(channel_id, decision.message_id, reason="missed one-time task")
        except DiscordError as error:
            pc.report.error(f"{label}: could not {'mark' if keep else 'remove'} the missed task: {error}",
                            item=decision.message_id)
            return
    pc.report.action("keep-missed" if keep else "remove-missed", label, message=decision.message_id)


def _handle_stale(pc: PassContext, channel_id: str, decision: Decision) -> None:
    label = f"task {decision.name!r}"
    pc.report.error(f"{label}: {decision.reason}; paused", item=decision.message_id)
    if pc.dry_run or decision.update is None:
        return
    try:
        pc.discord.edit_message(channel_id, decision.message_id, content=decision.update_content)
    except DiscordError as error:
        pc.report.error(f"{label}: could not pause it: {error}", item=decision.message_id)
        return
    pc.report.action("pause", label, message=decision.message_id)


def _summary(pc: PassContext, scan: Scan, tally: Tally) -> str:
    counts = scan.counts
    verb = "would run" if pc.dry_run else "ran"
    due = counts.get(Verdict.RUN.value, 0)
    parts = [f"{verb} {due if pc.dry_run else tally.ran} of {scan.tasks} tasks ({scan.messages} messages)"]
    for label, number in (
        ("failed", tally.failed),
        ("missed", counts.get(Verdict.MISSED.value, 0)),
        ("invalid", counts.get(Verdict.INVALID.value, 0)),
        ("untrusted", counts.get(Verdict.UNTRUSTED.value, 0)),
        ("paused", counts.get(Verdict.PAUSED.value, 0) + counts.get(Verdict.STALE_CLAIM.value, 0)),
        ("not due", counts.get(Verdict.NOT_DUE.value, 0)),
        ("leftover copies deleted", tally.cleaned),
    ):
        if number:
            parts.append(f"{number} {label}")
    text = ", ".join(parts)
    if scan.next_due is not None:
        moment, name, zone = scan.next_due
        text += f"; next: {name!r} at {when_text(moment, zone or pc.settings.tasks_default_timezone)}"
    return text
